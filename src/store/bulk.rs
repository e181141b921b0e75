//! How each backend writes an import's new organizations and their audit rows.
//!
//! PostgreSQL takes them through COPY into a staging table and one INSERT ... SELECT that
//! writes the audit rows too. SQLite takes them one row at a time through
//! two prepared statements on sqlx's own connection handle, locked out of sqlx's worker
//! thread for the chunk: through sqlx each of the 27 values of a row is copied twice and
//! each statement crosses to the worker thread and back, which made a million-row import
//! spend 20 µs an organization outside SQLite.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Null;
use sqlx::{PgConnection, SqliteConnection};

use super::row::{self, Column};
use super::{AUDIT, INSERT, StoreError};
use crate::domain::organization::Organization;
use rusqlite::ToSql;
use rusqlite::types::ToSqlOutput;

/// Inserts new organizations with one audit row each (no copy of the organization: see
/// [`super::Store::import`]) and answers how many it inserted.
pub(super) trait InsertNew {
    async fn insert_new(
        &mut self,
        orgs: &[&Organization],
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<u64, StoreError>;
}

/// The columns an import writes, as in [`INSERT`].
fn insert_columns() -> &'static str {
    let (_, rest) = INSERT.split_once('(').expect("INSERT names its columns");
    rest.split_once(')').expect("INSERT names its columns").0
}

impl InsertNew for PgConnection {
    async fn insert_new(
        &mut self,
        orgs: &[&Organization],
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<u64, StoreError> {
        let columns = insert_columns();
        // Lives until the transaction ends; emptied for each chunk by TRUNCATE, which
        // empties a table created in the same transaction in place (DELETE would leave
        // every earlier chunk's rows behind as dead rows for each INSERT to scan).
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE TEMP TABLE IF NOT EXISTS import_staging ON COMMIT DROP AS \
             SELECT {columns} FROM organizations WITH NO DATA"
        )))
        .execute(&mut *self)
        .await?;
        sqlx::query("TRUNCATE import_staging")
            .execute(&mut *self)
            .await?;
        let mut copy = self
            .copy_in_raw(&format!("COPY import_staging ({columns}) FROM STDIN"))
            .await?;
        copy.send(copy_text(orgs, now)).await?;
        copy.finish().await?;
        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "WITH new AS (INSERT INTO organizations ({columns}) \
             SELECT {columns} FROM import_staging RETURNING id) \
             INSERT INTO audit_log (at, actor, action, org_id, before, after) \
             SELECT $1, $2, 'import', id, NULL, NULL FROM new ORDER BY id"
        )))
        .bind(now)
        .bind(actor)
        .execute(&mut *self)
        .await?
        .rows_affected();
        Ok(inserted)
    }
}

/// Rows in COPY's text format (tab-separated, `\\N` for NULL, backslash escapes), in the
/// order of [`insert_columns`].
fn copy_text(orgs: &[&Organization], now: DateTime<Utc>) -> Vec<u8> {
    use std::fmt::Write;
    // PostgreSQL keeps microseconds; cut to them as sqlx does when it binds a timestamp.
    let now = now.format("%Y-%m-%d %H:%M:%S%.6f+00").to_string();
    let mut out = String::with_capacity(orgs.len() * 320);
    for o in orgs {
        for column in row::columns(o) {
            match column {
                Column::Text(Some(v)) => {
                    for c in v.chars() {
                        match c {
                            '\\' => out.push_str("\\\\"),
                            '\t' => out.push_str("\\t"),
                            '\n' => out.push_str("\\n"),
                            '\r' => out.push_str("\\r"),
                            c => out.push(c),
                        }
                    }
                }
                Column::Integer(Some(v)) => {
                    let _ = write!(out, "{v}");
                }
                Column::Real(v) => {
                    let _ = write!(out, "{v}");
                }
                Column::Bool(v) => out.push(if v { 't' } else { 'f' }),
                Column::Date(Some(d)) => {
                    let _ = write!(out, "{d}");
                }
                Column::Text(None) | Column::Integer(None) | Column::Date(None) => {
                    out.push_str("\\N")
                }
            }
            out.push('\t');
        }
        let _ = writeln!(out, "1\t{now}\t{now}");
    }
    out.into_bytes()
}

/// SQLite's prepared statements take a column as sqlx would have bound it (dates as
/// `YYYY-MM-DD` text).
impl ToSql for Column<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Column::Text(v) => v.to_sql()?,
            Column::Integer(v) => v.to_sql()?,
            Column::Real(v) => v.to_sql()?,
            Column::Bool(v) => v.to_sql()?,
            Column::Date(Some(d)) => ToSqlOutput::from(d.to_string()),
            Column::Date(None) => ToSqlOutput::from(Null),
        })
    }
}

impl InsertNew for SqliteConnection {
    async fn insert_new(
        &mut self,
        orgs: &[&Organization],
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<u64, StoreError> {
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
        // created_at and updated_at, the statement's last parameter.
        let created_at = Column::Text(Some(&now));
        for o in orgs {
            insert.execute(rusqlite::params_from_iter(
                row::columns(o).iter().chain(std::iter::once(&created_at)),
            ))?;
            let id = db.last_insert_rowid();
            audit.execute(rusqlite::params![now, actor, "import", id, Null, Null])?;
        }
        drop((insert, audit));
        drop(db);
        Ok(orgs.len() as u64)
    }
}
