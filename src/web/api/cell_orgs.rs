//! The organizations of one hexagon, for the map's panel.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

use crate::domain::coverage::cell_from_hex;
use crate::domain::decision::{Coverage, Recommendation};
use crate::domain::organization::Status;
use crate::registry::today;
use crate::web::AppState;
use crate::web::http::error::AppError;
use crate::web::http::extract::{ApiPath, CurrentAccount};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/coverage/cells/{cell}/orgs", get(cell_orgs))
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
        .filter(|c| (4..=9).contains(&u8::from(c.resolution())))
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
            let d = snapshot.decision(id, today, false, &account.jurisdiction)?;
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
