//! The data-interface page: how many organizations the registry holds, and its API. The
//! dashboard will take its place as the start page (issue 5).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};

use super::ui::Ui;
use super::views::layout;
use crate::web::AppState;
use crate::web::http::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new().route("/api", get(home))
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
    (
        "GET",
        "/api/orgs/{id}/decision",
        "应建党组织及依据 decision with its rules",
    ),
    (
        "GET",
        "/api/coverage/cells?res=7",
        "H3 网格覆盖情况 coverage per hexagon (GeoJSON)",
    ),
    (
        "GET",
        "/api/coverage/divisions",
        "各区划覆盖率 coverage per division",
    ),
    (
        "GET",
        "/api/gaps.geojson",
        "覆盖缺口清单 ranked gaps (GeoJSON)",
    ),
    ("GET", "/api/gaps.xlsx", "覆盖缺口清单 ranked gaps (Excel)"),
    (
        "GET",
        "/api/groups.geojson",
        "拟建联合党支部 proposed joint branches",
    ),
    ("GET", "/ogc", "OGC API - Features（QGIS、GDAL）"),
    ("GET", "/healthz", "健康检查 health check"),
];

async fn home(ui: Ui, axum::extract::State(state): State<AppState>) -> Result<Markup, AppError> {
    let total = state.store.count().await?;
    Ok(layout(
        &ui,
        ui.t("数据接口", "API"),
        "api",
        &[],
        html! {
            div.page {
                h1 { (ui.t("数据接口", "API")) }
                p {
                    (ui.t("登记库中共有 ", "The registry holds ")) strong { (total) }
                    (ui.t(" 个社会组织。", " organizations. "))
                    a href="/map" { (ui.t("查看覆盖地图", "See the coverage map")) }
                }
                h2 { (ui.t("接口", "Endpoints")) }
                p {
                    (ui.t("每个请求须带 API 令牌（", "Every request carries an API token ("))
                    code { "Authorization: Bearer oc_…" }
                    (ui.t("），在", "), made on "))
                    a href="/account" { (ui.t("账户", "the account page")) }
                    (ui.t("页面生成。完整说明见 OpenAPI 文档 ", ". The full description is the OpenAPI document "))
                    a href="/api/openapi.json" { code { "/api/openapi.json" } }
                    (ui.t("。", "."))
                }
                table.api {
                    thead { tr { th { (ui.t("方法", "Method")) } th { (ui.t("路径", "Path")) } th { (ui.t("用途", "Purpose")) } } }
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
        },
    ))
}
