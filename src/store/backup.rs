//! Backups of an SQLite registry while the service runs, and restoring one into an empty
//! database. PostgreSQL has its own tools (pg_dump, pg_restore), which do this better; the
//! commands say so instead.

use std::path::{Path, PathBuf};

use super::{Store, StoreError};

/// What a backup or a restore holds, to show the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contents {
    pub organizations: i64,
    pub audit_rows: i64,
    pub users: i64,
}

/// Every table that holds data, in an order that satisfies the foreign keys.
const TABLES: [&str; 5] = [
    "organizations",
    "audit_log",
    "users",
    "sessions",
    "api_tokens",
];

impl Store {
    /// How much the database holds.
    pub async fn contents(&self) -> Result<Contents, StoreError> {
        let count = |table: &str| format!("SELECT COUNT(*) FROM {table}");
        dispatch!(self, |pool, _begin| {
            Ok(Contents {
                organizations: sqlx::query_scalar(sqlx::AssertSqlSafe(count("organizations")))
                    .fetch_one(pool)
                    .await?,
                audit_rows: sqlx::query_scalar(sqlx::AssertSqlSafe(count("audit_log")))
                    .fetch_one(pool)
                    .await?,
                users: sqlx::query_scalar(sqlx::AssertSqlSafe(count("users")))
                    .fetch_one(pool)
                    .await?,
            })
        })
    }

    /// Whether no table holds a row: the only kind of database a backup is restored into.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        for table in TABLES {
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {table})");
            let any: bool = dispatch!(self, |pool, _begin| {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(pool)
                    .await?
            });
            if any {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Writes a consistent copy of the SQLite database to `path`, which must not exist.
    /// `VACUUM INTO` reads one snapshot, so writers may go on meanwhile; the copy is compact
    /// and has no write-ahead log beside it. None for PostgreSQL (use pg_dump).
    pub async fn backup_into(&self, path: &Path) -> Result<Option<Contents>, StoreError> {
        let Store::Sqlite(pool) = self else {
            return Ok(None);
        };
        sqlx::query("VACUUM INTO ?")
            .bind(path.to_string_lossy().into_owned())
            .execute(pool)
            .await?;
        let copy = Store::open_sqlite_file(path).await?;
        let contents = copy.contents().await;
        copy.close().await;
        contents.map(Some)
    }

    /// An existing SQLite file opened as a store (migrations applied).
    async fn open_sqlite_file(path: &Path) -> Result<Store, StoreError> {
        Store::open(&format!("sqlite://{}", path.display())).await
    }

    /// The file of an SQLite store; None for PostgreSQL.
    pub async fn sqlite_file(&self) -> Result<Option<PathBuf>, StoreError> {
        let Store::Sqlite(pool) = self else {
            return Ok(None);
        };
        let file: String =
            sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_one(pool)
                .await?;
        Ok(Some(PathBuf::from(file)))
    }
}

/// Checks that `path` is a sound SQLite database of orgcover's: its integrity check passes
/// and it has the registry's tables.
pub async fn check_backup(path: &Path) -> Result<(), StoreError> {
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?;
    if integrity != "ok" {
        return Err(StoreError::Corrupt(format!(
            "{} fails SQLite's integrity check: {integrity}",
            path.display()
        )));
    }
    for table in TABLES {
        let found: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)",
        )
        .bind(table)
        .fetch_one(&mut conn)
        .await?;
        if !found {
            return Err(StoreError::Corrupt(format!(
                "{} is not an orgcover backup (it has no {table} table)",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Copies the backup at `from` to the new SQLite file `to` (which must not exist), as one
/// consistent, compact copy; then opens it, applying migrations newer than the backup.
pub async fn restore_sqlite(from: &Path, to: &Path) -> Result<Contents, StoreError> {
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(from)
        .read_only(true)
        .connect()
        .await?;
    sqlx::query("VACUUM INTO ?")
        .bind(to.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await?;
    drop(conn);
    let store = Store::open_sqlite_file(to).await?;
    let contents = store.contents().await;
    store.close().await;
    contents
}
