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
}

/// Rates a jurisdiction aims for, 0..1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Targets {
    pub own_organization_rate: f64,
    pub org_coverage_rate: f64,
    pub work_coverage_rate: f64,
    /// Targets of a jurisdiction, by its division-code prefix (`"1501" = {...}`).
    pub jurisdictions: BTreeMap<String, RateTargets>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateTargets {
    pub own_organization_rate: f64,
    pub org_coverage_rate: f64,
    pub work_coverage_rate: f64,
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
        }
    }
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            own_organization_rate: 0.5,
            org_coverage_rate: 0.9,
            work_coverage_rate: 1.0,
            jurisdictions: BTreeMap::new(),
        }
    }
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
        let rates = [
            (
                "targets.own_organization_rate".to_owned(),
                self.targets.own_organization_rate,
            ),
            (
                "targets.org_coverage_rate".to_owned(),
                self.targets.org_coverage_rate,
            ),
            (
                "targets.work_coverage_rate".to_owned(),
                self.targets.work_coverage_rate,
            ),
        ];
        let jurisdiction_rates = self.targets.jurisdictions.iter().flat_map(|(prefix, t)| {
            [
                (
                    format!("targets.jurisdictions.{prefix}.own_organization_rate"),
                    t.own_organization_rate,
                ),
                (
                    format!("targets.jurisdictions.{prefix}.org_coverage_rate"),
                    t.org_coverage_rate,
                ),
                (
                    format!("targets.jurisdictions.{prefix}.work_coverage_rate"),
                    t.work_coverage_rate,
                ),
            ]
        });
        for (key, rate) in rates.into_iter().chain(jurisdiction_rates) {
            if !(0.0..=1.0).contains(&rate) {
                return impossible(&key, format!("{rate} is not a rate between 0 and 1"));
            }
        }
        for prefix in self.targets.jurisdictions.keys() {
            if prefix.is_empty() || prefix.len() > 12 || !prefix.bytes().all(|b| b.is_ascii_digit())
            {
                return impossible(
                    &format!("targets.jurisdictions.{prefix}"),
                    "a jurisdiction is named by its division-code prefix (digits)".into(),
                );
            }
        }
        Ok(())
    }

    /// The targets of the jurisdiction a division code belongs to: the longest matching
    /// prefix, else the national defaults.
    pub fn targets_for(&self, division_code: &str) -> RateTargets {
        self.targets
            .jurisdictions
            .iter()
            .filter(|(prefix, _)| division_code.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map_or(
                RateTargets {
                    own_organization_rate: self.targets.own_organization_rate,
                    org_coverage_rate: self.targets.org_coverage_rate,
                    work_coverage_rate: self.targets.work_coverage_rate,
                },
                |(_, t)| *t,
            )
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
    fn the_printed_policy_reads_back_the_same() {
        let p = Policy::default();
        assert_eq!(Policy::from_toml(&p.to_toml()).unwrap(), p);
    }
}
