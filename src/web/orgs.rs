//! The organization API: register, read, list, change, deregister, history.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::access::{actor, fields_allowed, inside, scoped, visible_org};
use super::decisions::today;
use super::error::AppError;
use super::extract::{ApiJson, ApiPath, ApiQuery, given};
use super::openapi::{ErrorBody, NewOrganization, OrgPatch};
use crate::domain::access::Account;
use crate::domain::coords::Crs;
use crate::domain::coverage::Bbox;
use crate::domain::decision::Decision;
use crate::domain::division::parse_prefix;
use crate::domain::error::FieldError;
use crate::domain::organization::{FIELDS, Kind, OrgInput, Status};
use crate::domain::stored::StoredOrganization;
use crate::store::{AuditEntry, OrgFilter, Page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orgs", get(list).post(create))
        .route("/api/orgs/{id}", get(show).patch(update))
        .route("/api/orgs/{id}/deregister", post(deregister))
        .route("/api/orgs/{id}/history", get(history))
}

/// What a registration answers: the organization, its decision, and the R6 notice when
/// the party organization must be founded with the registration.
#[derive(Serialize, ToSchema)]
pub struct Registered {
    #[serde(flatten)]
    org: StoredOrganization,
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<Notice>,
    decision: Decision,
}

/// A rule the registration staff must act on now.
#[derive(Serialize, ToSchema)]
pub struct Notice {
    rule: &'static str,
    text: String,
    text_en: String,
}

/// Registers an organization.
#[utoipa::path(
    post, path = "/api/orgs", tag = "organizations",
    request_body(content = NewOrganization, description = "formats.md 的字段 the fields of formats.md"),
    responses(
        (status = 201, description = "已登记，附应建党组织判断 registered, with its decision", body = Registered,
            headers(("Location" = String, description = "/api/orgs/{id}")),
            links(
                ("read" = (operation_id = "show", parameters(("id" = "$response.body#/id")))),
                ("change" = (operation_id = "update", parameters(("id" = "$response.body#/id")))),
                ("deregister" = (operation_id = "deregister", parameters(("id" = "$response.body#/id")))),
                ("history" = (operation_id = "history", parameters(("id" = "$response.body#/id")))),
                ("decision" = (operation_id = "decision", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 403, description = "无登记权限，或不在管辖范围内 the account may not register, or not there", body = ErrorBody),
        (status = 409, description = "信用代码已登记 the credit code is already registered", body = ErrorBody),
        (status = 422, description = "字段有误，逐项说明 fields that break a rule, each named", body = ErrorBody),
    ),
)]
pub(super) async fn create(
    axum::Extension(account): axum::Extension<Account>,
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(input): ApiJson<OrgInput>,
) -> Result<impl IntoResponse, AppError> {
    let org = input.validate(Crs::Wgs84)?;
    inside(&account, &org)?;
    let stored = state.store.create(&org, &actor(&account, addr)).await?;
    let id = stored.id;
    state.committed(stored.clone());
    // The answer carries the new organization's decision; R6 is stated up front, since
    // the registration staff must act on it now.
    let decision = state
        .snapshot()
        .decision(id, today(), true)
        .expect("just registered");
    let notice = decision
        .reasons
        .iter()
        .find(|r| r.rule == "R6")
        .map(|r6| Notice {
            rule: r6.rule,
            text: r6.text(),
            text_en: r6.text_en(),
        });
    let location = format!("/api/orgs/{id}");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(Registered {
            org: stored,
            notice,
            decision,
        }),
    ))
}

/// Reads one organization.
#[utoipa::path(
    get, path = "/api/orgs/{id}", tag = "organizations",
    params(("id" = i64, Path, description = "the organization's id")),
    responses(
        (status = 200, description = "社会组织 the organization", body = StoredOrganization),
        (status = 404, description = "无此组织，或不在管辖范围内 no such organization in the jurisdiction", body = ErrorBody),
    ),
)]
pub(super) async fn show(
    axum::Extension(account): axum::Extension<Account>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, AppError> {
    let org = visible_org(&state, &account, id).await?;
    Ok(Json(org))
}

fn required_version(body: &mut Map<String, Value>) -> Result<i64, AppError> {
    match body.remove("version") {
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64().expect("checked")),
        _ => Err(FieldError::new(
            "version",
            "请提供读取时的版本号 version（整数），以免覆盖他人的修改",
            "send the version you read (an integer), so that nobody's change is overwritten",
        )
        .into()),
    }
}

/// Changes an organization.
///
/// A JSON merge patch of formats.md fields plus the `version` it is based on.
#[utoipa::path(
    patch, path = "/api/orgs/{id}", tag = "organizations",
    params(("id" = i64, Path, description = "the organization's id")),
    request_body(content = inline(OrgPatch)),
    responses(
        (status = 200, description = "已修改 changed", body = StoredOrganization),
        (status = 403, description = "无权修改这些字段 fields the account may not change, named", body = ErrorBody),
        (status = 404, description = "无此组织，或不在管辖范围内 no such organization in the jurisdiction", body = ErrorBody),
        (status = 409, description = "版本已变，或信用代码重复 someone changed it meanwhile, or a duplicate credit code", body = ErrorBody),
        (status = 422, description = "字段有误 fields that break a rule", body = ErrorBody),
    ),
)]
pub(super) async fn update(
    axum::Extension(account): axum::Extension<Account>,
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(mut patch): ApiJson<Map<String, Value>>,
) -> Result<impl IntoResponse, AppError> {
    let version = required_version(&mut patch)?;
    if let Some(unknown) = patch.keys().find(|k| !FIELDS.iter().any(|(f, _)| f == k)) {
        return Err(AppError::BadRequest(format!(
            "未知字段“{unknown}” (unknown field '{unknown}')"
        )));
    }
    let moves = patch.contains_key("lon") || patch.contains_key("lat");
    if patch.contains_key("crs") && !moves {
        return Err(FieldError::new(
            "crs",
            "坐标系只适用于同时提交的经纬度",
            "a coordinate system applies only to a lon/lat sent with it",
        )
        .into());
    }
    let current = visible_org(&state, &account, id).await?;
    let Value::Object(mut merged) = serde_json::to_value(&current.org).expect("serializes") else {
        unreachable!("an organization serializes to an object");
    };
    merged.extend(patch);
    let input: OrgInput = serde_json::from_value(Value::Object(merged))
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let org = input.validate(Crs::Wgs84)?;
    inside(&account, &org)?;
    fields_allowed(&account, &current.org, &org)?;
    let stored = state
        .store
        .update(id, version, &org, &actor(&account, addr), "update")
        .await?;
    state.committed(stored.clone());
    Ok(Json(stored))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DeregisterBody {
    /// The version read.
    version: i64,
}

/// Deregisters an organization.
///
/// Deregistration is a status: the organization and its history stay (R8).
#[utoipa::path(
    post, path = "/api/orgs/{id}/deregister", tag = "organizations",
    params(("id" = i64, Path, description = "the organization's id")),
    request_body = DeregisterBody,
    responses(
        (status = 200, description = "已注销 deregistered", body = StoredOrganization),
        (status = 403, description = "无注销权限 the account may not deregister", body = ErrorBody),
        (status = 404, description = "无此组织，或不在管辖范围内 no such organization in the jurisdiction", body = ErrorBody),
        (status = 409, description = "已注销，或版本已变 already deregistered, or changed meanwhile", body = ErrorBody),
    ),
)]
pub(super) async fn deregister(
    axum::Extension(account): axum::Extension<Account>,
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DeregisterBody>,
) -> Result<impl IntoResponse, AppError> {
    let current = visible_org(&state, &account, id).await?;
    if current.org.status == Status::Deregistered {
        return Err(AppError::Conflict {
            message: "该组织已注销 (this organization is already deregistered)".into(),
            field: Some("status"),
        });
    }
    let mut org = current.org;
    org.status = Status::Deregistered;
    let stored = state
        .store
        .update(id, body.version, &org, &actor(&account, addr), "deregister")
        .await?;
    state.committed(stored.clone());
    Ok(Json(stored))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct ListParams {
    /// Division-code prefix (2 = province ... 12 = village).
    division: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    /// Text searched for in names.
    q: Option<String>,
    /// `west,south,east,north`, WGS84 degrees.
    bbox: Option<String>,
    /// 1 to 1000, 50 by default.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// One page of organizations, and how many match in all.
#[derive(Serialize, ToSchema)]
pub struct OrgPage {
    items: Vec<StoredOrganization>,
    total: i64,
    limit: i64,
    offset: i64,
}

const MAX_LIMIT: i64 = 1000;

impl ListParams {
    fn filter(&self) -> Result<(OrgFilter, Page), FieldError> {
        let filter = OrgFilter {
            division_prefix: given(&self.division)
                .map(|d| parse_prefix(d, "division"))
                .transpose()?,
            kind: given(&self.kind).map(Kind::parse).transpose()?,
            status: given(&self.status).map(Status::parse).transpose()?,
            name_contains: given(&self.q).map(str::to_owned),
            bbox: given(&self.bbox).map(Bbox::parse).transpose()?,
        };
        let limit = self.limit.unwrap_or(50);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(FieldError::new(
                "limit",
                format!("每页条数应在1到{MAX_LIMIT}之间，现为{limit}"),
                format!("limit is between 1 and {MAX_LIMIT}, not {limit}"),
            ));
        }
        let offset = self.offset.unwrap_or(0);
        if offset < 0 {
            return Err(FieldError::new(
                "offset",
                "偏移量不能为负数",
                "offset cannot be negative",
            ));
        }
        Ok((filter, Page { limit, offset }))
    }
}

/// Lists organizations, with filters and paging.
#[utoipa::path(
    get, path = "/api/orgs", tag = "organizations",
    params(ListParams),
    responses(
        (status = 200, description = "一页社会组织 one page of organizations", body = OrgPage),
        (status = 422, description = "参数有误 a parameter that breaks a rule", body = ErrorBody),
    ),
)]
pub(super) async fn list(
    axum::Extension(account): axum::Extension<Account>,
    State(state): State<AppState>,
    ApiQuery(mut params): ApiQuery<ListParams>,
) -> Result<impl IntoResponse, AppError> {
    params.division = scoped(&account, params.division.as_deref());
    let (filter, page) = params.filter()?;
    let (items, total) = state.store.list(&filter, page).await?;
    Ok(Json(OrgPage {
        items,
        total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// The change history of an organization, oldest first.
#[utoipa::path(
    get, path = "/api/orgs/{id}/history", tag = "organizations",
    params(("id" = i64, Path, description = "the organization's id")),
    responses(
        (status = 200, description = "变更记录 the changes", body = Vec<AuditEntry>),
        (status = 404, description = "无此组织，或不在管辖范围内 no such organization in the jurisdiction", body = ErrorBody),
    ),
)]
pub(super) async fn history(
    axum::Extension(account): axum::Extension<Account>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, AppError> {
    visible_org(&state, &account, id).await?;
    Ok(Json(state.store.history(id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bbox_with_the_corners_swapped_or_missing_is_rejected() {
        for bad in [
            "111.9,40.7,111.5,41.0",
            "111.5,40.7,111.9",
            "a,b,c,d",
            "1,2,3,4,5",
        ] {
            assert_eq!(Bbox::parse(bad).unwrap_err().field, "bbox", "{bad}");
        }
    }
}
