//! Inference benchmark (`distilner bench`): distilner and the PyTorch eager baseline over the same
//! sentences, sorted by length, batch sizes 1/8/32, median of several runs, p50/p99 per-batch latency.
use crate::data::read_conll;
use crate::eval::{dataset::evaluate, Mode};
use crate::infer::tagger::pad_batch;
use crate::infer::TagOptions;
use crate::model::{load_dir, Head, Precision};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct BatchStats {
    pub sentences_per_s: f64,
    pub tokens_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    pub engine: String,
    pub model: String,
    pub sentences: usize,
    pub tokens: usize,
    pub batches: BTreeMap<usize, BatchStats>,
    /// Entity F1 (default mode) of the timed engine on the same file, so a faster precision shows
    /// what it costs (distilner rows only).
    pub f1: Option<f64>,
}

/// One model in one precision, loaded and tokenized, ready to time.
struct Entry {
    dir: std::path::PathBuf,
    precision: Precision,
    model: crate::model::TokenClassifier,
    pad: i64,
    enc: Vec<Vec<i64>>,
    tokens: usize,
    f1: f64,
}

fn prepare(
    dir: &Path,
    precision: Precision,
    data: &Path,
    limit: usize,
    device: tch::Device,
) -> Result<Entry> {
    let mut l = load_dir(dir, Head::Keep, device)?;
    l.model.set_inference_precision(precision);
    let mut c = read_conll(data)?;
    if limit > 0 {
        c.sentences.truncate(limit);
    }
    let (report, _) = evaluate(
        &l.model,
        &l.tokenizer,
        &c,
        &TagOptions::default(),
        Mode::Default,
    )?;
    let max = l.model.config.max_position.min(512) as usize;
    let enc: Vec<Vec<i64>> = c
        .sentences
        .iter()
        .map(|s| {
            l.tokenizer.encode_words(&s.words).map(|e| {
                let mut ids = e.input_ids;
                if ids.len() > max {
                    ids.truncate(max - 1);
                    ids.push(l.tokenizer.sep_id);
                }
                ids
            })
        })
        .collect::<Result<_>>()?;
    Ok(Entry {
        dir: dir.to_path_buf(),
        precision,
        model: l.model,
        pad: l.tokenizer.pad_id,
        tokens: enc.iter().map(|x| x.len()).sum(),
        enc,
        f1: report.f1,
    })
}

/// Time distilner's forward + argmax the way `infer_reference.py` times PyTorch's, for each (model,
/// precision). The timed passes are interleaved — run r of every entry before run r+1 of any — so a
/// drift in machine speed hits all entries alike and their ratios stay fair.
pub fn run_distilner(
    entries: &[(std::path::PathBuf, Precision)],
    data: &Path,
    batches: &[usize],
    runs: usize,
    threads: usize,
    limit: usize,
    device: tch::Device,
) -> Result<Vec<BenchResult>> {
    tch::set_num_threads(threads as i32);
    let es: Vec<Entry> = entries
        .iter()
        .map(|(d, p)| prepare(d, *p, data, limit, device))
        .collect::<Result<_>>()?;
    let mut stats: Vec<BTreeMap<usize, BatchStats>> = vec![BTreeMap::new(); es.len()];
    for &bs in batches {
        let tensors: Vec<Vec<_>> = es
            .iter()
            .map(|e| {
                let mut order: Vec<usize> = (0..e.enc.len()).collect();
                order.sort_by_key(|&i| e.enc[i].len());
                order
                    .chunks(bs)
                    .map(|b| {
                        let rows: Vec<&[i64]> = b.iter().map(|&i| e.enc[i].as_slice()).collect();
                        pad_batch(&rows, e.pad, device)
                    })
                    .collect()
            })
            .collect();
        let mut times = vec![Vec::new(); es.len()];
        let mut lat = vec![Vec::new(); es.len()];
        tch::no_grad(|| {
            for (e, t) in es.iter().zip(&tensors) {
                for (ids, mask) in t.iter().take(5) {
                    let _ = e
                        .model
                        .forward(ids, mask, false, false)
                        .logits
                        .argmax(-1, false);
                }
                wait_for(e.model.device());
            }
            for _ in 0..runs.max(1) {
                for (k, (e, t)) in es.iter().zip(&tensors).enumerate() {
                    let t0 = Instant::now();
                    for (ids, mask) in t {
                        let t1 = Instant::now();
                        let _ = e
                            .model
                            .forward(ids, mask, false, false)
                            .logits
                            .argmax(-1, false);
                        wait_for(e.model.device());
                        lat[k].push(t1.elapsed().as_secs_f64() * 1000.0);
                    }
                    times[k].push(t0.elapsed().as_secs_f64());
                }
            }
        });
        for (k, e) in es.iter().enumerate() {
            let (tm, lt) = (&mut times[k], &mut lat[k]);
            tm.sort_by(|a, b| a.total_cmp(b));
            lt.sort_by(|a, b| a.total_cmp(b));
            let med = tm[tm.len() / 2];
            stats[k].insert(
                bs,
                BatchStats {
                    sentences_per_s: e.enc.len() as f64 / med,
                    tokens_per_s: e.tokens as f64 / med,
                    p50_ms: lt[lt.len() / 2],
                    p99_ms: lt[((lt.len() as f64 * 0.99) as usize).min(lt.len() - 1)],
                },
            );
        }
    }
    Ok(es
        .into_iter()
        .zip(stats)
        .map(|(e, batches)| BenchResult {
            engine: format!(
                "distilner {}{}",
                e.precision.name(),
                if device.is_cuda() { " cuda" } else { "" }
            ),
            model: e.dir.display().to_string(),
            sentences: e.enc.len(),
            tokens: e.tokens,
            batches,
            f1: Some(e.f1),
        })
        .collect())
}

/// Run `infer_reference.py` and read its JSON.
#[allow(clippy::too_many_arguments)]
pub fn run_reference(
    python: &Path,
    script: &Path,
    dir: &Path,
    data: &Path,
    batches: &[usize],
    runs: usize,
    threads: usize,
    limit: usize,
) -> Result<BenchResult> {
    let mut cmd = std::process::Command::new(python);
    cmd.arg(script).arg(dir).arg(data).arg("--batch");
    for b in batches {
        cmd.arg(b.to_string());
    }
    cmd.args([
        "--threads",
        &threads.to_string(),
        "--runs",
        &runs.to_string(),
        "--limit",
        &limit.to_string(),
    ]);
    cmd.env("HF_HUB_OFFLINE", "1")
        .env("TRANSFORMERS_OFFLINE", "1");
    let o = cmd
        .output()
        .with_context(|| format!("cannot run {}", python.display()))?;
    if !o.status.success() {
        bail!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    }
    let text = String::from_utf8_lossy(&o.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .context("no JSON from the reference")?;
    let v: serde_json::Value = serde_json::from_str(line)?;
    let mut out = BTreeMap::new();
    for &b in batches {
        if let Some(s) = v.get(format!("batch_{b}")) {
            out.insert(b, serde_json::from_value(s.clone())?);
        }
    }
    Ok(BenchResult {
        engine: format!("pytorch {}", v["torch"].as_str().unwrap_or("?")),
        model: dir.display().to_string(),
        sentences: v["sentences"].as_u64().unwrap_or(0) as usize,
        tokens: v["tokens"].as_u64().unwrap_or(0) as usize,
        batches: out,
        f1: None,
    })
}

/// A markdown table of results.
pub fn table(all: &[BenchResult], batches: &[usize]) -> String {
    let mut s = String::from("| engine | model |");
    for b in batches {
        s += &format!(" sent/s b{b} | tok/s b{b} |");
    }
    s += " p50 ms b1 | p99 ms b1 | F1 |\n|---|---|";
    s += &"---|---|".repeat(batches.len());
    s += "---|---|---|\n";
    for r in all {
        s += &format!("| {} | {} |", r.engine, r.model);
        for b in batches {
            match r.batches.get(b) {
                Some(x) => s += &format!(" {:.0} | {:.0} |", x.sentences_per_s, x.tokens_per_s),
                None => s += " - | - |",
            }
        }
        match r.batches.get(&1) {
            Some(x) => s += &format!(" {:.2} | {:.2} |", x.p50_ms, x.p99_ms),
            None => s += " - | - |",
        }
        match r.f1 {
            Some(f) => s += &format!(" {f:.4} |\n"),
            None => s += " - |\n",
        }
    }
    s
}

/// GPU work is queued asynchronously: a clock read before the queue drains times only the kernel
/// launches, so every timed pass ends with a synchronize on CUDA.
fn wait_for(device: tch::Device) {
    if let tch::Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}
