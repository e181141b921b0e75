//! How each backend writes an import's new organizations and their audit rows.
//!
//! PostgreSQL takes them as multi-row INSERTs. SQLite takes them one row at a time through
//! two prepared statements on sqlx's own connection handle, locked out of sqlx's worker
//! thread for the chunk: through sqlx each of the 27 values of a row is copied twice and
//! each statement crosses to the worker thread and back, which made a million-row import
//! spend 20 µs an organization outside SQLite.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Null;
use sqlx::{PgConnection, SqliteConnection};

use super::{AUDIT, INSERT, Placeholders, StoreError, row};
use crate::domain::organization::Organization;

/// Inserts new organizations with one audit row each (no copy of the organization: see
/// [`super::Store::import`]) and answers their ids, in the order given.
pub(super) trait InsertNew {
    async fn insert_new(
        &mut self,
        orgs: &[&Organization],
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<Vec<i64>, StoreError>;
}

impl InsertNew for PgConnection {
    async fn insert_new(
        &mut self,
        orgs: &[&Organization],
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<Vec<i64>, StoreError> {
        let sql = Placeholders::Dollar;
        let mut insert =
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.insert_many(orgs.len())));
        for org in orgs {
            insert = bind_org!(insert, org).bind(now).bind(now);
        }
        let ids = insert.fetch_all(&mut *self).await?;
        let mut audit = sqlx::query(sqlx::AssertSqlSafe(sql.audit_many(ids.len())));
        for id in &ids {
            audit = audit.bind(now).bind(actor).bind("import").bind(*id);
        }
        audit.execute(&mut *self).await?;
        Ok(ids)
    }
}

impl InsertNew for SqliteConnection {
    async fn insert_new(
        &mut self,
        orgs: &[&Organization],
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<Vec<i64>, StoreError> {
        // As sqlx writes a DateTime<Utc> into SQLite, so that it reads it back.
        let now = now.to_rfc3339_opts(SecondsFormat::AutoSi, false);
        let mut handle = self.lock_handle().await?;
        // SAFETY: while `handle` lives, sqlx's worker thread makes no call on this
        // connection or its statements; `from_handle` borrows the connection (it is not
        // closed on drop), and both statements are finalized before it is dropped.
        let db = unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
        let insert_sql = INSERT.trim_end_matches(" RETURNING id");
        let mut insert = db.prepare(insert_sql)?;
        let mut audit = db.prepare(AUDIT)?;
        let mut ids = Vec::with_capacity(orgs.len());
        for o in orgs {
            insert.execute(rusqlite::params![
                o.credit_code.as_ref().map(|c| c.as_str()),
                o.name,
                o.kind.as_str(),
                o.level.as_str(),
                o.division_code.as_str(),
                o.address,
                o.location.lon,
                o.location.lat,
                row::cell_column(o),
                o.industry,
                o.supervisor,
                o.is_industry_association,
                o.association.as_ref().map(|c| c.as_str()),
                o.member_units,
                o.staff,
                o.formal_members,
                o.probationary_members,
                o.members_elsewhere,
                o.registered_on.map(|d| d.to_string()),
                o.status.as_str(),
                o.party_org.as_str(),
                o.party_org_established_on.map(|d| d.to_string()),
                o.last_election_on.map(|d| d.to_string()),
                o.last_report_on.map(|d| d.to_string()),
                o.instructor,
                now,
            ])?;
            let id = db.last_insert_rowid();
            audit.execute(rusqlite::params![now, actor, "import", id, Null, Null])?;
            ids.push(id);
        }
        drop((insert, audit));
        drop(db);
        Ok(ids)
    }
}
