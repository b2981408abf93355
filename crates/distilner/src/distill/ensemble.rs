//! The further teachers of a multi-teacher distillation: each is checked like the first (labels by
//! name, the same tokenizer as the student, its own dev F1 through distilner) and its logits cached
//! once over the training examples; `TeacherCache::ensemble` averages them.
use super::teacher_windows::{teacher_cache, StudentWindows, TeacherRun};
use super::{preflight, TeacherCache};
use crate::data::{Corpus, LabelSet};
use crate::eval::Mode;
use crate::evaluate::evaluate;
use crate::infer::tagging::Tagging;
use crate::infer::TagOptions;
use crate::model::{hub, load_dir, Head};
use crate::train::dist::Dist;
use crate::train::TeacherSummary;
use crate::train::TrainConfig;
use anyhow::{bail, Result};

/// What every further teacher is checked against and cached over.
pub struct Member<'a> {
    pub student_labels: &'a LabelSet,
    pub data_labels: &'a LabelSet,
    /// The student's windows the logits are cached for.
    pub windows: &'a StudentWindows<'a>,
    /// Context per side every teacher reads (None: its own, from its tagging.json).
    pub teacher_context: Option<usize>,
    pub dev: &'a Corpus,
    /// Scored for the report when given (rank 0).
    pub test: Option<&'a Corpus>,
    pub opt: TagOptions,
    pub cfg: &'a TrainConfig,
    pub min_teacher_f1: f64,
    pub device: tch::Device,
    pub dist: Option<&'a Dist>,
}

/// Load teacher `name`, check it, and cache its logits (columns in the student's label order).
pub fn member_cache(name: &str, m: &Member) -> Result<(TeacherCache, TeacherSummary)> {
    let dir = hub::resolve(name)?;
    let mut t = load_dir(&dir, Head::Keep, m.device)?;
    preflight::check_labels(m.data_labels, &t.model.labels)
        .map_err(|e| anyhow::anyhow!("teacher {name}: {e:#}"))?;
    let tok = m.windows.tokenizer;
    if t.tokenizer.inner.get_vocab(true) != tok.inner.get_vocab(true)
        || t.tokenizer.lowercase != tok.lowercase
    {
        bail!("teacher {name}: its tokenizer differs from the first teacher's; every teacher must read the student's sub-tokens");
    }
    let opt = Tagging::load(&dir)?.map_or(m.opt, |g| g.apply(m.opt));
    // Rank 0 scores the teacher on dev and tells the others (one process: itself).
    let dev_f1 = if m.dist.is_none_or(|d| d.is_main()) {
        evaluate(&t.model, &t.tokenizer, m.dev, &opt, Mode::Default)?
            .0
            .f1
    } else {
        0.0
    };
    let dev_f1 = match m.dist {
        Some(d) => d
            .broadcast_json(serde_json::json!(dev_f1))?
            .as_f64()
            .unwrap_or(f64::NAN),
        None => dev_f1,
    };
    preflight::check_teacher_f1(dev_f1, m.min_teacher_f1, m.data_labels, &t.model.labels)
        .map_err(|e| anyhow::anyhow!("teacher {name}: {e:#}"))?;
    let test_f1 = match m.test {
        Some(c) => {
            evaluate(&t.model, &t.tokenizer, c, &opt, Mode::Default)?
                .0
                .f1
        }
        None => f64::NAN,
    };
    let col_map = preflight::check_labels(m.student_labels, &t.model.labels)?;
    t.model.set_inference_precision(m.cfg.precision(m.device))?;
    let cache = teacher_cache(
        &TeacherRun {
            model: &t.model,
            col_map: &col_map,
            context: m.teacher_context.unwrap_or(opt.context),
            batch_size: m.cfg.eval_batch_size,
            dist: m.dist,
        },
        m.windows,
    )?;
    Ok((
        cache,
        TeacherSummary {
            name: name.to_string(),
            layers: t.model.config.layers,
            parameters: t.model.num_parameters(),
            dev_f1,
            test_f1,
        },
    ))
}
