//! Errors on pages are pages: a 404 or a refused form answers in the layout, in the user's
//! language, with a way back; the JSON API keeps its JSON errors. Handlers and the route
//! guard return one error type, whose answer carries an [`ErrorNote`] (what it may tell
//! the user, in both languages); this layer renders the page from that note.

use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::html;

use tower_sessions::Session;

use super::ui::{Ui, lang_of};
use super::views::layout;
use crate::web::AppState;
use crate::web::http::error::{AppError, ErrorNote, Said, is_api};

/// Unknown addresses: not found, in whichever shape the caller gets.
pub async fn fallback() -> AppError {
    AppError::NotFound
}

/// Answers an error of a page request with an error page, with the header of the account
/// that is signed in (a refused or missing page does not sign anyone out).
pub async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let here = request.uri().path().to_owned();
    if is_api(&here) {
        return next.run(request).await;
    }
    let lang = lang_of(request.headers());
    let session = request.extensions().get::<Session>().cloned();
    let response = next.run(request).await;
    let status = response.status();
    let Some(ErrorNote(said)) = response.extensions().get::<ErrorNote>().cloned() else {
        return response;
    };
    let ui = Ui::of(lang, here, None, session.as_ref(), &state).await;
    let (mut parts, _json) = response.into_parts();
    let page = error_page(&ui, status, said.as_ref());
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Response::from_parts(parts, page.into_response().into_body())
}

fn error_page(ui: &Ui, status: StatusCode, said: Option<&Said>) -> maud::Markup {
    let (title, explanation) = match status {
        StatusCode::NOT_FOUND => (
            ui.t("未找到", "Not found"),
            ui.t(
                "没有这个页面或这个社会组织。地址可能有误，或记录不在您可查看的范围内。",
                "There is no such page or organization. The address may be wrong, or the record is outside what you may see.",
            ),
        ),
        StatusCode::FORBIDDEN => (
            ui.t("没有权限", "Not allowed"),
            ui.t(
                "您的角色不能打开此页面或进行此操作。如需办理，请联系有此权限的同事或管理员。",
                "Your role may not open this page or do this. Ask a colleague or an administrator who may.",
            ),
        ),
        s if s.is_server_error() => (
            ui.t("出错了", "Something went wrong"),
            ui.t(
                "服务器未能完成这个请求，已记录。您的数据没有改变，请稍后重试。",
                "The server could not complete this request; it has been logged. Your data is unchanged: please try again later.",
            ),
        ),
        _ => (
            ui.t("无法处理", "Cannot do that"),
            ui.t(
                "请求未被接受，数据没有改变。",
                "The request was not accepted; nothing was changed.",
            ),
        ),
    };
    // Server errors say nothing of their cause (it is in the log); refusals say why.
    let detail = said
        .filter(|_| !status.is_server_error() && status != StatusCode::NOT_FOUND)
        .map(|m| ui.t(&m.zh, &m.en));
    layout(
        ui,
        title,
        "",
        &[],
        html! {
            div.page.error-page {
                h1 { (title) }
                p { (explanation) }
                @if let Some(d) = detail { p.error role="alert" { (d) } }
                p {
                    a href="/" { (ui.t("回到概览", "Back to the overview")) }
                    " · "
                    a href="/orgs" { (ui.t("查找社会组织", "Find an organization")) }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_keep_json_errors_and_pages_get_pages() {
        assert!(is_api("/api/orgs/1"));
        assert!(is_api("/api"));
        assert!(is_api("/ogc/collections"));
        assert!(!is_api("/orgs/1"));
        assert!(!is_api("/nowhere"));
    }
}
