//! [`Prepared`]: a dataset split, its [`Pipeline`] fitted on the training rows, and model-ready
//! arrays for every part.
//!
//! ```
//! use ndnet_data::{Dataset, Prepared, Standardize};
//! let x = ndarray::Array2::from_shape_fn((20, 2), |(i, j)| (i * (j + 1)) as f64);
//! let y = x.column(0).to_owned().insert_axis(ndarray::Axis(1));
//! let data = Dataset { x, y, feature_names: vec!["a".into(), "b".into()], target_name: "t".into() };
//! let p = Prepared::<f32>::new(&data, 0.2, 0.2, 1, Standardize::All).unwrap();
//! assert_eq!((p.train_x.nrows(), p.val_x.nrows(), p.test_x.nrows()), (12, 4, 4));
//! assert_eq!("features".parse::<Standardize>().unwrap(), Standardize::Features);
//! ```

use std::str::FromStr;

use ndarray::{Array2, Axis, NdFloat};

use crate::ColumnCategories;
use crate::error::config;
use crate::{
    DataError, DataSummary, Dataset, EncodeCounts, Missing, Pipeline, PipelineConfig, Result, Setting, Split, Table,
    TargetEncoder, Task, UnknownCategory,
};

/// Rows encoded at a time when a part's inputs in original units are not kept.
const ENCODE_ROWS: usize = 4096;

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
    type Err = DataError;

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
    /// Why the task is what it is, in one line (`classification: the target … holds text; …`).
    pub task_reason: String,
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
        let summary = DataSummary {
            rows_read,
            rows_dropped: 0,
            rows_without_target: 0,
            features,
            filled: Vec::new(),
            categories: Vec::new(),
            dates: Vec::new(),
            identifiers: Vec::new(),
            unknown: Vec::new(),
        };
        Self::with_pipeline(split, pipeline, summary, SplitRows::default())
    }

    /// A table with text columns and missing values: rows with a missing cell are dropped first
    /// when the policy says so; the task and labels come from the kept rows' targets
    /// ([`TargetEncoder::detect`]); the rows are split with `seed` (stratified by class for a
    /// classification, [`Split::stratified_indices`]), and the [`Pipeline`] is fitted on the
    /// training rows only ([`Pipeline::fit_table`]) and applied to every part. A category that
    /// only validation or test rows have is encoded as no category and counted in the summary.
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
        let (kept, target, task_reason) = Self::target_of(table, config)?;
        let [val, test, train] = match target.task() {
            Task::Regression => Split::indices(kept.len(), val_fraction, test_fraction, seed)?,
            Task::Classification => {
                let classes = classes_of(table, config, &target, &kept)?;
                Split::stratified_indices(&classes, val_fraction, test_fraction, seed)?
            }
        };
        let rows = |part: Vec<usize>| part.into_iter().map(|i| kept[i]).collect::<Vec<_>>();
        let rows = SplitRows { train: rows(train), validation: rows(val), test: rows(test) };
        let mut p = Self::from_rows(table, config, target, rows, table.len() - kept.len())?;
        p.task_reason = task_reason;
        Ok(p)
    }

    /// The rows to use (see [`Prepared::from_table`]), the target's encoding from them, and why.
    pub fn target_of(table: &Table, config: &PipelineConfig) -> Result<(Vec<usize>, TargetEncoder, String)> {
        let kept = rows_to_keep(table, config)?;
        let target = table.column(&config.target)?;
        let (encoder, why) =
            TargetEncoder::detect_with(table, target, &kept, config.task, config.log_target, config.max_classes)?;
        Ok((kept, encoder, why))
    }

    /// Fits the pipeline on `rows.train` of `table` with the target encoded as `target`, and
    /// prepares every part (a fold of a cross-validation, a split made elsewhere); `dropped`
    /// rows are counted in the summary.
    pub fn from_rows(
        table: &Table,
        config: &PipelineConfig,
        target: TargetEncoder,
        rows: SplitRows,
        dropped: usize,
    ) -> Result<Self> {
        let pipeline = Pipeline::fit_table_for(table, &rows.train, config, target)?;
        let n = pipeline.encoders().len();
        let mut total = EncodeCounts { filled: vec![0; n], unknown: vec![0; n] };
        // Each part's model input is made as soon as it is encoded, so that without the inputs
        // in original units only one part's f64 copy is ever held.
        let mut inputs = Vec::with_capacity(3);
        let mut part = |rows: &[usize], unknown: UnknownCategory| -> Result<Dataset> {
            let mut count = |counts: EncodeCounts| {
                total.filled.iter_mut().zip(counts.filled).for_each(|(f, c)| *f += c);
                total.unknown.iter_mut().zip(counts.unknown).for_each(|(f, c)| *f += c);
            };
            // Finite in the file is not enough: 1e300 overflows f32 once scaled (model_input).
            let x = if config.original_inputs {
                let (x, counts) = pipeline.encode_with(table, rows, unknown)?;
                count(counts);
                inputs.push(pipeline.model_input::<F>(table, rows, &x)?);
                x
            } else {
                // Block by block straight into the model's type: no f64 copy of the part.
                let mut input = Array2::<F>::zeros((rows.len(), pipeline.input_width()));
                for (block, to) in rows.chunks(ENCODE_ROWS).zip(input.axis_chunks_iter_mut(Axis(0), ENCODE_ROWS)) {
                    let (x, counts) = pipeline.encode_with(table, block, unknown)?;
                    count(counts);
                    pipeline.model_input::<F>(table, block, &x)?.move_into(to);
                }
                inputs.push(input);
                Array2::zeros((rows.len(), 0))
            };
            let (feature_names, target_name) = (pipeline.feature_names(), pipeline.target().to_string());
            Ok(Dataset { x, y: pipeline.target_values(table, rows)?, feature_names, target_name })
        };
        // Validation and test rows are the user's own: a category only they have is no category.
        let policy = pipeline.unknown_category();
        let train = part(&rows.train, policy)?;
        let split = Split {
            train,
            validation: part(&rows.validation, UnknownCategory::Ignore)?,
            test: part(&rows.test, UnknownCategory::Ignore)?,
        };
        let mut summary = summarise(table.len(), dropped, &pipeline, &total);
        if dropped > 0 {
            let target = table.column(pipeline.target())?;
            summary.rows_without_target =
                (0..table.len()).filter(|&r| table.is_missing(r, target)).count().min(dropped);
        }
        for (part, data) in
            [(&rows.train, &split.train), (&rows.validation, &split.validation), (&rows.test, &split.test)]
        {
            let y = pipeline.transform_y::<F>(&data.y);
            if let Some((i, _)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                let message = format!(
                    "the target `{}` is {} here, which is not finite once standardised and stored as {}-bit floats",
                    pipeline.target(),
                    crate::pipeline::short(data.y[(i, 0)]),
                    8 * std::mem::size_of::<F>()
                );
                return Err(table.error(Some(table.line(part[i])), &message));
            }
        }
        let [train_x, val_x, test_x]: [Array2<F>; 3] = inputs.try_into().expect("three parts");
        Ok(Self::with_inputs(split, pipeline, summary, rows, [train_x, val_x, test_x]))
    }

    fn with_pipeline(split: Split, pipeline: Pipeline, summary: DataSummary, rows: SplitRows) -> Self {
        let x = [&split.train.x, &split.validation.x, &split.test.x].map(|x| pipeline.transform_x(x));
        Self::with_inputs(split, pipeline, summary, rows, x)
    }

    /// The prepared parts, given the model inputs of train, validation and test.
    fn with_inputs(
        split: Split,
        pipeline: Pipeline,
        summary: DataSummary,
        rows: SplitRows,
        [train_x, val_x, test_x]: [Array2<F>; 3],
    ) -> Self {
        Prepared {
            train_x,
            train_y: pipeline.transform_y(&split.train.y),
            val_x,
            val_y: pipeline.transform_y(&split.validation.y),
            test_x,
            split,
            pipeline,
            summary,
            rows,
            task_reason: String::new(),
        }
    }
}

impl<F: NdFloat> Prepared<F> {
    /// A fingerprint of the prepared training and validation rows (their shapes and every value's bits, FNV-1a
    /// 64), as 16 hex digits: a checkpoint records it so that a resume on other data is refused
    /// even when the file's path is the same.
    ///
    /// ```
    /// use ndnet_data::{Dataset, Prepared, Standardize};
    /// let x = ndarray::Array2::from_shape_fn((10, 1), |(i, _)| i as f64);
    /// let data = Dataset { y: x.clone(), x, feature_names: vec!["a".into()], target_name: "t".into() };
    /// let a = Prepared::<f32>::new(&data, 0.2, 0.0, 1, Standardize::All).unwrap();
    /// let b = Prepared::<f32>::new(&data, 0.2, 0.0, 2, Standardize::All).unwrap(); // other rows in training
    /// assert_eq!(a.fingerprint().len(), 16);
    /// assert_ne!(a.fingerprint(), b.fingerprint());
    /// ```
    pub fn fingerprint(&self) -> String {
        let mut hash = ndnet_files::Fnv::new();
        for a in [&self.train_x, &self.train_y, &self.val_x, &self.val_y] {
            hash.eat(&(a.nrows() as u64).to_le_bytes());
            hash.eat(&(a.ncols() as u64).to_le_bytes());
            a.iter().for_each(|v| hash.eat(&v.to_f64().unwrap_or(f64::NAN).to_bits().to_le_bytes()));
        }
        hash.hex()
    }
}

/// The class index of each of `rows` (for a stratified split).
fn classes_of(table: &Table, config: &PipelineConfig, target: &TargetEncoder, rows: &[usize]) -> Result<Vec<usize>> {
    let col = table.column(&config.target)?;
    rows.iter().map(|&r| target.value(table, r, col).map(|k| k as usize)).collect()
}

/// The rows to use, in file order: every row, less those with a missing chosen cell under the
/// `drop` policy, and less those without a target under `mean` and `median`. Under `error` the
/// first missing chosen cell is an error.
fn rows_to_keep(table: &Table, config: &PipelineConfig) -> Result<Vec<usize>> {
    let (target, features) = config.columns(table)?;
    let columns: Vec<usize> = features.into_iter().chain([target]).collect();
    let mut kept = Vec::with_capacity(table.len());
    for r in 0..table.len() {
        let is_missing = |c: usize| table.is_missing(r, c);
        match (columns.iter().copied().find(|&c| is_missing(c)), config.missing) {
            (None, _) => kept.push(r),
            (Some(_), Missing::Drop) => {}
            // Nothing to learn from or score against: a row without a target is left out.
            (Some(_), Missing::Mean | Missing::Median) if is_missing(target) => {}
            (Some(_), Missing::Mean | Missing::Median) => kept.push(r),
            (Some(c), Missing::Error) => {
                let text = table.text(r, c);
                let what =
                    if text.is_empty() { "the cell is empty".to_string() } else { format!("missing value {text:?}") };
                let message = format!("{what}; choose a missing-value policy: drop, mean or median");
                return Err(table.cell_error(r, c, message).fixed_by(Setting::Missing));
            }
        }
    }
    if kept.is_empty() {
        return Err(table.error(None, "every row has a missing value: no rows are left"));
    }
    Ok(kept)
}

fn summarise(rows_read: usize, rows_dropped: usize, pipeline: &Pipeline, counts: &EncodeCounts) -> DataSummary {
    use crate::ColumnEncoder::{Date, Embed, Number, OneHot, YesNo};
    let mut summary = DataSummary {
        rows_read,
        rows_dropped,
        rows_without_target: 0,
        features: pipeline.feature_names(),
        filled: Vec::new(),
        categories: Vec::new(),
        dates: Vec::new(),
        identifiers: pipeline.identifiers().to_vec(),
        unknown: Vec::new(),
    };
    for ((e, &n), &unknown) in pipeline.encoders().iter().zip(&counts.filled).zip(&counts.unknown) {
        match e {
            Number { column, fill } | YesNo { column, fill } if n > 0 => {
                summary.filled.push((column.clone(), n, *fill))
            }
            Date { column, fill, daily } => {
                if n > 0 {
                    summary.filled.push((column.clone(), n, *fill));
                }
                summary.dates.push((column.clone(), *daily));
            }
            OneHot { column, categories, pooled, .. } | Embed { column, categories, pooled, .. } => {
                if n > 0 {
                    summary.filled.push((column.clone(), n, None));
                }
                summary.categories.push(ColumnCategories {
                    column: column.clone(),
                    categories: categories.clone(),
                    pooled: pooled.len(),
                    embedded: matches!(e, Embed { .. }),
                });
            }
            _ => {}
        }
        if unknown > 0 {
            summary.unknown.push((e.column().to_string(), unknown));
        }
    }
    summary
}
