//! What every engine in a bench run reads: the CoNLL sentences, their gold tags, the encoded rows
//! that are timed, and the windows that are scored (the pipeline's own, so every engine's F1 is
//! computed the same way from its logits).
use crate::data::{read_conll, LabelSet};
use crate::eval::{metrics::score, Mode};
use crate::evaluate::gold_iob2;
use crate::infer::tagger::{encode_windows, merge_windows};
use crate::infer::Decoding;
use crate::infer::TagOptions;
use crate::model::TokenClassifier;
use crate::tokenize::{NerTokenizer, Window};
use crate::Result;
use std::path::Path;
use tch::Tensor;

pub struct BenchData {
    pub n_words: Vec<usize>,
    pub gold: Vec<Vec<String>>,
    /// One row of sub-token ids per sentence ([CLS] … [SEP], cut to the model's positions).
    pub rows: Vec<Vec<i64>>,
    pub tokens: usize,
    pub windows: Vec<Window>,
}

impl BenchData {
    pub fn load(
        data: &Path,
        limit: usize,
        model: &TokenClassifier,
        tok: &NerTokenizer,
    ) -> Result<BenchData> {
        let mut c = read_conll(data)?;
        if limit > 0 {
            c.sentences.truncate(limit);
        }
        let words: Vec<Vec<String>> = c.sentences.iter().map(|s| s.words.clone()).collect();
        let max = model.config.max_position.min(512) as usize;
        let rows: Vec<Vec<i64>> = words
            .iter()
            .map(|w| tok.encode_row(w, max))
            .collect::<Result<_, _>>()?;
        Ok(BenchData {
            n_words: words.iter().map(|w| w.len()).collect(),
            gold: gold_iob2(&c),
            tokens: rows.iter().map(|r| r.len()).sum(),
            windows: encode_windows(tok, &words, &[], &TagOptions::default().fit(model))?,
            rows,
        })
    }

    /// Entity F1 (seqeval default mode) of per-window label probabilities `[tokens, labels]`, the
    /// labels named by `labels`, merged into words as the pipeline merges them.
    pub fn f1(&self, probs: &[Tensor], labels: &LabelSet) -> Result<f64> {
        let tagged = merge_windows(
            &self.windows,
            probs,
            &self.n_words,
            labels,
            Decoding::Argmax,
        );
        let pred: Vec<Vec<String>> = tagged
            .into_iter()
            .map(|s| {
                s.into_iter()
                    .map(|(l, _)| labels.name(l).to_string())
                    .collect()
            })
            .collect();
        Ok(score(&self.gold, &pred, Mode::Default)?.f1)
    }
}
