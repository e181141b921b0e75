//! R4: regional joint branch proposals (联合党支部, clause 10), exactly as domain.md says.
//!
//! Candidates are taken in key order (credit code; name + division without one). Each one
//! not yet grouped seeds a group and takes the nearest other free candidates of the same
//! township within the policy distance of the seed, nearest first, until the group's
//! formal members reach the own-organization threshold, at most `joint_branch_max_orgs`
//! organizations. A seed that cannot get there forms no group and frees its candidates.
//!
//! Neighbours come from an index of resolution-9 H3 cells searched ring by ring: the
//! search stops as soon as no farther ring can hold a nearer candidate, so dense blocks are
//! settled in a ring or two and nothing is compared all-pairs.

use rustc_hash::FxHashMap as HashMap;

use h3o::CellIndex;
use serde::Serialize;

use super::coords::{LonLat, Prepared, distance_m};
use super::policy::Policy;

/// What grouping needs to know of one candidate.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Upsert key: the credit code, or name and division for those without one.
    pub key: String,
    /// Whether `key` is a credit code (those come first in the order).
    pub has_credit_code: bool,
    pub formal_members: u32,
    pub location: LonLat,
    /// Resolution-9 cell of `location`.
    pub cell: CellIndex,
    /// The first 9 digits of the division code.
    pub township: String,
}

impl Candidate {
    /// The candidate an organization makes under `key`, with the resolution-9 `cell` of
    /// its point as already computed; None without a point, which leaves it out of every
    /// group (R4 needs the distance).
    pub fn of(
        org: &crate::domain::organization::Organization,
        key: String,
        cell: Option<CellIndex>,
    ) -> Option<Self> {
        Some(Self {
            key,
            has_credit_code: org.credit_code.is_some(),
            formal_members: org.formal_members,
            location: org.location?,
            cell: cell?,
            township: org.division_code.township().to_owned(),
        })
    }
}

/// A proposed regional joint branch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JointBranchProposal<M = usize> {
    pub group_id: String,
    /// The township (9 digits) all members share.
    pub division_code: String,
    /// The members, the seed first, then nearest first: indexes into the candidate slice
    /// as proposed, the organizations' ids in the live registry.
    pub members: Vec<M>,
    /// Distance of each member from the seed, metres (the seed's is 0).
    pub distances_m: Vec<f64>,
    pub formal_members: u32,
    pub max_distance_m: f64,
    /// Members left out of `members` (and `distances_m`) because the account it is shown
    /// to may not see them: 0 as proposed.
    pub members_outside: usize,
}

impl<M> JointBranchProposal<M> {
    /// The same proposal with its members named otherwise (candidate indexes as ids).
    pub fn map_members<N>(self, f: impl FnMut(M) -> N) -> JointBranchProposal<N> {
        JointBranchProposal {
            group_id: self.group_id,
            division_code: self.division_code,
            members: self.members.into_iter().map(f).collect(),
            distances_m: self.distances_m,
            formal_members: self.formal_members,
            max_distance_m: self.max_distance_m,
            members_outside: self.members_outside,
        }
    }
}

impl JointBranchProposal {
    /// The group `seed` founds with `members` (the seed first) at `distances_m` from it.
    fn new(
        seed: &Candidate,
        members: Vec<usize>,
        distances_m: Vec<f64>,
        formal_members: u32,
    ) -> Self {
        Self {
            group_id: format!("RJ-{}", seed.key),
            division_code: seed.township.clone(),
            max_distance_m: distances_m.iter().copied().fold(0.0, f64::max),
            members,
            distances_m,
            formal_members,
            members_outside: 0,
        }
    }
}

/// Townships with at most this many candidates are searched by measuring every candidate
/// of the township; larger ones through the H3 ring index.
const SMALL_TOWNSHIP: usize = 48;

/// A sort key in the order of the rules (credit codes first, in text order), cheap to
/// compare: a credit code's 18 symbols, each `c - '0'` (0..=41, monotonic in ASCII) in
/// 6 bits, fill 108 bits of an integer. Keys without a code compare equal here and are
/// ordered by their text.
fn order_key(c: &Candidate) -> (bool, u128) {
    if c.has_credit_code && c.key.len() == 18 {
        let packed = c.key.bytes().fold(0u128, |acc, b| {
            (acc << 6) | u128::from(b.saturating_sub(b'0') & 63)
        });
        (false, packed)
    } else {
        (true, 0)
    }
}

/// Nearest first; equal distances in candidate order (`rank`), for determinism.
fn sort_nearest(found: &mut [(f64, usize)], rank: &[u32]) {
    found.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(rank[a.1].cmp(&rank[b.1])));
}

/// Takes the nearest of `found` into `selection` until the group reaches `needed` formal
/// members or `cap` organizations (the seed included); the group's formal members.
fn select(
    found: &[(f64, usize)],
    seed_formal: u32,
    needed: u32,
    cap: usize,
    candidates: &[Candidate],
    selection: &mut Vec<(f64, usize)>,
) -> u32 {
    selection.clear();
    let mut formal = seed_formal;
    for &(d, other) in found {
        if formal >= needed || selection.len() + 1 >= cap {
            break;
        }
        selection.push((d, other));
        formal += candidates[other].formal_members;
    }
    formal
}

/// Groups the candidates; the result is the same whatever order they come in.
pub fn propose_groups(candidates: &[Candidate], policy: &Policy) -> Vec<JointBranchProposal> {
    let needed = policy.own_organization_min_formal;
    let cap = policy.joint_branch_max_orgs as usize;
    let max_distance = policy.joint_branch_max_distance_m;

    let mut order: Vec<usize> = (0..candidates.len()).collect();
    let packed: Vec<(bool, u128)> = candidates.iter().map(order_key).collect();
    order.sort_unstable_by(|&a, &b| {
        packed[a]
            .cmp(&packed[b])
            .then_with(|| candidates[a].key.cmp(&candidates[b].key))
    });
    // Each candidate's place in that order, and its township as a small number: the hot
    // loop compares and indexes these instead of strings.
    let mut rank = vec![0u32; candidates.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r as u32;
    }
    let mut township_ids: HashMap<&str, u32> = HashMap::default();
    let township: Vec<u32> = candidates
        .iter()
        .map(|c| {
            let next = township_ids.len() as u32;
            *township_ids.entry(c.township.as_str()).or_insert(next)
        })
        .collect();
    // The candidates of each township, in order, as one array sliced by offsets.
    let mut township_start = vec![0usize; township_ids.len() + 1];
    for &t in &township {
        township_start[t as usize + 1] += 1;
    }
    for t in 1..township_start.len() {
        township_start[t] += township_start[t - 1];
    }
    let mut by_township = vec![0usize; candidates.len()];
    let mut next_slot = township_start.clone();
    // Formal members still free per township: a seed whose township cannot reach the
    // threshold needs no search at all.
    let mut free_in_township = vec![0u32; township_ids.len()];
    for &i in &order {
        let t = township[i] as usize;
        by_township[next_slot[t]] = i;
        next_slot[t] += 1;
        free_in_township[t] += candidates[i].formal_members;
    }
    let members_of = |t: usize| &by_township[township_start[t]..township_start[t + 1]];
    // The candidates of large townships by cell, for the ring search: one array sorted by
    // cell, and each cell's slice of it.
    let mut in_large: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| members_of(township[i] as usize).len() > SMALL_TOWNSHIP)
        .collect();
    in_large.sort_by_key(|&i| u64::from(candidates[i].cell));
    let mut by_cell: HashMap<CellIndex, (usize, usize)> = HashMap::default();
    let mut start = 0;
    for end in 1..=in_large.len() {
        let cell = candidates[in_large[start]].cell;
        if end == in_large.len() || candidates[in_large[end]].cell != cell {
            by_cell.insert(cell, (start, end));
            start = end;
        }
    }
    let points: Vec<Prepared> = candidates
        .iter()
        .map(|c| Prepared::new(c.location))
        .collect();
    // Beyond this haversine a pair is out of reach; the hair of margin leaves the boundary
    // to the exact distance, so that nothing differs from measuring every pair.
    let reach = Prepared::haversine_of(max_distance) * (1.0 + 1e-9);
    let within = |seed: usize, other: usize| {
        let h = points[seed].haversine(&points[other]);
        if h > reach {
            return None;
        }
        let d = Prepared::metres_of(h);
        (d <= max_distance).then_some(d)
    };
    let mut ring_steps: Vec<Option<f64>> = vec![None; township_ids.len()];

    let mut grouped = vec![false; candidates.len()];
    let mut proposals = Vec::new();
    let mut found: Vec<(f64, usize)> = Vec::new();
    let mut selection: Vec<(f64, usize)> = Vec::new();
    for &seed_index in &order {
        if grouped[seed_index] {
            continue;
        }
        let seed = &candidates[seed_index];
        let seed_township = township[seed_index] as usize;
        if free_in_township[seed_township] < needed {
            continue;
        }
        let mut formal = seed.formal_members;
        let township_members = members_of(seed_township);
        if township_members.len() <= SMALL_TOWNSHIP {
            // Few candidates share the township (the usual case): measuring them all is
            // cheaper than walking rings, and selects exactly the same.
            found.clear();
            for &other in township_members {
                if other == seed_index || grouped[other] {
                    continue;
                }
                if let Some(d) = within(seed_index, other) {
                    found.push((d, other));
                }
            }
            sort_nearest(&mut found, &rank);
            formal = select(
                &found,
                seed.formal_members,
                needed,
                cap,
                candidates,
                &mut selection,
            );
        } else {
            // Each ring is at least the shortest local edge (with a margin for the grid's
            // distortion) farther out than the one before. Cells hardly change size across
            // a township, so the first seed's cell measures it for all.
            let ring_step = *ring_steps[seed_township].get_or_insert_with(|| {
                seed.cell
                    .edges()
                    .map(|e| e.length_m())
                    .fold(f64::INFINITY, f64::min)
                    * 0.8
            });
            let max_ring = (max_distance / ring_step).ceil() as u32 + 1;
            found.clear();
            for ring in 0..=max_ring {
                for cell in seed.cell.grid_ring::<Vec<_>>(ring) {
                    let Some(&(start, end)) = by_cell.get(&cell) else {
                        continue;
                    };
                    for &other in &in_large[start..end] {
                        if other == seed_index
                            || grouped[other]
                            || township[other] != township[seed_index]
                        {
                            continue;
                        }
                        if let Some(d) = within(seed_index, other) {
                            found.push((d, other));
                        }
                    }
                }
                sort_nearest(&mut found, &rank);
                formal = select(
                    &found,
                    seed.formal_members,
                    needed,
                    cap,
                    candidates,
                    &mut selection,
                );
                // Settled once the group is complete (or full) and no farther ring can
                // hold anyone nearer than its farthest member.
                let settled = (formal >= needed || selection.len() + 1 >= cap)
                    && selection
                        .last()
                        .is_none_or(|&(d, _)| d <= ring_step * f64::from(ring));
                if settled {
                    break;
                }
            }
        }
        if formal < needed {
            continue; // No group: its candidates stay free for later seeds.
        }
        grouped[seed_index] = true;
        let mut members = vec![seed_index];
        let mut distances = vec![0.0];
        for &(d, other) in &selection {
            grouped[other] = true;
            members.push(other);
            distances.push(d);
        }
        free_in_township[seed_township] -= formal;
        proposals.push(JointBranchProposal::new(seed, members, distances, formal));
    }
    proposals
}

/// The same grouping by comparing every pair: the reference the indexed search is tested
/// against, and the naive baseline of the benchmark.
pub fn propose_groups_all_pairs(
    candidates: &[Candidate],
    policy: &Policy,
) -> Vec<JointBranchProposal> {
    let needed = policy.own_organization_min_formal;
    let cap = policy.joint_branch_max_orgs as usize;
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    let rank = |i: usize| (!candidates[i].has_credit_code, candidates[i].key.clone());
    order.sort_by_key(|&i| rank(i));
    let mut grouped = vec![false; candidates.len()];
    let mut proposals = Vec::new();
    for &s in &order {
        if grouped[s] {
            continue;
        }
        let seed = &candidates[s];
        let mut near: Vec<(f64, usize)> = (0..candidates.len())
            .filter(|&o| o != s && !grouped[o] && candidates[o].township == seed.township)
            .map(|o| (distance_m(seed.location, candidates[o].location), o))
            .filter(|&(d, _)| d <= policy.joint_branch_max_distance_m)
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| rank(a.1).cmp(&rank(b.1))));
        let mut formal = seed.formal_members;
        let mut members = vec![s];
        let mut distances = vec![0.0];
        for (d, o) in near {
            if formal >= needed || members.len() >= cap {
                break;
            }
            formal += candidates[o].formal_members;
            members.push(o);
            distances.push(d);
        }
        if formal < needed {
            continue;
        }
        for &m in &members {
            grouped[m] = true;
        }
        proposals.push(JointBranchProposal::new(seed, members, distances, formal));
    }
    proposals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stored::cell_of;
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::{RngExt, SeedableRng};

    const HOHHOT: LonLat = LonLat {
        lon: 111.67,
        lat: 40.82,
    };

    /// A candidate `east`/`north` metres from the reference point.
    fn candidate(key: &str, formal: u32, east: f64, north: f64, township: &str) -> Candidate {
        let location = LonLat {
            lon: HOHHOT.lon + east / (111_195.0 * HOHHOT.lat.to_radians().cos()),
            lat: HOHHOT.lat + north / 111_195.0,
        };
        Candidate {
            key: key.into(),
            has_credit_code: true,
            formal_members: formal,
            location,
            cell: cell_of(location),
            township: township.into(),
        }
    }

    fn keys(candidates: &[Candidate], groups: &[JointBranchProposal]) -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|g| {
                g.members
                    .iter()
                    .map(|&m| candidates[m].key.clone())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn r4_three_one_member_organizations_within_300_m_of_one_township_form_one_group() {
        let c = vec![
            candidate("A", 1, 0.0, 0.0, "150102001"),
            candidate("B", 1, 200.0, 0.0, "150102001"),
            candidate("C", 1, 0.0, 300.0, "150102001"),
        ];
        let groups = propose_groups(&c, &Policy::default());
        assert_eq!(keys(&c, &groups), [["A", "B", "C"]]);
        let g = &groups[0];
        assert_eq!(g.group_id, "RJ-A");
        assert_eq!(g.formal_members, 3);
        assert!((g.distances_m[1] - 200.0).abs() < 1.0 && (g.max_distance_m - 300.0).abs() < 1.0);
    }

    #[test]
    fn r4_the_same_three_split_across_two_townships_form_no_group() {
        let c = vec![
            candidate("A", 1, 0.0, 0.0, "150102001"),
            candidate("B", 1, 200.0, 0.0, "150102002"),
            candidate("C", 1, 0.0, 300.0, "150102001"),
        ];
        assert!(propose_groups(&c, &Policy::default()).is_empty());
    }

    #[test]
    fn r4_two_one_member_organizations_form_no_group_and_nobody_beyond_1000_m_joins() {
        let c = vec![
            candidate("A", 1, 0.0, 0.0, "150102001"),
            candidate("B", 1, 200.0, 0.0, "150102001"),
        ];
        assert!(propose_groups(&c, &Policy::default()).is_empty());
        let c = vec![
            candidate("A", 1, 0.0, 0.0, "150102001"),
            candidate("B", 1, 200.0, 0.0, "150102001"),
            candidate("C", 1, 1_210.0, 0.0, "150102001"),
        ];
        assert!(
            propose_groups(&c, &Policy::default()).is_empty(),
            "C is 1,010 m from B and 1,210 m from A"
        );
    }

    #[test]
    fn r4_a_group_stops_at_five_and_a_sixth_candidate_never_joins_a_full_group() {
        // Seven needed, so that five one-member units cannot complete a group.
        let policy = Policy {
            own_organization_min_formal: 7,
            branch_committee_min_formal: 7,
            ..Policy::default()
        };
        let c: Vec<_> = (0..6)
            .map(|i| candidate(&format!("K{i}"), 1, 50.0 * f64::from(i), 0.0, "150102001"))
            .collect();
        assert!(
            propose_groups(&c, &policy).is_empty(),
            "five members reach only 5 < 7"
        );
        let mut c = c;
        c[4].formal_members = 2;
        c[3].formal_members = 2;
        let groups = propose_groups(&c, &policy);
        assert_eq!(keys(&c, &groups), [["K0", "K1", "K2", "K3", "K4"]]);
        assert_eq!(groups[0].members.len(), 5);
    }

    #[test]
    fn r4_the_nearest_are_taken_first_until_the_group_has_three() {
        let c = vec![
            candidate("A", 1, 0.0, 0.0, "150102001"),
            candidate("B", 2, 800.0, 0.0, "150102001"),
            candidate("C", 2, 100.0, 0.0, "150102001"),
        ];
        let groups = propose_groups(&c, &Policy::default());
        assert_eq!(
            keys(&c, &groups),
            [["A", "C"]],
            "C is nearer and completes it"
        );
    }

    #[test]
    fn r4_a_seed_that_cannot_complete_a_group_frees_its_candidates() {
        // A (first in order) reaches only B; B then seeds with C and D.
        let c = vec![
            candidate("A", 1, -900.0, 0.0, "150102001"),
            candidate("B", 1, 0.0, 0.0, "150102001"),
            candidate("C", 1, 400.0, 0.0, "150102001"),
            candidate("D", 1, 450.0, 0.0, "150102001"),
        ];
        let groups = propose_groups(&c, &Policy::default());
        assert_eq!(keys(&c, &groups), [["B", "C", "D"]]);
    }

    fn random_candidates(n: usize, seed: u64, townships: u32) -> Vec<Candidate> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n)
            .map(|i| {
                let township = format!("150102{:03}", rng.random_range(0..townships));
                // Real, unique credit codes in shuffled order (48271 is prime to 10^8),
                // and every seventh a community organization keyed by its name.
                let body = format!("{:08}", (i as u64 * 48_271 + seed * 13) % 100_000_000);
                let code =
                    crate::domain::credit_code::CreditCode::compose(b'5', b'1', "150102", &body);
                let mut c = candidate(
                    code.as_str(),
                    rng.random_range(1..3),
                    rng.random_range(-3_000.0..3_000.0),
                    rng.random_range(-3_000.0..3_000.0),
                    &township,
                );
                if i % 7 == 0 {
                    c.has_credit_code = false;
                    c.key = format!("社区组织{i} ({township}000)");
                }
                c
            })
            .collect()
    }

    #[test]
    fn r4_grouping_is_deterministic_and_independent_of_input_order() {
        let c = random_candidates(800, 11, 3);
        let first = keys(&c, &propose_groups(&c, &Policy::default()));
        assert!(
            first.len() > 20,
            "the sample should form groups: {}",
            first.len()
        );
        assert_eq!(first, keys(&c, &propose_groups(&c, &Policy::default())));
        let mut shuffled = c.clone();
        shuffled.reverse();
        shuffled.swap(3, 400);
        assert_eq!(
            first,
            keys(&shuffled, &propose_groups(&shuffled, &Policy::default()))
        );
    }

    #[test]
    fn r4_the_ring_search_finds_exactly_the_groups_of_an_all_pairs_search() {
        // Three crowded townships take the ring search; a hundred sparse ones the direct one.
        for (seed, townships) in [(0, 3), (1, 3), (2, 3), (3, 100), (4, 100), (5, 40)] {
            let c = random_candidates(1_500, seed, townships);
            let policy = Policy::default();
            let groups = propose_groups(&c, &policy);
            assert!(!groups.is_empty());
            assert_eq!(groups, propose_groups_all_pairs(&c, &policy), "seed {seed}");
        }
    }
}
