//! `distilner bench --model M [--model M2 ...]`: inference throughput and latency on CoNLL words, with
//! the PyTorch eager baseline (`../shared/reference/infer_reference.py`) timed in the same run.
use anyhow::{Context, Result};
use distilner::bench::{
    self, data::BenchData, run_reference, BenchResult, DistilnerEngine, OrtCommand, OrtWorker,
    Timed,
};
use distilner::export::compiled::Manifest;
use distilner::infer::engine::{attach, Engine};
use distilner::model::{load_dir, Head, Precision};
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
    /// The baseline with --device/--dtype, used with --device cuda (one run per precision timed).
    #[arg(long, default_value = "bench/torch_eager.py")]
    gpu_reference_script: PathBuf,
    /// Precisions to time distilner in (fp32, bf16, int8 on CPU, auto = bf16 where the hardware has
    /// it); each row also gives its F1 on --data.
    #[arg(long, num_args = 1.., default_values = ["fp32", "auto"])]
    precision: Vec<String>,
    /// Also time each model's compiled packages (`distilner compile`: AOTInductor, fp32, bf16 and
    /// int8) as their own rows, in each asked precision that has them.
    #[arg(long)]
    compiled: bool,
    /// Also time ONNX Runtime (fp32 and dynamic int8) on each model, exported with Optimum's
    /// `optimum-cli export onnx` and quantized with `optimum-cli onnxruntime quantize --avx512_vnni`,
    /// in the same run; its fp32 logits are checked against distilner's.
    #[arg(long)]
    onnxruntime: bool,
    /// The Python that has optimum-onnx and onnxruntime (./setup.sh makes this venv).
    #[arg(long, default_value = ".venv-onnx/bin/python")]
    onnx_python: PathBuf,
    #[arg(long, default_value = "bench/ort_worker.py")]
    onnx_worker: PathBuf,
    /// Write all results as JSON here ({"results": [...], "onnx_exports": [...]}).
    #[arg(long)]
    json: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<()> {
    let device = distilner::util::parse_device(&a.device)?;
    if device.is_cuda() && !tch::Cuda::is_available() {
        anyhow::bail!("--device cuda: no CUDA device is visible to libtorch");
    }
    if a.onnxruntime && device.is_cuda() {
        anyhow::bail!("--onnxruntime times ONNX Runtime's CPU provider: use --device cpu");
    }
    tch::set_num_threads(a.threads as i32);
    let mut precisions = Vec::new();
    for p in &a.precision {
        let p = Precision::parse(p, device)?;
        if !precisions.contains(&p) {
            precisions.push(p);
        }
    }
    let mut dirs = Vec::new();
    let mut data = Vec::new();
    for m in &a.models {
        let dir = distilner::model::hub::resolve(m)?;
        let l = load_dir(&dir, Head::Keep, device)?;
        data.push(BenchData::load(&a.data, a.limit, &l.model, &l.tokenizer)?);
        dirs.push(dir);
    }
    let mut engines: Vec<Box<dyn Timed + '_>> = Vec::new();
    let mut exports = Vec::new();
    for (dir, d) in dirs.iter().zip(&data) {
        for &p in &precisions {
            let l = load_dir(dir, Head::Keep, device)?;
            engines.push(Box::new(DistilnerEngine::new(dir, l, p, d)?));
        }
        if a.compiled {
            // A row per asked precision that has packages (fp32, bf16, int8); at least one must.
            let (mut rows, mut missing) = (0, Vec::new());
            for &p in precisions
                .iter()
                .filter(|p| matches!(p, Precision::Fp32 | Precision::Bf16 | Precision::Int8))
            {
                if Manifest::load(dir, p)?.is_none() {
                    missing.push(p.name());
                    continue;
                }
                let mut l = load_dir(dir, Head::Keep, device)?;
                l.model.set_inference_precision(p)?;
                let note = attach(&mut l.model, dir, Engine::Compiled, 1)?;
                eprintln!("[bench] {note}");
                engines.push(Box::new(DistilnerEngine::new(dir, l, p, d)?));
                rows += 1;
            }
            if rows == 0 {
                anyhow::bail!(
                    "--compiled: {} has no compiled {} package (`distilner compile --model {}` makes them; packages are fp32, bf16 or int8)",
                    dir.display(),
                    if missing.is_empty() { "fp32, bf16 or int8".to_string() } else { missing.join(" or ") },
                    dir.display()
                );
            }
        }
        if a.onnxruntime {
            eprintln!(
                "[bench] exporting {} with Optimum for ONNX Runtime",
                dir.display()
            );
            let l = load_dir(dir, Head::Keep, device)?;
            let cmd = OrtCommand {
                python: &a.onnx_python,
                script: &a.onnx_worker,
                threads: a.threads,
            };
            let (export, ort) =
                OrtWorker::start(&cmd, dir, d, &l.model, l.tokenizer.pad_id, &a.batch)?;
            eprintln!(
                "[bench] ONNX Runtime {}: fp32 logits within {:.2e} of distilner's over {} windows",
                export.versions["onnxruntime"].as_str().unwrap_or("?"),
                export.fp32_max_abs_diff,
                export.windows_compared
            );
            exports.push(export);
            engines.extend(ort.into_iter().map(|e| Box::new(e) as Box<dyn Timed>));
        }
    }
    eprintln!(
        "[bench] {} engine(s) x {} batch size(s), timed passes interleaved",
        engines.len(),
        a.batch.len()
    );
    let mut all: Vec<BenchResult> = bench::interleaved(&mut engines, &a.batch, a.runs)?;
    drop(engines);
    if !a.no_reference {
        // CPU: the shared fp32 baseline. GPU: PyTorch eager in each precision distilner was timed in.
        let runs: Vec<(&PathBuf, Vec<&str>)> = if device.is_cuda() {
            precisions
                .iter()
                .filter(|p| p.name() != "int8")
                .map(|p| {
                    (
                        &a.gpu_reference_script,
                        vec!["--device", "cuda", "--dtype", p.name()],
                    )
                })
                .collect()
        } else {
            vec![(&a.reference_script, vec![])]
        };
        for dir in &dirs {
            for (script, extra) in &runs {
                eprintln!(
                    "[bench] PyTorch eager on {} {}",
                    dir.display(),
                    extra.join(" ")
                );
                all.push(
                    run_reference(
                        &a.python, script, dir, &a.data, &a.batch, a.runs, a.threads, a.limit,
                        extra,
                    )
                    .context(
                        "the PyTorch baseline failed (run ./setup.sh; or pass --no-reference)",
                    )?,
                );
            }
        }
    }
    println!("{}", bench::table(&all, &a.batch));
    if let Some(p) = &a.json {
        let out = serde_json::json!({"results": all, "onnx_exports": exports});
        std::fs::write(p, serde_json::to_string_pretty(&out)?)?;
    }
    Ok(())
}
