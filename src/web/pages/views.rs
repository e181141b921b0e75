//! The page layout every page shares: header with the service name, navigation, footer.

use maud::{DOCTYPE, Markup, html};

use super::ui::Ui;
use crate::domain::access::Action;
use crate::domain::coverage::Bbox;

/// The pages in the navigation: key, path, Chinese and English label.
/// The main navigation: (key, address, Chinese, English, what the role must be allowed).
/// A link is offered only to accounts whose role may follow it.
const NAV: &[(&str, &str, &str, &str, Action)] = &[
    ("dashboard", "/", "概览", "Overview", Action::Read),
    ("map", "/map", "覆盖地图", "Map", Action::Read),
    ("orgs", "/orgs", "社会组织", "Organizations", Action::Read),
    ("new", "/orgs/new", "登记", "Register", Action::Register),
    ("gaps", "/gaps", "缺口", "Gaps", Action::Read),
    ("tasks", "/tasks", "任务", "Tasks", Action::Read),
    ("report", "/report", "统计报表", "Report", Action::Read),
    ("api", "/api", "数据接口", "API", Action::Read),
];

/// A labelled filter select with "all" (no filter) first: `options` are (value, label).
pub fn filter_select<'a>(
    ui: &Ui,
    label: &str,
    name: &str,
    options: impl IntoIterator<Item = (&'a str, &'a str)>,
    chosen: Option<&str>,
) -> Markup {
    html! {
        label {
            (label) " "
            select name=(name) {
                option value="" { (ui.t("全部", "All")) }
                @for (value, text) in options {
                    option value=(value) selected[chosen == Some(value)] { (text) }
                }
            }
        }
    }
}

/// A form's errors by field, in the user's language, to show beside each field.
pub fn errors_by_field(
    errors: &crate::domain::error::ValidationErrors,
    lang: crate::domain::lang::Lang,
) -> std::collections::HashMap<&'static str, String> {
    errors
        .0
        .iter()
        .map(|e| (e.field, e.message_in(lang)))
        .collect()
}

/// How a form shows why a use case changed nothing: errors beside their fields, or a
/// problem above the form, with the status the page answers with. What a form cannot
/// show (not found, a role that may not act at all, a failure of ours) is an error page.
pub struct Refusal {
    pub status: axum::http::StatusCode,
    pub errors: std::collections::HashMap<&'static str, String>,
    pub problem: Option<String>,
}

impl Refusal {
    pub fn of(
        e: crate::registry::RegistryError,
        lang: crate::domain::lang::Lang,
    ) -> Result<Self, crate::web::http::error::AppError> {
        use crate::registry::RegistryError as E;
        use axum::http::StatusCode;
        let problem = |status, text: String| Refusal {
            status,
            errors: Default::default(),
            problem: Some(text),
        };
        Ok(match e {
            E::Invalid(errors) => Refusal {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                errors: errors_by_field(&errors, lang),
                problem: None,
            },
            E::FieldsRefused(fields) => {
                let note = lang.pick(
                    "您的角色不能填写此项：党组织、换届、述职和指导员由组织部门在组织页面记录，登记信息由民政部门填写",
                    "your role may not fill this in: party work is recorded by the organization department on the organization's page, registration by civil affairs",
                );
                // Named above the form too: a form drawn for the role may not show the
                // fields at all.
                let labels: Vec<&str> = fields
                    .iter()
                    .map(|f| crate::domain::organization::field_label(f, lang))
                    .collect();
                let problem = match lang {
                    crate::domain::lang::Lang::Zh => {
                        format!("未保存。您的角色不能填写：{}。", labels.join("、"))
                    }
                    crate::domain::lang::Lang::En => format!(
                        "Nothing was saved. Your role may not fill in: {}.",
                        labels.join(", ")
                    ),
                };
                Refusal {
                    status: StatusCode::FORBIDDEN,
                    errors: fields.into_iter().map(|f| (f, note.to_owned())).collect(),
                    problem: Some(problem),
                }
            }
            E::Duplicate(key) => Refusal {
                status: StatusCode::CONFLICT,
                errors: [(
                    "credit_code",
                    match lang {
                        crate::domain::lang::Lang::Zh => {
                            format!("“{key}”已登记，请在该组织的页面修改")
                        }
                        crate::domain::lang::Lang::En => {
                            format!("{key} is already registered: change it on its page")
                        }
                    },
                )]
                .into(),
                problem: None,
            },
            E::Stale { read, current } => {
                problem(StatusCode::CONFLICT, stale_message(lang, read, current))
            }
            E::AlreadyDeregistered => problem(
                StatusCode::CONFLICT,
                lang.pick(
                    "该组织已注销，无需再次注销。",
                    "This organization is deregistered already.",
                )
                .to_owned(),
            ),
            other @ (E::NotFound | E::RoleRefused | E::Store(_)) => return Err(other.into()),
        })
    }
}

/// What a form read before someone else's change says instead of saving.
pub fn stale_message(lang: crate::domain::lang::Lang, version: i64, current: i64) -> String {
    match lang {
        crate::domain::lang::Lang::Zh => format!(
            "此记录已被他人修改（您打开的是第{version}版，现为第{current}版），未保存。\
             请重新打开本页查看最新内容后再修改。"
        ),
        crate::domain::lang::Lang::En => format!(
            "Someone changed this meanwhile (you opened version {version}, it is now at \
             version {current}); nothing was saved. Open the page again to see the latest \
             and redo your change."
        ),
    }
}

/// How many tasks are red, yellow and green ([`Urgency::counts`]), as the task list and the
/// dashboard head their tasks.
///
/// [`Urgency::counts`]: crate::domain::tasks::Urgency::counts
pub fn urgency_counts(
    lang: crate::domain::lang::Lang,
    counts: [(crate::domain::tasks::Urgency, usize); 3],
) -> Markup {
    html! {
        p.urgency-counts {
            @for (u, n) in counts {
                span class={ "urgency " (u.class()) } { (u.label(lang)) " " strong { (n) } } " "
            }
        }
    }
}

/// A rate (0..1) as a percentage with one decimal, as the pages show rates.
pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// Where a map opens: the box around `extent` grown by 2 km (so a lone organization opens
/// at street level), or the whole country when there is nothing; `west,south,east,north`.
pub fn map_bounds(extent: Option<Bbox>) -> String {
    extent.map_or_else(
        || "73,18,135,54".to_owned(),
        |b| {
            let b = b.padded(2.0);
            format!("{},{},{},{}", b.west, b.south, b.east, b.north)
        },
    )
}

/// Text for a URL query value.
pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The hidden field that carries the session's CSRF token in a form that changes data.
pub fn csrf_field(ui: &Ui) -> Markup {
    html! {
        @if let Some(token) = &ui.csrf {
            input type="hidden" name="csrf" value=(token);
        }
    }
}

/// A division as every page shows one: its names from the province down, then its code
/// ("内蒙古自治区呼和浩特市新城区海拉尔东路街道 150102001000"); the code alone when the register
/// does not know it.
pub fn division_label(code: &str) -> Markup {
    let names = crate::domain::division::name_chain(code);
    html! {
        @if !names.is_empty() { (names) " " }
        span.clause { (code) }
    }
}

/// [`division_label`] as plain text, for a table cell of texts.
pub fn named_code(code: &str) -> String {
    let names = crate::domain::division::name_chain(code);
    if names.is_empty() {
        code.to_owned()
    } else {
        format!("{names} {code}")
    }
}

/// A jurisdiction as users read it: the division's name, or the whole country.
pub fn jurisdiction_name(ui: &Ui, prefix: &str) -> String {
    if prefix.is_empty() {
        return ui.t("全国", "national").to_owned();
    }
    crate::domain::division::division_name(prefix).map_or_else(|| prefix.to_owned(), str::to_owned)
}

/// A whole page: `active` names the navigation entry to mark, `scripts` are asset paths.
pub fn layout(ui: &Ui, title: &str, active: &str, scripts: &[&str], body: Markup) -> Markup {
    let other = ui.lang.other();
    html! {
        (DOCTYPE)
        html lang=(ui.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · orgcover " (ui.t("社会组织党建覆盖", "party-building coverage")) }
                link rel="stylesheet" href="/assets/vendor/leaflet/leaflet.css";
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                a.skip href="#main" { (ui.t("跳到正文", "Skip to content")) }
                header.site {
                    a.brand href="/" { (ui.t("社会组织党建覆盖", "Party-building coverage")) }
                    nav aria-label=(ui.t("主导航", "Main")) {
                        @for (key, href, zh, en, _) in NAV.iter().filter(|n| ui.may(n.4)) {
                            @if *key == active {
                                a href=(href) aria-current="page" { (ui.t(zh, en)) }
                            } @else {
                                a href=(href) { (ui.t(zh, en)) }
                            }
                        }
                    }
                    div.account {
                        @match &ui.account {
                            Some(a) => {
                                a.user href="/account" title=(ui.t("我的账号与 API 令牌", "My account and API tokens")) {
                                    (a.name) " · " (a.role.label(ui.lang)) " · " (jurisdiction_name(ui, &a.jurisdiction))
                                }
                                @if a.may(crate::domain::access::Action::Administer) {
                                    a href="/audit" { (ui.t("审计", "Audit")) }
                                }
                                form.logout method="post" action="/logout" {
                                    (csrf_field(ui))
                                    button type="submit" { (ui.t("退出", "Sign out")) }
                                }
                            }
                            None => a href={ "/login?next=" (url_encode(&ui.here)) } { (ui.t("登录", "Sign in")) },
                        }
                    }
                    a.lang-switch #lang-switch href={ "/lang/" (other.code()) "?back=" (url_encode(&ui.here)) }
                        lang=(other.tag()) hreflang=(other.tag()) {
                        (other.pick("中文", "English"))
                    }
                }
                main #main {
                    @if let Some(notice) = &ui.notice {
                        p.notice.flash role="status" { (notice.text(ui.lang)) }
                    }
                    (body)
                }
                footer.site {
                    (ui.t(
                        "orgcover — 依据《关于加强社会组织党的建设工作的意见（试行）》等规定判定党组织设置与覆盖情况",
                        "orgcover — party organization settings and coverage decided by the Opinions on strengthening party building in social organizations (trial) and related rules",
                    ))
                }
                @for src in scripts {
                    script src=(src) {}
                }
            }
        }
    }
}

/// Every action the audit log records, with its label: what the audit page's filter
/// offers and how each row's action is shown.
pub const AUDIT_ACTIONS: [(&str, &str, &str); 20] = [
    ("create", "登记", "registered"),
    ("import", "导入", "imported"),
    ("update", "修改", "changed"),
    ("deregister", "注销", "deregistered"),
    (
        "record_party_org",
        "记录党组织成立",
        "party organization recorded",
    ),
    (
        "dissolve_party_org",
        "记录党组织撤销",
        "party organization dissolved",
    ),
    ("record_election", "记录换届", "election recorded"),
    (
        "record_report",
        "记录书记述职",
        "secretary's report recorded",
    ),
    ("assign_instructor", "选派指导员", "instructor assigned"),
    ("remove_instructor", "撤回指导员", "instructor removed"),
    ("login", "登录", "signed in"),
    ("login_failed", "登录失败", "sign-in failed"),
    (
        "login_throttled",
        "登录受限（失败过多）",
        "sign-in locked (too many failures)",
    ),
    ("logout", "退出", "signed out"),
    ("token_create", "创建 API 令牌", "API token created"),
    ("token_revoke", "撤销 API 令牌", "API token revoked"),
    ("user_add", "新增账号", "account added"),
    ("user_disable", "停用账号", "account disabled"),
    (
        "boundaries_import",
        "导入区划界线",
        "division outlines imported",
    ),
    ("assign_task", "分派任务", "task assigned"),
];

/// An audit action as users read it (its code when it is not one of [`AUDIT_ACTIONS`]).
pub fn action_label(action: &str, lang: crate::domain::lang::Lang) -> String {
    AUDIT_ACTIONS
        .iter()
        .find(|(code, _, _)| *code == action)
        .map_or_else(
            || action.to_owned(),
            |(_, zh, en)| lang.pick(zh, en).to_owned(),
        )
}

/// A moment as the users' clocks show it: in the configured time zone.
pub fn local_time(at: chrono::DateTime<chrono::Utc>, zone: chrono_tz::Tz) -> String {
    at.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A recorded field's name as users read it: its formats.md label.
pub fn field_label(field: &str, lang: crate::domain::lang::Lang) -> String {
    match crate::domain::organization::field_label(field, lang) {
        "" => match field {
            "cell" => lang.pick("网格", "cell").to_owned(),
            "division_source" => lang.pick("区划来源", "division from").to_owned(),
            // An assignment's audit row (issue 21.4).
            "task_list" => lang.pick("任务清单", "task list").to_owned(),
            "assignee" => lang.pick("分派给", "assigned to").to_owned(),
            "due_on" => lang.pick("期限", "due").to_owned(),
            "note" => lang.pick("备注", "note").to_owned(),
            other => other.to_owned(),
        },
        label => label.to_owned(),
    }
}

/// A recorded value as users read it: a vocabulary's label, 是/否, the text itself.
pub fn value_text(
    field: &str,
    value: Option<&serde_json::Value>,
    lang: crate::domain::lang::Lang,
) -> String {
    use crate::domain::organization::{Kind, Level, PartyOrg, Status};
    use serde_json::Value;
    let text = match value {
        None | Some(Value::Null) => return "—".to_owned(),
        Some(Value::Bool(b)) => {
            return lang
                .pick(if *b { "是" } else { "否" }, if *b { "yes" } else { "no" })
                .to_owned();
        }
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let label = match field {
        "kind" => Kind::parse(&text).ok().map(|k| k.label(lang)),
        "level" => Level::parse(&text).ok().map(|l| l.label(lang)),
        "status" => Status::parse(&text).ok().map(|s| s.label(lang)),
        "party_org" => PartyOrg::parse(&text).ok().map(|p| p.label(lang)),
        "task_list" => crate::domain::tasks::TaskList::parse(&text).map(|l| l.title(lang)),
        _ => None,
    };
    label.map_or(text, str::to_owned)
}

/// What an audit row changed: `field: before → after` for each field that differs, in
/// the users' language.
pub fn audit_changes(
    entry: &crate::store::AuditEntry,
    lang: crate::domain::lang::Lang,
) -> Vec<String> {
    let object = |v: &Option<sqlx::types::Json<serde_json::Value>>| {
        v.as_ref()
            .and_then(|j| j.0.as_object().cloned())
            .unwrap_or_default()
    };
    let (before, after) = (object(&entry.before), object(&entry.after));
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !matches!(k.as_str(), "version" | "id") && before.get(*k) != after.get(*k))
        // A registration lists what it gave, not every empty field.
        .filter(|k| {
            !before.is_empty() || !matches!(after.get(*k), None | Some(serde_json::Value::Null))
        })
        .map(|k| {
            let name = field_label(k, lang);
            if before.is_empty() {
                format!("{name}: {}", value_text(k, after.get(k), lang))
            } else {
                format!(
                    "{name}: {} → {}",
                    value_text(k, before.get(k), lang),
                    value_text(k, after.get(k), lang)
                )
            }
        })
        .collect()
}
