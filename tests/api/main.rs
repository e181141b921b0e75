//! Integration tests: the real server and CLI against real databases and real files.

mod analyze;
mod decisions;
mod helpers;
mod import;
mod orgs;
