//! Reading a boundary file: GeoJSON of division polygons in WGS84 or CGCS2000, as offices
//! get them from their surveying bureau or Tianditu. Rings are repaired where a repair is
//! certain (closed, repeated points dropped, self-intersections rebuilt by `geo`'s
//! `MakeValid`, exteriors counter-clockwise), and each repair is reported; what cannot be
//! read names the feature and the property.

use std::collections::BTreeMap;

use geo::{
    Coord, CoordsIter, LineString, MakeValid, MultiPolygon, Orient, Polygon, RemoveRepeatedPoints,
    Validation, orient::Direction,
};
use geojson::{Feature, GeoJson, GeometryValue, JsonObject, Position};
use serde_json::Value;

use crate::domain::boundary::{Boundary, level_of};
use crate::domain::division::{self, DivisionCode, DivisionLevel};
use crate::domain::lang::Lang;

/// What the user says about the file.
#[derive(Debug, Clone, Default)]
pub struct BoundaryOptions {
    /// Every feature must be of this level; None: each feature's code says.
    pub level: Option<DivisionLevel>,
    /// The property holding the division code; None: the usual names are tried.
    pub code_property: Option<String>,
    /// The property holding the name; None: the usual names, else the register's name.
    pub name_property: Option<String>,
}

/// The properties that usually hold the code: Tianditu's `gb`, the NBS/DataV style
/// `code`/`adcode`, the land survey's `XZQDM`, and Chinese headers.
const CODE_PROPERTIES: [&str; 8] = [
    "gb",
    "code",
    "adcode",
    "division_code",
    "XZQDM",
    "PAC",
    "区划代码",
    "行政区划代码",
];
const NAME_PROPERTIES: [&str; 5] = ["name", "NAME", "XZQMC", "名称", "区划名称"];

/// A file read: the boundaries, what was repaired or skipped, and the coordinate system.
#[derive(Debug)]
pub struct BoundaryFile {
    pub boundaries: Vec<Boundary>,
    pub notes: Vec<BoundaryNote>,
    /// The coordinate system the file declares, as we name it (`CGCS2000`, `WGS84`).
    pub crs: &'static str,
}

/// A repair or a skipped feature, reported and not refused.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryNote {
    /// 1-based, in the file's order.
    pub feature: usize,
    pub name: String,
    pub what: NoteKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NoteKind {
    /// A line or point feature (a 境界线, a label): not an area.
    NotAnArea {
        geometry: &'static str,
    },
    RingsClosed(usize),
    RepeatedPointsDropped(usize),
    DegenerateRingsDropped(usize),
    /// The polygons were invalid (the first reason given) and were rebuilt.
    Rebuilt {
        reason: String,
    },
    /// Several features of one code became one division's outline.
    Merged {
        first: usize,
    },
}

impl BoundaryNote {
    pub fn message(&self, lang: Lang) -> String {
        let who = format!("{} ({})", self.feature, self.name);
        match (&self.what, lang) {
            (NoteKind::NotAnArea { geometry }, Lang::Zh) => {
                format!("第 {who} 个要素是 {geometry}，不是面，已跳过")
            }
            (NoteKind::NotAnArea { geometry }, Lang::En) => {
                format!("feature {who} is a {geometry}, not an area: skipped")
            }
            (NoteKind::RingsClosed(n), Lang::Zh) => {
                format!("第 {who} 个要素：闭合了 {n} 个未闭合的环")
            }
            (NoteKind::RingsClosed(n), Lang::En) => {
                format!("feature {who}: {n} open ring(s) closed")
            }
            (NoteKind::RepeatedPointsDropped(n), Lang::Zh) => {
                format!("第 {who} 个要素：删除了 {n} 个重复点")
            }
            (NoteKind::RepeatedPointsDropped(n), Lang::En) => {
                format!("feature {who}: {n} repeated point(s) dropped")
            }
            (NoteKind::DegenerateRingsDropped(n), Lang::Zh) => {
                format!("第 {who} 个要素：删除了 {n} 个不足三个点的环")
            }
            (NoteKind::DegenerateRingsDropped(n), Lang::En) => {
                format!("feature {who}: {n} ring(s) of fewer than three points dropped")
            }
            (NoteKind::Rebuilt { reason }, Lang::Zh) => {
                format!("第 {who} 个要素的面无效（{reason}），已按奇偶规则重建")
            }
            (NoteKind::Rebuilt { reason }, Lang::En) => {
                format!("feature {who} was invalid ({reason}) and was rebuilt (even-odd rule)")
            }
            (NoteKind::Merged { first }, Lang::Zh) => {
                format!("第 {who} 个要素与第 {first} 个要素代码相同，已合并为一个区划")
            }
            (NoteKind::Merged { first }, Lang::En) => {
                format!("feature {who} has the code of feature {first}: merged into one division")
            }
        }
    }
}

/// Why a boundary file was refused: nothing of it is stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoundaryFileError {
    #[error("the file is not GeoJSON: {0}")]
    NotGeoJson(String),
    #[error("the file is GeoJSON but not a FeatureCollection")]
    NotACollection,
    #[error("coordinate system '{0}' is not lon/lat in WGS84 or CGCS2000")]
    Crs(String),
    #[error("feature {feature}: no property {tried} holds a division code (use --code-property)")]
    NoCode { feature: usize, tried: String },
    #[error("feature {feature}, property {property}: '{value}' is not a division code ({reason})")]
    BadCode {
        feature: usize,
        property: String,
        value: String,
        reason: String,
    },
    #[error("feature {feature}: code {code} is a {found} code, not a {level} one")]
    Level {
        feature: usize,
        code: String,
        found: &'static str,
        level: &'static str,
    },
    #[error("feature {feature}: coordinate ({x}, {y}) is not a lon/lat in China{hint}")]
    Coordinates {
        feature: usize,
        x: f64,
        y: f64,
        hint: &'static str,
    },
    #[error("feature {feature}: the polygons cannot be repaired ({reason})")]
    Unrepairable { feature: usize, reason: String },
    #[error("the file holds no polygon with a division code")]
    Empty,
}

impl BoundaryFileError {
    /// What a clerk reads, in Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::NotGeoJson(e) => format!("文件不是 GeoJSON：{e}"),
            Self::NotACollection => "文件是 GeoJSON，但不是要素集合（FeatureCollection）".into(),
            Self::Crs(name) => format!(
                "坐标系“{name}”不是 WGS84 或 CGCS2000 经纬度；请先转换，如 ogr2ogr -t_srs EPSG:4490 out.geojson in.shp"
            ),
            Self::NoCode { feature, tried } => format!(
                "第 {feature} 个要素：属性 {tried} 中都没有行政区划代码（请用 --code-property 指定）"
            ),
            Self::BadCode {
                feature,
                property,
                value,
                reason,
            } => format!(
                "第 {feature} 个要素，属性 {property}：“{value}”不是行政区划代码（{reason}）"
            ),
            Self::Level {
                feature,
                code,
                found,
                level,
            } => format!(
                "第 {feature} 个要素：代码 {code} 是{}级代码，不是{}级",
                level_zh(found),
                level_zh(level)
            ),
            Self::Coordinates {
                feature,
                x,
                y,
                hint,
            } => format!(
                "第 {feature} 个要素：坐标 ({x}, {y}) 不是中国范围内的经纬度{}",
                match *hint {
                    AXES_SWAPPED => "（经纬度顺序颠倒？应为经度在前）",
                    PROJECTED => "（投影坐标？请先转换为 EPSG:4490 经纬度）",
                    _ => "",
                }
            ),
            Self::Unrepairable { feature, reason } => {
                format!("第 {feature} 个要素的面无法修复（{reason}）")
            }
            Self::Empty => "文件中没有带行政区划代码的面要素".into(),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.zh(),
            Lang::En => self.to_string(),
        }
    }
}

const AXES_SWAPPED: &str = ": are latitude and longitude swapped? lon comes first";
const PROJECTED: &str = ": projected metres? reproject to EPSG:4490 first";

fn level_zh(level: &str) -> &'static str {
    match level {
        "province" => "省",
        "city" => "地市",
        "county" => "县",
        "township" => "乡镇",
        _ => "村",
    }
}

/// The coordinate system a `crs` member names, if it is lon/lat in WGS84 or CGCS2000.
/// RFC 7946 dropped the member (lon/lat WGS84 is implied); GDAL still writes it, with
/// lon/lat order whatever the URN's axis order says, so the coordinates' range is checked.
fn crs_of(collection: &geojson::FeatureCollection) -> Result<&'static str, BoundaryFileError> {
    let Some(crs) = collection
        .foreign_members
        .as_ref()
        .and_then(|m| m.get("crs"))
    else {
        return Ok("WGS84");
    };
    let name = crs
        .pointer("/properties/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let upper = name.to_ascii_uppercase();
    if upper.ends_with("CRS84") || upper.ends_with(":4326") || upper.ends_with("::4326") {
        Ok("WGS84")
    } else if upper.ends_with(":4490") || upper.ends_with("::4490") {
        Ok("CGCS2000")
    } else {
        Err(BoundaryFileError::Crs(if name.is_empty() {
            crs.to_string()
        } else {
            name
        }))
    }
}

fn property_text(props: Option<&JsonObject>, name: &str) -> Option<String> {
    match props?.get(name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A code as files spell it: 6, 9 or 12 digits, or Tianditu's with `156` (China's ISO
/// 3166 number) in front.
fn division_code(text: &str) -> Result<DivisionCode, String> {
    let digits = text.trim();
    let digits = match digits.strip_prefix("156") {
        Some(rest) if [6, 9, 12].contains(&rest.len()) => rest,
        _ => digits,
    };
    DivisionCode::parse(digits).map_err(|e| e.to_string())
}

/// China's box with a margin, as the organizations' points are checked.
fn in_china(c: Coord<f64>) -> bool {
    (70.0..=140.0).contains(&c.x) && (0.0..=56.0).contains(&c.y)
}

fn coordinates_error(feature: usize, c: Coord<f64>) -> BoundaryFileError {
    let hint = if in_china(Coord { x: c.y, y: c.x }) {
        AXES_SWAPPED
    } else if c.x.abs() > 1_000.0 || c.y.abs() > 1_000.0 {
        PROJECTED
    } else {
        ""
    };
    BoundaryFileError::Coordinates {
        feature,
        x: c.x,
        y: c.y,
        hint,
    }
}

#[derive(Default)]
struct Repairs {
    closed: usize,
    repeated: usize,
    degenerate: usize,
}

fn ring(
    feature: usize,
    positions: &[Position],
    repairs: &mut Repairs,
) -> Result<Option<LineString<f64>>, BoundaryFileError> {
    let mut coords = Vec::with_capacity(positions.len() + 1);
    for p in positions {
        let s = p.as_slice();
        let c = Coord {
            x: s.first().copied().unwrap_or(f64::NAN),
            y: s.get(1).copied().unwrap_or(f64::NAN),
        };
        if !in_china(c) {
            return Err(coordinates_error(feature, c));
        }
        coords.push(c);
    }
    let Some(&first) = coords.first() else {
        repairs.degenerate += 1;
        return Ok(None);
    };
    if coords.last() != Some(&first) {
        coords.push(first);
        repairs.closed += 1;
    }
    let before = coords.len();
    let line = LineString::new(coords).remove_repeated_points();
    repairs.repeated += before - line.0.len();
    // A closed ring needs three distinct points and the first again.
    if line.0.len() < 4 {
        repairs.degenerate += 1;
        return Ok(None);
    }
    Ok(Some(line))
}

fn polygon(
    feature: usize,
    rings: &[Vec<Position>],
    repairs: &mut Repairs,
) -> Result<Option<Polygon<f64>>, BoundaryFileError> {
    let mut rings = rings.iter();
    let Some(exterior) = rings.next() else {
        return Ok(None);
    };
    let Some(exterior) = ring(feature, exterior, repairs)? else {
        return Ok(None);
    };
    let mut holes = Vec::new();
    for hole in rings {
        holes.extend(ring(feature, hole, repairs)?);
    }
    Ok(Some(Polygon::new(exterior, holes)))
}

/// Reads a boundary file; all of it or an error naming what is wrong.
pub fn read(bytes: &[u8], options: &BoundaryOptions) -> Result<BoundaryFile, BoundaryFileError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| BoundaryFileError::NotGeoJson(format!("not UTF-8 ({e})")))?;
    let geojson: GeoJson = text
        .parse()
        .map_err(|e: geojson::Error| BoundaryFileError::NotGeoJson(e.to_string()))?;
    let collection = match geojson {
        GeoJson::FeatureCollection(c) => c,
        GeoJson::Feature(f) => geojson::FeatureCollection {
            bbox: None,
            features: vec![f],
            foreign_members: None,
        },
        GeoJson::Geometry(_) => return Err(BoundaryFileError::NotACollection),
    };
    let crs = crs_of(&collection)?;
    let mut notes = Vec::new();
    // By level and identifying digits: where the first feature of the code is, and its shape.
    let mut read: BTreeMap<(DivisionLevel, String), (usize, Boundary)> = BTreeMap::new();
    for (i, feature) in collection.features.iter().enumerate() {
        let number = i + 1;
        let Some(boundary) = read_feature(number, feature, options, &mut notes)? else {
            continue;
        };
        let key = (boundary.level, boundary.prefix().to_owned());
        match read.get_mut(&key) {
            Some((first, kept)) => {
                notes.push(BoundaryNote {
                    feature: number,
                    name: boundary.name.clone(),
                    what: NoteKind::Merged { first: *first },
                });
                kept.shape.0.extend(boundary.shape.0);
            }
            None => {
                read.insert(key, (number, boundary));
            }
        }
    }
    if read.is_empty() {
        return Err(BoundaryFileError::Empty);
    }
    let mut boundaries = Vec::with_capacity(read.len());
    for (first, mut b) in read.into_values() {
        // Parts of one division from several features may overlap: rebuilt as one.
        if b.shape.check_validation().is_err() {
            b.shape = rebuild(first, &b.shape, &b.name, &mut notes)?;
        }
        boundaries.push(b);
    }
    Ok(BoundaryFile {
        boundaries,
        notes,
        crs,
    })
}

fn rebuild(
    feature: usize,
    shape: &MultiPolygon<f64>,
    name: &str,
    notes: &mut Vec<BoundaryNote>,
) -> Result<MultiPolygon<f64>, BoundaryFileError> {
    let reason = shape
        .validation_errors()
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    let rebuilt = shape
        .make_valid()
        .map_err(|e| BoundaryFileError::Unrepairable {
            feature,
            reason: e.to_string(),
        })?
        .orient(Direction::Default);
    if rebuilt.0.is_empty() {
        return Err(BoundaryFileError::Unrepairable { feature, reason });
    }
    notes.push(BoundaryNote {
        feature,
        name: name.to_owned(),
        what: NoteKind::Rebuilt { reason },
    });
    Ok(rebuilt)
}

fn read_feature(
    number: usize,
    feature: &Feature,
    options: &BoundaryOptions,
    notes: &mut Vec<BoundaryNote>,
) -> Result<Option<Boundary>, BoundaryFileError> {
    let props = feature.properties.as_ref();
    let file_name = match &options.name_property {
        Some(p) => property_text(props, p),
        None => NAME_PROPERTIES.iter().find_map(|p| property_text(props, p)),
    };
    let shown = file_name.clone().unwrap_or_default();
    let polygons: Vec<&Vec<Vec<Position>>> = match feature.geometry.as_ref().map(|g| &g.value) {
        Some(GeometryValue::Polygon { coordinates }) => vec![coordinates],
        Some(GeometryValue::MultiPolygon { coordinates }) => coordinates.iter().collect(),
        other => {
            notes.push(BoundaryNote {
                feature: number,
                name: shown,
                what: NoteKind::NotAnArea {
                    geometry: other.map_or("feature without geometry", GeometryValue::type_name),
                },
            });
            return Ok(None);
        }
    };
    let (property, text) = match &options.code_property {
        Some(p) => (p.clone(), property_text(props, p)),
        None => CODE_PROPERTIES
            .iter()
            .find_map(|p| Some((p.to_string(), Some(property_text(props, p)?))))
            .unwrap_or_default(),
    };
    let Some(text) = text else {
        return Err(BoundaryFileError::NoCode {
            feature: number,
            tried: options
                .code_property
                .clone()
                .unwrap_or_else(|| CODE_PROPERTIES.join("/")),
        });
    };
    let code = division_code(&text).map_err(|reason| BoundaryFileError::BadCode {
        feature: number,
        property,
        value: text.clone(),
        reason,
    })?;
    let found = level_of(&code);
    let level = options.level.unwrap_or(found);
    if found != level {
        return Err(BoundaryFileError::Level {
            feature: number,
            code: text,
            found: found.as_str(),
            level: level.as_str(),
        });
    }
    let name = file_name
        .or_else(|| division::division_name(code.prefix(level)).map(str::to_owned))
        .unwrap_or_else(|| code.prefix(level).to_owned());
    let mut repairs = Repairs::default();
    let mut parts = Vec::new();
    for rings in polygons {
        parts.extend(polygon(number, rings, &mut repairs)?);
    }
    for (n, what) in [
        (
            repairs.closed,
            NoteKind::RingsClosed as fn(usize) -> NoteKind,
        ),
        (repairs.repeated, NoteKind::RepeatedPointsDropped),
        (repairs.degenerate, NoteKind::DegenerateRingsDropped),
    ] {
        if n > 0 {
            notes.push(BoundaryNote {
                feature: number,
                name: name.clone(),
                what: what(n),
            });
        }
    }
    let mut shape = MultiPolygon::new(parts).orient(Direction::Default);
    if shape.coords_count() == 0 {
        return Err(BoundaryFileError::Unrepairable {
            feature: number,
            reason: "no ring of three points or more".into(),
        });
    }
    if shape.check_validation().is_err() {
        shape = rebuild(number, &shape, &name, notes)?;
    }
    Ok(Some(Boundary {
        code,
        level,
        name,
        shape,
    }))
}

/// A boundary's outline as the GeoJSON geometry it is stored as.
pub fn geometry_json(shape: &MultiPolygon<f64>) -> String {
    let geometry = geojson::Geometry::new(GeometryValue::from(shape));
    serde_json::to_string(&geometry).expect("a geometry serializes")
}

/// A stored outline read back.
pub fn geometry_from_json(text: &str) -> Result<MultiPolygon<f64>, String> {
    let geometry: geojson::Geometry = text.parse().map_err(|e: geojson::Error| e.to_string())?;
    MultiPolygon::try_from(&geometry.value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(features: &str) -> String {
        format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::4490"}}}},"features":[{features}]}}"#
        )
    }

    fn square(code: &str, name: &str, x: f64, open: bool) -> String {
        let close = if open {
            String::new()
        } else {
            format!(",[{x},40.0]")
        };
        format!(
            r#"{{"type":"Feature","properties":{{"name":"{name}","gb":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},40.0],[{x1},40.0],[{x1},40.0],[{x1},40.5],[{x},40.5]{close}]]}}}}"#,
            x1 = x + 0.5
        )
    }

    #[test]
    fn tianditu_codes_and_cgcs2000_are_read_and_open_rings_are_closed_and_reported() {
        let text = file(&[
            square("156150102", "新城区", 111.0, true),
            square("150103", "回民区", 111.5, false),
            r#"{"type":"Feature","properties":{"name":"境界线","gb":""},"geometry":{"type":"MultiLineString","coordinates":[[[111,40],[112,41]]]}}"#.into(),
        ]
        .join(","));
        let read = read(text.as_bytes(), &BoundaryOptions::default()).unwrap();
        assert_eq!(read.crs, "CGCS2000");
        let codes: Vec<_> = read
            .boundaries
            .iter()
            .map(|b| b.prefix().to_owned())
            .collect();
        assert_eq!(codes, ["150102", "150103"]);
        assert!(
            read.boundaries
                .iter()
                .all(|b| b.level == DivisionLevel::County)
        );
        assert!(read.boundaries.iter().all(|b| b.shape.is_valid()));
        let kinds: Vec<_> = read
            .notes
            .iter()
            .map(|n| (n.feature, n.what.clone()))
            .collect();
        assert!(kinds.contains(&(1, NoteKind::RingsClosed(1))));
        assert!(kinds.contains(&(1, NoteKind::RepeatedPointsDropped(1))));
        assert!(kinds.contains(&(
            3,
            NoteKind::NotAnArea {
                geometry: "MultiLineString"
            }
        )));
        assert!(read.notes[0].message(Lang::Zh).contains("新城区"));
    }

    #[test]
    fn a_bowtie_is_rebuilt_and_said_to_be() {
        let text = file(
            r#"{"type":"Feature","properties":{"code":"150102"},"geometry":{"type":"Polygon","coordinates":[[[111,40],[111,41],[112,40],[112,41],[111,40]]]}}"#,
        );
        let read = read(text.as_bytes(), &BoundaryOptions::default()).unwrap();
        let b = &read.boundaries[0];
        assert!(b.shape.is_valid());
        assert_eq!(b.shape.0.len(), 2);
        // No name in the file: the register's.
        assert_eq!(b.name, "新城区");
        assert!(matches!(read.notes[0].what, NoteKind::Rebuilt { .. }));
    }

    #[test]
    fn what_cannot_be_read_names_the_feature_and_the_property() {
        let opts = BoundaryOptions::default();
        let err = |text: String| read(text.as_bytes(), &opts).unwrap_err();
        assert_eq!(
            err(file(&square("156999999", "x", 111.0, false))),
            BoundaryFileError::BadCode {
                feature: 1,
                property: "gb".into(),
                value: "156999999".into(),
                reason: DivisionCode::parse("999999").unwrap_err().to_string(),
            }
        );
        let no_code = file(
            r#"{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[111,40],[111,41],[112,40],[111,40]]]}}"#,
        );
        assert!(matches!(
            err(no_code.clone()),
            BoundaryFileError::NoCode { feature: 1, .. }
        ));
        assert!(err(no_code).zh().contains("--code-property"));
        let swapped = file(
            r#"{"type":"Feature","properties":{"gb":"150102"},"geometry":{"type":"Polygon","coordinates":[[[40,111],[41,111],[40,112],[40,111]]]}}"#,
        );
        let e = err(swapped);
        assert!(e.to_string().contains("swapped"), "{e}");
        assert!(e.zh().contains("颠倒"));
        let projected = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4547"}},"features":[]}"#;
        assert_eq!(
            err(projected.into()),
            BoundaryFileError::Crs("urn:ogc:def:crs:EPSG::4547".into())
        );
        let county = BoundaryOptions {
            level: Some(DivisionLevel::County),
            ..Default::default()
        };
        let city = file(&square("150100", "呼和浩特市", 111.0, false));
        assert!(matches!(
            read(city.as_bytes(), &county).unwrap_err(),
            BoundaryFileError::Level {
                feature: 1,
                found: "city",
                level: "county",
                ..
            }
        ));
        assert_eq!(
            err("{\"type\":\"FeatureCollection\",\"features\":[]}".into()),
            BoundaryFileError::Empty
        );
        assert!(matches!(
            err("<html>".into()),
            BoundaryFileError::NotGeoJson(_)
        ));
    }

    #[test]
    fn parts_of_one_code_become_one_division_and_a_stored_outline_reads_back() {
        let text = file(
            &[
                square("150102", "新城区", 111.0, false),
                square("150102", "新城区", 113.0, false),
            ]
            .join(","),
        );
        let read = read(text.as_bytes(), &BoundaryOptions::default()).unwrap();
        assert_eq!(read.boundaries.len(), 1);
        assert_eq!(read.boundaries[0].shape.0.len(), 2);
        assert!(
            read.notes
                .iter()
                .any(|n| n.what == NoteKind::Merged { first: 1 })
        );
        let shape = &read.boundaries[0].shape;
        assert_eq!(&geometry_from_json(&geometry_json(shape)).unwrap(), shape);
    }
}
