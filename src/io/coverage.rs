//! Coverage as planners take it away: hexagons and gaps as RFC 7946 GeoJSON (formats.md
//! "Gap GeoJSON"), gap and division tables as CSV (UTF-8 with BOM) and XLSX with Chinese
//! headers.

use std::fmt::Write as _;
use std::io::Write;

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde_json::{Map, Value, json};

use crate::domain::coverage::{CellTally, Gap, Tally, TallyChange, division_text, hexagon_ring};
use crate::domain::division::{DivisionLevel, division_name, name_chain, push_name_chain};
use crate::domain::policy::{Policy, RateTargets};
use crate::io::JsonFloat;
use crate::io::csv::{HeaderLanguage, UTF8_BOM};

/// Rates rounded to four places: enough for a percentage with two decimals.
pub(crate) fn rate(r: f64) -> f64 {
    (r * 10_000.0).round() / 10_000.0
}

/// An area's change since an earlier day (`since`): each count's and each rate's name with
/// `_change`, a rate's change null where the area had no organization on one of the days.
pub fn change_properties(change: &TallyChange) -> Map<String, Value> {
    let rate_change = |r: Option<f64>| r.map_or(Value::Null, |r| json!(rate(r)));
    let mut props = Map::new();
    props.insert("total_change".into(), change.total.into());
    props.insert("uncovered_change".into(), change.uncovered.into());
    props.insert(
        "should_build_not_built_change".into(),
        change.should_build_not_built.into(),
    );
    props.insert(
        "own_organization_rate_change".into(),
        rate_change(change.own_organization_rate),
    );
    props.insert(
        "org_coverage_rate_change".into(),
        rate_change(change.org_coverage_rate),
    );
    props.insert(
        "work_coverage_rate_change".into(),
        rate_change(change.work_coverage_rate),
    );
    props
}

/// The counts, rates and actions of an area, in the order of formats.md.
fn tally_properties(props: &mut Map<String, Value>, t: &Tally, policy: &Policy) {
    props.insert("total".into(), t.total.into());
    props.insert("own".into(), t.own.into());
    props.insert("joint".into(), t.joint.into());
    props.insert("instructor".into(), t.instructor.into());
    props.insert("uncovered".into(), t.uncovered.into());
    props.insert(
        "should_build_not_built".into(),
        t.should_build_not_built.into(),
    );
    props.insert(
        "own_organization_rate".into(),
        rate(t.own_organization_rate()).into(),
    );
    props.insert(
        "org_coverage_rate".into(),
        rate(t.org_coverage_rate()).into(),
    );
    props.insert(
        "work_coverage_rate".into(),
        rate(t.work_coverage_rate()).into(),
    );
    props.insert("branches_to_found".into(), t.branches_to_found.into());
    props.insert(
        "joint_groups_proposed".into(),
        t.joint_groups_proposed.into(),
    );
    props.insert(
        "instructors_needed".into(),
        t.instructors_needed(policy).into(),
    );
}

/// One hexagon with its counts as GeoJSON text: a closed counter-clockwise WGS84 polygon
/// with the properties of formats.md (`gap` for a plain cell; `priority` and the target for
/// a ranked gap). Written directly rather than through a JSON tree: a province-wide map
/// answer has ten thousand of these.
pub fn cell_feature_json(
    cell: &CellTally,
    division: u64,
    policy: &Policy,
    gap: Option<&Gap>,
) -> String {
    let mut out = String::with_capacity(900);
    write_cell_feature(&mut out, cell, division, policy, gap);
    out
}

fn write_cell_feature(
    out: &mut String,
    cell: &CellTally,
    division: u64,
    policy: &Policy,
    gap: Option<&Gap>,
) {
    let t = &cell.tally;
    let hex = format!("{:x}", u64::from(cell.cell));
    out.push_str(r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[["#);
    let mut number = ryu::Buffer::new();
    for (i, [lon, lat]) in hexagon_ring(cell.cell).into_iter().enumerate() {
        out.push_str(if i > 0 { ",[" } else { "[" });
        out.push_str(number.format_finite(lon));
        out.push(',');
        out.push_str(number.format_finite(lat));
        out.push(']');
    }
    let division_code = division_text(division);
    let _ = write!(
        out,
        r#"]]}},"id":"{hex}","properties":{{"cell":"{hex}","res":{res},"division_code":"{division_code}","division_name":""#,
        res = u8::from(cell.cell.resolution()),
    );
    // The register's names hold no quote, backslash or control character (a test of the
    // register checks every one), so they go into the JSON as they are.
    push_name_chain(out, &division_code);
    let _ = write!(
        out,
        r#"","total":{total},"own":{own},"joint":{joint},"instructor":{instructor},"uncovered":{uncovered},"should_build_not_built":{sbnb},"own_organization_rate":{own_rate},"org_coverage_rate":{org_rate},"work_coverage_rate":{work_rate},"branches_to_found":{branches},"joint_groups_proposed":{groups},"instructors_needed":{instructors}"#,
        total = t.total,
        own = t.own,
        joint = t.joint,
        instructor = t.instructor,
        uncovered = t.uncovered,
        sbnb = t.should_build_not_built,
        own_rate = JsonFloat(rate(t.own_organization_rate())),
        org_rate = JsonFloat(rate(t.org_coverage_rate())),
        work_rate = JsonFloat(rate(t.work_coverage_rate())),
        branches = t.branches_to_found,
        groups = t.joint_groups_proposed,
        instructors = t.instructors_needed(policy),
    );
    match gap {
        Some(g) => {
            let _ = write!(
                out,
                r#","priority":{},"target_work_coverage_rate":{}}}}}"#,
                g.priority,
                JsonFloat(g.targets.work_coverage_rate)
            );
        }
        None => {
            let targets = policy.targets_for(&division_code);
            let _ = write!(out, r#","gap":{}}}}}"#, t.is_gap(&targets));
        }
    }
}

/// A FeatureCollection of `items`, each written as a feature by `write_feature`, formatted
/// on every core and written as it comes ([`super::write_in_parallel`]).
fn write_feature_collection<T: Sync>(
    out: &mut dyn Write,
    items: &[T],
    write_feature: impl Fn(&mut String, &T) + Sync,
) -> std::io::Result<()> {
    out.write_all(br#"{"type":"FeatureCollection","#)?;
    write_features(out, items, write_feature)
}

/// The `"features":[...]}` that ends a FeatureCollection.
fn write_features<T: Sync>(
    out: &mut dyn Write,
    items: &[T],
    write_feature: impl Fn(&mut String, &T) + Sync,
) -> std::io::Result<()> {
    out.write_all(br#""features":["#)?;
    super::write_in_parallel(out, items, |first, batch, buffer| {
        // The buffer comes empty, so taking it as text checks nothing.
        let mut text = String::from_utf8(std::mem::take(buffer)).expect("an empty buffer");
        for (i, item) in batch.iter().enumerate() {
            if first + i > 0 {
                text.push(',');
            }
            write_feature(&mut text, item);
        }
        *buffer = text.into_bytes();
    })?;
    out.write_all(b"]}")
}

/// Hexagons with their counts as a GeoJSON FeatureCollection, written on every core, with
/// `unlocated` (the organizations of the area without a point, which no hexagon counts) as
/// a foreign member (RFC 7946 6.1).
pub fn cells_geojson(cells: &[(CellTally, u64)], policy: &Policy, unlocated: u32) -> Vec<u8> {
    let mut out = format!(r#"{{"type":"FeatureCollection","unlocated":{unlocated},"#).into_bytes();
    write_features(&mut out, cells, |text, (cell, division)| {
        write_cell_feature(text, cell, *division, policy, None)
    })
    .expect("writing to memory");
    out
}

/// [`cells_geojson`] with each hexagon's change since `since` ([`change_properties`]), and
/// `since` as a foreign member.
pub fn cells_change_geojson(
    cells: &[(CellTally, u64, TallyChange)],
    policy: &Policy,
    unlocated: u32,
    since: chrono::NaiveDate,
) -> Vec<u8> {
    let mut out =
        format!(r#"{{"type":"FeatureCollection","unlocated":{unlocated},"since":"{since}","#)
            .into_bytes();
    write_features(&mut out, cells, |text, (cell, division, change)| {
        write_cell_feature(text, cell, *division, policy, None);
        // The feature ends in the properties' and the feature's closing braces.
        text.truncate(text.len() - 2);
        for (key, value) in change_properties(change) {
            let _ = write!(text, r#","{key}":{value}"#);
        }
        text.push_str("}}");
    })
    .expect("writing to memory");
    out
}

/// One ranked gap as GeoJSON text.
pub fn gap_feature_json(gap: &Gap, policy: &Policy) -> String {
    let mut out = String::with_capacity(900);
    write_gap_feature(&mut out, gap, policy);
    out
}

fn write_gap_feature(out: &mut String, gap: &Gap, policy: &Policy) {
    let division: u64 = gap.division_code.parse().unwrap_or(0);
    let cell = CellTally {
        cell: gap.cell,
        tally: gap.tally,
    };
    write_cell_feature(out, &cell, division, policy, Some(gap));
}

/// The ranked gaps as a GeoJSON FeatureCollection (formats.md "Gap GeoJSON").
/// A file format the ranked gap list is written in (docs/formats.md "Gap GeoJSON"; the
/// CSV and XLSX carry the same columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GapFormat {
    Geojson,
    Csv,
    Xlsx,
    /// FlatGeobuf: typed columns and a spatial index, what GDAL and QGIS read fastest.
    Fgb,
}

impl GapFormat {
    /// The format a file name's extension names, if any.
    pub fn of_extension(extension: &str) -> Option<Self> {
        match extension {
            "geojson" | "json" => Some(Self::Geojson),
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            "fgb" => Some(Self::Fgb),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Geojson => "application/geo+json",
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Fgb => crate::io::flatgeobuf::CONTENT_TYPE,
        }
    }

    /// The extension of its files.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Geojson => "geojson",
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::Fgb => "fgb",
        }
    }

    /// The gap list written in this format; a table's headers in `headers`, else in its
    /// default (English for CSV, which scripts read; Chinese for XLSX, which people do).
    pub fn write(
        self,
        gaps: &[Gap],
        policy: &Policy,
        headers: Option<HeaderLanguage>,
    ) -> anyhow::Result<Vec<u8>> {
        Ok(match self {
            Self::Geojson => gaps_geojson(gaps, policy),
            Self::Csv => {
                let mut out = Vec::new();
                write_gaps_csv(
                    &mut out,
                    gaps,
                    policy,
                    headers.unwrap_or(HeaderLanguage::En),
                )
                .expect("writing to memory");
                out
            }
            Self::Xlsx => gaps_xlsx(gaps, policy, headers.unwrap_or(HeaderLanguage::Zh))?,
            Self::Fgb => {
                let queryables = &crate::io::features::GAPS;
                let records: Vec<_> = gaps
                    .iter()
                    .map(|g| crate::io::features::Item::Gap(policy, g))
                    .collect();
                let columns: Vec<usize> = (0..queryables.len()).collect();
                crate::io::flatgeobuf::write(
                    "gaps",
                    crate::io::flatgeobuf::Shape::Polygon,
                    4326,
                    queryables,
                    &columns,
                    &records,
                )?
            }
        })
    }
}

pub fn gaps_geojson(gaps: &[Gap], policy: &Policy) -> Vec<u8> {
    let mut out = Vec::new();
    write_gaps_geojson(&mut out, gaps, policy).expect("writing to memory");
    out
}

/// The ranked gaps as a GeoJSON FeatureCollection, written as they are formatted (a
/// national file at resolution 7 is 80 MB).
pub fn write_gaps_geojson(
    out: &mut dyn Write,
    gaps: &[Gap],
    policy: &Policy,
) -> std::io::Result<()> {
    write_feature_collection(out, gaps, |text, gap| write_gap_feature(text, gap, policy))
}

/// The columns of a gap table: English key (the GeoJSON's property, the CSV's default
/// header) and Chinese header (the XLSX's default). The same as the GeoJSON's properties,
/// with the hexagon's centre for the tables, which have no geometry.
const GAP_COLUMNS: [(&str, &str); 20] = [
    ("priority", "优先级"),
    ("cell", "网格编号(H3)"),
    ("res", "网格级别"),
    ("division_code", "行政区划代码"),
    ("division_name", "所属区划"),
    ("lon", "中心经度"),
    ("lat", "中心纬度"),
    ("total", "社会组织数"),
    ("own", "单独组建"),
    ("joint", "联合组建"),
    ("instructor", "派驻指导员"),
    ("uncovered", "未覆盖"),
    ("should_build_not_built", "应建未建"),
    ("own_organization_rate", "单独组建率"),
    ("org_coverage_rate", "组织覆盖率"),
    ("work_coverage_rate", "工作覆盖率"),
    ("target_work_coverage_rate", "工作覆盖率目标"),
    ("branches_to_found", "需新建党组织"),
    ("joint_groups_proposed", "拟建联合党支部"),
    ("instructors_needed", "需选派指导员"),
];

/// The header row of a gap table in `language`.
fn gap_headers(language: HeaderLanguage) -> Vec<&'static str> {
    GAP_COLUMNS
        .iter()
        .map(|(en, zh)| match language {
            HeaderLanguage::En => *en,
            HeaderLanguage::Zh => *zh,
        })
        .collect()
}

enum Cell {
    Text(String),
    Int(u32),
    Real(f64),
    Rate(f64),
}

fn gap_row(g: &Gap, policy: &Policy) -> Vec<Cell> {
    let centre = h3o::LatLng::from(g.cell);
    let t = &g.tally;
    vec![
        Cell::Int(g.priority),
        Cell::Text(format!("{:x}", u64::from(g.cell))),
        Cell::Int(u8::from(g.cell.resolution()).into()),
        Cell::Text(g.division_code.clone()),
        Cell::Text(name_chain(&g.division_code).to_owned()),
        Cell::Real((centre.lng() * 1e6).round() / 1e6),
        Cell::Real((centre.lat() * 1e6).round() / 1e6),
        Cell::Int(t.total),
        Cell::Int(t.own),
        Cell::Int(t.joint),
        Cell::Int(t.instructor),
        Cell::Int(t.uncovered),
        Cell::Int(t.should_build_not_built),
        Cell::Rate(t.own_organization_rate()),
        Cell::Rate(t.org_coverage_rate()),
        Cell::Rate(t.work_coverage_rate()),
        Cell::Rate(g.targets.work_coverage_rate),
        Cell::Int(t.branches_to_found),
        Cell::Int(t.joint_groups_proposed),
        Cell::Int(t.instructors_needed(policy)),
    ]
}

fn text_of(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => super::spreadsheet_safe(s).into_owned(),
        Cell::Int(n) => n.to_string(),
        Cell::Real(x) => x.to_string(),
        Cell::Rate(r) => rate(*r).to_string(),
    }
}

fn write_table<W: Write>(
    mut out: W,
    headers: impl IntoIterator<Item = String>,
    rows: impl Iterator<Item = Vec<Cell>>,
) -> std::io::Result<()> {
    out.write_all(UTF8_BOM)?;
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record(headers)?;
    for row in rows {
        writer.write_record(row.iter().map(text_of))?;
    }
    writer.flush()?;
    Ok(())
}

/// Gaps as CSV (UTF-8 with BOM), with the headers in `language` (English keys, which
/// scripts rely on, unless Chinese is asked for).
pub fn write_gaps_csv<W: Write>(
    out: W,
    gaps: &[Gap],
    policy: &Policy,
    language: HeaderLanguage,
) -> std::io::Result<()> {
    write_table(
        out,
        gap_headers(language).into_iter().map(str::to_owned),
        gaps.iter().map(|g| gap_row(g, policy)),
    )
}

fn xlsx_sheet(
    name: &str,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<Cell>>,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let bold = Format::new().set_bold().set_background_color("#F2E6E6");
    let percent = Format::new().set_num_format("0.0%");
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &bold)?;
        sheet.set_column_width(col as u16, (header.chars().count() as f64 * 2.2).max(10.0))?;
    }
    let mut last_row = 0;
    for (i, row) in rows.enumerate() {
        let r = i as u32 + 1;
        last_row = r;
        for (col, cell) in row.iter().enumerate() {
            let c = col as u16;
            match cell {
                Cell::Text(s) => sheet.write_string(r, c, s)?,
                Cell::Int(n) => sheet.write_number(r, c, f64::from(*n))?,
                Cell::Real(x) => sheet.write_number(r, c, *x)?,
                Cell::Rate(x) => sheet.write_number_with_format(r, c, *x, &percent)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, headers.len() as u16 - 1)?;
    workbook.save_to_buffer()
}

/// Gaps as an XLSX workbook, rates as percentages, with the headers in `language`.
pub fn gaps_xlsx(
    gaps: &[Gap],
    policy: &Policy,
    language: HeaderLanguage,
) -> Result<Vec<u8>, XlsxError> {
    xlsx_sheet(
        "缺口清单",
        &gap_headers(language),
        gaps.iter().map(|g| gap_row(g, policy)),
    )
}

/// The coverage of one division, as the divisions endpoint and its CSV give it.
pub fn division_json(
    number: u64,
    level: DivisionLevel,
    tally: &Tally,
    targets: &RateTargets,
    policy: &Policy,
) -> Value {
    let code = number.to_string();
    let mut props = Map::new();
    props.insert("division_code".into(), code.clone().into());
    props.insert(
        "name".into(),
        division_name(&code).map_or(Value::Null, Value::from),
    );
    props.insert("level".into(), level.as_str().into());
    tally_properties(&mut props, tally, policy);
    props.insert("targets".into(), json!(targets));
    props.insert("gap".into(), tally.is_gap(targets).into());
    Value::Object(props)
}

/// Division coverage as CSV (UTF-8 with BOM).
pub fn write_divisions_csv<W: Write>(
    out: W,
    level: DivisionLevel,
    divisions: &[(u64, Tally)],
    policy: &Policy,
) -> std::io::Result<()> {
    let headers = [
        "division_code",
        "name",
        "level",
        "total",
        "own",
        "joint",
        "instructor",
        "uncovered",
        "should_build_not_built",
        "own_organization_rate",
        "org_coverage_rate",
        "work_coverage_rate",
        "branches_to_found",
        "joint_groups_proposed",
        "instructors_needed",
        "gap",
    ];
    write_table(
        out,
        headers.iter().map(|h| (*h).to_owned()),
        divisions.iter().map(|(number, t)| {
            let code = number.to_string();
            let targets = policy.targets_for(&code);
            vec![
                Cell::Text(code.clone()),
                Cell::Text(division_name(&code).unwrap_or("").to_owned()),
                Cell::Text(level.as_str().to_owned()),
                Cell::Int(t.total),
                Cell::Int(t.own),
                Cell::Int(t.joint),
                Cell::Int(t.instructor),
                Cell::Int(t.uncovered),
                Cell::Int(t.should_build_not_built),
                Cell::Rate(t.own_organization_rate()),
                Cell::Rate(t.org_coverage_rate()),
                Cell::Rate(t.work_coverage_rate()),
                Cell::Int(t.branches_to_found),
                Cell::Int(t.joint_groups_proposed),
                Cell::Int(t.instructors_needed(policy)),
                Cell::Text(t.is_gap(&targets).to_string()),
            ]
        }),
    )
}
