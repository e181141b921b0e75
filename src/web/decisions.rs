//! Decisions and joint-branch proposals, read from the live snapshot.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use geojson::FeatureCollection;
use serde::Deserialize;

use super::AppState;
use super::access::scoped;
use super::error::AppError;
use super::extract::{ApiPath, ApiQuery};
use crate::domain::access::Account;
use crate::domain::division::parse_prefix;
use crate::io::analysis::snapshot_group_feature;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orgs/{id}/decision", get(decision))
        .route("/api/groups.geojson", get(groups))
}

/// The day rules R6, R7 and R10 are judged on: today, in the server's time zone.
pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

async fn decision(
    axum::Extension(account): axum::Extension<Account>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, AppError> {
    let snapshot = state.snapshot();
    let decision = snapshot
        .get(id)
        .filter(|o| account.sees(o.org.division_code.as_str()))
        .and_then(|_| snapshot.decision(id, today(), false))
        .ok_or(AppError::NotFound)?;
    Ok(Json(decision))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupParams {
    /// Division-code prefix of the townships wanted.
    division: Option<String>,
}

async fn groups(
    axum::Extension(account): axum::Extension<Account>,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<GroupParams>,
) -> Result<impl IntoResponse, AppError> {
    let prefix = match scoped(&account, params.division.as_deref()).as_deref() {
        Some(d) => parse_prefix(d, "division")?,
        None => String::new(),
    };
    let snapshot = state.snapshot();
    let features = snapshot
        .groups(&prefix)
        .into_iter()
        .map(|g| snapshot_group_feature(&snapshot, g));
    let body = FeatureCollection::new(features).to_string();
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body))
}
