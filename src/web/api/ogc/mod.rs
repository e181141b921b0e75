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

mod html;
mod query;

use crate::io::features::{self as records, Item, Queryable};
use query::Test;

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
        .route("/ogc/collections/{id}/queryables", get(queryables))
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

    /// The properties a filter, a property parameter or `sortby` may name.
    fn queryables(self) -> &'static [Queryable] {
        match self {
            Self::Organizations => &records::ORGANIZATIONS,
            Self::Cells(_) => &records::CELLS,
            Self::Gaps => &records::GAPS,
            Self::Groups => &records::GROUPS,
        }
    }

    /// The geometry of its features, for FlatGeobuf.
    fn shape(self) -> crate::io::flatgeobuf::Shape {
        use crate::io::flatgeobuf::Shape;
        match self {
            Self::Organizations => Shape::Point,
            Self::Cells(_) | Self::Gaps => Shape::Polygon,
            Self::Groups => Shape::MultiPoint,
        }
    }

    /// The geometry type of its features, as the queryables name it.
    fn geometry(self) -> &'static str {
        match self {
            Self::Organizations => "point",
            Self::Cells(_) | Self::Gaps => "polygon",
            Self::Groups => "multipoint",
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
            extra: Box::new(json!({})),
        }),
    }
}

/// Whether a listing is asked for as HTML: `f=html`, or a browser's `Accept` without an
/// `f` (GDAL, QGIS and OWSLib ask for JSON).
fn wants_html(f: &Option<String>, request: &axum::http::HeaderMap) -> Result<bool, AppError> {
    match f.as_deref() {
        Some("html" | "text/html") => Ok(true),
        None => Ok(request
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.starts_with("text/html"))),
        other => check_format(&other.map(str::to_owned)).map(|()| false),
    }
}

fn html_response(markup: maud::Markup) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

const HTML: &str = "text/html";

async fn landing(
    State(state): State<AppState>,
    request: axum::http::HeaderMap,
    ApiQuery(p): ApiQuery<FormatParam>,
) -> Result<Response, AppError> {
    let as_html = wants_html(&p.f, &request)?;
    let base = base_url(&state);
    let doc = json!({
        "title": "orgcover OGC API - Features",
        "description": "社会组织党建覆盖：社会组织、覆盖网格、缺口与拟建联合党支部 (organizations, coverage cells, gaps and proposed joint branches)",
        "links": [
            link(base.clone(), "self", JSON, "this document"),
            link(format!("{base}?f=html"), "alternate", HTML, "this document as HTML"),
            link(format!("{base}/api"), "service-desc", OPENAPI, "the API definition (OpenAPI 3.0)"),
            link(format!("{base}/conformance"), "conformance", JSON, "conformance classes"),
            link(format!("{base}/collections"), "data", JSON, "the collections"),
        ],
    });
    if as_html {
        return Ok(html_response(html::landing(&doc)));
    }
    Ok(Json(doc).into_response())
}

async fn conformance(ApiQuery(p): ApiQuery<FormatParam>) -> Result<Response, AppError> {
    check_format(&p.f)?;
    Ok(Json(json!({
        "conformsTo": [
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
            "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
            "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
            "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
            "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
            "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
            "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
            "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
            "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
            "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
        ]
    }))
    .into_response())
}

const QUERYABLES_REL: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";
const SCHEMA: &str = "application/schema+json";

/// The box around what a collection holds for an account: its organizations' points (a
/// county's centre for one without), grown by a hexagon's size for the cell collections.
/// None when the jurisdiction holds nothing.
fn extent(snapshot: &Snapshot, jurisdiction: &str, c: Collection) -> Option<Bbox> {
    let points = snapshot.coverage().extent_of(&within(jurisdiction))?;
    let res = match c {
        Collection::Cells(res) => res,
        Collection::Gaps => GAP_RESOLUTION,
        Collection::Organizations | Collection::Groups => return Some(points),
    };
    // A hexagon reaches its edge length from its centre, and a point is within a hexagon.
    let edge = crate::domain::coverage::resolution(res).edge_length_km();
    Some(points.padded(2.0 * edge))
}

fn collection_json(c: Collection, base: &str, extent: Option<Bbox>) -> Value {
    let id = c.id();
    let bbox = extent.map_or([CHINA_LON.0, CHINA_LAT.0, CHINA_LON.1, CHINA_LAT.1], |b| {
        let round = |x: f64| (x * 1e6).round() / 1e6;
        [round(b.west), round(b.south), round(b.east), round(b.north)]
    });
    json!({
        "id": id,
        "title": c.title(),
        "description": c.description(),
        "itemType": "feature",
        "crs": CRS_LIST.map(Crs::uri),
        "storageCrs": CRS84,
        "extent": {
            "spatial": {
                "bbox": [bbox],
                "crs": CRS84,
            }
        },
        "links": [
            link(format!("{base}/collections/{id}"), "self", JSON, "this collection"),
            link(format!("{base}/collections/{id}/items"), "items", GEOJSON, "its features"),
            link(format!("{base}/collections/{id}/items?f=fgb"), "items", crate::io::flatgeobuf::CONTENT_TYPE, "its features as FlatGeobuf"),
            link(format!("{base}/collections/{id}?f=html"), "alternate", HTML, "this collection as HTML"),
            link(format!("{base}/collections/{id}/queryables"), QUERYABLES_REL, SCHEMA, "the properties a filter may name"),
        ],
    })
}

async fn collections(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    request: axum::http::HeaderMap,
    ApiQuery(p): ApiQuery<FormatParam>,
) -> Result<Response, AppError> {
    let as_html = wants_html(&p.f, &request)?;
    let base = base_url(&state);
    let snapshot = state.snapshot();
    let list: Vec<Value> = Collection::all()
        .into_iter()
        .map(|c| collection_json(c, &base, extent(&snapshot, &account.jurisdiction, c)))
        .collect();
    if as_html {
        return Ok(html_response(html::collections(&list, &base)));
    }
    Ok(Json(json!({
        "links": [link(format!("{base}/collections"), "self", JSON, "the collections")],
        "collections": list,
    }))
    .into_response())
}

async fn collection(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    request: axum::http::HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<FormatParam>,
) -> Result<Response, AppError> {
    let as_html = wants_html(&p.f, &request)?;
    let c = Collection::parse(&id).ok_or(AppError::NotFound)?;
    let extent = extent(&state.snapshot(), &account.jurisdiction, c);
    let base = base_url(&state);
    let doc = collection_json(c, &base, extent);
    if as_html {
        return Ok(html_response(html::collection(&doc, &base)));
    }
    Ok(Json(doc).into_response())
}

/// The properties of a collection's features that a filter may name (Part 3).
async fn queryables(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<FormatParam>,
) -> Result<Response, AppError> {
    check_format(&p.f)?;
    let c = Collection::parse(&id).ok_or(AppError::NotFound)?;
    let url = format!("{}/collections/{id}/queryables", base_url(&state));
    let doc = query::queryables_json(&id, &c.title(), &url, c.geometry(), c.queryables());
    Ok(([(header::CONTENT_TYPE, SCHEMA)], doc.to_string()).into_response())
}

/// The parameters of an items request; any other name is a queryable's value
/// (`kind=foundation`) or refused.
#[derive(Debug, Default)]
struct ItemsParams {
    bbox: Option<String>,
    bbox_crs: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    f: Option<String>,
    filter: Option<String>,
    filter_lang: Option<String>,
    filter_crs: Option<String>,
    sortby: Option<String>,
    properties: Option<String>,
    skip_geometry: Option<String>,
    crs: Option<String>,
    equal: Vec<(String, String)>,
}

fn bad_param(field: &'static str, zh: String, en: String) -> AppError {
    AppError::from(crate::domain::error::FieldError::new(field, zh, en)).as_bad_request()
}

impl ItemsParams {
    fn read(pairs: Vec<(String, String)>, queryables: &[Queryable]) -> Result<Self, AppError> {
        let mut p = Self::default();
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "bbox" => &mut p.bbox,
                "bbox-crs" => &mut p.bbox_crs,
                "limit" => &mut p.limit,
                "offset" => &mut p.offset,
                "f" => &mut p.f,
                "filter" => &mut p.filter,
                "filter-lang" => &mut p.filter_lang,
                "filter-crs" => &mut p.filter_crs,
                "sortby" => &mut p.sortby,
                "properties" => &mut p.properties,
                "skipGeometry" => &mut p.skip_geometry,
                "crs" => &mut p.crs,
                other if queryables.iter().any(|q| q.name == other) => {
                    p.equal.push((name, value));
                    continue;
                }
                other => {
                    return Err(AppError::bad_request(
                        format!("未知的查询参数“{other}”"),
                        format!("unknown query parameter '{other}'"),
                    ));
                }
            };
            *slot = Some(value);
        }
        Ok(p)
    }

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

    fn skip_geometry(&self) -> Result<bool, AppError> {
        match self.skip_geometry.as_deref().map(str::trim) {
            None | Some("" | "false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(bad_param(
                "skipGeometry",
                format!("skipGeometry 应为 true 或 false，现为“{other}”"),
                format!("skipGeometry is true or false, not '{other}'"),
            )),
        }
    }

    /// The properties to keep, each checked against the queryables.
    fn properties(&self, queryables: &[Queryable]) -> Result<Option<Vec<String>>, AppError> {
        let Some(text) = self.properties.as_deref() else {
            return Ok(None);
        };
        let names: Vec<String> = text
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
        if let Some(unknown) = names
            .iter()
            .find(|n| !queryables.iter().any(|q| q.name == *n))
        {
            return Err(bad_param(
                "properties",
                format!("properties 中的属性“{unknown}”不存在"),
                format!("properties names '{unknown}', which is not a property here"),
            ));
        }
        Ok(Some(names))
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

/// What an items request asks beyond the page: the filter and the order.
struct Selection {
    test: Option<Test>,
    sortby: Vec<(usize, bool)>,
}

impl Selection {
    fn keeps(&self, item: &Item<'_>) -> bool {
        self.test.as_ref().is_none_or(|t| t.matches(item))
    }
}

/// One page of a collection's items in the box, as `emit` writes them, and how many match
/// in all.
#[allow(
    clippy::too_many_arguments,
    reason = "the parts of one request, each its own"
)]
fn page<R>(
    snapshot: &Snapshot,
    jurisdiction: &str,
    c: Collection,
    bbox: Option<&Bbox>,
    selection: &Selection,
    offset: usize,
    limit: usize,
    emit: impl FnOnce(&[Item<'_>]) -> R,
) -> (R, usize) {
    let policy = snapshot.policy();
    let filter = within(jurisdiction);
    // Cells and gaps are computed for the request; the others are read where they are.
    let cells;
    let gaps;
    let groups;
    let candidates: Box<dyn Iterator<Item = Item<'_>> + '_> = match c {
        Collection::Organizations => {
            return organizations_page(
                snapshot,
                jurisdiction,
                bbox,
                selection,
                offset,
                limit,
                emit,
            );
        }
        Collection::Cells(res) => {
            cells = snapshot.coverage().cells(res, bbox, &filter);
            Box::new(cells.iter().map(move |(c, d)| Item::Cell(policy, *c, *d)))
        }
        Collection::Gaps => {
            gaps = snapshot.gaps(GAP_RESOLUTION, bbox, &filter);
            Box::new(gaps.iter().map(move |g| Item::Gap(policy, g)))
        }
        Collection::Groups => {
            groups = snapshot.groups(jurisdiction);
            Box::new(
                groups
                    .iter()
                    .filter(move |g| {
                        bbox.is_none_or(|b| {
                            g.members
                                .iter()
                                .filter_map(|&m| snapshot.get(m))
                                .any(|o| o.org.location.is_some_and(|p| b.contains(p)))
                        })
                    })
                    .map(move |g| Item::Group(snapshot, g)),
            )
        }
    };
    let mut candidates = candidates.filter(|i| selection.keeps(i));
    let (chosen, matched) = if selection.sortby.is_empty() {
        // Counted as they pass; only the page is kept.
        let mut chosen = Vec::with_capacity(limit.min(1024));
        let mut matched = 0;
        for item in candidates.by_ref() {
            if matched >= offset && chosen.len() < limit {
                chosen.push(item);
            }
            matched += 1;
        }
        (chosen, matched)
    } else {
        let mut all: Vec<Item<'_>> = candidates.collect();
        query::sort(&mut all, &selection.sortby);
        let matched = all.len();
        (all.into_iter().skip(offset).take(limit).collect(), matched)
    };
    (emit(&chosen), matched)
}

/// The division numbers of a jurisdiction (None for the whole country).
fn division_of(jurisdiction: &str) -> Option<std::ops::Range<u64>> {
    (!jurisdiction.is_empty()).then(|| Filter::division_range(jurisdiction))
}

/// What an organization's coverage row tells a filter.
struct OrgRow<'a>(&'a crate::domain::coverage::CoverageRow);

impl query::Probe for OrgRow<'_> {
    fn known(&self, index: usize) -> Option<crate::io::features::Prop<'_>> {
        records::org_row_property(self.0, index)
    }

    fn intersects(&self, area: &geo::Geometry<f64>) -> Option<bool> {
        Some(records::org_row_intersects(self.0, area))
    }
}

/// [`page`] of organizations, in their cells' order or `sortby`'s: the jurisdiction and
/// the part of the filter the coverage rows answer are tested there, and an organization
/// is read only when the rest of the filter needs it, it is on the page or it is to be
/// sorted (a million rows are counted without reading a million organizations).
fn organizations_page<R>(
    snapshot: &Snapshot,
    jurisdiction: &str,
    bbox: Option<&Bbox>,
    selection: &Selection,
    offset: usize,
    limit: usize,
    emit: impl FnOnce(&[Item<'_>]) -> R,
) -> (R, usize) {
    let division = division_of(jurisdiction);
    let sorted = !selection.sortby.is_empty();
    let mut chosen = Vec::with_capacity(limit.min(1024));
    let mut matched = 0;
    for (id, row) in snapshot.coverage().rows_in_box(bbox) {
        if division
            .as_ref()
            .is_some_and(|d| !d.contains(&row.division))
        {
            continue;
        }
        let mut read = None;
        if let Some(test) = &selection.test {
            match test.decided(&OrgRow(row)) {
                Some(false) => continue,
                Some(true) => {}
                None => {
                    let Some(stored) = snapshot.get(id) else {
                        continue;
                    };
                    let item = Item::Org(snapshot, stored);
                    if !test.matches(&item) {
                        continue;
                    }
                    read = Some(item);
                }
            }
        }
        // Sorted, every match is kept to be ordered; else only the page's.
        if sorted || (matched >= offset && chosen.len() < limit) {
            match read {
                Some(item) => chosen.push(item),
                None => {
                    if let Some(stored) = snapshot.get(id) {
                        chosen.push(Item::Org(snapshot, stored));
                    }
                }
            }
        }
        matched += 1;
    }
    if sorted {
        query::sort(&mut chosen, &selection.sortby);
        let page: Vec<Item<'_>> = chosen.into_iter().skip(offset).take(limit).collect();
        return (emit(&page), matched);
    }
    (emit(&chosen), matched)
}

/// Items as GeoJSON feature texts.
fn feature_texts(items: &[Item<'_>]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Org(snapshot, stored) => org_feature(snapshot, stored.id).map(|f| f.to_string()),
            Item::Cell(policy, c, d) => Some(cell_feature_json(c, *d, policy, None)),
            Item::Gap(policy, g) => Some(gap_feature_json(g, policy)),
            Item::Group(snapshot, g) => Some(snapshot_group_feature(snapshot, g).to_string()),
        })
        .collect()
}

/// The coordinate systems features are offered in (Part 2). CGCS2000 (EPSG:4490), the
/// national system official data uses, agrees with WGS84 to within the metres a
/// registration's point is good for (PROJ transforms one to the other as a null
/// transformation), so the coordinates are the same numbers; the EPSG systems put the
/// latitude first, as their definitions say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crs {
    Crs84,
    Wgs84,
    Cgcs2000,
}

const CRS_LIST: [Crs; 3] = [Crs::Crs84, Crs::Wgs84, Crs::Cgcs2000];

impl Crs {
    fn uri(self) -> &'static str {
        match self {
            Crs::Crs84 => CRS84,
            Crs::Wgs84 => "http://www.opengis.net/def/crs/EPSG/0/4326",
            Crs::Cgcs2000 => "http://www.opengis.net/def/crs/EPSG/0/4490",
        }
    }

    /// The system a parameter asks for; CRS84 when it is not given.
    fn asked(field: &'static str, param: &Option<String>) -> Result<Self, AppError> {
        given(param).map_or(Ok(Crs::Crs84), |t| Crs::parse(field, t))
    }

    /// Names the system of an answer's coordinates (`Content-Crs`, Part 2).
    fn name_in(self, response: &mut Response) {
        if let Ok(value) = format!("<{}>", self.uri()).parse() {
            response
                .headers_mut()
                .insert(header::HeaderName::from_static("content-crs"), value);
        }
    }

    fn latitude_first(self) -> bool {
        self != Crs::Crs84
    }

    /// A CRS URI, or its short forms (`EPSG:4490`, `[EPSG:4490]`, `OGC:CRS84`).
    fn parse(field: &'static str, text: &str) -> Result<Self, AppError> {
        let t = text.trim().trim_start_matches('[').trim_end_matches(']');
        let found = CRS_LIST.into_iter().find(|c| {
            let short = c.uri().rsplit('/').next().unwrap_or_default();
            let epsg = match c {
                Crs::Crs84 => "OGC:CRS84".to_owned(),
                _ => format!("EPSG:{short}"),
            };
            t == c.uri() || t.eq_ignore_ascii_case(&epsg)
        });
        found.ok_or_else(|| {
            let offered: Vec<&str> = CRS_LIST.iter().map(|c| c.uri()).collect();
            bad_param(
                field,
                format!(
                    "{field} 应为以下坐标系之一：{}，现为“{text}”",
                    offered.join("、")
                ),
                format!("{field} is one of {}, not '{text}'", offered.join(", ")),
            )
        })
    }
}

/// Swaps longitude and latitude in every position of a GeoJSON geometry.
fn swap_axes(coordinates: &mut Value) {
    if let Some(items) = coordinates.as_array_mut() {
        if items.len() >= 2 && items.iter().all(Value::is_number) {
            items.swap(0, 1);
        } else {
            items.iter_mut().for_each(swap_axes);
        }
    }
}

/// What an items request changes in each feature: the CRS's axis order, the properties
/// kept, the geometry left out.
struct Shaping {
    crs: Crs,
    properties: Option<Vec<String>>,
    skip_geometry: bool,
}

impl Shaping {
    fn is_plain(&self) -> bool {
        self.crs == Crs::Crs84 && self.properties.is_none() && !self.skip_geometry
    }

    fn apply(&self, feature: &str) -> String {
        let mut f: Value = serde_json::from_str(feature).expect("features we wrote");
        if self.skip_geometry {
            f["geometry"] = Value::Null;
        } else if self.crs.latitude_first() {
            swap_axes(&mut f["geometry"]["coordinates"]);
        }
        if let (Some(keep), Some(props)) = (&self.properties, f["properties"].as_object_mut()) {
            props.retain(|name, _| keep.iter().any(|k| k == name));
        }
        f.to_string()
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
    request: axum::http::HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let c = Collection::parse(&id).ok_or(AppError::NotFound)?;
    let queryables = c.queryables();
    let params = ItemsParams::read(pairs, queryables)?;
    let flatgeobuf = matches!(
        params.f.as_deref(),
        Some("fgb" | "flatgeobuf" | crate::io::flatgeobuf::CONTENT_TYPE)
    );
    let as_html = !flatgeobuf && wants_html(&params.f, &request)?;
    let limit = params.limit()?;
    let offset = params.offset()?;
    let bbox_crs = Crs::asked("bbox-crs", &params.bbox_crs)?;
    let bbox_text = given(&params.bbox);
    let bbox = bbox_text
        .map(|t| {
            if bbox_crs.latitude_first() {
                // south,west,north,east in the EPSG systems' order.
                let v: Vec<&str> = t.split(',').collect();
                match v[..] {
                    [s, w, n, e] => Bbox::parse(&format!("{w},{s},{e},{n}")),
                    _ => Bbox::parse(t),
                }
            } else {
                Bbox::parse(t)
            }
        })
        .transpose()
        .map_err(|e| AppError::from(e).as_bad_request())?;
    if let Some(crs) = given(&params.filter_crs)
        && Crs::parse("filter-crs", crs)? != Crs::Crs84
    {
        return Err(bad_param(
            "filter-crs",
            "filter-crs 只支持 CRS84（经度在前）".into(),
            format!("filter-crs is {CRS84} only"),
        ));
    }
    let selection = Selection {
        test: query::compile_filter(
            queryables,
            given(&params.filter),
            given(&params.filter_lang),
            &params.equal,
        )
        .map_err(|e| AppError::from(e).as_bad_request())?,
        sortby: given(&params.sortby)
            .map(|t| query::parse_sortby(queryables, t))
            .transpose()
            .map_err(|e| AppError::from(e).as_bad_request())?
            .unwrap_or_default(),
    };
    let shaping = Shaping {
        crs: Crs::asked("crs", &params.crs)?,
        properties: params.properties(queryables)?,
        skip_geometry: params.skip_geometry()?,
    };
    if flatgeobuf {
        let columns: Vec<usize> = match &shaping.properties {
            Some(keep) => (0..queryables.len())
                .filter(|&i| keep.iter().any(|k| k == queryables[i].name))
                .collect(),
            None => (0..queryables.len()).collect(),
        };
        let epsg = if shaping.crs == Crs::Cgcs2000 {
            4490
        } else {
            4326
        };
        let (written, _) = page(
            &state.snapshot(),
            &account.jurisdiction,
            c,
            bbox.as_ref(),
            &selection,
            offset,
            limit,
            |items| crate::io::flatgeobuf::write(&id, c.shape(), epsg, queryables, &columns, items),
        );
        let body = written
            .map_err(|e| AppError::internal(anyhow::anyhow!("writing {id} as FlatGeobuf: {e}")))?;
        return Ok((
            [(header::CONTENT_TYPE, crate::io::flatgeobuf::CONTENT_TYPE)],
            body,
        )
            .into_response());
    }
    let (mut features, matched) = page(
        &state.snapshot(),
        &account.jurisdiction,
        c,
        bbox.as_ref(),
        &selection,
        offset,
        limit,
        feature_texts,
    );
    if !shaping.is_plain() {
        features = features.iter().map(|f| shaping.apply(f)).collect();
    }
    let base = base_url(&state);
    // The links repeat every parameter but the paging ones, encoded.
    let mut kept = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("bbox", &params.bbox),
        ("bbox-crs", &params.bbox_crs),
        ("filter", &params.filter),
        ("filter-lang", &params.filter_lang),
        ("filter-crs", &params.filter_crs),
        ("sortby", &params.sortby),
        ("properties", &params.properties),
        ("skipGeometry", &params.skip_geometry),
        ("crs", &params.crs),
    ] {
        if let Some(v) = value {
            kept.append_pair(name, v);
        }
    }
    for (name, value) in &params.equal {
        kept.append_pair(name, value);
    }
    let kept = kept.finish();
    let here = |offset: usize| {
        let mut url = format!("{base}/collections/{id}/items?limit={limit}&offset={offset}");
        if !kept.is_empty() {
            url.push('&');
            url.push_str(&kept);
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
    if as_html {
        let parsed: Vec<Value> = features
            .iter()
            .map(|f| serde_json::from_str(f).expect("features we wrote"))
            .collect();
        return Ok(html_response(html::items(
            &id, &parsed, matched, offset, &links,
        )));
    }
    // The features are JSON text already; the envelope is written around them.
    let body = format!(
        r#"{{"type":"FeatureCollection","features":[{}],"numberMatched":{matched},"numberReturned":{returned},"timeStamp":"{}","links":{}}}"#,
        features.join(","),
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        Value::from(links),
    );
    let mut response = crate::web::http::answers::body_for(&request, GEOJSON, body);
    shaping.crs.name_in(&mut response);
    Ok(response)
}

/// A feature's parameters: its format and CRS (Part 2).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemParams {
    f: Option<String>,
    crs: Option<String>,
}

async fn item(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath((id, feature)): ApiPath<(String, String)>,
    ApiQuery(p): ApiQuery<ItemParams>,
) -> Result<Response, AppError> {
    check_format(&p.f)?;
    let crs = Crs::asked("crs", &p.crs)?;
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
    if crs.latitude_first() {
        swap_axes(&mut f["geometry"]["coordinates"]);
    }
    let mut response = geojson_response(f);
    crs.name_in(&mut response);
    Ok(response)
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
        "schema": { "type": "string", "enum": ["json", "html"] } });
    let items_f_param = json!({ "name": "f", "in": "query", "required": false,
        "description": "json (GeoJSON), html (a table) or fgb (FlatGeobuf)",
        "schema": { "type": "string", "enum": ["json", "html", "fgb"] } });
    let crs_uris = CRS_LIST.map(Crs::uri);
    let items_params = json!([
                    { "name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                      "schema": { "type": "array", "minItems": 4, "maxItems": 4, "items": { "type": "number" } } },
                    { "name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
                      "schema": { "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT } },
                    { "name": "offset", "in": "query", "required": false,
                      "schema": { "type": "integer", "minimum": 0, "default": 0 } },
                    { "name": "bbox-crs", "in": "query", "required": false,
                      "schema": { "type": "string", "format": "uri", "enum": crs_uris, "default": CRS84 } },
                    { "name": "crs", "in": "query", "required": false,
                      "schema": { "type": "string", "format": "uri", "enum": crs_uris, "default": CRS84 } },
                    { "name": "filter", "in": "query", "required": false,
                      "description": "a CQL2 expression over the collection's queryables, e.g. kind = 'foundation' AND formal_members >= 3",
                      "schema": { "type": "string" } },
                    { "name": "filter-lang", "in": "query", "required": false,
                      "schema": { "type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text" } },
                    { "name": "filter-crs", "in": "query", "required": false,
                      "schema": { "type": "string", "format": "uri", "enum": [CRS84], "default": CRS84 } },
                    { "name": "sortby", "in": "query", "required": false, "style": "form", "explode": false,
                      "description": "queryables to order by, each ascending or with a leading - descending",
                      "schema": { "type": "array", "items": { "type": "string" } } },
                    { "name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
                      "description": "the properties to keep in each feature",
                      "schema": { "type": "array", "items": { "type": "string" } } },
                    { "name": "skipGeometry", "in": "query", "required": false,
                      "schema": { "type": "boolean", "default": false } },
        items_f_param,
    ]);
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
            "/collections/{collectionId}/queryables": { "get": { "summary": "the properties a filter may name", "operationId": "getQueryables",
                "parameters": [collection_param, f_param],
                "responses": { "200": json_body("a JSON Schema of the queryables", SCHEMA), "401": unauthorized, "404": not_found } } },
            "/collections/{collectionId}/items/{featureId}": { "get": { "summary": "one feature", "operationId": "getFeature",
                "parameters": [
                    collection_param,
                    { "name": "featureId", "in": "path", "required": true, "schema": { "type": "string" } },
                    { "name": "crs", "in": "query", "required": false,
                      "schema": { "type": "string", "format": "uri", "enum": crs_uris, "default": CRS84 } },
                    f_param,
                ],
                "responses": { "200": json_body("the feature", GEOJSON), "401": unauthorized, "404": not_found } } },
        },
    });
    // Each collection's items path on its own, with its queryables as parameters: GDAL
    // sends an equality of `-where` to the server only for a parameter listed here.
    let mut doc = doc;
    for c in Collection::all() {
        let mut parameters = items_params.as_array().cloned().unwrap_or_default();
        for q in c.queryables() {
            parameters.push(json!({ "name": q.name, "in": "query", "required": false,
                "description": q.title, "schema": { "type": q.kind.schema() } }));
        }
        // The page's schema: a FeatureCollection of this collection's properties.
        let properties: serde_json::Map<String, Value> = c
            .queryables()
            .iter()
            .map(|q| {
                let mut p =
                    json!({ "type": q.kind.schema(), "nullable": true, "description": q.title });
                if !q.values.is_empty() {
                    p["enum"] = json!(q.values);
                }
                (q.name.to_owned(), p)
            })
            .collect();
        let page_schema = json!({
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": { "type": "string", "enum": ["FeatureCollection"] },
                "features": { "type": "array", "items": {
                    "type": "object",
                    "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": { "type": "string", "enum": ["Feature"] },
                        "id": { "oneOf": [{ "type": "string" }, { "type": "integer" }] },
                        "geometry": { "type": "object", "nullable": true,
                            "description": format!("GeoJSON {}", c.geometry()) },
                        "properties": { "type": "object", "properties": properties },
                    },
                } },
                "numberMatched": { "type": "integer", "minimum": 0 },
                "numberReturned": { "type": "integer", "minimum": 0 },
                "timeStamp": { "type": "string", "format": "date-time" },
                "links": { "type": "array", "items": { "type": "object" } },
            },
        });
        doc["paths"][format!("/collections/{}/items", c.id())] = json!({ "get": {
            "summary": format!("features of {}", c.id()),
            "operationId": format!("getFeatures-{}", c.id()),
            "parameters": parameters,
            "responses": {
                "200": { "description": "a page of features",
                    "content": { GEOJSON: { "schema": page_schema } } },
                "400": bad, "401": unauthorized, "404": not_found },
        } });
    }
    ([(header::CONTENT_TYPE, OPENAPI)], doc.to_string()).into_response()
}
