//! Everything a finished run writes besides the model: metrics.json, README.md, curves, config.
use crate::data::Corpus;
use crate::eval::dataset::evaluate;
use crate::eval::{Mode, Report};
use crate::infer::TagOptions;
use crate::model::{load_dir, Head};
use crate::train::TrainOutcome;
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

/// Where a run came from, for its report.
pub struct Origin {
    /// "a fine-tuned version of" / "a distilled student of".
    pub what: &'static str,
    pub base_model: String,
    pub teacher: Option<TeacherSummary>,
    pub kd: Option<String>,
    /// Seconds to add to the loop's own time (e.g. the teacher-logit cache).
    pub extra_seconds: f64,
}

/// Score the run's kept (best-dev) checkpoint — not the last epoch's weights — on dev and test, and
/// assemble its report.
pub fn report_kept(
    run: &Path,
    cfg: &TrainConfig,
    out: &TrainOutcome,
    dev: &Corpus,
    test: Option<&Corpus>,
    origin: Origin,
) -> Result<RunReport> {
    let best = load_dir(run, Head::Keep, cfg.device())?;
    let opt = TagOptions {
        max_len: cfg.max_len,
        stride: cfg.stride,
        batch_size: cfg.eval_batch_size,
    };
    let (dev_r, _) = evaluate(&best.model, &best.tokenizer, dev, &opt, Mode::Default)?;
    let test_r = test
        .map(|c| evaluate(&best.model, &best.tokenizer, c, &opt, Mode::Default).map(|r| r.0))
        .transpose()?;
    let m = &best.model;
    Ok(RunReport {
        name: run
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "model".into()),
        what: origin.what.into(),
        base_model: origin.base_model,
        architecture: format!("{:?}ForTokenClassification", m.config.arch),
        layers: m.config.layers,
        hidden: m.config.hidden,
        parameters: m.num_parameters(),
        labels: m.labels.names().to_vec(),
        config: cfg.clone(),
        history: out.history.clone(),
        best_epoch: out.best.epoch,
        dev: dev_r,
        test: test_r,
        teacher: origin.teacher,
        kd: origin.kd,
        train_seconds: out.train_seconds + origin.extra_seconds,
        hardware: hardware(),
        mixed_precision_used: cfg.precision(m.device()) == crate::model::Precision::Bf16,
        losses: out.losses.clone(),
    })
}
