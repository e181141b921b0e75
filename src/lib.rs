//! orgcover: a registry of social organizations and their party-organization coverage.

pub mod cli;
pub mod config;
pub mod domain;
pub mod generate;
pub mod io;
pub mod passwords;
pub mod registry;
pub mod store;
pub mod web;
