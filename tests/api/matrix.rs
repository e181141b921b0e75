//! The authorization matrix: every route of the guard's table (which a unit test keeps equal
//! to the routers') x every role x an organization inside and outside the jurisdiction,
//! and nobody signed in, each with the status it must get.

use orgcover::domain::access::{Account, Role};
use orgcover::web::http::access::{RULES, Rule};
use serde_json::json;

use crate::helpers::{Backend, SOCIAL_GROUP_CODES as CODES, TestApp, no_redirects, social_group};

/// The route with its parameters filled: `org` for an organization id.
fn concrete(route: &str, org: i64, cell: &str) -> String {
    // Token routes take a token id: one nobody has.
    let org = if route.starts_with("/account/tokens/") {
        999_999
    } else {
        org
    }
    .to_string();
    route
        .replace("{*path}", "app.css")
        .replace("{code}", "en")
        .replace("{cell}", cell)
        .replace("/ogc/collections/{id}", "/ogc/collections/organizations")
        .replace("{feature}", &org)
        .replace("{id}", &org)
        .replace("{list}", "should_build")
}

/// Whether the route names one organization (outside the jurisdiction: not found).
fn names_an_organization(route: &str) -> bool {
    (route.contains("/orgs/{id}")) || route.ends_with("/items/{feature}")
}

/// Sends a request that would change nothing even where allowed: version 0 is never
/// current, so every change is refused as stale after the access checks.
async fn send(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> u16 {
    let client = no_redirects();
    let url = app.url(path);
    let mut request = match method {
        "GET" => client.get(url),
        "PATCH" => client.patch(url).json(&json!({"version": 0})),
        "POST" if path.starts_with("/api/") => client.post(url).json(&json!({"version": 0})),
        _ => client
            .post(url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("version=0&confirm=yes"),
    };
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_route_x_every_role_x_inside_and_outside_the_jurisdiction() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let mut inside = social_group(CODES[0], "新城区协会");
    inside["formal_members"] = json!(1);
    let inside = app.create(&inside).await;
    let cell = inside["cell"].as_str().unwrap().to_owned();
    let inside = inside["id"].as_i64().unwrap();
    let mut outside = social_group(CODES[1], "回民区协会");
    outside["division_code"] = json!("150103001001");
    let outside = app.create(&outside).await["id"].as_i64().unwrap();

    let mut accounts = Vec::new();
    for role in Role::ALL {
        let name = format!("m_{}", role.as_str());
        let hash = orgcover::passwords::hash("a long enough password").unwrap();
        let account = app
            .store
            .add_user(&name, role, "150102", &hash, "test")
            .await
            .unwrap();
        let (token, token_hash) = orgcover::passwords::new_token().unwrap();
        app.store
            .add_token(&account, "matrix", &token_hash, "test")
            .await
            .unwrap();
        accounts.push((account, token));
    }

    let mut checked = 0;
    for (method, route, rule) in RULES {
        // Nobody signed in.
        let path = concrete(route, inside, &cell);
        let status = send(&app, method, &path, None).await;
        match rule {
            Rule::Public => assert!(
                ![401, 403].contains(&status),
                "{method} {route} public: {status}"
            ),
            Rule::Signed(_) | Rule::Browser(_) => {
                let expected =
                    if path.starts_with("/api") || path.starts_with("/ogc") || path == "/metrics" {
                        401
                    } else {
                        303
                    };
                assert_eq!(status, expected, "{method} {route} without an account");
            }
        }
        if let Rule::Browser(_) = rule {
            // Account management takes a browser session: every token is refused.
            for (_, token) in &accounts {
                let status = send(&app, method, &path, Some(token)).await;
                assert_eq!(status, 403, "{method} {route} with a token");
            }
            continue;
        }
        let Rule::Signed(action) = rule else { continue };
        for (account, token) in &accounts {
            let account: &Account = account;
            for (place, org) in [("inside", inside), ("outside", outside)] {
                let path = concrete(route, org, &cell);
                let status = send(&app, method, &path, Some(token)).await;
                let who = format!("{method} {route} as {} {place}", account.role.as_str());
                if !account.may(*action) {
                    assert_eq!(status, 403, "{who}");
                } else if place == "outside" && names_an_organization(route) {
                    assert_eq!(status, 404, "{who}: not disclosed");
                } else if route.starts_with("/account/tokens/{id}") {
                    assert_eq!(status, 404, "{who}: not the account's token");
                } else {
                    assert!(![401, 403, 404].contains(&status), "{who}: {status}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "{checked}");
}
