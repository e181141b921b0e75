//! Issue 21.1: the statistics report (统计报表) of the current period, from the CLI and the
//! page, with the same figures as the dashboard's division table on the same day.

use serde_json::{Value, json};

use crate::helpers::{SOCIAL_GROUP_CODES as CODES, TestApp, external, social_group};
use crate::on_both_backends;

on_both_backends!(
    the_report_counts_what_the_dashboard_counts_and_opens_as_a_filed_workbook,
    the_report_page_shows_the_table_and_refuses_a_period_not_begun,
    a_registry_with_a_known_history_counts_as_it_stood_on_three_past_dates,
);

/// The report converted to PDF by LibreOffice (Debian's libreoffice-calc), as an office
/// prints it: each call with its own profile, so that conversions may run side by side.
pub(crate) fn pdf_of(xlsx: &std::path::Path, dir: &std::path::Path) -> std::path::PathBuf {
    let profile = format!("-env:UserInstallation=file://{}/lo-profile", dir.display());
    let out = external("soffice", "apt-get install libreoffice-calc")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir)
        .arg(xlsx)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert!(
        !said.to_lowercase().contains("repair") && !said.contains("Error"),
        "LibreOffice opened it without complaint: {said}"
    );
    let pdf = dir.join(xlsx.with_extension("pdf").file_name().unwrap());
    assert!(pdf.exists(), "{said}");
    pdf
}

/// Issue 21, "done when": the workbook opens in LibreOffice without repair and prints its
/// title, headers and rows on the first page.
#[tokio::test]
async fn the_report_opens_in_libreoffice_and_prints_on_one_page_width() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    registry(&app).await;
    let xlsx = app.path("report.xlsx");
    app.cli_ok(&[
        "report",
        "--period",
        &current_quarter(),
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    let pdf = pdf_of(&xlsx, &app.path(""));
    let out = external("pdftotext", "apt-get install poppler-utils")
        .args(["-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("全国社会组织党建工作统计表")
            && text.contains("社会组织总数")
            && text.contains("内蒙古自治区")
            && text.contains("合计")
            // The last column is on the first page: the sheet prints one page wide.
            && text.matches("工作覆盖率").count() >= 2,
        "{text}"
    );
}

fn current_quarter() -> String {
    use chrono::Datelike;
    let today = orgcover::registry::today();
    format!("{}Q{}", today.year(), today.month0() / 3 + 1)
}

/// Three operating organizations in Hohhot and Baotou: a branch (4 formal members), one with
/// an instructor (2), one uncovered with five (should build); and one deregistered that
/// counts nowhere.
async fn registry(app: &TestApp) {
    let mut branch = social_group(CODES[0], "新城区有党支部的协会");
    branch["formal_members"] = json!(4);
    branch["party_org"] = json!("branch");
    branch["party_org_established_on"] = json!("2024-03-01");
    app.create(&branch).await;
    let mut guided = social_group(CODES[1], "新城区有指导员的协会");
    guided["instructor"] = json!("王芳");
    app.create(&guided).await;
    let mut large = social_group(CODES[2], "青山区应建未建的协会");
    large["division_code"] = json!("150203001");
    large["formal_members"] = json!(5);
    large["probationary_members"] = json!(2);
    app.create(&large).await;
    let mut gone = social_group(
        &orgcover::domain::credit_code::CreditCode::compose(b'5', b'1', "150102", "MJ000022")
            .to_string(),
        "已注销的协会",
    );
    gone["status"] = json!("deregistered");
    app.create(&gone).await;
}

async fn the_report_counts_what_the_dashboard_counts_and_opens_as_a_filed_workbook(app: TestApp) {
    registry(&app).await;
    let out_path = app.path("report.xlsx");
    app.cli_ok(&[
        "report",
        "--period",
        &current_quarter(),
        "--division",
        "15",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    // Read as a spreadsheet program reads it: the merged headers, numbers as numbers,
    // rates as percentages.
    let script = r#"
import sys, json, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
sheet = book["统计表"]
rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
print(json.dumps({
    "sheets": book.sheetnames,
    "title": sheet["A1"].value,
    "date": sheet["A2"].value,
    "merged": sorted(str(r) for r in sheet.merged_cells.ranges),
    "group": sheet["C3"].value, "kind": sheet["D4"].value,
    "rate_format": sheet.cell(row=5, column=22).number_format,
    "rows": rows,
}, ensure_ascii=False, default=str))
"#;
    let out = external("python3", "pip install openpyxl")
        .args(["-c", script, out_path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let book: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(book["sheets"], json!(["统计表", "说明"]));
    assert!(
        book["title"]
            .as_str()
            .unwrap()
            .starts_with("内蒙古自治区社会组织党建工作统计表（"),
        "{book}"
    );
    assert!(
        book["date"]
            .as_str()
            .unwrap()
            .contains(&orgcover::registry::today().to_string())
    );
    assert_eq!(book["group"], "社会组织总数");
    assert_eq!(book["kind"], "社会团体");
    assert_eq!(book["rate_format"], "0.0%");
    let merged = book["merged"].to_string();
    assert!(
        merged.contains("C3:H3") && merged.contains("A3:A4"),
        "{merged}"
    );
    let rows = book["rows"].as_array().unwrap();
    // Hohhot and Baotou, then the total.
    assert_eq!(rows.len(), 3, "{book}");
    assert_eq!(rows[0][0], "1501");
    assert_eq!(rows[0][1], "呼和浩特市");
    assert_eq!(rows[2][1], "合计");

    // Every figure the dashboard's division table has equals the report's.
    let (_, divisions) = app.get("/api/coverage/divisions?parent=15").await;
    let items = divisions["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    // Columns: C total, D-H kinds, I three or more, J-L own forms, M-N joint, O without,
    // P with an instructor, Q should build, R-T members, U-W rates, X-Z targets.
    for (row, item) in rows.iter().zip(items) {
        let n = |col: usize| row[col].as_f64().unwrap();
        assert_eq!(n(2), item["total"].as_f64().unwrap(), "{row:?} {item}");
        assert_eq!(n(9) + n(10) + n(11), item["own"].as_f64().unwrap());
        assert_eq!(n(12) + n(13), item["joint"].as_f64().unwrap());
        assert_eq!(n(15), item["instructor"].as_f64().unwrap());
        assert_eq!(n(14) - n(15), item["uncovered"].as_f64().unwrap());
        assert_eq!(n(16), item["should_build_not_built"].as_f64().unwrap());
        for (col, rate) in [
            (20, "own_organization_rate"),
            (21, "org_coverage_rate"),
            (22, "work_coverage_rate"),
        ] {
            assert!(
                (n(col) - item[rate].as_f64().unwrap()).abs() < 1e-9,
                "{rate}"
            );
        }
    }
    let total = &rows[2];
    assert_eq!(total[2], 3.0, "the deregistered one counts nowhere");
    assert_eq!(total[17], 11.0, "formal members 4 + 2 + 5");
    assert_eq!(total[18], 2.0);
}

async fn the_report_page_shows_the_table_and_refuses_a_period_not_begun(app: TestApp) {
    registry(&app).await;
    let (status, page) = app
        .page(
            &format!("/report?period={}&division=1501", current_quarter()),
            "zh",
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("内蒙古自治区呼和浩特市社会组织党建工作统计表")
            && page.contains("<th colspan=\"6\">社会组织总数</th>")
            && page.contains("<td class=\"name\">新城区</td>")
            && page.contains("id=\"download\""),
        "{page}"
    );
    assert!(!page.contains("青山区"), "only the area asked for");
    let r = app
        .client
        .get(app.url(&format!("/report.xlsx?period={}", current_quarter())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with(".xlsx\"")
    );
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    // A period that has not begun has no figures: said, not answered with today's.
    let (status, page) = app.page("/report?period=2999Q1", "zh").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("尚未开始") && !page.contains("id=\"report\""),
        "{page}"
    );
    let r = app
        .client
        .get(app.url("/report.xlsx?period=2999"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

/// The division row of 新城区 at the end of a day, from `/api/coverage/divisions`.
async fn xincheng_on(app: &TestApp, day: &str) -> Value {
    let (status, body) = app
        .get(&format!("/api/coverage/divisions?parent=1501&as_of={day}"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["as_of"], day);
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["division_code"] == "150102")
        .cloned()
        .unwrap_or(json!({"total": 0}))
}

/// Issue 21.2: a ledger entered today with its dates; the figures of three past days are
/// those counted by hand from the dates (docs/rules.md, "Figures of a past date").
async fn a_registry_with_a_known_history_counts_as_it_stood_on_three_past_dates(app: TestApp) {
    // A: registered 2024-01-10, its branch founded 2025-05-01.
    let mut a = social_group(CODES[0], "二〇二四年登记的协会");
    a["formal_members"] = json!(4);
    a["registered_on"] = json!("2024-01-10");
    a["party_org"] = json!("branch");
    a["party_org_established_on"] = json!("2025-05-01");
    app.create(&a).await;
    // B: registered 2025-02-01 with three formal members, deregistered on 2026-03-15.
    let mut b = social_group(CODES[1], "后来注销的协会");
    b["formal_members"] = json!(3);
    b["registered_on"] = json!("2025-02-01");
    // In a hexagon of its own, which its deregistration empties.
    b["lon"] = json!(111.69);
    b["lat"] = json!(40.83);
    let b = app.create(&b).await;
    let (status, body) = app
        .post(
            &format!("/api/orgs/{}/deregister", b["id"]),
            &json!({"version": b["version"], "deregistered_on": "2026-03-15"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["deregistered_on"], "2026-03-15");
    // C: registered 2026-02-01 in a regional joint branch founded the same day.
    let mut c = social_group(CODES[2], "二〇二六年登记的协会");
    c["registered_on"] = json!("2026-02-01");
    c["party_org"] = json!("joint_regional");
    c["party_org_established_on"] = json!("2026-02-01");
    app.create(&c).await;

    let end_2024 = xincheng_on(&app, "2024-12-31").await;
    assert_eq!(
        (&end_2024["total"], &end_2024["own"], &end_2024["uncovered"]),
        (&json!(1), &json!(0), &json!(1)),
        "only A, before its branch: {end_2024}"
    );
    let mid_2025 = xincheng_on(&app, "2025-06-30").await;
    assert_eq!(
        (
            &mid_2025["total"],
            &mid_2025["own"],
            &mid_2025["should_build_not_built"]
        ),
        (&json!(2), &json!(1), &json!(1)),
        "A with its branch, B uncovered with three formal members: {mid_2025}"
    );
    let q1_2026 = xincheng_on(&app, "2026-03-31").await;
    assert_eq!(
        (&q1_2026["total"], &q1_2026["own"], &q1_2026["joint"]),
        (&json!(2), &json!(1), &json!(1)),
        "B deregistered on 03-15, C in its joint branch: {q1_2026}"
    );
    // Before anything was registered there is nothing.
    assert_eq!(xincheng_on(&app, "2023-12-31").await["total"], 0);

    // The map's colour by change: from mid-2025 to the end of 2026's first quarter B left
    // (uncovered, three formal members) and C came in its joint branch.
    let (status, map) = app
        .get("/api/coverage/divisions.geojson?parent=1501&as_of=2026-03-31&since=2025-06-30")
        .await;
    assert_eq!(status, 200, "{map}");
    assert_eq!(
        (&map["as_of"], &map["since"]),
        (&json!("2026-03-31"), &json!("2025-06-30"))
    );
    let xincheng = map["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "150102")
        .map(|f| f["properties"].clone())
        .unwrap_or_else(|| panic!("新城区 on the division map: {map}"));
    assert_eq!(
        [
            "total_change",
            "uncovered_change",
            "should_build_not_built_change",
            "own_organization_rate_change",
            "org_coverage_rate_change",
            "work_coverage_rate_change",
        ]
        .map(|k| xincheng[k].clone()),
        [
            json!(0),
            json!(-1),
            json!(-1),
            json!(0.0),
            json!(0.5),
            json!(0.5)
        ],
        "{xincheng}"
    );
    // A division without organizations on one of the days has no rate change.
    let (_, map) = app
        .get("/api/coverage/divisions.geojson?parent=1501&as_of=2024-12-31&since=2023-12-31")
        .await;
    let first = map["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "150102")
        .map(|f| f["properties"].clone())
        .unwrap();
    assert_eq!(
        (&first["total_change"], &first["work_coverage_rate_change"]),
        (&json!(1), &Value::Null),
        "{first}"
    );
    // The hexagons: B's is listed, emptied, with its change.
    let (status, cells) = app
        .get("/api/coverage/cells?res=9&division=1501&as_of=2026-03-31&since=2025-06-30")
        .await;
    assert_eq!(status, 200, "{cells}");
    let mut changes: Vec<(u64, i64, i64)> = cells["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (
                p["total"].as_u64().unwrap(),
                p["total_change"].as_i64().unwrap(),
                p["uncovered_change"].as_i64().unwrap(),
            )
        })
        .collect();
    changes.sort();
    assert_eq!(
        changes,
        [(0, -1, -1), (2, 1, 0)],
        "B's hexagon emptied; A's gained C: {cells}"
    );
    // A change is counted from an earlier day; the gap list has none.
    for (path, field) in [
        (
            "/api/coverage/cells?since=2026-03-31&as_of=2026-03-31",
            "since",
        ),
        ("/api/coverage/divisions.geojson?since=2999-01-01", "since"),
        ("/api/gaps.geojson?since=2025-06-30", "since"),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(body["field"], field, "{path}: {body}");
    }

    // The report of the year 2025 counts its last day: A and B, one own organization.
    let out = app.path("report-2025.xlsx");
    app.cli_ok(&[
        "report",
        "--period",
        "2025",
        "--division",
        "1501",
        "--out",
        out.to_str().unwrap(),
    ]);
    let script = r#"
import sys, json, openpyxl
sheet = openpyxl.load_workbook(sys.argv[1])["统计表"]
print(json.dumps([[c.value for c in row] for row in sheet.iter_rows(min_row=1, max_row=8)], default=str))
"#;
    let out = external("python3", "pip install openpyxl")
        .args(["-c", script, out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = rows.to_string();
    assert!(
        text.contains("2025-12-31"),
        "the date of the figures in the title: {text}"
    );
    let xincheng = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[1] == "新城区")
        .unwrap_or_else(|| panic!("a row of 新城区: {text}"));
    assert_eq!(xincheng[2], 2.0, "A and B at the end of 2025: {xincheng}");

    // The dashboard's trend: each quarter's end as hand-counted (A uncovered and B
    // uncovered; A's branch; B gone and C joint).
    let (_, dashboard) = app.page("/", "zh").await;
    for (quarter, rate) in [
        ("2025Q1", "0.0%"),
        ("2025Q2", "50.0%"),
        ("2025Q4", "50.0%"),
        ("2026Q1", "100.0%"),
        ("2026Q3", "100.0%"),
    ] {
        assert!(
            dashboard.contains(&format!("工作覆盖率 {quarter}：{rate}")),
            "{quarter} {rate}: {dashboard}"
        );
    }
    assert!(
        dashboard.contains("单独组建率 2025Q2：50.0%"),
        "{dashboard}"
    );

    // The page says how a past day is counted, and a future day is refused by name.
    let (status, page) = app.page("/?as_of=2025-06-30", "zh").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("往期数据") && page.contains("<polyline"),
        "{page}"
    );
    let (status, body) = app.get("/api/coverage/divisions?as_of=2999-01-01").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "as_of", "{body}");
}
