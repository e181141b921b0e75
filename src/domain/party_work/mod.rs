//! Recording party work on an organization: a party organization founded or dissolved, an
//! election held, a secretary's report, an instructor assigned or removed. Each record is
//! a pure change of the organization, checked against what it already holds, so the rules
//! (R7 terms, R10 reports, coverage) read consistent dates.

use chrono::NaiveDate;

use super::decision::{has_own_party_org, operates};
use super::organization::{Organization, PartyOrg};

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

/// The longest instructor's name the registry keeps, in characters.
pub const INSTRUCTOR_MAX_CHARS: usize = 50;

// Each rule below is one error, met both when a record is made on a form or through the
// API ([`apply`]) and when a whole organization arrives with its party work already filled
// in (a registration, a change, an import row: [`check_recorded`]), so that every door
// refuses the same thing with the same words.

fn in_future(date: PartyWorkDate, on: NaiveDate, today: NaiveDate) -> Option<PartyWorkError> {
    (on > today).then_some(PartyWorkError::InFuture { date, on, today })
}

fn founded_before_registration(on: NaiveDate, org: &Organization) -> Option<PartyWorkError> {
    let registered = org.registered_on?;
    (on < registered).then_some(PartyWorkError::FoundedBeforeRegistration { on, registered })
}

fn before_founding(
    date: PartyWorkDate,
    on: NaiveDate,
    founded: Option<NaiveDate>,
) -> Option<PartyWorkError> {
    let founded = founded?;
    (on < founded).then_some(PartyWorkError::BeforeFounding { date, on, founded })
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
/// nor after today; with no party organization there are no such dates. Every broken rule
/// is returned, in field order.
pub fn check_recorded(org: &Organization, today: NaiveDate) -> Result<(), Vec<PartyWorkError>> {
    use PartyWorkDate::{Election, Founding, Report};
    let mut errors = Vec::new();
    let founded = org.party_org_established_on;
    if org.party_org == PartyOrg::None {
        let dated = [
            (Founding, founded),
            (Election, org.last_election_on),
            (Report, org.last_report_on),
        ];
        for (date, _) in dated.iter().filter(|(_, d)| d.is_some()) {
            errors.push(PartyWorkError::DateWithoutPartyOrg { date: *date });
        }
    } else {
        match founded {
            None => errors.push(PartyWorkError::FoundingDateMissing),
            Some(on) => errors.extend(
                in_future(Founding, on, today).or_else(|| founded_before_registration(on, org)),
            ),
        }
        if let Some(on) = org.last_election_on {
            if !has_own_party_org(org) {
                errors.push(PartyWorkError::ElectionWithoutOwnPartyOrg);
            } else {
                errors.extend(
                    in_future(Election, on, today)
                        .or_else(|| before_founding(Election, on, founded)),
                );
            }
        }
        if let Some(on) = org.last_report_on {
            errors.extend(
                in_future(Report, on, today).or_else(|| before_founding(Report, on, founded)),
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
        Err(errors)
    }
}

/// An instructor's name as kept: trimmed, present, not too long.
fn instructor_name(name: &str) -> Result<String, PartyWorkError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(PartyWorkError::InstructorNameMissing);
    }
    let chars = name.chars().count();
    if chars > INSTRUCTOR_MAX_CHARS {
        return Err(PartyWorkError::InstructorNameTooLong { chars });
    }
    // The rules of every text field (formats.md), as a registration's instructor has them.
    if let Some(c) = name
        .chars()
        .find(|&c| c.is_control() || crate::domain::organization::is_hidden(c))
    {
        return Err(PartyWorkError::InstructorNameUnprintable {
            code: format!("U+{:04X}", u32::from(c)),
        });
    }
    Ok(name.to_owned())
}

/// Whether the members named with a record of `form` fit it: a joint organization has
/// at least one other member, an own one none.
pub fn check_members(form: PartyOrg, members: usize) -> Result<(), PartyWorkError> {
    match (is_joint(form), members) {
        (true, 0) => Err(PartyWorkError::JointWithoutMembers),
        (false, 1..) => Err(PartyWorkError::OwnWithMembers),
        _ => Ok(()),
    }
}

/// The organization with `record` applied, judged on `today`; or why it cannot be.
pub fn apply(
    org: &Organization,
    record: &Record,
    today: NaiveDate,
) -> Result<Organization, PartyWorkError> {
    use PartyWorkDate::{Election, Founding, Report};
    let mut out = org.clone();
    match record {
        Record::Founded { form, on } => {
            if *form == PartyOrg::None {
                return Err(PartyWorkError::FormMissing);
            }
            if !operates(org) {
                return Err(PartyWorkError::NotOperating { status: org.status });
            }
            if let Some(e) =
                in_future(Founding, *on, today).or_else(|| founded_before_registration(*on, org))
            {
                return Err(e);
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
                return Err(PartyWorkError::NothingToDissolve);
            }
            out.party_org = PartyOrg::None;
            out.party_org_established_on = None;
            out.last_election_on = None;
            out.last_report_on = None;
        }
        Record::Election { on } => {
            if !has_own_party_org(org) {
                return Err(PartyWorkError::ElectionWithoutOwnPartyOrg);
            }
            if let Some(e) = in_future(Election, *on, today)
                .or_else(|| before_founding(Election, *on, org.party_org_established_on))
            {
                return Err(e);
            }
            out.last_election_on = Some(*on);
        }
        Record::Report { on } => {
            if org.party_org == PartyOrg::None {
                return Err(PartyWorkError::ReportWithoutPartyOrg);
            }
            if let Some(e) = in_future(Report, *on, today)
                .or_else(|| before_founding(Report, *on, org.party_org_established_on))
            {
                return Err(e);
            }
            out.last_report_on = Some(*on);
        }
        Record::InstructorAssigned { name } => {
            out.instructor = Some(instructor_name(name)?);
        }
        Record::InstructorRemoved => {
            if org.instructor.is_none() {
                return Err(PartyWorkError::NoInstructor);
            }
            out.instructor = None;
        }
    }
    Ok(out)
}

mod error;
#[cfg(test)]
mod tests;

pub use error::{PartyWorkDate, PartyWorkError};
