//! One epoch of the training loop and what follows it: the optimisation steps (with the fault
//! injection tests use), the dev score (rank 0's, shared), the epoch's report, the best checkpoint
//! and the saved state.
use super::batches::{epoch_batches, make_batch};
use super::dist::GradSync;
use super::optim::{linear_schedule, AdamW};
use super::progress::Bar;
use super::state::{self, LoopState};
use super::trainer::{is_main, write_metrics_log, EpochLog, TrainJob};
use super::TrainError;
use crate::evaluate::evaluate_with_loss;
use crate::model::save_dir;
use anyhow::Result;
use std::time::Instant;
use tch::Tensor;

/// The loop's working set, between the start state and the outcome.
pub(super) struct Loop<'a> {
    pub(super) job: TrainJob<'a>,
    opt: AdamW,
    pub(super) st: LoopState,
    grad_sync: Option<GradSync<'a>>,
    main: bool,
    rank: usize,
    world: usize,
    lens: Vec<usize>,
    warmup: usize,
    total: usize,
    tag_opt: crate::infer::TagOptions,
    device: tch::Device,
    /// Without a terminal the bar is hidden; a line is printed every tenth of an epoch instead.
    tty: bool,
    /// The current epoch's running training loss (carried in the saved state: a resumed epoch
    /// reports the mean over all of its steps).
    loss_sum: f64,
    loss_n: usize,
}

impl<'a> Loop<'a> {
    pub(super) fn new(
        job: TrainJob<'a>,
        opt: AdamW,
        st: LoopState,
        grad_sync: Option<GradSync<'a>>,
    ) -> Self {
        let cfg = job.cfg;
        let main = is_main(&job);
        let (rank, world) = job.dist.map_or((0, 1), |d| (d.rank(), d.world_size()));
        let lens: Vec<usize> = job.train.iter().map(|e| e.input_ids.len()).collect();
        let total = lens.len().div_ceil(cfg.batch_size) * cfg.epochs;
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
        Loop {
            job,
            opt,
            st,
            grad_sync,
            main,
            rank,
            world,
            lens,
            warmup,
            total,
            tag_opt,
            device,
            tty: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            loss_sum: 0.0,
            loss_n: 0,
        }
    }

    /// The optimisation steps of one epoch (from where a resumed run stopped).
    pub(super) fn epoch(&mut self) -> Result<()> {
        let cfg = self.job.cfg;
        let batches = epoch_batches(&self.lens, cfg.batch_size, cfg.seed, self.st.epoch);
        let pb = Bar::new(
            batches.len() as u64,
            self.main,
            format!(
                "{} epoch {}/{}",
                self.job.name,
                self.st.epoch + 1,
                cfg.epochs
            ),
        );
        pb.set_position(self.st.batch_in_epoch as u64);
        let last_f1 = self
            .st
            .history
            .last()
            .map(|h| format!(" dev F1 {:.4}", h.f1))
            .unwrap_or_default();
        (self.loss_sum, self.loss_n) = (self.st.epoch_loss_sum, self.st.epoch_loss_n);
        let t0 = Instant::now();
        let first_batch = self.st.batch_in_epoch;
        let tenth = (batches.len() / 10).max(1);
        let purge_every = crate::util::purge_every_steps()?;
        for b in self.st.batch_in_epoch..batches.len() {
            let (lv, lr) = match self.step(&batches[b]) {
                Ok(x) => x,
                Err(e) => {
                    pb.abandon();
                    return Err(e);
                }
            };
            self.st.global_step += 1;
            self.st.batch_in_epoch = b + 1;
            if purge_every > 0 && self.st.global_step.is_multiple_of(purge_every) {
                crate::util::release_free_memory();
            }
            self.loss_sum += lv;
            self.loss_n += 1;
            (self.st.epoch_loss_sum, self.st.epoch_loss_n) = (self.loss_sum, self.loss_n);
            if self.st.global_step.is_multiple_of(10) {
                self.st.losses.push((self.st.global_step, lv, lr));
            }
            let mean = self.loss_sum / self.loss_n as f64;
            pb.set_position((b + 1) as u64);
            pb.set_message(format!("loss {mean:.4}{last_f1}"));
            if self.main && (b + 1) % tenth == 0 {
                if let Some(p) = self.job.progress {
                    p(&super::Progress::Step {
                        job: self.job.name.to_string(),
                        epoch: self.st.epoch + 1,
                        epochs: cfg.epochs,
                        batch: b + 1,
                        batches: batches.len(),
                        loss: mean,
                    });
                }
            }
            if self.main && !self.tty && (b + 1) % tenth == 0 {
                let el = t0.elapsed().as_secs_f64();
                let done_here = (b + 1 - first_batch) as f64;
                let eta = el / done_here * (batches.len() - b - 1) as f64;
                eprintln!(
                    "[{}] epoch {}/{} batch {}/{} loss {mean:.4}{last_f1} ({:.2} s/step, epoch ETA {:.0}s)",
                    self.job.name, self.st.epoch + 1, cfg.epochs, b + 1, batches.len(), el / done_here, eta
                );
            }
            if self.main
                && cfg.save_every > 0
                && self.st.global_step.is_multiple_of(cfg.save_every)
                && b + 1 < batches.len()
            {
                self.st.train_seconds += t0.elapsed().as_secs_f64();
                state::save(self.job.run_dir, self.job.model, &self.opt, &self.st)?;
                self.st.train_seconds -= t0.elapsed().as_secs_f64();
            }
            self.job
                .faults
                .after_step(self.st.global_step, self.job.name, self.rank);
        }
        if let tch::Device::Cuda(i) = self.device {
            // The epoch's last kernels have finished before its clock stops.
            tch::Cuda::synchronize(i as i64);
        }
        self.st.train_seconds += t0.elapsed().as_secs_f64();
        pb.finish_and_clear();
        Ok(())
    }

    /// One optimisation step on the rows of `batch` this rank takes: the loss, gradients summed over
    /// the group, clipping and the AdamW update. Returns the (global) loss and the learning rate.
    fn step(&mut self, batch: &[usize]) -> Result<(f64, f64)> {
        let (job, cfg, st) = (&self.job, self.job.cfg, &self.st);
        // Dropout randomness is a function of the step, so a resumed run draws the same masks.
        let step_seed = cfg
            .seed
            .wrapping_mul(1_000_003)
            .wrapping_add(st.global_step as u64);
        tch::manual_seed(step_seed as i64);
        let batch = make_batch(
            job.train,
            batch,
            (self.rank, self.world),
            job.tokenizer.pad_id,
            self.device,
        );
        crate::model::dropout::reseed(step_seed, batch.first_row);
        let lr = linear_schedule(cfg.learning_rate, st.global_step, self.warmup, self.total);
        let (mut grads, mut lv) = if batch.index.is_empty() {
            // A global batch smaller than the group: this rank adds nothing this step.
            (self.opt.params().map(|_| Tensor::new()).collect(), 0.0)
        } else {
            let out = job
                .model
                .forward_with(&batch.ids, &batch.mask, true, job.objective.wants());
            let loss = job.objective.loss(&out, &batch);
            let lv = loss.double_value(&[]);
            (self.opt.grads(&loss), lv)
        };
        if let Some(sync) = &self.grad_sync {
            lv = sync.all_reduce(&mut grads, lv)?;
        }
        lv = job.faults.loss(st.global_step, lv);
        if !lv.is_finite() {
            return Err(TrainError::NonFiniteLoss {
                job: job.name.to_string(),
                value: lv,
                step: st.global_step,
                epoch: st.epoch + 1,
                state: state::state_path(job.run_dir),
                run: job.run_dir.to_path_buf(),
                lr: cfg.learning_rate,
            }
            .into());
        }
        self.opt.clip_and_step(&grads, lr, cfg.max_grad_norm);
        Ok((lv, lr))
    }

    /// Rank 0 scores dev (the very evaluation one process runs) and every rank takes its row, so
    /// early stopping and the kept epoch are decided alike everywhere.
    pub(super) fn score(&self) -> Result<EpochLog> {
        let job = &self.job;
        let log = if self.main {
            let (report, dev_loss) = evaluate_with_loss(
                job.model,
                job.tokenizer,
                job.dev,
                job.dev_examples,
                &self.tag_opt,
            )?;
            EpochLog {
                epoch: self.st.epoch + 1,
                step: self.st.global_step,
                training_loss: if self.loss_n > 0 {
                    self.loss_sum / self.loss_n as f64
                } else {
                    f64::NAN
                },
                validation_loss: dev_loss,
                precision: report.precision,
                recall: report.recall,
                f1: report.f1,
                accuracy: report.accuracy,
                train_seconds: self.st.train_seconds,
            }
        } else {
            EpochLog::default() // replaced by rank 0's row below
        };
        Ok(match job.dist {
            Some(d) => serde_json::from_value(d.broadcast_json(serde_json::to_value(&log)?)?)?,
            None => log,
        })
    }

    /// The epoch's line on stderr and the progress callback's event.
    pub(super) fn report(&self, log: &EpochLog) {
        let (job, cfg) = (&self.job, self.job.cfg);
        if !self.main {
            eprintln!(
                "[{}] rank {}: epoch {}/{} done, train loss {:.4}, dev F1 {:.4} (scored on rank 0)",
                job.name, self.rank, log.epoch, cfg.epochs, log.training_loss, log.f1
            );
            return;
        }
        eprintln!(
            "[{}] epoch {}/{}: train loss {:.4}, dev loss {:.4}, dev P {:.4} R {:.4} F1 {:.4}, acc {:.4} ({:.0}s training so far)",
            job.name, log.epoch, cfg.epochs, log.training_loss, log.validation_loss, log.precision, log.recall, log.f1, log.accuracy, self.st.train_seconds
        );
        if let Some(p) = job.progress {
            p(&super::Progress::Epoch {
                job: job.name.to_string(),
                epoch: log.epoch,
                epochs: cfg.epochs,
                train_loss: log.training_loss,
                dev_loss: log.validation_loss,
                dev_precision: log.precision,
                dev_recall: log.recall,
                dev_f1: log.f1,
                seconds: self.st.train_seconds,
            });
        }
    }

    /// With weight averaging, the model holds the average from here to `keep`: it is scored, and
    /// kept when best.
    pub(super) fn use_average(&mut self) {
        self.opt.swap_ema();
    }

    /// The epoch into the history; its weights (the average, with weight averaging) as the run's
    /// model when its dev F1 is the best so far; the state and metrics log saved for a resume.
    pub(super) fn keep(&mut self, log: EpochLog) -> Result<()> {
        let result = self.keep_scored(log);
        self.opt.swap_ema(); // training goes on from the model's own weights, saved as such
        result?;
        self.save_state()
    }

    fn keep_scored(&mut self, log: EpochLog) -> Result<()> {
        let (job, st) = (&self.job, &mut self.st);
        st.history.push(log.clone());
        if log.f1 > st.best_f1 {
            st.best_f1 = log.f1;
            st.best_epoch = log.epoch;
            st.bad_epochs = 0;
            if self.main {
                save_dir(job.model, job.tokenizer, job.run_dir)?;
            }
        } else {
            st.bad_epochs += 1;
        }
        Ok(())
    }

    fn save_state(&mut self) -> Result<()> {
        let (job, st) = (&self.job, &mut self.st);
        crate::util::release_free_memory();
        st.epoch += 1;
        st.batch_in_epoch = 0;
        (st.epoch_loss_sum, st.epoch_loss_n) = (0.0, 0);
        if self.main {
            state::save(job.run_dir, job.model, &self.opt, st)?;
            write_metrics_log(job.run_dir, st)?;
        }
        Ok(())
    }

    /// Early stopping: `patience` epochs without a dev F1 gain, with epochs still to go.
    pub(super) fn patience_spent(&self) -> bool {
        let cfg = self.job.cfg;
        cfg.early_stopping_patience > 0
            && self.st.bad_epochs >= cfg.early_stopping_patience
            && self.st.epoch < cfg.epochs
    }
}
