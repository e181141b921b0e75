//! Coverage kept current in memory: one organization changed updates a handful of counts,
//! never the million-row aggregate.
//!
//! The rows sit in a B-tree ordered by (resolution-9 cell, id), so the organizations whose
//! resolution-9 cell descends from a coarser cell are one range. A hexagon counts the
//! points that lie in it (`latLngToCell` at its resolution), and H3's children stick out
//! of their parents: the rows whose own cell at a resolution 4-8 is not their
//! resolution-9 cell's ancestor there (about 6 % at each) are kept aside by that own
//! cell. The unfiltered counts per cell (resolutions 4-9) and per division (province to
//! township) are B-trees adjusted by each change; filtered queries scan the rows under
//! the cells in view and aggregate them by their own cells.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use h3o::CellIndex;
use rustc_hash::{FxHashMap, FxHashSet};

use super::analysis::in_parallel;
use super::coords::LonLat;
use super::coverage::{
    Bbox, CellTally, CoverageRow, DIVISION_LEVELS, Filter, Industries, MIN_RESOLUTION, NO_CELL,
    OrgCoverage, Tally, aggregate_cells, cell_at, cells_of_keyed, descendant_range, descendants_at,
    division_prefix, intersects, may_reach, most_common_division, parent_number, resolution,
};
use super::division::DivisionLevel;
use super::organization::Organization;
use super::stored::STORED_RESOLUTION;

const FINE: u8 = STORED_RESOLUTION as u8;
pub const LEVELS: usize = (FINE - MIN_RESOLUTION + 1) as usize;
/// The resolutions (4-8) at which a point's own cell may not be its stored cell's ancestor.
pub const COARSE: usize = LEVELS - 1;

/// A row with the resolutions at which it strays from its resolution-9 cell's ancestors
/// (bit `res - 4`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Indexed {
    row: CoverageRow,
    strays: u8,
}

/// The bit of a resolution in [`Indexed::strays`]; none at 9, where the stored cell is
/// the point's own.
fn stray_bit(res: u8) -> u8 {
    if res < FINE {
        1 << (res - MIN_RESOLUTION)
    } else {
        0
    }
}

/// A located row's own cells at resolutions 4-8, with the bits of those that are not its
/// resolution-9 cell's ancestors; None when every one is (or without a point). What the
/// index computes for each row as it is built (public for the benchmark).
pub fn own_coarse_cells(row: &CoverageRow) -> Option<(u8, [u64; COARSE])> {
    let (point, fine) = (row.location?, row.cell_index()?);
    let mut cells = [0u64; COARSE];
    let mut strays = 0u8;
    for (i, res) in (MIN_RESOLUTION..FINE).enumerate() {
        let own = cell_at(point, res);
        if own != fine.parent(resolution(res)).expect("coarser") {
            strays |= stray_bit(res);
        }
        cells[i] = u64::from(own);
    }
    (strays != 0).then_some((strays, cells))
}

/// The resolution-4 cell a cell number descends from by its digits.
fn region_of(cell: u64) -> u64 {
    parent_number(cell, MIN_RESOLUTION)
}

/// The unfiltered counts per cell at resolutions 4-9, sorted by cell, of rows sorted by
/// (cell, id), each counted in its own cell ([`own_coarse_cells`] beside each row). Each
/// coarser resolution is rolled up from the finer one by H3's parents, in one linear pass
/// over cells, then corrected by the few rows that stray: taken from their resolution-9
/// cell's ancestor and added to their own cell.
pub fn cell_counts(
    rows: &[(i64, CoverageRow)],
    own: &[Option<(u8, [u64; COARSE])>],
) -> [Vec<(u64, Tally)>; LEVELS] {
    let mut cells: [Vec<(u64, Tally)>; LEVELS] = Default::default();
    let mut by_parents: Vec<(u64, Tally)> =
        aggregate_cells(rows.iter().map(|(_, r)| r), FINE, &Filter::default())
            .iter()
            .map(|c| (u64::from(c.cell), c.tally))
            .collect();
    cells[LEVELS - 1] = by_parents.clone();
    // The rows that stray somewhere, gathered once: a pass over every row per resolution
    // costs more in memory traffic than the corrections.
    let strays: Vec<(u64, Tally, u8, [u64; COARSE])> = rows
        .iter()
        .zip(own)
        .filter_map(|((_, r), own)| own.map(|(mask, cells)| (r.cell, r.tally(), mask, cells)))
        .collect();
    for res in (MIN_RESOLUTION..FINE).rev() {
        let i = (res - MIN_RESOLUTION) as usize;
        let bit = stray_bit(res);
        let mut rolled: Vec<(u64, Tally)> = Vec::new();
        for (cell, tally) in &by_parents {
            let parent = parent_number(*cell, res);
            match rolled.last_mut() {
                Some(last) if last.0 == parent => last.1 += *tally,
                _ => rolled.push((parent, *tally)),
            }
        }
        by_parents = rolled;
        let mut gone: Vec<(u64, Tally)> = Vec::new();
        let mut come: Vec<(u64, Tally)> = Vec::new();
        for (fine, tally, mask, own_cells) in &strays {
            if mask & bit != 0 {
                gone.push((parent_number(*fine, res), *tally));
                come.push((own_cells[i], *tally));
            }
        }
        gone.sort_unstable_by_key(|(c, _)| *c);
        come.sort_unstable_by_key(|(c, _)| *c);
        let mut exact = merge_counts(by_parents.clone(), come);
        let mut at = 0;
        for (cell, tally) in gone {
            at += exact[at..].partition_point(|(c, _)| *c < cell);
            exact[at].1 -= tally;
        }
        exact.retain(|(_, t)| t.total > 0);
        cells[i] = exact;
    }
    cells
}

/// Two lists of counts sorted by cell as one, the counts of a cell in both added.
fn merge_counts(a: Vec<(u64, Tally)>, b: Vec<(u64, Tally)>) -> Vec<(u64, Tally)> {
    let mut out: Vec<(u64, Tally)> = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.0 <= y.0 => a.next(),
            (Some(_), Some(_)) | (None, Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, None) => break,
        };
        let (cell, tally) = next.expect("peeked");
        match out.last_mut() {
            Some(last) if last.0 == cell => last.1 += tally,
            _ => out.push((cell, tally)),
        }
    }
    out
}

#[derive(Debug, Clone, Default)]
pub struct CoverageIndex {
    rows: BTreeMap<(u64, i64), Indexed>,
    cell_of: FxHashMap<i64, u64>,
    /// The own cells at resolutions 4-8 of the rows that stray at one of them, by id.
    stray_cells: FxHashMap<i64, [u64; COARSE]>,
    /// (own cell, id) of the rows straying at resolution `4 + i`, one set per resolution.
    strays: [BTreeSet<(u64, i64)>; COARSE],
    /// Unfiltered counts per cell, one map per resolution from 4 to 9.
    cells: [BTreeMap<u64, Tally>; LEVELS],
    /// How many cells of `cells` (every resolution) descend by their digits from each
    /// resolution-4 cell: the regions a query scans, which hold every row too (a row's
    /// stored cell is a key at resolution 9).
    regions: BTreeMap<u64, u32>,
    /// Unfiltered counts per division prefix number: province, city, county, township.
    divisions: [BTreeMap<u64, Tally>; 4],
    industries: Industries,
}

fn level_index(level: DivisionLevel) -> usize {
    DIVISION_LEVELS
        .iter()
        .position(|l| *l == level)
        .expect("a coverage level")
}

fn add(map: &mut BTreeMap<u64, Tally>, key: u64, tally: Tally) {
    *map.entry(key).or_default() += tally;
}

fn subtract(map: &mut BTreeMap<u64, Tally>, key: u64, tally: Tally) {
    let entry = map.get_mut(&key).expect("a counted area");
    *entry -= tally;
    if entry.total == 0 {
        map.remove(&key);
    }
}

/// The centroid of the county a row's division belongs to.
fn county_centroid_of(row: &CoverageRow) -> Option<LonLat> {
    let county = division_prefix(row.division, DivisionLevel::County);
    crate::domain::division::county_centroid(u32::try_from(county).ok()?)
        .map(|(lon, lat)| LonLat { lon, lat })
}

/// The (cell, id) keys of every row whose cell is in a range of cell numbers.
fn row_keys(range: &RangeInclusive<u64>) -> RangeInclusive<(u64, i64)> {
    (*range.start(), i64::MIN)..=(*range.end(), i64::MAX)
}

impl CoverageIndex {
    /// Builds the index from every row at once: sorted, each row's own coarser cells found
    /// on every core, then aggregated in linear passes.
    pub fn build(
        rows: impl IntoIterator<Item = (i64, CoverageRow)>,
        industries: Industries,
    ) -> Self {
        let mut rows: Vec<(i64, CoverageRow)> = rows.into_iter().collect();
        rows.sort_unstable_by_key(|(id, r)| (r.cell, *id));
        let own = in_parallel(&rows, |_, chunk| {
            chunk.iter().map(|(_, r)| own_coarse_cells(r)).collect()
        });
        Self::build_sorted(rows, own, industries)
    }

    /// Builds the index from rows sorted by (cell, id) and their [`own_coarse_cells`].
    pub fn build_sorted(
        rows: Vec<(i64, CoverageRow)>,
        own: Vec<Option<(u8, [u64; COARSE])>>,
        industries: Industries,
    ) -> Self {
        let mut index = Self {
            industries,
            ..Self::default()
        };
        for ((id, _), own) in rows.iter().zip(&own) {
            if let Some(own) = own {
                index.keep_strays(*id, *own);
            }
        }
        index.cells = cell_counts(&rows, &own).map(|cells| cells.into_iter().collect());
        for map in &index.cells {
            for cell in map.keys() {
                *index.regions.entry(region_of(*cell)).or_default() += 1;
            }
        }
        let mut by_division: Vec<(u64, Tally)> =
            rows.iter().map(|(_, r)| (r.division, r.tally())).collect();
        by_division.sort_unstable_by_key(|(d, _)| *d);
        for (i, level) in DIVISION_LEVELS.into_iter().enumerate() {
            let mut map = BTreeMap::new();
            for (d, t) in &by_division {
                add(&mut map, division_prefix(*d, level), *t);
            }
            index.divisions[i] = map;
        }
        index.cell_of = rows.iter().map(|(id, r)| (*id, r.cell)).collect();
        index.rows = rows
            .into_iter()
            .zip(own)
            .map(|((id, row), own)| {
                let strays = own.map_or(0, |(s, _)| s);
                ((row.cell, id), Indexed { row, strays })
            })
            .collect();
        index
    }

    pub fn industries(&self) -> &Industries {
        &self.industries
    }

    /// Operating organizations counted.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Records what each organization contributes now (None: it counts nowhere, as after
    /// deregistration), replacing what it contributed before. The counts are changed once
    /// per area, in the order of the areas: a past day revises hundreds of thousands of
    /// rows, and changed one by one each costs some thirty lookups in trees that far
    /// exceed the cache.
    pub fn set<'a>(
        &mut self,
        changes: impl IntoIterator<
            Item = (
                i64,
                Option<(&'a Organization, Option<CellIndex>, OrgCoverage)>,
            ),
        >,
    ) {
        let mut changed: Vec<(i64, Option<CoverageRow>)> = Vec::new();
        for (id, now) in changes {
            let row =
                now.map(|(org, cell, c)| CoverageRow::new(org, cell, c, &mut self.industries));
            let before = self
                .cell_of
                .get(&id)
                .and_then(|cell| self.rows.get(&(*cell, id)))
                .map(|ix| ix.row);
            if before != row {
                changed.push((id, row));
            }
        }
        // A large part of the registry (a past day of a registry imported lately): built
        // again from its rows, sorted as they are kept, is cheaper than tree by tree.
        if changed.len() > self.rows.len() / 10 + 64 {
            self.rebuild_with(changed);
            return;
        }
        // (tree, area, which row's tally, added): tree 0-5 the cells of resolutions 4-9,
        // then the four division levels.
        let mut deltas: Vec<(u8, u64, u32, bool)> = Vec::new();
        let mut tallies: Vec<Tally> = Vec::new();
        for (id, row) in changed {
            if let Some(cell) = self.cell_of.get(&id).copied() {
                let old = self.rows.remove(&(cell, id)).expect("indexed row");
                self.cell_of.remove(&id);
                self.areas_of(id, &old, false, &mut tallies, &mut deltas);
                if let Some(cells) = self.stray_cells.remove(&id) {
                    for (i, set) in self.strays.iter_mut().enumerate() {
                        set.remove(&(cells[i], id));
                    }
                }
            }
            if let Some(row) = row {
                let own = own_coarse_cells(&row);
                if let Some(own) = own {
                    self.keep_strays(id, own);
                }
                let indexed = Indexed {
                    row,
                    strays: own.map_or(0, |(s, _)| s),
                };
                self.areas_of(id, &indexed, true, &mut tallies, &mut deltas);
                self.cell_of.insert(id, row.cell);
                self.rows.insert((row.cell, id), indexed);
            }
        }
        deltas.sort_unstable_by_key(|(tree, area, ..)| (*tree, *area));
        for same in deltas.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let (tree, area) = (same[0].0 as usize, same[0].1);
            let map = match tree.checked_sub(LEVELS) {
                None => &mut self.cells[tree],
                Some(level) => &mut self.divisions[level],
            };
            let counted_before = map.contains_key(&area);
            // Added first: a tally never goes below zero on the way.
            for (.., at, added) in same {
                if *added {
                    add(map, area, tallies[*at as usize]);
                }
            }
            for (.., at, added) in same {
                if !*added {
                    subtract(map, area, tallies[*at as usize]);
                }
            }
            let counted_after = map.contains_key(&area);
            if tree < LEVELS && counted_before != counted_after {
                let region_key = region_of(area);
                let region = self.regions.entry(region_key).or_default();
                if counted_after {
                    *region += 1;
                } else {
                    *region -= 1;
                    if *region == 0 {
                        self.regions.remove(&region_key);
                    }
                }
            }
        }
    }

    /// [`Self::set`] of many rows: the kept rows (in their order, with the own cells found
    /// when they came in) and the changed ones, indexed again.
    fn rebuild_with(&mut self, changed: Vec<(i64, Option<CoverageRow>)>) {
        let ids: FxHashSet<i64> = changed.iter().map(|(id, _)| *id).collect();
        type Kept = ((i64, CoverageRow), Option<(u8, [u64; COARSE])>);
        let mut all: Vec<Kept> = Vec::with_capacity(self.rows.len() + changed.len());
        for (&(_, id), ix) in &self.rows {
            if !ids.contains(&id) {
                let own = (ix.strays != 0).then(|| (ix.strays, self.stray_cells[&id]));
                all.push(((id, ix.row), own));
            }
        }
        let mut added: Vec<(i64, CoverageRow)> = changed
            .into_iter()
            .filter_map(|(id, row)| Some((id, row?)))
            .collect();
        added.sort_unstable_by_key(|(id, r)| (r.cell, *id));
        let added_own = in_parallel(&added, |_, chunk| {
            chunk.iter().map(|(_, r)| own_coarse_cells(r)).collect()
        });
        // Two sorted runs, merged by the stable sort.
        all.extend(added.into_iter().zip(added_own));
        all.sort_by_key(|((id, r), _)| (r.cell, *id));
        let (rows, own) = all.into_iter().unzip();
        *self = Self::build_sorted(rows, own, std::mem::take(&mut self.industries));
    }

    /// Keeps a row that strays at some resolution by its own cells there.
    fn keep_strays(&mut self, id: i64, (strays, cells): (u8, [u64; COARSE])) {
        self.stray_cells.insert(id, cells);
        for (i, res) in (MIN_RESOLUTION..FINE).enumerate() {
            if strays & stray_bit(res) != 0 {
                self.strays[i].insert((cells[i], id));
            }
        }
    }

    /// The cell of `res` (4..=10) a row's point lies in; None without a point.
    fn own_cell(&self, id: i64, indexed: &Indexed, res: u8) -> Option<CellIndex> {
        let fine = indexed.row.cell_index()?;
        if res > FINE {
            return indexed.row.location.map(|p| cell_at(p, res));
        }
        if indexed.strays & stray_bit(res) != 0 {
            let cell = self.stray_cells[&id][(res - MIN_RESOLUTION) as usize];
            return Some(CellIndex::try_from(cell).expect("a stored cell"));
        }
        Some(fine.parent(resolution(res)).expect("not finer"))
    }

    /// The areas a row counts in (its own cells at every resolution, its divisions), as
    /// [`Self::set`]'s deltas; `added` or taken away.
    fn areas_of(
        &self,
        id: i64,
        indexed: &Indexed,
        added: bool,
        tallies: &mut Vec<Tally>,
        deltas: &mut Vec<(u8, u64, u32, bool)>,
    ) {
        let at = u32::try_from(tallies.len()).expect("fewer rows than 2^32");
        tallies.push(indexed.row.tally());
        // Without a point it counts in its divisions only.
        if indexed.row.is_located() {
            for res in MIN_RESOLUTION..=FINE {
                let cell = u64::from(self.own_cell(id, indexed, res).expect("located"));
                deltas.push((res - MIN_RESOLUTION, cell, at, added));
            }
        }
        for (i, level) in DIVISION_LEVELS.into_iter().enumerate() {
            let area = division_prefix(indexed.row.division, level);
            deltas.push((LEVELS as u8 + i as u8, area, at, added));
        }
    }

    /// The rows whose stored cell descends by its digits from a cell (the cell's own rows
    /// but those straying out of it, and some of its neighbours' strays).
    fn rows_under(&self, cell: CellIndex) -> impl Iterator<Item = (i64, &Indexed)> {
        self.rows
            .range(row_keys(&descendant_range(cell)))
            .map(|((_, id), ix)| (*id, ix))
    }

    /// The rows whose point lies in a cell of resolution 4 to 9, with their ids: those
    /// under it that do not stray at its resolution, then those straying into it.
    pub fn rows_in(&self, cell: CellIndex) -> impl Iterator<Item = (i64, &CoverageRow)> {
        let res = u8::from(cell.resolution());
        debug_assert!((MIN_RESOLUTION..=FINE).contains(&res), "resolution {res}");
        let bit = stray_bit(res);
        let own = self
            .rows_under(cell)
            .filter(move |(_, ix)| ix.strays & bit == 0)
            .map(|(id, ix)| (id, &ix.row));
        let key = u64::from(cell);
        let strays = (res < FINE)
            .then(|| &self.strays[(res - MIN_RESOLUTION) as usize])
            .into_iter()
            .flat_map(move |set| set.range((key, i64::MIN)..=(key, i64::MAX)))
            .map(|(_, id)| (*id, &self.rows[&(self.cell_of[id], *id)].row));
        own.chain(strays)
    }

    /// The counts of one cell of resolution 4 to 9, with its most common division.
    pub fn cell(&self, cell: CellIndex) -> Option<(CellTally, u64)> {
        if !(MIN_RESOLUTION..=FINE).contains(&u8::from(cell.resolution())) {
            return None;
        }
        let mut tally = Tally::default();
        for (_, r) in self.rows_in(cell) {
            tally += r.tally();
        }
        let division = most_common_division(self.rows_in(cell).map(|(_, r)| r))?;
        Some((CellTally { cell, tally }, division))
    }

    /// The ids of the organizations whose point is in the box (all without one), in the
    /// order of their cells: stable from one page to the next.
    pub fn ids_in<'a>(&'a self, bbox: Option<&'a Bbox>) -> impl Iterator<Item = i64> + 'a {
        self.rows_in_box(bbox).map(|(id, _)| id)
    }

    /// [`Self::ids_in`] with each organization's row.
    pub fn rows_in_box<'a>(
        &'a self,
        bbox: Option<&'a Bbox>,
    ) -> impl Iterator<Item = (i64, &'a CoverageRow)> + 'a {
        self.regions(bbox)
            .into_iter()
            .flat_map(move |region| self.rows_under(region))
            .filter(move |(_, ix)| {
                bbox.is_none_or(|b| ix.row.location.is_some_and(|p| b.contains(p)))
            })
            .map(|(id, ix)| (id, &ix.row))
    }

    /// The box around every counted organization (None when there is none).
    pub fn extent(&self) -> Option<Bbox> {
        self.extent_of(&Filter::default())
    }

    /// The box around the counted organizations passing `filter`: their points, and for
    /// those without one their county's centroid, so that a map of the box shows where
    /// every one of them belongs.
    pub fn extent_of(&self, filter: &Filter) -> Option<Bbox> {
        self.extent_within(filter, |_| true)
    }

    /// [`Self::extent_of`] over the points `keep` keeps (those inside a jurisdiction's
    /// boundary, so that one point typed 1,000 km off does not zoom the map out).
    pub fn extent_within(&self, filter: &Filter, keep: impl Fn(LonLat) -> bool) -> Option<Bbox> {
        let mut points = self
            .rows_in_all()
            .filter(|r| filter.matches(r))
            .filter_map(|r| r.location.or_else(|| county_centroid_of(r)))
            .filter(|p| keep(*p));
        let mut b = Bbox::at(points.next()?);
        for p in points {
            b.west = b.west.min(p.lon);
            b.east = b.east.max(p.lon);
            b.south = b.south.min(p.lat);
            b.north = b.north.max(p.lat);
        }
        Some(b)
    }

    /// The rows without a point (counted in divisions, in no cell), with their ids: one
    /// range, since their cell number sorts first.
    pub fn unlocated(&self) -> impl Iterator<Item = (i64, &CoverageRow)> {
        self.rows
            .range(row_keys(&(NO_CELL..=NO_CELL)))
            .map(|((_, id), ix)| (*id, &ix.row))
    }

    /// How many organizations passing `filter` have no point and belong in the box: those
    /// of the counties whose centroid lies in it (all of them without a box). What a map
    /// of the box leaves out of its hexagons.
    pub fn unlocated_in(&self, bbox: Option<&Bbox>, filter: &Filter) -> u32 {
        let in_box = |row: &CoverageRow| {
            bbox.is_none_or(|b| county_centroid_of(row).is_some_and(|p| b.contains(p)))
        };
        let n = self
            .unlocated()
            .filter(|(_, row)| filter.matches(row) && in_box(row))
            .count();
        u32::try_from(n).expect("fewer organizations than u32 counts")
    }

    /// Every row, in cell order.
    pub fn rows_in_all(&self) -> impl Iterator<Item = &CoverageRow> {
        self.rows.values().map(|ix| &ix.row)
    }

    /// The resolution-4 cells whose rows and cells may reach into the box (all of them
    /// without one).
    fn regions(&self, bbox: Option<&Bbox>) -> Vec<CellIndex> {
        self.regions
            .keys()
            .map(|&c| CellIndex::try_from(c).expect("a stored cell"))
            .filter(|c| bbox.is_none_or(|b| may_reach(*c, b)))
            .collect()
    }

    /// Counts per cell of `res` (4..=10) whose hexagon intersects `bbox`, each with its
    /// most common division, sorted by cell.
    pub fn cells(&self, res: u8, bbox: Option<&Bbox>, filter: &Filter) -> Vec<(CellTally, u64)> {
        let regions = self.regions(bbox);
        let keep = |c: &CellTally| bbox.is_none_or(|b| intersects(c.cell, b));
        if filter.is_empty() && res <= FINE {
            let map = &self.cells[(res - MIN_RESOLUTION) as usize];
            return regions
                .iter()
                .flat_map(|region| map.range(descendants_at(*region, res)))
                .map(|(&cell, &tally)| CellTally {
                    cell: CellIndex::try_from(cell).expect("a stored cell"),
                    tally,
                })
                .filter(keep)
                .map(|c| {
                    let division = most_common_division(self.rows_in(c.cell).map(|(_, r)| r));
                    (c, division.unwrap_or(0))
                })
                .collect();
        }
        let keyed: Vec<(CellIndex, &CoverageRow)> = regions
            .iter()
            .flat_map(|region| self.rows_under(*region))
            .filter(|(_, ix)| filter.matches(&ix.row))
            .filter_map(|(id, ix)| Some((self.own_cell(id, ix, res)?, &ix.row)))
            .collect();
        cells_of_keyed(keyed)
            .into_iter()
            .filter(|(c, _)| keep(c))
            .collect()
    }

    /// Counts per division of `level` under `parent` (a prefix, empty = all), sorted.
    pub fn divisions(
        &self,
        level: DivisionLevel,
        parent: &str,
        filter: &Filter,
    ) -> Vec<(u64, Tally)> {
        if filter.is_empty() {
            let scale_digits = level.prefix_len().saturating_sub(parent.len()) as u32;
            let range = if parent.is_empty() {
                0..=u64::MAX
            } else {
                let p: u64 = parent.parse().expect("a validated prefix");
                let scale = 10u64.pow(scale_digits);
                p * scale..=(p + 1) * scale - 1
            };
            return self.divisions[level_index(level)]
                .range(range)
                .map(|(d, t)| (*d, *t))
                .collect();
        }
        let mut filter = filter.clone();
        if !parent.is_empty() {
            filter.division = Some(Filter::division_range(parent));
        }
        super::coverage::aggregate_divisions(self.rows_in_all(), level, &filter)
    }

    /// The counts of everything passing the filter.
    pub fn total(&self, filter: &Filter) -> Tally {
        if filter.is_empty() {
            // The provinces count every row; the cells only those with a point.
            let mut t = Tally::default();
            for tally in self.divisions[0].values() {
                t += *tally;
            }
            return t;
        }
        let mut t = Tally::default();
        for r in self.rows_in_all().filter(|r| filter.matches(r)) {
            t += r.tally();
        }
        t
    }
}
