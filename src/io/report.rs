//! The statistics report as organization departments file it: an .xlsx with a title, the
//! period and the date of the figures, two rows of merged Chinese headers, one row per
//! division and a total row (numbers as numbers, rates as percentages), and a notes sheet
//! saying how each column is counted. The page (`/report`) shows the same columns.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::domain::division::name_chain;
use crate::domain::report::{Period, Report, ReportRow};

/// A column's value for one row.
pub enum Figure {
    Count(u64),
    Rate(f64),
}

/// A column: its header and how a row's figure is read.
pub type Column = (&'static str, fn(&ReportRow) -> Figure);

/// The header groups (row 1 of the headers) and their columns (row 2); a group of one
/// column spans both header rows.
pub const GROUPS: [(&str, &[Column]); 9] = [
    (
        "社会组织总数",
        &[
            ("合计", |r| Figure::Count(r.counts.total.into())),
            ("社会团体", |r| {
                Figure::Count(r.counts.by_kind[0].into())
            }),
            ("民办非企业单位（社会服务机构）", |r| {
                Figure::Count(r.counts.by_kind[1].into())
            }),
            ("基金会", |r| Figure::Count(r.counts.by_kind[2].into())),
            ("社会中介组织", |r| {
                Figure::Count(r.counts.by_kind[3].into())
            }),
            ("城乡社区社会组织", |r| {
                Figure::Count(r.counts.by_kind[4].into())
            }),
        ],
    ),
    (
        "有正式党员3名以上的",
        &[("有正式党员3名以上的", |r| {
            Figure::Count(r.counts.three_or_more_formal.into())
        })],
    ),
    (
        "已建立党组织的",
        &[
            ("单独建立·党委", |r| {
                Figure::Count(r.counts.committees.into())
            }),
            ("单独建立·党总支", |r| {
                Figure::Count(r.counts.general_branches.into())
            }),
            ("单独建立·党支部", |r| {
                Figure::Count(r.counts.branches.into())
            }),
            ("联合建立·行业", |r| {
                Figure::Count(r.counts.joint_industry.into())
            }),
            ("联合建立·区域", |r| {
                Figure::Count(r.counts.joint_regional.into())
            }),
        ],
    ),
    (
        "未建立党组织的",
        &[
            ("合计", |r| {
                Figure::Count(r.counts.without_party_org.into())
            }),
            ("其中选派党建工作指导员或联络员的", |r| {
                Figure::Count(r.counts.with_instructor.into())
            }),
        ],
    ),
    (
        "应建未建",
        &[("应建未建", |r| {
            Figure::Count(r.counts.should_build_not_built.into())
        })],
    ),
    (
        "党员数",
        &[
            ("正式党员", |r| Figure::Count(r.counts.formal_members)),
            ("预备党员", |r| {
                Figure::Count(r.counts.probationary_members)
            }),
            ("组织关系未转入", |r| {
                Figure::Count(r.counts.members_elsewhere)
            }),
        ],
    ),
    (
        "单独组建率",
        &[("单独组建率", |r| {
            Figure::Rate(r.counts.own_organization_rate())
        })],
    ),
    (
        "组织覆盖率",
        &[("组织覆盖率", |r| {
            Figure::Rate(r.counts.org_coverage_rate())
        })],
    ),
    (
        "工作覆盖率",
        &[("工作覆盖率", |r| {
            Figure::Rate(r.counts.work_coverage_rate())
        })],
    ),
];

/// A target column: its header and the row's target.
pub type TargetColumn = (&'static str, fn(&ReportRow) -> f64);

/// The year's targets, after the rates.
pub const TARGETS: [TargetColumn; 3] = [
    ("单独组建率", |r| r.targets.own_organization_rate),
    ("组织覆盖率", |r| r.targets.org_coverage_rate),
    ("工作覆盖率", |r| r.targets.work_coverage_rate),
];

/// How each column is counted, for the notes sheet and the page.
pub const NOTES: [(&str, &str); 10] = [
    (
        "统计范围",
        "运行中（正常、变更）的社会组织；注销、合并的不计入。城乡社区社会组织按其所在街道（乡镇）计。没有经纬度的组织同样计入所属区划。",
    ),
    (
        "社会组织总数",
        "按登记的组织类型（社会团体、民办非企业单位或社会服务机构、基金会、社会中介组织、城乡社区社会组织）分列。",
    ),
    (
        "有正式党员3名以上的",
        "正式党员不少于3名（docs/rules.md R1；预备党员不计）。",
    ),
    (
        "已建立党组织的",
        "按登记的党组织形式：单独建立的党委、党总支、党支部，纳入行业或区域联合党组织的（docs/rules.md R1、R3、R4）。",
    ),
    (
        "未建立党组织的",
        "没有单独或联合的党组织；其中已选派党建工作指导员或联络员的另列（docs/rules.md R5）。",
    ),
    (
        "应建未建",
        "正式党员3名以上而未单独建立党组织的（docs/rules.md“覆盖”）。",
    ),
    (
        "党员数",
        "各组织登记的正式党员、预备党员和组织关系未转入的党员人数之和。",
    ),
    (
        "覆盖率",
        "单独组建率＝单独建立党组织的÷总数；组织覆盖率＝（单独建立＋联合建立）÷总数；工作覆盖率＝（单独建立＋联合建立＋选派指导员的）÷总数（docs/rules.md“覆盖”）。与概览页的同日数据一致。",
    ),
    (
        "年度目标",
        "策略文件 [targets] 中该区划（最长匹配的代码前缀）的目标，未设的用全局目标。",
    ),
    (
        "数据日期",
        "报告期已结束的，按其最后一天结束时的登记情况计。往期数据由变更记录重算：成立登记、党组织成立、注销以记录中的日期为准（补录的台账也计入当时）；未记日期的，从录入系统之日起计（docs/rules.md“往期数据”）。",
    ),
];

/// The name a report shows for its area: the names from the province down, or 全国.
pub fn area_name(prefix: &str) -> String {
    if prefix.is_empty() {
        "全国".to_owned()
    } else {
        let name = name_chain(prefix);
        if name.is_empty() {
            prefix.to_owned()
        } else {
            name
        }
    }
}

/// A row's division by its own name (呼和浩特市): the title names the area above it.
pub fn row_name(prefix: &str) -> String {
    crate::domain::division::division_name(prefix).map_or_else(|| prefix.to_owned(), str::to_owned)
}

/// The report's title.
pub fn title(report: &Report, period: &Period) -> String {
    format!(
        "{}社会组织党建工作统计表（{}）",
        area_name(&report.parent),
        period.label
    )
}

/// The report as an .xlsx workbook.
pub fn report_xlsx(
    report: &Report,
    period: &Period,
    figures_on: chrono::NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("统计表")?;
    let heading = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_border(FormatBorder::Thin);
    let title_format = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let text = Format::new().set_border(FormatBorder::Thin);
    let count = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0");
    let rate = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.0%");
    let bold = |f: &Format| f.clone().set_bold();

    let columns: usize = 2 + GROUPS.iter().map(|(_, c)| c.len()).sum::<usize>() + TARGETS.len();
    let last = columns as u16 - 1;
    sheet.merge_range(0, 0, 0, last, &title(report, period), &title_format)?;
    sheet.merge_range(
        1,
        0,
        1,
        last,
        &format!("数据日期：{figures_on}（当日登记情况）；各列口径见“说明”工作表"),
        &Format::new().set_align(FormatAlign::Center),
    )?;
    sheet.merge_range(2, 0, 3, 0, "区划代码", &heading)?;
    sheet.merge_range(2, 1, 3, 1, "区划名称", &heading)?;
    let mut col: u16 = 2;
    for (group, members) in GROUPS {
        if members.len() == 1 {
            sheet.merge_range(2, col, 3, col, group, &heading)?;
        } else {
            sheet.merge_range(2, col, 2, col + members.len() as u16 - 1, group, &heading)?;
            for (i, (label, _)) in members.iter().enumerate() {
                sheet.write_string_with_format(3, col + i as u16, *label, &heading)?;
            }
        }
        col += members.len() as u16;
    }
    sheet.merge_range(
        2,
        col,
        2,
        col + TARGETS.len() as u16 - 1,
        "年度目标",
        &heading,
    )?;
    for (i, (label, _)) in TARGETS.iter().enumerate() {
        sheet.write_string_with_format(3, col + i as u16, *label, &heading)?;
    }
    sheet.set_row_height(3, 48)?;
    sheet.set_column_width(0, 14)?;
    sheet.set_column_width(1, 28)?;
    for c in 2..=last {
        sheet.set_column_width(c, 10)?;
    }

    let rows = report.rows.iter().map(|r| (r, false));
    let rows = rows.chain(std::iter::once((&report.total, true)));
    for (row, (r, is_total)) in (4u32..).zip(rows) {
        let (text, count, rate) = if is_total {
            (bold(&text), bold(&count), bold(&rate))
        } else {
            (text.clone(), count.clone(), rate.clone())
        };
        let (code, name) = if is_total {
            (String::new(), "合计".to_owned())
        } else {
            (r.division.clone(), row_name(&r.division))
        };
        sheet.write_string_with_format(row, 0, &code, &text)?;
        sheet.write_string_with_format(row, 1, &name, &text)?;
        let mut col = 2u16;
        for (_, members) in GROUPS {
            for (_, figure) in members {
                match figure(r) {
                    Figure::Count(n) => {
                        sheet.write_number_with_format(row, col, n as f64, &count)?
                    }
                    Figure::Rate(x) => sheet.write_number_with_format(row, col, x, &rate)?,
                };
                col += 1;
            }
        }
        for (_, target) in TARGETS {
            sheet.write_number_with_format(row, col, target(r), &rate)?;
            col += 1;
        }
    }
    sheet.set_freeze_panes(4, 2)?;
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(2, 3)?;

    let notes = book.add_worksheet();
    notes.set_name("说明")?;
    notes.set_column_width(0, 18)?;
    notes.set_column_width(1, 100)?;
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    notes.write_string_with_format(0, 0, "列", &bold(&Format::new()))?;
    notes.write_string_with_format(0, 1, "口径", &bold(&Format::new()))?;
    for (i, (column, how)) in NOTES.iter().enumerate() {
        notes.write_string_with_format(i as u32 + 1, 0, *column, &wrap)?;
        notes.write_string_with_format(i as u32 + 1, 1, *how, &wrap)?;
    }
    notes.write_string(
        NOTES.len() as u32 + 2,
        0,
        format!(
            "报告期：{}（{} 至 {}），数据日期 {figures_on}",
            period.label, period.start, period.end
        ),
    )?;
    book.save_to_buffer()
}
