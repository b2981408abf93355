//! The two collectives of a data-parallel loop: rank 0's tensors to every rank (start and resume),
//! and each step's gradients summed over ranks in one flattened all-reduce.
use super::{Dist, Shared};
use anyhow::Result;
use tch::{Kind, Tensor};

fn numel(t: &Tensor) -> usize {
    t.size().iter().product::<i64>().max(0) as usize
}

/// Overwrite `tensors` on every rank with rank 0's (fp32 tensors on the group's device).
pub(crate) fn broadcast_tensors(dist: &Dist, tensors: &[Tensor]) -> Result<()> {
    let total: usize = tensors.iter().map(numel).sum();
    if total == 0 {
        return Ok(());
    }
    let flat = dist.shared(total, Kind::Float, dist.device)?;
    tch::no_grad(|| {
        let mut off = 0i64;
        for t in tensors {
            let n = numel(t) as i64;
            if dist.is_main() {
                flat.tensor.narrow(0, off, n).copy_(&t.reshape([-1]));
            }
            off += n;
        }
    });
    dist.broadcast(&flat, 0)?;
    tch::no_grad(|| {
        let mut off = 0i64;
        for t in tensors {
            let n = numel(t) as i64;
            let mut dst = t.shallow_clone();
            dst.copy_(&flat.tensor.narrow(0, off, n).view(t.size().as_slice()));
            off += n;
        }
    });
    Ok(dist.free(flat)?)
}

/// One buffer for every parameter's gradient plus the loss, reused each step.
pub struct GradSync<'a> {
    dist: &'a Dist,
    flat: Shared,
    shapes: Vec<Vec<i64>>,
    total: usize,
}

impl<'a> GradSync<'a> {
    pub(crate) fn new(dist: &'a Dist, params: &[Tensor]) -> Result<Self> {
        let shapes: Vec<Vec<i64>> = params.iter().map(|p| p.size()).collect();
        let total: usize = params.iter().map(numel).sum();
        Ok(GradSync {
            dist,
            flat: dist.shared(total + 1, Kind::Float, dist.device)?,
            shapes,
            total,
        })
    }

    /// Replace each rank's gradients and loss by their sums over ranks. Each rank's loss is its
    /// shard's share of the global batch's mean (summed over its tokens, divided by the global
    /// batch's count), so the sums are the global batch's gradients and loss: clipping and AdamW
    /// then see the same numbers on every rank, and the same as one process would.
    pub(crate) fn all_reduce(&self, grads: &mut [Tensor], loss: f64) -> Result<f64> {
        let flat = &self.flat.tensor;
        tch::no_grad(|| {
            let mut off = 0i64;
            for (g, shape) in grads.iter().zip(&self.shapes) {
                let n = shape.iter().product::<i64>();
                let mut dst = flat.narrow(0, off, n);
                if g.defined() {
                    let g = if g.is_sparse() {
                        g.to_dense(None, false)
                    } else {
                        g.shallow_clone()
                    };
                    dst.copy_(&g.reshape([-1]));
                } else {
                    let _ = dst.zero_();
                }
                off += n;
            }
            let _ = flat.narrow(0, off, 1).fill_(loss);
        });
        self.dist.all_reduce(&self.flat)?;
        let mut off = 0i64;
        for (g, shape) in grads.iter_mut().zip(&self.shapes) {
            let n = shape.iter().product::<i64>();
            *g = flat.narrow(0, off, n).view(shape.as_slice());
            off += n;
        }
        Ok(flat.double_value(&[self.total as i64]))
    }
}
