//! `/map`: the coverage map (hexagons coloured by a coverage rate, filters, a side panel
//! with a hexagon's counts and organizations), and the endpoint that lists a hexagon's
//! organizations for the panel.

use crate::domain::coverage::cell_from_hex;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use maud::{Markup, html};
use serde_json::json;

use super::AppState;
use super::decisions::today;
use super::error::AppError;
use super::extract::ApiPath;
use super::views::{layout, map_bounds};
use crate::domain::organization::Kind;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/map", get(map_page))
        .route("/api/coverage/cells/{cell}/orgs", get(cell_orgs))
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
    State(state): State<AppState>,
    axum::extract::Query(query): axum::extract::Query<MapQuery>,
) -> Markup {
    // An invalid prefix is ignored: the map opens on everything.
    let division = query
        .division
        .as_deref()
        .and_then(|d| crate::domain::division::parse_prefix(d, "division").ok());
    let filter = crate::domain::coverage::Filter {
        division: division
            .as_deref()
            .map(crate::domain::coverage::Filter::division_range),
        ..Default::default()
    };
    let cell = query.cell.as_deref().and_then(cell_from_hex);
    let extent = match cell {
        Some(cell) => Some(crate::domain::coverage::cell_bbox(cell)),
        None => state.snapshot().coverage().extent_of(&filter),
    };
    let bounds = map_bounds(extent);
    let tiles = state.options.tiles_url.clone().unwrap_or_default();
    layout(
        "覆盖地图",
        "map",
        &["/assets/vendor/leaflet/leaflet.js", "/assets/map.js"],
        html! {
            div.map-page {
                form #filters.filters aria-label="筛选" {
                    label {
                        "显示 "
                        select #rate name="rate" {
                            option value="work_coverage_rate" selected { "工作覆盖率" }
                            option value="org_coverage_rate" { "组织覆盖率" }
                            option value="own_organization_rate" { "单独组建率" }
                        }
                    }
                    label {
                        "类型 "
                        select #kind name="kind" {
                            option value="" { "全部" }
                            @for kind in Kind::ALL {
                                option value=(kind.as_str()) { (kind.label_zh()) }
                            }
                        }
                    }
                    label {
                        "覆盖状态 "
                        select #coverage name="coverage" {
                            option value="" { "全部" }
                            option value="uncovered" { "未覆盖" }
                            option value="instructor" { "派驻指导员" }
                            option value="joint" { "联合组建" }
                            option value="own" { "单独组建" }
                        }
                    }
                    label {
                        "行业 "
                        input #industry name="industry" type="text" size="8" placeholder="如 餐饮";
                    }
                    label {
                        "区划代码 "
                        input #division name="division" type="text" size="8" inputmode="numeric" placeholder="如 1501" value=[division.as_deref()];
                    }
                    label {
                        input #groups type="checkbox" name="groups";
                        " 拟建联合党支部"
                    }
                }
                div.map-body {
                    div #map data-bounds=(bounds) data-tiles=(tiles) role="region" aria-label="覆盖地图" {}
                    aside #panel.panel aria-live="polite" {
                        h2 { "点击网格查看详情" }
                        p {
                            "网格按当前选择的覆盖率着色；放大到街道级别时显示各社会组织。"
                        }
                    }
                }
                div #status.status role="status" {}
                div #legend.legend aria-label="图例" {}
            }
        },
    )
}

/// The organizations of one hexagon (resolution 4 to 9) for the map's panel, with their
/// status, coverage and recommendation.
async fn cell_orgs(
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
        .collect();
    let items: Vec<_> = rows
        .iter()
        .take(PANEL_LIMIT)
        .filter_map(|&id| {
            let o = snapshot.get(id)?;
            let d = snapshot.decision(id, today, false)?;
            Some(json!({
                "id": id,
                "name": o.org.name,
                "status": o.org.status.as_str(),
                "status_zh": o.org.status.label_zh(),
                "formal_members": o.org.formal_members,
                "coverage": d.coverage.map(|c| c.as_str()),
                "recommendation": d.recommendation.map(|r| r.as_str()),
            }))
        })
        .collect();
    Ok(Json(json!({
        "cell": format!("{:x}", u64::from(cell)),
        "total": rows.len(),
        "items": items,
    })))
}
