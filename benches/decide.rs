//! Decide and group a generated national registry (issue 3's target: 1M in under 1 s),
//! beside a naive all-pairs grouping of 20,000 organizations for scale. Run: `cargo bench --bench decide`.

mod common;
use common::registry;
use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use orgcover::domain::analysis::{analyze, key_text};
use orgcover::domain::decision::{Assessor, RegistryContext};
use orgcover::domain::grouping::{Candidate, propose_groups, propose_groups_all_pairs};
use orgcover::domain::organization::Organization;
use orgcover::domain::policy::Policy;
use orgcover::domain::stored::cell_of_org;

fn candidates(orgs: &[Organization], policy: &Policy, today: NaiveDate) -> Vec<Candidate> {
    let context = RegistryContext::build(orgs);
    let assessor = Assessor {
        policy,
        context: &context,
        today,
    };
    orgs.iter()
        .filter(|o| assessor.is_grouping_candidate(o))
        .filter_map(|o| Candidate::of(o, key_text(o), cell_of_org(o)))
        .collect()
}

fn decide_and_group(c: &mut Criterion) {
    let policy = Policy::default();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let orgs = registry(1_000_000);
    let cells: Vec<_> = orgs.iter().map(cell_of_org).collect();
    let national = candidates(&orgs, &policy, today);
    let small = registry(20_000);
    let small_candidates = candidates(&small, &policy, today);
    eprintln!(
        "grouping candidates: {} of 1,000,000; {} of 20,000",
        national.len(),
        small_candidates.len()
    );

    let mut group = c.benchmark_group("decide");
    group.sample_size(10);
    group.bench_function("analyze_1m_decide_and_group", |b| {
        b.iter(|| {
            let analysis = analyze(black_box(&orgs), Some(&cells), &policy, today);
            analysis.decisions(&orgs, &policy)
        })
    });
    group.bench_function("group_1m_candidates_ring_search", |b| {
        b.iter(|| propose_groups(black_box(&national), &policy))
    });
    group.bench_function("group_20k_ring_search", |b| {
        b.iter(|| propose_groups(black_box(&small_candidates), &policy))
    });
    group.bench_function("group_20k_all_pairs", |b| {
        b.iter(|| propose_groups_all_pairs(black_box(&small_candidates), &policy))
    });
    group.finish();
}

criterion_group!(benches, decide_and_group);
criterion_main!(benches);
