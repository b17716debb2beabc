//! Optimizer state as data: what a checkpoint stores, and the per-slot bookkeeping behind it.
//!
//! Slot `i` belongs to the `i`-th tensor a [`Params`] visits and holds the buffers its rule
//! keeps (Adam's `exp_avg` and `exp_avg_sq`, …), made on first use. On every later step the slot
//! is checked against the tensor's shape before anything is updated, so a mismatch is an error
//! rather than a silent reset.

use std::collections::BTreeMap;

use ndarray::{ArrayD, NdFloat};
use serde::{Deserialize, Serialize};

use crate::clip::{Clip, scale_to, sum_sq};
use crate::{OptimError, Param, Params, Result};

/// A serialisable snapshot of an optimizer: kind, step count, learning rate and every slot.
///
/// Restoring it with [`Optimizer::load_state`](crate::Optimizer::load_state) continues the run
/// bit for bit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizerState<F> {
    /// `"Sgd"`, `"RmsProp"`, `"Adam"`, ….
    pub kind: String,
    /// Steps taken.
    pub step: u64,
    /// The current learning rate (a schedule may have moved it from the configured one).
    pub learning_rate: f64,
    /// One entry per parameter tensor, in visiting order (empty before the first step).
    pub slots: Vec<SlotState<F>>,
}

/// The state kept for one parameter tensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotState<F> {
    /// The parameter's shape.
    pub shape: Vec<usize>,
    /// Named buffers, e.g. `square_avg`, `grad_avg`, `momentum_buffer`.
    pub buffers: BTreeMap<String, ArrayD<F>>,
}

/// A state buffer a rule keeps per tensor: its name (the framework's state-dict name) and the
/// value it starts at.
pub type Buffer = (&'static str, f64);

/// The bookkeeping shared by every optimizer: the step count and each tensor's shape and buffers.
#[derive(Debug, Clone)]
pub(crate) struct Slots<F> {
    pub step: u64,
    shapes: Vec<Vec<usize>>,
    /// `buffers[i][j]`: buffer `j` of tensor `i`, flat, in row-major order.
    buffers: Vec<Vec<Vec<F>>>,
}

impl<F: NdFloat> Slots<F> {
    /// No steps and no slots yet.
    pub fn new() -> Self {
        Slots { step: 0, shapes: Vec::new(), buffers: Vec::new() }
    }

    /// One optimizer step: validate every shape, clip, then `update(buffers, value, grad, fresh)`
    /// each tensor in order, making its buffers as `init()` lists them on first use (`fresh` is
    /// true then). Nothing is touched when validation fails.
    pub fn step(
        &mut self,
        params: &mut dyn Params<F>,
        clip: Option<Clip>,
        init: impl Fn() -> Vec<Buffer>,
        mut update: impl FnMut(&mut [Vec<F>], &mut [F], &[F], bool),
    ) -> Result<()> {
        // Every check before any write: shapes against the slots, lengths against the shapes.
        let (mut count, mut error) = (0, None);
        params.visit(&mut |p: Param<'_, F>| {
            if error.is_none() {
                error = self.check(count, &p);
            }
            count += 1;
        })?;
        if let Some(e) = error {
            return Err(e);
        }
        if !self.shapes.is_empty() && count != self.shapes.len() {
            return Err(OptimError::Count { expected: self.shapes.len(), actual: count });
        }
        match clip {
            Some(Clip::GlobalNorm(c)) => {
                let mut total = F::zero();
                params.visit(&mut |p| total += sum_sq(p.grad))?;
                let (norm, c) = (total.sqrt(), crate::clip::cast::<F>(c));
                params.visit(&mut |p| scale_to(p.grad, norm, c))?;
            }
            Some(clip) => params.visit(&mut |p| clip.apply_one(p.grad))?,
            None => {}
        }
        self.step += 1;
        let mut i = 0;
        params.visit(&mut |p| {
            let fresh = i == self.buffers.len();
            if fresh {
                self.shapes.push(p.shape.to_vec());
                let n = p.value.len();
                self.buffers.push(init().iter().map(|&(_, v0)| vec![crate::clip::cast::<F>(v0); n]).collect());
            }
            update(&mut self.buffers[i], p.value, p.grad, fresh);
            i += 1;
        })
    }

    /// Why tensor `index` cannot be stepped with this state, if it cannot. Runs for every
    /// tensor on every step: the shapes are compared element by element (a slice `!=` is a
    /// `memcmp` call), and the errors are built only on failure.
    #[inline]
    fn check(&self, index: usize, p: &Param<'_, F>) -> Option<OptimError> {
        let same = |shape: &Vec<usize>| shape.len() == p.shape.len() && shape.iter().zip(p.shape).all(|(a, b)| a == b);
        if let Some(shape) = self.shapes.get(index)
            && !same(shape)
        {
            return Some(OptimError::Shape { index, expected: shape.clone(), actual: p.shape.to_vec() });
        }
        let n: usize = p.shape.iter().product();
        (p.value.len() != n || p.grad.len() != n).then(|| OptimError::Param {
            index,
            message: format!(
                "shape {:?} has {n} elements, the value has {} and the gradient {}",
                p.shape,
                p.value.len(),
                p.grad.len()
            ),
        })
    }

    /// The state as data, each slot's buffers named as `names` says.
    pub fn export(&self, kind: &str, learning_rate: f64, names: &[Buffer]) -> OptimizerState<F> {
        let slot = |(shape, buffers): (&Vec<usize>, &Vec<Vec<F>>)| SlotState {
            shape: shape.clone(),
            buffers: names
                .iter()
                .zip(buffers)
                .map(|(&(name, _), b)| {
                    let array = ArrayD::from_shape_vec(shape.as_slice(), b.clone());
                    (name.to_string(), array.expect("slot buffers are made with their tensor's length"))
                })
                .collect(),
        };
        OptimizerState {
            kind: kind.to_string(),
            step: self.step,
            learning_rate,
            slots: self.shapes.iter().zip(&self.buffers).map(slot).collect(),
        }
    }

    /// Replaces everything from `state`, whose slots must each hold the buffers `names` (any
    /// others are ignored) in their tensor's shape; on error nothing changes.
    pub fn import(&mut self, kind: &str, state: &OptimizerState<F>, names: &[Buffer]) -> Result<()> {
        if state.kind != kind {
            return Err(OptimError::Kind { expected: kind.to_string(), actual: state.kind.clone() });
        }
        let mut buffers = Vec::with_capacity(state.slots.len());
        for (index, slot) in state.slots.iter().enumerate() {
            let fail = |message: String| OptimError::State { index, message };
            let mut slot_buffers = Vec::with_capacity(names.len());
            for &(name, _) in names {
                let b = slot.buffers.get(name).ok_or_else(|| fail(format!("buffer `{name}` is missing")))?;
                if b.shape() != slot.shape.as_slice() {
                    return Err(fail(format!("buffer `{name}` has shape {:?}, expected {:?}", b.shape(), slot.shape)));
                }
                slot_buffers.push(b.iter().copied().collect());
            }
            buffers.push(slot_buffers);
        }
        self.step = state.step;
        self.shapes = state.slots.iter().map(|s| s.shape.clone()).collect();
        self.buffers = buffers;
        Ok(())
    }
}
