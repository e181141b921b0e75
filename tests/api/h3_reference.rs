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
