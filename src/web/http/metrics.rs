//! What operators watch: `/metrics` in the Prometheus text format (OpenMetrics), and one
//! log line per request. Each application has its own registry (prometheus-client keeps
//! no global state), so two servers in one process count apart.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::error::AppError;
use crate::domain::access::Account;
use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route pattern (`/api/orgs/{id}`), never the path: ids stay out of the labels.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: String,
}

type DurationHistogram = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The service's metrics and the registry that writes them out.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    requests: Family<RequestLabels, Counter>,
    durations: DurationHistogram,
    organizations: Family<StatusLabels, Gauge>,
    snapshot_age: Gauge<f64, AtomicU64>,
    pool: Family<PoolLabels, Gauge>,
    /// When the snapshot last matched the database, Unix milliseconds.
    current_at: Arc<AtomicU64>,
}

fn request_buckets() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("orgcover");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        let durations = DurationHistogram::new_with_constructor(request_buckets);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by method and route",
            durations.clone(),
        );
        let organizations = Family::<StatusLabels, Gauge>::default();
        registry.register(
            "organizations",
            "Registered organizations by status",
            organizations.clone(),
        );
        let snapshot_age = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "snapshot_age_seconds",
            "Seconds since the in-memory registry last matched the database (it looks every second)",
            snapshot_age.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "database_pool_connections",
            "Database connections of the pool, in use and idle",
            pool.clone(),
        );
        Self {
            registry: Arc::new(registry),
            requests,
            durations,
            organizations,
            snapshot_age,
            pool,
            current_at: Arc::new(AtomicU64::new(now_ms())),
        }
    }
}

impl Metrics {
    /// Notes that the snapshot has just been brought up to date with the database.
    pub fn snapshot_current(&self) {
        self.current_at.store(now_ms(), Ordering::Relaxed);
    }

    fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.durations
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }
}

/// The route a request matched, handed from inside the router to [`observe`] outside it.
#[derive(Clone)]
struct MatchedRoute(String);

/// Inside the router (a route layer): notes the matched route on the response.
pub async fn note_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(MatchedRoute(route));
    }
    response
}

/// Outside everything: counts and times every request, and logs it once with its method,
/// route, status and time (no query string, no names: ids at most, in the route).
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let route = response
        .extensions()
        .get::<MatchedRoute>()
        .map_or("unmatched", |r| r.0.as_str());
    let status = response.status().as_u16();
    state.metrics.observe(&method, route, status, elapsed);
    tracing::info!(
        method,
        route,
        status,
        ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// The OpenMetrics text of every metric, the gauges read as of now.
async fn metrics(
    Extension(_admin): Extension<Account>,
    State(state): State<AppState>,
) -> Result<impl IntoResponse, AppError> {
    let m = &state.metrics;
    let counts = state.snapshot().status_counts("");
    for (status, n) in counts {
        m.organizations
            .get_or_create(&StatusLabels {
                status: status.as_str().to_owned(),
            })
            .set(n as i64);
    }
    let age_ms = now_ms().saturating_sub(m.current_at.load(Ordering::Relaxed));
    m.snapshot_age.set(age_ms as f64 / 1000.0);
    let (size, idle) = state.store.pool_connections();
    for (label, n) in [("in_use", size.saturating_sub(idle)), ("idle", idle)] {
        m.pool
            .get_or_create(&PoolLabels {
                state: label.to_owned(),
            })
            .set(n as i64);
    }
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &m.registry)
        .map_err(|e| AppError::internal(anyhow::Error::new(e).context("writing the metrics")))?;
    Ok((
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    ))
}
