//! Every page over HTTP, as a browser fetches it: status, the layout, key content, names
//! kept as text, the language chosen by cookie, error pages, and the forms that record
//! party work (each change one transaction, a stale form refused).

use serde_json::{Value, json};

use orgcover::domain::access::Role;

use crate::helpers::{
    Backend, SOCIAL_GROUP_CODES as CODES, TestApp, no_redirects, social_group, token_for,
};

crate::on_both_backends!(
    recording_party_work_moves_an_organization_off_its_task_lists,
    a_proposed_joint_branch_is_founded_for_all_its_members_in_one_transaction,
    the_map_opens_around_the_registry_and_follows_a_new_registration,
);

fn today() -> String {
    chrono::Local::now().date_naive().to_string()
}

const SCRIPT: &str = "<script>alert(1)</script>协会";

/// The organization's id from its API JSON.
fn id_of(org: &Value) -> i64 {
    org["id"].as_i64().unwrap()
}

/// The box the map opens on (`data-bounds`: west, south, east, north).
fn opening_bounds(html: &str) -> Vec<f64> {
    let start = html.find("data-bounds=\"").expect("the map's bounds") + 13;
    let end = start + html[start..].find('"').unwrap();
    html[start..end]
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect()
}

async fn the_map_opens_around_the_registry_and_follows_a_new_registration(app: TestApp) {
    app.create(&social_group(CODES[0], "呼和浩特的协会")).await;
    let (_, html) = app.page("/map", "zh").await;
    let bounds = opening_bounds(&html);
    assert!(
        bounds[0] < 111.66 && bounds[2] > 111.66 && bounds[2] < 115.0,
        "{bounds:?}"
    );

    // The box is kept between requests, but not past a change of the registry.
    let (_, again) = app.page("/map", "zh").await;
    assert_eq!(opening_bounds(&again), bounds);
    let mut east = social_group(CODES[1], "东边的协会");
    east["lon"] = json!(118.5);
    app.create(&east).await;
    let (_, html) = app.page("/map", "zh").await;
    let wider = opening_bounds(&html);
    assert!(wider[2] > 118.5, "{wider:?}");
    assert_eq!(wider[0], bounds[0]);
}

#[tokio::test]
async fn every_page_answers_in_the_layout_and_shows_names_as_text() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let mut body = social_group(CODES[0], SCRIPT);
    body["formal_members"] = json!(3);
    body["registered_on"] = json!(today());
    let id = id_of(&app.create(&body).await);
    let pages = [
        "/".to_owned(),
        "/map".to_owned(),
        "/orgs".to_owned(),
        "/orgs?q=协会".to_owned(),
        format!("/orgs/{id}"),
        "/orgs/new".to_owned(),
        format!("/orgs/{id}/edit"),
        format!("/orgs/{id}/deregister"),
        format!("/orgs/{id}/party-org"),
        format!("/orgs/{id}/election"),
        format!("/orgs/{id}/report"),
        format!("/orgs/{id}/instructor"),
        "/gaps".to_owned(),
        "/tasks".to_owned(),
        "/tasks?list=should_build".to_owned(),
        "/api".to_owned(),
    ];
    for path in &pages {
        let (status, html) = app.page(path, "zh").await;
        assert_eq!(status, 200, "{path}");
        assert!(
            html.starts_with("<!DOCTYPE html><html lang=\"zh-CN\">"),
            "{path}"
        );
        assert!(
            html.contains(">任务</a>") && html.contains(">English</a>"),
            "{path}: the layout"
        );
        assert!(
            !html.contains("<script>alert"),
            "{path}: a name became markup"
        );
    }
    // Where the name shows, it shows as text.
    for path in [
        "/orgs".to_owned(),
        format!("/orgs/{id}"),
        format!("/orgs/{id}/edit"),
        format!("/orgs/{id}/party-org"),
        "/tasks".to_owned(),
    ] {
        let (_, html) = app.page(&path, "zh").await;
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;协会"),
            "{path}"
        );
    }
    // Key content of each kind of page.
    let (_, detail) = app.page(&format!("/orgs/{id}"), "zh").await;
    assert!(
        detail.contains("单独建立党支部") && detail.contains("第十一条"),
        "decision and clause"
    );
    assert!(detail.contains("党建工作记录") && detail.contains("变更记录"));
    let (_, tasks) = app.page("/tasks", "zh").await;
    assert!(
        tasks.contains("登记时同步建立党组织"),
        "the R6 list opens first"
    );
    assert!(
        tasks.contains(&format!("/orgs/{id}/party-org")),
        "with the form that records it"
    );
    assert!(tasks.contains("新城区社会组织党建工作机构") || tasks.contains("社会组织党建工作机构"));
}

#[tokio::test]
async fn the_language_switch_keeps_english_in_a_cookie_and_comes_back_to_the_page() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let client = no_redirects();
    let r = client
        .get(app.url("/lang/en?back=%2Forgs%3Fq%3Da"))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("lang=en;") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/orgs?q=a");
    let r = client
        .get(app.url("/lang/en?back=//evil.example/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/", "never another site");

    let (_, english) = app.page("/tasks", "en").await;
    assert!(english.contains("<html lang=\"en\">"));
    assert!(english.contains(">Tasks</a>") && english.contains("Task lists"));
    assert!(english.contains(">中文</a>"), "the switch back");
    assert!(!english.contains("任务清单"));
    let (_, dashboard) = app.page("/", "en").await;
    assert!(dashboard.contains("Work coverage rate"));
}

#[tokio::test]
async fn unknown_pages_answer_a_friendly_page_and_the_api_keeps_json() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    for path in [
        "/nowhere",
        "/orgs/999999",
        "/orgs/abc",
        "/orgs/999999/party-org",
    ] {
        let (status, html) = app.page(path, "zh").await;
        assert_eq!(status, 404, "{path}");
        assert!(
            html.contains("<h1>未找到</h1>") && html.contains("href=\"/orgs\""),
            "{path}"
        );
    }
    let (_, english) = app.page("/nowhere", "en").await;
    assert!(english.contains("<h1>Not found</h1>"));
    let (status, json) = app.get("/api/orgs/999999").await;
    assert_eq!(status, 404);
    assert_eq!(json["error"], "未找到 (not found)");
    // A malformed query on a page: the refusal in the page's language, no raw text.
    let (status, html) = app.page("/orgs?page=x&kind=bogus", "zh").await;
    assert_eq!(status, 200, "a bad filter is shown beside the list");
    assert!(html.contains("类型应为"), "{html}");
}

#[tokio::test]
async fn a_refused_page_says_why_in_the_pages_language_only() {
    // The route guard's refusal reaches the page as data, not as JSON read back: the
    // planner's 403 on the registration form names the reason in one language.
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (_, planner) = token_for(&app, "guihua", Role::Planner, "15").await;
    for (lang, reason, other) in [
        ("zh", "您的角色不能进行此操作", "your role may not do this"),
        ("en", "your role may not do this", "您的角色"),
    ] {
        let r = reqwest::Client::new()
            .get(app.url("/orgs/new"))
            .bearer_auth(&planner)
            .header("Cookie", format!("lang={lang}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = r.text().await.unwrap();
        assert!(html.contains(reason), "{lang}: {html}");
        assert!(!html.contains(other), "{lang}: one language only");
    }
}

async fn recording_party_work_moves_an_organization_off_its_task_lists(app: TestApp) {
    let mut body = social_group(CODES[0], "呼和浩特市软件行业协会");
    body["formal_members"] = json!(5);
    let id = id_of(&app.create(&body).await);
    let on_list = |html: &str| html.contains(&format!("href=\"/orgs/{id}\""));
    let (_, tasks) = app.page("/tasks?list=should_build", "zh").await;
    assert!(
        on_list(&tasks),
        "F = 5 and no branch: should build (domain 5)"
    );

    // A date in the future is refused beside its field; nothing changes.
    let tomorrow = (chrono::Local::now().date_naive() + chrono::Days::new(1)).to_string();
    let path = format!("/orgs/{id}/party-org");
    let (status, _, html) = app
        .submit(
            &path,
            &[
                ("version", "1"),
                ("party_org", "branch"),
                ("party_org_established_on", &tomorrow),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("id=\"f-party_org_established_on-error\""),
        "error beside the field"
    );
    assert!(html.contains("晚于今天"));
    let (_, org) = app.get(&format!("/api/orgs/{id}")).await;
    assert_eq!(
        (org["party_org"].as_str(), org["version"].as_i64()),
        (Some("none"), Some(1))
    );

    let today = today();
    let (status, location, _) = app
        .submit(
            &path,
            &[
                ("version", "1"),
                ("party_org", "branch"),
                ("party_org_established_on", &today),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/orgs/{id}").as_str())
    );
    let (_, org) = app.get(&format!("/api/orgs/{id}")).await;
    assert_eq!(org["party_org"], "branch");
    assert_eq!(org["party_org_established_on"], today.as_str());
    let (_, d) = app.get(&format!("/api/orgs/{id}/decision")).await;
    assert_eq!(d["coverage"], "own");
    let (_, tasks) = app.page("/tasks?list=should_build", "zh").await;
    assert!(!on_list(&tasks), "founded: off the list");

    // The same form read before that change is refused, not saved over it.
    let (status, _, html) = app
        .submit(
            &format!("/orgs/{id}/election"),
            &[("version", "1"), ("last_election_on", &today)],
        )
        .await;
    assert_eq!(status, 409);
    assert!(html.contains("已被他人修改"));
    let (status, _, _) = app
        .submit(
            &format!("/orgs/{id}/election"),
            &[("version", "2"), ("last_election_on", &today)],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _, _) = app
        .submit(
            &format!("/orgs/{id}/report"),
            &[("version", "3"), ("last_report_on", &today)],
        )
        .await;
    assert_eq!(status, 303);
    let (_, org) = app.get(&format!("/api/orgs/{id}")).await;
    assert_eq!(
        (
            org["last_election_on"].as_str(),
            org["last_report_on"].as_str()
        ),
        (Some(today.as_str()), Some(today.as_str()))
    );

    // An instructor for an organization without members gives it work coverage.
    let small = id_of(&app.create(&social_group(CODES[1], "书法协会")).await);
    let (status, _, html) = app
        .submit(
            &format!("/orgs/{small}/instructor"),
            &[("version", "1"), ("instructor", " ")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("请填写指导员姓名"));
    let (status, _, _) = app
        .submit(
            &format!("/orgs/{small}/instructor"),
            &[("version", "1"), ("instructor", "李指导员")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, d) = app.get(&format!("/api/orgs/{small}/decision")).await;
    assert_eq!(d["coverage"], "instructor");
    let (status, _, _) = app
        .submit(
            &format!("/orgs/{small}/instructor"),
            &[("version", "2"), ("remove", "yes")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, d) = app.get(&format!("/api/orgs/{small}/decision")).await;
    assert_eq!(d["coverage"], "uncovered");

    // Deregistered with a branch: on the R8 list until the dissolution is recorded.
    app.post(
        &format!("/api/orgs/{id}/deregister"),
        &json!({"version": 4}),
    )
    .await;
    let (_, tasks) = app.page("/tasks?list=dissolve", "zh").await;
    assert!(on_list(&tasks), "R8");
    let (status, _, _) = app
        .submit(
            &path,
            &[("version", "5"), ("dissolve", "yes"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, tasks) = app.page("/tasks?list=dissolve", "zh").await;
    assert!(!on_list(&tasks));

    // Each record is in the history under its own name.
    let (_, page) = app.page(&format!("/orgs/{id}"), "zh").await;
    for action in [
        "记录党组织成立",
        "记录换届",
        "记录书记述职",
        "记录党组织撤销",
    ] {
        assert!(page.contains(action), "{action}");
    }
}

async fn a_proposed_joint_branch_is_founded_for_all_its_members_in_one_transaction(app: TestApp) {
    let mut ids = Vec::new();
    for (i, (code, lon)) in [
        (CODES[0], 111.6700),
        (CODES[1], 111.6712),
        (CODES[2], 111.6724),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = social_group(code, &format!("小组织{i}"));
        body["formal_members"] = json!(1);
        body["lon"] = json!(lon);
        ids.push(id_of(&app.create(&body).await));
    }
    let (_, groups) = app.get("/api/groups.geojson").await;
    let group = groups["features"][0]["properties"]["group_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, page) = app.page(&format!("/orgs/{}", ids[0]), "zh").await;
    let one_click = format!("/orgs/{}/party-org?group={group}", ids[0]);
    assert!(
        page.contains(&one_click),
        "the proposal offers its founding"
    );
    let (_, form) = app.page(&one_click, "zh").await;
    assert!(form.contains("value=\"joint_regional\" selected"));
    for other in &ids[1..] {
        assert!(
            form.contains(&format!("name=\"member\" value=\"{other}\" checked")),
            "{other}"
        );
    }

    let today = today();
    let (a, b, c) = (ids[0].to_string(), ids[1].to_string(), ids[2].to_string());
    let (vb, vc) = (format!("version_{b}"), format!("version_{c}"));
    let fields = |version_b: &'static str| {
        vec![
            ("version", "1".to_owned()),
            ("party_org", "joint_regional".to_owned()),
            ("party_org_established_on", today.clone()),
            ("member", b.clone()),
            (vb.as_str(), version_b.to_owned()),
            ("member", c.clone()),
            (vc.as_str(), "1".to_owned()),
        ]
    };
    // A member changed after the form was read: nothing is saved, for any member.
    app.patch(
        &format!("/api/orgs/{b}"),
        &json!({"version": 1, "staff": 12}),
    )
    .await;
    let audit_before = app.audit_rows().await;
    let stale = fields("1");
    let pairs: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, html) = app.submit(&format!("/orgs/{a}/party-org"), &pairs).await;
    assert_eq!(status, 409, "{html}");
    for id in [&a, &b, &c] {
        let (_, org) = app.get(&format!("/api/orgs/{id}")).await;
        assert_eq!(org["party_org"], "none", "{id}: all or nothing");
    }
    assert_eq!(app.audit_rows().await, audit_before);

    let fresh = fields("2");
    let pairs: Vec<(&str, &str)> = fresh.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, html) = app.submit(&format!("/orgs/{a}/party-org"), &pairs).await;
    assert_eq!(status, 303, "{html}");
    for id in [&a, &b, &c] {
        let (_, org) = app.get(&format!("/api/orgs/{id}")).await;
        assert_eq!(org["party_org"], "joint_regional", "{id}");
        let (_, d) = app.get(&format!("/api/orgs/{id}/decision")).await;
        assert_eq!(d["coverage"], "joint");
    }
    assert_eq!(
        app.audit_rows().await,
        audit_before + 3,
        "one audit row per member"
    );
    let (_, groups) = app.get("/api/groups.geojson").await;
    assert!(
        groups["features"].as_array().unwrap().is_empty(),
        "founded: no longer proposed"
    );

    // An own organization has no other members.
    let (status, _, html) = app
        .submit(
            &format!("/orgs/{a}/party-org"),
            &[
                ("version", "2"),
                ("party_org", "branch"),
                ("party_org_established_on", &today),
                ("other_members", CODES[1]),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("单独组建的党组织没有其他成员单位"));
}

/// Issue 21 item 4: each task shows its status colour with its words (red overdue, yellow
/// due within 30 days, green later), and each list counts them.
#[tokio::test]
async fn tasks_are_coloured_by_how_near_they_are_due_and_counted_per_colour() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // A branch founded in 2020 whose term ended in 2023: its re-election is overdue (R7).
    let mut old = social_group(CODES[0], "换届逾期的协会");
    old["formal_members"] = json!(5);
    old["party_org"] = json!("branch");
    old["party_org_established_on"] = json!("2020-01-10");
    let old = id_of(&app.create(&old).await);
    // Registered today with four formal members: its branch is due in 5 working days (R6).
    let mut new = social_group(CODES[1], "新登记的协会");
    new["formal_members"] = json!(4);
    new["registered_on"] = json!(today());
    let new = id_of(&app.create(&new).await);

    let row_of = |html: &str, id: i64| {
        let at = html
            .find(&format!("href=\"/orgs/{id}\""))
            .expect("on the list");
        let end = at + html[at..].find("</tr>").unwrap();
        html[at..end].to_owned()
    };
    let (_, overdue) = app.page("/tasks?list=election_overdue", "zh").await;
    assert!(
        row_of(&overdue, old).contains("urgency red\">红：已逾期"),
        "{overdue}"
    );
    assert!(
        overdue.contains("红：已逾期 <strong>1</strong>"),
        "{overdue}"
    );
    let (_, establish) = app.page("/tasks?list=establish", "zh").await;
    assert!(
        row_of(&establish, new).contains("urgency yellow\">黄：30天内到期"),
        "{establish}"
    );
    assert!(establish.contains("黄：30天内到期 <strong>1</strong>"));
    assert!(establish.contains("红：已逾期 <strong>0</strong>"));
    let (_, english) = app.page("/tasks?list=establish", "en").await;
    assert!(english.contains("yellow: due within 30 days"));
}
