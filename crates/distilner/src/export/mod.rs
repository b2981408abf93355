//! Export stage: the model card (README.md in the seed card's format, true numbers), metrics.json
//! and PNG learning curves for a run directory; the run directory compiled ahead of time.
pub mod card;
pub mod compiled;
#[cfg(feature = "plots")]
pub mod plots;
pub mod report;

pub use report::{report_kept, write_run_report, RunReport};
