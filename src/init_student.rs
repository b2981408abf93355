//! `distilner init-student --teacher T --layers 0,2,4 --out DIR`
use anyhow::Result;
use distilner::model::student::{build_student, default_layers, parse_layers};
use distilner::model::{hub, load_dir, save_dir, Head};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// BERT teacher: an HF directory or id, with a token-classification head.
    #[arg(long)]
    teacher: String,
    /// Teacher layers to keep, in order (default: every other one; 0,2,4,7,9,11 for 12 layers).
    #[arg(long)]
    layers: Option<String>,
    #[arg(long)]
    out: PathBuf,
}

pub fn run(a: Args) -> Result<()> {
    let t = load_dir(&hub::resolve(&a.teacher)?, Head::Keep, tch::Device::Cpu)?;
    let n = t.model.config.layers as usize;
    let layers = match &a.layers {
        Some(s) => parse_layers(s, n)?,
        None => default_layers(n),
    };
    let s = build_student(&t.model, &layers)?;
    save_dir(&s, &t.tokenizer, &a.out)?;
    println!(
        "wrote {}: DistilBERT student from teacher layers {:?} ({} parameters, teacher {})",
        a.out.display(),
        layers,
        s.num_parameters(),
        t.model.num_parameters()
    );
    Ok(())
}
