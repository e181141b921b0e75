//! A cell's hexagon as geometry: its ring, its box, whether it touches a box, and the hex
//! index that URLs and GeoJSON carry.

use h3o::{CellIndex, LatLng};

use super::filter::Bbox;
use crate::domain::coords::LonLat;

/// The cells of an aggregate whose hexagon may touch `bbox`: the centre within the box
/// grown by the cell's size.
pub fn touches(cell: CellIndex, bbox: &Bbox) -> bool {
    let centre = LatLng::from(cell);
    let radius_km = cell.resolution().edge_length_km() * 1.2;
    bbox.padded(radius_km).contains(LonLat {
        lon: centre.lng(),
        lat: centre.lat(),
    })
}

/// A cell from its lower- or upper-case hex index, as URLs and GeoJSON carry it.
pub fn cell_from_hex(text: &str) -> Option<CellIndex> {
    u64::from_str_radix(text, 16)
        .ok()
        .and_then(|n| CellIndex::try_from(n).ok())
}

/// The box around a cell's hexagon.
pub fn cell_bbox(cell: CellIndex) -> Bbox {
    let ring = hexagon_ring(cell);
    let (mut b, rest) = (
        Bbox {
            west: ring[0][0],
            south: ring[0][1],
            east: ring[0][0],
            north: ring[0][1],
        },
        &ring[1..],
    );
    for [lon, lat] in rest {
        b.west = b.west.min(*lon);
        b.east = b.east.max(*lon);
        b.south = b.south.min(*lat);
        b.north = b.north.max(*lat);
    }
    b
}

/// Each cell's hexagon as a closed, counter-clockwise WGS84 ring of (lon, lat) (RFC 7946),
/// to seven decimals (about a centimetre: RFC 7946 advises against needless precision).
pub fn hexagon_ring(cell: CellIndex) -> Vec<[f64; 2]> {
    let round = |x: f64| (x * 1e7).round() / 1e7;
    let mut ring: Vec<[f64; 2]> = cell
        .boundary()
        .iter()
        .map(|v| [round(v.lng()), round(v.lat())])
        .collect();
    // Shoelace: positive area means counter-clockwise in (lon, lat).
    let area: f64 = ring
        .iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| a[0] * b[1] - b[0] * a[1])
        .sum();
    if area < 0.0 {
        ring.reverse();
    }
    ring.push(ring[0]);
    ring
}
