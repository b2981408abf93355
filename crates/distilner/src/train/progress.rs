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

/// A terminal progress bar (indicatif, feature `progress-bars`); without the feature, or when `shown`
/// is false, it draws nothing. Library users follow training through [`ProgressFn`] instead.
pub struct Bar {
    #[cfg(feature = "progress-bars")]
    inner: indicatif::ProgressBar,
}

impl Bar {
    /// A bar of `len` steps labelled `prefix`.
    #[cfg_attr(not(feature = "progress-bars"), allow(unused_variables))]
    pub fn new(len: u64, shown: bool, prefix: String) -> Self {
        #[cfg(feature = "progress-bars")]
        {
            let pb = if shown {
                indicatif::ProgressBar::new(len)
            } else {
                indicatif::ProgressBar::hidden()
            };
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {pos}/{len} {per_sec} ETA {eta} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            Bar {
                inner: pb.with_prefix(prefix),
            }
        }
        #[cfg(not(feature = "progress-bars"))]
        Bar {}
    }

    #[cfg_attr(not(feature = "progress-bars"), allow(unused_variables))]
    pub fn set_position(&self, pos: u64) {
        #[cfg(feature = "progress-bars")]
        self.inner.set_position(pos);
    }

    #[cfg_attr(not(feature = "progress-bars"), allow(unused_variables))]
    pub fn inc(&self, n: u64) {
        #[cfg(feature = "progress-bars")]
        self.inner.inc(n);
    }

    #[cfg_attr(not(feature = "progress-bars"), allow(unused_variables))]
    pub fn set_message(&self, msg: String) {
        #[cfg(feature = "progress-bars")]
        self.inner.set_message(msg);
    }

    /// Leaves the bar where it stopped (a run that ends early).
    pub fn abandon(&self) {
        #[cfg(feature = "progress-bars")]
        self.inner.abandon();
    }

    pub fn finish_and_clear(&self) {
        #[cfg(feature = "progress-bars")]
        self.inner.finish_and_clear();
    }
}
