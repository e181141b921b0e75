//! `orgcover analyze`: a planner's CSV straight to decisions and joint-branch proposals.

use std::process::Command;

use serde_json::Value;

use crate::helpers::fixture;

fn analyze(file: &str, out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_orgcover"))
        .args(["analyze", file, "--today", "2026-11-25", "--out-dir"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn analyze_writes_the_expected_decisions_for_the_fixture() {
    // Snapshot: each row was checked by hand against its rule (R1-R10) when recorded;
    // a change here is a change of a decision users see.
    let dir = tempfile::tempdir().unwrap();
    let out = analyze(&fixture("orgs_analyze.csv"), dir.path(), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(dir.path().join("decisions.csv")).unwrap();
    let expected = std::fs::read_to_string(fixture("orgs_analyze.decisions.csv")).unwrap();
    assert_eq!(written, expected);
    // The summary names each recommendation in Chinese beside its code, as the files do.
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("单独建立党支部 (own_branch): "),
        "{summary}"
    );
    assert!(summary.contains("拟建区域联合党支部"), "{summary}");
}

#[test]
fn analyze_proposes_the_regional_joint_branch_as_geojson() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        analyze(&fixture("orgs_analyze.csv"), dir.path(), &[])
            .status
            .success()
    );
    let text = std::fs::read_to_string(dir.path().join("groups.geojson")).unwrap();
    let groups: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(groups["type"], "FeatureCollection");
    let features = groups["features"].as_array().unwrap();
    assert_eq!(features.len(), 1);
    let g = &features[0];
    assert_eq!(g["geometry"]["type"], "MultiPoint");
    assert_eq!(g["geometry"]["coordinates"].as_array().unwrap().len(), 3);
    let p = &g["properties"];
    assert_eq!(p["group_id"], "RJ-51150102AN0000111X");
    assert_eq!(p["division_code"], "150102003000");
    assert_eq!(p["formal_members"], 3);
    // Lists are text, so that GDAL copies the file to FlatGeobuf and GeoPackage.
    assert_eq!(
        p["members"],
        "51150102AN0000111X;51150102AN000012XM;51150102AN0000138M"
    );
    assert_eq!(p["distances_m"].as_str().unwrap().split(';').count(), 3);
    assert!(p["max_distance_m"].as_f64().unwrap() < 300.0);
}

#[test]
fn a_policy_file_changes_the_decisions_and_a_bad_one_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "key_contact_min_staff = 500\n").unwrap();
    let out = analyze(
        &fixture("orgs_analyze.csv"),
        dir.path(),
        &["--policy", policy.to_str().unwrap()],
    );
    assert!(out.status.success());
    let written = std::fs::read_to_string(dir.path().join("decisions.csv")).unwrap();
    assert!(!written.contains("key_contact"), "450 staff are under 500");

    std::fs::write(&policy, "general_branch_min_members = 150\n").unwrap();
    let out = analyze(
        &fixture("orgs_analyze.csv"),
        dir.path(),
        &["--policy", policy.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("general_branch_min_members"));

    let printed = Command::new(env!("CARGO_BIN_EXE_orgcover"))
        .arg("policy")
        .output()
        .unwrap();
    let text = String::from_utf8(printed.stdout).unwrap();
    assert!(text.contains("committee_min_members = 100"), "{text}");
}

#[test]
fn analyze_refuses_a_file_with_bad_rows_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = analyze(&fixture("orgs_one_bad_row.csv"), dir.path(), &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3, column formal_members"));
    assert!(!dir.path().join("decisions.csv").exists());
}

#[test]
fn analyze_writes_ranked_gaps_that_gdal_reads_and_that_match_the_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let out = analyze(&fixture("orgs_analyze.csv"), dir.path(), &["--res", "8"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir.path().join("gaps.geojson");
    let gaps: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let features = gaps["features"].as_array().unwrap();
    assert!(!features.is_empty());
    assert_eq!(crate::coverage::gdal_feature_count(&path), features.len());
    // Ranked: priority 1, 2, ... with uncovered counts never rising.
    let mut last_uncovered = u64::MAX;
    for (i, f) in features.iter().enumerate() {
        let p = &f["properties"];
        assert_eq!(p["priority"], i as u64 + 1);
        assert_eq!(p["res"], 8);
        let uncovered = p["uncovered"].as_u64().unwrap();
        assert!(uncovered <= last_uncovered);
        last_uncovered = uncovered;
    }
    // The gap counts add up to what decisions.csv says about the same organizations.
    let decisions = std::fs::read_to_string(dir.path().join("decisions.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(decisions.trim_start_matches('\u{feff}').as_bytes());
    let uncovered_rows = reader
        .records()
        .filter(|r| r.as_ref().unwrap()[5] == *"uncovered")
        .count() as u64;
    let uncovered_in_gaps: u64 = features
        .iter()
        .map(|f| f["properties"]["uncovered"].as_u64().unwrap())
        .sum();
    assert_eq!(uncovered_in_gaps, uncovered_rows);
}

#[test]
fn r3_member_units_of_an_association_only_in_a_regional_joint_branch_are_not_sent_to_an_industry_one()
 {
    // R3 (clause 9): an industry party organization relies on the association's own
    // party organization or an industry joint one; a regional joint branch hosts none.
    let header = "credit_code,name,kind,level,division_code,lon,lat,industry,is_industry_association,association,formal_members,party_org,party_org_established_on";
    let association = |party_org: &str| {
        format!(
            "51150102AN0000015L,新城区餐饮行业协会,social_group,county,150102001001,111.67,40.82,餐饮,true,,5,{party_org},2015-06-01"
        )
    };
    let member = "52150102AN0000023C,新城区惠民餐厅,private_non_enterprise,county,150102001002,111.671,40.821,物流运输,false,51150102AN0000015L,1,none,";
    let dir = tempfile::tempdir().unwrap();
    let recommendation_of_member = |party_org: &str| {
        let csv = dir.path().join(format!("{party_org}.csv"));
        std::fs::write(
            &csv,
            format!("{header}\n{}\n{member}\n", association(party_org)),
        )
        .unwrap();
        let out_dir = dir.path().join(party_org);
        let out = analyze(csv.to_str().unwrap(), &out_dir, &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let decisions = std::fs::read_to_string(out_dir.join("decisions.csv")).unwrap();
        let row = decisions
            .lines()
            .find(|l| l.starts_with("52150102AN0000023C"))
            .unwrap()
            .to_owned();
        row.split(',').nth(3).unwrap().to_owned()
    };
    assert_eq!(recommendation_of_member("branch"), "industry_joint");
    assert_eq!(recommendation_of_member("joint_industry"), "industry_joint");
    assert_ne!(recommendation_of_member("joint_regional"), "industry_joint");
}
