//! The ranked gap list: areas with uncovered or should-build-not-built organizations, or a
//! rate under target, most urgent first.

use h3o::CellIndex;
use serde::Serialize;

use super::cells::CellTally;
use super::divisions::division_text;
use super::tally::Tally;
use crate::domain::policy::{Policy, RateTargets};

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
