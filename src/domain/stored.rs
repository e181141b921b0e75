//! An organization as the registry holds it: its id, version and H3 cell beside its fields.

use h3o::{CellIndex, LatLng, Resolution};
use serde::Serialize;

use super::coords::LonLat;
use super::organization::Organization;

/// The H3 resolution every organization's cell is stored at (design.md).
pub const STORED_RESOLUTION: Resolution = Resolution::Nine;

/// The resolution-9 H3 cell of a WGS84 point.
pub fn cell_of(location: LonLat) -> CellIndex {
    LatLng::new(location.lat, location.lon)
        .expect("validated coordinates are finite")
        .to_cell(STORED_RESOLUTION)
}

/// A registered organization with the fields every API response adds (formats.md).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredOrganization {
    pub id: i64,
    /// Increases with every change; an update must name the version it read.
    pub version: i64,
    /// The H3 resolution-9 cell, lower-case hex.
    #[serde(serialize_with = "cell_hex")]
    #[schema(value_type = String, pattern = "^89[0-9a-f]{13}$", example = "8931aa4b05bffff")]
    pub cell: CellIndex,
    #[serde(flatten)]
    pub org: Organization,
}

fn cell_hex<S: serde::Serializer>(cell: &CellIndex, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{:x}", u64::from(*cell)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cell_is_the_resolution_9_cell_of_the_point() {
        let cell = cell_of(LonLat {
            lon: 111.7519,
            lat: 40.8415,
        });
        assert_eq!(cell.resolution(), Resolution::Nine);
        let centre = LatLng::from(cell);
        assert!((centre.lng() - 111.7519).abs() < 0.01 && (centre.lat() - 40.8415).abs() < 0.01);
    }
}
