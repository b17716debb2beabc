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

use crate::error::config;
use crate::{Dataset, Pipeline, Result, Split, TrainError};

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
        let split = Split::new(data, val_fraction, test_fraction, seed)?;
        Ok(Self::from_split(split, standardize))
    }

    /// Fits the pipeline on `split.train` and converts every part.
    pub fn from_split(split: Split, standardize: Standardize) -> Self {
        let pipeline = Pipeline::fit(&split.train, standardize);
        Prepared {
            train_x: pipeline.transform_x(&split.train.x),
            train_y: pipeline.transform_y(&split.train.y),
            val_x: pipeline.transform_x(&split.validation.x),
            val_y: pipeline.transform_y(&split.validation.y),
            test_x: pipeline.transform_x(&split.test.x),
            split,
            pipeline,
        }
    }

    /// The model's predictions for `x` (already transformed), in the target's original units.
    pub fn predict_original(&self, model: &mut dyn Model<F>, x: &Array2<F>) -> Result<Array2<f64>> {
        Ok(self.pipeline.inverse_y(&model.predict(x.view())?))
    }
}
