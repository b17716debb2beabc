//! [`Dataset`]: a numeric table read from CSV, features and target chosen by name.
//!
//! ```
//! use ndnet_data::Dataset;
//! let dir = std::env::temp_dir().join("ndnet-dataset-doc");
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("t.csv");
//! std::fs::write(&path, "price,rooms,garden,town\n100,3,Yes,Albany\n150,4,No,Troy\n").unwrap();
//! let d = Dataset::from_csv(&path, "price", None).unwrap_err();
//! assert!(d.to_string().contains("`town`"), "{d}"); // a text column must be left out or named away
//! let d = Dataset::from_csv(&path, "price", Some(&["rooms", "garden"])).unwrap();
//! assert_eq!(d.x, ndarray::array![[3.0, 1.0], [4.0, 0.0]]);
//! assert_eq!(d.y, ndarray::array![[100.0], [150.0]]);
//! ```

use std::path::Path;

use ndarray::{Array2, Axis};

use crate::cell::shown;
use crate::{Cell, Result, Table};

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
    /// Reads `path` ([`Table::from_csv`]) and takes the numeric columns: `target` names the
    /// target column, `features` the feature columns (`None`: every column but the target). Cells
    /// are numbers, or Yes/No, true/false (any case) read as 1/0. Columns not chosen are ignored,
    /// whatever they hold (text, non-UTF-8 bytes). For text columns and missing values, fit a
    /// [`Pipeline`](crate::Pipeline) instead ([`Prepared::from_table`](crate::Prepared::from_table)).
    ///
    /// Errors name the file, line and column: everything [`Table::from_csv`] rejects, an unknown
    /// column, a missing value, text where a number is needed, an infinite value, a constant target.
    pub fn from_csv(path: impl AsRef<Path>, target: &str, features: Option<&[&str]>) -> Result<Self> {
        Self::from_table(&Table::from_csv(path)?, target, features)
    }

    /// [`Dataset::from_csv`] on the bytes of a CSV file; `path` names it in errors.
    pub fn from_csv_bytes(bytes: &[u8], path: &Path, target: &str, features: Option<&[&str]>) -> Result<Self> {
        Self::from_table(&Table::from_csv_bytes(bytes, path)?, target, features)
    }

    /// The numeric columns `target` and `features` of a table (see [`Dataset::from_csv`]).
    pub fn from_table(table: &Table, target: &str, features: Option<&[&str]>) -> Result<Self> {
        let (target_col, feature_cols) = choose_columns(table, target, features)?;
        let rows = table.len();
        let mut x = Array2::zeros((rows, feature_cols.len()));
        let mut y = Array2::zeros((rows, 1));
        for r in 0..rows {
            for (j, &c) in feature_cols.iter().enumerate() {
                x[(r, j)] = number(table, r, c)?;
            }
            y[(r, 0)] = number(table, r, target_col)?;
        }
        check_target_varies(table, target, &y)?;
        Ok(Dataset {
            x,
            y,
            feature_names: feature_cols.iter().map(|&c| table.header()[c].clone()).collect(),
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

/// The target's column and the feature columns (`None`: all others), checked against the header.
pub(crate) fn choose_columns<S: AsRef<str>>(
    table: &Table,
    target: &str,
    features: Option<&[S]>,
) -> Result<(usize, Vec<usize>)> {
    let target_col = table.column(target)?;
    let feature_cols: Vec<usize> = match features {
        Some(names) => names.iter().map(|n| table.column(n.as_ref())).collect::<Result<_>>()?,
        None => (0..table.header().len()).filter(|&c| c != target_col).collect(),
    };
    if feature_cols.is_empty() {
        return Err(table.error(Some(1), "no feature columns"));
    }
    if let Some((_, &c)) = feature_cols.iter().enumerate().find(|(i, c)| feature_cols[..*i].contains(c)) {
        return Err(table.error(Some(1), &format!("`{}` is named twice among the features", table.header()[c])));
    }
    if let Some(&c) = feature_cols.iter().find(|&&c| c == target_col) {
        return Err(table.error(Some(1), &format!("`{}` is both the target and a feature", table.header()[c])));
    }
    Ok((target_col, feature_cols))
}

/// The cell as a finite number, or an error naming it.
fn number(table: &Table, row: usize, col: usize) -> Result<f64> {
    let fail = |message: String| table.cell_error(row, col, message);
    let text = || table.text(row, col);
    match table.cell(row, col)? {
        Cell::Number(v) if v.is_finite() => Ok(v),
        Cell::Number(_) => Err(fail(format!("{} is not a finite number", shown(&text())))),
        Cell::Bool(b, _) => Ok(f64::from(u8::from(b))),
        Cell::Missing if text().is_empty() => Err(fail("the cell is empty".into())),
        Cell::Missing => Err(fail(format!("missing value {}", shown(&text())))),
        Cell::Text(t) => Err(fail(format!("{} is not a number (nor Yes/No, true/false)", shown(t)))),
    }
}

/// A constant target leaves nothing to learn (and a zero-variance scaler).
pub(crate) fn check_target_varies(table: &Table, target: &str, y: &Array2<f64>) -> Result<()> {
    match y.iter().next() {
        Some(&first) if y.iter().all(|&v| v == first) => {
            Err(table.error(None, &format!("the target `{target}` is constant ({first}): nothing to learn")))
        }
        _ => Ok(()),
    }
}
