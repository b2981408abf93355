//! Train stage: the loop shared by `finetune` and `distill` (AdamW, warmup + linear decay, clipping,
//! per-epoch dev evaluation, best checkpoint, early stopping, atomic resumable state).
pub mod batches;
pub mod ce;
pub mod config;
pub mod dist;
mod epoch;
pub mod error;
pub mod faults;
pub mod finetune;
pub mod layer_decay;
pub mod optim;
pub mod origin;
pub mod progress;
pub mod state;
pub mod trainer;

pub use batches::{prepare, prepare_splits, Batch, Example};
pub use config::TrainConfig;
pub use error::TrainError;
pub use faults::Faults;
pub use origin::{Finished, Origin, TeacherSummary};
pub use progress::{Progress, ProgressFn};
pub use trainer::{train, EpochLog, Parallel, TrainOutcome};

use crate::model::{Output, Want};
use tch::Tensor;

/// What the trainer minimises. Adding a loss means adding one implementation of this trait.
pub trait Objective {
    /// The loss of one batch given the model's output.
    fn loss(&self, out: &Output, batch: &Batch) -> Tensor;
    /// What the model's forward pass must collect besides the logits.
    fn wants(&self) -> Want {
        Want::default()
    }
    fn name(&self) -> &'static str;
}
