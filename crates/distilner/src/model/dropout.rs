//! Dropout with a fast, seedable mask generator. libtorch's CPU bernoulli costs ~2 ms per
//! [32, 25, 384] mask on this class of machine — a third of a MiniLM forward pass goes to drawing
//! dropout masks. Here a SplitMix64 hash gives four 16-bit draws per 64-bit word (keep probability
//! quantised to 1/65536).
//!
//! A mask element is a function of (step seed, call within the step, the element's coordinates with
//! the batch row counted in the *global* batch), not of a running stream: a resumed run draws the
//! same masks, and so does a rank that holds rows 16..32 of a 32-row global batch, whatever it pads
//! its shard to — the same command trains the same model at any world size.
use std::sync::atomic::{AtomicU64, Ordering};
use tch::Tensor;

static STATE: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
static CALL: AtomicU64 = AtomicU64::new(0);
static FIRST_ROW: AtomicU64 = AtomicU64::new(0);

/// Reseed the masks (the trainer calls this each step with a function of seed and step) and say
/// which global batch row this process's first row is.
pub fn reseed(seed: u64, first_row: usize) {
    STATE.store(seed ^ 0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    CALL.store(0, Ordering::Relaxed);
    FIRST_ROW.store(first_row as u64, Ordering::Relaxed);
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A mask of `shape` as floats: 0 with probability `p`, else 1/(1-p) (what `dropout` multiplies by).
#[cfg(test)]
fn mask(shape: &[i64], p: f64) -> Vec<f32> {
    let keep = (1.0 / (1.0 - p)) as f32;
    dropped(shape, p)
        .into_iter()
        .map(|d| if d { 0.0 } else { keep })
        .collect()
}

/// True where an element is dropped: one byte per element, so the mask autograd keeps for the
/// backward pass is a quarter of a float mask's size (attention probabilities are the largest
/// activations of a step). Dim 0 is the batch row; each line along the last dim gets a key from
/// its coordinates, then one hash per four elements.
fn dropped(shape: &[i64], p: f64) -> Vec<bool> {
    let call = CALL.fetch_add(1, Ordering::Relaxed);
    let base = splitmix(STATE.load(Ordering::Relaxed) ^ splitmix(call));
    let first_row = FIRST_ROW.load(Ordering::Relaxed);
    let threshold = (p * 65536.0).round() as u32;
    let n: usize = shape.iter().product::<i64>().max(0) as usize;
    let last = shape.last().copied().unwrap_or(1).max(1) as usize;
    let outer = if shape.len() > 1 {
        &shape[..shape.len() - 1]
    } else {
        &[][..]
    };
    let mut out = vec![false; n];
    let mut coords = vec![0u64; outer.len()];
    for (line, chunk) in out.chunks_mut(last).enumerate() {
        let mut rem = line as u64;
        for (c, &d) in coords.iter_mut().zip(outer).rev() {
            *c = rem % d as u64;
            rem /= d as u64;
        }
        let mut key = base;
        for (i, &c) in coords.iter().enumerate() {
            key = splitmix(key ^ if i == 0 { c + first_row } else { c });
        }
        for (g, four) in chunk.chunks_mut(4).enumerate() {
            let r = splitmix(key.wrapping_add(g as u64));
            for (j, v) in four.iter_mut().enumerate() {
                *v = (((r >> (16 * j)) & 0xFFFF) as u32) < threshold;
            }
        }
    }
    out
}

pub fn dropout(x: &Tensor, p: f64, train: bool) -> Tensor {
    if !train || p <= 0.0 {
        return x.shallow_clone();
    }
    if p >= 1.0 {
        return x.zeros_like();
    }
    if x.device().is_cuda() {
        // On a GPU libtorch's own dropout is fast, and a CPU-drawn mask would cost a copy per call.
        return x.dropout(p, true);
    }
    let drop = Tensor::from_slice(&dropped(&x.size(), p))
        .view(x.size().as_slice())
        .to_device(x.device());
    // The same values as x * {0, 1/(1-p)}: zero the dropped, scale the kept.
    x.masked_fill(&drop, 0.0) * (1.0 / (1.0 - p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_scale_and_determinism() {
        reseed(7, 0);
        let a = mask(&[100, 4000], 0.1);
        let zeros = a.iter().filter(|&&v| v == 0.0).count() as f64 / a.len() as f64;
        assert!((zeros - 0.1).abs() < 0.003, "{zeros}");
        assert!(a.iter().all(|&v| v == 0.0 || (v - 1.0 / 0.9).abs() < 1e-6));
        reseed(7, 0);
        assert_eq!(a, mask(&[100, 4000], 0.1));
        let b = mask(&[100, 4000], 0.1);
        assert_ne!(a, b);
        let x = Tensor::ones([3, 4], (tch::Kind::Float, tch::Device::Cpu));
        assert_eq!(
            dropout(&x, 0.5, false)
                .sum(tch::Kind::Float)
                .double_value(&[]),
            12.0
        );
    }

    /// A rank holding rows 2..4 of the global batch, padded to another length, draws exactly the
    /// global batch's masks at the same coordinates ([batch, heads, query, key] attention shape).
    #[test]
    fn a_shard_draws_the_global_batch_masks() {
        let (b, h, t) = (4usize, 2usize, 6usize);
        reseed(11, 0);
        let _ = dropped(&[1], 0.5); // the first call of the step
        let global = dropped(&[b as i64, h as i64, t as i64, t as i64], 0.5);
        let t2 = 9usize; // the shard pads to 9 positions
        reseed(11, 2);
        let _ = dropped(&[1], 0.5);
        let shard = dropped(&[2, h as i64, t2 as i64, t2 as i64], 0.5);
        let mut compared = 0;
        for r in 0..2 {
            for hh in 0..h {
                for i in 0..t {
                    for j in 0..t {
                        let g = global[(((r + 2) * h + hh) * t + i) * t + j];
                        let s = shard[((r * h + hh) * t2 + i) * t2 + j];
                        assert_eq!(g, s, "row {r} head {hh} ({i}, {j})");
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 2 * h * t * t);
        // And a different row offset draws different masks.
        reseed(11, 1);
        let _ = dropped(&[1], 0.5);
        assert_ne!(dropped(&[2, h as i64, t2 as i64, t2 as i64], 0.5), shard);
    }
}
