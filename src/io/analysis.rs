//! The planner's files of an analysis: `decisions.csv` and `groups.geojson` (formats.md).

use std::io::Write;

use geojson::{Feature, FeatureCollection, GeometryValue, Position};
use serde_json::json;

use crate::domain::analysis::{Analysis, key_text};
use crate::domain::decision::Decision;
use crate::domain::organization::Organization;
use crate::io::csv::UTF8_BOM;

/// One decision's reasons as one cell: `R1c 第七条…: text; R9 …`.
fn reasons_cell(decision: &Decision) -> String {
    decision
        .reasons
        .iter()
        .map(|r| format!("{} {}：{}", r.rule, r.clause, r.text()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `decisions.csv`: one row per organization, UTF-8 with BOM for Excel and WPS.
pub fn write_decisions<W: Write>(
    mut out: W,
    orgs: &[Organization],
    analysis: &Analysis,
) -> std::io::Result<()> {
    out.write_all(UTF8_BOM)?;
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record([
        "credit_code",
        "name",
        "division_code",
        "recommendation",
        "flags",
        "coverage",
        "group_id",
        "reasons",
    ])?;
    for (org, d) in orgs.iter().zip(&analysis.decisions) {
        let flags: Vec<&str> = d.flags.iter().map(|f| f.as_str()).collect();
        writer.write_record([
            org.credit_code.as_ref().map_or("", |c| c.as_str()),
            &org.name,
            org.division_code.as_str(),
            d.recommendation.map_or("", |r| r.as_str()),
            &flags.join(";"),
            d.coverage.map_or("", |c| c.as_str()),
            d.group.as_ref().map_or("", |g| g.id.as_str()),
            &reasons_cell(d),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// One proposed regional joint branch as a MultiPoint feature (WGS84, formats.md).
pub fn group_feature(
    group_id: &str,
    township: &str,
    members: &[&Organization],
    distances_m: &[f64],
    formal_members: u32,
    max_distance_m: f64,
) -> Feature {
    let points = members
        .iter()
        .map(|o| Position::from([o.location.lon, o.location.lat]))
        .collect();
    let mut feature = Feature::from(GeometryValue::MultiPoint {
        coordinates: points,
    });
    feature.set_property("group_id", group_id);
    feature.set_property("division_code", format!("{township:0<12}"));
    feature.set_property(
        "members",
        json!(members.iter().map(|o| key_text(o)).collect::<Vec<_>>()),
    );
    feature.set_property(
        "member_names",
        json!(members.iter().map(|o| o.name.clone()).collect::<Vec<_>>()),
    );
    feature.set_property("formal_members", formal_members);
    feature.set_property(
        "distances_m",
        json!(distances_m.iter().map(|d| d.round()).collect::<Vec<_>>()),
    );
    feature.set_property("max_distance_m", max_distance_m.round());
    feature
}

/// `groups.geojson` of an analysis.
pub fn groups_geojson(orgs: &[Organization], analysis: &Analysis) -> FeatureCollection {
    FeatureCollection::new(analysis.groups.iter().map(|g| {
        let members: Vec<&Organization> = g.members.iter().map(|&m| &orgs[m]).collect();
        group_feature(
            &g.group_id,
            &g.division_code,
            &members,
            &g.distances_m,
            g.formal_members,
            g.max_distance_m,
        )
    }))
}
