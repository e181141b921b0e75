//! The HTML pages (maud), in Chinese or English: they call the registry and render their
//! own forms' errors. Never import the API.

pub mod account;
pub mod dashboard;
pub mod errors;
pub mod gaps;
pub mod home;
pub mod import;
pub mod login;
pub mod map;
pub mod orgs;
pub mod party_work;
pub mod report;
pub mod tasks;
pub mod ui;
pub mod views;
