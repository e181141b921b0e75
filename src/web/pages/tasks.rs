//! `/tasks`: the to-do lists of party-building work (found with the registration, should
//! build, elections, reports, dissolutions after deregistration, key contacts), each entry
//! with the body responsible for it, what to do, the clause, the day it is due, and the
//! form that records it done.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use super::ui::{Flash, Lang, Ui};
use super::views::{self, Refusal, csrf_field, layout, url_encode};
use crate::domain::access::Action;
use crate::domain::division::parse_prefix;
use crate::domain::stored::StoredOrganization;
use crate::domain::tasks::{Assignment, Responsible, TaskList, Urgency};
use crate::registry::today;
use crate::web::AppState;
use crate::web::http::access::scoped;
use crate::web::http::error::AppError;
use crate::web::http::extract::given;
use crate::web::http::extract::{ApiPath, CurrentAccount, CurrentActor, PageForm};

pub fn router() -> Router<AppState> {
    Router::new().route("/tasks", get(tasks_page)).route(
        "/orgs/{id}/tasks/{list}/assign",
        get(assign_form).post(assign),
    )
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
    let (counts, list, ids) = {
        let snapshot = state.snapshot();
        // Opened without a list: the first list that has entries (issue 21.4).
        snapshot.tasks(&division, today, asked_list)
    };
    // Who each entry is given to: an assignment's due day is the entry's.
    let assigned: HashMap<i64, Assignment> = state
        .registry
        .assignments_on(list, &ids)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.org_id, a))
        .collect();
    let due_of = |id: i64, rule_due: Option<chrono::NaiveDate>| {
        assigned.get(&id).map(|a| a.due_on).or(rule_due)
    };
    let may_assign = account.may(Action::RecordPartyWork);
    let snapshot = state.snapshot();
    let pages = ids.len().div_ceil(PAGE_SIZE).max(1);
    let rows: Vec<_> = ids
        .iter()
        .skip((page_number - 1).saturating_mul(PAGE_SIZE))
        .take(PAGE_SIZE)
        .filter_map(|&id| {
            let o = snapshot.get(id)?;
            let d = snapshot.decision(id, today, false, &account.jurisdiction)?;
            Some((id, o, due_of(id, list.due(&d)), list.reason(&d).cloned()))
        })
        .collect();
    // How many of the list are red, yellow and green: every entry's due day.
    let by_urgency = Urgency::counts(
        ids.iter().map(|&id| {
            due_of(
                id,
                snapshot
                    .decision(id, today, false, &account.jurisdiction)
                    .and_then(|d| list.due(&d)),
            )
        }),
        today,
    );
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
                    (views::urgency_counts(lang, by_urgency))
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
                                th { (ui.t("分派", "Assigned to")) }
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
                                    td.assignment {
                                        @if let Some(a) = assigned.get(id) {
                                            strong { (a.assignee) }
                                            @if !a.note.is_empty() { br; span.clause { (a.note) } }
                                        }
                                        @if may_assign {
                                            @if assigned.contains_key(id) { br; }
                                            a href={ "/orgs/" (id) "/tasks/" (list.key()) "/assign" } {
                                                (if assigned.contains_key(id) { ui.t("改派", "Reassign") } else { ui.t("分派", "Assign") })
                                            }
                                        }
                                    }
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

/// The assignment form's values: whom, by when, the note.
struct AssignValues<'a> {
    assignee: &'a str,
    due_on: String,
    note: &'a str,
}

/// The entry of organization `id` on `list` (404 for an organization outside the
/// jurisdiction or an unknown list).
async fn entry_of(
    state: &AppState,
    account: &crate::domain::access::Account,
    id: i64,
    list: &str,
) -> Result<(TaskList, StoredOrganization), AppError> {
    let org = state.registry.visible(account, id).await?;
    let list = TaskList::parse(list).ok_or(AppError::NotFound)?;
    Ok((list, org))
}

/// The page of an entry's assignment: the task, its assignment now, and the form.
async fn assign_page(
    ui: &Ui,
    state: &AppState,
    list: TaskList,
    org: &StoredOrganization,
    values: &AssignValues<'_>,
    errors: &HashMap<&'static str, String>,
    problem: Option<&str>,
) -> Result<Markup, AppError> {
    let lang = ui.lang;
    let takers = state.registry.takers(&org.org).await?;
    let current = state.registry.assignments_on(list, &[org.id]).await?.pop();
    let body = Responsible::of(&org.org);
    let field = |name: &'static str| errors.get(name);
    Ok(layout(
        ui,
        ui.t("分派任务", "Assign a task"),
        "tasks",
        &[],
        html! {
            div.page {
                h1 { (ui.t("分派任务", "Assign a task")) }
                p {
                    a href={ "/orgs/" (org.id) } { (org.org.name) }
                    " · " (list.title(lang))
                    @if list.flag().is_some() { " (" (list.rule()) ")" }
                }
                p { (ui.t("负责机构（第六条）：", "Responsible (clause 6): ")) (body.label(lang)) }
                @if let Some(a) = &current {
                    p.notice {
                        (ui.t("现分派给 ", "Now assigned to ")) strong { (a.assignee) }
                        (ui.t("，期限 ", ", due ")) (a.due_on)
                        @if !a.note.is_empty() { (ui.t("；备注：", "; note: ")) (a.note) }
                        " (" (a.assigned_by) ", " (views::local_time(a.at, state.options.timezone)) ")"
                    }
                }
                @if let Some(p) = problem { p.error role="alert" { (p) } }
                @if takers.is_empty() {
                    p.error role="alert" {
                        (ui.t(
                            "负责机构没有可分派的账号：须为可记录党建工作（组织部门或管理员）、管辖范围在该机构辖区内并包含该组织的账号。请管理员用 orgcover user add 新增。",
                            "The responsible body has no account to give it to: one that records party work (organization department or administrator), with a jurisdiction inside the body's area that holds the organization. An administrator adds one with orgcover user add.",
                        ))
                    }
                }
                form.record method="post" action={ "/orgs/" (org.id) "/tasks/" (list.key()) "/assign" } {
                    (csrf_field(ui))
                    div.field.invalid[field("assignee").is_some()] {
                        label for="f-assignee" { (ui.t("分派给", "Assign to")) }
                        select #f-assignee name="assignee" required
                            aria-describedby=[field("assignee").map(|_| "f-assignee-error")] {
                            @for t in &takers {
                                option value=(t.name) selected[t.name == values.assignee] {
                                    (t.name) " · " (t.role.label(lang)) " · "
                                    (if t.jurisdiction.is_empty() { ui.t("全国", "national").to_owned() } else { views::named_code(&t.jurisdiction) })
                                }
                            }
                        }
                        @if let Some(e) = field("assignee") { span.error #f-assignee-error { (e) } }
                    }
                    div.field.invalid[field("due_on").is_some()] {
                        label for="f-due_on" { (ui.t("期限", "Due")) }
                        input #f-due_on type="date" name="due_on" value=(values.due_on) min=(today()) required
                            aria-describedby=[field("due_on").map(|_| "f-due_on-error")];
                        @if let Some(e) = field("due_on") { span.error #f-due_on-error { (e) } }
                    }
                    div.field.invalid[field("note").is_some()] {
                        label for="f-note" { (ui.t("备注", "Note")) }
                        textarea #f-note name="note" rows="3" cols="40" maxlength=(crate::domain::tasks::NOTE_MAX_CHARS)
                            aria-describedby=[field("note").map(|_| "f-note-error")] { (values.note) }
                        @if let Some(e) = field("note") { span.error #f-note-error { (e) } }
                    }
                    @if let Some(e) = field("list") { p.error role="alert" { (e) } }
                    button type="submit" disabled[takers.is_empty()] { (ui.t("分派", "Assign")) }
                }
            }
        },
    ))
}

async fn assign_form(
    ui: Ui,
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath((id, list)): ApiPath<(i64, String)>,
) -> Result<Markup, AppError> {
    let (list, org) = entry_of(&state, &account, id, &list).await?;
    // The form starts from the assignment now, else the rule's due day when it is ahead,
    // else a fortnight from today.
    let current = state.registry.assignments_on(list, &[org.id]).await?.pop();
    let today = today();
    let rule_due = state
        .snapshot()
        .decision(org.id, today, false, &account.jurisdiction)
        .and_then(|d| list.due(&d))
        .filter(|d| *d >= today);
    let due_on = current
        .as_ref()
        .map(|a| a.due_on)
        .or(rule_due)
        .unwrap_or(today + chrono::Days::new(14));
    let values = AssignValues {
        assignee: current.as_ref().map_or("", |a| a.assignee.as_str()),
        due_on: due_on.to_string(),
        note: current.as_ref().map_or("", |a| a.note.as_str()),
    };
    assign_page(&ui, &state, list, &org, &values, &HashMap::new(), None).await
}

async fn assign(
    ui: Ui,
    CurrentActor(actor): CurrentActor,
    session: Session,
    State(state): State<AppState>,
    ApiPath((id, list)): ApiPath<(i64, String)>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let (list, org) = entry_of(&state, &actor.account, id, &list).await?;
    match state
        .registry
        .assign_task(
            &actor,
            list,
            org.id,
            value("assignee"),
            value("due_on"),
            value("note"),
        )
        .await
    {
        Ok(_) => {
            Flash::Assigned.keep(&session).await;
            Ok(Redirect::to(&format!("/tasks?list={}", list.key())).into_response())
        }
        Err(e) => {
            let refusal = Refusal::of(e, ui.lang)?;
            let values = AssignValues {
                assignee: value("assignee"),
                due_on: value("due_on").to_owned(),
                note: value("note"),
            };
            let page = assign_page(
                &ui,
                &state,
                list,
                &org,
                &values,
                &refusal.errors,
                refusal.problem.as_deref(),
            )
            .await?;
            Ok((refusal.status, page).into_response())
        }
    }
}
