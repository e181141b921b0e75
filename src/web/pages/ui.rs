//! What every page needs to know about the request: the user's language (kept in the
//! `lang` cookie) and the page's own address, for the language switch to come back to.

use std::convert::Infallible;

use axum::Router;
use axum::extract::{FromRequestParts, Query};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Deserialize;

use crate::domain::access::{Account, Action};
pub use crate::domain::lang::Lang;
use crate::web::AppState;

/// The page's language and address, and who is signed in.
#[derive(Debug, Clone)]
pub struct Ui {
    pub lang: Lang,
    /// Path and query of the page being shown.
    pub here: String,
    pub account: Option<Account>,
    /// The session's CSRF token, which the page's forms carry.
    pub csrf: Option<String>,
    /// What the last change made on a form did, shown once on the page it led to.
    pub notice: Option<Flash>,
}

impl Ui {
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(zh, en)
    }

    /// Whether the signed-in account's role allows `action` (links to what it may not
    /// do are not offered).
    pub fn may(&self, action: Action) -> bool {
        match action {
            Action::Read => true,
            _ => self.account.as_ref().is_some_and(|a| a.may(action)),
        }
    }
}

/// What a change made on a form did, kept in the session until the next page shows it:
/// never read from the address, which anyone can type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flash {
    Registered,
    Changed,
    Deregistered,
    Recorded,
    Assigned,
}

const FLASH: &str = "flash";

impl Flash {
    pub fn text(self, lang: Lang) -> &'static str {
        match self {
            Flash::Registered => lang.pick("已登记。", "Registered."),
            Flash::Changed => lang.pick("已保存修改。", "Changes saved."),
            Flash::Deregistered => lang.pick(
                "已注销。该组织不再计入覆盖率，其党组织须报告、调整或撤销（R8）。",
                "Deregistered. It counts in no rate any more, and its party organization must be reported, changed or dissolved (R8).",
            ),
            Flash::Recorded => lang.pick("已记录。", "Recorded."),
            Flash::Assigned => lang.pick("已分派。", "Assigned."),
        }
    }

    /// Keeps the notice for the next page the session shows.
    pub async fn keep(self, session: &tower_sessions::Session) {
        if let Err(e) = session.insert(FLASH, self).await {
            tracing::warn!(error = %e, "could not keep a notice in the session");
        }
    }
}

/// The language chosen in the `lang` cookie; Chinese when none.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix("lang="))
        .find_map(Lang::from_code)
        .unwrap_or_default()
}

impl Ui {
    /// The page context of a request in `lang` at `here`: the account the guard found,
    /// else the session's, and the session's CSRF token. No notice is taken from the
    /// session (the error pages leave it for the next page).
    pub async fn of(
        lang: Lang,
        here: String,
        account: Option<Account>,
        session: Option<&tower_sessions::Session>,
        state: &AppState,
    ) -> Ui {
        let (account, csrf) = match session {
            Some(session) => (
                match account {
                    Some(account) => Some(account),
                    None => crate::web::http::auth::account_of(session, &state.store).await,
                },
                crate::web::http::auth::csrf_of(session).await,
            ),
            None => (account, None),
        };
        Ui {
            lang,
            here,
            account,
            csrf,
            notice: None,
        }
    }
}

impl FromRequestParts<AppState> for Ui {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The guard has found the account of every signed-in route; public pages (the
        // sign-in page) look at the session themselves.
        let session = parts.extensions.get::<tower_sessions::Session>().cloned();
        let here = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let account = parts.extensions.get::<Account>().cloned();
        let mut ui = Ui::of(
            lang_of(&parts.headers),
            here,
            account,
            session.as_ref(),
            state,
        )
        .await;
        if let Some(session) = &session {
            ui.notice = session.remove::<Flash>(FLASH).await.ok().flatten();
        }
        Ok(ui)
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/lang/{code}", get(switch))
}

#[derive(Debug, Deserialize)]
struct SwitchQuery {
    back: Option<String>,
}

/// A local path to go to (back from the language switch, on after signing in): never
/// another site. The path is read as the browser will read the `Location` we send (WHATWG
/// URL parsing: tabs and newlines dropped, a backslash taken as `/`), and only one that stays on
/// this site is kept, as the parser normalised it; control characters are refused outright
/// (a header cannot carry them, and `/<TAB>/host` becomes `//host` in a browser).
pub fn local(back: Option<&str>) -> String {
    static SITE: std::sync::LazyLock<url::Url> = std::sync::LazyLock::new(|| {
        url::Url::parse("http://orgcover.invalid/").expect("a valid base")
    });
    let Some(back) = back.filter(|b| b.starts_with('/') && !b.chars().any(char::is_control)) else {
        return "/".to_owned();
    };
    match SITE.join(back) {
        Ok(url) if url.origin() == SITE.origin() => url[url::Position::BeforePath..].to_owned(),
        _ => "/".to_owned(),
    }
}

/// Keeps the chosen language for a year and goes back to the page it was chosen on; a
/// plain link, so it works without script and from the keyboard.
async fn switch(
    axum::extract::Path(code): axum::extract::Path<String>,
    Query(query): Query<SwitchQuery>,
) -> impl IntoResponse {
    let lang = Lang::from_code(&code).unwrap_or_default();
    let back = local(query.back.as_deref());
    (
        StatusCode::SEE_OTHER,
        [
            (
                SET_COOKIE,
                format!(
                    "lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
                    lang.code()
                ),
            ),
            (LOCATION, back),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_returns_only_to_pages_of_this_site() {
        assert_eq!(local(Some("/orgs?q=a")), "/orgs?q=a");
        assert_eq!(local(Some("/orgs/5#history")), "/orgs/5#history");
        for elsewhere in [
            "//evil.example/",
            "/\\evil.example/",
            "/\tevil.example/",
            "/\t/evil.example/page",
            "/\n/evil.example/",
            "/\r\nSet-Cookie: a=b",
            "https://evil.example/",
            "evil.example",
            "",
        ] {
            assert_eq!(local(Some(elsewhere)), "/", "{elsewhere:?}");
        }
        assert_eq!(local(None), "/");
    }

    #[test]
    fn the_cookie_chooses_the_language_and_chinese_is_the_default() {
        let mut headers = HeaderMap::new();
        assert_eq!(lang_of(&headers), Lang::Zh);
        headers.insert(COOKIE, "a=b; lang=en".parse().unwrap());
        assert_eq!(lang_of(&headers), Lang::En);
        headers.insert(COOKIE, "lang=fr".parse().unwrap());
        assert_eq!(lang_of(&headers), Lang::Zh);
    }
}
