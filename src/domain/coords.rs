//! Coordinates: WGS84 points inside China, and conversion from GCJ-02 and BD-09 input.
//!
//! Chinese web maps give GCJ-02 (Amap, Tencent) or BD-09 (Baidu) coordinates, 100-700 m off
//! WGS84 (domain.md 1). H3 and GeoJSON need WGS84, so input is converted on the way in.
//! GCJ-02 has no closed-form inverse: we invert the published forward transform by
//! fixed-point iteration until the forward image is within 1e-9 degrees of the input.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::FieldError;

/// China's bounding box (domain.md 1), WGS84 degrees.
pub const CHINA_LON: (f64, f64) = (73.0, 136.0);
pub const CHINA_LAT: (f64, f64) = (3.0, 54.0);

/// The coordinate system a point was given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Crs {
    #[default]
    Wgs84,
    Gcj02,
    Bd09,
}

impl Crs {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wgs84 => "wgs84",
            Self::Gcj02 => "gcj02",
            Self::Bd09 => "bd09",
        }
    }

    pub fn parse(input: &str) -> Result<Self, CoordError> {
        // Compared in place, case and dashes aside: a CSV file names one for every row.
        let input = input.trim();
        let spelled = |name: &str| {
            input
                .bytes()
                .filter(|b| !matches!(b, b'-' | b'_'))
                .map(|b| b.to_ascii_lowercase())
                .eq(name.bytes())
        };
        if input.is_empty() || spelled("wgs84") {
            Ok(Self::Wgs84)
        } else if spelled("gcj02") {
            Ok(Self::Gcj02)
        } else if spelled("bd09") {
            Ok(Self::Bd09)
        } else {
            Err(CoordError::UnknownCrs {
                given: input.to_lowercase(),
            })
        }
    }
}

impl FromStr for Crs {
    type Err = CoordError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A WGS84 point inside China's bounding box, degrees, lon/lat order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

/// An organization's point in its JSON: both numbers, or both null when the record has
/// no location.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PointJson {
    /// WGS84 longitude, degrees; null when the location is unknown.
    pub lon: Option<f64>,
    /// WGS84 latitude, degrees; null when the location is unknown.
    pub lat: Option<f64>,
}

/// Writes an optional point as `lon` and `lat`, null when unknown (never left out, so a
/// client sees the field exists).
pub fn serialize_point<S: serde::Serializer>(
    point: &Option<LonLat>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    PointJson {
        lon: point.map(|p| p.lon),
        lat: point.map(|p| p.lat),
    }
    .serialize(serializer)
}

impl LonLat {
    /// Validates a point given in `crs` and converts it to WGS84.
    pub fn parse(lon: f64, lat: f64, crs: Crs) -> Result<Self, CoordError> {
        check_range(Axis::Lon, lon)?;
        check_range(Axis::Lat, lat)?;
        let (lon, lat) = match crs {
            Crs::Wgs84 => (lon, lat),
            Crs::Gcj02 => gcj02_to_wgs84(lon, lat),
            Crs::Bd09 => {
                let (lon, lat) = bd09_to_gcj02(lon, lat);
                gcj02_to_wgs84(lon, lat)
            }
        };
        check_range(Axis::Lon, lon)?;
        check_range(Axis::Lat, lat)?;
        Ok(Self { lon, lat })
    }
}

fn check_range(axis: Axis, value: f64) -> Result<(), CoordError> {
    let (min, max) = axis.china();
    if value.is_finite() && (min..=max).contains(&value) {
        return Ok(());
    }
    Err(CoordError::OutsideChina { axis, value })
}

/// Longitude or latitude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Lon,
    Lat,
}

impl Axis {
    pub fn field(self) -> &'static str {
        match self {
            Self::Lon => "lon",
            Self::Lat => "lat",
        }
    }

    /// China's range on this axis, WGS84 degrees.
    pub fn china(self) -> (f64, f64) {
        match self {
            Self::Lon => CHINA_LON,
            Self::Lat => CHINA_LAT,
        }
    }
}

/// Why a point or a coordinate system cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoordError {
    #[error("the coordinate system is wgs84, gcj02 or bd09, not '{given}'")]
    UnknownCrs { given: String },
    /// Outside China's box, or not a number; checked before and after conversion to WGS84.
    #[error("{axis:?} {value} is outside China")]
    OutsideChina { axis: Axis, value: f64 },
}

impl From<CoordError> for FieldError {
    fn from(e: CoordError) -> Self {
        match e {
            CoordError::UnknownCrs { given } => FieldError::new(
                "crs",
                format!("坐标系应为 wgs84、gcj02 或 bd09，现为“{given}”"),
                format!("the coordinate system is wgs84, gcj02 or bd09, not '{given}'"),
            ),
            CoordError::OutsideChina { axis, value } => {
                let (min, max) = axis.china();
                let (zh, en) = match axis {
                    Axis::Lon => ("经度", "longitude"),
                    Axis::Lat => ("纬度", "latitude"),
                };
                FieldError::new(
                    axis.field(),
                    format!("{zh}{value}不在中国范围内（应在{min}到{max}之间）"),
                    format!("{en} {value} is outside China (expected {min} to {max})"),
                )
            }
        }
    }
}

// Krasovsky 1940 ellipsoid, as used by the GCJ-02 transform.
const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;

fn offset_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn offset_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// The published WGS84 -> GCJ-02 transform (degrees).
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let d_lat = offset_lat(lon - 105.0, lat - 35.0);
    let d_lon = offset_lon(lon - 105.0, lat - 35.0);
    let rad_lat = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (A / sqrt_magic * rad_lat.cos() * PI);
    (lon + d_lon, lat + d_lat)
}

/// GCJ-02 -> WGS84 by fixed-point iteration on the forward transform.
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (mut w_lon, mut w_lat) = (lon, lat);
    for _ in 0..30 {
        let (g_lon, g_lat) = wgs84_to_gcj02(w_lon, w_lat);
        let (e_lon, e_lat) = (g_lon - lon, g_lat - lat);
        w_lon -= e_lon;
        w_lat -= e_lat;
        if e_lon.abs() < 1e-10 && e_lat.abs() < 1e-10 {
            break;
        }
    }
    (w_lon, w_lat)
}

const X_PI: f64 = PI * 3000.0 / 180.0;

/// The published GCJ-02 -> BD-09 transform (degrees).
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// BD-09 -> GCJ-02: the usual closed-form approximation, refined by iterating on the
/// forward transform so that the error stays far below a metre.
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = (lon - 0.0065, lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    let (mut g_lon, mut g_lat) = (z * theta.cos(), z * theta.sin());
    for _ in 0..10 {
        let (b_lon, b_lat) = gcj02_to_bd09(g_lon, g_lat);
        let (e_lon, e_lat) = (b_lon - lon, b_lat - lat);
        g_lon -= e_lon;
        g_lat -= e_lat;
        if e_lon.abs() < 1e-10 && e_lat.abs() < 1e-10 {
            break;
        }
    }
    (g_lon, g_lat)
}

/// The mean Earth radius the distances use, metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres (haversine on the mean Earth radius).
pub fn distance_m(a: LonLat, b: LonLat) -> f64 {
    Prepared::new(a).distance_m(&Prepared::new(b))
}

/// A point ready for many distances: its latitude in radians and that latitude's cosine
/// computed once. Distances come out bit for bit as [`distance_m`] gives them.
///
/// Hand-written rather than `geo`'s `Haversine` (the same formula on the same GRS80 mean
/// radius) because the grouping's ring search compares millions of candidates: `geo`
/// takes two cosines and an arcsine per pair, this takes neither, and measured twice as
/// fast per candidate (docs/performance.md, "Division outlines").
#[derive(Debug, Clone, Copy)]
pub struct Prepared {
    lon: f64,
    lat_rad: f64,
    cos_lat: f64,
}

impl Prepared {
    pub fn new(p: LonLat) -> Self {
        let lat_rad = p.lat.to_radians();
        Self {
            lon: p.lon,
            lat_rad,
            cos_lat: lat_rad.cos(),
        }
    }

    /// The haversine of the central angle to `other`: it grows with the distance, so
    /// comparing it with [`Prepared::haversine_of`] a distance spares the arcsine.
    pub fn haversine(&self, other: &Prepared) -> f64 {
        let dp = other.lat_rad - self.lat_rad;
        let dl = (other.lon - self.lon).to_radians();
        (dp / 2.0).sin().powi(2) + self.cos_lat * other.cos_lat * (dl / 2.0).sin().powi(2)
    }

    pub fn distance_m(&self, other: &Prepared) -> f64 {
        Self::metres_of(self.haversine(other))
    }

    /// The distance whose central angle has the haversine `h`, metres.
    pub fn metres_of(h: f64) -> f64 {
        2.0 * EARTH_RADIUS_M * h.sqrt().asin()
    }

    /// The haversine of the central angle of `metres`.
    pub fn haversine_of(metres: f64) -> f64 {
        (metres / (2.0 * EARTH_RADIUS_M)).sin().powi(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> impl Iterator<Item = LonLat> {
        (0..=60).flat_map(|i| {
            (0..=40).map(move |j| LonLat {
                lon: 74.0 + f64::from(i),
                lat: 18.0 + f64::from(j) * 0.875,
            })
        })
    }

    #[test]
    fn gcj02_input_converts_back_to_wgs84_within_a_metre_across_china() {
        for wgs in grid() {
            let (g_lon, g_lat) = wgs84_to_gcj02(wgs.lon, wgs.lat);
            let back = LonLat::parse(g_lon, g_lat, Crs::Gcj02).unwrap();
            let err = distance_m(wgs, back);
            assert!(err < 1.0, "{wgs:?}: {err} m");
        }
    }

    #[test]
    fn bd09_input_converts_back_to_wgs84_within_a_metre_across_china() {
        for wgs in grid() {
            let (g_lon, g_lat) = wgs84_to_gcj02(wgs.lon, wgs.lat);
            let (b_lon, b_lat) = gcj02_to_bd09(g_lon, g_lat);
            let back = LonLat::parse(b_lon, b_lat, Crs::Bd09).unwrap();
            let err = distance_m(wgs, back);
            assert!(err < 1.0, "{wgs:?}: {err} m");
        }
    }

    #[test]
    fn the_gcj02_offset_in_hohhot_is_a_few_hundred_metres() {
        // Why convert at all: the shift is large enough to put a point in the wrong block.
        let wgs = LonLat {
            lon: 111.7519,
            lat: 40.8415,
        };
        let (g_lon, g_lat) = wgs84_to_gcj02(wgs.lon, wgs.lat);
        let shift = distance_m(
            wgs,
            LonLat {
                lon: g_lon,
                lat: g_lat,
            },
        );
        assert!((100.0..700.0).contains(&shift), "{shift} m");
    }

    #[test]
    fn a_point_outside_china_is_rejected_naming_the_field() {
        assert_eq!(
            LonLat::parse(2.35, 48.85, Crs::Wgs84),
            Err(CoordError::OutsideChina {
                axis: Axis::Lon,
                value: 2.35
            })
        );
        let err = LonLat::parse(111.0, 60.0, Crs::Wgs84).unwrap_err();
        assert_eq!(
            err,
            CoordError::OutsideChina {
                axis: Axis::Lat,
                value: 60.0
            }
        );
        assert_eq!(FieldError::from(err).field, "lat");
        assert!(matches!(
            LonLat::parse(f64::NAN, 40.0, Crs::Wgs84),
            Err(CoordError::OutsideChina {
                axis: Axis::Lon,
                ..
            })
        ));
    }

    #[test]
    fn swapped_lon_and_lat_are_caught() {
        assert!(matches!(
            LonLat::parse(40.84, 111.75, Crs::Wgs84),
            Err(CoordError::OutsideChina {
                axis: Axis::Lon,
                ..
            })
        ));
    }

    #[test]
    fn coordinate_systems_are_read_in_the_usual_spellings() {
        assert_eq!(Crs::parse("GCJ-02").unwrap(), Crs::Gcj02);
        assert_eq!(Crs::parse("bd09").unwrap(), Crs::Bd09);
        assert_eq!(Crs::parse("").unwrap(), Crs::Wgs84);
        let err = Crs::parse("CGCS2000").unwrap_err();
        assert_eq!(
            err,
            CoordError::UnknownCrs {
                given: "cgcs2000".into()
            }
        );
        assert_eq!(FieldError::from(err).field, "crs");
    }

    #[test]
    fn distance_of_one_degree_of_latitude_is_about_111_km() {
        let d = distance_m(
            LonLat {
                lon: 111.0,
                lat: 40.0,
            },
            LonLat {
                lon: 111.0,
                lat: 41.0,
            },
        );
        assert!((d - 111_195.0).abs() < 50.0, "{d}");
    }
}
