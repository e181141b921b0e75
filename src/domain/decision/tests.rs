//! The rules R1-R10, one test or more each, named for the rule they hold.

use super::*;
use crate::domain::credit_code::CreditCode;
use crate::domain::division::DivisionCode;
use crate::domain::organization::{Level, Organization, PartyOrg, Status};
use crate::domain::policy::Policy;
use chrono::NaiveDate;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const TODAY: &str = "2026-11-25";

pub(crate) use crate::domain::testing::org;

fn decide_in(org: &Organization, context: &RegistryContext) -> Decision {
    let policy = Policy::default();
    Assessor {
        policy: &policy,
        context,
        today: day(TODAY),
    }
    .decide(org, None, false)
}

/// The assessor of the default policy on [`TODAY`].
fn default_assessor<'a>(policy: &'a Policy, context: &'a RegistryContext) -> Assessor<'a> {
    Assessor {
        policy,
        context,
        today: day(TODAY),
    }
}

fn decide(org: &Organization) -> Decision {
    decide_in(org, &RegistryContext::default())
}

fn recommendation(org: &Organization) -> Recommendation {
    decide(org).recommendation.unwrap()
}

fn rules(d: &Decision) -> Vec<&'static str> {
    d.reasons.iter().map(|r| r.rule).collect()
}

#[test]
fn r1_two_formal_members_are_not_enough_three_are() {
    assert_eq!(recommendation(&org(2)), Recommendation::Instructor);
    let d = decide(&org(3));
    assert_eq!(d.recommendation, Some(Recommendation::OwnBranch));
    assert_eq!(rules(&d), ["R1", "R1c"]);
    assert!(d.reasons[0].clause.contains("第八条"));
}

#[test]
fn r1c_six_formal_members_have_a_secretary_seven_a_branch_committee() {
    assert_eq!(recommendation(&org(6)), Recommendation::OwnBranch);
    assert_eq!(recommendation(&org(7)), Recommendation::OwnBranchCommittee);
}

#[test]
fn r1b_forty_nine_members_are_a_branch_fifty_a_general_branch_counting_probationary() {
    let o = Organization {
        probationary_members: 9,
        ..org(40)
    };
    assert_eq!(recommendation(&o), Recommendation::OwnBranchCommittee);
    let o = Organization {
        probationary_members: 10,
        ..org(40)
    };
    let d = decide(&o);
    assert_eq!(d.recommendation, Some(Recommendation::OwnGeneralBranch));
    assert_eq!(rules(&d), ["R1", "R1b"]);
    assert!(d.reasons[1].clause.contains("第六条"));
}

#[test]
fn r1a_ninety_nine_members_are_a_general_branch_a_hundred_a_committee_with_r1e() {
    let o = Organization {
        probationary_members: 9,
        ..org(90)
    };
    assert_eq!(recommendation(&o), Recommendation::OwnGeneralBranch);
    assert!(!decide(&o).flags.contains(&Flag::FullTimeDeputySecretary));
    let o = Organization {
        probationary_members: 10,
        ..org(90)
    };
    let d = decide(&o);
    assert_eq!(d.recommendation, Some(Recommendation::OwnCommittee));
    assert!(d.flags.contains(&Flag::FullTimeDeputySecretary), "R1e");
    assert_eq!(rules(&d)[..3], ["R1", "R1a", "R1e"]);
}

#[test]
fn r1_probationary_members_do_not_make_up_the_three_formal_members() {
    let o = Organization {
        probationary_members: 5,
        ..org(2)
    };
    assert_eq!(recommendation(&o), Recommendation::Instructor);
}

#[test]
fn r2_members_elsewhere_count_only_for_transferring_relations() {
    let o = Organization {
        members_elsewhere: 1,
        ..org(2)
    };
    let d = decide(&o);
    assert_eq!(d.recommendation, Some(Recommendation::TransferRelations));
    assert_eq!(rules(&d), ["R2"]);
    assert!(d.reasons[0].clause.contains("第十五条"));
    let o = Organization {
        members_elsewhere: 1,
        ..org(1)
    };
    assert_eq!(recommendation(&o), Recommendation::Instructor, "1 + 1 < 3");
    // E never counts towards the size of an own organization (R1b needs F+P >= 50).
    let o = Organization {
        members_elsewhere: 10,
        ..org(45)
    };
    assert_eq!(recommendation(&o), Recommendation::OwnBranchCommittee);
}

#[test]
fn r1d_a_large_association_may_have_a_committee_with_approval() {
    let o = Organization {
        member_units: Some(50),
        ..org(3)
    };
    let d = decide(&o);
    assert!(d.flags.contains(&Flag::CommitteeWithApproval));
    assert!(rules(&d).contains(&"R1d"));
    let o = Organization {
        member_units: Some(49),
        ..org(3)
    };
    assert!(!decide(&o).flags.contains(&Flag::CommitteeWithApproval));
    let o = Organization {
        member_units: Some(80),
        ..org(100)
    };
    assert!(
        !decide(&o).flags.contains(&Flag::CommitteeWithApproval),
        "already a committee"
    );
}

fn association(code_body: &str, industry: &str, party_org: PartyOrg) -> Organization {
    Organization {
        credit_code: Some(CreditCode::compose(b'5', b'1', "150102", code_body)),
        is_industry_association: true,
        industry: Some(industry.into()),
        party_org,
        ..org(5)
    }
}

#[test]
fn r3_a_member_unit_of_an_association_with_a_party_organization_joins_it() {
    let assoc = association("MJ000900", "餐饮", PartyOrg::Branch);
    let context = RegistryContext::build([&assoc]);
    let member = Organization {
        association: assoc.credit_code.clone(),
        ..org(1)
    };
    let d = decide_in(&member, &context);
    assert_eq!(d.recommendation, Some(Recommendation::IndustryJoint));
    assert_eq!(rules(&d), ["R3"]);
    assert!(
        d.reasons[0]
            .text()
            .contains(assoc.credit_code.as_ref().unwrap().as_str())
    );

    let without = association("MJ000900", "餐饮", PartyOrg::None);
    let context = RegistryContext::build([&without]);
    assert_eq!(
        decide_in(&member, &context).recommendation,
        Some(Recommendation::Instructor)
    );
}

#[test]
fn r3_an_association_only_in_a_regional_joint_branch_hosts_no_industry_party_organization() {
    // R3 (clause 9, 依托行业协会商会建立行业党组织): the host has its own party
    // organization or is in an industry joint one; a regional joint branch serves its
    // neighbourhood and makes nobody's member units join an industry organization.
    let member = |assoc: &Organization| Organization {
        association: assoc.credit_code.clone(),
        industry: Some("餐饮".into()),
        ..org(1)
    };
    let regional = association("MJ000900", "餐饮", PartyOrg::JointRegional);
    let context = RegistryContext::build([&regional]);
    assert_eq!(
        decide_in(&member(&regional), &context).recommendation,
        Some(Recommendation::Instructor)
    );
    for hosting in [
        PartyOrg::Branch,
        PartyOrg::GeneralBranch,
        PartyOrg::Committee,
        PartyOrg::JointIndustry,
    ] {
        let assoc = association("MJ000900", "餐饮", hosting);
        let context = RegistryContext::build([&assoc]);
        assert_eq!(
            decide_in(&member(&assoc), &context).recommendation,
            Some(Recommendation::IndustryJoint),
            "{hosting:?}"
        );
    }
}

#[test]
fn r3_an_organization_of_the_same_industry_joins_the_industry_party_organization() {
    let assoc = association("MJ000900", "餐饮", PartyOrg::Branch);
    let context = RegistryContext::build([&assoc]);
    let same = Organization {
        industry: Some("餐饮".into()),
        ..org(2)
    };
    assert_eq!(
        decide_in(&same, &context).recommendation,
        Some(Recommendation::IndustryJoint)
    );
    let other = Organization {
        industry: Some("物流".into()),
        ..org(2)
    };
    assert_eq!(
        decide_in(&other, &context).recommendation,
        Some(Recommendation::Instructor)
    );
    // An organization recorded in an industry joint organization opens the industry too.
    let joint = Organization {
        industry: Some("物流".into()),
        party_org: PartyOrg::JointIndustry,
        ..org(1)
    };
    let context = RegistryContext::build([&joint]);
    assert_eq!(
        decide_in(&other, &context).recommendation,
        Some(Recommendation::IndustryJoint)
    );
}

#[test]
fn r3_an_industry_party_organization_serves_the_area_of_its_registration_level() {
    let county_assoc = association("MJ000900", "餐饮", PartyOrg::Branch);
    let context = RegistryContext::build([&county_assoc]);
    let neighbour_county = Organization {
        industry: Some("餐饮".into()),
        division_code: DivisionCode::parse("150203001001").unwrap(),
        ..org(1)
    };
    assert_eq!(
        decide_in(&neighbour_county, &context).recommendation,
        Some(Recommendation::Instructor)
    );
    let city_assoc = Organization {
        level: Level::Municipal,
        division_code: DivisionCode::parse("150200").unwrap(),
        ..county_assoc.clone()
    };
    let context = RegistryContext::build([&city_assoc]);
    let d = decide_in(&neighbour_county, &context);
    assert_eq!(d.recommendation, Some(Recommendation::IndustryJoint));
    assert!(
        d.reasons[0].text().contains("1502"),
        "{}",
        d.reasons[0].text()
    );
    // A national association's party organization serves its member units only.
    let national = Organization {
        level: Level::National,
        ..county_assoc
    };
    let context = RegistryContext::build([&national]);
    assert_eq!(
        decide_in(&neighbour_county, &context).recommendation,
        Some(Recommendation::Instructor)
    );
    let member = Organization {
        association: national.credit_code.clone(),
        ..neighbour_county
    };
    assert_eq!(
        decide_in(&member, &context).recommendation,
        Some(Recommendation::IndustryJoint)
    );
}

#[test]
fn an_organization_already_in_a_joint_branch_keeps_that_form() {
    let o = Organization {
        party_org: PartyOrg::JointRegional,
        ..org(1)
    };
    let d = decide(&o);
    assert_eq!(d.recommendation, Some(Recommendation::RegionalJoint));
    assert_eq!(d.coverage, Some(Coverage::Joint));
    let (policy, context) = (Policy::default(), RegistryContext::default());
    let assessor = default_assessor(&policy, &context);
    assert!(!assessor.is_grouping_candidate(&o), "not regrouped");
    // R1 still applies when it has grown.
    let o = Organization {
        party_org: PartyOrg::JointIndustry,
        ..org(3)
    };
    assert_eq!(recommendation(&o), Recommendation::OwnBranch);
}

#[test]
fn r5_an_organization_without_formal_members_gets_an_instructor() {
    let d = decide(&org(0));
    assert_eq!(d.recommendation, Some(Recommendation::Instructor));
    assert_eq!(rules(&d), ["R5"]);
    assert_eq!(d.coverage, Some(Coverage::Uncovered));
    let o = Organization {
        instructor: Some("王芳".into()),
        ..org(0)
    };
    assert_eq!(decide(&o).coverage, Some(Coverage::Instructor));
}

#[test]
fn r6_a_new_registration_with_three_formal_members_establishes_with_it() {
    let o = Organization {
        registered_on: Some(day("2026-11-24")),
        ..org(3)
    };
    let d = decide(&o);
    assert!(d.flags.contains(&Flag::EstablishWithRegistration));
    let r6 = d.reasons.iter().find(|r| r.rule == "R6").unwrap();
    // Tuesday 2026-11-24 + 5 working days = Tuesday 2026-12-01.
    assert!(r6.text().contains("2026-12-01"), "{}", r6.text());
    let o = Organization {
        registered_on: Some(day("2026-10-25")),
        ..org(3)
    };
    assert!(
        !decide(&o).flags.contains(&Flag::EstablishWithRegistration),
        "31 days ago"
    );
    assert!(
        !decide(&org(3))
            .flags
            .contains(&Flag::EstablishWithRegistration),
        "date unknown"
    );
    let (policy, context) = (Policy::default(), RegistryContext::default());
    let assessor = default_assessor(&policy, &context);
    assert!(
        assessor
            .decide(&org(3), None, true)
            .flags
            .contains(&Flag::EstablishWithRegistration)
    );
    assert!(
        !assessor
            .decide(&org(2), None, true)
            .flags
            .contains(&Flag::EstablishWithRegistration)
    );
    let founded = Organization {
        party_org: PartyOrg::Branch,
        ..org(3)
    };
    assert!(
        !assessor
            .decide(&founded, None, true)
            .flags
            .contains(&Flag::EstablishWithRegistration)
    );
}

fn branch_elected(on: &str) -> Organization {
    Organization {
        party_org: PartyOrg::Branch,
        last_election_on: Some(day(on)),
        last_report_on: Some(day("2026-06-01")),
        ..org(4)
    }
}

#[test]
fn r7_a_term_that_ended_yesterday_is_overdue() {
    let d = decide(&branch_elected("2023-11-24"));
    assert!(d.flags.contains(&Flag::ElectionOverdue));
    assert!(rules(&d).contains(&"R7"));
}

#[test]
fn r7_a_term_that_ends_today_is_due_soon_not_overdue() {
    let d = decide(&branch_elected("2023-11-25"));
    assert!(d.flags.contains(&Flag::ElectionDueSoon));
    assert!(!d.flags.contains(&Flag::ElectionOverdue));
}

#[test]
fn r7_a_term_ending_in_six_months_is_due_soon_and_a_day_later_is_not() {
    assert!(
        decide(&branch_elected("2024-05-25"))
            .flags
            .contains(&Flag::ElectionDueSoon)
    );
    let d = decide(&branch_elected("2024-05-26"));
    assert!(!d.flags.contains(&Flag::ElectionDueSoon) && !d.flags.contains(&Flag::ElectionOverdue));
}

#[test]
fn r7_a_committee_has_five_year_terms_and_without_dates_there_is_no_flag() {
    let o = Organization {
        party_org: PartyOrg::Committee,
        last_election_on: Some(day("2022-01-01")),
        ..org(100)
    };
    assert!(!decide(&o).flags.contains(&Flag::ElectionOverdue));
    let o = Organization {
        party_org: PartyOrg::Branch,
        ..org(4)
    };
    let d = decide(&o);
    assert!(!d.flags.contains(&Flag::ElectionOverdue) && !d.flags.contains(&Flag::ReportOverdue));
    // Without an election the founding date starts the term.
    let o = Organization {
        party_org: PartyOrg::Branch,
        party_org_established_on: Some(day("2020-01-01")),
        ..org(4)
    };
    assert!(decide(&o).flags.contains(&Flag::ElectionOverdue));
}

#[test]
fn r8_a_deregistered_organization_has_no_decision_and_its_party_org_is_dissolved() {
    let o = Organization {
        status: Status::Deregistered,
        party_org: PartyOrg::Branch,
        ..org(5)
    };
    let d = decide(&o);
    assert_eq!(d.recommendation, None);
    assert_eq!(d.coverage, None);
    assert_eq!(d.flags, [Flag::DissolvePartyOrg]);
    assert_eq!(rules(&d), ["R8"]);
    let o = Organization {
        status: Status::Changed,
        party_org: PartyOrg::Branch,
        ..org(5)
    };
    let d = decide(&o);
    assert!(d.flags.contains(&Flag::DissolvePartyOrg));
    assert_eq!(
        d.recommendation,
        Some(Recommendation::OwnBranch),
        "a changed organization still operates"
    );
}

#[test]
fn r9_three_hundred_staff_make_a_key_contact() {
    let o = Organization {
        staff: Some(299),
        ..org(0)
    };
    assert!(!decide(&o).flags.contains(&Flag::KeyContact));
    let o = Organization {
        staff: Some(300),
        ..org(0)
    };
    let d = decide(&o);
    assert!(d.flags.contains(&Flag::KeyContact));
    assert!(
        d.reasons
            .iter()
            .any(|r| r.rule == "R9" && r.clause.contains("第七条"))
    );
}

#[test]
fn r10_a_report_more_than_a_year_ago_is_overdue() {
    let report = |on: &str| Organization {
        party_org: PartyOrg::Branch,
        last_election_on: Some(day("2026-01-01")),
        last_report_on: Some(day(on)),
        ..org(4)
    };
    assert!(
        decide(&report("2025-11-24"))
            .flags
            .contains(&Flag::ReportOverdue)
    );
    assert!(
        !decide(&report("2025-11-25"))
            .flags
            .contains(&Flag::ReportOverdue)
    );
}

#[test]
fn should_build_not_built_is_three_formal_members_without_an_own_organization() {
    assert!(decide(&org(3)).flags.contains(&Flag::ShouldBuildNotBuilt));
    let o = Organization {
        party_org: PartyOrg::Branch,
        ..org(3)
    };
    assert!(!decide(&o).flags.contains(&Flag::ShouldBuildNotBuilt));
    let o = Organization {
        party_org: PartyOrg::JointRegional,
        ..org(3)
    };
    assert!(decide(&o).flags.contains(&Flag::ShouldBuildNotBuilt));
}

#[test]
fn working_days_skip_weekends() {
    assert_eq!(add_working_days(day("2026-11-27"), 1), day("2026-11-30"));
    assert_eq!(add_working_days(day("2026-11-27"), 5), day("2026-12-04"));
}

#[test]
fn r4_r5_an_organization_without_a_location_is_no_grouping_candidate_and_its_reason_says_why() {
    let (policy, context) = (Policy::default(), RegistryContext::default());
    let assessor = default_assessor(&policy, &context);
    let located = org(1);
    assert!(assessor.is_grouping_candidate(&located));
    let unlocated = Organization {
        location: None,
        ..org(1)
    };
    assert!(
        !assessor.is_grouping_candidate(&unlocated),
        "R4 measures from the point"
    );
    let d = decide(&unlocated);
    assert_eq!(d.recommendation, Some(Recommendation::Instructor));
    let r5 = d.reasons.iter().find(|r| r.rule == "R5").expect("R5");
    assert!(
        r5.text_in(crate::domain::lang::Lang::Zh)
            .contains("位置未知")
    );
    assert!(
        r5.text_in(crate::domain::lang::Lang::En)
            .contains("location unknown")
    );
    // A located one left to R5 says nothing of a location, nor one R4 would never take.
    let plain = decide(&located);
    let text = plain.reasons.iter().find(|r| r.rule == "R5").unwrap();
    assert!(
        !text
            .text_in(crate::domain::lang::Lang::Zh)
            .contains("位置未知")
    );
    let in_a_branch = decide(&Organization {
        location: None,
        party_org: PartyOrg::JointRegional,
        ..org(1)
    });
    assert!(in_a_branch.reasons.iter().all(|r| r.rule != "R5"));
}
