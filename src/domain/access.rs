//! Who may do what (design.md, Access): each account has a role and a jurisdiction, a
//! division-code prefix (empty = national). Anyone may read inside their jurisdiction;
//! civil affairs register and change organizations; organization departments record party
//! work; planners read and export; admins do everything and manage accounts.

use serde::Serialize;

use super::error::FieldError;
use super::lang::Lang;

/// A role (角色).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    OrgDept,
    CivilAffairs,
    Planner,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::OrgDept,
        Role::CivilAffairs,
        Role::Planner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::OrgDept => "org_dept",
            Role::CivilAffairs => "civil_affairs",
            Role::Planner => "planner",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Role::Admin => lang.pick("管理员", "Administrator"),
            Role::OrgDept => lang.pick("组织部门", "Organization department"),
            Role::CivilAffairs => lang.pick("民政部门", "Civil affairs"),
            Role::Planner => lang.pick("规划分析", "Planner"),
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "role",
                    format!("角色应为 admin、org_dept、civil_affairs 或 planner，现为“{s}”"),
                    format!(
                        "the role is one of admin, org_dept, civil_affairs, planner, not '{s}'"
                    ),
                )
            })
    }
}

/// What a request wants to do, beside reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read organizations, decisions, coverage, and export them.
    Read,
    /// Register, change, deregister or import organizations (civil affairs).
    Register,
    /// Record party organizations, elections, reports, instructors (organization department).
    RecordPartyWork,
    /// Change an organization's fields through the API: each field is then checked for
    /// the role it belongs to (registration or party work).
    Change,
    /// Manage accounts and read the whole audit log.
    Administer,
}

/// A signed-in user (or a script acting with the user's token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The division-code prefix the account may see; empty for the whole country.
    pub jurisdiction: String,
    pub disabled: bool,
    /// The API token a request came with (None for a session or the command line), so
    /// that the audit log tells which script made a change.
    #[serde(skip)]
    pub token: Option<i64>,
}

impl Account {
    /// Whether the role allows `action` at all.
    pub fn may(&self, action: Action) -> bool {
        if self.disabled {
            return false;
        }
        match action {
            Action::Read => true,
            Action::Register => matches!(self.role, Role::Admin | Role::CivilAffairs),
            Action::RecordPartyWork => matches!(self.role, Role::Admin | Role::OrgDept),
            Action::Change => self.role != Role::Planner,
            Action::Administer => self.role == Role::Admin,
        }
    }

    /// Whether an organization of this division code is inside the jurisdiction.
    pub fn sees(&self, division_code: &str) -> bool {
        !self.disabled && division_code.starts_with(&self.jurisdiction)
    }

    /// A division filter narrowed to the jurisdiction: the filter when it lies inside,
    /// the jurisdiction when the filter covers more, None when they do not meet (the
    /// answer is empty).
    pub fn narrow(&self, filter: Option<&str>) -> Option<String> {
        let own = self.jurisdiction.as_str();
        match filter {
            None => Some(own.to_owned()),
            Some(f) if f.starts_with(own) => Some(f.to_owned()),
            Some(f) if own.starts_with(f) => Some(own.to_owned()),
            Some(_) => None,
        }
    }
}

/// The fields that record party work (the organization department's), as opposed to the
/// registration's (civil affairs').
pub const PARTY_WORK_FIELDS: [&str; 5] = [
    "party_org",
    "party_org_established_on",
    "last_election_on",
    "last_report_on",
    "instructor",
];

impl Account {
    /// The fields a change from `before` to `after` touches that this account's role may
    /// not change: party work needs [`Action::RecordPartyWork`], the rest
    /// [`Action::Register`].
    pub fn fields_refused(
        &self,
        before: &super::organization::Organization,
        after: &super::organization::Organization,
    ) -> Vec<&'static str> {
        use super::organization::FIELDS;
        let (was, now) = (before.field_texts(), after.field_texts());
        FIELDS
            .iter()
            .zip(was.iter().zip(now.iter()))
            .filter(|(_, (a, b))| a != b)
            .map(|((field, _), _)| *field)
            .filter(|field| {
                let needs = if PARTY_WORK_FIELDS.contains(field) {
                    Action::RecordPartyWork
                } else {
                    Action::Register
                };
                !self.may(needs)
            })
            .collect()
    }
}

impl Account {
    /// The fields of a new organization this account's role may not fill in: party work
    /// recorded with a registration needs [`Action::RecordPartyWork`], as a change of it
    /// does (the registration is judged as a change from an organization with none).
    pub fn fields_refused_on_register(
        &self,
        org: &super::organization::Organization,
    ) -> Vec<&'static str> {
        let without_party_work = super::organization::Organization {
            party_org: super::organization::PartyOrg::None,
            party_org_established_on: None,
            last_election_on: None,
            last_report_on: None,
            instructor: None,
            ..org.clone()
        };
        self.fields_refused(&without_party_work, org)
    }
}

/// A user name: 2 to 32 letters, digits, `_`, `-` or `.` (they appear in the audit log).
pub fn check_name(name: &str) -> Result<(), FieldError> {
    let ok = (2..=32).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "name",
            format!("用户名应为2至32个字母、数字或 _ - .，现为“{name}”"),
            format!("a user name is 2 to 32 letters, digits or _ - ., not '{name}'"),
        ))
    }
}

/// A password long enough to resist guessing.
pub fn check_password(password: &str) -> Result<(), FieldError> {
    if password.chars().count() >= 10 {
        Ok(())
    } else {
        Err(FieldError::new(
            "password",
            "密码至少10个字符",
            "a password has at least 10 characters",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(role: Role, jurisdiction: &str) -> Account {
        Account {
            id: 1,
            name: "test".into(),
            role,
            jurisdiction: jurisdiction.into(),
            disabled: false,
            token: None,
        }
    }

    #[test]
    fn each_role_may_do_what_design_md_gives_it() {
        let table = [
            (Role::Admin, [true, true, true, true, true]),
            (Role::OrgDept, [true, false, true, false, true]),
            (Role::CivilAffairs, [true, true, false, false, true]),
            (Role::Planner, [true, false, false, false, false]),
        ];
        let actions = [
            Action::Read,
            Action::Register,
            Action::RecordPartyWork,
            Action::Administer,
            Action::Change,
        ];
        for (role, allowed) in table {
            let a = account(role, "");
            for (action, allowed) in actions.into_iter().zip(allowed) {
                assert_eq!(a.may(action), allowed, "{role:?} {action:?}");
            }
            let mut disabled = a.clone();
            disabled.disabled = true;
            assert!(
                actions.into_iter().all(|x| !disabled.may(x)),
                "disabled: nothing"
            );
        }
    }

    #[test]
    fn civil_affairs_change_the_registration_and_organization_departments_the_party_work() {
        let before = crate::domain::testing::org(3);
        let mut after = before.clone();
        after.staff = Some(20);
        after.instructor = Some("李".into());
        assert_eq!(
            account(Role::CivilAffairs, "").fields_refused(&before, &after),
            ["instructor"]
        );
        assert_eq!(
            account(Role::OrgDept, "").fields_refused(&before, &after),
            ["staff"]
        );
        assert!(
            account(Role::Admin, "")
                .fields_refused(&before, &after)
                .is_empty()
        );
        assert!(
            account(Role::Planner, "")
                .fields_refused(&before, &before)
                .is_empty()
        );
    }

    #[test]
    fn a_county_sees_its_county_not_its_neighbour() {
        let county = account(Role::OrgDept, "150102");
        assert!(county.sees("150102001001"));
        assert!(!county.sees("150103001001"));
        assert!(account(Role::Planner, "").sees("650102001001"), "national");
    }

    #[test]
    fn a_filter_is_narrowed_to_the_jurisdiction() {
        let city = account(Role::Planner, "1501");
        assert_eq!(city.narrow(None).as_deref(), Some("1501"));
        assert_eq!(city.narrow(Some("15")).as_deref(), Some("1501"));
        assert_eq!(city.narrow(Some("150102")).as_deref(), Some("150102"));
        assert_eq!(city.narrow(Some("1502")), None);
    }

    #[test]
    fn names_and_passwords_are_checked() {
        assert!(check_name("zhang.san").is_ok());
        assert!(check_name("张三").is_ok());
        assert!(check_name("a").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_password("short").is_err());
        assert!(check_password("long enough pass").is_ok());
    }
}
