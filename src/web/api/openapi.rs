//! The OpenAPI 3 document of the JSON API, generated from the handlers' `#[utoipa::path]`
//! annotations and the types they answer with, served at `/api/openapi.json`. Scripts,
//! QGIS users and schemathesis (run by the tests) read it.
//!
//! The GeoJSON and division answers are written by hand for speed (a province map is ten
//! thousand hexagons), so their schemas are declared here beside one another; the
//! schemathesis run checks every answer against them.

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::exact_inputs::ExactInputs;
use crate::domain::organization::{Kind, Level, PartyOrg, Status};
use crate::domain::policy::RateTargets;
use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(document))
}

/// The document itself; public, like any API description, so that tools can read it
/// before they are given a token.
async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "orgcover",
        description = "社会组织党组织覆盖登记库的数据接口：登记、查询、修改社会组织，\
            应建党组织的判断及依据，H3 网格与行政区划的覆盖情况和缺口清单。\n\n\
            The registry of social organizations and their party-organization coverage: \
            register, read and change organizations, the decision of each with the rules \
            that fired, coverage per H3 hexagon and per division, ranked gap lists. \
            Every request carries an API token (`Authorization: Bearer oc_...`, made on \
            the account page or by `orgcover token create`) and sees only its owner's \
            jurisdiction.",
    ),
    paths(
        super::orgs::list,
        super::orgs::create,
        super::orgs::show,
        super::orgs::update,
        super::orgs::deregister,
        super::orgs::assign_task,
        super::orgs::history,
        super::orgs::found_party_org,
        super::orgs::dissolve_party_org,
        super::orgs::record_election,
        super::orgs::record_report,
        super::orgs::assign_instructor,
        super::orgs::remove_instructor,
        super::decisions::decision,
        super::decisions::groups,
        super::coverage::cells,
        super::cell_orgs::cell_orgs,
        super::coverage::divisions,
        super::coverage::divisions_csv,
        super::coverage::division_map,
        super::coverage::gaps_as_geojson,
        super::coverage::gaps_as_csv,
        super::coverage::gaps_as_xlsx,
        super::coverage::gaps_as_fgb,
        super::divisions::divisions,
        super::divisions::search,
        super::boundaries::outlines,
    ),
    components(schemas(ErrorBody, super::orgs::Recorded)),
    modifiers(&BearerToken, &CommonErrors, &ExactInputs),
    security(("token" = [])),
    tags(
        (name = "organizations", description = "登记与修改 registration and changes"),
        (name = "party work", description = "记录党组织、换届、述职和指导员 recording party organizations, elections, reports and instructors"),
        (name = "decisions", description = "应建党组织及依据 what each organization should have, and why"),
        (name = "coverage", description = "覆盖情况与缺口 coverage and gaps"),
        (name = "divisions", description = "统计用区划代码（2023） the division register of 2023"),
    ),
)]
pub struct ApiDoc;

/// The API token every operation needs.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some(
            "API 令牌，在“账户”页面或用 `orgcover token create` 生成 \
             (an API token from the account page or `orgcover token create`)"
                .into(),
        );
        components.add_security_scheme("token", SecurityScheme::Http(scheme));
    }
}

/// Answers every operation can give besides its own: a malformed request (400) and a
/// missing, revoked or disabled token (401).
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let common = [
            (
                "400",
                "请求格式有误（查询参数、JSON） malformed query or body",
            ),
            (
                "401",
                "缺少或无效的 API 令牌 missing, revoked or unknown token",
            ),
        ];
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                for (status, description) in common {
                    operation
                        .responses
                        .responses
                        .entry(status.into())
                        .or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

/// A response whose body is the API's error shape.
pub fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                "ErrorBody",
            )))),
        )
        .build()
        .into()
}

/// Every refusal: what is wrong in Chinese and English, and the field it concerns.
#[derive(Serialize, ToSchema)]
#[allow(
    dead_code,
    reason = "a description for the document: the answers are made in `AppError`"
)]
pub struct ErrorBody {
    /// 错误说明（中文和英文） what is wrong, in Chinese and English
    error: String,
    /// The field the error concerns, when one does.
    #[schema(required = false)]
    field: Option<String>,
    /// Validation (422): every field that failed, the first one repeated above.
    #[schema(required = false)]
    errors: Option<Vec<FieldMessage>>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct FieldMessage {
    field: String,
    error: String,
}

/// A registration: the fields of formats.md's organization JSON (vocabularies may also be
/// given in Chinese, as in a CSV file). A field that breaks a rule answers 422 naming it.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct NewOrganization {
    /// Required except for community organizations.
    credit_code: Option<crate::domain::credit_code::CreditCode>,
    #[schema(min_length = 1, max_length = 200, example = "新城区餐饮行业协会")]
    name: String,
    kind: Kind,
    level: Level,
    /// 6, 9 or 12 digits; stored as 12. Left out, it is the township or street the address
    /// names within the credit code's registering division (characters 3-8), or that
    /// division itself (`division_source` says which).
    #[schema(pattern = "^[0-9]{6}([0-9]{3}){0,2}$", example = "150102001")]
    division_code: Option<String>,
    address: Option<String>,
    #[schema(example = 111.67)]
    lon: f64,
    #[schema(example = 40.82)]
    lat: f64,
    /// wgs84 (default), gcj02 or bd09.
    #[schema(pattern = "^(wgs84|gcj02|bd09)$")]
    crs: Option<String>,
    industry: Option<String>,
    supervisor: Option<String>,
    is_industry_association: Option<bool>,
    association: Option<crate::domain::credit_code::CreditCode>,
    #[schema(minimum = 0)]
    member_units: Option<u32>,
    #[schema(minimum = 0)]
    staff: Option<u32>,
    #[schema(minimum = 0)]
    formal_members: u32,
    #[schema(minimum = 0)]
    probationary_members: Option<u32>,
    #[schema(minimum = 0)]
    members_elsewhere: Option<u32>,
    #[schema(value_type = Option<String>, pattern = r"^([0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2})?$")]
    /// Days: `YYYY-MM-DD`, or with `/` or `.` as Excel and WPS write them; empty for none.
    registered_on: Option<chrono::NaiveDate>,
    status: Option<Status>,
    party_org: Option<PartyOrg>,
    #[schema(value_type = Option<String>, pattern = r"^([0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2})?$")]
    party_org_established_on: Option<chrono::NaiveDate>,
    #[schema(value_type = Option<String>, pattern = r"^([0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2})?$")]
    last_election_on: Option<chrono::NaiveDate>,
    #[schema(value_type = Option<String>, pattern = r"^([0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2})?$")]
    last_report_on: Option<chrono::NaiveDate>,
    instructor: Option<String>,
    /// How the division code was found (given by default; an export says so for derived
    /// ones, so that it imports back the same).
    division_source: Option<crate::domain::division::DivisionSource>,
}

/// A change: the `version` read and the fields changed (a JSON merge patch of
/// [`NewOrganization`]'s fields). Civil affairs change registration fields, organization
/// departments party work; a field the account may not change answers 403 naming it.
pub struct OrgPatch;

impl PartialSchema for OrgPatch {
    fn schema() -> RefOr<Schema> {
        let RefOr::T(Schema::Object(mut fields)) = NewOrganization::schema() else {
            unreachable!("a struct's schema is an object")
        };
        fields.required.clear();
        let version: Object = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )))
            .description(Some(
                "读取时的版本号，防止覆盖他人的修改 (the version read; a newer one answers 409)",
            ))
            .build();
        fields.properties.insert("version".into(), version.into());
        fields.required.push("version".into());
        fields.description =
            Some("读取时的版本号和要修改的字段 (the version read and the fields changed)".into());
        RefOr::T(Schema::Object(fields))
    }
}

impl ToSchema for OrgPatch {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((NewOrganization::name().into(), NewOrganization::schema()));
        NewOrganization::schemas(schemas);
    }
}

/// The literal `type` of a GeoJSON object.
#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub enum FeatureCollectionType {
    FeatureCollection,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub enum FeatureType {
    Feature,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub enum PolygonType {
    Polygon,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub enum MultiPointType {
    MultiPoint,
}

/// An H3 hexagon: one closed counter-clockwise ring of WGS84 `[lon, lat]` positions.
#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct Hexagon {
    #[serde(rename = "type")]
    kind: PolygonType,
    #[schema(min_items = 1, max_items = 1)]
    coordinates: Vec<Vec<Vec<f64>>>,
}

/// The counts, rates and actions of an area (formats.md "Gap GeoJSON").
#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct AreaCounts {
    /// Active organizations.
    total: u64,
    own: u64,
    joint: u64,
    instructor: u64,
    uncovered: u64,
    should_build_not_built: u64,
    #[schema(minimum = 0, maximum = 1)]
    own_organization_rate: f64,
    #[schema(minimum = 0, maximum = 1)]
    org_coverage_rate: f64,
    #[schema(minimum = 0, maximum = 1)]
    work_coverage_rate: f64,
    branches_to_found: u64,
    joint_groups_proposed: u64,
    instructors_needed: u64,
}

/// Which hexagon, and where it lies.
#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct HexagonKey {
    /// H3 index, lower-case hex.
    #[schema(pattern = "^[0-9a-f]{15}$")]
    cell: String,
    #[schema(minimum = 4, maximum = 10)]
    res: u8,
    /// The most common division code in the hexagon.
    division_code: String,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct CellProperties {
    #[serde(flatten)]
    key: HexagonKey,
    #[serde(flatten)]
    counts: AreaCounts,
    /// Whether the hexagon falls short of its jurisdiction's targets.
    gap: bool,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct CellFeature {
    #[serde(rename = "type")]
    kind: FeatureType,
    id: String,
    geometry: Hexagon,
    properties: CellProperties,
}

/// Hexagons with their coverage (RFC 7946).
#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct CellCollection {
    #[serde(rename = "type")]
    kind: FeatureCollectionType,
    /// 无位置的社会组织数 organizations passing the filters that have no coordinates, so no
    /// hexagon counts them: those of the counties whose centroid lies in `bbox` (all
    /// without one). They count in their divisions' figures.
    #[schema(minimum = 0)]
    unlocated: u64,
    features: Vec<CellFeature>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct GapProperties {
    #[serde(flatten)]
    key: HexagonKey,
    #[serde(flatten)]
    counts: AreaCounts,
    /// 1 = most urgent.
    #[schema(minimum = 1)]
    priority: u64,
    target_work_coverage_rate: f64,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct GapFeature {
    #[serde(rename = "type")]
    kind: FeatureType,
    id: String,
    geometry: Hexagon,
    properties: GapProperties,
}

/// Ranked gaps, most urgent first (formats.md "Gap GeoJSON").
#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct GapCollection {
    #[serde(rename = "type")]
    kind: FeatureCollectionType,
    features: Vec<GapFeature>,
}

/// The members of a proposed joint branch, WGS84 `[lon, lat]`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct Members {
    #[serde(rename = "type")]
    kind: MultiPointType,
    coordinates: Vec<Vec<f64>>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct GroupProperties {
    group_id: String,
    /// The township, 12 digits.
    division_code: String,
    /// Credit codes (name and division for organizations without one), separated by `;`.
    members: String,
    /// The members' names, separated by `、`.
    member_names: String,
    /// Formal members of all the members together.
    formal_members: u32,
    /// Each member's distance to the first, whole metres, separated by `;`.
    distances_m: String,
    max_distance_m: f64,
    /// Members outside the account's jurisdiction: counted, not listed (a village's
    /// account sees its township's proposals with only its own members named).
    members_outside: u32,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct GroupFeature {
    #[serde(rename = "type")]
    kind: FeatureType,
    id: String,
    geometry: Members,
    properties: GroupProperties,
}

/// Proposed regional joint branches (R4, formats.md).
#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct GroupCollection {
    #[serde(rename = "type")]
    kind: FeatureCollectionType,
    features: Vec<GroupFeature>,
}

/// The coverage of one division.
#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct DivisionCoverage {
    /// The division's code prefix (2, 4, 6 or 9 digits).
    division_code: String,
    /// Its name, where the bundled division list has it.
    name: Option<String>,
    level: String,
    #[serde(flatten)]
    counts: AreaCounts,
    targets: RateTargets,
    gap: bool,
}

/// The divisions of one level under a parent.
#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "a description for the document, never built")]
pub struct DivisionList {
    /// province, city, county or township.
    level: String,
    /// The parent's code prefix; empty for the whole country.
    parent: String,
    items: Vec<DivisionCoverage>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::http::access::RULES;

    /// A new API route must be described, or scripts cannot find it and the fuzzing run
    /// never calls it.
    #[test]
    fn every_api_route_is_in_the_document() {
        let doc = ApiDoc::openapi();
        for (method, route, _) in RULES {
            if !route.starts_with("/api/") || *route == "/api/openapi.json" {
                continue;
            }
            let item = doc
                .paths
                .paths
                .get(*route)
                .unwrap_or_else(|| panic!("{route} is not in the OpenAPI document"));
            let operation = match *method {
                "GET" => &item.get,
                "POST" => &item.post,
                "PATCH" => &item.patch,
                other => panic!("{other} {route}: no such method in the API"),
            };
            assert!(operation.is_some(), "{method} {route} is not described");
        }
    }

    #[test]
    fn every_operation_needs_the_token_and_says_what_a_refusal_looks_like() {
        let doc = ApiDoc::openapi();
        assert!(doc.security.as_ref().is_some_and(|s| !s.is_empty()));
        for (route, item) in &doc.paths.paths {
            for operation in [&item.get, &item.post, &item.patch].into_iter().flatten() {
                for status in ["400", "401"] {
                    assert!(
                        operation.responses.responses.contains_key(status),
                        "{route} lacks {status}"
                    );
                }
            }
        }
        let json = serde_json::to_value(&doc).unwrap();
        assert!(json["components"]["schemas"]["ErrorBody"].is_object());
        assert_eq!(
            json["components"]["securitySchemes"]["token"]["scheme"],
            "bearer"
        );
    }
}
