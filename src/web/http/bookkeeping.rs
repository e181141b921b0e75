//! The service's own bookkeeping (sessions, sign-ins and their failures, tokens' last use)
//! written behind the request that caused it, by one writer task in batches. On SQLite a
//! CLI import holds the write lock for as long as it runs; a page view, an API read or a
//! sign-in must not wait for it (nor fail after the busy timeout). What is pending is
//! served from memory meanwhile, so this instance sees its own sessions at once; other
//! instances see them once written, normally within milliseconds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use crate::store::{Bookkept, Store};

/// A session's state not yet written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingSession {
    Saved { data: String, expires_at: i64 },
    Ended,
}

enum Message {
    Entry(Bookkept),
    /// Answered once everything sent before it is written.
    Flush(oneshot::Sender<()>),
}

/// A token's last use is written at most this often: the minute is what the account page
/// shows.
const TOKEN_USE_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// How long the writer waits before trying a batch again (the database was locked or
/// unreachable).
const RETRY_AFTER: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub struct Bookkeeping {
    send: mpsc::UnboundedSender<Message>,
    sessions: Arc<Mutex<HashMap<String, PendingSession>>>,
    tokens_noted: Arc<Mutex<HashMap<i64, DateTime<Utc>>>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Bookkeeping {
    /// Starts the writer on the current runtime.
    pub fn start(store: Store) -> Self {
        let (send, receive) = mpsc::unbounded_channel();
        let sessions = Arc::new(Mutex::new(HashMap::new()));
        tokio::spawn(write(store, receive, sessions.clone()));
        Self {
            send,
            sessions,
            tokens_noted: Arc::default(),
        }
    }

    pub fn note(&self, entry: Bookkept) {
        match &entry {
            Bookkept::SessionSaved {
                id,
                data,
                expires_at,
            } => {
                locked(&self.sessions).insert(
                    id.clone(),
                    PendingSession::Saved {
                        data: data.clone(),
                        expires_at: *expires_at,
                    },
                );
            }
            Bookkept::SessionEnded { id } => {
                locked(&self.sessions).insert(id.clone(), PendingSession::Ended);
            }
            _ => {}
        }
        // The writer runs as long as the runtime: a send fails only while shutting down.
        let _ = self.send.send(Message::Entry(entry));
    }

    /// A sign-in, sign-out or refused sign-in, for the audit log.
    pub fn sign_in(&self, actor: String, action: &'static str) {
        self.note(Bookkept::SignIn {
            at: Utc::now(),
            actor,
            action,
        });
    }

    /// A session's state not yet written, if any.
    pub fn pending_session(&self, id: &str) -> Option<PendingSession> {
        locked(&self.sessions).get(id).cloned()
    }

    /// Notes that a token was used now (written at most once a minute per token).
    pub fn token_used(&self, token: i64) {
        let now = Utc::now();
        {
            let mut noted = locked(&self.tokens_noted);
            if noted
                .get(&token)
                .is_some_and(|at| now - *at < TOKEN_USE_EVERY)
            {
                return;
            }
            noted.insert(token, now);
        }
        self.note(Bookkept::TokenUsed { token, at: now });
    }

    /// Waits until everything noted so far is written, or `within` has passed (at
    /// shutdown; and for tests that read the database behind the service).
    pub async fn flush(&self, within: Duration) -> bool {
        let (done, written) = oneshot::channel();
        if self.send.send(Message::Flush(done)).is_err() {
            return false;
        }
        tokio::time::timeout(within, written)
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

async fn write(
    store: Store,
    mut receive: mpsc::UnboundedReceiver<Message>,
    sessions: Arc<Mutex<HashMap<String, PendingSession>>>,
) {
    while let Some(first) = receive.recv().await {
        let mut batch = Vec::new();
        let mut waiting = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Entry(e) => batch.push(e),
                Message::Flush(done) => waiting.push(done),
            }
            next = if batch.len() < 10_000 {
                receive.try_recv().ok()
            } else {
                None
            };
        }
        if !batch.is_empty() {
            let mut tries = 0u32;
            while let Err(e) = store.write_bookkeeping(&batch).await {
                tries += 1;
                // Locked by an import for a while, or the server gone: say so once in a
                // while, and keep the batch.
                if tries == 1 || tries.is_multiple_of(120) {
                    tracing::warn!(error = %e, entries = batch.len(), "bookkeeping waits to be written");
                }
                tokio::time::sleep(RETRY_AFTER).await;
            }
            let mut pending = locked(&sessions);
            for entry in &batch {
                let (id, written) = match entry {
                    Bookkept::SessionSaved {
                        id,
                        data,
                        expires_at,
                    } => (
                        id,
                        PendingSession::Saved {
                            data: data.clone(),
                            expires_at: *expires_at,
                        },
                    ),
                    Bookkept::SessionEnded { id } => (id, PendingSession::Ended),
                    _ => continue,
                };
                // A newer state noted meanwhile stays pending until it is written too.
                if pending.get(id) == Some(&written) {
                    pending.remove(id);
                }
            }
        }
        for done in waiting {
            let _ = done.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_kind_of_bookkeeping_is_written_and_pending_sessions_are_served_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("book.db").display().to_string())
            .await
            .unwrap();
        let book = Bookkeeping::start(store.clone());
        book.note(Bookkept::SessionSaved {
            id: "s1".into(),
            data: "{}".into(),
            expires_at: i64::MAX,
        });
        assert!(matches!(
            book.pending_session("s1"),
            Some(PendingSession::Saved { .. }) | None
        ));
        book.sign_in("zhang@10.0.0.1".into(), "login");
        book.note(Bookkept::SignInFailed {
            key: "user:li".into(),
            at: 1,
        });
        book.note(Bookkept::SignInSucceeded {
            key: "user:li".into(),
        });
        book.token_used(1);
        book.note(Bookkept::SessionEnded { id: "s0".into() });
        assert!(book.flush(Duration::from_secs(10)).await, "written");
        assert_eq!(book.pending_session("s1"), None);
        assert_eq!(
            store.load_session("s1", 0).await.unwrap().as_deref(),
            Some("{}")
        );
        let log = store.audit_log().await.unwrap();
        assert!(log.iter().any(|e| e.action == "login"));
    }
}
