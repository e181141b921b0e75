//! A past day's figures at national scale (issue 21: a 1M registry's past quarter under
//! 5 s): today's snapshot copied, then revised where organizations stood otherwise on the
//! day. Two histories, as `bench/past_date.sh` serves them: a year-old registry with 5 %
//! of its organizations changed since (one more formal member), and a registry imported
//! lately, where 28 % were registered after the day.
//! Run: `cargo bench --bench past_day`.

mod common;
use common::registry;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use orgcover::domain::policy::Policy;
use orgcover::domain::snapshot::Snapshot;
use orgcover::domain::stored::{StoredOrganization, cell_of_org};

fn past_day(c: &mut Criterion) {
    let policy = Policy::default();
    let stored: Vec<StoredOrganization> = registry(1_000_000)
        .into_iter()
        .enumerate()
        .map(|(i, org)| StoredOrganization {
            id: i as i64 + 1,
            version: 1,
            cell: cell_of_org(&org),
            org,
        })
        .collect();
    // Today: every 20th organization has one more formal member than on the day.
    let today: Vec<StoredOrganization> = stored
        .iter()
        .map(|o| {
            let mut o = o.clone();
            if o.id % 20 == 0 {
                o.version += 1;
                o.org.formal_members += 1;
            }
            o
        })
        .collect();
    let started = std::time::Instant::now();
    let snapshot = Snapshot::new(policy.clone(), today);
    eprintln!("snapshot of 1M built in {:.1?}", started.elapsed());
    let changed: Vec<(i64, Option<Arc<StoredOrganization>>)> = stored
        .iter()
        .filter(|o| o.id % 20 == 0)
        .map(|o| (o.id, Some(Arc::new(o.clone()))))
        .collect();
    // Registered after the day: 28 % of the organizations, spread over every township.
    let unregistered: Vec<(i64, Option<Arc<StoredOrganization>>)> = stored
        .iter()
        .filter(|o| o.id % 25 < 7)
        .map(|o| (o.id, None))
        .collect();
    drop(stored);

    let mut group = c.benchmark_group("past_day");
    group.sample_size(10);
    group.bench_function("copy_1m", |b| b.iter(|| black_box(&snapshot).clone().len()));
    for (name, then) in [
        ("revise_1m_5pct_changed", &changed),
        ("revise_1m_28pct_registered_since", &unregistered),
    ] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || (snapshot.clone(), then.clone()),
                |(mut past, then)| {
                    past.revise(policy.clone(), then);
                    past
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, past_day);
criterion_main!(benches);
