//! A linear layer as inference runs it: the fp32 master weights (the VarStore's, which training
//! updates and checkpoints save), used in fp32 or cast to bf16, or replaced by packed int8 weights.
use super::int8::{Int8Error, Int8Linear};
use super::precision::{cast_linear, linear, Precision};
use tch::{nn, Kind, Tensor};

pub struct Proj {
    pub dense: nn::Linear,
    int8: Option<Int8Linear>,
}

impl Proj {
    pub fn new(dense: nn::Linear) -> Self {
        Proj { dense, int8: None }
    }

    /// `x W^T + b` in `ck` (fp32 or bf16), or in int8 once `for_inference(Int8)` packed the weights.
    pub fn forward(&self, x: &Tensor, ck: Kind) -> Tensor {
        match &self.int8 {
            Some(q) => q.forward(x),
            None => linear(&self.dense, x, ck),
        }
    }

    /// Store the weights in bf16 / fp16, or quantize and pack them to int8, once for all later calls.
    pub fn for_inference(&mut self, p: Precision) -> Result<(), Int8Error> {
        match p {
            Precision::Fp32 => {}
            Precision::Bf16 | Precision::Fp16 => cast_linear(&mut self.dense, p.kind()),
            Precision::Int8 => self.int8 = Some(Int8Linear::new(&self.dense)?),
        }
        Ok(())
    }
}
