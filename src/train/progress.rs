//! What a training run reports while it runs, for callers that are not a terminal (the Python
//! package's progress callback). The CLI prints its own lines; this is the same information as data.
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
    /// Every tenth of an epoch: the running mean training loss of the epoch so far.
    Step {
        job: String,
        epoch: usize,
        epochs: usize,
        batch: usize,
        batches: usize,
        loss: f64,
    },
    /// The end of an epoch, after the dev evaluation.
    Epoch {
        job: String,
        epoch: usize,
        epochs: usize,
        train_loss: f64,
        dev_loss: f64,
        dev_precision: f64,
        dev_recall: f64,
        dev_f1: f64,
        seconds: f64,
    },
}

/// A progress receiver. It runs on the training thread: it should return quickly.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;
