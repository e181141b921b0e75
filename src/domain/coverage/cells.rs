//! Counts per H3 cell. Rows sorted by their resolution-9 cell as integers keep each coarser
//! cell's descendants side by side, so a cell aggregate is one linear pass, and each
//! coarser resolution is one linear pass over the finer one ([`rollup`]), with no hash map.

use h3o::{CellIndex, LatLng, Resolution};

use super::divisions::most_common_division;
use super::filter::Filter;
use super::tally::{CoverageRow, Tally};
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
    // A row without a point is counted in its division only.
    let rows = rows
        .into_iter()
        .filter(|r| r.is_located() && filter.matches(r));
    if res > STORED_RESOLUTION as u8 {
        let target = resolution(res);
        let mut cells: Vec<(CellIndex, Tally)> = rows
            .filter_map(|r| Some((finer_cell(r, target)?, r.tally())))
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

/// The cell of a resolution finer than the stored one, from the row's point (None
/// without one).
fn finer_cell(row: &CoverageRow, res: Resolution) -> Option<CellIndex> {
    let p = row.location?;
    Some(
        LatLng::new(p.lat, p.lon)
            .expect("validated coordinates")
            .to_cell(res),
    )
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
            .filter_map(|r| Some((finer_cell(r, target)?, r)))
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
