//! Signing in and out: the sign-in page, the password check with its throttle, and the
//! session's account and CSRF token set on success.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use super::ui::Ui;
use super::views::layout;
use crate::web::AppState;
use crate::web::http::auth::{CSRF, USER_ID, account_of};
use crate::web::http::error::AppError;
use crate::web::http::extract::{ClientAddress, PageForm};

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
    super::ui::local(next)
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
    ClientAddress(addr): ClientAddress,
    session: Session,
    PageForm(form): PageForm<LoginForm>,
) -> Result<Response, AppError> {
    let name = form.name.trim().to_owned();
    let next = local_next(form.next.as_deref());
    let ip = addr.ip();
    if state.throttle.blocked(&name, ip).await {
        state
            .book
            .sign_in(format!("{name}@{ip}"), "login_throttled");
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
            session.cycle_id().await.map_err(AppError::internal)?;
            session
                .insert(USER_ID, user.account.id)
                .await
                .map_err(AppError::internal)?;
            let (csrf, _) = crate::passwords::new_token().map_err(AppError::internal)?;
            session
                .insert(CSRF, csrf)
                .await
                .map_err(AppError::internal)?;
            state.book.sign_in(format!("{name}@{ip}"), "login");
            Ok(Redirect::to(&next).into_response())
        }
        None => {
            state.throttle.failed(&name, ip);
            state.book.sign_in(format!("{name}@{ip}"), "login_failed");
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
    ClientAddress(addr): ClientAddress,
    session: Session,
) -> Result<Response, AppError> {
    if let Some(account) = account_of(&session, &state.store).await {
        state.book.sign_in(
            crate::registry::Actor::audit_name_of(&account, addr),
            "logout",
        );
    }
    session.flush().await.map_err(AppError::internal)?;
    Ok(Redirect::to("/login").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_goes_on_only_to_pages_of_this_site() {
        assert_eq!(local_next(Some("/orgs/5")), "/orgs/5");
        assert_eq!(local_next(Some("//evil.example")), "/");
        assert_eq!(local_next(Some("https://evil.example")), "/");
        assert_eq!(local_next(None), "/");
    }
}
