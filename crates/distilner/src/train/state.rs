//! Resumable training state in one file (`checkpoint/state.safetensors`): model weights, AdamW
//! moments and the loop's position as JSON metadata. One file renamed into place means a crash can
//! never pair weights with the wrong step.
use super::optim::AdamW;
use super::trainer::EpochLog;
use crate::model::checkpoint::{read_metadata, read_safetensors, write_tensor_file};
use crate::model::TokenClassifier;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tch::Tensor;

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct LoopState {
    pub epoch: usize,
    /// Batches of `epoch` already done.
    pub batch_in_epoch: usize,
    pub global_step: usize,
    pub best_f1: f64,
    pub best_epoch: usize,
    pub bad_epochs: usize,
    pub history: Vec<EpochLog>,
    /// (step, loss, lr) every few steps, for the curves and metrics.jsonl.
    pub losses: Vec<(usize, f64, f64)>,
    pub train_seconds: f64,
    /// Guards against resuming with other data or hyperparameters.
    pub fingerprint: String,
    /// Running sum and count of this epoch's losses, so a resumed epoch reports the same mean.
    #[serde(default)]
    pub epoch_loss_sum: f64,
    #[serde(default)]
    pub epoch_loss_n: usize,
}

pub fn state_path(run: &Path) -> PathBuf {
    run.join("checkpoint").join("state.safetensors")
}

pub(crate) fn save(run: &Path, model: &TokenClassifier, opt: &AdamW, st: &LoopState) -> Result<()> {
    let dir = run.join("checkpoint");
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let vars = model.vs.variables();
    let mut named: Vec<(String, Tensor)> = Vec::new();
    for (i, n) in opt.names().enumerate() {
        named.push((format!("model.{n}"), vars[n].shallow_clone()));
        named.push((format!("adam_m.{n}"), opt.m[i].shallow_clone()));
        named.push((format!("adam_v.{n}"), opt.v[i].shallow_clone()));
        if let Some(e) = opt.ema.get(i) {
            named.push((format!("ema.{n}"), e.shallow_clone()));
        }
    }
    let meta = HashMap::from([
        ("loop_state".to_string(), serde_json::to_string(st)?),
        ("adam_step".to_string(), opt.step.to_string()),
    ]);
    write_tensor_file(&state_path(run), &named, meta)
}

/// Restore model, optimizer and loop state; `None` when there is no state to resume.
pub(crate) fn load(
    run: &Path,
    model: &mut TokenClassifier,
    opt: &mut AdamW,
) -> Result<Option<LoopState>> {
    let path = state_path(run);
    if !path.exists() {
        return Ok(None);
    }
    let meta = read_metadata(&path)?;
    let st: LoopState =
        serde_json::from_str(meta.get("loop_state").context("state has no loop_state")?)
            .with_context(|| format!("{}: unreadable loop state", path.display()))?;
    let tensors = read_safetensors(&path)?;
    let vars = model.vs.variables();
    let names: Vec<String> = opt.names().map(String::from).collect();
    tch::no_grad(|| -> Result<()> {
        for (i, n) in names.iter().enumerate() {
            let get = |k: String| {
                tensors.get(&k).with_context(|| {
                    format!(
                        "{}: missing {k}; delete the checkpoint folder to start over",
                        path.display()
                    )
                })
            };
            let mut v = vars[n].shallow_clone();
            let src = get(format!("model.{n}"))?;
            if src.size() != v.size() {
                bail!(
                    "{}: {n} has another shape than the model; this state belongs to another run",
                    path.display()
                );
            }
            v.copy_(src);
            opt.m[i].copy_(get(format!("adam_m.{n}"))?);
            opt.v[i].copy_(get(format!("adam_v.{n}"))?);
            if let Some(e) = opt.ema.get_mut(i) {
                e.copy_(get(format!("ema.{n}"))?);
            }
        }
        Ok(())
    })?;
    opt.step = meta
        .get("adam_step")
        .and_then(|s| s.parse().ok())
        .unwrap_or(st.global_step as i64);
    Ok(Some(st))
}
