//! Numeric precision of the matrix products. `Bf16` is mixed precision the way autocast does it:
//! linear layers and attention products in bfloat16, LayerNorm, softmax, residual sums and losses in
//! fp32, fp32 master weights for the optimizer. tch's `autocast` only reaches CUDA's (fp16) autocast,
//! so the casts are explicit here and work on CPU and GPU alike. `Int8` is inference only: dynamic
//! int8 linear layers (`model::int8`), attention in bf16 where the CPU has it, the rest in fp32.
use crate::Result;
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    #[default]
    Fp32,
    Bf16,
    /// Inference only, for GPUs (half's range needs no loss scaling there at inference; on CPU
    /// libtorch emulates it slowly).
    Fp16,
    Int8,
}

impl Precision {
    pub fn kind(self) -> Kind {
        match self {
            Precision::Fp32 => Kind::Float,
            Precision::Bf16 => Kind::BFloat16,
            Precision::Fp16 => Kind::Half,
            // The int8 layers take and return fp32; LayerNorm and the head run in fp32 (attention:
            // `attention_kind`).
            Precision::Int8 => Kind::Float,
        }
    }

    /// The kind the products outside the linear layers (attention) run in: `kind()`, except that
    /// int8 runs attention in bf16 where the CPU has native bf16. Its input, the packed q/k/v
    /// product, has just been through int8; bf16 loses nothing that int8 kept, and attention's
    /// products and softmax traffic halve (teacher +4% at batch 8 and 32; bench/RESULTS.md).
    pub fn attention_kind(self) -> Kind {
        match self {
            Precision::Int8 if native_bf16(Device::Cpu) => Kind::BFloat16,
            p => p.kind(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
            Precision::Fp16 => "fp16",
            Precision::Int8 => "int8",
        }
    }

    /// bf16 where the hardware has native bf16 arithmetic, else fp32.
    pub fn auto(device: Device) -> Precision {
        if native_bf16(device) {
            Precision::Bf16
        } else {
            Precision::Fp32
        }
    }

    /// `fp32`, `bf16`, `fp16` (inference), `int8` (inference, CPU only), or `auto` (bf16 where the
    /// hardware has native bf16 arithmetic, else fp32).
    pub fn parse(s: &str, device: Device) -> Result<Precision> {
        match s.to_ascii_lowercase().as_str() {
            "fp32" | "f32" | "float32" => Ok(Precision::Fp32),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            "fp16" | "f16" | "float16" | "half" => Ok(Precision::Fp16),
            "int8" | "qint8" if device.is_cuda() => {
                fail!("--precision int8 runs on the CPU only (libtorch's quantized kernels); use bf16 on {device:?}")
            }
            "int8" | "qint8" => Ok(Precision::Int8),
            "auto" => Ok(Precision::auto(device)),
            other => {
                fail!("unknown precision {other:?}: use fp32, bf16, fp16 (GPU), int8 (CPU) or auto")
            }
        }
    }
}

/// Whether bf16 products run natively: any CUDA device distilner targets (Ampere or later), or an
/// x86 CPU with AVX512-BF16 or AMX. Elsewhere libtorch emulates bf16 and it is slower than fp32.
pub fn native_bf16(device: Device) -> bool {
    if device.is_cuda() {
        return true;
    }
    // Asked on every int8 forward (`Precision::attention_kind`): the flag scan runs once.
    static CPU: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *CPU.get_or_init(|| cpu_has_any(&["avx512_bf16", "amx_bf16"]))
}

/// Whether this CPU reports any of `flags` in /proc/cpuinfo (read once per process).
pub fn cpu_has_any(flags: &[&str]) -> bool {
    static FLAGS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let have = FLAGS.get_or_init(|| {
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("flags"))
                    .map(|l| l.split_whitespace().map(String::from).collect())
            })
            .unwrap_or_default()
    });
    flags.iter().any(|f| have.iter().any(|h| h == f))
}

/// `l(x)` computed in `kind`. Weights already stored in `kind` (inference casts) are used as they
/// are; fp32 master weights are cast per call, and autograd carries their gradients back in fp32.
pub fn linear(l: &nn::Linear, x: &Tensor, kind: Kind) -> Tensor {
    if kind == Kind::Float && l.ws.kind() == Kind::Float {
        return l.forward(x);
    }
    x.to_kind(kind)
        .linear(&l.ws.to_kind(kind), l.bs.as_ref().map(|b| b.to_kind(kind)))
}

/// LayerNorm always in fp32 (its statistics are what bf16 gets wrong).
pub fn layer_norm(n: &nn::LayerNorm, x: &Tensor) -> Tensor {
    n.forward(&x.to_kind(Kind::Float))
}

/// Store a linear layer's weights in `kind` (inference only: the optimizer needs fp32 masters).
pub fn cast_linear(l: &mut nn::Linear, kind: Kind) {
    tch::no_grad(|| {
        let w = l.ws.to_kind(kind);
        l.ws.set_data(&w);
        if let Some(b) = l.bs.as_mut() {
            let c = b.to_kind(kind);
            b.set_data(&c);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_mixed_linear() {
        assert_eq!(
            Precision::parse("BF16", Device::Cpu).unwrap(),
            Precision::Bf16
        );
        assert!(Precision::parse("fp8", Device::Cpu).is_err());
        let vs = nn::VarStore::new(Device::Cpu);
        tch::manual_seed(1);
        let l = nn::linear(vs.root() / "l", 16, 8, Default::default());
        let x = Tensor::randn([4, 16], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        let full = linear(&l, &x, Kind::Float);
        let half = linear(&l, &x, Kind::BFloat16);
        assert_eq!(half.kind(), Kind::BFloat16);
        let err = (full.shallow_clone() - half.to_kind(Kind::Float))
            .abs()
            .max()
            .double_value(&[]);
        // bf16 keeps 8 mantissa bits: close, but not equal (so the cast really happened).
        assert!(err > 0.0 && err < 0.05, "{err}");
        // Gradients reach the fp32 master weights through the casts.
        half.to_kind(Kind::Float).sum(Kind::Float).backward();
        assert_eq!(l.ws.grad().kind(), Kind::Float);
        assert!(l.ws.grad().abs().sum(Kind::Float).double_value(&[]) > 0.0);
    }
}
