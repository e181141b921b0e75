//! Accounts and sessions in the same database as the registry. Account changes and
//! logins are audit rows like any other change (with no organization).

use chrono::Utc;
use serde_json::{Value, json};
use sqlx::types::Json;

use super::{AUDIT, Store, StoreError};
use crate::domain::access::{Account, Role};

/// An account as stored, with its password hash.
pub struct StoredUser {
    pub account: Account,
    pub password_hash: String,
}

type UserRow = (i64, String, String, String, String, bool);

fn user_of(row: UserRow) -> Result<StoredUser, StoreError> {
    let (id, name, role, jurisdiction, password_hash, disabled) = row;
    let role = Role::parse(&role).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(StoredUser {
        account: Account {
            id,
            name,
            role,
            jurisdiction,
            disabled,
        },
        password_hash,
    })
}

const USER_COLUMNS: &str = "id, name, role, jurisdiction, password_hash, disabled";

fn account_json(a: &Account) -> Json<Value> {
    Json(json!({
        "name": a.name, "role": a.role.as_str(), "jurisdiction": a.jurisdiction, "disabled": a.disabled,
    }))
}

impl Store {
    /// Adds an account; its name must be new.
    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        jurisdiction: &str,
        password_hash: &str,
        actor: &str,
    ) -> Result<Account, StoreError> {
        let now = Utc::now();
        dispatch!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (name, role, jurisdiction, password_hash, disabled, created_at) \
                 VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING id",
            )
            .bind(name)
            .bind(role.as_str())
            .bind(jurisdiction)
            .bind(password_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if super::is_unique_violation(&e) {
                    StoreError::UserExists(name.to_owned())
                } else {
                    e.into()
                }
            })?;
            let account = Account {
                id,
                name: name.to_owned(),
                role,
                jurisdiction: jurisdiction.to_owned(),
                disabled: false,
            };
            sqlx::query(AUDIT)
                .bind(now)
                .bind(actor)
                .bind("user_add")
                .bind(None::<i64>)
                .bind(None::<Json<Value>>)
                .bind(Some(account_json(&account)))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(account)
        })
    }

    pub async fn user_named(&self, name: &str) -> Result<Option<StoredUser>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE name = $1");
        dispatch!(self, |pool, _begin| {
            let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(name)
                .fetch_optional(pool)
                .await?;
            row.map(user_of).transpose()
        })
    }

    pub async fn user(&self, id: i64) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        dispatch!(self, |pool, _begin| {
            let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(row.map(user_of).transpose()?.map(|u| u.account))
        })
    }

    pub async fn users(&self) -> Result<Vec<Account>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY name");
        dispatch!(self, |pool, _begin| {
            let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?;
            rows.into_iter()
                .map(|r| user_of(r).map(|u| u.account))
                .collect()
        })
    }

    /// Disables an account: it can no longer sign in, and its sessions stop working.
    pub async fn disable_user(&self, name: &str, actor: &str) -> Result<Account, StoreError> {
        let now = Utc::now();
        let user = self
            .user_named(name)
            .await?
            .ok_or_else(|| StoreError::UnknownUser(name.to_owned()))?;
        let before = user.account;
        let after = Account {
            disabled: true,
            ..before.clone()
        };
        dispatch!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            sqlx::query("UPDATE users SET disabled = TRUE WHERE id = $1")
                .bind(before.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(AUDIT)
                .bind(now)
                .bind(actor)
                .bind("user_disable")
                .bind(None::<i64>)
                .bind(Some(account_json(&before)))
                .bind(Some(account_json(&after)))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(after)
        })
    }

    /// Notes a sign-in, or a refused one, in the audit log.
    pub async fn audit_login(&self, actor: &str, action: &str) -> Result<(), StoreError> {
        dispatch!(self, |pool, _begin| {
            sqlx::query(AUDIT)
                .bind(Utc::now())
                .bind(actor)
                .bind(action)
                .bind(None::<i64>)
                .bind(None::<Json<Value>>)
                .bind(None::<Json<Value>>)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// A session's data (JSON) if it has not expired at `now` (unix seconds).
    pub async fn load_session(&self, id: &str, now: i64) -> Result<Option<String>, StoreError> {
        dispatch!(self, |pool, _begin| {
            Ok(
                sqlx::query_scalar("SELECT data FROM sessions WHERE id = $1 AND expires_at > $2")
                    .bind(id)
                    .bind(now)
                    .fetch_optional(pool)
                    .await?,
            )
        })
    }

    /// Creates a session; false when the id is taken (the caller draws another).
    pub async fn create_session(
        &self,
        id: &str,
        data: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        dispatch!(self, |pool, _begin| {
            let done = sqlx::query(
                "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(data)
            .bind(expires_at)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub async fn save_session(
        &self,
        id: &str,
        data: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        dispatch!(self, |pool, _begin| {
            sqlx::query(
                "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
            )
            .bind(id)
            .bind(data)
            .bind(expires_at)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Ends a session: it is marked expired rather than removed.
    pub async fn end_session(&self, id: &str) -> Result<(), StoreError> {
        dispatch!(self, |pool, _begin| {
            sqlx::query("UPDATE sessions SET expires_at = 0 WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}
