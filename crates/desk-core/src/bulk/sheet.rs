//! Opening a spreadsheet: CSV (any of the usual delimiters; UTF-8 with or
//! without a BOM, UTF-16 with a BOM, otherwise Latin-1 as Windows writes
//! it), XLSX and ODS (and old XLS) through `calamine`. Rows are read one at
//! a time into a compact table (one string of text and an offset per
//! cell), and the content hash is taken as they go.
//!
//! Limits, said to the person in [`LIMITS_IN_WORDS`]: a file of at most
//! 100 MB, 100,000 rows and 200 columns, and at most 128 MB of text in its
//! cells (a small XLSX can unpack to far more).

use super::wire::{ColumnInfo, FileFormat, SheetView};
use crate::error::{Code, Error};
use calamine::{open_workbook, Data, DataRef, Ods, Reader, Xls, Xlsx};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
pub const MAX_ROWS: usize = 100_000;
pub const MAX_COLUMNS: usize = 200;
pub const MAX_TEXT_BYTES: usize = 128 * 1024 * 1024;
pub const LIMITS_IN_WORDS: &str = "Stripe Desk opens files of up to 100 MB, with at most 100,000 rows and 200 columns: split a larger file into parts.";

/// Marks a cell that was a number in the file (XLSX, ODS): its text has a
/// point as decimal mark, whatever the person's convention.
const NUMERIC: u32 = 1 << 31;

/// The cells of one sheet, compactly: every cell's text in one string.
#[derive(Debug, Default, Clone)]
pub struct Table {
    text: String,
    /// Per cell: where its text ends in `text`, with [`NUMERIC`] as a flag.
    ends: Vec<u32>,
    rows: Vec<RowSpan>,
    width: usize,
}

#[derive(Debug, Clone, Copy)]
struct RowSpan {
    /// The row's number as the spreadsheet shows it (1 is the first).
    number: u32,
    first: u32,
    len: u32,
}

impl Table {
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows that hold anything, in order (blank rows are not kept).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The spreadsheet row number of the `i`th kept row.
    pub fn number(&self, i: usize) -> u32 {
        self.rows[i].number
    }

    /// Which kept row has spreadsheet number `number`.
    pub fn index_of(&self, number: u32) -> Option<usize> {
        self.rows.binary_search_by_key(&number, |r| r.number).ok()
    }

    fn span(&self, cell: usize) -> (usize, usize, bool) {
        let start = if cell == 0 {
            0
        } else {
            (self.ends[cell - 1] & !NUMERIC) as usize
        };
        let end = self.ends[cell];
        (start, (end & !NUMERIC) as usize, end & NUMERIC != 0)
    }

    /// Cell `column` of the `i`th kept row ("" past its end).
    pub fn cell(&self, i: usize, column: usize) -> &str {
        let row = self.rows[i];
        if column >= row.len as usize {
            return "";
        }
        let (start, end, _) = self.span(row.first as usize + column);
        &self.text[start..end]
    }

    /// Whether the cell was a number in the file (not text).
    pub fn is_number(&self, i: usize, column: usize) -> bool {
        let row = self.rows[i];
        column < row.len as usize && self.span(row.first as usize + column).2
    }

    /// Memory the table holds, roughly.
    pub fn bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * 4 + self.rows.capacity() * 12
    }
}

/// Builds a [`Table`] row by row, hashing what it keeps.
struct TableBuilder {
    table: Table,
    row: Vec<(String, bool)>,
    hash: Sha256,
}

impl TableBuilder {
    fn new() -> TableBuilder {
        TableBuilder {
            table: Table::default(),
            row: Vec::new(),
            hash: Sha256::new(),
        }
    }

    fn too_big() -> Error {
        Error::invalid(Code::FileTooLarge, LIMITS_IN_WORDS, None)
    }

    /// Ends the row numbered `number` with the cells pushed so far.
    fn end_row(&mut self, number: u32) -> Result<(), Error> {
        let cells = std::mem::take(&mut self.row);
        let used = cells
            .iter()
            .rposition(|(t, _)| !t.trim().is_empty())
            .map_or(0, |i| i + 1);
        if used == 0 {
            return Ok(());
        }
        if used > MAX_COLUMNS || self.table.rows.len() > MAX_ROWS {
            return Err(Self::too_big());
        }
        let t = &mut self.table;
        let first = t.ends.len() as u32;
        self.hash.update(number.to_string().as_bytes());
        for (text, numeric) in &cells[..used] {
            self.hash.update(b"\x1f");
            self.hash.update(text.as_bytes());
            t.text.push_str(text);
            if t.text.len() > MAX_TEXT_BYTES {
                return Err(Self::too_big());
            }
            t.ends
                .push(t.text.len() as u32 | if *numeric { NUMERIC } else { 0 });
        }
        self.hash.update(b"\x1e");
        t.rows.push(RowSpan {
            number,
            first,
            len: used as u32,
        });
        t.width = t.width.max(used);
        Ok(())
    }

    fn push(&mut self, text: String, numeric: bool) {
        self.row.push((text, numeric));
    }

    fn put(&mut self, column: usize, text: String, numeric: bool) -> Result<(), Error> {
        if column >= MAX_COLUMNS {
            return if text.trim().is_empty() {
                Ok(())
            } else {
                Err(Self::too_big())
            };
        }
        while self.row.len() < column {
            self.row.push((String::new(), false));
        }
        self.row.push((text, numeric));
        Ok(())
    }

    fn finish(self) -> (Table, String) {
        let mut table = self.table;
        table.text.shrink_to_fit();
        table.ends.shrink_to_fit();
        table.rows.shrink_to_fit();
        let hash = self
            .hash
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        (table, hash)
    }
}

/// What kind of file, from its first bytes and its name.
fn kind_of(path: &Path, head: &[u8]) -> Kind {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if head.starts_with(b"PK\x03\x04") {
        let ods = ext == "ods"
            || head
                .windows(b"opendocument.spreadsheet".len())
                .any(|w| w == b"opendocument.spreadsheet");
        return if ods { Kind::Ods } else { Kind::Xlsx };
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Kind::Xls;
    }
    Kind::Csv
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Csv,
    Xlsx,
    Ods,
    Xls,
}

/// An opened sheet: the table, its hash, and how the file was read.
#[derive(Debug, Clone)]
pub struct Opened {
    pub format: FileFormat,
    pub sheets: Vec<String>,
    pub sheet: String,
    pub table: Table,
    /// SHA-256 of the sheet's rows (row numbers and cell texts): the same
    /// for a copy of the file, or the same sheet saved again (an XLSX saved
    /// again differs in its bytes, not in this).
    pub content_hash: String,
}

fn unreadable(what: impl std::fmt::Display) -> Error {
    Error::invalid(
        Code::FileUnreadable,
        format!("This file could not be read as a spreadsheet ({what}). Save it as CSV or XLSX and open it again."),
        None,
    )
}

/// Opens the file (its first sheet, or `sheet`).
pub fn open(path: &Path, sheet: Option<&str>) -> Result<Opened, Error> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound("This file is no longer there.".into()),
        _ => unreadable(e),
    })?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(TableBuilder::too_big());
    }
    let mut head = vec![0u8; 4096];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(unreadable)?;
    head.truncate(n);
    match kind_of(path, &head) {
        Kind::Csv => open_csv(path),
        Kind::Xlsx => {
            let mut book: Xlsx<_> = open_workbook(path).map_err(unreadable)?;
            let sheets = book.sheet_names();
            let name = pick(&sheets, sheet)?;
            let mut builder = TableBuilder::new();
            {
                let mut cells = book.worksheet_cells_reader(&name).map_err(unreadable)?;
                let mut current: Option<u32> = None;
                while let Some(cell) = cells.next_cell().map_err(unreadable)? {
                    let (row, column) = cell.get_position();
                    if current != Some(row) {
                        if let Some(r) = current {
                            builder.end_row(r + 1)?;
                        }
                        current = Some(row);
                    }
                    let (text, numeric) = data_ref_text(cell.get_value());
                    builder.put(column as usize, text, numeric)?;
                }
                if let Some(r) = current {
                    builder.end_row(r + 1)?;
                }
            }
            let (table, content_hash) = builder.finish();
            Ok(Opened {
                format: FileFormat::Xlsx,
                sheets,
                sheet: name,
                table,
                content_hash,
            })
        }
        Kind::Ods => {
            let book: Ods<_> = open_workbook(path).map_err(unreadable)?;
            whole_sheet(book, FileFormat::Ods, sheet)
        }
        Kind::Xls => {
            let book: Xls<_> = open_workbook(path).map_err(unreadable)?;
            whole_sheet(book, FileFormat::Xls, sheet)
        }
    }
}

fn pick(sheets: &[String], wanted: Option<&str>) -> Result<String, Error> {
    match wanted {
        Some(w) => sheets.iter().find(|s| *s == w).cloned().ok_or_else(|| {
            Error::invalid(
                Code::SheetMissing,
                format!("This file has no sheet called “{w}”."),
                None,
            )
        }),
        None => sheets
            .first()
            .cloned()
            .ok_or_else(|| Error::invalid(Code::SheetMissing, "This file has no sheets.", None)),
    }
}

/// ODS and XLS: calamine reads a sheet whole; its rows go into the table.
fn whole_sheet<R, RS>(mut book: R, format: FileFormat, sheet: Option<&str>) -> Result<Opened, Error>
where
    R: Reader<RS>,
    R::Error: std::fmt::Display,
    RS: std::io::Read + std::io::Seek,
{
    let sheets = book.sheet_names();
    let name = pick(&sheets, sheet)?;
    let range = book.worksheet_range(&name).map_err(unreadable)?;
    let mut builder = TableBuilder::new();
    if let Some((row0, col0)) = range.start() {
        for (i, row) in range.rows().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                let (text, numeric) = data_text(cell);
                if !text.is_empty() {
                    builder.put(col0 as usize + j, text, numeric)?;
                }
            }
            builder.end_row(row0 + i as u32 + 1)?;
        }
    }
    drop(range);
    let (table, content_hash) = builder.finish();
    Ok(Opened {
        format,
        sheets,
        sheet: name,
        table,
        content_hash,
    })
}

/// A number as the file holds it, with a point: `12.5`, `42`.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn date_text(d: &calamine::ExcelDateTime) -> String {
    let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
    if (h, min, s) == (0, 0, 0) {
        format!("{y:04}-{m:02}-{day:02}")
    } else {
        format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{s:02}")
    }
}

fn data_ref_text(v: &DataRef<'_>) -> (String, bool) {
    match v {
        DataRef::Int(i) => (i.to_string(), true),
        DataRef::Float(f) => (number_text(*f), true),
        DataRef::String(s) => (s.clone(), false),
        DataRef::SharedString(s) => ((*s).to_owned(), false),
        DataRef::Bool(b) => (if *b { "TRUE" } else { "FALSE" }.into(), false),
        DataRef::DateTime(d) => (date_text(d), false),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => (s.clone(), false),
        DataRef::Error(e) => (format!("{e}"), false),
        DataRef::Empty => (String::new(), false),
    }
}

fn data_text(v: &Data) -> (String, bool) {
    match v {
        Data::Int(i) => (i.to_string(), true),
        Data::Float(f) => (number_text(*f), true),
        Data::String(s) => (s.clone(), false),
        Data::Bool(b) => (if *b { "TRUE" } else { "FALSE" }.into(), false),
        Data::DateTime(d) => (date_text(d), false),
        Data::DateTimeIso(s) | Data::DurationIso(s) => (s.clone(), false),
        Data::Error(e) => (format!("{e}"), false),
        Data::Empty => (String::new(), false),
    }
}

/// How a CSV file's bytes are text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16,
    Latin1,
}

impl Encoding {
    fn words(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with a byte order mark",
            Encoding::Utf16 => "UTF-16",
            Encoding::Latin1 => "Latin-1 (Windows)",
        }
    }
}

/// UTF-16 and UTF-8 by their byte order mark; otherwise UTF-8 when every
/// byte of the file is valid UTF-8 (checked as it streams past), and
/// Latin-1 (Windows-1252, what Excel on Windows writes) when not.
fn detect_encoding(path: &Path) -> Result<Encoding, Error> {
    let mut file = BufReader::with_capacity(64 * 1024, File::open(path).map_err(unreadable)?);
    let mut buf = vec![0u8; 64 * 1024];
    let mut carry: Vec<u8> = Vec::new();
    let mut first = true;
    loop {
        let n = file.read(&mut buf).map_err(unreadable)?;
        if first {
            first = false;
            if buf[..n].starts_with(&[0xEF, 0xBB, 0xBF]) {
                return Ok(Encoding::Utf8Bom);
            }
            if buf[..n].starts_with(&[0xFF, 0xFE]) || buf[..n].starts_with(&[0xFE, 0xFF]) {
                return Ok(Encoding::Utf16);
            }
        }
        if n == 0 {
            return Ok(if carry.is_empty() {
                Encoding::Utf8
            } else {
                Encoding::Latin1
            });
        }
        carry.extend_from_slice(&buf[..n]);
        match std::str::from_utf8(&carry) {
            Ok(_) => carry.clear(),
            Err(e) if e.error_len().is_none() => {
                // A character cut at the chunk's end: keep its bytes.
                let rest = carry.split_off(e.valid_up_to());
                carry = rest;
            }
            Err(_) => return Ok(Encoding::Latin1),
        }
    }
}

/// A reader of the file's text as UTF-8.
fn text_reader(path: &Path, encoding: Encoding) -> Result<Box<dyn Read>, Error> {
    let file = File::open(path).map_err(unreadable)?;
    Ok(match encoding {
        Encoding::Utf8 => Box::new(BufReader::with_capacity(256 * 1024, file)),
        // BOM sniffing strips the mark and decodes UTF-16.
        Encoding::Utf8Bom | Encoding::Utf16 => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .bom_sniffing(true)
                .build(BufReader::with_capacity(256 * 1024, file)),
        ),
        Encoding::Latin1 => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::WINDOWS_1252))
                .build(BufReader::with_capacity(256 * 1024, file)),
        ),
    })
}

const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter that splits the first records into the same number of
/// fields most often (more than one field), in the order comma,
/// semicolon, tab, bar when tied.
fn sniff_delimiter(sample: &[u8]) -> u8 {
    let mut best = (b',', 0usize, 0usize);
    for d in DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(d)
            .from_reader(sample);
        let mut counts: Vec<usize> = Vec::new();
        for record in reader.byte_records().take(30) {
            match record {
                Ok(r) if r.iter().any(|f| !f.is_empty()) => counts.push(r.len()),
                Ok(_) => {}
                // The sample may end inside a quoted field.
                Err(_) => break,
            }
        }
        // Leave out the last record: the sample may cut it short.
        if counts.len() > 1 {
            counts.pop();
        }
        let mut modal = (0usize, 0usize);
        for &c in &counts {
            let n = counts.iter().filter(|&&x| x == c).count();
            if n > modal.1 || (n == modal.1 && c > modal.0) {
                modal = (c, n);
            }
        }
        if modal.0 > 1 && (modal.1, modal.0) > (best.2, best.1) {
            best = (d, modal.0, modal.1);
        }
    }
    best.0
}

fn open_csv(path: &Path) -> Result<Opened, Error> {
    let encoding = detect_encoding(path)?;
    let mut sample = Vec::with_capacity(64 * 1024);
    text_reader(path, encoding)?
        .take(64 * 1024)
        .read_to_end(&mut sample)
        .map_err(unreadable)?;
    let delimiter = sniff_delimiter(&sample);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text_reader(path, encoding)?);
    let mut builder = TableBuilder::new();
    let mut record = csv::StringRecord::new();
    let mut number = 0u32;
    // Line breaks inside quoted cells so far.
    let mut inside_before = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(unreadable(e)),
        }
        // Numbered as a spreadsheet shows the file: a line break inside a
        // quoted cell stays in its row, an empty line (which the reader
        // skips) is a row. The reader counts lines up to the record's end.
        let inside: u64 = record.iter().map(|f| f.matches('\n').count() as u64).sum();
        let start = reader
            .position()
            .line()
            .saturating_sub(1 + inside + inside_before);
        inside_before += inside;
        number = (number + 1).max(u32::try_from(start).unwrap_or(u32::MAX));
        if record.len() > MAX_COLUMNS && record.iter().skip(MAX_COLUMNS).any(|f| !f.is_empty()) {
            return Err(TableBuilder::too_big());
        }
        for field in record.iter() {
            builder.push(field.to_owned(), false);
        }
        builder.end_row(number)?;
    }
    let (table, content_hash) = builder.finish();
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Sheet".into());
    Ok(Opened {
        format: FileFormat::Csv {
            delimiter: delimiter_words(delimiter).into(),
            encoding: encoding.words().into(),
        },
        sheets: vec![name.clone()],
        sheet: name,
        table,
        content_hash,
    })
}

fn delimiter_words(d: u8) -> &'static str {
    match d {
        b';' => "semicolon",
        b'\t' => "tab",
        b'|' => "vertical bar",
        _ => "comma",
    }
}

/// The delimiter a CSV was read with (comma for any other file): results
/// are written with it, so they open as the file did.
pub fn delimiter_of(format: &FileFormat) -> u8 {
    match format {
        FileFormat::Csv { delimiter, .. } => [b';', b'\t', b'|', b',']
            .into_iter()
            .find(|d| delimiter_words(*d) == delimiter)
            .unwrap_or(b','),
        _ => b',',
    }
}

/// "A", "B", ... "Z", "AA": a column's letter in a spreadsheet.
pub fn column_letter(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn looks_like_data(cell: &str) -> bool {
    let t = cell.trim();
    t.contains('@')
        || t.chars().any(|c| c.is_ascii_digit())
            && t.chars()
                .all(|c| c.is_ascii_digit() || ",.-+ /:%".contains(c) || c.is_alphabetic())
            && t.chars().filter(|c| c.is_ascii_digit()).count() * 2 >= t.chars().count()
}

/// The header row: among the first ten rows, the first with at least two
/// filled cells (one, for a one-column sheet), when none of them looks
/// like data (a number, an amount, an email) and no two are the same.
/// Rows above it with a single cell are titles. `None`: the first row is
/// already data.
pub fn detect_header(table: &Table) -> Option<usize> {
    let wide = if table.width() > 1 { 2 } else { 1 };
    for i in 0..table.len().min(10) {
        let cells: Vec<&str> = (0..table.width())
            .map(|c| table.cell(i, c).trim())
            .filter(|c| !c.is_empty())
            .collect();
        if cells.len() < wide {
            continue;
        }
        let distinct = cells
            .iter()
            .enumerate()
            .all(|(k, c)| !cells[..k].iter().any(|d| d.eq_ignore_ascii_case(c)));
        let numbered = (0..table.width()).any(|c| table.is_number(i, c));
        return (distinct && !numbered && !cells.iter().any(|c| looks_like_data(c))).then_some(i);
    }
    None
}

/// The columns, named by the header row (`header`, an index of kept rows)
/// or by their letter.
pub fn columns(table: &Table, header: Option<usize>) -> Vec<ColumnInfo> {
    let first_data = header.map_or(0, |h| h + 1);
    (0..table.width())
        .map(|c| {
            let letter = column_letter(c);
            let named = header
                .map(|h| table.cell(h, c).trim().to_owned())
                .filter(|n| !n.is_empty());
            let name = named.unwrap_or_else(|| format!("Column {letter}"));
            let sensitive = super::mask::sensitive_column(&name);
            let sample = (first_data..table.len())
                .map(|i| table.cell(i, c))
                .filter(|v| !v.trim().is_empty())
                .take(3)
                .map(|v| super::mask::shown(v, sensitive))
                .collect();
            ColumnInfo {
                index: c as u32,
                letter,
                name,
                sample,
                sensitive,
            }
        })
        .collect()
}

/// The view of an opened sheet with `header` (index of kept rows) as its header.
pub fn view(
    file_id: &str,
    file_name: &str,
    opened: &Opened,
    header: Option<usize>,
    detected: Option<usize>,
) -> SheetView {
    let t = &opened.table;
    let first_data = header.map_or(0, |h| h + 1);
    SheetView {
        file_id: file_id.to_owned(),
        file_name: file_name.to_owned(),
        format: opened.format.clone(),
        sheets: opened.sheets.clone(),
        sheet: opened.sheet.clone(),
        header_row: header.map(|h| t.number(h)),
        detected_header_row: detected.map(|h| t.number(h)),
        columns: columns(t, header),
        rows: t.len().saturating_sub(first_data) as u32,
        first_row: (first_data < t.len()).then(|| t.number(first_data)),
        last_row: (first_data < t.len()).then(|| t.number(t.len() - 1)),
        limits: LIMITS_IN_WORDS.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn delimiters_are_sniffed() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a|b\n\"x|y\"|2\n"), b'|');
        assert_eq!(sniff_delimiter(b"single\nvalues\n"), b',');
    }

    #[test]
    fn numbers_keep_their_digits() {
        assert_eq!(number_text(12.5), "12.5");
        assert_eq!(number_text(42.0), "42");
        assert_eq!(number_text(0.1), "0.1");
    }
}

#[cfg(test)]
mod numbering {
    #[test]
    fn csv_rows_are_numbered_as_a_spreadsheet_shows_them() {
        let dir = std::env::temp_dir().join(crate::stripe::random_token("desk-sheet"));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.csv");
        std::fs::write(&path, b"Title\n\nName,Notes\nJo,\"a\nb\"\nAnn,x\n").unwrap();
        let opened = super::open(&path, None).unwrap();
        let numbers: Vec<u32> = (0..opened.table.len())
            .map(|i| opened.table.number(i))
            .collect();
        std::fs::remove_dir_all(dir).unwrap();
        assert_eq!(numbers, [1, 3, 4, 5]);
    }
}
