//! The CLI on real files: GBK with Chinese headers, all-or-nothing, --skip-invalid, export.

use std::process::Output;

use serde_json::Value;

use crate::helpers::{TestApp, fixture};

crate::on_both_backends!(
    a_gbk_file_with_chinese_headers_is_imported,
    one_bad_row_among_good_ones_writes_nothing_and_names_line_and_column,
    skip_invalid_writes_the_good_rows_and_a_rejects_file,
    a_dry_run_writes_nothing,
    importing_again_updates_by_credit_code_and_audits_the_change,
    an_export_opens_in_excel_and_imports_back_unchanged,
    a_generated_registry_of_several_chunks_imports_and_reimports_unchanged,
    texts_with_backslashes_and_quotes_are_stored_as_written,
    cells_a_spreadsheet_would_run_are_exported_as_text_and_import_back,
);

/// OWASP's CSV injection: a name beginning `=` would run as a formula when the export is
/// opened in Excel or WPS. Exported with a leading apostrophe, it imports back as written.
async fn cells_a_spreadsheet_would_run_are_exported_as_text_and_import_back(app: TestApp) {
    use crate::helpers::{SOCIAL_GROUP_CODES as CODES, social_group};
    let name = r#"=HYPERLINK("https://evil.example","点击")"#;
    let mut org = social_group(CODES[0], name);
    org["address"] = serde_json::json!("+86 0471 6600000");
    org["industry"] = serde_json::json!("@SUM(1)");
    app.create(&org).await;
    let exported = app.path("export.csv");
    let out = app.cli(&["export", exported.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&exported).unwrap();
    let row = text.lines().nth(1).unwrap();
    assert!(
        row.contains(r#""'=HYPERLINK(""https://evil.example"",""点击"")""#)
            && row.contains("'+86 0471 6600000")
            && row.contains("'@SUM(1)"),
        "{row}"
    );
    let out = app.cli(&["import", exported.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("inserted 0, updated 0, unchanged 1"),
        "{}",
        stdout(&out)
    );
    let orgs = all(&app).await;
    assert_eq!(orgs[0]["name"], name);
    assert_eq!(orgs[0]["address"], "+86 0471 6600000");
}

/// PostgreSQL imports go through COPY's text format, where a backslash would otherwise
/// start an escape (`\N` is its NULL). Control characters are refused by validation.
async fn texts_with_backslashes_and_quotes_are_stored_as_written(app: TestApp) {
    let address = r#"新城区\N\t“一号院”\\二楼 "东" 侧\"#;
    let csv = format!(
        "credit_code,name,kind,level,division_code,address,lon,lat,formal_members,probationary_members,members_elsewhere,status,party_org\n\
         ,反斜杠\\社区\\t文体队,community,county,150102001001,\"{}\",111.67,40.82,1,0,0,active,none\n",
        address.replace('"', "\"\"")
    );
    let file = app.path("escapes.csv");
    std::fs::write(&file, csv).unwrap();
    let out = app.cli(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let orgs = all(&app).await;
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0]["name"], r"反斜杠\社区\t文体队");
    assert_eq!(orgs[0]["address"], address);
    assert!(orgs[0]["credit_code"].is_null());
    assert!(
        orgs[0]["industry"].is_null(),
        "an empty cell is no industry, not an empty one"
    );
    // The start-up read of the whole registry (on SQLite in JSON batches, whose texts are
    // borrowed unless JSON escaped a character) gives the same texts.
    let loaded = app.store.all_organizations().await.unwrap();
    assert_eq!(loaded[0].org.name, r"反斜杠\社区\t文体队");
    assert_eq!(loaded[0].org.address.as_deref(), Some(address));
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn all(app: &TestApp) -> Vec<Value> {
    let (_, list) = app.get("/api/orgs?limit=1000").await;
    list["items"].as_array().unwrap().clone()
}

async fn a_gbk_file_with_chinese_headers_is_imported(app: TestApp) {
    let out = app.cli(&["import", &fixture("orgs_gbk.csv")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("read 5, inserted 5, updated 0, unchanged 0, rejected 0"),
        "{}",
        stdout(&out)
    );

    let orgs = all(&app).await;
    assert_eq!(orgs.len(), 5);
    let association = &orgs[0];
    assert_eq!(association["name"], "呼和浩特市新城区软件行业协会");
    assert_eq!(association["kind"], "social_group");
    assert_eq!(association["is_industry_association"], true);
    assert_eq!(association["party_org"], "branch");
    assert_eq!(association["division_code"], "150102001000");
    assert!(
        association["lon"].as_f64().unwrap() < 111.670801 - 0.004,
        "GCJ-02 row converted"
    );
    let member = &orgs[1];
    assert_eq!(member["association"], association["credit_code"]);
    assert_eq!(member["registered_on"], "2019-05-12");
    assert_eq!(member["instructor"], "王芳");
    assert_eq!(orgs[2]["address"], "赛罕区大学西街\"基金楼\"3层");
    assert!(
        orgs[3].get("credit_code").is_none(),
        "community organization without a code"
    );
    assert_eq!(orgs[4]["name"], "<script>alert(1)</script>书法协会");
    assert_eq!(app.audit_rows().await, 5);
}

async fn one_bad_row_among_good_ones_writes_nothing_and_names_line_and_column(app: TestApp) {
    let out = app.cli(&["import", &fixture("orgs_one_bad_row.csv")]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("line 3, column formal_members: "), "{err}");
    assert!(
        err.contains("不小于0的整数") && err.contains("at least 0"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert!(all(&app).await.is_empty());
    assert_eq!(app.audit_rows().await, 0);
}

async fn skip_invalid_writes_the_good_rows_and_a_rejects_file(app: TestApp) {
    let rejects = app.path("rejects.csv");
    let out = app.cli(&[
        "import",
        &fixture("orgs_one_bad_row.csv"),
        "--skip-invalid",
        rejects.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("inserted 2, updated 0, unchanged 0, rejected 1"),
        "{}",
        stdout(&out)
    );
    let names: Vec<_> = all(&app)
        .await
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["包头市昆都仑区摄影家协会", "昆都仑区棋类协会"]);

    let bytes = std::fs::read(&rejects).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 with BOM for Excel"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("line,credit_code,"), "{}", lines[0]);
    assert!(lines[0].ends_with(",reason"));
    assert!(
        lines[1].starts_with("3,52150203MJ00006677,昆都仑区博雅培训学校"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("column formal_members: "), "{}", lines[1]);
}

async fn a_dry_run_writes_nothing(app: TestApp) {
    let out = app.cli(&["import", &fixture("orgs_gbk.csv"), "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("valid 5"), "{}", stdout(&out));
    assert!(all(&app).await.is_empty());
}

async fn importing_again_updates_by_credit_code_and_audits_the_change(app: TestApp) {
    assert!(
        app.cli(&["import", &fixture("orgs_gbk.csv")])
            .status
            .success()
    );
    let changed = app.path("changed.csv");
    let text = "统一社会信用代码,名称,类型,登记层级,行政区划代码,经度,纬度,正式党员数\n\
                51150102MJ0000114U,呼和浩特市新城区软件行业协会,社会团体,县级,150102001,111.66,40.81,9\n\
                ,新城区海拉尔东路社区文艺队,城乡社区社会组织,县级,150102002003,111.6822,40.8302,1\n";
    std::fs::write(&changed, text).unwrap();
    let out = app.cli(&["import", changed.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("inserted 0, updated 2"),
        "{}",
        stdout(&out)
    );
    let orgs = all(&app).await;
    assert_eq!(orgs.len(), 5, "upserted, not added");
    assert_eq!(orgs[0]["formal_members"], 9);
    assert_eq!(orgs[0]["version"], 2);
    assert_eq!(
        orgs[3]["formal_members"], 1,
        "community organization matched by name + division"
    );
    let (_, history) = app
        .get(&format!("/api/orgs/{}/history", orgs[0]["id"]))
        .await;
    assert_eq!(history[1]["action"], "import");
    assert_eq!(history[1]["before"]["formal_members"], 5);
    assert_eq!(history[1]["after"]["formal_members"], 9);
    assert!(history[1]["actor"].as_str().unwrap().starts_with("cli:"));
}

async fn an_export_opens_in_excel_and_imports_back_unchanged(app: TestApp) {
    assert!(
        app.cli(&["import", &fixture("orgs_gbk.csv")])
            .status
            .success()
    );
    let exported = app.path("export.csv");
    let out = app.cli(&["export", exported.to_str().unwrap(), "--headers", "zh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&exported).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8_lossy(&bytes).contains("统一社会信用代码,名称,类型"));
    let out = app.cli(&["import", exported.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("inserted 0, updated 0, unchanged 5"),
        "{}",
        stdout(&out)
    );
}

async fn a_generated_registry_of_several_chunks_imports_and_reimports_unchanged(app: TestApp) {
    // More than 10,000 organizations into an empty registry: SQLite's bulk path, which
    // drops the secondary indexes and builds them again before it commits.
    let file = app.path("generated.csv");
    let file = file.to_str().unwrap();
    let out = app.cli(&["generate", "--orgs", "12345", "--out", file, "--seed", "9"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = app.cli(&["import", file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("inserted 12345, updated 0"),
        "{}",
        stdout(&out)
    );
    assert_eq!(app.store.count().await.unwrap(), 12345);
    assert_eq!(app.audit_rows().await, 12345);
    let out = app.cli(&["import", file]);
    assert!(
        stdout(&out).contains("inserted 0, updated 0, unchanged 12345"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        app.audit_rows().await,
        12345,
        "unchanged rows leave no audit row"
    );

    // The rebuilt unique indexes still refuse a second registration of the same key: a
    // credit code, and a community organization's name in its division.
    let (_, page) = app.get("/api/orgs?limit=1000").await;
    let items = page["items"].as_array().unwrap();
    for key in ["credit_code", "name"] {
        let mut twin = items
            .iter()
            .find(|o| o[key].is_string() && (key == "name") == o["credit_code"].is_null())
            .unwrap_or_else(|| panic!("an organization keyed by {key}"))
            .clone();
        for generated in [
            "id",
            "version",
            "cell",
            "division_name",
            "location_check",
            "doubts",
        ] {
            twin.as_object_mut().unwrap().remove(generated);
        }
        let (status, body) = app.post("/api/orgs", &twin).await;
        assert_eq!(status, 409, "{key}: {body}");
    }

    // Every stored row matches its audit row's "after".
    let log = app.store.audit_log().await.unwrap();
    let (_, page) = app.get("/api/orgs?limit=1000&offset=234").await;
    for org in page["items"].as_array().unwrap() {
        let id = org["id"].as_i64().unwrap();
        let entry = log.iter().find(|e| e.org_id == Some(id)).unwrap();
        assert_eq!(entry.after.as_ref().unwrap().0, *org);
    }
}

#[test]
fn the_same_seed_writes_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, seed: &str| {
        let path = dir.path().join(name);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_orgcover"))
            .args(["generate", "--orgs", "3000", "--seed", seed, "--out"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success());
        std::fs::read(path).unwrap()
    };
    assert_eq!(run("a.csv", "4"), run("b.csv", "4"));
    assert_ne!(run("a.csv", "4"), run("c.csv", "5"));
}
