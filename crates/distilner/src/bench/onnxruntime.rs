//! ONNX Runtime as `bench` times it: `bench/ort_worker.py`, in the venv that has Optimum's exporter,
//! exports the run directory (`optimum-cli export onnx`), quantizes it to int8 (`optimum-cli
//! onnxruntime quantize --avx512_vnni`) and times passes on request, so they interleave with
//! distilner's. Both its engines are scored by distilner's pipeline from the logits they return, and
//! its fp32 logits are compared with distilner's fp32 ones (the export's fidelity).
use super::data::BenchData;
use super::{BatchStats, BenchResult, Pass, Timed};
use crate::data::LabelSet;
use crate::model::TokenClassifier;
use crate::Result;
use anyhow::Context;
use serde::Serialize;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::rc::Rc;
use tch::{Device, Kind, Tensor};

/// What the export and its check found, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct OrtExport {
    pub model: String,
    pub export_s: f64,
    pub quantize_s: f64,
    pub versions: Value,
    /// Largest |ONNX Runtime fp32 logit − distilner fp32 logit| over every window of the data.
    pub fp32_max_abs_diff: f64,
    pub windows_compared: usize,
}

/// How to start the worker: the ONNX venv's Python, `bench/ort_worker.py`, intra-op threads.
pub struct OrtCommand<'p> {
    pub python: &'p Path,
    pub script: &'p Path,
    pub threads: usize,
}

pub struct OrtWorker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    _work: tempfile::TempDir,
}

impl OrtWorker {
    fn call(&mut self, v: &Value) -> Result<Value> {
        writeln!(self.stdin, "{v}").context("the ONNX Runtime worker has exited")?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        if line.is_empty() {
            fail!("the ONNX Runtime worker exited (its error is above)");
        }
        Ok(serde_json::from_str(&line)?)
    }

    /// Start the worker on `dir`, export and quantize it, and score both engines on `data`.
    /// `fp32`: the same model loaded by distilner in fp32, for the logits check.
    pub fn start<'a>(
        cmd: &OrtCommand,
        dir: &Path,
        data: &'a BenchData,
        fp32: &TokenClassifier,
        pad: i64,
        batches: &[usize],
    ) -> Result<(OrtExport, Vec<OrtEngine<'a>>)> {
        let work = tempfile::tempdir()?;
        let (python, threads) = (cmd.python, cmd.threads);
        let mut child = Command::new(python)
            .arg(cmd.script)
            .arg(dir)
            .arg("--work")
            .arg(work.path())
            .arg("--threads")
            .arg(threads.to_string())
            .env("HF_HUB_OFFLINE", "1")
            .env("TRANSFORMERS_OFFLINE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| {
                format!(
                    "cannot run {} (./setup.sh makes the ONNX venv)",
                    python.display()
                )
            })?;
        let stdin = child.stdin.take().context("worker stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("worker stdout")?);
        let mut w = OrtWorker {
            child,
            stdin,
            stdout,
            _work: work,
        };
        let windows: Vec<&Vec<i64>> = data.windows.iter().map(|w| &w.input_ids).collect();
        let r = w
            .call(&json!({"rows": data.rows, "pad": pad, "batches": batches, "windows": windows}))
            .with_context(|| format!("exporting {} with Optimum failed", dir.display()))?;
        let labels = &fp32.labels;
        let mut engines = Vec::new();
        let mut diff = 0f64;
        let worker = Rc::new(RefCell::new(w));
        for name in ["fp32", "int8"] {
            let logits = window_logits(&r["logits"][name], labels)
                .with_context(|| format!("ONNX Runtime {name} logits"))?;
            if name == "fp32" {
                diff = max_abs_diff(fp32, &data.windows, &logits, pad);
            }
            let probs: Vec<Tensor> = logits.iter().map(|l| l.softmax(-1, Kind::Float)).collect();
            engines.push(OrtEngine {
                name,
                dir: dir.to_path_buf(),
                worker: worker.clone(),
                data,
                f1: data.f1(&probs, labels)?,
                version: r["versions"]["onnxruntime"]
                    .as_str()
                    .unwrap_or("?")
                    .to_string(),
            });
        }
        let export = OrtExport {
            model: dir.display().to_string(),
            export_s: r["export_s"].as_f64().unwrap_or(0.0),
            quantize_s: r["quantize_s"].as_f64().unwrap_or(0.0),
            versions: r["versions"].clone(),
            fp32_max_abs_diff: diff,
            windows_compared: data.windows.len(),
        };
        Ok((export, engines))
    }
}

impl Drop for OrtWorker {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "{}", json!({"quit": true}));
        let _ = self.child.wait();
    }
}

/// The worker's `[[[f32]]]` (window, token, label) as tensors, checked against the label count.
fn window_logits(v: &Value, labels: &LabelSet) -> Result<Vec<Tensor>> {
    let ws = v.as_array().context("no logits")?;
    ws.iter()
        .map(|w| {
            let rows: Vec<Vec<f32>> = serde_json::from_value(w.clone())?;
            let n = labels.len();
            if rows.iter().any(|r| r.len() != n) {
                fail!("the exported model has a different label count than config.json's {n}");
            }
            let flat: Vec<f32> = rows.concat();
            Ok(Tensor::from_slice(&flat).view([rows.len() as i64, n as i64]))
        })
        .collect()
}

/// distilner's fp32 logits window by window (unpadded, as the worker ran them) against `other`.
fn max_abs_diff(
    model: &TokenClassifier,
    wins: &[crate::tokenize::Window],
    other: &[Tensor],
    pad: i64,
) -> f64 {
    tch::no_grad(|| {
        wins.iter()
            .zip(other)
            .map(|(w, o)| {
                let (ids, mask) = crate::tokenize::pad_batch(&[&w.input_ids], pad, model.device());
                let l = model
                    .forward(&ids, &mask, false, false)
                    .logits
                    .get(0)
                    .to_device(Device::Cpu);
                (l - o).abs().max().double_value(&[])
            })
            .fold(0.0, f64::max)
    })
}

/// One of the worker's two sessions (fp32 or int8).
pub struct OrtEngine<'a> {
    name: &'static str,
    dir: PathBuf,
    worker: Rc<RefCell<OrtWorker>>,
    data: &'a BenchData,
    f1: f64,
    version: String,
}

impl Timed for OrtEngine<'_> {
    fn pass(&mut self, bs: usize, warm: bool) -> Result<Pass> {
        let r = self
            .worker
            .borrow_mut()
            .call(&json!({"engine": self.name, "batch": bs, "warm": warm}))?;
        Ok(Pass {
            total_s: r["total_s"].as_f64().context("worker: no total_s")?,
            lat_ms: serde_json::from_value(r["lat_ms"].clone())?,
        })
    }

    fn result(&self, batches: BTreeMap<usize, BatchStats>) -> BenchResult {
        let engine = format!("onnxruntime {} {}", self.version, self.name);
        BenchResult::timed(engine, &self.dir, self.data, batches, self.f1)
    }

    fn data(&self) -> &BenchData {
        self.data
    }
}
