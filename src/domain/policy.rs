//! The policy: every threshold of domain.md, with its defaults, overridable from TOML.
//!
//! Localities differ, so no rule hard-codes a number: each reads it from here. A policy
//! file names only what it changes; an unknown key or an impossible combination is an
//! error that names it, at start-up.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Thresholds and switches of rules R1-R10 and of coverage (domain.md 3 and 5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// R1: formal members (F) needed for an organization of its own (clause 8).
    pub own_organization_min_formal: u32,
    /// R1c: formal members from which a branch has a branch committee (art. 7).
    pub branch_committee_min_formal: u32,
    /// R1b: members (F+P) from which a general branch is formed (art. 6).
    pub general_branch_min_members: u32,
    /// R1a: members (F+P) from which a party committee is formed (art. 5).
    pub committee_min_members: u32,
    /// R1d: member units (U) that make an association "large" (clause 8).
    pub large_association_member_units: u32,
    /// R9: staff from which an organization is a key contact (clause 7).
    pub key_contact_min_staff: u32,
    /// R4: greatest distance, metres, from a joint branch's seed to a member (clause 10).
    pub joint_branch_max_distance_m: f64,
    /// R4: most organizations in one regional joint branch.
    pub joint_branch_max_orgs: u32,
    /// R4: whether organizations without formal members may join a regional group.
    pub joint_branch_include_zero_members: bool,
    /// R7: term of a party committee, years.
    pub committee_term_years: u32,
    /// R7: term of a general branch or branch, years.
    pub branch_term_years: u32,
    /// R7: months before the end of a term from which re-election is due soon.
    pub election_due_soon_months: u32,
    /// R10: months between yearly reports (clause 20).
    pub report_interval_months: u32,
    /// R6: days after registration during which an organization counts as newly registered.
    pub new_registration_days: u32,
    /// R6: working days after registration within which the party organization is due.
    pub establish_within_working_days: u32,
    /// Coverage: organizations one instructor or liaison serves (clause 11).
    pub orgs_per_instructor: u32,
    /// Coverage targets (clause 23): national defaults, and by division-code prefix.
    pub targets: Targets,
    /// The year whose plans `targets_for` reads (`targets.years`); not a setting of the
    /// file: the service and the commands set the current year, a report its period's.
    /// None reads the standing targets only.
    #[serde(skip)]
    pub year: Option<i32>,
}

/// Rates a jurisdiction aims for, 0..1: the standing targets, the yearly plans that
/// replace them (`[targets.years]`, `2026 = { work_coverage_rate = 0.9 }`), and both again
/// by division-code prefix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Targets {
    pub own_organization_rate: f64,
    pub org_coverage_rate: f64,
    pub work_coverage_rate: f64,
    /// National plans by year: a year without a plan, or a plan without a rate, takes the
    /// latest earlier year's, else the standing target.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub years: BTreeMap<String, PlannedRates>,
    /// Targets of a jurisdiction, by its division-code prefix (`"1501" = {...}`).
    pub jurisdictions: BTreeMap<String, JurisdictionTargets>,
}

/// Some of the three rates: a plan, or a jurisdiction's own targets, may set one alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlannedRates {
    #[serde(alias = "own", skip_serializing_if = "Option::is_none")]
    pub own_organization_rate: Option<f64>,
    #[serde(alias = "org", skip_serializing_if = "Option::is_none")]
    pub org_coverage_rate: Option<f64>,
    #[serde(alias = "work", skip_serializing_if = "Option::is_none")]
    pub work_coverage_rate: Option<f64>,
}

/// A jurisdiction's targets: standing ones (any of the three) and yearly plans.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JurisdictionTargets {
    #[serde(alias = "own", skip_serializing_if = "Option::is_none")]
    pub own_organization_rate: Option<f64>,
    #[serde(alias = "org", skip_serializing_if = "Option::is_none")]
    pub org_coverage_rate: Option<f64>,
    #[serde(alias = "work", skip_serializing_if = "Option::is_none")]
    pub work_coverage_rate: Option<f64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub years: BTreeMap<String, PlannedRates>,
}

/// The three rates, resolved for a division and a year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateTargets {
    pub own_organization_rate: f64,
    pub org_coverage_rate: f64,
    pub work_coverage_rate: f64,
}

/// One of the three rates.
#[derive(Debug, Clone, Copy)]
enum Rate {
    Own,
    Org,
    Work,
}

impl Rate {
    const ALL: [Rate; 3] = [Rate::Own, Rate::Org, Rate::Work];

    fn key(self) -> &'static str {
        match self {
            Rate::Own => "own_organization_rate",
            Rate::Org => "org_coverage_rate",
            Rate::Work => "work_coverage_rate",
        }
    }

    fn of_plan(self, p: &PlannedRates) -> Option<f64> {
        match self {
            Rate::Own => p.own_organization_rate,
            Rate::Org => p.org_coverage_rate,
            Rate::Work => p.work_coverage_rate,
        }
    }

    fn of_jurisdiction(self, j: &JurisdictionTargets) -> Option<f64> {
        match self {
            Rate::Own => j.own_organization_rate,
            Rate::Org => j.org_coverage_rate,
            Rate::Work => j.work_coverage_rate,
        }
    }

    fn standing(self, t: &Targets) -> f64 {
        match self {
            Rate::Own => t.own_organization_rate,
            Rate::Org => t.org_coverage_rate,
            Rate::Work => t.work_coverage_rate,
        }
    }
}

/// The rate the latest plan up to `year` sets, if any.
fn planned(years: &BTreeMap<String, PlannedRates>, year: Option<i32>, rate: Rate) -> Option<f64> {
    let year = year?;
    years
        .iter()
        .filter_map(|(y, plan)| Some((y.parse::<i32>().ok()?, plan)))
        .filter(|(y, _)| *y <= year)
        .filter_map(|(y, plan)| Some((y, rate.of_plan(plan)?)))
        .max_by_key(|(y, _)| *y)
        .map(|(_, r)| r)
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            own_organization_min_formal: 3,
            branch_committee_min_formal: 7,
            general_branch_min_members: 50,
            committee_min_members: 100,
            large_association_member_units: 50,
            key_contact_min_staff: 300,
            joint_branch_max_distance_m: 1000.0,
            joint_branch_max_orgs: 5,
            joint_branch_include_zero_members: false,
            committee_term_years: 5,
            branch_term_years: 3,
            election_due_soon_months: 6,
            report_interval_months: 12,
            new_registration_days: 30,
            establish_within_working_days: 5,
            orgs_per_instructor: 5,
            targets: Targets::default(),
            year: None,
        }
    }
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            own_organization_rate: 0.5,
            org_coverage_rate: 0.9,
            work_coverage_rate: 1.0,
            years: BTreeMap::new(),
            jurisdictions: BTreeMap::new(),
        }
    }
}

/// What a key of the policy file means, for `orgcover policy` (`section` is the TOML
/// table, "" at the top; `key` "" for the table itself).
fn key_comment(section: &str, key: &str) -> Option<&'static str> {
    Some(match (section, key) {
        ("", "own_organization_min_formal") => {
            "R1 单独建立党组织所需正式党员数 (formal members for an organization of its own, clause 8)"
        }
        ("", "branch_committee_min_formal") => {
            "R1c 党支部设支部委员会的正式党员数 (formal members from which a branch has a committee, art. 7)"
        }
        ("", "general_branch_min_members") => {
            "R1b 设党总支的党员数，正式加预备 (members from which a general branch is formed, art. 6)"
        }
        ("", "committee_min_members") => {
            "R1a 设党委的党员数，正式加预备 (members from which a party committee is formed, art. 5)"
        }
        ("", "large_association_member_units") => {
            "R1d 会员单位达到此数为规模较大的协会 (member units that make an association large, clause 8)"
        }
        ("", "key_contact_min_staff") => {
            "R9 从业人员达到此数为重点联系对象 (staff from which an organization is a key contact, clause 7)"
        }
        ("", "joint_branch_max_distance_m") => {
            "R4 区域联合党支部成员与首个成员的最大距离，米 (greatest distance from a joint branch's first member, metres, clause 10)"
        }
        ("", "joint_branch_max_orgs") => {
            "R4 一个区域联合党支部最多的社会组织数 (most organizations in one regional joint branch)"
        }
        ("", "joint_branch_include_zero_members") => {
            "R4 没有正式党员的社会组织可否加入区域联合 (whether organizations without formal members may join)"
        }
        ("", "committee_term_years") => "R7 党委任期，年 (term of a party committee, years)",
        ("", "branch_term_years") => {
            "R7 党总支、党支部任期，年 (term of a general branch or branch, years)"
        }
        ("", "election_due_soon_months") => {
            "R7 任期届满前多少个月提示换届 (months before a term ends from which re-election is due soon)"
        }
        ("", "report_interval_months") => {
            "R10 年度报告间隔，月 (months between yearly reports, clause 20)"
        }
        ("", "new_registration_days") => {
            "R6 登记后多少天内为新登记 (days after registration an organization counts as new)"
        }
        ("", "establish_within_working_days") => {
            "R6 新登记后多少个工作日内应建立党组织 (working days after registration within which the party organization is due)"
        }
        ("", "orgs_per_instructor") => {
            "覆盖 一名党建指导员或联络员联系的社会组织数 (organizations one instructor serves, clause 11)"
        }
        ("targets", "") => {
            "覆盖率目标，0 到 1 (coverage targets, 0..1, clause 23): 常设目标 (standing targets)"
        }
        ("targets", "own_organization_rate") => "单独组建率目标 (own-organization rate target)",
        ("targets", "org_coverage_rate") => "组织覆盖率目标 (organizational coverage target)",
        ("targets", "work_coverage_rate") => "工作覆盖率目标 (work coverage target)",
        ("targets.years", "") => "全国年度计划，按年份 (national plans by year)",
        ("targets.jurisdictions", "") => {
            "各辖区的目标与年度计划，按行政区划代码前缀，最长前缀优先；未写的率沿用上一级 (targets and plans by division-code prefix, the longest first; a rate left out comes from the level above)"
        }
        _ => return None,
    })
}

/// A policy file that cannot be used; the message names the key.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("策略文件有误 (the policy file is not valid): {0}")]
    Parse(String),
    #[error("策略项 {key} 不合理 (the policy setting {key} is impossible): {reason}")]
    Impossible { key: String, reason: String },
}

impl Policy {
    /// Reads a TOML policy: keys it leaves out keep their defaults.
    pub fn from_toml(text: &str) -> Result<Self, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| PolicyError::Parse(e.to_string()))?;
        policy.check()?;
        Ok(policy)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a policy serializes")
    }

    /// [`Policy::to_toml`] with a comment before each key saying what it means and which
    /// rule reads it (what `orgcover policy` prints), and an example of the yearly plans.
    pub fn to_commented_toml(&self) -> String {
        let mut out = String::from(
            "# orgcover 策略 (policy): 每项的含义与所依据的规则见 docs/rules.md；策略文件只需写出要改的项。\n\
             # Each key's meaning and rule are in docs/rules.md; a policy file names only what it changes.\n\n",
        );
        let mut section = String::new();
        for line in self.to_toml().lines() {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_owned();
                if let Some(comment) = key_comment(&section, "") {
                    out.push_str(&format!("# {comment}\n"));
                }
                out.push_str(line);
                out.push('\n');
                if section == "targets.jurisdictions" {
                    out.push_str(
                        "# 例 (for example):\n\
                         # [targets.jurisdictions.1501]\n\
                         # own_organization_rate = 0.6\n\
                         # [targets.jurisdictions.1501.years]\n\
                         # 2026 = { work_coverage_rate = 0.97 }\n",
                    );
                }
                continue;
            }
            if let Some((key, _)) = line.split_once(" = ")
                && let Some(comment) = key_comment(&section, key.trim())
            {
                out.push_str(&format!("# {comment}\n"));
            }
            out.push_str(line);
            out.push('\n');
            if section == "targets"
                && line.starts_with("work_coverage_rate")
                && self.targets.years.is_empty()
            {
                out.push_str(
                    "# 年度计划 (yearly plans, clause 23): 某年没有计划时沿用此前最近一年的，计划未写的率沿用常设目标\n\
                     # (a year without a plan takes the latest earlier one's; a rate a plan leaves out, the standing target):\n\
                     # [targets.years]\n\
                     # 2026 = { work_coverage_rate = 0.9, org_coverage_rate = 0.85 }\n",
                );
            }
        }
        out
    }

    /// Refuses settings no rule can work with.
    pub fn check(&self) -> Result<(), PolicyError> {
        let impossible = |key: &str, reason: String| {
            Err(PolicyError::Impossible {
                key: key.to_owned(),
                reason,
            })
        };
        if self.own_organization_min_formal == 0 {
            return impossible("own_organization_min_formal", "must be at least 1".into());
        }
        if self.branch_committee_min_formal < self.own_organization_min_formal {
            return impossible(
                "branch_committee_min_formal",
                format!(
                    "{} is below own_organization_min_formal ({})",
                    self.branch_committee_min_formal, self.own_organization_min_formal
                ),
            );
        }
        if self.general_branch_min_members < self.own_organization_min_formal {
            return impossible(
                "general_branch_min_members",
                format!(
                    "{} is below own_organization_min_formal ({})",
                    self.general_branch_min_members, self.own_organization_min_formal
                ),
            );
        }
        if self.general_branch_min_members >= self.committee_min_members {
            return impossible(
                "general_branch_min_members",
                format!(
                    "{} is not below committee_min_members ({}): a general branch is smaller than a committee",
                    self.general_branch_min_members, self.committee_min_members
                ),
            );
        }
        if !(self.joint_branch_max_distance_m > 0.0 && self.joint_branch_max_distance_m <= 50_000.0)
        {
            return impossible(
                "joint_branch_max_distance_m",
                format!(
                    "{} is not between 0 and 50,000 m",
                    self.joint_branch_max_distance_m
                ),
            );
        }
        if self.joint_branch_max_orgs < 2 {
            return impossible(
                "joint_branch_max_orgs",
                "a joint branch joins at least 2".into(),
            );
        }
        for (key, years) in [
            ("committee_term_years", self.committee_term_years),
            ("branch_term_years", self.branch_term_years),
        ] {
            if years == 0 {
                return impossible(key, "a term lasts at least one year".into());
            }
        }
        if self.report_interval_months == 0 {
            return impossible("report_interval_months", "must be at least 1".into());
        }
        if self.orgs_per_instructor == 0 {
            return impossible("orgs_per_instructor", "must be at least 1".into());
        }
        let mut rates: Vec<(String, f64)> = Rate::ALL
            .iter()
            .map(|r| (format!("targets.{}", r.key()), r.standing(&self.targets)))
            .collect();
        let plans = |at: &str,
                     years: &BTreeMap<String, PlannedRates>|
         -> Result<Vec<(String, f64)>, PolicyError> {
            let mut found = Vec::new();
            for (year, plan) in years {
                if !year
                    .parse::<i32>()
                    .is_ok_and(|y| (2000..=2100).contains(&y))
                {
                    return Err(PolicyError::Impossible {
                        key: format!("{at}years.{year}"),
                        reason: "a plan is named by its year (2000 to 2100)".into(),
                    });
                }
                for r in Rate::ALL {
                    if let Some(v) = r.of_plan(plan) {
                        found.push((format!("{at}years.{year}.{}", r.key()), v));
                    }
                }
            }
            Ok(found)
        };
        rates.extend(plans("targets.", &self.targets.years)?);
        for (prefix, j) in &self.targets.jurisdictions {
            if prefix.is_empty() || prefix.len() > 12 || !prefix.bytes().all(|b| b.is_ascii_digit())
            {
                return impossible(
                    &format!("targets.jurisdictions.{prefix}"),
                    "a jurisdiction is named by its division-code prefix (digits)".into(),
                );
            }
            for r in Rate::ALL {
                if let Some(v) = r.of_jurisdiction(j) {
                    rates.push((format!("targets.jurisdictions.{prefix}.{}", r.key()), v));
                }
            }
            rates.extend(plans(
                &format!("targets.jurisdictions.{prefix}."),
                &j.years,
            )?);
        }
        for (key, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return impossible(&key, format!("{rate} is not a rate between 0 and 1"));
            }
        }
        Ok(())
    }

    /// The same policy reading the plans of `year`.
    pub fn in_year(mut self, year: i32) -> Self {
        self.year = Some(year);
        self
    }

    /// The targets of a division in the policy's year ([`Policy::in_year`]).
    pub fn targets_for(&self, division_code: &str) -> RateTargets {
        self.targets_in(division_code, self.year)
    }

    /// The targets of a division in `year`, each rate on its own: the most specific
    /// jurisdiction (longest prefix) that sets it, by its latest plan up to the year, else
    /// its standing target; else the national plan, else the national standing target.
    pub fn targets_in(&self, division_code: &str, year: Option<i32>) -> RateTargets {
        let mut places: Vec<(&String, &JurisdictionTargets)> = self
            .targets
            .jurisdictions
            .iter()
            .filter(|(prefix, _)| division_code.starts_with(prefix.as_str()))
            .collect();
        places.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        let resolve = |rate: Rate| {
            places
                .iter()
                .find_map(|(_, j)| planned(&j.years, year, rate).or(rate.of_jurisdiction(j)))
                .or_else(|| planned(&self.targets.years, year, rate))
                .unwrap_or_else(|| rate.standing(&self.targets))
        };
        RateTargets {
            own_organization_rate: resolve(Rate::Own),
            org_coverage_rate: resolve(Rate::Org),
            work_coverage_rate: resolve(Rate::Work),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_those_of_domain_md() {
        let p = Policy::default();
        assert_eq!(
            (p.own_organization_min_formal, p.branch_committee_min_formal),
            (3, 7)
        );
        assert_eq!(
            (p.general_branch_min_members, p.committee_min_members),
            (50, 100)
        );
        assert_eq!(p.joint_branch_max_distance_m, 1000.0);
        assert_eq!(p.joint_branch_max_orgs, 5);
        assert_eq!((p.committee_term_years, p.branch_term_years), (5, 3));
        assert_eq!(p.orgs_per_instructor, 5);
        p.check().unwrap();
    }

    #[test]
    fn a_file_changes_only_what_it_names() {
        let p = Policy::from_toml("key_contact_min_staff = 200\n[targets]\nwork_coverage_rate = 0.95\n[targets.jurisdictions.1501]\nown_organization_rate = 0.6\norg_coverage_rate = 0.95\nwork_coverage_rate = 1.0\n").unwrap();
        assert_eq!(p.key_contact_min_staff, 200);
        assert_eq!(p.committee_min_members, 100);
        assert_eq!(p.targets_for("150102000000").own_organization_rate, 0.6);
        assert_eq!(p.targets_for("150202000000").work_coverage_rate, 0.95);
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_it() {
        let err = Policy::from_toml("commitee_min_members = 80\n").unwrap_err();
        assert!(err.to_string().contains("commitee_min_members"), "{err}");
    }

    #[test]
    fn a_general_branch_threshold_above_the_committee_threshold_is_refused() {
        let err = Policy::from_toml("general_branch_min_members = 120\n").unwrap_err();
        assert!(
            err.to_string().contains("general_branch_min_members"),
            "{err}"
        );
        let err = Policy::from_toml("[targets]\norg_coverage_rate = 1.5\n").unwrap_err();
        assert!(
            err.to_string().contains("targets.org_coverage_rate"),
            "{err}"
        );
    }

    #[test]
    fn yearly_plans_replace_the_standing_targets_rate_by_rate_and_a_missing_year_takes_the_latest_earlier_one()
     {
        // Clause 23: plans per year; a target may set one rate alone.
        let p = Policy::from_toml(
            "[targets]\nwork_coverage_rate = 0.95\n\
             [targets.years]\n2025 = { work = 0.8 }\n2026 = { work_coverage_rate = 0.9, org = 0.85 }\n\
             [targets.jurisdictions.1501]\nown_organization_rate = 0.6\n\
             [targets.jurisdictions.1501.years]\n2026 = { work = 0.97 }\n\
             [targets.jurisdictions.150102]\norg_coverage_rate = 0.99\n",
        )
        .unwrap();
        let baotou = "150202000000";
        let xincheng = "150102000000";
        let huimin = "150103000000";
        // No year: the standing targets.
        assert_eq!(p.targets_in(baotou, None).work_coverage_rate, 0.95);
        // Before any plan: standing; a planned year; a later year without a plan.
        assert_eq!(p.targets_in(baotou, Some(2024)).work_coverage_rate, 0.95);
        assert_eq!(p.targets_in(baotou, Some(2025)).work_coverage_rate, 0.8);
        assert_eq!(p.targets_in(baotou, Some(2027)).work_coverage_rate, 0.9);
        assert_eq!(p.targets_in(baotou, Some(2025)).org_coverage_rate, 0.9);
        assert_eq!(p.targets_in(baotou, Some(2026)).org_coverage_rate, 0.85);
        // A jurisdiction's plan and standing targets win over the national ones, rate by
        // rate; what it does not set comes from the next place up.
        let hohhot = p.targets_in(huimin, Some(2026));
        assert_eq!(
            (
                hohhot.own_organization_rate,
                hohhot.org_coverage_rate,
                hohhot.work_coverage_rate
            ),
            (0.6, 0.85, 0.97)
        );
        let district = p.clone().in_year(2026).targets_for(xincheng);
        assert_eq!(
            (
                district.own_organization_rate,
                district.org_coverage_rate,
                district.work_coverage_rate
            ),
            (0.6, 0.99, 0.97)
        );
        assert_eq!(p.targets_in(huimin, Some(2025)).work_coverage_rate, 0.8);
    }

    #[test]
    fn a_bad_plan_is_refused_naming_its_key() {
        for (text, key) in [
            (
                "[targets.years]\n2026 = { work = 1.2 }\n",
                "targets.years.2026.work_coverage_rate",
            ),
            (
                "[targets.years]\nnext = { work = 0.9 }\n",
                "targets.years.next",
            ),
            (
                "[targets.jurisdictions.15.years]\n2026 = { own = -1 }\n",
                "targets.jurisdictions.15.years.2026.own_organization_rate",
            ),
            ("[targets.years]\n2026 = { workk = 0.9 }\n", "workk"),
        ] {
            let err = Policy::from_toml(text).unwrap_err().to_string();
            assert!(err.contains(key), "{text}: {err}");
        }
    }

    #[test]
    fn the_printed_policy_reads_back_the_same() {
        let p = Policy::default();
        assert_eq!(Policy::from_toml(&p.to_toml()).unwrap(), p);
        // With its comments, and with plans, too.
        assert_eq!(Policy::from_toml(&p.to_commented_toml()).unwrap(), p);
        let planned = Policy::from_toml(
            "[targets.years]\n2026 = { work = 0.9 }\n[targets.jurisdictions.1501]\nown = 0.6\n",
        )
        .unwrap();
        assert_eq!(
            Policy::from_toml(&planned.to_commented_toml()).unwrap(),
            planned
        );
    }

    #[test]
    fn the_printed_policy_says_what_every_key_means() {
        let text = Policy::default().to_commented_toml();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.contains(" = ") && !line.starts_with('#') {
                assert!(
                    i > 0 && lines[i - 1].starts_with("# "),
                    "{line} has no comment"
                );
            }
        }
        assert!(text.contains("R1 单独建立党组织所需正式党员数"));
        assert!(
            text.contains("[targets.years]"),
            "the yearly plans are shown by example"
        );
    }
}
