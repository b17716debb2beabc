//! [`Table`]: a CSV file read once, as raw cells with the line each row came from, so that every
//! later error (a text cell in a numeric column, a missing value, an unknown category) names the
//! file, line and column.
//!
//! ```
//! use ndnet_data::Table;
//! let csv = b"price,rooms,town\n100,3,Albany\n\n150,NA,Troy\n";
//! let t = Table::from_csv_bytes(csv, "t.csv".as_ref()).unwrap();
//! assert_eq!((t.len(), t.header()), (2, &["price".to_string(), "rooms".into(), "town".into()][..]));
//! assert_eq!(t.line(1), 4); // the blank line is skipped, the numbering is the file's
//! assert_eq!(t.column("town").unwrap(), 2);
//! assert!(t.column("garden").unwrap_err().to_string().contains("no column `garden`; the columns are: price, rooms, town"));
//! ```

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::column::Column;
use crate::error::{DataError, io};
use crate::{Cell, Result};

/// The rows of a CSV file under its header, cells as the file has them.
///
/// Each column is kept compactly: numbers as f32 or f64 values,
/// text as codes or one run of bytes — no allocation per row or cell — and every cell's text
/// comes back as the file has it.
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    header: Vec<String>,
    columns: Vec<Column>,
    lines: Vec<u64>,
}

/// Bytes read ahead to tell what the file is (gzip, UTF-16, CR-only line ends) before parsing.
const HEAD: usize = 64 * 1024;

impl Table {
    /// Reads `path`: a header line, then one row per line. A UTF-8 byte-order mark and CRLF line
    /// ends are accepted; blank lines are skipped. The file is read in one streaming pass, never
    /// held whole.
    ///
    /// Errors name the file and line: missing file, a folder, no header, duplicate column names,
    /// a ragged row, a malformed quote, a header with no rows.
    pub fn from_csv(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if std::fs::metadata(path).map_err(io(path))?.is_dir() {
            return Err(csv_error(path, None, "is a directory, not a CSV file"));
        }
        let mut file = std::fs::File::open(path).map_err(io(path))?;
        let mut head = Vec::with_capacity(HEAD);
        (&mut file).take(HEAD as u64).read_to_end(&mut head).map_err(io(path))?;
        Self::read(head, file, path)
    }

    /// [`Table::from_csv`] on the bytes of a CSV file; `path` names it in errors. A gzip file
    /// and UTF-16 text are named as such; CR-only line ends (classic Mac) are read as line ends.
    pub fn from_csv_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let split = bytes.len().min(HEAD);
        Self::read(bytes[..split].to_vec(), &bytes[split..], path)
    }

    /// Parses the file whose first bytes are `head` and whose rest `rest` reads.
    fn read(mut head: Vec<u8>, rest: impl Read, path: &Path) -> Result<Self> {
        if let Some(kind) = not_utf8_text(&head) {
            return Err(csv_error(path, None, &format!("is {kind}, not a CSV text file")));
        }
        // A UTF-8 byte-order mark is skipped here (the csv crate's own skipping loses positions).
        if head.starts_with(b"\xEF\xBB\xBF") {
            head.drain(..3);
        }
        // CR-only line ends when the head has CRs and no LF at all.
        let cr_only = head.contains(&b'\r') && !head.contains(&b'\n');
        let ends = Rc::new(RefCell::new(LineEnds::default()));
        let source = Counted { inner: std::io::Cursor::new(head).chain(rest), cr_only, ends: Rc::clone(&ends) };
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(source);
        let header = read_header(&mut reader, path)?;
        let columns = header.iter().map(|_| Column::new()).collect();
        let mut table = Table { path: path.to_path_buf(), header, columns, lines: Vec::new() };
        let mut record = csv::ByteRecord::new();
        let mut last_line = 1;
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(|p| ends.borrow_mut().line(p.byte()));
                    return Err(csv_error(path, line, &e.to_string()));
                }
            }
            let line = record.position().map_or(0, |p| ends.borrow_mut().line(p.byte()));
            if table.header.len() == 1 {
                // The csv reader skips empty lines; in a one-column table each is a row whose
                // cell is missing (between rows: a blank line at the end is no row).
                for blank in last_line + 1..line {
                    table.push(&csv::ByteRecord::from(vec![""]), blank);
                }
            }
            // A quoted cell may span lines: the record ends where its last line is.
            let spanned = record.iter().map(|f| f.iter().filter(|&&b| b == b'\n').count()).sum::<usize>();
            last_line = line + spanned as u64;
            if table.header.len() > 1
                && record.len() == 1
                && record.get(0).is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
            {
                continue; // a blank line (in a one-column table, a row whose cell is missing)
            }
            if record.len() != table.header.len() {
                let message = format!("has {} fields, the header has {}", record.len(), table.header.len());
                return Err(csv_error(path, Some(line), &message));
            }
            table.push(&record, line);
        }
        if table.lines.is_empty() {
            return Err(csv_error(path, None, "the table has a header but no rows"));
        }
        table.columns.iter_mut().for_each(Column::shrink);
        table.lines.shrink_to_fit();
        Ok(table)
    }

    /// Appends one row read from `line`.
    fn push(&mut self, record: &csv::ByteRecord, line: u64) {
        self.columns.iter_mut().zip(record).for_each(|(column, cell)| column.push(cell));
        self.lines.push(line);
    }

    /// The file the table came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Column names, in file order.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Number of rows (blank lines not counted).
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Always false: a table has at least one row.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The file line (1-based, the header is line 1) of row `row`.
    ///
    /// # Panics
    /// When `row >= self.len()`.
    #[track_caller]
    pub fn line(&self, row: usize) -> u64 {
        self.lines[row]
    }

    /// The index of column `name`; an error lists the columns there are.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            let message = format!("no column `{name}`; the columns are: {}", self.header.join(", "));
            csv_error(&self.path, Some(1), &message)
        })
    }

    /// The raw bytes of a cell, as the file has them.
    ///
    /// # Panics
    /// When the row or column is out of range.
    #[track_caller]
    pub fn raw(&self, row: usize, column: usize) -> Cow<'_, [u8]> {
        self.columns[column].get(row)
    }

    /// What cell (`row`, `column`) holds; an error naming the cell when its bytes are not UTF-8
    /// text.
    ///
    /// # Panics
    /// When the row or column is out of range.
    #[track_caller]
    pub fn cell(&self, row: usize, column: usize) -> Result<Cell<'_>> {
        self.columns[column].cell(row).map_err(|m| self.cell_error(row, column, m))
    }

    /// Whether cell (`row`, `column`) is missing (empty or a missing marker).
    #[track_caller]
    pub fn is_missing(&self, row: usize, column: usize) -> bool {
        matches!(self.cell(row, column), Ok(Cell::Missing))
    }

    /// The cell's text as the file has it, trimmed (bytes that are not UTF-8 replaced): what
    /// messages quote and what a category is named.
    #[track_caller]
    pub fn text(&self, row: usize, column: usize) -> String {
        String::from_utf8_lossy(&self.raw(row, column)).trim().to_string()
    }

    /// A row's raw cells, in file order (for writing it back out), as a record of its own.
    ///
    /// # Panics
    /// When `row >= self.len()`.
    #[track_caller]
    pub fn raw_row(&self, row: usize) -> csv::ByteRecord {
        self.columns.iter().map(|c| c.get(row)).collect()
    }

    /// An error about the cell at (`row`, `column`): file, line and column name.
    pub fn cell_error(&self, row: usize, column: usize, message: String) -> DataError {
        DataError::Cell { path: self.path.clone(), line: self.lines[row], column: self.header[column].clone(), message }
    }

    /// An error about the table as a whole (line 1 for a column choice).
    pub fn error(&self, line: Option<u64>, message: &str) -> DataError {
        csv_error(&self.path, line, message)
    }
}

/// What a file that is not UTF-8 text looks like, when it is one of the usual mix-ups.
fn not_utf8_text(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(4096)];
    match head {
        [0x1f, 0x8b, ..] => Some("gzip-compressed (decompress it first, e.g. gunzip)"),
        [b'P', b'K', 3, 4, ..] => Some("a zip archive (extract the CSV first)"),
        [0xff, 0xfe, ..] | [0xfe, 0xff, ..] => Some("UTF-16 text (save it as UTF-8)"),
        _ if head.len() >= 4 && head.iter().filter(|&&b| b == 0).count() * 4 >= head.len() => {
            Some("UTF-16 or binary data (save it as UTF-8 text)")
        }
        _ => None,
    }
}

/// The header's names, trimmed; errors on an empty header or a name used twice.
fn read_header<R: Read>(reader: &mut csv::Reader<R>, path: &Path) -> Result<Vec<String>> {
    let header: Vec<String> = reader
        .byte_headers()
        .map_err(|e| csv_error(path, None, &e.to_string()))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    if header.iter().all(|h| h.is_empty()) {
        return Err(csv_error(path, Some(1), "no header: the first line must name the columns"));
    }
    // A file separated by `;` (what spreadsheets write where the decimal mark is a comma) or by
    // tabs reads as one column; said here rather than as a ragged second line.
    if let [only] = &header[..]
        && let Some(name) = [(';', "`;`"), ('\t', "tabs")].iter().find(|(c, _)| only.contains(*c)).map(|s| s.1)
    {
        let message = format!(
            "the header is one column holding {name}: the file looks separated by {name}; ndnet reads \
             comma-separated files (with `.` as the decimal mark): save the table as comma-separated"
        );
        return Err(csv_error(path, Some(1), &message));
    }
    // An unnamed column (what pandas writes for its index) is named by its position, the same
    // way wherever the file is read (train, predict, export).
    let header: Vec<String> = header
        .into_iter()
        .enumerate()
        .map(|(i, h)| if h.is_empty() { format!("unnamed_{}", i + 1) } else { h })
        .collect();
    if let Some((_, h)) = header.iter().enumerate().find(|(i, h)| header[..*i].contains(h)) {
        return Err(csv_error(path, Some(1), &format!("duplicate column name `{h}`")));
    }
    Ok(header)
}

/// The reader the csv parser reads through: it notes where each line end is (the csv crate's
/// own line count is off with CRLF line ends) and, for a file with CR-only line ends, reads each
/// CR as a LF.
struct Counted<R> {
    inner: R,
    cr_only: bool,
    ends: Rc<RefCell<LineEnds>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut ends = self.ends.borrow_mut();
        for (i, b) in buf[..n].iter_mut().enumerate() {
            if *b == b'\r' && self.cr_only {
                *b = b'\n';
            }
            if *b == b'\r' || *b == b'\n' {
                let at = ends.read + i as u64;
                ends.pending.push_back((at, *b == b'\n'));
            }
        }
        ends.read += n as u64;
        Ok(n)
    }
}

/// The line ends read but not yet counted, and the line reached: 1-based lines of increasing
/// byte offsets. Offsets only grow, so each line end is counted once and only those the parser
/// has read ahead are held.
struct LineEnds {
    pending: VecDeque<(u64, bool)>,
    read: u64,
    line: u64,
}

impl Default for LineEnds {
    fn default() -> Self {
        LineEnds { pending: VecDeque::new(), read: 0, line: 1 }
    }
}

impl LineEnds {
    /// The line the byte at offset `byte` starts.
    fn line(&mut self, byte: u64) -> u64 {
        // A record's offset can point at the line end before it: skip line ends first.
        let mut to = byte;
        while let Some(&(at, newline)) = self.pending.front() {
            if at > to {
                break;
            }
            if at == to {
                to += 1;
            }
            self.line += u64::from(newline);
            self.pending.pop_front();
        }
        self.line
    }
}

pub(crate) fn csv_error(path: &Path, line: Option<u64>, message: &str) -> DataError {
    DataError::Csv { path: PathBuf::from(path), line, message: message.to_string() }
}
