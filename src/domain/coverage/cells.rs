//! Counts per H3 cell. A hexagon counts exactly the organizations whose point lies in it
//! (`latLngToCell` at its resolution): H3's parents do not contain their children
//! exactly, so the ancestor of a point's resolution-9 cell is not always the cell of the
//! point at the coarser resolution (about 6 % of points at each of 4-8). Rows sorted by
//! their resolution-9 cell keep each resolution-9 cell's rows side by side; at coarser
//! resolutions the rows are keyed by their own cell and sorted.

use h3o::{CellIndex, LatLng, Resolution};

use super::divisions::most_common_division;
use super::filter::Filter;
use super::tally::{CoverageRow, Tally, TallyChange};
use crate::domain::coords::LonLat;
use crate::domain::stored::STORED_RESOLUTION;

/// One cell with its counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellTally {
    pub cell: CellIndex,
    pub tally: Tally,
}

pub fn resolution(res: u8) -> Resolution {
    Resolution::try_from(res).expect("a resolution from 0 to 15")
}

/// The cell of `res` containing a point.
pub fn cell_at(location: LonLat, res: u8) -> CellIndex {
    LatLng::new(location.lat, location.lon)
        .expect("validated coordinates")
        .to_cell(resolution(res))
}

/// The cell of `res` containing a row's point (None without one): its stored cell at
/// resolution 9, else the point's own cell at `res`.
pub fn own_cell(row: &CoverageRow, res: u8) -> Option<CellIndex> {
    if res == STORED_RESOLUTION as u8 {
        return row.cell_index();
    }
    row.location.map(|p| cell_at(p, res))
}

/// Counts per cell at `res` (0..=15) of the rows that pass `filter`, sorted by cell. At
/// resolution 9 the rows must be sorted by cell; at the others each row's own cell is
/// computed from its point.
pub fn aggregate_cells<'a>(
    rows: impl IntoIterator<Item = &'a CoverageRow>,
    res: u8,
    filter: &Filter,
) -> Vec<CellTally> {
    // A row without a point is counted in its division only.
    let rows = rows
        .into_iter()
        .filter(|r| r.is_located() && filter.matches(r));
    if res != STORED_RESOLUTION as u8 {
        let mut cells: Vec<(CellIndex, Tally)> = rows
            .filter_map(|r| Some((own_cell(r, res)?, r.tally())))
            .collect();
        cells.sort_unstable_by_key(|(c, _)| *c);
        return merge_sorted(cells);
    }
    let mut out: Vec<CellTally> = Vec::new();
    for row in rows {
        let cell = row.cell_index().expect("a located row");
        match out.last_mut() {
            Some(current) if current.cell == cell => current.tally += row.tally(),
            _ => {
                debug_assert!(
                    out.last().is_none_or(|c| c.cell < cell),
                    "rows sorted by cell"
                );
                out.push(CellTally {
                    cell,
                    tally: row.tally(),
                })
            }
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

/// The number of the ancestor at `res` of a cell number of a finer resolution: the
/// resolution field set to `res` and the digits below it to 7 (unused), as H3 defines it.
pub fn parent_number(cell: u64, res: u8) -> u64 {
    const RES_SHIFT: u64 = 52;
    const DIGIT_BITS: u64 = 3;
    let unused_below = (1u64 << ((15 - u64::from(res)) * DIGIT_BITS)) - 1;
    ((cell & !(0xF << RES_SHIFT)) | (u64::from(res) << RES_SHIFT)) | unused_below
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
    let keyed: Vec<(CellIndex, &CoverageRow)> = rows
        .iter()
        .filter(|r| filter.matches(r))
        .filter_map(|r| Some((own_cell(r, res)?, r)))
        .collect();
    cells_of_keyed(keyed)
}

/// Counts per cell, each with the most common division of its rows, of rows keyed by
/// the cell they lie in (in any order).
pub fn cells_of_keyed(mut keyed: Vec<(CellIndex, &CoverageRow)>) -> Vec<(CellTally, u64)> {
    keyed.sort_unstable_by_key(|(c, r)| (*c, r.cell));
    keyed
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
        .collect()
}

/// The hexagons of `now` with their change since `then` (the same area's hexagons on an
/// earlier day), then those of `then` that have no organization now, with zero counts:
/// a hexagon emptied since is a change too.
pub fn with_change(
    now: Vec<(CellTally, u64)>,
    then: Vec<(CellTally, u64)>,
) -> Vec<(CellTally, u64, TallyChange)> {
    let mut earlier: std::collections::HashMap<CellIndex, (Tally, u64)> = then
        .into_iter()
        .map(|(c, division)| (c.cell, (c.tally, division)))
        .collect();
    let mut changed: Vec<(CellTally, u64, TallyChange)> = now
        .into_iter()
        .map(|(c, division)| {
            let before = earlier.remove(&c.cell).map(|(t, _)| t).unwrap_or_default();
            (c, division, c.tally.change_since(&before))
        })
        .collect();
    let mut emptied: Vec<(CellTally, u64, TallyChange)> = earlier
        .into_iter()
        .map(|(cell, (before, division))| {
            let tally = Tally::default();
            (
                CellTally { cell, tally },
                division,
                tally.change_since(&before),
            )
        })
        .collect();
    emptied.sort_by_key(|(c, _, _)| u64::from(c.cell));
    changed.append(&mut emptied);
    changed
}
