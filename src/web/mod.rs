//! The HTTP service: axum routers merged from each area, and the application that serves them.

pub mod error;
mod extract;
mod home;
mod orgs;

use std::net::SocketAddr;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
}

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .merge(home::router())
        .merge(orgs::router())
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
    pub async fn build(store: Store, bind: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(bind).await?;
        let router = router(AppState {
            store: store.clone(),
        });
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
