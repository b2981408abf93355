//! Why a training run stopped or would not start.
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(
        "[{job}] the loss became {value} at step {step} (epoch {epoch}); training stopped. The last good state is kept in {} \
         and the best model so far in {}. Lower --lr (now {lr}) or check the data.",
        state.display(),
        run.display()
    )]
    NonFiniteLoss {
        job: String,
        value: f64,
        step: usize,
        epoch: usize,
        state: PathBuf,
        run: PathBuf,
        lr: f64,
    },
    #[error(
        "{}: the saved state was made with other data or hyperparameters; resume with the same command, or delete {} to start over",
        run.display(),
        checkpoint.display()
    )]
    ResumeMismatch { run: PathBuf, checkpoint: PathBuf },
    #[error("{}: holds a previous run's state; pass --resume to continue it, or choose another --out", run.display())]
    PreviousState { run: PathBuf },
    #[error("{}: cannot create the run directory: {source}", run.display())]
    RunDir {
        run: PathBuf,
        source: std::io::Error,
    },
}
