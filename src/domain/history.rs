//! The registry as it was at the end of a past day (issue 21.2), rebuilt from the present
//! registry and the audit log's changes since that day (docs/rules.md, "Figures of a past
//! date").
//!
//! Every change writes the organization before and after it, so the version recorded by a
//! moment is the "before" of the first change after it. Ledgers are often entered late, so
//! the facts a record dates are placed by their dates, as the latest record gives them:
//! the registration (成立登记日期), the founding of the party organization (党组织成立日期)
//! and the deregistration (注销日期). A fact without a date counts from when it was
//! recorded. An organization registered by the day but recorded after it is counted with
//! what its first record says of it (members, place, kind), and with only its dated party
//! organization and deregistration: its undated ones, and its instructor, were recorded
//! later.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use rustc_hash::FxHashMap as HashMap;

use super::organization::{Organization, PartyOrg, Status};
use super::stored::StoredOrganization;

/// How the figures of a past day are counted, as the pages and the report's notes say it.
pub const HOW_A_PAST_DAY_COUNTS: (&str, &str) = (
    "往期数据按该日结束时的登记情况由变更记录重算：成立登记、党组织成立、注销以记录中的日期为准（补录的台账也计入当时）；未记日期的，从录入系统之日起计。",
    "Figures of a past day are the registry as it stood at the end of that day, rebuilt from the audit log: a registration, a party organization's founding and a deregistration count from the dates the records give (a ledger entered late counts then too); a fact without a date counts from the day it was entered.",
);

/// One change of an organization after the cutoff: the versions before and after it.
/// An import's new organization is written without a copy of itself (`after` is none):
/// its first version is the "before" of its next change, or the present one.
#[derive(Debug, Clone)]
pub struct Change {
    pub at: DateTime<Utc>,
    // Boxed: most changes of a large history are imports, which carry no version, and a
    // million of them are kept in memory.
    pub before: Option<Box<StoredOrganization>>,
    pub after: Option<Box<StoredOrganization>>,
}

/// The changes of the organizations changed after a moment, oldest first.
#[derive(Debug, Default)]
pub struct History {
    changes: HashMap<i64, Vec<Change>>,
}

/// What the registry knew of an organization at a moment.
struct Known<'a> {
    /// The version recorded by then; none when it was recorded later.
    recorded: Option<&'a StoredOrganization>,
    /// Its first version, for an organization recorded later.
    first: &'a StoredOrganization,
}

impl History {
    /// The changes from a cutoff on, each with its organization's id, in the order written.
    pub fn new(changes: impl IntoIterator<Item = (i64, Change)>) -> Self {
        let mut history = Self::default();
        history.extend(changes);
        history
    }

    /// Takes in changes written after those it holds, in the order written.
    pub fn extend(&mut self, changes: impl IntoIterator<Item = (i64, Change)>) {
        for (id, change) in changes {
            let list = self.changes.entry(id).or_default();
            // A row committed late (PostgreSQL may) goes where its time puts it.
            let at = list.partition_point(|c| c.at <= change.at);
            list.insert(at, change);
        }
    }

    /// The organizations it holds changes of.
    pub fn changed(&self) -> impl Iterator<Item = i64> + '_ {
        self.changes.keys().copied()
    }

    /// How many changes it holds.
    pub fn len(&self) -> usize {
        self.changes.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// What was known of `latest` just before `moment`, which is at or after the cutoff.
    fn known<'a>(&'a self, latest: &'a StoredOrganization, moment: DateTime<Utc>) -> Known<'a> {
        let Some(changes) = self.changes.get(&latest.id) else {
            return Known {
                recorded: Some(latest),
                first: latest,
            };
        };
        let after = |k: usize| -> &'a StoredOrganization {
            changes[k]
                .after
                .as_deref()
                .or_else(|| changes.get(k + 1).and_then(|c| c.before.as_deref()))
                .unwrap_or(latest)
        };
        let done = changes.partition_point(|c| c.at < moment);
        let recorded = match done {
            0 => changes[0].before.as_deref(),
            k => Some(after(k - 1)),
        };
        let first = match changes[0].before.as_deref() {
            Some(before) => before,
            None => after(0),
        };
        Known { recorded, first }
    }

    /// The organization as it stood at the end of `day` (`end` is the first moment after it), or
    /// none when it was not registered by then.
    pub fn on_day<'a>(
        &'a self,
        latest: &'a StoredOrganization,
        day: NaiveDate,
        end: DateTime<Utc>,
    ) -> Option<Cow<'a, StoredOrganization>> {
        let known = self.known(latest, end);
        stood(latest, known.recorded, known.first, day)
    }

    /// Every organization of `latest` as it stood at the end of `day`.
    pub fn registry_on<'a>(
        &'a self,
        latest: impl IntoIterator<Item = &'a StoredOrganization> + 'a,
        day: NaiveDate,
        end: DateTime<Utc>,
    ) -> impl Iterator<Item = Cow<'a, StoredOrganization>> + 'a {
        latest
            .into_iter()
            .filter_map(move |o| self.on_day(o, day, end))
    }
}

/// An organization at the end of `day` from the latest knowledge of its dated facts and
/// the version recorded by then (none: recorded later, so its `first` version stands in).
fn stood<'a>(
    latest: &'a StoredOrganization,
    recorded: Option<&'a StoredOrganization>,
    first: &'a StoredOrganization,
    day: NaiveDate,
) -> Option<Cow<'a, StoredOrganization>> {
    let registered = match latest.org.registered_on {
        Some(on) => on <= day,
        None => recorded.is_some(),
    };
    if !registered {
        return None;
    }
    let base = recorded.unwrap_or(first);
    let late = recorded.is_none();
    let (status, deregistered_on) = status_on(&latest.org, &base.org, late, day);
    let (party_org, established_on) = party_org_on(&latest.org, recorded.map(|r| &r.org), day);
    let instructor_unknown = late && base.org.instructor.is_some();
    let o = &base.org;
    if status == o.status
        && deregistered_on == o.deregistered_on
        && party_org == o.party_org
        && established_on == o.party_org_established_on
        && !instructor_unknown
    {
        return Some(Cow::Borrowed(base));
    }
    let mut then = base.clone();
    then.org = Organization {
        status,
        deregistered_on,
        party_org,
        party_org_established_on: established_on,
        instructor: if late { None } else { o.instructor.clone() },
        ..then.org
    };
    Some(Cow::Owned(then))
}

/// The registration status at the end of `day`: a dated deregistration by its date, an
/// undated one from when it was recorded.
fn status_on(
    latest: &Organization,
    base: &Organization,
    late: bool,
    day: NaiveDate,
) -> (Status, Option<NaiveDate>) {
    let before_deregistration = |s: Status| {
        if s == Status::Deregistered {
            Status::Active
        } else {
            s
        }
    };
    if latest.status == Status::Deregistered
        && let Some(on) = latest.deregistered_on
    {
        return if on <= day {
            (Status::Deregistered, Some(on))
        } else {
            (before_deregistration(base.status), None)
        };
    }
    let dated_later = base.deregistered_on.is_some_and(|on| on > day);
    if base.status == Status::Deregistered && (late || dated_later) {
        return (Status::Active, None);
    }
    (base.status, base.deregistered_on)
}

/// The party organization at the end of `day`: the latest record's by its founding date;
/// else, or when it was founded later, the one recorded by the day unless its own date is
/// later.
fn party_org_on(
    latest: &Organization,
    recorded: Option<&Organization>,
    day: NaiveDate,
) -> (PartyOrg, Option<NaiveDate>) {
    let latest_founded = (latest.party_org != PartyOrg::None)
        .then_some(latest.party_org_established_on)
        .flatten();
    if let Some(on) = latest_founded
        && on <= day
    {
        return (latest.party_org, Some(on));
    }
    match recorded {
        Some(r)
            if r.party_org != PartyOrg::None
                && r.party_org_established_on.is_none_or(|on| on <= day)
                // The same organization, dated later by a correction since.
                && !(latest_founded.is_some() && r.party_org == latest.party_org) =>
        {
            (r.party_org, r.party_org_established_on)
        }
        _ => (PartyOrg::None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::org;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The first moment after a day, UTC+8 (as Asia/Shanghai).
    fn end(s: &str) -> DateTime<Utc> {
        day(s).and_hms_opt(16, 0, 0).unwrap().and_utc()
    }

    fn stored(id: i64, version: i64, org: Organization) -> StoredOrganization {
        StoredOrganization {
            id,
            version,
            cell: None,
            org,
        }
    }

    fn change(
        at: &str,
        before: Option<&StoredOrganization>,
        after: Option<&StoredOrganization>,
    ) -> Change {
        Change {
            at: end(at),
            before: before.cloned().map(Box::new),
            after: after.cloned().map(Box::new),
        }
    }

    #[test]
    fn an_organization_recorded_late_counts_from_its_registration_date_with_its_dated_party_organization_only()
     {
        // Entered on 11-20 from a ledger: registered 2025-03-01, a branch founded
        // 2026-05-10, an instructor (undated).
        let ledger = stored(
            1,
            1,
            Organization {
                registered_on: Some(day("2025-03-01")),
                party_org: PartyOrg::Branch,
                party_org_established_on: Some(day("2026-05-10")),
                instructor: Some("王芳".into()),
                ..org(3)
            },
        );
        let history = History::new([(1, change("2026-11-20", None, None))]);
        assert!(
            history
                .on_day(&ledger, day("2025-02-28"), end("2025-02-28"))
                .is_none()
        );
        let march = history
            .on_day(&ledger, day("2026-03-31"), end("2026-03-31"))
            .unwrap();
        assert_eq!(march.org.party_org, PartyOrg::None, "founded in May");
        assert_eq!(march.org.instructor, None, "recorded in November, undated");
        assert_eq!(march.org.formal_members, 3, "its first record stands in");
        let june = history
            .on_day(&ledger, day("2026-06-30"), end("2026-06-30"))
            .unwrap();
        assert_eq!(june.org.party_org, PartyOrg::Branch);
        let now = history
            .on_day(&ledger, day("2026-11-30"), end("2026-11-30"))
            .unwrap();
        assert!(matches!(now, Cow::Borrowed(_)), "as recorded");
        assert_eq!(now.org.instructor.as_deref(), Some("王芳"));
    }

    #[test]
    fn undated_facts_count_from_when_they_were_recorded_and_dated_ones_by_their_dates() {
        let registered = stored(2, 1, org(1));
        // 2026-04-02: an instructor assigned (undated); 2026-08-15 deregistered as of 07-31.
        let instructed = stored(
            2,
            2,
            Organization {
                instructor: Some("李强".into()),
                ..org(1)
            },
        );
        let gone = stored(
            2,
            3,
            Organization {
                status: Status::Deregistered,
                deregistered_on: Some(day("2026-07-31")),
                ..instructed.org.clone()
            },
        );
        let history = History::new([
            (2, change("2026-01-05", None, Some(&registered))),
            (
                2,
                change("2026-04-02", Some(&registered), Some(&instructed)),
            ),
            (2, change("2026-08-15", Some(&instructed), Some(&gone))),
        ]);
        assert!(
            history
                .on_day(&gone, day("2026-01-04"), end("2026-01-04"))
                .is_none(),
            "no registration date: from its recording"
        );
        let q1 = history
            .on_day(&gone, day("2026-03-31"), end("2026-03-31"))
            .unwrap();
        assert_eq!(
            (q1.org.instructor.as_deref(), q1.org.status),
            (None, Status::Active)
        );
        let q2 = history
            .on_day(&gone, day("2026-06-30"), end("2026-06-30"))
            .unwrap();
        assert_eq!(q2.org.instructor.as_deref(), Some("李强"));
        let july = history
            .on_day(&gone, day("2026-07-31"), end("2026-07-31"))
            .unwrap();
        assert_eq!(
            july.org.status,
            Status::Deregistered,
            "dated 07-31, recorded 08-15"
        );
        let july_30 = history
            .on_day(&gone, day("2026-07-30"), end("2026-07-30"))
            .unwrap();
        assert_eq!(july_30.org.status, Status::Active);
    }

    #[test]
    fn a_joint_branch_recorded_before_an_own_branch_founded_later_stays_until_the_founding() {
        let joint = stored(
            3,
            1,
            Organization {
                party_org: PartyOrg::JointRegional,
                ..org(3)
            },
        );
        let own = stored(
            3,
            2,
            Organization {
                party_org: PartyOrg::Branch,
                party_org_established_on: Some(day("2026-09-01")),
                ..org(3)
            },
        );
        let history = History::new([(3, change("2026-10-08", Some(&joint), Some(&own)))]);
        let june = history
            .on_day(&own, day("2026-06-30"), end("2026-06-30"))
            .unwrap();
        assert_eq!(june.org.party_org, PartyOrg::JointRegional);
        let september = history
            .on_day(&own, day("2026-09-30"), end("2026-09-30"))
            .unwrap();
        assert_eq!(
            september.org.party_org,
            PartyOrg::Branch,
            "founded 09-01, recorded 10-08"
        );
    }

    #[test]
    fn an_imported_organization_without_a_copy_is_its_next_changes_before() {
        let imported = stored(4, 1, org(2));
        let grown = stored(4, 2, org(5));
        let history = History::new([
            (4, change("2026-02-01", None, None)),
            (4, change("2026-05-01", Some(&imported), Some(&grown))),
        ]);
        let march = history
            .on_day(&grown, day("2026-03-31"), end("2026-03-31"))
            .unwrap();
        assert_eq!(march.org.formal_members, 2);
        let june = history
            .on_day(&grown, day("2026-06-30"), end("2026-06-30"))
            .unwrap();
        assert_eq!(june.org.formal_members, 5);
        assert_eq!(history.len(), 2);
    }
}
