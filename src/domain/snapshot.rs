//! The registry in memory, with its regional groups kept current as organizations change.
//!
//! Groups never cross a township, and which organizations are candidates depends only on
//! each one's own fields and on the R3 context. So a change regroups just the townships it
//! touches; a change of the R3 context (an industry association or an industry joint
//! organization changed) adds the townships of the organizations R3 now places otherwise.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::NaiveDate;
// Keys are the registry's own ids and division codes, not a client's: the fast hash is
// safe here, and start-up looks each organization up several times.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::analysis::key_text;
use super::coverage::{Bbox, CoverageRow, Filter, Gap, Industries, OrgCoverage, rank_gaps};
use super::coverage_index::CoverageIndex;
use super::decision::{Assessor, Decision, GroupRef, Recommendation, RegistryContext, operates};
use super::grouping::{Candidate, propose_groups};
use super::organization::{Organization, PartyOrg, Status};
use super::policy::Policy;
use super::stored::StoredOrganization;
use super::tasks::{Responsible, TaskList};

/// A proposed regional joint branch of registered organizations: the batch analysis's
/// proposal with the members' ids.
pub type Group = super::grouping::JointBranchProposal<i64>;

// Cloned for the figures of a past day, which differ from today's in a few organizations:
// the organizations are shared, so a copy is of pointers, not of a million records' texts.
#[derive(Clone)]
pub struct Snapshot {
    policy: Policy,
    orgs: HashMap<i64, Arc<StoredOrganization>>,
    by_township: HashMap<String, Vec<i64>>,
    context: RegistryContext,
    groups: HashMap<String, Vec<Group>>,
    group_of: HashMap<i64, (String, usize)>,
    coverage: CoverageIndex,
}

/// `work` on each item, on every core when there are many: a past day or the start-up
/// revises most townships, while a desk's change (one or two) is not worth a thread.
fn on_cores<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    const PARALLEL_FROM: usize = 64;
    if items.len() < PARALLEL_FROM {
        items.iter().map(work).collect()
    } else {
        super::analysis::in_parallel(items, |_, chunk| chunk.iter().map(&work).collect())
    }
}

fn township(org: &Organization) -> String {
    org.division_code.township().to_owned()
}

/// Whether a change of this organization can change the R3 context.
fn shapes_context(org: &Organization) -> bool {
    org.is_industry_association || org.party_org == PartyOrg::JointIndustry
}

impl Snapshot {
    pub fn new(policy: Policy, orgs: impl IntoIterator<Item = StoredOrganization>) -> Self {
        let orgs = orgs.into_iter();
        let mut snapshot = Self {
            policy,
            // Sized once: growing to a million organizations would move every one of them
            // (hundreds of bytes each) at each doubling, a quarter of the start-up's build.
            orgs: HashMap::with_capacity_and_hasher(orgs.size_hint().0, Default::default()),
            by_township: HashMap::default(),
            context: RegistryContext::default(),
            groups: HashMap::default(),
            group_of: HashMap::default(),
            coverage: CoverageIndex::default(),
        };
        for org in orgs {
            snapshot
                .by_township
                .entry(township(&org.org))
                .or_default()
                .push(org.id);
            snapshot.orgs.insert(org.id, Arc::new(org));
        }
        snapshot.regroup_all(RegistryContext::build(
            snapshot.orgs.values().map(|o| &o.org),
        ));
        snapshot
    }

    /// Reads the targets of `year` from now on (a new year's plans).
    pub fn set_plan_year(&mut self, year: i32) {
        self.policy.year = Some(year);
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn len(&self) -> usize {
        self.orgs.len()
    }

    /// How many organizations the registry holds in each status.
    /// Organizations by registration status, of the divisions starting with `prefix`.
    pub fn status_counts(&self, prefix: &str) -> Vec<(Status, usize)> {
        let mut counts = [0usize; Status::ALL.len()];
        for o in self.orgs.values() {
            if o.org.division_code.as_str().starts_with(prefix)
                && let Some(i) = Status::ALL.iter().position(|s| *s == o.org.status)
            {
                counts[i] += 1;
            }
        }
        Status::ALL.iter().copied().zip(counts).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.orgs.is_empty()
    }

    /// The version the snapshot holds of an organization.
    pub fn version_of(&self, id: i64) -> Option<i64> {
        self.orgs.get(&id).map(|o| o.version)
    }

    pub fn get(&self, id: i64) -> Option<&StoredOrganization> {
        self.orgs.get(&id).map(|o| &**o)
    }

    /// The organization registered under a credit code. A scan: it serves a person
    /// typing codes into a form, not a bulk path.
    pub fn find_credit_code(&self, code: &str) -> Option<i64> {
        self.orgs
            .values()
            .find(|o| {
                o.org
                    .credit_code
                    .as_ref()
                    .is_some_and(|c| c.as_str() == code)
            })
            .map(|o| o.id)
    }

    /// Takes in a registered or changed organization and brings the groups up to date.
    pub fn upsert(&mut self, org: StoredOrganization) {
        self.apply(vec![(org.id, Some(Arc::new(org)))]);
    }

    /// This snapshot with `policy` and some organizations as they stood on another day
    /// (None: not registered then): the figures of a past day, where most organizations
    /// stand as they stand now.
    pub fn revise(&mut self, policy: Policy, then: Vec<(i64, Option<Arc<StoredOrganization>>)>) {
        self.policy = policy;
        self.apply(then);
    }

    /// Puts in each organization's version (None: takes it out) and brings the groups up
    /// to date: those of the townships touched are proposed again, with those of the
    /// organizations R3 places otherwise when the R3 context differs.
    fn apply(&mut self, changes: Vec<(i64, Option<Arc<StoredOrganization>>)>) {
        let mut townships: HashSet<String> = HashSet::default();
        let mut touched: Vec<i64> = Vec::with_capacity(changes.len());
        let mut context_may_differ = false;
        let mut leaving: HashMap<String, HashSet<i64>> = HashMap::default();
        for (id, version) in changes {
            let new_township = version.as_ref().map(|o| township(&o.org));
            context_may_differ |= version.as_ref().is_some_and(|o| shapes_context(&o.org));
            let old = match version {
                Some(o) => self.orgs.insert(id, o),
                None => self.orgs.remove(&id),
            };
            let old_township = old.as_ref().map(|o| township(&o.org));
            context_may_differ |= old.as_ref().is_some_and(|o| shapes_context(&o.org));
            if old_township != new_township {
                if let Some(t) = &old_township {
                    leaving.entry(t.clone()).or_default().insert(id);
                }
                if let Some(t) = &new_township {
                    self.by_township.entry(t.clone()).or_default().push(id);
                }
            }
            townships.extend(old_township);
            townships.extend(new_township);
            touched.push(id);
        }
        // Once per township: a past day takes a quarter of the registry out of townships of
        // thousands.
        for (t, ids) in leaving {
            if let Some(members) = self.by_township.get_mut(&t) {
                members.retain(|i| !ids.contains(i));
            }
        }
        if context_may_differ {
            let context = RegistryContext::build(self.orgs.values().map(|o| &o.org));
            if context != self.context {
                // Only the organizations R3 now places otherwise (those of the industry
                // or association whose host changed, in the host's area) are placed
                // again, with their townships: not the whole registry.
                let before = std::mem::replace(&mut self.context, context);
                let placed_otherwise = before.places_otherwise(&self.context);
                let orgs: Vec<&Arc<StoredOrganization>> = self.orgs.values().collect();
                let moved: Vec<(i64, String)> = super::analysis::in_parallel(&orgs, |_, chunk| {
                    chunk
                        .iter()
                        .filter(|o| placed_otherwise(&o.org))
                        .map(|o| (o.id, township(&o.org)))
                        .collect()
                });
                for (id, t) in moved {
                    touched.push(id);
                    townships.insert(t);
                }
            }
        }
        touched.extend(self.regroup(townships.into_iter().collect()));
        touched.sort_unstable();
        touched.dedup();
        let now = on_cores(&touched, |&member| (member, self.coverage_of(member)));
        let orgs = &self.orgs;
        self.coverage.set(now.into_iter().map(|(member, now)| {
            let org = orgs.get(&member);
            (member, now.zip(org).map(|(c, o)| (&o.org, o.cell, c)))
        }));
    }

    fn regroup_all(&mut self, context: RegistryContext) {
        self.context = context;
        self.groups.clear();
        self.group_of.clear();
        let townships: Vec<String> = self.by_township.keys().cloned().collect();
        self.regroup(townships);
        let mut industries = Industries::default();
        let rows: Vec<(i64, CoverageRow)> = self
            .orgs
            .values()
            .filter_map(|o| {
                let c = self.coverage_of(o.id)?;
                Some((o.id, CoverageRow::new(&o.org, o.cell, c, &mut industries)))
            })
            .collect();
        self.coverage = CoverageIndex::build(rows, industries);
    }

    /// What an organization adds to coverage now: its recommendation without the date-
    /// dependent flags (coverage does not depend on the day).
    fn coverage_of(&self, id: i64) -> Option<OrgCoverage> {
        let org = &self.orgs.get(&id)?.org;
        if !operates(org) {
            return None;
        }
        let assessor = Assessor {
            policy: &self.policy,
            context: &self.context,
            today: NaiveDate::MIN,
        };
        let group = self.group_of(id);
        let recommendation = assessor.placement(org).unwrap_or(if group.is_some() {
            Recommendation::RegionalJoint
        } else {
            Recommendation::Instructor
        });
        let seeds_group = group.is_some_and(|g| g.members[0] == id);
        OrgCoverage::of(org, Some(recommendation), seeds_group, &self.policy)
    }

    pub fn coverage(&self) -> &CoverageIndex {
        &self.coverage
    }

    /// The ranked gaps among the cells of `res` touching `bbox` (formats.md).
    pub fn gaps(&self, res: u8, bbox: Option<&Bbox>, filter: &Filter) -> Vec<Gap> {
        rank_gaps(self.coverage.cells(res, bbox, filter), &self.policy)
    }

    /// Regroups the townships; returns the organizations whose group may have changed.
    fn regroup(&mut self, townships: Vec<String>) -> Vec<i64> {
        // Proposing is the cost and reads the snapshot alone.
        let proposals = on_cores(&townships, |t| self.propose(t));
        let mut touched = Vec::new();
        for (t, groups) in townships.into_iter().zip(proposals) {
            self.install(t, groups, &mut touched);
        }
        touched
    }

    /// The regional joint branches proposed in one township as it stands.
    fn propose(&self, township_code: &str) -> Vec<Group> {
        let assessor = Assessor {
            policy: &self.policy,
            context: &self.context,
            today: NaiveDate::MIN, // grouping does not depend on the date
        };
        let mut ids: Vec<i64> = self
            .by_township
            .get(township_code)
            .map(|ids| {
                ids.iter()
                    .copied()
                    .filter(|id| assessor.is_grouping_candidate(&self.orgs[id].org))
                    .collect()
            })
            .unwrap_or_default();
        ids.sort_unstable();
        let candidates: Vec<Candidate> = ids
            .iter()
            .map(|id| {
                let o = &self.orgs[id];
                Candidate::of(&o.org, key_text(&o.org), o.cell).expect("candidates have a point")
            })
            .collect();
        propose_groups(&candidates, &self.policy)
            .into_iter()
            .map(|p| p.map_members(|m| ids[m]))
            .collect()
    }

    /// Puts a township's proposals in place of its old ones, adding to `touched` the
    /// members of both.
    fn install(&mut self, township_code: String, groups: Vec<Group>, touched: &mut Vec<i64>) {
        if let Some(old) = self.groups.remove(&township_code) {
            for g in old {
                for m in g.members {
                    // A member that moved to a township installed first keeps its new group.
                    if self
                        .group_of
                        .get(&m)
                        .is_some_and(|(t, _)| *t == township_code)
                    {
                        self.group_of.remove(&m);
                    }
                    touched.push(m);
                }
            }
        }
        for (i, g) in groups.iter().enumerate() {
            for &m in &g.members {
                self.group_of.insert(m, (township_code.clone(), i));
                touched.push(m);
            }
        }
        if !groups.is_empty() {
            self.groups.insert(township_code, groups);
        }
    }

    /// The proposal an organization is in, as proposed (every member).
    pub fn group_of(&self, id: i64) -> Option<&Group> {
        self.group_of.get(&id).map(|(t, i)| &self.groups[t][*i])
    }

    /// The proposal an organization is in as an account of `jurisdiction` may see it.
    pub fn group_seen_from(&self, id: i64, jurisdiction: &str) -> Option<Group> {
        self.group_of(id).map(|g| self.seen_from(g, jurisdiction))
    }

    /// A proposal as an account of `jurisdiction` (a division prefix, "" for the country)
    /// may see it: proposals are per township, so an account of a village would otherwise
    /// be shown its neighbours' names, links and versions. Members outside are left out
    /// and counted in `members_outside`.
    pub fn seen_from(&self, group: &Group, jurisdiction: &str) -> Group {
        let mut seen = group.clone();
        if group.division_code.starts_with(jurisdiction) {
            return seen; // The township lies inside: every member does.
        }
        let inside: Vec<bool> = group
            .members
            .iter()
            .map(|m| {
                self.orgs[m]
                    .org
                    .division_code
                    .as_str()
                    .starts_with(jurisdiction)
            })
            .collect();
        fn keep<T: Copy>(all: &[T], inside: &[bool]) -> Vec<T> {
            all.iter()
                .zip(inside)
                .filter(|(_, inside)| **inside)
                .map(|(x, _)| *x)
                .collect()
        }
        seen.members = keep(&group.members, &inside);
        seen.distances_m = keep(&group.distances_m, &inside);
        seen.members_outside = inside.iter().filter(|i| !**i).count();
        seen
    }

    /// The decision of one organization on `today` as an account of `jurisdiction` sees
    /// it (its proposal's members outside counted, not named); `registered_now` for a
    /// registration being answered (R6).
    pub fn decision(
        &self,
        id: i64,
        today: NaiveDate,
        registered_now: bool,
        jurisdiction: &str,
    ) -> Option<Decision> {
        let org = self.orgs.get(&id)?;
        let group = self.group_seen_from(id, jurisdiction).map(|g| GroupRef {
            id: g.group_id.clone(),
            members: g
                .members
                .iter()
                .map(|m| key_text(&self.orgs[m].org))
                .collect(),
            members_outside: g.members_outside,
        });
        let assessor = Assessor {
            policy: &self.policy,
            context: &self.context,
            today,
        };
        Some(assessor.decide(&org.org, group, registered_now))
    }

    /// The task lists of the organizations whose division code starts with
    /// `division_prefix` on `today`: how many each list holds, the list shown (`list`, or
    /// without one the first that has entries), and its ids in the order they are due
    /// (then by division and id). Only organizations that could be on some list (by their
    /// own fields) are decided.
    /// Whether organization `id`'s entry is on `list` today (as [`Self::tasks`] lists it).
    pub fn on_list(&self, id: i64, list: TaskList, today: NaiveDate) -> bool {
        let Some(o) = self.orgs.get(&id) else {
            return false;
        };
        let (min, staff) = (
            self.policy.own_organization_min_formal,
            self.policy.key_contact_min_staff,
        );
        match list.flag() {
            None => list.may_hold(&o.org, min, staff),
            Some(flag) => {
                list.may_hold(&o.org, min, staff)
                    && self
                        .decision(id, today, false, "")
                        .is_some_and(|d| d.flags.contains(&flag))
            }
        }
    }

    pub fn tasks(
        &self,
        division_prefix: &str,
        today: NaiveDate,
        list: Option<TaskList>,
    ) -> (Vec<(TaskList, usize)>, TaskList, Vec<i64>) {
        let assessor = Assessor {
            policy: &self.policy,
            context: &self.context,
            today,
        };
        let (min, staff) = (
            self.policy.own_organization_min_formal,
            self.policy.key_contact_min_staff,
        );
        let inside: Vec<&StoredOrganization> = self.orgs_under(division_prefix).collect();
        // Deciding is the cost (a national list decides a third of the registry): on
        // every core, and only for organizations a rule's list may hold; every one is
        // checked for doubts, which is a few lookups. Groups change no task flag, so none
        // is looked up.
        let decided = super::analysis::in_parallel(&inside, |_, chunk| {
            chunk
                .iter()
                .filter_map(|&o| {
                    let ruled = TaskList::ALL
                        .iter()
                        .any(|l| l.flag().is_some() && l.may_hold(&o.org, min, staff));
                    let decision = ruled.then(|| assessor.decide(&o.org, None, false));
                    let mut lists: u16 = decision.as_ref().map_or(0, |d| {
                        TaskList::ALL
                            .iter()
                            .enumerate()
                            .filter(|(_, l)| l.flag().is_some_and(|f| d.flags.contains(&f)))
                            .fold(0, |mask, (i, _)| mask | 1 << i)
                    });
                    // The registry's own checks, from the record alone.
                    for (i, l) in TaskList::ALL.iter().enumerate() {
                        if l.flag().is_none() && l.may_hold(&o.org, min, staff) {
                            lists |= 1 << i;
                        }
                    }
                    // The due date of the list asked for; a list chosen by its counts gets
                    // its entries' dates below.
                    let due = list.zip(decision).and_then(|(l, d)| l.due(&d));
                    (lists != 0).then_some((lists, due, o))
                })
                .collect()
        });
        // One bit a list in `lists`.
        const _: () = assert!(TaskList::ALL.len() <= u16::BITS as usize);
        let mut counts = [0usize; TaskList::ALL.len()];
        for (lists, ..) in &decided {
            for (i, count) in counts.iter_mut().enumerate() {
                if lists & (1 << i) != 0 {
                    *count += 1;
                }
            }
        }
        let dated = list.is_some();
        let list = list.unwrap_or_else(|| {
            TaskList::ALL
                .into_iter()
                .zip(counts)
                .find(|(_, n)| *n > 0)
                .map_or(TaskList::Establish, |(l, _)| l)
        });
        let chosen_bit = TaskList::ALL.iter().position(|l| *l == list).unwrap_or(0);
        let mut on_list: Vec<(Option<NaiveDate>, &StoredOrganization)> = decided
            .into_iter()
            .filter(|(lists, ..)| lists & (1 << chosen_bit) != 0)
            .map(|(_, due, o)| (due, o))
            .collect();
        // Chosen after the pass: its own entries are decided again for their dates (the
        // registry's checks have none), not the whole area.
        if !dated && list.flag().is_some() {
            let dues = super::analysis::in_parallel(&on_list, |_, chunk| {
                chunk
                    .iter()
                    .map(|(_, o)| list.due(&assessor.decide(&o.org, None, false)))
                    .collect()
            });
            for (entry, due) in on_list.iter_mut().zip(dues) {
                entry.0 = due;
            }
        }
        let mut chosen: Vec<(Option<NaiveDate>, Cow<str>, i64)> = on_list
            .into_iter()
            .map(|(due, o)| {
                // Locations are found body by body (the body knows where its
                // organizations are); the rest go by division.
                let order = if list == TaskList::Locate {
                    Cow::Owned(Responsible::of(&o.org).sort_key())
                } else {
                    Cow::Borrowed(o.org.division_code.as_str())
                };
                (due, order, o.id)
            })
            .collect();
        // Undated entries after the dated ones.
        chosen.sort_unstable_by(|a, b| {
            (a.0.is_none(), a.0, &a.1, a.2).cmp(&(b.0.is_none(), b.0, &b.1, b.2))
        });
        (
            TaskList::ALL.into_iter().zip(counts).collect(),
            list,
            chosen.into_iter().map(|(_, _, id)| id).collect(),
        )
    }

    /// The organizations whose division starts with `division_prefix`. A province or the
    /// country is most of the registry: scanning it in memory order beats a hash lookup per
    /// organization; a city or county goes by its townships.
    pub fn orgs_under<'a>(
        &'a self,
        division_prefix: &'a str,
    ) -> impl Iterator<Item = &'a StoredOrganization> + 'a {
        let orgs: Box<dyn Iterator<Item = &StoredOrganization>> = if division_prefix.len() < 4 {
            Box::new(self.orgs.values().map(|o| &**o))
        } else {
            Box::new(
                self.by_township
                    .iter()
                    .filter(move |(t, _)| {
                        t.starts_with(division_prefix) || division_prefix.starts_with(t.as_str())
                    })
                    .flat_map(|(_, ids)| ids.iter().map(|id| &*self.orgs[id])),
            )
        };
        orgs.filter(move |o| o.org.division_code.as_str().starts_with(division_prefix))
    }

    /// The statistics report of the divisions one level below `division_prefix`.
    pub fn report(&self, division_prefix: &str) -> super::report::Report {
        super::report::report(
            self.orgs_under(division_prefix).map(|o| &o.org),
            division_prefix,
            &self.policy,
        )
    }

    /// Every proposed group whose township starts with `division_prefix`, in township order.
    pub fn groups(&self, division_prefix: &str) -> Vec<&Group> {
        // A prefix finer than a township (a village) meets its township's proposals.
        let mut townships: Vec<&String> = self
            .groups
            .keys()
            .filter(|t| t.starts_with(division_prefix) || division_prefix.starts_with(t.as_str()))
            .collect();
        townships.sort();
        townships
            .into_iter()
            .flat_map(|t| self.groups[t].iter())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coords::LonLat;
    use crate::domain::credit_code::CreditCode;
    use crate::domain::decision::Recommendation;
    use crate::domain::division::DivisionCode;

    use crate::domain::stored::{cell_of, cell_of_org};

    fn stored(id: i64, formal: u32, east_m: f64, township: &str) -> StoredOrganization {
        let location = Some(LonLat {
            lon: 111.67 + east_m / 84_000.0,
            lat: 40.82,
        });
        let org = Organization {
            credit_code: Some(CreditCode::compose(
                b'5',
                b'1',
                "150102",
                &format!("MN{id:06}"),
            )),
            name: format!("组织{id}"),
            division_code: DivisionCode::parse(&format!("{township}001")).unwrap(),
            location,
            ..crate::domain::testing::org(formal)
        };
        StoredOrganization {
            id,
            version: 1,
            cell: location.map(cell_of),
            org,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn recommendation(s: &Snapshot, id: i64) -> Option<Recommendation> {
        s.decision(id, today(), false, "").unwrap().recommendation
    }

    /// Issue 21.2: a past day's figures are today's snapshot revised where organizations
    /// stood otherwise; they must be those of a snapshot built from the past registry.
    #[test]
    fn a_revised_snapshot_counts_as_one_built_from_the_same_organizations() {
        use crate::domain::coverage::Filter;
        use crate::domain::division::DivisionLevel;
        let mut today_orgs: Vec<StoredOrganization> = (1..=12)
            .map(|id| {
                let township = if id <= 6 { "150102001" } else { "150102002" };
                stored(id, (id % 5) as u32, 100.0 * id as f64, township)
            })
            .collect();
        today_orgs[4].org.party_org = PartyOrg::Branch;
        today_orgs[8].org.is_industry_association = true;
        today_orgs[8].org.industry = Some("餐饮".into());
        today_orgs[8].org.party_org = PartyOrg::Branch;
        // Of its industry: placed by R3 today, candidates of a group in the past; and one
        // of another industry, which the association's change leaves alone.
        for o in [0, 1, 9, 10, 11] {
            today_orgs[o].org.industry = Some("餐饮".into());
        }
        today_orgs[3].org.industry = Some("零售".into());
        let now = Snapshot::new(Policy::default(), today_orgs.clone());
        assert_eq!(
            recommendation(&now, 11),
            Some(Recommendation::IndustryJoint)
        );
        // The past: 3 not yet registered (a group of three broken), 5 without its branch,
        // 7 in the other township, the industry association without its party
        // organization (the R3 context differs).
        let mut then = vec![(3, None)];
        let mut five = today_orgs[4].clone();
        five.org.party_org = PartyOrg::None;
        let mut seven = today_orgs[6].clone();
        seven.org.division_code = DivisionCode::parse("150102001001").unwrap();
        let mut nine = today_orgs[8].clone();
        nine.org.party_org = PartyOrg::None;
        then.extend([(5, Some(five)), (7, Some(seven)), (9, Some(nine))]);
        for changes in [then.clone(), then[..3].to_vec()] {
            let mut past_orgs: std::collections::BTreeMap<i64, StoredOrganization> =
                today_orgs.iter().map(|o| (o.id, o.clone())).collect();
            for (id, version) in &changes {
                match version {
                    Some(v) => past_orgs.insert(*id, v.clone()),
                    None => past_orgs.remove(id),
                };
            }
            let built = Snapshot::new(Policy::default(), past_orgs.into_values());
            let mut revised = now.clone();
            revised.revise(
                Policy::default(),
                changes
                    .iter()
                    .map(|(id, v)| (*id, v.clone().map(Arc::new)))
                    .collect(),
            );
            let all = Filter::default();
            assert_eq!(
                revised.coverage().total(&all),
                built.coverage().total(&all),
                "with {} changes",
                changes.len()
            );
            assert_eq!(
                revised.coverage().cells(9, None, &all),
                built.coverage().cells(9, None, &all)
            );
            assert_eq!(
                revised
                    .coverage()
                    .divisions(DivisionLevel::Township, "1501", &all),
                built
                    .coverage()
                    .divisions(DivisionLevel::Township, "1501", &all)
            );
            assert_eq!(revised.groups("15"), built.groups("15"));
            for id in 1..=12 {
                assert_eq!(
                    revised
                        .decision(id, today(), false, "")
                        .map(|d| d.recommendation),
                    built
                        .decision(id, today(), false, "")
                        .map(|d| d.recommendation),
                    "{id} with {} changes",
                    changes.len()
                );
            }
        }
    }

    /// R4: an organization that moves to another township leaves its old group and joins
    /// one in the new township, and the snapshot knows it as a member there (the old
    /// township, proposed again after the new one, once forgot it).
    #[test]
    fn r4_a_member_that_moves_township_joins_a_group_there() {
        let mut s = Snapshot::new(
            Policy::default(),
            [
                stored(1, 1, 0.0, "150102001"),
                stored(2, 1, 100.0, "150102001"),
                stored(4, 1, 1_000.0, "150102002"),
                stored(5, 1, 1_100.0, "150102002"),
                stored(6, 1, 1_200.0, "150102002"),
            ],
        );
        assert_eq!(s.group_of(6).unwrap().members, [4, 5, 6]);
        s.upsert(stored(6, 1, 200.0, "150102001"));
        assert_eq!(
            s.group_of(6).map(|g| g.members.clone()),
            Some(vec![1, 2, 6])
        );
        assert_eq!(recommendation(&s, 6), Some(Recommendation::RegionalJoint));
        assert!(s.group_of(4).is_none(), "two left behind make no group");
    }

    #[test]
    fn r4_a_registration_nearby_completes_a_group_at_once() {
        let mut s = Snapshot::new(
            Policy::default(),
            [
                stored(1, 1, 0.0, "150102001"),
                stored(2, 1, 100.0, "150102001"),
            ],
        );
        assert_eq!(recommendation(&s, 1), Some(Recommendation::Instructor));
        s.upsert(stored(3, 1, 200.0, "150102001"));
        for id in [1, 2, 3] {
            assert_eq!(
                recommendation(&s, id),
                Some(Recommendation::RegionalJoint),
                "{id}"
            );
        }
        assert_eq!(s.groups("15").len(), 1);
        assert_eq!(s.group_of(2).unwrap().members, [1, 2, 3]);
    }

    #[test]
    fn r4_a_member_that_moves_away_or_grows_dissolves_the_group() {
        let orgs = [
            stored(1, 1, 0.0, "150102001"),
            stored(2, 1, 100.0, "150102001"),
            stored(3, 1, 200.0, "150102001"),
        ];
        let mut s = Snapshot::new(Policy::default(), orgs.clone());
        s.upsert(stored(3, 1, 200.0, "150102002"));
        assert!(s.groups("").is_empty(), "moved to another township");
        assert_eq!(recommendation(&s, 1), Some(Recommendation::Instructor));
        let mut s = Snapshot::new(Policy::default(), orgs);
        s.upsert(stored(2, 3, 100.0, "150102001"));
        assert_eq!(recommendation(&s, 2), Some(Recommendation::OwnBranch));
        assert!(s.groups("").is_empty());
    }

    #[test]
    fn r3_a_new_industry_association_with_a_party_organization_regroups_everyone() {
        let mut orgs = vec![
            stored(1, 1, 0.0, "150102001"),
            stored(2, 1, 100.0, "150102001"),
            stored(3, 1, 200.0, "150102001"),
        ];
        for o in &mut orgs {
            o.org.industry = Some("餐饮".into());
        }
        let mut s = Snapshot::new(Policy::default(), orgs);
        assert_eq!(s.groups("").len(), 1);
        let mut assoc = stored(9, 5, 5_000.0, "150102009");
        assoc.org.is_industry_association = true;
        assoc.org.industry = Some("餐饮".into());
        assoc.org.party_org = PartyOrg::Branch;
        s.upsert(assoc);
        assert!(s.groups("").is_empty());
        assert_eq!(recommendation(&s, 1), Some(Recommendation::IndustryJoint));
    }

    #[test]
    fn the_snapshot_agrees_with_a_full_analysis() {
        let mut orgs = Vec::new();
        let options = crate::generate::GenerateOptions {
            orgs: 5_000,
            seed: 3,
            division_prefix: Some("1501".into()),
        };
        crate::generate::generate(&options, |o| {
            orgs.push(o);
            Ok::<_, ()>(())
        })
        .unwrap();
        let stored: Vec<_> = orgs
            .iter()
            .enumerate()
            .map(|(i, o)| StoredOrganization {
                id: i as i64 + 1,
                version: 1,
                cell: cell_of_org(o),
                org: o.clone(),
            })
            .collect();
        let snapshot = Snapshot::new(Policy::default(), stored);
        let analysis = crate::domain::analysis::analyze(&orgs, None, &Policy::default(), today());
        assert!(!analysis.groups.is_empty());
        for (i, expected) in analysis
            .decisions(&orgs, &Policy::default())
            .iter()
            .enumerate()
        {
            assert_eq!(
                &snapshot.decision(i as i64 + 1, today(), false, "").unwrap(),
                expected,
                "org {i}"
            );
        }
    }

    fn generated_stored(n: usize, seed: u64) -> Vec<StoredOrganization> {
        let mut orgs = Vec::new();
        let options = crate::generate::GenerateOptions {
            orgs: n,
            seed,
            division_prefix: Some("1501".into()),
        };
        crate::generate::generate(&options, |o| {
            orgs.push(o);
            Ok::<_, ()>(())
        })
        .unwrap();
        orgs.into_iter()
            .enumerate()
            .map(|(i, o)| StoredOrganization {
                id: i as i64 + 1,
                version: 1,
                cell: cell_of_org(&o),
                org: o,
            })
            .collect()
    }

    #[test]
    fn an_organization_without_a_point_counts_in_its_divisions_and_in_no_hexagon() {
        use crate::domain::coverage::{Bbox, Filter};
        use crate::domain::division::DivisionLevel;
        let orgs = generated_stored(3_000, 8);
        let unlocated = orgs.iter().filter(|o| o.org.location.is_none()).count();
        assert!(unlocated > 50, "{unlocated}");
        let snapshot = Snapshot::new(Policy::default(), orgs);
        let all = Filter::default();
        let index = snapshot.coverage();
        let in_cells: u32 = index
            .cells(7, None, &all)
            .iter()
            .map(|(c, _)| c.tally.total)
            .sum();
        let in_provinces: u32 = index
            .divisions(DivisionLevel::Province, "", &all)
            .iter()
            .map(|(_, t)| t.total)
            .sum();
        assert_eq!(in_provinces as usize, index.len());
        assert_eq!(index.total(&all).total, in_provinces);
        let operating_unlocated = index.unlocated().count() as u32;
        assert_eq!(in_cells + operating_unlocated, in_provinces);
        assert_eq!(index.unlocated_in(None, &all), operating_unlocated);
        // In a box around Hohhot: those of the counties whose centroid is in it.
        let hohhot = Bbox {
            west: 111.0,
            south: 40.3,
            east: 112.3,
            north: 41.2,
        };
        let expected = index
            .unlocated()
            .filter(|(_, r)| {
                let county = (r.division / 1_000_000) as u32;
                crate::domain::division::county_centroid(county)
                    .is_some_and(|(lon, lat)| hohhot.contains(LonLat { lon, lat }))
            })
            .count() as u32;
        assert!(expected > 0 && expected < operating_unlocated, "{expected}");
        assert_eq!(index.unlocated_in(Some(&hohhot), &all), expected);
        // None of them is in a proposed group (R4 measures from the point).
        for group in snapshot.groups("") {
            for m in &group.members {
                assert!(snapshot.get(*m).unwrap().org.location.is_some());
            }
        }
    }

    #[test]
    fn live_coverage_after_many_changes_equals_a_fresh_aggregate() {
        use crate::domain::coverage::Filter;
        use crate::domain::division::DivisionLevel;
        use crate::domain::organization::Status;
        let mut orgs = generated_stored(3_000, 5);
        let mut live = Snapshot::new(Policy::default(), orgs.clone());
        // Registrations, growth, deregistrations, party organizations founded, moves.
        for step in 0..400usize {
            let i = (step * 7919) % orgs.len();
            let mut o = orgs[i].clone();
            o.version += 1;
            match step % 5 {
                0 => o.org.formal_members = (o.org.formal_members + 1) % 5,
                1 => o.org.status = Status::Deregistered,
                2 => o.org.party_org = PartyOrg::Branch,
                3 => {
                    let j = (i + 1) % orgs.len();
                    o.org.location = orgs[j].org.location;
                    o.org.division_code = orgs[j].org.division_code;
                    o.cell = orgs[j].cell;
                    // Some lose their point, as a ledger without coordinates would.
                    if step % 15 == 3 {
                        o.org.location = None;
                        o.cell = None;
                    }
                }
                _ => o.org.instructor = Some("王老师".into()),
            }
            orgs[i] = o.clone();
            live.upsert(o);
        }
        let mut fresh_orgs = orgs.clone();
        let next_id = fresh_orgs.len() as i64 + 1;
        let mut newcomer = fresh_orgs[10].clone();
        newcomer.id = next_id;
        newcomer.org.credit_code = None;
        newcomer.org.name = "新登记的社区组织".into();
        fresh_orgs.push(newcomer.clone());
        live.upsert(newcomer);
        let fresh = Snapshot::new(Policy::default(), fresh_orgs.clone());
        // And one registered organization at a time from nothing.
        let mut one_by_one = Snapshot::new(Policy::default(), []);
        for o in fresh_orgs.clone() {
            one_by_one.upsert(o);
        }
        // And half of them at once (a past day's revision of a registry imported lately),
        // which indexes the hexagons again from the kept rows.
        let mut at_once = Snapshot::new(Policy::default(), fresh_orgs.iter().step_by(2).cloned());
        at_once.revise(
            Policy::default(),
            fresh_orgs
                .iter()
                .skip(1)
                .step_by(2)
                .map(|o| (o.id, Some(Arc::new(o.clone()))))
                .collect(),
        );
        let all = Filter::default();
        let bbox = crate::domain::coverage::Bbox {
            west: 111.5,
            south: 40.6,
            east: 112.0,
            north: 41.0,
        };
        for res in 4..=10 {
            for b in [None, Some(&bbox)] {
                let expected = fresh.coverage().cells(res, b, &all);
                assert!(!expected.is_empty());
                assert!(live.coverage().cells(res, b, &all) == expected, "res {res}");
                assert!(
                    one_by_one.coverage().cells(res, b, &all) == expected,
                    "res {res}"
                );
                assert!(
                    at_once.coverage().cells(res, b, &all) == expected,
                    "res {res}"
                );
            }
        }
        for level in crate::domain::coverage::DIVISION_LEVELS {
            assert_eq!(
                live.coverage().divisions(level, "", &all),
                fresh.coverage().divisions(level, "", &all)
            );
            assert_eq!(
                at_once.coverage().divisions(level, "", &all),
                fresh.coverage().divisions(level, "", &all)
            );
        }
        assert_eq!(live.coverage().total(&all), fresh.coverage().total(&all));
        assert_eq!(at_once.coverage().total(&all), fresh.coverage().total(&all));
        for cell in fresh
            .coverage()
            .cells(7, None, &all)
            .iter()
            .map(|(c, _)| c.cell)
        {
            let ids = |s: &Snapshot| {
                let mut ids: Vec<i64> = s.coverage().rows_in(cell).map(|(id, _)| id).collect();
                ids.sort_unstable();
                ids
            };
            assert_eq!(ids(&at_once), ids(&fresh));
        }
        assert_eq!(
            live.coverage()
                .divisions(DivisionLevel::County, "1501", &all)
                .len(),
            fresh
                .coverage()
                .divisions(DivisionLevel::County, "1501", &all)
                .len()
        );
    }

    #[test]
    fn cells_in_any_box_are_the_hexagons_intersecting_it_counting_the_points_inside_them() {
        use crate::domain::coverage::{Bbox, Filter, cell_at, cells_with_divisions, hexagon_ring};
        use crate::domain::decision::Coverage;
        let orgs = generated_stored(3_000, 6);
        let s = Snapshot::new(Policy::default(), orgs);
        let mut rows: Vec<CoverageRow> = s.coverage().rows_in_all().copied().collect();
        rows.sort_by_key(|r| r.cell);
        let filter = Filter {
            coverage: Some(Coverage::Uncovered),
            ..Filter::default()
        };
        // Boxes of a town to a city around Hohhot (the generator's 1501), from a fixed LCG.
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let hexagon_meets = |ring: &[[f64; 2]], b: &Bbox| {
            // Independent of the code under test: a vertex inside the box, the box's
            // corner inside the hexagon, or two edges crossing.
            let inside_box = |p: &[f64; 2]| {
                p[0] >= b.west && p[0] <= b.east && p[1] >= b.south && p[1] <= b.north
            };
            let hex = geo::Polygon::new(
                geo::LineString::from(ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>()),
                vec![],
            );
            let corners = [
                (b.west, b.south),
                (b.east, b.south),
                (b.east, b.north),
                (b.west, b.north),
            ];
            let corner_in = corners
                .iter()
                .any(|&(x, y)| geo::Contains::contains(&hex, &geo::Point::new(x, y)));
            let boundary = geo::LineString::from(
                corners
                    .iter()
                    .chain(&corners[..1])
                    .copied()
                    .collect::<Vec<_>>(),
            );
            ring.iter().any(inside_box)
                || corner_in
                || geo::Intersects::intersects(&hex.exterior().clone(), &boundary)
        };
        for round in 0..25 {
            let size = 0.02 + next() * 0.5;
            let west = 111.0 + next() * 1.5;
            let south = 40.3 + next() * 1.0;
            let bbox = Bbox {
                west,
                south,
                east: west + size,
                north: south + size * 0.7,
            };
            let res = 4 + (round % 7) as u8;
            for f in [Filter::default(), filter.clone()] {
                let expected: Vec<_> = cells_with_divisions(&rows, res, &f)
                    .into_iter()
                    .filter(|(c, _)| hexagon_meets(&hexagon_ring(c.cell), &bbox))
                    .collect();
                assert!(
                    s.coverage().cells(res, Some(&bbox), &f) == expected,
                    "res {res} {bbox:?} {f:?}"
                );
            }
        }
        // A hexagon's organizations are those whose point lies in it.
        let counted: Vec<i64> = s.coverage().ids_in(None).collect();
        for res in 4..=9 {
            for (c, _) in s.coverage().cells(res, None, &Filter::default()) {
                let mut listed: Vec<i64> = s.coverage().rows_in(c.cell).map(|(id, _)| id).collect();
                listed.sort_unstable();
                let mut inside: Vec<i64> = counted
                    .iter()
                    .copied()
                    .filter(|id| {
                        let point = s.orgs[id].org.location.expect("a counted point");
                        cell_at(point, res) == c.cell
                    })
                    .collect();
                inside.sort_unstable();
                assert_eq!(listed, inside, "res {res}");
                assert_eq!(listed.len() as u32, c.tally.total);
            }
        }
    }
}
