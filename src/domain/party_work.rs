//! Recording party work on an organization: a party organization founded or dissolved, an
//! election held, a secretary's report, an instructor assigned or removed. Each record is
//! a pure change of the organization, checked against what it already holds, so the rules
//! (R7 terms, R10 reports, coverage) read consistent dates.

use chrono::NaiveDate;

use super::decision::{has_own_party_org, operates};
use super::error::{FieldError, ValidationErrors};
use super::organization::{Organization, PartyOrg, field_label_zh};

/// One piece of party work to record.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A party organization of `form` founded on the date (for joint forms, the same record
    /// goes to every member organization).
    Founded {
        form: PartyOrg,
        on: NaiveDate,
    },
    /// The party organization dissolved (after a deregistration, R8): the organization
    /// is in none any more; its earlier dates stay in the history.
    Dissolved,
    /// An election (换届) held on the date (R7).
    Election {
        on: NaiveDate,
    },
    /// The secretary's yearly report (述职) made on the date (R10).
    Report {
        on: NaiveDate,
    },
    /// An instructor or liaison assigned (work coverage), by name.
    InstructorAssigned {
        name: String,
    },
    InstructorRemoved,
}

impl Record {
    /// The audit action this record is logged under.
    pub fn action(&self) -> &'static str {
        match self {
            Record::Founded { .. } => "record_party_org",
            Record::Dissolved => "dissolve_party_org",
            Record::Election { .. } => "record_election",
            Record::Report { .. } => "record_report",
            Record::InstructorAssigned { .. } => "assign_instructor",
            Record::InstructorRemoved => "remove_instructor",
        }
    }
}

fn refuse(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> ValidationErrors {
    ValidationErrors(vec![FieldError::new(field, zh, en)])
}

/// The longest instructor's name the registry keeps, in characters.
pub const INSTRUCTOR_MAX_CHARS: usize = 50;

// Each rule below is one message, used both when a record is made on a form or through
// the API ([`apply`]) and when a whole organization arrives with its party work already
// filled in (a registration, a change, an import row: [`check_recorded`]), so that every
// door refuses the same thing with the same words.

fn in_future(field: &'static str, on: NaiveDate, today: NaiveDate) -> Option<FieldError> {
    (on > today).then(|| {
        FieldError::new(
            field,
            format!("日期 {on} 晚于今天（{today}），只能记录已发生的事"),
            format!("{on} is after today ({today}): only what has happened can be recorded"),
        )
    })
}

fn founded_before_registration(on: NaiveDate, org: &Organization) -> Option<FieldError> {
    let registered = org.registered_on?;
    (on < registered).then(|| {
        FieldError::new(
            "party_org_established_on",
            format!("成立日期 {on} 早于该组织登记日期 {registered}"),
            format!("{on} is before the organization registered ({registered})"),
        )
    })
}

/// Why a party organization without its founding date cannot be recorded.
pub fn founding_date_missing() -> FieldError {
    FieldError::new(
        "party_org_established_on",
        "记录党组织时请填写其成立日期（任期和述职从成立起算，R7、R10）",
        "give the date the party organization was founded (terms and reports count from it, R7 and R10)",
    )
}

fn election_without_own_party_org() -> FieldError {
    FieldError::new(
        "last_election_on",
        "只有单独建立的党组织（党委、党总支、党支部）记录换届",
        "elections are recorded for an organization's own party organization (committee, general branch, branch)",
    )
}

fn election_before_founding(on: NaiveDate, founded: Option<NaiveDate>) -> Option<FieldError> {
    let founded = founded?;
    (on < founded).then(|| {
        FieldError::new(
            "last_election_on",
            format!("换届日期 {on} 早于党组织成立日期 {founded}"),
            format!("{on} is before the party organization was founded ({founded})"),
        )
    })
}

fn report_without_party_org() -> FieldError {
    FieldError::new(
        "last_report_on",
        "该组织没有记录党组织，无从述职",
        "no party organization is recorded, so there is no secretary to report",
    )
}

fn report_before_founding(on: NaiveDate, founded: Option<NaiveDate>) -> Option<FieldError> {
    let founded = founded?;
    (on < founded).then(|| {
        FieldError::new(
            "last_report_on",
            format!("述职日期 {on} 早于党组织成立日期 {founded}"),
            format!("{on} is before the party organization was founded ({founded})"),
        )
    })
}

/// Why an organization recorded as a member of a joint party organization cannot be
/// recorded on its own: the members are the other organizations of the same record.
pub fn joint_without_members() -> FieldError {
    FieldError::new(
        "members",
        "联合党组织至少要有另一个成员单位：请勾选或填写其统一社会信用代码",
        "a joint organization has at least one other member: tick one or type its credit code",
    )
}

/// Why an own party organization takes no members.
pub fn own_with_members() -> FieldError {
    FieldError::new(
        "members",
        "单独组建的党组织没有其他成员单位：请选择联合党组织的形式，或去掉勾选",
        "an own party organization has no other member organizations: choose a joint form, or untick them",
    )
}

/// Whether a party organization of this form is joint (several organizations, R3/R4).
pub fn is_joint(form: PartyOrg) -> bool {
    matches!(form, PartyOrg::JointRegional | PartyOrg::JointIndustry)
}

/// Whether two versions of an organization differ in their party work (the fields the
/// organization department records).
pub fn party_work_differs(before: &Organization, after: &Organization) -> bool {
    before.party_org != after.party_org
        || before.party_org_established_on != after.party_org_established_on
        || before.last_election_on != after.last_election_on
        || before.last_report_on != after.last_report_on
        || before.instructor != after.instructor
}

/// Checks the party work an organization arrives with (a registration, a change of its
/// fields, an import row) against the same rules a record made on its page meets: a
/// party organization has a founding date, not after today nor before the registration;
/// elections are held by own organizations, reports by any, neither before the founding
/// nor after today; with no party organization there are no such dates. All the fields
/// that break a rule are named.
pub fn check_recorded(org: &Organization, today: NaiveDate) -> Result<(), ValidationErrors> {
    let mut errors = Vec::new();
    let founded = org.party_org_established_on;
    if org.party_org == PartyOrg::None {
        let dated = [
            ("party_org_established_on", founded),
            ("last_election_on", org.last_election_on),
            ("last_report_on", org.last_report_on),
        ];
        for (field, _) in dated.iter().filter(|(_, d)| d.is_some()) {
            errors.push(FieldError::new(
                field,
                format!(
                    "党组织形式为“无”，不能填写“{}”：请先填写党组织形式",
                    field_label_zh(field)
                ),
                format!("no party organization is recorded, so there is no {field}: give the party organization first"),
            ));
        }
    } else {
        match founded {
            None => errors.push(founding_date_missing()),
            Some(on) => errors.extend(
                in_future("party_org_established_on", on, today)
                    .or_else(|| founded_before_registration(on, org)),
            ),
        }
        if let Some(on) = org.last_election_on {
            if !has_own_party_org(org) {
                errors.push(election_without_own_party_org());
            } else {
                errors.extend(
                    in_future("last_election_on", on, today)
                        .or_else(|| election_before_founding(on, founded)),
                );
            }
        }
        if let Some(on) = org.last_report_on {
            errors.extend(
                in_future("last_report_on", on, today)
                    .or_else(|| report_before_founding(on, founded)),
            );
        }
    }
    if let Some(name) = &org.instructor
        && let Err(e) = instructor_name(name)
    {
        errors.push(e);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors(errors))
    }
}

/// An instructor's name as kept: trimmed, present, not too long.
fn instructor_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(FieldError::new(
            "instructor",
            "请填写指导员姓名",
            "give the instructor's name",
        ));
    }
    if name.chars().count() > INSTRUCTOR_MAX_CHARS {
        return Err(FieldError::new(
            "instructor",
            format!("姓名过长（最多{INSTRUCTOR_MAX_CHARS}字）"),
            format!("the name is too long (at most {INSTRUCTOR_MAX_CHARS} characters)"),
        ));
    }
    Ok(name.to_owned())
}

/// The organization with `record` applied, judged on `today`; or why it cannot be.
pub fn apply(
    org: &Organization,
    record: &Record,
    today: NaiveDate,
) -> Result<Organization, ValidationErrors> {
    let mut out = org.clone();
    let fail = |e: FieldError| Err(ValidationErrors(vec![e]));
    match record {
        Record::Founded { form, on } => {
            if *form == PartyOrg::None {
                return Err(refuse(
                    "party_org",
                    "请选择所建党组织的形式",
                    "choose the form of the party organization founded",
                ));
            }
            if !operates(org) {
                return Err(refuse(
                    "party_org",
                    format!("该组织状态为“{}”，不能新建党组织", org.status.label_zh()),
                    format!(
                        "the organization is {}: no party organization can be founded",
                        org.status.as_str()
                    ),
                ));
            }
            if let Some(e) = in_future("party_org_established_on", *on, today)
                .or_else(|| founded_before_registration(*on, org))
            {
                return fail(e);
            }
            out.party_org = *form;
            out.party_org_established_on = Some(*on);
            // A new organization starts a new term and report year (R7, R10 count from
            // its founding), so the dates of an earlier one do not carry over.
            out.last_election_on = None;
            out.last_report_on = None;
        }
        Record::Dissolved => {
            if org.party_org == PartyOrg::None {
                return Err(refuse(
                    "party_org",
                    "该组织没有记录党组织，无需撤销",
                    "no party organization is recorded, so none can be dissolved",
                ));
            }
            out.party_org = PartyOrg::None;
            out.party_org_established_on = None;
            out.last_election_on = None;
            out.last_report_on = None;
        }
        Record::Election { on } => {
            if !has_own_party_org(org) {
                return fail(election_without_own_party_org());
            }
            if let Some(e) = in_future("last_election_on", *on, today)
                .or_else(|| election_before_founding(*on, org.party_org_established_on))
            {
                return fail(e);
            }
            out.last_election_on = Some(*on);
        }
        Record::Report { on } => {
            if org.party_org == PartyOrg::None {
                return fail(report_without_party_org());
            }
            if let Some(e) = in_future("last_report_on", *on, today)
                .or_else(|| report_before_founding(*on, org.party_org_established_on))
            {
                return fail(e);
            }
            out.last_report_on = Some(*on);
        }
        Record::InstructorAssigned { name } => {
            out.instructor = Some(instructor_name(name).map_err(|e| ValidationErrors(vec![e]))?);
        }
        Record::InstructorRemoved => {
            if org.instructor.is_none() {
                return Err(refuse(
                    "instructor",
                    "该组织没有指导员",
                    "no instructor is assigned",
                ));
            }
            out.instructor = None;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::decision::Coverage;
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
        let e = apply(&org(5), &record, day(TODAY)).unwrap_err();
        assert_eq!(e.first().field, "party_org_established_on");
        let e = apply(
            &org(5),
            &Record::Founded {
                form: PartyOrg::None,
                on: day(TODAY),
            },
            day(TODAY),
        )
        .unwrap_err();
        assert_eq!(e.first().field, "party_org");
    }

    #[test]
    fn a_deregistered_organization_founds_nothing_but_may_dissolve_r8() {
        let mut gone = org(5);
        gone.status = Status::Deregistered;
        let founded = Record::Founded {
            form: PartyOrg::Branch,
            on: day(TODAY),
        };
        assert!(apply(&gone, &founded, day(TODAY)).is_err());
        gone.party_org = PartyOrg::Branch;
        gone.party_org_established_on = Some(day("2020-05-01"));
        let after = apply(&gone, &Record::Dissolved, day(TODAY)).unwrap();
        assert_eq!(after.party_org, PartyOrg::None);
        assert_eq!(after.party_org_established_on, None);
        assert!(apply(&after, &Record::Dissolved, day(TODAY)).is_err());
    }

    #[test]
    fn elections_r7_need_an_own_organization_and_follow_its_founding() {
        let mut branch = org(5);
        assert_eq!(
            apply(&branch, &Record::Election { on: day(TODAY) }, day(TODAY))
                .unwrap_err()
                .first()
                .field,
            "last_election_on"
        );
        branch.party_org = PartyOrg::Branch;
        branch.party_org_established_on = Some(day("2024-03-01"));
        assert!(
            apply(
                &branch,
                &Record::Election {
                    on: day("2024-02-28")
                },
                day(TODAY)
            )
            .is_err()
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
        assert!(apply(&joint, &Record::Report { on: day(TODAY) }, day(TODAY)).is_err());
        joint.party_org = PartyOrg::JointRegional;
        let after = apply(&joint, &Record::Report { on: day(TODAY) }, day(TODAY)).unwrap();
        assert_eq!(after.last_report_on, Some(day(TODAY)));
    }

    #[test]
    fn a_record_arriving_whole_meets_the_rules_of_the_record_forms() {
        // R7/R10 count from the founding: a party organization has one, elections and
        // reports follow it and none lies in the future; without a party organization
        // there are no such dates.
        let today = day(TODAY);
        let mut branch = org(5);
        branch.party_org = PartyOrg::Branch;
        assert_eq!(
            check_recorded(&branch, today).unwrap_err().first().field,
            "party_org_established_on"
        );
        branch.party_org_established_on = Some(day("2021-05-01"));
        assert!(check_recorded(&branch, today).is_ok());
        for (field, bad) in [
            ("last_election_on", "1900-01-01"),
            ("last_election_on", "2999-12-31"),
            ("last_report_on", "2999-12-31"),
            ("last_report_on", "2020-01-01"),
        ] {
            let mut o = branch.clone();
            match field {
                "last_election_on" => o.last_election_on = Some(day(bad)),
                _ => o.last_report_on = Some(day(bad)),
            }
            assert_eq!(
                check_recorded(&o, today).unwrap_err().first().field,
                field,
                "{bad}"
            );
        }
        let mut joint = branch.clone();
        joint.party_org = PartyOrg::JointRegional;
        joint.last_election_on = Some(day("2024-01-01"));
        assert_eq!(
            check_recorded(&joint, today).unwrap_err().first().field,
            "last_election_on",
            "elections are for own organizations"
        );
        let mut none = branch.clone();
        none.party_org = PartyOrg::None;
        none.last_report_on = Some(day("2024-01-01"));
        let errors = check_recorded(&none, today).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["party_org_established_on", "last_report_on"]);
        let mut registered_later = branch.clone();
        registered_later.registered_on = Some(day("2022-01-01"));
        assert!(check_recorded(&registered_later, today).is_err());
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
        assert!(
            apply(
                &before,
                &Record::InstructorAssigned { name: "  ".into() },
                day(TODAY)
            )
            .is_err()
        );
        let without = apply(&with, &Record::InstructorRemoved, day(TODAY)).unwrap();
        assert_eq!(Coverage::of(&without), Coverage::Uncovered);
    }
}
