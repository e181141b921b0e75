//! What one organization adds to its area's counts, the counts themselves, and the three
//! rates derived from them (domain.md 5).

use std::ops::{AddAssign, SubAssign};

use h3o::CellIndex;

use super::divisions::division_number;
use super::filter::Industries;
use crate::domain::coords::LonLat;
use crate::domain::decision::{Coverage, Recommendation, operates};
use crate::domain::organization::{Kind, Level, Organization};
use crate::domain::policy::{Policy, RateTargets};

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

/// How an area's figures moved since an earlier day (the map coloured by change): counts
/// as differences, rates as differences of fractions; a rate's change is None where the
/// area had no operating organization on one of the two days (it had no rate then).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TallyChange {
    pub total: i64,
    pub uncovered: i64,
    pub should_build_not_built: i64,
    pub own_organization_rate: Option<f64>,
    pub org_coverage_rate: Option<f64>,
    pub work_coverage_rate: Option<f64>,
}

impl Tally {
    /// This tally's change since `then`, the same area's tally on the earlier day.
    pub fn change_since(&self, then: &Tally) -> TallyChange {
        let both = self.total > 0 && then.total > 0;
        let rate = |now: f64, before: f64| both.then_some(now - before);
        TallyChange {
            total: i64::from(self.total) - i64::from(then.total),
            uncovered: i64::from(self.uncovered) - i64::from(then.uncovered),
            should_build_not_built: i64::from(self.should_build_not_built)
                - i64::from(then.should_build_not_built),
            own_organization_rate: rate(self.own_organization_rate(), then.own_organization_rate()),
            org_coverage_rate: rate(self.org_coverage_rate(), then.org_coverage_rate()),
            work_coverage_rate: rate(self.work_coverage_rate(), then.work_coverage_rate()),
        }
    }
}

/// The cell number of a row without a point: no H3 index is 0, and it sorts before all.
pub const NO_CELL: u64 = 0;

/// One operating organization as the aggregation sees it: compact, so a million rows
/// scan in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoverageRow {
    /// The resolution-9 cell as an integer; [`NO_CELL`] when the location is unknown.
    pub cell: u64,
    /// The 12-digit division code as a number.
    pub division: u64,
    /// None when the location is unknown: counted in its division, in no cell.
    pub location: Option<LonLat>,
    /// Interned industry ([`Industries`]); 0 = none.
    pub industry: u32,
    pub kind: Kind,
    pub level: Level,
    pub org: OrgCoverage,
}

impl CoverageRow {
    pub fn new(
        org: &Organization,
        cell: Option<CellIndex>,
        coverage: OrgCoverage,
        industries: &mut Industries,
    ) -> Self {
        Self {
            cell: cell.map_or(NO_CELL, u64::from),
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

    /// Whether the row has a point, and so a cell to be counted in.
    pub fn is_located(&self) -> bool {
        self.cell != NO_CELL
    }

    /// The resolution-9 cell, if the row has a point.
    pub fn cell_index(&self) -> Option<CellIndex> {
        self.is_located()
            .then(|| CellIndex::try_from(self.cell).expect("a stored cell"))
    }
}
