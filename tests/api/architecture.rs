//! The invariants ARCHITECTURE.md states, held by reading the sources' paths and `use`
//! lines (as the route-rule test reads the routers): a change that breaks one fails here.

use std::path::{Path, PathBuf};

/// Every Rust file under `src/DIR`, with its text (newlines and spaces removed, so that a
/// call split over lines reads as one).
fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                out.push((path, squeezed));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut out = Vec::new();
    if root.is_dir() {
        walk(&root, &mut out);
    } else {
        let text = std::fs::read_to_string(root.with_extension("rs")).unwrap();
        out.push((
            root.with_extension("rs"),
            text.chars().filter(|c| !c.is_whitespace()).collect(),
        ));
    }
    assert!(!out.is_empty(), "no sources under src/{dir}");
    out
}

/// The files of `dir` that mention any of `forbidden`, with what they mention.
fn offenders(dir: &str, forbidden: &[&str]) -> Vec<String> {
    sources(dir)
        .into_iter()
        .flat_map(|(path, text)| {
            forbidden
                .iter()
                .filter(|f| text.contains(**f))
                .map(|f| format!("{} uses {f}", path.display()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn only_the_registry_writes_organizations_or_updates_the_snapshot() {
    // The store's organization writes and the snapshot's update, as called from outside.
    let writes = [
        "store.create(",
        "store.update(",
        "store.update_all(",
        "store.import(",
        "store.add_boundaries(",
        ".upsert(",
        ".committed(",
    ];
    let mut found = Vec::new();
    for dir in ["web", "io", "cli", "generate", "config"] {
        found.extend(offenders(dir, &writes));
    }
    assert!(found.is_empty(), "writes outside src/registry: {found:#?}");
}

#[test]
fn the_api_and_the_pages_never_import_each_other() {
    let api = offenders("web/api", &["web::pages", "super::super::pages"]);
    assert!(api.is_empty(), "{api:#?}");
    let pages = offenders("web/pages", &["web::api", "super::super::api"]);
    assert!(pages.is_empty(), "{pages:#?}");
    let http = offenders("web/http", &["web::pages", "web::api"]);
    assert!(
        http.is_empty(),
        "what every door shares uses no door: {http:#?}"
    );
}

#[test]
fn the_cli_uses_only_the_application_of_the_web_layer() {
    // `crate::web::{Application, ServeOptions, MAX_CELLS}`: items of src/web/mod.rs, never
    // a handler's module.
    let (_, cli) = &sources("cli")[0];
    for (i, _) in cli.match_indices("crate::web::") {
        let rest = &cli[i + "crate::web::".len()..];
        let item: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '{' || *c == ',' || *c == '}')
            .collect();
        assert!(
            !rest[item.len()..].starts_with("::"),
            "src/cli.rs reaches into the web layer: crate::web::{item}::…"
        );
    }
}

#[test]
fn the_domain_and_the_registry_do_no_io_of_their_own() {
    let domain = offenders(
        "domain",
        &[
            "crate::store",
            "crate::web",
            "crate::io",
            "crate::registry",
            "crate::cli",
            "sqlx",
            "axum",
            "tokio",
        ],
    );
    assert!(domain.is_empty(), "the domain is pure: {domain:#?}");
    let registry = offenders("registry", &["crate::web", "crate::cli", "axum"]);
    assert!(
        registry.is_empty(),
        "the registry knows no door: {registry:#?}"
    );
}

#[test]
fn the_browser_code_shows_data_as_text_only() {
    // Data reaches the page as text nodes (ARCHITECTURE.md): no HTML from strings, and
    // what Leaflet shows in a tooltip or popup is an element made by `text(...)`, since
    // Leaflet takes a string as HTML.
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&assets).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "js") {
            continue;
        }
        let text: String = std::fs::read_to_string(&path)
            .unwrap()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        for html in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
        ] {
            if text.contains(html) {
                found.push(format!("{}: {html}", path.display()));
            }
        }
        for call in [
            "bindTooltip(",
            "bindPopup(",
            "setContent(",
            "setTooltipContent(",
        ] {
            for (at, _) in text.match_indices(call) {
                if !text[at + call.len()..].starts_with("text(") {
                    found.push(format!("{}: {call} without text(...)", path.display()));
                }
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
