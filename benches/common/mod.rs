//! What the benchmarks share: the generated national registry they measure.

use orgcover::domain::organization::Organization;
use orgcover::generate::{GenerateOptions, generate};

/// A generated national registry; same size, same organizations every run (seed 1).
pub fn registry(orgs: usize) -> Vec<Organization> {
    let mut out = Vec::with_capacity(orgs);
    let options = GenerateOptions {
        orgs,
        seed: 1,
        division_prefix: None,
    };
    generate(&options, |o| {
        out.push(o);
        Ok::<_, ()>(())
    })
    .unwrap();
    out
}
