//! `/tasks`: the to-do lists of party-building work (found with the registration, should
//! build, elections, reports, dissolutions after deregistration, key contacts), each entry
//! with the body responsible for it, what to do, the clause, the day it is due, and the
//! form that records it done.

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::ui::{Lang, Ui};
use super::views::{self, layout, url_encode};
use crate::domain::division::parse_prefix;
use crate::domain::tasks::{Responsible, TaskList, Urgency};
use crate::registry::today;
use crate::web::AppState;
use crate::web::http::access::scoped;
use crate::web::http::extract::CurrentAccount;
use crate::web::http::extract::given;

pub fn router() -> Router<AppState> {
    Router::new().route("/tasks", get(tasks_page))
}

const PAGE_SIZE: usize = 50;

#[derive(Debug, Default, Deserialize)]
struct TasksQuery {
    list: Option<String>,
    division: Option<String>,
    page: Option<String>,
}

fn link(list: TaskList, division: &str, page: usize) -> String {
    let mut href = format!("/tasks?list={}", list.key());
    if !division.is_empty() {
        href.push_str(&format!("&division={}", url_encode(division)));
    }
    if page > 1 {
        href.push_str(&format!("&page={page}"));
    }
    href
}

async fn tasks_page(
    ui: Ui,
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    Query(query): Query<TasksQuery>,
) -> Markup {
    let lang = ui.lang;
    let asked_list = given(&query.list).and_then(TaskList::parse);
    let asked = scoped(&account, given(&query.division));
    let (division, problem) = match asked
        .as_deref()
        .map(|d| parse_prefix(d).map_err(|e| e.at("division")))
    {
        Some(Ok(d)) => (d, None),
        Some(Err(e)) => (String::new(), Some(e.message_in(lang))),
        None => (String::new(), None),
    };
    let page_number = given(&query.page)
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let today = today();
    let snapshot = state.snapshot();
    // Opened without a list: the first list that has entries (issue 21.4).
    let (counts, list, ids) = snapshot.tasks(&division, today, asked_list);
    let pages = ids.len().div_ceil(PAGE_SIZE).max(1);
    let rows: Vec<_> = ids
        .iter()
        .skip((page_number - 1).saturating_mul(PAGE_SIZE))
        .take(PAGE_SIZE)
        .filter_map(|&id| {
            let o = snapshot.get(id)?;
            let d = snapshot.decision(id, today, false, &account.jurisdiction)?;
            Some((id, o, list.due(&d), list.reason(&d).cloned()))
        })
        .collect();
    // How many of the list are red, yellow and green: every entry's due day.
    let mut by_urgency = [0usize; 3];
    for &id in &ids {
        let due = snapshot
            .decision(id, today, false, &account.jurisdiction)
            .and_then(|d| list.due(&d));
        by_urgency[Urgency::ALL
            .iter()
            .position(|u| *u == Urgency::of(due, today))
            .expect("one of the three")] += 1;
    }
    let area = if division.is_empty() {
        ui.t("全部", "all").to_owned()
    } else {
        views::named_code(&division)
    };
    layout(
        &ui,
        ui.t("任务", "Tasks"),
        "tasks",
        &[],
        html! {
            div.page {
                h1 { (ui.t("任务清单", "Task lists")) " · " (area) }
                form.search method="get" action="/tasks" {
                    input type="hidden" name="list" value=(list.key());
                    label {
                        (ui.t("区划代码 ", "Division code "))
                        input type="text" name="division" inputmode="numeric" size="10" value=(division);
                    }
                    button type="submit" { (ui.t("查询", "Search")) }
                }
                @if let Some(p) = problem { p.error role="alert" { (p) } }
                nav.tabs aria-label=(ui.t("任务清单", "Task lists")) {
                    @for (l, n) in &counts {
                        a href=(link(*l, &division, 1)) aria-current=[(*l == list).then_some("page")] {
                            (l.title(lang)) " " span.count { (n) }
                        }
                    }
                }
                h2 {
                    (list.title(lang))
                    @if list.flag().is_some() { " (" (list.rule()) ")" }
                }
                p.summary {
                    @match lang {
                        Lang::Zh => { "共 " (ids.len()) " 项，第 " (page_number) " / " (pages) " 页；" (if list == TaskList::Locate { "按负责机构排序。" } else { "按到期日排序。" }) }
                        Lang::En => { (ids.len()) " entries, page " (page_number) " of " (pages) ", " (if list == TaskList::Locate { "by responsible body." } else { "by due date." }) }
                    }
                }
                @if !ids.is_empty() {
                    p.urgency-counts {
                        @for (u, n) in Urgency::ALL.iter().zip(by_urgency) {
                            span class={ "urgency " (u.class()) } { (u.label(lang)) " " strong { (n) } } " "
                        }
                    }
                }
                @if ids.is_empty() {
                    p.notice { (ui.t("这个清单目前没有待办事项。", "Nothing to do on this list.")) }
                } @else {
                    table.list.tasks {
                        thead {
                            tr {
                                th { (ui.t("社会组织", "Organization")) }
                                th { (ui.t("行政区划", "Division")) }
                                th { (ui.t("负责机构（第六条）", "Responsible (clause 6)")) }
                                th { (ui.t("应办事项", "What to do")) }
                                th { (ui.t("到期", "Due")) }
                                th { (ui.t("状态", "Status")) }
                                th { (ui.t("办理", "Record")) }
                            }
                        }
                        tbody {
                            @for (id, o, due, reason) in &rows {
                                tr.overdue[due.is_some_and(|d| d < today)] {
                                    td { a href={ "/orgs/" (id) } { (o.org.name) } }
                                    td { (views::division_label(o.org.division_code.as_str())) }
                                    td { (Responsible::of(&o.org).label(lang)) }
                                    td {
                                        @if let Some(r) = reason {
                                            (r.text_in(lang)) br; span.clause { (r.rule) " · " (r.clause_short()) }
                                        }
                                        @if list == TaskList::Verify {
                                            @for doubt in crate::domain::verification::doubts(&o.org) {
                                                (doubt.message(lang)) br;
                                            }
                                        }
                                        @if list == TaskList::Locate {
                                            (ui.t(
                                                "没有经纬度：在修改页的地图上点选位置（或填写经纬度）。补录后计入网格，并可参加区域联合组建（R4）。",
                                                "No coordinates: click the location on the edit page's map (or type them). Once recorded it counts in the hexagons and can join a regional group (R4)."
                                            ))
                                            @if let Some(address) = &o.org.address {
                                                br; span.clause { (ui.t("住所：", "Address: ")) (address) }
                                            }
                                        }
                                    }
                                    td { (due.map_or("—".to_owned(), |d| d.to_string())) }
                                    @let urgency = Urgency::of(*due, today);
                                    td { span class={ "urgency " (urgency.class()) } { (urgency.label(lang)) } }
                                    td {
                                        @match list.record_path() {
                                            Some(path) => a href={ "/orgs/" (id) "/" (path) } { (ui.t("记录", "Record")) },
                                            None => a href={ "/orgs/" (id) } { (ui.t("查看", "Open")) },
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                nav.pager aria-label=(ui.t("分页", "Pages")) {
                    @if page_number > 1 {
                        a href=(link(list, &division, page_number - 1)) rel="prev" { (ui.t("上一页", "Previous")) }
                    }
                    " "
                    @if page_number < pages {
                        a href=(link(list, &division, page_number + 1)) rel="next" { (ui.t("下一页", "Next")) }
                    }
                }
            }
        },
    )
}
