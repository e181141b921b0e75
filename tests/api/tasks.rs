//! Issue 21.4: a task (a list's entry) given to an account of the body responsible for it
//! (clause 6) with a due day and a note, through the API and the page alike; audited;
//! shown on the assignee's dashboard with its colour; ended by the form that records
//! the work.

use chrono::Days;
use orgcover::domain::access::Role;
use serde_json::{Value, json};

use crate::helpers::{SOCIAL_GROUP_CODES as CODES, TestApp, no_redirects, social_group, token_for};
use crate::on_both_backends;

on_both_backends!(a_task_goes_to_an_account_of_the_responsible_body_and_ends_with_the_work);

/// A request with another account's token: status and body (JSON where it is JSON).
async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, String) {
    let client = no_redirects();
    let request = match method {
        "POST" => client.post(app.url(path)),
        _ => client.get(app.url(path)),
    }
    .bearer_auth(token);
    let request = match body {
        Some(b) => request.json(b),
        None => request,
    };
    let r = request.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn assignments(app: &TestApp) -> Vec<orgcover::store::AuditEntry> {
    app.store
        .audit_log()
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "assign_task")
        .collect()
}

async fn a_task_goes_to_an_account_of_the_responsible_body_and_ends_with_the_work(app: TestApp) {
    // Four formal members and no party organization: on the should-build list. Registered
    // at the county level in 新城区 without a supervisory unit, so 新城区's
    // party-building body answers for it (clause 6).
    let mut org = social_group(CODES[0], "应建未建的协会");
    org["formal_members"] = json!(4);
    let org = app.create(&org).await;
    let id = org["id"].as_i64().unwrap();
    let (_, county) = token_for(&app, "xinchengqu", Role::OrgDept, "150102").await;
    let (_, street) = token_for(&app, "hailaerjie", Role::OrgDept, "150102001").await;
    let (_, planner) = token_for(&app, "guihua", Role::Planner, "150102").await;
    for (name, role, area) in [
        ("huhehaote", Role::OrgDept, "1501"),
        ("minzheng", Role::CivilAffairs, "150102"),
        ("baotou", Role::OrgDept, "1502"),
    ] {
        crate::helpers::add_user(&app, name, role, area).await;
    }
    let today = orgcover::registry::today();
    let due = (today + Days::new(10)).to_string();
    let path = format!("/api/orgs/{id}/tasks/should_build/assign");

    // What a wrong assignment gets: each problem named by its field, and nothing written.
    let long = "很".repeat(501);
    let yesterday = (today - Days::new(1)).to_string();
    for (list, body, field) in [
        (
            "should_build",
            json!({"assignee": "huhehaote", "due_on": due}),
            "assignee",
        ),
        (
            "should_build",
            json!({"assignee": "minzheng", "due_on": due}),
            "assignee",
        ),
        (
            "should_build",
            json!({"assignee": "baotou", "due_on": due}),
            "assignee",
        ),
        (
            "should_build",
            json!({"assignee": "nobody", "due_on": due}),
            "assignee",
        ),
        (
            "should_build",
            json!({"assignee": "xinchengqu", "due_on": yesterday}),
            "due_on",
        ),
        (
            "should_build",
            json!({"assignee": "xinchengqu", "due_on": "明天"}),
            "due_on",
        ),
        (
            "should_build",
            json!({"assignee": "xinchengqu", "due_on": due, "note": long}),
            "note",
        ),
        (
            "election_overdue",
            json!({"assignee": "xinchengqu", "due_on": due}),
            "list",
        ),
        (
            "no_such_list",
            json!({"assignee": "xinchengqu", "due_on": due}),
            "list",
        ),
    ] {
        let (status, body) = app
            .post(&format!("/api/orgs/{id}/tasks/{list}/assign"), &body)
            .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (422, Some(field)),
            "{list}: {body}"
        );
    }
    let (status, _) = call(
        &app,
        &planner,
        "POST",
        &path,
        Some(&json!({"assignee": "xinchengqu", "due_on": due})),
    )
    .await;
    assert_eq!(status, 403, "a planner records no party work");
    assert!(assignments(&app).await.is_empty(), "nothing was written");

    // Given to the county's account, then to the street's, through the API.
    let (status, given) = app
        .post(
            &path,
            &json!({"assignee": "xinchengqu", "due_on": due, "note": "请本月内完成"}),
        )
        .await;
    assert_eq!(status, 200, "{given}");
    assert_eq!(
        (
            &given["assignee"],
            &given["due_on"],
            &given["list"],
            &given["note"]
        ),
        (
            &json!("xinchengqu"),
            &json!(due),
            &json!("should_build"),
            &json!("请本月内完成")
        )
    );
    let (_, tasks) = app.page("/tasks?list=should_build", "zh").await;
    assert!(
        tasks.contains("<strong>xinchengqu</strong>") && tasks.contains("请本月内完成"),
        "{tasks}"
    );
    // The yellow of the assignment's due day, ten days ahead.
    assert!(
        tasks.contains("黄：30天内到期 <strong>1</strong>"),
        "{tasks}"
    );

    // The page's form offers the accounts of the responsible body only, and refuses a
    // past day beside its field.
    let (status, form) = app
        .page(&format!("/orgs/{id}/tasks/should_build/assign"), "zh")
        .await;
    assert_eq!(status, 200);
    assert!(
        form.contains("value=\"xinchengqu\"") && form.contains("value=\"hailaerjie\""),
        "{form}"
    );
    assert!(
        !form.contains("value=\"huhehaote\"") && !form.contains("value=\"minzheng\""),
        "{form}"
    );
    let form_path = format!("/orgs/{id}/tasks/should_build/assign");
    let (status, _, refused) = app
        .submit(
            &form_path,
            &[
                ("assignee", "hailaerjie"),
                ("due_on", &yesterday),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(refused.contains("早于今天"), "{refused}");
    let later = (today + Days::new(60)).to_string();
    let (status, location, _) = app
        .submit(
            &form_path,
            &[
                ("assignee", "hailaerjie"),
                ("due_on", &later),
                ("note", "街道牵头\r\n社区配合"),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/tasks?list=should_build")
    );

    // Both audited, the second with the first as its "before"; the registry's history
    // of a past day is not disturbed by them.
    let rows = assignments(&app).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].org_id, Some(id));
    assert_eq!(rows[1].before.as_ref().unwrap().0["assignee"], "xinchengqu");
    assert_eq!(
        rows[1].after.as_ref().unwrap().0["note"],
        "街道牵头\n社区配合"
    );
    let (status, body) = app
        .get(&format!(
            "/api/coverage/divisions?parent=1501&as_of={yesterday}"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, history) = app.page(&format!("/orgs/{id}"), "zh").await;
    assert!(
        history.contains("分派任务") && history.contains("hailaerjie"),
        "the organization's history names the assignment: {history}"
    );

    // The street's dashboard shows it, green (sixty days ahead); the county's no longer.
    let (_, dashboard) = call(&app, &street, "GET", "/", None).await;
    assert!(
        dashboard.contains("分派给我的任务 1 项") && dashboard.contains("应建未建的协会"),
        "{dashboard}"
    );
    assert!(
        dashboard.contains("绿：未到期 <strong>1</strong>"),
        "{dashboard}"
    );
    let (_, dashboard) = call(&app, &county, "GET", "/", None).await;
    assert!(!dashboard.contains("分派给我的任务"), "{dashboard}");

    // The branch founded: the entry leaves its list, and the task the dashboard.
    let (status, body) = app
        .post(
            &format!("/api/orgs/{id}/party-org"),
            &json!({"version": org["version"], "party_org": "branch", "party_org_established_on": today.to_string()}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, dashboard) = call(&app, &street, "GET", "/", None).await;
    assert!(!dashboard.contains("分派给我的任务"), "{dashboard}");
    let (status, body) = app
        .post(&path, &json!({"assignee": "hailaerjie", "due_on": later}))
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("list")),
        "{body}"
    );
}
