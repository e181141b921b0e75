//! Decisions and joint-branch proposals, read from the live snapshot.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use geojson::FeatureCollection;
use serde::Deserialize;
use utoipa::IntoParams;

use super::openapi::{ErrorBody, GroupCollection};
use crate::domain::decision::Decision;
use crate::io::analysis::snapshot_group_feature;
use crate::registry::query::scoped_checked;
use crate::registry::today;
use crate::web::AppState;
use crate::web::http::error::AppError;
use crate::web::http::extract::CurrentAccount;
use crate::web::http::extract::{ApiPath, ApiQuery};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orgs/{id}/decision", get(decision))
        .route("/api/groups.geojson", get(groups))
}

/// The decision of one organization.
///
/// What party organization it should have, its flags and coverage, and the rules that
/// fired with their clauses.
#[utoipa::path(
    get, path = "/api/orgs/{id}/decision", tag = "decisions",
    params(("id" = i64, Path, description = "the organization's id")),
    responses(
        (status = 200, description = "判断及依据 the decision and its reasons", body = Decision),
        (status = 404, description = "无此组织，或不在管辖范围内 no such organization in the jurisdiction", body = ErrorBody),
    ),
)]
pub(super) async fn decision(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, AppError> {
    let snapshot = state.snapshot();
    let decision = snapshot
        .get(id)
        .filter(|o| account.sees(o.org.division_code.as_str()))
        .and_then(|_| snapshot.decision(id, today(), false, &account.jurisdiction))
        .ok_or(AppError::NotFound)?;
    Ok(Json(decision))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct GroupParams {
    /// Division-code prefix of the townships wanted.
    division: Option<String>,
}

/// The proposed regional joint branches (R4) of the townships in the jurisdiction.
#[utoipa::path(
    get, path = "/api/groups.geojson", tag = "decisions",
    params(GroupParams),
    responses(
        (status = 200, description = "拟建联合党支部 proposed joint branches (RFC 7946)", body = GroupCollection, content_type = "application/geo+json"),
        (status = 422, description = "区划代码有误 a bad division prefix", body = ErrorBody),
    ),
)]
pub(super) async fn groups(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<GroupParams>,
) -> Result<impl IntoResponse, AppError> {
    let prefix =
        scoped_checked(&account, params.division.as_deref(), "division")?.unwrap_or_default();
    let snapshot = state.snapshot();
    let features = snapshot
        .groups(&prefix)
        .into_iter()
        .map(|g| snapshot.seen_from(g, &prefix))
        .filter(|g| !g.members.is_empty())
        .map(|g| snapshot_group_feature(&snapshot, &g));
    let body = FeatureCollection::new(features).to_string();
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body))
}
