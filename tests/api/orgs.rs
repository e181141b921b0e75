//! The organization API: create, get, list with each filter, update, deregister, history.

use serde_json::{Value, json};

use crate::helpers::{SOCIAL_GROUP_CODES as CODES, TestApp, social_group};

crate::on_both_backends!(
    a_registered_organization_can_be_read_back,
    an_invalid_organization_is_refused_naming_the_field_and_nothing_is_written,
    a_second_registration_of_the_same_credit_code_is_a_conflict,
    malformed_requests_get_a_json_400,
    an_unknown_organization_is_404,
    the_list_filters_by_division_kind_status_name_and_bbox,
    the_list_is_paged_with_the_total,
    bad_list_parameters_name_the_parameter,
    an_update_with_the_version_read_changes_the_organization,
    a_stale_update_is_409_and_changes_nothing,
    an_update_without_a_version_or_with_a_bad_value_changes_nothing,
    deregistration_is_a_status_and_keeps_the_organization,
    every_change_leaves_an_audit_row_with_before_and_after,
    gcj02_coordinates_are_stored_as_wgs84,
    an_organization_registered_without_a_point_is_counted_once_it_gets_one,
    markup_in_names_is_kept_as_data,
    the_health_check_reports_the_database,
    a_server_error_is_answered_without_internals,
);

async fn a_registered_organization_can_be_read_back(app: TestApp) {
    let r = app
        .client
        .post(app.url("/api/orgs"))
        .json(&social_group(CODES[0], "新城区软件行业协会"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["version"], 1);
    assert_eq!(created["division_code"], "150102001001");
    assert_eq!(created["status"], "active");
    assert_eq!(created["party_org"], "none");
    let cell = created["cell"].as_str().unwrap();
    assert_eq!(cell.len(), 15, "{cell}");
    assert!(cell.starts_with("89"), "a resolution-9 cell: {cell}");
    assert_eq!(location, format!("/api/orgs/{}", created["id"]));

    let (status, read) = app.get(&location).await;
    assert_eq!(status, 200);
    let mut registered = created.clone();
    registered.as_object_mut().unwrap().remove("decision");
    assert_eq!(read, registered);
}

async fn an_invalid_organization_is_refused_naming_the_field_and_nothing_is_written(app: TestApp) {
    let mut body = social_group(CODES[0], "新城区软件行业协会");
    body["credit_code"] = json!("51150102MJ0000114W");
    let (status, error) = app.post("/api/orgs", &body).await;
    assert_eq!(status, 422);
    assert_eq!(error["field"], "credit_code");
    let message = error["error"].as_str().unwrap();
    assert!(message.contains("第18位校验码应为“U”"), "{message}");
    assert!(message.contains("should be 'U'"), "{message}");

    body["credit_code"] = json!(CODES[0]);
    body["lat"] = json!(60.5);
    body["formal_members"] = json!(-2);
    let (status, error) = app.post("/api/orgs", &body).await;
    assert_eq!(status, 422);
    let fields: Vec<_> = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["lat", "formal_members"]);

    let (_, list) = app.get("/api/orgs").await;
    assert_eq!(list["total"], 0);
    assert_eq!(app.audit_rows().await, 0);
}

async fn a_second_registration_of_the_same_credit_code_is_a_conflict(app: TestApp) {
    app.create(&social_group(CODES[0], "第一个")).await;
    let (status, error) = app
        .post("/api/orgs", &social_group(CODES[0], "第二个"))
        .await;
    assert_eq!(status, 409);
    assert_eq!(error["field"], "credit_code");
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("already registered")
    );
    let (_, list) = app.get("/api/orgs").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["name"], "第一个");
}

async fn malformed_requests_get_a_json_400(app: TestApp) {
    let r = app
        .client
        .post(app.url("/api/orgs"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("not valid JSON"));

    let mut body = social_group(CODES[0], "协会");
    body["colour"] = json!("red");
    let (status, error) = app.post("/api/orgs", &body).await;
    assert_eq!(status, 400);
    assert!(
        error["error"].as_str().unwrap().contains("colour"),
        "{error}"
    );
}

async fn an_unknown_organization_is_404(app: TestApp) {
    assert_eq!(app.get("/api/orgs/999").await.0, 404);
    assert_eq!(app.get("/api/orgs/abc").await.0, 404);
    assert_eq!(app.get("/api/orgs/999/history").await.0, 404);
    let (status, _) = app
        .patch("/api/orgs/999", &json!({"version": 1, "name": "x"}))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post("/api/orgs/999/deregister", &json!({"version": 1}))
        .await;
    assert_eq!(status, 404);
}

/// Three organizations that differ in every filtered property.
async fn three_organizations(app: &TestApp) -> [i64; 3] {
    let a = app
        .create(&social_group(CODES[0], "新城区软件行业协会"))
        .await;
    let mut b = social_group(CODES[1], "新城区书法协会");
    b["division_code"] = json!("150102002");
    b["lon"] = json!(111.70);
    let b = app.create(&b).await;
    let c = app
        .create(&json!({
            "credit_code": "52150102MJ0000229Y", "name": "昆都仑区阳光养老院",
            "kind": "private_non_enterprise", "level": "county", "division_code": "150203",
            "lon": 109.83, "lat": 40.65, "formal_members": 0
        }))
        .await;
    let (status, _) = app
        .post(
            &format!("/api/orgs/{}/deregister", b["id"]),
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(status, 200);
    [
        a["id"].as_i64().unwrap(),
        b["id"].as_i64().unwrap(),
        c["id"].as_i64().unwrap(),
    ]
}

async fn ids(app: &TestApp, query: &str) -> Vec<i64> {
    let (status, list) = app.get(&format!("/api/orgs?{query}")).await;
    assert_eq!(status, 200, "{query}: {list}");
    let items: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        list["total"].as_i64().unwrap() as usize,
        items.len(),
        "{query}"
    );
    items
}

async fn the_list_filters_by_division_kind_status_name_and_bbox(app: TestApp) {
    let [a, b, c] = three_organizations(&app).await;
    assert_eq!(ids(&app, "").await, [a, b, c]);
    assert_eq!(ids(&app, "division=15").await, [a, b, c]);
    assert_eq!(ids(&app, "division=150102").await, [a, b]);
    assert_eq!(ids(&app, "division=150102002").await, [b]);
    assert_eq!(ids(&app, "division=1502").await, [c]);
    assert_eq!(ids(&app, "division=11").await, Vec::<i64>::new());
    assert_eq!(ids(&app, "kind=social_group").await, [a, b]);
    assert_eq!(ids(&app, "kind=民办非企业单位").await, [c]);
    assert_eq!(ids(&app, "status=deregistered").await, [b]);
    assert_eq!(ids(&app, "status=active").await, [a, c]);
    assert_eq!(ids(&app, "q=%E5%8D%8F%E4%BC%9A").await, [a, b]); // 协会
    assert_eq!(ids(&app, "q=%E4%B9%A6%E6%B3%95").await, [b]); // 书法
    assert_eq!(
        ids(&app, "q=%25").await,
        Vec::<i64>::new(),
        "% is literal text"
    );
    assert_eq!(ids(&app, "bbox=111.6,40.8,111.68,40.9").await, [a]);
    assert_eq!(ids(&app, "bbox=109,40,112,41").await, [a, b, c]);
    assert_eq!(
        ids(&app, "kind=social_group&status=active&division=1501").await,
        [a]
    );
}

async fn the_list_is_paged_with_the_total(app: TestApp) {
    let [a, b, c] = three_organizations(&app).await;
    let (_, page) = app.get("/api/orgs?limit=2").await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["id"], a);
    assert_eq!(page["items"][1]["id"], b);
    let (_, page) = app.get("/api/orgs?limit=2&offset=2").await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["offset"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], c);
}

async fn bad_list_parameters_name_the_parameter(app: TestApp) {
    for (query, field) in [
        ("bbox=1,2,3", "bbox"),
        ("bbox=112,40,111,41", "bbox"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("offset=-1", "offset"),
        ("kind=club", "kind"),
        ("status=gone", "status"),
        ("division=15ab", "division"),
    ] {
        let (status, error) = app.get(&format!("/api/orgs?{query}")).await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(error["field"], field, "{query}: {error}");
    }
    let (status, error) = app.get("/api/orgs?colour=red").await;
    assert_eq!(status, 400);
    assert!(
        error["error"].as_str().unwrap().contains("colour"),
        "{error}"
    );
}

async fn an_update_with_the_version_read_changes_the_organization(app: TestApp) {
    let org = app
        .create(&social_group(CODES[0], "新城区软件行业协会"))
        .await;
    let path = format!("/api/orgs/{}", org["id"]);
    let (status, updated) = app
        .patch(&path, &json!({"version": 1, "formal_members": 5, "party_org": "党支部", "party_org_established_on": "2024-03-01", "address": "中山东路8号"}))
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["formal_members"], 5);
    assert_eq!(updated["party_org"], "branch");
    assert_eq!(
        updated["name"], "新城区软件行业协会",
        "fields not sent are kept"
    );
    let (_, read) = app.get(&path).await;
    assert_eq!(read, updated);

    // null clears an optional field.
    let (status, cleared) = app
        .patch(&path, &json!({"version": 2, "address": null}))
        .await;
    assert_eq!(status, 200);
    assert!(cleared["address"].is_null());
    assert_eq!(cleared["version"], 3);
}

/// Issue 18.3: coordinates are optional, both or neither. Without them the organization is
/// in its division's counts and in no hexagon; recording the point later puts it in one.
async fn an_organization_registered_without_a_point_is_counted_once_it_gets_one(app: TestApp) {
    let mut body = social_group(CODES[0], "新城区软件行业协会");
    let fields = body.as_object_mut().unwrap();
    fields.remove("lon");
    fields.insert("lat".into(), Value::Null);
    let org = app.create(&body).await;
    assert!(
        org["lon"].is_null() && org["lat"].is_null() && org["cell"].is_null(),
        "{org}"
    );
    let (_, cells) = app.get("/api/coverage/cells?res=9").await;
    assert_eq!(cells["features"].as_array().unwrap().len(), 0);
    assert_eq!(cells["unlocated"], 1);
    let (_, divisions) = app.get("/api/coverage/divisions?parent=1501").await;
    assert_eq!(divisions["items"][0]["total"], 1, "{divisions}");

    let path = format!("/api/orgs/{}", org["id"]);
    // One coordinate without the other is refused, naming the missing one.
    let (status, error) = app
        .patch(&path, &json!({"version": 1, "lon": 111.67}))
        .await;
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["field"], "lat", "{error}");
    let (status, located) = app
        .patch(
            &path,
            &json!({"version": 1, "lon": 111.6708, "lat": 40.8183}),
        )
        .await;
    assert_eq!(status, 200, "{located}");
    assert!(
        located["cell"].as_str().unwrap().starts_with("89"),
        "{located}"
    );
    let (_, cells) = app.get("/api/coverage/cells?res=9").await;
    assert_eq!(cells["features"].as_array().unwrap().len(), 1);
    assert_eq!(cells["unlocated"], 0);
    assert_eq!(cells["features"][0]["properties"]["total"], 1);
}

async fn a_stale_update_is_409_and_changes_nothing(app: TestApp) {
    let org = app
        .create(&social_group(CODES[0], "新城区软件行业协会"))
        .await;
    let path = format!("/api/orgs/{}", org["id"]);
    let (status, _) = app.patch(&path, &json!({"version": 1, "staff": 10})).await;
    assert_eq!(status, 200);
    let (_, before) = app.get(&path).await;
    let audit_before = app.audit_rows().await;

    // A second user edits the version they read earlier.
    let (status, error) = app
        .patch(&path, &json!({"version": 1, "staff": 99, "name": "改名"}))
        .await;
    assert_eq!(status, 409);
    assert_eq!(error["field"], "version");
    let message = error["error"].as_str().unwrap();
    assert!(
        message.contains("someone changed this meanwhile"),
        "{message}"
    );
    assert!(message.contains("已被他人修改"), "{message}");

    let (_, after) = app.get(&path).await;
    assert_eq!(after, before, "the row is unchanged");
    assert_eq!(after["staff"], 10);
    assert_eq!(app.audit_rows().await, audit_before);

    let (status, _) = app
        .post(&format!("{path}/deregister"), &json!({"version": 1}))
        .await;
    assert_eq!(status, 409, "a stale deregistration is refused too");
    assert_eq!(app.get(&path).await.1["status"], "active");
}

async fn an_update_without_a_version_or_with_a_bad_value_changes_nothing(app: TestApp) {
    let org = app
        .create(&social_group(CODES[0], "新城区软件行业协会"))
        .await;
    let path = format!("/api/orgs/{}", org["id"]);
    let (status, error) = app.patch(&path, &json!({"staff": 10})).await;
    assert_eq!(status, 422);
    assert_eq!(error["field"], "version");

    let (status, error) = app
        .patch(&path, &json!({"version": 1, "division_code": "1501"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(error["field"], "division_code");

    let (status, error) = app
        .patch(&path, &json!({"version": 1, "crs": "gcj02"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(error["field"], "crs");

    let (status, _) = app.patch(&path, &json!({"version": 1, "id": 5})).await;
    assert_eq!(status, 400, "id is not a field one can change");

    let (_, read) = app.get(&path).await;
    assert_eq!(read, org);
}

async fn deregistration_is_a_status_and_keeps_the_organization(app: TestApp) {
    let org = app
        .create(&social_group(CODES[0], "新城区软件行业协会"))
        .await;
    let path = format!("/api/orgs/{}", org["id"]);
    let (status, error) = app.post(&format!("{path}/deregister"), &json!({})).await;
    assert_eq!(status, 400, "the version is required: {error}");
    let (status, gone) = app
        .post(&format!("{path}/deregister"), &json!({"version": 1}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(gone["status"], "deregistered");
    assert_eq!(gone["version"], 2);
    let (status, read) = app.get(&path).await;
    assert_eq!(status, 200, "a deregistered organization is still there");
    assert_eq!(read["name"], "新城区软件行业协会");
    let (status, error) = app
        .post(&format!("{path}/deregister"), &json!({"version": 2}))
        .await;
    assert_eq!(status, 409);
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("already deregistered")
    );
    let (_, history) = app.get(&format!("{path}/history")).await;
    assert_eq!(history[1]["action"], "deregister");
    assert_eq!(history[1]["before"]["status"], "active");
    assert_eq!(history[1]["after"]["status"], "deregistered");
}

async fn every_change_leaves_an_audit_row_with_before_and_after(app: TestApp) {
    let org = app
        .create(&social_group(CODES[0], "新城区软件行业协会"))
        .await;
    let path = format!("/api/orgs/{}", org["id"]);
    assert_eq!(app.audit_rows().await, 1);
    app.patch(&path, &json!({"version": 1, "staff": 10})).await;
    assert_eq!(app.audit_rows().await, 2);
    app.post(&format!("{path}/deregister"), &json!({"version": 2}))
        .await;
    assert_eq!(app.audit_rows().await, 3);

    let (status, history) = app.get(&format!("{path}/history")).await;
    assert_eq!(status, 200);
    let history = history.as_array().unwrap();
    let actions: Vec<_> = history
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update", "deregister"]);
    assert!(history[0]["before"].is_null());
    assert_eq!(history[0]["after"]["name"], "新城区软件行业协会");
    assert_eq!(history[1]["before"]["staff"], Value::Null);
    assert_eq!(history[1]["after"]["staff"], 10);
    assert_eq!(history[1]["after"]["version"], 2);
    // The helpers' requests carry the tests' admin token: the log names it, so a
    // script's changes can be told from a person's.
    let token_id = app.store.tokens(None).await.unwrap()[0].id;
    for entry in history {
        assert_eq!(
            entry["actor"],
            format!("testadmin@127.0.0.1 token {token_id}"),
            "the account that made the change, its address and its token"
        );
        assert!(entry["at"].as_str().unwrap().starts_with("20"));
    }
}

async fn gcj02_coordinates_are_stored_as_wgs84(app: TestApp) {
    let mut body = social_group(CODES[0], "协会");
    body["crs"] = json!("gcj02");
    let org = app.create(&body).await;
    let lon = org["lon"].as_f64().unwrap();
    let lat = org["lat"].as_f64().unwrap();
    // In Hohhot GCJ-02 sits about 0.006 deg east and 0.001 deg north of WGS84.
    assert!(
        (111.6708 - lon) > 0.004 && (111.6708 - lon) < 0.008,
        "{lon}"
    );
    assert!((40.8183 - lat) > 0.0 && (40.8183 - lat) < 0.003, "{lat}");
    assert!(
        org.get("crs").is_none(),
        "stored coordinates are always WGS84"
    );
}

async fn markup_in_names_is_kept_as_data(app: TestApp) {
    let name = "<script>alert(\"x\")</script> & 协会";
    let org = app.create(&social_group(CODES[0], name)).await;
    let (_, read) = app.get(&format!("/api/orgs/{}", org["id"])).await;
    assert_eq!(read["name"], name);
}

async fn the_health_check_reports_the_database(app: TestApp) {
    let (status, health) = app.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    let backend = if app.database_url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(health["database"], backend);
}

async fn a_server_error_is_answered_without_internals(app: TestApp) {
    let org = app.create(&social_group(CODES[0], "协会")).await;
    // A row damaged outside the application: the store refuses to read it as valid.
    let damage = "UPDATE organizations SET kind = 'bogus_kind' WHERE id = $1";
    match &app.store {
        orgcover::store::Store::Sqlite(pool) => {
            sqlx::query(damage)
                .bind(org["id"].as_i64())
                .execute(pool)
                .await
                .unwrap();
        }
        orgcover::store::Store::Postgres(pool) => {
            sqlx::query(damage)
                .bind(org["id"].as_i64())
                .execute(pool)
                .await
                .unwrap();
        }
    }
    let (status, body) = app.get(&format!("/api/orgs/{}", org["id"])).await;
    assert_eq!(status, 500);
    let text = body.to_string();
    assert!(text.contains("internal error"), "{text}");
    assert!(
        !text.contains("bogus") && !text.contains("column"),
        "no internals: {text}"
    );
}
