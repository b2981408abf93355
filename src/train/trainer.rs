//! The training loop: one epoch after another, dev evaluation after each, the best checkpoint kept
//! as the run's HF model, resumable state saved atomically, NaN/inf stops with a clear message.
use super::batches::{epoch_batches, make_batch};
use super::optim::{linear_schedule, AdamW};
use super::state::{self, LoopState};
use super::{Example, Objective, TrainConfig};
use crate::data::Corpus;
use crate::eval::dataset::evaluate_with_loss;
use crate::infer::TagOptions;
use crate::model::{save_dir, TokenClassifier};
use crate::tokenize::NerTokenizer;
use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// One row of the per-epoch table (the model card's format).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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

pub struct TrainOutcome {
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
    /// Fault injection for tests: pretend the loss is NaN at this global step.
    pub nan_at_step: Option<usize>,
    /// Fault injection for tests: exit the process (as if killed) after this global step.
    pub exit_after_step: Option<usize>,
}

/// What a resumed run must share with the saved one: the job, the hyperparameters and the exact
/// training and dev examples (token ids and labels, hashed), so other data of the same size is refused.
fn fingerprint(job: &TrainJob) -> String {
    use std::hash::{Hash, Hasher};
    let n_tokens: usize = job.train.iter().map(|e| e.input_ids.len()).sum();
    // DefaultHasher::new() has fixed keys; a new Rust release may change it, which at worst refuses a
    // resume across a toolchain upgrade.
    let mut h = std::hash::DefaultHasher::new();
    for e in job.train.iter().chain(job.dev_examples.iter()) {
        e.input_ids.hash(&mut h);
        e.labels.hash(&mut h);
    }
    format!(
        "{}|{}|{}|{:016x}|{}",
        job.name,
        job.train.len(),
        n_tokens,
        h.finish(),
        toml::to_string(job.cfg).unwrap_or_default()
    )
}

fn write_metrics_log(run: &Path, st: &LoopState) -> Result<()> {
    let mut s = String::new();
    for (step, loss, lr) in &st.losses {
        s += &serde_json::json!({"step": step, "loss": loss, "learning_rate": lr}).to_string();
        s.push('\n');
    }
    for e in &st.history {
        s += &serde_json::to_string(e)?;
        s.push('\n');
    }
    crate::util::write_atomic(&run.join("metrics.jsonl"), s.as_bytes())
}

pub fn train(job: TrainJob) -> Result<TrainOutcome> {
    let cfg = job.cfg;
    let run = job.run_dir;
    std::fs::create_dir_all(run)
        .map_err(|e| anyhow::anyhow!("{}: cannot create the run directory: {e}", run.display()))?;
    // fp32 weights in the HF model, weights + two AdamW moments in the state file, and the state's
    // temp copy beside the old one while it is replaced: ~7 copies of the weights, plus slack.
    let weight_bytes = 4 * job.model.num_parameters().max(0) as u64;
    crate::util::check_free_space(run, 7 * weight_bytes + 16_000_000)?;
    let mut opt = AdamW::new(
        &job.model.vs,
        cfg.adam_beta1,
        cfg.adam_beta2,
        cfg.adam_epsilon,
        cfg.weight_decay,
    );
    let fp = fingerprint(&job);
    let mut st = LoopState {
        fingerprint: fp.clone(),
        best_f1: -1.0,
        ..Default::default()
    };
    if job.resume {
        if let Some(s) = state::load(run, job.model, &mut opt)? {
            if s.fingerprint != fp {
                bail!(
                    "{}: the saved state was made with other data or hyperparameters; resume with the same command, or delete {} to start over",
                    run.display(),
                    run.join("checkpoint").display()
                );
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
        bail!("{}: holds a previous run's state; pass --resume to continue it, or choose another --out", run.display());
    }
    let lens: Vec<usize> = job.train.iter().map(|e| e.input_ids.len()).collect();
    let per_epoch = lens.len().div_ceil(cfg.batch_size);
    let total = per_epoch * cfg.epochs;
    let warmup = (cfg.warmup_ratio * total as f64) as usize;
    let tag_opt = TagOptions {
        max_len: cfg.max_len,
        stride: cfg.stride,
        batch_size: cfg.eval_batch_size,
    }
    .fit(job.model);
    let device = job.model.device();
    let precision = cfg.precision(device);
    job.model.set_precision(precision);
    if cfg.mixed_precision {
        eprintln!("[{}] precision: {}", job.name, precision.name());
    }
    let mut stopped_early = false;
    // Without a terminal the bar is hidden; print a line every tenth of an epoch instead.
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());

    while st.epoch < cfg.epochs {
        let batches = epoch_batches(&lens, cfg.batch_size, cfg.seed, st.epoch);
        let pb = ProgressBar::new(batches.len() as u64).with_prefix(format!(
            "{} epoch {}/{}",
            job.name,
            st.epoch + 1,
            cfg.epochs
        ));
        pb.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} {per_sec} ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb.set_position(st.batch_in_epoch as u64);
        let last_f1 = st
            .history
            .last()
            .map(|h| format!(" dev F1 {:.4}", h.f1))
            .unwrap_or_default();
        // Carried in the saved state: a resumed epoch reports the mean over all of its steps.
        let (mut loss_sum, mut loss_n) = (st.epoch_loss_sum, st.epoch_loss_n);
        let t0 = Instant::now();
        let first_batch = st.batch_in_epoch;
        for b in st.batch_in_epoch..batches.len() {
            // Dropout randomness is a function of the step, so a resumed run draws the same masks.
            let step_seed = cfg
                .seed
                .wrapping_mul(1_000_003)
                .wrapping_add(st.global_step as u64);
            tch::manual_seed(step_seed as i64);
            crate::model::dropout::reseed(step_seed);
            let batch = make_batch(job.train, &batches[b], job.tokenizer.pad_id, device);
            let lr = linear_schedule(cfg.learning_rate, st.global_step, warmup, total);
            let out =
                job.model
                    .forward(&batch.ids, &batch.mask, true, job.objective.wants_hidden());
            let loss = job.objective.loss(&out, &batch);
            let mut lv = loss.double_value(&[]);
            if job.nan_at_step == Some(st.global_step) {
                lv = f64::NAN;
            }
            if !lv.is_finite() {
                pb.abandon();
                bail!(
                    "[{}] the loss became {lv} at step {} (epoch {}); training stopped. The last good state is kept in {} \
                     and the best model so far in {}. Lower --lr (now {}) or check the data.",
                    job.name,
                    st.global_step,
                    st.epoch + 1,
                    state::state_path(run).display(),
                    run.display(),
                    cfg.learning_rate
                );
            }
            let grads = opt.grads(&loss);
            opt.clip_and_step(&grads, lr, cfg.max_grad_norm);
            st.global_step += 1;
            st.batch_in_epoch = b + 1;
            loss_sum += lv;
            loss_n += 1;
            (st.epoch_loss_sum, st.epoch_loss_n) = (loss_sum, loss_n);
            if st.global_step.is_multiple_of(10) {
                st.losses.push((st.global_step, lv, lr));
            }
            pb.set_position((b + 1) as u64);
            pb.set_message(format!("loss {:.4}{last_f1}", loss_sum / loss_n as f64));
            if !tty && (b + 1) % (batches.len() / 10).max(1) == 0 {
                let el = t0.elapsed().as_secs_f64();
                let done_here = (b + 1 - first_batch) as f64;
                let eta = el / done_here * (batches.len() - b - 1) as f64;
                eprintln!(
                    "[{}] epoch {}/{} batch {}/{} loss {:.4}{last_f1} ({:.2} s/step, epoch ETA {:.0}s)",
                    job.name, st.epoch + 1, cfg.epochs, b + 1, batches.len(), loss_sum / loss_n as f64, el / done_here, eta
                );
            }
            if cfg.save_every > 0
                && st.global_step.is_multiple_of(cfg.save_every)
                && b + 1 < batches.len()
            {
                st.train_seconds += t0.elapsed().as_secs_f64();
                state::save(run, job.model, &opt, &st)?;
                st.train_seconds -= t0.elapsed().as_secs_f64();
            }
            if job.exit_after_step == Some(st.global_step) {
                std::process::exit(137);
            }
        }
        st.train_seconds += t0.elapsed().as_secs_f64();
        pb.finish_and_clear();
        let (report, dev_loss) = evaluate_with_loss(
            job.model,
            job.tokenizer,
            job.dev,
            job.dev_examples,
            &tag_opt,
        )?;
        let log = EpochLog {
            epoch: st.epoch + 1,
            step: st.global_step,
            training_loss: if loss_n > 0 {
                loss_sum / loss_n as f64
            } else {
                f64::NAN
            },
            validation_loss: dev_loss,
            precision: report.precision,
            recall: report.recall,
            f1: report.f1,
            accuracy: report.accuracy,
            train_seconds: st.train_seconds,
        };
        eprintln!(
            "[{}] epoch {}/{}: train loss {:.4}, dev loss {:.4}, dev P {:.4} R {:.4} F1 {:.4}, acc {:.4} ({:.0}s training so far)",
            job.name, log.epoch, cfg.epochs, log.training_loss, dev_loss, log.precision, log.recall, log.f1, log.accuracy, st.train_seconds
        );
        st.history.push(log.clone());
        if log.f1 > st.best_f1 {
            st.best_f1 = log.f1;
            st.best_epoch = log.epoch;
            st.bad_epochs = 0;
            save_dir(job.model, job.tokenizer, run)?;
        } else {
            st.bad_epochs += 1;
        }
        crate::util::release_free_memory();
        st.epoch += 1;
        st.batch_in_epoch = 0;
        (st.epoch_loss_sum, st.epoch_loss_n) = (0.0, 0);
        state::save(run, job.model, &opt, &st)?;
        write_metrics_log(run, &st)?;
        if cfg.early_stopping_patience > 0
            && st.bad_epochs >= cfg.early_stopping_patience
            && st.epoch < cfg.epochs
        {
            eprintln!(
                "[{}] early stop: no dev F1 gain for {} epochs",
                job.name, st.bad_epochs
            );
            stopped_early = true;
            break;
        }
    }
    let best = st
        .history
        .iter()
        .find(|h| h.epoch == st.best_epoch)
        .cloned()
        .unwrap_or_else(|| st.history.last().cloned().expect("at least one epoch"));
    Ok(TrainOutcome {
        history: st.history,
        best,
        stopped_early,
        train_seconds: st.train_seconds,
        losses: st.losses,
    })
}
