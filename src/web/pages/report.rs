//! `/report`: the statistics report (统计报表) of the current period for the account's
//! jurisdiction, to read, print (print CSS) and download as the .xlsx organization
//! departments file upward (`/report.xlsx`, the same workbook as `orgcover report`).

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::ui::Ui;
use super::views::{layout, url_encode};
use crate::domain::error::FieldError;
use crate::domain::history::HOW_A_PAST_DAY_COUNTS;
use crate::domain::report::{Period, Report};
use crate::io::report::{Figure, GROUPS, NOTES, TARGETS, report_xlsx, row_name, title};
use crate::registry::query::scoped_checked;
use crate::registry::today;
use crate::web::AppState;
use crate::web::http::error::AppError;
use crate::web::http::extract::{CurrentAccount, given};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/report", get(report_page))
        .route("/report.xlsx", get(report_download))
}

#[derive(Debug, Default, Deserialize)]
struct ReportQuery {
    period: Option<String>,
    division: Option<String>,
}

/// The current quarter, which the page opens on.
fn current_quarter(today: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}Q{}", today.year(), today.month0() / 3 + 1)
}

/// The period, its date of figures and the area the query asks for, in the account's
/// jurisdiction.
fn read_query(
    account: &crate::domain::access::Account,
    query: &ReportQuery,
) -> Result<(Period, chrono::NaiveDate, String), FieldError> {
    let today = today();
    let period = Period::parse(
        given(&query.period)
            .map(str::to_owned)
            .unwrap_or_else(|| current_quarter(today))
            .as_str(),
    )?;
    let figures_on = period.figures_date(today)?;
    let division = scoped_checked(account, given(&query.division), "division")?.unwrap_or_default();
    Ok((period, figures_on, division))
}

fn query_string(period: &Period, division: &str) -> String {
    let mut q = format!("period={}", period.code);
    if !division.is_empty() {
        q.push_str(&format!("&division={}", url_encode(division)));
    }
    q
}

async fn report_page(
    ui: Ui,
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Result<Markup, AppError> {
    let asked_period = given(&query.period).unwrap_or("").to_owned();
    let asked_division = given(&query.division).unwrap_or("").to_owned();
    let read = read_query(&account, &query);
    let body = match &read {
        Ok((period, figures_on, division)) => {
            let report = state.figures_on(Some(*figures_on)).await?.report(division);
            report_view(&ui, &report, period, *figures_on, division)
        }
        Err(e) => html! { p.error role="alert" { (e.message_in(ui.lang)) } },
    };
    let period_value = match &read {
        Ok((period, ..)) => period.code.clone(),
        Err(_) => asked_period,
    };
    Ok(layout(
        &ui,
        ui.t("统计报表", "Statistics report"),
        "report",
        &[],
        html! {
            div.page.report-page {
                h1.no-print { (ui.t("统计报表", "Statistics report")) }
                form.search.no-print method="get" action="/report" {
                    label {
                        (ui.t("报告期 ", "Period "))
                        input type="text" name="period" size="8" value=(period_value)
                            placeholder=(ui.t("如 2026Q4 或 2026", "e.g. 2026Q4 or 2026"));
                    }
                    label {
                        (ui.t("区划代码 ", "Division code "))
                        input type="text" name="division" inputmode="numeric" size="10" value=(asked_division);
                    }
                    button type="submit" { (ui.t("查看", "Show")) }
                }
                (body)
            }
        },
    ))
}

fn report_view(
    ui: &Ui,
    report: &Report,
    period: &Period,
    figures_on: chrono::NaiveDate,
    division: &str,
) -> Markup {
    let percent = |x: f64| format!("{:.1}%", x * 100.0);
    let cells = |r: &crate::domain::report::ReportRow| -> Vec<String> {
        let mut out = Vec::new();
        for (_, members) in GROUPS {
            for (_, figure) in members {
                out.push(match figure(r) {
                    Figure::Count(n) => n.to_string(),
                    Figure::Rate(x) => percent(x),
                });
            }
        }
        for (_, target) in TARGETS {
            out.push(percent(target(r)));
        }
        out
    };
    html! {
        p.actions.no-print {
            a #download href={ "/report.xlsx?" (query_string(period, division)) } { (ui.t("下载 Excel 报表", "Download the Excel report")) }
            " · "
            (ui.t("用浏览器的“打印”可打印本页。", "Print this page with the browser's Print."))
        }
        h2.report-title { (title(report, period)) }
        p.report-date {
            (ui.t("数据日期：", "Figures of "))
            (figures_on)
            @if figures_on < crate::registry::today() {
                (ui.t("（该日结束时的登记情况）", " (the registry at the end of that day)"))
                br;
                small.note {
                    (ui.t(HOW_A_PAST_DAY_COUNTS.0, HOW_A_PAST_DAY_COUNTS.1))
                }
            } @else {
                (ui.t("（当日登记情况）", " (the registry today)"))
            }
        }
        div.table-wrap {
            table.report #report {
                thead {
                    tr {
                        th rowspan="2" { "区划代码" }
                        th rowspan="2" { "区划名称" }
                        @for (group, members) in GROUPS {
                            @if members.len() == 1 {
                                th rowspan="2" { (group) }
                            } @else {
                                th colspan=(members.len()) { (group) }
                            }
                        }
                        th colspan=(TARGETS.len()) { "年度目标" }
                    }
                    tr {
                        @for (_, members) in GROUPS {
                            @if members.len() > 1 {
                                @for (label, _) in members.iter() { th { (label) } }
                            }
                        }
                        @for (label, _) in TARGETS { th { (label) } }
                    }
                }
                tbody {
                    @for r in &report.rows {
                        tr {
                            td { (r.division) }
                            td.name { (row_name(&r.division)) }
                            @for c in cells(r) { td.number { (c) } }
                        }
                    }
                }
                tfoot {
                    tr.total {
                        td {}
                        td { "合计" }
                        @for c in cells(&report.total) { td.number { (c) } }
                    }
                }
            }
        }
        section.notes {
            h2 { (ui.t("口径说明", "How each column is counted")) }
            dl {
                @for (column, how) in NOTES {
                    dt { (column) }
                    dd { (how) }
                }
            }
        }
    }
}

async fn report_download(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let (period, figures_on, division) = read_query(&account, &query).map_err(AppError::from)?;
    let report = state.figures_on(Some(figures_on)).await?.report(&division);
    let bytes = report_xlsx(&report, &period, figures_on).map_err(AppError::internal)?;
    let name = format!(
        "report-{}{}.xlsx",
        if division.is_empty() {
            "all"
        } else {
            &division
        },
        period.code
    );
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
