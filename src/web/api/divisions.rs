//! The division register for forms and scripts: a division's names and the divisions one
//! level below it, as the registration form's cascading picker asks for them.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::openapi::ErrorBody;
use crate::domain::division::{self, Division, REGISTER_YEAR, parse_prefix};
use crate::registry::query::given;
use crate::web::AppState;
use crate::web::http::error::AppError;
use crate::web::http::extract::{ApiQuery, CurrentAccount};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/divisions", get(divisions))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct RegisterParams {
    /// A division's digits (2 province, 4 city, 6 county, 9 township, 12 village; a
    /// 12-digit code may end in zeros); the whole country when not given.
    parent: Option<String>,
}

/// A division of the register with the divisions one level below it.
#[derive(Serialize, ToSchema)]
pub(super) struct RegisterEntry {
    /// The digits asked for, as given (trimmed); empty for the whole country.
    parent: String,
    /// The register's own name of that division; empty when it has none.
    name: String,
    /// Its names from the province down ("内蒙古自治区呼和浩特市新城区海拉尔东路街道"), as far as
    /// the register knows them.
    name_chain: String,
    /// Whether the register has the division itself.
    in_register: bool,
    /// The year of the register (National Bureau of Statistics codes as of its 30 June).
    register_year: u16,
    /// The divisions one level below, in code order.
    items: Vec<Division>,
}

/// A division's names and the divisions below it (the 2023 division register).
///
/// Any signed-in account may read the register: it is public data, and the form's picker
/// needs it whatever the jurisdiction.
#[utoipa::path(
    get, path = "/api/divisions", tag = "divisions",
    params(RegisterParams),
    responses(
        (status = 200, description = "区划名称及下级区划 a division's names and the divisions below it", body = RegisterEntry),
        (status = 422, description = "参数有误 a bad parameter", body = ErrorBody),
    ),
)]
pub(super) async fn divisions(
    CurrentAccount(_account): CurrentAccount,
    State(_state): State<AppState>,
    ApiQuery(params): ApiQuery<RegisterParams>,
) -> Result<Json<RegisterEntry>, AppError> {
    let parent = match given(&params.parent) {
        Some(p) => parse_prefix(p).map_err(|e| e.at("parent"))?,
        None => String::new(),
    };
    // The villages are unpacked on first use: off the async threads.
    let entry = tokio::task::spawn_blocking(move || {
        let name = division::division_name(&parent);
        RegisterEntry {
            name: name.unwrap_or("").to_owned(),
            name_chain: division::name_chain(&parent),
            in_register: parent.is_empty() || name.is_some(),
            register_year: REGISTER_YEAR,
            items: division::children(&parent),
            parent,
        }
    })
    .await
    .map_err(AppError::internal)?;
    Ok(Json(entry))
}
