//! Coverage over HTTP and the CLI: counts that follow every write, division rates, the
//! refusal of oversized answers, and gap lists that GDAL, Excel and scripts can read.

use serde_json::{Value, json};

use crate::helpers::{
    Backend, SOCIAL_GROUP_CODES, TestApp, external, python_with, social_group, token_for,
};
use crate::on_both_backends;
use orgcover::domain::access::Role;
use orgcover::web::ServeOptions;

on_both_backends!(
    a_write_through_the_api_shows_up_in_the_next_coverage_read,
    divisions_give_rates_per_county_as_json_and_csv,
    gap_lists_come_as_geojson_csv_and_xlsx_that_gdal_and_excel_read,
    bad_filters_name_the_parameter,
    export_gaps_writes_the_three_formats,
    hexagons_are_revalidated_gzipped_and_never_shared_across_jurisdictions,
);

/// Near the Xincheng district point of `social_group`: all in one resolution-7 cell.
const BBOX: &str = "111.6,40.78,111.74,40.86";

async fn cell_props(app: &TestApp, query: &str) -> Vec<Value> {
    let r = app
        .client
        .get(app.url(&format!("/api/coverage/cells?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let body: Value = r.json().await.unwrap();
    body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"].clone())
        .collect()
}

async fn one_cell(app: &TestApp) -> Value {
    let cells = cell_props(app, &format!("res=7&bbox={BBOX}")).await;
    assert_eq!(cells.len(), 1, "{cells:?}");
    cells.into_iter().next().unwrap()
}

/// An own branch, an organization with an instructor and an uncovered one (domain.md 5).
async fn three_orgs(app: &TestApp) -> Vec<i64> {
    let mut own = social_group(SOCIAL_GROUP_CODES[0], "有党支部的协会");
    own["formal_members"] = json!(5);
    own["party_org"] = json!("branch");
    own["party_org_established_on"] = json!("2024-03-01");
    let mut with_instructor = social_group(SOCIAL_GROUP_CODES[1], "有指导员的协会");
    with_instructor["formal_members"] = json!(0);
    with_instructor["instructor"] = json!("王指导员");
    let uncovered = social_group(SOCIAL_GROUP_CODES[2], "未覆盖的协会");
    let mut ids = Vec::new();
    for body in [own, with_instructor, uncovered] {
        ids.push(app.create(&body).await["id"].as_i64().unwrap());
    }
    ids
}

async fn a_write_through_the_api_shows_up_in_the_next_coverage_read(app: TestApp) {
    let ids = three_orgs(&app).await;
    let c = one_cell(&app).await;
    assert_eq!(
        (&c["total"], &c["own"], &c["instructor"], &c["uncovered"]),
        (&json!(3), &json!(1), &json!(1), &json!(1))
    );
    assert_eq!(c["own_organization_rate"], json!(0.3333));
    assert_eq!(c["org_coverage_rate"], json!(0.3333));
    assert_eq!(c["work_coverage_rate"], json!(0.6667));
    assert_eq!(c["division_code"], "150102001001");
    assert_eq!(c["gap"], true);

    // Registered with four formal members and no party organization: should build (R1).
    let mut big = social_group("", "新登记的大协会");
    big.as_object_mut().unwrap().remove("credit_code");
    big["kind"] = json!("community");
    big["formal_members"] = json!(4);
    app.create(&big).await;
    let c = one_cell(&app).await;
    assert_eq!(c["total"], 4);
    assert_eq!(c["should_build_not_built"], 1);
    assert_eq!(c["branches_to_found"], 1);
    assert_eq!(c["uncovered"], 2);

    // Deregistered: it counts nowhere (domain.md 5).
    let (status, _) = app
        .post(
            &format!("/api/orgs/{}/deregister", ids[0]),
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(status, 200);
    let c = one_cell(&app).await;
    assert_eq!((&c["total"], &c["own"]), (&json!(3), &json!(0)));

    // A filter counts only what it names.
    let only = cell_props(&app, &format!("res=7&bbox={BBOX}&coverage=uncovered")).await;
    assert_eq!(only[0]["total"], 2);
    let none = cell_props(&app, "res=7&bbox=100,30,101,31").await;
    assert!(none.is_empty());
}

/// The map reads the same view again and again: the server keeps the finished answer
/// until the registry changes, answers a browser holding it with 304, sends it gzipped
/// when asked, and never hands one account's answer to another jurisdiction.
async fn hexagons_are_revalidated_gzipped_and_never_shared_across_jurisdictions(app: TestApp) {
    three_orgs(&app).await;
    let url = app.url(&format!("/api/coverage/cells?res=7&bbox={BBOX}"));
    let get = |headers: &[(&'static str, &str)]| {
        let mut request = app.client.get(&url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    let first = get(&[]).await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "private, no-cache");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let plain: Value = first.json().await.unwrap();
    assert_eq!(plain["features"][0]["properties"]["total"], 3);

    let held = get(&[("if-none-match", &etag)]).await.unwrap();
    assert_eq!(held.status(), 304);
    assert!(held.bytes().await.unwrap().is_empty());

    let zipped = get(&[("accept-encoding", "gzip, deflate")]).await.unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_eq!(zipped.headers()["etag"].to_str().unwrap(), etag);
    let bytes = zipped.bytes().await.unwrap();
    let mut unzipped = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(bytes.as_ref()),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&unzipped).unwrap(), plain);

    // A registration in the view: the held answer is stale, the next read counts it.
    let mut fourth = social_group("", "新登记的社区组织");
    fourth.as_object_mut().unwrap().remove("credit_code");
    fourth["kind"] = json!("community");
    app.create(&fourth).await;
    let changed = get(&[("if-none-match", &etag)]).await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    let body: Value = changed.json().await.unwrap();
    assert_eq!(body["features"][0]["properties"]["total"], 4);

    // The same query from a neighbouring county's organization department: its own answer.
    let (_, token) = token_for(&app, "qingshan", Role::OrgDept, "150204").await;
    let theirs: Value = app
        .client
        .get(&url)
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["features"], json!([]));
}

async fn divisions_give_rates_per_county_as_json_and_csv(app: TestApp) {
    three_orgs(&app).await;
    let (status, body) = app
        .get("/api/coverage/divisions?level=county&parent=1501")
        .await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let county = &items[0];
    assert_eq!(county["division_code"], "150102");
    assert_eq!(county["name"], "新城区");
    assert_eq!(county["total"], 3);
    assert_eq!(county["work_coverage_rate"], json!(0.6667));
    assert_eq!(county["targets"]["work_coverage_rate"], json!(1.0));

    // One level below the parent by default; the province holds the same counts.
    let (_, provinces) = app.get("/api/coverage/divisions").await;
    assert_eq!(provinces["level"], "province");
    assert_eq!(provinces["items"][0]["division_code"], "15");
    assert_eq!(provinces["items"][0]["total"], 3);

    let r = app
        .client
        .get(app.url("/api/coverage/divisions.csv?level=township&parent=150102"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("division_code,name,level,total,own")
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("150102001,海拉尔东路街道,township,3,1,0,1,1,"),
        "the township by its name in the 2023 register: {row}"
    );
}

async fn bad_filters_name_the_parameter(app: TestApp) {
    for (query, field) in [
        ("/api/coverage/cells?res=3", "res"),
        ("/api/coverage/cells?res=11", "res"),
        ("/api/coverage/cells?bbox=1,2,3", "bbox"),
        ("/api/coverage/cells?kind=company", "kind"),
        ("/api/coverage/cells?coverage=half", "coverage"),
        (
            "/api/coverage/cells?registration_level=village",
            "registration_level",
        ),
        ("/api/coverage/cells?division=15a", "division"),
        ("/api/coverage/divisions?level=village", "level"),
        ("/api/coverage/divisions?level=city&parent=150102", "level"),
        ("/api/gaps.geojson?res=2", "res"),
    ] {
        let (status, body) = app.get(query).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["field"], field, "{query}: {body}");
    }
    let (status, body) = app.get("/api/coverage/cells?colour=red").await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("colour"));
}

/// RFC 7946: WGS84 longitude/latitude, closed counter-clockwise exterior rings.
fn assert_rfc7946_polygons(collection: &Value) {
    assert_eq!(collection["type"], "FeatureCollection");
    for f in collection["features"].as_array().unwrap() {
        assert_eq!(f["geometry"]["type"], "Polygon");
        let rings = f["geometry"]["coordinates"].as_array().unwrap();
        assert_eq!(rings.len(), 1);
        let ring: Vec<(f64, f64)> = rings[0]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect();
        assert!(ring.len() >= 4);
        assert_eq!(ring.first(), ring.last(), "closed");
        for (lon, lat) in &ring {
            assert!((73.0..136.0).contains(lon) && (3.0..54.0).contains(lat));
        }
        let twice_area: f64 = ring
            .windows(2)
            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
            .sum();
        assert!(twice_area > 0.0, "counter-clockwise");
    }
}

/// `ogrinfo` reads a GeoJSON file and reports its feature count (GDAL, Debian gdal-bin).
pub fn gdal_feature_count(path: &std::path::Path) -> usize {
    let out = external("ogrinfo", "apt-get install gdal-bin")
        .args(["-ro", "-al", "-so"])
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .unwrap_or_else(|| panic!("no feature count in {text}"))
        .trim()
        .parse()
        .unwrap()
}

/// The sheet name, header row and data row count of an XLSX file, read by openpyxl.
pub fn xlsx_summary(path: &std::path::Path) -> Value {
    let out = python_with("openpyxl")
        .arg("-c")
        .arg(
            "import json, sys, openpyxl\n\
             wb = openpyxl.load_workbook(sys.argv[1])\n\
             ws = wb.active\n\
             rows = list(ws.iter_rows(values_only=True))\n\
             print(json.dumps({'sheet': ws.title, 'headers': list(rows[0]), 'rows': len(rows) - 1,\n\
                               'first': list(rows[1]) if len(rows) > 1 else []}, ensure_ascii=False, default=str))",
        )
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn gap_lists_come_as_geojson_csv_and_xlsx_that_gdal_and_excel_read(app: TestApp) {
    three_orgs(&app).await;
    // A second, fully covered place far away: no gap there.
    let code = orgcover::domain::credit_code::CreditCode::compose(b'5', b'1', "150203", "MJ000099");
    let mut covered = social_group(code.as_str(), "全覆盖的协会");
    covered["division_code"] = json!("150203001001");
    covered["lon"] = json!(109.84);
    covered["lat"] = json!(40.66);
    covered["formal_members"] = json!(3);
    covered["party_org"] = json!("branch");
    covered["party_org_established_on"] = json!("2024-03-01");
    app.create(&covered).await;

    let r = app
        .client
        .get(app.url("/api/gaps.geojson?res=8"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let gaps: Value = r.json().await.unwrap();
    assert_rfc7946_polygons(&gaps);
    let features = gaps["features"].as_array().unwrap();
    assert_eq!(features.len(), 1, "the covered place is no gap");
    let p = &features[0]["properties"];
    assert_eq!(p["priority"], 1);
    assert_eq!(p["res"], 8);
    assert_eq!(p["uncovered"], 1);
    assert_eq!(
        p["instructors_needed"], 1,
        "one organization waits for an instructor"
    );
    for key in [
        "cell",
        "division_code",
        "total",
        "own",
        "joint",
        "instructor",
        "should_build_not_built",
        "org_coverage_rate",
        "work_coverage_rate",
        "branches_to_found",
        "joint_groups_proposed",
    ] {
        assert!(p.get(key).is_some(), "{key}");
    }
    let path = app.path("gaps.geojson");
    std::fs::write(&path, serde_json::to_vec(&gaps).unwrap()).unwrap();
    assert_eq!(gdal_feature_count(&path), 1);

    let csv = app
        .client
        .get(app.url("/api/gaps.csv?res=8"))
        .send()
        .await
        .unwrap();
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv\"")
    );
    let text = csv.text().await.unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("priority,cell,res,division_code,division_name")
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with(&format!(
            "1,{},8,150102001001,内蒙古自治区呼和浩特市新城区海拉尔东路街道公主府社区居委会,",
            p["cell"].as_str().unwrap()
        )),
        "{row}"
    );
    assert!(lines.next().is_none());

    let xlsx = app
        .client
        .get(app.url("/api/gaps.xlsx?res=8"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let path = app.path("gaps.xlsx");
    std::fs::write(&path, xlsx.bytes().await.unwrap()).unwrap();
    let summary = xlsx_summary(&path);
    assert_eq!(summary["sheet"], "缺口清单");
    assert_eq!(summary["headers"][0], "优先级");
    assert_eq!(summary["headers"][11], "未覆盖");
    assert_eq!(summary["rows"], 1);
    assert_eq!(summary["first"][11], 1);
}

async fn export_gaps_writes_the_three_formats(app: TestApp) {
    three_orgs(&app).await;
    for (name, extra) in [
        ("gaps.geojson", vec![]),
        ("gaps.csv", vec![]),
        ("gaps.xlsx", vec![]),
        ("gaps.txt", vec!["--format", "csv"]),
    ] {
        let path = app.path(name);
        let mut args = vec![
            "export",
            "gaps",
            "--res",
            "7",
            "--division",
            "1501",
            "--out",
        ];
        let path_text = path.display().to_string();
        args.push(&path_text);
        args.extend(extra);
        let out = app.cli(&args);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 "),
            "one gap cell"
        );
        match name {
            "gaps.geojson" => {
                let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                assert_rfc7946_polygons(&v);
                assert_eq!(v["features"][0]["properties"]["total"], 3);
                assert_eq!(gdal_feature_count(&path), 1);
            }
            "gaps.xlsx" => assert_eq!(xlsx_summary(&path)["rows"], 1),
            _ => {
                let text = std::fs::read_to_string(&path).unwrap();
                assert_eq!(text.lines().count(), 2, "{text}");
            }
        }
    }
    // Another province: nothing there, an empty but valid list.
    let path = app.path("empty.geojson");
    let out = app.cli(&[
        "export",
        "gaps",
        "--division",
        "11",
        "--out",
        &path.display().to_string(),
    ]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(v["features"].as_array().unwrap().is_empty());
    // No format and an extension that does not tell: a clear error, no file.
    let path = app.path("gaps.dat");
    let out = app.cli(&["export", "gaps", "--out", &path.display().to_string()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format"));
    assert!(!path.exists());
}

#[tokio::test]
async fn a_request_for_too_many_cells_is_refused_with_a_resolution_that_fits() {
    let options = ServeOptions {
        max_cells: 2,
        ..ServeOptions::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await.unwrap();
    // Three organizations about 1 km apart: three resolution-9 cells, one at resolution 6.
    for (i, code) in SOCIAL_GROUP_CODES.iter().enumerate() {
        let mut body = social_group(code, &format!("协会{i}"));
        body["lon"] = json!(111.6708 + 0.012 * i as f64);
        app.create(&body).await;
    }
    let (status, body) = app.get("/api/coverage/cells?res=9").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "res");
    assert_eq!(body["cells"], 3);
    assert_eq!(body["max_cells"], 2);
    let fits = body["fits_res"].as_u64().expect("a resolution that fits");
    assert!(fits < 9);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains(&format!("res={fits}"))
    );
    let (status, ok) = app.get(&format!("/api/coverage/cells?res={fits}")).await;
    assert_eq!(status, 200);
    assert!(ok["features"].as_array().unwrap().len() <= 2);
}

/// The header row of a CSV answer (after the BOM).
fn csv_header(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8(body.to_vec()).unwrap();
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_owned();
    first.split(',').map(str::to_owned).collect()
}

/// The name a download says, decoded from RFC 6266 `filename*`, and its ASCII `filename`.
fn download_names(r: &reqwest::Response) -> (String, String) {
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let ascii = disposition
        .split("filename=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let encoded = disposition.split("filename*=UTF-8''").nth(1).unwrap();
    let name = form_urlencoded::parse(format!("n={encoded}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned();
    (ascii, name)
}

/// Issue 20 item 5: the gap list's GeoJSON, CSV, XLSX and FlatGeobuf carry the same
/// columns (the tables add the hexagon's centre, having no geometry), the tables' headers
/// come in English or Chinese as asked (CSV English and XLSX Chinese by default, the page's
/// links in the page's language), and every download, GeoJSON included, is saved under a
/// name that says the resolution, the division, the filters and the date.
#[tokio::test]
async fn the_gap_exports_agree_on_columns_and_download_under_names_that_say_what_they_hold() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    three_orgs(&app).await;
    let query = "res=7&division=1501&kind=social_group";
    let get = |path: String| {
        let client = app.client.clone();
        let url = app.url(&path);
        async move { client.get(url).send().await.unwrap() }
    };
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let geojson = get(format!("/api/gaps.geojson?{query}")).await;
    let (ascii, name) = download_names(&geojson);
    assert_eq!(
        ascii,
        format!("gaps-res7-1501-kind-social_group-{today}.geojson")
    );
    assert_eq!(
        name,
        format!("覆盖缺口-7级-呼和浩特市-social_group-{today}.geojson")
    );
    let geojson: Value = geojson.json().await.unwrap();
    let properties = geojson["features"][0]["properties"].as_object().unwrap();
    let mut keys: Vec<String> = properties.keys().cloned().collect();
    keys.extend(["lon".to_owned(), "lat".to_owned()]);
    keys.sort();

    let csv = get(format!("/api/gaps.csv?{query}")).await;
    assert_eq!(
        download_names(&csv).0,
        format!("gaps-res7-1501-kind-social_group-{today}.csv")
    );
    let csv_body = csv.bytes().await.unwrap();
    let english = csv_header(&csv_body);
    let mut sorted = english.clone();
    sorted.sort();
    assert_eq!(
        sorted, keys,
        "the CSV's columns are the GeoJSON's properties"
    );
    let row: Vec<String> = String::from_utf8(csv_body.to_vec())
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let at = |column: &str| english.iter().position(|c| c == column).unwrap();
    for rate in [
        "own_organization_rate",
        "work_coverage_rate",
        "target_work_coverage_rate",
    ] {
        assert_eq!(
            row[at(rate)].parse::<f64>().unwrap(),
            properties[rate].as_f64().unwrap(),
            "{rate}"
        );
    }
    let chinese = csv_header(
        &get(format!("/api/gaps.csv?{query}&headers=zh"))
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert_eq!(chinese.len(), english.len());
    assert_eq!(chinese[at("own_organization_rate")], "单独组建率");

    // The workbook: Chinese by default, English when asked; the same columns as the CSV.
    for (headers, expected) in [("", &chinese), ("&headers=en", &english)] {
        let xlsx = get(format!("/api/gaps.xlsx?{query}{headers}")).await;
        assert!(download_names(&xlsx).1.ends_with(".xlsx"));
        let path = app.path("gaps.xlsx");
        std::fs::write(&path, xlsx.bytes().await.unwrap()).unwrap();
        let summary = xlsx_summary(&path);
        let got: Vec<String> = summary["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(&got, expected, "headers{headers}");
    }

    // FlatGeobuf: the GeoJSON's properties as typed columns.
    let fgb = get(format!("/api/gaps.fgb?{query}")).await;
    assert!(download_names(&fgb).0.ends_with(".fgb"));
    let path = app.path("gaps.fgb");
    std::fs::write(&path, fgb.bytes().await.unwrap()).unwrap();
    let out = external("ogrinfo", "apt-get install gdal-bin")
        .args(["-ro", "-so", "-al"])
        .arg(&path)
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&out.stdout);
    for key in properties.keys() {
        assert!(summary.contains(&format!("{key}: ")), "{key} in {summary}");
    }

    let (status, body) = app.get(&format!("/api/gaps.csv?{query}&headers=fr")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "headers");

    // The page's links download, tables in the page's language.
    let (_, page) = app.page("/gaps?division=1501", "zh").await;
    assert!(page.contains("/api/gaps.fgb?"), "{page}");
    assert!(page.contains("headers=zh"), "{page}");
    let (_, page) = app.page("/gaps?division=1501", "en").await;
    assert!(page.contains("headers=en"), "{page}");
}

/// Issue 21 item 3 (clause 23): the gap list's target is this year's plan of the most
/// specific jurisdiction that sets one, a year without a plan takes the latest earlier
/// one's, and a plan may set one rate alone.
#[tokio::test]
async fn the_targets_are_this_years_plan_of_the_nearest_jurisdiction_that_sets_one() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    three_orgs(&app).await;
    let year: i32 = chrono::Datelike::year(&chrono::Local::now().date_naive());
    let target_with = |policy: String| {
        let file = app.path("policy.toml");
        std::fs::write(&file, policy).unwrap();
        let out_path = app.path("gaps.geojson");
        let out = app.cli(&[
            "export",
            "gaps",
            "--policy",
            &file.display().to_string(),
            "--out",
            &out_path.display().to_string(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let gaps: Value = serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
        gaps["features"][0]["properties"]["target_work_coverage_rate"]
            .as_f64()
            .unwrap()
    };
    // The national plan of this year; the standing target without one.
    assert_eq!(
        target_with(format!("[targets.years]\n{year} = {{ work = 0.8 }}\n")),
        0.8
    );
    assert_eq!(
        target_with(format!(
            "[targets.years]\n{} = {{ work = 0.8 }}\n",
            year + 1
        )),
        1.0
    );
    // Last year's plan holds while this year has none.
    assert_eq!(
        target_with(format!(
            "[targets.years]\n{} = {{ work = 0.7 }}\n",
            year - 1
        )),
        0.7
    );
    // Hohhot's own plan wins over the national one; one rate alone is enough.
    assert_eq!(
        target_with(format!(
            "[targets.years]\n{year} = {{ work = 0.8 }}\n\
             [targets.jurisdictions.1501]\nown_organization_rate = 0.4\n\
             [targets.jurisdictions.1501.years]\n{year} = {{ work_coverage_rate = 0.66 }}\n"
        )),
        0.66
    );
    // A bad plan stops the command, naming its key.
    let file = app.path("bad.toml");
    std::fs::write(
        &file,
        format!("[targets.years]\n{year} = {{ work = 1.5 }}\n"),
    )
    .unwrap();
    let out = app.cli(&[
        "export",
        "gaps",
        "--policy",
        &file.display().to_string(),
        "--out",
        "x.geojson",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("targets.years.{year}.work_coverage_rate")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
