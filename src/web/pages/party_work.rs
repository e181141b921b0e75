//! Recording party work from an organization's page: a party organization founded (for a
//! joint branch with its member organizations, a proposed group taken in one click) or
//! dissolved, an election held, a secretary's report, an instructor assigned or removed.
//! Each form carries the versions it was read at; every change is one transaction.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;
use tower_sessions::Session;

use super::ui::{Flash, Lang, Ui};
use super::views::{Refusal, csrf_field, layout};
use crate::domain::access::Account;
use crate::domain::decision::{Recommendation, has_own_party_org, operates};
use crate::domain::organization::{PartyOrg, field_label};
use crate::domain::stored::StoredOrganization;
use crate::registry::{Actor, Member, RecordInput, today};
use crate::web::AppState;
use crate::web::http::error::AppError;
use crate::web::http::extract::{ApiPath, CurrentAccount, CurrentActor, PageForm};

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
        self.get(name)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| AppError::bad_request("表单缺少版本号", "the form lacks its version"))
    }
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

/// Records `input` through the registry and goes back to the organization's page with
/// the notice; a refusal comes back as the form, drawn by `render` with the errors beside
/// their fields or the problem above.
async fn save(
    state: &AppState,
    lang: Lang,
    actor: &Actor,
    session: &Session,
    (id, version): (i64, i64),
    input: RecordInput,
    render: impl FnOnce(&HashMap<&'static str, String>, Option<&str>, StatusCode) -> Response,
) -> Result<Response, AppError> {
    match state.registry.record(actor, id, version, &input).await {
        Ok(_) => {
            Flash::Recorded.keep(session).await;
            Ok(Redirect::to(&format!("/orgs/{id}")).into_response())
        }
        Err(e) => {
            let refusal = Refusal::of(e, lang)?;
            Ok(render(
                &refusal.errors,
                refusal.problem.as_deref(),
                refusal.status,
            ))
        }
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
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    Query(query): Query<PartyOrgQuery>,
) -> Result<Markup, AppError> {
    let org = state.registry.visible(&account, id).await?;
    let (form, members) = {
        let snapshot = state.snapshot();
        let decision = snapshot.decision(id, today(), false, &account.jurisdiction);
        let mut form = recommended_form(decision.and_then(|d| d.recommendation));
        let mut members = Vec::new();
        // One click from a proposal: its members, all ticked.
        if let Some(group) = query.group.as_deref()
            && let Some(g) = snapshot
                .group_seen_from(id, &account.jurisdiction)
                .filter(|g| g.group_id == group)
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
    CurrentActor(actor): CurrentActor,
    session: Session,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let submitted = Submitted::from(pairs);
    let version = submitted.version("version")?;
    let org = state.registry.visible(&actor.account, id).await?;
    let title = ui.t(
        "党组织成立或撤销",
        "Party organization founded or dissolved",
    );

    if submitted.get("dissolve").is_some() {
        let render = |errors: &HashMap<&str, String>, problem: Option<&str>, status| {
            let today = today().to_string();
            let founding = Founding {
                form: PartyOrg::Branch,
                on: &today,
                members: vec![],
                other_members: "",
                group: None,
            };
            // A refusal of the dissolution names the party organization: shown above.
            let problem = problem.or_else(|| errors.values().next().map(String::as_str));
            (
                status,
                page(
                    &ui,
                    &org,
                    title,
                    problem,
                    founding_form(&ui, &org, &founding, &HashMap::new()),
                ),
            )
                .into_response()
        };
        if submitted.get("confirm") != Some("yes") {
            let problem = ui.t(
                "请勾选“确认撤销”后再提交。",
                "Tick the confirmation before recording the dissolution.",
            );
            return Ok(render(
                &HashMap::new(),
                Some(problem),
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
        let input = RecordInput::Dissolved;
        return save(
            &state,
            ui.lang,
            &actor,
            &session,
            (id, version),
            input,
            render,
        )
        .await;
    }

    let form = submitted
        .get("party_org")
        .and_then(|p| PartyOrg::parse(p).ok())
        .unwrap_or(PartyOrg::None);
    let on_text = submitted
        .get("party_org_established_on")
        .unwrap_or("")
        .to_owned();
    let other_text = submitted.get("other_members").unwrap_or("").to_owned();

    // The members offered on the form (to draw it again), the ones ticked at the versions
    // read, and the codes typed.
    let mut offered: Vec<(i64, String, i64, bool)> = Vec::new();
    let mut members: Vec<Member> = Vec::new();
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
                .filter(|o| actor.account.sees(o.org.division_code.as_str()))
            else {
                continue;
            };
            let read = submitted.version(&format!("version_{member}"))?;
            let ticked = submitted.members.contains(&member);
            offered.push((member, o.org.name.clone(), read, ticked));
            if ticked {
                members.push(Member::Id {
                    id: member,
                    version: Some(read),
                });
            }
        }
    }
    offered.sort_by_key(|m| m.0);
    members.extend(
        other_text
            .split_whitespace()
            .map(|code| Member::CreditCode(code.to_owned())),
    );
    let input = RecordInput::Founded {
        party_org: submitted.get("party_org").map(str::to_owned),
        established_on: Some(on_text.clone()),
        members,
    };
    let render = |errors: &HashMap<&str, String>, problem: Option<&str>, status: StatusCode| {
        let founding = Founding {
            form,
            on: &on_text,
            members: offered.clone(),
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
    save(
        &state,
        ui.lang,
        &actor,
        &session,
        (id, version),
        input,
        render,
    )
    .await
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

async fn dated_page(
    ui: Ui,
    account: Account,
    state: AppState,
    id: i64,
    what: Dated,
) -> Result<Markup, AppError> {
    let org = state.registry.visible(&account, id).await?;
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
    actor: Actor,
    session: Session,
    state: AppState,
    id: i64,
    what: Dated,
    pairs: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let submitted = Submitted::from(pairs);
    let version = submitted.version("version")?;
    let org = state.registry.visible(&actor.account, id).await?;
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
    let on = Some(value.clone());
    let input = match what {
        Dated::Election => RecordInput::Election { on },
        Dated::Report => RecordInput::Report { on },
    };
    save(
        &state,
        ui.lang,
        &actor,
        &session,
        (id, version),
        input,
        render,
    )
    .await
}

async fn election_form(
    ui: Ui,
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Markup, AppError> {
    dated_page(ui, account, state, id, Dated::Election).await
}

async fn election(
    ui: Ui,
    CurrentActor(actor): CurrentActor,
    session: Session,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    dated_save(ui, actor, session, state, id, Dated::Election, pairs).await
}

async fn report_form(
    ui: Ui,
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Markup, AppError> {
    dated_page(ui, account, state, id, Dated::Report).await
}

async fn report(
    ui: Ui,
    CurrentActor(actor): CurrentActor,
    session: Session,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    dated_save(ui, actor, session, state, id, Dated::Report, pairs).await
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
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Markup, AppError> {
    let org = state.registry.visible(&account, id).await?;
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
    CurrentActor(actor): CurrentActor,
    session: Session,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let submitted = Submitted::from(pairs);
    let version = submitted.version("version")?;
    let org = state.registry.visible(&actor.account, id).await?;
    let name = submitted.get("instructor").unwrap_or("").to_owned();
    let input = if submitted.get("remove").is_some() {
        RecordInput::InstructorRemoved
    } else {
        RecordInput::InstructorAssigned {
            name: Some(name.clone()),
        }
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
    save(
        &state,
        ui.lang,
        &actor,
        &session,
        (id, version),
        input,
        render,
    )
    .await
}
