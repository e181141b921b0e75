//! Decisions in the service: current after every write, R6 stated on registration.

use serde_json::json;

use crate::helpers::{SOCIAL_GROUP_CODES as CODES, TestApp, social_group};

crate::on_both_backends!(
    r6_a_registration_with_three_formal_members_is_answered_with_the_founding_notice,
    the_decision_of_an_organization_names_its_rules_and_clauses,
    r4_joint_branch_proposals_follow_every_write,
    an_import_by_another_process_reaches_the_running_servers_decisions,
);

async fn r6_a_registration_with_three_formal_members_is_answered_with_the_founding_notice(
    app: TestApp,
) {
    let mut body = social_group(CODES[0], "新城区软件行业协会");
    body["formal_members"] = json!(3);
    let (status, created) = app.post("/api/orgs", &body).await;
    assert_eq!(status, 201);
    assert_eq!(created["decision"]["recommendation"], "own_branch");
    let flags = created["decision"]["flags"].as_array().unwrap();
    assert!(
        flags.contains(&json!("establish_with_registration")),
        "{flags:?}"
    );
    assert_eq!(created["notice"]["rule"], "R6");
    assert!(
        created["notice"]["text"]
            .as_str()
            .unwrap()
            .contains("同步建立党组织")
    );

    let (status, created) = app
        .post("/api/orgs", &social_group(CODES[1], "两名党员"))
        .await;
    assert_eq!(status, 201);
    assert!(created.get("notice").is_none(), "two formal members: no R6");
    assert_eq!(created["decision"]["recommendation"], "instructor");
}

async fn the_decision_of_an_organization_names_its_rules_and_clauses(app: TestApp) {
    let mut body = social_group(CODES[0], "新城区医院");
    body["formal_members"] = json!(60);
    body["staff"] = json!(400);
    let org = app.create(&body).await;
    let (status, d) = app.get(&format!("/api/orgs/{}/decision", org["id"])).await;
    assert_eq!(status, 200);
    assert_eq!(d["recommendation"], "own_general_branch");
    assert_eq!(d["coverage"], "uncovered");
    assert!(d["group"].is_null());
    let rules: Vec<_> = d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.starts_with(&["R1", "R1b"]) && rules.contains(&"R9"),
        "{rules:?}"
    );
    assert!(
        d["reasons"][1]["clause"]
            .as_str()
            .unwrap()
            .contains("第六条")
    );
    assert_eq!(app.get("/api/orgs/999/decision").await.0, 404);

    let (_, d) = app.get(&format!("/api/orgs/{}/decision", org["id"])).await;
    let path = format!("/api/orgs/{}", org["id"]);
    app.patch(&path, &json!({"version": 1, "party_org": "general_branch", "party_org_established_on": "2024-03-01"}))
        .await;
    let (_, after) = app.get(&format!("{path}/decision")).await;
    assert_eq!(after["coverage"], "own", "current on the next read");
    assert_ne!(after, d);
}

async fn r4_joint_branch_proposals_follow_every_write(app: TestApp) {
    let mut ids = Vec::new();
    for (i, (code, lon)) in [
        ("51150102MJ0000114U", 111.6700),
        ("51150102MJ0000448C", 111.6712),
        ("51150203MJ00005524", 111.6724),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = social_group(code, &format!("小组织{i}"));
        body["formal_members"] = json!(1);
        body["lon"] = json!(lon);
        ids.push(app.create(&body).await["id"].clone());
    }
    let (_, d) = app.get(&format!("/api/orgs/{}/decision", ids[0])).await;
    assert_eq!(d["recommendation"], "regional_joint");
    assert_eq!(d["group"]["members"].as_array().unwrap().len(), 3);

    let r = app
        .client
        .get(app.url("/api/groups.geojson"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let groups: serde_json::Value = r.json().await.unwrap();
    assert_eq!(groups["features"].as_array().unwrap().len(), 1);
    assert_eq!(groups["features"][0]["properties"]["formal_members"], 3);
    let (_, none) = app.get("/api/groups.geojson?division=1502").await;
    assert!(none["features"].as_array().unwrap().is_empty());

    // One member deregisters: the group can no longer reach three formal members.
    app.post(
        &format!("/api/orgs/{}/deregister", ids[2]),
        &json!({"version": 1}),
    )
    .await;
    let (_, groups) = app.get("/api/groups.geojson").await;
    assert!(groups["features"].as_array().unwrap().is_empty());
    let (_, d) = app.get(&format!("/api/orgs/{}/decision", ids[0])).await;
    assert_eq!(d["recommendation"], "instructor");
    let (_, gone) = app.get(&format!("/api/orgs/{}/decision", ids[2])).await;
    assert!(
        gone["recommendation"].is_null(),
        "a deregistered organization has no decision"
    );
}

async fn an_import_by_another_process_reaches_the_running_servers_decisions(app: TestApp) {
    app.import(&crate::helpers::fixture("orgs_analyze.csv"));
    // The server reads the audit log as a change feed about once a second.
    let mut groups = json!(null);
    for _ in 0..50 {
        groups = app.get("/api/groups.geojson").await.1;
        if !groups["features"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let features = groups["features"].as_array().unwrap();
    assert_eq!(
        features.len(),
        1,
        "the fixture's three small culture associations"
    );
    assert_eq!(
        features[0]["properties"]["group_id"],
        "RJ-51150102AN0000111X"
    );
    let (_, list) = app.get("/api/orgs?q=%E5%BA%B7%E5%AE%81").await; // 康宁
    let id = &list["items"][0]["id"];
    let (status, d) = app.get(&format!("/api/orgs/{id}/decision")).await;
    assert_eq!(status, 200);
    assert_eq!(d["recommendation"], "own_general_branch");
}
