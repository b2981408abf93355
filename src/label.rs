//! `distilner label`
use anyhow::Result;
use distilner::distill::label::{run as label, LabelArgs};
use distilner::infer::TagOptions;
use distilner::train::dist::Dist;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The teacher: a run directory or Hugging Face id.
    #[arg(long)]
    pub teacher: String,
    /// Unlabelled text: lines of text (.txt and others), JSON Lines with `tokens` or `text` (.jsonl),
    /// or Parquet with a `tokens` list column or a `text` column (.parquet).
    #[arg(long)]
    pub input: PathBuf,
    /// The JSONL field or Parquet column to read (default: `tokens`, else `text`).
    #[arg(long)]
    pub column: Option<String>,
    /// Output directory: Parquet part(s) and manifest.json — give it to `distill --transfer`.
    #[arg(long)]
    pub out: PathBuf,
    /// Labels (and probabilities) kept per word.
    #[arg(long, default_value_t = 3)]
    pub top_k: usize,
    #[arg(long, default_value_t = 64)]
    pub batch_size: usize,
    /// Sub-tokens per model input; longer sentences are windowed.
    #[arg(long, default_value_t = 128)]
    pub max_len: usize,
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// auto, cpu or cuda (under torchrun: each local rank's own GPU).
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// Under torchrun: seconds a rank waits for the others before failing.
    #[arg(long, default_value_t = 1800)]
    pub dist_timeout: u64,
}

pub fn run(a: Args) -> Result<()> {
    tch::set_num_threads(a.threads as i32);
    let device = distilner::util::parse_device(&a.device)?;
    let dist = Dist::from_env(device, a.dist_timeout)?.map(Arc::new);
    let r = label(LabelArgs {
        teacher: a.teacher,
        input: a.input,
        column: a.column,
        out: a.out.clone(),
        top_k: a.top_k,
        opt: TagOptions {
            max_len: a.max_len,
            batch_size: a.batch_size,
            ..TagOptions::default()
        },
        device: dist.as_ref().map_or(device, |d| d.device),
        dist,
    })?;
    if let Some(r) = r {
        println!(
            "label done: {} sentences, {} words in {} part(s), {:.1}s; transfer set in {} (distill --transfer {})",
            r.sentences,
            r.words,
            r.parts.len(),
            r.seconds,
            a.out.display(),
            a.out.display()
        );
    }
    Ok(())
}
