//! Coverage ("两个覆盖", docs/rules.md, coverage): counts per H3 cell and per division, the
//! three rates, and the ranked gap list with what each gap needs. Every operating
//! organization becomes one compact `CoverageRow`; the aggregates are linear passes over
//! rows sorted by cell or by division.
//!
//! - `tally`: what an organization adds to its area, the counts and the rates;
//! - `cells`: counts per H3 cell at each resolution, and roll-ups;
//! - `divisions`: counts per administrative division;
//! - `filter`: the bounding box and the filters an aggregate applies;
//! - `gaps`: the ranked gap list;
//! - `hexagons`: a cell's hexagon as geometry.

mod cells;
mod divisions;
mod filter;
mod gaps;
mod hexagons;
mod tally;
#[cfg(test)]
mod tests;

pub use cells::*;
pub use divisions::*;
pub use filter::*;
pub use gaps::*;
pub use hexagons::*;
pub use tally::*;

/// The coarsest and finest resolutions the aggregation serves.
pub const MIN_RESOLUTION: u8 = 4;
pub const MAX_RESOLUTION: u8 = 10;
