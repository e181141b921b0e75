//! OGC API - Features under `/ogc`, read by the clients planners use: GDAL's OAPIF driver
//! (as QGIS does) and OWSLib, against the real server.

use serde_json::Value;

use crate::helpers::{TestApp, external, python_with};
use crate::on_both_backends;

on_both_backends!(
    the_landing_page_conformance_and_collections_follow_the_standard,
    items_page_with_limit_offset_and_next_links,
    gdal_lists_the_collections_and_reads_every_feature_through_paging,
    owslib_reads_items_in_a_bbox,
);

/// The query parameters the OpenAPI document lists for a path.
fn names_in(openapi: &Value, path: &str) -> Vec<String> {
    openapi["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

/// Every collection the OGC API serves.
const COLLECTIONS: [&str; 7] = [
    "organizations",
    "coverage-res5",
    "coverage-res6",
    "coverage-res7",
    "coverage-res8",
    "gaps",
    "joint-branch-proposals",
];

/// Imports a generated registry through the CLI and waits until the running server has
/// caught up with it (it reads the audit log every second).
async fn registry(app: &TestApp, orgs: usize) {
    let csv = app.path("orgs.csv");
    let csv_text = csv.display().to_string();
    let n = orgs.to_string();
    let out = app.cli(&[
        "generate",
        "--orgs",
        &n,
        "--out",
        &csv_text,
        "--division",
        "1501",
        "--seed",
        "9",
    ]);
    assert!(out.status.success());
    app.cli_ok(&["import", &csv_text]);
    for _ in 0..100 {
        let (_, body) = app
            .get("/ogc/collections/organizations/items?limit=1")
            .await;
        if body["numberMatched"].as_u64().is_some_and(|m| m > 0) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the server did not see the import");
}

async fn get_typed(app: &TestApp, path: &str) -> (u16, String, Value) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let media = r.headers()["content-type"].to_str().unwrap().to_owned();
    (status, media, r.json().await.unwrap_or(Value::Null))
}

fn link<'a>(doc: &'a Value, rel: &str) -> Option<&'a Value> {
    doc["links"].as_array()?.iter().find(|l| l["rel"] == rel)
}

async fn the_landing_page_conformance_and_collections_follow_the_standard(app: TestApp) {
    let (status, media, landing) = get_typed(&app, "/ogc").await;
    assert_eq!((status, media.as_str()), (200, "application/json"));
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(link(&landing, rel).is_some(), "{rel}");
    }
    let desc = link(&landing, "service-desc").unwrap();
    assert_eq!(desc["type"], "application/vnd.oai.openapi+json;version=3.0");
    let href = desc["href"].as_str().unwrap();
    let r = app.client.get(href).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let openapi: Value = r.json().await.unwrap();
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3.0"));
    // Each collection's items path lists its queryables as parameters, as GDAL reads them.
    for collection in COLLECTIONS {
        let names = names_in(&openapi, &format!("/collections/{collection}/items"));
        for name in ["bbox", "limit", "filter", "sortby", "crs"] {
            assert!(names.iter().any(|n| n == name), "{collection}: {names:?}");
        }
    }
    assert!(names_in(&openapi, "/collections/organizations/items").contains(&"kind".to_owned()));
    assert!(openapi["components"]["securitySchemes"]["basic"]["scheme"] == "basic");

    let (_, _, conformance) = get_typed(&app, "/ogc/conformance").await;
    let classes: Vec<&str> = conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for class in ["core", "geojson", "oas30"] {
        assert!(
            classes.contains(
                &format!("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{class}").as_str()
            ),
            "{class}"
        );
    }

    let (_, _, collections) = get_typed(&app, "/ogc/collections").await;
    let ids: Vec<&str> = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "organizations",
            "coverage-res5",
            "coverage-res6",
            "coverage-res7",
            "coverage-res8",
            "gaps",
            "joint-branch-proposals"
        ]
    );
    let (status, _, gaps) = get_typed(&app, "/ogc/collections/gaps").await;
    assert_eq!(status, 200);
    assert_eq!(
        link(&gaps, "items").unwrap()["type"],
        "application/geo+json"
    );
    assert_eq!(
        gaps["extent"]["spatial"]["bbox"][0]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let (status, _, _) = get_typed(&app, "/ogc/collections/nothing").await;
    assert_eq!(status, 404);
    let (status, _, _) = get_typed(&app, "/ogc/collections?f=xml").await;
    assert_eq!(status, 406);
}

async fn items_page_with_limit_offset_and_next_links(app: TestApp) {
    registry(&app, 250).await;
    let (status, media, page) =
        get_typed(&app, "/ogc/collections/organizations/items?limit=100").await;
    assert_eq!((status, media.as_str()), (200, "application/geo+json"));
    assert_eq!(page["numberReturned"], 100);
    let matched = page["numberMatched"].as_u64().unwrap();
    assert!(
        matched > 200,
        "the operating organizations of 250: {matched}"
    );
    // Following `next` visits every feature once.
    let mut seen = std::collections::BTreeSet::new();
    let mut next = Some(app.url("/ogc/collections/organizations/items?limit=100"));
    while let Some(url) = next {
        let page: Value = app
            .client
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for f in page["features"].as_array().unwrap() {
            assert!(
                seen.insert(f["id"].as_i64().unwrap()),
                "a feature came twice"
            );
            assert_eq!(f["geometry"]["type"], "Point");
        }
        next = link(&page, "next").map(|l| l["href"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen.len() as u64, matched);

    // One feature by its id, with links.
    let id = seen.iter().next().unwrap();
    let (status, _, feature) =
        get_typed(&app, &format!("/ogc/collections/organizations/items/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(feature["id"], *id);
    assert!(feature["properties"]["recommendation"].is_string());
    assert!(link(&feature, "collection").is_some());
    let (_, _, cell) = get_typed(&app, "/ogc/collections/coverage-res7/items?limit=1").await;
    let cell_id = cell["features"][0]["id"].as_str().unwrap().to_owned();
    let (status, _, one) = get_typed(
        &app,
        &format!("/ogc/collections/coverage-res7/items/{cell_id}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        one["properties"]["total"],
        cell["features"][0]["properties"]["total"]
    );
    let (status, _, _) = get_typed(&app, "/ogc/collections/organizations/items/999999").await;
    assert_eq!(status, 404);

    // The maximum limit is 10,000: more is answered with at most that.
    let (status, _, big) =
        get_typed(&app, "/ogc/collections/organizations/items?limit=50000").await;
    assert_eq!(status, 200);
    assert_eq!(big["numberReturned"].as_u64().unwrap(), matched.min(10_000));
    // OGC API - Features Part 1 (7.6) and our /ogc/api answer a bad parameter with 400,
    // naming it.
    for (bad, field) in [
        ("limit=0", "limit"),
        ("limit=x", "limit"),
        ("offset=-1", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("colour=red", "colour"),
    ] {
        let (status, _, body) =
            get_typed(&app, &format!("/ogc/collections/organizations/items?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(
            body["field"] == field || error.contains(field),
            "{bad}: {body}"
        );
    }
}

/// `ogrinfo` over OAPIF: the way QGIS reads the service.
fn ogrinfo(token: &str, args: &[&str]) -> String {
    gdal("ogrinfo", token, &[&["-ro"], args].concat())
}

/// A GDAL program run with the token as a Bearer header; its standard output.
fn gdal(program: &str, token: &str, args: &[&str]) -> String {
    let out = external(program, "apt-get install gdal-bin")
        .env(
            "GDAL_HTTP_HEADERS",
            format!("Authorization: Bearer {token}"),
        )
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

async fn gdal_lists_the_collections_and_reads_every_feature_through_paging(app: TestApp) {
    registry(&app, 400).await;
    let source = format!("OAPIF:{}/ogc", app.address);
    let listing = tokio::task::spawn_blocking({
        let source = source.clone();
        let token = app.token.clone();
        move || ogrinfo(&token, &[&source])
    })
    .await
    .unwrap();
    for name in [
        "organizations",
        "coverage-res7",
        "gaps",
        "joint-branch-proposals",
    ] {
        assert!(
            listing.contains(&format!(": {name} ")),
            "{name} in {listing}"
        );
    }
    for collection in ["organizations", "gaps", "joint-branch-proposals"] {
        let (_, _, first) = get_typed(
            &app,
            &format!("/ogc/collections/{collection}/items?limit=1"),
        )
        .await;
        let matched = first["numberMatched"].as_u64().unwrap() as usize;
        assert!(matched > 4, "{collection}: {matched}");
        // A page of a third makes GDAL follow `next` links several times.
        let page_size = format!("PAGE_SIZE={}", matched / 3);
        let text = tokio::task::spawn_blocking({
            let source = source.clone();
            let token = app.token.clone();
            move || {
                ogrinfo(
                    &token,
                    &["-al", "-q", "-oo", &page_size, &source, collection],
                )
            }
        })
        .await
        .unwrap();
        let read = text.lines().filter(|l| l.starts_with("OGRFeature")).count();
        assert_eq!(read, matched, "{collection}");
    }
}

async fn owslib_reads_items_in_a_bbox(app: TestApp) {
    registry(&app, 300).await;
    let bbox = "111.5,40.7,111.9,41.0";
    let (_, expected) = app
        .get(&format!("/api/orgs?bbox={bbox}&status=active&limit=1"))
        .await;
    let (_, changed) = app
        .get(&format!("/api/orgs?bbox={bbox}&status=changed&limit=1"))
        .await;
    let operating = expected["total"].as_u64().unwrap() + changed["total"].as_u64().unwrap();
    assert!(operating > 0);
    let result = owslib(
        &app,
        "ids = [c['id'] for c in api.collections()['collections']]\n\
                 items = api.collection_items('organizations', bbox=[111.5, 40.7, 111.9, 41.0], limit=10000)\n\
                 inside = all(111.5 <= f['geometry']['coordinates'][0] <= 111.9 and 40.7 <= f['geometry']['coordinates'][1] <= 41.0 for f in items['features'])\n\
                 print(json.dumps({'collections': ids, 'matched': items['numberMatched'], 'returned': len(items['features']), 'inside': inside}))",
    )
    .await;
    assert!(
        result["collections"]
            .as_array()
            .unwrap()
            .contains(&"gaps".into())
    );
    assert_eq!(result["matched"], operating);
    assert_eq!(result["returned"], operating);
    assert_eq!(result["inside"], true);
}

/// Runs `script` in Python with OWSLib's `api` (a `Features` client of the app's `/ogc`
/// with its token) set up, and reads the JSON it prints.
async fn owslib(app: &TestApp, script: &str) -> Value {
    let url = format!("{}/ogc", app.address);
    let token = app.token.clone();
    let script = format!(
        "import json, sys\n\
         from owslib.ogcapi.features import Features\n\
         api = Features(sys.argv[1], headers={{'Authorization': 'Bearer ' + sys.argv[2]}})\n\
         {script}"
    );
    let out = tokio::task::spawn_blocking(move || {
        python_with("owslib")
            .arg("-c")
            .arg(script)
            .arg(url)
            .arg(token)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A feature's properties as text to compare: numbers to nine places (a copy may write
/// `0.8333` as `0.833300000000000`), GDAL's `id` field and nulls left out (FlatGeobuf
/// leaves a null field unset, and GDAL writes an unset one as no property).
fn canonical(feature: &Value) -> String {
    let mut props: Vec<(String, String)> = feature["properties"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| *k != "id" && !v.is_null())
        .map(|(k, v)| {
            let v = match v {
                Value::Number(n) => format!("{:.9}", n.as_f64().unwrap()),
                other => other.to_string(),
            };
            (k.clone(), v)
        })
        .collect();
    props.sort();
    format!("{props:?}")
}

/// The field types GDAL gives a layer: `name: Real (0.0)` lines of `ogrinfo -so`.
fn field_types(summary: &str) -> std::collections::HashMap<String, String> {
    summary
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.split_once(": ")?;
            let kind = rest.split_once(" (")?.0;
            matches!(
                kind,
                "Real" | "Integer" | "Integer64" | "String" | "Date" | "DateTime"
            )
            .then(|| (name.to_owned(), kind.to_owned()))
        })
        .collect()
}

/// Checks a GDAL layer against what the API served: each property's field type (a float
/// anywhere makes it Real) and every feature's values.
fn same_as_served(
    what: &str,
    summary: &str,
    copy: &str,
    kinds: &std::collections::HashMap<String, &str>,
    expected: &[String],
) {
    let types = field_types(summary);
    for (name, kind) in kinds {
        let got = types.get(name).map(String::as_str);
        let fits = match *kind {
            "Integer" => matches!(got, Some("Integer" | "Integer64")),
            other => got == Some(other),
        };
        assert!(fits, "{what}: {name} is {got:?}, served {kind}");
    }
    let copy: Value = serde_json::from_str(copy).unwrap();
    let mut copied: Vec<String> = copy["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(canonical)
        .collect();
    copied.sort();
    assert_eq!(copied.len(), expected.len(), "{what}");
    let differing = copied.iter().zip(expected).find(|(a, b)| a != b);
    assert!(differing.is_none(), "{what}: {differing:?}");
}

/// Issue 20 item 1: a planner copies each collection with `ogr2ogr`, reading pages of ten as
/// QGIS samples them. Every rate, target and distance is a Real field in GeoPackage and
/// FlatGeobuf, every count an integer, and every value equals the API's: a rate typed
/// Integer from a first page of whole rates would drop every later fraction.
#[tokio::test]
async fn gdal_copies_every_collection_to_geopackage_and_flatgeobuf_with_real_rates_and_the_same_values()
 {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    registry(&app, 600).await;
    let source = format!("OAPIF:{}/ogc", app.address);
    for collection in COLLECTIONS {
        let (_, _, all) = get_typed(
            &app,
            &format!("/ogc/collections/{collection}/items?limit=10000"),
        )
        .await;
        let served = all["features"].as_array().unwrap().clone();
        assert!(served.len() > 1, "{collection}: {}", served.len());
        let mut expected: Vec<String> = served.iter().map(canonical).collect();
        expected.sort();
        // What each property is, from everything served: a float anywhere makes it Real.
        let mut kinds = std::collections::HashMap::<String, &str>::new();
        for f in &served {
            for (name, v) in f["properties"].as_object().unwrap() {
                let kind = match v {
                    Value::Number(n) if n.is_f64() => "Real",
                    Value::Number(_) => "Integer",
                    Value::String(_) => "String",
                    _ => continue,
                };
                let seen = kinds.entry(name.clone()).or_insert(kind);
                if kind == "Real" {
                    *seen = "Real";
                }
            }
        }
        // Rates, targets and distances are floats in every feature, whole or not.
        for f in &served {
            for (name, v) in f["properties"].as_object().unwrap() {
                if name.ends_with("_rate") || name == "max_distance_m" {
                    assert!(v.is_f64(), "{collection}: {name} is {v}, not a float");
                }
            }
        }
        for (driver, extension) in [
            ("GeoJSON", "geojson"),
            ("GPKG", "gpkg"),
            ("FlatGeobuf", "fgb"),
        ] {
            let copy = app.path(&format!("{collection}.{extension}"));
            let copy_text = copy.display().to_string();
            let token = app.token.clone();
            let source = source.clone();
            let (summary, back) = tokio::task::spawn_blocking(move || {
                gdal(
                    "ogr2ogr",
                    &token,
                    &[
                        "-f",
                        driver,
                        &copy_text,
                        &source,
                        collection,
                        "-oo",
                        "PAGE_SIZE=10",
                    ],
                );
                let summary = gdal("ogrinfo", &token, &["-ro", "-so", &copy_text, collection]);
                let back = gdal(
                    "ogr2ogr",
                    &token,
                    &["-f", "GeoJSON", "/vsistdout/", &copy_text, collection],
                );
                (summary, back)
            })
            .await
            .unwrap();
            same_as_served(
                &format!("{collection} in {driver}"),
                &summary,
                &back,
                &kinds,
                &expected,
            );
        }

        // The server's own FlatGeobuf (f=fgb): the same columns, types and values.
        let fgb = app
            .client
            .get(app.url(&format!(
                "/ogc/collections/{collection}/items?f=fgb&limit=10000"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(fgb.headers()["content-type"], "application/flatgeobuf");
        let file = app.path(&format!("{collection}-served.fgb"));
        std::fs::write(&file, fgb.bytes().await.unwrap()).unwrap();
        let file_text = file.display().to_string();
        let token = app.token.clone();
        let (summary, back) = tokio::task::spawn_blocking(move || {
            (
                gdal("ogrinfo", &token, &["-ro", "-so", &file_text, collection]),
                gdal(
                    "ogr2ogr",
                    &token,
                    &["-f", "GeoJSON", "/vsistdout/", &file_text, collection],
                ),
            )
        })
        .await
        .unwrap();
        same_as_served(
            &format!("{collection} served as FlatGeobuf"),
            &summary,
            &back,
            &kinds,
            &expected,
        );
    }

    // The gap list as FlatGeobuf, from the API and from the command line, holds every gap.
    let (_, gaps) = app.get("/api/gaps.geojson?res=7").await;
    let gap_count = gaps["features"].as_array().unwrap().len();
    let served = app
        .client
        .get(app.url("/api/gaps.fgb?res=7"))
        .send()
        .await
        .unwrap();
    assert!(
        served.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".fgb")
    );
    let api_file = app.path("api-gaps.fgb");
    std::fs::write(&api_file, served.bytes().await.unwrap()).unwrap();
    let cli_file = app.path("cli-gaps.fgb");
    app.cli_ok(&[
        "export",
        "gaps",
        "--res",
        "7",
        "--out",
        &cli_file.display().to_string(),
    ]);
    for file in [api_file, cli_file] {
        let file_text = file.display().to_string();
        let token = app.token.clone();
        let summary = tokio::task::spawn_blocking(move || {
            gdal("ogrinfo", &token, &["-ro", "-so", &file_text, "gaps"])
        })
        .await
        .unwrap();
        assert!(
            summary.contains(&format!("Feature Count: {gap_count}")),
            "{}: {summary}",
            file.display()
        );
        assert_eq!(field_types(&summary)["work_coverage_rate"], "Real");
    }
}

/// PyQGIS from Debian's python3-qgis (QGIS 3.22), which runs on the system's Python.
fn pyqgis() -> std::process::Command {
    let ok = std::process::Command::new("/usr/bin/python3")
        .args(["-c", "import qgis.core"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the tests need PyQGIS: apt-get install python3-qgis qgis-providers (or run .ci/run)"
    );
    let mut command = std::process::Command::new("/usr/bin/python3");
    command.env("QT_QPA_PLATFORM", "offscreen");
    command
}

/// What both PyQGIS scripts start with: QGIS started headless and a "Basic"
/// authentication configuration made as a QGIS user makes one (Settings > Options >
/// Authentication) from argv[2] and argv[3]; `layer(name)` loads a collection of the OGC
/// API at argv[1] through it, and `done(answer)` prints the answer and ends.
const QGIS_SIGN_IN: &str = r#"
import json, os, sys
from qgis.core import (QgsApplication, QgsAuthMethodConfig, QgsDataSourceUri, QgsVectorLayer,
    QgsMapSettings, QgsMapRendererParallelJob, QgsGraduatedSymbolRenderer, QgsRendererRange,
    QgsFillSymbol, QgsMarkerSymbol, QgsSingleSymbolRenderer, QgsCoordinateReferenceSystem,
    QgsCoordinateTransform, QgsProject, QgsRectangle)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
app = QgsApplication([], False)
app.initQgis()
auth = QgsApplication.authManager()
auth.setMasterPassword('orgcover tests', True)
config = QgsAuthMethodConfig('Basic')
config.setName('orgcover')
config.setConfig('username', sys.argv[2])
config.setConfig('password', sys.argv[3])
auth.storeAuthenticationConfig(config)
def layer(name):
    uri = QgsDataSourceUri()
    uri.setParam('url', sys.argv[1])
    uri.setParam('typename', name)
    uri.setAuthConfigId(config.id())
    return QgsVectorLayer(uri.uri(False), name, 'OAPIF')
def done(answer):
    print(json.dumps(answer), flush=True)
    # PyQGIS 3.22 crashes in exitQgis() while layers live; the answer is out already.
    os._exit(0)
"#;

/// Loads the collections named after argv[3]; the answer gives, per collection, whether
/// the layer is valid, its feature count and its field types.
const QGIS_LOAD: &str = r#"
out = {}
for collection in sys.argv[4:]:
    loaded = layer(collection)
    out[collection] = {'valid': loaded.isValid()}
    if loaded.isValid():
        features = list(loaded.getFeatures())
        out[collection]['count'] = len(features)
        out[collection]['fields'] = {f.name(): f.typeName() for f in loaded.fields()}
done(out)
"#;

/// Renders coverage-res7 (coloured by work coverage in five classes), the gaps (outlined)
/// and the organizations (dots) as a QGIS user styles them, into argv[4] over the box of
/// argv[5]; answers how many pixels each class colour covers. A rate typed Integer would leave only the 0 and 100 %
/// classes (issue 20).
const QGIS_RENDER: &str = r#"
colours = ['#b2182b', '#ef8a62', '#fddbc7', '#d1e5f0', '#2166ac']
bounds = [0, 0.2, 0.4, 0.6, 0.8, 1.0001]
cells = layer('coverage-res7')
ranges = [QgsRendererRange(bounds[i], bounds[i + 1],
          QgsFillSymbol.createSimple({'color': colours[i], 'outline_color': '#ffffff', 'outline_width': '0.2'}),
          '%d-%d %%' % (bounds[i] * 100, min(bounds[i + 1], 1) * 100)) for i in range(5)]
cells.setRenderer(QgsGraduatedSymbolRenderer('work_coverage_rate', ranges))
gaps = layer('gaps')
gaps.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
    {'color': '0,0,0,0', 'outline_color': '#000000', 'outline_width': '0.45'})))
orgs = layer('organizations')
orgs.setRenderer(QgsSingleSymbolRenderer(QgsMarkerSymbol.createSimple(
    {'name': 'circle', 'color': '#333333', 'size': '0.8', 'outline_style': 'no'})))
mercator = QgsCoordinateReferenceSystem('EPSG:3857')
settings = QgsMapSettings()
settings.setLayers([orgs, gaps, cells])
settings.setDestinationCrs(mercator)
settings.setBackgroundColor(QColor('#f4f1ea'))
settings.setOutputSize(QSize(900, 700))
to_mercator = QgsCoordinateTransform(cells.crs(), mercator, QgsProject.instance())
# The city's districts, where the organizations are (argv[5]: west,south,east,north).
west, south, east, north = map(float, sys.argv[5].split(','))
settings.setExtent(to_mercator.transformBoundingBox(QgsRectangle(west, south, east, north)))
job = QgsMapRendererParallelJob(settings)
job.start()
job.waitForFinished()
image = job.renderedImage()
image.save(sys.argv[4], 'png')
counts = {c: 0 for c in colours}
wanted = {QColor(c).rgb(): c for c in colours}
for y in range(0, image.height(), 2):
    for x in range(0, image.width(), 2):
        c = wanted.get(image.pixel(x, y))
        if c:
            counts[c] += 1
done({'valid': [l.isValid() for l in (cells, gaps, orgs)], 'classes': counts})
"#;

/// Issue 20 item 2: QGIS 3.22 has no header authentication, so `/ogc` takes HTTP Basic
/// with the account's name and an API token as the password, never the account's password
/// (a stolen QGIS project then holds a credential that can be revoked), and only there (a
/// browser would send remembered Basic credentials to the pages that change data).
#[tokio::test]
async fn qgis_signs_in_to_the_ogc_api_with_basic_and_an_api_token() {
    use crate::helpers::{PASSWORD, token_for};
    use orgcover::domain::access::Role;
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    registry(&app, 300).await;
    let (token_id, token) = token_for(&app, "hohhot-gis", Role::Planner, "1501").await;
    let anonymous = reqwest::Client::new();
    let status = |path: &str, user: &str, password: &str| {
        anonymous
            .get(app.url(path))
            .basic_auth(user, Some(password))
            .send()
    };
    for path in [
        "/ogc",
        "/ogc/conformance",
        "/ogc/api",
        "/ogc/collections",
        "/ogc/collections/gaps/items?limit=5",
    ] {
        let r = status(path, "hohhot-gis", &token).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    // The account's password, another account's name, or Basic outside /ogc: refused,
    // with the challenge QGIS and GDAL answer and a message saying what to send.
    for (path, user, password) in [
        ("/ogc/collections", "hohhot-gis", PASSWORD),
        ("/ogc/collections", "admin", token.as_str()),
        ("/api/orgs", "hohhot-gis", token.as_str()),
    ] {
        let r = status(path, user, password).await.unwrap();
        assert_eq!(r.status(), 401, "{path} as {user}");
        let challenges: Vec<_> = r
            .headers()
            .get_all("www-authenticate")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let body: Value = r.json().await.unwrap();
        let error = body["error"].as_str().unwrap();
        if path.starts_with("/ogc") {
            assert!(
                challenges.iter().any(|c| c.starts_with("Basic realm=")),
                "{challenges:?}"
            );
            assert!(
                error.contains("HTTP Basic") && error.contains("不是登录密码"),
                "{error}"
            );
        } else {
            assert_eq!(challenges, ["Bearer"]);
        }
    }

    // QGIS itself, as a user sets it up, sees the jurisdiction's features with Real rates.
    let (_, _, cells) = get_typed(&app, "/ogc/collections/coverage-res6/items?limit=1").await;
    let ogc = format!("{}/ogc", app.address);
    let auth_dir = app.path("qgis-auth");
    std::fs::create_dir_all(&auth_dir).unwrap();
    let load = |token: String| {
        let ogc = ogc.clone();
        let auth_dir = auth_dir.clone();
        tokio::task::spawn_blocking(move || {
            pyqgis()
                .env("QGIS_AUTH_DB_DIR_PATH", &auth_dir)
                .args([
                    "-c",
                    &format!("{QGIS_SIGN_IN}{QGIS_LOAD}"),
                    &ogc,
                    "hohhot-gis",
                    &token,
                ])
                .args(["organizations", "coverage-res6"])
                .output()
                .unwrap()
        })
    };
    let out = load(token.clone()).await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    let layer = &seen["coverage-res6"];
    assert_eq!(layer["valid"], true, "{seen}");
    // The planner's jurisdiction is Hohhot: the admin's count of Hohhot's hexagons.
    let hohhot_cells = {
        let (_, _, all) = get_typed(&app, "/ogc/collections/coverage-res6/items?limit=10000").await;
        all["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["properties"]["division_code"]
                    .as_str()
                    .unwrap()
                    .starts_with("1501")
            })
            .count()
    };
    assert!(cells["numberMatched"].as_u64().unwrap() > 0);
    assert_eq!(layer["count"], hohhot_cells, "{seen}");
    for rate in [
        "own_organization_rate",
        "org_coverage_rate",
        "work_coverage_rate",
    ] {
        assert_eq!(layer["fields"][rate], "Real", "{seen}");
    }
    let (_, orgs) = app.get("/api/orgs?division=1501&limit=1").await;
    assert!(
        seen["organizations"]["count"].as_u64().unwrap() > 0,
        "{seen}"
    );
    assert!(seen["organizations"]["count"].as_u64() <= orgs["total"].as_u64());

    // A QGIS rendering styled by work coverage shows the classes between 0 and 100 %; the
    // README's picture is this rendering (ORGCOVER_UPDATE_SCREENSHOTS=1 writes it).
    let picture = if std::env::var_os("ORGCOVER_UPDATE_SCREENSHOTS").is_some() {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/qgis-coverage.png")
    } else {
        app.path("qgis-coverage.png")
    };
    let rendered = {
        let (ogc, auth_dir, token, picture) = (
            ogc.clone(),
            auth_dir.clone(),
            token.clone(),
            picture.clone(),
        );
        tokio::task::spawn_blocking(move || {
            pyqgis()
                .env("QGIS_AUTH_DB_DIR_PATH", &auth_dir)
                .args([
                    "-c",
                    &format!("{QGIS_SIGN_IN}{QGIS_RENDER}"),
                    &ogc,
                    "hohhot-gis",
                    &token,
                ])
                .arg(&picture)
                .arg("111.45,40.68,111.95,40.98")
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let drawn: Value = serde_json::from_slice(&rendered.stdout).unwrap();
    assert_eq!(
        drawn["valid"],
        serde_json::json!([true, true, true]),
        "{drawn}"
    );
    let classes_drawn = drawn["classes"]
        .as_object()
        .unwrap()
        .values()
        .filter(|n| n.as_u64().unwrap() > 50)
        .count();
    assert!(classes_drawn >= 4, "{drawn}");
    assert!(std::fs::metadata(&picture).unwrap().len() > 10_000);

    // A revoked token: the project's layers stop loading.
    assert!(
        app.store
            .revoke_token(token_id, None, "test")
            .await
            .unwrap()
    );
    let out = load(token).await.unwrap();
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seen["coverage-res6"]["valid"], false, "{seen}");
}

/// Every feature of an items request, following `next` links as a client does.
async fn all_pages(app: &TestApp, first: &str) -> Vec<Value> {
    let mut features = Vec::new();
    let mut url = app.url(first);
    loop {
        let page: Value = app
            .client
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        features.extend(page["features"].as_array().unwrap().iter().cloned());
        match link(&page, "next") {
            Some(next) => url = next["href"].as_str().unwrap().to_owned(),
            None => return features,
        }
    }
}

/// Issue 20 item 4, Part 3: OWSLib reads the queryables and sends a CQL2 filter and
/// `sortby`; the server answers exactly the organizations the filter says, in order, with
/// paging that keeps the filter; cql2-json, a property parameter, S_INTERSECTS and the
/// `bbox` agree; a bad filter is a 400 naming it.
#[tokio::test]
async fn owslib_filters_and_sorts_organizations_on_the_server_with_cql2() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    registry(&app, 600).await;
    let everything = all_pages(&app, "/ogc/collections/organizations/items?limit=10000").await;
    let selective = |f: &&Value| {
        f["properties"]["kind"] == "foundation"
            && f["properties"]["formal_members"].as_u64().unwrap() >= 3
    };
    let mut expected: Vec<i64> = everything
        .iter()
        .filter(selective)
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    expected.sort();
    assert!(expected.len() > 3, "{}", expected.len());

    let r = app
        .client
        .get(app.url("/ogc/collections/organizations/queryables"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/schema+json");
    let queryables: Value = r.json().await.unwrap();
    assert_eq!(
        queryables["properties"]["formal_members"]["type"],
        "integer"
    );
    assert!(
        queryables["properties"]["kind"]["enum"]
            .as_array()
            .unwrap()
            .contains(&"foundation".into())
    );
    assert_eq!(
        queryables["properties"]["geometry"]["format"],
        "geometry-point"
    );

    let seen = owslib(
        &app,
        "q = api.collection_queryables('organizations')\n\
                 items = api.collection_items('organizations', filter=\"kind = 'foundation' AND formal_members >= 3\", sortby=('formal_members', 'desc'), limit=3)\n\
                 print(json.dumps({'queryables': sorted(q['properties']), 'matched': items['numberMatched'], 'members': [f['properties']['formal_members'] for f in items['features']], 'next': [l['href'] for l in items['links'] if l['rel'] == 'next']}))",
    )
    .await;
    assert!(
        seen["queryables"]
            .as_array()
            .unwrap()
            .contains(&"recommendation".into())
    );
    assert_eq!(seen["matched"], expected.len());
    let members: Vec<u64> = seen["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_u64().unwrap())
        .collect();
    assert_eq!(members.len(), 3);
    assert!(members.windows(2).all(|w| w[0] >= w[1]), "{members:?}");
    let most = everything
        .iter()
        .filter(selective)
        .map(|f| f["properties"]["formal_members"].as_u64().unwrap())
        .max()
        .unwrap();
    assert_eq!(members[0], most);
    // The next link keeps the filter and the order: following it gives the rest.
    let next = seen["next"][0].as_str().unwrap();
    assert!(
        next.contains("filter=") && next.contains("sortby="),
        "{next}"
    );

    let ids = |features: Vec<Value>| {
        let mut ids: Vec<i64> = features.iter().map(|f| f["id"].as_i64().unwrap()).collect();
        ids.sort();
        ids
    };
    let text_filter =
        form_urlencoded::byte_serialize("kind = 'foundation' AND formal_members >= 3".as_bytes())
            .collect::<String>();
    let paged = ids(all_pages(
        &app,
        &format!("/ogc/collections/organizations/items?limit=5&sortby=-formal_members&filter={text_filter}"),
    )
    .await);
    assert_eq!(paged, expected);
    let json_filter = form_urlencoded::byte_serialize(
        br#"{"op":"and","args":[{"op":"=","args":[{"property":"kind"},"foundation"]},{"op":">=","args":[{"property":"formal_members"},3]}]}"#,
    )
    .collect::<String>();
    let by_json = ids(all_pages(
        &app,
        &format!("/ogc/collections/organizations/items?limit=10000&filter-lang=cql2-json&filter={json_filter}"),
    )
    .await);
    assert_eq!(by_json, expected);

    // A property as a parameter is an equality, as GDAL sends for -where.
    let three: Vec<i64> = {
        let mut v: Vec<i64> = everything
            .iter()
            .filter(|f| {
                f["properties"]["kind"] == "foundation" && f["properties"]["formal_members"] == 3
            })
            .map(|f| f["id"].as_i64().unwrap())
            .collect();
        v.sort();
        v
    };
    let by_parameter = ids(all_pages(
        &app,
        "/ogc/collections/organizations/items?limit=10000&kind=foundation&formal_members=3",
    )
    .await);
    assert_eq!(by_parameter, three);

    // S_INTERSECTS with a box finds what bbox finds.
    let in_box = ids(all_pages(
        &app,
        "/ogc/collections/organizations/items?limit=10000&bbox=111.5,40.7,111.9,41.0",
    )
    .await);
    let intersecting = ids(all_pages(
        &app,
        &format!(
            "/ogc/collections/organizations/items?limit=10000&filter={}",
            form_urlencoded::byte_serialize(
                b"S_INTERSECTS(geometry, BBOX(111.5, 40.7, 111.9, 41.0))"
            )
            .collect::<String>()
        ),
    )
    .await);
    assert!(!in_box.is_empty());
    assert_eq!(intersecting, in_box);

    // properties= and skipGeometry shape each feature.
    let (_, _, shaped) = get_typed(
        &app,
        "/ogc/collections/gaps/items?limit=3&properties=cell,priority&skipGeometry=true",
    )
    .await;
    for f in shaped["features"].as_array().unwrap() {
        assert!(f["geometry"].is_null());
        let keys: Vec<&String> = f["properties"].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 2, "{f}");
    }
    // Cells filter on their rates.
    let (_, _, low) = get_typed(
        &app,
        &format!(
            "/ogc/collections/coverage-res7/items?limit=10000&filter={}",
            form_urlencoded::byte_serialize(b"work_coverage_rate < 0.5 AND total > 1")
                .collect::<String>()
        ),
    )
    .await;
    for f in low["features"].as_array().unwrap() {
        assert!(f["properties"]["work_coverage_rate"].as_f64().unwrap() < 0.5);
        assert!(f["properties"]["total"].as_u64().unwrap() > 1);
    }

    for (query, field) in [
        ("filter=colour%20%3D%20%27red%27", "filter"),
        ("filter=kind%20%3D", "filter"),
        ("filter-lang=sql&filter=x", "filter-lang"),
        ("sortby=colour", "sortby"),
        ("properties=colour", "properties"),
        ("crs=EPSG:3857", "crs"),
        ("skipGeometry=maybe", "skipGeometry"),
    ] {
        let (status, _, body) = get_typed(
            &app,
            &format!("/ogc/collections/organizations/items?{query}"),
        )
        .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["field"], field, "{query}: {body}");
    }

    // GDAL sends -where's equalities to the server, since /ogc/api lists them.
    let source = format!("OAPIF:{}/ogc", app.address);
    let token = app.token.clone();
    let out = tokio::task::spawn_blocking(move || {
        external("ogrinfo", "apt-get install gdal-bin")
            .env(
                "GDAL_HTTP_HEADERS",
                format!("Authorization: Bearer {token}"),
            )
            .env("CPL_DEBUG", "ON")
            .args(["-ro", "-so", &source, "organizations", "-where"])
            .arg("kind = 'foundation' AND formal_members = 3")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("kind=foundation&formal_members=3"), "{log}");
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains(&format!("Feature Count: {}", three.len())),
        "{summary}"
    );
}

/// Issue 20 item 4, Part 2: items in CGCS2000 (EPSG:4490) and EPSG:4326 put the latitude
/// first with the same numbers pyproj's transformation gives; `bbox-crs` reads a box in
/// that order; each collection's extent is the box of what the account sees.
#[tokio::test]
async fn items_come_in_cgcs2000_as_pyproj_transforms_them_and_extents_are_the_jurisdictions() {
    use crate::helpers::token_for;
    use orgcover::domain::access::Role;
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    registry(&app, 300).await;
    let (_, _, plain) = get_typed(&app, "/ogc/collections/organizations/items?limit=20").await;
    let r = app
        .client
        .get(app.url(
            "/ogc/collections/organizations/items?limit=20&crs=http://www.opengis.net/def/crs/EPSG/0/4490",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-crs"],
        "<http://www.opengis.net/def/crs/EPSG/0/4490>"
    );
    let cgcs: Value = r.json().await.unwrap();
    let points: Vec<[f64; 2]> = plain["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()]
        })
        .collect();
    let out = python_with("pyproj")
        .arg("-c")
        .arg(
            "import json, sys\n\
             from pyproj import Transformer\n\
             t = Transformer.from_crs('OGC:CRS84', 'EPSG:4490')\n\
             print(json.dumps([list(t.transform(lon, lat)) for lon, lat in json.loads(sys.argv[1])]))",
        )
        .arg(serde_json::to_string(&points).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference: Vec<[f64; 2]> = serde_json::from_slice(&out.stdout).unwrap();
    for (f, [lat, lon]) in cgcs["features"].as_array().unwrap().iter().zip(&reference) {
        let c = &f["geometry"]["coordinates"];
        assert!((c[0].as_f64().unwrap() - lat).abs() < 1e-7, "{f}");
        assert!((c[1].as_f64().unwrap() - lon).abs() < 1e-7, "{f}");
    }
    // One feature in CGCS2000: latitude first too.
    let first = &plain["features"][0];
    let r = app
        .client
        .get(app.url(&format!(
            "/ogc/collections/organizations/items/{}?crs=EPSG:4490",
            first["id"]
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-crs"],
        "<http://www.opengis.net/def/crs/EPSG/0/4490>"
    );
    let one: Value = r.json().await.unwrap();
    assert_eq!(
        one["geometry"]["coordinates"][0],
        first["geometry"]["coordinates"][1]
    );
    // A box in EPSG:4326 is south,west,north,east.
    let (_, _, lon_first) = get_typed(
        &app,
        "/ogc/collections/organizations/items?bbox=111.5,40.7,111.9,41.0",
    )
    .await;
    let (status, _, lat_first) = get_typed(
        &app,
        "/ogc/collections/organizations/items?bbox=40.7,111.5,41.0,111.9&bbox-crs=EPSG:4326",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(lat_first["numberMatched"], lon_first["numberMatched"]);
    assert!(lon_first["numberMatched"].as_u64().unwrap() > 0);

    // The collections list the systems, and each extent holds every feature the account
    // reads: a planner of Hohhot gets Hohhot's box, not China's.
    let (_, hohhot) = token_for(&app, "hohhot", Role::Planner, "150102").await;
    let described: Value = app
        .client
        .get(app.url("/ogc/collections"))
        .bearer_auth(&hohhot)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for c in described["collections"].as_array().unwrap() {
        assert!(
            c["crs"]
                .as_array()
                .unwrap()
                .contains(&"http://www.opengis.net/def/crs/EPSG/0/4490".into()),
            "{c}"
        );
        assert_eq!(
            c["storageCrs"],
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        );
        let b: Vec<f64> = c["extent"]["spatial"]["bbox"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert!(b[2] - b[0] < 2.0 && b[3] - b[1] < 2.0, "{}: {b:?}", c["id"]);
        let id = c["id"].as_str().unwrap();
        // The account's jurisdiction holds fewer than a page of anything.
        let features: Value = app
            .client
            .get(app.url(&format!("/ogc/collections/{id}/items?limit=10000")))
            .bearer_auth(&hohhot)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(link(&features, "next").is_none());
        let mut positions = Vec::new();
        fn collect(v: &Value, out: &mut Vec<[f64; 2]>) {
            match v.as_array() {
                Some(a) if a.len() == 2 && a.iter().all(Value::is_number) => {
                    out.push([a[0].as_f64().unwrap(), a[1].as_f64().unwrap()])
                }
                Some(a) => a.iter().for_each(|x| collect(x, out)),
                None => {}
            }
        }
        for f in features["features"].as_array().unwrap() {
            collect(&f["geometry"]["coordinates"], &mut positions);
        }
        for [lon, lat] in positions {
            assert!(
                b[0] <= lon && lon <= b[2] && b[1] <= lat && lat <= b[3],
                "{id}: {lon},{lat} outside {b:?}"
            );
        }
    }
}

/// Issue 20 item 4: a person with a browser reads the listings as HTML (markup in a name
/// stays text), items come gzipped to a client that takes it, and only a configured
/// origin's scripts may read /ogc (its preflight answered without a token).
#[tokio::test]
async fn the_ogc_api_answers_browsers_in_html_gzip_and_cors_for_configured_origins() {
    let options = orgcover::web::ServeOptions {
        cors_origins: vec!["https://gis.example.gov.cn".into()],
        ..Default::default()
    };
    let app = TestApp::spawn_with(crate::helpers::Backend::Sqlite, options)
        .await
        .unwrap();
    let mut org =
        crate::helpers::social_group(crate::helpers::SOCIAL_GROUP_CODES[0], "<b>书法</b>协会");
    org["lon"] = 111.68.into();
    org["lat"] = 40.82.into();
    let (status, body) = app.post("/api/orgs", &org).await;
    assert_eq!(status, 201, "{body}");
    app.settle().await;

    for path in [
        "/ogc?f=html",
        "/ogc/collections?f=html",
        "/ogc/collections/organizations?f=html",
        "/ogc/collections/organizations/items?f=html",
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let page = r.text().await.unwrap();
        assert!(page.contains("<table") || page.contains("<ul"), "{path}");
        assert!(
            !page.contains("<b>书法"),
            "{path}: markup in a name is text"
        );
        if path.contains("items") {
            assert!(page.contains("&lt;b&gt;书法&lt;/b&gt;协会"), "{page}");
        }
    }
    // A browser's Accept gets HTML without f; a client's gets JSON.
    let r = app
        .client
        .get(app.url("/ogc/collections"))
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let (_, media, _) = get_typed(&app, "/ogc/collections").await;
    assert_eq!(media, "application/json");

    // gzip, as /api does.
    let r = app
        .client
        .get(app.url("/ogc/collections/organizations/items"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let zipped = r.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut text)
        .unwrap();
    let items: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(items["numberMatched"], 1);

    // CORS: the configured origin's preflight and answer; another origin gets neither.
    let anonymous = reqwest::Client::new();
    let preflight = anonymous
        .request(
            reqwest::Method::OPTIONS,
            app.url("/ogc/collections/gaps/items"),
        )
        .header("Origin", "https://gis.example.gov.cn")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://gis.example.gov.cn"
    );
    assert!(
        preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("authorization")
    );
    let allowed = anonymous
        .get(app.url("/ogc/collections"))
        .header("Origin", "https://gis.example.gov.cn")
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://gis.example.gov.cn"
    );
    let other = anonymous
        .get(app.url("/ogc/collections"))
        .header("Origin", "https://elsewhere.example")
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let other_preflight = anonymous
        .request(reqwest::Method::OPTIONS, app.url("/ogc/collections"))
        .header("Origin", "https://elsewhere.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert_ne!(other_preflight.status(), 204);
    assert!(
        other_preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    // Not beyond /ogc.
    let api = anonymous
        .get(app.url("/api/orgs"))
        .header("Origin", "https://gis.example.gov.cn")
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert!(api.headers().get("access-control-allow-origin").is_none());
}
