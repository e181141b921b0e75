//! Differential test against the reference H3 library (PyPI `h3` 4.x, Uber's C library):
//! the cells orgcover computes for generated organizations equal the reference's.

use h3o::Resolution;
use orgcover::domain::coords::{Crs, LonLat};
use orgcover::domain::stored::cell_of;
use orgcover::io::csv::read_orgs;

use crate::helpers::python_with;

#[test]
fn cells_of_10000_generated_points_equal_the_reference_h3_library() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("orgs.csv");
    // The whole country, so that many H3 base cells and faces are crossed.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_orgcover"))
        .args(["generate", "--orgs", "10000", "--seed", "7", "--out"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(out.status.success());
    let parsed = read_orgs(
        &std::fs::read(&csv).unwrap(),
        Crs::Wgs84,
        orgcover::registry::today(),
    )
    .unwrap();
    assert_eq!(parsed.rows.len(), 10_000);
    // Those without a point (a share of the generated rows) are in no cell.
    let located: Vec<(&orgcover::domain::organization::Organization, LonLat)> = parsed
        .rows
        .iter()
        .filter_map(|(_, o)| Some((o, o.location?)))
        .collect();
    assert!(located.len() > 9_000 && located.len() < 10_000);
    let points = dir.path().join("points.txt");
    let lines: Vec<String> = located
        .iter()
        .map(|(_, p)| format!("{} {}", p.lat, p.lon))
        .collect();
    std::fs::write(&points, lines.join("\n")).unwrap();

    // For each point: the res-7 and res-9 cells of the point, and the res-7 parent of its
    // res-9 cell (the cell coverage counts it in).
    let out = python_with("h3")
        .arg("-c")
        .arg(
            "import sys, h3\n\
             assert h3.__version__.startswith('4'), h3.__version__\n\
             for line in open(sys.argv[1]):\n\
             \x20   lat, lon = map(float, line.split())\n\
             \x20   c9 = h3.latlng_to_cell(lat, lon, 9)\n\
             \x20   print(h3.latlng_to_cell(lat, lon, 7), c9, h3.cell_to_parent(c9, 7))",
        )
        .arg(&points)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference = String::from_utf8(out.stdout).unwrap();
    let reference: Vec<&str> = reference.lines().collect();
    assert_eq!(reference.len(), located.len());

    let mut bases = std::collections::BTreeSet::new();
    for ((org, point), expected) in located.iter().zip(&reference) {
        let cell9 = cell_of(*point);
        let cell7 = h3o::LatLng::new(point.lat, point.lon)
            .unwrap()
            .to_cell(Resolution::Seven);
        let parent7 = cell9.parent(Resolution::Seven).unwrap();
        bases.insert(cell9.base_cell());
        let ours = format!("{cell7:x} {cell9:x} {parent7:x}");
        assert_eq!(&ours, expected, "{} at {point:?}", org.name);
    }
    assert!(
        bases.len() > 5,
        "points spread over {} base cells",
        bases.len()
    );
}

/// Issue 19: a hexagon counts exactly the organizations whose point lies in it, at every
/// resolution the map serves, and a box gets exactly the hexagons that intersect it. The
/// reference H3 library counts the points per cell; shapely intersects the box with each
/// cell's polygon and joins the points with the polygons we answer, as QGIS would.
#[tokio::test]
async fn cell_totals_and_box_answers_equal_the_reference_h3_library_and_a_shapely_join() {
    let app = crate::helpers::TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let csv = app.path("orgs.csv");
    let csv = csv.to_str().unwrap();
    app.cli_ok(&[
        "generate",
        "--orgs",
        "20000",
        "--seed",
        "19",
        "--division",
        "15",
        "--out",
        csv,
    ]);
    app.import(csv);
    let parsed = read_orgs(
        &std::fs::read(csv).unwrap(),
        Crs::Wgs84,
        orgcover::registry::today(),
    )
    .unwrap();
    // The organizations coverage counts: operating ones with a point.
    let points: Vec<String> = parsed
        .rows
        .iter()
        .filter(|(_, o)| orgcover::domain::decision::operates(o))
        .filter_map(|(_, o)| o.location)
        .map(|p| format!("{} {}", p.lat, p.lon))
        .collect();
    assert!(points.len() > 15_000, "{} points", points.len());
    let points_file = app.path("points.txt");
    std::fs::write(&points_file, points.join("\n")).unwrap();

    // The server sees the import when it next looks at the database.
    let mut seen = 0;
    for _ in 0..100 {
        let (_, body) = app.get("/api/coverage/cells?res=5").await;
        seen = body["features"].as_array().map_or(0, |f| {
            f.iter()
                .map(|f| f["properties"]["total"].as_u64().unwrap())
                .sum::<u64>()
        });
        if seen as usize == points.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen as usize, points.len(), "the server saw the import");
    let mut whole = serde_json::Map::new();
    for res in 5..=9 {
        let (status, body) = app.get(&format!("/api/coverage/cells?res={res}")).await;
        assert_eq!(status, 200, "{body}");
        whole.insert(res.to_string(), body);
    }
    // Boxes from a street to a city, each near one of the points (the generator puts them
    // around county seats), from an LCG.
    let located: Vec<LonLat> = parsed.rows.iter().filter_map(|(_, o)| o.location).collect();
    let mut state = 19u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut boxes = Vec::new();
    for round in 0..25 {
        let size = 0.02 + next() * 0.6;
        let near = located[(next() * located.len() as f64) as usize];
        let west = near.lon - next() * size;
        let south = near.lat - next() * size * 0.7;
        let bbox = [west, south, west + size, south + size * 0.7];
        let res = [5, 6, 7, 7, 8][round % 5];
        let text = bbox.map(|x| format!("{x:.4}")).join(",");
        let (status, answer) = app
            .get(&format!("/api/coverage/cells?res={res}&bbox={text}"))
            .await;
        assert_eq!(status, 200, "{answer}");
        let bbox: Vec<f64> = text.split(',').map(|x| x.parse().unwrap()).collect();
        boxes.push(serde_json::json!({ "bbox": bbox, "res": res, "answer": answer }));
    }
    let answered: usize = boxes
        .iter()
        .map(|b| b["answer"]["features"].as_array().unwrap().len())
        .sum();
    assert!(answered > 200, "{answered} hexagons in the boxes");
    let answers_file = app.path("answers.json");
    std::fs::write(
        &answers_file,
        serde_json::json!({ "whole": whole, "boxes": boxes }).to_string(),
    )
    .unwrap();
    python_with("shapely");
    let out = python_with("h3")
        .arg(crate::helpers::fixture("exact_cells.py"))
        .arg(&points_file)
        .arg(&answers_file)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.ends_with(" 0 disagreements\n"), "{said}");
}
