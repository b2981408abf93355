//! Dropout with a fast, seedable mask generator. libtorch's CPU bernoulli costs ~2 ms per
//! [32, 25, 384] mask on this class of machine — a third of a MiniLM forward pass goes to drawing
//! dropout masks. Here a SplitMix64 stream gives four 16-bit draws per 64-bit word (keep
//! probability quantised to 1/65536), and the stream is reseeded per training step so a resumed
//! run draws the same masks.
use std::sync::atomic::{AtomicU64, Ordering};
use tch::Tensor;

static STATE: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);

/// Reseed the mask stream (the trainer calls this with a function of seed and step).
pub fn reseed(seed: u64) {
    STATE.store(seed ^ 0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A mask of `n` floats: 0 with probability `p`, else 1/(1-p) (what `dropout` multiplies by).
#[cfg(test)]
fn mask(n: usize, p: f64) -> Vec<f32> {
    let keep = (1.0 / (1.0 - p)) as f32;
    dropped(n, p)
        .into_iter()
        .map(|d| if d { 0.0 } else { keep })
        .collect()
}

/// True where an element is dropped: one byte per element, so the mask autograd
/// keeps for the backward pass is a quarter of a float mask's size (attention probabilities are the
/// largest activations of a step).
fn dropped(n: usize, p: f64) -> Vec<bool> {
    let words = n.div_ceil(4) as u64;
    let base = STATE.fetch_add(words, Ordering::Relaxed);
    let threshold = (p * 65536.0).round() as u32;
    let mut out = vec![false; n];
    for (w, chunk) in out.chunks_mut(4).enumerate() {
        let r = splitmix(base.wrapping_add(w as u64));
        for (j, v) in chunk.iter_mut().enumerate() {
            let draw = ((r >> (16 * j)) & 0xFFFF) as u32;
            *v = draw < threshold;
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
    let drop = Tensor::from_slice(&dropped(x.numel(), p))
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
        reseed(7);
        let a = mask(400_000, 0.1);
        let zeros = a.iter().filter(|&&v| v == 0.0).count() as f64 / a.len() as f64;
        assert!((zeros - 0.1).abs() < 0.003, "{zeros}");
        assert!(a.iter().all(|&v| v == 0.0 || (v - 1.0 / 0.9).abs() < 1e-6));
        reseed(7);
        assert_eq!(a, mask(400_000, 0.1));
        let b = mask(400_000, 0.1);
        assert_ne!(a, b);
        let x = Tensor::ones([3, 4], (tch::Kind::Float, tch::Device::Cpu));
        assert_eq!(
            dropout(&x, 0.5, false)
                .sum(tch::Kind::Float)
                .double_value(&[]),
            12.0
        );
    }
}
