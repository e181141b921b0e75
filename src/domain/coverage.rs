//! Coverage ("两个覆盖", domain.md 5): counts per H3 cell and per division, the three rates,
//! and the ranked gap list with what each gap needs.
//!
//! Every operating organization becomes one compact [`CoverageRow`]. Rows sorted by their
//! resolution-9 cell as integers keep each coarser cell's descendants side by side, so a
//! cell aggregate is one linear pass, and each coarser resolution is one linear pass over
//! the finer one ([`rollup`]), with no hash map.

use std::ops::{AddAssign, Range, SubAssign};

use h3o::{CellIndex, LatLng, Resolution};
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::coords::LonLat;
use super::decision::{Coverage, Recommendation, operates};
use super::division::{DivisionCode, DivisionLevel};
use super::error::FieldError;
use super::organization::{Kind, Level, Organization};
use super::policy::{Policy, RateTargets};
use super::stored::STORED_RESOLUTION;

/// The coarsest and finest resolutions the aggregation serves.
pub const MIN_RESOLUTION: u8 = 4;
pub const MAX_RESOLUTION: u8 = 10;

/// What one operating organization adds to the counts of its area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgCoverage {
    pub coverage: Coverage,
    /// F >= 3 and no own party organization (domain.md 5).
    pub should_build_not_built: bool,
    /// An own organization is recommended (R1, or R2 once relations are transferred) and
    /// none exists yet.
    pub branch_to_found: bool,
    /// R5 recommends an instructor and none is assigned.
    pub awaiting_instructor: bool,
    /// The first member of a proposed regional joint branch: each group is counted once,
    /// in the cell of its first member, so counts add up across cells.
    pub seeds_group: bool,
}

impl OrgCoverage {
    /// The contribution of an organization with its recommendation (None for one that no
    /// longer operates, which counts nowhere).
    pub fn of(
        org: &Organization,
        recommendation: Option<Recommendation>,
        seeds_group: bool,
        policy: &Policy,
    ) -> Option<Self> {
        let recommendation = recommendation.filter(|_| operates(org))?;
        let coverage = Coverage::of(org);
        let own = coverage == Coverage::Own;
        let should_build_not_built =
            org.formal_members >= policy.own_organization_min_formal && !own;
        let own_recommended = matches!(
            recommendation,
            Recommendation::OwnCommittee
                | Recommendation::OwnGeneralBranch
                | Recommendation::OwnBranchCommittee
                | Recommendation::OwnBranch
                | Recommendation::TransferRelations
        );
        Some(Self {
            coverage,
            should_build_not_built,
            branch_to_found: own_recommended && !own,
            awaiting_instructor: recommendation == Recommendation::Instructor
                && coverage == Coverage::Uncovered,
            seeds_group,
        })
    }
}

/// Counts of an area (cell or division). Rates and actions are derived from them, so
/// tallies of areas add up to the tally of the area containing them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Operating (active or changed) organizations.
    pub total: u32,
    pub own: u32,
    pub joint: u32,
    pub instructor: u32,
    pub uncovered: u32,
    pub should_build_not_built: u32,
    pub branches_to_found: u32,
    pub joint_groups_proposed: u32,
    /// Organizations waiting for an instructor (R5 without one assigned).
    pub awaiting_instructor: u32,
}

impl Tally {
    pub fn of(org: &OrgCoverage) -> Self {
        let mut t = Self {
            total: 1,
            should_build_not_built: org.should_build_not_built.into(),
            branches_to_found: org.branch_to_found.into(),
            joint_groups_proposed: org.seeds_group.into(),
            awaiting_instructor: org.awaiting_instructor.into(),
            ..Self::default()
        };
        match org.coverage {
            Coverage::Own => t.own = 1,
            Coverage::Joint => t.joint = 1,
            Coverage::Instructor => t.instructor = 1,
            Coverage::Uncovered => t.uncovered = 1,
        }
        t
    }

    fn rate(&self, covered: u32) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            f64::from(covered) / f64::from(self.total)
        }
    }

    /// 单独组建率: own party organization / operating.
    pub fn own_organization_rate(&self) -> f64 {
        self.rate(self.own)
    }

    /// 组织覆盖率: own or joint party organization / operating.
    pub fn org_coverage_rate(&self) -> f64 {
        self.rate(self.own + self.joint)
    }

    /// 工作覆盖率: organizational coverage or an instructor / operating.
    pub fn work_coverage_rate(&self) -> f64 {
        self.rate(self.own + self.joint + self.instructor)
    }

    /// Instructors to assign: one serves up to `orgs_per_instructor` organizations.
    pub fn instructors_needed(&self, policy: &Policy) -> u32 {
        self.awaiting_instructor
            .div_ceil(policy.orgs_per_instructor.max(1))
    }

    /// A gap: uncovered or should-build-not-built organizations, or a rate under target
    /// (domain.md 5).
    pub fn is_gap(&self, targets: &RateTargets) -> bool {
        self.total > 0
            && (self.uncovered + self.should_build_not_built > 0
                || self.work_coverage_rate() < targets.work_coverage_rate
                || self.org_coverage_rate() < targets.org_coverage_rate
                || self.own_organization_rate() < targets.own_organization_rate)
    }
}

impl AddAssign for Tally {
    fn add_assign(&mut self, o: Self) {
        self.total += o.total;
        self.own += o.own;
        self.joint += o.joint;
        self.instructor += o.instructor;
        self.uncovered += o.uncovered;
        self.should_build_not_built += o.should_build_not_built;
        self.branches_to_found += o.branches_to_found;
        self.joint_groups_proposed += o.joint_groups_proposed;
        self.awaiting_instructor += o.awaiting_instructor;
    }
}

impl SubAssign for Tally {
    fn sub_assign(&mut self, o: Self) {
        self.total -= o.total;
        self.own -= o.own;
        self.joint -= o.joint;
        self.instructor -= o.instructor;
        self.uncovered -= o.uncovered;
        self.should_build_not_built -= o.should_build_not_built;
        self.branches_to_found -= o.branches_to_found;
        self.joint_groups_proposed -= o.joint_groups_proposed;
        self.awaiting_instructor -= o.awaiting_instructor;
    }
}

/// One operating organization as the aggregation sees it: compact, so a million rows
/// scan in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoverageRow {
    /// The resolution-9 cell as an integer.
    pub cell: u64,
    /// The 12-digit division code as a number.
    pub division: u64,
    pub location: LonLat,
    /// Interned industry ([`Industries`]); 0 = none.
    pub industry: u32,
    pub kind: Kind,
    pub level: Level,
    pub org: OrgCoverage,
}

impl CoverageRow {
    pub fn new(
        org: &Organization,
        cell: CellIndex,
        coverage: OrgCoverage,
        industries: &mut Industries,
    ) -> Self {
        Self {
            cell: u64::from(cell),
            division: division_number(&org.division_code),
            location: org.location,
            industry: industries.intern(org.industry.as_deref()),
            kind: org.kind,
            level: org.level,
            org: coverage,
        }
    }

    pub fn tally(&self) -> Tally {
        Tally::of(&self.org)
    }
}

/// The 12-digit division code as a number, for sorting and prefix ranges.
pub fn division_number(code: &DivisionCode) -> u64 {
    code.as_str().parse().expect("12 ASCII digits")
}

/// The 12-digit, zero-padded text of a division number.
pub fn division_text(number: u64) -> String {
    format!("{number:012}")
}

/// Industry texts interned as small numbers, so rows stay compact and filters compare
/// integers.
#[derive(Debug, Default, Clone)]
pub struct Industries {
    ids: FxHashMap<String, u32>,
}

impl Industries {
    pub fn intern(&mut self, industry: Option<&str>) -> u32 {
        let Some(industry) = industry else { return 0 };
        if let Some(&id) = self.ids.get(industry) {
            return id;
        }
        let id = self.ids.len() as u32 + 1;
        self.ids.insert(industry.to_owned(), id);
        id
    }

    /// The id of an industry for a filter; an industry nobody has matches no row.
    pub fn lookup(&self, industry: &str) -> u32 {
        self.ids.get(industry).copied().unwrap_or(u32::MAX)
    }
}

/// A WGS84 bounding box: west, south, east, north.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Bbox {
    /// Reads `west,south,east,north` in degrees (the OGC API and GeoJSON order).
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                "bbox",
                format!("bbox 应为“西,南,东,北”四个十进制度数，且西<东、南<北，现为“{s}”"),
                format!(
                    "bbox is 'west,south,east,north' in degrees with west < east and south < north, not '{s}'"
                ),
            )
        };
        let v: Vec<f64> = s
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let [west, south, east, north] = v[..] else {
            return Err(bad());
        };
        if !(west < east && south < north) || v.iter().any(|x| !x.is_finite()) {
            return Err(bad());
        }
        Ok(Self {
            west,
            south,
            east,
            north,
        })
    }

    pub fn contains(&self, p: LonLat) -> bool {
        p.lon >= self.west && p.lon <= self.east && p.lat >= self.south && p.lat <= self.north
    }

    /// The box grown by `km` on every side (longitude scaled at the box's widest latitude).
    pub fn padded(&self, km: f64) -> Self {
        let dlat = km / 111.0;
        let widest = self.south.abs().max(self.north.abs()).min(85.0);
        let dlon = km / (111.0 * widest.to_radians().cos());
        Self {
            west: self.west - dlon,
            south: self.south - dlat,
            east: self.east + dlon,
            north: self.north + dlat,
        }
    }
}

/// Which organizations an aggregate counts (every field optional).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub level: Option<Level>,
    /// An interned industry id ([`Industries::lookup`]).
    pub industry: Option<u32>,
    /// Division numbers within a prefix (see [`Filter::division_range`]).
    pub division: Option<Range<u64>>,
    pub coverage: Option<Coverage>,
}

impl Filter {
    /// The division numbers of every code starting with `prefix` (validated digits).
    pub fn division_range(prefix: &str) -> Range<u64> {
        if prefix.is_empty() {
            return 0..u64::MAX;
        }
        let scale = 10u64.pow(12 - prefix.len() as u32);
        let p: u64 = prefix.parse().expect("a validated prefix");
        p * scale..(p + 1) * scale
    }

    pub fn matches(&self, row: &CoverageRow) -> bool {
        self.kind.is_none_or(|k| k == row.kind)
            && self.level.is_none_or(|l| l == row.level)
            && self.industry.is_none_or(|i| i == row.industry)
            && self
                .division
                .as_ref()
                .is_none_or(|r| r.contains(&row.division))
            && self.coverage.is_none_or(|c| c == row.org.coverage)
    }

    /// Whether the filter keeps every row (so maintained aggregates can answer).
    pub fn is_empty(&self) -> bool {
        self.kind.is_none()
            && self.level.is_none()
            && self.industry.is_none()
            && self.division.is_none()
            && self.coverage.is_none()
    }
}

/// One cell with its counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellTally {
    pub cell: CellIndex,
    pub tally: Tally,
}

pub fn resolution(res: u8) -> Resolution {
    Resolution::try_from(res).expect("a resolution from 0 to 15")
}

/// The cell of `res` (at most 9) containing a resolution-9 cell number.
fn parent_of(cell: u64, res: Resolution) -> CellIndex {
    CellIndex::try_from(cell)
        .expect("stored cells are valid")
        .parent(res)
        .expect("a coarser resolution")
}

/// Counts per cell at `res` (4..=10) of the rows that pass `filter`. For `res` <= 9 the
/// rows must be sorted by cell, and the result is sorted by cell; for 10 the cells are
/// computed from the locations and sorted.
pub fn aggregate_cells<'a>(
    rows: impl IntoIterator<Item = &'a CoverageRow>,
    res: u8,
    filter: &Filter,
) -> Vec<CellTally> {
    let rows = rows.into_iter().filter(|r| filter.matches(r));
    if res > STORED_RESOLUTION as u8 {
        let target = resolution(res);
        let mut cells: Vec<(CellIndex, Tally)> = rows
            .map(|r| {
                let cell = LatLng::new(r.location.lat, r.location.lon)
                    .expect("validated coordinates")
                    .to_cell(target);
                (cell, r.tally())
            })
            .collect();
        cells.sort_unstable_by_key(|(c, _)| *c);
        return merge_sorted(cells);
    }
    let target = resolution(res);
    let mut out: Vec<CellTally> = Vec::new();
    let mut last_child = 0u64;
    for row in rows {
        debug_assert!(row.cell >= last_child, "rows must be sorted by cell");
        // Rows of the same resolution-9 cell share the parent: skip recomputing it.
        if row.cell == last_child
            && let Some(current) = out.last_mut()
        {
            current.tally += row.tally();
            continue;
        }
        last_child = row.cell;
        let cell = parent_of(row.cell, target);
        match out.last_mut() {
            Some(current) if current.cell == cell => current.tally += row.tally(),
            _ => out.push(CellTally {
                cell,
                tally: row.tally(),
            }),
        }
    }
    out
}

fn merge_sorted(cells: Vec<(CellIndex, Tally)>) -> Vec<CellTally> {
    let mut out: Vec<CellTally> = Vec::new();
    for (cell, tally) in cells {
        match out.last_mut() {
            Some(current) if current.cell == cell => current.tally += tally,
            _ => out.push(CellTally { cell, tally }),
        }
    }
    out
}

/// The counts of sorted cells rolled up to the coarser `res`: one linear pass.
pub fn rollup(cells: &[CellTally], res: u8) -> Vec<CellTally> {
    let target = resolution(res);
    let mut out: Vec<CellTally> = Vec::new();
    for c in cells {
        let cell = c.cell.parent(target).expect("a coarser resolution");
        match out.last_mut() {
            Some(current) if current.cell == cell => current.tally += c.tally,
            _ => out.push(CellTally {
                cell,
                tally: c.tally,
            }),
        }
    }
    out
}

/// The range of resolution-9 cell numbers under a cell of resolution 9 or coarser: its
/// descendants are exactly the stored cells in this range.
pub fn descendant_range(cell: CellIndex) -> std::ops::RangeInclusive<u64> {
    descendants_at(cell, STORED_RESOLUTION as u8)
}

/// The range of cell numbers of `res` (not coarser than the cell) under a cell. H3 keeps
/// the resolution in bits 52-55 and one 3-bit digit per resolution below it: the
/// descendants have the cell's digits and any digits 0-6 after them.
pub fn descendants_at(cell: CellIndex, res: u8) -> std::ops::RangeInclusive<u64> {
    const RES_SHIFT: u64 = 52;
    const DIGIT_BITS: u64 = 3;
    let own = u64::from(u8::from(cell.resolution()));
    let fine = u64::from(res);
    debug_assert!(fine >= own);
    let mut low = u64::from(cell);
    low = (low & !(0xF << RES_SHIFT)) | (fine << RES_SHIFT);
    let mut high = low;
    for digit in own + 1..=fine {
        let shift = (15 - digit) * DIGIT_BITS;
        low &= !(0b111 << shift);
        high = (high & !(0b111 << shift)) | (0b110 << shift);
    }
    low..=high
}

/// Counts per cell at `res` of rows sorted by cell, each with the most common division
/// of the rows counted in it.
pub fn cells_with_divisions(
    rows: &[CoverageRow],
    res: u8,
    filter: &Filter,
) -> Vec<(CellTally, u64)> {
    if res > STORED_RESOLUTION as u8 {
        let target = resolution(res);
        let mut keyed: Vec<(CellIndex, &CoverageRow)> = rows
            .iter()
            .filter(|r| filter.matches(r))
            .map(|r| {
                let cell = LatLng::new(r.location.lat, r.location.lon)
                    .expect("validated coordinates")
                    .to_cell(target);
                (cell, r)
            })
            .collect();
        keyed.sort_unstable_by_key(|(c, r)| (*c, r.cell));
        return keyed
            .chunk_by(|a, b| a.0 == b.0)
            .map(|run| {
                let mut tally = Tally::default();
                for (_, r) in run {
                    tally += r.tally();
                }
                let division = most_common_division(run.iter().map(|(_, r)| *r));
                (
                    CellTally {
                        cell: run[0].0,
                        tally,
                    },
                    division.unwrap_or(0),
                )
            })
            .collect();
    }
    aggregate_cells(rows, res, filter)
        .into_iter()
        .map(|c| {
            let range = descendant_range(c.cell);
            let start = rows.partition_point(|r| r.cell < *range.start());
            let end = rows.partition_point(|r| r.cell <= *range.end());
            let division =
                most_common_division(rows[start..end].iter().filter(|r| filter.matches(r)));
            (c, division.unwrap_or(0))
        })
        .collect()
}

/// The most common division among rows (ties go to the smaller code).
pub fn most_common_division<'a>(rows: impl IntoIterator<Item = &'a CoverageRow>) -> Option<u64> {
    let mut counts: FxHashMap<u64, u32> = FxHashMap::default();
    for r in rows {
        *counts.entry(r.division).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(d, _)| d)
}

/// The division levels coverage is reported at.
pub const DIVISION_LEVELS: [DivisionLevel; 4] = [
    DivisionLevel::Province,
    DivisionLevel::City,
    DivisionLevel::County,
    DivisionLevel::Township,
];

/// The division number of `level` containing a 12-digit division number, as its prefix.
pub fn division_prefix(division: u64, level: DivisionLevel) -> u64 {
    division / 10u64.pow(12 - level.prefix_len() as u32)
}

/// Counts per division of `level` (by prefix number, sorted) of the rows passing `filter`.
pub fn aggregate_divisions<'a>(
    rows: impl IntoIterator<Item = &'a CoverageRow>,
    level: DivisionLevel,
    filter: &Filter,
) -> Vec<(u64, Tally)> {
    let mut pairs: Vec<(u64, Tally)> = rows
        .into_iter()
        .filter(|r| filter.matches(r))
        .map(|r| (division_prefix(r.division, level), r.tally()))
        .collect();
    pairs.sort_unstable_by_key(|(d, _)| *d);
    rollup_divisions(pairs, level)
}

/// Division counts (sorted by number) rolled up to the coarser `level`: one linear pass.
pub fn rollup_divisions(
    divisions: impl IntoIterator<Item = (u64, Tally)>,
    level: DivisionLevel,
) -> Vec<(u64, Tally)> {
    let mut out: Vec<(u64, Tally)> = Vec::new();
    let keep = level.prefix_len() as u32;
    for (number, tally) in divisions {
        let digits = number.checked_ilog10().map_or(1, |d| d + 1);
        // Numbers are prefixes of some length; leading zeros never occur (provinces >= 11).
        let prefix = number / 10u64.pow(digits.saturating_sub(keep));
        match out.last_mut() {
            Some((d, t)) if *d == prefix => *t += tally,
            _ => out.push((prefix, tally)),
        }
    }
    out
}

/// A ranked gap: an area with uncovered or should-build-not-built organizations, or a rate
/// under its jurisdiction's target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// 1 = most urgent.
    pub priority: u32,
    #[serde(skip)]
    pub cell: CellIndex,
    pub division_code: String,
    #[serde(skip)]
    pub tally: Tally,
    #[serde(skip)]
    pub targets: RateTargets,
}

/// The gaps among `cells` (each with its most common division), most urgent first: by
/// uncovered count, then should-build-not-built, then the work-coverage rate (lower
/// first), then the cell number so that the order is total.
pub fn rank_gaps(cells: impl IntoIterator<Item = (CellTally, u64)>, policy: &Policy) -> Vec<Gap> {
    let mut gaps: Vec<Gap> = cells
        .into_iter()
        .filter_map(|(c, division)| {
            let division_code = division_text(division);
            let targets = policy.targets_for(&division_code);
            c.tally.is_gap(&targets).then_some(Gap {
                priority: 0,
                cell: c.cell,
                division_code,
                tally: c.tally,
                targets,
            })
        })
        .collect();
    gaps.sort_by(|a, b| {
        b.tally
            .uncovered
            .cmp(&a.tally.uncovered)
            .then(
                b.tally
                    .should_build_not_built
                    .cmp(&a.tally.should_build_not_built),
            )
            .then(
                a.tally
                    .work_coverage_rate()
                    .total_cmp(&b.tally.work_coverage_rate()),
            )
            .then(a.cell.cmp(&b.cell))
    });
    for (i, g) in gaps.iter_mut().enumerate() {
        g.priority = i as u32 + 1;
    }
    gaps
}

/// The cells of an aggregate whose hexagon may touch `bbox`: the centre within the box
/// grown by the cell's size.
pub fn touches(cell: CellIndex, bbox: &Bbox) -> bool {
    let centre = LatLng::from(cell);
    let radius_km = cell.resolution().edge_length_km() * 1.2;
    bbox.padded(radius_km).contains(LonLat {
        lon: centre.lng(),
        lat: centre.lat(),
    })
}

/// A cell from its lower- or upper-case hex index, as URLs and GeoJSON carry it.
pub fn cell_from_hex(text: &str) -> Option<CellIndex> {
    u64::from_str_radix(text, 16)
        .ok()
        .and_then(|n| CellIndex::try_from(n).ok())
}

/// The box around a cell's hexagon.
pub fn cell_bbox(cell: CellIndex) -> Bbox {
    let ring = hexagon_ring(cell);
    let (mut b, rest) = (
        Bbox {
            west: ring[0][0],
            south: ring[0][1],
            east: ring[0][0],
            north: ring[0][1],
        },
        &ring[1..],
    );
    for [lon, lat] in rest {
        b.west = b.west.min(*lon);
        b.east = b.east.max(*lon);
        b.south = b.south.min(*lat);
        b.north = b.north.max(*lat);
    }
    b
}

/// Each cell's hexagon as a closed, counter-clockwise WGS84 ring of (lon, lat) (RFC 7946),
/// to seven decimals (about a centimetre: RFC 7946 advises against needless precision).
pub fn hexagon_ring(cell: CellIndex) -> Vec<[f64; 2]> {
    let round = |x: f64| (x * 1e7).round() / 1e7;
    let mut ring: Vec<[f64; 2]> = cell
        .boundary()
        .iter()
        .map(|v| [round(v.lng()), round(v.lat())])
        .collect();
    // Shoelace: positive area means counter-clockwise in (lon, lat).
    let area: f64 = ring
        .iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| a[0] * b[1] - b[0] * a[1])
        .sum();
    if area < 0.0 {
        ring.reverse();
    }
    ring.push(ring[0]);
    ring
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analysis::analyze;
    use crate::domain::stored::cell_of;
    use chrono::NaiveDate;
    use std::collections::BTreeMap;

    fn generated(n: usize, seed: u64) -> Vec<Organization> {
        let mut orgs = Vec::new();
        let options = crate::generate::GenerateOptions {
            orgs: n,
            seed,
            division_prefix: Some("15".into()),
        };
        crate::generate::generate(&options, |o| {
            orgs.push(o);
            Ok::<_, ()>(())
        })
        .unwrap();
        orgs
    }

    fn rows(orgs: &[Organization]) -> (Vec<CoverageRow>, Industries) {
        let policy = Policy::default();
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let rows = analyze(orgs, None, &policy, today).coverage_rows(orgs, &policy);
        // The same interning order as coverage_rows: first seen, first numbered.
        let mut industries = Industries::default();
        for o in orgs.iter().filter(|o| operates(o)) {
            industries.intern(o.industry.as_deref());
        }
        (rows, industries)
    }

    /// Brute force: every row's ancestor at `res` (or, at 10, the cell of its point)
    /// counted in a map.
    fn brute_force(rows: &[CoverageRow], res: u8, filter: &Filter) -> Vec<CellTally> {
        let mut map: BTreeMap<CellIndex, Tally> = BTreeMap::new();
        for r in rows.iter().filter(|r| filter.matches(r)) {
            let cell = if res <= 9 {
                CellIndex::try_from(r.cell)
                    .unwrap()
                    .parent(resolution(res))
                    .unwrap()
            } else {
                LatLng::new(r.location.lat, r.location.lon)
                    .unwrap()
                    .to_cell(resolution(res))
            };
            *map.entry(cell).or_default() += r.tally();
        }
        map.into_iter()
            .map(|(cell, tally)| CellTally { cell, tally })
            .collect()
    }

    #[test]
    fn cell_counts_equal_a_brute_force_count_at_every_resolution() {
        let (rows, industries) = rows(&generated(6_000, 11));
        let filters = [
            Filter::default(),
            Filter {
                kind: Some(Kind::Community),
                ..Filter::default()
            },
            Filter {
                coverage: Some(Coverage::Uncovered),
                division: Some(Filter::division_range("1501")),
                ..Filter::default()
            },
            Filter {
                industry: Some(industries.lookup("餐饮")),
                ..Filter::default()
            },
        ];
        for filter in &filters {
            for res in MIN_RESOLUTION..=MAX_RESOLUTION {
                let fast = aggregate_cells(&rows, res, filter);
                let slow = brute_force(&rows, res, filter);
                assert_eq!(fast.len(), slow.len(), "res {res} {filter:?}");
                assert!(fast == slow, "res {res} {filter:?}");
            }
        }
        let all = aggregate_cells(&rows, 7, &Filter::default());
        let total: u32 = all.iter().map(|c| c.tally.total).sum();
        assert_eq!(total as usize, rows.len());
    }

    #[test]
    fn rolling_up_from_resolution_9_equals_aggregating_directly() {
        let (rows, _) = rows(&generated(6_000, 12));
        let mut cells = aggregate_cells(&rows, 9, &Filter::default());
        for res in (4..=8).rev() {
            cells = rollup(&cells, res);
            assert!(
                cells == aggregate_cells(&rows, res, &Filter::default()),
                "res {res}"
            );
        }
    }

    #[test]
    fn division_counts_equal_counts_by_prefix() {
        let (rows, _) = rows(&generated(6_000, 13));
        let filter = Filter::default();
        let townships = aggregate_divisions(&rows, DivisionLevel::Township, &filter);
        for level in DIVISION_LEVELS {
            let direct = aggregate_divisions(&rows, level, &filter);
            assert_eq!(rollup_divisions(townships.clone(), level), direct);
            for (prefix, tally) in &direct {
                let text = prefix.to_string();
                let by_prefix: Vec<&CoverageRow> = rows
                    .iter()
                    .filter(|r| division_text(r.division).starts_with(&text))
                    .collect();
                assert_eq!(tally.total as usize, by_prefix.len(), "{text}");
                let uncovered = by_prefix
                    .iter()
                    .filter(|r| r.org.coverage == Coverage::Uncovered)
                    .count();
                assert_eq!(tally.uncovered as usize, uncovered, "{text}");
            }
        }
    }

    #[test]
    fn descendants_of_a_cell_are_one_range_of_stored_cells() {
        let (rows, _) = rows(&generated(3_000, 14));
        for res in 4..=9 {
            let cells = aggregate_cells(&rows, res, &Filter::default());
            for c in cells.iter().take(50) {
                let range = descendant_range(c.cell);
                let inside: u32 = rows
                    .iter()
                    .filter(|r| range.contains(&r.cell))
                    .map(|r| r.tally().total)
                    .sum();
                assert_eq!(inside, c.tally.total, "res {res}");
            }
        }
    }

    #[test]
    fn the_three_rates_and_the_actions_follow_domain_section_5() {
        let policy = Policy::default();
        let t = Tally {
            total: 10,
            own: 2,
            joint: 3,
            instructor: 1,
            uncovered: 4,
            should_build_not_built: 1,
            branches_to_found: 1,
            joint_groups_proposed: 1,
            awaiting_instructor: 6,
        };
        assert_eq!(t.own_organization_rate(), 0.2);
        assert_eq!(t.org_coverage_rate(), 0.5);
        assert_eq!(t.work_coverage_rate(), 0.6);
        // One instructor serves up to five organizations: six need two.
        assert_eq!(t.instructors_needed(&policy), 2);
        assert!(t.is_gap(&policy.targets_for("150102000000")));
    }

    #[test]
    fn a_cell_without_uncovered_and_at_target_is_no_gap_and_gaps_rank_by_uncovered() {
        let mut policy = Policy::default();
        policy.targets.own_organization_rate = 0.0;
        policy.targets.org_coverage_rate = 0.0;
        policy.targets.work_coverage_rate = 1.0;
        let cell = |lon: f64| cell_of(LonLat { lon, lat: 40.8 });
        let covered = Tally {
            total: 2,
            own: 1,
            joint: 1,
            ..Tally::default()
        };
        let few = Tally {
            total: 3,
            own: 2,
            uncovered: 1,
            ..Tally::default()
        };
        let many = Tally {
            total: 3,
            uncovered: 3,
            ..Tally::default()
        };
        let cells = [
            (cell(111.0), covered),
            (cell(111.1), few),
            (cell(111.2), many),
        ]
        .map(|(cell, tally)| (CellTally { cell, tally }, 150102000000));
        let gaps = rank_gaps(cells, &policy);
        assert_eq!(gaps.len(), 2);
        assert_eq!((gaps[0].tally, gaps[0].priority), (many, 1));
        assert_eq!((gaps[1].tally, gaps[1].priority), (few, 2));
    }

    #[test]
    fn a_bbox_is_west_south_east_north() {
        let b = Bbox::parse("111.5, 40.7, 111.9, 41.0").unwrap();
        assert_eq!(
            (b.west, b.south, b.east, b.north),
            (111.5, 40.7, 111.9, 41.0)
        );
    }

    #[test]
    fn a_hexagon_ring_is_closed_and_counter_clockwise() {
        let ring = hexagon_ring(cell_of(LonLat {
            lon: 111.75,
            lat: 40.84,
        }));
        assert_eq!(ring.first(), ring.last());
        assert!(ring.len() >= 7);
        let area: f64 = ring
            .windows(2)
            .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
            .sum();
        assert!(area > 0.0);
    }
}
