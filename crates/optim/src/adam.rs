//! Adam and AdamW in the three forms the frameworks ship, one per-element rule for all of them.
//!
//! ```text
//! g ← −g                                   if maximize
//! g ← g + λθ                               L2 weight decay (Adam's `weight_decay`)
//! θ ← θ − η·λ·θ                            decoupled weight decay (AdamW), before the update
//! m ← β₁·m + (1 − β₁)·g                    v ← β₂·v + (1 − β₂)·g²      v̂max ← max(v̂max, v) (AMSGrad)
//! bias correction c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ, and where ε goes:
//!   PyTorch:  θ ← θ − (η/c₁) · m / (√v/√c₂ + ε)
//!   Keras:    θ ← θ − m·(η·√c₂/c₁) / (√v + ε)            (ε added to the uncorrected √v)
//!   optax:    θ ← θ − η · (m/c₁) / (√(v/c₂ + ε_root) + ε)
//! ```
//!
//! ```
//! use ndarray::array;
//! use ndnet_optim::{Adam, AdamConfig, Optimizer};
//! let mut opt = Adam::new(AdamConfig::pytorch(0.1)).unwrap();
//! let (mut x, mut g) = (array![1.0_f64], array![2.0]);
//! opt.step(&mut [(&mut x, &mut g)]).unwrap();
//! // Step 1: m̂ = g, v̂ = g², so θ moves by η·g/(|g| + ε) ≈ η.
//! assert!((x[0] - 0.9).abs() < 1e-7);
//! ```

use ndarray::NdFloat;
use serde::{Deserialize, Serialize};

use crate::clip::cast;
use crate::error::{check, check_lr};
use crate::registry::{EPS, Hyperparameters, OptimizerKind, WEIGHT_DECAY, decay};
use crate::state::Buffer;
use crate::{Arithmetic, Clip, Optim, OptimizerSpec, Result, Rule, WeightDecay};
use ndnet_kernels::elementwise;

/// Where the bias correction goes, and so where ε lands relative to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum BiasCorrection {
    /// `(η/c₁)·m / (√v/√c₂ + ε)`: PyTorch.
    Denominator,
    /// `m·(η·√c₂/c₁) / (√v + ε)`: Keras 3 (and TF1's `AdamOptimizer`), ε on the uncorrected √v.
    StepSize,
    /// `η·(m/c₁) / (√(v/c₂ + ε_root) + ε)`: optax.
    Moments,
}

/// The frameworks whose Adam a preset reproduces. Parses from its name (`pytorch`, `keras`,
/// `optax`, and the AdamW forms `pytorch-adamw`, `keras-adamw`, `optax-adamw`).
///
/// ```
/// use ndnet_optim::AdamPreset;
/// assert_eq!("keras-adamw".parse::<AdamPreset>().unwrap(), AdamPreset::KerasW);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AdamPreset {
    /// `torch.optim.Adam`.
    PyTorch,
    /// `keras.optimizers.Adam` (Keras 3).
    Keras,
    /// `optax.adam`.
    Optax,
    /// `torch.optim.AdamW` (weight decay 0.01).
    PyTorchW,
    /// `keras.optimizers.AdamW` (weight decay 0.004).
    KerasW,
    /// `optax.adamw` (weight decay 1e-4).
    OptaxW,
}

crate::preset::named_presets!(
    AdamPreset,
    "Adam preset",
    [
        (PyTorch, "pytorch"),
        (Keras, "keras"),
        (Optax, "optax"),
        (PyTorchW, "pytorch-adamw"),
        (KerasW, "keras-adamw"),
        (OptaxW, "optax-adamw"),
    ]
);

/// Every Adam option, with `with_*` setters. Start from a preset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdamConfig {
    /// η.
    pub learning_rate: f64,
    /// β₁, the first moment's decay.
    pub beta1: f64,
    /// β₂, the second moment's decay.
    pub beta2: f64,
    /// ε.
    pub epsilon: f64,
    /// optax's `eps_root`, added inside the root (with [`BiasCorrection::Moments`] only).
    pub eps_root: f64,
    /// Where the bias correction and ε go.
    pub bias_correction: BiasCorrection,
    /// Divide by the largest second moment so far (AMSGrad).
    pub amsgrad: bool,
    /// L2 (Adam's `weight_decay`) or decoupled (AdamW).
    pub weight_decay: WeightDecay,
    /// Ascend instead of descend.
    pub maximize: bool,
    /// Gradient clipping before the update.
    pub clip: Option<Clip>,
    /// The operation order to reproduce (rounding only).
    pub arithmetic: Arithmetic,
}

impl AdamConfig {
    crate::optimizer::common_setters!();

    /// The preset's defaults with learning rate `lr`.
    pub fn preset(preset: AdamPreset, lr: f64) -> Self {
        let torch = AdamConfig {
            learning_rate: lr,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            eps_root: 0.0,
            bias_correction: BiasCorrection::Denominator,
            amsgrad: false,
            weight_decay: WeightDecay::None,
            maximize: false,
            clip: None,
            arithmetic: Arithmetic::PyTorch,
        };
        let keras = AdamConfig {
            epsilon: 1e-7,
            bias_correction: BiasCorrection::StepSize,
            arithmetic: Arithmetic::Keras,
            ..torch
        };
        let optax = AdamConfig { bias_correction: BiasCorrection::Moments, arithmetic: Arithmetic::Optax, ..torch };
        match preset {
            AdamPreset::PyTorch => torch,
            AdamPreset::Keras => keras,
            AdamPreset::Optax => optax,
            AdamPreset::PyTorchW => AdamConfig { weight_decay: WeightDecay::Decoupled(0.01), ..torch },
            AdamPreset::KerasW => AdamConfig { weight_decay: WeightDecay::Decoupled(0.004), ..keras },
            AdamPreset::OptaxW => AdamConfig { weight_decay: WeightDecay::Decoupled(1e-4), ..optax },
        }
    }

    /// `torch.optim.Adam` defaults: β (0.9, 0.999), ε 1e-8 after the corrected root.
    pub fn pytorch(lr: f64) -> Self {
        Self::preset(AdamPreset::PyTorch, lr)
    }
    /// `keras.optimizers.Adam` defaults: β (0.9, 0.999), ε 1e-7 on the uncorrected root.
    pub fn keras(lr: f64) -> Self {
        Self::preset(AdamPreset::Keras, lr)
    }
    /// `optax.adam` defaults: β (0.9, 0.999), ε 1e-8, ε_root 0.
    pub fn optax(lr: f64) -> Self {
        Self::preset(AdamPreset::Optax, lr)
    }
    /// `torch.optim.AdamW` defaults: [`AdamConfig::pytorch`] with decoupled weight decay 0.01.
    pub fn pytorch_adamw(lr: f64) -> Self {
        Self::preset(AdamPreset::PyTorchW, lr)
    }
    /// `keras.optimizers.AdamW` defaults: [`AdamConfig::keras`] with decoupled weight decay 0.004.
    pub fn keras_adamw(lr: f64) -> Self {
        Self::preset(AdamPreset::KerasW, lr)
    }
    /// `optax.adamw` defaults: [`AdamConfig::optax`] with decoupled weight decay 1e-4.
    pub fn optax_adamw(lr: f64) -> Self {
        Self::preset(AdamPreset::OptaxW, lr)
    }

    /// Sets β₁ and β₂.
    pub fn with_betas(mut self, beta1: f64, beta2: f64) -> Self {
        (self.beta1, self.beta2) = (beta1, beta2);
        self
    }
    /// Sets ε.
    pub fn with_epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }
    /// Sets ε_root.
    pub fn with_eps_root(mut self, eps_root: f64) -> Self {
        self.eps_root = eps_root;
        self
    }
    /// Sets where the bias correction goes.
    pub fn with_bias_correction(mut self, form: BiasCorrection) -> Self {
        self.bias_correction = form;
        self
    }
    /// Turns AMSGrad on or off.
    pub fn with_amsgrad(mut self, amsgrad: bool) -> Self {
        self.amsgrad = amsgrad;
        self
    }

    /// Errors naming the first hyper-parameter outside its range.
    pub fn validate(&self) -> Result<()> {
        check_lr(self.learning_rate)?;
        check("beta1", self.beta1, (0.0..1.0).contains(&self.beta1), "in [0, 1)")?;
        check("beta2", self.beta2, (0.0..1.0).contains(&self.beta2), "in [0, 1)")?;
        check("epsilon", self.epsilon, self.epsilon >= 0.0 && self.epsilon.is_finite(), "≥ 0 and finite")?;
        check("eps_root", self.eps_root, self.eps_root >= 0.0 && self.eps_root.is_finite(), "≥ 0 and finite")?;
        self.weight_decay.validate()?;
        if let Some(clip) = self.clip {
            clip.validate()?;
        }
        Ok(())
    }
}

/// Adam's kinds' spec: the preset (`pytorch`, or its AdamW form `pytorch-adamw` when `adamw`), ε,
/// weight decay (decoupled for AdamW and under Keras, L2 otherwise).
fn adam_spec(preset: &str, lr: f64, o: &Hyperparameters, adamw: bool) -> OptimizerSpec {
    let name = if adamw { format!("{preset}-adamw") } else { preset.to_string() };
    let mut c = AdamConfig::preset(name.parse().unwrap_or(AdamPreset::Keras), lr);
    c = o.get("eps").map_or(c, |&eps| c.with_epsilon(eps));
    OptimizerSpec::Adam(decay(o, adamw || preset == "keras").map_or(c, |d| c.with_weight_decay(d)))
}

/// `--optimizer adam`: Keras 3's by default, or PyTorch's or optax's.
pub(crate) const ADAM: OptimizerKind = OptimizerKind {
    name: "adam",
    about: "Adam",
    presets: &["keras", "pytorch", "optax"],
    default_lr: 0.001,
    takes: &[EPS, WEIGHT_DECAY],
    make: |preset, lr, o| adam_spec(preset, lr, o, false),
};

/// `--optimizer adamw`: Adam with decoupled weight decay, each framework's default decay.
pub(crate) const ADAMW: OptimizerKind = OptimizerKind {
    name: "adamw",
    about: "Adam with decoupled weight decay",
    presets: &["keras", "pytorch", "optax"],
    default_lr: 0.001,
    takes: &[EPS, WEIGHT_DECAY],
    make: |preset, lr, o| adam_spec(preset, lr, o, true),
};

/// Adam (and AdamW) over any [`Params`](crate::Params): [`AdamConfig`]'s rule with the shared
/// bookkeeping. See the module docs for the rule and the crate docs for the presets.
pub type Adam<F> = Optim<AdamConfig, F>;

impl Rule for AdamConfig {
    const KIND: &'static str = "Adam";
    type Step<F: NdFloat> = Constants<F>;

    crate::optimizer::rule_basics!();

    fn buffers(&self) -> Vec<Buffer> {
        let mut b = vec![("exp_avg", 0.0), ("exp_avg_sq", 0.0)];
        if self.amsgrad {
            b.push(("max_exp_avg_sq", 0.0));
        }
        b
    }

    fn constants<F: NdFloat>(&self, t: u64) -> Constants<F> {
        Constants::new(self, self.learning_rate, t)
    }

    fn update<F: NdFloat>(rule: &Constants<F>, value: &mut [F], grad: &[F], state: &mut [Vec<F>], _: bool) {
        let [m, v, vmax @ ..] = state else { return };
        let parts = (value, grad, &mut m[..], &mut v[..], vmax.first_mut().map(|b| &mut b[..]));
        elementwise::for_each(
            parts,
            rule.arithmetic == Arithmetic::PyTorch,
            #[inline(always)]
            |(value, grad, m, v, vmax)| rule.update(value, grad, m, v, vmax),
        );
    }
}

/// The configuration as `F` constants for step `t`, bias corrections included.
#[derive(Debug, Clone, Copy)]
pub struct Constants<F> {
    b1: F,
    b2: F,
    one_minus_b1: F,
    one_minus_b2: F,
    eps: F,
    eps_root: F,
    lr: F,
    /// PyTorch: η/c₁; Keras: η·√c₂/c₁.
    step_size: F,
    /// PyTorch: √c₂.
    c2_sqrt: F,
    /// optax: c₁ and c₂.
    c1: F,
    c2: F,
    l2: F,
    decoupled: F,
    /// PyTorch's decoupled decay as one factor, 1 − η·λ.
    decay_factor: F,
    maximize: bool,
    form: BiasCorrection,
    arithmetic: Arithmetic,
}

impl<F: NdFloat> Constants<F> {
    fn new(c: &AdamConfig, lr: f64, t: u64) -> Self {
        let a = c.arithmetic;
        let (l2, decoupled) = c.weight_decay.split();
        let steps = i32::try_from(t).unwrap_or(i32::MAX);
        // PyTorch and optax compute the corrections in double precision (Python floats; optax
        // under x64) and round them once; Keras computes them in the variable's type.
        let (c1, c2) = (1.0 - c.beta1.powi(steps), 1.0 - c.beta2.powi(steps));
        // Keras computes α = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) in the variable's type, with β₁ and β₂ rounded
        // through float32 in the powers (measured: float64 runs match only so).
        let keras_step_size = || {
            let (b1, b2): (F, F) = (cast(a.through_f32(c.beta1, true)), cast(a.through_f32(c.beta2, true)));
            let (lr, t): (F, F) = (cast(lr), cast(t as f64));
            lr * (F::one() - b2.powf(t)).sqrt() / (F::one() - b1.powf(t))
        };
        Constants {
            b1: cast(c.beta1),
            b2: cast(c.beta2),
            one_minus_b1: cast(1.0 - c.beta1),
            one_minus_b2: cast(1.0 - c.beta2),
            eps: cast(c.epsilon),
            eps_root: cast(c.eps_root),
            lr: cast(lr),
            step_size: match c.bias_correction {
                BiasCorrection::StepSize => keras_step_size(),
                _ => cast(lr / c1),
            },
            c2_sqrt: cast(c2.sqrt()),
            c1: cast(c1),
            c2: cast(c2),
            l2: cast(a.through_f32(l2, true)),
            decoupled: cast(a.through_f32(decoupled, true)),
            decay_factor: cast(1.0 - lr * decoupled),
            maximize: c.maximize,
            form: c.bias_correction,
            arithmetic: a,
        }
    }

    /// One tensor's update (`vmax` with AMSGrad).
    ///
    /// Index loops, not iterator adapters, over a copy of the rule (`self` by value): an
    /// adapter's `fold` that is not inlined runs in the baseline copy, and constants read
    /// through a reference are reloaded per element, which keeps LLVM from hoisting the
    /// flavour's branches out of the loop and vectorising it.
    #[inline(always)]
    fn update(self, value: &mut [F], grad: &[F], m: &mut [F], v: &mut [F], vmax: Option<&mut [F]>) {
        let n = value.len();
        let (grad, m, v) = (&grad[..n], &mut m[..n], &mut v[..n]);
        if vmax.is_none() && self.plain_fast(value, grad, m, v) {
            return;
        }
        match vmax {
            None => {
                for i in 0..n {
                    self.apply(&mut value[i], grad[i], &mut m[i], &mut v[i], None);
                }
            }
            Some(vmax) => {
                let vmax = &mut vmax[..n];
                for i in 0..n {
                    self.apply(&mut value[i], grad[i], &mut m[i], &mut v[i], Some(&mut vmax[i]));
                }
            }
        }
    }

    /// PyTorch's and Keras' Adam and AdamW without AMSGrad, L2 decay or maximize, as loops with
    /// no branch inside, which the compiler vectorises: the same operations as [`Constants::apply`]
    /// for these flavours. Returns false, touching nothing, for any other flavour.
    #[inline(always)]
    fn plain_fast(self, theta: &mut [F], grad: &[F], m: &mut [F], v: &mut [F]) -> bool {
        use Arithmetic::*;
        let pytorch = match (self.arithmetic, self.form) {
            (PyTorch, BiasCorrection::Denominator) => true,
            (Keras | Tf1, BiasCorrection::StepSize) => false,
            _ => return false,
        };
        if self.maximize || self.l2 != F::zero() {
            return false;
        }
        let (b2, omb1, omb2, eps, s, c2_sqrt) =
            (self.b2, self.one_minus_b1, self.one_minus_b2, self.eps, self.step_size, self.c2_sqrt);
        let (decay, decoupled_rate, lr) = (self.decay_factor, self.decoupled, self.lr);
        let decoupled = self.decoupled != F::zero();
        let n = theta.len();
        let (grad, m, v) = (&grad[..n], &mut m[..n], &mut v[..n]);
        macro_rules! each {
            ($decay:expr, $moments:expr, $step:expr) => {
                for i in 0..n {
                    let (g, t) = (grad[i], $decay(theta[i]));
                    (m[i], v[i]) = $moments(g, m[i], v[i]);
                    theta[i] = $step(t, m[i], v[i]);
                }
            };
        }
        let keep = |t: F| t;
        let torch_decay = |t: F| t * decay;
        let keras_decayed = |t: F| t - t * decoupled_rate * lr;
        let torch_moments = |g: F, m: F, v: F| (omb1.mul_add(g - m, m), (omb2 * g).mul_add(g, v * b2));
        let keras_moments = |g: F, m: F, v: F| (m + (g - m) * omb1, v + (g * g - v) * omb2);
        let torch_step = |t: F, m: F, v: F| t + (-s * m) / (v.sqrt() / c2_sqrt + eps);
        let keras_step = |t: F, m: F, v: F| t - (m * s) / (v.sqrt() + eps);
        match (pytorch, decoupled) {
            (true, false) => each!(keep, torch_moments, torch_step),
            (true, true) => each!(torch_decay, torch_moments, torch_step),
            (false, false) => each!(keep, keras_moments, keras_step),
            (false, true) => each!(keras_decayed, keras_moments, keras_step),
        }
        true
    }

    /// The rule for one element; `vmax` is present with AMSGrad.
    #[inline(always)]
    fn apply(&self, theta: &mut F, g: F, m: &mut F, v: &mut F, vmax: Option<&mut F>) {
        use Arithmetic::*;
        let a = self.arithmetic;
        let mut g = if self.maximize { -g } else { g };
        if self.l2 != F::zero() {
            g = if a == PyTorch { self.l2.mul_add(*theta, g) } else { g + self.l2 * *theta };
        }
        let theta0 = *theta;
        if self.decoupled != F::zero() && a != Optax {
            *theta = if a == PyTorch { *theta * self.decay_factor } else { *theta - *theta * self.decoupled * self.lr };
        }
        match a {
            // lerp_ with a weight below ½ is m + w·(g − m), fused; addcmul_ is v·β₂ + (1−β₂)·g·g, fused.
            PyTorch => {
                *m = self.one_minus_b1.mul_add(g - *m, *m);
                *v = (self.one_minus_b2 * g).mul_add(g, *v * self.b2);
            }
            // Keras 3 and TF: m += (g − m)(1 − β₁); v += (g² − v)(1 − β₂).
            Keras | Tf1 => {
                *m += (g - *m) * self.one_minus_b1;
                *v += (g * g - *v) * self.one_minus_b2;
            }
            Plain | Optax => {
                *m = self.one_minus_b1 * g + self.b1 * *m;
                *v = self.one_minus_b2 * (g * g) + self.b2 * *v;
            }
        }
        // AMSGrad keeps the largest second moment: the raw one in PyTorch and Keras, the
        // bias-corrected one in optax (`scale_by_amsgrad`).
        let corrected = |v: F| if self.form == BiasCorrection::Moments { v / self.c2 } else { v };
        let v_used = match vmax {
            Some(vmax) => {
                *vmax = vmax.max(corrected(*v));
                *vmax
            }
            None => corrected(*v),
        };
        match self.form {
            // PyTorch's addcdiv_(m, denom, value=−s) is θ + (−s·m)/denom.
            BiasCorrection::Denominator => *theta += (-self.step_size * *m) / (v_used.sqrt() / self.c2_sqrt + self.eps),
            BiasCorrection::StepSize => *theta -= (*m * self.step_size) / (v_used.sqrt() + self.eps),
            BiasCorrection::Moments => {
                let mut u = (*m / self.c1) / ((v_used + self.eps_root).sqrt() + self.eps);
                if self.decoupled != F::zero() && a == Optax {
                    // optax.adamw: the decay joins the update before the learning rate.
                    u += self.decoupled * theta0;
                }
                *theta += -self.lr * u;
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
        let (theta, grad) = (wave(n, 0.37, 1.0, false), wave(n, 0.11, 0.1, false));
        let (m, v) = (wave(n, 0.07, 0.01, false), wave(n, 0.05, 0.01, true));
        let mut taken = 0;
        // A learning rate and decay large enough that the decay's rounding shows in θ.
        let heavy = |p: AdamPreset| AdamConfig::preset(p, 0.9).with_weight_decay(crate::WeightDecay::Decoupled(0.37));
        let configs = AdamPreset::ALL
            .iter()
            .flat_map(|&p| [(p.to_string(), AdamConfig::preset(p, 1e-3)), (format!("{p} heavy decay"), heavy(p))]);
        for (name, config) in configs {
            let rule = Constants::<f32>::new(&config, config.learning_rate, 3);
            let (mut t1, mut m1, mut v1) = (theta.clone(), m.clone(), v.clone());
            let (mut t2, mut m2, mut v2) = (theta.clone(), m.clone(), v.clone());
            if !rule.plain_fast(&mut t1, &grad, &mut m1, &mut v1) {
                continue;
            }
            taken += 1;
            for i in 0..n {
                rule.apply(&mut t2[i], grad[i], &mut m2[i], &mut v2[i], None);
            }
            assert_eq!((bits(&t1), bits(&m1), bits(&v1)), (bits(&t2), bits(&m2), bits(&v2)), "{name}");
        }
        assert!(taken >= 4, "only {taken} presets took the fast path");
    }
}
