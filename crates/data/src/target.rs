//! [`TargetEncoder`]: what the model learns to output for the target column — a number (a
//! regression, optionally on the log scale) or one of a set of labels (a classification) — and
//! how the task follows from the target when the user does not say ([`Task`]).
//!
//! A text or yes/no target, or whole numbers with 2 to [`MAX_AUTO_CLASSES`] distinct values each
//! seen twice on average, is a classification; any other numeric target a regression, and a
//! numeric target with a stray word is an error naming the word's line. Labels are the text as
//! written (`007` and `7` are two labels; a yes/no word in any case is one label, in lower case;
//! a missing marker is no label), sorted (by value when every label is a number), and a label's
//! class index is its position; with two labels the second is the positive class. A
//! classification has at most `max_classes` labels (an identifier chosen as the target would
//! have one per row).
//!
//! ```
//! use ndnet_data::{Table, TargetEncoder, Task};
//! let t = Table::from_csv_bytes(b"x,kind\n1,setosa\n2,virginica\n3,setosa\n", "t.csv".as_ref()).unwrap();
//! let (target, why) = TargetEncoder::detect(&t, 1, &[0, 1, 2], None, false).unwrap();
//! assert_eq!(target, TargetEncoder::Labels { labels: vec!["setosa".into(), "virginica".into()] });
//! assert_eq!((target.task(), target.outputs()), (Task::Classification, 1)); // two classes: one logit
//! assert!(why.contains("text"));
//! assert_eq!(target.value(&t, 1, 1).unwrap(), 1.0); // "virginica" is class 1
//! ```

use std::fmt;
use std::str::FromStr;

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::cell::shown;
use crate::error::config;
use crate::{Cell, DataError, Result, Table};

/// Whole-number targets with at most this many distinct values are classes when the task is
/// not given.
pub const MAX_AUTO_CLASSES: usize = 10;

/// The most labels a classification may have unless the caller raises it.
pub const DEFAULT_MAX_CLASSES: usize = 100;

/// Regression or classification. Parses from `regression` or `classification` (any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Task {
    /// Predict a number.
    Regression,
    /// Predict one of a set of labels.
    Classification,
}

impl FromStr for Task {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "regression" => Ok(Task::Regression),
            "classification" => Ok(Task::Classification),
            _ => Err(config("task", s, "one of regression, classification")),
        }
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Task::Regression => "regression",
            Task::Classification => "classification",
        })
    }
}

/// How the target column becomes what the model is trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetEncoder {
    /// A number; with `log`, the model learns `ln(target)` (every target must be positive) and
    /// predictions are turned back with `exp`, so metrics stay in the target's units.
    Number {
        /// Whether the model works on the log scale.
        log: bool,
    },
    /// One of these labels; the class index is the label's position.
    Labels {
        /// The labels, sorted.
        labels: Vec<String>,
    },
}

impl Default for TargetEncoder {
    fn default() -> Self {
        TargetEncoder::Number { log: false }
    }
}

impl TargetEncoder {
    /// The encoder for column `col` of `table` over `rows`: the `task` given, or the one the
    /// cells imply (see the module docs), with a line saying why for the program to print.
    ///
    /// Errors name the cell: a missing target, non-UTF-8 text, a text target for a regression, a
    /// non-positive target with `log`, `log` on a classification, fewer than two labels.
    pub fn detect(table: &Table, col: usize, rows: &[usize], task: Option<Task>, log: bool) -> Result<(Self, String)> {
        Self::detect_with(table, col, rows, task, log, DEFAULT_MAX_CLASSES)
    }

    /// [`TargetEncoder::detect`] with at most `max_classes` labels.
    pub fn detect_with(
        table: &Table,
        col: usize,
        rows: &[usize],
        task: Option<Task>,
        log: bool,
        max_classes: usize,
    ) -> Result<(Self, String)> {
        let name = &table.header()[col];
        // Distinct labels only: a regression target has as many as rows, and a set of them is
        // what the count and the classes need.
        let mut seen = std::collections::HashSet::new();
        let (mut numbers, mut missing, mut whole, mut first_text) = (0, 0, true, None);
        for &r in rows {
            let cell = table.cell(r, col)?;
            match cell {
                Cell::Number(v) => {
                    numbers += 1;
                    whole &= v.is_finite() && v.fract() == 0.0;
                }
                Cell::Missing => {
                    missing += 1;
                    continue; // the caller's missing-value rules decide about this row
                }
                Cell::Bool(..) | Cell::Text(_) => {
                    first_text.get_or_insert(r);
                }
            }
            seen.insert(label_of(table, r, col, cell));
        }
        let mut labels: Vec<String> = seen.into_iter().collect();
        sort_labels(&mut labels);
        let distinct = labels.len();
        let texts = rows.len() - numbers - missing;
        if let (None, Some(r), true) = (task, first_text, numbers > texts) {
            // Mostly numbers: a stray word is a mistake in the data, not a set of labels.
            let text = table.text(r, col);
            let message = format!(
                "{} is not a number (the target is numeric: {numbers} of its {} cells are numbers; a classification reads them all as labels)",
                shown(&text),
                numbers + texts
            );
            return Err(table.cell_error(r, col, message));
        }
        if let (None, Some(r)) = (task, first_text)
            && labels.iter().all(|l| l.parse::<f64>().is_ok() || crate::cell::comma_number(l))
        {
            // Numbers written with commas are no labels: as text they would be as many classes.
            let message = crate::cell::comma_number_message(
                &table.text(r, col),
                "the target's",
                "give --task classification to read them as labels",
            );
            return Err(table.cell_error(r, col, message));
        }
        let (task, why) = match task {
            Some(task) => (task, format!("{task} (as asked)")),
            None if texts > 0 => (Task::Classification, format!("classification: the target `{name}` holds text")),
            // One value is no class structure: the regression path names it a constant target.
            None if whole && (2..=MAX_AUTO_CLASSES).contains(&distinct) && 2 * distinct <= numbers => (
                Task::Classification,
                format!(
                    "classification: the target `{name}` holds {distinct} distinct whole numbers (--task regression to regress on them)"
                ),
            ),
            None => (Task::Regression, format!("regression: the target `{name}` holds {distinct} distinct numbers")),
        };
        match task {
            Task::Regression => {
                let encoder = TargetEncoder::Number { log };
                for &r in rows {
                    encoder.value(table, r, col)?; // every cell a finite (positive, for log) number
                }
                Ok((encoder, why))
            }
            Task::Classification if log => Err(config("log target", "with a classification", "only for a regression")),
            Task::Classification if distinct < 2 => {
                let only = labels.first().map_or("none".to_string(), |l| shown(l));
                Err(table.error(None, &format!("the target `{name}` has one label ({only}): nothing to classify")))
            }
            Task::Classification if distinct > max_classes => {
                let message = format!(
                    "the target `{name}` has {distinct} labels, more than the limit of {max_classes} classes (an identifier or a number to regress on?)"
                );
                Err(table.error(None, &message).fixed_by(crate::Setting::MaxClasses))
            }
            Task::Classification => {
                let why = format!("{why}; {distinct} classes: {}", elide(&labels, 12));
                Ok((TargetEncoder::Labels { labels }, why))
            }
        }
    }

    /// The task.
    pub fn task(&self) -> Task {
        match self {
            TargetEncoder::Number { .. } => Task::Regression,
            TargetEncoder::Labels { .. } => Task::Classification,
        }
    }

    /// The labels of a classification (none for a regression).
    pub fn labels(&self) -> &[String] {
        match self {
            TargetEncoder::Number { .. } => &[],
            TargetEncoder::Labels { labels } => labels,
        }
    }

    /// How many outputs the model needs: 1 for a regression or two classes (one logit), else
    /// one logit per class.
    pub fn outputs(&self) -> usize {
        match self.labels().len() {
            0 | 2 => 1,
            n => n,
        }
    }

    /// The target cell at (`row`, `col`) as the value in the target's units: the number, or the
    /// class index of its label. Errors name the cell (missing, not a number, not positive for a
    /// log target, a label the model does not know).
    pub fn value(&self, table: &Table, row: usize, col: usize) -> Result<f64> {
        let cell = table.cell(row, col)?;
        let fail = |message: String| Err(table.cell_error(row, col, message));
        match (self, cell) {
            (_, Cell::Missing) => fail("the target is missing".into()),
            (TargetEncoder::Number { log }, Cell::Number(v)) if v.is_finite() => match *log && v <= 0.0 {
                true => fail(format!("{v} is not positive: a log target needs positive values")),
                false => Ok(v),
            },
            (TargetEncoder::Number { .. }, Cell::Number(_)) => fail("the target is not a finite number".into()),
            (TargetEncoder::Number { .. }, Cell::Bool(_, t) | Cell::Text(t)) => {
                fail(format!("{} is not a number (a text target is a classification)", shown(t)))
            }
            (TargetEncoder::Labels { labels }, cell) => {
                let label = label_of(table, row, col, cell);
                match labels.iter().position(|l| *l == label) {
                    Some(k) => Ok(k as f64),
                    None => fail(format!("unknown label {} (the labels are: {})", shown(&label), elide(labels, 12))),
                }
            }
        }
    }

    /// Target values (class indices for a classification) → what the model is trained on,
    /// before scaling: `ln` for a log target, else as they are.
    pub fn forward(&self, y: &Array2<f64>) -> Array2<f64> {
        match self {
            TargetEncoder::Number { log: true } => y.mapv(f64::ln),
            _ => y.clone(),
        }
    }

    /// The inverse of [`TargetEncoder::forward`] for a regression (`exp` for a log target).
    pub fn inverse(&self, y: Array2<f64>) -> Array2<f64> {
        match self {
            TargetEncoder::Number { log: true } => y.mapv(f64::exp),
            _ => y,
        }
    }
}

/// Class probabilities from a classifier's logits: one column (two classes) gives
/// `[1 − σ(z), σ(z)]`, several give the softmax of each row (computed after subtracting the
/// row's largest logit, so large logits give finite values).
///
/// ```
/// let p = ndnet_data::probabilities(ndarray::array![[0.0], [1e4]].view());
/// assert_eq!(p, ndarray::array![[0.5, 0.5], [0.0, 1.0]]);
/// let p = ndnet_data::probabilities(ndarray::array![[1.0, 1.0, 1.0]].view());
/// assert!((p[(0, 2)] - 1.0 / 3.0).abs() < 1e-15);
/// ```
pub fn probabilities(logits: ArrayView2<'_, f64>) -> Array2<f64> {
    if logits.ncols() == 1 {
        let mut p = Array2::zeros((logits.nrows(), 2));
        for (mut row, &z) in p.rows_mut().into_iter().zip(logits.column(0)) {
            let s = if z >= 0.0 { 1.0 / (1.0 + (-z).exp()) } else { z.exp() / (1.0 + z.exp()) };
            (row[0], row[1]) = (1.0 - s, s);
        }
        return p;
    }
    let mut p = logits.to_owned();
    for mut row in p.axis_iter_mut(Axis(0)) {
        let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum();
        row.mapv_inplace(|v| v / sum);
    }
    p
}

/// The label the target cell at (`row`, `col`) stands for: its text as written (trimmed), a
/// yes/no word in lower case (as a feature reads `Yes` and `YES` as one value).
fn label_of(table: &Table, row: usize, col: usize, cell: Cell<'_>) -> String {
    match cell {
        Cell::Bool(_, t) => t.to_ascii_lowercase(),
        Cell::Number(_) | Cell::Text(_) => table.text(row, col),
        Cell::Missing => String::new(),
    }
}

/// Sorted and without repeats: by value when every label is a number (ties, such as `7` and
/// `007`, by their text), else as text.
pub(crate) fn sort_labels(labels: &mut Vec<String>) {
    let numbers: Option<Vec<f64>> = labels.iter().map(|l| l.parse::<f64>().ok()).collect();
    match numbers {
        Some(_) => labels.sort_by(|a, b| {
            let value = |l: &String| l.parse::<f64>().unwrap_or(0.0);
            value(a).total_cmp(&value(b)).then_with(|| a.cmp(b))
        }),
        None => labels.sort(),
    }
    labels.dedup();
}

/// At most `keep` names joined with `, `, then `… (N in all)`.
pub(crate) fn elide(names: &[String], keep: usize) -> String {
    if names.len() <= keep {
        return names.join(", ");
    }
    format!("{}, … ({} in all)", names[..keep].join(", "), names.len())
}
