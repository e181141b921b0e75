//! Integration tests: the real server and CLI against real databases and real files.

mod access;
mod analyze;
mod architecture;
mod boundaries;
mod coverage;
mod decisions;
mod divisions;
mod doors;
mod h3_reference;
mod helpers;
mod import;
mod ledgers;
mod matrix;
mod ogc;
mod openapi;
mod operations;
mod orgs;
mod page_handlers;
mod pages;
mod report;
mod security;
mod tasks;
