//! The defect classes an outside probe of the release build found (issue 17), each held
//! everywhere it applies: credentials that outlive their source, redirects to other
//! hosts, bodies and pages that answered 500 or plain text, methods, caching.

use serde_json::json;

use orgcover::domain::access::Role;

use crate::access::{csrf_in, page_with, pair, sign_in};
use crate::helpers::{
    PASSWORD, SOCIAL_GROUP_CODES as CODES, TestApp, add_user, no_redirects, social_group, token_for,
};

crate::on_both_backends!(
    a_token_cannot_mint_or_revoke_tokens,
    redirects_stay_on_this_site_after_the_browsers_normalisation,
    bad_bodies_and_pages_are_refused_with_the_right_status_and_shape,
    a_village_account_is_told_how_many_neighbours_share_a_proposal_not_who,
    the_lockout_sees_the_user_behind_a_trusted_proxy_and_holds_on_every_instance,
);

/// Five wrong passwords for `name`, sent through a proxy that says the user is `user_ip`.
async fn fail_five_times(address: &str, name: &str, user_ip: &str) {
    for _ in 0..5 {
        let r = no_redirects()
            .post(format!("{address}/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Forwarded-For", user_ip)
            .body(format!("name={name}&password=wrong+password+here"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
}

async fn sign_in_status(address: &str, name: &str, user_ip: &str) -> u16 {
    no_redirects()
        .post(format!("{address}/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Forwarded-For", user_ip)
        .body(format!("name={name}&password=a+long+enough+password"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn the_lockout_sees_the_user_behind_a_trusted_proxy_and_holds_on_every_instance(
    app: TestApp,
) {
    // Without trusted proxies (the default) the header is ignored: nobody can dodge the
    // lockout by claiming another address.
    add_user(&app, "zhang", Role::OrgDept, "15").await;
    add_user(&app, "li", Role::OrgDept, "15").await;
    add_user(&app, "wang", Role::OrgDept, "15").await;
    fail_five_times(&app.address, "zhang", "203.0.113.5").await;
    assert_eq!(
        sign_in_status(&app.address, "li", "198.51.100.7").await,
        429,
        "the peer's address is locked whatever the header says"
    );

    // Two instances behind a proxy at 127.0.0.1, on the same database.
    let options = orgcover::web::ServeOptions {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    };
    let mut addresses = Vec::new();
    let mut books = Vec::new();
    for _ in 0..2 {
        let store = orgcover::store::Store::open(&app.database_url)
            .await
            .unwrap();
        let instance = orgcover::web::Application::build(
            store,
            Default::default(),
            "127.0.0.1:0",
            options.clone(),
        )
        .await
        .unwrap();
        addresses.push(format!("http://{}", instance.local_addr()));
        books.push(instance.bookkeeping());
        tokio::spawn(instance.run_until_stopped());
    }
    // Another user behind the same proxy signs in: the proxy's address is not locked.
    assert_eq!(
        sign_in_status(&addresses[0], "wang", "198.51.100.8").await,
        303
    );
    // The lockout of an account made on one instance holds on the other.
    fail_five_times(&addresses[0], "li", "198.51.100.9").await;
    // Once the first instance has written them (within milliseconds; a right password
    // before that would clear them, as on one instance).
    assert!(books[0].flush(std::time::Duration::from_secs(10)).await);
    assert_eq!(
        sign_in_status(&addresses[1], "li", "198.51.100.10").await,
        429,
        "the second instance counts the first one's failures"
    );
}

async fn a_village_account_is_told_how_many_neighbours_share_a_proposal_not_who(app: TestApp) {
    // Two small organizations of one township, in two villages, 25 m apart: one proposed
    // regional joint branch (R4, per township). The first village's account may see only
    // its own organization.
    let mut ours = social_group(CODES[0], "本村书法协会");
    ours["division_code"] = json!("150102001001");
    let ours = app.create(&ours).await["id"].as_i64().unwrap();
    let mut theirs = social_group(CODES[1], "邻村舞蹈协会");
    theirs["division_code"] = json!("150102001002");
    theirs["lon"] = json!(111.6711);
    let theirs = app.create(&theirs).await;
    let (_, village) = token_for(&app, "cunwei", Role::OrgDept, "150102001001").await;
    let get = |path: String| {
        no_redirects()
            .get(app.url(&path))
            .bearer_auth(&village)
            .header("Cookie", "lang=zh")
            .send()
    };
    let (_, all) = app.get(&format!("/api/orgs/{ours}/decision")).await;
    assert_eq!(
        all["group"]["members"].as_array().unwrap().len(),
        2,
        "{all}"
    );

    let decision: serde_json::Value = get(format!("/api/orgs/{ours}/decision"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        decision["group"]["members"],
        json!([CODES[0]]),
        "{decision}"
    );
    assert_eq!(decision["group"]["members_outside"], 1);
    let groups: serde_json::Value = get("/api/groups.geojson".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let props = &groups["features"][0]["properties"];
    assert_eq!(props["member_names"], "本村书法协会", "{groups}");
    assert_eq!(props["members_outside"], 1);
    let neighbour = theirs["name"].as_str().unwrap();
    let group_id = decision["group"]["id"].as_str().unwrap();
    for path in [
        format!("/orgs/{ours}"),
        format!("/orgs/{ours}/party-org?group={group_id}"),
    ] {
        let html = get(path.clone()).await.unwrap().text().await.unwrap();
        assert!(!html.contains(neighbour), "{path} names the neighbour");
        assert!(
            !html.contains(&format!("/orgs/{}", theirs["id"])),
            "{path} links the neighbour"
        );
    }
    let page = get(format!("/orgs/{ours}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("另有1个成员单位在您的辖区之外"), "{page}");
}

async fn a_token_cannot_mint_or_revoke_tokens(app: TestApp) {
    let (first_id, first) = token_for(&app, "guihua", Role::Planner, "15").await;
    let before = app.store.tokens(None).await.unwrap().len();
    for (path, body) in [
        ("/account/tokens", "label=minted".to_owned()),
        (
            &*format!("/account/tokens/{first_id}/revoke"),
            String::new(),
        ),
    ] {
        let r = no_redirects()
            .post(app.url(path))
            .bearer_auth(&first)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path} with a token");
    }
    let r = no_redirects()
        .get(app.url("/account"))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        403,
        "the account page lists tokens: a session only"
    );
    assert_eq!(app.store.tokens(None).await.unwrap().len(), before);

    // Through the browser session it works, and a revoked token stops at once.
    let (_, _, cookie, _) = sign_in(&app, "guihua", PASSWORD).await;
    let cookie = pair(&cookie.unwrap());
    let csrf = csrf_in(&page_with(&app, "/account", &cookie).await);
    let r = no_redirects()
        .post(app.url(&format!("/account/tokens/{first_id}/revoke")))
        .header("Cookie", &cookie)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = no_redirects()
        .get(app.url("/api/orgs"))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

async fn redirects_stay_on_this_site_after_the_browsers_normalisation(app: TestApp) {
    // Chromium drops tabs and newlines and reads `\` as `/`: `/<TAB>/host` is `//host`.
    for back in [
        "/%09/evil.example/page",
        "/%0A/evil.example/",
        "/%5Cevil.example/",
        "//evil.example/",
        "https://evil.example/",
    ] {
        let r = no_redirects()
            .get(app.url(&format!("/lang/en?back={back}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{back}");
        assert_eq!(r.headers()["location"], "/", "{back}");
    }
    let r = no_redirects()
        .get(app.url("/lang/en?back=/orgs%3Fq%3Da"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/orgs?q=a", "a local page is kept");

    add_user(&app, "zuzhibu", Role::OrgDept, "15").await;
    for next in [
        "/%09/evil.example/",
        "/%0D%0ASet-Cookie:%20a=b",
        "/%5C%5Cevil.example",
    ] {
        let r = no_redirects()
            .post(app.url("/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!(
                "name=zuzhibu&password=a+long+enough+password&next={next}"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next}: signed in, not a server error");
        assert_eq!(r.headers()["location"], "/", "{next}");
    }
}

async fn bad_bodies_and_pages_are_refused_with_the_right_status_and_shape(app: TestApp) {
    let id = app.create(&social_group(CODES[0], "协会")).await["id"]
        .as_i64()
        .unwrap();
    let audited = app.audit_rows().await;

    // A page number past any offset the database takes: the last page, not a 500.
    let (status, html) = app.page("/orgs?page=9223372036854775807", "zh").await;
    assert_eq!(status, 200, "{html}");
    let (status, _) = app.page("/tasks?page=9223372036854775807", "zh").await;
    assert_eq!(status, 200);

    // A form holding bytes that are not UTF-8 is refused, never saved as U+FFFD.
    let r = no_redirects()
        .post(app.url(&format!("/orgs/{id}/edit")))
        .bearer_auth(&app.token)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("version=2&name=%E5%8D%8F%FF%FE")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("UTF-8") && html.contains("name"), "{html}");
    let (_, org) = app.get(&format!("/api/orgs/{id}")).await;
    assert!(!org["name"].as_str().unwrap().contains('\u{FFFD}'));

    // Bodies over the limit: 413, as JSON for the API and as a page for a form.
    let huge = "x".repeat(10 * 1024 * 1024);
    let r = no_redirects()
        .post(app.url("/api/orgs"))
        .bearer_auth(&app.token)
        .header("Content-Type", "application/json")
        .body(format!("{{\"name\":\"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let r = no_redirects()
        .post(app.url("/orgs/new"))
        .bearer_auth(&app.token)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("name={huge}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text().await.unwrap().contains("请求内容过大"));

    // A known address asked with another method: 405 with what it takes.
    for method in ["DELETE", "PUT", "OPTIONS", "TRACE"] {
        let r = no_redirects()
            .request(method.parse().unwrap(), app.url(&format!("/api/orgs/{id}")))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{method}");
        assert_eq!(r.headers()["allow"], "GET, PATCH, HEAD", "{method}");
    }
    // /metrics is for programs: 401 without a token, not the sign-in page.
    let r = no_redirects()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Pages are never kept in a cache; the hexagon API keeps its own revalidation.
    let r = no_redirects()
        .get(app.url("/orgs"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(app.audit_rows().await, audited, "nothing was written");
}

#[test]
fn a_database_that_cannot_be_used_is_named_with_its_cause() {
    // A closed port is refused at once and said so (the pool used to retry for ten
    // seconds and say only that it timed out); a scheme we do not speak is not taken for
    // a SQLite file name.
    let out = crate::helpers::orgcover(
        "postgres://postgres@127.0.0.1:1/orgcover",
        &["export", "/nonexistent/orgcover-export.csv"],
        "",
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.contains("127.0.0.1:1") && said.to_lowercase().contains("refused"),
        "{said}"
    );
    let out = crate::helpers::orgcover(
        "mysql://root@localhost/registry",
        &["export", "/nonexistent/orgcover-export.csv"],
        "",
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.contains("mysql") && said.contains("sqlite://"),
        "{said}"
    );
    assert!(!std::path::Path::new("mysql:").exists(), "no file was made");
}

#[tokio::test]
async fn reads_and_sign_ins_do_not_wait_while_another_process_holds_the_write_lock() {
    // Another process holds SQLite's write lock, as a CLI import does for as long as it
    // runs. Token reads (whose last use is bookkeeping), page views and sign-ins go on;
    // their bookkeeping is written once the lock is released.
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    add_user(&app, "zuzhibu", Role::OrgDept, "15").await;
    let file = app.database_url.trim_start_matches("sqlite://").to_owned();
    let mut holder = crate::helpers::python_with("sqlite3")
        .args([
            "-c",
            "import sqlite3, sys, time\n\
             c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n\
             c.execute('BEGIN IMMEDIATE')\n\
             c.execute(\"INSERT INTO audit_log (at, actor, action) VALUES ('2026-01-01T00:00:00Z', 'lock', 'holding')\")\n\
             print('locked', flush=True)\n\
             time.sleep(60)\n",
            &file,
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("a second process");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");

    for path in ["/ogc/collections", "/api/orgs", "/api/coverage/divisions"] {
        // Not app.get, which waits for the bookkeeping the lock holds back.
        let r = app.client.get(app.url(path)).send().await.unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(status, 200, "{path} while another process writes: {body}");
    }
    let (status, _, cookie, page) = sign_in(&app, "zuzhibu", PASSWORD).await;
    assert_eq!(
        status, 303,
        "signing in while another process writes: {page}"
    );
    let cookie = pair(&cookie.unwrap());
    let r = no_redirects()
        .get(app.url("/tasks"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the new session works at once");

    holder.kill().unwrap();
    holder.wait().unwrap();
    // Once the lock is gone, the sign-in reaches the audit log.
    let mut logged = false;
    for _ in 0..100 {
        let log = app.store.audit_log().await.unwrap();
        if log
            .iter()
            .any(|e| e.actor.starts_with("zuzhibu@") && e.action == "login")
        {
            logged = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(logged, "the sign-in is audited once the lock is released");
}

#[tokio::test]
async fn links_name_the_configured_address_not_the_requests_host() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let links = |body: serde_json::Value| -> Vec<String> {
        body["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["href"].as_str().unwrap().to_owned())
            .collect()
    };
    let body: serde_json::Value = app
        .client
        .get(app.url("/ogc"))
        .header("Host", "evil.example")
        .header("X-Forwarded-Proto", "gopher")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hrefs = links(body);
    assert!(!hrefs.is_empty());
    assert!(
        hrefs
            .iter()
            .all(|h| h.starts_with(&format!("{}/ogc", app.address))),
        "the bound address, whatever the Host header says: {hrefs:?}"
    );
    let options = orgcover::web::ServeOptions {
        public_url: "https://orgcover.example.gov.cn".into(),
        ..Default::default()
    };
    let behind = TestApp::spawn_with(crate::helpers::Backend::Sqlite, options)
        .await
        .unwrap();
    let body: serde_json::Value = behind
        .client
        .get(behind.url("/ogc/collections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        links(body)
            .iter()
            .all(|h| h.starts_with("https://orgcover.example.gov.cn/ogc")),
        "the public URL"
    );
}

fn limited(client_timeout_secs: u64, max_connections: usize) -> orgcover::web::ServeOptions {
    orgcover::web::ServeOptions {
        limits: orgcover::web::Limits {
            client_timeout: std::time::Duration::from_secs(client_timeout_secs),
            max_connections,
        },
        ..Default::default()
    }
}

/// Reads until the server closes the connection; None when it keeps it open past `wait`.
async fn read_until_closed(socket: &mut tokio::net::TcpStream, wait: u64) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(wait),
        socket.read_to_end(&mut answer),
    )
    .await
    .ok()?
    .ok()?;
    Some(String::from_utf8_lossy(&answer).into_owned())
}

/// Issue 17.11: a client that sends half a request line, half a body, or nothing after its
/// answer is disconnected after the client timeout, so slow clients cannot hold the
/// service's connections.
#[tokio::test]
async fn slow_and_idle_clients_are_disconnected_after_the_client_timeout() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn_with(crate::helpers::Backend::Sqlite, limited(1, 1024))
        .await
        .unwrap();
    let host = app.address.trim_start_matches("http://").to_string();

    let mut half_headers = tokio::net::TcpStream::connect(&host).await.unwrap();
    half_headers
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(
        read_until_closed(&mut half_headers, 30).await.is_some(),
        "headers that never end: the connection is closed"
    );

    let mut idle = tokio::net::TcpStream::connect(&host).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut idle, 30)
        .await
        .expect("an idle kept-alive connection is closed");
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "answered first: {answer}"
    );

    let mut half_body = tokio::net::TcpStream::connect(&host).await.unwrap();
    half_body
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nname=a",
        )
        .await
        .unwrap();
    let answer = read_until_closed(&mut half_body, 30)
        .await
        .expect("a body that stops coming: answered and closed");
    assert!(
        !answer.starts_with("HTTP/1.1 2") && !answer.starts_with("HTTP/1.1 5"),
        "a stalled body is not a sign-in and not a server fault: {answer}"
    );
}

/// Issue 17.11: at most `max_connections` are served at once; the next waits until one
/// closes and is then served.
#[tokio::test]
async fn connections_beyond_the_limit_wait_until_one_closes() {
    let app = TestApp::spawn_with(crate::helpers::Backend::Sqlite, limited(60, 2))
        .await
        .unwrap();
    let host = app.address.trim_start_matches("http://").to_string();
    let first = tokio::net::TcpStream::connect(&host).await.unwrap();
    let second = tokio::net::TcpStream::connect(&host).await.unwrap();
    let third = tokio::spawn({
        let url = app.url("/healthz");
        async move { reqwest::get(url).await.map(|r| r.status().as_u16()) }
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        !third.is_finished(),
        "two connections are open: the third waits"
    );
    drop((first, second));
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), third)
        .await
        .expect("served once a connection closed")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
}

/// Issue 17.14: what the OpenAPI document allows the server takes, and what it forbids
/// the server refuses: whole numbers written `3.0` (JSON Schema's `integer`), a county
/// account's division filter that is not a prefix (refused, not narrowed to nothing), an
/// instructor's name with an invisible character (refused as in a registration).
#[tokio::test]
async fn the_api_takes_what_its_document_allows_and_refuses_what_it_forbids() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let mut body = social_group(CODES[0], "整数协会");
    body["formal_members"] = json!(3.0);
    let created = app.create(&body).await;
    assert_eq!(created["formal_members"], 3, "{created}");
    let id = created["id"].as_i64().unwrap();
    let version = created["version"].as_i64().unwrap();
    let (status, changed) = app
        .patch(
            &format!("/api/orgs/{id}"),
            &json!({"version": version as f64, "formal_members": 4}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let (status, refused) = app
        .post(
            &format!("/api/orgs/{id}/instructor"),
            &json!({"version": version + 1, "instructor": "王\u{200B}明"}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["field"], "instructor", "{refused}");

    let (_, county) = token_for(&app, "xincheng", Role::OrgDept, "150102").await;
    for path in [
        "/api/orgs?division=15x",
        "/api/coverage/cells?division=%C2%84",
        "/api/coverage/divisions?parent=abc",
        "/api/groups.geojson?division=1.5",
    ] {
        let r = app
            .client
            .get(app.url(path))
            .bearer_auth(&county)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{path}");
    }
    let (_, doc) = app.get("/api/openapi.json").await;
    let kind = doc["components"]["schemas"]["NewOrganization"]["properties"]["kind"]["pattern"]
        .as_str()
        .unwrap();
    assert!(
        kind.contains("社会团体"),
        "Chinese spellings are stated: {kind}"
    );
}
