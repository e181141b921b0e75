//! `/map`: the coverage map (hexagons coloured by a coverage rate, filters, a side panel
//! with a hexagon's counts and organizations, which the API lists for it).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};

use super::ui::Ui;
use super::views::{layout, map_bounds};
use crate::domain::coverage::cell_from_hex;
use crate::domain::decision::Coverage;
use crate::domain::organization::Kind;
use crate::web::AppState;
use crate::web::http::access::scoped;
use crate::web::http::extract::CurrentAccount;

pub fn router() -> Router<AppState> {
    Router::new().route("/map", get(map_page))
}

/// The map's view as its URL holds it, so that every link and the browser's back button
/// restore it (map.js keeps the URL current). Values that do not parse are ignored.
#[derive(Debug, Default, serde::Deserialize)]
struct MapQuery {
    /// A division-code prefix: the map opens on it with the filter set.
    division: Option<String>,
    /// An H3 cell (hex): the map opens on it, outlined, with its panel open.
    cell: Option<String>,
    /// An organization's id: the map opens on its point, marked, with its popup open.
    org: Option<i64>,
    kind: Option<String>,
    coverage: Option<String>,
    industry: Option<String>,
    /// What colours the map: a rate (`work_coverage_rate`, ...) or a count (`uncovered`,
    /// `should_build_not_built`, `total`).
    rate: Option<String>,
    /// `divisions` for the division map (the divisions one level below the one shown,
    /// coloured); hexagons otherwise.
    mode: Option<String>,
    /// An earlier day (`YYYY-MM-DD`): the map is coloured by the change since its end.
    since: Option<String>,
    /// "1" when the proposed joint branches are shown.
    groups: Option<String>,
    /// The centre and zoom the map was left at.
    lat: Option<f64>,
    lon: Option<f64>,
    z: Option<u8>,
}

async fn map_page(
    ui: Ui,
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    axum::extract::Query(query): axum::extract::Query<MapQuery>,
) -> Markup {
    // An invalid prefix is ignored: the map opens on everything.
    let division = scoped(&account, query.division.as_deref())
        .and_then(|d| crate::domain::division::parse_prefix(&d).ok());
    let filter = crate::domain::coverage::Filter {
        division: division
            .as_deref()
            .map(crate::domain::coverage::Filter::division_range),
        ..Default::default()
    };
    let cell = query
        .cell
        .as_deref()
        .and_then(cell_from_hex)
        .filter(|c| (4..=10).contains(&u8::from(c.resolution())));
    // One read of the snapshot for everything the page takes from it.
    let snapshot = state.snapshot();
    // Only an organization the account may see, and only one with a point.
    let org = query.org.and_then(|id| {
        let o = snapshot.get(id)?;
        let point = o.org.location?;
        account
            .sees(o.org.division_code.as_str())
            .then_some((id, point))
    });
    let industries = snapshot
        .coverage()
        .industries()
        .names()
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    let view = match (query.lat, query.lon, query.z) {
        (Some(lat), Some(lon), Some(z))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) && z <= 18 =>
        {
            format!("{lat},{lon},{z}")
        }
        _ => String::new(),
    };
    let chosen = |value: &Option<String>, option: &str| value.as_deref() == Some(option);
    // A day that cannot be compared with is left out, as other values that do not parse.
    let today = crate::registry::today();
    let since = crate::registry::query::day_of(query.since.as_deref(), "since")
        .ok()
        .and_then(|d| crate::registry::past::check_since(d, None).ok().flatten());
    let yesterday = today.pred_opt().unwrap_or(today);
    let extent = match (cell, org) {
        (Some(cell), _) => Some(crate::domain::coverage::cell_bbox(cell)),
        (None, Some((_, p))) => Some(crate::domain::coverage::Bbox::at(p)),
        (None, None) => {
            // The box around a jurisdiction's organizations takes a pass over all of them
            // (tens of milliseconds at a million): kept until the snapshot changes.
            let generation = state.generation();
            let key = division.clone().unwrap_or_default();
            state.map_extents.get(generation, &key).unwrap_or_else(|| {
                // Points outside the division's loaded boundary are left out: one typed
                // 1,000 km off would zoom the map out to a country. With the outlines
                // loaded, their box is the view.
                let outlines = crate::domain::boundary::installed();
                let within = division.as_deref().unwrap_or("");
                let extent = (!within.is_empty())
                    .then(|| outlines.extent_under(within))
                    .flatten()
                    .map(|[west, south, east, north]| crate::domain::coverage::Bbox {
                        west,
                        south,
                        east,
                        north,
                    })
                    .or_else(|| {
                        snapshot
                            .coverage()
                            .extent_within(&filter, |p| !outlines.outside(within, p))
                    });
                state.map_extents.put(generation, key, extent, 1);
                extent
            })
        }
    };
    drop(snapshot);
    let bounds = map_bounds(extent);
    let tiles = state.options.tiles_url.clone().unwrap_or_default();
    layout(
        &ui,
        ui.t("覆盖地图", "Coverage map"),
        "map",
        &["/assets/vendor/leaflet/leaflet.js", "/assets/map.js"],
        html! {
            div.map-page {
                form #filters.filters aria-label=(ui.t("筛选", "Filters")) {
                    label {
                        (ui.t("地图 ", "Map "))
                        select #mode name="mode" {
                            option value="" { (ui.t("网格", "Hexagons")) }
                            option value="divisions" selected[chosen(&query.mode, "divisions")] { (ui.t("区划", "Divisions")) }
                        }
                    }
                    label {
                        (ui.t("显示 ", "Show "))
                        @let measure = MEASURES.iter().find(|m| chosen(&query.rate, m.0)).unwrap_or(&MEASURES[0]).0;
                        select #rate name="rate" {
                            optgroup label=(ui.t("比率", "Rates")) {
                                @for (value, zh, en) in &MEASURES[..3] {
                                    option value=(value) selected[measure == *value] { (ui.t(zh, en)) }
                                }
                            }
                            optgroup label=(ui.t("数量", "Counts")) {
                                @for (value, zh, en) in &MEASURES[3..] {
                                    option value=(value) selected[measure == *value] { (ui.t(zh, en)) }
                                }
                            }
                        }
                    }
                    label title=(ui.t("选择一个较早的日期，地图按此后的变化着色", "Choose an earlier day to colour the map by the change since")) {
                        (ui.t("较此日变化 ", "Change since "))
                        input #since name="since" type="date" max=(yesterday) value=[since];
                    }
                    label {
                        (ui.t("类型 ", "Kind "))
                        select #kind name="kind" {
                            option value="" { (ui.t("全部", "All")) }
                            @for kind in Kind::ALL {
                                option value=(kind.as_str()) selected[chosen(&query.kind, kind.as_str())] { (kind.label(ui.lang)) }
                            }
                        }
                    }
                    label {
                        (ui.t("覆盖状态 ", "Coverage "))
                        select #coverage name="coverage" {
                            option value="" { (ui.t("全部", "All")) }
                            @for c in [Coverage::Uncovered, Coverage::Instructor, Coverage::Joint, Coverage::Own] {
                                option value=(c.as_str()) selected[chosen(&query.coverage, c.as_str())] { (c.label(ui.lang)) }
                            }
                        }
                    }
                    label {
                        (ui.t("行业 ", "Industry "))
                        input #industry name="industry" type="text" size="8" list="industries" placeholder=(ui.t("如 餐饮", "e.g. 餐饮")) value=[query.industry.as_deref()];
                        // The registry's own industries, so that the exact text is offered.
                        datalist #industries {
                            @for industry in &industries {
                                option value=(industry) {}
                            }
                        }
                    }
                    label {
                        (ui.t("区划代码 ", "Division code "))
                        input #division name="division" type="text" size="8" inputmode="numeric" placeholder=(ui.t("如 1501", "e.g. 1501")) value=[division.as_deref()];
                    }
                    // Not a filter (no name): what it finds is listed in the panel.
                    label {
                        (ui.t("查找 ", "Find "))
                        input #search type="search" size="12" autocomplete="off" placeholder=(ui.t("区划或社会组织名称", "a division or organization"));
                    }
                    label {
                        input #groups type="checkbox" name="groups" checked[chosen(&query.groups, "1")];
                        (ui.t(" 拟建联合党支部", " Proposed joint branches"))
                    }
                }
                (breadcrumb(&ui, &account.jurisdiction, division.as_deref().unwrap_or("")))
                div.map-body {
                    div #map data-bounds=(bounds) data-tiles=(tiles) data-view=(view)
                        data-cell=[cell.map(|c| format!("{:x}", u64::from(c)))]
                        data-org=[org.map(|(id, _)| id)]
                        data-org-point=[org.map(|(_, p)| format!("{},{}", p.lon, p.lat))]
                        role="region" aria-label=(ui.t("覆盖地图", "Coverage map")) {}
                    aside #panel.panel aria-live="polite" {
                        h2 { (ui.t("点击网格查看详情", "Click a hexagon for its details")) }
                        p {
                            (ui.t(
                                "网格按当前选择的覆盖率或数量着色；放大到街道级别时显示各社会组织。选择“地图：区划”按下一级区划着色。",
                                "Hexagons are coloured by the rate or count chosen; at street zoom each organization shows as a point. Choose “Map: Divisions” to colour the divisions one level below.",
                            ))
                        }
                    }
                }
                div #status.status role="status" {}
                // Filled by map.js from the hexagons' answer: what the hexagons leave out.
                p #unlocated.unlocated-note hidden {}
                div #legend.legend aria-label=(ui.t("图例", "Legend")) {}
            }
        },
    )
}

/// What the map can be coloured by: the three rates, then the counts a department works
/// down (the value map.js sends, and its two labels).
const MEASURES: [(&str, &str, &str); 6] = [
    ("work_coverage_rate", "工作覆盖率", "Work coverage"),
    ("org_coverage_rate", "组织覆盖率", "Organizational coverage"),
    (
        "own_organization_rate",
        "单独组建率",
        "Own-organization rate",
    ),
    ("uncovered", "未覆盖数", "Uncovered organizations"),
    (
        "should_build_not_built",
        "应建未建数",
        "Should build, not built",
    ),
    ("total", "社会组织数", "Organizations"),
];

/// Where the map is, from the country down to the division shown, and the divisions one
/// level below it: each a link that opens the map on that division (its outline's box when
/// loaded). Levels above the account's jurisdiction are shown, not linked.
fn breadcrumb(ui: &Ui, jurisdiction: &str, division: &str) -> maud::Markup {
    use crate::domain::division::{children, division_name};
    let link = |prefix: &str| format!("/map?division={prefix}");
    let levels: Vec<&str> = [2, 4, 6, 9]
        .into_iter()
        .filter(|&n| division.len() >= n)
        .map(|n| &division[..n])
        .collect();
    // Down to townships: a township's villages are too many for one line and too small for
    // the map's hexagons.
    let below = if division.len() < 9 {
        children(division)
    } else {
        Vec::new()
    };
    maud::html! {
        nav.breadcrumb #breadcrumb aria-label=(ui.t("区划层级", "Divisions")) {
            @if jurisdiction.is_empty() {
                a href="/map" { (ui.t("全国", "China")) }
            } @else {
                span { (ui.t("全国", "China")) }
            }
            @for prefix in &levels {
                " › "
                @let name = division_name(prefix).unwrap_or(prefix);
                @if *prefix == division {
                    strong aria-current="location" { (name) }
                } @else if prefix.len() >= jurisdiction.len() {
                    a href=(link(prefix)) { (name) }
                } @else {
                    span { (name) }
                }
            }
            @if !below.is_empty() {
                span.below {
                    " › "
                    @for d in &below {
                        a href=(link(d.code)) { (d.name) }
                        " "
                    }
                }
            }
        }
    }
}
