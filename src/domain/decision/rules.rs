//! The rules R1-R10 themselves: placing an organization, its flags and its reasons.

use chrono::{Datelike, Months, NaiveDate, Weekday};

use super::clauses::{
    OPINIONS_7, OPINIONS_8, OPINIONS_9, OPINIONS_10, OPINIONS_11, OPINIONS_15, OPINIONS_18,
    OPINIONS_20, ORGANS_5, ORGANS_6, ORGANS_7,
};
use super::context::{IndustryLink, RegistryContext, has_own_party_org, operates};
use super::reasons::{Detail, Reason};
use super::types::{Coverage, Decision, Flag, GroupRef, Recommendation};
use crate::domain::organization::{Kind, Organization, PartyOrg, Status};
use crate::domain::policy::Policy;

/// The recommendation of an organization given its R1-R3 placement and whether a regional
/// joint branch is proposed for it (R4), R5 otherwise; None once it no longer operates.
pub fn recommendation(
    org: &Organization,
    placement: Option<Recommendation>,
    grouped: bool,
) -> Option<Recommendation> {
    if !operates(org) {
        return None;
    }
    Some(match placement {
        Some(r) => r,
        None if grouped => Recommendation::RegionalJoint,
        None => Recommendation::Instructor,
    })
}

/// The decisions of one registry on one day under one policy.
pub struct Assessor<'a> {
    pub policy: &'a Policy,
    pub context: &'a RegistryContext,
    /// The day R6, R7 and R10 are judged on.
    pub today: NaiveDate,
}

fn reason(rule: &'static str, clause: &'static str, detail: Detail) -> Reason {
    Reason {
        rule,
        clause,
        detail,
    }
}

/// `days` working days (Monday to Friday) after `from`.
pub fn add_working_days(from: NaiveDate, days: u32) -> NaiveDate {
    let mut date = from;
    let mut left = days;
    while left > 0 {
        date = date.succ_opt().expect("date in range");
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    date
}

impl Assessor<'_> {
    /// The placement by R1, R2, a recorded joint organization, or R3: everything decided
    /// before regional grouping. None leaves the organization to R4/R5.
    pub fn placement(&self, org: &Organization) -> Option<Recommendation> {
        let p = self.policy;
        let formal = org.formal_members;
        let members = org.formal_members + org.probationary_members;
        if formal >= p.own_organization_min_formal {
            // R1a / R1b / R1c by size.
            return Some(if members >= p.committee_min_members {
                Recommendation::OwnCommittee
            } else if members >= p.general_branch_min_members {
                Recommendation::OwnGeneralBranch
            } else if formal >= p.branch_committee_min_formal {
                Recommendation::OwnBranchCommittee
            } else {
                Recommendation::OwnBranch
            });
        }
        // R2: members whose relation is elsewhere would make up an own branch.
        if formal + org.members_elsewhere >= p.own_organization_min_formal {
            return Some(Recommendation::TransferRelations);
        }
        // Already in a joint organization: keep that form, do not regroup.
        match org.party_org {
            PartyOrg::JointIndustry => return Some(Recommendation::IndustryJoint),
            PartyOrg::JointRegional => return Some(Recommendation::RegionalJoint),
            _ => {}
        }
        // R3: an industry party organization to join.
        self.context
            .industry_party_org(org)
            .map(|_| Recommendation::IndustryJoint)
    }

    /// Whether the organization is a candidate for regional grouping (R4): operating,
    /// with 0 < F < 3 (or F = 0 if the policy allows), in no party organization, not
    /// placed by R1-R3, and with a known location (nearness is measured from it).
    pub fn is_grouping_candidate(&self, org: &Organization) -> bool {
        self.is_candidate_placed(org, || self.placement(org))
    }

    /// [`Self::is_grouping_candidate`] with the placement already known (or computed
    /// only when the cheaper conditions hold).
    pub fn is_candidate_placed(
        &self,
        org: &Organization,
        placement: impl FnOnce() -> Option<Recommendation>,
    ) -> bool {
        org.location.is_some() && self.would_group_if_located(org) && placement().is_none()
    }

    /// The conditions of R4 candidacy other than the placement and the location: an
    /// organization meeting them without a point is left to R5 for want of one.
    fn would_group_if_located(&self, org: &Organization) -> bool {
        operates(org)
            && org.party_org == PartyOrg::None
            && (org.formal_members > 0 || self.policy.joint_branch_include_zero_members)
    }

    /// The full decision. `group` is the regional joint branch proposed for it, if any;
    /// `registered_now` marks a registration being made at this moment (R6).
    pub fn decide(
        &self,
        org: &Organization,
        group: Option<GroupRef>,
        registered_now: bool,
    ) -> Decision {
        self.decide_placed(org, self.placement(org), group, registered_now)
    }

    /// [`Self::decide`] with the organization's [`Self::placement`] already computed.
    pub fn decide_placed(
        &self,
        org: &Organization,
        placement: Option<Recommendation>,
        group: Option<GroupRef>,
        registered_now: bool,
    ) -> Decision {
        let p = self.policy;
        let mut flags = Vec::new();
        let mut reasons = Vec::with_capacity(3);
        let formal = org.formal_members;
        let probationary = org.probationary_members;
        let members = formal + probationary;
        let min = p.own_organization_min_formal;

        // R8: a change, merger or deregistration concerns the party organization too.
        if org.status != Status::Active && org.party_org != PartyOrg::None {
            flags.push(Flag::DissolvePartyOrg);
            reasons.push(reason(
                "R8",
                OPINIONS_8,
                Detail::StatusChanged { status: org.status },
            ));
        }
        if !operates(org) {
            return Decision {
                recommendation: None,
                flags,
                coverage: None,
                group: None,
                reasons,
            };
        }

        let recommendation = recommendation(org, placement, group.is_some())
            .expect("an operating organization has a recommendation");
        match recommendation {
            Recommendation::OwnCommittee
            | Recommendation::OwnGeneralBranch
            | Recommendation::OwnBranchCommittee
            | Recommendation::OwnBranch => {
                reasons.push(reason("R1", OPINIONS_8, Detail::Own { formal, min }));
                let branch_term = p.branch_term_years;
                reasons.push(match recommendation {
                    // R1a: F+P >= 100 -> party committee.
                    Recommendation::OwnCommittee => reason(
                        "R1a",
                        ORGANS_5,
                        Detail::Committee {
                            members,
                            formal,
                            probationary,
                            min: p.committee_min_members,
                            term: p.committee_term_years,
                        },
                    ),
                    // R1b: 50 <= F+P < 100 -> general branch.
                    Recommendation::OwnGeneralBranch => reason(
                        "R1b",
                        ORGANS_6,
                        Detail::GeneralBranch {
                            members,
                            formal,
                            probationary,
                            min: p.general_branch_min_members,
                            max: p.committee_min_members - 1,
                            term: branch_term,
                        },
                    ),
                    // R1c: a branch, with a committee from F >= 7.
                    Recommendation::OwnBranchCommittee => reason(
                        "R1c",
                        ORGANS_7,
                        Detail::BranchCommittee {
                            members,
                            formal,
                            min: p.branch_committee_min_formal,
                            term: branch_term,
                        },
                    ),
                    _ => reason(
                        "R1c",
                        ORGANS_7,
                        Detail::BranchSecretary {
                            members,
                            formal,
                            min: p.branch_committee_min_formal,
                            term: branch_term,
                        },
                    ),
                });
                // R1d: a large association may form a committee with approval.
                if let Some(units) = org.member_units
                    && org.kind == Kind::SocialGroup
                    && units >= p.large_association_member_units
                    && members < p.committee_min_members
                {
                    flags.push(Flag::CommitteeWithApproval);
                    reasons.push(reason(
                        "R1d",
                        OPINIONS_8,
                        Detail::LargeAssociation {
                            units,
                            min: p.large_association_member_units,
                        },
                    ));
                }
                // R1e: a committee needs a full-time deputy secretary.
                if members >= p.committee_min_members {
                    flags.push(Flag::FullTimeDeputySecretary);
                    reasons.push(reason(
                        "R1e",
                        OPINIONS_18,
                        Detail::DeputySecretary {
                            members,
                            min: p.committee_min_members,
                        },
                    ));
                }
            }
            // R2: members whose relation is elsewhere would make up an own branch.
            Recommendation::TransferRelations => reasons.push(reason(
                "R2",
                OPINIONS_15,
                Detail::Transfer {
                    formal,
                    elsewhere: org.members_elsewhere,
                    min,
                },
            )),
            Recommendation::IndustryJoint if org.party_org == PartyOrg::JointIndustry => {
                reasons.push(reason("R3", OPINIONS_9, Detail::KeepsIndustryJoint));
            }
            // R3: an industry party organization to join.
            Recommendation::IndustryJoint => {
                let detail = match self.context.industry_party_org(org) {
                    Some(IndustryLink::Association(code)) => Detail::Association {
                        code: code.clone(),
                        min,
                    },
                    Some(IndustryLink::Industry(industry, area)) => Detail::Industry {
                        industry: industry.to_owned(),
                        area: area.to_owned(),
                        min,
                    },
                    None => unreachable!("placement found an industry link"),
                };
                reasons.push(reason("R3", OPINIONS_9, detail));
            }
            Recommendation::RegionalJoint if org.party_org == PartyOrg::JointRegional => {
                reasons.push(reason("R4", OPINIONS_10, Detail::KeepsRegionalJoint));
            }
            // R4: a regional joint branch with nearby small organizations.
            Recommendation::RegionalJoint => {
                let g = group.as_ref().expect("grouped");
                reasons.push(reason(
                    "R4",
                    OPINIONS_10,
                    Detail::RegionalGroup {
                        formal,
                        others: g.members.len() - 1,
                        group_id: g.id.clone(),
                        distance_m: p.joint_branch_max_distance_m,
                    },
                ));
            }
            // R5: otherwise an instructor or liaison.
            Recommendation::Instructor => {
                // A candidate for R4 but for its unknown location: the reason says so,
                // so that the clerk knows what would change it.
                let location_unknown = org.location.is_none() && self.would_group_if_located(org);
                reasons.push(reason(
                    "R5",
                    OPINIONS_11,
                    Detail::Instructor {
                        formal,
                        location_unknown,
                    },
                ))
            }
        }

        // R6: a new registration with enough members establishes its organization with it.
        if formal >= min && !has_own_party_org(org) {
            let window = 0..=i64::from(p.new_registration_days);
            let recent = org
                .registered_on
                .is_some_and(|d| window.contains(&(self.today - d).num_days()));
            if registered_now || recent {
                let registered = org.registered_on.unwrap_or(self.today);
                let days = p.establish_within_working_days;
                flags.push(Flag::EstablishWithRegistration);
                reasons.push(reason(
                    "R6",
                    OPINIONS_11,
                    Detail::Establish {
                        formal,
                        due: add_working_days(registered, days),
                        days,
                    },
                ));
            }
        }

        if has_own_party_org(org) {
            self.term_flags(org, &mut flags, &mut reasons);
        }

        // R9: large organizations are key contacts of a county-or-higher department.
        if let Some(staff) = org.staff
            && staff >= p.key_contact_min_staff
        {
            flags.push(Flag::KeyContact);
            reasons.push(reason(
                "R9",
                OPINIONS_7,
                Detail::KeyContact {
                    staff,
                    min: p.key_contact_min_staff,
                },
            ));
        }

        if formal >= min && !has_own_party_org(org) {
            flags.push(Flag::ShouldBuildNotBuilt);
        }

        Decision {
            recommendation: Some(recommendation),
            flags,
            coverage: Some(Coverage::of(org)),
            group,
            reasons,
        }
    }

    /// R7 (elections) and R10 (yearly reports) of an organization with its own party
    /// organization.
    fn term_flags(&self, org: &Organization, flags: &mut Vec<Flag>, reasons: &mut Vec<Reason>) {
        let p = self.policy;
        let years = if org.party_org == PartyOrg::Committee {
            p.committee_term_years
        } else {
            p.branch_term_years
        };
        if let Some(start) = org.last_election_on.or(org.party_org_established_on) {
            let end = start + Months::new(12 * years);
            let soon = self.today + Months::new(p.election_due_soon_months);
            if end < self.today {
                flags.push(Flag::ElectionOverdue);
                reasons.push(reason(
                    "R7",
                    OPINIONS_8,
                    Detail::ElectionOverdue { start, years, end },
                ));
            } else if end <= soon {
                flags.push(Flag::ElectionDueSoon);
                reasons.push(reason(
                    "R7",
                    OPINIONS_8,
                    Detail::ElectionDueSoon {
                        years,
                        end,
                        months: p.election_due_soon_months,
                    },
                ));
            }
        }
        if let Some(last) = org.last_report_on.or(org.party_org_established_on)
            && last + Months::new(p.report_interval_months) < self.today
        {
            flags.push(Flag::ReportOverdue);
            reasons.push(reason(
                "R10",
                OPINIONS_20,
                Detail::ReportOverdue {
                    last,
                    months: p.report_interval_months,
                },
            ));
        }
    }
}
