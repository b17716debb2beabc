//! [`Dataset`]: a numeric table read from CSV, features and target chosen by name.
//!
//! ```
//! use ndnet_trainer::Dataset;
//! let dir = std::env::temp_dir().join("ndnet-dataset-doc");
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("t.csv");
//! std::fs::write(&path, "price,rooms,garden,town\n100,3,Yes,Albany\n150,4,No,Troy\n").unwrap();
//! let d = Dataset::from_csv(&path, "price", None::<&[&str]>).unwrap_err();
//! assert!(d.to_string().contains("`town`"), "{d}"); // a text column must be left out or named away
//! let d = Dataset::from_csv(&path, "price", Some(&["rooms", "garden"])).unwrap();
//! assert_eq!(d.x, ndarray::array![[3.0, 1.0], [4.0, 0.0]]);
//! assert_eq!(d.y, ndarray::array![[100.0], [150.0]]);
//! ```

use std::path::{Path, PathBuf};

use ndarray::{Array2, Axis};

use crate::Result;
use crate::error::{TrainError, io};

/// A table of numeric features `x` (one row per sample) and a target `y` (one column).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Features, rows × features.
    pub x: Array2<f64>,
    /// Target, rows × 1.
    pub y: Array2<f64>,
    /// Feature column names, in `x`'s column order.
    pub feature_names: Vec<String>,
    /// Target column name.
    pub target_name: String,
}

impl Dataset {
    /// Reads `path`: a header line, then one sample per line. `target` names the target column;
    /// `features` names the feature columns (`None`: every column but the target). Cells are
    /// numbers, or Yes/No, true/false (any case) read as 1/0. Columns not chosen are ignored,
    /// whatever they hold (text, non-UTF-8 bytes). A UTF-8 byte-order mark and CRLF line ends
    /// are accepted.
    ///
    /// Errors name the file, line and column: missing file, no header, duplicate or unknown
    /// column, empty cell, text where a number is needed, NaN or infinite values, a ragged
    /// row, a table with no rows, a constant target.
    pub fn from_csv<S: AsRef<str>>(path: impl AsRef<Path>, target: &str, features: Option<&[S]>) -> Result<Self> {
        let path = path.as_ref();
        if std::fs::metadata(path).map_err(io(path))?.is_dir() {
            return Err(csv_error(path, None, "is a directory, not a CSV file"));
        }
        let bytes = std::fs::read(path).map_err(io(path))?;
        Self::from_csv_bytes(&bytes, path, target, features)
    }

    /// [`Dataset::from_csv`] on the bytes of a CSV file; `path` names it in errors.
    pub fn from_csv_bytes<S: AsRef<str>>(
        bytes: &[u8],
        path: &Path,
        target: &str,
        features: Option<&[S]>,
    ) -> Result<Self> {
        // A UTF-8 byte-order mark is skipped here (the csv crate's own skipping loses positions).
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // Line numbers (1-based) from byte offsets, counted only for an error: the csv crate's
        // own line count is off with CRLF line ends.
        // A record's offset can point at the line end before it (CRLF), so skip line ends first.
        let line_at = |byte: u64| {
            let mut at = (byte as usize).min(body.len());
            while at < body.len() && (body[at] == b'\r' || body[at] == b'\n') {
                at += 1;
            }
            1 + body[..at].iter().filter(|&&b| b == b'\n').count() as u64
        };
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(body);
        let header: Vec<String> = reader
            .byte_headers()
            .map_err(|e| csv_error(path, None, &e.to_string()))?
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        if header.iter().all(|h| h.is_empty()) {
            return Err(csv_error(path, Some(1), "no header: the first line must name the columns"));
        }
        for (i, h) in header.iter().enumerate() {
            if header[..i].contains(h) {
                return Err(csv_error(path, Some(1), &format!("duplicate column name `{h}`")));
            }
        }
        let find = |name: &str| {
            header.iter().position(|h| h == name).ok_or_else(|| {
                csv_error(path, Some(1), &format!("no column `{name}`; the columns are: {}", header.join(", ")))
            })
        };
        let target_col = find(target)?;
        let feature_cols: Vec<usize> = match features {
            Some(names) => names.iter().map(|n| find(n.as_ref())).collect::<Result<_>>()?,
            None => (0..header.len()).filter(|&c| c != target_col).collect(),
        };
        if feature_cols.is_empty() {
            return Err(csv_error(path, Some(1), "no feature columns"));
        }
        if let Some(&c) = feature_cols.iter().find(|&&c| c == target_col) {
            return Err(csv_error(path, Some(1), &format!("`{}` is both the target and a feature", header[c])));
        }

        let (mut xs, mut ys, mut rows) = (Vec::new(), Vec::new(), 0usize);
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(|p| line_at(p.byte()));
                    return Err(csv_error(path, line, &e.to_string()));
                }
            }
            let line = || record.position().map_or(0, |p| line_at(p.byte()));
            if record.len() == 1 && record.get(0).is_some_and(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue; // a blank line
            }
            if record.len() != header.len() {
                return Err(csv_error(
                    path,
                    Some(line()),
                    &format!("has {} fields, the header has {}", record.len(), header.len()),
                ));
            }
            let cell = |c: usize| parse_cell(path, &line, &header[c], record.get(c).unwrap_or_default());
            for &c in &feature_cols {
                xs.push(cell(c)?);
            }
            ys.push(cell(target_col)?);
            rows += 1;
        }
        if rows == 0 {
            return Err(csv_error(path, None, "the table has a header but no rows"));
        }
        let y = Array2::from_shape_vec((rows, 1), ys).map_err(|e| csv_error(path, None, &e.to_string()))?;
        if y.iter().all(|&v| v == y[(0, 0)]) {
            return Err(csv_error(
                path,
                None,
                &format!("the target `{target}` is constant ({}): nothing to learn", y[(0, 0)]),
            ));
        }
        Ok(Dataset {
            x: Array2::from_shape_vec((rows, feature_cols.len()), xs)
                .map_err(|e| csv_error(path, None, &e.to_string()))?,
            y,
            feature_names: feature_cols.iter().map(|&c| header[c].clone()).collect(),
            target_name: target.to_string(),
        })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.x.nrows() == 0
    }

    /// The rows at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        Dataset {
            x: self.x.select(Axis(0), indices),
            y: self.y.select(Axis(0), indices),
            feature_names: self.feature_names.clone(),
            target_name: self.target_name.clone(),
        }
    }
}

fn parse_cell(path: &Path, line: &dyn Fn() -> u64, column: &str, bytes: &[u8]) -> Result<f64> {
    let fail = |message: String| TrainError::Cell {
        path: path.to_path_buf(),
        line: line(),
        column: column.to_string(),
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| fail("the cell is not valid UTF-8 text".into()))?.trim();
    if text.is_empty() {
        return Err(fail("the cell is empty".into()));
    }
    match text.to_ascii_lowercase().as_str() {
        "yes" | "true" => return Ok(1.0),
        "no" | "false" => return Ok(0.0),
        _ => {}
    }
    // Quoted with escapes and cut short, so a stray quote's many lines stay one message line.
    let shown = || {
        let short: String = text.chars().take(40).collect();
        if short.len() < text.len() { format!("{short:?}…") } else { format!("{short:?}") }
    };
    let value: f64 = text.parse().map_err(|_| fail(format!("{} is not a number (nor Yes/No, true/false)", shown())))?;
    if !value.is_finite() {
        return Err(fail(format!("{} is not a finite number", shown())));
    }
    Ok(value)
}

fn csv_error(path: &Path, line: Option<u64>, message: &str) -> TrainError {
    TrainError::Csv { path: PathBuf::from(path), line, message: message.to_string() }
}
