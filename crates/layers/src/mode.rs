//! [`Mode`]: whether a model is training or predicting, for the layers that behave differently
//! (Dropout drops only in training; BatchNorm normalises by the batch in training and by its
//! running estimates in inference).
//!
//! PyTorch keeps the mode on the module (`train()` / `eval()`), Keras passes `training` to each
//! call. ndnet keeps it on the model, as PyTorch does, so a forward pass reads the same in both
//! modes; [`Model::set_mode`](crate::Model::set_mode) passes it to every layer. A new model is in
//! training mode (as a new PyTorch module is); the `Trainer` trains in [`Mode::Train`] and
//! validates, evaluates and predicts in [`Mode::Eval`].
//!
//! ```
//! use ndnet_layers::{Dropout, Layer, Mode};
//! let mut dropout = Dropout::new(0.5).unwrap().with_seed(7);
//! let x = ndarray::Array2::<f64>::ones((4, 25));
//! let mut y = ndarray::Array2::zeros((4, 25));
//! dropout.forward(x.view(), y.view_mut());
//! assert!(y.iter().any(|&v| v == 0.0) && y.iter().any(|&v| v == 2.0)); // dropped, or scaled by 1/(1 − p)
//! dropout.set_mode(Mode::Eval);
//! dropout.forward(x.view(), y.view_mut());
//! assert_eq!(y, x); // the identity in inference
//! ```

/// Training or inference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Training: dropout drops, batch normalisation uses and updates the batch's statistics.
    #[default]
    Train,
    /// Inference (PyTorch's `eval()`): every layer is deterministic and changes no state.
    Eval,
}
