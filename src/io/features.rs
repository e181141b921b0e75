//! The features orgcover serves and writes, as typed records: each collection's properties
//! (its queryables), in the order and with the names of formats.md, read without writing
//! JSON, for filters, sorting and the binary formats (FlatGeobuf).

use std::borrow::Cow;
use std::cmp::Ordering;

use geo::Intersects;

use crate::domain::coverage::{CellTally, CoverageRow, Gap, Tally, division_text, hexagon_ring};
use crate::domain::decision::Coverage;
use crate::domain::division::name_chain;
use crate::domain::organization::{Kind, Level, PartyOrg, Status};
use crate::domain::policy::Policy;
use crate::domain::snapshot::{Group, Snapshot};
use crate::domain::stored::StoredOrganization;
use crate::registry::today;

/// The JSON Schema type of a queryable property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Text,
    Integer,
    Number,
    Boolean,
}

/// The JSON Schema type name of a queryable.
pub fn schema_type(t: Type) -> &'static str {
    t.schema()
}

impl Type {
    /// The JSON Schema type name.
    pub fn schema(self) -> &'static str {
        match self {
            Type::Text => "string",
            Type::Integer => "integer",
            Type::Number => "number",
            Type::Boolean => "boolean",
        }
    }
}

/// One property a filter or `sortby` may name.
#[derive(Debug, Clone, Copy)]
pub struct Queryable {
    pub name: &'static str,
    pub kind: Type,
    pub title: &'static str,
    /// The closed vocabulary of a text property (empty for free text).
    pub values: &'static [&'static str],
}

/// A property's value in one item.
#[derive(Debug, Clone, PartialEq)]
pub enum Prop<'a> {
    Null,
    Bool(bool),
    Number(f64),
    Text(Cow<'a, str>),
}

impl Prop<'_> {
    /// Nulls sort last, whichever the direction.
    pub fn order(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Prop::Null, Prop::Null) => Ordering::Equal,
            (Prop::Null, _) => Ordering::Greater,
            (_, Prop::Null) => Ordering::Less,
            (Prop::Number(a), Prop::Number(b)) => a.total_cmp(b),
            (Prop::Text(a), Prop::Text(b)) => a.cmp(b),
            (Prop::Bool(a), Prop::Bool(b)) => a.cmp(b),
            _ => Ordering::Equal,
        }
    }
}

/// An item as a filter, a sort or a file format reads it: a property by its index among
/// its collection's queryables, and its geometry (CRS84).
pub trait Record {
    fn property(&self, index: usize) -> Prop<'_>;
    fn geometry(&self) -> Option<geo::Geometry<f64>>;

    fn intersects(&self, area: &geo::Geometry<f64>) -> bool {
        self.geometry().is_some_and(|g| g.intersects(area))
    }
}

const fn text(name: &'static str, title: &'static str) -> Queryable {
    Queryable {
        name,
        kind: Type::Text,
        title,
        values: &[],
    }
}

const fn closed(
    name: &'static str,
    title: &'static str,
    values: &'static [&'static str],
) -> Queryable {
    Queryable {
        name,
        kind: Type::Text,
        title,
        values,
    }
}

const fn integer(name: &'static str, title: &'static str) -> Queryable {
    Queryable {
        name,
        kind: Type::Integer,
        title,
        values: &[],
    }
}

const fn number(name: &'static str, title: &'static str) -> Queryable {
    Queryable {
        name,
        kind: Type::Number,
        title,
        values: &[],
    }
}

const COVERAGES: &[&str] = &["own", "joint", "instructor", "uncovered"];
const RECOMMENDATIONS: &[&str] = &[
    "own_committee",
    "own_general_branch",
    "own_branch_committee",
    "own_branch",
    "transfer_relations",
    "industry_joint",
    "regional_joint",
    "instructor",
];

pub const ORGANIZATIONS: [Queryable; 12] = [
    text("name", "名称 (name)"),
    text("credit_code", "统一社会信用代码 (credit code)"),
    closed("kind", "类型 (kind)", Kind::ENGLISH),
    closed(
        "level",
        "登记管理机关级别 (registration level)",
        Level::ENGLISH,
    ),
    text("division_code", "行政区划代码 (division code, 12 digits)"),
    closed("status", "状态 (status)", Status::ENGLISH),
    integer("formal_members", "正式党员数 (formal members)"),
    integer("probationary_members", "预备党员数 (probationary members)"),
    closed(
        "party_org",
        "党组织 (party organization)",
        PartyOrg::ENGLISH,
    ),
    closed("coverage", "覆盖方式 (coverage)", COVERAGES),
    closed("recommendation", "建议 (recommendation)", RECOMMENDATIONS),
    text("group_id", "拟建联合党支部 (proposed joint branch)"),
];

/// The counts and rates every hexagon has, in the order of formats.md.
macro_rules! tally_queryables {
    ($($extra:expr),* $(,)?) => {
        [
            text("cell", "网格编号 H3 (cell)"),
            integer("res", "网格级别 (resolution)"),
            text("division_code", "行政区划代码 (division code)"),
            text("division_name", "所属区划 (division)"),
            integer("total", "社会组织数 (organizations)"),
            integer("own", "单独组建 (own party organization)"),
            integer("joint", "联合组建 (joint)"),
            integer("instructor", "派驻指导员 (instructor)"),
            integer("uncovered", "未覆盖 (uncovered)"),
            integer("should_build_not_built", "应建未建 (should build, not built)"),
            number("own_organization_rate", "单独组建率 (own organization rate)"),
            number("org_coverage_rate", "组织覆盖率 (organization coverage rate)"),
            number("work_coverage_rate", "工作覆盖率 (work coverage rate)"),
            integer("branches_to_found", "需新建党组织 (branches to found)"),
            integer("joint_groups_proposed", "拟建联合党支部 (joint branches proposed)"),
            integer("instructors_needed", "需选派指导员 (instructors needed)"),
            $($extra),*
        ]
    };
}

pub const CELLS: [Queryable; 17] = tally_queryables!(Queryable {
    name: "gap",
    kind: Type::Boolean,
    title: "覆盖缺口 (a coverage gap)",
    values: &[],
});

pub const GAPS: [Queryable; 18] = tally_queryables!(
    integer("priority", "优先级 (priority, 1 = most urgent)"),
    number(
        "target_work_coverage_rate",
        "工作覆盖率目标 (work coverage target)"
    ),
);

pub const GROUPS: [Queryable; 8] = [
    text("group_id", "编号 (group)"),
    text("division_code", "乡镇街道 (township)"),
    text("members", "成员信用代码 (members, separated by ;)"),
    text("member_names", "成员名称 (member names, separated by 、)"),
    integer("formal_members", "正式党员合计 (formal members)"),
    text("distances_m", "距离 (distances, metres, separated by ;)"),
    number("max_distance_m", "最大距离 (largest distance, metres)"),
    integer(
        "members_outside",
        "辖区外成员 (members outside the jurisdiction)",
    ),
];

/// An item of a collection, with what reading it needs.
pub enum Item<'a> {
    Org(&'a Snapshot, &'a StoredOrganization),
    Cell(&'a Policy, CellTally, u64),
    Gap(&'a Policy, &'a Gap),
    Group(&'a Snapshot, &'a Group),
}

fn count(n: impl Into<f64>) -> Prop<'static> {
    Prop::Number(n.into())
}

fn rate(r: f64) -> Prop<'static> {
    // As written, so a filter agrees with the value shown.
    Prop::Number(super::coverage::rate(r))
}

fn tally_property<'a>(
    index: usize,
    cell: h3o::CellIndex,
    division_code: Cow<'a, str>,
    t: &Tally,
    policy: &Policy,
) -> Prop<'a> {
    match index {
        0 => Prop::Text(format!("{:x}", u64::from(cell)).into()),
        1 => count(u8::from(cell.resolution())),
        2 => Prop::Text(division_code),
        3 => Prop::Text(name_chain(&division_code).into()),
        4 => count(t.total),
        5 => count(t.own),
        6 => count(t.joint),
        7 => count(t.instructor),
        8 => count(t.uncovered),
        9 => count(t.should_build_not_built),
        10 => rate(t.own_organization_rate()),
        11 => rate(t.org_coverage_rate()),
        12 => rate(t.work_coverage_rate()),
        13 => count(t.branches_to_found),
        14 => count(t.joint_groups_proposed),
        15 => count(t.instructors_needed(policy)),
        _ => Prop::Null,
    }
}

fn hexagon(cell: h3o::CellIndex) -> geo::Polygon<f64> {
    let ring: Vec<geo::Coord<f64>> = hexagon_ring(cell)
        .into_iter()
        .map(|[x, y]| geo::coord! { x: x, y: y })
        .collect();
    geo::Polygon::new(geo::LineString::new(ring), vec![])
}

impl Record for Item<'_> {
    fn property(&self, index: usize) -> Prop<'_> {
        match self {
            Item::Org(snapshot, stored) => {
                let o = &stored.org;
                let decided = || snapshot.decision(stored.id, today(), false, "");
                match index {
                    0 => Prop::Text(o.name.as_str().into()),
                    1 => o
                        .credit_code
                        .as_ref()
                        .map_or(Prop::Null, |c| Prop::Text(c.as_str().into())),
                    2 => Prop::Text(o.kind.as_str().into()),
                    3 => Prop::Text(o.level.as_str().into()),
                    4 => Prop::Text(o.division_code.as_str().into()),
                    5 => Prop::Text(o.status.as_str().into()),
                    6 => count(o.formal_members),
                    7 => count(o.probationary_members),
                    8 => Prop::Text(o.party_org.as_str().into()),
                    9 => Prop::Text(Coverage::of(o).as_str().into()),
                    10 => decided()
                        .and_then(|d| d.recommendation)
                        .map_or(Prop::Null, |r| Prop::Text(r.as_str().into())),
                    11 => decided()
                        .and_then(|d| d.group)
                        .map_or(Prop::Null, |g| Prop::Text(g.id.into())),
                    _ => Prop::Null,
                }
            }
            Item::Cell(policy, c, division) => {
                let code = division_text(*division);
                if index == 16 {
                    let targets = policy.targets_for(&code);
                    return Prop::Bool(c.tally.is_gap(&targets));
                }
                tally_property(index, c.cell, code.into(), &c.tally, policy)
            }
            Item::Gap(policy, g) => match index {
                16 => count(g.priority),
                17 => Prop::Number(g.targets.work_coverage_rate),
                _ => tally_property(
                    index,
                    g.cell,
                    g.division_code.as_str().into(),
                    &g.tally,
                    policy,
                ),
            },
            Item::Group(snapshot, g) => {
                use crate::io::analysis::{
                    distances_text, group_division_code, member_names_text, members_text,
                };
                let members = || {
                    g.members
                        .iter()
                        .filter_map(|&m| snapshot.get(m))
                        .map(|o| &o.org)
                };
                match index {
                    0 => Prop::Text(g.group_id.as_str().into()),
                    1 => Prop::Text(group_division_code(&g.division_code).into()),
                    2 => Prop::Text(members_text(members()).into()),
                    3 => Prop::Text(member_names_text(members()).into()),
                    4 => count(g.formal_members),
                    5 => Prop::Text(distances_text(&g.distances_m).into()),
                    6 => Prop::Number(g.max_distance_m.round()),
                    7 => count(g.members_outside as f64),
                    _ => Prop::Null,
                }
            }
        }
    }

    fn geometry(&self) -> Option<geo::Geometry<f64>> {
        match self {
            Item::Org(_, stored) => stored
                .org
                .location
                .map(|p| geo::Point::new(p.lon, p.lat).into()),
            Item::Cell(_, c, _) => Some(hexagon(c.cell).into()),
            Item::Gap(_, g) => Some(hexagon(g.cell).into()),
            Item::Group(snapshot, g) => {
                let points: Vec<geo::Point<f64>> = g
                    .members
                    .iter()
                    .filter_map(|&m| snapshot.get(m))
                    .filter_map(|o| o.org.location)
                    .map(|p| geo::Point::new(p.lon, p.lat))
                    .collect();
                Some(geo::MultiPoint::new(points).into())
            }
        }
    }

    fn intersects(&self, area: &geo::Geometry<f64>) -> bool {
        match self {
            // A point needs no geometry built.
            Item::Org(_, stored) => stored
                .org
                .location
                .is_some_and(|p| geo::Point::new(p.lon, p.lat).intersects(area)),
            other => other.geometry().is_some_and(|g| g.intersects(area)),
        }
    }
}

/// The properties of an organization its coverage row holds (kind, level, division,
/// coverage, point), by the index of [`ORGANIZATIONS`]: what a filter can test before the
/// organization is read.
pub fn org_row_property(row: &CoverageRow, index: usize) -> Option<Prop<'static>> {
    Some(match index {
        2 => Prop::Text(row.kind.as_str().into()),
        3 => Prop::Text(row.level.as_str().into()),
        4 => Prop::Text(division_text(row.division).into()),
        9 => Prop::Text(row.org.coverage.as_str().into()),
        _ => return None,
    })
}

/// Whether an organization's row puts it in `area` (none without a point).
pub fn org_row_intersects(row: &CoverageRow, area: &geo::Geometry<f64>) -> bool {
    row.location
        .is_some_and(|p| geo::Point::new(p.lon, p.lat).intersects(area))
}
