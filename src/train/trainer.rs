//! The training loop: one epoch after another, dev evaluation after each, the best checkpoint kept
//! as the run's HF model, resumable state saved atomically, NaN/inf stops with a clear message.
use super::batches::{epoch_batches, make_batch};
use super::dist::{broadcast_tensors, Dist, GradSync};
use super::optim::{linear_schedule, AdamW};
use super::state::{self, LoopState};
use super::{Example, Objective, TrainConfig};
use crate::data::Corpus;
use crate::eval::dataset::evaluate_with_loss;
use crate::model::{save_dir, TokenClassifier};
use crate::tokenize::NerTokenizer;
use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;
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
    /// Fault injection for tests: pretend the loss is NaN at this global step.
    pub nan_at_step: Option<usize>,
    /// Fault injection for tests: exit the process (as if killed) after this global step.
    pub exit_after_step: Option<usize>,
    /// Fault injection for tests: stop answering (sleep) after this global step.
    pub hang_after_step: Option<usize>,
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
    let dist = job.dist;
    let main = dist.is_none_or(|d| d.is_main());
    let (rank, world) = dist.map_or((0, 1), |d| (d.rank(), d.world_size()));
    let mut opt = AdamW::new(
        &job.model.vs,
        cfg.adam_beta1,
        cfg.adam_beta2,
        cfg.adam_epsilon,
        cfg.weight_decay,
    );
    let fp = fingerprint(&job);
    let here = format!(
        "{}: {}",
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "host".into()),
        crate::util::hardware(job.model.device())
    );
    let parallel = match dist {
        Some(d) => {
            d.agree("settings or data", &fp)?;
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
    };
    let mut st = LoopState {
        fingerprint: fp.clone(),
        best_f1: -1.0,
        ..Default::default()
    };
    // Rank 0 owns the run directory and the saved state; the others receive what it decided.
    if main {
        std::fs::create_dir_all(run).map_err(|e| {
            anyhow::anyhow!("{}: cannot create the run directory: {e}", run.display())
        })?;
        // fp32 weights in the HF model, weights + two AdamW moments in the state file, and the state's
        // temp copy beside the old one while it is replaced: ~7 copies of the weights, plus slack.
        let weight_bytes = 4 * job.model.num_parameters().max(0) as u64;
        crate::util::check_free_space(run, 7 * weight_bytes + 16_000_000)?;
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
    }
    let grad_sync = match dist {
        Some(d) => {
            // Every rank starts from rank 0's weights, moments and position (fresh or resumed).
            let mut all: Vec<Tensor> = opt.params().map(|p| p.shallow_clone()).collect();
            all.extend(opt.m.iter().map(|t| t.shallow_clone()));
            all.extend(opt.v.iter().map(|t| t.shallow_clone()));
            broadcast_tensors(d, &all)?;
            let shared = d.broadcast_json(if main {
                serde_json::to_value((&st, opt.step))?
            } else {
                serde_json::Value::Null
            })?;
            (st, opt.step) = serde_json::from_value(shared)?;
            let params: Vec<Tensor> = opt.params().map(|p| p.shallow_clone()).collect();
            Some(GradSync::new(d, &params)?)
        }
        None => None,
    };
    let lens: Vec<usize> = job.train.iter().map(|e| e.input_ids.len()).collect();
    let per_epoch = lens.len().div_ceil(cfg.batch_size);
    let total = per_epoch * cfg.epochs;
    let warmup = (cfg.warmup_ratio * total as f64) as usize;
    let tag_opt = cfg.tag_options().fit(job.model);
    let device = job.model.device();
    let precision = cfg.precision(device);
    job.model.set_precision(precision);
    if cfg.mixed_precision && main {
        eprintln!("[{}] precision: {}", job.name, precision.name());
    }
    if main {
        eprintln!(
            "[{}] {} training examples, {} sub-tokens (document context: {} per side)",
            job.name,
            job.train.len(),
            lens.iter().sum::<usize>(),
            cfg.document_context
        );
    }
    let mut stopped_early = false;
    // Without a terminal the bar is hidden; print a line every tenth of an epoch instead.
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());

    while st.epoch < cfg.epochs {
        let batches = epoch_batches(&lens, cfg.batch_size, cfg.seed, st.epoch);
        let pb = if main {
            ProgressBar::new(batches.len() as u64)
        } else {
            ProgressBar::hidden()
        }
        .with_prefix(format!(
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
            let batch = make_batch(
                job.train,
                &batches[b],
                (rank, world),
                job.tokenizer.pad_id,
                device,
            );
            crate::model::dropout::reseed(step_seed, batch.first_row);
            let lr = linear_schedule(cfg.learning_rate, st.global_step, warmup, total);
            let (mut grads, mut lv) = if batch.index.is_empty() {
                // A global batch smaller than the group: this rank adds nothing this step.
                (opt.params().map(|_| Tensor::new()).collect(), 0.0)
            } else {
                let out =
                    job.model
                        .forward_with(&batch.ids, &batch.mask, true, job.objective.wants());
                let loss = job.objective.loss(&out, &batch);
                let lv = loss.double_value(&[]);
                (opt.grads(&loss), lv)
            };
            if let Some(sync) = &grad_sync {
                lv = sync.all_reduce(&mut grads, lv)?;
            }
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
            if main && (b + 1) % (batches.len() / 10).max(1) == 0 {
                if let Some(p) = job.progress {
                    p(&super::Progress::Step {
                        job: job.name.to_string(),
                        epoch: st.epoch + 1,
                        epochs: cfg.epochs,
                        batch: b + 1,
                        batches: batches.len(),
                        loss: loss_sum / loss_n as f64,
                    });
                }
            }
            if main && !tty && (b + 1) % (batches.len() / 10).max(1) == 0 {
                let el = t0.elapsed().as_secs_f64();
                let done_here = (b + 1 - first_batch) as f64;
                let eta = el / done_here * (batches.len() - b - 1) as f64;
                eprintln!(
                    "[{}] epoch {}/{} batch {}/{} loss {:.4}{last_f1} ({:.2} s/step, epoch ETA {:.0}s)",
                    job.name, st.epoch + 1, cfg.epochs, b + 1, batches.len(), loss_sum / loss_n as f64, el / done_here, eta
                );
            }
            if main
                && cfg.save_every > 0
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
            if job.hang_after_step == Some(st.global_step) {
                eprintln!(
                    "[{}] rank {rank}: fault injection: no longer answering",
                    job.name
                );
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(3600));
                }
            }
        }
        if let tch::Device::Cuda(i) = device {
            // The epoch's last kernels have finished before its clock stops.
            tch::Cuda::synchronize(i as i64);
        }
        st.train_seconds += t0.elapsed().as_secs_f64();
        pb.finish_and_clear();
        // Rank 0 scores dev (the very evaluation one process runs) and every rank takes its row, so
        // early stopping and the kept epoch are decided alike everywhere.
        let log = if main {
            let (report, dev_loss) = evaluate_with_loss(
                job.model,
                job.tokenizer,
                job.dev,
                job.dev_examples,
                &tag_opt,
            )?;
            EpochLog {
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
            }
        } else {
            EpochLog::default() // replaced by rank 0's row below
        };
        let log: EpochLog = match dist {
            Some(d) => serde_json::from_value(d.broadcast_json(serde_json::to_value(&log)?)?)?,
            None => log,
        };
        let dev_loss = log.validation_loss;
        if !main {
            eprintln!(
                "[{}] rank {rank}: epoch {}/{} done, train loss {:.4}, dev F1 {:.4} (scored on rank 0)",
                job.name, log.epoch, cfg.epochs, log.training_loss, log.f1
            );
        }
        if main {
            eprintln!(
                "[{}] epoch {}/{}: train loss {:.4}, dev loss {:.4}, dev P {:.4} R {:.4} F1 {:.4}, acc {:.4} ({:.0}s training so far)",
                job.name, log.epoch, cfg.epochs, log.training_loss, dev_loss, log.precision, log.recall, log.f1, log.accuracy, st.train_seconds
            );
        }
        if let (true, Some(p)) = (main, job.progress) {
            p(&super::Progress::Epoch {
                job: job.name.to_string(),
                epoch: log.epoch,
                epochs: cfg.epochs,
                train_loss: log.training_loss,
                dev_loss,
                dev_precision: log.precision,
                dev_recall: log.recall,
                dev_f1: log.f1,
                seconds: st.train_seconds,
            });
        }
        st.history.push(log.clone());
        if log.f1 > st.best_f1 {
            st.best_f1 = log.f1;
            st.best_epoch = log.epoch;
            st.bad_epochs = 0;
            if main {
                save_dir(job.model, job.tokenizer, run)?;
            }
        } else {
            st.bad_epochs += 1;
        }
        crate::util::release_free_memory();
        st.epoch += 1;
        st.batch_in_epoch = 0;
        (st.epoch_loss_sum, st.epoch_loss_n) = (0.0, 0);
        if main {
            state::save(run, job.model, &opt, &st)?;
            write_metrics_log(run, &st)?;
        }
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
        parallel,
        history: st.history,
        best,
        stopped_early,
        train_seconds: st.train_seconds,
        losses: st.losses,
    })
}
