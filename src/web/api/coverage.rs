//! Coverage from the live snapshot: hexagons for the map, rates per division, ranked gap
//! lists as GeoJSON, CSV and XLSX.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::openapi::{CellCollection, DivisionList, ErrorBody, GapCollection};
use crate::domain::coverage::MIN_RESOLUTION;
use crate::domain::division::{DivisionLevel, parse_prefix};
use crate::domain::error::FieldError;
use crate::io::coverage::{GapFormat, cells_geojson, division_json, write_divisions_csv};
use crate::registry::query::{CoverageParams, DivisionParams, given, parse_level};
use crate::web::AppState;
use crate::web::http::error::{AppError, Said};
use crate::web::http::extract::ApiQuery;
use crate::web::http::extract::CurrentAccount;

/// The most hexagons one response carries: more would swamp the browser, and a coarser
/// resolution shows the same area.
pub const MAX_CELLS: usize = 20_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/coverage/cells", get(cells))
        .route("/api/coverage/divisions", get(divisions))
        .route("/api/coverage/divisions.csv", get(divisions_csv))
        .route("/api/coverage/divisions.geojson", get(division_map))
        .route("/api/gaps.geojson", get(gaps_as_geojson))
        .route("/api/gaps.csv", get(gaps_as_csv))
        .route("/api/gaps.xlsx", get(gaps_as_xlsx))
        .route("/api/gaps.fgb", get(gaps_as_fgb))
}

/// The finest resolution coarser than `res` at which the hexagons asked for
/// (`count_at(r)` of them at `r`) would fit under `max`.
fn resolution_that_fits(count_at: impl Fn(u8) -> usize, res: u8, max: usize) -> Option<u8> {
    (MIN_RESOLUTION..res).rev().find(|&r| count_at(r) <= max)
}

/// Coverage per H3 hexagon.
///
/// A request for more hexagons than the server's maximum is refused (422) with the
/// resolution that would fit.
#[utoipa::path(
    get, path = "/api/coverage/cells", tag = "coverage",
    params(CoverageParams),
    responses(
        (status = 200, description = "H3 网格及其覆盖情况 hexagons with their coverage (RFC 7946)", body = CellCollection, content_type = "application/geo+json"),
        (status = 304, description = "未变 unchanged since the ETag sent in If-None-Match"),
        (status = 422, description = "参数有误，或网格过多 a bad parameter, or too many hexagons", body = ErrorBody),
    ),
)]
pub(super) async fn cells(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<CoverageParams>,
) -> Result<Response, AppError> {
    let params = params.scoped_to(&account)?;
    let as_of = params.as_of()?;
    let since = crate::registry::past::check_since(params.since()?, as_of)?;
    // The earlier day first: it is rebuilt apart from the live snapshot, whose read lock
    // is then taken once.
    let earlier = match since {
        Some(day) => Some(state.past_figures(day).await?),
        None => None,
    };
    let snapshot = state.figures_on(as_of).await?;
    let generation = state.generation();
    let filter = params.filter(snapshot.coverage().industries())?;
    let bbox = params.bbox()?;
    let res = params.res(7)?;
    // The query as read (the division already narrowed to the account's jurisdiction).
    let key = format!("{res}|{bbox:?}|{filter:?}|{as_of:?}|{since:?}");
    if let Some(answer) = state.cell_answers.get(generation, &key) {
        drop(snapshot);
        return Ok(answer.respond(&headers));
    }
    let cells = snapshot.coverage().cells(res, bbox.as_ref(), &filter);
    let max = state.options.max_cells;
    if cells.len() > max {
        let count_at = |r| snapshot.coverage().cells(r, bbox.as_ref(), &filter).len();
        let fits = resolution_that_fits(count_at, res, max);
        let (advice_zh, advice_en) = fits.map_or_else(
            || ("请缩小范围".to_owned(), "choose a smaller bbox".to_owned()),
            |r| {
                (
                    format!("请改用 res={r} 或缩小范围"),
                    format!("use res={r} or a smaller bbox"),
                )
            },
        );
        return Ok(AppError::Refused {
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            message: Said::new(
                format!(
                    "此范围在 res={res} 有{n}个网格，超过上限{max}；{advice_zh}",
                    n = cells.len()
                ),
                format!(
                    "this area has {n} cells at res={res}, more than the maximum of {max}: {advice_en}",
                    n = cells.len()
                ),
            ),
            field: "res",
            extra: Box::new(json!({ "cells": cells.len(), "max_cells": max, "fits_res": fits })),
        }
        .into_response());
    }
    let unlocated = snapshot.coverage().unlocated_in(bbox.as_ref(), &filter);
    let body = match (since, &earlier) {
        (Some(day), Some(earlier)) => {
            let filter_then = params.filter(earlier.coverage().industries())?;
            let then = earlier.coverage().cells(res, bbox.as_ref(), &filter_then);
            let changed = crate::domain::coverage::with_change(cells, then);
            crate::io::coverage::cells_change_geojson(&changed, snapshot.policy(), unlocated, day)
        }
        _ => cells_geojson(&cells, snapshot.policy(), unlocated),
    };
    drop(snapshot);
    let answer = state
        .cell_answers
        .put(generation, key, "application/geo+json", body);
    Ok(answer.respond(&headers))
}

/// The divisions listed: `level` under `parent`, one level below the parent by default.
fn division_query(params: &DivisionParams) -> Result<(DivisionLevel, String), FieldError> {
    params.wants_csv()?;
    let parent = given(&params.parent)
        .map(|p| parse_prefix(p).map_err(|e| e.at("parent")))
        .transpose()?
        .unwrap_or_default();
    let level = match given(&params.level) {
        Some(l) => parse_level(l)?,
        None => match parent.len() {
            0 => DivisionLevel::Province,
            1..=2 => DivisionLevel::City,
            3..=4 => DivisionLevel::County,
            _ => DivisionLevel::Township,
        },
    };
    if parent.len() >= level.prefix_len() {
        return Err(FieldError::new(
            "level",
            format!("区划级别 {} 应低于上级区划“{parent}”", level.as_str()),
            format!(
                "level {} must be below the parent '{parent}'",
                level.as_str()
            ),
        ));
    }
    Ok((level, parent))
}

/// Coverage per division.
///
/// The divisions of `level` under `parent` (one level below it by default); `format=csv`
/// for a CSV table.
#[utoipa::path(
    get, path = "/api/coverage/divisions", tag = "coverage",
    params(DivisionParams),
    responses(
        (status = 200, description = "各区划覆盖率 coverage per division", content(
            (DivisionList = "application/json"),
            (String = "text/csv"),
        )),
        (status = 422, description = "参数有误 a bad parameter", body = ErrorBody),
    ),
)]
pub(super) async fn divisions(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<DivisionParams>,
) -> Result<Response, AppError> {
    if params.wants_csv()? {
        return divisions_csv(CurrentAccount(account), State(state), ApiQuery(params)).await;
    }
    let params = params.scoped_to(&account)?;
    let as_of = params.as_of()?;
    let snapshot = state.figures_on(as_of).await?;
    let filter = params.filter(snapshot.coverage().industries())?;
    let (level, parent) = division_query(&params)?;
    let policy = snapshot.policy();
    let rows = snapshot.coverage().divisions(level, &parent, &filter);
    let items: Vec<_> = rows
        .iter()
        .map(|(number, tally)| {
            let targets = policy.targets_for(&number.to_string());
            division_json(*number, level, tally, &targets, policy)
        })
        .collect();
    Ok(Json(json!({
        "level": level.as_str(),
        "parent": parent,
        "as_of": as_of.unwrap_or_else(crate::registry::today).to_string(),
        "items": items,
    }))
    .into_response())
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct DivisionMapParams {
    /// The level coloured: province, city, county or township (one below `parent` by
    /// default).
    level: Option<String>,
    /// The division whose divisions are coloured; the account's jurisdiction by default.
    parent: Option<String>,
    /// The map's zoom (0-18), which chooses the outlines' simplification; 18 (the stored
    /// outline) when not given.
    #[param(minimum = 0, maximum = 18)]
    zoom: Option<u8>,
    /// social_group, private_non_enterprise, foundation, intermediary or community.
    kind: Option<String>,
    /// Registration level (national, provincial, municipal, county).
    registration_level: Option<String>,
    industry: Option<String>,
    /// own, joint, instructor or uncovered.
    coverage: Option<String>,
    /// The figures at the end of this day (`YYYY-MM-DD`); today by default.
    as_of: Option<String>,
    /// Each division also gets its change since the end of this earlier day
    /// (`YYYY-MM-DD`): `total_change`, `uncovered_change`, `should_build_not_built_change`
    /// and each rate's `_change` (null where it had no organization on one of the days).
    since: Option<String>,
}

/// Coverage per division with its outline, for the division map (RFC 7946).
///
/// The divisions of `level` under `parent`, each with the properties of
/// `/api/coverage/divisions`, and `label_lon`/`label_lat` where its name goes. A division
/// is drawn by its loaded outline, or by the union of the loaded outlines under it (a city
/// by its counties) when the boundary file has none of its own; a division with
/// organizations and no outline has a null geometry. A division with an outline and no
/// organization has zero counts.
#[utoipa::path(
    get, path = "/api/coverage/divisions.geojson", tag = "coverage",
    params(DivisionMapParams),
    responses(
        (status = 200, description = "各区划覆盖率及界线 coverage per division with its outline (RFC 7946)", content_type = "application/geo+json"),
        (status = 422, description = "参数有误 a bad parameter", body = ErrorBody),
    ),
)]
pub(super) async fn division_map(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<DivisionMapParams>,
) -> Result<Response, AppError> {
    let zoom = super::boundaries::zoom_of(params.zoom)?;
    let since = crate::registry::query::day_of(params.since.as_deref(), "since")?;
    // Without a parent the map colours what lies below the account's jurisdiction: the
    // provinces around it have no figures it may see.
    let parent = given(&params.parent)
        .map(str::to_owned)
        .or_else(|| (!account.jurisdiction.is_empty()).then(|| account.jurisdiction.clone()));
    let params = DivisionParams {
        level: params.level,
        parent,
        kind: params.kind,
        registration_level: params.registration_level,
        industry: params.industry,
        division: None,
        coverage: params.coverage,
        format: None,
        as_of: params.as_of,
    }
    .scoped_to(&account)?;
    let as_of = params.as_of()?;
    let since = crate::registry::past::check_since(since, as_of)?;
    let (level, parent) = division_query(&params)?;
    // The earlier day first, apart from the live snapshot's read lock.
    let earlier: Option<std::collections::BTreeMap<u64, crate::domain::coverage::Tally>> =
        match since {
            Some(day) => {
                let earlier = state.past_figures(day).await?;
                let filter = params.filter(earlier.coverage().industries())?;
                Some(
                    earlier
                        .coverage()
                        .divisions(level, &parent, &filter)
                        .into_iter()
                        .collect(),
                )
            }
            None => None,
        };
    let snapshot = state.figures_on(as_of).await?;
    let filter = params.filter(snapshot.coverage().industries())?;
    let policy = snapshot.policy();
    let figures: std::collections::BTreeMap<u64, crate::domain::coverage::Tally> = snapshot
        .coverage()
        .divisions(level, &parent, &filter)
        .into_iter()
        .collect();
    let outlines = crate::domain::boundary::installed();
    let drawn = outlines.divisions_under(level, &parent, zoom);
    let mut shapes: std::collections::BTreeMap<u64, &crate::domain::boundary::Outline> =
        Default::default();
    for outline in &drawn {
        if let Ok(number) = outline.boundary.prefix().parse::<u64>() {
            shapes.insert(number, outline);
        }
    }
    let numbers: std::collections::BTreeSet<u64> = figures
        .keys()
        .chain(shapes.keys())
        .chain(earlier.iter().flat_map(|e| e.keys()))
        .copied()
        .collect();
    let features: Vec<geojson::Feature> = numbers
        .into_iter()
        .map(|number| {
            let tally = figures.get(&number).copied().unwrap_or_default();
            let targets = policy.targets_for(&number.to_string());
            let serde_json::Value::Object(mut properties) =
                division_json(number, level, &tally, &targets, policy)
            else {
                unreachable!("division_json writes an object")
            };
            if let Some(earlier) = &earlier {
                let then = earlier.get(&number).copied().unwrap_or_default();
                properties.extend(crate::io::coverage::change_properties(
                    &tally.change_since(&then),
                ));
            }
            let outline = shapes.get(&number);
            if let Some((lon, lat)) = outline.and_then(|o| super::boundaries::label_of(o)) {
                properties.insert("label_lon".into(), json!(lon));
                properties.insert("label_lat".into(), json!(lat));
            }
            geojson::Feature {
                id: Some(geojson::feature::Id::String(number.to_string())),
                geometry: outline.map(|o| super::boundaries::shape_of(o)),
                properties: Some(properties),
                ..Default::default()
            }
        })
        .collect();
    drop(snapshot);
    let body = json!({
        "type": "FeatureCollection",
        "level": level.as_str(),
        "parent": parent,
        "as_of": as_of.unwrap_or_else(crate::registry::today).to_string(),
        "since": since.map(|d| d.to_string()),
        "features": features,
    });
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        serde_json::to_string(&body).map_err(AppError::internal)?,
    )
        .into_response())
}

/// Coverage per division as CSV (UTF-8 with BOM, for Excel and WPS).
#[utoipa::path(
    get, path = "/api/coverage/divisions.csv", tag = "coverage",
    params(DivisionParams),
    responses(
        (status = 200, description = "CSV（UTF-8，带 BOM） CSV, UTF-8 with BOM", body = String, content_type = "text/csv"),
        (status = 422, description = "参数有误 a bad parameter", body = ErrorBody),
    ),
)]
pub(super) async fn divisions_csv(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<DivisionParams>,
) -> Result<Response, AppError> {
    let params = params.scoped_to(&account)?;
    let as_of = params.as_of()?;
    let snapshot = state.figures_on(as_of).await?;
    let filter = params.filter(snapshot.coverage().industries())?;
    let (level, parent) = division_query(&params)?;
    let rows = snapshot.coverage().divisions(level, &parent, &filter);
    let mut body = Vec::new();
    write_divisions_csv(&mut body, level, &rows, snapshot.policy()).expect("writing to memory");
    drop(snapshot);
    let date = as_of
        .unwrap_or_else(crate::registry::today)
        .format("%Y-%m-%d");
    let place = if parent.is_empty() {
        "all"
    } else {
        parent.as_str()
    };
    let place_zh = crate::domain::division::division_name(&parent).unwrap_or("全国");
    Ok(download(
        body,
        "text/csv; charset=utf-8",
        &format!("coverage-{}-{place}-{date}.csv", level.as_str()),
        &format!("区划覆盖率-{place_zh}-{}-{date}.csv", level.label_zh()),
    ))
}

/// A file to save: `ascii` for clients that read only `filename`, `name` (Chinese, RFC
/// 6266 `filename*`) for browsers.
fn download(body: Vec<u8>, content_type: &'static str, ascii: &str, name: &str) -> Response {
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        body,
    )
        .into_response()
}

/// The ranked gaps of the request's area and filters, in `format`: GeoJSON as the answer
/// itself, CSV and XLSX as downloads.
async fn gaps_in(
    format: GapFormat,
    account: &crate::domain::access::Account,
    state: &AppState,
    params: CoverageParams,
) -> Result<Response, AppError> {
    let params = params.scoped_to(account)?;
    let headers = params.headers()?;
    let as_of = params.as_of()?;
    let snapshot = state.figures_on(as_of).await?;
    let gaps = params.gaps(&snapshot)?;
    let body = format
        .write(&gaps, snapshot.policy(), headers)
        .map_err(|e| AppError::internal(e.context(format!("writing gaps as {format:?}"))))?;
    drop(snapshot);
    // Every format downloads under a name that says what it holds: a browser following
    // the GeoJSON link saves the file rather than showing raw JSON; QGIS and scripts
    // reading the address are not affected.
    let figures_day = as_of.unwrap_or_else(crate::registry::today);
    let (ascii, chinese) = params.gap_file_names(format.extension(), figures_day);
    Ok(download(body, format.content_type(), &ascii, &chinese))
}

/// The ranked gaps, most urgent first (formats.md "Gap GeoJSON").
#[utoipa::path(
    get, path = "/api/gaps.geojson", tag = "coverage",
    params(CoverageParams),
    responses(
        (status = 200, description = "按优先级排列的缺口 gaps by priority (RFC 7946)", body = GapCollection, content_type = "application/geo+json"),
        (status = 422, description = "参数有误 a bad parameter", body = ErrorBody),
    ),
)]
pub(super) async fn gaps_as_geojson(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<CoverageParams>,
) -> Result<Response, AppError> {
    gaps_in(GapFormat::Geojson, &account, &state, params).await
}

/// The ranked gaps as CSV (UTF-8 with BOM).
#[utoipa::path(
    get, path = "/api/gaps.csv", tag = "coverage",
    params(CoverageParams),
    responses(
        (status = 200, description = "CSV（UTF-8，带 BOM） CSV, UTF-8 with BOM", body = String, content_type = "text/csv"),
        (status = 422, description = "参数有误 a bad parameter", body = ErrorBody),
    ),
)]
pub(super) async fn gaps_as_csv(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<CoverageParams>,
) -> Result<Response, AppError> {
    gaps_in(GapFormat::Csv, &account, &state, params).await
}

/// The ranked gaps as FlatGeobuf (typed columns, a spatial index).
#[utoipa::path(
    get, path = "/api/gaps.fgb", tag = "coverage",
    params(CoverageParams),
    responses(
        (status = 200, description = "FlatGeobuf 图层 a FlatGeobuf layer", body = Vec<u8>, content_type = "application/flatgeobuf"),
        (status = 422, description = "参数有误 a bad parameter", body = ErrorBody),
    ),
)]
pub(super) async fn gaps_as_fgb(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<CoverageParams>,
) -> Result<Response, AppError> {
    gaps_in(GapFormat::Fgb, &account, &state, params).await
}

/// The ranked gaps as an Excel workbook with Chinese headers.
#[utoipa::path(
    get, path = "/api/gaps.xlsx", tag = "coverage",
    params(CoverageParams),
    responses(
        (status = 200, description = "Excel 工作簿 an Excel workbook", body = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 422, description = "参数有误 a bad parameter", body = ErrorBody),
    ),
)]
pub(super) async fn gaps_as_xlsx(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<CoverageParams>,
) -> Result<Response, AppError> {
    gaps_in(GapFormat::Xlsx, &account, &state, params).await
}
