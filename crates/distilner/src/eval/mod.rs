//! Eval stage: seqeval/conlleval-identical metrics and the conlleval text report. Pure: tags in,
//! numbers out (running a model over a corpus is `evaluate`'s).
pub mod conlleval;
pub mod metrics;
pub mod seqeval;

pub use metrics::{score, Mode, Prf, Report};
