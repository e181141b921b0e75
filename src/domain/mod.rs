//! The domain: organizations, their identifiers and validation. Pure Rust, no I/O.

pub mod access;
pub mod analysis;
pub mod boundary;
pub mod coords;
pub mod coverage;
pub mod coverage_index;
pub mod credit_code;
pub mod decision;
pub mod division;
pub mod error;
pub mod grouping;
pub mod history;
pub mod lang;
pub mod organization;
pub mod party_work;
pub mod policy;
pub mod report;
pub mod snapshot;
pub mod stored;
pub mod tasks;
#[cfg(test)]
pub(crate) mod testing;
pub mod verification;
