//! The page layout every page shares: header with the service name, navigation, footer.

use maud::{DOCTYPE, Markup, html};

use super::ui::Ui;
use crate::domain::coverage::Bbox;

/// The pages in the navigation: key, path, Chinese and English label.
const NAV: &[(&str, &str, &str, &str)] = &[
    ("dashboard", "/", "概览", "Overview"),
    ("map", "/map", "覆盖地图", "Map"),
    ("orgs", "/orgs", "社会组织", "Organizations"),
    ("new", "/orgs/new", "登记", "Register"),
    ("gaps", "/gaps", "缺口", "Gaps"),
    ("tasks", "/tasks", "任务", "Tasks"),
    ("api", "/api", "数据接口", "API"),
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
                        @for (key, href, zh, en) in NAV {
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
                main #main { (body) }
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
