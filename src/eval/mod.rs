//! Eval stage: entity chunking, seqeval/conlleval-identical metrics, the conlleval text report.
pub mod conlleval;
pub mod dataset;
pub mod entities;
pub mod metrics;
pub mod precision;
pub mod seqeval;
pub mod tagging;

pub use metrics::{score, Mode, Prf, Report};
