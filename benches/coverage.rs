//! Coverage at national scale (issue 4's targets, at 1,000,000 generated organizations):
//! (a) aggregate all resolutions 4-9 from stored cells and each point's own cells at 4-8
//! (exact containment), under 50 ms, and finding those own cells; the division rollup;
//! (b) a province-wide resolution-6 cell response (aggregate + GeoJSON text), under 50 ms;
//! (c) one organization changed and the live snapshot updated, under 50 µs.
//! Run: `cargo bench --bench coverage`.

mod common;
use common::registry;
use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use orgcover::domain::analysis::analyze;
use orgcover::domain::analysis::in_parallel;
use orgcover::domain::coverage::{
    Bbox, CoverageRow, DIVISION_LEVELS, Filter, aggregate_cells, aggregate_divisions,
    rollup_divisions,
};
use orgcover::domain::coverage_index::{cell_counts, own_coarse_cells};
use orgcover::domain::division::DivisionLevel;
use orgcover::domain::policy::Policy;
use orgcover::domain::snapshot::Snapshot;
use orgcover::domain::stored::{StoredOrganization, cell_of_org};
use orgcover::io::coverage::cells_geojson;

fn coverage(c: &mut Criterion) {
    let policy = Policy::default();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let orgs = registry(1_000_000);
    let analysis = analyze(&orgs, None, &policy, today);
    let rows = analysis.coverage_rows(&orgs, &policy);
    let filter = Filter::default();
    let townships = aggregate_divisions(&rows, DivisionLevel::Township, &filter);
    eprintln!(
        "{} operating organizations, {} resolution-9 cells, {} townships",
        rows.len(),
        aggregate_cells(&rows, 9, &filter).len(),
        townships.len()
    );

    let mut group = c.benchmark_group("coverage");
    group.sample_size(10);
    // Exact containment: each row's own cells at 4-8 (what a stored column would hold),
    // then the counts of resolutions 9 to 4 from the stored cell and those.
    let mut sorted: Vec<(i64, CoverageRow)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (i as i64, *r))
        .collect();
    sorted.sort_unstable_by_key(|(id, r)| (r.cell, *id));
    group.bench_function("own_cells_1m_res_4_to_8", |b| {
        b.iter(|| {
            in_parallel(black_box(&sorted), |_, chunk| {
                chunk.iter().map(|(_, r)| own_coarse_cells(r)).collect()
            })
            .len()
        })
    });
    let own = in_parallel(&sorted, |_, chunk| {
        chunk.iter().map(|(_, r)| own_coarse_cells(r)).collect()
    });
    eprintln!(
        "{} of {} rows stray from their resolution-9 cell's ancestor at one of 4-8",
        own.iter().filter(|o| o.is_some()).count(),
        own.len()
    );
    group.bench_function("aggregate_1m_res_9_to_4", |b| {
        b.iter(|| cell_counts(black_box(&sorted), &own).len())
    });
    group.bench_function("division_rollup_townships_to_provinces", |b| {
        b.iter(|| {
            DIVISION_LEVELS[..3]
                .iter()
                .map(|l| rollup_divisions(black_box(townships.iter().copied()), *l).len())
                .sum::<usize>()
        })
    });

    let stored: Vec<StoredOrganization> = orgs
        .iter()
        .zip(&analysis.cells)
        .enumerate()
        .map(|(i, (o, cell))| StoredOrganization {
            id: i as i64 + 1,
            version: 1,
            cell: *cell,
            org: o.clone(),
        })
        .collect();
    drop(orgs);
    let started = std::time::Instant::now();
    let mut snapshot = Snapshot::new(policy.clone(), stored.iter().cloned());
    eprintln!("snapshot of 1M built in {:.1?}", started.elapsed());

    // Inner Mongolia's extent: the widest province viewport a map shows at resolution 6.
    let province = Bbox {
        west: 97.2,
        south: 37.4,
        east: 126.1,
        north: 53.4,
    };
    let cells = snapshot.coverage().cells(6, Some(&province), &filter);
    eprintln!("province viewport at resolution 6: {} cells", cells.len());
    group.bench_function("province_cells_res6_counts_only", |b| {
        b.iter(|| {
            snapshot
                .coverage()
                .cells(6, Some(black_box(&province)), &filter)
                .len()
        })
    });
    group.bench_function("province_cells_res6_geojson", |b| {
        b.iter(|| {
            let cells = snapshot
                .coverage()
                .cells(6, Some(black_box(&province)), &filter);
            cells_geojson(&cells, snapshot.policy(), 0).len()
        })
    });

    // A registration-desk change: one organization's members go up and down by one, so
    // its recommendation, its township's grouping and its cells' counts change each time.
    let mut changing: StoredOrganization = stored
        .iter()
        .find(|o| o.org.formal_members == 2 && o.org.party_org.as_str() == "none")
        .unwrap()
        .clone();
    let mut step = 0u32;
    group.bench_function("snapshot_upsert_one_org", |b| {
        b.iter(|| {
            step += 1;
            changing.version += 1;
            changing.org.formal_members = if step.is_multiple_of(2) { 2 } else { 3 };
            changing.cell = cell_of_org(&changing.org);
            snapshot.upsert(black_box(changing.clone()));
        })
    });
    group.finish();
}

criterion_group!(benches, coverage);
criterion_main!(benches);
