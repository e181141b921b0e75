//! The OpenAPI document of the JSON API (issue 6): schemathesis (PyPI) reads
//! `/api/openapi.json` from the running server and sends the requests it generates from it
//! with a token. No answer may be a server error, and every answer must be one the document
//! describes (status, media type, headers, body schema).

use orgcover::domain::access::Role;
use serde_json::Value;

use crate::helpers::{TestApp, external, fixture, no_redirects, token_for};
use crate::on_both_backends;

on_both_backends!(
    the_document_is_public_and_describes_every_api_route,
    schemathesis_finds_no_server_error_and_no_answer_outside_the_document,
    a_county_org_dept_token_too,
);

async fn the_document_is_public_and_describes_every_api_route(app: TestApp) {
    // No token: tools read the description before they are given one.
    let r = no_redirects()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, method) in [
        ("/api/orgs", "get"),
        ("/api/orgs", "post"),
        ("/api/orgs/{id}", "patch"),
        ("/api/orgs/{id}/decision", "get"),
        ("/api/gaps.xlsx", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
    // The rest of the API still needs the token.
    let r = no_redirects()
        .get(app.url("/api/orgs"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// Registers the fixture organizations (joint branches, an association, a deregistered
/// one), so that the generated requests meet real data.
fn import_fixture(app: &TestApp) {
    app.import(&fixture("orgs_analyze.csv"));
}

/// Where a request the document allows may still break a rule no JSON schema can state,
/// and the server rightly answers 422 naming the field: everywhere else a request the
/// document allows must be taken (2xx, or 403/404/409 for the account or the data), and
/// everywhere a request it forbids must be refused.
const RULES_BEYOND_THE_SCHEMA: &str = r#"
# A box's west below its east and south below its north, numbers that are finite.
[[operations]]
include-path-regex = "^/api/(orgs|coverage/cells|gaps\\..*)$"
include-method = "GET"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

# A level listed below its parent; more hexagons than one answer carries.
[[operations]]
include-path-regex = "^/api/coverage/divisions.*$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

# A credit code's check characters and its category agreeing with the kind, a member of
# itself, dates that are real days between 1949-10-01 and today and after the founding,
# a party organization's form agreeing with its members, work recorded for what the
# organization has (no instructor to remove, no party organization to dissolve), a
# deregistration not before the registration.
[[operations]]
include-method-regex = "^(POST|PATCH)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
"#;

/// Runs schemathesis against the server with `token` and every check, the request checks
/// too (the document states what the server accepts); its report when it fails.
async fn schemathesis(app: &TestApp, token: &str, max_examples: u32) {
    let schema = app.url("/api/openapi.json");
    let header = format!("Authorization: Bearer {token}");
    let dir = app.dir.path().to_owned();
    std::fs::write(dir.join("schemathesis.toml"), RULES_BEYOND_THE_SCHEMA).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        external("st", "pip install schemathesis")
            .current_dir(dir)
            .args(["--no-color", "run", &schema, "--header", &header])
            .args(["--checks", "all"])
            .args(["--max-examples", &max_examples.to_string()])
            .args([
                "--seed",
                "20261126",
                // One worker: with two, Hypothesis describes its filters by parsing their
                // source in both threads at once, and CPython 3.11's parser then fails with
                // "AST constructor recursion depth mismatch" (a runtime error of the tool,
                // not a finding).
                "--workers",
                "1",
                "--request-timeout",
                "30",
            ])
            .args(["--generation-database", "none"])
            .output()
            .expect("run schemathesis")
    })
    .await
    .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every operation of the document was reached, none skipped for want of data.
    let count = |label: &str| {
        report
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .map(|rest| rest.trim().split('/').next().unwrap().trim().to_owned())
    };
    let described = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Selected:"))
        .and_then(|s| s.split('/').nth(1))
        .map(|s| s.trim().to_owned());
    assert!(described.is_some(), "{report}");
    assert_eq!(count("Tested:"), described, "{report}");
}

async fn schemathesis_finds_no_server_error_and_no_answer_outside_the_document(app: TestApp) {
    import_fixture(&app);
    // The tests' admin: national, may do everything.
    schemathesis(&app, &app.token.clone(), 25).await;
}

/// An organization department of one county: writes of registration fields are refused
/// (403) and everything outside the county is not found (404), all as documented.
async fn a_county_org_dept_token_too(app: TestApp) {
    import_fixture(&app);
    let (_, token) = token_for(&app, "xincheng", Role::OrgDept, "150102").await;
    schemathesis(&app, &token, 10).await;
}
