//! Everything a finished run writes besides the model: metrics.json, README.md, curves, config.
use crate::eval::Report;
use crate::train::{EpochLog, TrainConfig};
use anyhow::Result;
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Serialize)]
pub struct TeacherSummary {
    pub name: String,
    pub layers: i64,
    pub parameters: i64,
    pub dev_f1: f64,
    pub test_f1: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub name: String,
    /// "a fine-tuned version of" / "a distilled student of".
    pub what: String,
    pub base_model: String,
    pub architecture: String,
    pub layers: i64,
    pub hidden: i64,
    pub parameters: i64,
    pub labels: Vec<String>,
    pub config: TrainConfig,
    pub history: Vec<EpochLog>,
    pub best_epoch: usize,
    pub dev: Report,
    pub test: Option<Report>,
    pub teacher: Option<TeacherSummary>,
    pub kd: Option<String>,
    pub train_seconds: f64,
    pub hardware: String,
    pub mixed_precision_used: bool,
    #[serde(skip)]
    pub losses: Vec<(usize, f64, f64)>,
}

fn brief(r: &Report) -> serde_json::Value {
    serde_json::json!({"precision": r.precision, "recall": r.recall, "f1": r.f1, "accuracy": r.accuracy,
        "per_type": r.per_type, "entities": r.gold_entities, "tokens": r.tokens})
}

pub fn write_run_report(dir: &Path, r: &RunReport) -> Result<()> {
    let mut m = serde_json::json!({
        "dev": brief(&r.dev),
        "best_epoch": r.best_epoch,
        "train_seconds": r.train_seconds,
        "parameters": r.parameters,
        "history": r.history,
        "config": r.config,
    });
    if let Some(t) = &r.test {
        m["test"] = brief(t);
    }
    if let Some(t) = &r.teacher {
        m["teacher"] = serde_json::to_value(t)?;
    }
    crate::util::write_atomic(
        &dir.join("metrics.json"),
        serde_json::to_string_pretty(&m)?.as_bytes(),
    )?;
    crate::util::write_atomic(&dir.join("README.md"), super::card::render(r).as_bytes())?;
    crate::util::write_atomic(
        &dir.join("train_config.toml"),
        toml::to_string(&r.config)?.as_bytes(),
    )?;
    if let Err(e) = super::plots::plot_curves(dir, &r.name, &r.losses, &r.history) {
        eprintln!("warning: could not draw learning curves: {e}");
    }
    Ok(())
}

pub fn hardware() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    if tch::Cuda::is_available() {
        format!("CUDA GPU ({} device(s))", tch::Cuda::device_count())
    } else {
        format!(
            "CPU, {} intra-op thread(s) of {cores} cores",
            tch::get_num_threads()
        )
    }
}
