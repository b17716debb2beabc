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

use std::path::{Path, PathBuf};

use crate::error::{DataError, io};
use crate::{Cell, Result};

/// The rows of a CSV file under its header, cells as the file has them.
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<csv::ByteRecord>,
    lines: Vec<u64>,
}

impl Table {
    /// Reads `path`: a header line, then one row per line. A UTF-8 byte-order mark and CRLF line
    /// ends are accepted; blank lines are skipped.
    ///
    /// Errors name the file and line: missing file, a folder, no header, duplicate column names,
    /// a ragged row, a malformed quote, a header with no rows.
    pub fn from_csv(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if std::fs::metadata(path).map_err(io(path))?.is_dir() {
            return Err(csv_error(path, None, "is a directory, not a CSV file"));
        }
        let bytes = std::fs::read(path).map_err(io(path))?;
        Self::from_csv_bytes(&bytes, path)
    }

    /// [`Table::from_csv`] on the bytes of a CSV file; `path` names it in errors. A gzip file
    /// and UTF-16 text are named as such; CR-only line ends (classic Mac) are read as line ends.
    pub fn from_csv_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        if let Some(kind) = not_utf8_text(bytes) {
            return Err(csv_error(path, None, &format!("is {kind}, not a CSV text file")));
        }
        // A UTF-8 byte-order mark is skipped here (the csv crate's own skipping loses positions).
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let lf;
        let body = if body.contains(&b'\r') && !body.contains(&b'\n') {
            lf = body.iter().map(|&b| if b == b'\r' { b'\n' } else { b }).collect::<Vec<u8>>();
            &lf[..]
        } else {
            body
        };
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(body);
        let header = read_header(&mut reader, path)?;
        let mut lines_at = LineCounter { body, at: 0, line: 1 };
        let (mut rows, mut lines) = (Vec::new(), Vec::new());
        let mut record = csv::ByteRecord::new();
        let mut last_line = 1;
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(csv_error(path, e.position().map(|p| lines_at.line(p.byte())), &e.to_string())),
            }
            let line = record.position().map_or(0, |p| lines_at.line(p.byte()));
            if header.len() == 1 {
                // The csv reader skips empty lines; in a one-column table each is a row whose
                // cell is missing (between rows: a blank line at the end is no row).
                for blank in last_line + 1..line {
                    rows.push(csv::ByteRecord::from(vec![""]));
                    lines.push(blank);
                }
            }
            // A quoted cell may span lines: the record ends where its last line is.
            let spanned = record.iter().map(|f| f.iter().filter(|&&b| b == b'\n').count()).sum::<usize>();
            last_line = line + spanned as u64;
            if header.len() > 1
                && record.len() == 1
                && record.get(0).is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
            {
                continue; // a blank line (in a one-column table, a row whose cell is missing)
            }
            if record.len() != header.len() {
                let message = format!("has {} fields, the header has {}", record.len(), header.len());
                return Err(csv_error(path, Some(line), &message));
            }
            rows.push(record.clone());
            lines.push(line);
        }
        if rows.is_empty() {
            return Err(csv_error(path, None, "the table has a header but no rows"));
        }
        Ok(Table { path: path.to_path_buf(), header, rows, lines })
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
        self.rows.len()
    }

    /// Always false: a table has at least one row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
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

    /// The raw bytes of a cell.
    ///
    /// # Panics
    /// When the row or column is out of range.
    #[track_caller]
    pub fn raw(&self, row: usize, column: usize) -> &[u8] {
        &self.rows[row][column]
    }

    /// What cell (`row`, `column`) holds; an error naming the cell when its bytes are not UTF-8
    /// text.
    ///
    /// # Panics
    /// When the row or column is out of range.
    #[track_caller]
    pub fn cell(&self, row: usize, column: usize) -> Result<Cell<'_>> {
        Cell::parse(&self.rows[row][column]).map_err(|m| self.cell_error(row, column, m))
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
        String::from_utf8_lossy(&self.rows[row][column]).trim().to_string()
    }

    /// A row's raw cells, in file order (for writing it back out).
    ///
    /// # Panics
    /// When `row >= self.len()`.
    #[track_caller]
    pub fn raw_row(&self, row: usize) -> &csv::ByteRecord {
        &self.rows[row]
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
fn read_header(reader: &mut csv::Reader<&[u8]>, path: &Path) -> Result<Vec<String>> {
    let header: Vec<String> = reader
        .byte_headers()
        .map_err(|e| csv_error(path, None, &e.to_string()))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    if header.iter().all(|h| h.is_empty()) {
        return Err(csv_error(path, Some(1), "no header: the first line must name the columns"));
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

/// 1-based lines of increasing byte offsets, counted from byte offsets because the csv crate's
/// own line count is off with CRLF line ends. Offsets only grow, so each byte is counted once.
struct LineCounter<'a> {
    body: &'a [u8],
    at: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line(&mut self, byte: u64) -> u64 {
        // A record's offset can point at the line end before it: skip line ends first.
        let mut to = (byte as usize).min(self.body.len());
        while to < self.body.len() && (self.body[to] == b'\r' || self.body[to] == b'\n') {
            to += 1;
        }
        if to > self.at {
            self.line += self.body[self.at..to].iter().filter(|&&b| b == b'\n').count() as u64;
            self.at = to;
        }
        self.line
    }
}

pub(crate) fn csv_error(path: &Path, line: Option<u64>, message: &str) -> DataError {
    DataError::Csv { path: PathBuf::from(path), line, message: message.to_string() }
}
