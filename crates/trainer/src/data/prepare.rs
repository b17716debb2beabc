//! [`Prepared`]: a dataset split, its [`Pipeline`] fitted on the training rows, and model-ready
//! arrays for every part.
//!
//! ```
//! use ndnet_trainer::{Dataset, Prepared, Standardize};
//! let x = ndarray::Array2::from_shape_fn((20, 2), |(i, j)| (i * (j + 1)) as f64);
//! let y = x.column(0).to_owned().insert_axis(ndarray::Axis(1));
//! let data = Dataset { x, y, feature_names: vec!["a".into(), "b".into()], target_name: "t".into() };
//! let p = Prepared::<f32>::new(&data, 0.2, 0.2, 1, Standardize::All).unwrap();
//! assert_eq!((p.train_x.nrows(), p.val_x.nrows(), p.test_x.nrows()), (12, 4, 4));
//! assert_eq!("features".parse::<Standardize>().unwrap(), Standardize::Features);
//! ```

use std::str::FromStr;

use ndarray::{Array2, NdFloat};
use ndnet_layers::Model;

use crate::data::dataset::choose_columns;
use crate::error::config;
use crate::{Cell, DataSummary, Dataset, Missing, Pipeline, PipelineConfig, Result, Setting, Split, Table, TrainError};

/// What gets standardised. Parses from `none`, `features` or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Standardize {
    /// Nothing.
    None,
    /// The features only.
    Features,
    /// Features and target (metrics are still reported in the target's original units).
    All,
}

impl FromStr for Standardize {
    type Err = TrainError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Standardize::None),
            "features" => Ok(Standardize::Features),
            "all" => Ok(Standardize::All),
            _ => Err(config("standardize", s, "one of none, features, all")),
        }
    }
}

/// Train / validation / test arrays in the model's float type, plus the pipeline that made them.
#[derive(Debug, Clone)]
pub struct Prepared<F> {
    /// The split in original units.
    pub split: Split,
    /// Fitted on `split.train`; applied unchanged to every part.
    pub pipeline: Pipeline,
    /// Training features.
    pub train_x: Array2<F>,
    /// Training targets.
    pub train_y: Array2<F>,
    /// Validation features.
    pub val_x: Array2<F>,
    /// Validation targets.
    pub val_y: Array2<F>,
    /// Test features (test targets stay in `split.test.y`, original units).
    pub test_x: Array2<F>,
    /// What preparing the data did (rows kept, inputs, fills, categories).
    pub summary: DataSummary,
    /// Which rows of the table (or dataset) each part holds, in the parts' order.
    pub rows: SplitRows,
}

/// The row indices of each part of a split: rows of the table (0 = the first row under the
/// header) or of the dataset it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SplitRows {
    /// Training rows.
    pub train: Vec<usize>,
    /// Validation rows.
    pub validation: Vec<usize>,
    /// Test rows.
    pub test: Vec<usize>,
}

impl<F: NdFloat> Prepared<F> {
    /// Splits `data` with `seed` and fits the pipeline on the training rows only.
    pub fn new(
        data: &Dataset,
        val_fraction: f64,
        test_fraction: f64,
        seed: u64,
        standardize: Standardize,
    ) -> Result<Self> {
        let [validation, test, train] = Split::indices(data.len(), val_fraction, test_fraction, seed)?;
        let split =
            Split { train: data.select(&train), validation: data.select(&validation), test: data.select(&test) };
        let mut p = Self::from_split(split, standardize);
        p.rows = SplitRows { train, validation, test };
        Ok(p)
    }

    /// Fits the pipeline on `split.train` and converts every part (`rows` is left empty: the split
    /// does not say where its rows came from).
    pub fn from_split(split: Split, standardize: Standardize) -> Self {
        let pipeline = Pipeline::fit(&split.train, standardize);
        let rows_read = split.train.len() + split.validation.len() + split.test.len();
        let features = pipeline.feature_names();
        let summary = DataSummary { rows_read, rows_dropped: 0, features, filled: Vec::new(), categories: Vec::new() };
        Self::with_pipeline(split, pipeline, summary, SplitRows::default())
    }

    /// A table with text columns and missing values: rows with a missing cell are dropped first
    /// when the policy says so, the rest are split with `seed`, and the [`Pipeline`] is fitted
    /// on the training rows only ([`Pipeline::fit_table`]) and applied to every part.
    ///
    /// Errors name the file, line and column of the first cell in file order that cannot be
    /// used (a missing cell under the `error` policy, a missing target under `mean`/`median`),
    /// and everything [`Pipeline::fit_table`] and [`Pipeline::encode`] reject.
    pub fn from_table(
        table: &Table,
        config: &PipelineConfig,
        val_fraction: f64,
        test_fraction: f64,
        seed: u64,
    ) -> Result<Self> {
        let kept = rows_to_keep(table, config)?;
        let [val, test, train] = Split::indices(kept.len(), val_fraction, test_fraction, seed)?;
        let rows = |part: Vec<usize>| part.into_iter().map(|i| kept[i]).collect::<Vec<_>>();
        let (val, test, train) = (rows(val), rows(test), rows(train));
        let pipeline = Pipeline::fit_table(table, &train, config)?;
        let mut filled = vec![0; pipeline.encoders().len()];
        let mut part = |rows: &[usize]| -> Result<Dataset> {
            let (x, counts) = pipeline.encode(table, rows)?;
            filled.iter_mut().zip(counts).for_each(|(f, c)| *f += c);
            let (feature_names, target_name) = (pipeline.feature_names(), pipeline.target().to_string());
            Ok(Dataset { x, y: pipeline.target_values(table, rows)?, feature_names, target_name })
        };
        let split = Split { train: part(&train)?, validation: part(&val)?, test: part(&test)? };
        let summary = summarise(table.len(), table.len() - kept.len(), &pipeline, &filled);
        Ok(Self::with_pipeline(split, pipeline, summary, SplitRows { train, validation: val, test }))
    }

    fn with_pipeline(split: Split, pipeline: Pipeline, summary: DataSummary, rows: SplitRows) -> Self {
        Prepared {
            train_x: pipeline.transform_x(&split.train.x),
            train_y: pipeline.transform_y(&split.train.y),
            val_x: pipeline.transform_x(&split.validation.x),
            val_y: pipeline.transform_y(&split.validation.y),
            test_x: pipeline.transform_x(&split.test.x),
            split,
            pipeline,
            summary,
            rows,
        }
    }

    /// The model's predictions for `x` (already transformed), in the target's original units,
    /// in inference mode (the model is left in [`Mode::Eval`](ndnet_layers::Mode::Eval)).
    pub fn predict_original(&self, model: &mut dyn Model<F>, x: &Array2<F>) -> Result<Array2<f64>> {
        model.set_mode(ndnet_layers::Mode::Eval);
        Ok(self.pipeline.inverse_y(&model.predict(x.view())?))
    }
}

/// The rows to use, in file order: every row, less those with a missing chosen cell under the
/// `drop` policy. Under `error` the first missing chosen cell is an error, under `mean` and
/// `median` the first missing target.
fn rows_to_keep(table: &Table, config: &PipelineConfig) -> Result<Vec<usize>> {
    let (target, features) = choose_columns(table, &config.target, config.features.as_deref())?;
    let columns: Vec<usize> = features.into_iter().chain([target]).collect();
    let mut kept = Vec::with_capacity(table.len());
    for r in 0..table.len() {
        let missing = columns.iter().copied().find(|&c| matches!(Cell::parse(table.raw(r, c)), Ok(Cell::Missing)));
        match (missing, config.missing) {
            (None, _) => kept.push(r),
            (Some(_), Missing::Drop) => {}
            (Some(c), Missing::Mean | Missing::Median) if c != target => kept.push(r),
            (Some(c), policy) => {
                let text = String::from_utf8_lossy(table.raw(r, c)).trim().to_string();
                let what =
                    if text.is_empty() { "the cell is empty".to_string() } else { format!("missing value {text:?}") };
                let advice = if policy == Missing::Error {
                    "choose a missing-value policy: drop, mean or median"
                } else {
                    "a row without a target can only be dropped (policy drop)"
                };
                let error = table.cell_error(r, c, format!("{what}; {advice}"));
                return Err(if policy == Missing::Error { error.fixed_by(Setting::Missing) } else { error });
            }
        }
    }
    if kept.is_empty() {
        return Err(table.error(None, "every row has a missing value: no rows are left"));
    }
    Ok(kept)
}

fn summarise(rows_read: usize, rows_dropped: usize, pipeline: &Pipeline, filled: &[usize]) -> DataSummary {
    use crate::ColumnEncoder::{Embed, Number, OneHot};
    let mut summary = DataSummary {
        rows_read,
        rows_dropped,
        features: pipeline.feature_names(),
        filled: Vec::new(),
        categories: Vec::new(),
    };
    for (e, &n) in pipeline.encoders().iter().zip(filled) {
        match e {
            Number { column, fill } if n > 0 => summary.filled.push((column.clone(), n, *fill)),
            OneHot { column, categories, .. } | Embed { column, categories, .. } => {
                if n > 0 {
                    summary.filled.push((column.clone(), n, None));
                }
                summary.categories.push((column.clone(), categories.clone()));
            }
            _ => {}
        }
    }
    summary
}
