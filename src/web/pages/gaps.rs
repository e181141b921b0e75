//! `/gaps`: the ranked gap list as a page, with the same filters as the exports, what each
//! gap needs, downloads (GeoJSON for QGIS, CSV, Excel) and a link to each gap on the map.

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use maud::{Markup, html};

use super::ui::Ui;
use super::views::{self, filter_select, layout, percent, url_encode};
use crate::domain::decision::Coverage;
use crate::domain::history::HOW_A_PAST_DAY_COUNTS;
use crate::domain::organization::Kind;
use crate::registry::query::{CoverageParams, DEFAULT_GAP_RESOLUTION};
use crate::web::AppState;
use crate::web::http::extract::CurrentAccount;
use crate::web::http::extract::given;

pub fn router() -> Router<AppState> {
    Router::new().route("/gaps", get(gaps_page))
}

/// The most gaps the page lists; the downloads carry all of them.
const SHOWN: usize = 200;

async fn gaps_page(
    ui: Ui,
    CurrentAccount(account): CurrentAccount,
    State(state): State<AppState>,
    Query(params): Query<CoverageParams>,
) -> Markup {
    // A bad division prefix is shown as the list's error, over the jurisdiction's area.
    let (params, refused) = match params.scoped_to(&account) {
        Ok(p) => (p, None),
        Err(e) => (
            CoverageParams::default()
                .scoped_to(&account)
                .expect("no prefix to refuse"),
            Some(e),
        ),
    };
    let res = params
        .res(DEFAULT_GAP_RESOLUTION)
        .unwrap_or(DEFAULT_GAP_RESOLUTION);
    let as_of = params.as_of();
    let result: Result<Vec<_>, String> = match (refused, as_of.clone()) {
        (Some(e), _) | (None, Err(e)) => Err(e.message_in(ui.lang)),
        (None, Ok(day)) => match state.figures_on(day).await {
            Ok(figures) => params.gaps(&figures).map_err(|e| e.message_in(ui.lang)),
            Err(crate::registry::RegistryError::Invalid(errors)) => Err(errors
                .0
                .iter()
                .map(|e| e.message_in(ui.lang))
                .collect::<Vec<_>>()
                .join("；")),
            Err(e) => Err(e.to_string()),
        },
    };
    let as_of = as_of
        .ok()
        .flatten()
        .filter(|d| *d < crate::registry::today());
    let policy = state.snapshot().policy().clone();
    // The downloads take the page's own filters.
    let mut query = vec![format!("res={res}")];
    for (key, value) in [
        ("division", &params.division),
        ("kind", &params.kind),
        ("coverage", &params.coverage),
        ("industry", &params.industry),
    ] {
        if let Some(v) = given(value) {
            query.push(format!("{key}={}", url_encode(v)));
        }
    }
    let downloads = match as_of {
        Some(day) => format!("{}&as_of={day}", query.join("&")),
        None => query.join("&"),
    };
    let query = query.join("&");
    // Tables downloaded from the page have headers in the page's language.
    let header_language = ui.t("zh", "en");
    layout(
        &ui,
        ui.t("覆盖缺口", "Coverage gaps"),
        "gaps",
        &[],
        html! {
            div.page {
                h1 { (ui.t("覆盖缺口", "Coverage gaps")) }
                form.search method="get" action="/gaps" {
                    label {
                        (ui.t("网格级别 ", "Hexagon resolution "))
                        select name="res" {
                            @for r in 5..=9u8 {
                                option value=(r) selected[r == res] { "H3 " (r) (ui.t(" 级", "")) }
                            }
                        }
                    }
                    label { (ui.t("区划代码 ", "Division code ")) input type="text" name="division" inputmode="numeric" size="10" value=[params.division.as_deref()]; }
                    (filter_select(&ui, ui.t("类型", "Kind"), "kind", Kind::ALL.iter().map(|k| (k.as_str(), k.label(ui.lang))), params.kind.as_deref()))
                    (filter_select(
                        &ui,
                        ui.t("覆盖状态", "Coverage"),
                        "coverage",
                        [Coverage::Uncovered, Coverage::Instructor, Coverage::Joint, Coverage::Own]
                            .map(|c| (c.as_str(), c.label(ui.lang))),
                        params.coverage.as_deref(),
                    ))
                    label {
                        (ui.t("统计日期 ", "As of "))
                        input type="date" name="as_of" value=[params.as_of.as_deref()] max=(crate::registry::today());
                    }
                    button type="submit" { (ui.t("查询", "Search")) }
                }
                @if let Some(day) = as_of {
                    p.note {
                        strong { (ui.t("往期数据：", "Past figures: ")) (day) } " "
                        (ui.t(HOW_A_PAST_DAY_COUNTS.0, HOW_A_PAST_DAY_COUNTS.1))
                    }
                }
                @match result {
                    Err(e) => p.error role="alert" { (e) },
                    Ok(gaps) => {
                        p.summary {
                            (ui.t("共 ", "")) (gaps.len())
                            (ui.t(
                                " 个缺口网格，按未覆盖数、应建未建数、工作覆盖率排序。下载：",
                                " hexagons with gaps, by uncovered, then should-build-not-built, then work coverage. Download: ",
                            ))
                            a href={ "/api/gaps.geojson?" (downloads) } download { "GeoJSON（QGIS）" } " · "
                            a href={ "/api/gaps.fgb?" (downloads) } download { "FlatGeobuf（QGIS）" } " · "
                            a href={ "/api/gaps.csv?" (downloads) "&headers=" (header_language) } download { "CSV" } " · "
                            a href={ "/api/gaps.xlsx?" (downloads) "&headers=" (header_language) } download { "Excel" }
                        }
                        table.list.gaps {
                            thead {
                                tr {
                                    th { (ui.t("优先级", "Priority")) } th { (ui.t("所属区划", "Division")) }
                                    th { (ui.t("社会组织", "Organizations")) } th { (ui.t("未覆盖", "Uncovered")) }
                                    th { (ui.t("应建未建", "Should build, not built")) } th { (ui.t("工作覆盖率 / 目标", "Work coverage / target")) }
                                    th { (ui.t("需新建党组织", "To found")) } th { (ui.t("拟建联合党支部", "Joint branches proposed")) }
                                    th { (ui.t("需选派指导员", "Instructors needed")) } th { (ui.t("地图", "Map")) }
                                }
                            }
                            tbody {
                                @for g in gaps.iter().take(SHOWN) {
                                    @let cell = format!("{:x}", u64::from(g.cell));
                                    tr {
                                        td.number { (g.priority) }
                                        td { (views::division_label(&g.division_code)) }
                                        td.number { (g.tally.total) }
                                        td.number { (g.tally.uncovered) }
                                        td.number { (g.tally.should_build_not_built) }
                                        td { (percent(g.tally.work_coverage_rate())) " / " (percent(g.targets.work_coverage_rate)) }
                                        td.number { (g.tally.branches_to_found) }
                                        td.number { (g.tally.joint_groups_proposed) }
                                        td.number { (g.tally.instructors_needed(&policy)) }
                                        td { a href={ "/map?cell=" (cell) "&" (query) } { (ui.t("查看", "Show")) } }
                                    }
                                }
                            }
                        }
                        @if gaps.len() > SHOWN {
                            p { (ui.t("只列出前 ", "Only the first ")) (SHOWN) (ui.t(" 个；完整清单请下载。", " are listed; download the full list.")) }
                        }
                    }
                }
            }
        },
    )
}
