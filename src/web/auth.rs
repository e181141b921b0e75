//! Signing in and out: sessions through tower-sessions kept in our own database (its
//! SQLx store pins an older SQLx), passwords checked with argon2, failed attempts limited
//! per account and per address, and one generic message for a wrong name or password.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::Router;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use super::AppState;
use super::ui::Ui;
use super::views::layout;
use crate::domain::access::Account;
use crate::store::Store;

/// The session key holding the signed-in account's id.
const USER_ID: &str = "user_id";

/// The session key holding the session's CSRF token, which every form that changes data
/// sends back.
pub const CSRF: &str = "csrf";

/// The CSRF token of a session, if signed in.
pub async fn csrf_of(session: &Session) -> Option<String> {
    session.get(CSRF).await.ok().flatten()
}

/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(8 * 3600);

/// Sessions in the registry's database.
#[derive(Debug, Clone)]
pub struct DbSessions(pub Store);

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn encode(record: &Record) -> session_store::Result<String> {
    serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = encode(record)?;
        // A colliding id (2^-128) draws another rather than taking over a session.
        while !self
            .0
            .create_session(
                &record.id.to_string(),
                &data,
                record.expiry_date.unix_timestamp(),
            )
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.0
            .save_session(
                &record.id.to_string(),
                &encode(record)?,
                record.expiry_date.unix_timestamp(),
            )
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let Some(data) = self
            .0
            .load_session(&id.to_string(), now)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            // The expiry is renewed on every request (on inactivity); the stored one was
            // checked above.
            expiry_date: OffsetDateTime::now_utc() + IDLE,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0.end_session(&id.to_string()).await.map_err(backend)
    }
}

/// The session layer: HttpOnly, SameSite=Lax, Secure when the service is reached over TLS.
pub fn session_layer(store: Store, secure: bool) -> SessionManagerLayer<DbSessions> {
    SessionManagerLayer::new(DbSessions(store))
        .with_name("orgcover_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::seconds(IDLE.as_secs() as i64),
        ))
}

/// The signed-in account of a session, if it is still enabled.
pub async fn account_of(session: &Session, store: &Store) -> Option<Account> {
    let id: i64 = session.get(USER_ID).await.ok().flatten()?;
    store.user(id).await.ok().flatten().filter(|a| !a.disabled)
}

/// Failed sign-ins per account name and per address in a sliding window: after
/// `MAX_FAILURES` within `WINDOW`, further attempts are refused until the oldest ages out.
#[derive(Debug, Default, Clone)]
pub struct Throttle {
    failures: Arc<Mutex<HashMap<String, Vec<Instant>>>>,
}

const MAX_FAILURES: usize = 5;
const WINDOW: Duration = Duration::from_secs(15 * 60);

impl Throttle {
    fn keys(name: &str, ip: IpAddr) -> [String; 2] {
        [format!("user:{name}"), format!("ip:{ip}")]
    }

    fn blocked(&self, name: &str, ip: IpAddr) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::keys(name, ip).iter().any(|k| {
            failures.get_mut(k).is_some_and(|times| {
                times.retain(|t| t.elapsed() < WINDOW);
                times.len() >= MAX_FAILURES
            })
        })
    }

    fn failed(&self, name: &str, ip: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for k in Self::keys(name, ip) {
            failures.entry(k).or_default().push(Instant::now());
        }
    }

    fn succeeded(&self, name: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&format!("user:{name}"));
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

#[derive(Debug, Default, Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

/// A local path to go on to after signing in: never another site.
fn local_next(next: Option<&str>) -> String {
    super::ui::local(next).to_owned()
}

fn login_page(ui: &Ui, next: &str, name: &str, problem: Option<&str>) -> Markup {
    layout(
        ui,
        ui.t("登录", "Sign in"),
        "",
        &[],
        html! {
            div.page.login {
                h1 { (ui.t("登录", "Sign in")) }
                @if let Some(p) = problem { div.alert role="alert" { strong { (p) } } }
                form.record method="post" action="/login" {
                    input type="hidden" name="next" value=(next);
                    div.field {
                        label for="f-name" { (ui.t("用户名", "User name")) }
                        input #f-name type="text" name="name" value=(name) required autocomplete="username" autofocus;
                    }
                    div.field {
                        label for="f-password" { (ui.t("密码", "Password")) }
                        input #f-password type="password" name="password" required autocomplete="current-password";
                    }
                    button type="submit" { (ui.t("登录", "Sign in")) }
                }
            }
        },
    )
}

async fn login_form(ui: Ui, Query(query): Query<LoginQuery>) -> Markup {
    login_page(&ui, &local_next(query.next.as_deref()), "", None)
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    next: Option<String>,
}

async fn login(
    ui: Ui,
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Result<Response, super::error::AppError> {
    let name = form.name.trim().to_owned();
    let next = local_next(form.next.as_deref());
    let ip = addr.ip();
    if state.throttle.blocked(&name, ip) {
        state
            .store
            .audit_login(&format!("{name}@{ip}"), "login_throttled")
            .await?;
        let message = ui.t(
            "登录失败次数过多，请15分钟后再试。",
            "Too many failed sign-ins: try again in 15 minutes.",
        );
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            login_page(&ui, &next, &name, Some(message)),
        )
            .into_response());
    }
    let user = state.store.user_named(&name).await?;
    // The hash is checked even for an unknown name, so both take the same time.
    let (hash, password) = (
        user.as_ref().map_or_else(
            || crate::passwords::decoy().to_owned(),
            |u| u.password_hash.clone(),
        ),
        form.password,
    );
    let matches = tokio::task::spawn_blocking(move || crate::passwords::verify(&password, &hash))
        .await
        .unwrap_or(false);
    match user.filter(|u| matches && !u.account.disabled) {
        Some(user) => {
            state.throttle.succeeded(&name);
            // A new session id on sign-in: an id planted before cannot be taken over.
            session
                .cycle_id()
                .await
                .map_err(|e| super::error::AppError::Internal(e.to_string()))?;
            session
                .insert(USER_ID, user.account.id)
                .await
                .map_err(|e| super::error::AppError::Internal(e.to_string()))?;
            let (csrf, _) = crate::passwords::new_token()
                .map_err(|e| super::error::AppError::Internal(e.to_string()))?;
            session
                .insert(CSRF, csrf)
                .await
                .map_err(|e| super::error::AppError::Internal(e.to_string()))?;
            state
                .store
                .audit_login(&format!("{name}@{ip}"), "login")
                .await?;
            Ok(Redirect::to(&next).into_response())
        }
        None => {
            state.throttle.failed(&name, ip);
            state
                .store
                .audit_login(&format!("{name}@{ip}"), "login_failed")
                .await?;
            let message = ui.t("用户名或密码错误。", "Wrong name or password.");
            Ok((
                StatusCode::UNAUTHORIZED,
                login_page(&ui, &next, &name, Some(message)),
            )
                .into_response())
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    session: Session,
) -> Result<Response, super::error::AppError> {
    if let Some(account) = account_of(&session, &state.store).await {
        state
            .store
            .audit_login(&super::access::actor(&account, addr), "logout")
            .await?;
    }
    session
        .flush()
        .await
        .map_err(|e| super::error::AppError::Internal(e.to_string()))?;
    Ok(Redirect::to("/login").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_blocks_the_account_and_the_address() {
        let t = Throttle::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..MAX_FAILURES {
            assert!(!t.blocked("zhang", ip));
            t.failed("zhang", ip);
        }
        assert!(t.blocked("zhang", ip));
        assert!(
            t.blocked("zhang", "10.0.0.2".parse().unwrap()),
            "the account, from anywhere"
        );
        assert!(t.blocked("li", ip), "the address, for any account");
        assert!(!t.blocked("li", "10.0.0.2".parse().unwrap()));
    }

    #[test]
    fn sign_in_goes_on_only_to_pages_of_this_site() {
        assert_eq!(local_next(Some("/orgs/5")), "/orgs/5");
        assert_eq!(local_next(Some("//evil.example")), "/");
        assert_eq!(local_next(Some("https://evil.example")), "/");
        assert_eq!(local_next(None), "/");
    }
}
