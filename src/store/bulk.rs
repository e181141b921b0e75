//! How each backend writes an import's new organizations and their audit rows.
//!
//! PostgreSQL takes them through COPY into a staging table and one INSERT ... SELECT that
//! writes the audit rows too. SQLite takes them 64 rows to a prepared statement on sqlx's
//! own connection handle, locked out of sqlx's worker thread for the batch (through sqlx
//! each of the 27 values of a row is copied twice and each statement crosses to the worker
//! thread and back, which made a million-row import spend 20 µs an organization outside
//! SQLite), and their audit rows with one INSERT ... SELECT.

use std::fmt::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{PgConnection, SqliteConnection};

use super::row::{self, Column};
use super::{INSERT, StoreError};
use crate::domain::organization::Organization;
use rusqlite::ToSql;
use rusqlite::types::{Null, ToSqlOutput};

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
                Column::Real(Some(v)) => {
                    let _ = write!(out, "{v}");
                }
                Column::Bool(v) => out.push(if v { 't' } else { 'f' }),
                Column::Date(Some(d)) => {
                    let _ = write!(out, "{d}");
                }
                Column::Text(None)
                | Column::Integer(None)
                | Column::Real(None)
                | Column::Date(None) => out.push_str("\\N"),
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

/// Organizations per SQLite INSERT statement. SQLite updates the AUTOINCREMENT sequence
/// and resets the statement once per statement, not per row; 64 rows are 1,601 parameters.
const ROWS_PER_INSERT: usize = 64;

/// A multi-row INSERT of `rows` organizations: `?1` is the creation time, then each row's
/// 26 columns by number (SQLite finds `?NNN` directly, where a name costs a search).
fn sqlite_multi_row_insert(rows: usize) -> String {
    let mut sql = format!("INSERT INTO organizations ({}) VALUES ", insert_columns());
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..row::COLUMNS {
            let _ = write!(sql, "?{}, ", 2 + row * row::COLUMNS + column);
        }
        sql.push_str("1, ?1, ?1)");
    }
    sql
}

/// The audit rows of the organizations just inserted: every id above the largest before
/// them, since the import's transaction is the only writer.
const SQLITE_AUDIT_NEW: &str = "INSERT INTO audit_log (at, actor, action, org_id, before, after) \
    SELECT ?1, ?2, 'import', id, NULL, NULL FROM organizations WHERE id > ?3 ORDER BY id";

impl InsertNew for SqliteConnection {
    #[allow(
        unsafe_code,
        reason = "rusqlite borrows sqlx's SQLite handle for the bulk import"
    )]
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
        // closed on drop), and every statement is finalized before it is dropped.
        let db = unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
        let last_before: i64 =
            db.query_row("SELECT COALESCE(MAX(id), 0) FROM organizations", [], |r| {
                r.get(0)
            })?;
        let mut full = db.prepare(&sqlite_multi_row_insert(ROWS_PER_INSERT))?;
        for chunk in orgs.chunks(ROWS_PER_INSERT) {
            let mut rest;
            let insert = if chunk.len() == ROWS_PER_INSERT {
                &mut full
            } else {
                rest = db.prepare(&sqlite_multi_row_insert(chunk.len()))?;
                &mut rest
            };
            insert.raw_bind_parameter(1, &now)?;
            for (row, o) in chunk.iter().enumerate() {
                for (column, value) in row::columns(o).iter().enumerate() {
                    insert.raw_bind_parameter(2 + row * row::COLUMNS + column, value)?;
                }
            }
            insert.raw_execute()?;
        }
        let audited = db.execute(SQLITE_AUDIT_NEW, rusqlite::params![now, actor, last_before])?;
        drop(full);
        drop(db);
        if audited != orgs.len() {
            return Err(StoreError::Corrupt(format!(
                "{} organizations inserted but {audited} audit rows written",
                orgs.len()
            )));
        }
        Ok(orgs.len() as u64)
    }
}
