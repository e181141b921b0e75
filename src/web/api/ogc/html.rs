//! `f=html` of the OGC API: the landing page, the collections and a page of items as plain
//! listings, so that a person with a browser can look at what QGIS reads. Every value is
//! text (maud escapes it).

use maud::{DOCTYPE, Markup, html};
use serde_json::Value;

fn document(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · orgcover OGC API" }
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                main #main.ogc {
                    p.crumbs {
                        a href="/" { "orgcover" } " › " a href="/ogc?f=html" { "OGC API" }
                        " › " a href="/ogc/collections?f=html" { "集合 collections" }
                    }
                    (body)
                }
            }
        }
    }
}

/// The link list of a landing page or collection, each to its HTML form where it has one.
fn links(doc: &Value) -> Markup {
    html! {
        ul.links {
            @for l in doc["links"].as_array().into_iter().flatten() {
                @let href = l["href"].as_str().unwrap_or_default();
                li {
                    a href=(href) { (l["title"].as_str().unwrap_or(href)) }
                    " (" (l["rel"].as_str().unwrap_or_default()) ", " (l["type"].as_str().unwrap_or_default()) ")"
                }
            }
        }
    }
}

pub fn landing(doc: &Value) -> Markup {
    let title = doc["title"].as_str().unwrap_or_default();
    document(
        title,
        html! {
            h1 { (title) }
            p { (doc["description"].as_str().unwrap_or_default()) }
            (links(doc))
        },
    )
}

fn bbox_text(c: &Value) -> String {
    c["extent"]["spatial"]["bbox"][0]
        .as_array()
        .map(|b| {
            b.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

pub fn collections(list: &[Value], base: &str) -> Markup {
    document(
        "集合 collections",
        html! {
            h1 { "集合 (collections)" }
            table.data {
                thead { tr { th { "编号 id" } th { "名称 title" } th { "说明 description" } th { "范围 extent (CRS84)" } th {} } }
                tbody {
                    @for c in list {
                        @let id = c["id"].as_str().unwrap_or_default();
                        tr {
                            td { a href={ (base) "/collections/" (id) "?f=html" } { (id) } }
                            td { (c["title"].as_str().unwrap_or_default()) }
                            td { (c["description"].as_str().unwrap_or_default()) }
                            td { (bbox_text(c)) }
                            td { a href={ (base) "/collections/" (id) "/items?f=html" } { "要素 items" } }
                        }
                    }
                }
            }
        },
    )
}

pub fn collection(c: &Value, base: &str) -> Markup {
    let id = c["id"].as_str().unwrap_or_default();
    let title = c["title"].as_str().unwrap_or_default();
    document(
        title,
        html! {
            h1 { (title) }
            p { (c["description"].as_str().unwrap_or_default()) }
            table.fields {
                tr { th { "编号 id" } td { (id) } }
                tr { th { "范围 extent (CRS84)" } td { (bbox_text(c)) } }
                tr { th { "坐标系 crs" } td {
                    @for crs in c["crs"].as_array().into_iter().flatten() {
                        code { (crs.as_str().unwrap_or_default()) } " "
                    }
                } }
            }
            p { a href={ (base) "/collections/" (id) "/items?f=html" } { "要素 items" } }
            (links(c))
        },
    )
}

/// A page of items: one row per feature, its id and properties; links to the other pages.
pub fn items(
    id: &str,
    features: &[Value],
    matched: usize,
    offset: usize,
    links: &[Value],
) -> Markup {
    let columns: Vec<String> = features
        .first()
        .and_then(|f| f["properties"].as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let cell = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let html_link = |rel: &str| {
        links
            .iter()
            .find(|l| l["rel"] == rel)
            .and_then(|l| l["href"].as_str())
            .map(|h| format!("{h}&f=html"))
    };
    document(
        id,
        html! {
            h1 { (id) }
            p {
                "共 " (matched) " 个，第 " (offset + 1) "–" (offset + features.len()) " 个 ("
                (matched) " matched, " (features.len()) " shown)"
            }
            p.paging {
                @if let Some(prev) = html_link("prev") { a href=(prev) rel="prev" { "上一页 previous" } " " }
                @if let Some(next) = html_link("next") { a href=(next) rel="next" { "下一页 next" } }
            }
            div.table-scroll {
                table.data {
                    thead { tr { th { "id" } @for c in &columns { th { (c) } } } }
                    tbody {
                        @for f in features {
                            tr {
                                td { (cell(&f["id"])) }
                                @for c in &columns { td { (cell(&f["properties"][c.as_str()])) } }
                            }
                        }
                    }
                }
            }
        },
    )
}
