//! The training loop: one epoch after another, dev evaluation after each, the best checkpoint kept
//! as the run's HF model, resumable state saved atomically, NaN/inf stops with a clear message.
//! `train` reads as its steps: the process group → the start state (fresh or resumed, shared by
//! every rank) → per epoch (`epoch::Loop`): the optimisation steps, the dev score, the best
//! checkpoint and the saved state → the outcome.
use super::dist::{broadcast_tensors, Dist, GradSync};
use super::epoch::Loop;
use super::optim::AdamW;
use super::state::{self, LoopState};
use super::{Example, Objective, TrainConfig, TrainError};
use crate::data::Corpus;
use crate::model::TokenClassifier;
use crate::tokenize::NerTokenizer;
use crate::Result;
use serde::{Deserialize, Serialize};
use std::path::Path;
use tch::Tensor;

/// One row of the per-epoch table (the model card's format).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EpochLog {
    pub epoch: usize,
    pub step: usize,
    pub training_loss: f64,
    pub validation_loss: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub accuracy: f64,
    pub train_seconds: f64,
}

/// The processes that trained a model: one, or a torchrun group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Parallel {
    pub world_size: usize,
    /// `gloo`, `nccl`, or `none` for one process.
    pub backend: String,
    /// Each rank's host and device, in words.
    pub devices: Vec<String>,
}

pub struct TrainOutcome {
    pub parallel: Parallel,
    pub history: Vec<EpochLog>,
    pub best: EpochLog,
    pub stopped_early: bool,
    /// Seconds in the optimisation loop (evaluation excluded), summed over resumed segments.
    pub train_seconds: f64,
    pub losses: Vec<(usize, f64, f64)>,
}

pub struct TrainJob<'a> {
    pub name: &'a str,
    pub model: &'a mut TokenClassifier,
    pub tokenizer: &'a NerTokenizer,
    pub train: &'a [Example],
    pub dev: &'a Corpus,
    pub dev_examples: &'a [Example],
    pub objective: &'a dyn Objective,
    pub cfg: &'a TrainConfig,
    pub run_dir: &'a Path,
    pub resume: bool,
    /// Fault injection for tests (`Faults::NONE` in real runs).
    pub faults: super::Faults,
    /// The torchrun group this process trains in, if any.
    pub dist: Option<&'a Dist>,
    /// Told every tenth of an epoch and at each epoch's end (rank 0 only).
    pub progress: Option<&'a super::ProgressFn>,
}

/// What a resumed run must share with the saved one: the job, the hyperparameters and the exact
/// training and dev examples (token ids and labels, hashed), so other data of the same size is refused.
fn fingerprint(job: &TrainJob) -> String {
    // One setting per line: ranks that disagree are told the first differing line.
    format!(
        "job = {}\n{}\n{}",
        job.name,
        super::batches::digest(job.train, job.dev_examples),
        toml::to_string(job.cfg).unwrap_or_default()
    )
}

pub(super) fn write_metrics_log(run: &Path, st: &LoopState) -> Result<()> {
    let mut s = String::new();
    for (step, loss, lr) in &st.losses {
        s += &serde_json::json!({"step": step, "loss": loss, "learning_rate": lr}).to_string();
        s.push('\n');
    }
    for e in &st.history {
        s += &serde_json::to_string(e)?;
        s.push('\n');
    }
    Ok(crate::util::write_atomic(
        &run.join("metrics.jsonl"),
        s.as_bytes(),
    )?)
}

pub fn train(mut job: TrainJob) -> Result<TrainOutcome> {
    if let Some(p) = job.cfg.dropout {
        job.model.set_dropout(p);
    }
    let mut opt = AdamW::new(
        &job.model.vs,
        job.cfg.adam_beta1,
        job.cfg.adam_beta2,
        job.cfg.adam_epsilon,
        job.cfg.weight_decay,
    )
    .with_layer_decay(job.cfg.layer_lr_decay)
    .with_ema(job.cfg.ema_decay);
    let fp = fingerprint(&job);
    let parallel = parallel(&job, &fp)?;
    let st = start_state(&mut job, &mut opt, fp)?;
    let (st, grad_sync) = share_start(&job, &mut opt, st)?;
    let mut l = Loop::new(job, opt, st, grad_sync);
    let mut stopped_early = false;
    while l.st.epoch < l.job.cfg.epochs {
        l.epoch()?;
        l.use_average(); // `keep` goes back to the model's own weights
        let log = l.score()?;
        l.report(&log);
        l.keep(log)?;
        if l.patience_spent() {
            eprintln!(
                "[{}] early stop: no dev F1 gain for {} epochs",
                l.job.name, l.st.bad_epochs
            );
            stopped_early = true;
            break;
        }
    }
    let st = l.st;
    let best = st
        .history
        .iter()
        .find(|h| h.epoch == st.best_epoch)
        .cloned()
        .unwrap_or_else(|| st.history.last().cloned().expect("at least one epoch"));
    Ok(TrainOutcome {
        parallel,
        history: st.history,
        best,
        stopped_early,
        train_seconds: st.train_seconds,
        losses: st.losses,
    })
}

pub(super) fn is_main(job: &TrainJob) -> bool {
    job.dist.is_none_or(|d| d.is_main())
}

/// The processes training: this one, or the torchrun group (which must agree on `fp`).
fn parallel(job: &TrainJob, fp: &str) -> Result<Parallel> {
    let here = format!(
        "{}: {}",
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "host".into()),
        crate::util::hardware(job.model.device())
    );
    Ok(match job.dist {
        Some(d) => {
            d.agree("settings or data", fp)?;
            let devices = d.gather_json(&serde_json::Value::String(here))?;
            Parallel {
                world_size: d.world_size(),
                backend: d.backend.clone(),
                devices: devices
                    .iter()
                    .map(|v| v.as_str().unwrap_or("?").to_string())
                    .collect(),
            }
        }
        None => Parallel {
            world_size: 1,
            backend: "none".into(),
            devices: vec![here],
        },
    })
}

/// Rank 0 owns the run directory and the saved state: a fresh start, or the saved one on `--resume`
/// (refused when it was made with other data or hyperparameters).
fn start_state(job: &mut TrainJob, opt: &mut AdamW, fp: String) -> Result<LoopState> {
    let run = job.run_dir;
    let mut st = LoopState {
        fingerprint: fp.clone(),
        best_f1: -1.0,
        ..Default::default()
    };
    if !is_main(job) {
        return Ok(st);
    }
    std::fs::create_dir_all(run).map_err(|source| TrainError::RunDir {
        run: run.to_path_buf(),
        source,
    })?;
    // fp32 weights in the HF model, weights + two AdamW moments in the state file, and the state's
    // temp copy beside the old one while it is replaced: ~7 copies of the weights, plus slack.
    let weight_bytes = 4 * job.model.num_parameters().max(0) as u64;
    crate::util::check_free_space(run, 7 * weight_bytes + 16_000_000)?;
    if job.resume {
        if let Some(s) = state::load(run, job.model, opt)? {
            if s.fingerprint != fp {
                return Err(TrainError::ResumeMismatch {
                    run: run.to_path_buf(),
                    checkpoint: run.join("checkpoint"),
                }
                .into());
            }
            eprintln!(
                "[{}] resuming at epoch {} batch {} (step {})",
                job.name,
                s.epoch + 1,
                s.batch_in_epoch,
                s.global_step
            );
            st = s;
        }
    } else if state::state_path(run).exists() {
        return Err(TrainError::PreviousState {
            run: run.to_path_buf(),
        }
        .into());
    }
    Ok(st)
}

/// Every rank starts from rank 0's weights, moments and position (fresh or resumed); the gradient
/// all-reduce is set up over the parameters.
fn share_start<'a>(
    job: &TrainJob<'a>,
    opt: &mut AdamW,
    mut st: LoopState,
) -> Result<(LoopState, Option<GradSync<'a>>)> {
    let Some(d) = job.dist else {
        return Ok((st, None));
    };
    let mut all: Vec<Tensor> = opt.params().map(|p| p.shallow_clone()).collect();
    all.extend(opt.m.iter().map(|t| t.shallow_clone()));
    all.extend(opt.v.iter().map(|t| t.shallow_clone()));
    all.extend(opt.ema.iter().map(|t| t.shallow_clone()));
    broadcast_tensors(d, &all)?;
    let shared = d.broadcast_json(if d.is_main() {
        serde_json::to_value((&st, opt.step))?
    } else {
        serde_json::Value::Null
    })?;
    (st, opt.step) = serde_json::from_value(shared)?;
    let params: Vec<Tensor> = opt.params().map(|p| p.shallow_clone()).collect();
    Ok((st, Some(GradSync::new(d, &params)?)))
}
