//! [`Params`]: what an optimizer steps over — [`Param`]s (value, gradient, shape) in a fixed order.

use ndarray::{Array, ArrayViewMut, Dimension, NdFloat};

use crate::{OptimError, Result};

/// One parameter tensor as an optimizer sees it: value and gradient as flat slices in row-major
/// order, and the tensor's shape. Element-wise rules need nothing more, and slices keep the
/// per-tensor cost of a step to a few pointer copies.
#[derive(Debug)]
pub struct Param<'a, F> {
    /// The tensor's shape; `value` and `grad` hold its product of elements.
    pub shape: &'a [usize],
    /// The values, updated in place.
    pub value: &'a mut [F],
    /// The gradient; mutable so that clipping can work in place.
    pub grad: &'a mut [F],
}

/// A set of parameter tensors with their gradients, visited in a fixed order.
///
/// The order is the identity of each tensor: optimizer state for the `i`-th tensor is kept in
/// slot `i` and checked against its shape. Every step visits twice or more (checks first,
/// writes after), so a visit must hand out the same tensors each time.
///
/// Implemented for slices, arrays and `Vec`s of `(&mut Array, &mut Array)` and of
/// `(ArrayViewMut, ArrayViewMut)` pairs, so plain arrays need no wrapper:
///
/// ```
/// use ndarray::array;
/// use ndnet_optim::{Optimizer, Sgd, SgdConfig};
/// let (mut w, mut g) = (array![1.0, 2.0], array![0.5, -0.5]);
/// let mut sgd = Sgd::new(SgdConfig::new(0.1)).unwrap();
/// sgd.step(&mut [(&mut w, &mut g)]).unwrap();
/// assert_eq!(w, array![0.95, 2.05]);
/// ```
///
/// Owned arrays not in row-major layout are made so (once; they stay so). A view pair whose
/// shapes differ, or that is not contiguous and row-major, is an [`OptimError::Param`] before
/// anything is written.
pub trait Params<F> {
    /// Calls `f` for every tensor, always in the same order. An error stops the visit; it must
    /// come before `f` has seen the offending tensor.
    fn visit(&mut self, f: &mut dyn FnMut(Param<'_, F>)) -> Result<()>;
}

/// `value` and `grad` as a [`Param`], or why they cannot be one.
fn pair<'a, F: NdFloat, D: Dimension>(
    index: usize,
    value: &'a mut ArrayViewMut<'_, F, D>,
    grad: &'a mut ArrayViewMut<'_, F, D>,
    shape: &'a D,
) -> Result<Param<'a, F>> {
    let error = |message: &str| OptimError::Param { index, message: message.to_string() };
    if value.shape() != grad.shape() {
        let message = format!("value has shape {:?}, gradient {:?}", value.shape(), grad.shape());
        return Err(error(&message));
    }
    match (value.as_slice_mut(), grad.as_slice_mut()) {
        (Some(value), Some(grad)) => Ok(Param { shape: shape.slice(), value, grad }),
        _ => Err(error("value and gradient must be contiguous and row-major (standard layout)")),
    }
}

impl<F: NdFloat, D: Dimension> Params<F> for [(&mut Array<F, D>, &mut Array<F, D>)] {
    fn visit(&mut self, f: &mut dyn FnMut(Param<'_, F>)) -> Result<()> {
        for (index, (value, grad)) in self.iter_mut().enumerate() {
            for a in [&mut **value, &mut **grad] {
                if !a.is_standard_layout() {
                    *a = a.as_standard_layout().into_owned();
                }
            }
            let shape = value.raw_dim();
            f(pair(index, &mut value.view_mut(), &mut grad.view_mut(), &shape)?);
        }
        Ok(())
    }
}

impl<F: NdFloat, D: Dimension> Params<F> for [(ArrayViewMut<'_, F, D>, ArrayViewMut<'_, F, D>)] {
    fn visit(&mut self, f: &mut dyn FnMut(Param<'_, F>)) -> Result<()> {
        for (index, (value, grad)) in self.iter_mut().enumerate() {
            let shape = value.raw_dim();
            f(pair(index, value, grad, &shape)?);
        }
        Ok(())
    }
}

impl<F, T, const N: usize> Params<F> for [T; N]
where
    [T]: Params<F>,
{
    fn visit(&mut self, f: &mut dyn FnMut(Param<'_, F>)) -> Result<()> {
        self.as_mut_slice().visit(f)
    }
}

impl<F, T> Params<F> for Vec<T>
where
    [T]: Params<F>,
{
    fn visit(&mut self, f: &mut dyn FnMut(Param<'_, F>)) -> Result<()> {
        self.as_mut_slice().visit(f)
    }
}
