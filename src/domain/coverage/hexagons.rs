//! A cell's hexagon as geometry: its ring, its box, whether it touches a box, and the hex
//! index that URLs and GeoJSON carry.

use h3o::{CellIndex, LatLng};

use super::filter::Bbox;
use crate::domain::coords::LonLat;

/// Whether a cell's hexagon, as GeoJSON draws it ([`hexagon_ring`]), intersects the box:
/// what a planner's intersection in QGIS finds. A centre in the box intersects it; one
/// farther from the box than twice the resolution's mean edge cannot (no hexagon is
/// that much larger than the mean); the hexagons between are tested as polygons.
pub fn intersects(cell: CellIndex, bbox: &Bbox) -> bool {
    let centre = centre_of(cell);
    if bbox.contains(centre) {
        return true;
    }
    if !bbox
        .padded(cell.resolution().edge_length_km() * 2.0)
        .contains(centre)
    {
        return false;
    }
    let ring: Vec<geo::Coord> = hexagon_ring(cell)
        .into_iter()
        .map(|[x, y]| geo::Coord { x, y })
        .collect();
    let hexagon = geo::Polygon::new(geo::LineString::new(ring), vec![]);
    let rect = geo::Rect::new(
        geo::Coord {
            x: bbox.west,
            y: bbox.south,
        },
        geo::Coord {
            x: bbox.east,
            y: bbox.north,
        },
    );
    geo::Intersects::intersects(&hexagon, &rect)
}

/// Whether the stored cells whose numbers fall under a cell (its H3 descendants by
/// digits) may hold a point in the box or a cell of a finer resolution intersecting it:
/// those descendants spread past the cell's own hexagon (H3's children stick out of their
/// parent at every level), so the centre is taken within the box grown by three edges.
pub fn may_reach(cell: CellIndex, bbox: &Bbox) -> bool {
    bbox.padded(cell.resolution().edge_length_km() * 3.0)
        .contains(centre_of(cell))
}

/// A cell's centre.
fn centre_of(cell: CellIndex) -> LonLat {
    let centre = LatLng::from(cell);
    LonLat {
        lon: centre.lng(),
        lat: centre.lat(),
    }
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
