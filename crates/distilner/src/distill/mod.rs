//! Distill stage: preflight checks before any training, the teacher-logit cache, and the KD objective.
pub mod attention;
pub mod cache;
pub mod config;
pub mod ensemble;
pub mod hidden;
pub mod kd;
pub mod label;
pub mod objectives;
pub mod preflight;
pub mod run;
pub mod teacher_windows;
pub mod transfer;

pub use cache::TeacherCache;
pub use config::DistillConfig;
pub use kd::KdObjective;
