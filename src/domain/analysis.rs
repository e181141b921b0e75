//! A whole registry decided at once: R3 context, regional groups (R4), then every decision.

use chrono::NaiveDate;
use h3o::CellIndex;

use super::coverage::{
    CoverageRow, Filter, Gap, Industries, OrgCoverage, cells_with_divisions, rank_gaps,
};
use super::decision::{Assessor, Decision, GroupRef, RegistryContext};
use super::grouping::{Candidate, JointBranchProposal, propose_groups};
use super::organization::{OrgKey, Organization};
use super::policy::Policy;
use super::stored::cell_of;

/// The decisions of a registry, in input order, and its joint-branch proposals.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub decisions: Vec<Decision>,
    /// Proposals whose `members` index the analysed organizations.
    pub groups: Vec<JointBranchProposal>,
    /// Each organization's resolution-9 cell.
    pub cells: Vec<CellIndex>,
}

/// The key shown for an organization in groups and decisions.
pub fn key_text(org: &Organization) -> String {
    match org.key() {
        OrgKey::CreditCode(code) => code.to_string(),
        OrgKey::NameDivision(name, division) => format!("{name} ({division})"),
    }
}

/// Decides every organization of `orgs`; `cells` are their resolution-9 cells if known
/// (computed otherwise).
pub fn analyze(
    orgs: &[Organization],
    cells: Option<&[CellIndex]>,
    policy: &Policy,
    today: NaiveDate,
) -> Analysis {
    let context = RegistryContext::build(orgs);
    let assessor = Assessor {
        policy,
        context: &context,
        today,
    };
    // R1-R3 placement once per organization, used for grouping and for the decision.
    let placements = in_parallel(orgs, |_, chunk| {
        chunk.iter().map(|o| assessor.placement(o)).collect()
    });
    let cells: Vec<CellIndex> = match cells {
        Some(c) => c.to_vec(),
        None => in_parallel(orgs, |_, chunk| {
            chunk.iter().map(|o| cell_of(o.location)).collect()
        }),
    };
    let candidate_orgs: Vec<usize> = (0..orgs.len())
        .filter(|&i| assessor.is_candidate_placed(&orgs[i], || placements[i]))
        .collect();
    let candidates: Vec<Candidate> = candidate_orgs
        .iter()
        .map(|&i| {
            let org = &orgs[i];
            Candidate {
                key: key_text(org),
                has_credit_code: org.credit_code.is_some(),
                formal_members: org.formal_members,
                location: org.location,
                cell: cells[i],
                township: org.division_code.township().to_owned(),
            }
        })
        .collect();
    let mut groups = propose_groups(&candidates, policy);
    let mut group_of: Vec<Option<usize>> = vec![None; orgs.len()];
    for (g, group) in groups.iter_mut().enumerate() {
        for member in &mut group.members {
            *member = candidate_orgs[*member];
            group_of[*member] = Some(g);
        }
    }
    let decisions = in_parallel(orgs, |offset, chunk| {
        chunk
            .iter()
            .zip(&group_of[offset..offset + chunk.len()])
            .zip(&placements[offset..offset + chunk.len()])
            .map(|((org, g), placement)| {
                let group = g.map(|g| GroupRef {
                    id: groups[g].group_id.clone(),
                    members: groups[g]
                        .members
                        .iter()
                        .map(|&m| key_text(&orgs[m]))
                        .collect(),
                });
                assessor.decide_placed(org, *placement, group, false)
            })
            .collect()
    });
    Analysis {
        decisions,
        groups,
        cells,
    }
}

impl Analysis {
    /// The coverage rows of the operating organizations, sorted by cell.
    pub fn coverage_rows(&self, orgs: &[Organization], policy: &Policy) -> Vec<CoverageRow> {
        let mut seeds = vec![false; orgs.len()];
        for g in &self.groups {
            seeds[g.members[0]] = true;
        }
        let mut industries = Industries::default();
        let mut rows: Vec<CoverageRow> = orgs
            .iter()
            .zip(&self.decisions)
            .enumerate()
            .filter_map(|(i, (org, d))| {
                let c = OrgCoverage::of(org, d.recommendation, seeds[i], policy)?;
                Some(CoverageRow::new(org, self.cells[i], c, &mut industries))
            })
            .collect();
        rows.sort_unstable_by_key(|r| r.cell);
        rows
    }

    /// The ranked gaps of the whole file at `res` (formats.md).
    pub fn gaps(&self, orgs: &[Organization], res: u8, policy: &Policy) -> Vec<Gap> {
        let rows = self.coverage_rows(orgs, policy);
        rank_gaps(cells_with_divisions(&rows, res, &Filter::default()), policy)
    }
}

/// Runs `work` on one contiguous chunk of `items` per core and concatenates the results in
/// order, so the output is the same as a sequential run. `work` gets each chunk's offset.
pub fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(usize, &[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let size = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = items
            .chunks(size)
            .enumerate()
            .map(|(i, chunk)| scope.spawn(move || work(i * size, chunk)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker panicked"))
            .collect()
    })
}
