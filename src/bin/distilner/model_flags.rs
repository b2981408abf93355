//! `--model` and `--threads`, shared by the commands that load one trained model.
use anyhow::Result;
use distilner::model::{hub, load_dir, Head, Loaded};

#[derive(clap::Args)]
pub struct ModelFlags {
    /// Model directory or Hugging Face id (org/name, from the local cache), with a token-classification head.
    #[arg(long)]
    pub model: String,
    /// libtorch intra-op threads.
    #[arg(long, default_value_t = 2)]
    pub threads: i32,
}

impl ModelFlags {
    pub fn load(&self) -> Result<Loaded> {
        tch::set_num_threads(self.threads);
        load_dir(
            &hub::resolve(&self.model)?,
            Head::Keep,
            tch::Device::cuda_if_available(),
        )
    }
}
