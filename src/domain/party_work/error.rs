//! Why a piece of party work cannot be recorded, as data. Every door (a record form, the
//! API, a change of fields, an import row) refuses with one of these, rendered in Chinese
//! and English where it meets the field.

use chrono::NaiveDate;

use crate::domain::error::{FieldError, ValidationErrors};
use crate::domain::organization::{Status, field_label_zh};

use super::INSTRUCTOR_MAX_CHARS;

/// The dates party work carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyWorkDate {
    /// The party organization's founding (`party_org_established_on`).
    Founding,
    /// The last election (`last_election_on`, R7).
    Election,
    /// The secretary's last report (`last_report_on`, R10).
    Report,
}

impl PartyWorkDate {
    pub fn field(self) -> &'static str {
        match self {
            Self::Founding => "party_org_established_on",
            Self::Election => "last_election_on",
            Self::Report => "last_report_on",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartyWorkError {
    #[error("no form of party organization was chosen")]
    FormMissing,
    #[error("an organization that is {status:?} founds no party organization")]
    NotOperating { status: Status },
    #[error("no party organization is recorded to dissolve")]
    NothingToDissolve,
    /// A change of one organization's fields cannot make it joint: a joint organization is
    /// recorded with its members.
    #[error("a joint party organization is recorded with its members")]
    JointNeedsItsMembers,
    #[error("{date:?} {on} is after today ({today})")]
    InFuture {
        date: PartyWorkDate,
        on: NaiveDate,
        today: NaiveDate,
    },
    #[error("founded {on}, before the organization registered ({registered})")]
    FoundedBeforeRegistration {
        on: NaiveDate,
        registered: NaiveDate,
    },
    #[error("a party organization is recorded without its founding date")]
    FoundingDateMissing,
    #[error("an election for an organization without its own party organization")]
    ElectionWithoutOwnPartyOrg,
    #[error("{date:?} {on} is before the founding ({founded})")]
    BeforeFounding {
        date: PartyWorkDate,
        on: NaiveDate,
        founded: NaiveDate,
    },
    #[error("a report with no party organization recorded")]
    ReportWithoutPartyOrg,
    #[error("{date:?} given with no party organization recorded")]
    DateWithoutPartyOrg { date: PartyWorkDate },
    #[error("a joint party organization with no other member")]
    JointWithoutMembers,
    #[error("an own party organization with other members")]
    OwnWithMembers,
    #[error("no instructor's name")]
    InstructorNameMissing,
    #[error("an instructor's name of {chars} characters")]
    InstructorNameTooLong { chars: usize },
    #[error("the instructor's name holds a control character or an invisible one, {code}")]
    InstructorNameUnprintable { code: String },
    #[error("no instructor is assigned")]
    NoInstructor,
}

impl PartyWorkError {
    /// The field (formats.md name) the error is shown beside.
    pub fn field(&self) -> &'static str {
        use PartyWorkError as E;
        match self {
            E::FormMissing | E::NotOperating { .. } | E::NothingToDissolve => "party_org",
            E::JointNeedsItsMembers => "party_org",
            E::InFuture { date, .. }
            | E::BeforeFounding { date, .. }
            | E::DateWithoutPartyOrg { date } => date.field(),
            E::FoundedBeforeRegistration { .. } | E::FoundingDateMissing => {
                "party_org_established_on"
            }
            E::ElectionWithoutOwnPartyOrg => "last_election_on",
            E::ReportWithoutPartyOrg => "last_report_on",
            E::JointWithoutMembers | E::OwnWithMembers => "members",
            E::InstructorNameMissing
            | E::InstructorNameTooLong { .. }
            | E::InstructorNameUnprintable { .. }
            | E::NoInstructor => "instructor",
        }
    }
}

impl From<PartyWorkError> for FieldError {
    fn from(e: PartyWorkError) -> Self {
        use PartyWorkError as E;
        let field = e.field();
        let (zh, en) = match e {
            E::FormMissing => (
                "请选择所建党组织的形式".into(),
                "choose the form of the party organization founded".into(),
            ),
            E::NotOperating { status } => (
                format!("该组织状态为“{}”，不能新建党组织", status.label_zh()),
                format!(
                    "the organization is {}: no party organization can be founded",
                    status.as_str()
                ),
            ),
            E::NothingToDissolve => (
                "该组织没有记录党组织，无需撤销".into(),
                "no party organization is recorded, so none can be dissolved".into(),
            ),
            E::JointNeedsItsMembers => (
                "联合党组织须连同其成员单位一起记录：请在组织页面“记录党组织成立”，或调用 POST /api/orgs/{id}/party-org 并列出 members".into(),
                "a joint organization is recorded with its members: use \"Record a party organization founded\" on the organization's page, or POST /api/orgs/{id}/party-org with its members".into(),
            ),
            E::InFuture { on, today, .. } => (
                format!("日期 {on} 晚于今天（{today}），只能记录已发生的事"),
                format!("{on} is after today ({today}): only what has happened can be recorded"),
            ),
            E::FoundedBeforeRegistration { on, registered } => (
                format!("成立日期 {on} 早于该组织登记日期 {registered}"),
                format!("{on} is before the organization registered ({registered})"),
            ),
            E::FoundingDateMissing => (
                "记录党组织时请填写其成立日期（任期和述职从成立起算，R7、R10）".into(),
                "give the date the party organization was founded (terms and reports count from it, R7 and R10)".into(),
            ),
            E::ElectionWithoutOwnPartyOrg => (
                "只有单独建立的党组织（党委、党总支、党支部）记录换届".into(),
                "elections are recorded for an organization's own party organization (committee, general branch, branch)".into(),
            ),
            E::BeforeFounding { date, on, founded } => {
                let what = match date {
                    PartyWorkDate::Report => "述职日期",
                    _ => "换届日期",
                };
                (
                    format!("{what} {on} 早于党组织成立日期 {founded}"),
                    format!("{on} is before the party organization was founded ({founded})"),
                )
            }
            E::ReportWithoutPartyOrg => (
                "该组织没有记录党组织，无从述职".into(),
                "no party organization is recorded, so there is no secretary to report".into(),
            ),
            E::DateWithoutPartyOrg { date } => (
                format!(
                    "党组织形式为“无”，不能填写“{}”：请先填写党组织形式",
                    field_label_zh(date.field())
                ),
                format!(
                    "no party organization is recorded, so there is no {}: give the party organization first",
                    date.field()
                ),
            ),
            E::JointWithoutMembers => (
                "联合党组织至少要有另一个成员单位：请勾选或填写其统一社会信用代码".into(),
                "a joint organization has at least one other member: tick one or type its credit code".into(),
            ),
            E::OwnWithMembers => (
                "单独组建的党组织没有其他成员单位：请选择联合党组织的形式，或去掉勾选".into(),
                "an own party organization has no other member organizations: choose a joint form, or untick them".into(),
            ),
            E::InstructorNameMissing => (
                "请填写指导员姓名".into(),
                "give the instructor's name".into(),
            ),
            E::InstructorNameTooLong { .. } => (
                format!("姓名过长（最多{INSTRUCTOR_MAX_CHARS}字）"),
                format!("the name is too long (at most {INSTRUCTOR_MAX_CHARS} characters)"),
            ),
            E::InstructorNameUnprintable { code } => (
                format!("姓名含有控制字符或不可见字符 {code}（常因复制粘贴带入），请删除"),
                format!(
                    "the name holds a control or invisible character, {code} (often pasted in): remove it"
                ),
            ),
            E::NoInstructor => ("该组织没有指导员".into(), "no instructor is assigned".into()),
        };
        FieldError::new(field, zh, en)
    }
}

impl From<PartyWorkError> for ValidationErrors {
    fn from(e: PartyWorkError) -> Self {
        ValidationErrors(vec![e.into()])
    }
}

impl From<Vec<PartyWorkError>> for ValidationErrors {
    fn from(errors: Vec<PartyWorkError>) -> Self {
        ValidationErrors(errors.into_iter().map(FieldError::from).collect())
    }
}
