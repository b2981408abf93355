//! Dynamic int8 linear layers on libtorch's own quantized kernels (fbgemm / oneDNN through the
//! dispatcher, via `shim.cpp`): weights quantized once per output channel (symmetric qint8, scale
//! = max|w| / 127.5 as PyTorch's per-channel symmetric observer computes it; / 63.5 without VNNI),
//! activations quantized per tensor at run time over the full 8 bits, int32 accumulation, fp32 out. What `torch.ao.quantization.quantize_dynamic`
//! does to `nn.Linear`, without Python.
use super::precision::cpu_has_any;
use super::shim_error::take_error;
use std::ffi::{c_char, c_int};
use std::ptr::NonNull;
use tch::{nn, Device, Kind, Tensor};

#[repr(C)]
struct DnPacked {
    _private: [u8; 0],
}

type CTensor = torch_sys::C_tensor;

/// The quantized engines that pack (and so run) the weights. PyTorch's x86 default (fbgemm for
/// dynamic linear: VNNI or AVX2, not AMX) is the faster at a sentence's rows. oneDNN drives AMX's
/// int8 tiles: where the CPU has them it takes calls from `ONEDNN_FROM_ROWS` rows. Without AMX it is
/// not packed (session 6: slower at batch 1, level at batch 32 on AVX512-VNNI).
const X86_ENGINE: c_int = 0;
const ONEDNN_ENGINE: c_int = 2;

/// Rows (batch × sub-tokens) from which oneDNN's AMX int8 beats fbgemm on a whole model's linears,
/// measured on an AMX machine (2 threads, MiniLM shapes, `bench/int8_engines.py`; bench/RESULTS.md,
/// "int8 on AMX"): fbgemm leads up to 96 rows (by 1.05–1.33×), oneDNN from 128 (1.16× there, 1.68× at
/// 800, a batch of 32 sentences).
pub const ONEDNN_FROM_ROWS: i64 = 128;

extern "C" {
    fn dn_int8_prepack(
        qweight: *const CTensor,
        bias: *const CTensor,
        engine: c_int,
        err: *mut *mut c_char,
    ) -> *mut DnPacked;
    fn dn_int8_linear(
        x: *const CTensor,
        w: *const DnPacked,
        reduce_range: bool,
        err: *mut *mut c_char,
    ) -> *mut CTensor;
    fn dn_int8_free(w: *mut DnPacked);
}

#[derive(Debug, thiserror::Error)]
pub enum Int8Error {
    #[error("int8 runs on the CPU only (libtorch's quantized kernels); this model is on {0:?} — use --precision bf16 or fp16 there")]
    NotCpu(Device),
    #[error("libtorch could not pack an int8 weight ({0}); use --precision fp32 or bf16")]
    Pack(String),
}

/// Without VNNI, AVX2's u8×s8 pair sums saturate int16 unless one side gives up a bit. The weights
/// give it (7-bit per channel: 2·255·64 < 32768), not the activations: those are quantized per
/// tensor and are the coarser side (measured on MiniLM: 7-bit activations put the last hidden
/// state off by 15% of its scale).
fn weight_levels() -> f64 {
    if cpu_has_any(&["avx512_vnni", "avx_vnni"]) {
        127.5
    } else {
        63.5
    }
}

/// One packed weight, owned.
struct Packed(NonNull<DnPacked>);

/// An int8 linear layer: the weight packed for fbgemm, and for oneDNN too where AMX makes it the
/// faster engine at large batches (twice the int8 bytes: still half of fp32's).
pub struct Int8Linear {
    small: Packed,
    large: Option<Packed>,
    in_features: i64,
}

// SAFETY: the packed weights are immutable after packing, and libtorch's quantized linear reads
// them only (PyTorch calls one module from many threads the same way).
unsafe impl Send for Packed {}
unsafe impl Sync for Packed {}

impl Drop for Packed {
    fn drop(&mut self) {
        // SAFETY: allocated by dn_int8_prepack, dropped once.
        unsafe { dn_int8_free(self.0.as_ptr()) }
    }
}

impl Packed {
    fn new(q: &Tensor, bias: Option<&Tensor>, engine: c_int) -> Result<Self, Int8Error> {
        let mut err = std::ptr::null_mut();
        // SAFETY: the tensors outlive the call; the shim copies what it keeps.
        let p = unsafe {
            dn_int8_prepack(
                q.as_ptr(),
                bias.map_or(std::ptr::null(), |b| b.as_ptr()),
                engine,
                &mut err,
            )
        };
        NonNull::new(p)
            .map(Packed)
            .ok_or_else(|| Int8Error::Pack(take_error(err)))
    }

    /// `x W^T + b` for an fp32 `x` [..., in].
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut err = std::ptr::null_mut();
        // SAFETY: `x` and the packed weights outlive the call; the result is a new tensor we own.
        let y = unsafe {
            dn_int8_linear(
                x.as_ptr(),
                self.0.as_ptr(),
                // Full-range activations: without VNNI the weights took the spare bit instead.
                false,
                &mut err,
            )
        };
        if y.is_null() {
            panic!("int8 linear: {}", take_error(err));
        }
        unsafe { Tensor::from_ptr(y) }
    }
}

/// Which packed weight serves a call of `rows` rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Int8Engine {
    /// PyTorch's x86 engine (fbgemm).
    X86,
    /// oneDNN (AMX int8 tiles).
    OneDnn,
}

impl Int8Linear {
    /// Quantize `l`'s fp32 weights per output channel and pack them for each engine that may run them.
    pub fn new(l: &nn::Linear) -> Result<Self, Int8Error> {
        Self::from_weights(&l.ws, l.bs.as_ref())
    }

    /// The same for a weight `[out, in]` and bias `[out]` (e.g. q, k and v stacked into one).
    pub fn from_weights(w: &Tensor, bias: Option<&Tensor>) -> Result<Self, Int8Error> {
        let w = w.to_kind(Kind::Float).detach();
        if w.device() != Device::Cpu {
            return Err(Int8Error::NotCpu(w.device()));
        }
        let out = w.size()[0];
        let scale =
            (w.abs().amax([1].as_slice(), false) / weight_levels()).clamp_min(f32::EPSILON as f64);
        let zero = Tensor::zeros([out], (Kind::Int64, Device::Cpu));
        let q = w.quantize_per_channel(&scale, &zero, 0, Kind::QInt8);
        let bias = bias.map(|b| b.to_kind(Kind::Float).detach());
        let small = Packed::new(&q, bias.as_ref(), X86_ENGINE)?;
        let large = if cpu_has_any(&["amx_int8"]) {
            Some(Packed::new(&q, bias.as_ref(), ONEDNN_ENGINE)?)
        } else {
            None
        };
        Ok(Int8Linear {
            small,
            large,
            in_features: w.size()[1],
        })
    }

    /// The engine a call of `rows` rows runs on.
    pub fn engine_for(&self, rows: i64) -> Int8Engine {
        match self.large {
            Some(_) if rows >= ONEDNN_FROM_ROWS => Int8Engine::OneDnn,
            _ => Int8Engine::X86,
        }
    }

    /// `x W^T + b` for fp32 `x` of any leading shape. A libtorch error panics, as tch's own
    /// infallible ops do (the server's worker turns that into one request's 500).
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let rows = x.numel() as i64 / self.in_features.max(1);
        self.forward_on(x, self.engine_for(rows))
    }

    /// The same on a chosen engine (oneDNN only where it was packed: AMX CPUs, else fbgemm).
    pub fn forward_on(&self, x: &Tensor, engine: Int8Engine) -> Tensor {
        let packed = match (engine, &self.large) {
            (Int8Engine::OneDnn, Some(large)) => large,
            _ => &self.small,
        };
        // Both engines' kernels take any leading shape (they flatten it and make x contiguous
        // themselves); at batch 1 every extra op here is a visible share of the call.
        if x.kind() == Kind::Float {
            packed.forward(x)
        } else {
            packed.forward(&x.to_kind(Kind::Float))
        }
    }

    /// Whether the oneDNN weights exist (this CPU has AMX int8).
    pub fn has_onednn(&self) -> bool {
        self.large.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each engine's product stays within int8's error of fp32, any leading shape comes back as it
    /// went in, and batches are routed by rows: oneDNN from `ONEDNN_FROM_ROWS` where AMX packed it
    /// (and really runs: its requantisation rounds differently from fbgemm's), fbgemm otherwise.
    #[test]
    fn both_engines_track_fp32_and_large_batches_go_to_onednn_on_amx() {
        tch::set_num_threads(1);
        tch::manual_seed(0);
        let w = Tensor::randn([1152, 384], (Kind::Float, Device::Cpu)) / 20.0;
        let b = Tensor::randn([1152], (Kind::Float, Device::Cpu));
        let l = Int8Linear::from_weights(&w, Some(&b)).unwrap();
        let x = Tensor::randn([4, 40, 384], (Kind::Float, Device::Cpu));
        let want = x.linear(&w, Some(&b));
        let scale = want.abs().max().double_value(&[]);
        let (x86, dnn) = (
            l.forward_on(&x, Int8Engine::X86),
            l.forward_on(&x, Int8Engine::OneDnn),
        );
        for y in [&x86, &dnn] {
            assert_eq!(y.size(), [4, 40, 1152]);
            let d = (y - &want).abs().max().double_value(&[]);
            // 5%, as the parity tests allow: CPUs without VNNI quantize the weights to 7 bits.
            assert!(
                d > 0.0 && d < 0.05 * scale,
                "int8 off by {d} (scale {scale})"
            );
        }
        let amx = cpu_has_any(&["amx_int8"]);
        assert_eq!(l.has_onednn(), amx);
        assert_eq!(l.engine_for(ONEDNN_FROM_ROWS - 1), Int8Engine::X86);
        let large = if amx {
            Int8Engine::OneDnn
        } else {
            Int8Engine::X86
        };
        assert_eq!(l.engine_for(160), large);
        let apart = (&x86 - &dnn).abs().max().double_value(&[]);
        assert_eq!(apart > 0.0, amx, "fbgemm and oneDNN results {apart} apart");
        assert!(l.forward(&x).equal(&dnn), "160 rows ran on {large:?}");
    }
}
