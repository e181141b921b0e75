//! Division boundaries (行政区划界线): the polygons of provinces, cities, counties and
//! townships that a user loads from their own official file (`orgcover boundaries import`).
//! They answer two questions: which division a point lies in (the location check), and what
//! the map draws under the hexagons, simplified for the zoom.
//!
//! Coordinates are lon/lat in WGS84 or CGCS2000 (EPSG:4490), taken as one: the two frames
//! differ by a few centimetres in China, far below the precision of any boundary file.

use std::sync::{Arc, OnceLock, RwLock};

use geo::algorithm::indexed::IntervalTreeMultiPolygon;
use geo::{
    Area, BoundingRect, Contains, InteriorPoint, MultiPolygon, Point, Rect, SimplifyVwPreserve,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::Serialize;

use super::coords::LonLat;
use super::division::{DivisionCode, DivisionLevel};

/// The levels a boundary file may hold, finest last.
pub const LEVELS: [DivisionLevel; 4] = [
    DivisionLevel::Province,
    DivisionLevel::City,
    DivisionLevel::County,
    DivisionLevel::Township,
];

/// The zoom bands the map draws outlines at: up to `max_zoom`, Visvalingam-Whyatt drops
/// a vertex whose triangle is smaller than `epsilon` square degrees (half a pixel's area
/// at the band's largest zoom, where a pixel is 360 / 2^(zoom + 8) degrees), keeping each
/// polygon free of self-intersections. The last band draws the stored outline.
pub const BANDS: [(u8, f64); 4] = [(6, 2.4e-4), (8, 1.5e-5), (10, 9.4e-7), (u8::MAX, 0.0)];

/// The band a zoom level draws from.
pub fn band_of(zoom: u8) -> usize {
    BANDS
        .iter()
        .position(|(max_zoom, _)| zoom <= *max_zoom)
        .unwrap_or(BANDS.len() - 1)
}

/// The level whose divisions a prefix of this many digits identifies (`"1501"`: a city).
pub fn level_of_prefix(prefix: &str) -> Option<DivisionLevel> {
    LEVELS.into_iter().find(|l| l.prefix_len() == prefix.len())
}

/// The level a division code identifies: the finest whose digits are not all zero.
pub fn level_of(code: &DivisionCode) -> DivisionLevel {
    let digits = code.as_str();
    if digits[6..9] != *"000" {
        DivisionLevel::Township
    } else if digits[4..6] != *"00" {
        DivisionLevel::County
    } else if digits[2..4] != *"00" {
        DivisionLevel::City
    } else {
        DivisionLevel::Province
    }
}

/// One division's outline.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    pub code: DivisionCode,
    pub level: DivisionLevel,
    /// The name the file gives (shown as text, whatever it holds).
    pub name: String,
    /// Valid polygons (rings closed, exteriors counter-clockwise), lon/lat.
    pub shape: MultiPolygon<f64>,
}

impl Boundary {
    /// The code's digits that identify this division (6 for a county).
    pub fn prefix(&self) -> &str {
        self.code.prefix(self.level)
    }

    /// The code as people write it: 6 digits down to the county (`150100` for Hohhot),
    /// 9 for a township.
    pub fn short_code(&self) -> &str {
        &self.code.as_str()[..self.level.prefix_len().max(6)]
    }
}

/// Where a point lies against the boundary of its declared division (the organization's
/// `location_check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LocationCheck {
    /// Whether the point lies inside the boundary of the declared division.
    pub inside: bool,
    /// The division of the checked level (the county, where county outlines are loaded)
    /// whose boundary contains the point, as 6 digits (9 for a township); null when no
    /// loaded boundary contains it.
    pub division_code: Option<String>,
    pub division_name: Option<String>,
}

/// A division's outline as a map draws it at one zoom.
pub struct Outline<'a> {
    pub boundary: &'a Boundary,
    /// Simplified for the zoom's band.
    pub shape: &'a MultiPolygon<f64>,
    /// Where the name goes.
    pub label: Option<LonLat>,
}

struct Indexed {
    boundary: Boundary,
    contains: IntervalTreeMultiPolygon<f64>,
    /// The outline per zoom band ([`BANDS`]); the last is the stored one.
    simplified: Vec<MultiPolygon<f64>>,
    /// Where the name goes: a point inside the largest polygon.
    label: Option<Point<f64>>,
}

impl Indexed {
    fn outline(&self, band: usize) -> Outline<'_> {
        Outline {
            boundary: &self.boundary,
            shape: &self.simplified[band],
            label: self.label.map(|p| LonLat {
                lon: p.x(),
                lat: p.y(),
            }),
        }
    }
}

/// The boundaries the registry knows, indexed for point lookups and viewports.
#[derive(Default)]
pub struct Boundaries {
    /// Sorted by level, then code.
    list: Vec<Indexed>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    /// The outlines of divisions the file has no outline of but whose finer divisions it
    /// has (a city from its counties), dissolved on first use: the division map colours
    /// the cities of a province, and a file of counties is what users most often hold.
    /// Sorted by level, then code; never used to check a point.
    dissolved: OnceLock<Vec<Indexed>>,
}

impl std::fmt::Debug for Boundaries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Boundaries")
            .field("len", &self.list.len())
            .finish()
    }
}

fn rectangle(rect: Rect<f64>) -> Rectangle<[f64; 2]> {
    Rectangle::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y])
}

impl Boundaries {
    /// Indexes boundaries; a later one of the same code replaces an earlier one.
    pub fn new(boundaries: impl IntoIterator<Item = Boundary>) -> Self {
        let mut latest = std::collections::BTreeMap::new();
        for b in boundaries {
            latest.insert((b.level, b.prefix().to_owned()), b);
        }
        let boundaries: Vec<Boundary> = latest.into_values().collect();
        let list = super::analysis::in_parallel(&boundaries, |_, part| {
            part.iter().cloned().map(Self::index).collect()
        });
        let tree = RTree::bulk_load(
            list.iter()
                .enumerate()
                .filter_map(|(i, b)| {
                    Some(GeomWithData::new(
                        rectangle(b.boundary.shape.bounding_rect()?),
                        i,
                    ))
                })
                .collect(),
        );
        Self {
            list,
            tree,
            dissolved: OnceLock::new(),
        }
    }

    /// Outlines for the coarser levels the file lacks: from the finest level up, each
    /// division of a level is the union of the outlines (loaded or dissolved) one level
    /// below it, where it has no loaded outline of its own.
    fn dissolve(&self) -> Vec<Indexed> {
        let mut dissolved: Vec<Indexed> = Vec::new();
        for pair in LEVELS.windows(2).rev() {
            let (level, finer) = (pair[0], pair[1]);
            let mut parts: std::collections::BTreeMap<&str, Vec<&Boundary>> = Default::default();
            for b in self
                .list
                .iter()
                .chain(&dissolved)
                .map(|i| &i.boundary)
                .filter(|b| b.level == finer)
            {
                let prefix = b.code.prefix(level);
                if self.position(level, prefix).is_none() {
                    parts.entry(prefix).or_default().push(b);
                }
            }
            let parts: Vec<_> = parts.into_iter().collect();
            let mut found = super::analysis::in_parallel(&parts, |_, chunk| {
                chunk
                    .iter()
                    .map(|(prefix, under)| {
                        let code = under[0].code;
                        let shape = geo::unary_union(under.iter().map(|b| &b.shape));
                        Self::index(Boundary {
                            code: DivisionCode::parse(&format!("{prefix:0<12}")).unwrap_or(code),
                            level,
                            name: super::division::division_name(prefix)
                                .unwrap_or(prefix)
                                .to_owned(),
                            shape,
                        })
                    })
                    .collect()
            });
            dissolved.append(&mut found);
        }
        dissolved.sort_by(|a, b| {
            (a.boundary.level, a.boundary.prefix()).cmp(&(b.boundary.level, b.boundary.prefix()))
        });
        dissolved
    }

    /// The outlines of the divisions of `level` under `parent` (all of them for an empty
    /// parent), loaded or dissolved from finer ones, simplified for the zoom: what the
    /// division map colours.
    pub fn divisions_under(
        &self,
        level: DivisionLevel,
        parent: &str,
        zoom: u8,
    ) -> Vec<Outline<'_>> {
        let band = band_of(zoom);
        let loaded = self.list.iter();
        let dissolved = self.dissolved.get_or_init(|| self.dissolve()).iter();
        loaded
            .chain(dissolved)
            .filter(|i| i.boundary.level == level && i.boundary.prefix().starts_with(parent))
            .map(|i| i.outline(band))
            .collect()
    }

    fn index(boundary: Boundary) -> Indexed {
        let simplified = BANDS
            .iter()
            .map(|&(_, epsilon)| {
                if epsilon > 0.0 {
                    boundary.shape.simplify_vw_preserve(epsilon)
                } else {
                    boundary.shape.clone()
                }
            })
            .collect();
        let label = boundary
            .shape
            .iter()
            .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))
            .and_then(|p| p.interior_point());
        Indexed {
            contains: IntervalTreeMultiPolygon::new(&boundary.shape),
            boundary,
            simplified,
            label,
        }
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Every boundary, by level and code.
    pub fn iter(&self) -> impl Iterator<Item = &Boundary> {
        self.list.iter().map(|i| &i.boundary)
    }

    fn position(&self, level: DivisionLevel, prefix: &str) -> Option<usize> {
        self.list
            .binary_search_by(|i| (i.boundary.level, i.boundary.prefix()).cmp(&(level, prefix)))
            .ok()
    }

    /// The boundary of a division, by its code's identifying digits (`"150102"`).
    pub fn of(&self, level: DivisionLevel, prefix: &str) -> Option<&Boundary> {
        self.position(level, prefix).map(|i| &self.list[i].boundary)
    }

    /// Whether any boundary of `level` is loaded.
    pub fn has_level(&self, level: DivisionLevel) -> bool {
        self.list.iter().any(|i| i.boundary.level == level)
    }

    /// The boundary of `level` that contains the point.
    pub fn containing(&self, point: LonLat, level: DivisionLevel) -> Option<&Boundary> {
        let p = Point::new(point.lon, point.lat);
        self.tree
            .locate_all_at_point(&[point.lon, point.lat])
            .map(|hit| &self.list[hit.data])
            .find(|i| i.boundary.level == level && i.contains.contains(&p))
            .map(|i| &i.boundary)
    }

    /// Where a point lies against its declared division, at the finest level whose boundary
    /// of that division is loaded; None when no boundary of the division is known.
    pub fn check(&self, declared: &DivisionCode, point: LonLat) -> Option<LocationCheck> {
        let finest = level_of(declared);
        let (level, boundary) = LEVELS
            .iter()
            .rev()
            .filter(|l| **l <= finest)
            .find_map(|&l| Some((l, self.position(l, declared.prefix(l))?)))?;
        let p = Point::new(point.lon, point.lat);
        if self.list[boundary].contains.contains(&p) {
            let b = &self.list[boundary].boundary;
            return Some(LocationCheck {
                inside: true,
                division_code: Some(b.short_code().to_owned()),
                division_name: Some(b.name.clone()),
            });
        }
        let found = self.containing(point, level);
        Some(LocationCheck {
            inside: false,
            division_code: found.map(|b| b.short_code().to_owned()),
            division_name: found.map(|b| b.name.clone()),
        })
    }

    /// The loaded boundary of a division prefix (`"15"`, `"1501"`, `"150102"`, 9 digits).
    fn of_prefix(&self, prefix: &str) -> Option<usize> {
        self.position(level_of_prefix(prefix)?, prefix)
    }

    /// Whether a point lies inside the boundary of a division prefix; None when that
    /// boundary is not loaded.
    pub fn holds(&self, prefix: &str, point: LonLat) -> Option<bool> {
        let i = self.of_prefix(prefix)?;
        Some(
            self.list[i]
                .contains
                .contains(&Point::new(point.lon, point.lat)),
        )
    }

    /// Whether a point lies outside a division prefix (a jurisdiction such as `"1501"`):
    /// outside its own outline where that is loaded, else outside every loaded outline
    /// under it (a city's counties); false when nothing of the division is loaded.
    pub fn outside(&self, prefix: &str, point: LonLat) -> bool {
        if let Some(inside) = self.holds(prefix, point) {
            return !inside;
        }
        let covered = LEVELS.iter().any(|&level| {
            let first = self
                .list
                .partition_point(|i| (i.boundary.level, i.boundary.prefix()) < (level, prefix));
            self.list.get(first).is_some_and(|i| {
                i.boundary.level == level && i.boundary.prefix().starts_with(prefix)
            })
        });
        if !covered || prefix.is_empty() {
            return false;
        }
        let p = Point::new(point.lon, point.lat);
        !self
            .tree
            .locate_all_at_point(&[point.lon, point.lat])
            .map(|hit| &self.list[hit.data])
            .any(|i| i.boundary.code.as_str().starts_with(prefix) && i.contains.contains(&p))
    }

    /// A point inside a division's outline, where its name is drawn.
    pub fn label(&self, prefix: &str) -> Option<LonLat> {
        let p = self.list[self.of_prefix(prefix)?].label?;
        Some(LonLat {
            lon: p.x(),
            lat: p.y(),
        })
    }

    /// The outlines of `level` that reach into a box, simplified for the zoom, with the
    /// point their name is drawn at.
    pub fn in_view(
        &self,
        level: DivisionLevel,
        west: f64,
        south: f64,
        east: f64,
        north: f64,
        zoom: u8,
    ) -> Vec<Outline<'_>> {
        let band = band_of(zoom);
        let envelope = AABB::from_corners([west, south], [east, north]);
        let mut found: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|hit| hit.data)
            .filter(|&i| self.list[i].boundary.level == level)
            .collect();
        found.sort_unstable();
        found
            .into_iter()
            .map(|i| self.list[i].outline(band))
            .collect()
    }

    /// The box around a division prefix's loaded outlines (its own, or those under it, as a
    /// city's counties), as (west, south, east, north); the country's for an empty prefix.
    pub fn extent_under(&self, prefix: &str) -> Option<[f64; 4]> {
        self.list
            .iter()
            .filter(|i| i.boundary.code.as_str().starts_with(prefix))
            .filter_map(|i| i.boundary.shape.bounding_rect())
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            })
    }

    /// How many vertices the outlines of a zoom band hold (for the performance notes).
    pub fn vertices(&self, band: usize) -> usize {
        use geo::CoordsIter;
        self.list
            .iter()
            .map(|i| i.simplified[band].coords_count())
            .sum()
    }
}

/// The boundaries this process serves. An organization's JSON and its doubts are derived on
/// the way out, in every door, as its division's names are from the compiled register; the
/// boundaries are that register's geometry, loaded from the one database the process
/// serves, and the registry installs them at start-up and after every boundary import.
fn cell() -> &'static RwLock<Arc<Boundaries>> {
    static INSTALLED: OnceLock<RwLock<Arc<Boundaries>>> = OnceLock::new();
    INSTALLED.get_or_init(Default::default)
}

/// The boundaries installed last (none before the registry loads).
pub fn installed() -> Arc<Boundaries> {
    cell().read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Makes `boundaries` the ones every door checks and draws.
pub fn install(boundaries: Arc<Boundaries>) {
    *cell().write().unwrap_or_else(|e| e.into_inner()) = boundaries;
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn square(code: &str, name: &str, x: f64, y: f64, size: f64) -> Boundary {
        let code = DivisionCode::parse(code).unwrap();
        Boundary {
            level: level_of(&code),
            code,
            name: name.into(),
            shape: MultiPolygon::new(vec![polygon![
                (x: x, y: y),
                (x: x + size, y: y),
                (x: x + size, y: y + size),
                (x: x, y: y + size),
                (x: x, y: y),
            ]]),
        }
    }

    fn two_counties() -> Boundaries {
        Boundaries::new([
            square("150102", "新城区", 111.0, 40.0, 0.5),
            square("150103", "回民区", 111.5, 40.0, 0.5),
            square("150100", "呼和浩特市", 111.0, 40.0, 1.0),
        ])
    }

    #[test]
    fn a_point_in_its_county_is_inside_and_one_in_the_next_names_that_county() {
        let b = two_counties();
        let code = DivisionCode::parse("150102001000").unwrap();
        let inside = b
            .check(
                &code,
                LonLat {
                    lon: 111.2,
                    lat: 40.2,
                },
            )
            .unwrap();
        assert!(inside.inside);
        assert_eq!(inside.division_code.as_deref(), Some("150102"));
        let next = b
            .check(
                &code,
                LonLat {
                    lon: 111.7,
                    lat: 40.2,
                },
            )
            .unwrap();
        assert!(!next.inside);
        assert_eq!(next.division_code.as_deref(), Some("150103"));
        assert_eq!(next.division_name.as_deref(), Some("回民区"));
        // Hulunbuir, 1,000 km away: outside, and in no loaded county.
        let far = b
            .check(
                &code,
                LonLat {
                    lon: 121.0,
                    lat: 49.0,
                },
            )
            .unwrap();
        assert_eq!(
            far,
            LocationCheck {
                inside: false,
                division_code: None,
                division_name: None
            }
        );
    }

    #[test]
    fn a_division_without_a_loaded_boundary_is_not_checked_below_what_is_known() {
        let b = two_counties();
        // 150104 has no county outline: the city's says the point is in Hohhot.
        let code = DivisionCode::parse("150104").unwrap();
        let check = b
            .check(
                &code,
                LonLat {
                    lon: 111.2,
                    lat: 40.9,
                },
            )
            .unwrap();
        assert!(check.inside);
        assert_eq!(check.division_code.as_deref(), Some("150100"));
        // Nothing of Baotou is loaded: nothing to say.
        let baotou = DivisionCode::parse("150202").unwrap();
        assert_eq!(
            b.check(
                &baotou,
                LonLat {
                    lon: 110.0,
                    lat: 40.6
                }
            ),
            None
        );
    }

    #[test]
    fn a_jurisdictions_boundary_tells_points_outside_it() {
        let b = two_counties();
        assert!(!b.outside(
            "1501",
            LonLat {
                lon: 111.2,
                lat: 40.2
            }
        ));
        assert!(b.outside(
            "1501",
            LonLat {
                lon: 121.0,
                lat: 49.0
            }
        ));
        // No province outline is loaded: its counties and city tell.
        assert!(b.outside(
            "15",
            LonLat {
                lon: 121.0,
                lat: 49.0
            }
        ));
        assert!(!b.outside(
            "15",
            LonLat {
                lon: 111.2,
                lat: 40.2
            }
        ));
        let counties = Boundaries::new(
            b.iter()
                .filter(|x| x.level == DivisionLevel::County)
                .cloned(),
        );
        assert!(counties.outside(
            "1501",
            LonLat {
                lon: 121.0,
                lat: 49.0
            }
        ));
        assert!(!counties.outside(
            "1501",
            LonLat {
                lon: 111.7,
                lat: 40.2
            }
        ));
        // Nothing of Baotou is loaded: nothing is outside it.
        assert!(!counties.outside(
            "1502",
            LonLat {
                lon: 121.0,
                lat: 49.0
            }
        ));
    }

    #[test]
    fn a_view_gets_the_outlines_of_its_level_that_reach_into_it() {
        let b = two_counties();
        let seen = b.in_view(DivisionLevel::County, 111.6, 40.1, 111.7, 40.2, 8);
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].boundary.name, "回民区");
        assert!(seen[0].label.is_some());
        assert_eq!(
            b.in_view(DivisionLevel::City, 111.6, 40.1, 111.7, 40.2, 8)
                .len(),
            1
        );
        assert!(
            b.in_view(DivisionLevel::County, 100.0, 30.0, 101.0, 31.0, 8)
                .is_empty()
        );
    }

    #[test]
    fn a_file_of_counties_gives_the_division_map_its_cities_and_province_by_dissolving_them() {
        // Two counties of Hohhot side by side and one of Baotou apart; no city outline.
        let b = Boundaries::new([
            square("150102", "新城区", 111.0, 40.0, 0.5),
            square("150103", "回民区", 111.5, 40.0, 0.5),
            square("150202", "东河区", 110.0, 40.0, 0.5),
        ]);
        let cities = b.divisions_under(DivisionLevel::City, "15", 18);
        let names: Vec<_> = cities.iter().map(|o| o.boundary.name.as_str()).collect();
        assert_eq!(names, ["呼和浩特市", "包头市"]);
        // One polygon of twice the county's area: the shared edge is gone.
        let hohhot = cities[0].shape;
        assert_eq!(hohhot.0.len(), 1);
        assert!((hohhot.unsigned_area() - 0.5).abs() < 1e-9);
        assert_eq!(cities[0].boundary.short_code(), "150100");
        let province = b.divisions_under(DivisionLevel::Province, "", 5);
        assert_eq!(province.len(), 1);
        assert_eq!(province[0].shape.0.len(), 2);
        assert!(province[0].label.is_some());
        // Loaded outlines are taken as they are, and a dissolved one checks no point.
        assert_eq!(
            b.divisions_under(DivisionLevel::County, "1501", 18).len(),
            2
        );
        assert!(b.divisions_under(DivisionLevel::County, "1502", 18).len() == 1);
        assert!(b.of(DivisionLevel::City, "1501").is_none());
        let city_code = DivisionCode::parse("150100").unwrap();
        assert!(
            b.check(
                &city_code,
                LonLat {
                    lon: 111.2,
                    lat: 40.2
                }
            )
            .is_none()
        );
        // A loaded city outline is not replaced by its counties' union.
        let with_city = two_counties();
        let cities = with_city.divisions_under(DivisionLevel::City, "", 18);
        assert_eq!(cities.len(), 1);
        assert!((cities[0].shape.unsigned_area() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn levels_come_from_the_codes_digits() {
        let level = |c: &str| level_of(&DivisionCode::parse(c).unwrap());
        assert_eq!(level("150000"), DivisionLevel::Province);
        assert_eq!(level("150100"), DivisionLevel::City);
        assert_eq!(level("150102"), DivisionLevel::County);
        assert_eq!(level("150102001"), DivisionLevel::Township);
        assert_eq!(band_of(3), 0);
        assert_eq!(band_of(9), 2);
        assert_eq!(band_of(18), 3);
    }
}
