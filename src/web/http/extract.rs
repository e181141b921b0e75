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

/// Who acts in a change: the current account, and the address it came from, as the
/// audit log names them.
#[derive(Debug, Clone)]
pub struct CurrentActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentActor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let CurrentAccount(account) = CurrentAccount::from_request_parts(parts, state).await?;
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the peer's address is unknown")))?;
        Ok(CurrentActor(Actor::new(account, addr)))
    }
}
