//! The organization CSV of formats.md: English or Chinese headers, UTF-8 (with or without
//! BOM) or GBK/GB18030 in, UTF-8 with BOM out (so that Excel and WPS open it correctly).

use std::fmt;
use std::hash::BuildHasher;
use std::io::Write;

use rustc_hash::{FxBuildHasher, FxHashMap};

use super::available_threads;
use chrono::NaiveDate;

use crate::domain::coords::{Crs, LonLat};
use crate::domain::organization::check_dated;
use crate::domain::organization::{
    DESCRIPTIVE_COLUMNS, DIVISION_NAME_COLUMN, FIELDS, OrgInput, OrgKey, Organization,
    REQUIRED_FIELDS as REQUIRED, field_label_zh, field_of_header,
};
use crate::domain::party_work::check_recorded;
use crate::domain::stored::StoredOrganization;

/// Written first so that Excel and WPS read the file as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    /// GB18030, a superset of GBK: what Excel and WPS write for "CSV" on Chinese Windows.
    Gb18030,
}

/// Decodes a file's bytes: UTF-8 when they are valid UTF-8 (borrowed, not copied), else
/// GB18030 (which reads GBK).
pub fn decode(bytes: &[u8]) -> Result<(std::borrow::Cow<'_, str>, TextEncoding), FileError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return utf8(rest)
            .map(|s| (s.into(), TextEncoding::Utf8Bom))
            .ok_or(FileError::Encoding);
    }
    if let Some(s) = utf8(bytes) {
        return Ok((s.into(), TextEncoding::Utf8));
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or(FileError::Encoding)
        .map(|s| (s.into_owned().into(), TextEncoding::Gb18030))
}

/// The bytes as text if they are UTF-8, checked on every core: pieces cut where a
/// character starts are UTF-8 each exactly when the whole is.
#[allow(
    unsafe_code,
    reason = "text proven UTF-8 is not checked twice on the hot path"
)]
fn utf8(bytes: &[u8]) -> Option<&str> {
    let parts = available_threads();
    let mut cuts = vec![0];
    for k in 1..parts {
        let mut cut = (bytes.len() * k / parts).max(*cuts.last().expect("0"));
        while cut < bytes.len() && bytes[cut] & 0xC0 == 0x80 {
            cut += 1;
        }
        cuts.push(cut);
    }
    cuts.push(bytes.len());
    let valid = std::thread::scope(|scope| {
        let checks: Vec<_> = cuts
            .windows(2)
            .map(|w| scope.spawn(move || std::str::from_utf8(&bytes[w[0]..w[1]]).is_ok()))
            .collect();
        checks
            .into_iter()
            .all(|c| c.join().expect("a UTF-8 check panicked"))
    });
    // SAFETY: every piece is valid UTF-8 (checked above), and pieces cut where a
    // character starts join into valid UTF-8.
    valid.then(|| unsafe { std::str::from_utf8_unchecked(bytes) })
}

/// A problem with the file as a whole; nothing of it can be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("文件既不是 UTF-8 也不是 GBK/GB18030 编码 (the file is neither UTF-8 nor GBK/GB18030)")]
    Encoding,
    #[error("文件是空的，缺少表头行 (the file is empty: the header row is missing)")]
    Empty,
    #[error("line 1: 未知的列 {0} (unknown columns {0}); 可用的列 (known columns): {1}")]
    UnknownColumns(String, String),
    #[error("line 1: 列“{0}”出现了两次 (column '{0}' appears twice)")]
    DuplicateColumn(String),
    #[error("line 1: 缺少必需的列 {0} (required columns are missing: {0})")]
    MissingColumns(String),
    #[error("line {line}: {message}")]
    Malformed { line: u64, message: String },
}

/// One bad row: `line N, column C: reason` (line 1 is the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    /// The column as the file's header names it.
    pub column: String,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// A row that failed, with its cells as read, for a rejects file.
#[derive(Debug, Clone)]
pub struct RejectedRow {
    pub line: u64,
    pub cells: Vec<String>,
    pub errors: Vec<RowError>,
}

/// A read file: the valid organizations with their lines, and the rejected rows.
#[derive(Debug)]
pub struct ParsedFile {
    pub encoding: TextEncoding,
    pub headers: Vec<String>,
    /// Columns read past by name (序号, 法定代表人, an export's division_name, ...).
    pub ignored: Vec<String>,
    pub rows: Vec<(u64, Organization)>,
    pub rejected: Vec<RejectedRow>,
}

impl ParsedFile {
    pub fn errors(&self) -> impl Iterator<Item = &RowError> {
        self.rejected.iter().flat_map(|r| r.errors.iter())
    }

    pub fn read(&self) -> usize {
        self.rows.len() + self.rejected.len()
    }

    /// What the valid rows will be listed to verify for, said before they are imported:
    /// each row whose division code the register lacks or whose credit code was registered
    /// in another province, and how many had their division found or have no point.
    pub fn warnings(&self) -> Warnings {
        use crate::domain::verification::{Doubt, doubts};
        let mut warnings = Warnings::default();
        for (line, org) in &self.rows {
            for doubt in doubts(org) {
                match doubt {
                    Doubt::DivisionDerived { .. } => warnings.divisions_found += 1,
                    doubt => warnings.rows.push((*line, doubt)),
                }
            }
            if org.location.is_none() {
                warnings.without_point += 1;
            }
        }
        warnings
    }
}

/// The warnings of a file's valid rows ([`ParsedFile::warnings`]): none refuses a row.
#[derive(Debug, Default)]
pub struct Warnings {
    /// Rows to check one by one, with the doubt each raises, in file order.
    pub rows: Vec<(u64, crate::domain::verification::Doubt)>,
    /// Rows whose division code was found from the address or the credit code.
    pub divisions_found: usize,
    /// Rows without coordinates: counted in their division, in no hexagon.
    pub without_point: usize,
}

/// Reads an organization CSV. File-level problems are an `Err`; bad rows are collected in
/// [`ParsedFile::rejected`] with every reason, so the user can fix them all in one pass.
///
/// Each row meets every rule a registration meets, party work included
/// ([`check_recorded`]), judged on `today`.
pub fn read_orgs(
    bytes: &[u8],
    default_crs: Crs,
    today: NaiveDate,
) -> Result<ParsedFile, FileError> {
    let (text, encoding) = decode(bytes)?;
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| FileError::Malformed {
            line: 1,
            message: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(FileError::Empty);
    }
    let mut fields = Vec::with_capacity(headers.len());
    let mut unknown = Vec::new();
    let mut ignored = Vec::new();
    for h in &headers {
        match field_of_header(h) {
            Some(f) if fields.contains(&f) => return Err(FileError::DuplicateColumn(h.clone())),
            Some(f) => fields.push(f),
            // A column that only describes is read past: its cells set no field.
            None if DESCRIPTIVE_COLUMNS.contains(&h.as_str()) => {
                fields.push("");
                ignored.push(h.clone());
            }
            None => unknown.push(format!("“{h}”")),
        }
    }
    if !unknown.is_empty() {
        let known = FIELDS
            .iter()
            .map(|(en, zh)| format!("{en}/{zh}"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(FileError::UnknownColumns(unknown.join(", "), known));
    }
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|f| !fields.contains(f))
        .map(|f| format!("{f} ({})", field_label_zh(f)))
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns(missing.join(", ")));
    }
    let column_of = |field: &str| -> String {
        fields
            .iter()
            .position(|f| *f == field)
            .map_or_else(|| field.to_owned(), |i| headers[i].clone())
    };

    let body_start = reader.position().byte() as usize;
    drop(reader);
    // The csv crate's own line count skips empty lines; count from byte offsets instead.
    let newlines: Vec<u64> = memchr::memchr_iter(b'\n', text.as_bytes())
        .map(|i| i as u64)
        .collect();
    let context = RowContext {
        text: &text,
        newlines: &newlines,
        headers: &headers,
        fields: &fields,
        default_crs,
        today,
    };
    // Rows are parsed and checked on every core, in chunks that start at a line break
    // outside quotes, then merged in file order.
    let chunks = split_outside_quotes(text.as_bytes(), body_start, available_threads());
    let lines_in = |start: usize, end: usize| {
        newlines.partition_point(|&nl| (nl as usize) < end)
            - newlines.partition_point(|&nl| (nl as usize) < start)
            + 1
    };
    let results: Vec<Result<ChunkRows, FileError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .windows(2)
            .enumerate()
            .map(|(k, w)| {
                let context = &context;
                let (start, end) = (w[0], w[1]);
                // The first chunk's rows become the file's: room for all of them, so the
                // others are appended without moving it.
                let capacity = if k == 0 {
                    lines_in(start, text.len())
                } else {
                    lines_in(start, end)
                };
                scope.spawn(move || context.parse(start, end, capacity))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a CSV worker panicked"))
            .collect()
    });
    let chunks = results.into_iter().collect::<Result<Vec<_>, _>>()?;

    // Duplicates are found before the rows move: rows whose keys hash alike (sorted by hash,
    // in file order within one hash) are compared; no other two rows can share a key.
    let mut by_hash: Vec<(u64, u32)> = chunks
        .iter()
        .flat_map(|c| &c.key_hashes)
        .enumerate()
        .map(|(i, &hash)| (hash, i as u32))
        .collect();
    by_hash.sort_unstable();
    let valid: Vec<&(u64, Organization)> = chunks.iter().flat_map(|c| &c.valid).collect();
    let mut duplicate_of: FxHashMap<u64, u64> = FxHashMap::default();
    for alike in by_hash
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        for (k, &(_, later)) in alike.iter().enumerate().skip(1) {
            let (line, org) = valid[later as usize];
            let first = alike[..k]
                .iter()
                .map(|&(_, i)| valid[i as usize])
                .find(|(_, earlier)| KeyRef::of(earlier) == KeyRef::of(org));
            if let Some((first_line, _)) = first {
                duplicate_of.insert(*line, *first_line);
            }
        }
    }
    drop((by_hash, valid));
    let mut chunks = chunks.into_iter();
    let mut all = chunks.next().unwrap_or_default();
    for chunk in chunks {
        all.valid.extend(chunk.valid);
        all.offsets.extend(chunk.offsets);
        all.rejected.extend(chunk.rejected);
    }
    let ChunkRows {
        mut valid,
        offsets,
        mut rejected,
        ..
    } = all;
    if !duplicate_of.is_empty() {
        let mut offsets = offsets.into_iter();
        valid.retain(|(line, org)| {
            let offset = offsets.next().expect("an offset per row");
            let Some(&first) = duplicate_of.get(line) else {
                return true;
            };
            let field = match org.key() {
                OrgKey::CreditCode(_) => "credit_code",
                OrgKey::NameDivision(..) => "name",
            };
            rejected.push(RejectedRow {
                line: *line,
                cells: context.cells_at(offset),
                errors: vec![RowError {
                    line: *line,
                    column: column_of(field),
                    message: format!("与第{first}行重复 (duplicate of line {first})"),
                }],
            });
            false
        });
    }
    rejected.sort_by_key(|r| r.line);
    Ok(ParsedFile {
        encoding,
        headers,
        ignored,
        rows: valid,
        rejected,
    })
}

/// Chunk boundaries for `parts` workers: `start`, offsets just after line breaks that are
/// outside quoted cells (an even number of quotes before them, as RFC 4180 escapes a quote
/// by doubling it), and the end.
fn split_outside_quotes(bytes: &[u8], start: usize, parts: usize) -> Vec<usize> {
    let mut bounds = vec![start];
    let len = bytes.len();
    let step = (len - start) / parts.max(1);
    let mut quotes = 0usize;
    let mut pos = start;
    for k in 1..parts {
        let target = start + k * step;
        if target <= pos {
            continue;
        }
        quotes += memchr::memchr_iter(b'"', &bytes[pos..target]).count();
        pos = target;
        // The next line break with an even count of quotes before it.
        while pos < len {
            match bytes[pos] {
                b'"' => quotes += 1,
                b'\n' if quotes.is_multiple_of(2) => {
                    pos += 1;
                    break;
                }
                _ => {}
            }
            pos += 1;
        }
        if pos < len && pos > *bounds.last().expect("start") {
            bounds.push(pos);
        }
    }
    bounds.push(len);
    bounds
}

/// An organization's key borrowed from it ([`OrgKey`] without the copy).
#[derive(PartialEq, Eq, Hash)]
enum KeyRef<'a> {
    CreditCode(&'a str),
    NameDivision(&'a str, &'a str),
}

impl<'a> KeyRef<'a> {
    fn of(org: &'a Organization) -> Self {
        match &org.credit_code {
            Some(code) => KeyRef::CreditCode(code.as_str()),
            None => KeyRef::NameDivision(&org.name, org.division_code.as_str()),
        }
    }
}

/// The rows one worker read, in file order: the valid ones with the byte offset each
/// record starts at (to read a duplicate's cells again), and the rejected ones.
#[derive(Default)]
struct ChunkRows {
    valid: Vec<(u64, Organization)>,
    /// The hash of each valid row's key, to find duplicates by.
    key_hashes: Vec<u64>,
    offsets: Vec<usize>,
    rejected: Vec<RejectedRow>,
}

/// What every worker needs to read its chunk of rows.
struct RowContext<'a> {
    /// The whole file as text: every cell the workers read is a piece of it.
    text: &'a str,
    newlines: &'a [u64],
    headers: &'a [String],
    fields: &'a [&'static str],
    default_crs: Crs,
    today: NaiveDate,
}

impl RowContext<'_> {
    /// The 1-based line of a record starting at a byte offset (after the blank lines the
    /// reader skipped to reach it).
    fn line_at(&self, offset: usize) -> u64 {
        let mut start = offset;
        while start < self.text.len() && matches!(self.text.as_bytes()[start], b'\r' | b'\n') {
            start += 1;
        }
        self.newlines.partition_point(|&nl| nl < start as u64) as u64 + 1
    }

    /// The cells of the record at a byte offset, read again (for the rare rejected row
    /// that was valid on its own: a duplicate).
    fn cells_at(&self, offset: usize) -> Vec<String> {
        let mut reader = ::csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(&self.text.as_bytes()[offset..]);
        let mut record = ::csv::StringRecord::new();
        match reader.read_record(&mut record) {
            Ok(true) => record.iter().map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    }

    fn column_of(&self, field: &str) -> String {
        self.fields
            .iter()
            .position(|f| *f == field)
            .map_or_else(|| field.to_owned(), |i| self.headers[i].clone())
    }

    /// A cell of the file as text, without checking it as UTF-8 a second time.
    #[allow(
        unsafe_code,
        reason = "cells cut from UTF-8 text at ASCII bytes are not checked twice on the hot path"
    )]
    fn cell<'c>(&self, cell: &'c [u8]) -> &'c str {
        debug_assert!(std::str::from_utf8(cell).is_ok());
        // SAFETY: the reader reads `self.text`, which is UTF-8, and cuts it only at ASCII
        // bytes (separators, quotes, line breaks), dropping the quotes around a cell and one
        // of each doubled quote: what is left of a cell is whole characters of the text.
        unsafe { std::str::from_utf8_unchecked(cell) }
    }

    fn parse(&self, start: usize, end: usize, capacity: usize) -> Result<ChunkRows, FileError> {
        let mut reader = ::csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(&self.text.as_bytes()[start..end]);
        let mut rows = ChunkRows {
            valid: Vec::with_capacity(capacity),
            key_hashes: Vec::with_capacity(capacity),
            offsets: Vec::with_capacity(capacity),
            rejected: Vec::new(),
        };
        let mut record = ::csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    return Err(FileError::Malformed {
                        line: self.line_at(start + e.position().map_or(0, |p| p.byte() as usize)),
                        message: e.to_string(),
                    });
                }
            }
            let offset = start + record.position().map_or(0, |p| p.byte() as usize);
            let line = self.line_at(offset);
            let cells = || record.iter().map(|c| self.cell(c));
            if cells().all(|c| c.trim().is_empty()) {
                continue; // Blank rows are what spreadsheets leave at the end.
            }
            // Cells are copied only for rejected rows: valid rows are the hot path.
            let reject = |errors: Vec<RowError>| RejectedRow {
                line,
                cells: cells().map(str::to_owned).collect(),
                errors,
            };
            if record.len() != self.headers.len() {
                let error = RowError {
                    line,
                    column: self.headers.get(record.len()).cloned().unwrap_or_default(),
                    message: format!(
                        "此行有{}列，表头有{}列 (this row has {} cells, the header has {})",
                        record.len(),
                        self.headers.len(),
                        record.len(),
                        self.headers.len()
                    ),
                };
                rows.rejected.push(reject(vec![error]));
                continue;
            }
            let mut input = OrgInput::<&str>::default();
            for (field, cell) in self.fields.iter().zip(cells()) {
                if !cell.is_empty() {
                    input.set(field, Some(super::from_spreadsheet(cell)));
                }
            }
            let checked = input.validate(self.default_crs).and_then(|org| {
                check_recorded(&org, self.today)?;
                check_dated(&org, self.today)?;
                Ok(org)
            });
            match checked {
                Ok(org) => {
                    rows.key_hashes
                        .push(FxBuildHasher.hash_one(KeyRef::of(&org)));
                    rows.valid.push((line, org));
                    rows.offsets.push(offset);
                }
                Err(errors) => rows.rejected.push(reject(
                    errors
                        .0
                        .into_iter()
                        .map(|e| RowError {
                            line,
                            column: self.column_of(e.field),
                            message: e.message(),
                        })
                        .collect(),
                )),
            }
        }
        Ok(rows)
    }
}

/// Which header row an export carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum HeaderLanguage {
    #[default]
    En,
    Zh,
}

/// The columns of an export: the fields of formats.md with the division's names after its
/// code.
pub fn export_headers(language: HeaderLanguage) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = FIELDS
        .iter()
        .map(|(en, zh)| match language {
            HeaderLanguage::En => *en,
            HeaderLanguage::Zh => *zh,
        })
        .collect();
    let (en, zh) = DIVISION_NAME_COLUMN;
    names.insert(
        DIVISION_NAME_AT,
        if language == HeaderLanguage::En {
            en
        } else {
            zh
        },
    );
    names
}

/// Where the division's names go in an export row: after the division code.
const DIVISION_NAME_AT: usize = 5;

/// An organization's cells in an export, in the order of [`export_headers`]; Chinese values
/// with Chinese headers.
pub fn export_texts(org: &Organization, language: HeaderLanguage) -> Vec<String> {
    let texts = match language {
        HeaderLanguage::En => org.field_texts(),
        HeaderLanguage::Zh => org.field_texts_zh(),
    };
    debug_assert_eq!(FIELDS[DIVISION_NAME_AT - 1].0, "division_code");
    let mut row = Vec::from(texts);
    row.insert(
        DIVISION_NAME_AT,
        crate::domain::division::name_chain(org.division_code.as_str()),
    );
    row
}

/// Writes organizations as formats.md's CSV, UTF-8 with BOM, coordinates in WGS84.
pub struct OrgCsvWriter<W: Write> {
    writer: ::csv::Writer<W>,
    language: HeaderLanguage,
}

impl<W: Write> OrgCsvWriter<W> {
    pub fn new(mut out: W, headers: HeaderLanguage) -> std::io::Result<Self> {
        out.write_all(UTF8_BOM)?;
        let mut writer = ::csv::Writer::from_writer(out);
        writer.write_record(export_headers(headers))?;
        Ok(Self {
            writer,
            language: headers,
        })
    }

    /// One row; with Chinese headers the values are Chinese too (formats.md).
    pub fn write(&mut self, org: &Organization) -> std::io::Result<()> {
        self.write_with_point(org, None)
    }

    /// One row with its point written as `point` gives it (a system and the coordinates
    /// in it), as a geocoded ledger holds it: `generate` writes some rows in GCJ-02. None
    /// writes the organization's own WGS84 point.
    pub fn write_with_point(
        &mut self,
        org: &Organization,
        point: Option<(Crs, LonLat)>,
    ) -> std::io::Result<()> {
        let mut texts = export_texts(org, self.language);
        // The division's names are inserted before the point's columns.
        let lon = FIELDS
            .iter()
            .position(|(f, _)| *f == "lon")
            .expect("a field")
            + 1;
        debug_assert!(lon > DIVISION_NAME_AT);
        if let Some((crs, p)) = point {
            texts[lon] = p.lon.to_string();
            texts[lon + 1] = p.lat.to_string();
            texts[lon + 2] = crs.as_str().to_owned();
        }
        let safe = texts.iter().map(|text| super::spreadsheet_safe(text));
        self.writer
            .write_record(safe.collect::<Vec<_>>().iter().map(|c| c.as_bytes()))?;
        Ok(())
    }

    pub fn write_stored(&mut self, org: &StoredOrganization) -> std::io::Result<()> {
        self.write(&org.org)
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        self.writer.flush()?;
        self.writer
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

/// Writes the rejected rows with their line and reasons, UTF-8 with BOM, so the user can
/// fix them in Excel and import that file again.
pub fn write_rejects<W: Write>(mut out: W, parsed: &ParsedFile) -> std::io::Result<()> {
    out.write_all(UTF8_BOM)?;
    let mut writer = ::csv::Writer::from_writer(out);
    let mut header = vec!["line".to_owned()];
    header.extend(parsed.headers.iter().cloned());
    header.push("reason".to_owned());
    writer.write_record(&header)?;
    for row in &parsed.rejected {
        let mut record = vec![row.line.to_string()];
        record.extend(
            row.cells
                .iter()
                .map(|c| super::spreadsheet_safe(c).into_owned()),
        );
        record.resize(parsed.headers.len() + 1, String::new());
        record.push(
            row.errors
                .iter()
                .map(|e| format!("column {}: {}", e.column, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        );
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "credit_code,name,kind,level,division_code,lon,lat,formal_members";
    const TODAY: NaiveDate = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    const ROW: &str = "91350200776049653A,软件协会,intermediary,municipal,350203,118.08,24.48,4";

    #[test]
    fn valid_rows_carry_warnings_for_what_they_will_be_listed_to_verify() {
        // Line 2 as given; line 3 a social group registered in Xiamen with a Hohhot
        // division (another province); line 4 without coordinates and a code the register
        // lacks.
        let xiamen =
            crate::domain::credit_code::CreditCode::compose(b'5', b'1', "350203", "MJ000011");
        let text = format!(
            "{HEADER}\n{ROW}\n{xiamen},另一协会,social_group,county,150102,111.67,40.82,4\n\
             ,社区舞蹈队,community,county,150102999001,,,1\n"
        );
        let parsed = read_orgs(text.as_bytes(), Crs::Wgs84, TODAY).unwrap();
        assert_eq!(parsed.rejected.len(), 0, "{:?}", parsed.rejected);
        let warnings = parsed.warnings();
        let keys: Vec<(u64, &str)> = warnings.rows.iter().map(|(l, d)| (*l, d.key())).collect();
        assert_eq!(
            keys,
            [(3, "province_disagrees"), (4, "division_not_in_register")]
        );
        assert_eq!(warnings.without_point, 1);
        assert_eq!(warnings.divisions_found, 0);
    }

    #[test]
    fn chunks_for_parallel_reading_start_at_records_even_with_line_breaks_in_quotes() {
        // Every address holds a quoted line break and a doubled quote: a split at a line
        // break inside quotes would cut a record in two.
        let mut text = String::from("name,address\n");
        for i in 0..500 {
            text.push_str(&format!("组织{i},\"第{i}号\n\"\"大楼\"\"\n二层\"\n"));
        }
        let whole: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(Result::unwrap)
            .collect();
        let start = text.find('\n').unwrap() + 1;
        for parts in [1, 2, 3, 7, 64] {
            let bounds = split_outside_quotes(text.as_bytes(), start, parts);
            let pieces: Vec<csv::StringRecord> = bounds
                .windows(2)
                .flat_map(|w| {
                    csv::ReaderBuilder::new()
                        .has_headers(false)
                        .from_reader(&text.as_bytes()[w[0]..w[1]])
                        .into_records()
                        .map(Result::unwrap)
                        .collect::<Vec<_>>()
                })
                .collect();
            assert_eq!(pieces.len(), 500, "{parts} parts");
            for (a, b) in pieces.iter().zip(&whole) {
                assert_eq!(a.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn line_numbers_count_the_line_breaks_inside_quotes() {
        let text = format!(
            "{HEADER},address\n{ROW},\"一楼\n二楼\"\n{},\n",
            ROW.replace(",4", ",-1")
        );
        let parsed = read_orgs(text.as_bytes(), Crs::Wgs84, TODAY).unwrap();
        // An address may not hold a line break; the record after it starts on line 4.
        let lines: Vec<(u64, &str)> = parsed
            .errors()
            .map(|e| (e.line, e.column.as_str()))
            .collect();
        assert_eq!(lines, [(2, "address"), (4, "formal_members")]);
    }

    #[test]
    fn a_utf8_file_with_a_bom_is_read() {
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend(format!("{HEADER}\n{ROW}\n").as_bytes());
        let parsed = read_orgs(&bytes, Crs::Wgs84, TODAY).unwrap();
        assert_eq!(parsed.encoding, TextEncoding::Utf8Bom);
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].0, 2);
    }

    #[test]
    fn a_gbk_file_with_chinese_headers_is_read() {
        let text = "统一社会信用代码,名称,类型,登记层级,行政区划代码,经度,纬度,正式党员数\n\
                    91350200776049653A,软件协会,社会中介组织,市级,350203,118.08,24.48,4\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "the fixture must really be GBK"
        );
        let parsed = read_orgs(&bytes, Crs::Wgs84, TODAY).unwrap();
        assert_eq!(parsed.encoding, TextEncoding::Gb18030);
        assert_eq!(parsed.rows[0].1.name, "软件协会");
    }

    #[test]
    fn an_unknown_column_is_named() {
        let err =
            read_orgs(format!("{HEADER},colour\n").as_bytes(), Crs::Wgs84, TODAY).unwrap_err();
        assert!(err.to_string().contains("“colour”"), "{err}");
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let err = read_orgs(b"credit_code,name\n", Crs::Wgs84, TODAY).unwrap_err();
        assert!(err.to_string().contains("kind (类型)"), "{err}");
    }

    #[test]
    fn a_bad_row_names_its_line_and_column_as_the_header_spells_it() {
        let text = "统一社会信用代码,名称,类型,登记层级,行政区划代码,经度,纬度,正式党员数\n\
                    91350200776049653A,软件协会,社会中介组织,市级,350203,118.08,24.48,-4\n";
        let parsed = read_orgs(text.as_bytes(), Crs::Wgs84, TODAY).unwrap();
        let error = parsed.errors().next().unwrap();
        assert_eq!(error.line, 2);
        assert_eq!(error.column, "正式党员数");
        assert!(
            error.to_string().starts_with("line 2, column 正式党员数: "),
            "{error}"
        );
    }

    #[test]
    fn the_same_credit_code_twice_is_an_error_on_the_later_line() {
        let text = format!("{HEADER}\n{ROW}\n\n{ROW}\n");
        let parsed = read_orgs(text.as_bytes(), Crs::Wgs84, TODAY).unwrap();
        assert_eq!(parsed.rows.len(), 1);
        let error = parsed.errors().next().unwrap();
        assert_eq!(error.line, 4);
        assert!(error.message.contains("duplicate of line 2"), "{error}");
    }

    #[test]
    fn every_repeat_of_a_key_names_the_first_line_it_was_on() {
        // A community organization is keyed by name and division: the same name in
        // another division is another organization.
        let community = |division: &str| {
            format!(",幸福里志愿者协会,community,county,{division},118.08,24.48,1")
        };
        let mut text = format!("{HEADER}\n");
        for row in [
            ROW.to_owned(),
            community("350203001001"),
            ROW.to_owned(),
            community("350203001001"),
            community("350203001002"),
            ROW.to_owned(),
        ] {
            text.push_str(&row);
            text.push('\n');
        }
        let parsed = read_orgs(text.as_bytes(), Crs::Wgs84, TODAY).unwrap();
        assert_eq!(parsed.rows.len(), 3);
        let duplicates: Vec<(u64, &str)> = parsed
            .errors()
            .map(|e| (e.line, e.message.as_str()))
            .collect();
        assert_eq!(duplicates.len(), 3, "{duplicates:?}");
        for (line, first) in [(4, 2), (5, 3), (7, 2)] {
            assert!(
                duplicates
                    .iter()
                    .any(|(l, m)| *l == line && m.contains(&format!("duplicate of line {first}"))),
                "line {line} repeats line {first}: {duplicates:?}"
            );
        }
    }

    #[test]
    fn a_row_with_too_few_cells_is_rejected() {
        let text = format!("{HEADER}\n91350200776049653A,软件协会\n");
        let parsed = read_orgs(text.as_bytes(), Crs::Wgs84, TODAY).unwrap();
        assert!(parsed.errors().next().unwrap().message.contains("2 cells"));
    }

    #[test]
    fn an_exported_file_reads_back_the_same() {
        let parsed = read_orgs(format!("{HEADER}\n{ROW}\n").as_bytes(), Crs::Wgs84, TODAY).unwrap();
        let org = &parsed.rows[0].1;
        for language in [HeaderLanguage::En, HeaderLanguage::Zh] {
            let mut writer = OrgCsvWriter::new(Vec::new(), language).unwrap();
            writer.write(org).unwrap();
            let bytes = writer.finish().unwrap();
            assert!(bytes.starts_with(UTF8_BOM));
            let again = read_orgs(&bytes, Crs::Gcj02, TODAY).unwrap();
            assert_eq!(&again.rows[0].1, org, "the crs column says wgs84");
        }
    }
}
