//! The system of record: every SQL statement, for SQLite (default) and PostgreSQL.
//!
//! Both backends run the same SQL text (`$n` placeholders work in both); the [`dispatch!`]
//! macro expands one body per backend so each runs on its native driver and types.
//! Every change of an organization writes its audit row in the same transaction.

mod row;

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use serde::Serialize;
use serde_json::Value;
use sqlx::ConnectOptions;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::types::Json;

use crate::domain::coverage::Bbox;
use crate::domain::history::Change;
use crate::domain::organization::{Kind, OrgKey, Organization, Status};
use crate::domain::stored::StoredOrganization;
use row::OrgRow;

/// What went wrong in the store, in terms the web layer can answer with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("organization {0} not found")]
    NotFound(i64),
    #[error(
        "stale version: the organization is at version {current}, the change was based on {expected}"
    )]
    StaleVersion { expected: i64, current: i64 },
    #[error("an organization with the key {0} is already registered")]
    Duplicate(String),
    #[error("a user named {0} already exists")]
    UserExists(String),
    #[error("no user is named {0}")]
    UnknownUser(String),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database named cannot be used: an unknown kind, or a server that does not
    /// answer; said at once, with the cause.
    #[error("{0}")]
    Unreachable(String),
}

/// The database behind the registry.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool and `$begin` to the statement that
/// opens a write transaction. SQLite needs `BEGIN IMMEDIATE`: a deferred transaction that
/// reads and then writes can fail at once with SQLITE_BUSY when another writer is active.
macro_rules! dispatch {
    ($store:expr, |$pool:ident, $begin:ident| $body:expr) => {
        match $store {
            Store::Sqlite($pool) => {
                let $begin = "BEGIN IMMEDIATE";
                $body
            }
            Store::Postgres($pool) => {
                let $begin = "BEGIN";
                $body
            }
        }
    };
}

/// Binds the 26 organization columns of [`row::columns`].
macro_rules! bind_org {
    ($query:expr, $org:expr) => {{
        let mut query = $query;
        for column in row::columns($org) {
            query = match column {
                row::Column::Text(v) => query.bind(v.map(str::to_owned)),
                row::Column::Integer(v) => query.bind(v),
                row::Column::Real(v) => query.bind(v),
                row::Column::Bool(v) => query.bind(v),
                row::Column::Date(v) => query.bind(v),
            };
        }
        query
    }};
}

mod bulk;
use bulk::InsertNew;

const INSERT: &str = "INSERT INTO organizations (credit_code, name, kind, level, division_code, \
    address, lon, lat, cell, industry, supervisor, is_industry_association, association, \
    member_units, staff, formal_members, probationary_members, members_elsewhere, registered_on, \
    status, party_org, party_org_established_on, last_election_on, last_report_on, instructor, \
    division_source, deregistered_on, version, created_at, updated_at) VALUES ($1, $2, $3, $4, \
    $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, \
    $24, $25, $26, $27, 1, $28, $28) RETURNING id";

const UPDATE: &str = "UPDATE organizations SET credit_code = $1, name = $2, kind = $3, \
    level = $4, division_code = $5, address = $6, lon = $7, lat = $8, cell = $9, industry = $10, \
    supervisor = $11, is_industry_association = $12, association = $13, member_units = $14, \
    staff = $15, formal_members = $16, probationary_members = $17, members_elsewhere = $18, \
    registered_on = $19, status = $20, party_org = $21, party_org_established_on = $22, \
    last_election_on = $23, last_report_on = $24, instructor = $25, division_source = $26, \
    deregistered_on = $27, version = version + 1, updated_at = $28 WHERE id = $29 AND version = $30";

const AUDIT: &str = "INSERT INTO audit_log (at, actor, action, org_id, before, after) \
    VALUES ($1, $2, $3, $4, $5, $6)";

/// An importing SQLite connection's page cache: 256 MiB (allocated only as used).
const IMPORT_CACHE: &str = "PRAGMA cache_size = -262144";
/// SQLite's default page cache, 2 MiB, for every other use.
const DEFAULT_CACHE: &str = "PRAGMA cache_size = -2000";

/// Organizations per statement in imports: 27 parameters each stays under both backends'
/// limits on bound parameters (SQLite 32,766, PostgreSQL 65,535).
const IMPORT_CHUNK: usize = 500;

/// New organizations written at once: PostgreSQL copies each batch into a staging table
/// and inserts it with its audit rows in one statement.
const NEW_ROWS_BATCH: usize = 20_000;

/// Whether the registry holds no organization yet.
const REGISTRY_IS_EMPTY: &str = "SELECT NOT EXISTS (SELECT 1 FROM organizations)";

/// From this many organizations, an import into an empty SQLite registry drops the
/// secondary indexes and creates them again at the end, in the same transaction.
const REBUILD_INDEXES_FROM: usize = 10_000;

/// How a statement built at run time writes its placeholders. SQLite gets bare `?`: it
/// resolves each named parameter (`$n`) by a linear scan, which makes binding the
/// thousands of parameters of a multi-row INSERT quadratic.
#[derive(Clone, Copy)]
enum Placeholders {
    Question,
    Dollar,
}

impl Placeholders {
    /// `count` placeholders numbered from `first`, comma-separated.
    fn list(self, first: usize, count: usize) -> String {
        let one = |i: usize| match self {
            Placeholders::Question => "?".to_owned(),
            Placeholders::Dollar => format!("${i}"),
        };
        (first..first + count)
            .map(one)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `SELECT * ... WHERE {condition} (p1, ..., pn)`.
    fn select_in(self, condition: &str, n: usize) -> String {
        format!(
            "SELECT * FROM organizations WHERE {condition} ({})",
            self.list(1, n)
        )
    }
}

const BY_ID: &str = "SELECT * FROM organizations WHERE id = $1";

/// Filters of the organization list; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    /// Leading digits of the division code (2 = province ... 12 = village).
    pub division_prefix: Option<String>,
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    /// Part of the name, matched literally.
    pub name_contains: Option<String>,
    pub bbox: Option<Bbox>,
}

/// One page of a list.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// Which audit rows a reader asks for (every part optional).
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditFilter<'a> {
    pub action: Option<&'a str>,
    /// An account's name: its rows from every door and the command line.
    pub account: Option<&'a str>,
    /// From this moment on.
    pub from: Option<DateTime<Utc>>,
    /// Before this moment.
    pub until: Option<DateTime<Utc>>,
}

/// One audit row: who changed what and when, before and after.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who: the account name and the address it came from (`name@address`).
    pub actor: String,
    /// register, update, import, deregister, party work recorded, ...
    pub action: String,
    pub org_id: Option<i64>,
    /// The organization before the change (none for a registration).
    #[schema(value_type = Option<Object>)]
    pub before: Option<Json<Value>>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Json<Value>>,
}

impl AuditEntry {
    /// Whether this row records an import's new organization as stored, without a copy
    /// of it (see [`Store::import`]): its "after" is the organization's first version.
    fn awaits_first_version(&self) -> bool {
        self.before.is_none() && self.after.is_none() && self.action == "import"
    }
}

enum Param {
    Text(String),
    Real(f64),
}

impl OrgFilter {
    /// The WHERE clause with `$n` placeholders, and the values to bind in order.
    fn to_sql(&self) -> (String, Vec<Param>) {
        let mut clauses = Vec::new();
        let mut params = Vec::new();
        let next = |p: Param, params: &mut Vec<Param>| {
            params.push(p);
            format!("${}", params.len())
        };
        if let Some(prefix) = &self.division_prefix {
            // A range on the 12-digit code uses the index, unlike LIKE in SQLite.
            let low = next(Param::Text(format!("{prefix:0<12}")), &mut params);
            let high = next(Param::Text(format!("{prefix:9<12}")), &mut params);
            clauses.push(format!("division_code BETWEEN {low} AND {high}"));
        }
        if let Some(kind) = self.kind {
            let p = next(Param::Text(kind.as_str().into()), &mut params);
            clauses.push(format!("kind = {p}"));
        }
        if let Some(status) = self.status {
            let p = next(Param::Text(status.as_str().into()), &mut params);
            clauses.push(format!("status = {p}"));
        }
        if let Some(text) = &self.name_contains {
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let p = next(Param::Text(format!("%{escaped}%")), &mut params);
            clauses.push(format!("name LIKE {p} ESCAPE '\\'"));
        }
        if let Some(b) = self.bbox {
            let w = next(Param::Real(b.west), &mut params);
            let e = next(Param::Real(b.east), &mut params);
            let s = next(Param::Real(b.south), &mut params);
            let n = next(Param::Real(b.north), &mut params);
            clauses.push(format!(
                "lon BETWEEN {w} AND {e} AND lat BETWEEN {s} AND {n}"
            ));
        }
        let sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        (sql, params)
    }
}

macro_rules! bind_params {
    ($query:expr, $params:expr) => {{
        let mut q = $query;
        for p in $params {
            q = match p {
                Param::Text(s) => q.bind(s.clone()),
                Param::Real(v) => q.bind(*v),
            };
        }
        q
    }};
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// The audit log's JSON of an organization, serialized straight from the struct.
fn audit_json(org: &StoredOrganization) -> Json<StoredOrganization> {
    Json(org.clone())
}

impl Store {
    /// Opens the database named by `url` (`sqlite://FILE`, a plain file path, or
    /// `postgres://...`), creating a SQLite file if missing, and applies migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, None).await
    }

    /// [`Store::open`] with one connection, for a command that does one thing at a time
    /// (an import): a SQLite file only this connection holds lets a first load write
    /// without the WAL (see [`Store::import`]).
    pub async fn open_single(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, Some(1)).await
    }

    async fn open_with(url: &str, connections: Option<u32>) -> Result<Self, StoreError> {
        if let Some((scheme, _)) = url.split_once("://")
            && !["sqlite", "postgres", "postgresql"].contains(&scheme)
        {
            return Err(StoreError::Unreachable(format!(
                "不支持的数据库类型“{scheme}”：请用 SQLite 文件路径（或 sqlite://FILE）或 postgres://… \
                 (unknown database kind '{scheme}': give a SQLite file path, sqlite://FILE, or postgres://...)"
            )));
        }
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // One connection first: a wrong host or port is said at once with its cause
            // (connection refused, unknown host, wrong password), where the pool would
            // retry until its timeout and say only that it timed out.
            let options: sqlx::postgres::PgConnectOptions = url.parse()?;
            if let Err(e) = sqlx::Connection::close(
                <sqlx::PgConnection as sqlx::Connection>::connect_with(&options).await.map_err(
                    |e| {
                        StoreError::Unreachable(format!(
                            "无法连接 PostgreSQL {}:{}：{e} (cannot connect to PostgreSQL at {}:{}: {e})",
                            options.get_host(),
                            options.get_port(),
                            options.get_host(),
                            options.get_port()
                        ))
                    },
                )?,
            )
            .await
            {
                tracing::debug!(error = %e, "closing the first connection");
            }
            let pool = PgPoolOptions::new()
                .max_connections(connections.unwrap_or(16))
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Store::Postgres(pool)
        } else {
            let options = if url.starts_with("sqlite:") {
                SqliteConnectOptions::from_str(url)?
            } else {
                SqliteConnectOptions::new().filename(url)
            };
            let options = options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Statement journals (of multi-row statements) and other temporary files
                // stay in memory: SQLite would otherwise write them to disk and read them
                // back within the statement.
                .pragma("temp_store", "memory")
                // A statement over a second is news in a server's log, not a warning to
                // whoever runs an import that builds indexes over a million rows.
                .log_slow_statements(log::LevelFilter::Info, Duration::from_secs(1));
            let pool = SqlitePoolOptions::new()
                .max_connections(connections.unwrap_or(8))
                .connect_with(options)
                .await?;
            Store::Sqlite(pool)
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations this build carries; already applied ones are skipped.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    fn placeholders(&self) -> Placeholders {
        match self {
            Store::Sqlite(_) => Placeholders::Question,
            Store::Postgres(_) => Placeholders::Dollar,
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// The pool's open connections and how many of them are idle.
    pub fn pool_connections(&self) -> (u32, u32) {
        match self {
            Store::Sqlite(pool) => (pool.size(), pool.num_idle() as u32),
            Store::Postgres(pool) => (pool.size(), pool.num_idle() as u32),
        }
    }

    pub async fn close(&self) {
        dispatch!(self, |pool, _begin| pool.close().await)
    }

    /// Registers a new organization; its key must not be registered yet.
    pub async fn create(
        &self,
        org: &Organization,
        actor: &str,
    ) -> Result<StoredOrganization, StoreError> {
        let now = Utc::now();
        dispatch!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let id: i64 = bind_org!(sqlx::query_scalar(INSERT), org)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Duplicate(org.key().to_string())
                    } else {
                        e.into()
                    }
                })?;
            let stored = row::stored(id, 1, org.clone());
            sqlx::query(AUDIT)
                .bind(now)
                .bind(actor)
                .bind("create")
                .bind(id)
                .bind(None::<Json<StoredOrganization>>)
                .bind(Some(audit_json(&stored)))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(stored)
        })
    }

    pub async fn get(&self, id: i64) -> Result<Option<StoredOrganization>, StoreError> {
        dispatch!(self, |pool, _begin| {
            let row: Option<OrgRow> = sqlx::query_as(BY_ID).bind(id).fetch_optional(pool).await?;
            row.map(OrgRow::into_stored).transpose()
        })
    }

    /// Replaces an organization's fields if it is still at `expected_version`; a stale
    /// version changes nothing and reports the current one. `action` names the change in
    /// the audit log (`update`, `deregister`, ...).
    pub async fn update(
        &self,
        id: i64,
        expected_version: i64,
        org: &Organization,
        actor: &str,
        action: &str,
    ) -> Result<StoredOrganization, StoreError> {
        let mut done = self
            .update_all(&[(id, expected_version, org.clone())], actor, action)
            .await?;
        Ok(done.remove(0))
    }

    /// Changes several organizations in one transaction, each at the version it was read
    /// at: all are changed, each with its audit row, or none is (a joint branch founded
    /// for its members, say).
    pub async fn update_all(
        &self,
        changes: &[(i64, i64, Organization)],
        actor: &str,
        action: &str,
    ) -> Result<Vec<StoredOrganization>, StoreError> {
        let now = Utc::now();
        dispatch!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let mut changed = Vec::with_capacity(changes.len());
            for (id, expected_version, org) in changes {
                let (id, expected_version) = (*id, *expected_version);
                let before: Option<OrgRow> = sqlx::query_as(BY_ID)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let before = before.ok_or(StoreError::NotFound(id))?.into_stored()?;
                if before.version != expected_version {
                    return Err(StoreError::StaleVersion {
                        expected: expected_version,
                        current: before.version,
                    });
                }
                let done = bind_org!(sqlx::query(UPDATE), org)
                    .bind(now)
                    .bind(id)
                    .bind(expected_version)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| {
                        if is_unique_violation(&e) {
                            StoreError::Duplicate(org.key().to_string())
                        } else {
                            e.into()
                        }
                    })?;
                if done.rows_affected() != 1 {
                    // Another writer got in between our read and write (PostgreSQL reads
                    // without locking): the same answer as any stale version.
                    return Err(StoreError::StaleVersion {
                        expected: expected_version,
                        current: expected_version + 1,
                    });
                }
                let after = row::stored(id, expected_version + 1, org.clone());
                sqlx::query(AUDIT)
                    .bind(now)
                    .bind(actor)
                    .bind(action)
                    .bind(id)
                    .bind(Some(audit_json(&before)))
                    .bind(Some(audit_json(&after)))
                    .execute(&mut *tx)
                    .await?;
                changed.push(after);
            }
            tx.commit().await?;
            Ok(changed)
        })
    }

    /// A page of organizations matching `filter`, ordered by id, and the total that match.
    pub async fn list(
        &self,
        filter: &OrgFilter,
        page: Page,
    ) -> Result<(Vec<StoredOrganization>, i64), StoreError> {
        let (clause, params) = filter.to_sql();
        let n = params.len();
        let select = format!(
            "SELECT * FROM organizations{clause} ORDER BY id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let count = format!("SELECT COUNT(*) FROM organizations{clause}");
        dispatch!(self, |pool, _begin| {
            let rows: Vec<OrgRow> =
                bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(select)), &params)
                    .bind(page.limit)
                    .bind(page.offset)
                    .fetch_all(pool)
                    .await?;
            let total: i64 = bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(count)), &params)
                .fetch_one(pool)
                .await?;
            let items = rows
                .into_iter()
                .map(OrgRow::into_stored)
                .collect::<Result<_, _>>()?;
            Ok((items, total))
        })
    }

    /// The audit rows of one organization, oldest first.
    pub async fn history(&self, id: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let mut entries: Vec<AuditEntry> = dispatch!(self, |pool, _begin| {
            sqlx::query_as(
                "SELECT id, at, actor, action, org_id, before, after FROM audit_log \
                 WHERE org_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        self.fill_first_versions(&mut entries).await?;
        Ok(entries)
    }

    /// A page of the audit log, newest first: `limit` rows older than `before` (all when
    /// None), optionally of one action.
    pub async fn audit_recent(
        &self,
        limit: i64,
        before: Option<i64>,
        filter: &AuditFilter<'_>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut entries: Vec<AuditEntry> = dispatch!(self, |pool, _begin| {
            // An account's rows: `name@address` from a door, `cli:name` from the command line.
            sqlx::query_as(
                "SELECT id, at, actor, action, org_id, before, after FROM audit_log \
                 WHERE ($1 IS NULL OR id < $1) AND ($2 IS NULL OR action = $2) \
                 AND ($4 IS NULL OR substr(actor, 1, length($4) + 1) = $4 || '@' OR actor = 'cli:' || $4) \
                 AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6) \
                 ORDER BY id DESC LIMIT $3",
            )
            .bind(before)
            .bind(filter.action)
            .bind(limit)
            .bind(filter.account)
            .bind(filter.from)
            .bind(filter.until)
            .fetch_all(pool)
            .await?
        });
        self.fill_first_versions(&mut entries).await?;
        Ok(entries)
    }

    /// The changes of organizations written from `moment` on and after the audit row
    /// `after_id`, in the order written, each with its audit row's id and the versions
    /// before and after it (an assignment of a task is not a change of the organization).
    pub async fn changes_after(
        &self,
        moment: DateTime<Utc>,
        after_id: i64,
    ) -> Result<Vec<(i64, i64, Change)>, StoreError> {
        type Row = (
            i64,
            i64,
            DateTime<Utc>,
            Option<Json<Value>>,
            Option<Json<Value>>,
        );
        let rows: Vec<Row> = dispatch!(self, |pool, _begin| {
            sqlx::query_as(
                "SELECT id, org_id, at, before, after FROM audit_log \
                 WHERE id > $1 AND at >= $2 AND org_id IS NOT NULL AND action <> $3 ORDER BY id",
            )
            .bind(after_id)
            .bind(moment)
            .bind(ASSIGN_TASK)
            .fetch_all(pool)
            .await?
        });
        let version = |audit_id: i64, json: Option<Json<Value>>| {
            json.map(|j| {
                StoredOrganization::from_audit(&j.0)
                    .map(Box::new)
                    .map_err(|e| StoreError::Corrupt(format!("audit row {audit_id}: {e}")))
            })
            .transpose()
        };
        rows.into_iter()
            .map(|(audit_id, org_id, at, before, after)| {
                Ok((
                    audit_id,
                    org_id,
                    Change {
                        at,
                        before: version(audit_id, before)?,
                        after: version(audit_id, after)?,
                    },
                ))
            })
            .collect()
    }

    /// Every audit row, oldest first (for checks and exports of the log).
    pub async fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let mut entries: Vec<AuditEntry> = dispatch!(self, |pool, _begin| {
            sqlx::query_as(
                "SELECT id, at, actor, action, org_id, before, after FROM audit_log ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        });
        self.fill_first_versions(&mut entries).await?;
        Ok(entries)
    }

    /// Fills in the "after" of the audit rows that record an import's new organization
    /// (see [`Store::import`]): its first version, which is the "before" of its first
    /// later change, or the stored row while it has none.
    async fn fill_first_versions(&self, entries: &mut [AuditEntry]) -> Result<(), StoreError> {
        let imported: Vec<i64> = entries
            .iter()
            .filter(|e| e.awaits_first_version())
            .filter_map(|e| e.org_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if imported.is_empty() {
            return Ok(());
        }
        let sql = self.placeholders();
        let mut first: HashMap<i64, Value> = HashMap::new();
        for chunk in imported.chunks(IMPORT_CHUNK) {
            let select = format!(
                "SELECT org_id, before FROM audit_log WHERE id IN (SELECT MIN(id) FROM audit_log \
                 WHERE before IS NOT NULL AND org_id IN ({}) GROUP BY org_id)",
                sql.list(1, chunk.len())
            );
            let rows: Vec<(i64, Json<Value>)> = dispatch!(self, |pool, _begin| {
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(select));
                for id in chunk {
                    query = query.bind(*id);
                }
                query.fetch_all(pool).await?
            });
            first.extend(rows.into_iter().map(|(id, before)| (id, before.0)));
        }
        let unchanged: Vec<i64> = imported
            .into_iter()
            .filter(|id| !first.contains_key(id))
            .collect();
        for org in self.get_many(&unchanged).await? {
            if org.version == 1 {
                let json =
                    serde_json::to_value(&org).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                first.insert(org.id, json);
            }
        }
        for e in entries.iter_mut() {
            if e.awaits_first_version()
                && let Some(version_one) = e.org_id.and_then(|id| first.get(&id))
            {
                e.after = Some(Json(version_one.clone()));
            }
        }
        Ok(())
    }

    /// The organizations changed by audit rows after `audit_id`, and the last audit id
    /// seen (or `audit_id` if there is none): the change feed that keeps a server's
    /// snapshot current when another process (an import) writes.
    pub async fn changes_since(&self, audit_id: i64) -> Result<(i64, Vec<i64>), StoreError> {
        dispatch!(self, |pool, _begin| {
            let rows: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT MAX(id), org_id FROM audit_log \
                 WHERE id > $1 AND org_id IS NOT NULL GROUP BY org_id",
            )
            .bind(audit_id)
            .fetch_all(pool)
            .await?;
            let last = rows.iter().map(|r| r.0).max().unwrap_or(audit_id);
            Ok((last, rows.into_iter().map(|r| r.1).collect()))
        })
    }

    /// The last audit row's id (0 when there is none).
    pub async fn last_audit_id(&self) -> Result<i64, StoreError> {
        dispatch!(self, |pool, _begin| {
            let last: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
                .fetch_one(pool)
                .await?;
            Ok(last.unwrap_or(0))
        })
    }

    /// The organizations with these ids (those that exist), in id order.
    pub async fn get_many(&self, ids: &[i64]) -> Result<Vec<StoredOrganization>, StoreError> {
        let sql = self.placeholders();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IMPORT_CHUNK) {
            let select = format!("{} ORDER BY id", sql.select_in("id IN", chunk.len()));
            dispatch!(self, |pool, _begin| {
                let mut query = sqlx::query_as::<_, OrgRow>(sqlx::AssertSqlSafe(select));
                for id in chunk {
                    query = query.bind(*id);
                }
                for row in query.fetch_all(pool).await? {
                    out.push(row.into_stored()?);
                }
            });
        }
        Ok(out)
    }

    pub async fn count(&self) -> Result<i64, StoreError> {
        dispatch!(self, |pool, _begin| {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
                .fetch_one(pool)
                .await?)
        })
    }

    /// Upserts organizations by their key in one transaction: all are written or none.
    /// An unchanged organization is left alone (no new version, no audit row). Keys must be
    /// unique within `orgs` (the CSV reader reports duplicates). `progress` is called with
    /// the number of organizations done after each chunk.
    ///
    /// Work goes in chunks: one query finds a chunk's existing rows, one multi-row INSERT
    /// adds its new ones and one more their audit rows, so a million rows take thousands of
    /// statements, not millions. A new organization's audit row names it without copying
    /// it: its "after" is its first version, which readers of the log get filled in (see
    /// [`Store::history`]); copying it would write the registry twice.
    pub async fn import(
        &self,
        orgs: &[Organization],
        actor: &str,
        mut progress: impl FnMut(usize),
    ) -> Result<ImportSummary, StoreError> {
        let now = Utc::now();
        let mut summary = ImportSummary::default();
        let sql = self.placeholders();
        let sqlite = matches!(self, Store::Sqlite(_));
        dispatch!(self, |pool, begin| {
            let mut conn = pool.acquire().await?;
            if sqlite {
                // A large page cache for this connection while it imports: bulk imports
                // insert into indexes at random places, and SQLite's default 2 MiB makes
                // every insert read its index pages back from the WAL. The other
                // connections, and this one afterwards, keep the default.
                sqlx::query(IMPORT_CACHE).execute(&mut *conn).await?;
            }
            // A first load (a large import into an empty registry) writes each page once,
            // through SQLite's rollback journal, instead of twice (into the WAL, then copied
            // into the file when the WAL is checkpointed). SQLite allows the switch only when
            // no other connection has the file open; otherwise the import keeps the WAL.
            // Synchronous FULL makes the commit as durable as the WAL's; the connection
            // goes back to the WAL before it is used again, and every connection opens in it.
            let mut rollback_journal = false;
            if sqlite && orgs.len() >= REBUILD_INDEXES_FROM {
                let empty: bool = sqlx::query_scalar(REGISTRY_IS_EMPTY)
                    .fetch_one(&mut *conn)
                    .await?;
                if empty {
                    let mode = sqlx::query_scalar::<_, String>("PRAGMA journal_mode = DELETE")
                        .fetch_one(&mut *conn)
                        .await;
                    rollback_journal = matches!(mode.as_deref(), Ok("delete"));
                    if rollback_journal {
                        sqlx::query("PRAGMA synchronous = FULL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    tracing::debug!(rollback_journal, "first load into an empty registry");
                }
            }
            let imported: Result<(), StoreError> = async {
                let mut tx = sqlx::Connection::begin_with(&mut *conn, begin).await?;
                // Into an empty registry nothing can match: no lookups, and SQLite builds
                // the secondary indexes once at the end (a sort) instead of inserting a
                // million entries at random places in each.
                let empty: bool = sqlx::query_scalar(REGISTRY_IS_EMPTY)
                    .fetch_one(&mut *tx)
                    .await?;
                let mut rebuild: Vec<String> = Vec::new();
                if sqlite && empty && orgs.len() >= REBUILD_INDEXES_FROM {
                    let indexes: Vec<(String, String)> = sqlx::query_as(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' \
                         AND tbl_name = 'organizations' AND sql IS NOT NULL",
                    )
                    .fetch_all(&mut *tx)
                    .await?;
                    for (name, create) in indexes {
                        sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX \"{name}\"")))
                            .execute(&mut *tx)
                            .await?;
                        rebuild.push(create);
                    }
                }
                // New organizations wait for a batch: their keys are unique in the file, so
                // no later chunk's lookup can need them.
                let mut new: Vec<&Organization> = Vec::with_capacity(NEW_ROWS_BATCH);
                for chunk in orgs.chunks(IMPORT_CHUNK) {
                    let mut existing: HashMap<OrgKey, StoredOrganization> = HashMap::new();
                    if !empty {
                        let codes: Vec<&str> = chunk
                            .iter()
                            .filter_map(|o| o.credit_code.as_ref().map(|c| c.as_str()))
                            .collect();
                        let names: Vec<&str> = chunk
                            .iter()
                            .filter(|o| o.credit_code.is_none())
                            .map(|o| o.name.as_str())
                            .collect();
                        let chunk_keys: HashSet<OrgKey> =
                            chunk.iter().map(Organization::key).collect();
                        for (sql, values) in [
                            (sql.select_in("credit_code IN", codes.len()), &codes),
                            // Matched on name through the partial index of community
                            // organizations; the division is checked below.
                            (
                                sql.select_in("credit_code IS NULL AND name IN", names.len()),
                                &names,
                            ),
                        ] {
                            if values.is_empty() {
                                continue;
                            }
                            let mut query = sqlx::query_as::<_, OrgRow>(sqlx::AssertSqlSafe(sql));
                            for v in values.iter() {
                                query = query.bind(*v);
                            }
                            for row in query.fetch_all(&mut *tx).await? {
                                let stored = row.into_stored()?;
                                let key = stored.org.key();
                                if chunk_keys.contains(&key) {
                                    existing.insert(key, stored);
                                }
                            }
                        }
                    }

                    for org in chunk {
                        let Some(before) = existing.get(&org.key()) else {
                            new.push(org);
                            continue;
                        };
                        if before.org == *org {
                            summary.unchanged += 1;
                            continue;
                        }
                        bind_org!(sqlx::query(UPDATE), org)
                            .bind(now)
                            .bind(before.id)
                            .bind(before.version)
                            .execute(&mut *tx)
                            .await?;
                        let after = row::stored(before.id, before.version + 1, org.clone());
                        sqlx::query(AUDIT)
                            .bind(now)
                            .bind(actor)
                            .bind("import")
                            .bind(before.id)
                            .bind(Some(audit_json(before)))
                            .bind(Some(audit_json(&after)))
                            .execute(&mut *tx)
                            .await?;
                        summary.updated += 1;
                    }

                    if new.len() >= NEW_ROWS_BATCH {
                        summary.inserted += (*tx).insert_new(&new, now, actor).await?;
                        new.clear();
                    }
                    progress(chunk.len());
                }
                if !new.is_empty() {
                    summary.inserted += (*tx).insert_new(&new, now, actor).await?;
                }
                for create in rebuild {
                    sqlx::query(sqlx::AssertSqlSafe(create))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }
            .await;
            // The connection's own settings back as they were. Failing that must not turn
            // a committed import into an error: the connection is closed instead of going
            // back to the pool, and every new connection opens in WAL with the default cache.
            let mut restore = Vec::new();
            if rollback_journal {
                restore.extend(["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"]);
            }
            if sqlite {
                restore.push(DEFAULT_CACHE);
            }
            for pragma in restore {
                if let Err(error) = sqlx::query(pragma).execute(&mut *conn).await {
                    tracing::warn!(%error, pragma, "closing the import's connection");
                    conn.close_on_drop();
                    break;
                }
            }
            imported.map(|()| summary)
        })
    }

    /// Every organization in id order, in memory (for the snapshot and analyses).
    pub async fn all_organizations(&self) -> Result<Vec<StoredOrganization>, StoreError> {
        let mut orgs = Vec::new();
        self.for_each(|org| {
            orgs.push(org);
            Ok::<_, StoreError>(())
        })
        .await?;
        Ok(orgs)
    }

    /// Calls `each` with every organization in id order, streaming (for exports).
    pub async fn for_each<E>(
        &self,
        mut each: impl FnMut(StoredOrganization) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<StoreError>,
    {
        match self {
            Store::Sqlite(pool) => {
                // In batches of ids, each batch one JSON value (see `row::SQLITE_BATCH`);
                // SQLite writes the next batch while this one is read.
                const BATCH: i64 = 20_000;
                let last: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(id), -1) FROM organizations")
                        .fetch_one(pool)
                        .await
                        .map_err(StoreError::from)?;
                let fetch = |from: i64| {
                    let pool = pool.clone();
                    tokio::spawn(async move {
                        sqlx::query_scalar::<_, Option<String>>(row::SQLITE_BATCH)
                            .bind(from)
                            .bind(from + BATCH)
                            .fetch_one(&pool)
                            .await
                    })
                };
                let mut from = 0;
                let mut pending = (from <= last).then(|| fetch(from));
                while let Some(batch) = pending.take() {
                    let batch = batch
                        .await
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?
                        .map_err(StoreError::from)?;
                    from += BATCH;
                    if from <= last {
                        pending = Some(fetch(from));
                    }
                    let rows: Vec<row::BatchRow> =
                        serde_json::from_str(batch.as_deref().unwrap_or("[]"))
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    for row in rows {
                        each(row.into_row()?.into_stored()?)?;
                    }
                }
                Ok(())
            }
            Store::Postgres(pool) => {
                let mut rows =
                    sqlx::query_as::<_, OrgRow>("SELECT * FROM organizations ORDER BY id")
                        .fetch(pool);
                while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
                    each(row.into_stored()?)?;
                }
                Ok(())
            }
        }
    }
}

// After the macros it uses.
mod access;
mod boundaries;
pub use boundaries::BoundaryRow;
mod tasks;
pub use tasks::ASSIGN_TASK;
pub mod backup;
pub use access::{Bookkept, StoredUser, TokenInfo};
