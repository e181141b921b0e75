//! `/gaps`: the ranked gap list as a page, with the same filters as the exports, what each
//! gap needs, downloads (GeoJSON for QGIS, CSV, Excel) and a link to each gap on the map.

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use maud::{Markup, html};

use super::AppState;
use super::coverage::CoverageParams;
use super::extract::given;
use super::views::{filter_select, layout, percent, url_encode};
use crate::domain::decision::Coverage;
use crate::domain::division::known_name;
use crate::domain::organization::Kind;

pub fn router() -> Router<AppState> {
    Router::new().route("/gaps", get(gaps_page))
}

/// The most gaps the page lists; the downloads carry all of them.
const SHOWN: usize = 200;

async fn gaps_page(State(state): State<AppState>, Query(params): Query<CoverageParams>) -> Markup {
    let res = params.res(7).unwrap_or(7);
    let result = super::coverage::gaps(&state, &params);
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
    let query = query.join("&");
    layout(
        "覆盖缺口",
        "gaps",
        &[],
        html! {
            div.page {
                h1 { "覆盖缺口" }
                form.search method="get" action="/gaps" {
                    label {
                        "网格级别 "
                        select name="res" {
                            @for r in 5..=9u8 {
                                option value=(r) selected[r == res] { "H3 " (r) " 级" }
                            }
                        }
                    }
                    label { "区划代码 " input type="text" name="division" inputmode="numeric" size="10" value=[params.division.as_deref()]; }
                    (filter_select("类型", "kind", Kind::ALL.iter().map(|k| (k.as_str(), k.label_zh())), params.kind.as_deref()))
                    (filter_select(
                        "覆盖状态",
                        "coverage",
                        [Coverage::Uncovered, Coverage::Instructor, Coverage::Joint, Coverage::Own]
                            .map(|c| (c.as_str(), c.label_zh())),
                        params.coverage.as_deref(),
                    ))
                    button type="submit" { "查询" }
                }
                @match result {
                    Err(e) => p.error role="alert" { (e.to_string()) },
                    Ok(gaps) => {
                        p.summary {
                            "共 " (gaps.len()) " 个缺口网格，按未覆盖数、应建未建数、工作覆盖率排序。下载："
                            a href={ "/api/gaps.geojson?" (query) } { "GeoJSON（QGIS）" } " · "
                            a href={ "/api/gaps.csv?" (query) } { "CSV" } " · "
                            a href={ "/api/gaps.xlsx?" (query) } { "Excel" }
                        }
                        table.list.gaps {
                            thead {
                                tr {
                                    th { "优先级" } th { "所属区划" } th { "社会组织" } th { "未覆盖" }
                                    th { "应建未建" } th { "工作覆盖率 / 目标" } th { "需新建党组织" }
                                    th { "拟建联合党支部" } th { "需选派指导员" } th { "地图" }
                                }
                            }
                            tbody {
                                @for g in gaps.iter().take(SHOWN) {
                                    @let cell = format!("{:x}", u64::from(g.cell));
                                    tr {
                                        td.number { (g.priority) }
                                        td { (known_name(&g.division_code)) " " span.clause { (g.division_code) } }
                                        td.number { (g.tally.total) }
                                        td.number { (g.tally.uncovered) }
                                        td.number { (g.tally.should_build_not_built) }
                                        td { (percent(g.tally.work_coverage_rate())) " / " (percent(g.targets.work_coverage_rate)) }
                                        td.number { (g.tally.branches_to_found) }
                                        td.number { (g.tally.joint_groups_proposed) }
                                        td.number { (g.tally.instructors_needed(&policy)) }
                                        td { a href={ "/map?cell=" (cell) } { "查看" } }
                                    }
                                }
                            }
                        }
                        @if gaps.len() > SHOWN {
                            p { "只列出前 " (SHOWN) " 个；完整清单请下载。" }
                        }
                    }
                }
            }
        },
    )
}
