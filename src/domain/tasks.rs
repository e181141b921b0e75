//! The to-do lists of party-building work, each drawn from the flags of the decisions
//! (domain.md 3) and each entry with the body responsible for it (domain.md 4, clause 6).
//! A list is never stored: an entry is there while its rule holds, and leaves when the
//! work is recorded (a branch founded, an election held), so lists cannot go stale.

use chrono::{Months, NaiveDate};

use super::decision::{Decision, Detail, Flag, Reason};
use super::division::name_chain;
use super::lang::Lang;
use super::organization::{Kind, Level, Organization};

/// One to-do list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskList {
    /// R6: found the party organization together with the registration.
    Establish,
    /// F >= 3 and no own party organization (domain.md 5).
    ShouldBuild,
    /// R7: the term has ended.
    ElectionOverdue,
    /// R7: the term ends within the due-soon window.
    ElectionDueSoon,
    /// R10: no yearly report for more than the interval.
    ReportOverdue,
    /// R8: changed, merged or deregistered with a party organization.
    Dissolve,
    /// R9: large organizations the organization department keeps in contact with.
    KeyContact,
    /// What a clerk should verify about an accepted record (a division found from the
    /// address, a code not in the register, a credit code of another province): not a
    /// rule's work but the registry's, listed so that it is done.
    Verify,
    /// Operating organizations whose record has no point: counted in no hexagon and in no
    /// regional group until a clerk records where they are.
    Locate,
}

impl TaskList {
    pub const ALL: [TaskList; 9] = [
        TaskList::Establish,
        TaskList::ShouldBuild,
        TaskList::ElectionOverdue,
        TaskList::ElectionDueSoon,
        TaskList::ReportOverdue,
        TaskList::Dissolve,
        TaskList::KeyContact,
        TaskList::Verify,
        TaskList::Locate,
    ];

    /// The flag of formats.md that puts an organization on this list; none for the
    /// registry's own checks (the record's doubts, a missing location), which its fields
    /// alone decide ([`Self::may_hold`]).
    pub fn flag(self) -> Option<Flag> {
        Some(match self {
            TaskList::Establish => Flag::EstablishWithRegistration,
            TaskList::ShouldBuild => Flag::ShouldBuildNotBuilt,
            TaskList::ElectionOverdue => Flag::ElectionOverdue,
            TaskList::ElectionDueSoon => Flag::ElectionDueSoon,
            TaskList::ReportOverdue => Flag::ReportOverdue,
            TaskList::Dissolve => Flag::DissolvePartyOrg,
            TaskList::KeyContact => Flag::KeyContact,
            TaskList::Verify | TaskList::Locate => return None,
        })
    }

    /// The rule whose reason explains an entry.
    pub fn rule(self) -> &'static str {
        match self {
            TaskList::Establish => "R6",
            TaskList::ShouldBuild => "R1",
            TaskList::ElectionOverdue | TaskList::ElectionDueSoon => "R7",
            TaskList::ReportOverdue => "R10",
            TaskList::Dissolve => "R8",
            TaskList::KeyContact => "R9",
            TaskList::Verify | TaskList::Locate => "",
        }
    }

    /// The name in a URL (`/tasks?list=establish`).
    pub fn key(self) -> &'static str {
        match self {
            TaskList::Establish => "establish",
            TaskList::ShouldBuild => "should_build",
            TaskList::ElectionOverdue => "election_overdue",
            TaskList::ElectionDueSoon => "election_due_soon",
            TaskList::ReportOverdue => "report_overdue",
            TaskList::Dissolve => "dissolve",
            TaskList::KeyContact => "key_contact",
            TaskList::Verify => "verify",
            TaskList::Locate => "locate",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.key() == key)
    }

    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            TaskList::Establish => lang.pick("登记时同步建立党组织", "Found with the registration"),
            TaskList::ShouldBuild => lang.pick("应建未建", "Should build, not built"),
            TaskList::ElectionOverdue => lang.pick("应换届未换届", "Re-election overdue"),
            TaskList::ElectionDueSoon => lang.pick("即将到期换届", "Re-election due soon"),
            TaskList::ReportOverdue => lang.pick("书记逾期未述职", "Secretary's report overdue"),
            TaskList::Dissolve => lang.pick(
                "注销、变更后党组织待处理",
                "Party organization to dissolve or change",
            ),
            TaskList::KeyContact => lang.pick("重点联系", "Key contacts"),
            TaskList::Verify => lang.pick("待核实", "To verify"),
            TaskList::Locate => lang.pick("待核实位置", "Locations to verify"),
        }
    }

    /// The record that takes an organization off this list, as a path under `/orgs/{id}`.
    pub fn record_path(self) -> Option<&'static str> {
        match self {
            TaskList::Establish | TaskList::ShouldBuild | TaskList::Dissolve => Some("party-org"),
            TaskList::ElectionOverdue | TaskList::ElectionDueSoon => Some("election"),
            TaskList::ReportOverdue => Some("report"),
            TaskList::KeyContact => None,
            TaskList::Verify | TaskList::Locate => Some("edit"),
        }
    }

    /// Whether an organization could be on the list, from its own fields alone: a cheap
    /// test that spares deciding every organization of a large registry.
    pub fn may_hold(self, org: &Organization, min_formal: u32, key_contact_staff: u32) -> bool {
        use super::decision::{has_own_party_org, operates};
        use super::organization::{PartyOrg, Status};
        match self {
            TaskList::Establish | TaskList::ShouldBuild => {
                operates(org) && org.formal_members >= min_formal && !has_own_party_org(org)
            }
            TaskList::ElectionOverdue | TaskList::ElectionDueSoon | TaskList::ReportOverdue => {
                operates(org) && has_own_party_org(org)
            }
            TaskList::Dissolve => org.status != Status::Active && org.party_org != PartyOrg::None,
            TaskList::KeyContact => {
                operates(org) && org.staff.is_some_and(|s| s >= key_contact_staff)
            }
            TaskList::Verify => !super::verification::doubts(org).is_empty(),
            TaskList::Locate => operates(org) && org.location.is_none(),
        }
    }

    /// The reason that put the organization on this list.
    pub fn reason(self, decision: &Decision) -> Option<&Reason> {
        decision.reasons.iter().find(|r| match self {
            // The recommendation's own rule (R1a-R1c) says what to found.
            TaskList::ShouldBuild => r.rule.starts_with("R1") && r.rule != "R10",
            _ => r.rule == self.rule(),
        })
    }

    /// The day the work is due by, when the rule sets one.
    pub fn due(self, decision: &Decision) -> Option<NaiveDate> {
        decision
            .reasons
            .iter()
            .find_map(|r| match (&r.detail, self) {
                (Detail::Establish { due, .. }, TaskList::Establish) => Some(*due),
                (Detail::ElectionOverdue { end, .. }, TaskList::ElectionOverdue) => Some(*end),
                (Detail::ElectionDueSoon { end, .. }, TaskList::ElectionDueSoon) => Some(*end),
                (Detail::ReportOverdue { last, months }, TaskList::ReportOverdue) => {
                    last.checked_add_months(Months::new(*months))
                }
                _ => None,
            })
    }
}

/// How near a task's due day is: the colour work lists are read by (overdue red, due within
/// [`Urgency::SOON_DAYS`] yellow, else green; a task without a due day is green).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Urgency {
    Overdue,
    Soon,
    Later,
}

impl Urgency {
    pub const SOON_DAYS: i64 = 30;
    pub const ALL: [Urgency; 3] = [Urgency::Overdue, Urgency::Soon, Urgency::Later];

    pub fn of(due: Option<NaiveDate>, today: NaiveDate) -> Self {
        match due {
            Some(d) if d < today => Urgency::Overdue,
            Some(d) if (d - today).num_days() <= Self::SOON_DAYS => Urgency::Soon,
            _ => Urgency::Later,
        }
    }

    /// How many of the tasks due on `dues` are of each colour, in the order of
    /// [`Urgency::ALL`].
    pub fn counts(
        dues: impl IntoIterator<Item = Option<NaiveDate>>,
        today: NaiveDate,
    ) -> [(Urgency, usize); 3] {
        let mut counts = Self::ALL.map(|u| (u, 0));
        for due in dues {
            let u = Self::of(due, today);
            if let Some((_, n)) = counts.iter_mut().find(|(c, _)| *c == u) {
                *n += 1;
            }
        }
        counts
    }

    /// The colour's name and what it means, as users read it.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Urgency::Overdue => lang.pick("红：已逾期", "red: overdue"),
            Urgency::Soon => lang.pick("黄：30天内到期", "yellow: due within 30 days"),
            Urgency::Later => lang.pick("绿：未到期", "green: not yet due"),
        }
    }

    /// The class the pages colour it by.
    pub fn class(self) -> &'static str {
        match self {
            Urgency::Overdue => "red",
            Urgency::Soon => "yellow",
            Urgency::Later => "green",
        }
    }
}

/// The body responsible for an organization's party building (clause 6), which decides
/// whose task list its work appears on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Responsible {
    /// National organizations: the national-level organs' working committee.
    National,
    /// Community organizations: the party organization of their street or township.
    Township { code: String },
    /// An organization with a business supervisory unit: that unit's party organization
    /// leads, the party-building body of its registration level guides.
    Supervisor { unit: String, guide: String },
    /// Others: the social-organization party-building body where it registered.
    PartyBuildingBody { division: String },
}

/// The division-code prefix of the registration level's body (province, city, county).
fn registration_area(org: &Organization) -> String {
    let code = org.division_code.as_str();
    match org.level {
        Level::National => String::new(),
        Level::Provincial => code[..2].to_owned(),
        Level::Municipal => code[..4].to_owned(),
        Level::County => code[..6].to_owned(),
    }
}

impl Responsible {
    /// A text that orders entries body by body (national, townships, supervisors, then
    /// party-building bodies, each by area).
    pub fn sort_key(&self) -> String {
        match self {
            Responsible::National => "0".to_owned(),
            Responsible::Township { code } => format!("1{code}"),
            Responsible::Supervisor { unit, guide } => format!("2{guide}\u{0}{unit}"),
            Responsible::PartyBuildingBody { division } => format!("3{division}"),
        }
    }

    pub fn of(org: &Organization) -> Self {
        if org.level == Level::National {
            return Responsible::National;
        }
        if org.kind == Kind::Community {
            return Responsible::Township {
                code: org.division_code.township().to_owned(),
            };
        }
        let area = registration_area(org);
        match &org.supervisor {
            Some(unit) => Responsible::Supervisor {
                unit: unit.clone(),
                guide: area,
            },
            None => Responsible::PartyBuildingBody { division: area },
        }
    }

    /// Who, in words, with the area's names where the division register knows them.
    pub fn label(&self, lang: Lang) -> String {
        let place = |code: &str| {
            let name = name_chain(code);
            if name.is_empty() {
                code.to_owned()
            } else {
                name
            }
        };
        match (self, lang) {
            (Responsible::National, Lang::Zh) => "中央和国家机关工委（全国性社会组织）".to_owned(),
            (Responsible::National, Lang::En) => "National organs' working committee".to_owned(),
            (Responsible::Township { code }, Lang::Zh) => match name_chain(code) {
                name if name.is_empty() => format!("街道（乡镇）党组织 {code}"),
                name => format!("{name}党组织"),
            },
            (Responsible::Township { code }, Lang::En) => match name_chain(code) {
                name if name.is_empty() => format!("Street/township party organization {code}"),
                name => format!("party organization of {name}"),
            },
            (Responsible::Supervisor { unit, guide }, Lang::Zh) => {
                format!("{unit}党组织（{}社会组织党建工作机构指导）", place(guide))
            }
            (Responsible::Supervisor { unit, guide }, Lang::En) => {
                format!(
                    "party organization of {unit} (guided by the party-building body of {})",
                    place(guide)
                )
            }
            (Responsible::PartyBuildingBody { division }, Lang::Zh) => {
                format!("{}社会组织党建工作机构", place(division))
            }
            (Responsible::PartyBuildingBody { division }, Lang::En) => {
                format!(
                    "Social-organization party-building body of {}",
                    place(division)
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::decision::{Assessor, RegistryContext};
    use crate::domain::organization::PartyOrg;
    use crate::domain::policy::Policy;
    use crate::domain::testing::org;

    fn lists_of(o: &Organization, today: &str) -> Vec<TaskList> {
        let policy = Policy::default();
        let context = RegistryContext::default();
        let assessor = Assessor {
            policy: &policy,
            context: &context,
            today: today.parse().unwrap(),
        };
        let d = assessor.decide(o, None, false);
        TaskList::ALL
            .into_iter()
            .filter(|l| l.flag().is_some_and(|f| d.flags.contains(&f)))
            .inspect(|l| {
                assert!(
                    l.may_hold(o, 3, 300),
                    "{l:?} is on the list but the cheap test says no"
                )
            })
            .collect()
    }

    #[test]
    fn a_new_registration_with_three_members_is_on_the_r6_and_should_build_lists() {
        let mut o = org(3);
        o.registered_on = Some("2026-11-20".parse().unwrap());
        assert_eq!(
            lists_of(&o, "2026-11-25"),
            [TaskList::Establish, TaskList::ShouldBuild]
        );
        // Founding the branch takes it off both lists.
        o.party_org = PartyOrg::Branch;
        o.party_org_established_on = Some("2026-11-24".parse().unwrap());
        assert!(lists_of(&o, "2026-11-25").is_empty());
    }

    #[test]
    fn a_task_is_red_when_overdue_yellow_within_30_days_else_green() {
        let today: NaiveDate = "2026-12-02".parse().unwrap();
        let day = |s: &str| Some(s.parse::<NaiveDate>().unwrap());
        assert_eq!(Urgency::of(day("2026-12-01"), today), Urgency::Overdue);
        assert_eq!(Urgency::of(day("2026-12-02"), today), Urgency::Soon);
        assert_eq!(Urgency::of(day("2027-01-01"), today), Urgency::Soon);
        assert_eq!(Urgency::of(day("2027-01-02"), today), Urgency::Later);
        assert_eq!(Urgency::of(None, today), Urgency::Later);
    }

    #[test]
    fn an_ended_term_r7_and_an_old_report_r10_are_on_their_lists_with_due_dates() {
        let mut o = org(5);
        o.party_org = PartyOrg::Branch;
        o.party_org_established_on = Some("2020-01-10".parse().unwrap());
        assert_eq!(
            lists_of(&o, "2026-11-25"),
            [TaskList::ElectionOverdue, TaskList::ReportOverdue]
        );
        let policy = Policy::default();
        let context = RegistryContext::default();
        let assessor = Assessor {
            policy: &policy,
            context: &context,
            today: "2026-11-25".parse().unwrap(),
        };
        let d = assessor.decide(&o, None, false);
        assert_eq!(
            TaskList::ElectionOverdue.due(&d),
            Some("2023-01-10".parse().unwrap())
        );
        assert_eq!(
            TaskList::ReportOverdue.due(&d),
            Some("2021-01-10".parse().unwrap())
        );
    }

    #[test]
    fn a_deregistered_organization_with_a_branch_is_on_the_r8_list() {
        let mut o = org(5);
        o.party_org = PartyOrg::Branch;
        o.status = crate::domain::organization::Status::Deregistered;
        assert_eq!(lists_of(&o, "2026-11-25"), [TaskList::Dissolve]);
    }

    #[test]
    fn responsibility_follows_clause_6() {
        let mut o = org(1);
        assert_eq!(
            Responsible::of(&o),
            Responsible::PartyBuildingBody {
                division: "150102".into()
            }
        );
        o.level = Level::Municipal;
        assert_eq!(
            Responsible::of(&o),
            Responsible::PartyBuildingBody {
                division: "1501".into()
            }
        );
        o.supervisor = Some("市教育局".into());
        assert_eq!(
            Responsible::of(&o),
            Responsible::Supervisor {
                unit: "市教育局".into(),
                guide: "1501".into()
            }
        );
        o.kind = Kind::Community;
        assert_eq!(
            Responsible::of(&o),
            Responsible::Township {
                code: "150102001".into()
            }
        );
        o.level = Level::National;
        assert_eq!(Responsible::of(&o), Responsible::National);
    }

    #[test]
    fn every_list_has_a_key_that_reads_back() {
        for l in TaskList::ALL {
            assert_eq!(TaskList::parse(l.key()), Some(l));
        }
    }
}

impl Responsible {
    /// The division-code prefix of the body's area: its accounts' jurisdictions lie within
    /// it (empty for the national working committee).
    pub fn area(&self) -> &str {
        match self {
            Responsible::National => "",
            Responsible::Township { code } => code,
            Responsible::Supervisor { guide, .. } => guide,
            Responsible::PartyBuildingBody { division } => division,
        }
    }
}

/// Whether `account` is one of the body responsible for `org` (clause 6), to whom a task
/// of it may be given: enabled, recording party work, seeing the organization, and with a
/// jurisdiction inside the body's area (a township's task goes to the township's account,
/// a county party-building body's to the county's or one below it).
pub fn may_take(account: &crate::domain::access::Account, org: &Organization) -> bool {
    account.may(crate::domain::access::Action::RecordPartyWork)
        && account.sees(org.division_code.as_str())
        && account
            .jurisdiction
            .starts_with(Responsible::of(org).area())
}

/// A task given to an account: a list's entry (the list and the organization), whom it is
/// given to, the day it is due and a note. The latest assignment of an entry holds; it
/// ends when the work is recorded and the entry leaves its list.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Assignment {
    /// The list's key (`establish`, `should_build`, ...).
    #[serde(serialize_with = "list_key")]
    #[schema(value_type = String, example = "should_build")]
    pub list: TaskList,
    pub org_id: i64,
    /// The account's name.
    pub assignee: String,
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    pub note: String,
    /// Who gave it, as the audit log names them, and when.
    pub assigned_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: chrono::DateTime<chrono::Utc>,
}

fn list_key<S: serde::Serializer>(list: &TaskList, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(list.key())
}

/// The longest note a task takes.
pub const NOTE_MAX_CHARS: usize = 500;

/// The note and the due day of an assignment, checked: the day not before today (a task
/// cannot be given already late), the note short and without control characters.
pub fn check_assignment(
    due_on: NaiveDate,
    note: &str,
    today: NaiveDate,
) -> Result<String, Vec<super::error::FieldError>> {
    use super::error::FieldError;
    let mut errors = Vec::new();
    if due_on < today {
        errors.push(FieldError::new(
            "due_on",
            format!("期限 {due_on} 早于今天（{today}）"),
            format!("the due day {due_on} is before today ({today})"),
        ));
    }
    // A browser sends a textarea's lines ended by CR LF.
    let note = note.replace("\r\n", "\n");
    let note = note.trim();
    if note.chars().count() > NOTE_MAX_CHARS {
        errors.push(FieldError::new(
            "note",
            format!("备注最多{NOTE_MAX_CHARS}字，现有{}字", note.chars().count()),
            format!(
                "a note has at most {NOTE_MAX_CHARS} characters, this one {}",
                note.chars().count()
            ),
        ));
    }
    if let Some(c) = note.chars().find(|c| c.is_control() && *c != '\n') {
        errors.push(FieldError::new(
            "note",
            format!("备注含有控制字符 U+{:04X}", c as u32),
            format!("the note holds a control character, U+{:04X}", c as u32),
        ));
    }
    if errors.is_empty() {
        Ok(note.to_owned())
    } else {
        Err(errors)
    }
}
