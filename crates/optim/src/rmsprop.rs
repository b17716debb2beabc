//! RMSprop in every flavour the frameworks ship, one per-element rule for all of them.
//!
//! ```text
//! g ← −g                         if maximize
//! g ← g + λθ                     weight decay L2 (PyTorch)
//! θ ← θ − η·λ·θ                  weight decay decoupled (Keras 3), before the update
//! v ← ρ·v + (1 − ρ)·g²           v₀ = initial accumulator (0; TF1: 1)
//! m ← ρ·m + (1 − ρ)·g            centered only; then v − m² replaces v below
//! d ← √v + ε  (ε outside: PyTorch)   or   √(v + ε)  (ε inside: Keras 3, TF1, optax, textbook)
//! no momentum:           θ ← θ − η·g/d
//! momentum, η outside:   b ← μ·b + g/d;     θ ← θ − η·b      (PyTorch)
//! momentum, η inside:    b ← μ·b + η·g/d;   θ ← θ − b        (Keras 3, TF1, optax)
//! ```
//!
//! ```
//! use ndarray::array;
//! use ndnet_optim::{Optimizer, RmsProp, RmsPropConfig};
//! let mut opt = RmsProp::new(RmsPropConfig::textbook(0.1)).unwrap();
//! let (mut x, mut g) = (array![1.0_f64], array![2.0]);
//! opt.step(&mut [(&mut x, &mut g)]).unwrap();
//! // v = 0.1·4 = 0.4; x = 1 − 0.1·2/√(0.4 + 1e-8)
//! assert!((x[0] - (1.0 - 0.2 / (0.4_f64 + 1e-8).sqrt())).abs() < 1e-15);
//! ```

use ndarray::NdFloat;
use serde::{Deserialize, Serialize};

use crate::clip::cast;
use crate::error::{check, check_lr};
use crate::registry::{EPS, Hyper, MOMENTUM, OptimizerKind, WEIGHT_DECAY, decay};
use crate::state::Buffer;
use crate::{Arithmetic, Clip, Optim, OptimizerSpec, Result, Rule, WeightDecay};
use ndnet_kernels::elementwise;

/// Where ε goes in the denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EpsPlacement {
    /// `g / (√v + ε)`: PyTorch.
    Outside,
    /// `g / √(v + ε)`: Keras 3, TF1, optax, the textbook formula.
    Inside,
}

/// Whether the learning rate is applied inside the momentum buffer or after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MomentumStyle {
    /// `b ← μ·b + step; θ ← θ − η·b`: PyTorch.
    LrOutside,
    /// `b ← μ·b + η·step; θ ← θ − b`: Keras 3, TF1, optax.
    LrInside,
}

/// The frameworks whose RMSprop a preset reproduces. Parses from its lower-case name:
///
/// ```
/// use ndnet_optim::RmsPropPreset;
/// assert_eq!("pytorch".parse::<RmsPropPreset>().unwrap(), RmsPropPreset::PyTorch);
/// assert_eq!(RmsPropPreset::Tf1.to_string(), "tf1");
/// assert!("caffe".parse::<RmsPropPreset>().unwrap_err().to_string().contains("pytorch, keras, tf1, optax, textbook"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RmsPropPreset {
    /// `torch.optim.RMSprop`.
    PyTorch,
    /// `keras.optimizers.RMSprop` (Keras 3).
    Keras,
    /// `tf.compat.v1.train.RMSPropOptimizer`.
    Tf1,
    /// `optax.rmsprop`.
    Optax,
    /// θ ← θ − α·g/√(v + ε), ρ = 0.9, ε = 1e-8, v₀ = 0.
    Textbook,
}

crate::preset::named_presets!(
    RmsPropPreset,
    "RMSprop preset",
    [(PyTorch, "pytorch"), (Keras, "keras"), (Tf1, "tf1"), (Optax, "optax"), (Textbook, "textbook"),]
);

/// Every RMSprop option, with `with_*` setters. Start from a preset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RmsPropConfig {
    /// η.
    pub learning_rate: f64,
    /// ρ, the square average's decay (PyTorch calls it `alpha`, TF1 and optax `decay`).
    pub rho: f64,
    /// ε.
    pub epsilon: f64,
    /// Where ε goes.
    pub eps_placement: EpsPlacement,
    /// v₀: what the square average starts at.
    pub initial_accumulator: f64,
    /// Divide by the estimated variance instead of the second moment.
    pub centered: bool,
    /// μ (0 = no momentum buffer).
    pub momentum: f64,
    /// Learning rate inside or outside the momentum buffer.
    pub momentum_style: MomentumStyle,
    /// Weight decay.
    pub weight_decay: WeightDecay,
    /// Ascend instead of descend.
    pub maximize: bool,
    /// Gradient clipping before the update.
    pub clip: Option<Clip>,
    /// The operation order to reproduce (rounding only).
    pub arithmetic: Arithmetic,
}

impl RmsPropConfig {
    crate::optimizer::common_setters!();

    /// The preset's defaults with learning rate `lr`.
    pub fn preset(preset: RmsPropPreset, lr: f64) -> Self {
        let keras_like = RmsPropConfig {
            learning_rate: lr,
            rho: 0.9,
            epsilon: 1e-7,
            eps_placement: EpsPlacement::Inside,
            initial_accumulator: 0.0,
            centered: false,
            momentum: 0.0,
            momentum_style: MomentumStyle::LrInside,
            weight_decay: WeightDecay::None,
            maximize: false,
            clip: None,
            arithmetic: Arithmetic::Keras,
        };
        match preset {
            RmsPropPreset::PyTorch => RmsPropConfig {
                rho: 0.99,
                epsilon: 1e-8,
                eps_placement: EpsPlacement::Outside,
                momentum_style: MomentumStyle::LrOutside,
                arithmetic: Arithmetic::PyTorch,
                ..keras_like
            },
            RmsPropPreset::Keras => keras_like,
            // TF1 turns each hyper-parameter into a float32 tensor first, even for float64
            // variables: `Arithmetic::Tf1` does that rounding at every step.
            RmsPropPreset::Tf1 => {
                RmsPropConfig { epsilon: 1e-10, initial_accumulator: 1.0, arithmetic: Arithmetic::Tf1, ..keras_like }
            }
            RmsPropPreset::Optax => RmsPropConfig { epsilon: 1e-8, arithmetic: Arithmetic::Optax, ..keras_like },
            RmsPropPreset::Textbook => RmsPropConfig { epsilon: 1e-8, arithmetic: Arithmetic::Plain, ..keras_like },
        }
    }

    /// Keras 3's defaults (ρ 0.9, ε 1e-7 inside the root): the seed's optimizer.
    pub fn new(lr: f64) -> Self {
        Self::preset(RmsPropPreset::Keras, lr)
    }
    /// `torch.optim.RMSprop` defaults: ρ 0.99, ε 1e-8 outside the root.
    pub fn pytorch(lr: f64) -> Self {
        Self::preset(RmsPropPreset::PyTorch, lr)
    }
    /// `keras.optimizers.RMSprop` defaults: ρ 0.9, ε 1e-7 inside the root.
    pub fn keras(lr: f64) -> Self {
        Self::preset(RmsPropPreset::Keras, lr)
    }
    /// `tf.compat.v1.train.RMSPropOptimizer` defaults: ρ 0.9, ε 1e-10 inside, v₀ = 1. Like TF1,
    /// it rounds the learning rate, ρ, ε and momentum through float32 at every step.
    pub fn tf1(lr: f64) -> Self {
        Self::preset(RmsPropPreset::Tf1, lr)
    }
    /// `optax.rmsprop` defaults: decay 0.9, ε 1e-8 inside the root.
    pub fn optax(lr: f64) -> Self {
        Self::preset(RmsPropPreset::Optax, lr)
    }
    /// The textbook θ ← θ − α·g/√(v + ε) with ρ 0.9, ε 1e-8 (numerically the optax preset).
    pub fn textbook(lr: f64) -> Self {
        Self::preset(RmsPropPreset::Textbook, lr)
    }

    /// Sets ρ.
    pub fn with_rho(mut self, rho: f64) -> Self {
        self.rho = rho;
        self
    }
    /// Sets ε.
    pub fn with_epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }
    /// Sets where ε goes.
    pub fn with_eps_placement(mut self, placement: EpsPlacement) -> Self {
        self.eps_placement = placement;
        self
    }
    /// Sets v₀.
    pub fn with_initial_accumulator(mut self, value: f64) -> Self {
        self.initial_accumulator = value;
        self
    }
    /// Turns centering on or off.
    pub fn with_centered(mut self, centered: bool) -> Self {
        self.centered = centered;
        self
    }
    /// Sets μ.
    pub fn with_momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }
    /// Sets where the learning rate goes relative to the momentum buffer.
    pub fn with_momentum_style(mut self, style: MomentumStyle) -> Self {
        self.momentum_style = style;
        self
    }

    /// Errors naming the first hyper-parameter outside its range.
    pub fn validate(&self) -> Result<()> {
        check_lr(self.learning_rate)?;
        check("rho", self.rho, (0.0..1.0).contains(&self.rho), "in [0, 1)")?;
        check("epsilon", self.epsilon, self.epsilon >= 0.0 && self.epsilon.is_finite(), "≥ 0 and finite")?;
        let v0 = self.initial_accumulator;
        check("initial_accumulator", v0, v0 >= 0.0 && v0.is_finite(), "≥ 0 and finite")?;
        check("momentum", self.momentum, (0.0..1.0).contains(&self.momentum), "in [0, 1)")?;
        self.weight_decay.validate()?;
        if let Some(clip) = self.clip {
            clip.validate()?;
        }
        Ok(())
    }
}

/// ρ, RMSprop's square-average decay.
pub const RHO: Hyper =
    Hyper { name: "rho", about: "RMSprop's decay ρ", allowed: "in [0, 1)", ok: |v| (0.0..1.0).contains(&v) };

/// `--optimizer rmsprop`: Keras 3's by default (the seed's optimizer), or another framework's.
pub(crate) const RMSPROP: OptimizerKind = OptimizerKind {
    name: "rmsprop",
    about: "RMSprop",
    presets: &["keras", "pytorch", "tf1", "optax", "textbook"],
    default_lr: 0.001,
    takes: &[MOMENTUM, RHO, EPS, WEIGHT_DECAY],
    make: |preset, lr, o| {
        let p = preset.parse::<RmsPropPreset>().unwrap_or(RmsPropPreset::Keras);
        let mut c = RmsPropConfig::preset(p, lr).with_momentum(o.get("momentum").copied().unwrap_or(0.0));
        c = o.get("rho").map_or(c, |&rho| c.with_rho(rho));
        c = o.get("eps").map_or(c, |&eps| c.with_epsilon(eps));
        OptimizerSpec::RmsProp(decay(o, p == RmsPropPreset::Keras).map_or(c, |d| c.with_weight_decay(d)))
    },
};

/// RMSprop over any [`Params`](crate::Params): [`RmsPropConfig`]'s rule with the shared
/// bookkeeping. See the module docs for the rule and the crate docs for presets.
pub type RmsProp<F> = Optim<RmsPropConfig, F>;

impl Rule for RmsPropConfig {
    const KIND: &'static str = "RmsProp";
    type Step<F: NdFloat> = Constants<F>;

    crate::optimizer::rule_basics!();

    fn buffers(&self) -> Vec<Buffer> {
        let mut b = vec![("square_avg", self.initial_accumulator)];
        if self.centered {
            b.push(("grad_avg", 0.0));
        }
        if self.momentum > 0.0 {
            b.push(("momentum_buffer", 0.0));
        }
        b
    }

    fn constants<F: NdFloat>(&self, _: u64) -> Constants<F> {
        Constants::new(self, self.learning_rate)
    }

    fn update<F: NdFloat>(rule: &Constants<F>, value: &mut [F], grad: &[F], state: &mut [Vec<F>], _: bool) {
        let [v, rest @ ..] = state else { return };
        let (m, b) = match rest {
            [] => (None, None),
            [x] if rule.centered => (Some(&mut x[..]), None),
            [x] => (None, Some(&mut x[..])),
            [m, b, ..] => (Some(&mut m[..]), Some(&mut b[..])),
        };
        elementwise::for_each(
            (value, grad, &mut v[..], m, b),
            rule.arithmetic == Arithmetic::PyTorch,
            #[inline(always)]
            |(value, grad, v, m, b)| {
                if m.is_some() || b.is_some() || !rule.plain_fast(value, grad, v) {
                    update(rule, value, grad, v, m, b);
                }
            },
        );
    }
}

/// The configuration as `F` constants for one step.
#[derive(Debug, Clone, Copy)]
pub struct Constants<F> {
    lr: F,
    rho: F,
    one_minus_rho: F,
    eps: F,
    eps_inside: bool,
    momentum: F,
    lr_inside: bool,
    l2: F,
    decoupled: F,
    maximize: bool,
    centered: bool,
    arithmetic: Arithmetic,
}

impl<F: NdFloat> Constants<F> {
    /// The constants of `c` at learning rate `lr`, rounded as its arithmetic asks.
    fn new(c: &RmsPropConfig, lr: f64) -> Self {
        let (l2, decoupled) = c.weight_decay.split();
        let a = c.arithmetic;
        let rho = a.through_f32(c.rho, false);
        Constants {
            lr: cast(a.through_f32(lr, false)),
            rho: cast(rho),
            one_minus_rho: cast(1.0 - rho),
            eps: cast(a.through_f32(c.epsilon, false)),
            eps_inside: c.eps_placement == EpsPlacement::Inside,
            momentum: cast(a.through_f32(c.momentum, false)),
            lr_inside: c.momentum_style == MomentumStyle::LrInside,
            l2: cast(a.through_f32(l2, true)),
            decoupled: cast(a.through_f32(decoupled, true)),
            maximize: c.maximize,
            centered: c.centered,
            arithmetic: c.arithmetic,
        }
    }

    /// The commonest flavours (no centering, momentum, weight decay or maximize; one rounding
    /// per operation, or PyTorch's fused `v` update) as branch-free loops over slices, which the
    /// compiler vectorises. Returns false, touching nothing, for any other flavour.
    #[inline(always)]
    fn plain_fast(&self, theta: &mut [F], grad: &[F], v: &mut [F]) -> bool {
        let other = self.maximize || self.l2 != F::zero() || self.decoupled != F::zero();
        let fused = match self.arithmetic {
            Arithmetic::Plain | Arithmetic::Keras => false,
            Arithmetic::PyTorch => true,
            _ => return false,
        };
        if other {
            return false;
        }
        let (rho, omr, eps, lr) = (self.rho, self.one_minus_rho, self.eps, self.lr);
        let n = theta.len();
        let (grad, v) = (&grad[..n], &mut v[..n]);
        // The same operations as `apply` for these flavours, one loop per combination.
        macro_rules! each {
            ($v:expr, $denom:expr) => {
                for i in 0..n {
                    let g = grad[i];
                    v[i] = $v(g, v[i]);
                    theta[i] -= lr * g / $denom(v[i]);
                }
            };
        }
        let keras = |g: F, v: F| rho * v + omr * (g * g);
        let pytorch = |g: F, v: F| (omr * g).mul_add(g, v * rho);
        let inside = |v: F| (v + eps).sqrt();
        let outside = |v: F| v.sqrt() + eps;
        match (fused, self.eps_inside) {
            (false, true) => each!(keras, inside),
            (false, false) => each!(keras, outside),
            (true, true) => each!(pytorch, inside),
            (true, false) => each!(pytorch, outside),
        }
        true
    }

    /// The rule for one element. `grad_avg` is present when centered, `buf` with momentum.
    #[inline(always)]
    fn apply(&self, theta: &mut F, g: F, v: &mut F, grad_avg: Option<&mut F>, buf: Option<&mut F>) {
        use Arithmetic::*;
        let a = self.arithmetic;
        let mut g = if self.maximize { -g } else { g };
        if self.l2 != F::zero() {
            g = if a == PyTorch { self.l2.mul_add(*theta, g) } else { g + self.l2 * *theta };
        }
        if self.decoupled != F::zero() {
            *theta = *theta - *theta * self.decoupled * self.lr;
        }
        *v = match a {
            Tf1 => *v + (g * g - *v) * self.one_minus_rho,
            PyTorch => (self.one_minus_rho * g).mul_add(g, *v * self.rho),
            Plain | Keras | Optax => self.rho * *v + self.one_minus_rho * (g * g),
        };
        let mut variance = *v;
        if let Some(m) = grad_avg {
            *m = match a {
                Tf1 => *m + (g - *m) * self.one_minus_rho,
                PyTorch => self.one_minus_rho.mul_add(g - *m, *m),
                Plain | Keras | Optax => self.rho * *m + self.one_minus_rho * g,
            };
            variance = if a == PyTorch { (-*m).mul_add(*m, *v) } else { *v - *m * *m };
        }
        let denom = if self.eps_inside { (variance + self.eps).sqrt() } else { variance.sqrt() + self.eps };
        if a == Optax {
            // optax: u = −η·(g·(1/√(v+ε))); trace b = u + μ·b; θ = θ + b. `buf` holds the trace.
            let u = -self.lr * (g * (F::one() / denom));
            *theta = match buf {
                None => *theta + u,
                Some(b) => {
                    *b = u + self.momentum * *b;
                    *theta + *b
                }
            };
            return;
        }
        match buf {
            None => *theta -= self.lr * g / denom,
            Some(b) if self.lr_inside => {
                *b = self.momentum * *b + self.lr * g / denom;
                *theta -= *b;
            }
            Some(b) => {
                *b = self.momentum * *b + g / denom;
                *theta = if a == PyTorch { (-self.lr).mul_add(*b, *theta) } else { *theta - self.lr * *b };
            }
        }
    }
}

/// One tensor's update: the rule over every element, whichever buffers exist.
#[inline(always)]
fn update<F: NdFloat>(
    rule: &Constants<F>,
    value: &mut [F],
    grad: &[F],
    v: &mut [F],
    m: Option<&mut [F]>,
    b: Option<&mut [F]>,
) {
    // Index loops, not iterator adapters: an adapter's (or a range's) `fold` that is not
    // inlined would run in the baseline copy, where `mul_add` is a libm call.
    let n = value.len();
    let (grad, v) = (&grad[..n], &mut v[..n]);
    match (m, b) {
        (None, None) => {
            for i in 0..n {
                rule.apply(&mut value[i], grad[i], &mut v[i], None, None);
            }
        }
        (Some(m), None) => {
            let m = &mut m[..n];
            for i in 0..n {
                rule.apply(&mut value[i], grad[i], &mut v[i], Some(&mut m[i]), None);
            }
        }
        (None, Some(b)) => {
            let b = &mut b[..n];
            for i in 0..n {
                rule.apply(&mut value[i], grad[i], &mut v[i], None, Some(&mut b[i]));
            }
        }
        (Some(m), Some(b)) => {
            let (m, b) = (&mut m[..n], &mut b[..n]);
            for i in 0..n {
                rule.apply(&mut value[i], grad[i], &mut v[i], Some(&mut m[i]), Some(&mut b[i]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data::{bits, wave};

    /// The branch-free loops give `apply`'s bits for every flavour they take.
    #[test]
    fn plain_fast_is_apply() {
        let n = 1000;
        let (theta, grad, v) = (wave(n, 0.37, 1.0, false), wave(n, 0.11, 0.1, false), wave(n, 0.05, 0.01, true));
        let mut taken = 0;
        for &p in RmsPropPreset::ALL {
            let rule = Constants::<f32>::new(&RmsPropConfig::preset(p, 1e-3), 1e-3);
            let (mut t1, mut v1, mut t2, mut v2) = (theta.clone(), v.clone(), theta.clone(), v.clone());
            if !rule.plain_fast(&mut t1, &grad, &mut v1) {
                continue;
            }
            taken += 1;
            update(&rule, &mut t2, &grad, &mut v2, None, None);
            assert_eq!((bits(&t1), bits(&v1)), (bits(&t2), bits(&v2)), "{p}");
        }
        assert!(taken >= 3, "only {taken} presets took the fast path");
    }
}
