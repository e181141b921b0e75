//! Extractors whose rejections answer in the API's JSON error shape.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::request::Parts;

use super::error::AppError;
use crate::domain::access::Account;
use crate::registry::Actor;

pub use crate::registry::query::given;

/// `axum::Json` with JSON errors.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Query` with JSON errors.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

/// `axum::extract::Path` where a malformed id is simply not found.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

/// The account a request acts for, which the route guard found (its token's, else its
/// session's). Only routes with a signed-in rule have one.
#[derive(Debug, Clone)]
pub struct CurrentAccount(pub Account);

impl<S: Send + Sync> FromRequestParts<S> for CurrentAccount {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Account>()
            .cloned()
            .map(CurrentAccount)
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "a signed-in route was reached without an account"
                ))
            })
    }
}

/// The address a request came from: the TCP peer, or, when the peer is one of the
/// `trusted` proxies, the last address of `X-Forwarded-For` that is not itself a trusted
/// proxy (the one the nearest proxy saw). A header from anyone else is ignored, so nobody
/// can claim another's address.
pub fn client_address(
    peer: SocketAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[std::net::IpAddr],
) -> SocketAddr {
    if !trusted.contains(&peer.ip()) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    forwarded
        .iter()
        .rev()
        .map_while(|a| a.parse::<std::net::IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .map_or(peer, |ip| SocketAddr::new(ip, peer.port()))
}

/// The address a request came from, [`client_address`] with the service's trusted
/// proxies.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub SocketAddr);

impl FromRequestParts<crate::web::AppState> for ClientAddress {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::web::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the peer's address is unknown")))?;
        Ok(ClientAddress(client_address(
            peer,
            &parts.headers,
            &state.options.trusted_proxies,
        )))
    }
}

/// Who acts in a change: the current account, and the address it came from, as the
/// audit log names them.
#[derive(Debug, Clone)]
pub struct CurrentActor(pub Actor);

impl FromRequestParts<crate::web::AppState> for CurrentActor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::web::AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentAccount(account) = CurrentAccount::from_request_parts(parts, state).await?;
        let ClientAddress(addr) = ClientAddress::from_request_parts(parts, state).await?;
        Ok(CurrentActor(Actor::new(account, addr)))
    }
}

/// A submitted HTML form (`application/x-www-form-urlencoded`), refused unless every name
/// and value is UTF-8: axum's `Form` would keep invalid bytes as U+FFFD and save them. Its
/// refusals, a body too large included, are `AppError`s, so a page answers with a page.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = AppError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let is_form = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::Refused {
                status: axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: super::error::Said::new(
                    "表单应以 application/x-www-form-urlencoded 提交",
                    "a form is sent as application/x-www-form-urlencoded",
                ),
                field: "content-type",
                extra: Box::new(serde_json::json!({})),
            });
        }
        let body = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    super::error::too_large()
                } else {
                    AppError::bad_request("无法读取表单", "the form could not be read")
                }
            })?;
        for pair in body.split(|b| *b == b'&') {
            let name_end = pair.iter().position(|b| *b == b'=').unwrap_or(pair.len());
            let (name, value) = (&pair[..name_end], pair.get(name_end + 1..).unwrap_or(&[]));
            let name = decoded(name).unwrap_or_else(|| "?".into());
            if decoded(value).is_none() || name == "?" {
                return Err(AppError::Validation(
                    crate::domain::error::ValidationErrors(vec![
                        crate::domain::error::FieldError::new(
                            "form",
                            format!(
                                "表单字段“{name}”不是有效的 UTF-8 文本，未保存：请用浏览器重新填写"
                            ),
                            format!(
                                "the form field '{name}' is not valid UTF-8 text; nothing was saved: fill it in again in a browser"
                            ),
                        ),
                    ]),
                ));
            }
        }
        serde_urlencoded::from_bytes(&body)
            .map(PageForm)
            .map_err(|e| {
                AppError::bad_request(
                    format!("表单内容有误：{e}"),
                    format!("the form does not fit: {e}"),
                )
            })
    }
}

/// A form name or value decoded (`+` is a space), if it is UTF-8.
fn decoded(raw: &[u8]) -> Option<String> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_encoding::percent_decode(&spaced)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}
