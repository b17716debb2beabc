//! [`Pipeline`]: the preprocessing a model was trained with, fitted on training rows only and
//! saved with the model (in checkpoints and in the safetensors metadata), so new rows are
//! prepared exactly as the training rows were.
//!
//! ```
//! use ndnet_trainer::{Dataset, Pipeline, Standardize};
//! let x = ndarray::array![[1.0, 10.0], [3.0, 10.0]];
//! let y = ndarray::array![[100.0], [200.0]];
//! let train = Dataset { x, y, feature_names: vec!["a".into(), "b".into()], target_name: "t".into() };
//! let p = Pipeline::fit(&train, Standardize::All);
//! assert_eq!(p.transform_x::<f64>(&train.x), ndarray::array![[-1.0, 0.0], [1.0, 0.0]]);
//! assert_eq!(p.inverse_y(&ndarray::array![[1.0_f64]]), ndarray::array![[200.0]]);
//! ```

use ndarray::{Array2, NdFloat};
use serde::{Deserialize, Serialize};

use crate::{Dataset, Standardize, Standardizer};

/// Column choice and scalers, fitted on training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    features: Vec<String>,
    target: String,
    feature_scaler: Standardizer,
    target_scaler: Standardizer,
}

impl Pipeline {
    /// Fits the scalers that `standardize` asks for on `train` (the training rows only).
    pub fn fit(train: &Dataset, standardize: Standardize) -> Self {
        let feature_scaler = match standardize {
            Standardize::None => Standardizer::identity(train.x.ncols()),
            _ => Standardizer::fit(&train.x),
        };
        let target_scaler = match standardize {
            Standardize::All => Standardizer::fit(&train.y),
            _ => Standardizer::identity(1),
        };
        Pipeline {
            features: train.feature_names.clone(),
            target: train.target_name.clone(),
            feature_scaler,
            target_scaler,
        }
    }

    /// The feature columns the model takes, in order.
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// The target column.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The feature scaler (the identity when features are not standardised).
    pub fn feature_scaler(&self) -> &Standardizer {
        &self.feature_scaler
    }

    /// The target scaler (the identity when the target is not standardised).
    pub fn target_scaler(&self) -> &Standardizer {
        &self.target_scaler
    }

    /// Features in original units → the model's input, in the model's float type.
    pub fn transform_x<F: NdFloat>(&self, x: &Array2<f64>) -> Array2<F> {
        self.feature_scaler.transform(x).mapv(ndnet_layers::cast)
    }

    /// Targets in original units → what the model is trained to output.
    pub fn transform_y<F: NdFloat>(&self, y: &Array2<f64>) -> Array2<F> {
        self.target_scaler.transform(y).mapv(ndnet_layers::cast)
    }

    /// Model outputs → the target's original units.
    pub fn inverse_y<F: NdFloat>(&self, y: &Array2<F>) -> Array2<f64> {
        self.target_scaler.inverse_transform(&y.mapv(|v| v.to_f64().unwrap_or(f64::NAN)))
    }
}
