use super::*;
use crate::domain::analysis::analyze;
use crate::domain::coords::LonLat;
use crate::domain::decision::Coverage;
use crate::domain::decision::operates;
use crate::domain::division::DivisionLevel;
use crate::domain::organization::Kind;
use crate::domain::organization::Organization;
use crate::domain::policy::Policy;
use crate::domain::stored::cell_of;
use chrono::NaiveDate;
use h3o::{CellIndex, LatLng};
use std::collections::BTreeMap;

fn generated(n: usize, seed: u64) -> Vec<Organization> {
    let mut orgs = Vec::new();
    let options = crate::generate::GenerateOptions {
        orgs: n,
        seed,
        division_prefix: Some("15".into()),
    };
    crate::generate::generate(&options, |o| {
        orgs.push(o);
        Ok::<_, ()>(())
    })
    .unwrap();
    orgs
}

fn rows(orgs: &[Organization]) -> (Vec<CoverageRow>, Industries) {
    let policy = Policy::default();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let rows = analyze(orgs, None, &policy, today).coverage_rows(orgs, &policy);
    // The same interning order as coverage_rows: first seen, first numbered.
    let mut industries = Industries::default();
    for o in orgs.iter().filter(|o| operates(o)) {
        industries.intern(o.industry.as_deref());
    }
    (rows, industries)
}

/// Brute force: the cell of `res` of every row's point (H3's `latLngToCell`) counted in
/// a map, or with `by_parent` the ancestor of its resolution-9 cell.
fn brute_force(rows: &[CoverageRow], res: u8, filter: &Filter, by_parent: bool) -> Vec<CellTally> {
    let mut map: BTreeMap<CellIndex, Tally> = BTreeMap::new();
    // A row without a point is in no cell.
    for r in rows.iter().filter(|r| filter.matches(r)) {
        let Some(p) = r.location else { continue };
        let cell = if by_parent {
            CellIndex::try_from(r.cell)
                .unwrap()
                .parent(resolution(res))
                .unwrap()
        } else {
            LatLng::new(p.lat, p.lon).unwrap().to_cell(resolution(res))
        };
        *map.entry(cell).or_default() += r.tally();
    }
    map.into_iter()
        .map(|(cell, tally)| CellTally { cell, tally })
        .collect()
}

#[test]
fn cell_counts_equal_a_brute_force_count_at_every_resolution() {
    let (rows, industries) = rows(&generated(6_000, 11));
    let filters = [
        Filter::default(),
        Filter {
            kind: Some(Kind::Community),
            ..Filter::default()
        },
        Filter {
            coverage: Some(Coverage::Uncovered),
            division: Some(Filter::division_range("1501")),
            ..Filter::default()
        },
        Filter {
            industry: Some(industries.lookup("餐饮")),
            ..Filter::default()
        },
    ];
    for filter in &filters {
        for res in MIN_RESOLUTION..=MAX_RESOLUTION {
            let fast = aggregate_cells(&rows, res, filter);
            let slow = brute_force(&rows, res, filter, false);
            assert_eq!(fast.len(), slow.len(), "res {res} {filter:?}");
            assert!(fast == slow, "res {res} {filter:?}");
        }
    }
    // Counting each point in its resolution-9 cell's ancestor would differ: H3's children
    // stick out of their parents.
    for res in 4..=8 {
        assert!(
            aggregate_cells(&rows, res, &Filter::default())
                != brute_force(&rows, res, &Filter::default(), true),
            "res {res}"
        );
    }
    // Every organization with a point is in one cell; those without (a ledger's address
    // only) in none.
    let all = aggregate_cells(&rows, 7, &Filter::default());
    let total: u32 = all.iter().map(|c| c.tally.total).sum();
    let located = rows.iter().filter(|r| r.location.is_some()).count();
    assert!(
        located < rows.len(),
        "the generator leaves some without a point"
    );
    assert_eq!(total as usize, located);
}

#[test]
fn division_counts_equal_counts_by_prefix() {
    let (rows, _) = rows(&generated(6_000, 13));
    let filter = Filter::default();
    let townships = aggregate_divisions(&rows, DivisionLevel::Township, &filter);
    for level in DIVISION_LEVELS {
        let direct = aggregate_divisions(&rows, level, &filter);
        assert_eq!(rollup_divisions(townships.clone(), level), direct);
        for (prefix, tally) in &direct {
            let text = prefix.to_string();
            let by_prefix: Vec<&CoverageRow> = rows
                .iter()
                .filter(|r| division_text(r.division).starts_with(&text))
                .collect();
            assert_eq!(tally.total as usize, by_prefix.len(), "{text}");
            let uncovered = by_prefix
                .iter()
                .filter(|r| r.org.coverage == Coverage::Uncovered)
                .count();
            assert_eq!(tally.uncovered as usize, uncovered, "{text}");
        }
    }
}

#[test]
fn descendants_of_a_cell_are_one_range_of_stored_cells() {
    let (rows, _) = rows(&generated(3_000, 14));
    for res in 4..=9 {
        let cells = brute_force(&rows, res, &Filter::default(), true);
        for c in cells.iter().take(50) {
            let range = descendant_range(c.cell);
            let inside: u32 = rows
                .iter()
                .filter(|r| range.contains(&r.cell))
                .map(|r| r.tally().total)
                .sum();
            assert_eq!(inside, c.tally.total, "res {res}");
        }
    }
}

#[test]
fn the_three_rates_and_the_actions_follow_domain_section_5() {
    let policy = Policy::default();
    let t = Tally {
        total: 10,
        own: 2,
        joint: 3,
        instructor: 1,
        uncovered: 4,
        should_build_not_built: 1,
        branches_to_found: 1,
        joint_groups_proposed: 1,
        awaiting_instructor: 6,
    };
    assert_eq!(t.own_organization_rate(), 0.2);
    assert_eq!(t.org_coverage_rate(), 0.5);
    assert_eq!(t.work_coverage_rate(), 0.6);
    // One instructor serves up to five organizations: six need two.
    assert_eq!(t.instructors_needed(&policy), 2);
    assert!(t.is_gap(&policy.targets_for("150102000000")));
}

#[test]
fn a_cell_without_uncovered_and_at_target_is_no_gap_and_gaps_rank_by_uncovered() {
    let mut policy = Policy::default();
    policy.targets.own_organization_rate = 0.0;
    policy.targets.org_coverage_rate = 0.0;
    policy.targets.work_coverage_rate = 1.0;
    let cell = |lon: f64| cell_of(LonLat { lon, lat: 40.8 });
    let covered = Tally {
        total: 2,
        own: 1,
        joint: 1,
        ..Tally::default()
    };
    let few = Tally {
        total: 3,
        own: 2,
        uncovered: 1,
        ..Tally::default()
    };
    let many = Tally {
        total: 3,
        uncovered: 3,
        ..Tally::default()
    };
    let cells = [
        (cell(111.0), covered),
        (cell(111.1), few),
        (cell(111.2), many),
    ]
    .map(|(cell, tally)| (CellTally { cell, tally }, 150102000000));
    let gaps = rank_gaps(cells, &policy);
    assert_eq!(gaps.len(), 2);
    assert_eq!((gaps[0].tally, gaps[0].priority), (many, 1));
    assert_eq!((gaps[1].tally, gaps[1].priority), (few, 2));
}

#[test]
fn a_bbox_is_west_south_east_north() {
    let b = Bbox::parse("111.5, 40.7, 111.9, 41.0").unwrap();
    assert_eq!(
        (b.west, b.south, b.east, b.north),
        (111.5, 40.7, 111.9, 41.0)
    );
}

#[test]
fn a_hexagon_ring_is_closed_and_counter_clockwise() {
    let ring = hexagon_ring(cell_of(LonLat {
        lon: 111.75,
        lat: 40.84,
    }));
    assert_eq!(ring.first(), ring.last());
    assert!(ring.len() >= 7);
    let area: f64 = ring
        .windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum();
    assert!(area > 0.0);
}

#[test]
fn a_parent_number_is_h3s_parent() {
    let (rows, _) = rows(&generated(2_000, 15));
    for r in rows.iter().filter(|r| r.is_located()) {
        let cell = CellIndex::try_from(r.cell).unwrap();
        for res in 0..=9 {
            assert_eq!(
                parent_number(r.cell, res),
                u64::from(cell.parent(resolution(res)).unwrap()),
                "res {res}"
            );
        }
    }
}
