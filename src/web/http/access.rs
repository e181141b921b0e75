//! One guard for every route: the rule of each (method, route) pair says who may use it;
//! the account comes from an API token (`Authorization: Bearer`) or the session. A route
//! without a rule is refused, so a route added without one cannot be reached by anyone.

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::error::is_api;
use super::error::{AppError, Said, refusal, role_refused};
use crate::domain::access::{Account, Action};
use crate::web::AppState;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone, signed in or not: sign-in itself, assets, the language switch, health.
    Public,
    /// Any signed-in account, inside its jurisdiction.
    Signed(Action),
    /// Account management (its tokens): only signed in through a browser session, with
    /// the session's CSRF token for changes. An API token cannot mint or revoke tokens,
    /// so no credential outlives the one it came from.
    Browser(Action),
}

use Action::{Administer, Change, Read, RecordPartyWork, Register};
use Rule::{Browser, Public, Signed};

/// Every route of the service with its rule. The router's routes and this table are
/// compared by a test: a route missing here fails it (and is refused at run time).
pub const RULES: &[(&str, &str, Rule)] = &[
    ("GET", "/healthz", Public),
    // National counts: for the operators' monitoring, with an admin's token.
    ("GET", "/metrics", Signed(Administer)),
    ("GET", "/assets/{*path}", Public),
    ("GET", "/lang/{code}", Public),
    ("GET", "/login", Public),
    ("POST", "/login", Public),
    ("POST", "/logout", Public),
    ("GET", "/", Signed(Read)),
    ("GET", "/map", Signed(Read)),
    ("GET", "/gaps", Signed(Read)),
    ("GET", "/tasks", Signed(Read)),
    (
        "GET",
        "/orgs/{id}/tasks/{list}/assign",
        Signed(RecordPartyWork),
    ),
    (
        "POST",
        "/orgs/{id}/tasks/{list}/assign",
        Signed(RecordPartyWork),
    ),
    ("GET", "/report", Signed(Read)),
    ("GET", "/report.xlsx", Signed(Read)),
    ("GET", "/api", Signed(Read)),
    ("GET", "/orgs", Signed(Read)),
    ("GET", "/orgs/export", Signed(Read)),
    ("GET", "/orgs/{id}", Signed(Read)),
    ("GET", "/orgs/new", Signed(Register)),
    ("POST", "/orgs/new", Signed(Register)),
    ("GET", "/orgs/import", Signed(Register)),
    ("POST", "/orgs/import", Signed(Register)),
    ("POST", "/orgs/import/confirm", Signed(Register)),
    ("GET", "/orgs/{id}/edit", Signed(Register)),
    ("POST", "/orgs/{id}/edit", Signed(Register)),
    ("GET", "/orgs/{id}/deregister", Signed(Register)),
    ("POST", "/orgs/{id}/deregister", Signed(Register)),
    ("GET", "/orgs/{id}/party-org", Signed(RecordPartyWork)),
    ("POST", "/orgs/{id}/party-org", Signed(RecordPartyWork)),
    ("GET", "/orgs/{id}/election", Signed(RecordPartyWork)),
    ("POST", "/orgs/{id}/election", Signed(RecordPartyWork)),
    ("GET", "/orgs/{id}/report", Signed(RecordPartyWork)),
    ("POST", "/orgs/{id}/report", Signed(RecordPartyWork)),
    ("GET", "/orgs/{id}/instructor", Signed(RecordPartyWork)),
    ("POST", "/orgs/{id}/instructor", Signed(RecordPartyWork)),
    // An API description is no secret: tools read it before they are given a token.
    ("GET", "/api/openapi.json", Public),
    ("GET", "/api/orgs", Signed(Read)),
    ("POST", "/api/orgs", Signed(Register)),
    ("GET", "/api/orgs/{id}", Signed(Read)),
    // Field by field in the handler: registration fields for civil affairs, party work
    // for organization departments.
    ("PATCH", "/api/orgs/{id}", Signed(Change)),
    ("POST", "/api/orgs/{id}/deregister", Signed(Register)),
    ("POST", "/api/orgs/{id}/party-org", Signed(RecordPartyWork)),
    (
        "POST",
        "/api/orgs/{id}/party-org/dissolve",
        Signed(RecordPartyWork),
    ),
    ("POST", "/api/orgs/{id}/election", Signed(RecordPartyWork)),
    ("POST", "/api/orgs/{id}/report", Signed(RecordPartyWork)),
    ("POST", "/api/orgs/{id}/instructor", Signed(RecordPartyWork)),
    (
        "POST",
        "/api/orgs/{id}/instructor/remove",
        Signed(RecordPartyWork),
    ),
    ("GET", "/api/orgs/{id}/history", Signed(Read)),
    (
        "POST",
        "/api/orgs/{id}/tasks/{list}/assign",
        Signed(RecordPartyWork),
    ),
    ("GET", "/api/orgs/{id}/decision", Signed(Read)),
    ("GET", "/api/groups.geojson", Signed(Read)),
    ("GET", "/api/coverage/cells", Signed(Read)),
    ("GET", "/api/coverage/cells/{cell}/orgs", Signed(Read)),
    ("GET", "/api/coverage/divisions", Signed(Read)),
    ("GET", "/api/coverage/divisions.csv", Signed(Read)),
    ("GET", "/api/coverage/divisions.geojson", Signed(Read)),
    ("GET", "/api/gaps.geojson", Signed(Read)),
    ("GET", "/api/gaps.csv", Signed(Read)),
    ("GET", "/api/gaps.xlsx", Signed(Read)),
    ("GET", "/api/gaps.fgb", Signed(Read)),
    ("GET", "/api/divisions", Signed(Read)),
    ("GET", "/api/divisions/search", Signed(Read)),
    ("GET", "/api/boundaries.geojson", Signed(Read)),
    ("GET", "/audit", Signed(Administer)),
    ("GET", "/account", Browser(Read)),
    ("POST", "/account/tokens", Browser(Read)),
    ("POST", "/account/tokens/{id}/revoke", Browser(Read)),
    ("GET", "/ogc", Signed(Read)),
    ("GET", "/ogc/", Signed(Read)),
    ("GET", "/ogc/api", Signed(Read)),
    ("GET", "/ogc/conformance", Signed(Read)),
    ("GET", "/ogc/collections", Signed(Read)),
    ("GET", "/ogc/collections/{id}", Signed(Read)),
    ("GET", "/ogc/collections/{id}/queryables", Signed(Read)),
    ("GET", "/ogc/collections/{id}/items", Signed(Read)),
    ("GET", "/ogc/collections/{id}/items/{feature}", Signed(Read)),
];

/// The rule of a request; HEAD follows GET.
pub fn rule_for(method: &Method, route: &str) -> Option<Rule> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    RULES
        .iter()
        .find(|(m, r, _)| *m == method && *r == route)
        .map(|(_, _, rule)| *rule)
}

/// The methods a route takes, as an `Allow` header lists them (HEAD with GET); empty for
/// a route without rules.
fn methods_of(route: &str) -> String {
    let mut methods: Vec<&str> = RULES
        .iter()
        .filter(|(_, r, _)| *r == route)
        .map(|(m, _, _)| *m)
        .collect();
    if methods.contains(&"GET") {
        methods.push("HEAD");
    }
    methods.join(", ")
}

/// Where HTTP Basic is taken: the OGC API, which QGIS reads (its authentication methods
/// are Basic, PKI, OAuth2 and EsriToken; none sends a Bearer header). Only there: a browser
/// keeps Basic credentials and sends them to every address of the site, as it does a
/// cookie, so on a route that changes data they would pass for a script's token without
/// the session's CSRF check. Every `/ogc` route is a read.
fn takes_basic(route: &str) -> bool {
    route == "/ogc" || route.starts_with("/ogc/")
}

/// The API token an `Authorization` header carries: `Bearer TOKEN`, or, where Basic is
/// taken, `Basic` with the account's name as the user and a token as the password (never
/// the account's password, so a QGIS project holds a credential that can be revoked).
/// `None` for any other header; the name is checked against the token's account.
fn token_of(value: &axum::http::HeaderValue, basic: bool) -> Option<(Option<String>, String)> {
    let value = value.to_str().ok()?.trim();
    if let Some(token) = value.strip_prefix("Bearer ") {
        return Some((None, token.trim().to_owned()));
    }
    let encoded = value.strip_prefix("Basic ").filter(|_| basic)?.trim();
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let pair = String::from_utf8(decoded).ok()?;
    let (name, token) = pair.split_once(':')?;
    Some((Some(name.to_owned()), token.to_owned()))
}

/// The account a request acts for: its token's, else its session's.
async fn account_of(
    state: &AppState,
    authorization: Option<axum::http::HeaderValue>,
    session: Option<tower_sessions::Session>,
    basic: bool,
) -> Result<Option<Account>, AppError> {
    if let Some(value) = authorization {
        let Some((name, token)) = token_of(&value, basic) else {
            return Ok(None);
        };
        let hash = crate::passwords::token_hash(&token);
        let account = state
            .store
            .token_account(&hash)
            .await?
            .filter(|a| name.as_ref().is_none_or(|n| *n == a.name));
        if let Some(token) = account.as_ref().and_then(|a| a.token) {
            state.book.token_used(token);
        }
        return Ok(account);
    }
    match session {
        Some(session) => Ok(super::auth::account_of(&session, &state.store).await),
        None => Ok(None),
    }
}

/// The guard: applied to every route after routing (so it knows the route's pattern).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let Some(rule) = rule_for(request.method(), &route) else {
        let allowed = methods_of(&route);
        if !allowed.is_empty() {
            // A known route asked with another method: the caller's mistake, not ours.
            tracing::debug!(method = %request.method(), route, "method not allowed");
            let mut response = refusal(
                StatusCode::METHOD_NOT_ALLOWED,
                Said::new(
                    format!("此地址只接受 {allowed}"),
                    format!("this address takes {allowed} only"),
                ),
            );
            if let Ok(value) = allowed.parse() {
                response
                    .headers_mut()
                    .insert(axum::http::header::ALLOW, value);
            }
            return response;
        }
        tracing::error!(method = %request.method(), route, "a route without an access rule was refused");
        return refusal(
            StatusCode::FORBIDDEN,
            Said::new("此路由没有访问规则", "this route has no access rule"),
        );
    };
    let (action, browser_only) = match rule {
        Public => return next.run(request).await,
        Signed(action) => (action, false),
        Browser(action) => (action, true),
    };
    let authorization = request.headers().get(AUTHORIZATION).cloned();
    let session = request
        .extensions()
        .get::<tower_sessions::Session>()
        .cloned();
    let by_session = authorization.is_none();
    let basic = takes_basic(&route);
    let account = match account_of(&state, authorization, session.clone(), basic).await {
        Ok(account) => account,
        Err(e) => return e.into_response(),
    };
    let Some(account) = account else {
        if is_api(&route) || request.headers().contains_key(AUTHORIZATION) {
            let mut response = refusal(
                StatusCode::UNAUTHORIZED,
                if basic {
                    Said::new(
                        "请先登录，或提供有效的 API 令牌：请求头 Authorization: Bearer 令牌，或 HTTP Basic（用户名为账号名，密码为 API 令牌，不是登录密码）",
                        "sign in, or send a valid API token: Authorization: Bearer TOKEN, or HTTP Basic with the account's name and the token (not the account's password) as the password",
                    )
                } else {
                    Said::new(
                        "请先登录或提供有效的 API 令牌",
                        "sign in, or send a valid API token as Authorization: Bearer",
                    )
                },
            );
            let headers = response.headers_mut();
            headers.insert(WWW_AUTHENTICATE, "Bearer".parse().expect("a header value"));
            if basic {
                headers.append(
                    WWW_AUTHENTICATE,
                    r#"Basic realm="orgcover OGC API", charset="UTF-8""#
                        .parse()
                        .expect("a header value"),
                );
            }
            return response;
        }
        let here = request.uri().path_and_query().map_or("/", |p| p.as_str());
        return Redirect::to(&format!(
            "/login?next={}",
            form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>()
        ))
        .into_response();
    };
    if browser_only && !by_session {
        return refusal(
            StatusCode::FORBIDDEN,
            Said::new(
                "账户和令牌只能在浏览器中登录后管理，API 令牌不能用于此",
                "an account and its tokens are managed signed in in a browser, not with an API token",
            ),
        );
    }
    if !account.may(action) {
        return refusal(StatusCode::FORBIDDEN, role_refused());
    }
    // A change made with the session cookie must carry the session's token: another
    // site can make the browser send the cookie, not read the token. Tokens sent as
    // Authorization headers cannot be forged that way.
    let request = if by_session && !request.method().is_safe() {
        let expected = match &session {
            Some(session) => super::auth::csrf_of(session).await,
            None => None,
        };
        let limit = if route == UPLOAD_ROUTE {
            MAX_UPLOAD
        } else {
            MAX_SESSION_BODY
        };
        match with_csrf_checked(request, expected.as_deref(), limit).await {
            Ok(request) => request,
            Err(response) => return response,
        }
    } else {
        request
    };
    let mut request = request;
    request.extensions_mut().insert(account);
    next.run(request).await
}

/// The most a form or JSON body changed through the session may hold.
const MAX_SESSION_BODY: usize = 2 * 1024 * 1024;

/// The route a ledger is uploaded to, and the largest upload (a workbook of a few hundred
/// thousand rows).
pub const UPLOAD_ROUTE: &str = "/orgs/import";
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;

/// The `csrf` field of a multipart form (an upload), sent before the file.
async fn csrf_in_multipart(content_type: &str, bytes: &axum::body::Bytes) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let body = bytes.clone();
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    while let Ok(Some(part)) = parts.next_field().await {
        if part.name() == Some("csrf") {
            return part.text().await.ok();
        }
    }
    None
}

/// Lets the request through if it carries the session's CSRF token, in the `csrf` field
/// of a form or the `X-CSRF-Token` header; the body read to look is put back.
async fn with_csrf_checked(
    request: Request,
    expected: Option<&str>,
    limit: usize,
) -> Result<Request, Response> {
    let forged = || {
        refusal(
            StatusCode::FORBIDDEN,
            Said::new(
                "表单已过期或来源不明，未保存：请重新打开页面再提交",
                "the form is stale or did not come from this site; nothing was saved: open the page again",
            ),
        )
    };
    let Some(expected) = expected else {
        return Err(forged());
    };
    let header = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_type = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            Said::new("请求内容过大", "the request body is too large"),
        )
    })?;
    let sent = match header {
        Some(sent) => Some(sent),
        None if content_type.starts_with("multipart/form-data") => {
            csrf_in_multipart(&content_type, &bytes).await
        }
        None => form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned()),
    };
    let matches = sent.is_some_and(|sent| {
        // Compared in time independent of where they differ.
        sent.len() == expected.len()
            && sent
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    });
    if !matches {
        return Err(forged());
    }
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
}

pub use crate::registry::query::{NOTHING, scoped};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `.route("path", get(..).post(..))` in the web modules, as (method, path).
    fn routes_in_source() -> Vec<(String, String)> {
        // Every source file of the web layer, read at test time, so that a new file
        // with routes is found without being listed here.
        fn rust_files(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    rust_files(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let mut sources = Vec::new();
        rust_files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web"),
            &mut sources,
        );
        let mut routes = Vec::new();
        for source in &sources {
            for call in source.split(".route(").skip(1) {
                let Some(rest) = call.trim_start().strip_prefix('"') else {
                    continue;
                };
                let Some((path, handlers)) = rest.split_once('"') else {
                    continue;
                };
                // Routes are absolute paths; this test's own text is not a route.
                if !path.starts_with('/') {
                    continue;
                }
                // The handlers end where the call does: the first unmatched ')'.
                let mut depth = 0;
                let end = handlers
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += match c {
                            '(' => 1,
                            ')' => -1,
                            _ => 0,
                        };
                        depth < 0
                    })
                    .map_or(handlers.len(), |(i, _)| i);
                let handlers = &handlers[..end];
                for (token, method) in [("get(", "GET"), ("post(", "POST"), ("patch(", "PATCH")] {
                    if handlers.contains(token) {
                        routes.push((method.to_owned(), path.to_owned()));
                    }
                }
            }
        }
        routes
    }

    #[test]
    fn every_route_of_the_router_has_an_access_rule_and_every_rule_a_route() {
        let routes = routes_in_source();
        assert!(routes.len() >= 40, "the scan finds the routes: {routes:?}");
        for (method, path) in &routes {
            assert!(
                rule_for(&method.parse().unwrap(), path).is_some(),
                "{method} {path} has no access rule in RULES"
            );
        }
        for (method, path, _) in RULES {
            assert!(
                routes.iter().any(|(m, p)| m == method && p == path),
                "RULES names {method} {path}, which no router serves"
            );
        }
    }

    #[test]
    fn a_route_without_a_rule_is_refused_and_head_follows_get() {
        assert_eq!(rule_for(&Method::DELETE, "/api/orgs/{id}"), None);
        assert_eq!(rule_for(&Method::HEAD, "/api/orgs"), Some(Signed(Read)));
        assert_eq!(
            rule_for(&Method::POST, "/orgs/{id}/election"),
            Some(Signed(RecordPartyWork))
        );
    }
}

/// The Content-Security-Policy the pages satisfy: scripts and styles only from this
/// service (no inline script anywhere), images also from the base-map tile server when
/// one is set, no framing.
pub fn content_security_policy(tiles_url: Option<&str>) -> String {
    let tiles = tiles_url
        .and_then(tile_origin)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; \
         connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The origin of a tile URL template (`https://{s}.tiles.example/{z}/{x}/{y}.png` gives
/// `https://*.tiles.example`).
fn tile_origin(template: &str) -> Option<String> {
    let (scheme, rest) = template.split_once("://")?;
    let host = rest.split('/').next()?.replace("{s}", "*");
    (!host.is_empty() && matches!(scheme, "http" | "https")).then(|| format!("{scheme}://{host}"))
}

/// CORS on the OGC API for the configured origins only: a preflight gets its answer here,
/// before the guard (it carries no token); an answer to an allowed origin says so. The
/// token travels in `Authorization`, never a cookie, so credentials are not allowed.
pub async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    use axum::http::HeaderValue;
    use axum::http::header::{
        ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
        ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ORIGIN, VARY,
    };
    let path = request.uri().path();
    let allowed = (path == "/ogc" || path.starts_with("/ogc/"))
        .then(|| request.headers().get(ORIGIN).cloned())
        .flatten()
        .filter(|o| {
            o.to_str()
                .is_ok_and(|o| state.options.cors_origins.iter().any(|c| c == o))
        });
    let Some(origin) = allowed else {
        return next.run(request).await;
    };
    let mut response = if request.method() == Method::OPTIONS {
        let mut preflight = StatusCode::NO_CONTENT.into_response();
        let headers = preflight.headers_mut();
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, HEAD, OPTIONS"),
        );
        headers.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, accept, accept-encoding"),
        );
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        preflight
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("content-crs"),
    );
    headers.append(VARY, HeaderValue::from_static("origin"));
    response
}

/// Adds the security headers to every answer.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    use axum::http::HeaderValue;
    use axum::http::header::CACHE_CONTROL;
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // A page or an answer shows one account's data (and once, a new token): no cache
    // keeps it, not the browser's, not a proxy's, not QGIS's disk cache (which, told
    // nothing, kept the OGC API's answers and showed a layer after its token was revoked).
    // Assets and the map's answers with an ETag set their own caching.
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let csp = content_security_policy(state.options.tiles_url.as_deref());
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert("content-security-policy", csp);
    }
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    response
}

#[cfg(test)]
mod csp_tests {
    use super::*;

    #[test]
    fn the_tile_server_is_the_only_other_image_source() {
        let csp = content_security_policy(Some("https://{s}.tiles.gov.example/{z}/{x}/{y}.png"));
        assert!(
            csp.contains("img-src 'self' data: https://*.tiles.gov.example;"),
            "{csp}"
        );
        assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe-inline"));
        assert!(!content_security_policy(None).contains("https://"));
        assert_eq!(tile_origin("javascript:alert(1)"), None);
    }
}
