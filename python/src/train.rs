//! `distilner.finetune(...)` / `distilner.distill(...)`: keyword arguments (as JSON) → the library's
//! run arguments, with the CLI's option names and defaults; the run's metrics.json comes back.
use crate::{err, lib_err};
use distilner::data::{DataRef, ReadOptions, Splits};
use distilner::distill::run::DistillArgs;
use distilner::distill::DistillConfig;
use distilner::model::student::parse_layers;
use distilner::pipeline::{distill as distill_run, finetune as finetune_run};
use distilner::train::finetune::FinetuneArgs;
use distilner::train::{Faults, Progress, ProgressFn, TrainConfig};
use pyo3::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

type Kw = Map<String, Value>;

fn take<T: DeserializeOwned>(kw: &mut Kw, key: &str) -> PyResult<Option<T>> {
    match kw.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v)
            .map(Some)
            .map_err(|e| err(format!("{key}: {e}"))),
    }
}

fn required<T: DeserializeOwned>(kw: &mut Kw, key: &str) -> PyResult<T> {
    take(kw, key)?.ok_or_else(|| err(format!("{key} is required")))
}

/// A list of layer indices given as [0, 2, 4] or "0,2,4".
fn layers(kw: &mut Kw, key: &str) -> PyResult<Option<Vec<usize>>> {
    match kw.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_layers(&s, usize::MAX).map(Some).map_err(lib_err),
        Some(v) => serde_json::from_value(v)
            .map(Some)
            .map_err(|e| err(format!("{key}: {e}"))),
    }
}

/// The splits, as the CLI's data flags give them: `dataset` with its split names, or files per split;
/// `test="none"` skips the test split.
fn splits(kw: &mut Kw) -> PyResult<Splits> {
    let dataset: Option<String> = take(kw, "dataset")?;
    let mut pick = |given: &str, split_key: &str, default: &str| -> PyResult<Option<DataRef>> {
        let file: Option<String> = take(kw, given)?;
        let split: String = take(kw, split_key)?.unwrap_or_else(|| default.to_string());
        match file.or_else(|| dataset.clone()) {
            Some(spec) => Ok(Some(DataRef::new(spec, split))),
            None => Ok(None),
        }
    };
    let train = pick("train", "train_split", "train")?
        .ok_or_else(|| err("give dataset=... or train=... (and dev=...)"))?;
    let dev = pick("dev", "dev_split", "validation")?
        .ok_or_else(|| err("give dataset=... or dev=..."))?;
    let test = pick("test", "test_split", "test")?.filter(|t| t.spec != "none");
    Ok(Splits {
        train,
        dev,
        test,
        read: ReadOptions {
            tokens_column: take(kw, "tokens_column")?,
            tags_column: take(kw, "tags_column")?,
            label_names: take(kw, "label_names")?,
        },
    })
}

/// What is left: the training configuration, under the CLI's flag names or the config file's.
fn config(mut kw: Kw) -> PyResult<TrainConfig> {
    for (flag, field) in [
        ("lr", "learning_rate"),
        ("patience", "early_stopping_patience"),
        ("context", "document_context"),
    ] {
        if let Some(v) = kw.remove(flag) {
            kw.insert(field.to_string(), v);
        }
    }
    let cfg: TrainConfig = serde_json::from_value(Value::Object(kw))
        .map_err(|e| err(format!("unknown or bad option: {e}")))?;
    cfg.validate().map_err(lib_err)?;
    Ok(cfg)
}

/// Calls `f(event_json)` with the GIL held; an exception there is printed and training goes on.
fn callback(f: Py<PyAny>) -> ProgressFn {
    Arc::new(move |p: &Progress| {
        let s = serde_json::to_string(p).unwrap_or_default();
        Python::attach(|py| {
            if let Err(e) = f.call1(py, (s,)) {
                e.print(py);
            }
        });
    })
}

fn parse(kwargs_json: &str) -> PyResult<Kw> {
    serde_json::from_str(kwargs_json).map_err(|e| err(format!("keyword arguments: {e}")))
}

fn metrics(out: &std::path::Path) -> PyResult<String> {
    std::fs::read_to_string(out.join("metrics.json"))
        .map_err(|e| err(format!("{}: {e}", out.join("metrics.json").display())))
}

#[pyfunction]
#[pyo3(signature = (kwargs_json, progress=None))]
pub fn finetune(
    py: Python<'_>,
    kwargs_json: String,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let mut kw = parse(&kwargs_json)?;
    let model: String = required(&mut kw, "model")?;
    let out: PathBuf = required(&mut kw, "out")?;
    let resume = take(&mut kw, "resume")?.unwrap_or(false);
    let data = splits(&mut kw)?;
    let cfg = config(kw)?;
    let args = FinetuneArgs {
        model,
        data,
        out: out.clone(),
        cfg,
        resume,
        faults: Faults::NONE,
        dist: None,
        progress: progress.map(callback),
    };
    py.detach(|| finetune_run(args)).map_err(lib_err)?;
    metrics(&out)
}

#[pyfunction]
#[pyo3(signature = (kwargs_json, progress=None))]
pub fn distill(
    py: Python<'_>,
    kwargs_json: String,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let mut kw = parse(&kwargs_json)?;
    let teachers: Vec<String> = match kw.remove("teacher") {
        Some(Value::String(s)) => vec![s],
        Some(v) => serde_json::from_value(v).map_err(|e| err(format!("teacher: {e}")))?,
        None => return Err(err("teacher is required")),
    };
    if teachers.is_empty() {
        return Err(err("teacher: give at least one"));
    }
    let out: PathBuf = required(&mut kw, "out")?;
    let attention_layers = match take::<Value>(&mut kw, "attention_layers")? {
        None => None,
        Some(Value::String(s)) => {
            let bad = || err(format!("attention_layers {s:?}: give \"S:T\" or (S, T)"));
            let (a, b) = s.split_once(':').ok_or_else(bad)?;
            Some((
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            ))
        }
        Some(v) => {
            Some(serde_json::from_value(v).map_err(|e| err(format!("attention_layers: {e}")))?)
        }
    };
    let d = DistillConfig::default();
    let settings = DistillConfig {
        teachers,
        teacher_context: take(&mut kw, "teacher_context")?,
        attention_kd: take(&mut kw, "attention_kd")?.unwrap_or(d.attention_kd),
        attention_layers,
        student_layers: layers(&mut kw, "student_layers")?,
        student: take(&mut kw, "student")?,
        alpha: take(&mut kw, "alpha")?.unwrap_or(d.alpha),
        temperature: take(&mut kw, "temperature")?.unwrap_or(d.temperature),
        kd_all_tokens: take(&mut kw, "kd_all_tokens")?.unwrap_or(d.kd_all_tokens),
        hidden_mse: take(&mut kw, "hidden_mse")?.unwrap_or(d.hidden_mse),
        hidden_layer_map: layers(&mut kw, "hidden_layer_map")?,
        label_map: take(&mut kw, "label_map")?,
        min_teacher_f1: take(&mut kw, "min_teacher_f1")?.unwrap_or(d.min_teacher_f1),
    };
    let args = DistillArgs {
        distill: settings,
        out: out.clone(),
        resume: take(&mut kw, "resume")?.unwrap_or(false),
        transfer: take(&mut kw, "transfer")?.unwrap_or_default(),
        data: splits(&mut kw)?,
        cfg: config(kw)?,
        faults: Faults::NONE,
        dist: None,
        progress: progress.map(callback),
    };
    py.detach(|| distill_run(args)).map_err(lib_err)?;
    metrics(&out)
}
