//! Counts per administrative division: division codes as numbers, so a division's
//! descendants are one prefix range and each coarser level is one linear pass.

use rustc_hash::FxHashMap;

use super::filter::Filter;
use super::tally::{CoverageRow, Tally};
use crate::domain::division::{DivisionCode, DivisionLevel};

/// The 12-digit division code as a number, for sorting and prefix ranges.
pub fn division_number(code: &DivisionCode) -> u64 {
    code.as_str().parse().expect("12 ASCII digits")
}

/// The 12-digit, zero-padded text of a division number.
pub fn division_text(number: u64) -> String {
    format!("{number:012}")
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
