//! One write path: the JSON API and the pages refuse the same things with the same field
//! and message, and write nothing when they do; notices come from the data. Each rule
//! is tried at every door that can break it.

use serde_json::{Value, json};

use crate::helpers::{SOCIAL_GROUP_CODES as CODES, TestApp, no_redirects, social_group, token_for};
use orgcover::domain::access::Role;

crate::on_both_backends!(
    every_party_work_rule_is_refused_alike_by_the_form_the_record_api_and_a_patch,
    a_role_fills_in_only_its_own_fields_when_registering_at_every_door,
    deregistering_twice_or_from_a_stale_form_says_so_at_every_door,
    the_r6_notice_comes_from_the_data_not_from_the_address,
    a_mistyped_credit_code_is_named_once_not_also_as_missing,
);

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// A form posted with `token` (a script's or a signed-in clerk's form: same handler):
/// status, `Location`, HTML, and the session cookie the answer set.
async fn submit_as(
    app: &TestApp,
    token: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String, Option<String>) {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let r = no_redirects()
        .post(app.url(path))
        .bearer_auth(token)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let location = header("location").unwrap_or_default();
    let cookie = header("set-cookie").map(|c| c.split(';').next().unwrap().to_owned());
    (
        r.status().as_u16(),
        location,
        r.text().await.unwrap(),
        cookie,
    )
}

async fn json_as(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let client = no_redirects();
    let request = match method {
        "PATCH" => client.patch(app.url(path)),
        _ => client.post(app.url(path)),
    };
    let r = request.bearer_auth(token).json(body).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// The message a page shows beside a field (`id="f-FIELD-error"`), if any.
fn error_beside(html: &str, field: &str) -> Option<String> {
    let marker = format!("id=\"f-{field}-error\">");
    let start = html.find(&marker)? + marker.len();
    let end = start + html[start..].find("</span>")?;
    Some(html[start..end].to_owned())
}

/// The message the API gives for a field, in Chinese (the part before " (").
fn api_error(body: &Value, field: &str) -> Option<String> {
    body["errors"]
        .as_array()?
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["error"].as_str())
        .map(|m| m.split(" (").next().unwrap().to_owned())
}

async fn version_of(app: &TestApp, id: i64) -> i64 {
    app.get(&format!("/api/orgs/{id}")).await.1["version"]
        .as_i64()
        .unwrap()
}

async fn every_party_work_rule_is_refused_alike_by_the_form_the_record_api_and_a_patch(
    app: TestApp,
) {
    let mut body = social_group(CODES[0], "新城区软件行业协会");
    body["formal_members"] = json!(5);
    body["registered_on"] = json!("2020-01-01");
    body["party_org"] = json!("branch");
    body["party_org_established_on"] = json!("2021-05-01");
    let branch = app.create(&body).await;
    let id = branch["id"].as_i64().unwrap();
    let mut body = social_group(CODES[1], "新城区摄影家协会");
    body["registered_on"] = json!("2020-01-01");
    let none = app.create(&body).await;
    let none_id = none["id"].as_i64().unwrap();
    let token = app.token.clone();
    let tomorrow = (today() + chrono::Days::new(1)).to_string();

    // (what, organization, page path, page fields, record API path, API body, PATCH body,
    //  the field named)
    type Case<'a> = (
        &'a str,
        i64,
        &'a str,
        Vec<(&'a str, &'a str)>,
        &'a str,
        Value,
        Value,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "a party organization founded tomorrow",
            none_id,
            "party-org",
            vec![
                ("party_org", "branch"),
                ("party_org_established_on", &tomorrow),
            ],
            "party-org",
            json!({"party_org": "branch", "party_org_established_on": tomorrow}),
            json!({"party_org": "branch", "party_org_established_on": tomorrow}),
            "party_org_established_on",
        ),
        (
            "a report dated 2999-12-31",
            id,
            "report",
            vec![("last_report_on", "2999-12-31")],
            "report",
            json!({"last_report_on": "2999-12-31"}),
            json!({"last_report_on": "2999-12-31"}),
            "last_report_on",
        ),
        (
            "an election in 1900, before the founding",
            id,
            "election",
            vec![("last_election_on", "1900-01-01")],
            "election",
            json!({"last_election_on": "1900-01-01"}),
            json!({"last_election_on": "1900-01-01"}),
            "last_election_on",
        ),
        (
            "a committee with no founding date",
            none_id,
            "party-org",
            vec![("party_org", "committee"), ("party_org_established_on", "")],
            "party-org",
            json!({"party_org": "committee"}),
            json!({"party_org": "committee"}),
            "party_org_established_on",
        ),
        (
            "a party organization founded before the registration",
            none_id,
            "party-org",
            vec![
                ("party_org", "branch"),
                ("party_org_established_on", "1999-01-01"),
            ],
            "party-org",
            json!({"party_org": "branch", "party_org_established_on": "1999-01-01"}),
            json!({"party_org": "branch", "party_org_established_on": "1999-01-01"}),
            "party_org_established_on",
        ),
    ];
    for (what, org, page, fields, api, api_body, patch, field) in cases {
        let version = version_of(&app, org).await;
        let v = version.to_string();
        let mut form = vec![("version", v.as_str())];
        form.extend(fields);
        let (status, _, html, _) =
            submit_as(&app, &token, &format!("/orgs/{org}/{page}"), &form).await;
        assert_eq!(status, 422, "{what}: the form");
        let on_page =
            error_beside(&html, field).unwrap_or_else(|| panic!("{what}: beside {field}"));

        let mut api_body = api_body;
        api_body["version"] = json!(version);
        let (status, answer) = json_as(
            &app,
            &token,
            "POST",
            &format!("/api/orgs/{org}/{api}"),
            &api_body,
        )
        .await;
        assert_eq!(status, 422, "{what}: the record API {answer}");
        assert_eq!(answer["field"], field, "{what}: the record API");
        assert_eq!(
            api_error(&answer, field).as_deref(),
            Some(on_page.as_str()),
            "{what}"
        );

        let mut patch = patch;
        patch["version"] = json!(version);
        let (status, answer) =
            json_as(&app, &token, "PATCH", &format!("/api/orgs/{org}"), &patch).await;
        assert_eq!(status, 422, "{what}: PATCH {answer}");
        assert!(
            api_error(&answer, field).is_some(),
            "{what}: PATCH names {field}: {answer}"
        );
        assert_eq!(
            version_of(&app, org).await,
            version,
            "{what}: nothing written"
        );
    }

    // A regional joint organization names its other members: the form and the record
    // API say so; a PATCH of one organization cannot name them and is sent to the record.
    let version = version_of(&app, none_id).await;
    let v = version.to_string();
    let today = today().to_string();
    let (status, _, html, _) = submit_as(
        &app,
        &token,
        &format!("/orgs/{none_id}/party-org"),
        &[
            ("version", &v),
            ("party_org", "joint_regional"),
            ("party_org_established_on", &today),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("联合党组织至少要有另一个成员单位"));
    let (status, answer) = json_as(
        &app,
        &token,
        "POST",
        &format!("/api/orgs/{none_id}/party-org"),
        &json!({"version": version, "party_org": "joint_regional", "party_org_established_on": today}),
    )
    .await;
    assert_eq!(
        (status, answer["field"].as_str()),
        (422, Some("members")),
        "{answer}"
    );
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("联合党组织至少要有另一个成员单位")
    );
    let (status, answer) = json_as(
        &app,
        &token,
        "PATCH",
        &format!("/api/orgs/{none_id}"),
        &json!({"version": version, "party_org": "joint_regional", "party_org_established_on": today}),
    )
    .await;
    assert_eq!(
        (status, answer["field"].as_str()),
        (422, Some("party_org")),
        "{answer}"
    );

    // No party organization, but its dates: refused, field by field.
    let version = version_of(&app, id).await;
    let (status, answer) = json_as(
        &app,
        &token,
        "PATCH",
        &format!("/api/orgs/{id}"),
        &json!({"version": version, "party_org": "none"}),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["field"], "party_org_established_on");

    // The same record through the API is accepted where it is right, and the decision
    // follows: an election recorded clears nothing else.
    let (status, answer) = json_as(
        &app,
        &token,
        "POST",
        &format!("/api/orgs/{id}/election"),
        &json!({"version": version, "last_election_on": "2024-05-01"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["last_election_on"], "2024-05-01");
    assert_eq!(answer["version"], version + 1);

    // A joint organization founded through the API, with its member named by credit
    // code: both change in one transaction.
    let mut third = social_group(CODES[2], "昆都仑区摄影家协会");
    third["division_code"] = json!("150102001001");
    let third = app.create(&third).await;
    let (status, answer) = json_as(
        &app,
        &token,
        "POST",
        &format!("/api/orgs/{none_id}/party-org"),
        &json!({"version": version_of(&app, none_id).await, "party_org": "joint_regional",
                "party_org_established_on": today, "members": [CODES[2]]}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["members"][0]["id"], third["id"]);
    assert_eq!(answer["members"][0]["party_org"], "joint_regional");
}

async fn a_role_fills_in_only_its_own_fields_when_registering_at_every_door(app: TestApp) {
    let (_, clerk) = token_for(&app, "clerk", Role::CivilAffairs, "15").await;
    let mut body = social_group(CODES[0], "新城区软件行业协会");
    body["formal_members"] = json!(5);
    body["party_org"] = json!("committee");
    body["party_org_established_on"] = json!("2024-01-01");
    body["instructor"] = json!("张三");
    let (status, answer) = json_as(&app, &clerk, "POST", "/api/orgs", &body).await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(
        answer["fields"],
        json!(["party_org", "party_org_established_on", "instructor"])
    );

    let form: Vec<(&str, String)> = body
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str(),
                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            )
        })
        .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, html, _) = submit_as(&app, &clerk, "/orgs/new", &form).await;
    assert_eq!(status, 403);
    assert!(
        html.contains("您的角色不能填写：党组织形式、党组织成立日期、党建工作指导员"),
        "the fields named above the form, which does not offer them"
    );
    assert_eq!(
        app.get("/api/orgs").await.1["total"],
        0,
        "nothing registered"
    );

    // Without the party work the clerk registers; the form offers it no party fields.
    let page = no_redirects()
        .get(app.url("/orgs/new"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("name=\"party_org\""),
        "no party-work fields offered"
    );
    assert!(
        page.contains("value=\"provincial\" selected"),
        "the clerk's own level"
    );
    for field in ["party_org", "party_org_established_on", "instructor"] {
        body.as_object_mut().unwrap().remove(field);
    }
    let (status, answer) = json_as(&app, &clerk, "POST", "/api/orgs", &body).await;
    assert_eq!(status, 201, "{answer}");
    let id = answer["id"].as_i64().unwrap();

    // The organization department records party work, not registration; civil affairs
    // the reverse: at the record API, on the record form and in a PATCH alike.
    let (_, officer) = token_for(&app, "officer", Role::OrgDept, "15").await;
    let (status, answer) = json_as(
        &app,
        &officer,
        "PATCH",
        &format!("/api/orgs/{id}"),
        &json!({"version": 1, "name": "改了名的协会"}),
    )
    .await;
    assert_eq!(
        (status, answer["field"].as_str()),
        (403, Some("name")),
        "{answer}"
    );
    let (status, _) = json_as(
        &app,
        &clerk,
        "POST",
        &format!("/api/orgs/{id}/instructor"),
        &json!({"version": 1, "instructor": "李四"}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _, _) = submit_as(
        &app,
        &clerk,
        &format!("/orgs/{id}/instructor"),
        &[("version", "1"), ("instructor", "李四")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, answer) = json_as(
        &app,
        &officer,
        "POST",
        &format!("/api/orgs/{id}/instructor"),
        &json!({"version": 1, "instructor": "李四"}),
    )
    .await;
    assert_eq!(
        (status, answer["instructor"].as_str()),
        (200, Some("李四")),
        "{answer}"
    );

    // Navigation offers registration only to roles that may register.
    let (_, planner) = token_for(&app, "planner", Role::Planner, "15").await;
    let html = no_redirects()
        .get(app.url("/orgs"))
        .bearer_auth(&planner)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("href=\"/orgs/new\""),
        "a planner is not offered 登记"
    );
}

async fn deregistering_twice_or_from_a_stale_form_says_so_at_every_door(app: TestApp) {
    let org = app
        .create(&social_group(CODES[0], "新城区摄影家协会"))
        .await;
    let id = org["id"].as_i64().unwrap();
    let token = app.token.clone();
    let path = format!("/orgs/{id}/deregister");

    // A form read before a change is refused with the conflict stated.
    app.patch(
        &format!("/api/orgs/{id}"),
        &json!({"version": 1, "address": "新华大街1号"}),
    )
    .await;
    let (status, _, html, _) =
        submit_as(&app, &token, &path, &[("version", "1"), ("confirm", "yes")]).await;
    assert_eq!(status, 409);
    assert!(html.contains("此记录已被他人修改"), "stale form stated");
    // Without the confirmation ticked, the page says what is missing.
    let (status, _, html, _) = submit_as(&app, &token, &path, &[("version", "2")]).await;
    assert_eq!(status, 422);
    assert!(html.contains("请勾选"));

    let (status, location, _, cookie) =
        submit_as(&app, &token, &path, &[("version", "2"), ("confirm", "yes")]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/orgs/{id}").as_str())
    );
    // The confirmation is shown once, on the page the form led to.
    let cookie = cookie.expect("the session keeps the notice");
    let page = |cookie: String| {
        let url = app.url(&format!("/orgs/{id}"));
        let token = token.clone();
        async move {
            no_redirects()
                .get(url)
                .bearer_auth(token)
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert!(page(cookie.clone()).await.contains("已注销。"));
    assert!(!page(cookie).await.contains("已注销。"), "shown once");

    let (status, _, html, _) =
        submit_as(&app, &token, &path, &[("version", "3"), ("confirm", "yes")]).await;
    assert_eq!(status, 409);
    assert!(html.contains("该组织已注销，无需再次注销"));
    let (status, answer) = app
        .post(
            &format!("/api/orgs/{id}/deregister"),
            &json!({"version": 3}),
        )
        .await;
    assert_eq!((status, answer["field"].as_str()), (409, Some("status")));
    assert_eq!(version_of(&app, id).await, 3);
}

async fn the_r6_notice_comes_from_the_data_not_from_the_address(app: TestApp) {
    // Registered years ago with five formal members: no R6 notice, whatever the address.
    let mut old = social_group(CODES[0], "新城区老协会");
    old["formal_members"] = json!(5);
    old["registered_on"] = json!("2019-04-01");
    let old = app.create(&old).await;
    let (_, html) = app
        .page(&format!("/orgs/{}?registered=1", old["id"]), "zh")
        .await;
    assert!(
        !html.contains("r6-notice"),
        "R6 is not read from the address"
    );
    assert!(!html.contains("已登记。"));

    // Registered today: the notice, from the registration date, on the plain page.
    let mut new = social_group(CODES[1], "新城区新协会");
    new["formal_members"] = json!(5);
    new["registered_on"] = json!(today().to_string());
    let new = app.create(&new).await;
    let (_, html) = app.page(&format!("/orgs/{}", new["id"]), "zh").await;
    assert!(html.contains("r6-notice"), "R6 from the registration date");

    // No registration date, first version made today: the notice too, until changed.
    let mut undated = social_group(CODES[2], "新城区无日期协会");
    undated["formal_members"] = json!(5);
    let undated = app.create(&undated).await;
    let path = format!("/orgs/{}", undated["id"]);
    assert!(app.page(&path, "zh").await.1.contains("r6-notice"));
}

async fn a_mistyped_credit_code_is_named_once_not_also_as_missing(app: TestApp) {
    for code in ["XXXXXXXXXXXXXXXXXX", "51150102MJ0000114A"] {
        let (status, answer) = app.post("/api/orgs", &social_group(code, "协会")).await;
        assert_eq!(status, 422);
        let errors = answer["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{code}: {answer}");
        assert!(
            !errors[0]["error"].as_str().unwrap().contains("缺少"),
            "{code}"
        );

        let (status, _, html) = app
            .submit(
                "/orgs/new",
                &[
                    ("credit_code", code),
                    ("name", "协会"),
                    ("kind", "social_group"),
                    ("level", "county"),
                    ("division_code", "150102001001"),
                    ("lon", "111.67"),
                    ("lat", "40.81"),
                    ("formal_members", "2"),
                ],
            )
            .await;
        assert_eq!(status, 422);
        assert!(!html.contains("缺少统一社会信用代码"), "{code}: the form");
        assert!(error_beside(&html, "credit_code").is_some());
    }
}
