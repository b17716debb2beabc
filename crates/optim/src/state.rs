//! Optimizer state as data: what a checkpoint stores, and the per-slot bookkeeping behind it.
//!
//! Slot `i` belongs to the `i`-th tensor a [`Params`] visits. It is made on first use, and on
//! every later step checked against the tensor's shape before anything is updated, so a
//! mismatch is an error rather than a silent reset.

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
    /// `"Sgd"` or `"RmsProp"`.
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

/// A per-slot state struct that converts to named buffers (and back, through the closure
/// given to [`Slots::import`], which knows the optimizer's configuration).
pub(crate) trait SlotBuffers<F> {
    /// The slot's buffers by name, each shaped `shape`.
    fn to_buffers(&self, shape: &[usize]) -> BTreeMap<String, ArrayD<F>>;
}

/// Takes buffer `name` (required or optional) checking its shape; flat, in row-major order.
pub(crate) fn take_buffer<F: Clone>(
    buffers: &BTreeMap<String, ArrayD<F>>,
    name: &str,
    shape: &[usize],
    required: bool,
) -> std::result::Result<Option<Vec<F>>, String> {
    match buffers.get(name) {
        None if required => Err(format!("buffer `{name}` is missing")),
        None => Ok(None),
        Some(b) if b.shape() != shape => Err(format!("buffer `{name}` has shape {:?}, expected {shape:?}", b.shape())),
        Some(b) => Ok(Some(b.iter().cloned().collect())),
    }
}

/// A flat buffer as an array of `shape` (its length is that shape's, by construction).
pub(crate) fn shaped<F: Clone>(buffer: &[F], shape: &[usize]) -> ArrayD<F> {
    ArrayD::from_shape_vec(shape, buffer.to_vec()).expect("slot buffers are made with their tensor's length")
}

/// The bookkeeping shared by every optimizer: step count, learning rate, clipping and slots.
#[derive(Debug, Clone)]
pub(crate) struct Slots<S> {
    pub step: u64,
    pub learning_rate: f64,
    pub clip: Option<Clip>,
    shapes: Vec<Vec<usize>>,
    states: Vec<S>,
}

impl<S> Slots<S> {
    pub fn new(learning_rate: f64, clip: Option<Clip>) -> Self {
        Slots { step: 0, learning_rate, clip, shapes: Vec::new(), states: Vec::new() }
    }

    /// One optimizer step: validate every shape, clip, then `update` each tensor in order,
    /// creating its slot with `init` on first use. Nothing is touched when validation fails.
    pub fn step<F: NdFloat>(
        &mut self,
        params: &mut dyn Params<F>,
        mut init: impl FnMut(usize) -> S,
        mut update: impl FnMut(&mut S, &mut [F], &[F]),
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
        match self.clip {
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
            if i == self.states.len() {
                self.shapes.push(p.shape.to_vec());
                self.states.push(init(p.value.len()));
            }
            update(&mut self.states[i], p.value, p.grad);
            i += 1;
        })
    }

    /// Why tensor `index` cannot be stepped with this state, if it cannot. Runs for every
    /// tensor on every step: the shapes are compared element by element (a slice `!=` is a
    /// `memcmp` call), and the errors are built only on failure.
    #[inline]
    fn check<F>(&self, index: usize, p: &Param<'_, F>) -> Option<OptimError> {
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

    pub fn export<F>(&self, kind: &str) -> OptimizerState<F>
    where
        S: SlotBuffers<F>,
    {
        OptimizerState {
            kind: kind.to_string(),
            step: self.step,
            learning_rate: self.learning_rate,
            slots: self
                .shapes
                .iter()
                .zip(&self.states)
                .map(|(shape, s)| SlotState { shape: shape.clone(), buffers: s.to_buffers(shape) })
                .collect(),
        }
    }

    /// Replaces everything from `state`; on error nothing changes.
    /// `make(buffers, shape)` rebuilds one slot, or says what does not fit.
    pub fn import<F>(
        &mut self,
        kind: &str,
        state: &OptimizerState<F>,
        make: impl Fn(&BTreeMap<String, ArrayD<F>>, &[usize]) -> std::result::Result<S, String>,
    ) -> Result<()> {
        if state.kind != kind {
            return Err(OptimError::Kind { expected: kind.to_string(), actual: state.kind.clone() });
        }
        crate::error::check_lr(state.learning_rate)?;
        let mut states = Vec::with_capacity(state.slots.len());
        for (index, slot) in state.slots.iter().enumerate() {
            states.push(make(&slot.buffers, &slot.shape).map_err(|message| OptimError::State { index, message })?);
        }
        self.step = state.step;
        self.learning_rate = state.learning_rate;
        self.shapes = state.slots.iter().map(|s| s.shape.clone()).collect();
        self.states = states;
        Ok(())
    }
}
