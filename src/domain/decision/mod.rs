//! Rules R1-R10 (docs/rules.md): what party organization each organization should have,
//! the flags that need attention, its coverage, and the reasons with their clauses.
//!
//! Pure functions: the date is passed in, never read from the clock inside a rule. The
//! parts: the decision's types (`types`), the registry facts R3 needs (`context`), the rules
//! themselves (`rules`), the reasons in Chinese and English (`reasons`) and their source
//! clauses (`clauses`).

mod clauses;
mod context;
mod reasons;
mod rules;
#[cfg(test)]
mod tests;
mod types;

pub use context::{RegistryContext, has_own_party_org, hosts_industry_party_org, operates};
pub use reasons::{Detail, Reason};
pub use rules::{Assessor, add_working_days, recommendation};
pub use types::{Coverage, Decision, Flag, GroupRef, Recommendation};
