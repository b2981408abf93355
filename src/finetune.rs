//! `distilner finetune`
use crate::data_flags::DataFlags;
use crate::train_flags::TrainFlags;
use anyhow::Result;
use distilner::pipeline::finetune;
use distilner::train::finetune::FinetuneArgs;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Model directory or Hugging Face id (org/name, from the local cache). A checkpoint without a head
    /// (e.g. all-MiniLM-L6-v2) gets one sized from the data's labels; one with a head keeps it if its
    /// labels cover the data's (matched by name).
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    pub model: String,
    #[command(flatten)]
    pub data: DataFlags,
    /// Run directory: the HF model, metrics.json, README.md model card, curves, resumable state.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub flags: TrainFlags,
}

pub fn run(a: Args) -> Result<()> {
    let cfg = a.flags.resolve()?;
    let g = a.flags.group(&cfg)?;
    let r = finetune(FinetuneArgs {
        model: a.model,
        data: a.data.splits(),
        out: a.out.clone(),
        cfg,
        resume: g.resume,
        faults: g.faults,
        dist: g.dist,
        progress: None,
    })?;
    let Some(r) = r else {
        return Ok(()); // not rank 0: rank 0 reports
    };
    println!(
        "finetune done: dev F1 {:.4}{} (epoch {} kept), {:.0}s training; model and card in {}",
        r.dev.f1,
        r.test
            .as_ref()
            .map(|t| format!(", test F1 {:.4}", t.f1))
            .unwrap_or_default(),
        r.best_epoch,
        r.train_seconds,
        a.out.display()
    );
    Ok(())
}
