//! Accounts and signing in: the `user` commands, argon2 passwords, sessions in the
//! database, the generic refusal, the limit on failed attempts, disabled accounts,
//! expiry and signing out, each noted in the audit log.

use orgcover::domain::access::Role;

use crate::helpers::{Backend, PASSWORD, TestApp, add_user, no_redirects, orgcover, token_for};

crate::on_both_backends!(
    signing_in_and_out_with_a_session_kept_in_the_database,
    admins_read_the_audit_log_and_owners_make_and_revoke_their_tokens_on_a_page,
);

/// Signs in through the form: the status, where it leads, and the session cookie.
pub(crate) async fn sign_in(
    app: &TestApp,
    name: &str,
    password: &str,
) -> (u16, String, Option<String>, String) {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("name", name), ("password", password), ("next", "/tasks")])
        .finish();
    let r = no_redirects()
        .post(app.url("/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("orgcover_session="));
    (status, location, cookie, r.text().await.unwrap())
}

/// A page fetched with a session cookie (`name=value` part only).
pub(crate) async fn page_with(app: &TestApp, path: &str, cookie: &str) -> String {
    no_redirects()
        .get(app.url(path))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub(crate) fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn signing_in_and_out_with_a_session_kept_in_the_database(app: TestApp) {
    add_user(&app, "zuzhibu", Role::OrgDept, "1501").await;

    // A wrong password and an unknown name get the same answer.
    let (status, _, cookie, wrong) = sign_in(&app, "zuzhibu", "not the password").await;
    assert_eq!(status, 401);
    assert!(wrong.contains("用户名或密码错误"));
    let (status, _, _, unknown) = sign_in(&app, "nobody", PASSWORD).await;
    assert_eq!(status, 401);
    assert!(unknown.contains("用户名或密码错误"));
    assert!(cookie.is_none(), "a refused sign-in starts no session");

    let (status, location, cookie, _) = sign_in(&app, "zuzhibu", PASSWORD).await;
    assert_eq!((status, location.as_str()), (303, "/tasks"));
    let set_cookie = cookie.expect("a session cookie");
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let cookie = pair(&set_cookie);
    let page = page_with(&app, "/", &cookie).await;
    assert!(
        page.contains("zuzhibu · 组织部门 · 呼和浩特市"),
        "the header names user and jurisdiction"
    );

    // Signing out ends the session: the same cookie no longer signs anyone in.
    let r = no_redirects()
        .post(app.url("/logout"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let page = page_with(&app, "/", &cookie).await;
    assert!(!page.contains("zuzhibu ·"), "signed out");

    // A session past its expiry is over.
    let (_, _, cookie, _) = sign_in(&app, "zuzhibu", PASSWORD).await;
    let cookie = pair(&cookie.unwrap());
    assert!(page_with(&app, "/", &cookie).await.contains("zuzhibu ·"));
    app.settle().await;
    let expire = "UPDATE sessions SET expires_at = 1";
    match &app.store {
        orgcover::store::Store::Sqlite(pool) => {
            sqlx::query(expire).execute(pool).await.unwrap();
        }
        orgcover::store::Store::Postgres(pool) => {
            sqlx::query(expire).execute(pool).await.unwrap();
        }
    }
    assert!(
        !page_with(&app, "/", &cookie).await.contains("zuzhibu ·"),
        "expired"
    );

    // A disabled account cannot sign in, even with its password.
    app.store.disable_user("zuzhibu", "test").await.unwrap();
    let (status, _, _, _) = sign_in(&app, "zuzhibu", PASSWORD).await;
    assert_eq!(status, 401);

    // Every attempt is in the audit log.
    app.settle().await;
    let actions: Vec<String> = app
        .store
        .audit_log()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "user_add",
        "login_failed",
        "login",
        "logout",
        "user_disable",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[tokio::test]
async fn five_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    add_user(&app, "minzheng", Role::CivilAffairs, "1501").await;
    for _ in 0..5 {
        assert_eq!(sign_in(&app, "minzheng", "wrong password!").await.0, 401);
    }
    let (status, _, _, page) = sign_in(&app, "minzheng", PASSWORD).await;
    assert_eq!(status, 429);
    assert!(page.contains("登录失败次数过多"));
}

#[tokio::test]
async fn the_user_commands_add_list_and_disable_accounts() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let add = |args: &[&str], stdin: &str| orgcover(&app.database_url, args, stdin);
    let out = add(
        &[
            "user",
            "add",
            "guihua",
            "--role",
            "planner",
            "--division",
            "15",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, _, _, _) = sign_in(&app, "guihua", PASSWORD).await;
    assert_eq!(status, 303, "the password read from standard input");
    app.settle().await;

    // Without --password-stdin a password is made and shown once.
    let out = add(&["user", "add", "admin", "--role", "admin"], "");
    let shown = String::from_utf8(out.stdout).unwrap();
    let password = shown
        .lines()
        .find_map(|l| l.strip_prefix("初始密码 (password, shown once): "))
        .unwrap_or_else(|| {
            panic!(
                "the password is printed: {shown}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    assert_eq!(password.len(), 20);
    assert_eq!(sign_in(&app, "admin", password).await.0, 303);
    app.settle().await;

    // Bad input names the field and adds nothing.
    let out = add(
        &["user", "add", "x", "--role", "boss", "--division", "15a"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let errors = String::from_utf8(out.stderr).unwrap();
    assert!(
        errors.contains("name:") && errors.contains("role:") && errors.contains("division:"),
        "{errors}"
    );
    let out = add(
        &[
            "user",
            "add",
            "guihua",
            "--role",
            "planner",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(2), "the name is taken");

    let list = String::from_utf8(app.cli(&["user", "list"]).stdout).unwrap();
    assert!(list.contains("guihua\tplanner\t15\tactive"), "{list}");
    assert!(app.cli(&["user", "disable", "guihua"]).status.success());
    let list = String::from_utf8(app.cli(&["user", "list"]).stdout).unwrap();
    assert!(list.contains("guihua\tplanner\t15\tdisabled"), "{list}");
    assert_eq!(
        app.cli(&["user", "disable", "nobody"]).status.code(),
        Some(2)
    );
}

async fn status_of(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn the_guard_asks_who_is_asking_and_what_their_role_allows() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let anonymous = no_redirects();
    // Nobody: the API asks for a token, pages for signing in; sign-in itself is open.
    let r = anonymous.get(app.url("/api/orgs")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let r = anonymous.get(app.url("/orgs?q=a")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Forgs%3Fq%3Da");
    for open in ["/healthz", "/login", "/assets/app.css", "/lang/en"] {
        assert!(
            status_of(anonymous.get(app.url(open))).await < 400,
            "{open}"
        );
    }
    assert_eq!(
        status_of(anonymous.get(app.url("/ogc/collections"))).await,
        401
    );

    let body = crate::helpers::social_group(crate::helpers::SOCIAL_GROUP_CODES[0], "协会");
    let (_, planner) = token_for(&app, "guihua", Role::Planner, "15").await;
    let (_, civil) = token_for(&app, "minzheng", Role::CivilAffairs, "15").await;
    let (_, dept) = token_for(&app, "zuzhibu", Role::OrgDept, "15").await;
    let post = |token: &str| {
        anonymous
            .post(app.url("/api/orgs"))
            .bearer_auth(token)
            .json(&body)
    };
    // A planner reads and exports but changes nothing.
    assert_eq!(
        status_of(anonymous.get(app.url("/api/orgs")).bearer_auth(&planner)).await,
        200
    );
    assert_eq!(
        status_of(
            anonymous
                .get(app.url("/api/gaps.csv"))
                .bearer_auth(&planner)
        )
        .await,
        200
    );
    assert_eq!(status_of(post(&planner)).await, 403);
    // Organization departments record party work; civil affairs register.
    assert_eq!(status_of(post(&dept)).await, 403);
    let r = post(&civil).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let record = |token: &str| {
        anonymous
            .post(app.url(&format!("/orgs/{id}/instructor")))
            .bearer_auth(token)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("version=1&instructor=%E6%9D%8E")
    };
    assert_eq!(status_of(record(&civil)).await, 403);
    assert_eq!(status_of(record(&dept)).await, 303);

    // A revoked token, or the token of a disabled account, is refused.
    let (revoked_id, revoked) = token_for(&app, "old", Role::Admin, "").await;
    assert_eq!(
        status_of(anonymous.get(app.url("/api/orgs")).bearer_auth(&revoked)).await,
        200
    );
    assert!(
        app.store
            .revoke_token(revoked_id, None, "test")
            .await
            .unwrap()
    );
    assert_eq!(
        status_of(anonymous.get(app.url("/api/orgs")).bearer_auth(&revoked)).await,
        401
    );
    app.store.disable_user("guihua", "test").await.unwrap();
    assert_eq!(
        status_of(anonymous.get(app.url("/api/orgs")).bearer_auth(&planner)).await,
        401
    );
    assert_eq!(
        status_of(
            anonymous
                .get(app.url("/api/orgs"))
                .bearer_auth("oc_made_up")
        )
        .await,
        401
    );
}

/// Everything a county account reads is of its county: a neighbour's organization is not
/// found, and lists, counts, maps, gap lists, task lists and OGC items leave it out.
#[tokio::test]
async fn a_county_sees_its_county_and_nothing_of_its_neighbour() {
    use crate::helpers::{SOCIAL_GROUP_CODES as CODES, social_group};
    use serde_json::json;
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // Xincheng (150102) and, next door, Huimin (150103).
    let mut own = social_group(CODES[0], "新城区书法协会");
    own["formal_members"] = json!(4);
    let own = app.create(&own).await["id"].as_i64().unwrap();
    let mut other = social_group(CODES[1], "回民区摄影协会");
    other["division_code"] = json!("150103001001");
    other["lon"] = json!(111.64);
    other["formal_members"] = json!(4);
    let other = app.create(&other).await["id"].as_i64().unwrap();

    let (_, county) = token_for(&app, "xincheng", Role::CivilAffairs, "150102").await;
    let client = no_redirects();
    let get = |path: String| {
        let request = client.get(app.url(&path)).bearer_auth(&county);
        async move {
            let r = request.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    for path in [
        format!("/api/orgs/{other}"),
        format!("/api/orgs/{other}/decision"),
        format!("/api/orgs/{other}/history"),
        format!("/orgs/{other}"),
        format!("/orgs/{other}/edit"),
        format!("/ogc/collections/organizations/items/{other}"),
    ] {
        assert_eq!(get(path.clone()).await.0, 404, "{path}: not disclosed");
    }
    assert_eq!(get(format!("/api/orgs/{own}")).await.0, 200);

    let neighbour = "回民区摄影协会";
    for path in [
        "/api/orgs",
        "/api/orgs?division=15",
        "/api/coverage/cells?res=5",
        "/api/gaps.csv?res=7",
        "/api/gaps.geojson?res=7",
        "/ogc/collections/organizations/items",
        "/orgs",
        "/tasks?list=should_build",
        "/gaps?res=7",
    ] {
        let (status, body) = get(path.to_owned()).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            !body.contains(neighbour) && !body.contains("150103"),
            "{path} leaks: {body}"
        );
    }
    let (_, list) = get("/api/orgs".to_owned()).await;
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["total"], 1);
    let (_, cells) = get("/api/coverage/cells?res=5".to_owned()).await;
    let cells: serde_json::Value = serde_json::from_str(&cells).unwrap();
    let counted: u64 = cells["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["total"].as_u64().unwrap())
        .sum();
    assert_eq!(
        counted, 1,
        "the hexagon counts the county's organizations only"
    );
    let (_, elsewhere) = get("/api/orgs?division=150103".to_owned()).await;
    let elsewhere: serde_json::Value = serde_json::from_str(&elsewhere).unwrap();
    assert_eq!(
        elsewhere["total"], 0,
        "a filter outside the jurisdiction finds nothing"
    );
    let (_, tasks) = get("/tasks?list=should_build".to_owned()).await;
    assert!(tasks.contains("新城区书法协会"));

    // Registering in the neighbour's county is refused, naming the field.
    let mut outside = social_group(CODES[2], "越界登记的协会");
    outside["division_code"] = json!("150103001001");
    let r = client
        .post(app.url("/api/orgs"))
        .bearer_auth(&county)
        .json(&outside)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["field"], "division_code");
    assert_eq!(app.audit_rows().await, 2, "nothing registered");
}

/// The hidden CSRF field of a page's forms.
pub(crate) fn csrf_in(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_change_through_the_session_needs_the_forms_csrf_token_and_pages_send_security_headers() {
    use crate::helpers::{SOCIAL_GROUP_CODES as CODES, social_group};
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let id = app.create(&social_group(CODES[0], "协会")).await["id"]
        .as_i64()
        .unwrap();
    add_user(&app, "zuzhibu", Role::OrgDept, "15").await;
    let (_, _, cookie, _) = sign_in(&app, "zuzhibu", PASSWORD).await;
    let cookie = pair(&cookie.unwrap());
    let post = |body: String| {
        no_redirects()
            .post(app.url(&format!("/orgs/{id}/instructor")))
            .header("Cookie", &cookie)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    // Without the token, or with another, nothing is saved.
    for body in [
        "version=1&instructor=x1".to_owned(),
        "version=1&instructor=x1&csrf=oc_forged".to_owned(),
    ] {
        let r = post(body).await.unwrap();
        assert_eq!(r.status().as_u16(), 403);
        assert!(r.text().await.unwrap().contains("未保存"));
    }
    let (_, org) = app.get(&format!("/api/orgs/{id}")).await;
    assert!(org.get("instructor").is_none_or(|i| i.is_null()), "{org}");

    // The form's own token saves.
    let form = page_with(&app, &format!("/orgs/{id}/instructor"), &cookie).await;
    let token = csrf_in(&form);
    let r = post(format!("version=1&instructor=%E6%9D%8E&csrf={token}"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let (_, org) = app.get(&format!("/api/orgs/{id}")).await;
    assert_eq!(org["instructor"], "李");

    let r = no_redirects().get(app.url("/login")).send().await.unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "same-origin");
}

#[tokio::test]
async fn civil_affairs_change_the_registration_and_organization_departments_the_party_work() {
    use crate::helpers::{SOCIAL_GROUP_CODES as CODES, social_group};
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let id = app.create(&social_group(CODES[0], "协会")).await["id"]
        .as_i64()
        .unwrap();
    let (_, civil) = token_for(&app, "minzheng", Role::CivilAffairs, "15").await;
    let patch = |body: serde_json::Value| {
        no_redirects()
            .patch(app.url(&format!("/api/orgs/{id}")))
            .bearer_auth(&civil)
            .json(&body)
            .send()
    };
    let r = patch(serde_json::json!({"version": 1, "staff": 12, "instructor": "李"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["field"], "instructor", "{body}");
    let (_, org) = app.get(&format!("/api/orgs/{id}")).await;
    assert_eq!(org["version"], 1, "nothing changed");
    let r = patch(serde_json::json!({"version": 1, "staff": 12}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // The organization department records party work through the API, not registration.
    let (_, dept) = token_for(&app, "zuzhibu", Role::OrgDept, "15").await;
    let patch = |body: serde_json::Value| {
        no_redirects()
            .patch(app.url(&format!("/api/orgs/{id}")))
            .bearer_auth(&dept)
            .json(&body)
            .send()
    };
    let r = patch(serde_json::json!({"version": 2, "staff": 13}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = patch(serde_json::json!({"version": 2, "instructor": "李"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (_, d) = app.get(&format!("/api/orgs/{id}/decision")).await;
    assert_eq!(d["coverage"], "instructor");
}

async fn admins_read_the_audit_log_and_owners_make_and_revoke_their_tokens_on_a_page(app: TestApp) {
    use crate::helpers::{SOCIAL_GROUP_CODES as CODES, social_group};
    let id = app.create(&social_group(CODES[0], "协会")).await["id"]
        .as_i64()
        .unwrap();
    app.patch(
        &format!("/api/orgs/{id}"),
        &serde_json::json!({"version": 1, "staff": 12}),
    )
    .await;
    add_user(&app, "guihua", Role::Planner, "15").await;
    add_user(&app, "root", Role::Admin, "").await;
    let (_, _, planner, _) = sign_in(&app, "guihua", PASSWORD).await;
    let planner = pair(&planner.unwrap());
    let (_, _, admin, _) = sign_in(&app, "root", PASSWORD).await;
    let admin = pair(&admin.unwrap());

    // The audit log: admins only; who, what, before and after.
    let r = no_redirects()
        .get(app.url("/audit"))
        .header("Cookie", &planner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let log = page_with(&app, "/audit", &admin).await;
    // Issue 21 item 5: in the users' language (field labels, vocabulary labels, actions),
    // the organization by name and linked, times in Asia/Shanghai.
    assert!(
        log.contains("从业人员数: — → 12"),
        "before and after: {log}"
    );
    assert!(
        log.contains("类型: 社会团体"),
        "a registration's values as labels"
    );
    assert!(
        log.contains("testadmin@127.0.0.1") && log.contains("登录") && log.contains("修改"),
        "who, and sign-ins"
    );
    assert!(
        log.contains(&format!("<a href=\"/orgs/{id}\">协会</a>")),
        "{log}"
    );
    assert!(log.contains("(Asia/Shanghai)"));
    let entries = app.store.audit_log().await.unwrap();
    let change = entries.iter().rev().find(|e| e.action == "update").unwrap();
    let local = change
        .at
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    assert!(log.contains(&local), "{local} in {log}");
    // Filters: an action from the list, an account, a range of days (the zone's days).
    let today = change
        .at
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    let only = |log: &str, action: &str| log.matches("<td>").count() > 0 && !log.contains(action);
    let updates = page_with(&app, "/audit?action=update", &admin).await;
    assert!(updates.contains("从业人员数: — → 12"));
    assert!(only(&updates, "<td>登录</td>"), "{updates}");
    assert!(
        updates.contains("<option value=\"update\" selected"),
        "the list keeps the choice"
    );
    let by_root = page_with(&app, "/audit?account=root", &admin).await;
    assert!(
        by_root.contains("root@127.0.0.1") && !by_root.contains("testadmin@"),
        "{by_root}"
    );
    let in_range = page_with(
        &app,
        &format!("/audit?action=update&from={today}&to={today}"),
        &admin,
    )
    .await;
    assert!(in_range.contains("从业人员数: — → 12"));
    let earlier = today - chrono::Duration::days(1);
    let before_it = page_with(&app, &format!("/audit?action=update&to={earlier}"), &admin).await;
    assert!(
        !before_it.contains("从业人员数"),
        "nothing before the change"
    );
    let bad = page_with(&app, "/audit?from=yesterday", &admin).await;
    assert!(bad.contains("YYYY-MM-DD"), "a bad date is said");
    // The organization's own history: the same labels and clock.
    let history = page_with(&app, &format!("/orgs/{id}"), &admin).await;
    assert!(
        history.contains("从业人员数: — → 12") && history.contains(&local),
        "{history}"
    );

    // A planner makes a token on the account page, uses it, and revokes it.
    let page = page_with(&app, "/account", &planner).await;
    let csrf = csrf_in(&page);
    let r = no_redirects()
        .post(app.url("/account/tokens"))
        .header("Cookie", &planner)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("label=QGIS&csrf={csrf}"))
        .send()
        .await
        .unwrap();
    let shown = r.text().await.unwrap();
    let start = shown
        .find("<code id=\"new-token\">")
        .expect("the token, shown once")
        + 21;
    let token = shown[start..start + 67].to_owned();
    let read = |token: String| {
        no_redirects()
            .get(app.url("/api/orgs"))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(read(token.clone()).await.unwrap().status().as_u16(), 200);
    assert!(
        !page_with(&app, "/account", &planner).await.contains(&token),
        "never shown again"
    );
    let tokens = app.store.tokens(None).await.unwrap();
    let mine = tokens.iter().find(|t| t.user == "guihua").unwrap();
    // Another account cannot revoke it.
    let revoke = |cookie: &str, csrf: &str| {
        no_redirects()
            .post(app.url(&format!("/account/tokens/{}/revoke", mine.id)))
            .header("Cookie", cookie)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("csrf={csrf}"))
            .send()
    };
    let admin_csrf = csrf_in(&page_with(&app, "/account", &admin).await);
    assert_eq!(
        revoke(&admin, &admin_csrf).await.unwrap().status().as_u16(),
        404
    );
    assert_eq!(
        revoke(&planner, &csrf).await.unwrap().status().as_u16(),
        303
    );
    assert_eq!(read(token).await.unwrap().status().as_u16(), 401);
}
