//! The hot path every import and analysis runs: read and validate the organization CSV.
//! Inputs are generated at a realistic size with a fixed seed. Run: `cargo bench`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use orgcover::domain::coords::Crs;
use orgcover::domain::credit_code::CreditCode;
use orgcover::domain::stored::cell_of;
use orgcover::generate::{GenerateOptions, generate};
use orgcover::io::csv::{HeaderLanguage, OrgCsvWriter, read_orgs};

const ROWS: usize = 100_000;

fn generated_csv() -> Vec<u8> {
    let mut writer = OrgCsvWriter::new(Vec::new(), HeaderLanguage::En).unwrap();
    let options = GenerateOptions {
        orgs: ROWS,
        seed: 1,
        division_prefix: None,
    };
    generate(&options, |org| writer.write(&org)).unwrap();
    writer.finish().unwrap()
}

fn read_and_validate(c: &mut Criterion) {
    let csv = generated_csv();
    let parsed = read_orgs(&csv, Crs::Wgs84, orgcover::registry::today()).unwrap();
    assert_eq!(parsed.rows.len(), ROWS);
    let codes: Vec<String> = parsed
        .rows
        .iter()
        .filter_map(|(_, o)| o.credit_code.as_ref().map(|c| c.to_string()))
        .collect();
    let locations: Vec<_> = parsed.rows.iter().filter_map(|(_, o)| o.location).collect();

    let mut group = c.benchmark_group("import_path");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("read_orgs_100k_rows", |b| {
        b.iter(|| read_orgs(black_box(&csv), Crs::Wgs84, orgcover::registry::today()).unwrap())
    });
    group.throughput(Throughput::Elements(codes.len() as u64));
    group.bench_function("credit_code_parse", |b| {
        b.iter(|| {
            codes
                .iter()
                .filter(|c| CreditCode::parse(black_box(c)).is_ok())
                .count()
        })
    });
    group.throughput(Throughput::Elements(locations.len() as u64));
    group.bench_function("h3_cell_res9", |b| {
        b.iter(|| {
            locations
                .iter()
                .map(|l| u64::from(cell_of(black_box(*l))))
                .sum::<u64>()
        })
    });
    group.finish();
}

criterion_group!(benches, read_and_validate);
criterion_main!(benches);
