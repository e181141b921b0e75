//! OGC API - Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) under `/ogc`, so that QGIS, GDAL
//! and OWSLib read organizations, coverage cells, gaps and joint-branch proposals live.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use geojson::{Feature, GeometryValue, JsonObject};
use h3o::CellIndex;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::coords::{CHINA_LAT, CHINA_LON};
use crate::domain::coverage::{Bbox, Filter, cell_from_hex};
use crate::domain::snapshot::Snapshot;
use crate::io::analysis::snapshot_group_feature;
use crate::io::coverage::{cell_feature_json, gap_feature_json};
use crate::registry::today;
use crate::web::AppState;
use crate::web::http::error::{AppError, Said};
use crate::web::http::extract::CurrentAccount;
use crate::web::http::extract::{ApiPath, ApiQuery, given};

const GEOJSON: &str = "application/geo+json";
const JSON: &str = "application/json";
const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;
/// The resolution gaps are listed at, as the gap exports default to.
const GAP_RESOLUTION: u8 = 7;
/// The cell resolutions offered as collections: province to street scale.
const CELL_RESOLUTIONS: [u8; 4] = [5, 6, 7, 8];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(landing))
        .route("/ogc/", get(landing))
        .route("/ogc/api", get(openapi))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/collections", get(collections))
        .route("/ogc/collections/{id}", get(collection))
        .route("/ogc/collections/{id}/items", get(items))
        .route("/ogc/collections/{id}/items/{feature}", get(item))
}

/// The collections served.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Collection {
    Organizations,
    Cells(u8),
    Gaps,
    Groups,
}

impl Collection {
    fn all() -> Vec<Self> {
        let mut all = vec![Self::Organizations];
        all.extend(CELL_RESOLUTIONS.map(Self::Cells));
        all.extend([Self::Gaps, Self::Groups]);
        all
    }

    fn parse(id: &str) -> Option<Self> {
        Self::all().into_iter().find(|c| c.id() == id)
    }

    fn id(self) -> String {
        match self {
            Self::Organizations => "organizations".into(),
            Self::Cells(res) => format!("coverage-res{res}"),
            Self::Gaps => "gaps".into(),
            Self::Groups => "joint-branch-proposals".into(),
        }
    }

    fn title(self) -> String {
        match self {
            Self::Organizations => "社会组织 (social organizations)".into(),
            Self::Cells(res) => {
                format!("覆盖网格 H3 {res}级 (coverage per H3 cell, resolution {res})")
            }
            Self::Gaps => format!(
                "覆盖缺口 H3 {GAP_RESOLUTION}级，按优先级 (coverage gaps at resolution {GAP_RESOLUTION}, by priority)"
            ),
            Self::Groups => "拟建区域联合党支部 (proposed regional joint branches)".into(),
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::Organizations => {
                "Operating (active or changed) organizations as points, with their coverage and recommendation."
            }
            Self::Cells(_) => {
                "Counts, the three coverage rates and the actions needed per H3 hexagon (formats.md)."
            }
            Self::Gaps => {
                "Hexagons with uncovered or should-build-not-built organizations or a rate under target, most urgent first."
            }
            Self::Groups => {
                "Regional joint branches proposed by rule R4, as the points of their members."
            }
        }
    }
}

/// The service's own address in links: the configured public URL (`--public-url`), never
/// a request's `Host` or `X-Forwarded-Proto`, which the client chooses.
fn base_url(state: &AppState) -> String {
    format!("{}/ogc", state.options.public_url.trim_end_matches('/'))
}

fn link(href: String, rel: &str, media: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": media, "title": title })
}

/// Only `f=json` is offered: answers are JSON or GeoJSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatParam {
    f: Option<String>,
}

fn check_format(f: &Option<String>) -> Result<(), AppError> {
    match f.as_deref() {
        None | Some("json" | "geojson" | "application/json" | "application/geo+json") => Ok(()),
        Some(other) => Err(AppError::Refused {
            status: StatusCode::NOT_ACCEPTABLE,
            message: Said::new(
                "只提供 JSON / GeoJSON",
                format!("only JSON and GeoJSON are offered, not '{other}'"),
            ),
            field: "f",
            extra: json!({}),
        }),
    }
}

async fn landing(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<FormatParam>,
) -> Result<Response, AppError> {
    check_format(&p.f)?;
    let base = base_url(&state);
    Ok(Json(json!({
        "title": "orgcover OGC API - Features",
        "description": "社会组织党建覆盖：社会组织、覆盖网格、缺口与拟建联合党支部 (organizations, coverage cells, gaps and proposed joint branches)",
        "links": [
            link(base.clone(), "self", JSON, "this document"),
            link(format!("{base}/api"), "service-desc", OPENAPI, "the API definition (OpenAPI 3.0)"),
            link(format!("{base}/conformance"), "conformance", JSON, "conformance classes"),
            link(format!("{base}/collections"), "data", JSON, "the collections"),
        ],
    }))
    .into_response())
}

async fn conformance(ApiQuery(p): ApiQuery<FormatParam>) -> Result<Response, AppError> {
    check_format(&p.f)?;
    Ok(Json(json!({
        "conformsTo": [
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        ]
    }))
    .into_response())
}

fn collection_json(c: Collection, base: &str) -> Value {
    let id = c.id();
    json!({
        "id": id,
        "title": c.title(),
        "description": c.description(),
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {
            "spatial": {
                "bbox": [[CHINA_LON.0, CHINA_LAT.0, CHINA_LON.1, CHINA_LAT.1]],
                "crs": CRS84,
            }
        },
        "links": [
            link(format!("{base}/collections/{id}"), "self", JSON, "this collection"),
            link(format!("{base}/collections/{id}/items"), "items", GEOJSON, "its features"),
        ],
    })
}

async fn collections(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<FormatParam>,
) -> Result<Response, AppError> {
    check_format(&p.f)?;
    let base = base_url(&state);
    let list: Vec<Value> = Collection::all()
        .into_iter()
        .map(|c| collection_json(c, &base))
        .collect();
    Ok(Json(json!({
        "links": [link(format!("{base}/collections"), "self", JSON, "the collections")],
        "collections": list,
    }))
    .into_response())
}

async fn collection(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<FormatParam>,
) -> Result<Response, AppError> {
    check_format(&p.f)?;
    let c = Collection::parse(&id).ok_or(AppError::NotFound)?;
    Ok(Json(collection_json(c, &base_url(&state))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemsParams {
    bbox: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    f: Option<String>,
}

fn bad_param(field: &'static str, zh: String, en: String) -> AppError {
    crate::domain::error::FieldError::new(field, zh, en).into()
}

impl ItemsParams {
    fn limit(&self) -> Result<usize, AppError> {
        match self.limit.as_deref().map(str::trim) {
            None | Some("") => Ok(DEFAULT_LIMIT),
            Some(s) => match s.parse::<usize>() {
                // The standard lets a server answer a larger limit with its maximum.
                Ok(n) if n >= 1 => Ok(n.min(MAX_LIMIT)),
                _ => Err(bad_param(
                    "limit",
                    format!("limit 应为正整数，现为“{s}”"),
                    format!("limit is a positive integer, not '{s}'"),
                )),
            },
        }
    }

    fn offset(&self) -> Result<usize, AppError> {
        match self.offset.as_deref().map(str::trim) {
            None | Some("") => Ok(0),
            Some(s) => s.parse::<usize>().map_err(|_| {
                bad_param(
                    "offset",
                    format!("offset 应为非负整数，现为“{s}”"),
                    format!("offset is a non-negative integer, not '{s}'"),
                )
            }),
        }
    }
}

/// The coverage filter of a jurisdiction (none for the whole country).
fn within(jurisdiction: &str) -> Filter {
    Filter {
        division: (!jurisdiction.is_empty()).then(|| Filter::division_range(jurisdiction)),
        ..Filter::default()
    }
}

fn in_jurisdiction(snapshot: &Snapshot, jurisdiction: &str, id: i64) -> bool {
    snapshot
        .get(id)
        .is_some_and(|o| o.org.division_code.as_str().starts_with(jurisdiction))
}

/// One page of a collection's features in the box, and how many match in all.
fn page(
    snapshot: &Snapshot,
    jurisdiction: &str,
    c: Collection,
    bbox: Option<&Bbox>,
    offset: usize,
    limit: usize,
) -> (Vec<String>, usize) {
    let policy = snapshot.policy();
    let filter = within(jurisdiction);
    match c {
        Collection::Organizations => {
            let ids: Vec<i64> = snapshot
                .coverage()
                .ids_in(bbox)
                .filter(|&id| in_jurisdiction(snapshot, jurisdiction, id))
                .collect();
            let features = ids
                .iter()
                .skip(offset)
                .take(limit)
                .filter_map(|&id| org_feature(snapshot, id))
                .map(|f| f.to_string())
                .collect();
            (features, ids.len())
        }
        Collection::Cells(res) => {
            let cells = snapshot.coverage().cells(res, bbox, &filter);
            let features = cells
                .iter()
                .skip(offset)
                .take(limit)
                .map(|(c, d)| cell_feature_json(c, *d, policy, None))
                .collect();
            (features, cells.len())
        }
        Collection::Gaps => {
            let gaps = snapshot.gaps(GAP_RESOLUTION, bbox, &filter);
            let features = gaps
                .iter()
                .skip(offset)
                .take(limit)
                .map(|g| gap_feature_json(g, policy))
                .collect();
            (features, gaps.len())
        }
        Collection::Groups => {
            let groups: Vec<_> = snapshot
                .groups(jurisdiction)
                .into_iter()
                .filter(|g| {
                    bbox.is_none_or(|b| {
                        g.members
                            .iter()
                            .filter_map(|&m| snapshot.get(m))
                            .any(|o| o.org.location.is_some_and(|p| b.contains(p)))
                    })
                })
                .collect();
            let features = groups
                .iter()
                .skip(offset)
                .take(limit)
                .map(|g| snapshot_group_feature(snapshot, g).to_string())
                .collect();
            (features, groups.len())
        }
    }
}

/// An operating organization as a point with its coverage and recommendation.
fn org_feature(snapshot: &Snapshot, id: i64) -> Option<Feature> {
    let stored = snapshot.get(id)?;
    // Only the recommendation is shown, which no jurisdiction changes.
    let decision = snapshot.decision(id, today(), false, "")?;
    let recommendation = decision.recommendation?;
    let o = &stored.org;
    // The layer lists organizations in the box, so with a point; one without would be a
    // feature with a null geometry (RFC 7946 3.2).
    let mut f = Feature {
        geometry: o.location.map(|p| {
            geojson::Geometry::new(GeometryValue::Point {
                coordinates: geojson::Position::from([p.lon, p.lat]),
            })
        }),
        ..Feature::default()
    };
    f.id = Some(geojson::feature::Id::Number(id.into()));
    let mut props = JsonObject::new();
    props.insert("name".into(), o.name.clone().into());
    props.insert(
        "credit_code".into(),
        o.credit_code
            .as_ref()
            .map_or(Value::Null, |c| c.as_str().into()),
    );
    props.insert("kind".into(), o.kind.as_str().into());
    props.insert("level".into(), o.level.as_str().into());
    props.insert("division_code".into(), o.division_code.as_str().into());
    props.insert("status".into(), o.status.as_str().into());
    props.insert("formal_members".into(), o.formal_members.into());
    props.insert("probationary_members".into(), o.probationary_members.into());
    props.insert("party_org".into(), o.party_org.as_str().into());
    props.insert(
        "coverage".into(),
        decision.coverage.map_or(Value::Null, |c| c.as_str().into()),
    );
    props.insert("recommendation".into(), recommendation.as_str().into());
    props.insert(
        "group_id".into(),
        decision.group.map_or(Value::Null, |g| g.id.into()),
    );
    f.properties = Some(props);
    Some(f)
}

fn geojson_response(body: Value) -> Response {
    ([(header::CONTENT_TYPE, GEOJSON)], body.to_string()).into_response()
}

async fn items(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<ItemsParams>,
) -> Result<Response, AppError> {
    check_format(&params.f)?;
    let c = Collection::parse(&id).ok_or(AppError::NotFound)?;
    let limit = params.limit().map_err(AppError::as_bad_request)?;
    let offset = params.offset().map_err(AppError::as_bad_request)?;
    let bbox_text = given(&params.bbox);
    let bbox = bbox_text
        .map(Bbox::parse)
        .transpose()
        .map_err(|e| AppError::from(e).as_bad_request())?;
    let (features, matched) = page(
        &state.snapshot(),
        &account.jurisdiction,
        c,
        bbox.as_ref(),
        offset,
        limit,
    );
    let base = base_url(&state);
    let here = |offset: usize| {
        let mut url = format!("{base}/collections/{id}/items?limit={limit}&offset={offset}");
        if let Some(b) = bbox_text {
            url.push_str(&format!("&bbox={b}"));
        }
        url
    };
    let returned = features.len();
    let mut links = vec![
        link(here(offset), "self", GEOJSON, "this page"),
        link(
            format!("{base}/collections/{id}"),
            "collection",
            JSON,
            "the collection",
        ),
    ];
    if offset + returned < matched {
        links.push(link(here(offset + limit), "next", GEOJSON, "the next page"));
    }
    if offset > 0 {
        links.push(link(
            here(offset.saturating_sub(limit)),
            "prev",
            GEOJSON,
            "the previous page",
        ));
    }
    // The features are JSON text already; the envelope is written around them.
    let body = format!(
        r#"{{"type":"FeatureCollection","features":[{}],"numberMatched":{matched},"numberReturned":{returned},"timeStamp":"{}","links":{}}}"#,
        features.join(","),
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        Value::from(links),
    );
    Ok(([(header::CONTENT_TYPE, GEOJSON)], body).into_response())
}

async fn item(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath((id, feature)): ApiPath<(String, String)>,
    ApiQuery(p): ApiQuery<FormatParam>,
) -> Result<Response, AppError> {
    check_format(&p.f)?;
    let c = Collection::parse(&id).ok_or(AppError::NotFound)?;
    let found = {
        let snapshot = state.snapshot();
        let policy = snapshot.policy();
        let j = account.jurisdiction.as_str();
        match c {
            Collection::Organizations => feature
                .parse::<i64>()
                .ok()
                .filter(|&n| in_jurisdiction(&snapshot, j, n))
                .and_then(|n| org_feature(&snapshot, n))
                .map(|f| f.to_string()),
            Collection::Cells(res) => parse_cell(&feature, res).and_then(|cell| {
                // Counted over the jurisdiction only, like the collection's items.
                let bbox = crate::domain::coverage::cell_bbox(cell);
                snapshot
                    .coverage()
                    .cells(res, Some(&bbox), &within(j))
                    .into_iter()
                    .find(|(c, _)| c.cell == cell)
                    .map(|(c, d)| cell_feature_json(&c, d, policy, None))
            }),
            Collection::Gaps => parse_cell(&feature, GAP_RESOLUTION).and_then(|cell| {
                snapshot
                    .gaps(GAP_RESOLUTION, None, &within(j))
                    .iter()
                    .find(|g| g.cell == cell)
                    .map(|g| gap_feature_json(g, policy))
            }),
            Collection::Groups => snapshot
                .groups(j)
                .into_iter()
                .find(|g| g.group_id == feature)
                .map(|g| snapshot_group_feature(&snapshot, g).to_string()),
        }
    };
    let mut f: Value =
        serde_json::from_str(&found.ok_or(AppError::NotFound)?).expect("features we wrote");
    let base = base_url(&state);
    f["links"] = json!([
        link(
            format!("{base}/collections/{id}/items/{feature}"),
            "self",
            GEOJSON,
            "this feature"
        ),
        link(
            format!("{base}/collections/{id}"),
            "collection",
            JSON,
            "the collection"
        ),
    ]);
    Ok(geojson_response(f))
}

fn parse_cell(text: &str, res: u8) -> Option<CellIndex> {
    cell_from_hex(text).filter(|cell| u8::from(cell.resolution()) == res)
}

/// The OpenAPI 3.0 definition of the OGC API part (the `service-desc` link).
async fn openapi(State(state): State<AppState>) -> Response {
    let base = base_url(&state);
    let collection_ids: Vec<String> = Collection::all().into_iter().map(|c| c.id()).collect();
    let json_body = |description: &str, media: &str| json!({ "description": description, "content": { media: { "schema": { "type": "object" } } } });
    let not_found = json!({ "description": "no such collection or feature" });
    let unauthorized = json!({ "description": "no valid API token: send it as a Bearer token, or with HTTP Basic (the account's name and the token as the password)" });
    let bad = json!({ "description": "a query parameter is malformed" });
    let f_param = json!({ "name": "f", "in": "query", "required": false,
        "schema": { "type": "string", "enum": ["json"] } });
    let collection_param = json!({ "name": "collectionId", "in": "path", "required": true,
        "schema": { "type": "string", "enum": collection_ids } });
    let doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "orgcover OGC API - Features",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Organizations, coverage cells, gaps and proposed joint branches (OGC API - Features Part 1).",
        },
        "servers": [{ "url": base }],
        "components": { "securitySchemes": {
            "bearer": { "type": "http", "scheme": "bearer",
                "description": "an API token (orgcover token create, or the account page)" },
            "basic": { "type": "http", "scheme": "basic",
                "description": "the account's name and an API token as the password (never the account's password); for QGIS, which sends no Bearer header" },
        } },
        "security": [{ "bearer": [] }, { "basic": [] }],
        "paths": {
            "/": { "get": { "summary": "landing page", "operationId": "getLandingPage",
                "parameters": [f_param],
                "responses": { "200": json_body("links to the API", JSON), "401": unauthorized } } },
            "/conformance": { "get": { "summary": "conformance classes", "operationId": "getConformance",
                "parameters": [f_param],
                "responses": { "200": json_body("the conformance classes", JSON), "401": unauthorized } } },
            "/collections": { "get": { "summary": "the collections", "operationId": "getCollections",
                "parameters": [f_param],
                "responses": { "200": json_body("the collections", JSON), "401": unauthorized } } },
            "/collections/{collectionId}": { "get": { "summary": "one collection", "operationId": "describeCollection",
                "parameters": [collection_param, f_param],
                "responses": { "200": json_body("the collection", JSON), "401": unauthorized, "404": not_found } } },
            "/collections/{collectionId}/items": { "get": { "summary": "features of a collection", "operationId": "getFeatures",
                "parameters": [
                    collection_param,
                    { "name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                      "schema": { "type": "array", "minItems": 4, "maxItems": 4, "items": { "type": "number" } } },
                    { "name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
                      "schema": { "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT } },
                    { "name": "offset", "in": "query", "required": false,
                      "schema": { "type": "integer", "minimum": 0, "default": 0 } },
                    f_param,
                ],
                "responses": { "200": json_body("a page of features", GEOJSON), "400": bad, "401": unauthorized, "404": not_found } } },
            "/collections/{collectionId}/items/{featureId}": { "get": { "summary": "one feature", "operationId": "getFeature",
                "parameters": [
                    collection_param,
                    { "name": "featureId", "in": "path", "required": true, "schema": { "type": "string" } },
                    f_param,
                ],
                "responses": { "200": json_body("the feature", GEOJSON), "401": unauthorized, "404": not_found } } },
        },
    });
    ([(header::CONTENT_TYPE, OPENAPI)], doc.to_string()).into_response()
}
