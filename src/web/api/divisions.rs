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
    Router::new()
        .route("/api/divisions", get(divisions))
        .route("/api/divisions/search", get(search))
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

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchParams {
    /// Text the name holds ("新城", "回民区").
    q: Option<String>,
    /// 1 to 50, 10 by default.
    #[param(minimum = 1, maximum = 50)]
    limit: Option<usize>,
}

/// A division a name search found.
#[derive(Serialize, ToSchema)]
pub(super) struct Found {
    /// The division's own digits (2 province, 4 city, 6 county, 9 township).
    code: &'static str,
    name: &'static str,
    /// Its names from the province down, to tell apart the many 新城区.
    name_chain: String,
    /// province, city, county or township.
    level: &'static str,
}

#[derive(Serialize, ToSchema)]
pub(super) struct SearchAnswer {
    items: Vec<Found>,
}

/// Divisions by name (the map's search box).
///
/// The provinces, cities, counties and townships of the 2023 register within the account's
/// jurisdiction whose name holds `q`: a name equal to it first, then one starting with it,
/// the coarser level first.
#[utoipa::path(
    get, path = "/api/divisions/search", tag = "divisions",
    params(SearchParams),
    responses(
        (status = 200, description = "按名称找到的区划 divisions found by name", body = SearchAnswer),
        (status = 422, description = "参数有误 a bad parameter", body = ErrorBody),
    ),
)]
pub(super) async fn search(
    CurrentAccount(account): CurrentAccount,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchAnswer>, AppError> {
    let text = crate::registry::query::name_search(&params.q)?.unwrap_or_default();
    let limit = params.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(crate::domain::error::FieldError::new(
            "limit",
            format!("条数应在1到50之间，现为{limit}"),
            format!("limit is between 1 and 50, not {limit}"),
        )
        .into());
    }
    let items = division::search_names(&text, &account.jurisdiction, limit)
        .into_iter()
        .map(|d| Found {
            code: d.code,
            name: d.name,
            name_chain: division::name_chain(d.code),
            level: crate::domain::boundary::level_of_prefix(d.code)
                .unwrap_or(crate::domain::division::DivisionLevel::Township)
                .as_str(),
        })
        .collect();
    Ok(Json(SearchAnswer { items }))
}
