//! Division boundaries (issue 19, items 2 and 4): `orgcover boundaries import` of the demo's
//! county outlines and of files that are wrong, and what the outlines then check in every
//! door: the API's `location_check` and doubts, the form's confirmation, an import's
//! warnings, the list to verify and the organization department's map.
//!
//! The server runs as its own process here, not in the test binary as `TestApp` does: the
//! boundaries a server installs serve its whole process (one process, one database), and
//! the test binary's other servers must not see these.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, POSTGRES_VAR, Server, fresh_postgres_database, orgcover};
use crate::pages::{Browser, choose, text_of, tooltip_of, until_element, until_text};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/seed/boundaries/inner-mongolia-counties.geojson"
);

/// A registry database with an admin's and an organization department's token, and the
/// server on it as a child process.
struct Setup {
    _dir: tempfile::TempDir,
    database_url: String,
    server: Server,
    client: reqwest::Client,
    admin: String,
    org_dept: String,
}

fn token_of(out: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find(|w| w.starts_with("oc_"))
        .unwrap_or_else(|| panic!("no token in {text}"))
        .to_owned()
}

async fn setup(backend: Backend) -> Option<Setup> {
    let dir = tempfile::tempdir().unwrap();
    let database_url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("b.db").display()),
        Backend::Postgres => fresh_postgres_database(&std::env::var(POSTGRES_VAR).ok()?).await,
    };
    let run = |args: &[&str]| {
        let out = orgcover(&database_url, args, "");
        assert!(
            out.status.success(),
            "orgcover {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    run(&["migrate"]);
    {
        use orgcover::domain::access::Role;
        let store = orgcover::store::Store::open(&database_url).await.unwrap();
        let hash = orgcover::passwords::hash(PASSWORD).unwrap();
        for (name, role, division) in [
            ("admin", Role::Admin, ""),
            ("zuzhibu", Role::OrgDept, "1501"),
        ] {
            store
                .add_user(name, role, division, &hash, "test")
                .await
                .unwrap();
        }
        store.close().await;
    }
    let admin = token_of(&run(&["token", "create", "admin"]));
    let org_dept = token_of(&run(&["token", "create", "zuzhibu"]));
    let server = Server::start(
        &["serve", "--bind", "127.0.0.1:0"],
        &[("DATABASE_URL", &database_url)],
    );
    Some(Setup {
        _dir: dir,
        database_url,
        server,
        client: reqwest::Client::new(),
        admin,
        org_dept,
    })
}

impl Setup {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.address)
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(&self.admin)
            .json(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    async fn get(&self, path: &str, token: &str) -> (u16, String) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .header("Cookie", "lang=zh")
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn org(&self, id: i64) -> Value {
        let (status, text) = self.get(&format!("/api/orgs/{id}"), &self.admin).await;
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Submits a form as a browser does, without following the redirect.
    async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let r = crate::helpers::no_redirects()
            .post(self.url(path))
            .bearer_auth(&self.admin)
            .header("Cookie", "lang=zh")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let location = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (r.status().as_u16(), location, r.text().await.unwrap())
    }

    fn cli(&self, args: &[&str]) -> std::process::Output {
        orgcover(&self.database_url, args, "")
    }
}

fn xincheng(credit_code: &str, name: &str, lon: f64, lat: f64) -> Value {
    json!({
        "credit_code": credit_code,
        "name": name,
        "kind": "social_group",
        "level": "county",
        "division_code": "150102001001",
        "lon": lon,
        "lat": lat,
        "formal_members": 2,
    })
}

/// Valid social-group credit codes of Hohhot (category 5, kind 1), computed in Python from
/// GB 32100 and GB 11714 (both check characters).
const CODES: [&str; 4] = [
    "51150102MJ0000114U",
    "51150102MJ0000448C",
    "51150102MJ000078XJ",
    "51150102MJ0001117C",
];

async fn the_seed_counties_check_every_door_and_a_wrong_file_changes_nothing(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    // Before any boundary is loaded: nothing to say.
    let (status, inside) = app
        .post(
            "/api/orgs",
            &xincheng(CODES[0], "新城区书法协会", 111.6708, 40.8183),
        )
        .await;
    assert_eq!(status, 201, "{inside}");
    let inside_id = inside["id"].as_i64().unwrap();
    assert_eq!(inside["location_check"], Value::Null);

    // Files that are wrong are refused, naming the feature, and store nothing.
    let dir = tempfile::tempdir().unwrap();
    let swapped = dir.path().join("swapped.geojson");
    std::fs::write(
        &swapped,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"新城区","gb":"156150102"},"geometry":{"type":"Polygon","coordinates":[[[40.8,111.6],[40.9,111.6],[40.9,111.8],[40.8,111.6]]]}}]}"#,
    )
    .unwrap();
    let out = app.cli(&["boundaries", "import", swapped.to_str().unwrap()]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("第 1 个要素") && said.contains("经纬度顺序颠倒"),
        "{said}"
    );
    assert!(said.contains("nothing was written"), "{said}");
    let out = app.cli(&["boundaries", "import", SEED, "--code-property", "adcode"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("adcode"));

    // The demo's 103 counties, imported while the server runs: it picks them up.
    let out = app.cli(&["boundaries", "import", SEED, "--level", "county"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("county 103 (CGCS2000)"));
    let started = Instant::now();
    let checked = loop {
        let org = app.org(inside_id).await;
        if !org["location_check"].is_null() {
            break org;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the server did not pick the boundaries up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        checked["location_check"],
        json!({"inside": true, "division_code": "150102", "division_name": "新城区"})
    );
    assert_eq!(checked["doubts"], json!([]));

    // The map's outlines: the counties reaching into a box, simplified for the zoom.
    let outlines = |query: &'static str| {
        let app = &app;
        async move {
            let (status, text) = app
                .get(&format!("/api/boundaries.geojson?{query}"), &app.admin)
                .await;
            assert_eq!(status, 200, "{text}");
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    let near = outlines("bbox=111.6,40.75,111.75,40.85&zoom=12").await;
    let names: Vec<&str> = near["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"新城区") && names.contains(&"回民区"),
        "{names:?}"
    );
    assert!(!names.contains(&"牙克石市"));
    let xincheng_outline = near["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["division_code"] == "150102")
        .unwrap();
    assert_eq!(xincheng_outline["properties"]["level"], "county");
    assert!(
        xincheng_outline["properties"]["label_lon"]
            .as_f64()
            .unwrap()
            > 111.0
    );
    let vertices = |v: &Value| v.to_string().matches("],[").count();
    let province_far = outlines("zoom=5").await;
    let province_near = outlines("zoom=18").await;
    assert_eq!(province_far["features"].as_array().unwrap().len(), 103);
    assert!(
        vertices(&province_far) * 2 < vertices(&province_near),
        "a province view draws simplified outlines: {} vs {} vertices",
        vertices(&province_far),
        vertices(&province_near)
    );
    let (status, text) = app.get("/api/boundaries.geojson?zoom=30", &app.admin).await;
    assert_eq!(status, 422);
    assert!(text.contains("zoom"), "{text}");

    // The division map (issue 19.3): the divisions one level below, each with its figures
    // and its outline, dissolved from the counties where the file has none of its own.
    let division_map = |query: &'static str, token: &'static str| {
        let app = &app;
        async move {
            let token = if token == "admin" {
                &app.admin
            } else {
                &app.org_dept
            };
            let (status, text) = app
                .get(&format!("/api/coverage/divisions.geojson?{query}"), token)
                .await;
            assert_eq!(status, 200, "{text}");
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    let country = division_map("zoom=5", "admin").await;
    assert_eq!(country["level"], "province");
    let provinces = country["features"].as_array().unwrap();
    assert_eq!(provinces.len(), 1, "{country}");
    assert_eq!(provinces[0]["properties"]["name"], "内蒙古自治区");
    assert_eq!(provinces[0]["properties"]["total"], 1);
    assert_eq!(provinces[0]["geometry"]["type"], "MultiPolygon");
    let cities = division_map("parent=15&zoom=6", "admin").await;
    let cities = cities["features"].as_array().unwrap();
    assert_eq!(
        cities.len(),
        12,
        "Inner Mongolia's twelve cities and leagues"
    );
    assert!(
        cities
            .iter()
            .all(|c| c["geometry"]["type"] == "MultiPolygon")
    );
    let hohhot = cities.iter().find(|c| c["id"] == "1501").unwrap();
    assert_eq!(hohhot["properties"]["name"], "呼和浩特市");
    assert_eq!(hohhot["properties"]["total"], 1);
    assert!(
        cities
            .iter()
            .filter(|c| c["id"] != "1501")
            .all(|c| c["properties"]["total"] == 0),
        "a city without organizations has zero counts"
    );
    // Hohhot's organization department sees its own districts and counties, whatever
    // parent it asks for above its city.
    for query in ["zoom=8", "parent=15&zoom=8"] {
        let counties = division_map(query, "org_dept").await;
        assert_eq!(counties["level"], "county");
        assert_eq!(counties["parent"], "1501");
        let counties = counties["features"].as_array().unwrap();
        assert_eq!(counties.len(), 9, "{counties:?}");
        let xin = counties.iter().find(|c| c["id"] == "150102").unwrap();
        assert_eq!(xin["properties"]["total"], 1);
        assert_eq!(xin["properties"]["uncovered"], 1);
        assert!(xin["properties"]["label_lat"].as_f64().unwrap() > 40.0);
    }
    // The townships have no outline in the file: listed with their figures, not drawn.
    let townships = division_map("parent=150102", "org_dept").await;
    assert_eq!(townships["level"], "township");
    let townships = townships["features"].as_array().unwrap();
    assert_eq!(townships.len(), 1);
    assert_eq!(townships[0]["id"], "150102001");
    assert_eq!(townships[0]["geometry"], Value::Null);
    let (status, text) = app
        .get("/api/coverage/divisions.geojson?zoom=19", &app.admin)
        .await;
    assert_eq!(status, 422);
    assert!(text.contains("zoom"), "{text}");
    let (status, text) = app
        .get(
            "/api/coverage/divisions.geojson?parent=1501&level=province",
            &app.admin,
        )
        .await;
    assert_eq!(status, 422);
    assert!(text.contains("level"), "{text}");

    // A 新城区 organization registered at lon 121 / lat 49, in Hulunbuir: saved through the
    // API, with the county its point lies in.
    let (status, far) = app
        .post("/api/orgs", &xincheng(CODES[1], "远方的协会", 121.0, 49.0))
        .await;
    assert_eq!(status, 201, "{far}");
    assert_eq!(
        far["location_check"],
        json!({"inside": false, "division_code": "150782", "division_name": "牙克石市"})
    );
    let doubt = &far["doubts"][0];
    assert_eq!(doubt["check"], "outside_division");
    assert_eq!(doubt["found_code"], "150782");

    // The form asks the clerk to confirm such a point, and saves nothing until then.
    let form = [
        ("credit_code", CODES[2]),
        ("name", "<b>界外</b>志愿者协会"),
        ("kind", "social_group"),
        ("level", "county"),
        ("division_code", "150102001001"),
        ("lon", "111.60"),
        ("lat", "40.80"),
        ("formal_members", "1"),
        ("probationary_members", "0"),
        ("members_elsewhere", "0"),
        ("status", "active"),
        ("party_org", "none"),
    ];
    let (status, _, page) = app.submit("/orgs/new", &form).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"location-warning\""), "{page}");
    assert!(page.contains("坐标位于回民区（150103）"), "{page}");
    assert!(page.contains("name=\"location_confirmed\""));
    let (_, list) = app.get("/api/orgs?q=%E7%95%8C%E5%A4%96", &app.admin).await;
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        list["total"], 0,
        "nothing is saved before the clerk confirms"
    );
    let mut confirmed = form.to_vec();
    confirmed.push(("location_confirmed", "1"));
    let (status, location, page) = app.submit("/orgs/new", &confirmed).await;
    assert_eq!(status, 303, "{page}");
    let (_, org_page) = app.get(&location, &app.admin).await;
    assert!(
        org_page.contains("坐标位于回民区（150103）"),
        "the page lists the doubt"
    );

    // An import's rows get a warning per line, and are imported.
    let csv = dir.path().join("orgs.csv");
    std::fs::write(
        &csv,
        format!(
            "credit_code,name,kind,level,division_code,lon,lat,formal_members,probationary_members,members_elsewhere,status,party_org\n\
             {},台账里的协会,social_group,county,150102001001,110.0,40.6,0,0,0,active,none\n",
            CODES[3]
        ),
    )
    .unwrap();
    let out = app.cli(&["import", csv.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("line 2") && said.contains("坐标位于"),
        "{said}"
    );

    // The list to verify holds the three, and not the one inside its county.
    let started = Instant::now();
    loop {
        let (_, tasks) = app.get("/tasks?list=verify", &app.admin).await;
        let listed = [
            "远方的协会",
            "&lt;b&gt;界外&lt;/b&gt;志愿者协会",
            "台账里的协会",
        ]
        .iter()
        .all(|n| tasks.contains(n));
        if listed {
            assert!(!tasks.contains("新城区书法协会"));
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{tasks}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The organization department of Hohhot opens its map on Hohhot, not on the point in
    // Hulunbuir 1,000 km away.
    let (_, map) = app.get("/map", &app.org_dept).await;
    let bounds = map
        .split("data-bounds=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the map's bounds");
    let numbers: Vec<f64> = bounds
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter_map(|t| t.parse().ok())
        .collect();
    let [west, south, east, north] = numbers[..] else {
        panic!("bounds {bounds}")
    };
    assert!(
        west > 105.0 && south > 38.0 && east < 115.0 && north < 43.0,
        "the view reaches out of Hohhot: {bounds}"
    );
}

/// The map draws the county outlines with their names under the hexagons, as text whatever
/// the file holds, and the README's screenshot of it is taken here (written to `docs/` when
/// `ORGCOVER_UPDATE_SCREENSHOTS` is set).
#[tokio::test]
async fn the_map_draws_the_outlines_and_their_names_as_text() {
    let app = setup(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("demo.csv");
    let csv = csv.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = app.cli(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "generate",
        "--orgs",
        "20000",
        "--seed",
        "2024",
        "--division",
        "15",
        "--out",
        csv,
    ]);
    run(&["import", csv]);
    run(&["boundaries", "import", SEED]);
    let browser = Browser::signed_in_at(
        &format!("http://{}", app.server.address),
        "zuzhibu",
        PASSWORD,
    )
    .await;
    let c = &browser.client;
    // The server takes the import and the outlines in from the audit log: wait for both
    // before the browser looks (a debug build on a busy machine takes its time).
    let served = |want: &'static str| {
        let app = &app;
        async move {
            for _ in 0..600 {
                let (_, outlines) = app.get("/api/boundaries.geojson?zoom=5", &app.admin).await;
                let (_, divisions) = app
                    .get("/api/coverage/divisions?level=province", &app.admin)
                    .await;
                let divisions: Value = serde_json::from_str(&divisions).unwrap_or_default();
                if outlines.contains(want)
                    && divisions["items"][0]["total"].as_u64().unwrap_or(0) > 15_000
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            panic!("the server did not take in the import and the outlines ({want})");
        }
    };
    served("\"新城区\"").await;
    let labels = || async {
        let mut shown = Vec::new();
        for _ in 0..5 {
            c.goto(&app.url("/map")).await.unwrap();
            for _ in 0..150 {
                tokio::time::sleep(Duration::from_millis(200)).await;
                shown = c
                    .execute(
                        "return [document.getElementById('map').dataset.outlines || '0', \
                         document.querySelectorAll('.division-label b').length, \
                         document.querySelectorAll('path.outline').length, \
                         document.getElementById('map').dataset.cells || '0']
                         .concat(Array.from(document.querySelectorAll('.division-label'), e => e.textContent));",
                        vec![],
                    )
                    .await
                    .unwrap()
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect::<Vec<String>>();
                if shown[0] != "0" && shown[3] != "0" && shown.len() > 4 {
                    return shown;
                }
            }
        }
        shown
    };
    let shown = labels().await;
    assert!(
        shown[2].parse::<usize>().unwrap() > 10,
        "outlines drawn: {shown:?}"
    );
    assert!(
        shown.iter().any(|l| l == "新城区") && shown.iter().any(|l| l == "回民区"),
        "{shown:?}"
    );
    assert!(text_of(c, "#status").await.contains("网格"));
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000);
    if std::env::var_os("ORGCOVER_UPDATE_SCREENSHOTS").is_some() {
        std::fs::write(
            format!("{}/docs/map-outlines.png", env!("CARGO_MANIFEST_DIR")),
            png,
        )
        .unwrap();
    }

    // The breadcrumb says where the map is and drills down: Hohhot's organization department
    // sees the country and the province above its city, not as links.
    assert_eq!(text_of(c, "#breadcrumb strong").await, "呼和浩特市");
    let above = c
        .find_all(fantoccini::Locator::Css("#breadcrumb > a"))
        .await
        .unwrap()
        .len();
    assert_eq!(above, 0, "nothing above the jurisdiction is a link");
    c.find(fantoccini::Locator::LinkText("新城区"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut here = String::new();
    for _ in 0..50 {
        here = text_of(c, "#breadcrumb strong").await;
        if here == "新城区" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(here, "新城区");
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("division=150102")
    );
    // One level up again, and down to a township of the district.
    assert!(text_of(c, "#breadcrumb").await.contains("海拉尔东路街道"));
    c.find(fantoccini::Locator::Css(
        "#breadcrumb > a[href='/map?division=1501']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    for _ in 0..50 {
        here = text_of(c, "#breadcrumb strong").await;
        if here == "呼和浩特市" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(here, "呼和浩特市");

    // Issue 19.3: the division map colours Hohhot's districts and counties (the divisions
    // one level below the view) by a rate, each named with its figure.
    choose(c, "#mode option[value='divisions']").await;
    let status = until_text(c, "#status", "个区划").await;
    assert!(status.starts_with("9 个区划（县级）"), "{status}");
    let (_, table) = app
        .get("/api/coverage/divisions?parent=1501", &app.org_dept)
        .await;
    let table: Value = serde_json::from_str(&table).unwrap();
    let xincheng = table["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["division_code"] == "150102")
        .unwrap()
        .clone();
    let rate = format!(
        "新城区 {:.1}%",
        xincheng["work_coverage_rate"].as_f64().unwrap() * 100.0
    );
    let shown = c
        .execute(
            "return [document.querySelectorAll('#map path.division-area').length]
             .concat(Array.from(document.querySelectorAll('.division-label'), e => e.textContent));",
            vec![],
        )
        .await
        .unwrap();
    let shown: Vec<String> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .collect();
    assert_eq!(
        shown[0], "9",
        "one area per division with an outline: {shown:?}"
    );
    assert!(shown.contains(&rate), "{rate} in {shown:?}");
    assert!(text_of(c, "#legend").await.contains("工作覆盖率（按区划）"));
    // By a count: the panel ranks the divisions, most uncovered first, and one chosen
    // there shows the figures of the division table.
    choose(c, "#rate option[value='uncovered']").await;
    assert!(
        until_text(c, "#legend", "未覆盖数（按区划）")
            .await
            .contains(" 及以上")
    );
    let most = table["items"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|d| d["uncovered"].as_u64())
        .unwrap()
        .clone();
    let first = text_of(c, "#panel ol.division-list li:first-child").await;
    assert!(
        first.ends_with(&format!(" {}", most["uncovered"])),
        "{first} first, the most uncovered being {most}"
    );
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("mode=divisions")
    );
    let png = c.screenshot().await.unwrap();
    if std::env::var_os("ORGCOVER_UPDATE_SCREENSHOTS").is_some() {
        std::fs::write(
            format!("{}/docs/map-divisions.png", env!("CARGO_MANIFEST_DIR")),
            png,
        )
        .unwrap();
    }
    // Issue 21.2: coloured by the change since the end of the previous quarter, each
    // district named with its rate and change, the panel with its figures then and now.
    let since = {
        use chrono::Datelike;
        let today = orgcover::registry::today();
        chrono::NaiveDate::from_ymd_opt(today.year(), today.month0() / 3 * 3 + 1, 1)
            .unwrap()
            .pred_opt()
            .unwrap()
    };
    c.goto(&app.url(&format!("/map?mode=divisions&division=1501&since={since}")))
        .await
        .unwrap();
    // The first question of a past day rebuilds the registry as it stood then: a debug
    // build on a busy machine takes seconds.
    let legend = {
        let mut legend = String::new();
        for _ in 0..600 {
            legend = text_of(c, "#legend").await;
            if legend.contains("的变化") && text_of(c, "#status").await.contains("9 个区划") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        legend
    };
    assert!(
        legend.contains(&format!("工作覆盖率较 {since} 的变化")) && legend.contains("个百分点"),
        "the legend names the day and the unit of a rate's change: {legend}"
    );
    let label = until_text(c, "#map .division-label", "（").await;
    assert!(label.contains('%') && label.contains('）'), "{label}");
    let list = until_text(c, "#panel ol.division-list", "个百分点").await;
    assert!(list.contains("新城区"), "{list}");
    c.find(fantoccini::Locator::XPath(
        "//ol[@class='division-list']//button[text()='新城区']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let panel = until_text(c, "#panel table.counts", "较 ").await;
    assert!(panel.contains(&since.to_string()), "{panel}");
    let png = c.screenshot().await.unwrap();
    if std::env::var_os("ORGCOVER_UPDATE_SCREENSHOTS").is_some() {
        std::fs::write(
            format!("{}/docs/map-change.png", env!("CARGO_MANIFEST_DIR")),
            png,
        )
        .unwrap();
    }
    c.goto(&app.url("/map?mode=divisions&rate=uncovered"))
        .await
        .unwrap();
    until_text(c, "#status", "9 个区划").await;
    c.find(fantoccini::Locator::XPath(
        "//ol[@class='division-list']//button[text()='新城区']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let counts = until_text(c, "#panel table.counts", "未覆盖").await;
    assert!(
        counts.contains(&format!("未覆盖 {}", xincheng["uncovered"])),
        "{counts} against {xincheng}"
    );
    assert!(
        counts.contains(&format!("应建未建 {}", xincheng["should_build_not_built"])),
        "{counts}"
    );
    until_element(
        c,
        "#map path.division-area.selected",
        "the chosen district outlined",
    )
    .await;
    // Down into the district: its townships have no outline in the file, so they are
    // listed and the status says why the map has no colour.
    c.find(fantoccini::Locator::Css("#panel .division-actions a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = until_text(c, "#status", "乡镇街道").await;
    assert!(status.contains("未导入界线"), "{status}");
    assert_eq!(text_of(c, "#breadcrumb strong").await, "新城区");
    assert!(
        text_of(c, "#panel ol.division-list")
            .await
            .contains("（无界线）")
    );
    let url = c.current_url().await.unwrap();
    assert!(
        url.as_str().contains("division=150102") && url.as_str().contains("rate=uncovered"),
        "{url}"
    );
    // The breadcrumb goes back up in the same mode, and the hexagons come back with the
    // count chosen.
    c.find(fantoccini::Locator::LinkText("呼和浩特市"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until_text(c, "#status", "9 个区划").await;
    choose(c, "#mode option[value='']").await;
    until_text(c, "#status", "个网格").await;
    assert!(
        until_text(c, "#legend", "未覆盖数（按网格）")
            .await
            .contains("0")
    );
    c.goto(&app.url("/map?division=1501")).await.unwrap();
    until_text(c, "#status", "个网格").await;

    // Issue 19.5: the proposed joint branches of a city view are counted in circles, not
    // drawn as a thousand dots, and the legend says so.
    choose(c, "#groups").await;
    until_element(c, "#map path.joint-cluster", "the joint-branch circles").await;
    let tip = tooltip_of(c, "#map path.joint-cluster", 0, "个拟建联合党支部").await;
    assert!(tip.contains("放大查看"), "{tip}");
    assert!(text_of(c, "#legend").await.contains("圈内个数"));
    let (_, groups) = app
        .get("/api/groups.geojson?division=1501", &app.org_dept)
        .await;
    let proposals = serde_json::from_str::<Value>(&groups).unwrap()["features"]
        .as_array()
        .unwrap()
        .len();
    let circles = c
        .find_all(fantoccini::Locator::Css("#map path.joint-cluster"))
        .await
        .unwrap()
        .len();
    assert!(
        circles * 3 < proposals,
        "{circles} circles for {proposals} proposals"
    );

    // A file whose name holds markup: drawn as the text it is.
    let mut seed: Value = serde_json::from_str(&std::fs::read_to_string(SEED).unwrap()).unwrap();
    for f in seed["features"].as_array_mut().unwrap() {
        if f["properties"]["gb"] == "156150102" {
            f["properties"]["name"] = json!("<b>新城区</b><img src=x onerror=alert(1)>");
        }
    }
    let marked = dir.path().join("marked.geojson");
    std::fs::write(&marked, seed.to_string()).unwrap();
    run(&["boundaries", "import", marked.to_str().unwrap()]);
    served("<b>新城区</b>").await;
    let shown = labels().await;
    assert!(
        shown
            .iter()
            .any(|l| l == "<b>新城区</b><img src=x onerror=alert(1)>"),
        "{shown:?}"
    );
    assert_eq!(shown[1], "0", "no element made of a name: {shown:?}");
    browser.stop().await;
}

mod sqlite {
    #[tokio::test]
    async fn the_seed_counties_check_every_door_and_a_wrong_file_changes_nothing() {
        super::the_seed_counties_check_every_door_and_a_wrong_file_changes_nothing(
            super::Backend::Sqlite,
        )
        .await;
    }
}

mod postgres {
    #[tokio::test]
    async fn the_seed_counties_check_every_door_and_a_wrong_file_changes_nothing() {
        super::the_seed_counties_check_every_door_and_a_wrong_file_changes_nothing(
            super::Backend::Postgres,
        )
        .await;
    }
}
