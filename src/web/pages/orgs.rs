//! The registry's pages: the searchable list of organizations, one organization with its
//! decision and history, and the registration form for civil-affairs staff.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use super::ui::{Flash, Lang, Ui};
use super::views::{self, Refusal, csrf_field, filter_select, layout, map_bounds, url_encode};
use crate::domain::access::{Action, PARTY_WORK_FIELDS};
use crate::domain::division::parse_prefix;
use crate::domain::organization::{
    FIELDS, Kind, Level, OrgInput, PartyOrg, REQUIRED_FIELDS as REQUIRED, Status, field_label,
};
use crate::domain::stored::StoredOrganization;
use crate::registry::today;
use crate::store::{OrgFilter, Page};
use crate::web::AppState;
use crate::web::http::access::scoped;
use crate::web::http::error::AppError;
use crate::web::http::extract::{ApiPath, CurrentAccount, CurrentActor, PageForm, given};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(list))
        .route("/orgs/export", get(export))
        .route("/orgs/new", get(new_form).post(register))
        .route("/orgs/{id}", get(detail))
        .route("/orgs/{id}/edit", get(edit_form).post(edit))
        .route(
            "/orgs/{id}/deregister",
            get(deregister_form).post(deregister),
        )
}

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    /// For the export: `csv` (else XLSX) and `en` headers (else Chinese).
    format: Option<String>,
    headers: Option<String>,
    division: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

/// The list's filters as query parameters, for links that keep them.
fn filter_params(query: &ListQuery) -> Vec<String> {
    [
        ("q", &query.q),
        ("division", &query.division),
        ("kind", &query.kind),
        ("status", &query.status),
    ]
    .into_iter()
    .filter_map(|(key, value)| given(value).map(|v| format!("{key}={}", url_encode(v))))
    .collect()
}

/// The export of the list as filtered.
fn export_link(query: &ListQuery, format: &str) -> String {
    let mut parts = vec![format!("format={format}")];
    parts.extend(filter_params(query));
    format!("/orgs/export?{}", parts.join("&"))
}

/// A list link keeping the current filters, for another page.
fn list_link(query: &ListQuery, page: i64) -> String {
    let mut parts = filter_params(query);
    parts.push(format!("page={page}"));
    format!("/orgs?{}", parts.join("&"))
}

/// The list's filters as the store takes them, within the account's jurisdiction, and each
/// one that cannot be read (the list shows the others' result; an export refuses).
fn list_filter(
    account: &crate::domain::access::Account,
    query: &ListQuery,
) -> (OrgFilter, Vec<crate::domain::error::FieldError>) {
    let mut problems = Vec::new();
    let mut filter = OrgFilter::default();
    match crate::registry::query::name_search(&query.q) {
        Ok(q) => filter.name_contains = q,
        Err(e) => problems.push(e),
    }
    let asked = scoped(account, given(&query.division));
    match asked
        .as_deref()
        .map(|d| parse_prefix(d).map_err(|e| e.at("division")))
    {
        Some(Ok(d)) => filter.division_prefix = Some(d),
        Some(Err(e)) => problems.push(e),
        None => {}
    }
    match given(&query.kind).map(Kind::parse) {
        Some(Ok(k)) => filter.kind = Some(k),
        Some(Err(e)) => problems.push(e),
        None => {}
    }
    match given(&query.status).map(Status::parse) {
        Some(Ok(s)) => filter.status = Some(s),
        Some(Err(e)) => problems.push(e),
        None => {}
    }
    (filter, problems)
}

/// Excel's last row: an export of more is refused with the CLI's way to make it.
const MOST_ROWS_IN_A_SHEET: i64 = 1_048_575;

/// The list as filtered, as a ledger workbook (Chinese headers and values, `format=csv` for
/// CSV, `headers=en` for English), through the export's own writers.
async fn export(
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    use crate::io::csv::{HeaderLanguage, OrgCsvWriter};
    let (filter, problems) = list_filter(&account, &query);
    if !problems.is_empty() {
        return Err(crate::domain::error::ValidationErrors(problems).into());
    }
    let language = match given(&query.headers) {
        Some("en") => HeaderLanguage::En,
        _ => HeaderLanguage::Zh,
    };
    let csv = given(&query.format) == Some("csv");
    let all = Page {
        limit: MOST_ROWS_IN_A_SHEET + 1,
        offset: 0,
    };
    let (orgs, total) = state.store.list(&filter, all).await?;
    if !csv && total > MOST_ROWS_IN_A_SHEET {
        return Err(AppError::Refused {
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            message: crate::web::http::error::Said::new(
                format!(
                    "共 {total} 个，超过 Excel 一个工作表的行数：请缩小范围，或导出 CSV，或用 orgcover export"
                ),
                format!(
                    "{total} organizations are more than an Excel sheet holds: narrow the list, export CSV, or use orgcover export"
                ),
            ),
            field: "format",
            extra: Box::new(serde_json::Value::Null),
        });
    }
    let (bytes, mime, extension) = if csv {
        let mut writer = OrgCsvWriter::new(Vec::new(), language).map_err(AppError::internal)?;
        for o in &orgs {
            writer.write_stored(o).map_err(AppError::internal)?;
        }
        (
            writer.finish().map_err(AppError::internal)?,
            "text/csv; charset=utf-8",
            "csv",
        )
    } else {
        let mut writer =
            crate::io::workbook::OrgXlsxWriter::new(language).map_err(AppError::internal)?;
        for o in &orgs {
            writer.write(&o.org).map_err(AppError::internal)?;
        }
        (
            writer.finish().map_err(AppError::internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    };
    let disposition = format!("attachment; filename=\"orgs-{}.{extension}\"", today());
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, mime.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

async fn list(
    ui: Ui,
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Markup, AppError> {
    let (filter, problems) = list_filter(&account, &query);
    let problems: Vec<String> = problems.iter().map(|e| e.message_in(ui.lang)).collect();
    let page_number = given(&query.page)
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let page = Page {
        limit: PAGE_SIZE,
        offset: (page_number - 1).saturating_mul(PAGE_SIZE),
    };
    let (items, total) = state.store.list(&filter, page).await?;
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    Ok(layout(
        &ui,
        ui.t("社会组织", "Organizations"),
        "orgs",
        &[],
        html! {
            div.page {
                h1 { (ui.t("社会组织", "Organizations")) }
                form.search method="get" action="/orgs" {
                    label { (ui.t("名称含 ", "Name contains ")) input type="search" name="q" value=[given(&query.q)]; }
                    label { (ui.t("区划代码 ", "Division code ")) input type="text" name="division" inputmode="numeric" size="10" value=[given(&query.division)]; }
                    (filter_select(&ui, ui.t("类型", "Kind"), "kind", Kind::ALL.iter().map(|k| (k.as_str(), k.label(ui.lang))), given(&query.kind)))
                    (filter_select(&ui, ui.t("状态", "Status"), "status", Status::ALL.iter().map(|s| (s.as_str(), s.label(ui.lang))), given(&query.status)))
                    button type="submit" { (ui.t("查询", "Search")) }
                    @if ui.may(Action::Register) {
                        " "
                        a href="/orgs/new" { (ui.t("登记新的社会组织", "Register a new organization")) }
                        " "
                        a href="/orgs/import" { (ui.t("导入台账（Excel/CSV）", "Import a ledger (Excel/CSV)")) }
                    }
                }
                @for p in &problems {
                    p.error role="alert" { (p) }
                }
                p.downloads {
                    (ui.t("导出此列表：", "Export this list: "))
                    a href=(export_link(&query, "xlsx")) { "Excel" }
                    " · "
                    a href=(export_link(&query, "csv")) { "CSV" }
                }
                p.summary {
                    @match ui.lang {
                        Lang::Zh => { "共 " (total) " 个，第 " (page_number) " / " (pages.max(1)) " 页" }
                        Lang::En => { (total) " organizations, page " (page_number) " of " (pages.max(1)) }
                    }
                }
                table.list {
                    thead {
                        tr {
                            @for field in ["name", "credit_code", "division_code", "kind", "status", "formal_members", "party_org"] {
                                th { (field_label(field, ui.lang)) }
                            }
                        }
                    }
                    tbody {
                        @for o in &items {
                            tr {
                                td { a href={ "/orgs/" (o.id) } { (o.org.name) } }
                                td { code { (o.org.credit_code.as_ref().map_or("—", |c| c.as_str())) } }
                                td { (views::division_label(o.org.division_code.as_str())) }
                                td { (o.org.kind.label(ui.lang)) }
                                td { (o.org.status.label(ui.lang)) }
                                td.number { (o.org.formal_members) }
                                td { (o.org.party_org.label(ui.lang)) }
                            }
                        }
                    }
                }
                nav.pager aria-label=(ui.t("分页", "Pages")) {
                    @if page_number > 1 {
                        a href=(list_link(&query, page_number - 1)) rel="prev" { (ui.t("上一页", "Previous")) }
                    }
                    " "
                    @if page_number < pages {
                        a href=(list_link(&query, page_number + 1)) rel="next" { (ui.t("下一页", "Next")) }
                    }
                }
            }
        },
    ))
}

/// The fields of an organization as (label, value) rows, in the order of formats.md.
fn field_rows(o: &StoredOrganization, lang: Lang) -> Vec<(&'static str, String)> {
    let org = &o.org;
    let none = || "—".to_owned();
    let date = |d: Option<chrono::NaiveDate>| d.map_or_else(none, |d| d.to_string());
    let opt = |s: &Option<String>| s.clone().unwrap_or_else(none);
    let count = |n: Option<u32>| n.map_or_else(none, |n| n.to_string());
    let code = |c: &Option<crate::domain::credit_code::CreditCode>| {
        c.as_ref().map_or_else(none, |c| c.as_str().to_owned())
    };
    let label = |field| field_label(field, lang);
    vec![
        (label("credit_code"), code(&org.credit_code)),
        (label("kind"), org.kind.label(lang).to_owned()),
        (label("level"), org.level.label(lang).to_owned()),
        (
            label("division_code"),
            views::named_code(org.division_code.as_str()),
        ),
        (
            label("division_source"),
            org.division_source.label(lang).to_owned(),
        ),
        (label("address"), opt(&org.address)),
        (
            lang.pick("经纬度 (WGS84)", "Longitude, latitude (WGS84)"),
            org.location.map_or_else(
                || lang.pick("未知", "unknown").to_owned(),
                |p| format!("{:.6}, {:.6}", p.lon, p.lat),
            ),
        ),
        (label("industry"), opt(&org.industry)),
        (label("supervisor"), opt(&org.supervisor)),
        (
            label("is_industry_association"),
            if org.is_industry_association {
                lang.pick("是", "yes")
            } else {
                lang.pick("否", "no")
            }
            .to_owned(),
        ),
        (label("association"), code(&org.association)),
        (label("member_units"), count(org.member_units)),
        (label("staff"), count(org.staff)),
        (label("formal_members"), org.formal_members.to_string()),
        (
            label("probationary_members"),
            org.probationary_members.to_string(),
        ),
        (
            label("members_elsewhere"),
            org.members_elsewhere.to_string(),
        ),
        (label("registered_on"), date(org.registered_on)),
        (label("status"), org.status.label(lang).to_owned()),
        (
            lang.pick("H3 网格（9级）", "H3 cell (resolution 9)"),
            o.cell
                .map_or_else(|| "—".to_owned(), |c| format!("{:x}", u64::from(c))),
        ),
        (lang.pick("版本", "Version"), o.version.to_string()),
    ]
}

/// The party work recorded for an organization: what the organization department keeps.
fn party_rows(o: &StoredOrganization, lang: Lang) -> Vec<(&'static str, String)> {
    let org = &o.org;
    let date = |d: Option<chrono::NaiveDate>| d.map_or_else(|| "—".to_owned(), |d| d.to_string());
    let label = |field| field_label(field, lang);
    vec![
        (label("party_org"), org.party_org.label(lang).to_owned()),
        (
            label("party_org_established_on"),
            date(org.party_org_established_on),
        ),
        (label("last_election_on"), date(org.last_election_on)),
        (label("last_report_on"), date(org.last_report_on)),
        (
            label("instructor"),
            org.instructor.clone().unwrap_or_else(|| "—".to_owned()),
        ),
    ]
}

async fn detail(
    ui: Ui,
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Markup, AppError> {
    let org = state.registry.visible(&account, id).await?;
    let history = state.store.history(id).await?;
    let decision = state
        .registry
        .decision_of(&account, &org, &history)
        .ok_or(AppError::NotFound)?;
    let group = {
        let snapshot = state.snapshot();
        snapshot
            .group_seen_from(id, &account.jurisdiction)
            .map(|g| {
                let names: Vec<(i64, String)> = g
                    .members
                    .iter()
                    .filter_map(|m| snapshot.get(*m).map(|o| (*m, o.org.name.clone())))
                    .collect();
                (
                    g.group_id.clone(),
                    names,
                    g.distances_m.clone(),
                    g.members_outside,
                )
            })
    };
    let r6 = decision.reasons.iter().find(|r| r.rule == "R6");
    // The task list holds what the rules say on any later day, which needs the date of
    // registration: without one, the notice cannot promise a task.
    let task_created = r6.is_some() && org.org.registered_on.is_some();
    let lang = ui.lang;
    Ok(layout(
        &ui,
        &org.org.name,
        "orgs",
        &["/assets/vendor/leaflet/leaflet.js", "/assets/org.js"],
        html! {
            div.page {
                @if let Some(r6) = r6 {
                    div.alert #r6-notice role="alert" {
                        strong { (ui.t("须与登记同步建立党组织（R6）", "A party organization must be founded with the registration (R6)")) }
                        p { (r6.text_in(lang)) }
                        @if task_created {
                            p {
                                (ui.t("已为负责的党建工作机构生成任务，见", "A task was created for the responsible party-building body: see "))
                                a href="/tasks?list=establish" { (ui.t("任务清单", "the task list")) }
                                (ui.t("。", "."))
                            }
                        } @else {
                            p {
                                (ui.t("未填成立登记日期，任务清单无法计算到期日：请补填登记日期。",
                                      "No registration date is recorded, so the task list cannot date this task: add the registration date."))
                            }
                        }
                        p.clause { (r6.clause) }
                    }
                }
                h1 { (org.org.name) }
                p.actions {
                    // Only what the role may do is offered.
                    @if ui.may(Action::Register) {
                        a href={ "/orgs/" (id) "/edit" } { (ui.t("修改登记信息", "Edit")) }
                        @if org.org.status != Status::Deregistered {
                            " · " a href={ "/orgs/" (id) "/deregister" } { (ui.t("注销", "Deregister")) }
                        }
                        " · "
                    }
                    @if org.cell.is_some() {
                        a href={ "/map?org=" (id) } { (ui.t("在地图上查看", "Show on the map")) }
                    } @else {
                        span.muted { (ui.t("位置未知，地图上无此组织", "Location unknown: not on the map")) }
                    }
                }
                @let doubts = crate::domain::verification::doubts(&org.org);
                @if !doubts.is_empty() {
                    div.doubts #doubts role="note" {
                        strong { (ui.t("待核实", "To verify")) }
                        ul {
                            @for doubt in &doubts {
                                li data-check=(doubt.key()) { (doubt.message(lang)) }
                            }
                        }
                    }
                }
                div.detail {
                    section {
                        h2 { (ui.t("登记信息", "Registration")) }
                        table.fields {
                            @for (name, value) in field_rows(&org, lang) {
                                tr { th { (name) } td { (value) } }
                            }
                        }
                    }
                    section {
                        @if let Some(p) = org.org.location {
                            div #org-map.mini-map data-lon=(p.lon) data-lat=(p.lat)
                                data-tiles=(state.options.tiles_url.as_deref().unwrap_or(""))
                                role="img" aria-label=(ui.t("位置", "Location")) {}
                        } @else {
                            div.unlocated #no-location role="note" {
                                strong { (ui.t("位置未知", "Location unknown")) }
                                p { (ui.t(
                                    "登记信息没有经纬度：此组织计入所属区划的各项统计，但不计入任何六边形，也不能与附近组织联合组建（R4）。",
                                    "The record has no coordinates: the organization counts in its division's figures, in no hexagon, and cannot join a regional group with nearby organizations (R4)."
                                )) }
                                @if ui.may(Action::Register) {
                                    p { a href={ "/orgs/" (id) "/edit" } { (ui.t("补录位置（在地图上点选）", "Record the location (click the map)")) } }
                                }
                            }
                        }
                        h2 { (ui.t("应建党组织", "What it should have")) }
                        @match decision.recommendation {
                            Some(r) => p.recommendation { strong { (r.label(lang)) } },
                            None => p { (ui.t("已不在运行（注销或合并），不再判定。", "No longer operating (deregistered or merged): no recommendation.")) },
                        }
                        @if let Some(c) = decision.coverage {
                            p { (ui.t("覆盖状态：", "Coverage: ")) (c.label(lang)) }
                        }
                        @if !decision.flags.is_empty() {
                            ul.flags {
                                @for f in &decision.flags { li { (f.label(lang)) } }
                            }
                        }
                        @if let Some((group_id, members, distances, outside)) = &group {
                            div.group {
                                p {
                                    (ui.t("拟建区域联合党支部 ", "Proposed regional joint branch "))
                                    code { (group_id) }
                                }
                                ol {
                                    @for ((member, name), d) in members.iter().zip(distances) {
                                        li {
                                            a href={ "/orgs/" (member) } { (name) }
                                            @if *d > 0.0 { " · " (format!("{d:.0}")) " m" }
                                        }
                                    }
                                }
                                @if *outside > 0 {
                                    p.hint {
                                        (ui.t("另有", "and "))
                                        (outside)
                                        (ui.t("个成员单位在您的辖区之外（由其所在辖区记录）",
                                              " member organizations outside your jurisdiction (recorded by theirs)"))
                                    }
                                }
                                @if ui.may(Action::RecordPartyWork) {
                                    a.button href={ "/orgs/" (id) "/party-org?group=" (url_encode(group_id)) } {
                                        (ui.t("按此方案记录联合党支部成立", "Record this joint branch as founded"))
                                    }
                                }
                            }
                        }
                        h3 { (ui.t("依据", "Reasons")) }
                        ol.reasons {
                            @for r in &decision.reasons {
                                li {
                                    strong { (r.rule) } " " (r.text_in(lang))
                                    br;
                                    span.clause { (r.clause) }
                                }
                            }
                        }
                        h2 { (ui.t("党建工作记录", "Party work recorded")) }
                        table.fields {
                            @for (name, value) in party_rows(&org, lang) {
                                tr { th { (name) } td { (value) } }
                            }
                        }
                        @if ui.may(Action::RecordPartyWork) { p.actions {
                            a href={ "/orgs/" (id) "/party-org" } { (ui.t("记录党组织成立或撤销", "Record a party organization founded or dissolved")) }
                            " · " a href={ "/orgs/" (id) "/election" } { (ui.t("记录换届", "Record an election")) }
                            " · " a href={ "/orgs/" (id) "/report" } { (ui.t("记录书记述职", "Record a secretary's report")) }
                            " · " a href={ "/orgs/" (id) "/instructor" } { (ui.t("选派或撤回指导员", "Assign or remove an instructor")) }
                        } }
                    }
                }
                h2 { (ui.t("变更记录", "Change history")) }
                table.list {
                    thead { tr {
                        th { (ui.t("时间", "Time")) " (" (state.options.timezone.name()) ")" }
                        th { (ui.t("操作人", "By")) } th { (ui.t("操作", "Action")) } th { (ui.t("改动", "Changes")) }
                    } }
                    tbody {
                        @for e in &history {
                            tr {
                                td { (super::views::local_time(e.at, state.options.timezone)) }
                                td { (e.actor) }
                                td { (super::views::action_label(&e.action, lang)) }
                                td.changes {
                                    @for c in super::views::audit_changes(e, lang).iter().take(12) { div { (c) } }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// The registration form's fields: name, label, and how it is entered.
enum Input {
    Text,
    Number,
    Date,
    Choice(Vec<(&'static str, &'static str)>),
    Check,
}

fn input_of(field: &str, lang: Lang) -> Input {
    let choices = |all: Vec<(&'static str, &'static str)>| Input::Choice(all);
    match field {
        "kind" => choices(
            Kind::ALL
                .iter()
                .map(|k| (k.as_str(), k.label(lang)))
                .collect(),
        ),
        "level" => choices(
            Level::ALL
                .iter()
                .map(|l| (l.as_str(), l.label(lang)))
                .collect(),
        ),
        "status" => choices(
            Status::ALL
                .iter()
                .map(|s| (s.as_str(), s.label(lang)))
                .collect(),
        ),
        "party_org" => choices(
            PartyOrg::ALL
                .iter()
                .map(|p| (p.as_str(), p.label(lang)))
                .collect(),
        ),
        "crs" => choices(vec![
            (
                "wgs84",
                lang.pick("WGS84（GPS、天地图）", "WGS84 (GPS, Tianditu)"),
            ),
            (
                "gcj02",
                lang.pick("GCJ-02（高德、腾讯）", "GCJ-02 (Amap, Tencent)"),
            ),
            ("bd09", lang.pick("BD-09（百度）", "BD-09 (Baidu)")),
        ]),
        "division_source" => choices(
            crate::domain::division::DivisionSource::ALL
                .iter()
                .map(|s| (s.as_str(), s.label(lang)))
                .collect(),
        ),
        "is_industry_association" => Input::Check,
        "member_units"
        | "staff"
        | "formal_members"
        | "probationary_members"
        | "members_elsewhere" => Input::Number,
        "registered_on" | "party_org_established_on" | "last_election_on" | "last_report_on" => {
            Input::Date
        }
        _ => Input::Text,
    }
}

/// Which form: a registration, or a change of the organization at the version read.
enum FormKind {
    Register,
    Edit { id: i64, version: i64 },
}

/// Where the form's map opens, and its base map.
struct PickMap {
    /// `west,south,east,north`.
    bounds: String,
    tiles: String,
}

impl PickMap {
    fn of(state: &AppState) -> Self {
        Self {
            bounds: map_bounds(state.snapshot().coverage().extent()),
            tiles: state.options.tiles_url.clone().unwrap_or_default(),
        }
    }
}

/// The scripts of the organization form: the map and the live checks.
const FORM_SCRIPTS: [&str; 2] = ["/assets/vendor/leaflet/leaflet.js", "/assets/register.js"];

impl FormKind {
    /// The page's title (and the form's heading), and the navigation entry it belongs to.
    fn title_and_nav(&self, ui: &Ui) -> (&'static str, &'static str) {
        match self {
            FormKind::Register => (ui.t("登记社会组织", "Register an organization"), "new"),
            FormKind::Edit { .. } => (ui.t("修改登记信息", "Edit the registration"), "orgs"),
        }
    }
}

/// The organization form's page: the form with each error beside its field and `problem`
/// (a conflict, say) above it, in the layout with the form's scripts.
fn org_form_page(
    ui: &Ui,
    kind: &FormKind,
    values: &HashMap<String, String>,
    errors: &HashMap<&str, String>,
    problem: Option<&str>,
    location: Option<&str>,
    map: &PickMap,
) -> Markup {
    let (title, nav) = kind.title_and_nav(ui);
    layout(
        ui,
        title,
        nav,
        &FORM_SCRIPTS,
        org_form(ui, kind, values, errors, problem, location, map),
    )
}

/// The organization form, with each error beside its field, `problem` (a conflict, say)
/// above it, and `location` (a point outside its division's boundary) above the button
/// with the box the clerk ticks to save it as it is.
fn org_form(
    ui: &Ui,
    kind: &FormKind,
    values: &HashMap<String, String>,
    errors: &HashMap<&str, String>,
    problem: Option<&str>,
    location: Option<&str>,
    map: &PickMap,
) -> Markup {
    let (heading, _) = kind.title_and_nav(ui);
    let action = match kind {
        FormKind::Register => "/orgs/new".to_owned(),
        FormKind::Edit { id, .. } => format!("/orgs/{id}/edit"),
    };
    let records_party_work = ui.may(Action::RecordPartyWork);
    html! {
        div.page {
            h1 { (heading) }
            @if let Some(problem) = problem {
                div.alert role="alert" { strong { (problem) } }
            }
            @if !errors.is_empty() {
                div.alert role="alert" {
                    strong {
                        @match ui.lang {
                            Lang::Zh => { "有 " (errors.len()) " 项需要修改，见各项旁的说明。" }
                            Lang::En => { (errors.len()) " fields need changing: see the note beside each." }
                        }
                    }
                }
            }
            form.register method="post" action=(action) novalidate {
                (csrf_field(ui))
                @if let FormKind::Edit { version, .. } = kind {
                    input type="hidden" name="version" value=(version);
                    // Party work is the organization department's: a role that may not
                    // record it sends it back as it was.
                    @if !records_party_work {
                        @for field in PARTY_WORK_FIELDS {
                            input type="hidden" name=(field) value=(values.get(field).map(String::as_str).unwrap_or(""));
                        }
                    }
                }
                // How the division was found is the registry's to say on a new record (the
                // clerk gives the code, or leaves it to be found from the address).
                @for (field, _) in FIELDS.iter()
                    .filter(|(f, _)| records_party_work || !PARTY_WORK_FIELDS.contains(f))
                    .filter(|(f, _)| *f != "division_source" || matches!(kind, FormKind::Edit { .. })) {
                    @let text = field_label(field, ui.lang);
                    @let id = format!("f-{field}");
                    @let error = errors.get(field);
                    @let value = values.get(*field).map(String::as_str).unwrap_or("");
                    div.field.invalid[error.is_some()] {
                        label for=(id) {
                            (text)
                            @if REQUIRED.contains(field) { span.required aria-hidden="true" { " *" } }
                        }
                        @match input_of(field, ui.lang) {
                            Input::Choice(options) => {
                                select id=(id) name=(field) aria-invalid=[error.map(|_| "true")]
                                    aria-describedby=[error.map(|_| format!("{id}-error"))] {
                                    @if !REQUIRED.contains(field) { option value="" { (ui.t("（未填）", "(not given)")) } }
                                    @for (v, l) in options {
                                        option value=(v) selected[value == v] { (l) }
                                    }
                                }
                            }
                            Input::Check => {
                                input id=(id) type="checkbox" name=(field) value="true" checked[value == "true"];
                            }
                            input => {
                                input id=(id) name=(field) value=(value)
                                    type=(match input { Input::Number => "number", Input::Date => "date", _ => "text" })
                                    min=[matches!(input, Input::Number).then_some("0")]
                                    required[REQUIRED.contains(field)]
                                    aria-invalid=[error.map(|_| "true")]
                                    aria-describedby=[error.map(|_| format!("{id}-error"))];
                            }
                        }
                        @if *field == "credit_code" {
                            span #credit-code-check.hint aria-live="polite" {}
                        }
                        @if *field == "division_code" {
                            (division_hint(ui, value))
                            div.division-picker #division-picker
                                data-root=(ui.account.as_ref().map_or("", |a| a.jurisdiction.as_str()))
                                aria-label=(ui.t("按名称选择区划", "Choose the division by name")) {}
                        }
                        @if let Some(e) = error {
                            span.error id={ (id) "-error" } { (e) }
                        }
                    }
                }
                div.pick-map #pick-map data-bounds=(map.bounds) data-tiles=(map.tiles)
                    role="application" aria-label=(ui.t("在地图上点选位置（WGS84），或在经度、纬度中填写", "Pick the location on the map (WGS84), or type longitude and latitude")) {}
                p.hint #pick-map-hint { (ui.t("在地图上点击即可设置位置（经纬度按 WGS84 填入），也可直接填写经度、纬度。", "Click the map to set the location (filled in as WGS84 longitude and latitude), or type them.")) }
                @if let Some(warning) = location {
                    div.alert.warn #location-warning role="alert" {
                        p { strong { (warning) } }
                        label {
                            input type="checkbox" name="location_confirmed" value="1" required;
                            " " (ui.t("我已核实，坐标和行政区划代码无误，仍要保存", "I have verified the point and the division code: save them as they are"))
                        }
                    }
                }
                button type="submit" {
                    @match kind { FormKind::Register => (ui.t("登记", "Register")), FormKind::Edit { .. } => (ui.t("保存修改", "Save")) }
                }
            }
        }
    }
}

/// The names of the division code a form holds, or that the register does not have it (a
/// warning, not an error: the register may be behind the ledger). The form's script
/// updates it as the code is typed or picked.
fn division_hint(ui: &Ui, value: &str) -> Markup {
    use crate::domain::division::{DivisionCode, REGISTER_YEAR, is_registered, name_chain};
    let (text, class) = match DivisionCode::parse(value) {
        Ok(code) if is_registered(&code) => (name_chain(code.as_str()), "hint ok"),
        Ok(code) => (
            match ui.lang {
                Lang::Zh => format!(
                    "不在{REGISTER_YEAR}年统计用区划代码中，请核实（可以保存） {}",
                    name_chain(code.as_str())
                ),
                Lang::En => format!(
                    "not in the {REGISTER_YEAR} register: verify it (it can be saved) {}",
                    name_chain(code.as_str())
                ),
            },
            "hint warn",
        ),
        Err(_) => (String::new(), "hint"),
    };
    html! { span #division-name class=(class) aria-live="polite" { (text.trim_end()) } }
}

/// The registration level of the signed-in account's own authority, from the length of
/// its jurisdiction: national, a province, a city, a county or below.
fn level_of_jurisdiction(ui: &Ui) -> Level {
    match ui.account.as_ref().map_or(0, |a| a.jurisdiction.len()) {
        0 => Level::National,
        1..=2 => Level::Provincial,
        3..=4 => Level::Municipal,
        _ => Level::County,
    }
}

async fn new_form(ui: Ui, State(state): State<AppState>) -> Markup {
    org_form_page(
        &ui,
        &FormKind::Register,
        // Registered today unless the clerk says otherwise (the date R6 counts
        // from), at the clerk's own level.
        &HashMap::from([
            ("registered_on".to_owned(), today().to_string()),
            (
                "level".to_owned(),
                level_of_jurisdiction(&ui).as_str().to_owned(),
            ),
        ]),
        &HashMap::new(),
        None,
        None,
        &PickMap::of(&state),
    )
}

/// What the clerk must confirm before a form's record is saved: its point outside the
/// loaded boundary of its division (a warning, not an error: ledgers and codes are often
/// wrong, and the clerk may know better). None once confirmed, or when the record has
/// errors (the registry names them first), no point or no boundary.
fn unconfirmed_location(
    ui: &Ui,
    values: &HashMap<String, String>,
    input: &OrgInput,
) -> Option<String> {
    use crate::domain::verification::{Doubt, doubts};
    if values.contains_key("location_confirmed") {
        return None;
    }
    let org = input.validate(crate::domain::coords::Crs::Wgs84).ok()?;
    doubts(&org)
        .into_iter()
        .find(|d| matches!(d, Doubt::OutsideDivision { .. }))
        .map(|d| d.message(ui.lang))
}

/// Registers from the form: on errors the form comes back with each message beside its
/// field; on success the new organization's page, with the R6 notice when it applies.
async fn register(
    ui: Ui,
    CurrentActor(actor): CurrentActor,
    session: Session,
    State(state): State<AppState>,
    PageForm(values): PageForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let input = input_of_form(&values, &["csrf", "location_confirmed"])?;
    if let Some(warning) = unconfirmed_location(&ui, &values, &input) {
        let page = org_form_page(
            &ui,
            &FormKind::Register,
            &values,
            &HashMap::new(),
            None,
            Some(&warning),
            &PickMap::of(&state),
        );
        return Ok(page.into_response());
    }
    match state.registry.register(&actor, &input).await {
        Ok(registered) => {
            Flash::Registered.keep(&session).await;
            Ok(Redirect::to(&format!("/orgs/{}", registered.org.id)).into_response())
        }
        Err(e) => {
            let refusal = Refusal::of(e, ui.lang)?;
            let page = org_form_page(
                &ui,
                &FormKind::Register,
                &values,
                &refusal.errors,
                refusal.problem.as_deref(),
                None,
                &PickMap::of(&state),
            );
            Ok((refusal.status, page).into_response())
        }
    }
}

/// The form's values as an organization's input, leaving out `form_fields` (the version
/// an edit was read at, the CSRF token the guard checked); any other unknown name is
/// refused.
fn input_of_form(
    values: &HashMap<String, String>,
    form_fields: &[&str],
) -> Result<OrgInput, AppError> {
    let mut input = OrgInput::default();
    for (field, value) in values {
        if form_fields.contains(&field.as_str()) {
            continue;
        }
        if !value.trim().is_empty() && !input.set(field, Some(value.clone())) {
            return Err(AppError::bad_request(
                format!("未知字段“{field}”"),
                format!("unknown field '{field}'"),
            ));
        }
    }
    Ok(input)
}

fn current_values(org: &StoredOrganization) -> HashMap<String, String> {
    FIELDS
        .iter()
        .zip(org.org.field_texts())
        .map(|((field, _), value)| ((*field).to_owned(), value))
        .filter(|(field, _)| field != "crs")
        .collect()
}

async fn edit_form(
    ui: Ui,
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Markup, AppError> {
    let org = state.registry.visible(&account, id).await?;
    let kind = FormKind::Edit {
        id,
        version: org.version,
    };
    Ok(org_form_page(
        &ui,
        &kind,
        &current_values(&org),
        &HashMap::new(),
        None,
        None,
        &PickMap::of(&state),
    ))
}

/// Saves a change made on the form read at `version`. A form read before someone else's
/// change is refused with a message and the current version's link: never a silent
/// overwrite.
async fn edit(
    ui: Ui,
    CurrentActor(actor): CurrentActor,
    session: Session,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm(values): PageForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    // Outside the jurisdiction the organization is not found, whatever the form holds.
    state.registry.visible(&actor.account, id).await?;
    let version = form_version(&values)?;
    let input = input_of_form(&values, &["version", "csrf", "location_confirmed"])?;
    if let Some(warning) = unconfirmed_location(&ui, &values, &input) {
        let page = org_form_page(
            &ui,
            &FormKind::Edit { id, version },
            &values,
            &HashMap::new(),
            None,
            Some(&warning),
            &PickMap::of(&state),
        );
        return Ok(page.into_response());
    }
    match state.registry.change(&actor, id, version, &input).await {
        Ok(_) => {
            Flash::Changed.keep(&session).await;
            Ok(Redirect::to(&format!("/orgs/{id}")).into_response())
        }
        Err(e) => {
            let refusal = Refusal::of(e, ui.lang)?;
            let page = org_form_page(
                &ui,
                &FormKind::Edit { id, version },
                &values,
                &refusal.errors,
                refusal.problem.as_deref(),
                None,
                &PickMap::of(&state),
            );
            Ok((refusal.status, page).into_response())
        }
    }
}

/// The version a form was read at.
fn form_version(values: &HashMap<String, String>) -> Result<i64, AppError> {
    values
        .get("version")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| AppError::bad_request("表单缺少版本号", "the form lacks its version"))
}

async fn deregister_form(
    ui: Ui,
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Markup, AppError> {
    let org = state.registry.visible(&account, id).await?;
    Ok(deregister_page(&ui, &org, None))
}

/// The deregistration page: what it means, the confirmation, and `problem` (a stale form,
/// an organization deregistered meanwhile, a box not ticked) above it.
fn deregister_page(ui: &Ui, org: &StoredOrganization, problem: Option<&str>) -> Markup {
    let id = org.id;
    layout(
        ui,
        ui.t("注销", "Deregister"),
        "orgs",
        &[],
        html! {
            div.page {
                h1 { (ui.t("注销 ", "Deregister ")) (org.org.name) }
                @if let Some(problem) = problem {
                    div.alert role="alert" { strong { (problem) } }
                }
                @if org.org.status == Status::Deregistered {
                    p { (ui.t("该组织已注销。", "This organization is deregistered.")) }
                } @else {
                    p {
                        (ui.t(
                            "注销后该组织不再计入覆盖率，其党组织须报告、调整或撤销（R8）。登记记录和变更历史均保留。",
                            "Once deregistered it counts in no rate, and its party organization must be reported, changed or dissolved (R8). The record and its history are kept.",
                        ))
                    }
                    form method="post" action={ "/orgs/" (id) "/deregister" } {
                        (csrf_field(ui))
                        input type="hidden" name="version" value=(org.version);
                        p {
                            label {
                                (ui.t("注销日期 ", "Deregistered on "))
                                input type="date" name="deregistered_on"
                                    value=(crate::registry::today()) max=(crate::registry::today())
                                    required;
                            }
                            small {
                                (ui.t(
                                    " 民政部门核准注销的日期：往期统计按此日期计算。",
                                    " The day civil affairs approved it: the figures of past dates count from it.",
                                ))
                            }
                        }
                        label {
                            input type="checkbox" name="confirm" value="yes" required;
                            (ui.t(" 确认注销“", " I confirm deregistering “")) (org.org.name) "”"
                        }
                        " "
                        button type="submit" { (ui.t("注销", "Deregister")) }
                    }
                }
                p { a href={ "/orgs/" (id) } { (ui.t("返回", "Back")) } }
            }
        },
    )
}

#[derive(Debug, Deserialize)]
struct DeregisterForm {
    version: i64,
    deregistered_on: Option<String>,
    confirm: Option<String>,
}

async fn deregister(
    ui: Ui,
    CurrentActor(actor): CurrentActor,
    session: Session,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm(form): PageForm<DeregisterForm>,
) -> Result<Response, AppError> {
    let current = state.registry.visible(&actor.account, id).await?;
    if form.confirm.as_deref() != Some("yes") {
        let problem = ui.t(
            "请勾选“确认注销”后再提交。",
            "Tick the confirmation before deregistering.",
        );
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            deregister_page(&ui, &current, Some(problem)),
        )
            .into_response());
    }
    let on = crate::registry::query::day_of(form.deregistered_on.as_deref(), "deregistered_on");
    let done = match on {
        Ok(on) => {
            state
                .registry
                .deregister(&actor, id, form.version, on)
                .await
        }
        Err(e) => Err(crate::domain::error::ValidationErrors(vec![e]).into()),
    };
    match done {
        Ok(_) => {
            Flash::Deregistered.keep(&session).await;
            Ok(Redirect::to(&format!("/orgs/{id}")).into_response())
        }
        Err(e) => {
            let refusal = Refusal::of(e, ui.lang)?;
            // The page as it is now, with why nothing was done.
            let now = state.registry.visible(&actor.account, id).await?;
            Ok((
                refusal.status,
                deregister_page(&ui, &now, refusal.problem.as_deref()),
            )
                .into_response())
        }
    }
}
