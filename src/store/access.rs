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
            token: None,
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
                token: None,
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
}

/// A write of the service's own bookkeeping (sessions, sign-ins, tokens' last use), made
/// behind the request that caused it so that no read waits on another process's write.
#[derive(Debug, Clone, PartialEq)]
pub enum Bookkept {
    SessionSaved {
        id: String,
        data: String,
        expires_at: i64,
    },
    SessionEnded {
        id: String,
    },
    /// A sign-in, sign-out or refused sign-in, for the audit log.
    SignIn {
        at: chrono::DateTime<Utc>,
        actor: String,
        action: &'static str,
    },
    SignInFailed {
        key: String,
        at: i64,
    },
    /// A successful sign-in clears the account's failures.
    SignInSucceeded {
        key: String,
    },
    TokenUsed {
        token: i64,
        at: chrono::DateTime<Utc>,
    },
}

impl Store {
    /// Writes bookkeeping in one transaction, in order.
    pub async fn write_bookkeeping(&self, entries: &[Bookkept]) -> Result<(), StoreError> {
        dispatch!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            for entry in entries {
                match entry {
                    Bookkept::SessionSaved {
                        id,
                        data,
                        expires_at,
                    } => {
                        sqlx::query(
                            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
                             ON CONFLICT (id) DO UPDATE SET data = excluded.data, \
                             expires_at = excluded.expires_at",
                        )
                        .bind(id)
                        .bind(data)
                        .bind(expires_at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Bookkept::SessionEnded { id } => {
                        sqlx::query("UPDATE sessions SET expires_at = 0 WHERE id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Bookkept::SignIn { at, actor, action } => {
                        sqlx::query(AUDIT)
                            .bind(at)
                            .bind(actor)
                            .bind(action)
                            .bind(None::<i64>)
                            .bind(None::<Json<Value>>)
                            .bind(None::<Json<Value>>)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Bookkept::SignInFailed { key, at } => {
                        sqlx::query("INSERT INTO sign_in_failures (key, at) VALUES ($1, $2)")
                            .bind(key)
                            .bind(at)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Bookkept::SignInSucceeded { key } => {
                        sqlx::query(
                            "UPDATE sign_in_failures SET cleared = TRUE \
                             WHERE key = $1 AND NOT cleared",
                        )
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Bookkept::TokenUsed { token, at } => {
                        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                            .bind(at)
                            .bind(token)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Failed sign-ins under `key` since `since` (unix seconds) not cleared since, as every
    /// instance wrote them.
    pub async fn sign_in_failures(&self, key: &str, since: i64) -> Result<i64, StoreError> {
        dispatch!(self, |pool, _begin| {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM sign_in_failures WHERE key = $1 AND at > $2 AND NOT cleared",
            )
            .bind(key)
            .bind(since)
            .fetch_one(pool)
            .await?)
        })
    }
}

/// An API token as its owner sees it (never the token itself, which is shown once).
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub id: i64,
    pub user: String,
    pub label: String,
    pub created_at: chrono::DateTime<Utc>,
    pub last_used_at: Option<chrono::DateTime<Utc>>,
    pub revoked: bool,
}

type TokenRow = (
    i64,
    String,
    String,
    chrono::DateTime<Utc>,
    Option<chrono::DateTime<Utc>>,
    Option<chrono::DateTime<Utc>>,
);

impl Store {
    /// Stores a token's hash for `user`; returns its id.
    pub async fn add_token(
        &self,
        user: &Account,
        label: &str,
        token_hash: &str,
        actor: &str,
    ) -> Result<i64, StoreError> {
        let now = Utc::now();
        dispatch!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (user_id, label, token_hash, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(user.id)
            .bind(label)
            .bind(token_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(AUDIT)
                .bind(now)
                .bind(actor)
                .bind("token_create")
                .bind(None::<i64>)
                .bind(None::<Json<Value>>)
                .bind(Some(Json(
                    json!({ "token": id, "user": user.name, "label": label }),
                )))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The enabled account a token (by hash) acts for, noting its use; None when the
    /// token is unknown, revoked, or its owner disabled.
    pub async fn token_account(&self, token_hash: &str) -> Result<Option<Account>, StoreError> {
        let sql = "SELECT t.id, u.id, u.name, u.role, u.jurisdiction, u.password_hash, u.disabled \
                   FROM api_tokens t JOIN users u ON u.id = t.user_id \
                   WHERE t.token_hash = $1 AND t.revoked_at IS NULL";
        dispatch!(self, |pool, _begin| {
            let row: Option<(i64, i64, String, String, String, String, bool)> = sqlx::query_as(sql)
                .bind(token_hash)
                .fetch_optional(pool)
                .await?;
            let Some((token, id, name, role, jurisdiction, password_hash, disabled)) = row else {
                return Ok(None);
            };
            let mut user = user_of((id, name, role, jurisdiction, password_hash, disabled))?;
            user.account.token = Some(token);
            // Its last use is bookkeeping, written behind the request (Bookkept::TokenUsed):
            // a read must not wait for another process's write.
            Ok(Some(user.account).filter(|a| !a.disabled))
        })
    }

    /// Revokes a token: `owner` limits it to that user's tokens (None for an admin or
    /// the command line). False when there is no such token.
    pub async fn revoke_token(
        &self,
        id: i64,
        owner: Option<i64>,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let now = Utc::now();
        dispatch!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 \
                 WHERE id = $2 AND revoked_at IS NULL AND ($3 IS NULL OR user_id = $3)",
            )
            .bind(now)
            .bind(id)
            .bind(owner)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            sqlx::query(AUDIT)
                .bind(now)
                .bind(actor)
                .bind("token_revoke")
                .bind(None::<i64>)
                .bind(None::<Json<Value>>)
                .bind(Some(Json(json!({ "token": id }))))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Tokens of one user (or all, for None), newest first.
    pub async fn tokens(&self, user: Option<i64>) -> Result<Vec<TokenInfo>, StoreError> {
        let sql = "SELECT t.id, u.name, t.label, t.created_at, t.last_used_at, t.revoked_at \
                   FROM api_tokens t JOIN users u ON u.id = t.user_id \
                   WHERE $1 IS NULL OR t.user_id = $1 ORDER BY t.id DESC";
        dispatch!(self, |pool, _begin| {
            let rows: Vec<TokenRow> = sqlx::query_as(sql).bind(user).fetch_all(pool).await?;
            Ok(rows
                .into_iter()
                .map(
                    |(id, user, label, created_at, last_used_at, revoked_at)| TokenInfo {
                        id,
                        user,
                        label,
                        created_at,
                        last_used_at,
                        revoked: revoked_at.is_some(),
                    },
                )
                .collect())
        })
    }
}
