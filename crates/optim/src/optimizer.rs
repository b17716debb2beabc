//! The [`Optimizer`] trait every optimizer implements, and how one is made, as burn-optim makes
//! them: a [`Rule`] is an optimizer's configuration and its per-tensor update (a few lines over
//! slices, to compare line by line with the framework it reproduces); [`Optim`] adds what every
//! optimizer shares — the step count, each tensor's state buffers and their checks, clipping,
//! saving and loading. `Adam<F>` is `Optim<AdamConfig, F>`; a new optimizer is one file with its
//! config, its `Rule` and its registry entry.

use std::fmt;

use ndarray::NdFloat;

use crate::state::{Buffer, Slots};
use crate::{Clip, OptimizerState, Params, Result};

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

    /// Sets the learning rate (schedules call this; 0 is allowed); errors unless finite and ≥ 0.
    fn set_learning_rate(&mut self, learning_rate: f64) -> Result<()>;

    /// Steps taken so far.
    fn steps(&self) -> u64;

    /// A serialisable snapshot of the whole state.
    fn state(&self) -> OptimizerState<F>;

    /// Restores a snapshot (its learning rate included); errors (changing nothing) when its kind
    /// or buffers do not fit.
    fn load_state(&mut self, state: &OptimizerState<F>) -> Result<()>;
}

/// One optimizer's configuration and per-tensor update: what [`Optim`] needs to be that
/// optimizer. The learning rate lives in the configuration only, so what a schedule sets is what
/// [`Optim::config`] reports.
pub trait Rule: fmt::Debug + Clone + Send + Sync + 'static {
    /// The name stored in saved state, e.g. `"Adam"`.
    const KIND: &'static str;

    /// The configuration's constants for one step, in the parameters' float type.
    type Step<F: NdFloat>: Send + Sync;

    /// Errors naming the first hyper-parameter outside its range.
    fn validate(&self) -> Result<()>;

    /// The learning rate.
    fn learning_rate(&self) -> f64;

    /// Sets the learning rate (already checked to be positive and finite).
    fn set_learning_rate(&mut self, learning_rate: f64);

    /// Gradient clipping before the update, if any.
    fn clip(&self) -> Option<Clip>;

    /// The buffers kept per tensor under this configuration, with their starting values (named
    /// as the framework's state dict names them).
    fn buffers(&self) -> Vec<Buffer>;

    /// The constants of step `t` (1 for the first step).
    fn constants<F: NdFloat>(&self, t: u64) -> Self::Step<F>;

    /// Updates one tensor: `state` holds its [`buffers`](Rule::buffers) in that order, `fresh`
    /// is true on the tensor's first step (its buffers just made).
    fn update<F: NdFloat>(step: &Self::Step<F>, value: &mut [F], grad: &[F], state: &mut [Vec<F>], fresh: bool);
}

/// An optimizer: a [`Rule`] with the bookkeeping every optimizer shares (see the module docs).
#[derive(Debug, Clone)]
pub struct Optim<R, F> {
    config: R,
    slots: Slots<F>,
}

impl<R: Rule, F: NdFloat> Optim<R, F> {
    /// Validates `config` and makes an optimizer with empty state.
    pub fn new(config: R) -> Result<Self> {
        config.validate()?;
        Ok(Optim { config, slots: Slots::new() })
    }

    /// The configuration, learning rate as it now is.
    pub fn config(&self) -> &R {
        &self.config
    }
}

impl<R: Rule, F: NdFloat> Optimizer<F> for Optim<R, F> {
    fn kind(&self) -> &'static str {
        R::KIND
    }

    fn step(&mut self, params: &mut dyn Params<F>) -> Result<()> {
        let constants = self.config.constants::<F>(self.slots.step + 1);
        let config = &self.config;
        self.slots.step(
            params,
            config.clip(),
            || config.buffers(),
            |state, value, grad, fresh| R::update(&constants, value, grad, state, fresh),
        )
    }

    fn learning_rate(&self) -> f64 {
        self.config.learning_rate()
    }

    fn set_learning_rate(&mut self, learning_rate: f64) -> Result<()> {
        // A schedule may reach 0 (a cosine's end, a `coslog` cycle's start); a configuration
        // may not start there.
        let ok = learning_rate >= 0.0 && learning_rate.is_finite();
        crate::error::check("learning_rate", learning_rate, ok, "≥ 0 and finite")?;
        self.config.set_learning_rate(learning_rate);
        Ok(())
    }

    fn steps(&self) -> u64 {
        self.slots.step
    }

    fn state(&self) -> OptimizerState<F> {
        self.slots.export(R::KIND, self.config.learning_rate(), &self.config.buffers())
    }

    fn load_state(&mut self, state: &OptimizerState<F>) -> Result<()> {
        crate::error::check_lr(state.learning_rate)?;
        self.slots.import(R::KIND, state, &self.config.buffers())?;
        self.config.set_learning_rate(state.learning_rate);
        Ok(())
    }
}

/// The parts of [`Rule`] every config with `learning_rate` and `clip` fields and an inherent
/// `validate` writes the same way.
macro_rules! rule_basics {
    () => {
        fn validate(&self) -> $crate::Result<()> {
            Self::validate(self)
        }

        fn learning_rate(&self) -> f64 {
            self.learning_rate
        }

        fn set_learning_rate(&mut self, learning_rate: f64) {
            self.learning_rate = learning_rate;
        }

        fn clip(&self) -> Option<$crate::Clip> {
            self.clip
        }
    };
}
pub(crate) use rule_basics;

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
