use super::*;
use crate::domain::decision::Coverage;
use crate::domain::error::FieldError;
use crate::domain::organization::Status;
use crate::domain::testing::org;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const TODAY: &str = "2026-11-25";

#[test]
fn founding_an_own_branch_makes_it_covered_and_starts_its_term() {
    // Domain 5: an own party organization is organizational coverage; R7 counts the
    // term from the founding when no election is recorded.
    let mut before = org(5);
    before.last_election_on = Some(day("2020-01-01"));
    let record = Record::Founded {
        form: PartyOrg::Branch,
        on: day("2026-11-20"),
    };
    let after = apply(&before, &record, day(TODAY)).unwrap();
    assert_eq!(after.party_org, PartyOrg::Branch);
    assert_eq!(after.party_org_established_on, Some(day("2026-11-20")));
    assert_eq!(after.last_election_on, None);
    assert_eq!(Coverage::of(&after), Coverage::Own);
}

#[test]
fn nothing_is_recorded_for_tomorrow() {
    let record = Record::Founded {
        form: PartyOrg::Branch,
        on: day("2026-11-26"),
    };
    assert_eq!(
        apply(&org(5), &record, day(TODAY)),
        Err(PartyWorkError::InFuture {
            date: PartyWorkDate::Founding,
            on: day("2026-11-26"),
            today: day(TODAY)
        })
    );
    let no_form = Record::Founded {
        form: PartyOrg::None,
        on: day(TODAY),
    };
    assert_eq!(
        apply(&org(5), &no_form, day(TODAY)),
        Err(PartyWorkError::FormMissing)
    );
}

#[test]
fn a_deregistered_organization_founds_nothing_but_may_dissolve_r8() {
    let mut gone = org(5);
    gone.status = Status::Deregistered;
    let founded = Record::Founded {
        form: PartyOrg::Branch,
        on: day(TODAY),
    };
    assert_eq!(
        apply(&gone, &founded, day(TODAY)),
        Err(PartyWorkError::NotOperating {
            status: Status::Deregistered
        })
    );
    gone.party_org = PartyOrg::Branch;
    gone.party_org_established_on = Some(day("2020-05-01"));
    let after = apply(&gone, &Record::Dissolved, day(TODAY)).unwrap();
    assert_eq!(after.party_org, PartyOrg::None);
    assert_eq!(after.party_org_established_on, None);
    assert_eq!(
        apply(&after, &Record::Dissolved, day(TODAY)),
        Err(PartyWorkError::NothingToDissolve)
    );
}

#[test]
fn elections_r7_need_an_own_organization_and_follow_its_founding() {
    let mut branch = org(5);
    assert_eq!(
        apply(&branch, &Record::Election { on: day(TODAY) }, day(TODAY)),
        Err(PartyWorkError::ElectionWithoutOwnPartyOrg)
    );
    branch.party_org = PartyOrg::Branch;
    branch.party_org_established_on = Some(day("2024-03-01"));
    assert_eq!(
        apply(
            &branch,
            &Record::Election {
                on: day("2024-02-28")
            },
            day(TODAY)
        ),
        Err(PartyWorkError::BeforeFounding {
            date: PartyWorkDate::Election,
            on: day("2024-02-28"),
            founded: day("2024-03-01")
        })
    );
    let after = apply(
        &branch,
        &Record::Election {
            on: day("2026-03-01"),
        },
        day(TODAY),
    )
    .unwrap();
    assert_eq!(after.last_election_on, Some(day("2026-03-01")));
}

#[test]
fn reports_r10_need_a_party_organization() {
    let mut joint = org(1);
    assert_eq!(
        apply(&joint, &Record::Report { on: day(TODAY) }, day(TODAY)),
        Err(PartyWorkError::ReportWithoutPartyOrg)
    );
    joint.party_org = PartyOrg::JointRegional;
    let after = apply(&joint, &Record::Report { on: day(TODAY) }, day(TODAY)).unwrap();
    assert_eq!(after.last_report_on, Some(day(TODAY)));
}

#[test]
fn a_record_arriving_whole_meets_the_rules_of_the_record_forms() {
    // R7/R10 count from the founding: a party organization has one, elections and
    // reports follow it and none lies in the future; without a party organization
    // there are no such dates.
    use PartyWorkDate::{Election, Founding, Report};
    let today = day(TODAY);
    let mut branch = org(5);
    branch.party_org = PartyOrg::Branch;
    assert_eq!(
        check_recorded(&branch, today),
        Err(vec![PartyWorkError::FoundingDateMissing])
    );
    branch.party_org_established_on = Some(day("2021-05-01"));
    assert!(check_recorded(&branch, today).is_ok());
    let founded = day("2021-05-01");
    for (date, bad, expected) in [
        (
            Election,
            "1900-01-01",
            PartyWorkError::BeforeFounding {
                date: Election,
                on: day("1900-01-01"),
                founded,
            },
        ),
        (
            Election,
            "2999-12-31",
            PartyWorkError::InFuture {
                date: Election,
                on: day("2999-12-31"),
                today,
            },
        ),
        (
            Report,
            "2999-12-31",
            PartyWorkError::InFuture {
                date: Report,
                on: day("2999-12-31"),
                today,
            },
        ),
        (
            Report,
            "2020-01-01",
            PartyWorkError::BeforeFounding {
                date: Report,
                on: day("2020-01-01"),
                founded,
            },
        ),
    ] {
        let mut o = branch.clone();
        match date {
            Election => o.last_election_on = Some(day(bad)),
            _ => o.last_report_on = Some(day(bad)),
        }
        assert_eq!(check_recorded(&o, today), Err(vec![expected]), "{bad}");
    }
    let mut joint = branch.clone();
    joint.party_org = PartyOrg::JointRegional;
    joint.last_election_on = Some(day("2024-01-01"));
    assert_eq!(
        check_recorded(&joint, today),
        Err(vec![PartyWorkError::ElectionWithoutOwnPartyOrg]),
        "elections are for own organizations"
    );
    let mut none = branch.clone();
    none.party_org = PartyOrg::None;
    none.last_report_on = Some(day("2024-01-01"));
    assert_eq!(
        check_recorded(&none, today),
        Err(vec![
            PartyWorkError::DateWithoutPartyOrg { date: Founding },
            PartyWorkError::DateWithoutPartyOrg { date: Report },
        ])
    );
    let mut registered_later = branch.clone();
    registered_later.registered_on = Some(day("2022-01-01"));
    assert_eq!(
        check_recorded(&registered_later, today),
        Err(vec![PartyWorkError::FoundedBeforeRegistration {
            on: founded,
            registered: day("2022-01-01")
        }])
    );
}

#[test]
fn joint_forms_take_other_members_and_own_forms_none() {
    // R3/R4: a joint party organization is made by several organizations.
    assert_eq!(
        check_members(PartyOrg::JointRegional, 0),
        Err(PartyWorkError::JointWithoutMembers)
    );
    assert_eq!(check_members(PartyOrg::JointIndustry, 2), Ok(()));
    assert_eq!(
        check_members(PartyOrg::Branch, 1),
        Err(PartyWorkError::OwnWithMembers)
    );
    assert_eq!(check_members(PartyOrg::Committee, 0), Ok(()));
}

#[test]
fn an_instructor_gives_work_coverage_and_removing_takes_it_away() {
    // Domain 5: work coverage is organizational coverage or an instructor assigned.
    let before = org(0);
    assert_eq!(Coverage::of(&before), Coverage::Uncovered);
    let with = apply(
        &before,
        &Record::InstructorAssigned {
            name: " 张三 ".into(),
        },
        day(TODAY),
    )
    .unwrap();
    assert_eq!(with.instructor.as_deref(), Some("张三"));
    assert_eq!(Coverage::of(&with), Coverage::Instructor);
    let blank = Record::InstructorAssigned { name: "  ".into() };
    assert_eq!(
        apply(&before, &blank, day(TODAY)),
        Err(PartyWorkError::InstructorNameMissing)
    );
    let long = Record::InstructorAssigned {
        name: "名".repeat(INSTRUCTOR_MAX_CHARS + 1),
    };
    assert_eq!(
        apply(&before, &long, day(TODAY)),
        Err(PartyWorkError::InstructorNameTooLong {
            chars: INSTRUCTOR_MAX_CHARS + 1
        })
    );
    let without = apply(&with, &Record::InstructorRemoved, day(TODAY)).unwrap();
    assert_eq!(Coverage::of(&without), Coverage::Uncovered);
    assert_eq!(
        apply(&without, &Record::InstructorRemoved, day(TODAY)),
        Err(PartyWorkError::NoInstructor)
    );
}

#[test]
fn every_error_is_shown_beside_its_field_in_both_languages() {
    let e = FieldError::from(PartyWorkError::DateWithoutPartyOrg {
        date: PartyWorkDate::Election,
    });
    assert_eq!(e.field, "last_election_on");
    assert!(e.zh.contains("党组织形式为“无”") && !e.en.is_empty());
    let e = FieldError::from(PartyWorkError::BeforeFounding {
        date: PartyWorkDate::Report,
        on: day("2020-01-01"),
        founded: day("2021-05-01"),
    });
    assert_eq!(e.field, "last_report_on");
    assert!(e.zh.starts_with("述职日期 2020-01-01"));
}
