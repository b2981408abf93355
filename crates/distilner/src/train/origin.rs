//! What a finished training run hands to its report: where the kept checkpoint lives, how it was
//! trained, what it came from, and the splits it is scored on. The run functions stop here; the
//! report (scoring the kept checkpoint, the card) is the export stage's, so training never calls it.
use super::{TrainConfig, TrainOutcome};
use crate::data::{Corpus, SplitSummary};
use serde::Serialize;
use std::path::PathBuf;

/// A teacher as a distillation run measured it.
#[derive(Debug, Clone, Serialize)]
pub struct TeacherSummary {
    pub name: String,
    pub layers: i64,
    pub parameters: i64,
    pub dev_f1: f64,
    pub test_f1: f64,
}

/// Where a run came from, for its report.
pub struct Origin {
    /// "a fine-tuned version of" / "a distilled student of".
    pub what: &'static str,
    pub base_model: String,
    pub teacher: Option<TeacherSummary>,
    pub other_teachers: Vec<TeacherSummary>,
    pub kd: Option<String>,
    /// A distillation's settings as used, as the `[distill]` table saved beside the training
    /// settings (a table, so training need not know the distill stage's types).
    pub distill: Option<toml::Table>,
    /// Seconds to add to the loop's own time (e.g. the teacher-logit cache).
    pub extra_seconds: f64,
    pub data: Vec<SplitSummary>,
}

/// A run whose loop has finished (on rank 0; other ranks have nothing to report).
pub struct Finished {
    /// The run directory: the kept (best-dev) checkpoint, its state and logs.
    pub dir: PathBuf,
    pub cfg: TrainConfig,
    pub outcome: TrainOutcome,
    pub origin: Origin,
    pub dev: Corpus,
    pub test: Option<Corpus>,
}
