//! Coverage kept current in memory: one organization changed updates a handful of counts,
//! never the million-row aggregate.
//!
//! The rows sit in a B-tree ordered by (resolution-9 cell, id), so the organizations of any
//! coarser cell are one range, and the unfiltered counts per cell (resolutions 4-9) and
//! per division (province to township) are B-trees adjusted by each change. Filtered
//! queries scan the rows of the cells in view in order and aggregate in one pass.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use h3o::CellIndex;
use rustc_hash::FxHashMap;

use super::coords::LonLat;
use super::coverage::{
    Bbox, CellTally, CoverageRow, DIVISION_LEVELS, Filter, Industries, MIN_RESOLUTION, NO_CELL,
    OrgCoverage, Tally, aggregate_cells, cells_with_divisions, descendant_range, descendants_at,
    division_prefix, most_common_division, resolution, rollup, touches,
};
use super::division::DivisionLevel;
use super::organization::Organization;
use super::stored::STORED_RESOLUTION;

const FINE: u8 = STORED_RESOLUTION as u8;
const LEVELS: usize = (FINE - MIN_RESOLUTION + 1) as usize;

#[derive(Debug, Clone, Default)]
pub struct CoverageIndex {
    rows: BTreeMap<(u64, i64), CoverageRow>,
    cell_of: FxHashMap<i64, u64>,
    /// Unfiltered counts per cell, one map per resolution from 4 to 9.
    cells: [BTreeMap<u64, Tally>; LEVELS],
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
    /// Builds the index from every row at once: sorted, then aggregated in linear passes.
    pub fn build(
        rows: impl IntoIterator<Item = (i64, CoverageRow)>,
        industries: Industries,
    ) -> Self {
        let mut rows: Vec<(i64, CoverageRow)> = rows.into_iter().collect();
        rows.sort_unstable_by_key(|(id, r)| (r.cell, *id));
        let sorted: Vec<&CoverageRow> = rows.iter().map(|(_, r)| r).collect();
        let mut index = Self {
            industries,
            ..Self::default()
        };
        let mut level = aggregate_cells(sorted.iter().copied(), FINE, &Filter::default());
        for res in (MIN_RESOLUTION..=FINE).rev() {
            if res < FINE {
                level = rollup(&level, res);
            }
            index.cells[(res - MIN_RESOLUTION) as usize] =
                level.iter().map(|c| (u64::from(c.cell), c.tally)).collect();
        }
        let mut by_division: Vec<(u64, Tally)> =
            sorted.iter().map(|r| (r.division, r.tally())).collect();
        by_division.sort_unstable_by_key(|(d, _)| *d);
        for (i, level) in DIVISION_LEVELS.into_iter().enumerate() {
            let mut map = BTreeMap::new();
            for (d, t) in &by_division {
                add(&mut map, division_prefix(*d, level), *t);
            }
            index.divisions[i] = map;
        }
        index.cell_of = rows.iter().map(|(id, r)| (*id, r.cell)).collect();
        index.rows = rows.into_iter().map(|(id, r)| ((r.cell, id), r)).collect();
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

    /// Records what an organization contributes now (None: it counts nowhere, as after
    /// deregistration), replacing what it contributed before.
    pub fn set(&mut self, id: i64, now: Option<(&Organization, Option<CellIndex>, OrgCoverage)>) {
        let row = now.map(|(org, cell, c)| CoverageRow::new(org, cell, c, &mut self.industries));
        if let Some(cell) = self.cell_of.get(&id).copied() {
            if row.is_some_and(|r| self.rows.get(&(cell, id)) == Some(&r)) {
                return;
            }
            let old = self.rows.remove(&(cell, id)).expect("indexed row");
            self.cell_of.remove(&id);
            self.count(&old, false);
        }
        if let Some(row) = row {
            self.count(&row, true);
            self.cell_of.insert(id, row.cell);
            self.rows.insert((row.cell, id), row);
        }
    }

    fn count(&mut self, row: &CoverageRow, plus: bool) {
        let tally = row.tally();
        let change = if plus { add } else { subtract };
        // Without a point it counts in its divisions only.
        if let Some(cell) = row.cell_index() {
            for res in MIN_RESOLUTION..=FINE {
                let parent = cell.parent(resolution(res)).expect("coarser");
                change(
                    &mut self.cells[(res - MIN_RESOLUTION) as usize],
                    u64::from(parent),
                    tally,
                );
            }
        }
        for (i, level) in DIVISION_LEVELS.into_iter().enumerate() {
            change(
                &mut self.divisions[i],
                division_prefix(row.division, level),
                tally,
            );
        }
    }

    /// The rows of one cell (resolution 9 or coarser), in cell order, with their ids.
    pub fn rows_in(&self, cell: CellIndex) -> impl Iterator<Item = (i64, &CoverageRow)> {
        self.rows
            .range(row_keys(&descendant_range(cell)))
            .map(|((_, id), r)| (*id, r))
    }

    /// The counts of one cell of resolution 9 or coarser, with its most common division.
    pub fn cell(&self, cell: CellIndex) -> Option<(CellTally, u64)> {
        if u8::from(cell.resolution()) > FINE {
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
        self.regions(bbox)
            .into_iter()
            .flat_map(move |region| self.rows_in(region))
            .filter(move |(_, r)| bbox.is_none_or(|b| r.location.is_some_and(|p| b.contains(p))))
            .map(|(id, _)| id)
    }

    /// The box around every counted organization (None when there is none).
    pub fn extent(&self) -> Option<Bbox> {
        self.extent_of(&Filter::default())
    }

    /// The box around the counted organizations passing `filter`: their points, and for
    /// those without one their county's centroid, so that a map of the box shows where
    /// every one of them belongs.
    pub fn extent_of(&self, filter: &Filter) -> Option<Bbox> {
        let mut points = self
            .rows
            .values()
            .filter(|r| filter.matches(r))
            .filter_map(|r| r.location.or_else(|| county_centroid_of(r)));
        let first = points.next()?;
        let mut b = Bbox {
            west: first.lon,
            south: first.lat,
            east: first.lon,
            north: first.lat,
        };
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
            .map(|((_, id), r)| (*id, r))
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
        self.rows.values()
    }

    /// The resolution-4 cells that may touch the box (all of them without one).
    fn regions(&self, bbox: Option<&Bbox>) -> Vec<CellIndex> {
        self.cells[0]
            .keys()
            .map(|&c| CellIndex::try_from(c).expect("a stored cell"))
            .filter(|c| bbox.is_none_or(|b| touches(*c, b)))
            .collect()
    }

    /// Counts per cell of `res` (4..=10) touching `bbox`, each with its most common
    /// division, sorted by cell.
    pub fn cells(&self, res: u8, bbox: Option<&Bbox>, filter: &Filter) -> Vec<(CellTally, u64)> {
        let regions = self.regions(bbox);
        let keep = |c: &CellTally| bbox.is_none_or(|b| touches(c.cell, b));
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
        // Regions come in cell order and their rows too: the rows stay sorted.
        let rows: Vec<CoverageRow> = regions
            .iter()
            .flat_map(|region| self.rows_in(*region).map(|(_, r)| *r))
            .filter(|r| filter.matches(r))
            .collect();
        cells_with_divisions(&rows, res, &Filter::default())
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
        super::coverage::aggregate_divisions(self.rows.values(), level, &filter)
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
        for r in self.rows.values().filter(|r| filter.matches(r)) {
            t += r.tally();
        }
        t
    }
}
