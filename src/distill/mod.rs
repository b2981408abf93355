//! Distill stage: preflight checks before any training, the teacher-logit cache, and the KD objective.
pub mod cache;
pub mod hidden;
pub mod kd;
pub mod preflight;
pub mod run;
pub mod transfer;

pub use cache::TeacherCache;
pub use kd::KdObjective;
