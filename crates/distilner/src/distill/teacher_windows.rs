//! The teacher's logits over its own windows. A teacher fine-tuned with document context is applied
//! with it (its tagging.json, or `--teacher-context`) even when the student reads sentences alone:
//! the student learns from the teacher's context-informed predictions and pays nothing for the
//! context at inference.
use super::TeacherCache;
use crate::data::{Corpus, LabelSet};
use crate::infer::TagOptions;
use crate::model::TokenClassifier;
use crate::tokenize::NerTokenizer;
use crate::train::dist::Dist;
use crate::train::{prepare, Example};
use anyhow::{bail, Result};

/// The student's training examples and how they were cut from the training split.
pub struct StudentWindows<'a> {
    pub corpus: &'a Corpus,
    pub examples: &'a [Example],
    pub tokenizer: &'a NerTokenizer,
    pub labels: &'a LabelSet,
    pub win: TagOptions,
    pub all_subtokens: bool,
    /// KD over every real token (context positions included).
    pub kd_all_tokens: bool,
}

/// How the cache is built: the teacher's model, its label columns in the student's order, its
/// document context per side, the batch size and the torchrun group.
pub struct TeacherRun<'a> {
    pub model: &'a TokenClassifier,
    pub col_map: &'a [usize],
    pub context: usize,
    pub batch_size: usize,
    pub dist: Option<&'a Dist>,
}

/// Teacher logits for every student example: over the student's own windows when the contexts
/// agree, else over the teacher's windows of the same sentences, re-seated onto the student's.
pub fn teacher_cache(t: &TeacherRun, s: &StudentWindows) -> Result<TeacherCache> {
    let pad = s.tokenizer.pad_id;
    if t.context == s.win.context {
        return TeacherCache::build(t.model, s.examples, t.col_map, pad, t.batch_size, t.dist);
    }
    if s.kd_all_tokens && s.win.context > 0 {
        bail!(
            "--kd-all-tokens distils the student's context positions too, which a teacher reading {} sub-tokens of context (the student reads {}) does not see the same way; give the student the teacher's context (--context {}) or --teacher-context {}",
            t.context,
            s.win.context,
            t.context,
            s.win.context
        );
    }
    let own = prepare(
        s.corpus,
        s.tokenizer,
        s.labels,
        &TagOptions {
            context: t.context,
            ..s.win
        },
        s.all_subtokens,
    )?;
    TeacherCache::build(t.model, &own, t.col_map, pad, t.batch_size, t.dist)?.onto(&own, s.examples)
}
