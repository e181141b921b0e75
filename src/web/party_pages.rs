//! Recording party work from an organization's page: a party organization founded (for a
//! joint branch with its member organizations, a proposed group taken in one click) or
//! dissolved, an election held, a secretary's report, an instructor assigned or removed.
//! Each form carries the versions it was read at; every change is one transaction.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::AppState;
use super::decisions::today;
use super::error::AppError;
use super::extract::ApiPath;
use super::org_pages::stale_message;
use super::ui::Ui;
use super::views::{csrf_field, errors_by_field as by_field, layout};
use crate::domain::decision::{Recommendation, has_own_party_org, operates};
use crate::domain::error::{FieldError, ValidationErrors};
use crate::domain::organization::{Organization, PartyOrg, field_label};
use crate::domain::party_work::{Record, apply};
use crate::domain::stored::StoredOrganization;
use crate::store::StoreError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{id}/party-org", get(party_org_form).post(party_org))
        .route("/orgs/{id}/election", get(election_form).post(election))
        .route("/orgs/{id}/report", get(report_form).post(report))
        .route(
            "/orgs/{id}/instructor",
            get(instructor_form).post(instructor),
        )
}

/// The forms a party organization can be founded in.
const FOUNDED_FORMS: [PartyOrg; 5] = [
    PartyOrg::Committee,
    PartyOrg::GeneralBranch,
    PartyOrg::Branch,
    PartyOrg::JointRegional,
    PartyOrg::JointIndustry,
];

fn is_joint(form: PartyOrg) -> bool {
    matches!(form, PartyOrg::JointRegional | PartyOrg::JointIndustry)
}

/// The form the decision recommends, preselected on the founding form.
fn recommended_form(r: Option<Recommendation>) -> PartyOrg {
    match r {
        Some(Recommendation::OwnCommittee) => PartyOrg::Committee,
        Some(Recommendation::OwnGeneralBranch) => PartyOrg::GeneralBranch,
        Some(Recommendation::IndustryJoint) => PartyOrg::JointIndustry,
        Some(Recommendation::RegionalJoint | Recommendation::Instructor) => PartyOrg::JointRegional,
        _ => PartyOrg::Branch,
    }
}

/// Who the audit log names: the signed-in account, and the address it came from.
fn actor(ui: &Ui, addr: &SocketAddr) -> String {
    match &ui.account {
        Some(account) => super::access::actor(account, *addr),
        None => format!("web@{}", addr.ip()),
    }
}

/// Whether the signed-in account may see an organization of this division.
fn sees(ui: &Ui, division_code: &str) -> bool {
    ui.account.as_ref().is_some_and(|a| a.sees(division_code))
}

/// The form's values: one per name, except `member`, which repeats.
struct Submitted {
    values: HashMap<String, String>,
    members: Vec<i64>,
}

impl Submitted {
    fn from(pairs: Vec<(String, String)>) -> Self {
        let mut values = HashMap::new();
        let mut members = Vec::new();
        for (name, value) in pairs {
            if name == "member" {
                members.extend(value.trim().parse::<i64>().ok());
            } else {
                values.insert(name, value);
            }
        }
        Self { values, members }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn version(&self, name: &str) -> Result<i64, AppError> {
        self.get(name).and_then(|v| v.parse().ok()).ok_or_else(|| {
            AppError::BadRequest("表单缺少版本号 (the form lacks its version)".into())
        })
    }

    fn date(&self, field: &'static str) -> Result<NaiveDate, FieldError> {
        let text = self.get(field).unwrap_or("");
        text.parse().map_err(|_| {
            FieldError::new(
                field,
                format!("请填写日期（年-月-日），现为“{text}”"),
                format!("give a date (YYYY-MM-DD), not '{text}'"),
            )
        })
    }
}

/// The organization, if the signed-in account may see it (else not found).
async fn load(state: &AppState, ui: &Ui, id: i64) -> Result<StoredOrganization, AppError> {
    state
        .store
        .get(id)
        .await?
        .filter(|o| sees(ui, o.org.division_code.as_str()))
        .ok_or(AppError::NotFound)
}

/// A record form's page: the organization's name as the heading, a problem above, a way back.
fn page(
    ui: &Ui,
    org: &StoredOrganization,
    title: &str,
    problem: Option<&str>,
    form: Markup,
) -> Markup {
    layout(
        ui,
        title,
        "orgs",
        &[],
        html! {
            div.page {
                p { a href={ "/orgs/" (org.id) } { "← " (org.org.name) } }
                h1 { (title) }
                @if let Some(problem) = problem {
                    div.alert role="alert" { strong { (problem) } }
                }
                (form)
                p.clause {
                    (ui.t("保存后该组织的判定、覆盖率和任务清单随即更新；变更记入历史。",
                          "Once saved, the decision, the rates and the task lists follow at once; the change is kept in the history."))
                }
            }
        },
    )
}

/// A labelled date input with its error beside it.
fn date_field(ui: &Ui, field: &'static str, value: &str, error: Option<&String>) -> Markup {
    let id = format!("f-{field}");
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (field_label(field, ui.lang)) }
            input id=(id) type="date" name=(field) value=(value) required
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| format!("{id}-error"))];
            @if let Some(e) = error { span.error id={ (id) "-error" } { (e) } }
        }
    }
}

/// Saves `changes` in one transaction and goes back to the organization's page; a stale
/// version comes back as the form with the conflict stated.
async fn save(
    state: &AppState,
    id: i64,
    changes: Vec<(i64, i64, Organization)>,
    actor: &str,
    action: &str,
) -> Result<Result<Response, (i64, i64)>, AppError> {
    match state.store.update_all(&changes, actor, action).await {
        Ok(stored) => {
            for org in stored {
                state.committed(org);
            }
            Ok(Ok(
                Redirect::to(&format!("/orgs/{id}?recorded=1")).into_response()
            ))
        }
        Err(StoreError::StaleVersion { expected, current }) => Ok(Err((expected, current))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct PartyOrgQuery {
    /// A proposed regional joint branch to take as the members.
    group: Option<String>,
}

/// The founding form's state: the form chosen, the date, the members, other codes typed.
struct Founding<'a> {
    form: PartyOrg,
    on: &'a str,
    /// (id, name, version, checked)
    members: Vec<(i64, String, i64, bool)>,
    other_members: &'a str,
    group: Option<&'a str>,
}

fn founding_form(
    ui: &Ui,
    org: &StoredOrganization,
    f: &Founding,
    errors: &HashMap<&str, String>,
) -> Markup {
    let id = org.id;
    let form_error = errors.get("party_org");
    let members_error = errors.get("members");
    html! {
        @if has_own_party_org(&org.org) || org.org.party_org != PartyOrg::None {
            p {
                (ui.t("现记录的党组织：", "Recorded now: "))
                strong { (org.org.party_org.label(ui.lang)) }
                @if let Some(d) = org.org.party_org_established_on { " (" (d) ")" }
            }
        }
        @if operates(&org.org) {
            h2 { (ui.t("记录党组织成立", "Record a party organization founded")) }
            form.record method="post" action={ "/orgs/" (id) "/party-org" } {
                (csrf_field(ui))
                input type="hidden" name="version" value=(org.version);
                @if let Some(g) = f.group { input type="hidden" name="group" value=(g); }
                div.field.invalid[form_error.is_some()] {
                    label for="f-party_org" { (field_label("party_org", ui.lang)) }
                    select #f-party_org name="party_org" aria-describedby=[form_error.map(|_| "f-party_org-error")] {
                        @for p in FOUNDED_FORMS {
                            option value=(p.as_str()) selected[p == f.form] { (p.label(ui.lang)) }
                        }
                    }
                    @if let Some(e) = form_error { span.error #f-party_org-error { (e) } }
                }
                (date_field(ui, "party_org_established_on", f.on, errors.get("party_org_established_on")))
                fieldset.members.invalid[members_error.is_some()] {
                    legend { (ui.t("联合党组织的其他成员单位（单独组建时不填）", "Other member organizations of a joint organization (leave empty for an own one)")) }
                    @if !f.members.is_empty() {
                        ul {
                            @for (member, name, version, checked) in &f.members {
                                li {
                                    label {
                                        input type="checkbox" name="member" value=(member) checked[*checked];
                                        " " (name)
                                    }
                                    input type="hidden" name={ "version_" (member) } value=(version);
                                }
                            }
                        }
                    }
                    label for="f-other_members" { (ui.t("其他成员的统一社会信用代码（每行一个）", "Credit codes of further members (one per line)")) }
                    textarea #f-other_members name="other_members" rows="3" cols="24" { (f.other_members) }
                    @if let Some(e) = members_error { span.error { (e) } }
                }
                button type="submit" { (ui.t("记录成立", "Record")) }
            }
        }
        @if org.org.party_org != PartyOrg::None {
            h2 { (ui.t("记录党组织撤销", "Record the party organization dissolved")) }
            p {
                (ui.t("组织变更、合并或注销后，其党组织须报告、调整或撤销（R8）。撤销只改本组织的记录，历史保留。",
                      "After a change, merger or deregistration the party organization is reported, changed or dissolved (R8). Dissolving changes this organization's record only; the history is kept."))
            }
            form.record method="post" action={ "/orgs/" (id) "/party-org" } {
                (csrf_field(ui))
                input type="hidden" name="version" value=(org.version);
                input type="hidden" name="dissolve" value="yes";
                label { input type="checkbox" name="confirm" value="yes" required; (ui.t(" 确认撤销", " I confirm it is dissolved")) }
                " "
                button type="submit" { (ui.t("记录撤销", "Record dissolved")) }
            }
        }
    }
}

async fn party_org_form(
    ui: Ui,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    Query(query): Query<PartyOrgQuery>,
) -> Result<Markup, AppError> {
    let org = load(&state, &ui, id).await?;
    let (form, members) = {
        let snapshot = state.snapshot();
        let decision = snapshot.decision(id, today(), false);
        let mut form = recommended_form(decision.and_then(|d| d.recommendation));
        let mut members = Vec::new();
        // One click from a proposal: its members, all ticked.
        if let Some(group) = query.group.as_deref()
            && let Some(g) = snapshot.group_of(id).filter(|g| g.id == group)
        {
            form = PartyOrg::JointRegional;
            for m in g.members.iter().filter(|m| **m != id) {
                if let Some(o) = snapshot.get(*m) {
                    members.push((*m, o.org.name.clone(), o.version, true));
                }
            }
        }
        (form, members)
    };
    let today = today().to_string();
    let founding = Founding {
        form,
        on: &today,
        members,
        other_members: "",
        group: query.group.as_deref(),
    };
    let title = ui.t(
        "党组织成立或撤销",
        "Party organization founded or dissolved",
    );
    Ok(page(
        &ui,
        &org,
        title,
        None,
        founding_form(&ui, &org, &founding, &HashMap::new()),
    ))
}

async fn party_org(
    ui: Ui,
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiPath(id): ApiPath<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let submitted = Submitted::from(pairs);
    let version = submitted.version("version")?;
    let org = load(&state, &ui, id).await?;
    let title = ui.t(
        "党组织成立或撤销",
        "Party organization founded or dissolved",
    );
    let today_date = today();

    if submitted.get("dissolve").is_some() {
        if submitted.get("confirm") != Some("yes") {
            return Ok(Redirect::to(&format!("/orgs/{id}/party-org")).into_response());
        }
        let render = |problem: &str| {
            let today = today_date.to_string();
            let founding = Founding {
                form: PartyOrg::Branch,
                on: &today,
                members: vec![],
                other_members: "",
                group: None,
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                page(
                    &ui,
                    &org,
                    title,
                    Some(problem),
                    founding_form(&ui, &org, &founding, &HashMap::new()),
                ),
            )
                .into_response()
        };
        return match apply(&org.org, &Record::Dissolved, today_date) {
            Err(e) => Ok(render(&e.first().message_in(ui.lang))),
            Ok(changed) => match save(
                &state,
                id,
                vec![(id, version, changed)],
                &actor(&ui, &addr),
                Record::Dissolved.action(),
            )
            .await?
            {
                Ok(done) => Ok(done),
                Err((read, current)) => Ok(render(&stale_message(ui.lang, read, current))),
            },
        };
    }

    let form = submitted
        .get("party_org")
        .map(PartyOrg::parse)
        .transpose()
        .map_err(|e| AppError::Validation(ValidationErrors(vec![e])))?
        .unwrap_or(PartyOrg::None);
    let on_text = submitted
        .get("party_org_established_on")
        .unwrap_or("")
        .to_owned();
    let other_text = submitted.get("other_members").unwrap_or("").to_owned();
    let mut errors: Vec<FieldError> = Vec::new();

    // The members: the organizations ticked (at the versions read) and the codes typed.
    let mut members: Vec<(i64, String, i64, bool)> = Vec::new();
    let mut chosen: Vec<(i64, i64)> = Vec::new();
    {
        let snapshot = state.snapshot();
        for key in submitted
            .values
            .keys()
            .filter_map(|k| k.strip_prefix("version_"))
        {
            let Ok(member) = key.parse::<i64>() else {
                continue;
            };
            let Some(o) = snapshot
                .get(member)
                .filter(|o| sees(&ui, o.org.division_code.as_str()))
            else {
                continue;
            };
            let read = submitted.version(&format!("version_{member}"))?;
            let ticked = submitted.members.contains(&member);
            members.push((member, o.org.name.clone(), read, ticked));
            if ticked {
                chosen.push((member, read));
            }
        }
        members.sort_by_key(|m| m.0);
        for code in other_text.split_whitespace() {
            let visible = snapshot.find_credit_code(code).filter(|m| {
                snapshot
                    .get(*m)
                    .is_some_and(|o| sees(&ui, o.org.division_code.as_str()))
            });
            match visible {
                Some(member) if member == id => {}
                Some(member) => {
                    if !chosen.iter().any(|(m, _)| *m == member) {
                        chosen.push((member, snapshot.get(member).map_or(0, |o| o.version)));
                    }
                }
                None => errors.push(FieldError::new(
                    "members",
                    format!("未找到统一社会信用代码为“{code}”的社会组织"),
                    format!("no organization is registered under the credit code '{code}'"),
                )),
            }
        }
    }
    if is_joint(form) && chosen.is_empty() {
        errors.push(FieldError::new(
            "members",
            "联合党组织至少要有另一个成员单位：请勾选或填写其统一社会信用代码",
            "a joint organization has at least one other member: tick one or type its credit code",
        ));
    }
    if !is_joint(form) && !chosen.is_empty() {
        errors.push(FieldError::new(
            "members",
            "单独组建的党组织没有其他成员单位：请选择联合党组织的形式，或去掉勾选",
            "an own party organization has no other member organizations: choose a joint form, or untick them",
        ));
    }
    let record = match submitted.date("party_org_established_on") {
        Ok(on) => Some(Record::Founded { form, on }),
        Err(e) => {
            errors.push(e);
            None
        }
    };

    let mut changes = Vec::new();
    if let Some(record) = &record {
        match apply(&org.org, record, today_date) {
            Ok(changed) => changes.push((id, version, changed)),
            Err(e) => errors.extend(e.0),
        }
        for (member, read) in &chosen {
            let Some(current) = state
                .store
                .get(*member)
                .await?
                .filter(|o| sees(&ui, o.org.division_code.as_str()))
            else {
                continue;
            };
            match apply(&current.org, record, today_date) {
                Ok(changed) => changes.push((*member, *read, changed)),
                Err(e) => errors.extend(e.0.into_iter().map(|mut f| {
                    f.zh = format!("{}：{}", current.org.name, f.zh);
                    f.en = format!("{}: {}", current.org.name, f.en);
                    f.field = "members";
                    f
                })),
            }
        }
    }

    let render = |errors: &HashMap<&str, String>, problem: Option<&str>, status: StatusCode| {
        let founding = Founding {
            form,
            on: &on_text,
            members: members.clone(),
            other_members: &other_text,
            group: submitted.get("group"),
        };
        (
            status,
            page(
                &ui,
                &org,
                title,
                problem,
                founding_form(&ui, &org, &founding, errors),
            ),
        )
            .into_response()
    };
    if !errors.is_empty() {
        let errors = by_field(&ValidationErrors(errors), ui.lang);
        return Ok(render(&errors, None, StatusCode::UNPROCESSABLE_ENTITY));
    }
    match save(&state, id, changes, &actor(&ui, &addr), "record_party_org").await? {
        Ok(done) => Ok(done),
        Err((read, current)) => Ok(render(
            &HashMap::new(),
            Some(&stale_message(ui.lang, read, current)),
            StatusCode::CONFLICT,
        )),
    }
}

/// Which dated record a simple form makes.
#[derive(Clone, Copy)]
enum Dated {
    Election,
    Report,
}

impl Dated {
    fn field(self) -> &'static str {
        match self {
            Dated::Election => "last_election_on",
            Dated::Report => "last_report_on",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Dated::Election => "election",
            Dated::Report => "report",
        }
    }

    fn title(self, ui: &Ui) -> &'static str {
        match self {
            Dated::Election => ui.lang.pick("记录换届", "Record an election"),
            Dated::Report => ui.lang.pick("记录书记述职", "Record a secretary's report"),
        }
    }

    fn explanation(self, ui: &Ui) -> &'static str {
        match self {
            Dated::Election => ui.lang.pick(
                "党委每届5年，党总支、党支部每届3年；任期从上次换届（未记录时从成立）算起，届满未换届即为应换届未换届（R7）。",
                "A committee's term is 5 years, a general branch's or branch's 3; it counts from the last election (or the founding), and an ended term is an overdue re-election (R7).",
            ),
            Dated::Report => ui.lang.pick(
                "党组织书记每年述职；上次述职（未记录时从成立）超过一年即为逾期（R10）。",
                "The secretary reports yearly; more than a year since the last report (or the founding) is overdue (R10).",
            ),
        }
    }

    fn record(self, on: NaiveDate) -> Record {
        match self {
            Dated::Election => Record::Election { on },
            Dated::Report => Record::Report { on },
        }
    }
}

fn dated_form(
    ui: &Ui,
    org: &StoredOrganization,
    what: Dated,
    value: &str,
    errors: &HashMap<&str, String>,
) -> Markup {
    html! {
        p { (what.explanation(ui)) }
        p {
            (field_label(what.field(), ui.lang)) (ui.t("（现记录）：", " (recorded now): "))
            @match what { Dated::Election => (org.org.last_election_on.map_or("—".into(), |d| d.to_string())), Dated::Report => (org.org.last_report_on.map_or("—".into(), |d| d.to_string())) }
        }
        form.record method="post" action={ "/orgs/" (org.id) "/" (what.path()) } {
            (csrf_field(ui))
            input type="hidden" name="version" value=(org.version);
            (date_field(ui, what.field(), value, errors.get(what.field())))
            button type="submit" { (ui.t("保存", "Save")) }
        }
    }
}

async fn dated_page(ui: Ui, state: AppState, id: i64, what: Dated) -> Result<Markup, AppError> {
    let org = load(&state, &ui, id).await?;
    let today = today().to_string();
    Ok(page(
        &ui,
        &org,
        what.title(&ui),
        None,
        dated_form(&ui, &org, what, &today, &HashMap::new()),
    ))
}

async fn dated_save(
    ui: Ui,
    state: AppState,
    addr: SocketAddr,
    id: i64,
    what: Dated,
    pairs: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let submitted = Submitted::from(pairs);
    let version = submitted.version("version")?;
    let org = load(&state, &ui, id).await?;
    let value = submitted.get(what.field()).unwrap_or("").to_owned();
    let render = |errors: &HashMap<&str, String>, problem: Option<&str>, status: StatusCode| {
        (
            status,
            page(
                &ui,
                &org,
                what.title(&ui),
                problem,
                dated_form(&ui, &org, what, &value, errors),
            ),
        )
            .into_response()
    };
    let record = submitted
        .date(what.field())
        .map(|on| what.record(on))
        .map_err(|e| ValidationErrors(vec![e]));
    record_one(&state, &ui, &addr, &org, version, record, render).await
}

/// Applies one record to one organization at the version read and saves it; otherwise
/// the form comes back with the errors beside their fields (422) or the conflict stated
/// (409).
async fn record_one(
    state: &AppState,
    ui: &Ui,
    addr: &SocketAddr,
    org: &StoredOrganization,
    version: i64,
    record: Result<Record, ValidationErrors>,
    render: impl Fn(&HashMap<&str, String>, Option<&str>, StatusCode) -> Response,
) -> Result<Response, AppError> {
    let changed = record.and_then(|r| apply(&org.org, &r, today()).map(|o| (o, r)));
    let (changed, record) = match changed {
        Ok(changed) => changed,
        Err(e) => {
            return Ok(render(
                &by_field(&e, ui.lang),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let id = org.id;
    let saved = save(
        state,
        id,
        vec![(id, version, changed)],
        &actor(ui, addr),
        record.action(),
    )
    .await?;
    Ok(saved.unwrap_or_else(|(read, current)| {
        render(
            &HashMap::new(),
            Some(&stale_message(ui.lang, read, current)),
            StatusCode::CONFLICT,
        )
    }))
}

async fn election_form(
    ui: Ui,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Markup, AppError> {
    dated_page(ui, state, id, Dated::Election).await
}

async fn election(
    ui: Ui,
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiPath(id): ApiPath<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    dated_save(ui, state, addr, id, Dated::Election, pairs).await
}

async fn report_form(
    ui: Ui,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Markup, AppError> {
    dated_page(ui, state, id, Dated::Report).await
}

async fn report(
    ui: Ui,
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiPath(id): ApiPath<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    dated_save(ui, state, addr, id, Dated::Report, pairs).await
}

fn instructor_page_form(
    ui: &Ui,
    org: &StoredOrganization,
    name: &str,
    errors: &HashMap<&str, String>,
) -> Markup {
    let error = errors.get("instructor");
    html! {
        p {
            (ui.t("选派党建工作指导员或联络员的组织计入工作覆盖（第十一条）；一名指导员一般联系不超过5个组织。",
                  "An organization with an instructor or liaison counts as work coverage (clause 11); one instructor serves up to 5 organizations."))
        }
        @if let Some(current) = &org.org.instructor {
            p { (ui.t("现任指导员：", "Instructor now: ")) strong { (current) } }
            form.record method="post" action={ "/orgs/" (org.id) "/instructor" } {
                (csrf_field(ui))
                input type="hidden" name="version" value=(org.version);
                input type="hidden" name="remove" value="yes";
                button type="submit" { (ui.t("撤回指导员", "Remove the instructor")) }
            }
        }
        form.record method="post" action={ "/orgs/" (org.id) "/instructor" } {
            (csrf_field(ui))
            input type="hidden" name="version" value=(org.version);
            div.field.invalid[error.is_some()] {
                label for="f-instructor" { (field_label("instructor", ui.lang)) }
                input #f-instructor type="text" name="instructor" value=(name) required
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "f-instructor-error")];
                @if let Some(e) = error { span.error #f-instructor-error { (e) } }
            }
            button type="submit" {
                @if org.org.instructor.is_some() { (ui.t("改派", "Assign instead")) } @else { (ui.t("选派", "Assign")) }
            }
        }
    }
}

fn instructor_title(ui: &Ui) -> &'static str {
    ui.lang
        .pick("选派或撤回指导员", "Assign or remove an instructor")
}

async fn instructor_form(
    ui: Ui,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Markup, AppError> {
    let org = load(&state, &ui, id).await?;
    Ok(page(
        &ui,
        &org,
        instructor_title(&ui),
        None,
        instructor_page_form(&ui, &org, "", &HashMap::new()),
    ))
}

async fn instructor(
    ui: Ui,
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiPath(id): ApiPath<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let submitted = Submitted::from(pairs);
    let version = submitted.version("version")?;
    let org = load(&state, &ui, id).await?;
    let name = submitted.get("instructor").unwrap_or("").to_owned();
    let record = if submitted.get("remove").is_some() {
        Record::InstructorRemoved
    } else {
        Record::InstructorAssigned { name: name.clone() }
    };
    let render = |errors: &HashMap<&str, String>, problem: Option<&str>, status: StatusCode| {
        (
            status,
            page(
                &ui,
                &org,
                instructor_title(&ui),
                problem,
                instructor_page_form(&ui, &org, &name, errors),
            ),
        )
            .into_response()
    };
    record_one(&state, &ui, &addr, &org, version, Ok(record), render).await
}
