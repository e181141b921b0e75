//! Files users bring and take away: organization CSV in the encodings Excel and WPS write,
//! and the Excel/WPS workbooks offices keep their ledgers in.

pub mod analysis;
pub mod boundaries;
pub mod coverage;
pub mod csv;
pub mod features;
pub mod flatgeobuf;
pub mod report;
pub mod workbook;

use std::borrow::Cow;
use std::io::Write;
use std::sync::mpsc;

/// What Excel and WPS take as the start of a formula in a CSV cell (OWASP, CSV injection).
fn starts_a_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A text cell as written to CSV: one that a spreadsheet would run as a formula gets a
/// leading apostrophe, as OWASP recommends, so that `=HYPERLINK(...)` in a name stays text
/// in Excel and WPS. [`from_spreadsheet`] takes it off again on import.
pub fn spreadsheet_safe(text: &str) -> Cow<'_, str> {
    if starts_a_formula(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A CSV cell as read: the apostrophe [`spreadsheet_safe`] put before a formula's first
/// character is taken off, so an exported file imports back unchanged.
pub fn from_spreadsheet(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_a_formula(rest) => rest,
        _ => cell,
    }
}

/// A quantity that is not a count (a rate, a target, a distance) as JSON text: always with
/// a fraction or an exponent (`1.0`, never `1`). GDAL and QGIS type a field from the first
/// features they read; a page of whole rates would make the field Integer and every later
/// fraction would be dropped without a warning. Not a finite number: `null`.
#[derive(Debug, Clone, Copy)]
pub struct JsonFloat(pub f64);

impl std::fmt::Display for JsonFloat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_finite() {
            // ryu writes the shortest text that reads back as the same number, and keeps
            // the `.0` of a whole one.
            f.write_str(ryu::Buffer::new().format_finite(self.0))
        } else {
            f.write_str("null")
        }
    }
}

/// The cores a file is read or written on.
fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Items formatted into one buffer at a time: a few hundred kilobytes, small enough to be
/// written while still in the processor's cache. Writing cold memory costs far more: on the
/// 2-core machine of docs/performance.md, 384 MB written 16 MB at a time took 8 times as
/// long as 64 KB at a time.
const ITEMS_PER_BUFFER: usize = 1024;
/// Bytes per write: the size that was fastest in that measurement.
const WRITE_SIZE: usize = 1 << 16;

/// Writes `items` in order, formatted on every core: `format` gets a batch, the index of its
/// first item and an empty buffer. Each worker formats every n-th batch and the caller's
/// thread writes them as they come; buffers go back to their worker to be filled again, so
/// a large file takes a few buffers of memory, not its size.
pub fn write_in_parallel<T: Sync>(
    out: &mut dyn Write,
    items: &[T],
    format: impl Fn(usize, &[T], &mut Vec<u8>) + Sync,
) -> std::io::Result<()> {
    let workers = available_threads();
    let batches = items.len().div_ceil(ITEMS_PER_BUFFER);
    std::thread::scope(|scope| {
        let format = &format;
        let channels: Vec<_> = (0..workers)
            .map(|worker| {
                // Two filled buffers may wait per worker: enough to keep it busy while one
                // is written.
                let (filled, to_write) = mpsc::sync_channel::<Vec<u8>>(2);
                let (give_back, written) = mpsc::channel::<Vec<u8>>();
                scope.spawn(move || {
                    let mine = items.chunks(ITEMS_PER_BUFFER).enumerate();
                    for (b, batch) in mine.skip(worker).step_by(workers) {
                        let mut buffer = written.try_recv().unwrap_or_default();
                        buffer.clear();
                        format(b * ITEMS_PER_BUFFER, batch, &mut buffer);
                        if filled.send(buffer).is_err() {
                            return; // The writer stopped on an error.
                        }
                    }
                });
                (to_write, give_back)
            })
            .collect();
        for b in 0..batches {
            let (to_write, give_back) = &channels[b % workers];
            let buffer = to_write.recv().expect("a formatting worker panicked");
            for piece in buffer.chunks(WRITE_SIZE) {
                out.write_all(piece)?;
            }
            let _ = give_back.send(buffer);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_written_as_json_floats_even_when_whole() {
        let written: Vec<String> = [1.0, 0.0, 0.8333, 1e-7, 123_456.0, f64::NAN]
            .map(|x| JsonFloat(x).to_string())
            .into();
        assert_eq!(
            written,
            ["1.0", "0.0", "0.8333", "1e-7", "123456.0", "null"]
        );
        for text in &written[..5] {
            let read: serde_json::Value = serde_json::from_str(text).unwrap();
            assert!(read.is_f64(), "{text} reads as a float");
        }
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_kept_as_text_and_read_back() {
        for formula in ["=1+1", "+86 471", "-2", "@SUM(A1)", "\tx", "\rx"] {
            let written = spreadsheet_safe(formula);
            assert_eq!(written, format!("'{formula}"));
            assert_eq!(from_spreadsheet(&written), formula);
        }
        for plain in ["呼和浩特市软件协会", "'quoted", "a=b", ""] {
            assert_eq!(spreadsheet_safe(plain), plain);
            assert_eq!(from_spreadsheet(plain), plain);
        }
    }
}
