//! The planner's files of an analysis: `decisions.csv` and `groups.geojson` (formats.md).

use std::io::Write;

use geojson::{Feature, FeatureCollection, GeometryValue, Position};

use crate::domain::analysis::{Analysis, key_text};
use crate::domain::decision::Decision;
use crate::domain::grouping::JointBranchProposal;
use crate::domain::organization::Organization;
use crate::domain::policy::Policy;
use crate::domain::snapshot::{Group, Snapshot};
use crate::io::csv::UTF8_BOM;

/// One decision's reasons as one cell: `R1c 机关基层组织工作条例第七条：text; R9 …` (the
/// clause in the short form the documents use; the API gives the full citation).
fn reasons_cell(decision: &Decision) -> String {
    let mut cell = String::with_capacity(256);
    for (i, r) in decision.reasons.iter().enumerate() {
        if i > 0 {
            cell.push_str("; ");
        }
        cell.push_str(r.rule);
        cell.push(' ');
        cell.push_str(r.clause_short());
        cell.push('：');
        cell.push_str(&r.text());
    }
    cell
}

/// `decisions.csv`: one row per organization, UTF-8 with BOM for Excel and WPS. Rows are
/// formatted on every core (the reasons' text is most of the work) and written in order, a
/// few buffers of memory at a time (the file is 300 MB at a million). Each decision is made
/// as its row is written.
pub fn write_decisions<W: Write>(
    mut out: W,
    orgs: &[Organization],
    analysis: &Analysis,
    policy: &Policy,
) -> std::io::Result<()> {
    out.write_all(UTF8_BOM)?;
    out.write_all(
        b"credit_code,name,division_code,recommendation,flags,coverage,group_id,reasons\n",
    )?;
    super::write_in_parallel(&mut out, orgs, |first, batch, buffer| {
        let mut writer = ::csv::Writer::from_writer(buffer);
        for (i, org) in (first..).zip(batch) {
            let d = analysis.decision(orgs, i, policy);
            let flags: Vec<&str> = d.flags.iter().map(|f| f.as_str()).collect();
            writer
                .write_record([
                    org.credit_code.as_ref().map_or("", |c| c.as_str()),
                    &super::spreadsheet_safe(&org.name),
                    org.division_code.as_str(),
                    d.recommendation.map_or("", |r| r.as_str()),
                    &flags.join(";"),
                    d.coverage.map_or("", |c| c.as_str()),
                    d.group.as_ref().map_or("", |g| g.id.as_str()),
                    &reasons_cell(&d),
                ])
                .expect("writing to memory");
        }
        writer.flush().expect("writing to memory");
    })?;
    out.flush()
}

/// One proposed regional joint branch as a MultiPoint feature (WGS84, docs/formats.md):
/// the batch analysis's and the live registry's alike, `member` finding each member's
/// organization.
pub fn group_feature<'o, M>(
    group: &JointBranchProposal<M>,
    member: impl Fn(&M) -> Option<&'o Organization>,
) -> Feature {
    let members: Vec<&Organization> = group.members.iter().filter_map(member).collect();
    let points = members
        .iter()
        // Grouped organizations all have a point: R4 measures from it.
        .filter_map(|o| o.location)
        .map(|p| Position::from([p.lon, p.lat]))
        .collect();
    let mut feature = Feature::from(GeometryValue::MultiPoint {
        coordinates: points,
    });
    feature.set_property("group_id", group.group_id.as_str());
    feature.set_property("division_code", group_division_code(&group.division_code));
    feature.set_property("members", members_text(members.iter().copied()));
    feature.set_property("member_names", member_names_text(members.iter().copied()));
    feature.set_property("formal_members", group.formal_members);
    feature.set_property("distances_m", distances_text(&group.distances_m));
    feature.set_property("max_distance_m", group.max_distance_m.round());
    feature.set_property("members_outside", group.members_outside);
    feature
}

// A proposal's lists are text: FlatGeobuf, GeoPackage and shapefiles have no list fields,
// and GDAL refuses to copy a layer that has one (formats.md).

/// The members' credit codes (name and division without one), separated by `;`.
pub fn members_text<'o>(members: impl IntoIterator<Item = &'o Organization>) -> String {
    members
        .into_iter()
        .map(key_text)
        .collect::<Vec<_>>()
        .join(";")
}

/// The members' names, separated by `、`.
pub fn member_names_text<'o>(members: impl IntoIterator<Item = &'o Organization>) -> String {
    members
        .into_iter()
        .map(|o| o.name.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// Each member's distance from the first, whole metres, separated by `;`.
pub fn distances_text(distances_m: &[f64]) -> String {
    distances_m
        .iter()
        .map(|d| format!("{:.0}", d.round()))
        .collect::<Vec<_>>()
        .join(";")
}

/// A proposal's township as a 12-digit division code.
pub fn group_division_code(township: &str) -> String {
    format!("{township:0<12}")
}

/// A group the live snapshot proposes, as a feature whose id is the group's.
pub fn snapshot_group_feature(snapshot: &Snapshot, g: &Group) -> Feature {
    let mut feature = group_feature(g, |&id| snapshot.get(id).map(|o| &o.org));
    feature.id = Some(geojson::feature::Id::String(g.group_id.clone()));
    feature
}

/// `groups.geojson` of an analysis.
pub fn groups_geojson(orgs: &[Organization], analysis: &Analysis) -> FeatureCollection {
    FeatureCollection::new(
        analysis
            .groups
            .iter()
            .map(|g| group_feature(g, |&m| orgs.get(m))),
    )
}
