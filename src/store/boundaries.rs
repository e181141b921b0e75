//! Division boundaries: added by an import with its audit row in one transaction, never
//! changed or deleted; a division's outline is its latest row.

use chrono::Utc;
use serde_json::Value;
use sqlx::types::Json;

use super::{AUDIT, Store, StoreError};

/// One division's outline as stored: the 12-digit code, the level's name, the name and the
/// GeoJSON MultiPolygon.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BoundaryRow {
    pub division_code: String,
    pub level: String,
    pub name: String,
    pub geometry: String,
}

const INSERT: &str = "INSERT INTO boundaries (division_code, level, name, geometry, audit_id) VALUES ($1, $2, $3, $4, $5)";

const LATEST: &str = "SELECT division_code, level, name, geometry FROM boundaries b \
    WHERE id = (SELECT MAX(id) FROM boundaries c \
                WHERE c.level = b.level AND c.division_code = b.division_code) \
    ORDER BY level, division_code";

impl Store {
    /// Adds the outlines of one file and the import's audit row (`after` says what was
    /// imported) in one transaction: all or none. Returns the audit row's id.
    pub async fn add_boundaries(
        &self,
        rows: &[BoundaryRow],
        actor: &str,
        after: Value,
    ) -> Result<i64, StoreError> {
        let now = Utc::now();
        let audit = format!("{AUDIT} RETURNING id");
        dispatch!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let audit_id: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(audit))
                .bind(now)
                .bind(actor)
                .bind("boundaries_import")
                .bind(None::<i64>)
                .bind(None::<Json<Value>>)
                .bind(Some(Json(after)))
                .fetch_one(&mut *tx)
                .await?;
            for row in rows {
                sqlx::query(INSERT)
                    .bind(&row.division_code)
                    .bind(&row.level)
                    .bind(&row.name)
                    .bind(&row.geometry)
                    .bind(audit_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(audit_id)
        })
    }

    /// Every division's latest outline, by level and code.
    pub async fn boundaries(&self) -> Result<Vec<BoundaryRow>, StoreError> {
        dispatch!(self, |pool, _begin| {
            Ok(sqlx::query_as(LATEST).fetch_all(pool).await?)
        })
    }

    /// The id of the last outline added (0 when there is none): another process's import
    /// shows as a larger one.
    pub async fn last_boundary_id(&self) -> Result<i64, StoreError> {
        dispatch!(self, |pool, _begin| {
            let last: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM boundaries")
                .fetch_one(pool)
                .await?;
            Ok(last.unwrap_or(0))
        })
    }
}
