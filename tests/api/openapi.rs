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

/// Runs schemathesis against the server with `token`; its report when it fails.
async fn schemathesis(app: &TestApp, token: &str, max_examples: u32) {
    let schema = app.url("/api/openapi.json");
    let header = format!("Authorization: Bearer {token}");
    let dir = app.dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        external("st", "pip install schemathesis")
            .current_dir(dir)
            .args(["--no-color", "run", &schema, "--header", &header])
            // Every check of the answers; two checks of the requests are left out, since
            // the document states the canonical form of each field and the rules are
            // richer than a JSON schema on both sides. A body the schema allows may break a
            // rule it cannot state (the credit code's check characters, its category
            // agreeing with the kind) and is rightly refused with 422 naming the field; and
            // the server takes what people type beside the canonical form (an empty field
            // for none, `WGS-84`, `2024/3/1` as Excel writes it), as it does in CSV files.
            .args(["--checks", "all", "--exclude-checks"])
            .arg("positive_data_acceptance,negative_data_rejection")
            .args(["--max-examples", &max_examples.to_string()])
            .args([
                "--seed",
                "20261126",
                "--workers",
                "2",
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
