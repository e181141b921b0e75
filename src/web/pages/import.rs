//! `/orgs/import`: civil affairs upload a ledger (an Excel/WPS workbook or a CSV file), read
//! the check of every row first, and import on confirmation. The file is read by the same
//! readers as `orgcover import`, and written through the registry's import (role,
//! jurisdiction, all or nothing, audited).

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};

use super::ui::Ui;
use super::views::{Refusal, csrf_field, layout};
use crate::domain::coords::Crs;
use crate::io::csv::{ParsedFile, read_orgs};
use crate::io::workbook::{CellPlace, is_workbook, read_ledger_bytes};
use crate::registry::today;
use crate::web::AppState;
use crate::web::http::access::{MAX_UPLOAD, UPLOAD_ROUTE};
use crate::web::http::error::AppError;
use crate::web::http::extract::{CurrentActor, PageForm};
use crate::web::http::uploads::Upload;

/// The most row errors a check page lists (the rest are counted).
const SHOWN_ERRORS: usize = 200;

const _: () = assert!(matches!(UPLOAD_ROUTE.as_bytes(), b"/orgs/import"));

pub fn router() -> Router<AppState> {
    Router::new()
        // UPLOAD_ROUTE, written out for the access rules' source scan.
        .route(
            "/orgs/import",
            get(form)
                .post(check)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/orgs/import/confirm", post(confirm))
}

async fn form(ui: Ui) -> Markup {
    page(&ui, None, html! {})
}

fn page(ui: &Ui, problem: Option<&str>, below: Markup) -> Markup {
    layout(
        ui,
        ui.t("导入台账", "Import a ledger"),
        "orgs",
        &[],
        html! {
            div.page {
                h1 { (ui.t("导入台账", "Import a ledger")) }
                p.hint {
                    (ui.t(
                        "上传 Excel/WPS 台账（.xlsx、.xls、.xlsb、.ods）或 CSV 文件：先逐行检查并显示结果，确认后才写入。表头行可在标题行之下，台账自己的列名（社会组织名称、住所、登记管理机关等）均可识别，见 docs/formats.md。",
                        "Upload an Excel/WPS ledger (.xlsx, .xls, .xlsb, .ods) or a CSV file: every row is checked and shown first, and nothing is written until you confirm. The header row may lie below title rows, and the ledgers' own column names (社会组织名称, 住所, 登记管理机关, ...) are understood; see docs/formats.md.",
                    ))
                }
                @if let Some(problem) = problem {
                    p.error role="alert" { (problem) }
                }
                form.import method="post" action=(UPLOAD_ROUTE) enctype="multipart/form-data" {
                    (csrf_field(ui))
                    label {
                        (ui.t("文件", "File")) " "
                        input type="file" name="file" required
                            accept=".xlsx,.xlsm,.xls,.xlsb,.ods,.csv";
                    }
                    label {
                        (ui.t("工作表（可不填）", "Sheet (optional)")) " "
                        input type="text" name="sheet" maxlength="100";
                    }
                    label {
                        (ui.t("坐标系", "Coordinates")) " "
                        select name="crs" {
                            option value="wgs84" { "WGS84" }
                            option value="gcj02" { (ui.t("GCJ-02（高德、腾讯）", "GCJ-02 (Amap, Tencent)")) }
                            option value="bd09" { (ui.t("BD-09（百度）", "BD-09 (Baidu)")) }
                        }
                    }
                    button type="submit" { (ui.t("检查", "Check")) }
                }
                (below)
            }
        },
    )
}

/// What a check found, read from the file as `orgcover import` reads it.
struct Checked {
    parsed: ParsedFile,
    /// For a workbook: the sheet, the header row, the columns read past.
    sheet: Option<(String, u32, Vec<String>)>,
}

fn read(upload: &Upload) -> Result<Checked, String> {
    if is_workbook(std::path::Path::new(&upload.file_name)) {
        let ledger = read_ledger_bytes(
            upload.bytes.as_ref().clone(),
            upload.sheet.as_deref(),
            upload.crs,
            today(),
        )
        .map_err(|e| e.to_string())?;
        Ok(Checked {
            parsed: ledger.parsed,
            sheet: Some((ledger.sheet, ledger.header_row, ledger.ignored)),
        })
    } else {
        let parsed = read_orgs(&upload.bytes, upload.crs, today()).map_err(|e| e.to_string())?;
        Ok(Checked {
            parsed,
            sheet: None,
        })
    }
}

/// The check's report: where the header was, how many rows are good, each bad cell.
fn report(ui: &Ui, checked: &Checked, upload_id: &str) -> Markup {
    let parsed = &checked.parsed;
    let valid = parsed.rows.len();
    let rejected = parsed.rejected.len();
    let errors: Vec<_> = parsed.errors().collect();
    let warnings = parsed.warnings();
    html! {
        section.report {
            h2 { (ui.t("检查结果", "The check")) }
            @if let Some((sheet, header_row, ignored)) = &checked.sheet {
                p {
                    (ui.t("工作表", "Sheet")) " “" (sheet) "”，"
                    (ui.t("表头在第", "header on row")) " " (header_row) " "
                    (ui.t("行", ""))
                }
                @if !ignored.is_empty() {
                    p.hint {
                        (ui.t("未导入的说明性列：", "Descriptive columns not imported: "))
                        (ignored.join("、"))
                    }
                }
            }
            p.summary {
                (ui.t("共读取", "Read")) " " (valid + rejected) " "
                (ui.t("行：正确", "rows: valid")) " " strong { (valid) } "，"
                (ui.t("有错误", "with errors")) " " strong { (rejected) }
            }
            @if !errors.is_empty() {
                table.errors {
                    thead { tr {
                        th { (ui.t("位置", "Where")) }
                        th { (ui.t("问题", "What is wrong")) }
                    } }
                    tbody {
                        @for e in errors.iter().take(SHOWN_ERRORS) {
                            tr {
                                td { (place_of(checked, e.line, &e.column)) }
                                td { (e.message) }
                            }
                        }
                    }
                }
                @if errors.len() > SHOWN_ERRORS {
                    p { (ui.t("另有", "and")) " " (errors.len() - SHOWN_ERRORS) " " (ui.t("处错误", "more errors")) }
                }
            }
            @if !warnings.rows.is_empty() {
                table.warnings #warnings {
                    thead { tr {
                        th { (ui.t("位置", "Where")) }
                        th { (ui.t("请核实（不影响导入）", "To verify (imported all the same)")) }
                    } }
                    tbody {
                        @for (line, doubt) in warnings.rows.iter().take(SHOWN_ERRORS) {
                            tr {
                                td { (row_of(checked, *line)) }
                                td { (doubt.message(ui.lang)) }
                            }
                        }
                    }
                }
                @if warnings.rows.len() > SHOWN_ERRORS {
                    p { (ui.t("另有", "and")) " " (warnings.rows.len() - SHOWN_ERRORS) " " (ui.t("处提示", "more warnings")) }
                }
            }
            @if warnings.divisions_found > 0 {
                p.hint #divisions-found {
                    (warnings.divisions_found)
                    (ui.t(" 行未填行政区划代码，已由住所或统一社会信用代码推断，导入后列入“待核实”。",
                        " rows had no division code: it was found from the address or the credit code, and they will be listed to verify."))
                }
            }
            @if warnings.without_point > 0 {
                p.hint #without-point {
                    (warnings.without_point)
                    (ui.t(" 行没有经纬度：计入所属区划的统计，不计入网格，导入后列入“待核实位置”。",
                        " rows have no coordinates: counted in their division's figures, in no hexagon, and listed as locations to verify."))
                }
            }
            @if valid > 0 {
                form.confirm method="post" action="/orgs/import/confirm" {
                    (csrf_field(ui))
                    input type="hidden" name="upload" value=(upload_id);
                    @if rejected > 0 {
                        p.hint {
                            (ui.t(
                                "有错误的行不能导入。可以改正后重新上传，或只导入正确的行：",
                                "Rows with errors cannot be imported. Fix them and upload again, or import the valid rows only:",
                            ))
                        }
                        label {
                            input type="checkbox" name="skip_invalid" value="on";
                            " " (ui.t("只导入正确的行", "import the valid rows only"))
                        }
                    }
                    button type="submit" {
                        (ui.t("确认导入", "Import")) " " (valid) " " (ui.t("行", "rows"))
                    }
                }
            }
        }
    }
}

/// A whole row's place: `sheet 社会组织, row 12`, or `line 12` of a CSV.
fn row_of(checked: &Checked, line: u64) -> String {
    match &checked.sheet {
        Some((sheet, ..)) => format!("sheet {sheet}, row {line}"),
        None => format!("line {line}"),
    }
}

fn place_of(checked: &Checked, line: u64, column: &str) -> String {
    match &checked.sheet {
        Some((sheet, ..)) => CellPlace {
            sheet,
            row: line,
            column,
        }
        .to_string(),
        None => format!("line {line}, column {column}"),
    }
}

/// Reads the upload, keeps it for the confirmation, and shows the check.
async fn check(
    ui: Ui,
    CurrentActor(actor): CurrentActor,
    State(state): State<AppState>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let (mut file, mut sheet, mut crs) = (None, None, Crs::Wgs84);
    while let Some(field) = form.next_field().await.map_err(|e| {
        AppError::bad_request(
            format!("上传的表单有误：{}", e.body_text()),
            format!("the upload is malformed: {}", e.body_text()),
        )
    })? {
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(|e| {
                    AppError::bad_request(
                        format!("无法读取上传的文件：{}", e.body_text()),
                        format!("the uploaded file cannot be read: {}", e.body_text()),
                    )
                })?;
                file = Some((name, bytes.to_vec()));
            }
            "sheet" => {
                let text = field.text().await.unwrap_or_default();
                sheet = Some(text.trim().to_owned()).filter(|s| !s.is_empty());
            }
            "crs" => {
                let text = field.text().await.unwrap_or_default();
                crs = Crs::parse(&text).unwrap_or(Crs::Wgs84);
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let problem = ui.t("请选择要上传的文件", "choose a file to upload");
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            page(&ui, Some(problem), html! {}),
        )
            .into_response());
    };
    let id = state
        .uploads
        .keep(actor.account.id, name, bytes, sheet, crs)
        .map_err(AppError::Internal)?;
    let upload = state.uploads.get(&id, actor.account.id).expect("just kept");
    let answer = match read(&upload) {
        Ok(checked) => {
            let body = report(&ui, &checked, &id);
            page(&ui, None, body).into_response()
        }
        Err(problem) => (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            page(&ui, Some(&problem), html! {}),
        )
            .into_response(),
    };
    Ok(answer)
}

/// Imports the checked upload through the registry.
async fn confirm(
    ui: Ui,
    CurrentActor(actor): CurrentActor,
    State(state): State<AppState>,
    PageForm(values): PageForm<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let id = values.get("upload").map(String::as_str).unwrap_or_default();
    let skip_invalid = values.get("skip_invalid").is_some_and(|v| v == "on");
    let Some(upload) = state.uploads.get(id, actor.account.id) else {
        let problem = ui.t(
            "上传的文件已过期（保留30分钟）或已导入：请重新上传",
            "the upload has expired (kept for 30 minutes) or was imported already: upload it again",
        );
        return Ok((
            axum::http::StatusCode::CONFLICT,
            page(&ui, Some(problem), html! {}),
        )
            .into_response());
    };
    let checked = match read(&upload) {
        Ok(checked) => checked,
        Err(problem) => {
            return Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                page(&ui, Some(&problem), html! {}),
            )
                .into_response());
        }
    };
    if !checked.parsed.rejected.is_empty() && !skip_invalid {
        let problem = ui.t(
            "有错误的行，未写入任何数据：改正后重新上传，或选择只导入正确的行",
            "some rows have errors, nothing was written: fix them and upload again, or choose to import the valid rows only",
        );
        let body = report(&ui, &checked, &upload.id);
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            page(&ui, Some(problem), body),
        )
            .into_response());
    }
    let rejected = checked.parsed.rejected.len();
    let orgs: Vec<_> = checked.parsed.rows.into_iter().map(|(_, o)| o).collect();
    match crate::registry::import(&state.store, &actor, &orgs, |_| {}).await {
        Ok(summary) => {
            state.uploads.take(&upload.id, actor.account.id);
            if let Err(e) = state.catch_up().await {
                tracing::warn!(error = %e, "the import is written; the map shows it within a second");
            }
            let body = html! {
                section.report {
                    h2 { (ui.t("导入完成", "Imported")) }
                    p.summary {
                        (ui.t("新增", "Added")) " " strong { (summary.inserted) } "，"
                        (ui.t("更新", "updated")) " " strong { (summary.updated) } "，"
                        (ui.t("未变", "unchanged")) " " strong { (summary.unchanged) }
                        @if rejected > 0 {
                            "，" (ui.t("未导入的错误行", "rows with errors not imported")) " " strong { (rejected) }
                        }
                    }
                    p { a href="/orgs" { (ui.t("查看社会组织列表", "See the organizations")) } }
                }
            };
            Ok(page(&ui, None, body).into_response())
        }
        Err(e) => {
            let refusal = Refusal::of(e, ui.lang)?;
            let problem = refusal.problem.clone().unwrap_or_else(|| {
                let mut texts: Vec<_> = refusal.errors.values().cloned().collect();
                texts.sort();
                texts.join("；")
            });
            Ok((refusal.status, page(&ui, Some(&problem), html! {})).into_response())
        }
    }
}
