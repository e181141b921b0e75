//! The statistics report organization departments file upward each quarter and year
//! (issue 21): per division one level down, the organizations by kind, those with three
//! formal members or more, the party organizations by form, those without one (and of them
//! those with an instructor), should-build-not-built, the party members, and the three rates
//! against the targets. Counted from the organizations' own fields, as the dashboard's
//! coverage index counts them (docs/rules.md, "Coverage"), so the two always agree.

use chrono::{Datelike, NaiveDate};

use super::decision::{Coverage, operates};
use super::division::DivisionLevel;
use super::error::FieldError;
use super::organization::{Kind, Organization, PartyOrg};
use super::policy::{Policy, RateTargets};

/// A reporting period: a quarter (`2026Q4`) or a year (`2026`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// As a query or a file name writes it: `2026Q4`, `2026`.
    pub code: String,
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        let bad = || {
            FieldError::new(
                "period",
                format!("报告期应为年度（如 2026）或季度（如 2026Q4），现为“{text}”"),
                format!("the period is a year (2026) or a quarter (2026Q4), not '{text}'"),
            )
        };
        let (year, quarter) = match text.to_ascii_uppercase().split_once('Q') {
            Some((year, quarter)) => (year.to_owned(), Some(quarter.to_owned())),
            None => (text.to_owned(), None),
        };
        let year: i32 = year
            .parse()
            .ok()
            .filter(|y| (1949..=9999).contains(y))
            .ok_or_else(bad)?;
        let (first_month, months) = match quarter.as_deref() {
            None => (1, 12),
            Some(q) => match q.parse::<u32>() {
                Ok(q @ 1..=4) => (3 * q - 2, 3),
                _ => return Err(bad()),
            },
        };
        let start = NaiveDate::from_ymd_opt(year, first_month, 1).ok_or_else(bad)?;
        let end = start
            .checked_add_months(chrono::Months::new(months))
            .and_then(|d| d.pred_opt())
            .ok_or_else(bad)?;
        Ok(Self {
            code: match &quarter {
                Some(_) => format!("{year}Q{}", first_month.div_ceil(3)),
                None => year.to_string(),
            },
            label: match quarter {
                Some(_) => format!("{year}年第{}季度", first_month.div_ceil(3)),
                None => format!("{year}年度"),
            },
            start,
            end,
        })
    }

    /// The day the figures are of: the period's last day, or today while it runs. A period
    /// that has ended is counted as the registry stood at the end of its last day
    /// (`registry::past`).
    pub fn figures_date(&self, today: NaiveDate) -> Result<NaiveDate, FieldError> {
        if self.start > today {
            return Err(FieldError::new(
                "period",
                format!("报告期{}尚未开始", self.label),
                format!("the period {} has not begun", self.label),
            ));
        }
        Ok(self.end.min(today))
    }

    /// The period before this one: the quarter before a quarter, the year before a year.
    pub fn previous(&self) -> Self {
        let day = self.start.pred_opt().unwrap_or(self.start);
        let code = if self.code.contains('Q') {
            format!("{}Q{}", day.year(), day.month().div_ceil(3))
        } else {
            day.year().to_string()
        };
        Self::parse(&code).unwrap_or_else(|_| self.clone())
    }

    /// The quarter a day lies in.
    pub fn quarter_of(day: NaiveDate) -> Self {
        Self::parse(&format!("{}Q{}", day.year(), day.month().div_ceil(3)))
            .expect("a day's quarter is a period")
    }
}

/// The report's counts for one division (or the total).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportCounts {
    /// Operating organizations (active or changed).
    pub total: u32,
    /// By kind, in the order of [`Kind::ALL`].
    pub by_kind: [u32; 5],
    pub three_or_more_formal: u32,
    pub committees: u32,
    pub general_branches: u32,
    pub branches: u32,
    pub joint_industry: u32,
    pub joint_regional: u32,
    /// No party organization of any form.
    pub without_party_org: u32,
    /// Of those, with an instructor or liaison.
    pub with_instructor: u32,
    /// Three formal members or more and no own party organization (domain.md 5).
    pub should_build_not_built: u32,
    pub formal_members: u64,
    pub probationary_members: u64,
    pub members_elsewhere: u64,
}

impl ReportCounts {
    fn add(&mut self, org: &Organization, policy: &Policy) {
        self.total += 1;
        let kind = Kind::ALL
            .iter()
            .position(|k| *k == org.kind)
            .expect("a kind");
        self.by_kind[kind] += 1;
        let own_min = policy.own_organization_min_formal;
        self.three_or_more_formal += u32::from(org.formal_members >= own_min);
        match org.party_org {
            PartyOrg::Committee => self.committees += 1,
            PartyOrg::GeneralBranch => self.general_branches += 1,
            PartyOrg::Branch => self.branches += 1,
            PartyOrg::JointIndustry => self.joint_industry += 1,
            PartyOrg::JointRegional => self.joint_regional += 1,
            PartyOrg::None => self.without_party_org += 1,
        }
        let coverage = Coverage::of(org);
        self.with_instructor += u32::from(coverage == Coverage::Instructor);
        self.should_build_not_built +=
            u32::from(org.formal_members >= own_min && coverage != Coverage::Own);
        self.formal_members += u64::from(org.formal_members);
        self.probationary_members += u64::from(org.probationary_members);
        self.members_elsewhere += u64::from(org.members_elsewhere);
    }

    fn merge(&mut self, other: &Self) {
        self.total += other.total;
        for (a, b) in self.by_kind.iter_mut().zip(other.by_kind) {
            *a += b;
        }
        self.three_or_more_formal += other.three_or_more_formal;
        self.committees += other.committees;
        self.general_branches += other.general_branches;
        self.branches += other.branches;
        self.joint_industry += other.joint_industry;
        self.joint_regional += other.joint_regional;
        self.without_party_org += other.without_party_org;
        self.with_instructor += other.with_instructor;
        self.should_build_not_built += other.should_build_not_built;
        self.formal_members += other.formal_members;
        self.probationary_members += other.probationary_members;
        self.members_elsewhere += other.members_elsewhere;
    }

    /// Takes `other`'s organizations out of these counts (which hold them).
    fn unmerge(&mut self, other: &Self) {
        self.total -= other.total;
        for (a, b) in self.by_kind.iter_mut().zip(other.by_kind) {
            *a -= b;
        }
        self.three_or_more_formal -= other.three_or_more_formal;
        self.committees -= other.committees;
        self.general_branches -= other.general_branches;
        self.branches -= other.branches;
        self.joint_industry -= other.joint_industry;
        self.joint_regional -= other.joint_regional;
        self.without_party_org -= other.without_party_org;
        self.with_instructor -= other.with_instructor;
        self.should_build_not_built -= other.should_build_not_built;
        self.formal_members -= other.formal_members;
        self.probationary_members -= other.probationary_members;
        self.members_elsewhere -= other.members_elsewhere;
    }

    /// These counts with `removed`'s organizations (which they hold) replaced by `added`'s:
    /// the counts of another day from today's and the organizations that differ.
    pub fn replacing(mut self, removed: &Self, added: &Self) -> Self {
        self.merge(added);
        self.unmerge(removed);
        self
    }

    pub fn own(&self) -> u32 {
        self.committees + self.general_branches + self.branches
    }

    pub fn joint(&self) -> u32 {
        self.joint_industry + self.joint_regional
    }

    fn rate(&self, n: u32) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            f64::from(n) / f64::from(self.total)
        }
    }

    /// 单独组建率.
    pub fn own_organization_rate(&self) -> f64 {
        self.rate(self.own())
    }

    /// 组织覆盖率.
    pub fn org_coverage_rate(&self) -> f64 {
        self.rate(self.own() + self.joint())
    }

    /// 工作覆盖率.
    pub fn work_coverage_rate(&self) -> f64 {
        self.rate(self.own() + self.joint() + self.with_instructor)
    }
}

/// One row of the report: a division (its prefix) and its counts.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub division: String,
    pub counts: ReportCounts,
    pub targets: RateTargets,
}

/// The report of the divisions one level below `parent`.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub parent: String,
    pub level: DivisionLevel,
    pub rows: Vec<ReportRow>,
    pub total: ReportRow,
}

impl Report {
    /// This report with `removed`'s organizations (which it holds) replaced by `added`'s,
    /// both of the same parent: the report of another day from today's and the
    /// organizations that differ. A division left without organizations leaves it.
    pub fn replacing(&self, removed: &Report, added: &Report, policy: &Policy) -> Report {
        let mut by_division: std::collections::BTreeMap<String, ReportCounts> = self
            .rows
            .iter()
            .map(|r| (r.division.clone(), r.counts))
            .collect();
        for row in &added.rows {
            by_division
                .entry(row.division.clone())
                .or_default()
                .merge(&row.counts);
        }
        for row in &removed.rows {
            if let Some(counts) = by_division.get_mut(&row.division) {
                counts.unmerge(&row.counts);
            }
        }
        let rows = by_division
            .into_iter()
            .filter(|(_, counts)| counts.total > 0)
            .map(|(division, counts)| ReportRow {
                targets: policy.targets_for(&division),
                division,
                counts,
            })
            .collect();
        Report {
            parent: self.parent.clone(),
            level: self.level,
            rows,
            total: ReportRow {
                division: self.total.division.clone(),
                counts: self
                    .total
                    .counts
                    .replacing(&removed.total.counts, &added.total.counts),
                targets: policy.targets_for(&self.parent),
            },
        }
    }
}

/// The level a report under `parent` lists (one below it).
pub fn level_below(parent: &str) -> DivisionLevel {
    match parent.len() {
        0 => DivisionLevel::Province,
        1..=2 => DivisionLevel::City,
        3..=4 => DivisionLevel::County,
        _ => DivisionLevel::Township,
    }
}

/// The counts of the operating organizations among `orgs` whose division starts with
/// `parent`, all together: the report's total row without the rows.
pub fn total<O: std::borrow::Borrow<Organization>>(
    orgs: impl IntoIterator<Item = O>,
    parent: &str,
    policy: &Policy,
) -> ReportCounts {
    let mut total = ReportCounts::default();
    for org in orgs {
        let org = org.borrow();
        if operates(org) && org.division_code.as_str().starts_with(parent) {
            total.add(org, policy);
        }
    }
    total
}

/// Counts the operating organizations among `orgs` whose division starts with `parent`,
/// per division one level down, with the targets of each.
pub fn report<O: std::borrow::Borrow<Organization>>(
    orgs: impl IntoIterator<Item = O>,
    parent: &str,
    policy: &Policy,
) -> Report {
    let level = level_below(parent);
    let mut by_division: std::collections::BTreeMap<String, ReportCounts> = Default::default();
    for org in orgs {
        let org = org.borrow();
        if !operates(org) || !org.division_code.as_str().starts_with(parent) {
            continue;
        }
        by_division
            .entry(org.division_code.prefix(level).to_owned())
            .or_default()
            .add(org, policy);
    }
    let mut total = ReportCounts::default();
    let rows = by_division
        .into_iter()
        .map(|(division, counts)| {
            total.merge(&counts);
            ReportRow {
                targets: policy.targets_for(&division),
                division,
                counts,
            }
        })
        .collect();
    Report {
        parent: parent.to_owned(),
        level,
        rows,
        total: ReportRow {
            division: parent.to_owned(),
            counts: total,
            targets: policy.targets_for(parent),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::division::DivisionCode;
    use crate::domain::organization::Status;
    use crate::domain::testing::org;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_quarters_or_years_and_a_past_one_is_counted_on_its_last_day() {
        let q4 = Period::parse("2026q4").unwrap();
        assert_eq!((q4.start, q4.end), (day("2026-10-01"), day("2026-12-31")));
        assert_eq!(
            (q4.code.as_str(), q4.label.as_str()),
            ("2026Q4", "2026年第4季度")
        );
        let year = Period::parse("2026").unwrap();
        assert_eq!(
            (year.start, year.end),
            (day("2026-01-01"), day("2026-12-31"))
        );
        assert_eq!(
            q4.figures_date(day("2026-12-01")).unwrap(),
            day("2026-12-01")
        );
        let q3 = Period::parse("2026Q3").unwrap();
        assert_eq!(
            q3.figures_date(day("2026-12-01")).unwrap(),
            day("2026-09-30")
        );
        assert_eq!(q3.previous().code, "2026Q2");
        assert_eq!(Period::parse("2026Q1").unwrap().previous().code, "2025Q4");
        assert_eq!(year.previous().code, "2025");
        assert_eq!(Period::quarter_of(day("2026-11-05")).code, "2026Q4");
        let future = Period::parse("2027Q1")
            .unwrap()
            .figures_date(day("2026-12-01"));
        assert!(future.unwrap_err().zh.contains("尚未开始"));
        for bad in ["2026Q5", "26Q1", "2026-4", "Q4", ""] {
            assert_eq!(Period::parse(bad).unwrap_err().field, "period", "{bad}");
        }
    }

    #[test]
    fn the_counts_follow_the_kinds_forms_and_members_of_operating_organizations() {
        let at = |code: &str, o: Organization| Organization {
            division_code: DivisionCode::parse(code).unwrap(),
            ..o
        };
        let orgs = [
            at(
                "150102001",
                Organization {
                    party_org: PartyOrg::Branch,
                    ..org(4)
                },
            ),
            at(
                "150102002",
                Organization {
                    instructor: Some("王芳".into()),
                    ..org(1)
                },
            ),
            at(
                "150103001",
                Organization {
                    probationary_members: 2,
                    members_elsewhere: 1,
                    ..org(5)
                },
            ),
            at(
                "150103001",
                Organization {
                    party_org: PartyOrg::JointRegional,
                    ..org(1)
                },
            ),
            at(
                "150103001",
                Organization {
                    status: Status::Deregistered,
                    ..org(9)
                },
            ),
            at("150203001", org(7)),
        ];
        let r = report(&orgs, "1501", &Policy::default());
        assert_eq!(r.level, DivisionLevel::County);
        let codes: Vec<&str> = r.rows.iter().map(|row| row.division.as_str()).collect();
        assert_eq!(codes, ["150102", "150103"], "Baotou's is outside 1501");
        let xincheng = r.rows[0].counts;
        assert_eq!(
            (xincheng.total, xincheng.branches, xincheng.with_instructor),
            (2, 1, 1)
        );
        assert_eq!(xincheng.work_coverage_rate(), 1.0);
        let huimin = r.rows[1].counts;
        // The deregistered one counts nowhere (domain.md 5: operating organizations).
        assert_eq!(huimin.total, 2);
        assert_eq!((huimin.joint_regional, huimin.without_party_org), (1, 1));
        assert_eq!(
            (huimin.three_or_more_formal, huimin.should_build_not_built),
            (1, 1)
        );
        assert_eq!(
            (
                huimin.formal_members,
                huimin.probationary_members,
                huimin.members_elsewhere
            ),
            (6, 2, 1)
        );
        let t = r.total.counts;
        assert_eq!(
            (t.total, t.own(), t.joint(), t.with_instructor),
            (4, 1, 1, 1)
        );
        assert_eq!(t.org_coverage_rate(), 0.5);
    }
}
