//! `/map`: the coverage map (hexagons coloured by a coverage rate, filters, a side panel
//! with a hexagon's counts and organizations), and the endpoint that lists a hexagon's
//! organizations for the panel.

use crate::domain::coverage::cell_from_hex;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use maud::{Markup, html};

use super::AppState;
use super::access::scoped;
use super::error::AppError;
use super::extract::ApiPath;
use super::extract::CurrentAccount;
use super::ui::Ui;
use super::views::{layout, map_bounds};
use crate::domain::decision::{Coverage, Recommendation};
use crate::domain::organization::{Kind, Status};
use crate::registry::today;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/map", get(map_page))
        .route("/api/coverage/cells/{cell}/orgs", get(cell_orgs))
}

/// A hexagon's organizations: the first of them and how many there are.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CellOrgs {
    cell: String,
    total: usize,
    /// At most 200.
    items: Vec<CellOrg>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CellOrg {
    id: i64,
    name: String,
    status: Status,
    status_zh: &'static str,
    formal_members: u32,
    coverage: Option<Coverage>,
    recommendation: Option<Recommendation>,
}

/// The most organizations the panel lists for one hexagon.
const PANEL_LIMIT: usize = 200;

#[derive(Debug, Default, serde::Deserialize)]
struct MapQuery {
    /// A division-code prefix: the map opens on it with the filter set.
    division: Option<String>,
    /// An H3 cell (hex): the map opens on it.
    cell: Option<String>,
}

async fn map_page(
    ui: Ui,
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    axum::extract::Query(query): axum::extract::Query<MapQuery>,
) -> Markup {
    // An invalid prefix is ignored: the map opens on everything.
    let division = scoped(&account, query.division.as_deref())
        .and_then(|d| crate::domain::division::parse_prefix(&d, "division").ok());
    let filter = crate::domain::coverage::Filter {
        division: division
            .as_deref()
            .map(crate::domain::coverage::Filter::division_range),
        ..Default::default()
    };
    let cell = query.cell.as_deref().and_then(cell_from_hex);
    let extent = match cell {
        Some(cell) => Some(crate::domain::coverage::cell_bbox(cell)),
        None => {
            // The box around a jurisdiction's organizations takes a pass over all of them
            // (tens of milliseconds at a million): kept until the snapshot changes.
            let snapshot = state.snapshot();
            let generation = state.generation();
            let key = division.clone().unwrap_or_default();
            state.map_extents.get(generation, &key).unwrap_or_else(|| {
                let extent = snapshot.coverage().extent_of(&filter);
                state.map_extents.put(generation, key, extent, 1);
                extent
            })
        }
    };
    let bounds = map_bounds(extent);
    let tiles = state.options.tiles_url.clone().unwrap_or_default();
    layout(
        &ui,
        ui.t("覆盖地图", "Coverage map"),
        "map",
        &["/assets/vendor/leaflet/leaflet.js", "/assets/map.js"],
        html! {
            div.map-page {
                form #filters.filters aria-label=(ui.t("筛选", "Filters")) {
                    label {
                        (ui.t("显示 ", "Show "))
                        select #rate name="rate" {
                            option value="work_coverage_rate" selected { (ui.t("工作覆盖率", "Work coverage")) }
                            option value="org_coverage_rate" { (ui.t("组织覆盖率", "Organizational coverage")) }
                            option value="own_organization_rate" { (ui.t("单独组建率", "Own-organization rate")) }
                        }
                    }
                    label {
                        (ui.t("类型 ", "Kind "))
                        select #kind name="kind" {
                            option value="" { (ui.t("全部", "All")) }
                            @for kind in Kind::ALL {
                                option value=(kind.as_str()) { (kind.label(ui.lang)) }
                            }
                        }
                    }
                    label {
                        (ui.t("覆盖状态 ", "Coverage "))
                        select #coverage name="coverage" {
                            option value="" { (ui.t("全部", "All")) }
                            @for c in [Coverage::Uncovered, Coverage::Instructor, Coverage::Joint, Coverage::Own] {
                                option value=(c.as_str()) { (c.label(ui.lang)) }
                            }
                        }
                    }
                    label {
                        (ui.t("行业 ", "Industry "))
                        input #industry name="industry" type="text" size="8" placeholder=(ui.t("如 餐饮", "e.g. 餐饮"));
                    }
                    label {
                        (ui.t("区划代码 ", "Division code "))
                        input #division name="division" type="text" size="8" inputmode="numeric" placeholder=(ui.t("如 1501", "e.g. 1501")) value=[division.as_deref()];
                    }
                    label {
                        input #groups type="checkbox" name="groups";
                        (ui.t(" 拟建联合党支部", " Proposed joint branches"))
                    }
                }
                div.map-body {
                    div #map data-bounds=(bounds) data-tiles=(tiles) role="region" aria-label=(ui.t("覆盖地图", "Coverage map")) {}
                    aside #panel.panel aria-live="polite" {
                        h2 { (ui.t("点击网格查看详情", "Click a hexagon for its details")) }
                        p {
                            (ui.t(
                                "网格按当前选择的覆盖率着色；放大到街道级别时显示各社会组织。",
                                "Hexagons are coloured by the rate chosen; at street zoom each organization shows as a point.",
                            ))
                        }
                    }
                }
                div #status.status role="status" {}
                div #legend.legend aria-label=(ui.t("图例", "Legend")) {}
            }
        },
    )
}

/// The organizations of one hexagon.
///
/// Resolution 4 to 9, for the map's panel: each with its status, coverage and
/// recommendation.
#[utoipa::path(
    get, path = "/api/coverage/cells/{cell}/orgs", tag = "coverage",
    params(("cell" = String, Path, description = "H3 cell, resolution 4 to 9, lower-case hex")),
    responses(
        (status = 200, description = "网格内的社会组织 the hexagon's organizations", body = CellOrgs),
        (status = 404, description = "不是 4 到 9 级的网格 not a cell of resolution 4 to 9", body = super::openapi::ErrorBody),
    ),
)]
pub(super) async fn cell_orgs(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath(cell): ApiPath<String>,
) -> Result<impl IntoResponse, AppError> {
    let cell = cell_from_hex(&cell)
        .filter(|c| u8::from(c.resolution()) <= 9)
        .ok_or(AppError::NotFound)?;
    let snapshot = state.snapshot();
    let today = today();
    let rows: Vec<i64> = snapshot
        .coverage()
        .rows_in(cell)
        .map(|(id, _)| id)
        .filter(|&id| {
            snapshot
                .get(id)
                .is_some_and(|o| account.sees(o.org.division_code.as_str()))
        })
        .collect();
    let items: Vec<_> = rows
        .iter()
        .take(PANEL_LIMIT)
        .filter_map(|&id| {
            let o = snapshot.get(id)?;
            let d = snapshot.decision(id, today, false)?;
            Some(CellOrg {
                id,
                name: o.org.name.clone(),
                status: o.org.status,
                status_zh: o.org.status.label_zh(),
                formal_members: o.org.formal_members,
                coverage: d.coverage,
                recommendation: d.recommendation,
            })
        })
        .collect();
    Ok(Json(CellOrgs {
        cell: format!("{:x}", u64::from(cell)),
        total: rows.len(),
        items,
    }))
}
