//! An organization as the registry holds it: its id, version and H3 cell beside its fields.

use h3o::{CellIndex, Resolution};
use serde::Serialize;

use super::boundary::LocationCheck;
use super::coords::LonLat;
use super::division::name_chain;
use super::organization::Organization;
use super::verification::{Doubt, doubts_within, location_check};

/// The H3 resolution every organization's cell is stored at (design.md).
pub const STORED_RESOLUTION: Resolution = Resolution::Nine;

/// The resolution-9 H3 cell of a WGS84 point.
pub fn cell_of(location: LonLat) -> CellIndex {
    super::coverage::cell_at(location, STORED_RESOLUTION as u8)
}

/// The resolution-9 cell of an organization's point; None when its location is unknown.
pub fn cell_of_org(org: &Organization) -> Option<CellIndex> {
    org.location.map(cell_of)
}

/// A registered organization with the fields every API response adds (formats.md).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOrganization {
    pub id: i64,
    /// Increases with every change; an update must name the version it read.
    pub version: i64,
    /// The H3 resolution-9 cell; None when the location is unknown.
    pub cell: Option<CellIndex>,
    pub org: Organization,
}

/// What an organization's JSON holds: the stored fields and what is derived from them on
/// the way out (the division's names, the doubts to verify), which a registry of millions
/// does not keep in memory.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = StoredOrganization)]
struct StoredOrganizationJson<'a> {
    id: i64,
    /// Increases with every change; an update must name the version it read.
    version: i64,
    /// The H3 resolution-9 cell, lower-case hex; null when the location is unknown.
    #[schema(pattern = "^89[0-9a-f]{13}$", example = "8931aa4b05bffff")]
    cell: Option<String>,
    /// The division's names from the province down, as far as the 2023 register knows them
    /// ("内蒙古自治区呼和浩特市新城区海拉尔东路街道"); empty when it knows none.
    division_name: String,
    /// Where the point lies against the loaded boundary of its division (the county's,
    /// where county outlines are loaded): null without a point or a boundary.
    location_check: Option<LocationCheck>,
    /// What a clerk should verify: accepted, but not certain.
    doubts: Vec<Doubt>,
    #[serde(flatten)]
    #[schema(inline)]
    org: &'a Organization,
}

impl<'a> From<&'a StoredOrganization> for StoredOrganizationJson<'a> {
    fn from(stored: &'a StoredOrganization) -> Self {
        let boundaries = super::boundary::installed();
        Self {
            id: stored.id,
            version: stored.version,
            cell: stored.cell.map(|c| format!("{:x}", u64::from(c))),
            division_name: name_chain(stored.org.division_code.as_str()),
            location_check: location_check(&stored.org, &boundaries),
            doubts: doubts_within(&stored.org, &boundaries),
            org: &stored.org,
        }
    }
}

impl StoredOrganization {
    /// An organization as the audit log wrote it (its JSON, [`StoredOrganizationJson`]),
    /// read back through the one validation; what the JSON derives is left aside. A
    /// version written before a field existed reads it as not recorded.
    pub fn from_audit(json: &serde_json::Value) -> Result<Self, String> {
        let object = json.as_object().ok_or("not an object")?;
        let whole = |key: &str| {
            object
                .get(key)
                .and_then(serde_json::Value::as_i64)
                .ok_or_else(|| format!("no {key}"))
        };
        let fields: serde_json::Map<String, serde_json::Value> = object
            .iter()
            .filter(|(k, _)| super::organization::FIELDS.iter().any(|(f, _)| f == k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let input: super::organization::OrgInput =
            serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| e.to_string())?;
        let org = input
            .validate(super::coords::Crs::Wgs84)
            .map_err(|e| e.to_string())?;
        Ok(Self {
            id: whole("id")?,
            version: whole("version")?,
            cell: cell_of_org(&org),
            org,
        })
    }
}

impl Serialize for StoredOrganization {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredOrganizationJson::from(self).serialize(serializer)
    }
}

impl utoipa::PartialSchema for StoredOrganization {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        StoredOrganizationJson::schema()
    }
}

impl utoipa::ToSchema for StoredOrganization {
    fn name() -> std::borrow::Cow<'static, str> {
        StoredOrganizationJson::name()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        StoredOrganizationJson::schemas(schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use h3o::LatLng;

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
