//! The [`Optimizer`] trait every optimizer implements.

use ndarray::NdFloat;

use crate::{OptimizerState, Params, Result};

/// Updates parameters in place from their gradients.
///
/// Object safe, so a program can pick the optimizer at run time (`Box<dyn Optimizer<f32>>`).
///
/// ```
/// use ndarray::array;
/// use ndnet_optim::{Optimizer, RmsProp, RmsPropConfig, Sgd, SgdConfig};
/// let mut opts: Vec<Box<dyn Optimizer<f64>>> = vec![
///     Box::new(Sgd::new(SgdConfig::new(0.1)).unwrap()),
///     Box::new(RmsProp::new(RmsPropConfig::pytorch(0.01)).unwrap()),
/// ];
/// for opt in &mut opts {
///     let (mut x, mut g) = (array![1.0], array![1.0]);
///     opt.step(&mut [(&mut x, &mut g)]).unwrap();
///     assert!(x[0] < 1.0, "{}", opt.kind());
/// }
/// ```
pub trait Optimizer<F: NdFloat>: Send {
    /// `"Sgd"`, `"RmsProp"`, …: stored in saved state and checked on load.
    fn kind(&self) -> &'static str;

    /// One update of every tensor in `params`, in place. Shapes are checked against the state
    /// before anything is written. After the first step this allocates nothing.
    fn step(&mut self, params: &mut dyn Params<F>) -> Result<()>;

    /// The learning rate the next step uses.
    fn learning_rate(&self) -> f64;

    /// Sets the learning rate (schedules call this); errors unless positive and finite.
    fn set_learning_rate(&mut self, learning_rate: f64) -> Result<()>;

    /// Steps taken so far.
    fn steps(&self) -> u64;

    /// A serialisable snapshot of the whole state.
    fn state(&self) -> OptimizerState<F>;

    /// Restores a snapshot; errors (changing nothing) when its kind or buffers do not fit.
    fn load_state(&mut self, state: &OptimizerState<F>) -> Result<()>;
}

/// Implements the bookkeeping half of [`Optimizer`] for a type with a `slots` field
/// (everything but `kind`, `step` and `load_state`).
macro_rules! bookkeeping {
    () => {
        fn learning_rate(&self) -> f64 {
            self.slots.learning_rate
        }

        fn set_learning_rate(&mut self, learning_rate: f64) -> $crate::Result<()> {
            $crate::error::check_lr(learning_rate)?;
            self.slots.learning_rate = learning_rate;
            Ok(())
        }

        fn steps(&self) -> u64 {
            self.slots.step
        }

        fn state(&self) -> $crate::OptimizerState<F> {
            self.slots.export(self.kind())
        }
    };
}
pub(crate) use bookkeeping;

/// The `with_*` setters every optimizer config has (weight decay, maximize, clipping, the
/// operation order), for a config struct with those fields.
macro_rules! common_setters {
    () => {
        /// Sets the weight decay.
        pub fn with_weight_decay(mut self, weight_decay: $crate::WeightDecay) -> Self {
            self.weight_decay = weight_decay;
            self
        }
        /// Ascends instead of descending.
        pub fn with_maximize(mut self, maximize: bool) -> Self {
            self.maximize = maximize;
            self
        }
        /// Sets gradient clipping.
        pub fn with_clip(mut self, clip: Option<$crate::Clip>) -> Self {
            self.clip = clip;
            self
        }
        /// Sets the operation order (rounding only).
        pub fn with_arithmetic(mut self, arithmetic: $crate::Arithmetic) -> Self {
            self.arithmetic = arithmetic;
            self
        }
    };
}
pub(crate) use common_setters;
