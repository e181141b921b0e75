//! The page layout every page shares: header with the service name, navigation, footer.

use maud::{DOCTYPE, Markup, html};

use crate::domain::coverage::Bbox;

/// The pages in the navigation, with their paths.
const NAV: &[(&str, &str, &str)] = &[
    ("dashboard", "/", "概览"),
    ("map", "/map", "覆盖地图"),
    ("orgs", "/orgs", "社会组织"),
    ("new", "/orgs/new", "登记"),
    ("gaps", "/gaps", "缺口"),
    ("api", "/api", "数据接口"),
];

/// A labelled filter select with "全部" (no filter) first: `options` are (value, label).
pub fn filter_select<'a>(
    label: &str,
    name: &str,
    options: impl IntoIterator<Item = (&'a str, &'a str)>,
    chosen: Option<&str>,
) -> Markup {
    html! {
        label {
            (label) " "
            select name=(name) {
                option value="" { "全部" }
                @for (value, text) in options {
                    option value=(value) selected[chosen == Some(value)] { (text) }
                }
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

/// A whole page: `active` names the navigation entry to mark, `scripts` are asset paths.
pub fn layout(title: &str, active: &str, scripts: &[&str], body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · orgcover 社会组织党建覆盖" }
                link rel="stylesheet" href="/assets/vendor/leaflet/leaflet.css";
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                header.site {
                    a.brand href="/map" { "社会组织党建覆盖" }
                    nav aria-label="主导航" {
                        @for (key, href, label) in NAV {
                            @if *key == active {
                                a href=(href) aria-current="page" { (label) }
                            } @else {
                                a href=(href) { (label) }
                            }
                        }
                    }
                }
                main { (body) }
                footer.site {
                    "orgcover — 依据《关于加强社会组织党的建设工作的意见（试行）》等规定判定党组织设置与覆盖情况"
                }
                @for src in scripts {
                    script src=(src) {}
                }
            }
        }
    }
}
