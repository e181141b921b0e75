//! Which organizations an aggregate counts: the bounding box, the filters of the map and
//! the API, and industries interned as numbers.

use std::ops::Range;

use rustc_hash::FxHashMap;

use super::tally::CoverageRow;
use crate::domain::coords::LonLat;
use crate::domain::decision::Coverage;
use crate::domain::error::FieldError;
use crate::domain::organization::{Kind, Level};

/// Industry texts interned as small numbers, so rows stay compact and filters compare
/// integers.
#[derive(Debug, Default, Clone)]
pub struct Industries {
    ids: FxHashMap<String, u32>,
}

impl Industries {
    pub fn intern(&mut self, industry: Option<&str>) -> u32 {
        let Some(industry) = industry else { return 0 };
        if let Some(&id) = self.ids.get(industry) {
            return id;
        }
        let id = self.ids.len() as u32 + 1;
        self.ids.insert(industry.to_owned(), id);
        id
    }

    /// Every industry text seen, sorted: what a filter offers to choose from.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.ids.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// The id of an industry for a filter; an industry nobody has matches no row.
    pub fn lookup(&self, industry: &str) -> u32 {
        self.ids.get(industry).copied().unwrap_or(u32::MAX)
    }
}

/// A WGS84 bounding box: west, south, east, north.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Bbox {
    /// The box of one point.
    pub fn at(p: LonLat) -> Self {
        Self {
            west: p.lon,
            south: p.lat,
            east: p.lon,
            north: p.lat,
        }
    }

    /// Reads `west,south,east,north` in degrees (the OGC API and GeoJSON order).
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                "bbox",
                format!("bbox 应为“西,南,东,北”四个十进制度数，且西<东、南<北，现为“{s}”"),
                format!(
                    "bbox is 'west,south,east,north' in degrees with west < east and south < north, not '{s}'"
                ),
            )
        };
        let v: Vec<f64> = s
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let [west, south, east, north] = v[..] else {
            return Err(bad());
        };
        if !(west < east && south < north) || v.iter().any(|x| !x.is_finite()) {
            return Err(bad());
        }
        Ok(Self {
            west,
            south,
            east,
            north,
        })
    }

    pub fn contains(&self, p: LonLat) -> bool {
        p.lon >= self.west && p.lon <= self.east && p.lat >= self.south && p.lat <= self.north
    }

    /// The box grown by `km` on every side (longitude scaled at the box's widest latitude).
    pub fn padded(&self, km: f64) -> Self {
        let dlat = km / 111.0;
        let widest = self.south.abs().max(self.north.abs()).min(85.0);
        let dlon = km / (111.0 * widest.to_radians().cos());
        Self {
            west: self.west - dlon,
            south: self.south - dlat,
            east: self.east + dlon,
            north: self.north + dlat,
        }
    }
}

/// Which organizations an aggregate counts (every field optional).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub level: Option<Level>,
    /// An interned industry id ([`Industries::lookup`]).
    pub industry: Option<u32>,
    /// Division numbers within a prefix (see [`Filter::division_range`]).
    pub division: Option<Range<u64>>,
    pub coverage: Option<Coverage>,
}

impl Filter {
    /// The division numbers of every code starting with `prefix` (validated digits).
    pub fn division_range(prefix: &str) -> Range<u64> {
        if prefix.is_empty() {
            return 0..u64::MAX;
        }
        let scale = 10u64.pow(12 - prefix.len() as u32);
        let p: u64 = prefix.parse().expect("a validated prefix");
        p * scale..(p + 1) * scale
    }

    pub fn matches(&self, row: &CoverageRow) -> bool {
        self.kind.is_none_or(|k| k == row.kind)
            && self.level.is_none_or(|l| l == row.level)
            && self.industry.is_none_or(|i| i == row.industry)
            && self
                .division
                .as_ref()
                .is_none_or(|r| r.contains(&row.division))
            && self.coverage.is_none_or(|c| c == row.org.coverage)
    }

    /// Whether the filter keeps every row (so maintained aggregates can answer).
    pub fn is_empty(&self) -> bool {
        self.kind.is_none()
            && self.level.is_none()
            && self.industry.is_none()
            && self.division.is_none()
            && self.coverage.is_none()
    }
}
