//! `--model`, `--threads`, `--precision`, `--engine`, `--decoding` and `--context`, shared by the commands that load one trained model.
use anyhow::Result;
use distilner::infer::engine::{attach, Engine};
use distilner::infer::load::{precision_for, tag_options_for};
use distilner::infer::TagOptions;
use distilner::model::{hub, load_dir, Head, Loaded};

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
    /// What runs the forward pass: compiled (the package `distilner compile` wrote beside the
    /// weights: AOTInductor's fp32 CPU kernels), eager (distilner's own layers), or auto: the
    /// package where it applies (fp32 on the CPU, same weights and libtorch), else eager.
    #[arg(long, default_value = "auto")]
    pub engine: String,
}

impl ModelFlags {
    pub fn load(&self) -> Result<Loaded> {
        tch::set_num_threads(self.threads);
        let device = tch::Device::cuda_if_available();
        let dir = hub::resolve(&self.model)?;
        let (precision, note) = precision_for(&dir, &self.precision, device)?;
        if let Some(n) = note {
            eprintln!("[distilner] --{n}");
        }
        let mut l = load_dir(&dir, Head::Keep, device)?;
        l.model.set_inference_precision(precision)?;
        let note = attach(&mut l.model, &dir, Engine::parse(&self.engine)?, 1)?;
        eprintln!("[distilner] {note}");
        Ok(l)
    }

    /// `base` with the model's document context and decoding: the flags, else tagging.json, else
    /// none and argmax. Says which.
    pub fn tag_options(&self, base: TagOptions) -> Result<TagOptions> {
        let dir = hub::resolve(&self.model)?;
        let (opt, note) = tag_options_for(&dir, base, &self.decoding, self.context)?;
        eprintln!("[distilner] {note}");
        Ok(opt)
    }
}
