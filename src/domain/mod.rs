//! The domain: organizations, their identifiers and validation. Pure Rust, no I/O.

pub mod coords;
pub mod credit_code;
pub mod division;
pub mod error;
pub mod organization;
pub mod stored;
