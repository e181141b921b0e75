//! `/audit`: the audit log for admins (who changed what and when, before and after,
//! sign-ins and token changes included), and `/account`: the signed-in user's account and
//! API tokens, created (shown once) and revoked by their owner.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::{Markup, html};
use serde::Deserialize;

use super::ui::Ui;
use super::views::{
    AUDIT_ACTIONS, action_label, audit_changes, csrf_field, jurisdiction_name, layout, local_time,
};
use crate::domain::access::Account;
use crate::store::AuditFilter;
use crate::web::AppState;
use crate::web::http::error::AppError;
use crate::web::http::extract::{ApiPath, ClientAddress, PageForm, given};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit))
        .route("/account", get(account_page))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

const AUDIT_PAGE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
struct AuditQuery {
    before: Option<String>,
    action: Option<String>,
    account: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// A day of the filter (`YYYY-MM-DD`) as the UTC moment its start has in `zone`.
fn day_start(text: &str, zone: chrono_tz::Tz) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    let day = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    zone.from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&chrono::Utc))
}

async fn audit(
    ui: Ui,
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
) -> Result<Markup, AppError> {
    let zone = state.options.timezone;
    let before = given(&query.before).and_then(|b| b.parse::<i64>().ok());
    let action = given(&query.action);
    let account = given(&query.account);
    let (from_text, to_text) = (given(&query.from), given(&query.to));
    let filter = AuditFilter {
        action,
        account,
        from: from_text.and_then(|d| day_start(d, zone)),
        // The last day is included: before the start of the next.
        until: to_text
            .and_then(|d| day_start(d, zone))
            .map(|t| t + chrono::Duration::days(1)),
    };
    let bad_day = [from_text, to_text]
        .into_iter()
        .flatten()
        .find(|d| day_start(d, zone).is_none());
    let entries = state
        .store
        .audit_recent(AUDIT_PAGE, before, &filter)
        .await?;
    let older = entries
        .last()
        .map(|e| e.id)
        .filter(|_| entries.len() as i64 == AUDIT_PAGE);
    let snapshot = state.snapshot();
    let lang = ui.lang;
    let mut kept = Vec::new();
    for (name, value) in [
        ("action", action),
        ("account", account),
        ("from", from_text),
        ("to", to_text),
    ] {
        if let Some(v) = value {
            kept.push(format!("{name}={}", super::views::url_encode(v)));
        }
    }
    let kept = kept.join("&");
    Ok(layout(
        &ui,
        ui.t("审计日志", "Audit log"),
        "",
        &[],
        html! {
            div.page {
                h1 { (ui.t("审计日志", "Audit log")) }
                form.search method="get" action="/audit" {
                    label {
                        (ui.t("操作 ", "Action "))
                        select name="action" {
                            option value="" { (ui.t("全部", "all")) }
                            @for (code, _, _) in AUDIT_ACTIONS {
                                option value=(code) selected[action == Some(code)] { (action_label(code, lang)) }
                            }
                        }
                    }
                    label {
                        (ui.t("账号 ", "Account "))
                        input type="text" name="account" size="12" value=[account];
                    }
                    label { (ui.t("自 ", "From ")) input type="date" name="from" value=[from_text]; }
                    label { (ui.t("至 ", "to ")) input type="date" name="to" value=[to_text]; }
                    button type="submit" { (ui.t("查询", "Search")) }
                }
                @if let Some(d) = bad_day {
                    p.error role="alert" {
                        (ui.t("日期应为 YYYY-MM-DD，现为“", "a date is YYYY-MM-DD, not '")) (d) (ui.t("”，未按此日期筛选", "'; not filtered by it"))
                    }
                }
                table.list.audit {
                    thead {
                        tr {
                            th { (ui.t("时间", "Time")) " (" (zone.name()) ")" } th { (ui.t("操作人", "By")) }
                            th { (ui.t("操作", "Action")) } th { (ui.t("社会组织", "Organization")) }
                            th { (ui.t("改动", "Changes")) }
                        }
                    }
                    tbody {
                        @for e in &entries {
                            tr {
                                td { (local_time(e.at, zone)) }
                                td { (e.actor) }
                                td { (action_label(&e.action, lang)) }
                                td {
                                    @if let Some(id) = e.org_id {
                                        a href={ "/orgs/" (id) } {
                                            @match snapshot.get(id) {
                                                Some(o) => (o.org.name),
                                                None => (id),
                                            }
                                        }
                                    }
                                }
                                td.changes {
                                    @for c in audit_changes(e, lang).iter().take(12) { div { (c) } }
                                }
                            }
                        }
                    }
                }
                @if let Some(older) = older {
                    nav.pager {
                        a href={ "/audit?before=" (older) @if !kept.is_empty() { "&" (kept) } } rel="next" {
                            (ui.t("更早", "Older"))
                        }
                    }
                }
            }
        },
    ))
}

/// The account page, with a token just created shown once.
async fn render_account(
    ui: &Ui,
    state: &AppState,
    account: &Account,
    new_token: Option<&str>,
) -> Result<Markup, AppError> {
    let tokens = state.store.tokens(Some(account.id)).await?;
    Ok(layout(
        ui,
        ui.t("我的账号", "My account"),
        "",
        &[],
        html! {
            div.page {
                h1 { (ui.t("我的账号", "My account")) }
                table.fields {
                    tr { th { (ui.t("用户名", "User name")) } td { (account.name) } }
                    tr { th { (ui.t("角色", "Role")) } td { (account.role.label(ui.lang)) } }
                    tr { th { (ui.t("辖区", "Jurisdiction")) } td { (jurisdiction_name(ui, &account.jurisdiction)) } }
                }
                h2 { (ui.t("API 令牌", "API tokens")) }
                p {
                    (ui.t("脚本以令牌访问数据接口（请求头 Authorization: Bearer 令牌），权限与辖区同本账号。",
                          "Scripts reach the API with a token (header Authorization: Bearer TOKEN), with this account's role and jurisdiction."))
                }
                p {
                    (ui.t("QGIS 连接 OGC API（添加 WFS / OGC API - Features 图层，地址 ", "QGIS connects to the OGC API (Add WFS / OGC API - Features Layer, URL "))
                    code { (state.options.public_url.trim_end_matches('/')) "/ogc" }
                    (ui.t("）：认证选“Basic”，用户名填 ", "): choose \"Basic\" authentication, user name "))
                    code { (account.name) }
                    (ui.t("，密码填一个 API 令牌，不是登录密码。", ", and an API token as the password, not the account's password."))
                }
                @if let Some(token) = new_token {
                    div.alert role="status" {
                        strong { (ui.t("新令牌（只显示这一次，请立即保存）：", "New token (shown this once: keep it now): ")) }
                        code #new-token { (token) }
                    }
                }
                form.record method="post" action="/account/tokens" {
                    (csrf_field(ui))
                    div.field {
                        label for="f-label" { (ui.t("用途", "What it is for")) }
                        input #f-label type="text" name="label" required maxlength="60" placeholder="QGIS";
                    }
                    button type="submit" { (ui.t("新建令牌", "Create a token")) }
                }
                table.list.tokens {
                    thead {
                        tr {
                            th { "#" } th { (ui.t("用途", "For")) } th { (ui.t("创建 (UTC)", "Created (UTC)")) }
                            th { (ui.t("最近使用 (UTC)", "Last used (UTC)")) } th { (ui.t("状态", "Status")) } th {}
                        }
                    }
                    tbody {
                        @for t in &tokens {
                            tr {
                                td { (t.id) }
                                td { (t.label) }
                                td { (t.created_at.format("%Y-%m-%d %H:%M")) }
                                td { (t.last_used_at.map_or("—".to_owned(), |d| d.format("%Y-%m-%d %H:%M").to_string())) }
                                td { @if t.revoked { (ui.t("已撤销", "revoked")) } @else { (ui.t("有效", "active")) } }
                                td {
                                    @if !t.revoked {
                                        form method="post" action={ "/account/tokens/" (t.id) "/revoke" } {
                                            (csrf_field(ui))
                                            button type="submit" { (ui.t("撤销", "Revoke")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

async fn account_page(
    ui: Ui,
    Extension(account): Extension<Account>,
    State(state): State<AppState>,
) -> Result<Markup, AppError> {
    render_account(&ui, &state, &account, None).await
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    label: String,
}

async fn create_token(
    ui: Ui,
    Extension(account): Extension<Account>,
    State(state): State<AppState>,
    ClientAddress(addr): ClientAddress,
    PageForm(form): PageForm<TokenForm>,
) -> Result<Markup, AppError> {
    let label: String = form.label.trim().chars().take(60).collect();
    let label = if label.is_empty() {
        "token".to_owned()
    } else {
        label
    };
    let (token, hash) = crate::passwords::new_token().map_err(AppError::internal)?;
    state
        .store
        .add_token(
            &account,
            &label,
            &hash,
            &crate::registry::Actor::audit_name_of(&account, addr),
        )
        .await?;
    render_account(&ui, &state, &account, Some(&token)).await
}

async fn revoke_token(
    Extension(account): Extension<Account>,
    State(state): State<AppState>,
    ClientAddress(addr): ClientAddress,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, AppError> {
    // Owners revoke their own tokens; another's is simply not found.
    if !state
        .store
        .revoke_token(
            id,
            Some(account.id),
            &crate::registry::Actor::audit_name_of(&account, addr),
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/account").into_response())
}
