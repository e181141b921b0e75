//! The HTTP service: axum routers merged from each area, and the application that serves them.

mod decisions;
pub mod error;
mod extract;
mod home;
mod orgs;

use std::net::SocketAddr;

use anyhow::Context;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use std::sync::{Arc, RwLock};

use crate::domain::policy::Policy;
use crate::domain::snapshot::Snapshot;
use crate::domain::stored::StoredOrganization;
use crate::store::{Store, StoreError};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The registry in memory with its decisions' context and groups, updated after
    /// every committed write.
    pub snapshot: Arc<RwLock<Snapshot>>,
}

impl AppState {
    /// Reads every organization of the store into a fresh snapshot.
    pub async fn load(store: Store, policy: Policy) -> Result<Self, StoreError> {
        let mut orgs = Vec::new();
        store
            .for_each(|org| {
                orgs.push(org);
                Ok::<_, StoreError>(())
            })
            .await?;
        let snapshot = Snapshot::new(policy, orgs);
        Ok(Self {
            store,
            snapshot: Arc::new(RwLock::new(snapshot)),
        })
    }

    pub fn snapshot(&self) -> std::sync::RwLockReadGuard<'_, Snapshot> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Brings the snapshot up to date with a write that has been committed.
    pub fn committed(&self, org: StoredOrganization) {
        self.snapshot
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .upsert(org);
    }
}

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .merge(home::router())
        .merge(orgs::router())
        .merge(decisions::router())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Ready when the database answers.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.count().await {
        Ok(organizations) => (
            StatusCode::OK,
            Json(json!({
                "status": "ok",
                "database": state.store.backend(),
                "organizations": organizations,
            })),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": state.store.backend() })),
            )
        }
    }
}

/// A bound listener and the router it will serve: built apart from serving, so tests can
/// bind port 0 and learn the port before the server runs.
pub struct Application {
    listener: TcpListener,
    router: Router,
    store: Store,
}

impl Application {
    pub async fn build(store: Store, policy: Policy, bind: &str) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(bind)
            .await
            .with_context(|| format!("cannot listen on {bind} (choose another with --bind)"))?;
        let state = AppState::load(store.clone(), policy)
            .await
            .context("cannot load the registry")?;
        let router = router(state);
        Ok(Self {
            listener,
            router,
            store,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    /// Serves until SIGINT or SIGTERM, lets requests in flight finish, then closes the pool.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await?;
        self.store.close().await;
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
