//! The application layer: the one place that changes the registry. Every front door (the
//! JSON API, the pages, the CLI) calls a use case here, and each use case runs the same
//! steps in the same order: validation, the role's fields, the jurisdiction, the party-work
//! rules, one transaction with its audit rows, the snapshot, then the decision and any
//! notice. Nothing outside this module writes organizations or updates the snapshot
//! (ARCHITECTURE.md; a test reads the sources to hold it).

pub mod past;
pub mod query;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::access::{Account, Action, Role};
use crate::domain::boundary;
use crate::domain::coords::Crs;
use crate::domain::decision::Decision;
use crate::domain::division::DivisionCode;
use crate::domain::error::{FieldError, ValidationErrors};
use crate::domain::organization::{OrgInput, Organization, PartyOrg, Status};
use crate::domain::party_work::{self, PartyWorkError, Record};
use crate::domain::policy::Policy;
use crate::domain::snapshot::Snapshot;
use crate::domain::stored::StoredOrganization;
use crate::domain::tasks::{self, Assignment, TaskList};
use crate::io::boundaries::{BoundaryNote, BoundaryOptions};
use crate::store::{AuditEntry, BoundaryRow, ImportSummary, Store, StoreError};

/// The day rules are judged on: the registry's local calendar day.
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Who acts, and how the audit log names them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub account: Account,
    /// `name@address`, with the API token's id when a script acts.
    pub audit_name: String,
}

impl Actor {
    /// A signed-in account acting from `addr`.
    pub fn new(account: Account, addr: SocketAddr) -> Self {
        Self {
            audit_name: Self::audit_name_of(&account, addr),
            account,
        }
    }

    /// How the audit log names `account` acting from `addr` (sign-ins and token changes
    /// too): `name@address`, with the API token's id when a script acts
    /// (`zuzhibu@10.0.0.7 token 3`).
    pub fn audit_name_of(account: &Account, addr: SocketAddr) -> String {
        match account.token {
            Some(token) => format!("{}@{} token {token}", account.name, addr.ip()),
            None => format!("{}@{}", account.name, addr.ip()),
        }
    }

    /// The operator at the command line, who holds the database itself: every role's
    /// fields, the whole country.
    pub fn operator(audit_name: String) -> Self {
        Self {
            account: Account {
                id: 0,
                name: audit_name.clone(),
                role: Role::Admin,
                jurisdiction: String::new(),
                disabled: false,
                token: None,
            },
            audit_name,
        }
    }
}

/// Why a use case changed nothing, in terms every door renders its own way.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Input that breaks a rule, each field named (422).
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// No such organization inside the account's jurisdiction (404).
    #[error("not found")]
    NotFound,
    /// The role may not do this at all (403).
    #[error("the role may not do this")]
    RoleRefused,
    /// The role may not change these fields (403).
    #[error("the role may not change {0:?}")]
    FieldsRefused(Vec<&'static str>),
    /// The organization is deregistered already (409).
    #[error("already deregistered")]
    AlreadyDeregistered,
    /// Someone changed the organization since it was read (409).
    #[error("stale: read at version {read}, now at {current}")]
    Stale { read: i64, current: i64 },
    /// The key is registered already (409).
    #[error("{0} is already registered")]
    Duplicate(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<ValidationErrors> for RegistryError {
    fn from(e: ValidationErrors) -> Self {
        RegistryError::Invalid(e)
    }
}

impl From<FieldError> for RegistryError {
    fn from(e: FieldError) -> Self {
        RegistryError::Invalid(ValidationErrors(vec![e]))
    }
}

impl From<StoreError> for RegistryError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => RegistryError::NotFound,
            StoreError::StaleVersion { expected, current } => RegistryError::Stale {
                read: expected,
                current,
            },
            StoreError::Duplicate(key) => RegistryError::Duplicate(key),
            other => RegistryError::Store(other),
        }
    }
}

/// A rule the registering staff must act on now (R6).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub rule: &'static str,
    pub text: String,
    pub text_en: String,
}

/// A registration made: the organization, its decision, and the R6 notice when its party
/// organization must be founded with the registration.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Registered {
    #[serde(flatten)]
    pub org: StoredOrganization,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
    pub decision: Decision,
}

/// A member of a joint party organization being founded, as a form or a script names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// By id, at the version it was read (a proposal's members ticked on a form).
    Id { id: i64, version: Option<i64> },
    /// By credit code, at its current version (typed on a form or sent by a script).
    CreditCode(String),
}

/// A piece of party work as a form or a request gives it: texts, parsed here so that
/// every door says the same about a bad date or name.
#[derive(Debug, Clone)]
pub enum RecordInput {
    Founded {
        party_org: Option<String>,
        established_on: Option<String>,
        members: Vec<Member>,
    },
    Dissolved,
    Election {
        on: Option<String>,
    },
    Report {
        on: Option<String>,
    },
    InstructorAssigned {
        name: Option<String>,
    },
    InstructorRemoved,
}

/// A date a record form or request gives, as `YYYY-MM-DD`.
fn record_date(field: &'static str, text: Option<&str>) -> Result<NaiveDate, FieldError> {
    let text = text.map(str::trim).unwrap_or("");
    if text.is_empty() && field == "party_org_established_on" {
        return Err(PartyWorkError::FoundingDateMissing.into());
    }
    crate::domain::organization::date_of(text, field)
}

/// The in-memory registry and the store it mirrors.
#[derive(Clone)]
pub struct Registry {
    store: Store,
    /// The registry in memory with its decisions' context and groups, updated after
    /// every committed write. Written only here, with the generation bumped.
    snapshot: Arc<RwLock<Snapshot>>,
    /// The last audit row applied to the snapshot.
    seen_audit_id: Arc<AtomicI64>,
    /// Counts the snapshot's changes; bumped under its write lock, so a reader holding
    /// the read lock sees the generation of the snapshot it reads.
    generation: Arc<AtomicU64>,
    /// The last boundary row installed ([`boundary::install`]).
    seen_boundary_id: Arc<AtomicI64>,
    /// Past days rebuilt lately ([`past`]).
    past: Arc<past::KeptDays>,
    /// The audit log's changes the past days are rebuilt from ([`past`]).
    history: Arc<past::KeptHistory>,
    /// The dashboard's trends counted lately ([`past`]).
    trends: Arc<past::KeptTrends>,
}

/// Hands the memory freed by building the snapshot back to the system. Reading a million
/// rows leaves a few hundred megabytes of freed batches and intermediate vectors spread
/// through glibc's heap, which it keeps (and counts as resident) until told otherwise.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code, reason = "glibc's malloc_trim has no safe binding")]
    // SAFETY: malloc_trim only releases free pages of the allocator's own heap.
    unsafe {
        libc::malloc_trim(0);
    }
}

impl Registry {
    /// Reads every organization of the store into a fresh snapshot.
    pub async fn load(store: Store, policy: Policy) -> Result<Self, StoreError> {
        // Targets are this year's plans unless the caller chose a year.
        let policy = match policy.year {
            Some(_) => policy,
            None => policy.in_year(chrono::Datelike::year(&today())),
        };
        // Noted before reading, so that writes made meanwhile are caught up on.
        let audit_id = store.last_audit_id().await?;
        let started = std::time::Instant::now();
        let orgs = store.all_organizations().await?;
        let read = started.elapsed();
        let snapshot = Snapshot::new(policy, orgs);
        return_freed_memory();
        tracing::info!(
            organizations = snapshot.len(),
            read_ms = read.as_millis() as u64,
            built_ms = (started.elapsed() - read).as_millis() as u64,
            "registry loaded"
        );
        let registry = Self {
            store,
            snapshot: Arc::new(RwLock::new(snapshot)),
            seen_audit_id: Arc::new(AtomicI64::new(audit_id)),
            generation: Arc::default(),
            seen_boundary_id: Arc::default(),
            past: Arc::default(),
            history: Arc::default(),
            trends: Arc::default(),
        };
        registry.reload_boundaries().await?;
        Ok(registry)
    }

    /// Installs the stored outlines for every door when they changed since the last look
    /// (an import here or by another process), and lets cached answers go.
    async fn reload_boundaries(&self) -> Result<(), StoreError> {
        let last = self.store.last_boundary_id().await?;
        if last == self.seen_boundary_id.load(Ordering::Acquire) {
            return Ok(());
        }
        // Under the snapshot's write lock, so that a reader's generation tells which
        // boundaries its cached answers were made with.
        let boundaries = stored_boundaries(&self.store).await?;
        let _snapshot = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
        boundary::install(boundaries);
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.seen_boundary_id.store(last, Ordering::Release);
        Ok(())
    }

    /// Imports a boundary file ([`import_boundaries`]) and installs the outlines at once.
    pub async fn import_boundaries(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        options: &BoundaryOptions,
    ) -> Result<BoundaryImport, RegistryError> {
        let done = import_boundaries(&self.store, actor, file_name, bytes, options).await?;
        self.reload_boundaries().await?;
        Ok(done)
    }

    pub fn snapshot(&self) -> RwLockReadGuard<'_, Snapshot> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The snapshot's generation: read it while holding the snapshot's read lock.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Brings the snapshot up to date with a write that has been committed.
    fn committed(&self, org: StoredOrganization) {
        let mut snapshot = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
        snapshot.upsert(org);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Applies writes other processes made (a CLI import into the same database) to the
    /// snapshot, reading the audit log as a change feed. Rows are re-read a little behind
    /// the last one seen, since PostgreSQL may commit ids out of order; organizations
    /// the snapshot already holds at their version are left alone.
    pub async fn catch_up(&self) -> Result<(), StoreError> {
        const OVERLAP: i64 = 100;
        const RELOAD_ABOVE: usize = 20_000;
        // A service running across New Year takes up the new year's plans.
        let year = chrono::Datelike::year(&today());
        if self.snapshot().policy().year.is_some_and(|y| y != year) {
            let mut snapshot = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
            snapshot.set_plan_year(year);
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        let seen = self.seen_audit_id.load(Ordering::Acquire);
        let (last, ids) = self
            .store
            .changes_since(seen.saturating_sub(OVERLAP).max(0))
            .await?;
        if ids.len() > RELOAD_ABOVE {
            let orgs = self.store.all_organizations().await?;
            let policy = self.snapshot().policy().clone();
            let fresh = Snapshot::new(policy, orgs);
            let stale = {
                let mut snapshot = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
                self.generation.fetch_add(1, Ordering::AcqRel);
                std::mem::replace(&mut *snapshot, fresh)
            };
            drop(stale);
            return_freed_memory();
        } else {
            // Nothing new since the last look: only rows the snapshot lacks need reading.
            let stale: Vec<i64> = if last > seen {
                ids
            } else {
                let snapshot = self.snapshot();
                ids.into_iter()
                    .filter(|&id| snapshot.version_of(id).is_none())
                    .collect()
            };
            for org in self.store.get_many(&stale).await? {
                if self.snapshot().version_of(org.id) != Some(org.version) {
                    self.committed(org);
                }
            }
        }
        self.seen_audit_id.fetch_max(last, Ordering::AcqRel);
        self.reload_boundaries().await
    }

    /// An organization, if the account may see it.
    pub async fn visible(
        &self,
        account: &Account,
        id: i64,
    ) -> Result<StoredOrganization, RegistryError> {
        self.store
            .get(id)
            .await?
            .filter(|o| account.sees(o.org.division_code.as_str()))
            .ok_or(RegistryError::NotFound)
    }

    /// An organization's decision as its page shows it. R6 ("found with the registration")
    /// is judged from the data: the registration date when one is recorded, else the day
    /// its first version was made, while it has not been changed since.
    pub fn decision_of(
        &self,
        account: &Account,
        org: &StoredOrganization,
        history: &[AuditEntry],
    ) -> Option<Decision> {
        let snapshot = self.snapshot();
        let window = i64::from(snapshot.policy().new_registration_days);
        let today = today();
        let first_made_recently = org.version == 1
            && org.org.registered_on.is_none()
            && history.first().is_some_and(|e| {
                let made = e.at.with_timezone(&chrono::Local).date_naive();
                (0..=window).contains(&(today - made).num_days())
            });
        snapshot.decision(org.id, today, first_made_recently, &account.jurisdiction)
    }

    /// Registers an organization from its fields.
    pub async fn register(
        &self,
        actor: &Actor,
        input: &OrgInput,
    ) -> Result<Registered, RegistryError> {
        if !actor.account.may(Action::Register) {
            return Err(RegistryError::RoleRefused);
        }
        let org = input.validate(Crs::Wgs84)?;
        let refused = actor.account.fields_refused_on_register(&org);
        if !refused.is_empty() {
            return Err(RegistryError::FieldsRefused(refused));
        }
        inside(&actor.account, &org)?;
        party_work::check_recorded(&org, today()).map_err(ValidationErrors::from)?;
        crate::domain::organization::check_dated(&org, today())?;
        let stored = self.store.create(&org, &actor.audit_name).await?;
        let id = stored.id;
        self.committed(stored.clone());
        // The answer carries the new organization's decision; R6 is stated up front,
        // since the registering staff must act on it now.
        let decision = self
            .snapshot()
            .decision(id, today(), true, &actor.account.jurisdiction)
            .expect("just registered");
        let notice = decision
            .reasons
            .iter()
            .find(|r| r.rule == "R6")
            .map(|r6| Notice {
                rule: r6.rule,
                text: r6.text(),
                text_en: r6.text_en(),
            });
        Ok(Registered {
            org: stored,
            notice,
            decision,
        })
    }

    /// Changes an organization's fields to `input` (all of them, as the edit form or a
    /// merged patch holds them), based on the version read.
    pub async fn change(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        input: &OrgInput,
    ) -> Result<StoredOrganization, RegistryError> {
        let current = self.visible(&actor.account, id).await?;
        let mut org = input.validate(Crs::Wgs84)?;
        // A division code a person changes is given by them, whatever found the old one.
        if org.division_code != current.org.division_code
            && org.division_source == current.org.division_source
        {
            org.division_source = crate::domain::division::DivisionSource::Given;
        }
        let refused = actor.account.fields_refused(&current.org, &org);
        if !refused.is_empty() {
            return Err(RegistryError::FieldsRefused(refused));
        }
        inside(&actor.account, &org)?;
        if party_work::party_work_differs(&current.org, &org) {
            // A joint organization is recorded with its members, which a change of one
            // organization's fields cannot name.
            if party_work::is_joint(org.party_org) && org.party_org != current.org.party_org {
                return Err(ValidationErrors::from(PartyWorkError::JointNeedsItsMembers).into());
            }
            party_work::check_recorded(&org, today()).map_err(ValidationErrors::from)?;
        }
        crate::domain::organization::check_dated(&org, today())?;
        let stored = self
            .store
            .update(id, version, &org, &actor.audit_name, "update")
            .await?;
        self.committed(stored.clone());
        Ok(stored)
    }

    /// Deregisters an organization `on` a day (today when not given): a status, the record
    /// and its history stay (R8).
    pub async fn deregister(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        on: Option<NaiveDate>,
    ) -> Result<StoredOrganization, RegistryError> {
        if !actor.account.may(Action::Register) {
            return Err(RegistryError::RoleRefused);
        }
        let current = self.visible(&actor.account, id).await?;
        if current.org.status == Status::Deregistered {
            return Err(RegistryError::AlreadyDeregistered);
        }
        let org = current
            .org
            .deregistered(on.unwrap_or_else(today), today())?;
        let stored = self
            .store
            .update(id, version, &org, &actor.audit_name, "deregister")
            .await?;
        self.committed(stored.clone());
        Ok(stored)
    }

    /// Gives organization `id`'s entry on `list` to the account named `assignee`, due on
    /// `due_on`, with `note` (issue 21.4), audited. The giver records party work and sees
    /// the organization, the entry is on its list today, and the assignee is an account of
    /// the body responsible for it ([`tasks::may_take`]); every problem is named by field.
    pub async fn assign_task(
        &self,
        actor: &Actor,
        list: TaskList,
        id: i64,
        assignee: &str,
        due_on: &str,
        note: &str,
    ) -> Result<Assignment, RegistryError> {
        if !actor.account.may(Action::RecordPartyWork) {
            return Err(RegistryError::RoleRefused);
        }
        let org = self.visible(&actor.account, id).await?;
        let today = today();
        let mut errors: Vec<FieldError> = Vec::new();
        if !self.snapshot().on_list(id, list, today) {
            errors.push(FieldError::new(
                "list",
                format!(
                    "“{}”不在“{}”清单上：无此任务",
                    org.org.name,
                    list.title(crate::domain::lang::Lang::Zh)
                ),
                format!(
                    "{} is not on the list “{}”: there is no such task",
                    org.org.name,
                    list.title(crate::domain::lang::Lang::En)
                ),
            ));
        }
        let assignee = assignee.trim();
        let taker = self.store.user_named(assignee).await?.map(|u| u.account);
        match &taker {
            None => errors.push(FieldError::new(
                "assignee",
                format!("没有名为“{assignee}”的账号"),
                format!("there is no account named '{assignee}'"),
            )),
            Some(account) if !tasks::may_take(account, &org.org) => {
                let body = tasks::Responsible::of(&org.org);
                errors.push(FieldError::new(
                    "assignee",
                    format!(
                        "“{assignee}”不是负责机构（{}）的账号：须为未停用、可记录党建工作、管辖范围在该机构辖区内并包含该组织的账号",
                        body.label(crate::domain::lang::Lang::Zh)
                    ),
                    format!(
                        "'{assignee}' is not an account of the responsible body ({}): it must be enabled, record party work, and have a jurisdiction inside the body's area that holds the organization",
                        body.label(crate::domain::lang::Lang::En)
                    ),
                ));
            }
            Some(_) => {}
        }
        let due = crate::domain::organization::date_of(due_on, "due_on").map_err(|_| {
            FieldError::new(
                "due_on",
                format!("期限应为有效日期 YYYY-MM-DD，现为“{}”", due_on.trim()),
                format!("the due day is a date YYYY-MM-DD, not '{}'", due_on.trim()),
            )
        });
        // An unreadable day is told, and the note is checked as with any day.
        let due_on = due.unwrap_or_else(|e| {
            errors.push(e);
            today
        });
        let note = tasks::check_assignment(due_on, note, today).unwrap_or_else(|mut found| {
            errors.append(&mut found);
            String::new()
        });
        let Some(taker) = taker.filter(|_| errors.is_empty()) else {
            return Err(RegistryError::Invalid(ValidationErrors(errors)));
        };
        let replaced = self.store.assignments_on(list, &[id]).await?.pop();
        let assignment = Assignment {
            list,
            org_id: id,
            assignee: taker.name.clone(),
            due_on,
            note,
            assigned_by: actor.audit_name.clone(),
            at: chrono::Utc::now(),
        };
        self.store
            .assign_task(&assignment, taker.id, replaced.as_ref())
            .await?;
        Ok(assignment)
    }

    /// The accounts a task of `org` may be given to ([`tasks::may_take`]), by name.
    pub async fn takers(&self, org: &Organization) -> Result<Vec<Account>, RegistryError> {
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|a| tasks::may_take(a, org))
            .collect())
    }

    /// The current assignments of `list`'s entries of `org_ids` (those that have one).
    pub async fn assignments_on(
        &self,
        list: TaskList,
        org_ids: &[i64],
    ) -> Result<Vec<Assignment>, RegistryError> {
        Ok(self.store.assignments_on(list, org_ids).await?)
    }

    /// The tasks given to `account` that are still to do (their entry still on its list),
    /// soonest due first.
    pub async fn assigned_to(&self, account: &Account) -> Result<Vec<Assignment>, RegistryError> {
        let given = self.store.assignments_of(account.id).await?;
        let today = today();
        let snapshot = self.snapshot();
        Ok(given
            .into_iter()
            .filter(|a| snapshot.on_list(a.org_id, a.list, today))
            .collect())
    }

    /// Records a piece of party work on an organization read at `version` (and, for a
    /// joint organization founded, on each member at the version it was read): all in
    /// one transaction, or nothing.
    pub async fn record(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        input: &RecordInput,
    ) -> Result<Vec<StoredOrganization>, RegistryError> {
        if !actor.account.may(Action::RecordPartyWork) {
            return Err(RegistryError::RoleRefused);
        }
        let org = self.visible(&actor.account, id).await?;
        let today = today();
        let mut errors: Vec<FieldError> = Vec::new();
        // The form a founding names, read once: None when absent or unreadable (the error
        // is kept).
        let form = match input {
            RecordInput::Founded { party_org, .. } => party_org
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .and_then(|p| PartyOrg::parse(p).map_err(|e| errors.push(e)).ok()),
            _ => None,
        };
        let record = match input {
            RecordInput::Founded { established_on, .. } => {
                record_date("party_org_established_on", established_on.as_deref())
                    .map_err(|e| errors.push(e))
                    .ok()
                    .map(|on| Record::Founded {
                        form: form.unwrap_or(PartyOrg::None),
                        on,
                    })
            }
            RecordInput::Dissolved => Some(Record::Dissolved),
            RecordInput::Election { on } => record_date("last_election_on", on.as_deref())
                .map_err(|e| errors.push(e))
                .ok()
                .map(|on| Record::Election { on }),
            RecordInput::Report { on } => record_date("last_report_on", on.as_deref())
                .map_err(|e| errors.push(e))
                .ok()
                .map(|on| Record::Report { on }),
            RecordInput::InstructorAssigned { name } => Some(Record::InstructorAssigned {
                name: name.clone().unwrap_or_default(),
            }),
            RecordInput::InstructorRemoved => Some(Record::InstructorRemoved),
        };

        // The members of a joint organization founded: each visible to the account, at
        // the version it was read (or its current one when named by credit code).
        let mut members: Vec<(i64, Option<i64>)> = Vec::new();
        if let RecordInput::Founded { members: given, .. } = input {
            {
                let snapshot = self.snapshot();
                let sees = |m: i64| {
                    snapshot
                        .get(m)
                        .is_some_and(|o| actor.account.sees(o.org.division_code.as_str()))
                };
                for member in given {
                    let found = match member {
                        Member::Id { id: m, version } => sees(*m).then_some((*m, *version)),
                        Member::CreditCode(code) => snapshot
                            .find_credit_code(code.trim())
                            .filter(|m| sees(*m))
                            .map(|m| (m, None)),
                    };
                    match found {
                        Some((m, _)) if m == id => {}
                        Some((m, read)) => {
                            if !members.iter().any(|(k, _)| *k == m) {
                                members.push((m, read));
                            }
                        }
                        None => {
                            let named = match member {
                                Member::Id { id, .. } => id.to_string(),
                                Member::CreditCode(code) => code.clone(),
                            };
                            errors.push(FieldError::new(
                                "members",
                                format!("未找到统一社会信用代码为“{named}”的社会组织"),
                                format!(
                                    "no organization is registered under the credit code '{named}'"
                                ),
                            ));
                        }
                    }
                }
            }
            if let Some(form) = form
                && let Err(e) = party_work::check_members(form, members.len())
            {
                errors.push(e.into());
            }
        }

        let mut changes = Vec::new();
        if let Some(record) = &record {
            match party_work::apply(&org.org, record, today) {
                Ok(changed) => changes.push((id, version, changed)),
                Err(e) => errors.push(e.into()),
            }
            for (member, read) in &members {
                let Some(current) = self
                    .store
                    .get(*member)
                    .await?
                    .filter(|o| actor.account.sees(o.org.division_code.as_str()))
                else {
                    continue;
                };
                match party_work::apply(&current.org, record, today) {
                    Ok(changed) => {
                        changes.push((*member, read.unwrap_or(current.version), changed))
                    }
                    Err(e) => {
                        let mut f = FieldError::from(e);
                        f.zh = format!("{}：{}", current.org.name, f.zh);
                        f.en = format!("{}: {}", current.org.name, f.en);
                        f.field = "members";
                        errors.push(f);
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(ValidationErrors(errors).into());
        }
        let record = record.expect("no errors, so the record was read");
        let stored = self
            .store
            .update_all(&changes, &actor.audit_name, record.action())
            .await?;
        for org in &stored {
            self.committed(org.clone());
        }
        Ok(stored)
    }
}

/// Whether the account may act on an organization of this division; the division field
/// is named when not.
pub fn inside(account: &Account, org: &Organization) -> Result<(), ValidationErrors> {
    if account.sees(org.division_code.as_str()) {
        return Ok(());
    }
    Err(ValidationErrors(vec![FieldError::new(
        "division_code",
        format!(
            "行政区划 {} 不在您的辖区（{}）内",
            org.division_code.as_str(),
            account.jurisdiction
        ),
        format!(
            "division {} is outside your jurisdiction ({})",
            org.division_code.as_str(),
            account.jurisdiction
        ),
    )]))
}

/// The stored outlines, indexed.
async fn stored_boundaries(store: &Store) -> Result<Arc<boundary::Boundaries>, StoreError> {
    let rows = store.boundaries().await?;
    let started = std::time::Instant::now();
    let boundaries = rows
        .into_iter()
        .map(boundary_of)
        .collect::<Result<Vec<_>, _>>()?;
    let boundaries = Arc::new(boundary::Boundaries::new(boundaries));
    tracing::info!(
        divisions = boundaries.len(),
        built_ms = started.elapsed().as_millis() as u64,
        "boundaries loaded"
    );
    Ok(boundaries)
}

/// Installs the store's outlines for a process that holds no registry (a command-line
/// import), so that its rows are checked against them as the server would.
pub async fn install_boundaries(store: &Store) -> Result<(), StoreError> {
    boundary::install(stored_boundaries(store).await?);
    Ok(())
}

/// A stored outline as the index holds it.
fn boundary_of(row: BoundaryRow) -> Result<boundary::Boundary, StoreError> {
    let corrupt =
        |what: String| StoreError::Corrupt(format!("boundary {}: {what}", row.division_code));
    let code = DivisionCode::parse(&row.division_code).map_err(|e| corrupt(e.to_string()))?;
    let level = query::parse_level(&row.level).map_err(|_| corrupt(row.level.clone()))?;
    let shape = crate::io::boundaries::geometry_from_json(&row.geometry).map_err(corrupt)?;
    Ok(boundary::Boundary {
        code,
        level,
        name: row.name,
        shape,
    })
}

/// A boundary file imported.
#[derive(Debug)]
pub struct BoundaryImport {
    /// How many divisions' outlines were stored, per level.
    pub by_level: Vec<(&'static str, usize)>,
    /// The repairs made and the features skipped.
    pub notes: Vec<BoundaryNote>,
    /// The coordinate system the file declared.
    pub crs: &'static str,
    /// The import's audit row.
    pub audit_id: i64,
}

/// Stores the division outlines of a boundary file in one transaction with its audit row:
/// all of them, or (with the feature and property named) none. Outlines are reference data
/// for every jurisdiction, so only an administrator (or the operator) imports them.
pub async fn import_boundaries(
    store: &Store,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    options: &BoundaryOptions,
) -> Result<BoundaryImport, RegistryError> {
    if !actor.account.may(Action::Administer) {
        return Err(RegistryError::RoleRefused);
    }
    let file = crate::io::boundaries::read(bytes, options)
        .map_err(|e| FieldError::new("boundaries", e.zh(), e.to_string()))?;
    let mut by_level: Vec<(&'static str, usize)> = Vec::new();
    for b in &file.boundaries {
        let name = b.level.as_str();
        match by_level.iter_mut().find(|(l, _)| *l == name) {
            Some((_, n)) => *n += 1,
            None => by_level.push((name, 1)),
        }
    }
    let rows: Vec<BoundaryRow> = file
        .boundaries
        .iter()
        .map(|b| BoundaryRow {
            division_code: b.code.to_string(),
            level: b.level.as_str().to_owned(),
            name: b.name.clone(),
            geometry: crate::io::boundaries::geometry_json(&b.shape),
        })
        .collect();
    let after = serde_json::json!({
        "file": file_name,
        "crs": file.crs,
        "divisions": rows.len(),
        "levels": by_level.iter().map(|(l, n)| format!("{l} {n}")).collect::<Vec<_>>().join(", "),
        "repairs": file.notes.len(),
    });
    let audit_id = store
        .add_boundaries(&rows, &actor.audit_name, after)
        .await?;
    Ok(BoundaryImport {
        by_level,
        notes: file.notes,
        crs: file.crs,
        audit_id,
    })
}

/// Imports validated organizations (a file's rows, or the demo's generated registry),
/// upserted by key in one transaction with an audit row each: all or nothing. The rows
/// were checked by the reader with the same rules as a registration (including
/// [`party_work::check_recorded`]); `progress` hears how many rows were written.
pub async fn import(
    store: &Store,
    actor: &Actor,
    orgs: &[Organization],
    progress: impl FnMut(usize),
) -> Result<ImportSummary, RegistryError> {
    if !actor.account.may(Action::Register) {
        return Err(RegistryError::RoleRefused);
    }
    orgs.iter().try_for_each(|o| inside(&actor.account, o))?;
    Ok(store.import(orgs, &actor.audit_name, progress).await?)
}
