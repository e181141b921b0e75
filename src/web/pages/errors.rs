//! Errors on pages are pages: a 404 or a refused form answers in the layout, in the user's
//! language, with a way back; the JSON API keeps its JSON errors. Handlers return one
//! error type, and this layer decides which shape the caller gets.

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::html;

use tower_sessions::Session;

use super::ui::{Lang, Ui, lang_of};
use super::views::layout;
use crate::web::AppState;
use crate::web::http::error::{AppError, is_api};

/// Unknown addresses: not found, in whichever shape the caller gets.
pub async fn fallback() -> AppError {
    AppError::NotFound
}

/// Turns the JSON error of a page request into an error page, with the header of the
/// account that is signed in (a refused or missing page does not sign anyone out).
pub async fn as_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let here = request.uri().path().to_owned();
    if is_api(&here) {
        return next.run(request).await;
    }
    let lang = lang_of(request.headers());
    let session = request.extensions().get::<Session>().cloned();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || !is_json {
        return response;
    }
    let ui = Ui::of(lang, here, None, session.as_ref(), &state).await;
    let (parts, body) = response.into_parts();
    let message = to_bytes(body, 64 * 1024)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
    let mut page = error_page(&ui, status, message.as_deref()).into_response();
    *page.status_mut() = parts.status;
    page.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    page
}

fn error_page(ui: &Ui, status: StatusCode, message: Option<&str>) -> Response {
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
    let detail = message.filter(|_| !status.is_server_error() && status != StatusCode::NOT_FOUND);
    let detail = detail.map(|m| shown(ui.lang, m));
    (
        status,
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
        ),
    )
        .into_response()
}

/// The API's messages are "中文 (English)": a page shows the half in its language.
fn shown(lang: Lang, message: &str) -> String {
    match (lang, message.find(" (")) {
        (Lang::Zh, Some(i)) if message.ends_with(')') => message[..i].to_owned(),
        (Lang::En, Some(i)) if message.ends_with(')') => {
            message[i + 2..message.len() - 1].to_owned()
        }
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bilingual_message_shows_in_the_pages_language() {
        let m = "查询参数有误 (bad query parameters)";
        assert_eq!(shown(Lang::Zh, m), "查询参数有误");
        assert_eq!(shown(Lang::En, m), "bad query parameters");
        assert_eq!(shown(Lang::En, "只有中文"), "只有中文");
    }

    #[test]
    fn programs_keep_json_errors_and_pages_get_pages() {
        assert!(is_api("/api/orgs/1"));
        assert!(is_api("/api"));
        assert!(is_api("/ogc/collections"));
        assert!(!is_api("/orgs/1"));
        assert!(!is_api("/nowhere"));
    }
}
