//! Issue 18: ledgers as offices keep them, imported from Excel (.xlsx written with
//! rust_xlsxwriter) and from the old binary format (.xls written with xlwt, as the
//! registration systems' templates are): a title row, merged group headers, the ledger's
//! own column names, dates as date cells and as serial numbers, counts as floats.

use serde_json::{Value, json};

use crate::helpers::{SOCIAL_GROUP_CODES as CODES, TestApp, external, python_with};
use crate::on_both_backends;

on_both_backends!(
    a_ledger_imports_from_xlsx_and_xls_with_the_sheets_own_headers,
    a_bad_row_is_named_by_sheet_row_and_column_and_nothing_is_written,
    an_export_in_chinese_imports_back_as_the_same_registry,
    the_upload_page_checks_a_ledger_and_imports_on_confirmation,
    a_ledger_without_division_codes_or_coordinates_imports_with_divisions_from_the_addresses,
);

const SHEET: &str = "社会组织";
const TITLE: &str = "2026年度社会组织党建工作台账";
/// Row 2: the groups over the columns, each merged across its columns.
const GROUPS: [(&str, u16, u16); 2] = [("基本情况", 0, 8), ("党员情况", 9, 10)];
/// Row 3: the ledger's own names (序号 and 法定代表人 only describe).
const HEADERS: [&str; 11] = [
    "序号",
    "统一社会信用代码",
    "社会组织名称",
    "社会组织类型",
    "登记管理机关",
    "行政区划代码",
    "经度",
    "纬度",
    "成立登记日期",
    "正式党员",
    "法定代表人",
];

/// The data rows, from row 4; `registered` is a date cell in column I, except where a
/// row gives it as a serial number.
pub(crate) fn rows(bad_code_on_row_6: bool) -> Vec<Value> {
    let third = if bad_code_on_row_6 {
        "51150203MJ00005525"
    } else {
        CODES[2]
    };
    vec![
        json!({"code": CODES[0], "name": "新城区餐饮行业协会", "kind": "社会团体",
               "authority": "呼和浩特市新城区民政局", "division": "150102001",
               "lon": 111.67, "lat": 40.82, "date": [2019, 5, 20], "members": 4.0, "rep": "张三"}),
        json!({"code": CODES[1], "name": "新城区书法家协会", "kind": "社会团体",
               "authority": "呼和浩特市民政局", "division": "150102002",
               "lon": 111.68, "lat": 40.83, "serial": 45000, "members": 1.0, "rep": "李四"}),
        json!({"code": third, "name": "青山区老年人协会", "kind": "社会团体",
               "authority": "内蒙古自治区民政厅", "division": "150203001",
               "lon": 109.9, "lat": 40.65, "date": [2021, 1, 8], "members": 0.0, "rep": "王五"}),
    ]
}

/// The ledger's headers: with a division code column, or (rows without one, as most
/// ledgers) the address, 住所, in its place; without 经度 and 纬度 when the rows have no
/// coordinates (as the registration systems' ledgers); and the rows' key of the fifth.
fn headers_for(rows: &[Value]) -> (Vec<&'static str>, &'static str) {
    let mut headers = HEADERS.to_vec();
    let fifth = if rows.iter().all(|r| r.get("division").is_some()) {
        "division"
    } else {
        headers[5] = "住所";
        "address"
    };
    if rows.iter().all(|r| r.get("lon").is_none()) {
        headers.retain(|h| !matches!(*h, "经度" | "纬度"));
    }
    (headers, fifth)
}

/// The group headers of row 2 over the columns `headers` has.
fn groups_for(headers: &[&str]) -> Vec<(&'static str, u16, u16)> {
    let members = headers.iter().position(|h| *h == "正式党员").unwrap() as u16;
    vec![
        (GROUPS[0].0, 0, members - 1),
        (GROUPS[1].0, members, headers.len() as u16 - 1),
    ]
}

/// Each data row as (column, value) cells: the text cells, the numbers, and the
/// registration date as a date (`[y, m, d]`) or a serial number.
fn cells_of(headers: &[&str], fifth: &str, row: &Value) -> Vec<(u16, Value)> {
    let key = |header: &str| match header {
        "统一社会信用代码" => Some("code"),
        "社会组织名称" => Some("name"),
        "社会组织类型" => Some("kind"),
        "登记管理机关" => Some("authority"),
        "行政区划代码" | "住所" => Some(fifth),
        "经度" => Some("lon"),
        "纬度" => Some("lat"),
        "正式党员" => Some("members"),
        "法定代表人" => Some("rep"),
        _ => None,
    };
    headers
        .iter()
        .enumerate()
        .filter_map(|(col, header)| {
            let value = match *header {
                "成立登记日期" => row.get("date").or(row.get("serial"))?.clone(),
                h => row.get(key(h)?)?.clone(),
            };
            Some((col as u16, value))
        })
        .collect()
}

pub(crate) fn write_xlsx(path: &std::path::Path, rows: &[Value]) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(SHEET).unwrap();
    let centered = Format::new().set_bold();
    let (headers, fifth) = headers_for(rows);
    let last = headers.len() as u16 - 1;
    sheet.merge_range(0, 0, 0, last, TITLE, &centered).unwrap();
    for (group, first, last) in groups_for(&headers) {
        sheet
            .merge_range(1, first, 1, last, group, &centered)
            .unwrap();
    }
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(2, col as u16, *header).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (i, row) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        sheet.write_number(r, 0, (i + 1) as f64).unwrap();
        for (col, value) in cells_of(&headers, fifth, row) {
            match value {
                Value::String(text) => sheet.write_string(r, col, text).map(|_| ()),
                Value::Number(n) => sheet.write_number(r, col, n.as_f64().unwrap()).map(|_| ()),
                Value::Array(ymd) => {
                    let day = ExcelDateTime::from_ymd(
                        ymd[0].as_u64().unwrap() as u16,
                        ymd[1].as_u64().unwrap() as u8,
                        ymd[2].as_u64().unwrap() as u8,
                    )
                    .unwrap();
                    sheet
                        .write_datetime_with_format(r, col, &day, &date)
                        .map(|_| ())
                }
                other => panic!("a cell of {other}"),
            }
            .unwrap();
        }
    }
    book.save(path).unwrap();
}

/// The same ledger in BIFF8, written by xlwt as the registration systems' templates are.
fn write_xls(path: &std::path::Path, rows: &[Value]) {
    let script = r#"
import json, sys, datetime, xlwt
rows, sheet_name, title, groups, headers, out = json.loads(sys.argv[1])
book = xlwt.Workbook(encoding="utf-8")
sheet = book.add_sheet(sheet_name)
sheet.write_merge(0, 0, 0, len(headers) - 1, title)
for group, first, last in groups:
    sheet.write_merge(1, 1, first, last, group)
for col, header in enumerate(headers):
    sheet.write(2, col, header)
day = xlwt.easyxf(num_format_str="YYYY-MM-DD")
for i, cells in enumerate(rows):
    r = 3 + i
    sheet.write(r, 0, i + 1)
    for col, value in cells:
        if isinstance(value, list):
            sheet.write(r, col, datetime.date(*value), day)
        else:
            sheet.write(r, col, value)
book.save(out)
"#;
    let (headers, fifth) = headers_for(rows);
    let cells: Vec<Vec<(u16, Value)>> = rows.iter().map(|r| cells_of(&headers, fifth, r)).collect();
    let args = json!([cells, SHEET, TITLE, groups_for(&headers), headers, path]).to_string();
    let out = external("python3", "apt-get install python3")
        .args(["-c", script, &args])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xlwt (pip install xlwt): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn a_ledger_imports_from_xlsx_and_xls_with_the_sheets_own_headers(app: TestApp) {
    for name in ["ledger.xlsx", "ledger.xls"] {
        let path = app.path(name);
        if name.ends_with("xlsx") {
            write_xlsx(&path, &rows(false));
        } else {
            write_xls(&path, &rows(false));
        }
        let out = app.cli(&["import", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(
            stderr.contains("header on row 3") && stderr.contains("序号, 法定代表人"),
            "{name}: the header found below the title and groups, the descriptive columns named: {stderr}"
        );
        let (_, page) = app.get("/api/orgs?limit=10").await;
        assert_eq!(page["total"], 3, "{name}: {page}");
        let by_code = |code: &str| {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["credit_code"] == code)
                .cloned()
                .unwrap_or_else(|| panic!("{name}: {code} in {page}"))
        };
        let first = by_code(CODES[0]);
        assert_eq!(first["name"], "新城区餐饮行业协会");
        assert_eq!(first["kind"], "social_group");
        assert_eq!(first["level"], "county", "from 呼和浩特市新城区民政局");
        assert_eq!(first["registered_on"], "2019-05-20", "a date cell");
        assert_eq!(first["formal_members"], 4, "a count stored as 4.0");
        assert_eq!(first["division_code"], "150102001000");
        let second = by_code(CODES[1]);
        assert_eq!(second["level"], "municipal", "from 呼和浩特市民政局");
        assert_eq!(second["registered_on"], "2023-03-15", "serial number 45000");
        assert_eq!(by_code(CODES[2])["level"], "provincial", "from ...民政厅");
    }
    // The second import found the same organizations: updated in place, none added.
    let (_, page) = app.get("/api/orgs?limit=10").await;
    assert_eq!(page["total"], 3);
}

async fn a_bad_row_is_named_by_sheet_row_and_column_and_nothing_is_written(app: TestApp) {
    for name in ["bad.xlsx", "bad.xls"] {
        let path = app.path(name);
        if name.ends_with("xlsx") {
            write_xlsx(&path, &rows(true));
        } else {
            write_xls(&path, &rows(true));
        }
        let out = app.cli(&["import", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}: {stderr}");
        assert!(
            stderr.contains("sheet 社会组织, row 6, column B 统一社会信用代码:"),
            "{name}: Excel's row number and column letter: {stderr}"
        );
        let (_, page) = app.get("/api/orgs").await;
        assert_eq!(page["total"], 0, "{name}: all or nothing");
    }
    // A sheet asked for by name that the workbook does not have.
    let out = app.cli(&[
        "import",
        app.path("bad.xlsx").to_str().unwrap(),
        "--sheet",
        "台账",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("台账") && stderr.contains(SHEET),
        "{stderr}"
    );
    // A formula never computed (a file written by a program, here openpyxl): named, with
    // what to do, in place of the empty value it stands for.
    let script = r#"
import sys, openpyxl
book = openpyxl.Workbook()
sheet = book.active
sheet.title = "社会组织"
sheet.append(["统一社会信用代码", "社会组织名称", "社会组织类型", "登记管理机关", "行政区划代码", "经度", "纬度", "正式党员"])
sheet.append(["51150102MJ0000114U", "公式协会", "社会团体", "呼和浩特市新城区民政局", "150102001", 111.6, 40.8, "=1+2"])
book.save(sys.argv[1])
"#;
    let formula = app.path("formula.xlsx");
    let out = external("python3", "apt-get install python3")
        .args(["-c", script, formula.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = app.cli(&["import", formula.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("sheet 社会组织, row 2, column H 正式党员: 公式“=1+2”没有计算结果")
            && !stderr.contains("缺少必填项“正式党员数”"),
        "{stderr}"
    );
    // Merged cells among the data, and a second header row further down: each named.
    let script = r#"
import sys, openpyxl
headers = ["统一社会信用代码", "社会组织名称", "社会组织类型", "登记管理机关", "行政区划代码", "经度", "纬度", "正式党员"]
row = ["51150102MJ0000114U", "合并协会", "社会团体", "呼和浩特市新城区民政局", "150102001", 111.6, 40.8, 3]
merged = openpyxl.Workbook()
sheet = merged.active
sheet.title = "社会组织"
sheet.append(headers)
sheet.append(row)
sheet.append(["51150102MJ0000448C", "第二协会", "社会团体", None, "150102001", 111.6, 40.8, 1])
sheet.merge_cells("D2:D3")
merged.save(sys.argv[1])
twice = openpyxl.Workbook()
sheet = twice.active
sheet.title = "社会组织"
sheet.append(headers)
sheet.append(row)
sheet.append([])
sheet.append(headers)
twice.save(sys.argv[2])
"#;
    let (merged, twice) = (app.path("merged.xlsx"), app.path("twice.xlsx"));
    let out = external("python3", "apt-get install python3")
        .args([
            "-c",
            script,
            merged.to_str().unwrap(),
            twice.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = app.cli(&["import", merged.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && stderr.contains("sheet 社会组织, row 3, column D 登记管理机关: D2:D3 是合并单元格"),
        "{stderr}"
    );
    let out = app.cli(&["import", twice.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("rows 1 and 4 both look like header rows"),
        "{stderr}"
    );
    let (_, page) = app.get("/api/orgs").await;
    assert_eq!(page["total"], 0);
    // A workbook with a password to open (encrypted as Excel does it), and a cell of 8 MB.
    let script = r#"
import sys, openpyxl, msoffcrypto.format.ooxml
book = openpyxl.Workbook()
sheet = book.active
sheet.title = "社会组织"
sheet.append(["统一社会信用代码", "社会组织名称", "社会组织类型", "登记管理机关", "行政区划代码", "经度", "纬度", "正式党员"])
sheet.append(["51150102MJ0000114U", "大" * (8 << 20), "社会团体", "呼和浩特市新城区民政局", "150102001", 111.6, 40.8, 3])
book.save(sys.argv[2])
with open(sys.argv[2], "rb") as plain, open(sys.argv[1], "wb") as locked:
    msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("密码123", locked)
"#;
    let (locked, huge) = (app.path("locked.xlsx"), app.path("huge.xlsx"));
    let out = python_with("msoffcrypto")
        .args([
            "-c",
            script,
            locked.to_str().unwrap(),
            huge.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = app.cli(&["import", locked.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && stderr.contains("工作簿设有打开密码")
            && stderr.contains("password-protected"),
        "{stderr}"
    );
    let out = app.cli(&["import", huge.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && stderr.contains("sheet 社会组织, row 2, column B 社会组织名称: “名称”最多200个字符"),
        "{}",
        &stderr[..stderr.len().min(2000)]
    );
    // A file that is not a workbook at all.
    std::fs::write(app.path("broken.xlsx"), b"PK\x03\x04 not really").unwrap();
    let out = app.cli(&["import", app.path("broken.xlsx").to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("cannot read the workbook"),
        "{stderr}"
    );
    // The valid rows only: the bad one goes to a rejects file under the sheet's own column
    // names, the level read from 登记管理机关 as 登记层级, so it reads back as a ledger.
    let rejects = app.path("rejects.csv");
    app.cli_ok(&[
        "import",
        app.path("bad.xlsx").to_str().unwrap(),
        "--skip-invalid",
        rejects.to_str().unwrap(),
    ]);
    let rejects = std::fs::read_to_string(&rejects).unwrap();
    let header = rejects.lines().next().unwrap();
    assert!(
        header.contains(",统一社会信用代码,社会组织名称,") && header.contains(",登记层级,"),
        "{header}"
    );
    assert!(
        rejects.lines().nth(1).unwrap().starts_with("6,"),
        "{rejects}"
    );
    let (_, page) = app.get("/api/orgs").await;
    assert_eq!(page["total"], 2);

    // REJECTS.xlsx: the same rows as a workbook; the clerk fixes the credit code in Excel
    // (here openpyxl) and imports the file as it is, its line and reason columns read past.
    let rejects = app.path("rejects.xlsx");
    app.cli_ok(&[
        "import",
        app.path("bad.xlsx").to_str().unwrap(),
        "--skip-invalid",
        rejects.to_str().unwrap(),
    ]);
    let script = r#"
import sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
sheet = book.active
header = [c.value for c in sheet[1]]
row = [c.value for c in sheet[2]]
assert sheet.max_row == 2, sheet.max_row
assert header[0] == "line" and header[-1] == "reason", header
assert row[0] == 6, row
assert "统一社会信用代码" in row[-1], row[-1]
code = header.index("统一社会信用代码")
sheet.cell(row=2, column=code + 1, value="51150203MJ00005524")
book.save(sys.argv[1])
"#;
    let out = python_with("openpyxl")
        .args(["-c", script, rejects.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = app.cli(&["import", rejects.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the fixed rejects import as they are: {stderr}"
    );
    assert!(
        stderr.contains("line, reason"),
        "listed as read past: {stderr}"
    );
    let (_, page) = app.get("/api/orgs").await;
    assert_eq!(page["total"], 3);
}

/// Issue 18.2: an export in Chinese (headers and values) as CSV and as an .xlsx ledger
/// imports back as the same registry; the workbook opens in openpyxl with its header row
/// frozen and filtered and a sheet of the code lists.
async fn an_export_in_chinese_imports_back_as_the_same_registry(app: TestApp) {
    let generated = app.path("generated.csv");
    app.cli_ok(&[
        "generate",
        "--orgs",
        "300",
        "--division",
        "15",
        "--out",
        generated.to_str().unwrap(),
    ]);
    app.import(generated.to_str().unwrap());
    app.import(&crate::helpers::fixture("orgs_analyze.csv"));
    let reference = app.path("reference.csv");
    let out = app.cli(&["export", reference.to_str().unwrap()]);
    assert!(out.status.success());
    let reference = std::fs::read_to_string(&reference).unwrap();

    for name in ["zh.csv", "zh.xlsx"] {
        let file = app.path(name);
        app.cli_ok(&["export", file.to_str().unwrap(), "--headers", "zh"]);
        if name.ends_with("csv") {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                text.contains("社会团体") && text.contains("县级") && text.contains(",否,"),
                "Chinese values under Chinese headers"
            );
            assert!(!text.contains("social_group") && !text.contains(",false,"));
        }
        // A second registry, filled from the export alone.
        let second = format!("sqlite://{}", app.path(&format!("{name}.db")).display());
        let out = crate::helpers::orgcover(&second, &["import", file.to_str().unwrap()], "");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let again = app.path(&format!("{name}.again.csv"));
        let out = crate::helpers::orgcover(&second, &["export", again.to_str().unwrap()], "");
        assert!(out.status.success());
        assert!(
            std::fs::read_to_string(&again).unwrap() == reference,
            "{name}: the registry read back from the export is the one exported"
        );
    }

    let script = r#"
import sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
sheet = book["社会组织"]
print(book.sheetnames, sheet.freeze_panes, sheet.auto_filter.ref, sheet["C1"].value, sheet["C2"].value, type(sheet["P2"].value).__name__)
"#;
    let out = external("python3", "apt-get install python3")
        .args(["-c", script, app.path("zh.xlsx").to_str().unwrap()])
        .output()
        .unwrap();
    let seen = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        seen.starts_with("['社会组织', '代码表'] A2 A1:AB")
            && seen.contains(" 类型 ")
            && seen.trim_end().ends_with("int"),
        "sheets, frozen header, filter, Chinese header, counts as numbers: {seen}"
    );
}

/// Posts the upload form with `file` as the ledger, through the session `cookie`.
async fn upload(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, String) {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        )
        .text("sheet", "")
        .text("crs", "wgs84");
    let r = crate::helpers::no_redirects()
        .post(app.url("/orgs/import"))
        .header("Cookie", cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn confirm(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    upload: &str,
    skip: bool,
) -> (u16, String) {
    let mut pairs = vec![("csrf", csrf), ("upload", upload)];
    if skip {
        pairs.push(("skip_invalid", "on"));
    }
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let r = crate::helpers::no_redirects()
        .post(app.url("/orgs/import/confirm"))
        .header("Cookie", cookie)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Issue 18.1: the upload page shows the check of every row first (the CLI's messages,
/// with the sheet's rows and columns) and imports only on confirmation, through the
/// registry: nothing is written before, a file with errors imports only when the clerk
/// asks for the valid rows, and nobody else can confirm the clerk's upload.
async fn the_upload_page_checks_a_ledger_and_imports_on_confirmation(app: TestApp) {
    use crate::access::{csrf_in, page_with, pair, sign_in};
    use crate::helpers::{PASSWORD, add_user};
    use orgcover::domain::access::Role;
    add_user(&app, "minzheng", Role::CivilAffairs, "15").await;
    add_user(&app, "other", Role::CivilAffairs, "15").await;
    let (_, _, cookie, _) = sign_in(&app, "minzheng", PASSWORD).await;
    let cookie = pair(&cookie.unwrap());
    let form = page_with(&app, "/orgs/import", &cookie).await;
    assert!(form.contains("enctype=\"multipart/form-data\""), "{form}");
    let csrf = csrf_in(&form);

    let path = app.path("upload.xlsx");
    write_xlsx(&path, &rows(true));
    let bytes = std::fs::read(&path).unwrap();

    let (status, forged) =
        upload(&app, &cookie, "not-the-token", "upload.xlsx", bytes.clone()).await;
    assert_eq!(status, 403, "{forged}");

    let (status, report) = upload(&app, &cookie, &csrf, "upload.xlsx", bytes).await;
    assert_eq!(status, 200, "{report}");
    assert!(
        report.contains("sheet 社会组织, row 6, column B 统一社会信用代码")
            && report.contains("表头在第 3 行")
            && report.contains("序号、法定代表人"),
        "{report}"
    );
    let (_, page) = app.get("/api/orgs").await;
    assert_eq!(page["total"], 0, "the check writes nothing");
    let id_at = report
        .find("name=\"upload\" value=\"")
        .expect("a confirm form")
        + 21;
    let id = &report[id_at..id_at + 32];

    let (_, _, other_cookie, _) = sign_in(&app, "other", PASSWORD).await;
    let other_cookie = pair(&other_cookie.unwrap());
    let other_csrf = csrf_in(&page_with(&app, "/orgs/import", &other_cookie).await);
    let (status, _) = confirm(&app, &other_cookie, &other_csrf, id, true).await;
    assert_eq!(status, 409, "another account cannot import this upload");

    let (status, refused) = confirm(&app, &cookie, &csrf, id, false).await;
    assert_eq!(status, 422, "{refused}");
    let (_, page) = app.get("/api/orgs").await;
    assert_eq!(
        page["total"], 0,
        "all or nothing unless the valid rows are asked for"
    );

    let (status, done) = confirm(&app, &cookie, &csrf, id, true).await;
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("新增 <strong>2</strong>"), "{done}");
    let (_, page) = app.get("/api/orgs").await;
    assert_eq!(page["total"], 2);
    let (_, history) = app
        .get(&format!("/api/orgs/{}/history", page["items"][0]["id"]))
        .await;
    assert!(
        history.to_string().contains("minzheng"),
        "audited as the clerk: {history}"
    );
    let (status, _) = confirm(&app, &cookie, &csrf, id, true).await;
    assert_eq!(status, 409, "an upload is imported once");

    // What the rows will be listed to verify for is said in the check, row by row, before
    // anything is written: a credit code of another province, a point missing.
    let xiamen =
        orgcover::domain::credit_code::CreditCode::compose(b'5', b'1', "350203", "MJ000011");
    let csv = format!(
        "credit_code,name,kind,level,division_code,lon,lat,formal_members\n\
         {xiamen},厦门登记的协会,social_group,county,150102001,,,2\n"
    );
    let (status, report) = upload(&app, &cookie, &csrf, "warned.csv", csv.into_bytes()).await;
    assert_eq!(status, 200, "{report}");
    assert!(
        report.contains("id=\"warnings\"")
            && report.contains("line 2")
            && report.contains("1 行没有经纬度")
            && report.contains("确认导入 1 行"),
        "{report}"
    );
}

/// Issue 18.3 and 18.4, its "done when": a ledger with a title row, merged group headers,
/// no coordinates and no division codes imports from .xlsx and .xls; each row gets the
/// division its address names, and no point: counted in its division, in no hexagon, on
/// the list of locations to verify, and left to R5 with the reason that says why.
async fn a_ledger_without_division_codes_or_coordinates_imports_with_divisions_from_the_addresses(
    app: TestApp,
) {
    let addresses = [
        "呼和浩特市新城区海拉尔东路街道中山东路8号",
        "新城区锡林北路街道三角线社区12号",
        "包头市青山区某某大厦3层",
    ];
    let rows: Vec<Value> = rows(false)
        .into_iter()
        .zip(addresses)
        .map(|(mut row, address)| {
            let fields = row.as_object_mut().unwrap();
            for key in ["division", "lon", "lat"] {
                fields.remove(key);
            }
            row["address"] = json!(address);
            row
        })
        .collect();
    for name in ["ledger.xlsx", "ledger.xls"] {
        let path = app.path(name);
        if name.ends_with("xlsx") {
            write_xlsx(&path, &rows);
        } else {
            write_xls(&path, &rows);
        }
        let out = app.cli(&["import", path.to_str().unwrap()]);
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {said}");
        // Said before anything is listed: what was found, what has no point.
        assert!(
            said.contains("3 行未填行政区划代码，已由住所或统一社会信用代码推断")
                && said.contains("3 行没有经纬度"),
            "{name}: {said}"
        );
        let (_, page) = app.get("/api/orgs").await;
        let by_name = |n: &str| {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["name"] == n)
                .unwrap_or_else(|| panic!("{name}: {n} in {page}"))
                .clone()
        };
        let first = by_name("新城区餐饮行业协会");
        assert_eq!(
            first["division_code"], "150102001000",
            "{name}: 海拉尔东路街道"
        );
        assert_eq!(first["division_source"], "address");
        assert_eq!(first["doubts"][0]["check"], "division_derived", "{name}");
        let second = by_name("新城区书法家协会");
        // 锡林北路街道, and within it the community the address names.
        assert_eq!(
            second["division_code"], "150102002003",
            "{name}: 三角线社区"
        );
        let third = by_name("青山区老年人协会");
        // No township of 150203 (昆都仑区, its credit code's division) in the address.
        assert_eq!(third["division_code"], "150203000000", "{name}");
        assert_eq!(third["division_source"], "credit_code");
        for org in page["items"].as_array().unwrap() {
            assert!(
                org["lon"].is_null() && org["lat"].is_null() && org["cell"].is_null(),
                "{name}: no point in {org}"
            );
        }
    }
    // Counted in the divisions' figures, in no hexagon; the map's answer says how many it
    // leaves out.
    let (_, divisions) = app.get("/api/coverage/divisions?parent=15").await;
    let total: u64 = divisions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["total"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 3, "{divisions}");
    let (status, cells) = app.get("/api/coverage/cells?res=7").await;
    assert_eq!(status, 200, "{cells}");
    assert_eq!(cells["features"].as_array().unwrap().len(), 0, "{cells}");
    assert_eq!(cells["unlocated"], 3, "{cells}");
    // A box around Hohhot holds the two of 新城区, not the one of 青山区 (Baotou).
    let (_, hohhot) = app
        .get("/api/coverage/cells?res=7&bbox=111.3,40.6,112.0,41.0")
        .await;
    assert_eq!(hohhot["unlocated"], 2, "{hohhot}");
    // R4 needs the distance: the one-member association is left to R5, which says why.
    let (_, found) = app.get("/api/orgs?q=书法家协会").await;
    let id = found["items"][0]["id"].as_i64().unwrap();
    let (_, decision) = app.get(&format!("/api/orgs/{id}/decision")).await;
    let r5 = decision["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "R5")
        .unwrap_or_else(|| panic!("R5 in {decision}"));
    assert!(
        r5["text"].as_str().unwrap().contains("位置未知"),
        "{decision}"
    );
    // The list of locations to verify holds the operating ones, with the edit form whose
    // map click sets the point; the organization's page says it is not on the map.
    let (status, tasks) = app.page("/tasks?list=locate", "zh").await;
    assert_eq!(status, 200);
    assert!(
        tasks.contains("待核实位置")
            && tasks.contains("新城区书法家协会")
            && tasks.contains("没有经纬度")
            && tasks.contains(&format!("href=\"/orgs/{id}/edit\"")),
        "{tasks}"
    );
    let (_, html) = app.page(&format!("/orgs/{id}"), "zh").await;
    assert!(
        html.contains("id=\"no-location\"") && !html.contains("id=\"org-map\""),
        "{html}"
    );
    // /tasks opens on the first list that has entries (none is due with a registration).
    let (_, first) = app.page("/tasks", "zh").await;
    assert!(
        !first.contains("这个清单目前没有待办事项") && first.contains("新城区餐饮行业协会"),
        "{first}"
    );
    // The dashboard counts them with the others and says how many the map cannot place.
    let (_, dashboard) = app.page("/", "zh").await;
    assert!(
        dashboard.contains("运行中的社会组织 3")
            && dashboard.contains(
                "其中无经纬度（不在地图网格中）</th><td><a href=\"/tasks?list=locate\">3</a>"
            ),
        "{dashboard}"
    );
    // `generate --format xlsx` writes such a ledger (title, merged groups, the ledger's
    // names, Chinese values, division codes only where nothing else gives them): it imports
    // whole, and most divisions are found from the addresses.
    let generated = app.path("generated.xlsx");
    app.cli_ok(&[
        "generate",
        "--orgs",
        "300",
        "--division",
        "15",
        "--format",
        "xlsx",
        "--out",
        generated.to_str().unwrap(),
    ]);
    let out = app.cli(&["import", generated.to_str().unwrap(), "--dry-run"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("read 300, valid 300, rejected 0"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = {
        let (_, page) = app.get("/api/orgs?q=餐饮").await;
        page["items"][0]["id"].clone()
    };
    // The task list 待核实 holds every derived one, with what to check and the form to fix it.
    let (status, tasks) = app.page("/tasks?list=verify", "zh").await;
    assert_eq!(status, 200);
    assert!(
        tasks.contains("新城区餐饮行业协会")
            && tasks.contains("由住所中的乡镇（街道）名称得出，请核实")
            && tasks.contains(&format!("href=\"/orgs/{id}/edit\"")),
        "{tasks}"
    );
    let (_, html) = app.page(&format!("/orgs/{id}"), "zh").await;
    assert!(
        html.contains("记录未填行政区划代码，150102001000（内蒙古自治区呼和浩特市新城区海拉尔东路街道）由住所中的乡镇（街道）名称得出，请核实"),
        "{html}"
    );
}
