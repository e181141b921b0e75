//! The HTTP service: axum routers merged from each area, and the application that serves them.

pub mod api;
pub mod http;
pub mod pages;

pub use api::coverage::MAX_CELLS;
pub use http::connections::Limits;

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

use std::time::Duration;

use crate::domain::policy::Policy;
use crate::domain::snapshot::Snapshot;
use crate::registry::Registry;
use crate::store::{Store, StoreError};

/// How many division filters' map boxes are kept at once.
const MAP_EXTENTS_KEPT: usize = 4096;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The application layer: every change of an organization goes through it, and it
    /// alone updates the snapshot.
    pub registry: Registry,
    /// The store, for reading and for accounts; organizations are written through the
    /// registry only.
    pub store: Store,
    pub options: ServeOptions,
    /// Failed sign-ins, per account and per address.
    pub throttle: http::auth::Throttle,
    /// Sessions, sign-ins and tokens' last use, written behind the requests.
    pub book: http::bookkeeping::Bookkeeping,
    pub metrics: http::metrics::Metrics,
    /// Finished hexagon answers of the current generation.
    pub cell_answers: http::answers::Answers,
    /// The map's opening box per division filter, for the current generation.
    pub map_extents: http::answers::Generational<Option<crate::domain::coverage::Bbox>>,
    /// Ledgers uploaded and checked, waiting for the clerk to confirm their import.
    pub uploads: http::uploads::Uploads,
}

/// Settings of the running service beside the database and the policy.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The most hexagons one coverage response carries.
    pub max_cells: usize,
    /// A base-map tile URL template (`https://tiles.example/{z}/{x}/{y}.png`); without
    /// one the map shows hexagons and points on a plain background.
    pub tiles_url: Option<String>,
    /// Mark the session cookie Secure: set when users reach the service over TLS (through
    /// a proxy that terminates it).
    pub secure_cookies: bool,
    /// How long requests in flight get to finish after SIGTERM or SIGINT.
    pub shutdown_timeout: Duration,
    /// The address users and clients reach the service at (`https://orgcover.example`),
    /// used in the links of OGC and API answers; empty until `Application::build` fills in
    /// the bound address.
    pub public_url: String,
    /// The proxies whose `X-Forwarded-For` is believed (none by default): behind one, the
    /// sign-in lockout and the audit log see the user's address, not the proxy's.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The origins whose pages' scripts may read `/ogc` (CORS); none by default.
    pub cors_origins: Vec<String>,
    /// The time zone pages show times in (stored as UTC); Asia/Shanghai by default.
    pub timezone: chrono_tz::Tz,
    /// How long a client may take to send a request, and how many are served at once.
    pub limits: http::connections::Limits,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            max_cells: api::coverage::MAX_CELLS,
            tiles_url: None,
            secure_cookies: false,
            shutdown_timeout: Duration::from_secs(30),
            trusted_proxies: Vec::new(),
            cors_origins: Vec::new(),
            timezone: chrono_tz::Asia::Shanghai,
            public_url: String::new(),
            limits: http::connections::Limits::default(),
        }
    }
}

impl AppState {
    /// Reads every organization of the store into a fresh snapshot.
    pub async fn load(store: Store, policy: Policy) -> Result<Self, StoreError> {
        let registry = Registry::load(store.clone(), policy).await?;
        let book = http::bookkeeping::Bookkeeping::start(store.clone());
        Ok(Self {
            registry,
            throttle: http::auth::Throttle::new(store.clone(), book.clone()),
            book,
            store,
            options: ServeOptions::default(),
            metrics: http::metrics::Metrics::default(),
            cell_answers: http::answers::Answers::default(),
            map_extents: http::answers::Generational::new(MAP_EXTENTS_KEPT),
            uploads: http::uploads::Uploads::default(),
        })
    }

    /// Applies writes other processes made to the snapshot (see [`Registry::catch_up`]).
    pub async fn catch_up(&self) -> Result<(), StoreError> {
        self.registry.catch_up().await?;
        self.metrics.snapshot_current();
        Ok(())
    }

    pub fn snapshot(&self) -> std::sync::RwLockReadGuard<'_, Snapshot> {
        self.registry.snapshot()
    }

    /// The figures at the end of `day` in the service's time zone (today's when none).
    pub async fn figures_on(
        &self,
        day: Option<chrono::NaiveDate>,
    ) -> Result<crate::registry::past::Figures<'_>, crate::registry::RegistryError> {
        self.registry.figures_on(day, self.options.timezone).await
    }

    /// The registry as it stood at the end of a past day, in the configured time zone.
    pub async fn past_figures(
        &self,
        day: chrono::NaiveDate,
    ) -> Result<std::sync::Arc<crate::domain::snapshot::Snapshot>, crate::registry::RegistryError>
    {
        self.registry.past_figures(day, self.options.timezone).await
    }

    /// The snapshot's generation: read it while holding the snapshot's read lock.
    pub fn generation(&self) -> u64 {
        self.registry.generation()
    }
}

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    let sessions = http::auth::session_layer(
        state.store.clone(),
        state.book.clone(),
        state.options.secure_cookies,
    );
    Router::new()
        .route("/healthz", get(healthz))
        .merge(pages::home::router())
        .merge(api::orgs::router())
        .merge(api::decisions::router())
        .merge(api::coverage::router())
        .merge(api::divisions::router())
        .merge(api::boundaries::router())
        .merge(api::ogc::router())
        .merge(http::assets::router())
        .merge(pages::map::router())
        .merge(api::cell_orgs::router())
        .merge(pages::orgs::router())
        .merge(pages::import::router())
        .merge(pages::dashboard::router())
        .merge(pages::gaps::router())
        .merge(pages::ui::router())
        .merge(pages::party_work::router())
        .merge(pages::tasks::router())
        .merge(pages::report::router())
        .merge(pages::login::router())
        .merge(pages::account::router())
        .merge(api::openapi::router())
        .merge(http::metrics::router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::access::guard,
        ))
        .route_layer(axum::middleware::from_fn(http::metrics::note_route))
        .fallback(pages::errors::fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::errors::error_pages,
        ))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::access::cors,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::access::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::metrics::observe,
        ))
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
    state: AppState,
}

/// How often the server looks for writes made by other processes.
const CATCH_UP_EVERY: Duration = Duration::from_secs(1);

impl Application {
    pub async fn build(
        store: Store,
        policy: Policy,
        bind: &str,
        options: ServeOptions,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(bind)
            .await
            .with_context(|| format!("cannot listen on {bind} (choose another with --bind)"))?;
        let mut state = AppState::load(store.clone(), policy)
            .await
            .context("cannot load the registry")?;
        state.options = options;
        if state.options.public_url.is_empty() {
            let bound = listener.local_addr().context("the bound address")?;
            state.options.public_url = format!("http://{bound}");
        }
        let router = router(state.clone());
        Ok(Self {
            listener,
            router,
            store,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    /// The service's bookkeeping writer, for whoever must know it has written (a test
    /// that reads the database behind the service).
    pub fn bookkeeping(&self) -> http::bookkeeping::Bookkeeping {
        self.state.book.clone()
    }

    /// Serves until SIGINT or SIGTERM, lets requests in flight finish, then closes the pool.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let state = self.state.clone();
        let warming = state.clone();
        tokio::spawn(async move {
            if let Err(e) = warming
                .registry
                .warm_history(warming.options.timezone)
                .await
            {
                tracing::warn!(error = %e, "could not read the audit log for past days");
            }
        });
        let poller = tokio::spawn(async move {
            let mut every = tokio::time::interval(CATCH_UP_EVERY);
            loop {
                every.tick().await;
                if let Err(e) = state.catch_up().await {
                    tracing::warn!(error = %e, "could not read the change feed");
                }
            }
        });
        let (stopping, mut stop) = tokio::sync::watch::channel(false);
        let server = http::connections::serve(
            self.listener,
            self.router,
            self.state.options.limits,
            async move {
                shutdown_signal().await;
                let _ = stopping.send(true);
            },
        );
        let timeout = self.state.options.shutdown_timeout;
        let deadline = async move {
            let _ = stop.wait_for(|s| *s).await;
            tokio::time::sleep(timeout).await;
        };
        tokio::select! {
            () = server => {},
            () = deadline => tracing::warn!(
                seconds = timeout.as_secs(),
                "requests still in flight after the shutdown timeout: stopping anyway"
            ),
        }
        poller.abort();
        if !self.state.book.flush(Duration::from_secs(5)).await {
            tracing::warn!("sessions and sign-ins not yet written when stopping");
        }
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
