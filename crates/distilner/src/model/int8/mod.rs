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

/// The quantized engine that packs (and so runs) the weights: PyTorch's x86 default, fbgemm for
/// dynamic linear. oneDNN (the shim's engine 2) was slower here at batch 1 (student, 1,000 CoNLL
/// sentences, 2 threads: 549–764 vs 809–1,256 sentences/s over two interleaved runs) and level at 32.
const X86_ENGINE: c_int = 0;

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

pub struct Int8Linear {
    packed: NonNull<DnPacked>,
}

// SAFETY: the packed weights are immutable after packing, and libtorch's quantized linear reads
// them only (PyTorch calls one module from many threads the same way).
unsafe impl Send for Int8Linear {}
unsafe impl Sync for Int8Linear {}

impl Drop for Int8Linear {
    fn drop(&mut self) {
        // SAFETY: allocated by dn_int8_prepack, dropped once.
        unsafe { dn_int8_free(self.packed.as_ptr()) }
    }
}

impl Int8Linear {
    /// Quantize `l`'s fp32 weights per output channel and pack them for `engine`.
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
        let mut err = std::ptr::null_mut();
        // SAFETY: the tensors outlive the call; the shim copies what it keeps.
        let p = unsafe {
            dn_int8_prepack(
                q.as_ptr(),
                bias.as_ref().map_or(std::ptr::null(), |b| b.as_ptr()),
                X86_ENGINE,
                &mut err,
            )
        };
        let packed = NonNull::new(p).ok_or_else(|| Int8Error::Pack(take_error(err)))?;
        Ok(Int8Linear { packed })
    }

    /// `x W^T + b` for fp32 `x` of any leading shape. A libtorch error panics, as tch's own
    /// infallible ops do (the server's worker turns that into one request's 500).
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let x = x.to_kind(Kind::Float).contiguous();
        let mut err = std::ptr::null_mut();
        // SAFETY: `x` and the packed weights outlive the call; the result is a new tensor we own.
        let y = unsafe {
            dn_int8_linear(
                x.as_ptr(),
                self.packed.as_ptr(),
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
