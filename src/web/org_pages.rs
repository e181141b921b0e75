//! The registry's pages: the searchable list of organizations, one organization with its
//! decision and history, and the registration form for civil-affairs staff.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::AppState;
use super::decisions::today;
use super::error::AppError;
use super::extract::{ApiPath, given};
use super::views::{filter_select, layout, map_bounds, url_encode};
use crate::domain::coords::Crs;
use crate::domain::division::parse_prefix;
use crate::domain::organization::{
    FIELDS, Kind, Level, OrgInput, PartyOrg, REQUIRED_FIELDS as REQUIRED, Status,
};
use crate::domain::stored::StoredOrganization;
use crate::store::{OrgFilter, Page, StoreError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(list))
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
    division: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

/// A list link keeping the current filters, for another page.
fn list_link(query: &ListQuery, page: i64) -> String {
    let mut parts = Vec::new();
    for (key, value) in [
        ("q", &query.q),
        ("division", &query.division),
        ("kind", &query.kind),
        ("status", &query.status),
    ] {
        if let Some(v) = given(value) {
            parts.push(format!("{key}={}", url_encode(v)));
        }
    }
    parts.push(format!("page={page}"));
    format!("/orgs?{}", parts.join("&"))
}

async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Markup, AppError> {
    let mut problems = Vec::new();
    let mut filter = OrgFilter {
        name_contains: given(&query.q).map(str::to_owned),
        ..OrgFilter::default()
    };
    match given(&query.division).map(|d| parse_prefix(d, "division")) {
        Some(Ok(d)) => filter.division_prefix = Some(d),
        Some(Err(e)) => problems.push(e.zh),
        None => {}
    }
    match given(&query.kind).map(Kind::parse) {
        Some(Ok(k)) => filter.kind = Some(k),
        Some(Err(e)) => problems.push(e.zh),
        None => {}
    }
    match given(&query.status).map(Status::parse) {
        Some(Ok(s)) => filter.status = Some(s),
        Some(Err(e)) => problems.push(e.zh),
        None => {}
    }
    let page_number = given(&query.page)
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let page = Page {
        limit: PAGE_SIZE,
        offset: (page_number - 1) * PAGE_SIZE,
    };
    let (items, total) = state.store.list(&filter, page).await?;
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    Ok(layout(
        "社会组织",
        "orgs",
        &[],
        html! {
            div.page {
                h1 { "社会组织" }
                form.search method="get" action="/orgs" {
                    label { "名称含 " input type="search" name="q" value=[given(&query.q)]; }
                    label { "区划代码 " input type="text" name="division" inputmode="numeric" size="10" value=[given(&query.division)]; }
                    (filter_select("类型", "kind", Kind::ALL.iter().map(|k| (k.as_str(), k.label_zh())), given(&query.kind)))
                    (filter_select("状态", "status", Status::ALL.iter().map(|s| (s.as_str(), s.label_zh())), given(&query.status)))
                    button type="submit" { "查询" }
                    " "
                    a href="/orgs/new" { "登记新的社会组织" }
                }
                @for p in &problems {
                    p.error role="alert" { (p) }
                }
                p.summary { "共 " (total) " 个，第 " (page_number) " / " (pages.max(1)) " 页" }
                table.list {
                    thead {
                        tr {
                            th { "名称" } th { "统一社会信用代码" } th { "行政区划" } th { "类型" }
                            th { "状态" } th { "正式党员" } th { "党组织" }
                        }
                    }
                    tbody {
                        @for o in &items {
                            tr {
                                td { a href={ "/orgs/" (o.id) } { (o.org.name) } }
                                td { code { (o.org.credit_code.as_ref().map_or("—", |c| c.as_str())) } }
                                td { (o.org.division_code.as_str()) }
                                td { (o.org.kind.label_zh()) }
                                td { (o.org.status.label_zh()) }
                                td.number { (o.org.formal_members) }
                                td { (o.org.party_org.label_zh()) }
                            }
                        }
                    }
                }
                nav.pager aria-label="分页" {
                    @if page_number > 1 {
                        a href=(list_link(&query, page_number - 1)) rel="prev" { "上一页" }
                    }
                    " "
                    @if page_number < pages {
                        a href=(list_link(&query, page_number + 1)) rel="next" { "下一页" }
                    }
                }
            }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct DetailQuery {
    registered: Option<String>,
}

fn label(field: &str) -> &'static str {
    crate::domain::organization::field_label_zh(field)
}

/// The fields of an organization as (label, value) rows, in the order of formats.md.
fn field_rows(o: &StoredOrganization) -> Vec<(&'static str, String)> {
    let org = &o.org;
    let date = |d: Option<chrono::NaiveDate>| d.map_or("—".to_owned(), |d| d.to_string());
    let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".to_owned());
    let count = |n: Option<u32>| n.map_or("—".to_owned(), |n| n.to_string());
    vec![
        (
            label("credit_code"),
            org.credit_code
                .as_ref()
                .map_or("—".into(), |c| c.as_str().to_owned()),
        ),
        (label("kind"), org.kind.label_zh().to_owned()),
        (label("level"), org.level.label_zh().to_owned()),
        (
            label("division_code"),
            org.division_code.as_str().to_owned(),
        ),
        (label("address"), opt(&org.address)),
        (
            "经纬度 (WGS84)",
            format!("{:.6}, {:.6}", org.location.lon, org.location.lat),
        ),
        (label("industry"), opt(&org.industry)),
        (label("supervisor"), opt(&org.supervisor)),
        (
            label("is_industry_association"),
            if org.is_industry_association {
                "是"
            } else {
                "否"
            }
            .to_owned(),
        ),
        (
            label("association"),
            org.association
                .as_ref()
                .map_or("—".into(), |c| c.as_str().to_owned()),
        ),
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
        (label("status"), org.status.label_zh().to_owned()),
        (label("party_org"), org.party_org.label_zh().to_owned()),
        (
            label("party_org_established_on"),
            date(org.party_org_established_on),
        ),
        (label("last_election_on"), date(org.last_election_on)),
        (label("last_report_on"), date(org.last_report_on)),
        (label("instructor"), opt(&org.instructor)),
        ("H3 网格（9级）", format!("{:x}", u64::from(o.cell))),
        ("版本", o.version.to_string()),
    ]
}

async fn detail(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    Query(query): Query<DetailQuery>,
) -> Result<Markup, AppError> {
    let org = state.store.get(id).await?.ok_or(AppError::NotFound)?;
    let history = state.store.history(id).await?;
    let registered_now = query.registered.is_some();
    let decision = state
        .snapshot()
        .decision(id, today(), registered_now)
        .ok_or(AppError::NotFound)?;
    let r6 = decision.reasons.iter().find(|r| r.rule == "R6");
    Ok(layout(
        &org.org.name,
        "orgs",
        &["/assets/vendor/leaflet/leaflet.js", "/assets/org.js"],
        html! {
            div.page {
                @if registered_now {
                    p.notice role="status" { "已登记。" }
                }
                @if let Some(r6) = r6 {
                    div.alert role="alert" {
                        strong { "须与登记同步建立党组织（R6）" }
                        p { (r6.text()) }
                        p.clause { (r6.clause) }
                    }
                }
                h1 { (org.org.name) }
                p.actions {
                    a href={ "/orgs/" (id) "/edit" } { "修改" }
                    @if org.org.status != Status::Deregistered {
                        " · " a href={ "/orgs/" (id) "/deregister" } { "注销" }
                    }
                }
                div.detail {
                    section {
                        h2 { "登记信息" }
                        table.fields {
                            @for (name, value) in field_rows(&org) {
                                tr { th { (name) } td { (value) } }
                            }
                        }
                    }
                    section {
                        div #org-map.mini-map data-lon=(org.org.location.lon) data-lat=(org.org.location.lat)
                            data-tiles=(state.options.tiles_url.as_deref().unwrap_or(""))
                            role="img" aria-label="位置" {}
                        h2 { "应建党组织" }
                        @match decision.recommendation {
                            Some(r) => p.recommendation { strong { (r.label_zh()) } " (" code { (r.as_str()) } ")" },
                            None => p { "已不在运行（注销或合并），不再判定。" },
                        }
                        @if let Some(c) = decision.coverage {
                            p { "覆盖状态：" (c.label_zh()) }
                        }
                        @if !decision.flags.is_empty() {
                            ul.flags {
                                @for f in &decision.flags { li { (f.label_zh()) } }
                            }
                        }
                        @if let Some(g) = &decision.group {
                            p { "拟建联合党支部 " code { (g.id) } "：" (g.members.join("、")) }
                        }
                        h3 { "依据" }
                        ol.reasons {
                            @for r in &decision.reasons {
                                li {
                                    strong { (r.rule) } " " (r.text())
                                    br;
                                    span.clause { (r.clause) }
                                }
                            }
                        }
                    }
                }
                h2 { "变更记录" }
                table.list {
                    thead { tr { th { "时间 (UTC)" } th { "操作人" } th { "操作" } } }
                    tbody {
                        @for e in &history {
                            tr {
                                td { (e.at.format("%Y-%m-%d %H:%M:%S")) }
                                td { (e.actor) }
                                td { (e.action) }
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

fn input_of(field: &str) -> Input {
    let choices = |all: Vec<(&'static str, &'static str)>| Input::Choice(all);
    match field {
        "kind" => choices(
            Kind::ALL
                .iter()
                .map(|k| (k.as_str(), k.label_zh()))
                .collect(),
        ),
        "level" => choices(
            Level::ALL
                .iter()
                .map(|l| (l.as_str(), l.label_zh()))
                .collect(),
        ),
        "status" => choices(
            Status::ALL
                .iter()
                .map(|s| (s.as_str(), s.label_zh()))
                .collect(),
        ),
        "party_org" => choices(
            PartyOrg::ALL
                .iter()
                .map(|p| (p.as_str(), p.label_zh()))
                .collect(),
        ),
        "crs" => choices(vec![
            ("wgs84", "WGS84（GPS、天地图）"),
            ("gcj02", "GCJ-02（高德、腾讯）"),
            ("bd09", "BD-09（百度）"),
        ]),
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

fn registration_form(
    values: &HashMap<String, String>,
    errors: &HashMap<&str, String>,
    map: &PickMap,
) -> Markup {
    org_form(&FormKind::Register, values, errors, None, map)
}

/// The organization form, with each error beside its field and `problem` (a conflict, say)
/// above it.
fn org_form(
    kind: &FormKind,
    values: &HashMap<String, String>,
    errors: &HashMap<&str, String>,
    problem: Option<&str>,
    map: &PickMap,
) -> Markup {
    let (heading, action) = match kind {
        FormKind::Register => ("登记社会组织".to_owned(), "/orgs/new".to_owned()),
        FormKind::Edit { id, .. } => ("修改登记信息".to_owned(), format!("/orgs/{id}/edit")),
    };
    html! {
        div.page {
            h1 { (heading) }
            @if let Some(problem) = problem {
                div.alert role="alert" { strong { (problem) } }
            }
            @if !errors.is_empty() {
                div.alert role="alert" {
                    strong { "有 " (errors.len()) " 项需要修改，见各项旁的说明。" }
                }
            }
            form.register method="post" action=(action) novalidate {
                @if let FormKind::Edit { version, .. } = kind {
                    input type="hidden" name="version" value=(version);
                }
                @for (field, zh) in FIELDS {
                    @let id = format!("f-{field}");
                    @let error = errors.get(field);
                    @let value = values.get(*field).map(String::as_str).unwrap_or("");
                    div.field.invalid[error.is_some()] {
                        label for=(id) {
                            (zh)
                            @if REQUIRED.contains(field) { span.required aria-hidden="true" { " *" } }
                        }
                        @match input_of(field) {
                            Input::Choice(options) => {
                                select id=(id) name=(field) aria-invalid=[error.map(|_| "true")]
                                    aria-describedby=[error.map(|_| format!("{id}-error"))] {
                                    @if !REQUIRED.contains(field) { option value="" { "（未填）" } }
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
                        @if let Some(e) = error {
                            span.error id={ (id) "-error" } { (e) }
                        }
                    }
                }
                div.pick-map #pick-map data-bounds=(map.bounds) data-tiles=(map.tiles)
                    role="application" aria-label="在地图上点选位置（WGS84），或在经度、纬度中填写" {}
                button type="submit" {
                    @match kind { FormKind::Register => "登记", FormKind::Edit { .. } => "保存修改" }
                }
            }
        }
    }
}

async fn new_form(State(state): State<AppState>) -> Markup {
    layout(
        "登记社会组织",
        "new",
        &FORM_SCRIPTS,
        registration_form(&HashMap::new(), &HashMap::new(), &PickMap::of(&state)),
    )
}

/// Registers from the form: on errors the form comes back with each message beside its
/// field; on success the new organization's page, with the R6 notice when it applies.
async fn register(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut input = OrgInput::default();
    for (field, value) in &values {
        if !value.trim().is_empty() && !input.set(field, Some(value.clone())) {
            return Err(AppError::BadRequest(format!(
                "未知字段 (unknown field) {field}"
            )));
        }
    }
    let map = PickMap::of(&state);
    let render = |errors: HashMap<&'static str, String>| {
        (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            layout(
                "登记社会组织",
                "new",
                &FORM_SCRIPTS,
                registration_form(&values, &errors, &map),
            ),
        )
            .into_response()
    };
    let org = match input.validate(Crs::Wgs84) {
        Ok(org) => org,
        Err(errors) => {
            return Ok(render(
                errors.0.into_iter().map(|e| (e.field, e.zh)).collect(),
            ));
        }
    };
    let stored = match state
        .store
        .create(&org, &format!("web@{}", addr.ip()))
        .await
    {
        Ok(stored) => stored,
        Err(StoreError::Duplicate(key)) => {
            let mut errors = HashMap::new();
            errors.insert(
                "credit_code",
                format!("“{key}”已登记，请在该组织的页面修改"),
            );
            return Ok(render(errors));
        }
        Err(e) => return Err(e.into()),
    };
    let id = stored.id;
    state.committed(stored);
    Ok(Redirect::to(&format!("/orgs/{id}?registered=1")).into_response())
}

/// The form's values as an organization's input; `version` is taken out for edits.
fn input_of_form(values: &HashMap<String, String>) -> Result<OrgInput, AppError> {
    let mut input = OrgInput::default();
    for (field, value) in values {
        if field == "version" {
            continue;
        }
        if !value.trim().is_empty() && !input.set(field, Some(value.clone())) {
            return Err(AppError::BadRequest(format!(
                "未知字段 (unknown field) {field}"
            )));
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
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Markup, AppError> {
    let org = state.store.get(id).await?.ok_or(AppError::NotFound)?;
    let kind = FormKind::Edit {
        id,
        version: org.version,
    };
    Ok(layout(
        "修改登记信息",
        "orgs",
        &FORM_SCRIPTS,
        org_form(
            &kind,
            &current_values(&org),
            &HashMap::new(),
            None,
            &PickMap::of(&state),
        ),
    ))
}

/// Saves a change made on the form read at `version`. A form read before someone else's
/// change is refused with a message and the current version's link: never a silent
/// overwrite.
async fn edit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiPath(id): ApiPath<i64>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let version: i64 = values
        .get("version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            AppError::BadRequest("表单缺少版本号 (the form lacks its version)".into())
        })?;
    let kind = FormKind::Edit { id, version };
    let map = PickMap::of(&state);
    let render = |errors: HashMap<&'static str, String>, problem: Option<&str>, status| {
        (
            status,
            layout(
                "修改登记信息",
                "orgs",
                &FORM_SCRIPTS,
                org_form(&kind, &values, &errors, problem, &map),
            ),
        )
            .into_response()
    };
    let org = match input_of_form(&values)?.validate(Crs::Wgs84) {
        Ok(org) => org,
        Err(errors) => {
            let errors = errors.0.into_iter().map(|e| (e.field, e.zh)).collect();
            return Ok(render(
                errors,
                None,
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    match state
        .store
        .update(id, version, &org, &format!("web@{}", addr.ip()), "update")
        .await
    {
        Ok(stored) => {
            state.committed(stored);
            Ok(Redirect::to(&format!("/orgs/{id}")).into_response())
        }
        Err(StoreError::StaleVersion { current, .. }) => Ok(render(
            HashMap::new(),
            Some(&format!(
                "此记录已被他人修改（您打开的是第{version}版，现为第{current}版），未保存。\
                 请重新打开本页查看最新内容后再修改。"
            )),
            axum::http::StatusCode::CONFLICT,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn deregister_form(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Markup, AppError> {
    let org = state.store.get(id).await?.ok_or(AppError::NotFound)?;
    Ok(layout(
        "注销",
        "orgs",
        &[],
        html! {
            div.page {
                h1 { "注销 " (org.org.name) }
                @if org.org.status == Status::Deregistered {
                    p { "该组织已注销。" }
                } @else {
                    p { "注销后该组织不再计入覆盖率，其党组织须报告、调整或撤销（R8）。登记记录和变更历史均保留。" }
                    form method="post" action={ "/orgs/" (id) "/deregister" } {
                        input type="hidden" name="version" value=(org.version);
                        label {
                            input type="checkbox" name="confirm" value="yes" required;
                            " 确认注销“" (org.org.name) "”"
                        }
                        " "
                        button type="submit" { "注销" }
                    }
                }
                p { a href={ "/orgs/" (id) } { "返回" } }
            }
        },
    ))
}

#[derive(Debug, Deserialize)]
struct DeregisterForm {
    version: i64,
    confirm: Option<String>,
}

async fn deregister(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiPath(id): ApiPath<i64>,
    Form(form): Form<DeregisterForm>,
) -> Result<Response, AppError> {
    if form.confirm.as_deref() != Some("yes") {
        return Ok(Redirect::to(&format!("/orgs/{id}/deregister")).into_response());
    }
    let current = state.store.get(id).await?.ok_or(AppError::NotFound)?;
    let mut org = current.org;
    org.status = Status::Deregistered;
    match state
        .store
        .update(
            id,
            form.version,
            &org,
            &format!("web@{}", addr.ip()),
            "deregister",
        )
        .await
    {
        Ok(stored) => {
            state.committed(stored);
            Ok(Redirect::to(&format!("/orgs/{id}")).into_response())
        }
        Err(StoreError::StaleVersion { .. }) => {
            Ok(Redirect::to(&format!("/orgs/{id}/deregister")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
