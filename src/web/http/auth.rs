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

use super::bookkeeping::{Bookkeeping, PendingSession};
use crate::domain::access::Account;
use crate::store::{Bookkept, Store};

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

/// Sessions in the registry's database, written behind the request ([`Bookkeeping`]).
#[derive(Clone)]
pub struct DbSessions {
    store: Store,
    book: Bookkeeping,
}

impl std::fmt::Debug for DbSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessions")
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn encode(record: &Record) -> session_store::Result<String> {
    serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

impl DbSessions {
    /// A session's data (JSON), pending or written, if it has not expired at `now`.
    async fn data(&self, id: &str, now: i64) -> session_store::Result<Option<String>> {
        match self.book.pending_session(id) {
            Some(PendingSession::Ended) => Ok(None),
            Some(PendingSession::Saved { data, expires_at }) => {
                Ok((expires_at > now).then_some(data))
            }
            None => self.store.load_session(id, now).await.map_err(backend),
        }
    }
}

#[async_trait]
impl SessionStore for DbSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A colliding id (2^-128) draws another rather than taking over a session.
        while self.data(&record.id.to_string(), 0).await?.is_some() {
            record.id = Id::default();
        }
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.book.note(Bookkept::SessionSaved {
            id: record.id.to_string(),
            data: encode(record)?,
            expires_at: record.expiry_date.unix_timestamp(),
        });
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let Some(data) = self.data(&id.to_string(), now).await? else {
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
        self.book
            .note(Bookkept::SessionEnded { id: id.to_string() });
        Ok(())
    }
}

/// The session layer: HttpOnly, SameSite=Lax, Secure when the service is reached over TLS.
pub fn session_layer(
    store: Store,
    book: Bookkeeping,
    secure: bool,
) -> SessionManagerLayer<DbSessions> {
    SessionManagerLayer::new(DbSessions { store, book })
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
/// The failures are kept in the database, so every instance behind a load balancer counts
/// the same ones; this instance's own are also counted in memory until they are written.
#[derive(Clone)]
pub struct Throttle {
    store: Store,
    book: Bookkeeping,
    failures: Arc<Mutex<HashMap<String, Vec<Instant>>>>,
}

const MAX_FAILURES: usize = 5;
const WINDOW: Duration = Duration::from_secs(15 * 60);

impl Throttle {
    pub fn new(store: Store, book: Bookkeeping) -> Self {
        Self {
            store,
            book,
            failures: Arc::default(),
        }
    }

    fn keys(name: &str, ip: IpAddr) -> [String; 2] {
        [format!("user:{name}"), format!("ip:{ip}")]
    }

    fn local(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Instant>>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub async fn blocked(&self, name: &str, ip: IpAddr) -> bool {
        let since = OffsetDateTime::now_utc().unix_timestamp() - WINDOW.as_secs() as i64;
        for key in Self::keys(name, ip) {
            let here = {
                let mut local = self.local();
                local.get_mut(&key).map_or(0, |times| {
                    times.retain(|t| t.elapsed() < WINDOW);
                    times.len()
                })
            };
            // A read: never waits for a writer. If the database cannot answer, this
            // instance's own count still holds.
            let everywhere = self.store.sign_in_failures(&key, since).await.unwrap_or(0);
            if here.max(usize::try_from(everywhere).unwrap_or(usize::MAX)) >= MAX_FAILURES {
                return true;
            }
        }
        false
    }

    pub fn failed(&self, name: &str, ip: IpAddr) {
        let at = OffsetDateTime::now_utc().unix_timestamp();
        let mut local = self.local();
        for key in Self::keys(name, ip) {
            local.entry(key.clone()).or_default().push(Instant::now());
            self.book.note(Bookkept::SignInFailed { key, at });
        }
    }

    pub fn succeeded(&self, name: &str) {
        let key = format!("user:{name}");
        self.local().remove(&key);
        self.book.note(Bookkept::SignInSucceeded { key });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_fifth_failure_blocks_the_account_and_the_address_on_every_instance() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("throttle.db").display().to_string();
        let store = Store::open(&url).await.unwrap();
        let book = Bookkeeping::start(store.clone());
        let t = Throttle::new(store.clone(), book.clone());
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..MAX_FAILURES {
            assert!(!t.blocked("zhang", ip).await);
            t.failed("zhang", ip);
        }
        assert!(t.blocked("zhang", ip).await);
        assert!(
            t.blocked("zhang", "10.0.0.2".parse().unwrap()).await,
            "the account, from anywhere"
        );
        assert!(t.blocked("li", ip).await, "the address, for any account");
        assert!(!t.blocked("li", "10.0.0.2".parse().unwrap()).await);
        // Another instance on the same database counts the same failures.
        assert!(book.flush(Duration::from_secs(10)).await);
        let other = Throttle::new(store.clone(), Bookkeeping::start(store.clone()));
        assert!(other.blocked("zhang", "10.0.0.3".parse().unwrap()).await);
        other.succeeded("zhang");
        assert!(other.book.flush(Duration::from_secs(10)).await);
        assert!(
            !other.blocked("zhang", "10.0.0.3".parse().unwrap()).await,
            "a successful sign-in clears the account's failures"
        );
    }
}
