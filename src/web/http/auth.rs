//! Sessions through tower-sessions kept in our own database (its SQLx store pins an older
//! SQLx), the account and CSRF token a session holds, and the throttle on failed sign-ins
//! (per account and per address). The sign-in page itself is `pages::login`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use crate::domain::access::Account;
use crate::store::Store;

/// The session key holding the signed-in account's id.
pub const USER_ID: &str = "user_id";

/// The session key holding the session's CSRF token, which every form that changes data
/// sends back.
pub const CSRF: &str = "csrf";

/// The CSRF token of a session, if signed in.
pub async fn csrf_of(session: &Session) -> Option<String> {
    session.get(CSRF).await.ok().flatten()
}

/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(8 * 3600);

/// Sessions in the registry's database.
#[derive(Debug, Clone)]
pub struct DbSessions(pub Store);

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn encode(record: &Record) -> session_store::Result<String> {
    serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = encode(record)?;
        // A colliding id (2^-128) draws another rather than taking over a session.
        while !self
            .0
            .create_session(
                &record.id.to_string(),
                &data,
                record.expiry_date.unix_timestamp(),
            )
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.0
            .save_session(
                &record.id.to_string(),
                &encode(record)?,
                record.expiry_date.unix_timestamp(),
            )
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let Some(data) = self
            .0
            .load_session(&id.to_string(), now)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            // The expiry is renewed on every request (on inactivity); the stored one was
            // checked above.
            expiry_date: OffsetDateTime::now_utc() + IDLE,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0.end_session(&id.to_string()).await.map_err(backend)
    }
}

/// The session layer: HttpOnly, SameSite=Lax, Secure when the service is reached over TLS.
pub fn session_layer(store: Store, secure: bool) -> SessionManagerLayer<DbSessions> {
    SessionManagerLayer::new(DbSessions(store))
        .with_name("orgcover_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::seconds(IDLE.as_secs() as i64),
        ))
}

/// The signed-in account of a session, if it is still enabled.
pub async fn account_of(session: &Session, store: &Store) -> Option<Account> {
    let id: i64 = session.get(USER_ID).await.ok().flatten()?;
    store.user(id).await.ok().flatten().filter(|a| !a.disabled)
}

/// Failed sign-ins per account name and per address in a sliding window: after
/// `MAX_FAILURES` within `WINDOW`, further attempts are refused until the oldest ages out.
#[derive(Debug, Default, Clone)]
pub struct Throttle {
    failures: Arc<Mutex<HashMap<String, Vec<Instant>>>>,
}

const MAX_FAILURES: usize = 5;
const WINDOW: Duration = Duration::from_secs(15 * 60);

impl Throttle {
    fn keys(name: &str, ip: IpAddr) -> [String; 2] {
        [format!("user:{name}"), format!("ip:{ip}")]
    }

    pub fn blocked(&self, name: &str, ip: IpAddr) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::keys(name, ip).iter().any(|k| {
            failures.get_mut(k).is_some_and(|times| {
                times.retain(|t| t.elapsed() < WINDOW);
                times.len() >= MAX_FAILURES
            })
        })
    }

    pub fn failed(&self, name: &str, ip: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for k in Self::keys(name, ip) {
            failures.entry(k).or_default().push(Instant::now());
        }
    }

    pub fn succeeded(&self, name: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&format!("user:{name}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_blocks_the_account_and_the_address() {
        let t = Throttle::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..MAX_FAILURES {
            assert!(!t.blocked("zhang", ip));
            t.failed("zhang", ip);
        }
        assert!(t.blocked("zhang", ip));
        assert!(
            t.blocked("zhang", "10.0.0.2".parse().unwrap()),
            "the account, from anywhere"
        );
        assert!(t.blocked("li", ip), "the address, for any account");
        assert!(!t.blocked("li", "10.0.0.2".parse().unwrap()));
    }
}
