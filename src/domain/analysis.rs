//! A whole registry decided at once: R3 context, regional groups (R4), then every decision.

use chrono::NaiveDate;
use h3o::CellIndex;

use super::coverage::{
    CoverageRow, Gap, Industries, OrgCoverage, cells_of_keyed, own_cell, rank_gaps,
};
use super::decision::{
    Assessor, Decision, GroupRef, Recommendation, RegistryContext, recommendation,
};
use super::grouping::{Candidate, JointBranchProposal, propose_groups};
use super::organization::{OrgKey, Organization};
use super::policy::Policy;
use super::stored::cell_of_org;

/// A registry decided at once: every organization's recommendation, in input order, and
/// the joint-branch proposals. The full decisions (flags and reasons) are made on demand,
/// [`Analysis::decision`]: a million of them held at once would be 400 MB of reasons that
/// only `decisions.csv` reads, one at a time.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// None for an organization that no longer operates.
    pub recommendations: Vec<Option<Recommendation>>,
    /// Proposals whose `members` index the analysed organizations.
    pub groups: Vec<JointBranchProposal>,
    /// Each organization's resolution-9 cell (None without a point).
    pub cells: Vec<Option<CellIndex>>,
    /// R1-R3 placements, kept for the decisions.
    placements: Vec<Option<Recommendation>>,
    /// The proposal each organization is a member of.
    group_of: Vec<Option<u32>>,
    context: RegistryContext,
    today: NaiveDate,
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
    cells: Option<&[Option<CellIndex>]>,
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
    let cells: Vec<Option<CellIndex>> = match cells {
        Some(c) => c.to_vec(),
        None => in_parallel(orgs, |_, chunk| chunk.iter().map(cell_of_org).collect()),
    };
    let candidate_orgs: Vec<usize> = (0..orgs.len())
        .filter(|&i| assessor.is_candidate_placed(&orgs[i], || placements[i]))
        .collect();
    let candidates: Vec<Candidate> = candidate_orgs
        .iter()
        .map(|&i| {
            Candidate::of(&orgs[i], key_text(&orgs[i]), cells[i]).expect("candidates have a point")
        })
        .collect();
    let mut groups = propose_groups(&candidates, policy);
    let mut group_of: Vec<Option<u32>> = vec![None; orgs.len()];
    for (g, group) in groups.iter_mut().enumerate() {
        for member in &mut group.members {
            *member = candidate_orgs[*member];
            group_of[*member] = Some(g as u32);
        }
    }
    let recommendations = orgs
        .iter()
        .zip(&placements)
        .zip(&group_of)
        .map(|((org, &placement), group)| recommendation(org, placement, group.is_some()))
        .collect();
    Analysis {
        recommendations,
        groups,
        cells,
        placements,
        group_of,
        context,
        today,
    }
}

impl Analysis {
    /// The full decision of the `i`-th organization of `orgs` (the analysed ones).
    pub fn decision(&self, orgs: &[Organization], i: usize, policy: &Policy) -> Decision {
        let assessor = Assessor {
            policy,
            context: &self.context,
            today: self.today,
        };
        let group = self.group_of[i].map(|g| {
            let group = &self.groups[g as usize];
            GroupRef {
                id: group.group_id.clone(),
                members: group.members.iter().map(|&m| key_text(&orgs[m])).collect(),
                members_outside: 0,
            }
        });
        assessor.decide_placed(&orgs[i], self.placements[i], group, false)
    }

    /// Every decision, in input order.
    pub fn decisions(&self, orgs: &[Organization], policy: &Policy) -> Vec<Decision> {
        in_parallel(orgs, |offset, chunk| {
            (offset..offset + chunk.len())
                .map(|i| self.decision(orgs, i, policy))
                .collect()
        })
    }

    /// The coverage rows of the operating organizations, sorted by cell.
    pub fn coverage_rows(&self, orgs: &[Organization], policy: &Policy) -> Vec<CoverageRow> {
        let mut seeds = vec![false; orgs.len()];
        for g in &self.groups {
            seeds[g.members[0]] = true;
        }
        let mut industries = Industries::default();
        let mut rows: Vec<CoverageRow> = orgs
            .iter()
            .zip(&self.recommendations)
            .enumerate()
            .filter_map(|(i, (org, &recommendation))| {
                let c = OrgCoverage::of(org, recommendation, seeds[i], policy)?;
                Some(CoverageRow::new(org, self.cells[i], c, &mut industries))
            })
            .collect();
        rows.sort_unstable_by_key(|r| r.cell);
        rows
    }

    /// The ranked gaps of the whole file at `res` (formats.md).
    pub fn gaps(&self, orgs: &[Organization], res: u8, policy: &Policy) -> Vec<Gap> {
        let rows = self.coverage_rows(orgs, policy);
        // Each point's own cell at `res`, found on every core.
        let cells = in_parallel(&rows, |_, chunk| {
            chunk.iter().map(|r| own_cell(r, res)).collect()
        });
        let keyed = cells
            .into_iter()
            .zip(&rows)
            .filter_map(|(cell, r)| Some((cell?, r)))
            .collect();
        rank_gaps(cells_of_keyed(keyed), policy)
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
        let parts: Vec<Vec<R>> = handles
            .into_iter()
            .map(|h| h.join().expect("a worker panicked"))
            .collect();
        // Sized once: collecting the parts through an iterator would grow it by doubling.
        let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        for part in parts {
            all.extend(part);
        }
        all
    })
}
