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
    assert!(openapi["paths"]["/collections/{collectionId}/items"]["get"].is_object());

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
    let (status, _, _) = get_typed(&app, "/ogc/collections?f=html").await;
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
    for bad in [
        "limit=0",
        "limit=x",
        "offset=-1",
        "bbox=1,2,3",
        "colour=red",
    ] {
        let (status, _, body) =
            get_typed(&app, &format!("/ogc/collections/organizations/items?{bad}")).await;
        assert!(status == 400 || status == 422, "{bad}: {status} {body}");
    }
}

/// `ogrinfo` over OAPIF: the way QGIS reads the service.
fn ogrinfo(token: &str, args: &[&str]) -> String {
    let out = external("ogrinfo", "apt-get install gdal-bin")
        .env(
            "GDAL_HTTP_HEADERS",
            format!("Authorization: Bearer {token}"),
        )
        .args(["-ro"])
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
    let url = format!("{}/ogc", app.address);
    let token = app.token.clone();
    let out = tokio::task::spawn_blocking(move || {
        python_with("owslib")
            .arg("-c")
            .arg(
                "import json, sys\n\
                 from owslib.ogcapi.features import Features\n\
                 api = Features(sys.argv[1], headers={'Authorization': 'Bearer ' + sys.argv[2]})\n\
                 ids = [c['id'] for c in api.collections()['collections']]\n\
                 items = api.collection_items('organizations', bbox=[111.5, 40.7, 111.9, 41.0], limit=10000)\n\
                 inside = all(111.5 <= f['geometry']['coordinates'][0] <= 111.9 and 40.7 <= f['geometry']['coordinates'][1] <= 41.0 for f in items['features'])\n\
                 print(json.dumps({'collections': ids, 'matched': items['numberMatched'], 'returned': len(items['features']), 'inside': inside}))",
            )
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
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
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
