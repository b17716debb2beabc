//! Adagrad as PyTorch ships it (`torch.optim.Adagrad`): each element's step shrinks with the sum
//! of its squared gradients.
//!
//! ```text
//! g ← −g                          if maximize
//! g ← g + λθ                      L2 weight decay (fused, as PyTorch's add(alpha=λ))
//! η_t = η / (1 + (t − 1)·decay)   learning-rate decay
//! s ← s + g·g                     (fused, as addcmul_; s₀ = initial accumulator)
//! θ ← θ + (−η_t·g) / (√s + ε)     (as addcdiv_)
//! ```
//!
//! ```
//! use ndarray::array;
//! use ndnet_optim::{Adagrad, AdagradConfig, Optimizer};
//! let mut opt = Adagrad::new(AdagradConfig::pytorch(0.1)).unwrap();
//! let (mut x, mut g) = (array![1.0_f64], array![2.0]);
//! opt.step(&mut [(&mut x, &mut g)]).unwrap();
//! // s = 4, so θ moves by η·g/(√s + ε) ≈ η.
//! assert!((x[0] - 0.9).abs() < 1e-9);
//! ```

use ndarray::NdFloat;
use serde::{Deserialize, Serialize};

use crate::clip::cast;
use crate::error::{check, check_lr};
use crate::registry::{EPS, OptimizerKind, WEIGHT_DECAY};
use crate::state::Buffer;
use crate::{Clip, Optim, OptimizerSpec, Result, Rule};
use ndnet_kernels::elementwise;

/// Every Adagrad option, with `with_*` setters; [`AdagradConfig::pytorch`] is PyTorch's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdagradConfig {
    /// η.
    pub learning_rate: f64,
    /// The learning rate's decay per step (PyTorch's `lr_decay`).
    pub lr_decay: f64,
    /// L2 weight decay λ, added to the gradient.
    pub weight_decay: f64,
    /// s₀: what the sum of squares starts at.
    pub initial_accumulator: f64,
    /// ε, added to √s.
    pub epsilon: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
    /// Gradient clipping before the update.
    pub clip: Option<Clip>,
}

impl AdagradConfig {
    /// `torch.optim.Adagrad` defaults with learning rate `lr`: no decay, s₀ = 0, ε = 1e-10.
    pub fn pytorch(lr: f64) -> Self {
        AdagradConfig {
            learning_rate: lr,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator: 0.0,
            epsilon: 1e-10,
            maximize: false,
            clip: None,
        }
    }
    /// Sets the learning rate's decay.
    pub fn with_lr_decay(mut self, lr_decay: f64) -> Self {
        self.lr_decay = lr_decay;
        self
    }
    /// Sets the L2 weight decay.
    pub fn with_weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }
    /// Sets s₀.
    pub fn with_initial_accumulator(mut self, value: f64) -> Self {
        self.initial_accumulator = value;
        self
    }
    /// Sets ε.
    pub fn with_epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }
    /// Ascends instead of descending.
    pub fn with_maximize(mut self, maximize: bool) -> Self {
        self.maximize = maximize;
        self
    }
    /// Sets gradient clipping.
    pub fn with_clip(mut self, clip: Option<Clip>) -> Self {
        self.clip = clip;
        self
    }

    /// Errors naming the first hyper-parameter outside its range.
    pub fn validate(&self) -> Result<()> {
        check_lr(self.learning_rate)?;
        let ok = |v: f64| v >= 0.0 && v.is_finite();
        check("lr_decay", self.lr_decay, ok(self.lr_decay), "≥ 0 and finite")?;
        check("weight_decay", self.weight_decay, ok(self.weight_decay), "≥ 0 and finite")?;
        check("initial_accumulator", self.initial_accumulator, ok(self.initial_accumulator), "≥ 0 and finite")?;
        check("epsilon", self.epsilon, ok(self.epsilon), "≥ 0 and finite")?;
        self.clip.map_or(Ok(()), |c| c.validate())
    }
}

/// `--optimizer adagrad`: PyTorch's.
pub(crate) const ADAGRAD: OptimizerKind = OptimizerKind {
    name: "adagrad",
    about: "Adagrad",
    presets: &["pytorch"],
    default_lr: 0.01,
    takes: &[EPS, WEIGHT_DECAY],
    make: |_, lr, o| {
        let c = AdagradConfig::pytorch(lr).with_weight_decay(o.get("weight-decay").copied().unwrap_or(0.0));
        OptimizerSpec::Adagrad(o.get("eps").map_or(c, |&eps| c.with_epsilon(eps)))
    },
};

/// Adagrad over any [`Params`](crate::Params): [`AdagradConfig`]'s rule with the shared bookkeeping.
pub type Adagrad<F> = Optim<AdagradConfig, F>;

/// The configuration as `F` constants for one step.
#[derive(Debug, Clone, Copy)]
pub struct Constants<F> {
    /// −η_t, rounded to `F` as PyTorch rounds the `value` of its `addcdiv_`.
    step: F,
    l2: F,
    eps: F,
    maximize: bool,
}

impl Rule for AdagradConfig {
    const KIND: &'static str = "Adagrad";
    type Step<F: NdFloat> = Constants<F>;

    crate::optimizer::rule_basics!();

    fn buffers(&self) -> Vec<Buffer> {
        vec![("sum", self.initial_accumulator)]
    }

    /// PyTorch computes `clr = lr / (1 + (step − 1)·lr_decay)` in Python floats.
    fn constants<F: NdFloat>(&self, t: u64) -> Constants<F> {
        let clr = self.learning_rate / (1.0 + (t - 1) as f64 * self.lr_decay);
        Constants { step: cast(-clr), l2: cast(self.weight_decay), eps: cast(self.epsilon), maximize: self.maximize }
    }

    fn update<F: NdFloat>(rule: &Constants<F>, value: &mut [F], grad: &[F], state: &mut [Vec<F>], _: bool) {
        let Some(sum) = state.first_mut() else { return };
        let c = *rule;
        elementwise::for_each(
            (value, grad, &mut sum[..]),
            true,
            #[inline(always)]
            |(theta, grad, sum)| {
                let n = theta.len();
                let (grad, sum) = (&grad[..n], &mut sum[..n]);
                for i in 0..n {
                    let mut g = if c.maximize { -grad[i] } else { grad[i] };
                    if c.l2 != F::zero() {
                        g = c.l2.mul_add(theta[i], g);
                    }
                    sum[i] = g.mul_add(g, sum[i]);
                    theta[i] += (c.step * g) / (sum[i].sqrt() + c.eps);
                }
            },
        );
    }
}
