//! The start page: what this service is, how many organizations it holds, and its API.
//! The coverage map and registry pages replace it (issue 5).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{DOCTYPE, Markup, html};

use super::AppState;
use super::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

const ENDPOINTS: &[(&str, &str, &str)] = &[
    (
        "GET",
        "/api/orgs?division=15&kind=social_group&status=active&q=协会&limit=50",
        "社会组织列表（可筛选、分页） list with filters",
    ),
    ("POST", "/api/orgs", "登记社会组织 register an organization"),
    ("GET", "/api/orgs/{id}", "查看 read one"),
    (
        "PATCH",
        "/api/orgs/{id}",
        "修改（须带 version） change, with the version read",
    ),
    ("POST", "/api/orgs/{id}/deregister", "注销 deregister"),
    ("GET", "/api/orgs/{id}/history", "变更记录 change history"),
    ("GET", "/healthz", "健康检查 health check"),
];

async fn home(axum::extract::State(state): State<AppState>) -> Result<Markup, AppError> {
    let total = state.store.count().await?;
    Ok(html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "orgcover 社会组织党建覆盖" }
            }
            body {
                h1 { "orgcover 社会组织党建覆盖登记" }
                p { "登记库中共有 " strong { (total) } " 个社会组织 (organizations registered)。" }
                h2 { "接口 API" }
                table {
                    thead { tr { th { "方法" } th { "路径" } th { "用途" } } }
                    tbody {
                        @for (method, path, purpose) in ENDPOINTS {
                            tr {
                                td { code { (method) } }
                                td {
                                    @if *method == "GET" && !path.contains('{') {
                                        a href=(path) { code { (path) } }
                                    } @else {
                                        code { (path) }
                                    }
                                }
                                td { (purpose) }
                            }
                        }
                    }
                }
            }
        }
    })
}
