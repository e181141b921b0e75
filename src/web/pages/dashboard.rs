//! `/`: the dashboard of the jurisdiction: the three rates against their targets, the
//! organizations by status, and the divisions one level down with their rates (sortable,
//! each linking into the map), with server-drawn SVG bars.

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::ui::Ui;
use super::views::{layout, percent};
use crate::domain::access::Account;
use crate::domain::coverage::{Filter, Tally};
use crate::domain::division::{DivisionLevel, division_name};
use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

#[derive(Debug, Default, Deserialize)]
struct DashboardQuery {
    /// The column the division table is sorted by.
    sort: Option<String>,
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
) -> Markup {
    let snapshot = state.snapshot();
    let coverage = snapshot.coverage();
    let own = account.jurisdiction.as_str();
    let all = Filter {
        division: (!own.is_empty()).then(|| Filter::division_range(own)),
        ..Filter::default()
    };
    let total = coverage.total(&all);
    let unlocated = coverage.unlocated_in(None, &all);
    let policy = snapshot.policy();
    // The divisions one level below the account's jurisdiction; for the whole country,
    // the provinces, or the cities when every organization is in one province.
    let (level, parent) = match own.len() {
        0 => match coverage
            .divisions(DivisionLevel::Province, "", &all)
            .as_slice()
        {
            [(only, _)] => (DivisionLevel::City, only.to_string()),
            _ => (DivisionLevel::Province, String::new()),
        },
        _ => (crate::domain::report::level_below(own), own.to_owned()),
    };
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
        ),
        (
            ui.t("组织覆盖率", "Organizational coverage rate"),
            total.org_coverage_rate(),
            targets.org_coverage_rate,
        ),
        (
            ui.t("工作覆盖率", "Work coverage rate"),
            total.work_coverage_rate(),
            targets.work_coverage_rate,
        ),
    ];
    layout(
        &ui,
        ui.t("概览", "Overview"),
        "dashboard",
        &[],
        html! {
            div.page {
                h1 { (ui.t("党建覆盖概览 · ", "Party-building coverage · ")) (jurisdiction) }
                section.rates aria-label=(ui.t("覆盖率", "Rates")) {
                    @for (name, rate, target) in rates {
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
                        }
                    }
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
                                    a href={ "/?sort=" (key) } { (ui.t(zh, en)) }
                                }
                            }
                            th { (ui.t("工作覆盖率 / 目标", "Work coverage / target")) }
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
                            }
                        }
                    }
                }
            }
        },
    )
}
