//! `distilner bench --model M [--model M2 ...]`: inference throughput and latency on CoNLL words, with
//! the PyTorch eager baseline (`../shared/reference/infer_reference.py`) timed in the same run.
use anyhow::{Context, Result};
use distilner::bench::{run_distilner, run_reference, BenchResult};
use distilner::model::Precision;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Model directories (HF format); each is timed with distilner and, unless --no-reference, PyTorch.
    #[arg(long = "model", required = true)]
    models: Vec<String>,
    #[arg(long, default_value = "../shared/data/conll2003/eng.testb")]
    data: PathBuf,
    #[arg(long, num_args = 1.., default_values_t = [1usize, 8, 32])]
    batch: Vec<usize>,
    /// Timed passes per batch size (median reported), after a warm-up.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// cpu (default: the PyTorch baseline runs on the CPU too), cuda, or auto.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// First N sentences only (0 = all).
    #[arg(long, default_value_t = 0)]
    limit: usize,
    /// Skip the PyTorch baseline.
    #[arg(long)]
    no_reference: bool,
    #[arg(long, default_value = ".venv/bin/python")]
    python: PathBuf,
    #[arg(long, default_value = "../shared/reference/infer_reference.py")]
    reference_script: PathBuf,
    /// Precisions to time distilner in (fp32, bf16, auto = bf16 where the hardware has it); each row
    /// also gives its F1 on --data.
    #[arg(long, num_args = 1.., default_values = ["fp32", "auto"])]
    precision: Vec<String>,
    /// Write all results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<()> {
    let device = distilner::util::parse_device(&a.device)?;
    if device.is_cuda() && !tch::Cuda::is_available() {
        anyhow::bail!("--device cuda: no CUDA device is visible to libtorch");
    }
    let mut precisions = Vec::new();
    for p in &a.precision {
        let p = Precision::parse(p, device)?;
        if !precisions.contains(&p) {
            precisions.push(p);
        }
    }
    let mut entries = Vec::new();
    for m in &a.models {
        let dir = distilner::model::hub::resolve(m)?;
        for &p in &precisions {
            entries.push((dir.clone(), p));
        }
    }
    eprintln!(
        "[bench] distilner: {} model(s) x {} precision(s), timed passes interleaved",
        a.models.len(),
        precisions.len()
    );
    let mut all: Vec<BenchResult> = run_distilner(
        &entries, &a.data, &a.batch, a.runs, a.threads, a.limit, device,
    )?;
    if !a.no_reference {
        for m in &a.models {
            let dir = distilner::model::hub::resolve(m)?;
            eprintln!("[bench] PyTorch eager on {}", dir.display());
            all.push(
                run_reference(
                    &a.python,
                    &a.reference_script,
                    &dir,
                    &a.data,
                    &a.batch,
                    a.runs,
                    a.threads,
                    a.limit,
                )
                .context("the PyTorch baseline failed (run ./setup.sh; or pass --no-reference)")?,
            );
        }
    }
    println!("{}", distilner::bench::table(&all, &a.batch));
    if let Some(p) = &a.json {
        std::fs::write(p, serde_json::to_string_pretty(&all)?)?;
    }
    Ok(())
}
