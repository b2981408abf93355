//! `--model` and `--threads`, shared by the commands that load one trained model.
use anyhow::Result;
use distilner::model::{hub, load_dir, Head, Loaded, Precision};

#[derive(clap::Args, Clone)]
pub struct ModelFlags {
    /// Model directory or Hugging Face id (org/name, from the local cache), with a token-classification head.
    #[arg(long)]
    pub model: String,
    /// libtorch intra-op threads.
    #[arg(long, default_value_t = 2)]
    pub threads: i32,
    /// Precision of the matrix products: fp32, bf16, or auto (bf16 where the hardware has native
    /// bf16: CUDA, or CPUs with AVX512-BF16/AMX; fp32 elsewhere). bf16 is much faster there at the
    /// same test F1 (see `distilner bench`); fp32 scores do not depend on how inputs were batched.
    #[arg(long, default_value = "fp32")]
    pub precision: String,
}

impl ModelFlags {
    pub fn load(&self) -> Result<Loaded> {
        tch::set_num_threads(self.threads);
        let device = tch::Device::cuda_if_available();
        let precision = Precision::parse(&self.precision, device)?;
        let mut l = load_dir(&hub::resolve(&self.model)?, Head::Keep, device)?;
        l.model.set_inference_precision(precision)?;
        Ok(l)
    }
}
