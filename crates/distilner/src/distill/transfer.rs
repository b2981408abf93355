//! Training examples from a soft-label transfer set (`distilner label`): the teacher's word-level
//! tags become the examples' labels (the CE term's pseudo-labels) and its top-k probabilities their
//! cached teacher targets, every label matched to the student's by name.
use crate::data::transfer_set::{parts, read_part};
use crate::data::LabelSet;
use crate::infer::TagOptions;
use crate::tokenize::{align::label_ids, windows, NerTokenizer};
use crate::train::Example;
use anyhow::{bail, Result};
use std::path::PathBuf;
use tch::Tensor;

/// Examples (sentence indices from `first_sentence` on) and, per example, [len, labels] teacher
/// log-probabilities in the student's label order. A word's probability mass outside its top k is
/// spread evenly over the other labels; [CLS]/[SEP] get a uniform row (they carry no KD loss unless
/// `--kd-all-tokens`). Every sub-token of a word gets the word's distribution.
pub struct Transfer {
    pub examples: Vec<Example>,
    pub logits: Vec<Tensor>,
    pub sentences: usize,
    pub files: Vec<PathBuf>,
}

pub(crate) fn load(
    sets: &[PathBuf],
    tok: &NerTokenizer,
    labels: &LabelSet,
    win: &TagOptions,
    all_subtokens: bool,
    first_sentence: usize,
) -> Result<Transfer> {
    let n = labels.len();
    let mut t = Transfer {
        examples: Vec::new(),
        logits: Vec::new(),
        sentences: 0,
        files: Vec::new(),
    };
    for set in sets {
        for file in parts(set)? {
            for (r, s) in read_part(&file)?.into_iter().enumerate() {
                let id = |name: &str, what: &str| -> Result<usize> {
                    match labels.id(name) {
                        Some(i) => Ok(i),
                        None => bail!(
                            "{}: row {}: {what} {name:?} is not among the student's labels {:?}; label the text with a teacher that has the student's labels (matched by name)",
                            file.display(),
                            r + 1,
                            labels.names()
                        ),
                    }
                };
                let tags: Vec<i64> = s
                    .tags
                    .iter()
                    .map(|t| id(t, "tag").map(|i| i as i64))
                    .collect::<Result<_>>()?;
                let mut dist: Vec<Vec<f32>> = Vec::with_capacity(s.words.len());
                for k in &s.top_k {
                    let mut p = vec![f32::NAN; n];
                    let mut mass = 0.0f32;
                    for (name, prob) in k {
                        p[id(name, "top-k label")?] = *prob;
                        mass += prob;
                    }
                    let rest = n - k.len().min(n);
                    let fill = if rest > 0 {
                        ((1.0 - mass) / rest as f32).max(1e-6)
                    } else {
                        0.0
                    };
                    dist.push(
                        p.into_iter()
                            .map(|v| if v.is_nan() { fill } else { v.max(1e-6) })
                            .collect(),
                    );
                }
                let sentence = first_sentence + t.sentences;
                let enc = tok.encode_words(&s.words)?;
                for w in windows(
                    sentence,
                    &enc,
                    win.max_len,
                    win.stride,
                    tok.cls_id,
                    tok.sep_id,
                ) {
                    let mut rows: Vec<f32> = Vec::with_capacity(w.word_ids.len() * n);
                    for wid in &w.word_ids {
                        match wid {
                            Some(k) => rows.extend(dist[*k].iter().map(|p| p.ln())),
                            None => rows.extend(std::iter::repeat_n(0.0f32, n)),
                        }
                    }
                    t.logits
                        .push(Tensor::from_slice(&rows).view([w.word_ids.len() as i64, n as i64]));
                    t.examples.push(Example {
                        labels: label_ids(&w, &tags, all_subtokens),
                        own: w.own,
                        input_ids: w.input_ids,
                        sentence,
                    });
                }
                t.sentences += 1;
            }
            t.files.push(file);
        }
    }
    Ok(t)
}
