//! The organization API: register, read, list, change, deregister, history.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::openapi::{ErrorBody, NewOrganization, OrgPatch};
use crate::domain::coverage::Bbox;
use crate::domain::division::parse_prefix;
use crate::domain::error::FieldError;
use crate::domain::organization::{FIELDS, Kind, OrgInput, Status};
use crate::domain::stored::StoredOrganization;
use crate::registry::query::{day_of, name_search, scoped_checked};
use crate::registry::{Member, RecordInput};
use crate::store::{AuditEntry, OrgFilter, Page};
use crate::web::AppState;
use crate::web::http::error::AppError;
use crate::web::http::extract::{ApiJson, ApiPath, ApiQuery, CurrentAccount, CurrentActor, given};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orgs", get(list).post(create))
        .route("/api/orgs/{id}", get(show).patch(update))
        .route("/api/orgs/{id}/deregister", post(deregister))
        .route("/api/orgs/{id}/party-org", post(found_party_org))
        .route(
            "/api/orgs/{id}/party-org/dissolve",
            post(dissolve_party_org),
        )
        .route("/api/orgs/{id}/election", post(record_election))
        .route("/api/orgs/{id}/report", post(record_report))
        .route("/api/orgs/{id}/instructor", post(assign_instructor))
        .route("/api/orgs/{id}/instructor/remove", post(remove_instructor))
        .route("/api/orgs/{id}/history", get(history))
        .route("/api/orgs/{id}/tasks/{list}/assign", post(assign_task))
}

/// The body of a task given to an account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AssignBody {
    /// The name of the account it is given to: one of the body responsible for the
    /// organization (clause 6), recording party work, its jurisdiction holding it.
    #[schema(example = "xinchengqu")]
    assignee: String,
    /// The day it is due, `YYYY-MM-DD`, not before today.
    #[schema(example = "2026-12-31", format = Date)]
    due_on: String,
    /// A note for the assignee (at most 500 characters).
    #[serde(default)]
    note: String,
}

/// Gives an organization's entry on a task list to an account, with a due day and a note.
///
/// The latest assignment of an entry holds; it is audited (action `assign_task`) and ends
/// when the work is recorded and the entry leaves its list.
#[utoipa::path(
    post, path = "/api/orgs/{id}/tasks/{list}/assign", tag = "party work",
    params(
        ("id" = i64, Path, description = "the organization's id"),
        ("list" = String, Path, description = "the task list: establish, should_build, election_overdue, election_due_soon, report_overdue, dissolve, key_contact, verify or locate"),
    ),
    request_body = AssignBody,
    responses(
        (status = 200, description = "已分派 assigned", body = crate::domain::tasks::Assignment),
        (status = 403, description = "无记录党建工作权限 the account may not record party work", body = ErrorBody),
        (status = 404, description = "无此组织，或不在管辖范围内 no such organization in the jurisdiction", body = ErrorBody),
        (status = 422, description = "清单、账号、期限或备注有误，逐项说明 a list the organization is not on, an account not of the responsible body, a past or unreadable day, a note too long", body = ErrorBody),
    ),
)]
pub(super) async fn assign_task(
    CurrentActor(actor): CurrentActor,
    State(state): State<AppState>,
    ApiPath((id, list)): ApiPath<(i64, String)>,
    body: Result<ApiJson<AssignBody>, AppError>,
) -> Result<Json<crate::domain::tasks::Assignment>, AppError> {
    // An organization outside the jurisdiction is not found, whatever the body says.
    state.registry.visible(&actor.account, id).await?;
    let ApiJson(body) = body?;
    let list = crate::domain::tasks::TaskList::parse(&list).ok_or_else(|| {
        crate::domain::error::FieldError::new(
            "list",
            format!("没有名为“{list}”的任务清单"),
            format!("there is no task list '{list}'"),
        )
    })?;
    Ok(Json(
        state
            .registry
            .assign_task(&actor, list, id, &body.assignee, &body.due_on, &body.note)
            .await?,
    ))
}

/// Registers an organization.
#[utoipa::path(
    post, path = "/api/orgs", tag = "organizations",
    request_body(content = NewOrganization, description = "formats.md 的字段 the fields of formats.md"),
    responses(
        (status = 201, description = "已登记，附应建党组织判断 registered, with its decision", body = crate::registry::Registered,
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
    CurrentActor(actor): CurrentActor,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<OrgInput>,
) -> Result<impl IntoResponse, AppError> {
    let registered = state.registry.register(&actor, &input).await?;
    let location = format!("/api/orgs/{}", registered.org.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(registered),
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
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, AppError> {
    Ok(Json(state.registry.visible(&account, id).await?))
}

/// A JSON number that is a whole number (`3` or `3.0`: JSON Schema's `integer` is both).
fn whole(n: &serde_json::Number) -> Option<i64> {
    n.as_i64()
        .or_else(|| crate::domain::organization::exact_whole(n.as_f64()?))
}

/// `version` read as [`whole`].
fn whole_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    whole(&n).ok_or_else(|| serde::de::Error::custom(format!("version is a whole number, not {n}")))
}

fn required_version(body: &mut Map<String, Value>) -> Result<i64, AppError> {
    match body.remove("version") {
        Some(Value::Number(n)) if whole(&n).is_some() => Ok(whole(&n).expect("checked")),
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
    CurrentActor(actor): CurrentActor,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(mut patch): ApiJson<Map<String, Value>>,
) -> Result<impl IntoResponse, AppError> {
    let version = required_version(&mut patch)?;
    if let Some(unknown) = patch.keys().find(|k| !FIELDS.iter().any(|(f, _)| f == k)) {
        return Err(AppError::bad_request(
            format!("未知字段“{unknown}”"),
            format!("unknown field '{unknown}'"),
        ));
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
    let current = state.registry.visible(&actor.account, id).await?;
    let Value::Object(mut merged) = serde_json::to_value(&current.org).expect("serializes") else {
        unreachable!("an organization serializes to an object");
    };
    merged.extend(patch);
    let input: OrgInput = serde_json::from_value(Value::Object(merged)).map_err(|e| {
        AppError::bad_request(
            format!("请求内容有误：{e}"),
            format!("the request body does not fit: {e}"),
        )
    })?;
    Ok(Json(
        state.registry.change(&actor, id, version, &input).await?,
    ))
}

/// The body of a change that needs only the version read (dissolving, removing an
/// instructor).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct VersionBody {
    /// The version read.
    #[serde(deserialize_with = "whole_version")]
    version: i64,
}

/// The body of a deregistration: the version read and the day it took effect.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DeregisterBody {
    /// The version read.
    #[serde(deserialize_with = "whole_version")]
    version: i64,
    /// The day of the deregistration, `YYYY-MM-DD`; today when not given.
    #[schema(example = "2026-11-30", format = Date)]
    deregistered_on: Option<String>,
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
        (status = 422, description = "注销日期有误（不是日期、早于登记日期或晚于今天） a bad deregistration day (not a date, before the registration, after today)", body = ErrorBody),
    ),
)]
pub(super) async fn deregister(
    CurrentActor(actor): CurrentActor,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DeregisterBody>,
) -> Result<impl IntoResponse, AppError> {
    let on = day_of(body.deregistered_on.as_deref(), "deregistered_on")?;
    Ok(Json(
        state
            .registry
            .deregister(&actor, id, body.version, on)
            .await?,
    ))
}

/// A member of a joint party organization: its id, or its credit code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub(super) enum MemberRef {
    Id(WholeId),
    CreditCode(String),
}

/// An id sent as `3` or `3.0` (JSON Schema's `integer` is both).
#[derive(Debug)]
pub(super) struct WholeId(i64);

impl utoipa::PartialSchema for WholeId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        i64::schema()
    }
}

impl ToSchema for WholeId {}

impl<'de> Deserialize<'de> for WholeId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = serde_json::Number::deserialize(d)?;
        whole(&n)
            .map(WholeId)
            .ok_or_else(|| serde::de::Error::custom(format!("an id is a whole number, not {n}")))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct FoundingBody {
    /// The version read.
    #[serde(deserialize_with = "whole_version")]
    version: i64,
    /// committee, general_branch, branch, joint_industry or joint_regional (or 党委 ...).
    #[schema(required = true, nullable = false)]
    party_org: Option<String>,
    /// YYYY-MM-DD, not after today.
    #[schema(required = true, nullable = false)]
    party_org_established_on: Option<String>,
    /// For a joint organization, the other member organizations (ids or credit codes),
    /// each at its current version; none for an own one.
    #[serde(default)]
    members: Vec<MemberRef>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ElectionBody {
    #[serde(deserialize_with = "whole_version")]
    version: i64,
    /// YYYY-MM-DD, not after today nor before the founding (R7).
    #[schema(required = true, nullable = false)]
    last_election_on: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReportBody {
    #[serde(deserialize_with = "whole_version")]
    version: i64,
    /// YYYY-MM-DD, not after today nor before the founding (R10).
    #[schema(required = true, nullable = false)]
    last_report_on: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct InstructorBody {
    #[serde(deserialize_with = "whole_version")]
    version: i64,
    /// The instructor's or liaison's name (at most 50 characters).
    #[schema(required = true, nullable = false, max_length = 50, pattern = r"\S")]
    instructor: Option<String>,
}

/// What recording party work answers: the organization, and for a joint organization
/// founded its other members, each at its new version.
#[derive(Serialize, ToSchema)]
pub struct Recorded {
    #[serde(flatten)]
    org: StoredOrganization,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    members: Vec<StoredOrganization>,
}

/// What every party-work request answers (one list for the six requests).
#[derive(utoipa::IntoResponses)]
#[allow(
    dead_code,
    clippy::large_enum_variant,
    reason = "a description for the document, never built: the answers are made in `record` and `AppError`"
)]
pub(super) enum RecordAnswers {
    #[response(status = 200, description = "已记录 recorded")]
    Recorded(Recorded),
    #[response(
        status = 403,
        description = "只有组织部门记录党建工作 party work is the organization department's"
    )]
    Forbidden(ErrorBody),
    #[response(
        status = 404,
        description = "无此组织，或不在管辖范围内 no such organization in the jurisdiction"
    )]
    NotFound(ErrorBody),
    #[response(status = 409, description = "版本已变 someone changed it meanwhile")]
    Conflict(ErrorBody),
    #[response(
        status = 422,
        description = "字段有误，逐项说明 fields that break a rule, each named"
    )]
    Invalid(ErrorBody),
}

async fn record(
    state: &AppState,
    actor: &crate::registry::Actor,
    id: i64,
    version: i64,
    input: RecordInput,
) -> Result<Json<Recorded>, AppError> {
    let mut changed = state.registry.record(actor, id, version, &input).await?;
    let org = changed.remove(0);
    Ok(Json(Recorded {
        org,
        members: changed,
    }))
}

/// Records a party organization founded (R1, R3, R4).
///
/// The same rules as the organization page's form: a founding date not after today nor
/// before the registration; a joint organization names its other members, an own one
/// none. All members change in one transaction, or none.
#[utoipa::path(
    post, path = "/api/orgs/{id}/party-org", tag = "party work",
    params(("id" = i64, Path, description = "the organization's id")),
    request_body = FoundingBody,
    responses(RecordAnswers),
)]
pub(super) async fn found_party_org(
    CurrentActor(actor): CurrentActor,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<FoundingBody>,
) -> Result<Json<Recorded>, AppError> {
    let members = body
        .members
        .into_iter()
        .map(|m| match m {
            MemberRef::Id(WholeId(id)) => Member::Id { id, version: None },
            MemberRef::CreditCode(code) => Member::CreditCode(code),
        })
        .collect();
    let input = RecordInput::Founded {
        party_org: body.party_org,
        established_on: body.party_org_established_on,
        members,
    };
    record(&state, &actor, id, body.version, input).await
}

/// Records the party organization dissolved (R8).
#[utoipa::path(
    post, path = "/api/orgs/{id}/party-org/dissolve", tag = "party work",
    params(("id" = i64, Path, description = "the organization's id")),
    request_body = VersionBody,
    responses(RecordAnswers),
)]
pub(super) async fn dissolve_party_org(
    CurrentActor(actor): CurrentActor,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Json<Recorded>, AppError> {
    record(&state, &actor, id, body.version, RecordInput::Dissolved).await
}

/// Records an election held (换届, R7).
#[utoipa::path(
    post, path = "/api/orgs/{id}/election", tag = "party work",
    params(("id" = i64, Path, description = "the organization's id")),
    request_body = ElectionBody,
    responses(RecordAnswers),
)]
pub(super) async fn record_election(
    CurrentActor(actor): CurrentActor,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ElectionBody>,
) -> Result<Json<Recorded>, AppError> {
    let input = RecordInput::Election {
        on: body.last_election_on,
    };
    record(&state, &actor, id, body.version, input).await
}

/// Records the secretary's yearly report (述职, R10).
#[utoipa::path(
    post, path = "/api/orgs/{id}/report", tag = "party work",
    params(("id" = i64, Path, description = "the organization's id")),
    request_body = ReportBody,
    responses(RecordAnswers),
)]
pub(super) async fn record_report(
    CurrentActor(actor): CurrentActor,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<Json<Recorded>, AppError> {
    let input = RecordInput::Report {
        on: body.last_report_on,
    };
    record(&state, &actor, id, body.version, input).await
}

/// Assigns a party-building instructor or liaison (work coverage, clause 11).
#[utoipa::path(
    post, path = "/api/orgs/{id}/instructor", tag = "party work",
    params(("id" = i64, Path, description = "the organization's id")),
    request_body = InstructorBody,
    responses(RecordAnswers),
)]
pub(super) async fn assign_instructor(
    CurrentActor(actor): CurrentActor,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<InstructorBody>,
) -> Result<Json<Recorded>, AppError> {
    let input = RecordInput::InstructorAssigned {
        name: body.instructor,
    };
    record(&state, &actor, id, body.version, input).await
}

/// Removes the instructor or liaison.
#[utoipa::path(
    post, path = "/api/orgs/{id}/instructor/remove", tag = "party work",
    params(("id" = i64, Path, description = "the organization's id")),
    request_body = VersionBody,
    responses(RecordAnswers),
)]
pub(super) async fn remove_instructor(
    CurrentActor(actor): CurrentActor,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Json<Recorded>, AppError> {
    record(
        &state,
        &actor,
        id,
        body.version,
        RecordInput::InstructorRemoved,
    )
    .await
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
                .map(|d| parse_prefix(d).map_err(|e| e.at("division")))
                .transpose()?,
            kind: given(&self.kind).map(Kind::parse).transpose()?,
            status: given(&self.status).map(Status::parse).transpose()?,
            name_contains: name_search(&self.q)?,
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
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiQuery(mut params): ApiQuery<ListParams>,
) -> Result<impl IntoResponse, AppError> {
    params.division = scoped_checked(&account, params.division.as_deref(), "division")?;
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
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, AppError> {
    state.registry.visible(&account, id).await?;
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
