//! The figures of a past day (issue 21.2): the registry rebuilt as it stood at the end of
//! that day in the configured time zone ([`History`]), as a snapshot every figure (the
//! dashboard, the division table, the gap list, the report) reads as it reads today's.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, RwLockReadGuard};

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::{Registry, RegistryError, today};
use crate::domain::error::FieldError;
use crate::domain::history::{Change, History};
use crate::domain::policy::Policy;
use crate::domain::report::{Period, Report, ReportCounts};
use crate::domain::snapshot::Snapshot;
use crate::domain::stored::StoredOrganization;
use crate::store::{Store, StoreError};

/// How many rebuilt days are kept: a dashboard of a past day and its previous period.
const KEPT_DAYS: usize = 2;

/// How many trends are kept (an area and a day each) before the kept ones are let go.
const KEPT_TRENDS: usize = 64;

/// A kept trend: the generation it was counted at, the trend, and whether it is being
/// counted again.
type KeptTrend = (u64, Arc<Trend>, bool);

/// Trends counted lately, by area and day.
#[derive(Default)]
pub(super) struct KeptTrends(Mutex<std::collections::HashMap<(String, NaiveDate), KeptTrend>>);

/// The figures of one day: today's snapshot, or one rebuilt for a past day.
pub enum Figures<'a> {
    Today(RwLockReadGuard<'a, Snapshot>),
    Past(Arc<Snapshot>),
}

impl std::ops::Deref for Figures<'_> {
    type Target = Snapshot;
    fn deref(&self) -> &Snapshot {
        match self {
            Figures::Today(s) => s,
            Figures::Past(s) => s,
        }
    }
}

/// Rebuilt days, each with the generation of the snapshot it was rebuilt from: a write
/// since (a ledger entered late) may change the past, so it is rebuilt again.
#[derive(Default)]
pub(super) struct KeptDays(Mutex<Vec<(NaiveDate, u64, Arc<Snapshot>)>>);

/// The first moment after `day` in `zone`: the figures of a day count what was recorded
/// before it.
pub fn day_ends(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let next = day
        .succ_opt()
        .unwrap_or(day)
        .and_time(chrono::NaiveTime::MIN);
    zone.from_local_datetime(&next)
        .earliest()
        // A midnight skipped by a change of clocks: the hour after it.
        .unwrap_or_else(|| zone.from_utc_datetime(&next))
        .with_timezone(&Utc)
}

/// The day of `as_of`: not after today, nor before 1949-10-01.
pub fn check_as_of(day: NaiveDate, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    check_day(day, today, "as_of", "统计日期")
}

/// A day the registry can be rebuilt for, as `field` (named `name` in Chinese) gives it.
fn check_day(
    day: NaiveDate,
    today: NaiveDate,
    field: &'static str,
    name: &str,
) -> Result<NaiveDate, FieldError> {
    let earliest = crate::domain::organization::earliest_plausible_date();
    if day > today {
        return Err(FieldError::new(
            field,
            format!("{name} {day} 晚于今天（{today}）"),
            format!("{field} {day} is after today ({today})"),
        ));
    }
    if day < earliest {
        return Err(FieldError::new(
            field,
            format!("{name} {day} 早于 {earliest}"),
            format!("{field} {day} is before {earliest}"),
        ));
    }
    Ok(day)
}

/// The day a change is counted from (`since`), if one is asked: before the day of the
/// figures (`as_of`, today without one), and a day `as_of` could ask for.
pub fn check_since(
    since: Option<NaiveDate>,
    as_of: Option<NaiveDate>,
) -> Result<Option<NaiveDate>, FieldError> {
    let Some(since) = since else {
        return Ok(None);
    };
    let today = today();
    let figures_day = as_of.unwrap_or(today);
    let since = check_day(since, today, "since", "比较日期")?;
    if since >= figures_day {
        return Err(FieldError::new(
            "since",
            format!("比较日期 {since} 应早于统计日期 {figures_day}"),
            format!("since {since} is not before the day of the figures ({figures_day})"),
        ));
    }
    Ok(Some(since))
}

/// The changes recorded from the end of `day` on.
pub async fn history_after(store: &Store, day: NaiveDate, zone: Tz) -> Result<History, StoreError> {
    Ok(History::new(
        store
            .changes_after(day_ends(day, zone), 0)
            .await?
            .into_iter()
            .map(|(_, org, change)| (org, change)),
    ))
}

/// The audit log's changes kept in memory from a moment on and taken in as they are
/// written (the log only grows): a past day's figures read only what is new, not the
/// log of a million imports each time.
#[derive(Default)]
pub(super) struct KeptHistory(tokio::sync::Mutex<Option<Kept>>);

struct Kept {
    from: DateTime<Utc>,
    last_id: i64,
    /// The audit ids taken near the end: PostgreSQL may commit ids out of order, so the
    /// rows are read again a little behind the last one, and those taken are skipped.
    recent: std::collections::BTreeSet<i64>,
    history: History,
}

const OVERLAP: i64 = 100;

impl Kept {
    fn take(&mut self, rows: Vec<(i64, i64, Change)>) {
        let newest = rows.iter().map(|r| r.0).max().unwrap_or(self.last_id);
        let floor = newest.max(self.last_id) - 2 * OVERLAP;
        let mut fresh = Vec::with_capacity(rows.len());
        for (id, org, change) in rows {
            if id <= self.last_id && self.recent.contains(&id) {
                continue;
            }
            if id > floor {
                self.recent.insert(id);
            }
            fresh.push((org, change));
        }
        self.history.extend(fresh);
        self.last_id = self.last_id.max(newest);
        self.recent = self.recent.split_off(&floor);
    }
}

impl KeptHistory {
    /// The changes from `from` on, up to date with the log.
    async fn from(
        &self,
        store: &Store,
        from: DateTime<Utc>,
    ) -> Result<tokio::sync::MappedMutexGuard<'_, History>, StoreError> {
        let mut kept = self.0.lock().await;
        match kept.as_mut() {
            Some(k) if k.from <= from => {
                let rows = store
                    .changes_after(k.from, (k.last_id - OVERLAP).max(0))
                    .await?;
                k.take(rows);
            }
            _ => {
                let rows = store.changes_after(from, 0).await?;
                let mut k = Kept {
                    from,
                    last_id: 0,
                    recent: Default::default(),
                    history: History::default(),
                };
                k.take(rows);
                *kept = Some(k);
            }
        }
        Ok(tokio::sync::MutexGuard::map(kept, |k| {
            &mut k.as_mut().expect("kept above").history
        }))
    }
}

/// The `latest` organizations as they stood at the end of `day`, as a snapshot with that
/// year's targets.
pub fn snapshot_on<'a>(
    latest: impl IntoIterator<Item = &'a StoredOrganization> + 'a,
    policy: &Policy,
    history: &'a History,
    day: NaiveDate,
    zone: Tz,
) -> Snapshot {
    let end = day_ends(day, zone);
    let orgs: Vec<StoredOrganization> = history
        .registry_on(latest, day, end)
        .map(Cow::into_owned)
        .collect();
    Snapshot::new(policy.clone().in_year(day.year()), orgs)
}

/// The rates over time of an area: its counts at the end of each of a run of days, and its
/// report (per division one level down) at the end of the previous period.
#[derive(Debug, Clone)]
pub struct Trend {
    pub days: Vec<NaiveDate>,
    /// The counts under the area at the end of each day, in the order of `days`.
    pub totals: Vec<ReportCounts>,
    pub previous_day: NaiveDate,
    /// The divisions one level below the area at the end of `previous_day`.
    pub previous: Report,
}

/// [`Trend`] of the organizations under `parent`, counted as the report counts them,
/// without rebuilding a snapshot per day: an organization with no change after a day
/// stood then as it stands now, so each day's counts are today's with the organizations
/// changed since replaced by what they were then (the days counted side by side).
pub fn trend(
    latest: &Snapshot,
    history: &History,
    parent: &str,
    days: &[NaiveDate],
    previous_day: NaiveDate,
    zone: Tz,
) -> Trend {
    let changed: Vec<&StoredOrganization> = history
        .changed()
        .filter_map(|id| latest.get(id))
        .filter(|o| o.org.division_code.as_str().starts_with(parent))
        .collect();
    let then = |day: NaiveDate| {
        let end = day_ends(day, zone);
        changed
            .iter()
            .filter_map(move |o| history.on_day(o, day, end))
            .map(|o| match o {
                Cow::Borrowed(o) => Cow::Borrowed(&o.org),
                Cow::Owned(o) => Cow::Owned(o.org),
            })
    };
    let policy_of = |day: NaiveDate| latest.policy().clone().in_year(day.year());
    let now_orgs = || latest.orgs_under(parent).map(|o| &o.org);
    let changed_now = || changed.iter().map(|o| &o.org);
    // Counts take no target, so the year's plan does not change them: today's totals are
    // counted once for every day.
    let (now, changed_total) = {
        let policy = latest.policy();
        (
            crate::domain::report::total(now_orgs(), parent, policy),
            crate::domain::report::total(changed_now(), parent, policy),
        )
    };
    let (totals, previous) = std::thread::scope(|scope| {
        let workers: Vec<_> = days
            .iter()
            .map(|&day| {
                let (now, changed_total) = (&now, &changed_total);
                scope.spawn(move || {
                    let then = crate::domain::report::total(then(day), parent, latest.policy());
                    now.replacing(changed_total, &then)
                })
            })
            .collect();
        let policy = policy_of(previous_day);
        let report = |orgs| crate::domain::report::report(orgs, parent, &policy);
        let previous = report(
            now_orgs()
                .map(Cow::Borrowed)
                .collect::<Vec<_>>()
                .into_iter(),
        )
        .replacing(
            &report(
                changed_now()
                    .map(Cow::Borrowed)
                    .collect::<Vec<_>>()
                    .into_iter(),
            ),
            &report(then(previous_day).collect::<Vec<_>>().into_iter()),
            &policy,
        );
        let totals: Vec<ReportCounts> = workers
            .into_iter()
            .map(|w| w.join().expect("a day's count panicked"))
            .collect();
        (totals, previous)
    });
    Trend {
        days: days.to_vec(),
        totals,
        previous_day,
        previous,
    }
}

/// The ends of the seven quarters before `day`'s, then `day` itself: the trend's days.
pub fn trend_days(day: NaiveDate) -> Vec<NaiveDate> {
    let mut quarters = vec![Period::quarter_of(day)];
    for _ in 0..7 {
        let earlier = quarters.last().expect("one").previous();
        quarters.push(earlier);
    }
    quarters.reverse();
    let mut days: Vec<NaiveDate> = quarters.iter().map(|q| q.end.min(day)).collect();
    days.dedup();
    days
}

impl Registry {
    /// The figures at the end of `day` in `zone`: today's snapshot for today, else the
    /// registry rebuilt as it stood then (kept for the next question of the same day).
    pub async fn figures_on(
        &self,
        day: Option<NaiveDate>,
        zone: Tz,
    ) -> Result<Figures<'_>, RegistryError> {
        let today = today();
        match day.filter(|d| *d != today) {
            None => Ok(Figures::Today(self.snapshot())),
            Some(day) => Ok(Figures::Past(self.past_figures(day, zone).await?)),
        }
    }

    /// The registry rebuilt as it stood at the end of `day`, a day before today (kept for
    /// the next question of the same day). Unlike [`Figures`], it holds no lock.
    pub async fn past_figures(
        &self,
        day: NaiveDate,
        zone: Tz,
    ) -> Result<Arc<Snapshot>, RegistryError> {
        let day = check_as_of(day, today())?;
        let generation = self.generation();
        if let Some(kept) = self.kept_day(day, generation) {
            return Ok(kept);
        }
        let started = std::time::Instant::now();
        let history = self.history.from(&self.store, day_ends(day, zone)).await?;
        let read = started.elapsed();
        // Today's snapshot is copied under the read lock with the organizations that
        // stood otherwise at the end of the day, and revised after it, so that writes
        // wait only for the copy.
        let (generation, mut past, then, policy) = {
            let latest = self.snapshot();
            let end = day_ends(day, zone);
            let then: Vec<(i64, Option<Arc<StoredOrganization>>)> = history
                .changed()
                .filter_map(|id| {
                    let now = latest.get(id)?;
                    match history.on_day(now, day, end) {
                        None => Some((id, None)),
                        Some(Cow::Borrowed(v)) if std::ptr::eq(v, now) => None,
                        Some(v) => Some((id, Some(Arc::new(v.into_owned())))),
                    }
                })
                .collect();
            (
                self.generation(),
                latest.clone(),
                then,
                latest.policy().clone().in_year(day.year()),
            )
        };
        drop(history);
        let rebuilt = started.elapsed();
        let differing = then.len();
        let past = Arc::new(
            tokio::task::spawn_blocking(move || {
                past.revise(policy, then);
                past
            })
            .await
            .map_err(|e| RegistryError::Store(StoreError::Corrupt(e.to_string())))?,
        );
        tracing::info!(
            %day,
            differing,
            read_ms = read.as_millis() as u64,
            copied_ms = (rebuilt - read).as_millis() as u64,
            revised_ms = (started.elapsed() - rebuilt).as_millis() as u64,
            "figures of a past day rebuilt"
        );
        let mut kept = self.past.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(d, g, _)| *d != day && *g == generation);
        if kept.len() >= KEPT_DAYS {
            kept.remove(0);
        }
        kept.push((day, generation, past.clone()));
        Ok(past)
    }

    fn kept_day(&self, day: NaiveDate, generation: u64) -> Option<Arc<Snapshot>> {
        let kept = self.past.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter()
            .find(|(d, g, _)| *d == day && *g == generation)
            .map(|(_, _, s)| s.clone())
    }

    /// The [`Trend`] under `parent` up to `day`: the eight quarters' ends ([`trend_days`])
    /// and the divisions at the end of the quarter before `day`'s. Counting it passes over
    /// every organization changed in two years (all of them, in a registry imported
    /// lately): a trend counted before is given at once, its last day today's counts, and
    /// counted again behind it when the registry has changed since.
    pub async fn trend(
        &self,
        parent: &str,
        day: NaiveDate,
        zone: Tz,
    ) -> Result<Arc<Trend>, RegistryError> {
        let key = (parent.to_owned(), day);
        let generation = self.generation();
        let kept = {
            let mut trends = self.trends.0.lock().unwrap_or_else(|e| e.into_inner());
            trends.get_mut(&key).map(|(counted_at, trend, refreshing)| {
                if *counted_at != generation && !*refreshing {
                    *refreshing = true;
                    let registry = self.clone();
                    let parent = parent.to_owned();
                    tokio::spawn(async move {
                        if let Err(e) = registry.count_trend(&parent, day, zone).await {
                            tracing::warn!(error = %e, "could not count the trend");
                        }
                    });
                }
                trend.clone()
            })
        };
        let Some(kept) = kept else {
            return self.count_trend(parent, day, zone).await;
        };
        if day != today() {
            return Ok(kept);
        }
        let mut trend = (*kept).clone();
        if let Some(last) = trend.totals.last_mut() {
            let latest = self.snapshot();
            let policy = latest.policy().clone().in_year(day.year());
            *last = crate::domain::report::total(
                latest.orgs_under(parent).map(|o| &o.org),
                parent,
                &policy,
            );
        }
        Ok(Arc::new(trend))
    }

    async fn count_trend(
        &self,
        parent: &str,
        day: NaiveDate,
        zone: Tz,
    ) -> Result<Arc<Trend>, RegistryError> {
        let days = trend_days(day);
        let previous_day = Period::quarter_of(day).previous().end;
        let earliest = days.first().copied().unwrap_or(day).min(previous_day);
        let started = std::time::Instant::now();
        let history = self
            .history
            .from(&self.store, day_ends(earliest, zone))
            .await?;
        let read = started.elapsed();
        let (generation, trend) = {
            let latest = self.snapshot();
            (
                self.generation(),
                Arc::new(trend(&latest, &history, parent, &days, previous_day, zone)),
            )
        };
        tracing::info!(
            changes = history.len(),
            read_ms = read.as_millis() as u64,
            counted_ms = (started.elapsed() - read).as_millis() as u64,
            "trend counted"
        );
        drop(history);
        let mut trends = self.trends.0.lock().unwrap_or_else(|e| e.into_inner());
        if trends.len() >= KEPT_TRENDS && !trends.contains_key(&(parent.to_owned(), day)) {
            trends.clear();
        }
        trends.insert((parent.to_owned(), day), (generation, trend.clone(), false));
        Ok(trend)
    }

    /// Reads the audit log's changes the dashboard's trend needs into memory, so that the
    /// first dashboard and the first past day need not: run once the service is up.
    pub async fn warm_history(&self, zone: Tz) -> Result<(), RegistryError> {
        let earliest = trend_days(today())[0].min(Period::quarter_of(today()).previous().end);
        let started = std::time::Instant::now();
        let history = self
            .history
            .from(&self.store, day_ends(earliest, zone))
            .await?;
        tracing::info!(
            changes = history.len(),
            read_ms = started.elapsed().as_millis() as u64,
            "audit log read for past days"
        );
        Ok(())
    }
}
