//! `--model` and `--threads`, shared by the commands that load one trained model.
use anyhow::Result;
use distilner::eval::precision::{PrecisionChoice, FILE};
use distilner::eval::tagging::{self, Tagging};
use distilner::infer::{Decoding, TagOptions};
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
    /// How word scores become labels: argmax, viterbi (only the label sequences the tag scheme
    /// allows), or auto: what training measured on dev and saved in the model's tagging.json
    /// (argmax where there is none).
    #[arg(long, default_value = "auto")]
    pub decoding: String,
    /// Sub-tokens of document context per side for documents (CoNLL `-DOCSTART-`, dataset rows);
    /// default: what the model was trained with (tagging.json), else 0.
    #[arg(long)]
    pub context: Option<usize>,
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

impl ModelFlags {
    /// `base` with the model's document context and decoding: the flags, else tagging.json, else
    /// none and argmax. Says which.
    pub fn tag_options(&self, base: TagOptions) -> Result<TagOptions> {
        let dir = hub::resolve(&self.model)?;
        let saved = Tagging::load(&dir)?;
        let mut opt = saved.as_ref().map_or(base, |t| t.apply(base));
        if let Some(c) = self.context {
            opt.context = c;
        }
        let why = match self.decoding.to_ascii_lowercase().as_str() {
            "auto" => match &saved {
                Some(t) => format!("{}: {}", dir.join(tagging::FILE).display(), t.decoding_rule),
                None => format!("no {} in the model; the default", tagging::FILE),
            },
            d => {
                opt.decoding = <Decoding as clap::ValueEnum>::from_str(d, true).map_err(|_| {
                    anyhow::anyhow!("--decoding {d:?}: use auto, argmax or viterbi")
                })?;
                "--decoding".into()
            }
        };
        eprintln!(
            "[distilner] decoding {} ({why}); document context {} sub-tokens per side",
            opt.decoding.name(),
            opt.context
        );
        Ok(opt)
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
