//! Division outlines for the map: the loaded boundaries that reach into a box, simplified for
//! the zoom, with the point each name is drawn at. They are what makes the map legible on a
//! government network with no base map.

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use geojson::{Feature, FeatureCollection, GeometryValue};
use serde::Deserialize;
use utoipa::IntoParams;

use super::openapi::ErrorBody;
use crate::domain::boundary::{self, LEVELS};
use crate::domain::coverage::Bbox;
use crate::domain::division::DivisionLevel;
use crate::domain::error::FieldError;
use crate::registry::query::{given, parse_level};
use crate::web::AppState;
use crate::web::http::error::AppError;
use crate::web::http::extract::{ApiQuery, CurrentAccount};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/boundaries.geojson", get(outlines))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct OutlineParams {
    /// `west,south,east,north`, WGS84 degrees; the whole country when not given.
    bbox: Option<String>,
    /// The map's zoom (0-18), which chooses the simplification; 18 (the stored outline)
    /// when not given.
    #[param(minimum = 0, maximum = 18)]
    zoom: Option<u8>,
    /// province, city, county or township; by default the finest loaded level of
    /// county and coarser (townships are asked for).
    level: Option<String>,
}

/// A degree to 5 decimals (about 1 m): the outlines are drawn, not measured, and the
/// answer is a third the size.
fn degree(v: f64) -> f64 {
    (v * 1e5).round() / 1e5
}

/// An outline's coordinates to 5 decimals ([`degree`]).
fn rounded(value: GeometryValue) -> GeometryValue {
    let round = |v: &mut f64| *v = degree(*v);
    match value {
        GeometryValue::MultiPolygon { mut coordinates } => {
            for p in coordinates.iter_mut().flatten().flatten() {
                p.as_slice_mut().iter_mut().for_each(round);
            }
            GeometryValue::MultiPolygon { coordinates }
        }
        other => other,
    }
}

/// The zoom an outline request asks for (0-18), the stored outline (18) when not given.
pub(super) fn zoom_of(zoom: Option<u8>) -> Result<u8, FieldError> {
    let zoom = zoom.unwrap_or(18);
    if zoom > 18 {
        return Err(FieldError::new(
            "zoom",
            format!("缩放级别应为 0 到 18，现为 {zoom}"),
            format!("zoom is 0 to 18, not {zoom}"),
        ));
    }
    Ok(zoom)
}

/// An outline as the map draws it: its simplified shape, coordinates rounded.
pub(super) fn shape_of(outline: &boundary::Outline) -> geojson::Geometry {
    geojson::Geometry::new(rounded(GeometryValue::from(outline.shape)))
}

/// Where an outline's name goes, rounded as its coordinates are: `label_lon`, `label_lat`.
pub(super) fn label_of(outline: &boundary::Outline) -> Option<(f64, f64)> {
    outline.label.map(|l| (degree(l.lon), degree(l.lat)))
}

/// The division outlines in a box (RFC 7946, lon/lat).
///
/// Outlines are reference data: any signed-in account reads them, whatever its
/// jurisdiction. Each feature has `division_code` (6 digits, 9 for a township), `name`
/// (the file's, shown as text), `level`, and `label_lon`/`label_lat`, a point inside it
/// where its name goes. An empty collection when no boundary is loaded
/// (`orgcover boundaries import`).
#[utoipa::path(
    get, path = "/api/boundaries.geojson", tag = "coverage",
    params(OutlineParams),
    responses(
        (status = 200, description = "区划界线 division outlines (RFC 7946)", content_type = "application/geo+json"),
        (status = 422, description = "参数有误 a bad parameter", body = ErrorBody),
    ),
)]
pub(super) async fn outlines(
    CurrentAccount(_account): CurrentAccount,
    ApiQuery(params): ApiQuery<OutlineParams>,
) -> Result<Response, AppError> {
    let bbox = given(&params.bbox).map(Bbox::parse).transpose()?;
    let zoom = zoom_of(params.zoom)?;
    let outlines = boundary::installed();
    let level = match given(&params.level) {
        Some(l) => parse_level(l)?,
        None => LEVELS
            .iter()
            .rev()
            .copied()
            .filter(|l| *l <= DivisionLevel::County)
            .find(|l| outlines.has_level(*l))
            .unwrap_or(DivisionLevel::County),
    };
    let b = bbox.unwrap_or(Bbox {
        west: -180.0,
        south: -90.0,
        east: 180.0,
        north: 90.0,
    });
    let features = outlines
        .in_view(level, b.west, b.south, b.east, b.north, zoom)
        .into_iter()
        .map(|o| {
            let mut f = Feature::from(shape_of(&o));
            f.set_property("division_code", o.boundary.short_code());
            f.set_property("name", o.boundary.name.as_str());
            f.set_property("level", o.boundary.level.as_str());
            if let Some((lon, lat)) = label_of(&o) {
                f.set_property("label_lon", lon);
                f.set_property("label_lat", lat);
            }
            f
        })
        .collect();
    let body = FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    };
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        serde_json::to_string(&body).map_err(AppError::internal)?,
    )
        .into_response())
}
