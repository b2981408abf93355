//! `distilner precision --model M --data DEV`: score and time M on a dev split in every precision
//! this device runs, choose the fastest within 0.3 F1 points of fp32, and save the measurement as
//! M/precision.json, which `--precision auto` then follows in predict, eval, serve.
use anyhow::{bail, Result};
use distilner::data::DataRef;
use distilner::evaluate::precision::measure;
use distilner::infer::precision::FILE;
use distilner::model::hub;

#[derive(clap::Args)]
pub struct Args {
    /// Model directory (it gets precision.json).
    #[arg(long)]
    model: String,
    /// Dev data: a CoNLL file, a .parquet/.arrow/.jsonl/.json file, a dataset directory or a hub id.
    #[arg(long, default_value = "../shared/data/conll2003")]
    data: String,
    #[arg(long, default_value = "validation")]
    split: String,
    #[command(flatten)]
    read: crate::data_flags::ReadFlags,
    /// libtorch intra-op threads (the speeds, and so the choice, depend on them).
    #[arg(long, default_value_t = 2)]
    threads: i32,
}

pub fn run(a: Args) -> Result<()> {
    tch::set_num_threads(a.threads);
    let dir = hub::resolve(&a.model)?;
    let dev = DataRef::new(&a.data, &a.split).load(&a.read.options())?;
    if dev.sentences.is_empty() {
        bail!("{}: no sentences in split {:?}", a.data, a.split);
    }
    let c = measure(&dir, &dev, tch::Device::cuda_if_available())?;
    println!("| precision | engine | dev F1 | sentences/s (batch 32) |\n|---|---|---|---|");
    for m in &c.measured {
        println!(
            "| {} | {} | {:.4} | {:.0} |",
            m.precision, m.engine, m.dev_f1, m.sentences_per_s
        );
    }
    c.save(&dir)?;
    println!(
        "chosen: {} ({}); saved to {}",
        c.chosen,
        c.rule,
        dir.join(FILE).display()
    );
    Ok(())
}
