//! Everything a finished run writes besides the model: metrics.json, README.md, curves, config.
use crate::data::SplitSummary;
use crate::eval::{Mode, Report};
use crate::evaluate::decoding::choose_decoding;
use crate::evaluate::evaluate;
use crate::infer::tagging::Tagging;
use crate::model::{load_dir, Head};
use crate::train::{EpochLog, Finished, TeacherSummary, TrainConfig};
use crate::Result;
use serde::Serialize;
use std::path::Path;

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
    /// How the model is applied (document context, decoding and its dev measurement).
    pub tagging: Tagging,
    pub teacher: Option<TeacherSummary>,
    /// The further teachers of a multi-teacher distillation.
    pub other_teachers: Vec<TeacherSummary>,
    pub kd: Option<String>,
    /// A distillation's settings as used (the saved config's `[distill]` table).
    pub distill: Option<toml::Table>,
    pub train_seconds: f64,
    pub hardware: String,
    pub mixed_precision_used: bool,
    /// The splits actually read: dataset, split, format, files, sizes, label names.
    pub data: Vec<SplitSummary>,
    /// How many processes trained the model, with which backend, on which devices.
    pub parallel: crate::train::Parallel,
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
        "data": r.data,
        "device": r.hardware,
        "world_size": r.parallel.world_size,
        "backend": r.parallel.backend,
        "devices": r.parallel.devices,
        "tagging": r.tagging,
        "precision": if r.mixed_precision_used { "bf16 mixed precision (fp32 master weights)" } else { "fp32" },
        "versions": versions(),
    });
    if let Some(t) = &r.test {
        m["test"] = brief(t);
    }
    if let Some(t) = &r.teacher {
        m["teacher"] = serde_json::to_value(t)?;
    }
    if !r.other_teachers.is_empty() {
        m["other_teachers"] = serde_json::to_value(&r.other_teachers)?;
    }
    if let Some(d) = &r.distill {
        m["distill"] = serde_json::to_value(d)?;
        m["loss"] = serde_json::json!(r.kd);
    }
    crate::util::write_atomic(
        &dir.join("metrics.json"),
        serde_json::to_string_pretty(&m)?.as_bytes(),
    )?;
    // The curves first: the card shows them only if they were drawn.
    #[cfg(feature = "plots")]
    let curves = match super::plots::plot_curves(dir, &r.name, &r.losses, &r.history) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("warning: could not draw learning curves: {e}");
            false
        }
    };
    #[cfg(not(feature = "plots"))]
    let curves = false;
    crate::util::write_atomic(
        &dir.join("README.md"),
        super::card::render(r, curves).as_bytes(),
    )?;
    crate::util::write_atomic(
        &dir.join("train_config.toml"),
        crate::distill::config::config_toml(&r.config, r.distill.as_ref())?.as_bytes(),
    )?;
    Ok(())
}

pub use crate::util::{hardware, versions};

/// Score the run's kept (best-dev) checkpoint — not the last epoch's weights — on dev and test,
/// choose its decoding on dev (saved in the run as tagging.json, with its document context), and
/// assemble its report.
pub fn report_kept(f: Finished) -> Result<RunReport> {
    let Finished {
        dir,
        cfg,
        outcome: out,
        origin,
        dev,
        test,
    } = f;
    let (run, dev, test) = (dir.as_path(), &dev, test.as_ref());
    let best = load_dir(run, Head::Keep, cfg.device())?;
    let (tagging, dev_r) = choose_decoding(&best, dev, &cfg.tag_options(), cfg.wanted_decoding()?)?;
    tagging.save(run)?;
    let opt = tagging.apply(cfg.tag_options());
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
        tagging,
        teacher: origin.teacher,
        other_teachers: origin.other_teachers,
        kd: origin.kd,
        distill: origin.distill,
        train_seconds: out.train_seconds + origin.extra_seconds,
        hardware: hardware(m.device()),
        mixed_precision_used: cfg.precision(m.device()) == crate::model::Precision::Bf16,
        losses: out.losses.clone(),
        data: origin.data,
        parallel: out.parallel.clone(),
    })
}
