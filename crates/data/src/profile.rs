//! What the training rows looked like, and how new rows compare: a [`ColumnProfile`] per input
//! column (its range, its share of missing cells; a text column's categories are its encoder's),
//! kept in the [`Pipeline`] and saved with the model, and the [`InputReport`] of rows to predict —
//! values outside the training range, categories the training rows never had, missing cells filled,
//! per column. Nothing is clipped or dropped: the report says what the model is extrapolating on,
//! and [`InputReport::strict_error`] turns the first such cell into an error for a `--strict` run.
//!
//! ```
//! use ndnet_data::{Missing, Pipeline, PipelineConfig, Table};
//! let train = b"price,rooms,town\n100,3,Albany\n150,,Troy\n120,4,Troy\n";
//! let table = Table::from_csv_bytes(train, "t.csv".as_ref()).unwrap();
//! let config = PipelineConfig::new("price").with_missing(Missing::Median);
//! let pipeline = Pipeline::fit_table(&table, &[0, 1, 2], &config).unwrap();
//! assert_eq!(pipeline.profile()[0].range, Some([3.0, 4.0]));
//! let new = Table::from_csv_bytes(b"rooms,town\n9,Troy\n,Utica\n", "new.csv".as_ref()).unwrap();
//! let report = pipeline.check_inputs(&new).unwrap();
//! assert_eq!(report.columns[0].out_of_range.count, 1);
//! assert_eq!(report.columns[0].filled.count, 1);
//! assert_eq!(report.columns[1].unseen.count, 1);
//! let strict = report.strict_error(&new).unwrap().to_string();
//! assert_eq!(strict, "new.csv: line 2, column `rooms`: 9 is outside the training rows' range 3 to 4 (--strict)");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::cell::shown;
use crate::pipeline::short;
use crate::{Cell, ColumnEncoder, DataError, Pipeline, Result, Table};

/// One input column of the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    /// The column's name.
    pub column: String,
    /// The smallest and largest training value of a numeric column, or day count of a date
    /// column (none for text, yes/no, or a column without values).
    pub range: Option<[f64; 2]>,
    /// The share of the training rows whose cell was missing, in [0, 1].
    pub missing_share: f64,
}

impl ColumnProfile {
    /// The profile of `encoder`'s column over rows `rows` of `table` (column `col`).
    pub(crate) fn of(table: &Table, rows: &[usize], col: usize, encoder: &ColumnEncoder) -> Self {
        let (mut missing, mut range) = (0, None::<[f64; 2]>);
        for &r in rows {
            match table.cell(r, col) {
                Ok(Cell::Missing) => missing += 1,
                Ok(Cell::Number(v)) if v.is_finite() && matches!(encoder, ColumnEncoder::Number { .. }) => {
                    range = Some(range.map_or([v, v], |[lo, hi]| [lo.min(v), hi.max(v)]));
                }
                Ok(Cell::Text(t)) if matches!(encoder, ColumnEncoder::Date { .. }) => {
                    if let Some(v) = crate::days_since_epoch(t) {
                        range = Some(range.map_or([v, v], |[lo, hi]| [lo.min(v), hi.max(v)]));
                    }
                }
                _ => {}
            }
        }
        let missing_share = if rows.is_empty() { 0.0 } else { missing as f64 / rows.len() as f64 };
        ColumnProfile { column: encoder.column().to_string(), range, missing_share }
    }

    /// The profile of a numeric column given as its values (none missing).
    pub(crate) fn of_values(column: &str, values: impl Iterator<Item = f64>) -> Self {
        let range = values.fold(None::<[f64; 2]>, |r, v| Some(r.map_or([v, v], |[lo, hi]| [lo.min(v), hi.max(v)])));
        ColumnProfile { column: column.to_string(), range, missing_share: 0.0 }
    }

    /// Whether the parts are possible (a profile read from a file is untrusted).
    pub(crate) fn is_valid(&self) -> bool {
        let range_ok = self.range.is_none_or(|[lo, hi]| lo.is_finite() && hi.is_finite() && lo <= hi);
        range_ok && (0.0..=1.0).contains(&self.missing_share)
    }
}

/// How many cells of a column a finding holds, and the first of them (its row and its text).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Finding {
    /// How many cells.
    pub count: usize,
    /// The first such cell: its row (0 = the first under the header), its line in the file and
    /// its text as written.
    pub first: Option<(usize, u64, String)>,
}

impl Finding {
    fn add(&mut self, table: &Table, row: usize, text: impl FnOnce() -> String) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some((row, table.line(row), text()));
        }
    }
}

/// What the rows to predict hold in one input column, against the training rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnCheck {
    /// The column's name.
    pub column: String,
    /// Its index in the checked table.
    pub index: usize,
    /// Numbers outside the training rows' range (the model extrapolates on them).
    pub out_of_range: Finding,
    /// Categories the training rows never had (encoded as no category).
    pub unseen: Finding,
    /// Missing cells (filled as the training rows' fill, or no category).
    pub filled: Finding,
    /// The training rows' profile of the column, when the model file has one.
    pub profile: Option<ColumnProfile>,
    /// The fill of a missing numeric or yes/no cell.
    pub fill: Option<f64>,
}

/// The input check of a table to predict: one [`ColumnCheck`] per input column, in the
/// pipeline's order. Its `Display` is a few lines: each column with a finding, or that there
/// were none.
#[derive(Debug, Clone, PartialEq)]
pub struct InputReport {
    /// The rows checked.
    pub rows: usize,
    /// Every input column.
    pub columns: Vec<ColumnCheck>,
    /// Whether the model file held a training profile (files from before it did not: no ranges).
    pub profiled: bool,
}

impl InputReport {
    /// Whether any cell is out of range, an unseen category or missing.
    pub fn is_clean(&self) -> bool {
        self.columns.iter().all(|c| c.out_of_range.count + c.unseen.count + c.filled.count == 0)
    }

    /// For a `--strict` run: the first row (in file order) with a finding, as an error naming its
    /// line, column and value; none when the report is clean.
    pub fn strict_error(&self, table: &Table) -> Option<DataError> {
        let mut first: Option<(usize, usize, String)> = None;
        for c in &self.columns {
            let range = c.profile.as_ref().and_then(|p| p.range);
            let findings = [
                (
                    &c.out_of_range,
                    range.map(|[lo, hi]| format!("is outside the training rows' range {} to {}", short(lo), short(hi))),
                ),
                (&c.unseen, Some("is a category the training rows never had".to_string())),
                (&c.filled, Some("is missing".to_string())),
            ];
            for (finding, what) in findings {
                if let (Some((row, _, text)), Some(what)) = (&finding.first, what)
                    && first.as_ref().is_none_or(|(r, ..)| row < r)
                {
                    let value = if text.is_empty() { "the empty cell".to_string() } else { text.clone() };
                    first = Some((*row, c.index, format!("{value} {what} (--strict)")));
                }
            }
        }
        first.map(|(row, col, message)| table.cell_error(row, col, message))
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for InputReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = |(_, line, text): &(usize, u64, String)| format!("line {line}, {}", shown(text));
        write!(f, "Input check of {} against the training rows:", plural(self.rows, "row", "rows"))?;
        if self.is_clean() {
            return write!(f, " every value within their ranges and categories, no missing cells");
        }
        for c in &self.columns {
            if let (Some(first), Some([lo, hi])) = (&c.out_of_range.first, c.profile.as_ref().and_then(|p| p.range)) {
                let n = plural(c.out_of_range.count, "value", "values");
                write!(
                    f,
                    "\n  `{}`: {n} outside the training range {} to {} (first: {})",
                    c.column,
                    short(lo),
                    short(hi),
                    line(first)
                )?;
            }
            if let Some(first) = &c.unseen.first {
                // Cells, not distinct categories, as every other count here.
                let n = plural(c.unseen.count, "cell holds", "cells hold");
                write!(
                    f,
                    "\n  `{}`: {n} a category the training rows never had, encoded as none (first: {})",
                    c.column,
                    line(first)
                )?;
            }
            if let Some(first) = &c.filled.first {
                let n = plural(c.filled.count, "missing cell", "missing cells");
                let with = c.fill.map_or("as no category".to_string(), |v| format!("with {}", short(v)));
                let share = c.profile.as_ref().map_or(String::new(), |p| {
                    format!("; {:.1} % of the training rows were missing", 100.0 * p.missing_share)
                });
                write!(f, "\n  `{}`: {n} filled {with} (first: line {}{share})", c.column, first.1)?;
            }
        }
        if !self.profiled {
            write!(f, "\n  (the model file holds no training ranges: it was saved before they were kept)")?;
        }
        Ok(())
    }
}

impl Pipeline {
    /// Checks every row of `table` against what the training rows looked like (see the module
    /// docs). Columns are found by name; errors when one is missing. Cells that do not parse are
    /// left to [`Pipeline::encode`], which names them.
    pub fn check_inputs(&self, table: &Table) -> Result<InputReport> {
        let profiled = self.profile().len() == self.encoders().len();
        let mut columns = Vec::with_capacity(self.encoders().len());
        let indices = self.input_columns(table)?;
        for (k, (e, &index)) in self.encoders().iter().zip(&indices).enumerate() {
            let profile = profiled.then(|| self.profile()[k].clone());
            let range = profile.as_ref().and_then(|p| p.range);
            let fill = match e {
                ColumnEncoder::Number { fill, .. } | ColumnEncoder::YesNo { fill, .. } => *fill,
                _ => None,
            };
            let mut check = ColumnCheck {
                column: e.column().to_string(),
                index,
                out_of_range: Finding::default(),
                unseen: Finding::default(),
                filled: Finding::default(),
                profile,
                fill,
            };
            let text = |r: usize| table.text(r, index);
            for r in 0..table.len() {
                let Ok(cell) = table.cell(r, index) else { continue };
                match (e, cell) {
                    (_, Cell::Missing) => check.filled.add(table, r, || text(r)),
                    (ColumnEncoder::Number { .. }, Cell::Number(v))
                        if range.is_some_and(|[lo, hi]| v < lo || v > hi) =>
                    {
                        check.out_of_range.add(table, r, || text(r));
                    }
                    (ColumnEncoder::Date { .. }, Cell::Text(t))
                        if crate::days_since_epoch(t)
                            .is_some_and(|v| range.is_some_and(|[lo, hi]| v < lo || v > hi)) =>
                    {
                        check.out_of_range.add(table, r, || text(r));
                    }
                    (ColumnEncoder::OneHot { .. } | ColumnEncoder::Embed { .. }, _)
                        if e.code_of(&text(r)).is_none() =>
                    {
                        check.unseen.add(table, r, || text(r));
                    }
                    _ => {}
                }
            }
            columns.push(check);
        }
        Ok(InputReport { rows: table.len(), columns, profiled })
    }
}
