//! What every door of the service shares: the route guard and its rules, sign-in and
//! sessions, errors, extractors, answer caches, metrics and the embedded assets.

pub mod access;
pub mod answers;
pub mod assets;
pub mod auth;
pub mod bookkeeping;
pub mod connections;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod uploads;
