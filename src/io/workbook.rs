//! Excel and WPS ledgers (.xlsx, .xls, .xlsb, .ods) read with calamine, as offices keep
//! them: title rows above the header, merged group headers over it, the ledger's own column
//! names, numbers and dates as the spreadsheet stores them.
//!
//! The sheet becomes the organization CSV of formats.md in memory and goes through
//! [`read_orgs`], so a workbook row meets exactly the rules a CSV row meets (one reader,
//! one set of messages). Each sheet row is written on the CSV line of the same number (the
//! reader skips blank lines and counts lines from byte offsets), so every row number the
//! reader gives, a duplicate's "line M" too, is the row Excel shows.

use std::fmt;
use std::path::Path;

use calamine::{Data, Dimensions, Range, Reader, Sheets, open_workbook_auto_from_rs};
use chrono::NaiveDate;

use rustc_hash::FxHashMap;

use super::csv::{FileError, ParsedFile, RejectedRow, RowError, read_orgs};
use crate::domain::coords::Crs;
use crate::domain::organization::{
    DESCRIPTIVE_COLUMNS, REQUIRED_FIELDS, field_label_zh, field_of_header,
};

/// How many rows from the top a header row is looked for in (titles, notes, group rows).
const HEADER_SEARCH_ROWS: u32 = 30;

/// The file extensions read as workbooks.
pub fn is_workbook(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["xlsx", "xlsm", "xls", "xlsb", "ods"]
            .iter()
            .any(|w| e.eq_ignore_ascii_case(w))
    })
}

/// Why a workbook cannot be read at all (bad rows are reported per row, as for CSV).
#[derive(Debug, thiserror::Error)]
pub enum WorkbookError {
    #[error(
        "无法读取工作簿（文件损坏、加密或不是 Excel/WPS 文件）：{0} (cannot read the workbook: damaged, password-protected or not an Excel/WPS file)"
    )]
    Unreadable(String),
    #[error(
        "工作簿设有打开密码，无法读取：请在 Excel 或 WPS 中打开，取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后保存，再导入 (the workbook is password-protected: open it in Excel or WPS, remove the password to open, save it and import again)"
    )]
    Password,
    #[error(
        "工作簿中没有名为“{0}”的工作表；工作表有：{1} (no sheet named '{0}'; the sheets are: {1})"
    )]
    NoSuchSheet(String, String),
    #[error(
        "没有一个工作表含有社会组织的表头行（如“名称”“统一社会信用代码”），工作表有：{0} (no sheet has a header row of organization columns such as 名称 or 统一社会信用代码; the sheets are: {0})"
    )]
    NoHeader(String),
    #[error("sheet {sheet}, row {row}: {message}")]
    Header {
        sheet: String,
        row: u32,
        message: String,
    },
    #[error("sheet {sheet}: {source}")]
    Rows { sheet: String, source: FileError },
}

/// A ledger read: the rows as the CSV reader judged them, and where they came from.
#[derive(Debug)]
pub struct Ledger {
    pub sheet: String,
    /// The header row, as Excel numbers rows.
    pub header_row: u32,
    /// Columns read past by name (序号, 法定代表人, ...).
    pub ignored: Vec<String>,
    /// Every row's errors name the sheet, the row and the column's letter and header.
    pub parsed: ParsedFile,
}

/// A place in the sheet for a message: `sheet 社会组织, row 12, column C 统一社会信用代码`.
pub struct CellPlace<'a> {
    pub sheet: &'a str,
    pub row: u64,
    pub column: &'a str,
}

impl fmt::Display for CellPlace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sheet {}, row {}, column {}",
            self.sheet, self.row, self.column
        )
    }
}

/// How far reading a workbook has come, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadProgress {
    /// Rows of an .xlsx sheet read so far, of the rows its dimension names (0 when it
    /// names none).
    Rows { read: u32, of: u32 },
    /// The sheet is read; its rows are being checked.
    Checking { rows: u32 },
}

/// Reads the organizations of a workbook file: the named sheet, else the first one with a
/// header row of organization columns.
pub fn read_ledger(
    path: &Path,
    sheet: Option<&str>,
    default_crs: Crs,
    today: NaiveDate,
) -> Result<Ledger, WorkbookError> {
    read_ledger_reporting(path, sheet, default_crs, today, &mut |_| {})
}

/// [`read_ledger`], telling `progress` how far it has come.
pub fn read_ledger_reporting(
    path: &Path,
    sheet: Option<&str>,
    default_crs: Crs,
    today: NaiveDate,
    progress: &mut dyn FnMut(ReadProgress),
) -> Result<Ledger, WorkbookError> {
    let bytes = std::fs::read(path).map_err(|e| WorkbookError::Unreadable(e.to_string()))?;
    read_bytes(bytes, sheet, default_crs, today, progress)
}

/// An .xlsx saved with a password to open: Excel encrypts the package into an OLE compound
/// file with an `EncryptionInfo` stream (MS-OFFCRYPTO), which calamine cannot tell from a
/// damaged file.
fn is_encrypted_ooxml(bytes: &[u8]) -> bool {
    const OLE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    let stream: Vec<u8> = "EncryptionInfo"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.starts_with(&OLE) && memchr::memmem::find(bytes, &stream).is_some()
}

impl WorkbookError {
    /// calamine's error opening a workbook or a sheet: a password (an .xls or .ods
    /// protected) said as such, anything else as unreadable.
    fn opening(e: impl std::fmt::Display) -> Self {
        let said = e.to_string();
        if said.contains("password protected") {
            WorkbookError::Password
        } else {
            WorkbookError::Unreadable(said)
        }
    }
}

/// [`read_ledger`] of a workbook's bytes (an upload); the format is told by its content.
pub fn read_ledger_bytes(
    bytes: Vec<u8>,
    sheet: Option<&str>,
    default_crs: Crs,
    today: NaiveDate,
) -> Result<Ledger, WorkbookError> {
    read_bytes(bytes, sheet, default_crs, today, &mut |_| {})
}

fn read_bytes(
    bytes: Vec<u8>,
    sheet: Option<&str>,
    default_crs: Crs,
    today: NaiveDate,
    progress: &mut dyn FnMut(ReadProgress),
) -> Result<Ledger, WorkbookError> {
    if is_encrypted_ooxml(&bytes) {
        return Err(WorkbookError::Password);
    }
    let mut book =
        open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(WorkbookError::opening)?;
    let names = book.sheet_names();
    let listed = names.join(", ");
    let candidates: Vec<String> = match sheet {
        Some(wanted) => {
            let found = names.iter().find(|n| n.trim() == wanted.trim()).cloned();
            vec![
                found
                    .ok_or_else(|| WorkbookError::NoSuchSheet(wanted.to_owned(), listed.clone()))?,
            ]
        }
        None => names,
    };
    for name in candidates {
        let range = sheet_range(&mut book, &name, progress)?;
        let merged = merged_cells(&mut book, &name)?;
        // Formulas, to tell a cell left empty from one whose formula was never computed
        // (files written by programs rather than by Excel or WPS).
        let formulas = book.worksheet_formula(&name).unwrap_or_default();
        let grid = Grid::new(&range, &merged, &formulas);
        let header_row = match grid.header_row() {
            Ok(Some(row)) => row,
            Ok(None) if sheet.is_some() => return Err(WorkbookError::NoHeader(name)),
            Ok(None) => continue,
            Err((first, second)) => {
                return Err(WorkbookError::Header {
                    sheet: name,
                    row: second + 1,
                    message: format!(
                        "第 {} 行和第 {} 行都像表头，无法判断哪一个是要导入的表：请删除多余的表头行，或把两个表放在不同的工作表中 \
                         (rows {} and {} both look like header rows: delete the one that is not, or put the two tables on separate sheets)",
                        first + 1,
                        second + 1,
                        first + 1,
                        second + 1
                    ),
                });
            }
        };
        progress(ReadProgress::Checking {
            rows: grid.last_row.saturating_sub(header_row),
        });
        return sheet_to_ledger(&name, &grid, header_row, default_crs, today);
    }
    Err(WorkbookError::NoHeader(listed))
}

/// The rows a progress report is sent after.
const ROWS_PER_REPORT: u32 = 2_000;

/// A sheet's cells. An .xlsx sheet is read cell by cell, as calamine's own `worksheet_range`
/// does, so that the rows read can be reported against the sheet's dimension; the other
/// formats are read whole.
fn sheet_range(
    book: &mut Sheets<std::io::Cursor<Vec<u8>>>,
    name: &str,
    progress: &mut dyn FnMut(ReadProgress),
) -> Result<Range<Data>, WorkbookError> {
    let Sheets::Xlsx(xlsx) = book else {
        return book.worksheet_range(name).map_err(WorkbookError::opening);
    };
    let mut reader = xlsx
        .worksheet_cells_reader(name)
        .map_err(WorkbookError::opening)?;
    let dimension = reader.dimensions();
    let of = if dimension.len() > 1 {
        dimension.end.0 + 1
    } else {
        0
    };
    let mut cells = Vec::new();
    let mut reported = 0;
    while let Some(cell) = reader.next_cell().map_err(WorkbookError::opening)? {
        let (row, col) = cell.get_position();
        if row >= reported + ROWS_PER_REPORT {
            reported = row;
            progress(ReadProgress::Rows { read: row, of });
        }
        if !matches!(cell.get_value(), calamine::DataRef::Empty) {
            cells.push(calamine::Cell::new(
                (row, col),
                Data::from(cell.get_value().clone()),
            ));
        }
    }
    progress(ReadProgress::Rows {
        read: of.max(reported),
        of,
    });
    Ok(Range::from_sparse(cells))
}

fn merged_cells(
    book: &mut Sheets<std::io::Cursor<Vec<u8>>>,
    sheet: &str,
) -> Result<Vec<Dimensions>, WorkbookError> {
    let unreadable = |e: String| WorkbookError::Unreadable(e);
    Ok(match book {
        Sheets::Xlsx(x) => x
            .merge_cells_by_sheet_name(sheet)
            .map_err(|e| unreadable(e.to_string()))?,
        Sheets::Xls(x) => x
            .merge_cells_by_sheet_name(sheet)
            .map_err(|e| unreadable(e.to_string()))?,
        // .xlsb and .ods ledgers are rare; their merged cells read as the top-left cell.
        Sheets::Xlsb(_) | Sheets::Ods(_) => Vec::new(),
    })
}

/// The sheet's cells by absolute (row, column), merged ranges filled with their top-left
/// value (so a group header spans its columns and a header merged over two rows is in
/// both).
struct Grid<'a> {
    range: &'a Range<Data>,
    merged: &'a [Dimensions],
    formulas: &'a Range<String>,
    first_row: u32,
    first_col: u32,
    last_row: u32,
    last_col: u32,
}

impl<'a> Grid<'a> {
    fn new(range: &'a Range<Data>, merged: &'a [Dimensions], formulas: &'a Range<String>) -> Self {
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let (last_row, last_col) = range.end().unwrap_or((0, 0));
        Self {
            range,
            merged,
            formulas,
            first_row,
            first_col,
            last_row: if range.is_empty() { 0 } else { last_row },
            last_col,
        }
    }

    fn raw(&self, row: u32, col: u32) -> &Data {
        self.range.get_value((row, col)).unwrap_or(&Data::Empty)
    }

    /// The formula of a cell that holds no value: one never computed.
    fn uncomputed_formula(&self, row: u32, col: u32) -> Option<&str> {
        if !matches!(self.raw(row, col), Data::Empty) {
            return None;
        }
        self.formulas
            .get_value((row, col))
            .map(String::as_str)
            .filter(|f| !f.trim().is_empty())
    }

    /// The merged range a cell lies in, other than as its top-left cell.
    fn merged_into(&self, row: u32, col: u32) -> Option<&Dimensions> {
        self.merged.iter().find(|d| {
            (d.start.0..=d.end.0).contains(&row)
                && (d.start.1..=d.end.1).contains(&col)
                && (d.start.0, d.start.1) != (row, col)
        })
    }

    fn header_text(&self, row: u32, col: u32) -> String {
        let cell = match self.merged_into(row, col) {
            Some(d) => self.raw(d.start.0, d.start.1),
            None => self.raw(row, col),
        };
        // Headers are wrapped over lines in templates (正式\n党员).
        text_of(cell)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    }

    fn columns(&self) -> std::ops::RangeInclusive<u32> {
        self.first_col..=self.last_col
    }

    /// The row among the first ones that names the most organization columns (at least
    /// two, the name among them). Of two such rows next to each other the lower is the
    /// header (headers merged over two rows are in both); two apart are an error: which
    /// table is meant cannot be told.
    fn header_row(&self) -> Result<Option<u32>, (u32, u32)> {
        if self.range.is_empty() {
            return Ok(None);
        }
        let last = self.last_row.min(self.first_row + HEADER_SEARCH_ROWS);
        let candidates: Vec<(u32, usize)> = (self.first_row..=last)
            .filter_map(|row| {
                let fields: Vec<&str> = self
                    .columns()
                    .filter_map(|col| self.field_at(row, col))
                    .collect();
                (fields.len() >= 2 && fields.contains(&"name")).then_some((row, fields.len()))
            })
            .collect();
        let Some(most) = candidates.iter().map(|(_, n)| *n).max() else {
            return Ok(None);
        };
        let best: Vec<u32> = candidates
            .iter()
            .filter(|(_, n)| *n == most)
            .map(|(row, _)| *row)
            .collect();
        let header = *best.last().expect("one at least");
        match best.iter().rev().nth(1) {
            Some(&other) if other + 1 < header => Err((other, header)),
            _ => Ok(Some(header)),
        }
    }

    /// The field a header cell names: its own text, or that under its group header (a
    /// template's 已建党组织 over 建立时间).
    fn field_at(&self, row: u32, col: u32) -> Option<&'static str> {
        let own = self.header_text(row, col);
        field_of_header(&own).or_else(|| {
            let group = row
                .checked_sub(1)
                .filter(|r| *r >= self.first_row)
                .map(|r| self.header_text(r, col))?;
            field_of_header(&format!("{group}{own}"))
        })
    }
}

/// Excel's column letters: 0 is A, 26 is AA.
pub fn column_letter(col: u32) -> String {
    let mut n = col + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// A cell as the text a CSV cell would hold: whole numbers without `.0`, dates as
/// YYYY-MM-DD, an error value as Excel shows it (so the row's check names it).
fn text_of(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// A date field's cell: an Excel serial number stored as a plain number (a date column
/// formatted as General) is the day it counts from 1899-12-30.
fn date_text_of(cell: &Data) -> String {
    let serial = match cell {
        Data::Float(f) if f.fract() == 0.0 => Some(*f as i64),
        Data::Int(i) => Some(*i),
        _ => None,
    };
    // 1949-10-01 is serial 18172; four-digit numbers are years typed alone, left to the check.
    match serial.filter(|s| (10_000..2_958_466).contains(s)) {
        Some(days) => NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|epoch| epoch.checked_add_days(chrono::Days::new(days as u64)))
            .map_or_else(|| text_of(cell), |d| d.format("%Y-%m-%d").to_string()),
        None => text_of(cell),
    }
}

/// The registration level the registering authority (登记管理机关) implies.
fn level_of_authority(authority: &str) -> Option<&'static str> {
    let a = authority.trim();
    if a.is_empty() {
        return None;
    }
    if a.starts_with("民政部") || a.starts_with("中华人民共和国民政部") {
        Some("national")
    } else if a.ends_with("厅") {
        Some("provincial")
    } else if a.ends_with("民政局") {
        let place = a.trim_end_matches("民政局");
        // The last place named: 满洲里市 of 呼伦贝尔市满洲里市.
        let last = place
            .strip_suffix('市')
            .and_then(|before| before.rfind('市'))
            .map_or(place, |i| &place[i + '市'.len_utf8()..]);
        if place.ends_with(['县', '区', '旗'])
            || place.ends_with("自治县")
            || crate::domain::division::is_county_level_city(last)
        {
            Some("county")
        } else {
            Some("municipal")
        }
    } else {
        None
    }
}

const AUTHORITY: &str = "登记管理机关";

fn sheet_to_ledger(
    sheet: &str,
    grid: &Grid<'_>,
    header_row: u32,
    default_crs: Crs,
    today: NaiveDate,
) -> Result<Ledger, WorkbookError> {
    let header_error = |message: String| WorkbookError::Header {
        sheet: sheet.to_owned(),
        row: header_row + 1,
        message,
    };
    // The columns kept: (column, field, the header as the sheet shows it).
    let mut kept: Vec<(u32, &'static str, String)> = Vec::new();
    let mut ignored = Vec::new();
    let mut unknown = Vec::new();
    let mut authority = None;
    for col in grid.columns() {
        let header = grid.header_text(header_row, col);
        if header.is_empty() {
            continue;
        }
        match grid.field_at(header_row, col) {
            Some(field) => {
                if let Some((other, _, first)) = kept.iter().find(|(_, f, _)| *f == field) {
                    return Err(header_error(format!(
                        "列 {} “{first}”和列 {} “{header}”都是“{field}” (columns {} and {} both hold {field})",
                        column_letter(*other),
                        column_letter(col),
                        column_letter(*other),
                        column_letter(col),
                    )));
                }
                kept.push((col, field, header));
            }
            None if header == AUTHORITY => authority = Some(col),
            None if DESCRIPTIVE_COLUMNS.contains(&header.as_str()) => ignored.push(header),
            None => unknown.push(format!("{} “{header}”", column_letter(col))),
        }
    }
    if !unknown.is_empty() {
        return Err(header_error(format!(
            "未知的列 {} (unknown columns); formats.md 列出可用的列 (docs/formats.md lists the columns)",
            unknown.join(", ")
        )));
    }
    let derived_level = authority.filter(|_| !kept.iter().any(|(_, f, _)| *f == "level"));
    let missing: Vec<&str> = REQUIRED_FIELDS
        .iter()
        .copied()
        .filter(|f| !kept.iter().any(|(_, k, _)| k == f))
        .filter(|f| !(*f == "level" && derived_level.is_some()))
        .collect();
    if !missing.is_empty() {
        return Err(header_error(format!(
            "缺少必需的列 {} (required columns are missing)",
            missing.join(", ")
        )));
    }

    // The CSV: headers as "C 统一社会信用代码" would not be recognised, so the field names
    // go in and the messages are given the sheet's letters and headers afterwards.
    let mut headers: Vec<String> = kept.iter().map(|(_, f, _)| (*f).to_owned()).collect();
    let mut places: Vec<String> = kept
        .iter()
        .map(|(col, _, h)| format!("{} {h}", column_letter(*col)))
        .collect();
    if let Some(col) = derived_level {
        headers.push("level".into());
        places.push(format!("{} {AUTHORITY}", column_letter(col)));
    }
    let mut text = String::new();
    // Row numbers as Excel shows them: the header on its own row's line.
    for _ in 0..header_row {
        text.push('\n');
    }
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    out.write_record(&headers)
        .map_err(|e| header_error(e.to_string()))?;
    text.push_str(&String::from_utf8(out.into_inner().expect("memory")).expect("UTF-8"));
    let mut record: Vec<String> = Vec::with_capacity(headers.len());
    // Cells whose trouble the CSV cannot carry (merged, a formula never computed): (row as
    // Excel numbers it, column, message).
    let mut uncomputed: Vec<(u64, String, String)> = Vec::new();
    let mut cells_of_row: FxHashMap<u64, Vec<String>> = FxHashMap::default();
    for row in header_row + 1..=grid.last_row {
        record.clear();
        // The columns read, and 登记管理机关 where it gives the level (its place is last).
        let read = kept
            .iter()
            .map(|(col, _, _)| *col)
            .chain(derived_level)
            .enumerate();
        for (i, col) in read {
            let col = &col;
            if let Some(merged) = grid.merged_into(row, *col) {
                let range = format!(
                    "{}{}:{}{}",
                    column_letter(merged.start.1),
                    merged.start.0 + 1,
                    column_letter(merged.end.1),
                    merged.end.0 + 1
                );
                uncomputed.push((
                    u64::from(row) + 1,
                    places[i].clone(),
                    format!(
                        "{range} 是合并单元格：请取消合并，在每一行填入各自的值 \
                         ({range} is a merged cell: unmerge it and fill in each row's own value)"
                    ),
                ));
            } else if let Some(formula) = grid.uncomputed_formula(row, *col) {
                uncomputed.push((
                    u64::from(row) + 1,
                    places[i].clone(),
                    format!(
                        "公式“={formula}”没有计算结果：请在 Excel 或 WPS 中打开、保存后再导入 \
                         (the formula '={formula}' has no computed value: open and save the file \
                         in Excel or WPS, then import it)"
                    ),
                ));
            }
        }
        for (col, field, _) in &kept {
            let cell = grid.raw(row, *col);
            let value = if field.ends_with("_on") {
                date_text_of(cell)
            } else {
                text_of(cell)
            };
            record.push(value);
        }
        if let Some(col) = derived_level {
            let authority = text_of(grid.raw(row, col));
            record.push(
                level_of_authority(&authority)
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            text.push('\n');
            continue;
        }
        // A line break inside a cell would move every later row down a line: it is kept
        // as a carriage return, which the checks refuse as the control character it is.
        for cell in &mut record {
            if cell.contains('\n') {
                *cell = cell.replace("\r\n", "\r").replace('\n', "\r");
            }
        }
        if uncomputed
            .last()
            .is_some_and(|(r, ..)| *r == u64::from(row) + 1)
        {
            cells_of_row.insert(u64::from(row) + 1, record.clone());
        }
        let mut out = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        out.write_record(&record)
            .map_err(|e| header_error(e.to_string()))?;
        text.push_str(&String::from_utf8(out.into_inner().expect("memory")).expect("UTF-8"));
    }

    let mut parsed =
        read_orgs(text.as_bytes(), default_crs, today).map_err(|source| WorkbookError::Rows {
            sheet: sheet.to_owned(),
            source,
        })?;
    let place_of = |column: &str| {
        headers
            .iter()
            .position(|h| h == column)
            .map_or_else(|| column.to_owned(), |i| places[i].clone())
    };
    for rejected in &mut parsed.rejected {
        for error in &mut rejected.errors {
            error.column = place_of(&error.column);
        }
    }
    for (line, column, message) in uncomputed {
        let error = RowError {
            line,
            column,
            message,
        };
        match parsed.rejected.iter_mut().find(|r| r.line == line) {
            Some(rejected) => {
                // What the CSV made of the empty cell ("required") says less than this.
                rejected.errors.retain(|e| e.column != error.column);
                rejected.errors.push(error);
            }
            None => {
                parsed.rows.retain(|(l, _)| *l != line);
                parsed.rejected.push(RejectedRow {
                    line,
                    cells: cells_of_row.remove(&line).unwrap_or_default(),
                    errors: vec![error],
                });
            }
        }
    }
    parsed.rejected.sort_by_key(|r| r.line);
    // A rejects file names the columns as the sheet does, so it reads back as a ledger;
    // the level read from 登记管理机关 is written as the level it is.
    parsed.headers = kept
        .iter()
        .map(|(_, _, header)| header.clone())
        .chain(derived_level.map(|_| field_label_zh("level").to_owned()))
        .collect();
    Ok(Ledger {
        sheet: sheet.to_owned(),
        header_row: header_row + 1,
        ignored,
        parsed,
    })
}

/// Writes organizations as an .xlsx ledger: the formats.md columns on a sheet 社会组织 with a
/// frozen, filtered header row (counts and coordinates as numbers, dates as date cells,
/// codes as text), and a sheet 代码表 listing each vocabulary's codes and labels. It
/// imports back as the same registry.
pub struct OrgXlsxWriter {
    book: rust_xlsxwriter::Workbook,
    language: super::csv::HeaderLanguage,
    row: u32,
    date: rust_xlsxwriter::Format,
}

/// The sheet 代码表: every vocabulary's codes with their Chinese and English labels.
fn code_list_sheet(book: &mut rust_xlsxwriter::Workbook) -> Result<(), rust_xlsxwriter::XlsxError> {
    use crate::domain::division::DivisionSource;
    use crate::domain::organization::{Kind, Level, PartyOrg, Status};
    let codes = book.add_worksheet();
    codes.set_name("代码表")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, header) in ["字段 (field)", "代码 (code)", "中文", "English"]
        .iter()
        .enumerate()
    {
        codes.write_string_with_format(0, col as u16, *header, &bold)?;
        codes.set_column_width(col as u16, 24)?;
    }
    let mut row = 0;
    let mut list =
        |field: &str, code: &str, zh: &str, en: &str| -> Result<(), rust_xlsxwriter::XlsxError> {
            row += 1;
            codes.write_string(row, 0, field)?;
            codes.write_string(row, 1, code)?;
            codes.write_string(row, 2, zh)?;
            codes.write_string(row, 3, en)?;
            Ok(())
        };
    for v in Kind::ALL {
        list("kind", v.as_str(), v.label_zh(), v.label_en())?;
    }
    for v in Level::ALL {
        list("level", v.as_str(), v.label_zh(), v.label_en())?;
    }
    for v in Status::ALL {
        list("status", v.as_str(), v.label_zh(), v.label_en())?;
    }
    for v in PartyOrg::ALL {
        list("party_org", v.as_str(), v.label_zh(), v.label_en())?;
    }
    for v in DivisionSource::ALL {
        list("division_source", v.as_str(), v.label_zh(), v.label_en())?;
    }
    list("is_industry_association", "true", "是", "Yes")?;
    list("is_industry_association", "false", "否", "No")?;
    Ok(())
}

/// The columns of a ledger as a registration system's party-building template lays them
/// out (the ledger's own names), under the four groups of row 2.
const LEDGER_COLUMNS: [&str; 20] = [
    "序号",
    "统一社会信用代码",
    "社会组织名称",
    "社会组织类型",
    "登记管理机关",
    "登记层级",
    "行政区划代码",
    "住所",
    "经度",
    "纬度",
    "坐标系",
    "成立登记日期",
    "业务主管单位",
    "从业人员数",
    "登记状态",
    "组织建制",
    "建立党组织时间",
    "党建指导员",
    "正式党员",
    "预备党员",
];
/// Each group header over its first and last column.
const LEDGER_GROUPS: [(&str, &str, &str); 4] = [
    ("基本情况", "序号", "登记状态"),
    ("已建党组织", "组织建制", "建立党组织时间"),
    ("未建党组织", "党建指导员", "党建指导员"),
    ("党员情况", "正式党员", "预备党员"),
];

/// The column of a ledger header.
fn ledger_column(header: &str) -> u16 {
    LEDGER_COLUMNS
        .iter()
        .position(|h| *h == header)
        .expect("a ledger column") as u16
}

/// Writes organizations as an office's ledger (`orgcover generate --out FILE.xlsx`): a title
/// row, group headers merged over row 2, the ledger's own column names in row 3, Chinese
/// values, and the division code only where nothing else can give it (national and
/// community organizations); the others' is found from the address on import.
pub struct LedgerXlsxWriter {
    book: rust_xlsxwriter::Workbook,
    row: u32,
    date: rust_xlsxwriter::Format,
}

impl LedgerXlsxWriter {
    pub fn new(title: &str) -> Result<Self, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{Format, FormatAlign, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("社会组织")?;
        let heading = Format::new().set_bold().set_align(FormatAlign::Center);
        let last = LEDGER_COLUMNS.len() as u16 - 1;
        sheet.merge_range(0, 0, 0, last, title, &heading)?;
        for (group, first, end) in LEDGER_GROUPS {
            let (first, end) = (ledger_column(first), ledger_column(end));
            if first == end {
                sheet.write_string_with_format(1, first, group, &heading)?;
            } else {
                sheet.merge_range(1, first, 1, end, group, &heading)?;
            }
        }
        for (col, header) in LEDGER_COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(2, col as u16, *header, &heading)?;
            sheet.set_column_width(col as u16, 14)?;
        }
        sheet.set_freeze_panes(3, 0)?;
        Ok(Self {
            book,
            row: 2,
            date: Format::new().set_num_format("yyyy-mm-dd"),
        })
    }

    /// One organization, its point written as `point` gives it (the system and the
    /// coordinates in it; None leaves the point out, as a ledger without coordinates).
    pub fn write(
        &mut self,
        org: &crate::domain::organization::Organization,
        point: Option<(crate::domain::coords::Crs, crate::domain::coords::LonLat)>,
    ) -> Result<(), rust_xlsxwriter::XlsxError> {
        use crate::domain::division::division_name;
        use crate::domain::organization::{Kind, Level};
        self.row += 1;
        let row = self.row;
        let sheet = self
            .book
            .worksheet_from_index(0)
            .expect("the sheet made in new()");
        let code = org.division_code.as_str();
        let name = |digits: &str| division_name(digits).unwrap_or("");
        let authority = match org.level {
            Level::National => "民政部".to_owned(),
            Level::Provincial => format!("{}民政厅", name(&code[..2])),
            Level::Municipal => format!("{}民政局", name(&code[..4])),
            Level::County => format!("{}{}民政局", name(&code[..4]), name(&code[..6])),
        };
        let needs_code = org.level == Level::National || org.kind == Kind::Community;
        fn text(value: &Option<String>) -> &str {
            value.as_deref().unwrap_or("")
        }
        let col = ledger_column;
        let mut put = |header: &str, value: &str| -> Result<(), rust_xlsxwriter::XlsxError> {
            if !value.is_empty() {
                sheet.write_string(row, col(header), value)?;
            }
            Ok(())
        };
        put(
            "统一社会信用代码",
            org.credit_code.as_ref().map_or("", |c| c.as_str()),
        )?;
        put("社会组织名称", &org.name)?;
        put("社会组织类型", org.kind.label_zh())?;
        put("登记管理机关", &authority)?;
        put("登记层级", org.level.label_zh())?;
        put("行政区划代码", if needs_code { code } else { "" })?;
        put("住所", text(&org.address))?;
        put("业务主管单位", text(&org.supervisor))?;
        put("登记状态", org.status.label_zh())?;
        put("组织建制", org.party_org.label_zh())?;
        put("党建指导员", text(&org.instructor))?;
        if let Some((crs, p)) = point {
            put("坐标系", crs.as_str())?;
            sheet.write_number(row, col("经度"), p.lon)?;
            sheet.write_number(row, col("纬度"), p.lat)?;
        }
        sheet.write_number(row, col("序号"), f64::from(row - 2))?;
        if let Some(staff) = org.staff {
            sheet.write_number(row, col("从业人员数"), f64::from(staff))?;
        }
        sheet.write_number(row, col("正式党员"), f64::from(org.formal_members))?;
        sheet.write_number(row, col("预备党员"), f64::from(org.probationary_members))?;
        for (header, day) in [
            ("成立登记日期", org.registered_on),
            ("建立党组织时间", org.party_org_established_on),
        ] {
            if let Some(day) = day {
                let cell = rust_xlsxwriter::ExcelDateTime::parse_from_str(&day.to_string())?;
                sheet.write_datetime_with_format(row, col(header), &cell, &self.date)?;
            }
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        code_list_sheet(&mut self.book)?;
        self.book.save_to_buffer()
    }
}

/// The columns written as numbers (the rest are text or dates).
const NUMBER_FIELDS: [&str; 7] = [
    "lon",
    "lat",
    "member_units",
    "staff",
    "formal_members",
    "probationary_members",
    "members_elsewhere",
];

/// The rejected rows as a workbook: the file's line (or sheet row), its cells as text under
/// the file's own headers, and the reasons; fixed in Excel, it imports as it is (the line and
/// reason columns are read past).
pub fn rejects_xlsx(parsed: &ParsedFile) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("错误行")?;
    let bold = Format::new().set_bold();
    let last = parsed.headers.len() as u16 + 1;
    sheet.write_string_with_format(0, 0, "line", &bold)?;
    for (col, header) in parsed.headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16 + 1, header, &bold)?;
    }
    sheet.write_string_with_format(0, last, "reason", &bold)?;
    for (i, row) in parsed.rejected.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_number(r, 0, row.line as f64)?;
        for (col, cell) in row.cells.iter().take(parsed.headers.len()).enumerate() {
            if !cell.is_empty() {
                // As text, as the clerk typed it: a string cell is never a formula.
                sheet.write_string(r, col as u16 + 1, cell)?;
            }
        }
        let reasons: Vec<String> = row
            .errors
            .iter()
            .map(|e| format!("column {}: {}", e.column, e.message))
            .collect();
        sheet.write_string(r, last, reasons.join("; "))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, parsed.rejected.len() as u32, last)?;
    book.save_to_buffer()
}

impl OrgXlsxWriter {
    pub fn new(language: super::csv::HeaderLanguage) -> Result<Self, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("社会组织")?;
        let bold = Format::new().set_bold();
        for (col, header) in super::csv::export_headers(language).into_iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, header, &bold)?;
            sheet.set_column_width(col as u16, 14)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(Self {
            book,
            language,
            row: 0,
            date: Format::new().set_num_format("yyyy-mm-dd"),
        })
    }

    pub fn write(
        &mut self,
        org: &crate::domain::organization::Organization,
    ) -> Result<(), rust_xlsxwriter::XlsxError> {
        let texts = super::csv::export_texts(org, self.language);
        let columns = super::csv::export_headers(super::csv::HeaderLanguage::En);
        self.row += 1;
        let row = self.row;
        let sheet = self
            .book
            .worksheet_from_index(0)
            .expect("the sheet made in new()");
        for (col, (field, text)) in columns.iter().zip(texts.iter()).enumerate() {
            let col = col as u16;
            if text.is_empty() {
                continue;
            }
            if NUMBER_FIELDS.contains(field)
                && let Ok(n) = text.parse::<f64>()
            {
                sheet.write_number(row, col, n)?;
            } else if field.ends_with("_on")
                && let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            {
                let cell = rust_xlsxwriter::ExcelDateTime::parse_from_str(&day.to_string())?;
                sheet.write_datetime_with_format(row, col, &cell, &self.date)?;
            } else {
                // Written as text, never as a formula, so no apostrophe is needed.
                sheet.write_string(row, col, text)?;
            }
        }
        Ok(())
    }

    /// The filter over the rows written, the code list, and the file's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let last_col = (super::csv::export_headers(self.language).len() - 1) as u16;
        let rows = self.row;
        self.book
            .worksheet_from_index(0)
            .expect("the sheet made in new()")
            .autofilter(0, 0, rows.max(1), last_col)?;
        code_list_sheet(&mut self.book)?;
        self.book.save_to_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_a_generated_ledger_reports_its_rows_up_to_the_last_then_the_check() {
        let mut writer = LedgerXlsxWriter::new("台账").unwrap();
        let options = crate::generate::GenerateOptions {
            orgs: 5_000,
            seed: 3,
            division_prefix: Some("1501".into()),
        };
        crate::generate::generate(&options, |org| {
            writer.write(&org, crate::generate::written_point(&org))
        })
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.xlsx");
        std::fs::write(&path, writer.finish().unwrap()).unwrap();
        let mut seen = Vec::new();
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let ledger =
            read_ledger_reporting(&path, None, Crs::Wgs84, today, &mut |p| seen.push(p)).unwrap();
        assert_eq!(ledger.parsed.rows.len(), 5_000);
        // Title, groups and header above 5,000 rows: 5,003 rows, reported as they come.
        let rows: Vec<u32> = seen
            .iter()
            .filter_map(|p| match p {
                ReadProgress::Rows { read, of: 5_003 } => Some(*read),
                _ => None,
            })
            .collect();
        assert!(rows.len() >= 3 && rows.is_sorted(), "{seen:?}");
        assert_eq!(rows.last(), Some(&5_003));
        assert_eq!(seen.last(), Some(&ReadProgress::Checking { rows: 5_000 }));
    }

    #[test]
    fn column_letters_are_excels() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(2), "C");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn the_registering_authority_gives_the_level() {
        assert_eq!(level_of_authority("民政部"), Some("national"));
        assert_eq!(level_of_authority("内蒙古自治区民政厅"), Some("provincial"));
        assert_eq!(level_of_authority("呼和浩特市民政局"), Some("municipal"));
        assert_eq!(level_of_authority("呼和浩特市新城区民政局"), Some("county"));
        assert_eq!(level_of_authority("土默特左旗民政局"), Some("county"));
        assert_eq!(level_of_authority("某某县民政局"), Some("county"));
        // A county-level city's bureau registers at county level.
        assert_eq!(level_of_authority("满洲里市民政局"), Some("county"));
        assert_eq!(
            level_of_authority("呼伦贝尔市满洲里市民政局"),
            Some("county")
        );
        assert_eq!(level_of_authority("呼伦贝尔市民政局"), Some("municipal"));
        assert_eq!(level_of_authority("县A民政局"), Some("municipal"));
        assert_eq!(level_of_authority("市场监管局"), None);
    }

    #[test]
    fn dates_stored_as_serial_numbers_read_as_days() {
        assert_eq!(date_text_of(&Data::Float(45_000.0)), "2023-03-15");
        assert_eq!(date_text_of(&Data::Int(2019)), "2019");
        assert_eq!(text_of(&Data::Float(12.0)), "12");
        assert_eq!(text_of(&Data::Float(12.5)), "12.5");
    }
}
