//! Whole runs, end to end: a training stage's run (`train::finetune`, `distill::run`) and then the
//! export stage's report on the checkpoint it kept. The shells (CLI, Python) call these; a library
//! user who wants the checkpoint without the card calls the stage's `run` directly.
use crate::distill::run::DistillArgs;
use crate::export::{report_kept, write_run_report, RunReport};
use crate::train::finetune::FinetuneArgs;
use crate::train::Finished;

/// Fine-tune and report (metrics.json, the card, curves); `None` on ranks other than 0.
pub fn finetune(a: FinetuneArgs) -> crate::Result<Option<RunReport>> {
    report(crate::train::finetune::run(a)?)
}

/// Distil and report (metrics.json, the card, curves); `None` on ranks other than 0.
pub fn distill(a: DistillArgs) -> crate::Result<Option<RunReport>> {
    report(crate::distill::run::run(a)?)
}

fn report(finished: Option<Finished>) -> crate::Result<Option<RunReport>> {
    let Some(f) = finished else {
        return Ok(None);
    };
    let dir = f.dir.clone();
    let r = report_kept(f)?;
    write_run_report(&dir, &r)?;
    Ok(Some(r))
}
