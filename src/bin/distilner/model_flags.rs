//! `--model` and `--threads`, shared by the commands that load one trained model.
use anyhow::Result;
use distilner::eval::precision::{PrecisionChoice, FILE};
use distilner::model::{hub, load_dir, Head, Loaded, Precision};

#[derive(clap::Args, Clone)]
pub struct ModelFlags {
    /// Model directory or Hugging Face id (org/name, from the local cache), with a token-classification head.
    #[arg(long)]
    pub model: String,
    /// libtorch intra-op threads.
    #[arg(long, default_value_t = 2)]
    pub threads: i32,
    /// Precision of the matrix products: fp32, bf16, int8 (CPU: dynamic int8 linear layers), or
    /// auto: what `distilner precision` measured and saved in the model's precision.json (the
    /// fastest within 0.3 dev F1 points of fp32), else bf16 where the hardware has native bf16 and
    /// fp32 elsewhere. fp32 scores do not depend on how inputs were batched.
    #[arg(long, default_value = "fp32")]
    pub precision: String,
}

impl ModelFlags {
    pub fn load(&self) -> Result<Loaded> {
        tch::set_num_threads(self.threads);
        let device = tch::Device::cuda_if_available();
        let dir = hub::resolve(&self.model)?;
        let precision = if self.precision.eq_ignore_ascii_case("auto") {
            auto(&dir, device)?
        } else {
            Precision::parse(&self.precision, device)?
        };
        let mut l = load_dir(&dir, Head::Keep, device)?;
        l.model.set_inference_precision(precision)?;
        Ok(l)
    }
}

/// `--precision auto`: the model's measured choice, else the hardware rule; says which and why.
fn auto(dir: &std::path::Path, device: tch::Device) -> Result<Precision> {
    if let Some(c) = PrecisionChoice::load(dir, device)? {
        let p = Precision::parse(&c.chosen, device)?;
        let f1 = |name: &str| {
            c.measured
                .iter()
                .find(|m| m.precision == name)
                .map(|m| m.dev_f1)
        };
        eprintln!(
            "[distilner] --precision auto: {} ({}: the {}; dev F1 {:.4} vs fp32 {:.4})",
            c.chosen,
            dir.join(FILE).display(),
            c.rule,
            f1(&c.chosen).unwrap_or(f64::NAN),
            f1("fp32").unwrap_or(f64::NAN)
        );
        return Ok(p);
    }
    let p = Precision::auto(device);
    eprintln!(
        "[distilner] --precision auto: {} (no {} measured on this device kind; the hardware rule picks {}; `distilner precision --model {}` measures)",
        p.name(),
        FILE,
        p.name(),
        dir.display()
    );
    Ok(p)
}
