//! Inference benchmark (`distilner bench`): distilner, ONNX Runtime (the model exported with Optimum,
//! fp32 and int8) and the PyTorch eager baseline over the same sentences, sorted by length, batch
//! sizes 1/8/32, median of several runs, p50/p99 per-batch latency, and each engine's F1.
pub mod data;
pub mod distilner;
pub mod onnxruntime;
pub mod reference;

pub use distilner::DistilnerEngine;
pub use onnxruntime::{OrtCommand, OrtExport, OrtWorker};
pub use reference::run_reference;

use crate::Result;
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// what it costs (not known for the PyTorch baseline, which only times).
    pub f1: Option<f64>,
}

/// One timed pass over every batch of one size: the wall time and each batch's milliseconds.
pub struct Pass {
    pub total_s: f64,
    pub lat_ms: Vec<f64>,
}

/// An engine `bench` times: forward + argmax over the same rows, cut into batches of `bs` after
/// sorting by length. Batches are built before the clock starts.
pub trait Timed {
    /// A pass over all batches of size `bs`, or over the first few when `warm`.
    fn pass(&mut self, bs: usize, warm: bool) -> Result<Pass>;
    /// The row for the results table, given the stats measured.
    fn result(&self, batches: BTreeMap<usize, BatchStats>) -> BenchResult;
    /// The sentences it is timed on.
    fn data(&self) -> &data::BenchData;
}

impl BenchResult {
    /// A timed engine's row: `engine` named, on the model in `dir`, scored `f1` on `data`.
    pub fn timed(
        engine: String,
        dir: &std::path::Path,
        data: &data::BenchData,
        batches: BTreeMap<usize, BatchStats>,
        f1: f64,
    ) -> BenchResult {
        BenchResult {
            engine,
            model: dir.display().to_string(),
            sentences: data.rows.len(),
            tokens: data.tokens,
            batches,
            f1: Some(f1),
        }
    }
}

/// Time every engine at every batch size. The timed passes are interleaved — run r of every engine
/// before run r+1 of any — so a drift in machine speed hits all engines alike and their ratios stay fair.
pub fn interleaved(
    engines: &mut [Box<dyn Timed + '_>],
    batches: &[usize],
    runs: usize,
) -> Result<Vec<BenchResult>> {
    let mut stats: Vec<BTreeMap<usize, BatchStats>> = vec![BTreeMap::new(); engines.len()];
    for &bs in batches {
        for e in engines.iter_mut() {
            e.pass(bs, true)?;
        }
        let mut times = vec![Vec::new(); engines.len()];
        let mut lat = vec![Vec::new(); engines.len()];
        for _ in 0..runs.max(1) {
            for (k, e) in engines.iter_mut().enumerate() {
                let p = e.pass(bs, false)?;
                times[k].push(p.total_s);
                lat[k].extend(p.lat_ms);
            }
        }
        for (k, e) in engines.iter().enumerate() {
            let d = e.data();
            stats[k].insert(
                bs,
                batch_stats(&mut times[k], &mut lat[k], d.rows.len(), d.tokens),
            );
        }
    }
    Ok(engines
        .iter()
        .zip(stats)
        .map(|(e, s)| e.result(s))
        .collect())
}

/// Median pass → throughput; per-batch latencies → p50/p99.
fn batch_stats(times: &mut [f64], lat: &mut [f64], sentences: usize, tokens: usize) -> BatchStats {
    times.sort_by(|a, b| a.total_cmp(b));
    lat.sort_by(|a, b| a.total_cmp(b));
    let med = times[times.len() / 2];
    BatchStats {
        sentences_per_s: sentences as f64 / med,
        tokens_per_s: tokens as f64 / med,
        p50_ms: lat[lat.len() / 2],
        p99_ms: lat[((lat.len() as f64 * 0.99) as usize).min(lat.len() - 1)],
    }
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
