//! `/`: the dashboard of the jurisdiction: the three rates against their targets, the
//! organizations by status, and the divisions one level down with their rates (sortable,
//! each linking into the map), with server-drawn SVG bars.

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::ui::Ui;
use super::views::{layout, percent, urgency_counts};
use crate::domain::access::Account;
use crate::domain::coverage::{Filter, Tally};
use crate::domain::coverage_index::CoverageIndex;
use crate::domain::division::{DivisionLevel, division_name};
use crate::domain::history::HOW_A_PAST_DAY_COUNTS;
use crate::domain::report::ReportCounts;
use crate::registry::past::Trend;
use crate::web::AppState;
use crate::web::http::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

#[derive(Debug, Default, Deserialize)]
struct DashboardQuery {
    /// The column the division table is sorted by.
    sort: Option<String>,
    /// The figures at the end of this day (`YYYY-MM-DD`); today by default.
    as_of: Option<String>,
}

/// The division table's sortable columns: key and header in Chinese and English.
const COLUMNS: [(&str, &str, &str); 6] = [
    ("total", "社会组织", "Organizations"),
    ("uncovered", "未覆盖", "Uncovered"),
    (
        "should_build_not_built",
        "应建未建",
        "Should build, not built",
    ),
    (
        "own_organization_rate",
        "单独组建率",
        "Own-organization rate",
    ),
    ("org_coverage_rate", "组织覆盖率", "Organizational coverage"),
    ("work_coverage_rate", "工作覆盖率", "Work coverage"),
];

fn value(t: &Tally, column: &str) -> f64 {
    match column {
        "total" => f64::from(t.total),
        "uncovered" => f64::from(t.uncovered),
        "should_build_not_built" => f64::from(t.should_build_not_built),
        "own_organization_rate" => t.own_organization_rate(),
        "org_coverage_rate" => t.org_coverage_rate(),
        _ => t.work_coverage_rate(),
    }
}

/// The divisions the dashboard lists: one level below the account's jurisdiction; for the
/// whole country, the provinces, or the cities when every organization is in one province.
fn area(coverage: &CoverageIndex, own: &str, all: &Filter) -> (DivisionLevel, String) {
    match own.len() {
        0 => match coverage
            .divisions(DivisionLevel::Province, "", all)
            .as_slice()
        {
            [(only, _)] => (DivisionLevel::City, only.to_string()),
            _ => (DivisionLevel::Province, String::new()),
        },
        _ => (crate::domain::report::level_below(own), own.to_owned()),
    }
}

/// The change of a rate since the previous period, in percentage points, coloured by its
/// direction; a dash where the division had no organization then.
fn change(ui: &Ui, now: f64, then: Option<f64>) -> Markup {
    let Some(then) = then else {
        return html! { span.change { "—" } };
    };
    let points = (now - then) * 100.0;
    let text = format!("{points:+.1}");
    html! {
        span.change.up[points >= 0.05].down[points <= -0.05] {
            (text) (ui.t(" 个百分点", " points"))
        }
    }
}

/// A line of the trend chart: its name in Chinese and English, its colour and its rate.
type Series = (
    &'static str,
    &'static str,
    &'static str,
    fn(&ReportCounts) -> f64,
);

/// The three rates at the end of each of the trend's days, as a line chart in inline SVG
/// (drawn on the server like the bars: no script, prints as it shows).
fn trend_chart(ui: &Ui, trend: &Trend) -> Markup {
    const WIDTH: f64 = 640.0;
    const HEIGHT: f64 = 220.0;
    const LEFT: f64 = 56.0;
    const RIGHT: f64 = 40.0;
    const TOP: f64 = 12.0;
    const BOTTOM: f64 = 40.0;
    let series: [Series; 3] = [
        (
            "单独组建率",
            "Own-organization rate",
            "#1b7837",
            ReportCounts::own_organization_rate,
        ),
        (
            "组织覆盖率",
            "Organizational coverage",
            "#2166ac",
            ReportCounts::org_coverage_rate,
        ),
        (
            "工作覆盖率",
            "Work coverage",
            "#b2182b",
            ReportCounts::work_coverage_rate,
        ),
    ];
    let n = trend.days.len().max(2) as f64;
    let x = |i: usize| LEFT + (WIDTH - LEFT - RIGHT) * i as f64 / (n - 1.0);
    let y = |rate: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - rate.clamp(0.0, 1.0));
    let label = |day: chrono::NaiveDate| {
        let quarter = crate::domain::report::Period::quarter_of(day);
        if day == quarter.end {
            quarter.code
        } else {
            format!("{}（{}）", quarter.code, day.format("%m-%d"))
        }
    };
    html! {
        svg.trend width=(WIDTH) height=(HEIGHT) viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img"
            aria-label=(ui.t("近八个季度的单独组建率、组织覆盖率和工作覆盖率", "The own-organization, organizational and work coverage rates of the last eight quarters")) {
            @for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
                line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(y(tick)) y2=(y(tick)) stroke="#ddd" {}
                text x=(LEFT - 6.0) y=(y(tick) + 4.0) text-anchor="end" font-size="11" fill="#555" { (percent(tick)) }
            }
            @for (i, day) in trend.days.iter().enumerate() {
                // A quarter not ended is named on the axis by its day alone, which keeps
                // the labels apart; its point's title gives both.
                @let axis = if crate::domain::report::Period::quarter_of(*day).end == *day {
                    label(*day)
                } else {
                    day.format("%m-%d").to_string()
                };
                text x=(x(i)) y=(HEIGHT - BOTTOM + 16.0) text-anchor="middle" font-size="11" fill="#555" { (axis) }
            }
            @for (zh, en, colour, rate) in series {
                @let points = trend.totals.iter().enumerate()
                    .map(|(i, t)| format!("{:.1},{:.1}", x(i), y(rate(t))))
                    .collect::<Vec<_>>().join(" ");
                polyline points=(points) fill="none" stroke=(colour) stroke-width="2" {}
                @for (i, t) in trend.totals.iter().enumerate() {
                    circle cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", y(rate(t)))) r="3" fill=(colour) {
                        title { (ui.t(zh, en)) " " (label(trend.days[i])) "：" (percent(rate(t))) }
                    }
                }
            }
            @for (k, (zh, en, colour, _)) in series.iter().enumerate() {
                @let left = LEFT + 190.0 * k as f64;
                rect x=(left) y=(HEIGHT - 14.0) width="14" height="4" fill=(*colour) {}
                text x=(left + 20.0) y=(HEIGHT - 9.0) font-size="12" fill="#222" { (ui.t(zh, en)) }
            }
        }
    }
}

/// The tasks given to the signed-in account: how many are red, yellow and green, and the
/// soonest due, each with its organization, list, due day, note and giver.
fn my_tasks(
    ui: &Ui,
    mine: &[(String, crate::domain::tasks::Assignment)],
    today: chrono::NaiveDate,
    zone: chrono_tz::Tz,
) -> Markup {
    use crate::domain::tasks::Urgency;
    const SHOWN: usize = 10;
    let urgency = |a: &crate::domain::tasks::Assignment| Urgency::of(Some(a.due_on), today);
    html! {
        section.my-tasks aria-label=(ui.t("分派给我的任务", "Tasks given to me")) {
            h2 { (ui.t("分派给我的任务 ", "Tasks given to me: ")) (mine.len()) (ui.t(" 项", "")) }
            (urgency_counts(
                ui.lang,
                Urgency::counts(mine.iter().map(|(_, a)| Some(a.due_on)), today),
            ))
            table.list.tasks {
                thead {
                    tr {
                        th { (ui.t("社会组织", "Organization")) }
                        th { (ui.t("任务", "Task")) }
                        th { (ui.t("期限", "Due")) }
                        th { (ui.t("状态", "Status")) }
                        th { (ui.t("备注", "Note")) }
                        th { (ui.t("分派人", "Given by")) }
                    }
                }
                tbody {
                    @for (name, a) in mine.iter().take(SHOWN) {
                        @let u = urgency(a);
                        tr {
                            td { a href={ "/orgs/" (a.org_id) } { (name) } }
                            td { a href={ "/tasks?list=" (a.list.key()) } { (a.list.title(ui.lang)) } }
                            td { (a.due_on) }
                            td { span class={ "urgency " (u.class()) } { (u.label(ui.lang)) } }
                            td { (a.note) }
                            td { (a.assigned_by.split('@').next().unwrap_or("")) " " span.clause { (crate::web::pages::views::local_time(a.at, zone)) } }
                        }
                    }
                }
            }
            @if mine.len() > SHOWN {
                p { (ui.t("另有 ", "and ")) (mine.len() - SHOWN) (ui.t(" 项未列出（按期限排序）。", " more, not listed (soonest first).")) }
            }
        }
    }
}

/// A horizontal bar of `rate` (0..1) with a tick at `target`, as inline SVG.
fn bar(ui: &Ui, rate: f64, target: f64) -> Markup {
    let width = 160.0;
    html! {
        svg.bar width=(width) height="14" viewBox={ "0 0 " (width) " 14" } role="img"
            aria-label={ (percent(rate)) (ui.t("，目标 ", ", target ")) (percent(target)) } {
            rect x="0" y="2" width=(width) height="10" fill="#eee" {}
            rect x="0" y="2" width=(rate.clamp(0.0, 1.0) * width) height="10"
                fill=(if rate >= target { "#2166ac" } else { "#d6604d" }) {}
            line x1=(target * width) x2=(target * width) y1="0" y2="14" stroke="#222" stroke-width="2" {}
        }
    }
}

async fn dashboard(
    ui: Ui,
    axum::extract::Extension(account): axum::extract::Extension<Account>,
    State(state): State<AppState>,
    Query(query): Query<DashboardQuery>,
) -> Result<Markup, AppError> {
    let today = crate::registry::today();
    let as_of = crate::registry::query::day_of(query.as_of.as_deref(), "as_of")?
        .map(|d| crate::registry::past::check_as_of(d, today))
        .transpose()?
        .filter(|d| *d < today);
    let figures_day = as_of.unwrap_or(today);
    let own = account.jurisdiction.as_str();
    let all = Filter {
        division: (!own.is_empty()).then(|| Filter::division_range(own)),
        ..Filter::default()
    };
    let (level, parent) = {
        let figures = state.figures_on(as_of).await?;
        area(figures.coverage(), own, &all)
    };
    let trend = state
        .registry
        .trend(&parent, figures_day, state.options.timezone)
        .await?;
    // The tasks given to this account that are still to do, with their organizations'
    // names (issue 21.4).
    let mine: Vec<(String, crate::domain::tasks::Assignment)> = {
        let given = state.registry.assigned_to(&account).await?;
        let latest = state.snapshot();
        given
            .into_iter()
            .filter_map(|a| Some((latest.get(a.org_id)?.org.name.clone(), a)))
            .collect()
    };
    let snapshot = state.figures_on(as_of).await?;
    let coverage = snapshot.coverage();
    let total = coverage.total(&all);
    let unlocated = coverage.unlocated_in(None, &all);
    let policy = snapshot.policy();
    let targets = policy.targets_for(&parent);
    let mut divisions = coverage.divisions(level, &parent, &all);
    let sort = query
        .sort
        .as_deref()
        .filter(|s| COLUMNS.iter().any(|(k, _, _)| k == s))
        .unwrap_or("uncovered");
    // Counts sort from the most, rates from the lowest: the worst first either way.
    let rates_column = sort.ends_with("_rate");
    divisions.sort_by(|a, b| {
        let (x, y) = (value(&a.1, sort), value(&b.1, sort));
        if rates_column {
            x.total_cmp(&y)
        } else {
            y.total_cmp(&x)
        }
        .then(a.0.cmp(&b.0))
    });
    let statuses = snapshot.status_counts(own);
    let jurisdiction = if parent.is_empty() {
        ui.t("全部登记", "the whole registry").to_owned()
    } else {
        division_name(&parent).unwrap_or(&parent).to_owned()
    };
    let rates = [
        (
            ui.t("单独组建率", "Own-organization rate"),
            total.own_organization_rate(),
            targets.own_organization_rate,
            trend.previous.total.counts.own_organization_rate(),
        ),
        (
            ui.t("组织覆盖率", "Organizational coverage rate"),
            total.org_coverage_rate(),
            targets.org_coverage_rate,
            trend.previous.total.counts.org_coverage_rate(),
        ),
        (
            ui.t("工作覆盖率", "Work coverage rate"),
            total.work_coverage_rate(),
            targets.work_coverage_rate,
            trend.previous.total.counts.work_coverage_rate(),
        ),
    ];
    let previous_of: std::collections::HashMap<&str, f64> = trend
        .previous
        .rows
        .iter()
        .map(|r| (r.division.as_str(), r.counts.work_coverage_rate()))
        .collect();
    let previous_label = crate::domain::report::Period::quarter_of(trend.previous_day).label;
    let keep_day = as_of.map(|d| format!("&as_of={d}")).unwrap_or_default();
    Ok(layout(
        &ui,
        ui.t("概览", "Overview"),
        "dashboard",
        &[],
        html! {
            div.page {
                h1 { (ui.t("党建覆盖概览 · ", "Party-building coverage · ")) (jurisdiction) }
                form.search.as-of method="get" action="/" {
                    label {
                        (ui.t("统计日期 ", "As of "))
                        input type="date" name="as_of" value=(figures_day) max=(today);
                    }
                    @if let Some(sort) = &query.sort {
                        input type="hidden" name="sort" value=(sort);
                    }
                    button type="submit" { (ui.t("查看", "Show")) }
                    @if as_of.is_some() {
                        " " a href="/" { (ui.t("回到今天", "Back to today")) }
                    }
                }
                @if let Some(day) = as_of {
                    p.note #past-note {
                        strong { (ui.t("往期数据：", "Past figures: ")) (day) (ui.t(" 结束时", ", end of day")) } " "
                        (ui.t(HOW_A_PAST_DAY_COUNTS.0, HOW_A_PAST_DAY_COUNTS.1))
                    }
                }
                section.rates aria-label=(ui.t("覆盖率", "Rates")) {
                    @for (name, rate, target, previous) in rates {
                        div.rate.below[rate < target] {
                            div.rate-name { (name) }
                            div.rate-value { (percent(rate)) }
                            div.rate-target {
                                @if let Some(year) = policy.year {
                                    (year) (ui.t("年目标 ", " target ")) (percent(target))
                                } @else {
                                    (ui.t("目标 ", "target ")) (percent(target))
                                }
                            }
                            (bar(&ui, rate, target))
                            div.rate-change { (change(&ui, rate, Some(previous))) (ui.t(" 较", " since ")) (previous_label) }
                        }
                    }
                }
                @if !mine.is_empty() {
                    (my_tasks(&ui, &mine, today, state.options.timezone))
                }
                section.trend aria-label=(ui.t("近八个季度的覆盖率", "The rates over eight quarters")) {
                    h2 { (ui.t("近八个季度的覆盖率", "The rates over the last eight quarters")) }
                    (trend_chart(&ui, &trend))
                }
                section.counts-row {
                    div {
                        h2 { (ui.t("运行中的社会组织 ", "Operating organizations: ")) (total.total) (ui.t(" 个", "")) }
                        table.fields {
                            tr { th { (ui.t("单独组建党组织", "With their own party organization")) } td { (total.own) } }
                            tr { th { (ui.t("纳入联合党组织", "In a joint party organization")) } td { (total.joint) } }
                            tr { th { (ui.t("派驻党建工作指导员", "With an instructor")) } td { (total.instructor) } }
                            tr { th { (ui.t("未覆盖", "Uncovered")) } td { (total.uncovered) } }
                            tr { th { (ui.t("应建未建", "Should build, not built")) } td { a href="/tasks?list=should_build" { (total.should_build_not_built) } } }
                            tr { th { (ui.t("需新建党组织", "Party organizations to found")) } td { (total.branches_to_found) } }
                            tr { th { (ui.t("拟建区域联合党支部", "Regional joint branches proposed")) } td { (total.joint_groups_proposed) } }
                            tr { th { (ui.t("需选派指导员", "Instructors needed")) } td { (total.instructors_needed(policy)) } }
                            // Counted above like every other; only the hexagons leave them out.
                            tr { th { (ui.t("其中无经纬度（不在地图网格中）", "Of them without coordinates (in no hexagon)")) } td { a href="/tasks?list=locate" { (unlocated) } } }
                        }
                    }
                    div {
                        h2 { (ui.t("登记状态", "Registration status")) }
                        table.fields {
                            @for (status, n) in &statuses {
                                tr {
                                    th { (status.label(ui.lang)) }
                                    td { a href={ "/orgs?status=" (status.as_str()) } { (n) } }
                                }
                            }
                        }
                    }
                }
                h2 { (ui.t("下一级区划", "Divisions one level down")) }
                table.list.divisions {
                    thead {
                        tr {
                            th { (ui.t("区划", "Division")) }
                            @for (key, zh, en) in COLUMNS {
                                th aria-sort=[(key == sort).then_some(if rates_column { "ascending" } else { "descending" })] {
                                    a href={ "/?sort=" (key) (keep_day) } { (ui.t(zh, en)) }
                                }
                            }
                            th { (ui.t("工作覆盖率 / 目标", "Work coverage / target")) }
                            th { (ui.t("工作覆盖率较", "Work coverage since ")) (previous_label) }
                        }
                    }
                    tbody {
                        @for (number, t) in &divisions {
                            @let code = number.to_string();
                            @let target = policy.targets_for(&code);
                            tr.gap[t.is_gap(&target)] {
                                td {
                                    a href={ "/map?division=" (code) } {
                                        (division_name(&code).unwrap_or(&code))
                                    }
                                    " " span.clause { (code) }
                                }
                                td.number { (t.total) }
                                td.number { (t.uncovered) }
                                td.number { (t.should_build_not_built) }
                                td.number { (percent(t.own_organization_rate())) }
                                td.number { (percent(t.org_coverage_rate())) }
                                td.number { (percent(t.work_coverage_rate())) }
                                td { (bar(&ui, t.work_coverage_rate(), target.work_coverage_rate)) }
                                td.number { (change(&ui, t.work_coverage_rate(), previous_of.get(code.as_str()).copied())) }
                            }
                        }
                    }
                }
            }
        },
    ))
}
