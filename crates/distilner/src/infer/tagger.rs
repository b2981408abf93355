//! Batched word-level tagging: sentences of words → windows → model → one label (and its softmax
//! probabilities) per word. Used by evaluation during training, `eval`, `predict` and `serve`.
use super::decode::{decode, Decoding, Transitions};
use crate::model::inference_mode::inference_mode;
use crate::model::TokenClassifier;
use crate::tokenize::{
    document_windows, merge_word_predictions, pad_batch, NerTokenizer, Window, WindowSpec,
};
use anyhow::Result;
use std::ops::Range;
use tch::{Kind, Tensor};

#[derive(Debug, Clone, Copy)]
pub struct TagOptions {
    pub max_len: usize,
    pub stride: usize,
    pub batch_size: usize,
    /// Sub-tokens of document context per side (FLERT): the neighbouring sentences of the same
    /// document, where the input has documents. 0 = each sentence alone.
    pub context: usize,
    /// How each sentence's word scores become labels.
    pub decoding: Decoding,
}

impl TagOptions {
    /// These options with windows no longer than the model's position embeddings allow.
    pub fn fit(&self, model: &TokenClassifier) -> TagOptions {
        let max_len = self.max_len.min(model.config.max_position as usize).max(8);
        TagOptions {
            max_len,
            stride: self.stride.min(max_len / 4),
            ..*self
        }
    }
}

impl TagOptions {
    /// How windows are cut for `tok`.
    pub fn spec(&self, tok: &NerTokenizer) -> WindowSpec {
        WindowSpec {
            max_len: self.max_len,
            stride: self.stride,
            context: self.context,
            cls: tok.cls_id,
            sep: tok.sep_id,
        }
    }
}

impl Default for TagOptions {
    fn default() -> Self {
        TagOptions {
            max_len: 256,
            stride: 64,
            batch_size: 64,
            context: 0,
            decoding: Decoding::Argmax,
        }
    }
}

/// Run the model over windows (sorted by length internally) and return, per window, the softmax
/// probabilities at every position as a [len, labels] CPU tensor.
pub fn window_probs(
    model: &TokenClassifier,
    wins: &[Window],
    pad: i64,
    batch_size: usize,
) -> Vec<Tensor> {
    let rows: Vec<&[i64]> = wins.iter().map(|w| w.input_ids.as_slice()).collect();
    row_probs(model, &rows, pad, batch_size, usize::MAX)
}

/// `window_probs` over bare id rows, in forward passes of at most `max_rows` rows and at most
/// `max_tokens` padded positions (rows × longest row) each.
pub fn row_probs(
    model: &TokenClassifier,
    rows: &[&[i64]],
    pad: i64,
    max_rows: usize,
    max_tokens: usize,
) -> Vec<Tensor> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows[i].len());
    let mut out: Vec<Option<Tensor>> = (0..rows.len()).map(|_| None).collect();
    inference_mode(|| {
        let mut rest = &order[..];
        while !rest.is_empty() {
            // Sorted by length, so the last row taken is the longest: grow while the padded size fits.
            let mut n = 1;
            while n < rest.len()
                && n < max_rows.max(1)
                && (n + 1) * rows[rest[n]].len() <= max_tokens
            {
                n += 1;
            }
            let (chunk, tail) = rest.split_at(n);
            rest = tail;
            let batch: Vec<&[i64]> = chunk.iter().map(|&i| rows[i]).collect();
            let (ids, mask) = pad_batch(&batch, pad, model.device());
            let probs = model
                .logits(&ids, &mask)
                .to_kind(Kind::Float)
                .softmax(-1, Kind::Float)
                .to_device(tch::Device::Cpu);
            for (r, &i) in chunk.iter().enumerate() {
                out[i] = Some(probs.get(r as i64).narrow(0, 0, rows[i].len() as i64));
            }
        }
    });
    out.into_iter()
        .map(|t| t.expect("every row predicted"))
        .collect()
}

/// Encode sentences into windows (sentence index = position in `sentences`), with document
/// context where `docs` (ranges of sentence indices) groups them and `opt.context` asks for it.
pub fn encode_windows<S: AsRef<str>>(
    tok: &NerTokenizer,
    sentences: &[Vec<S>],
    docs: &[Range<usize>],
    opt: &TagOptions,
) -> crate::Result<Vec<Window>> {
    let encs = sentences
        .iter()
        .map(|words| tok.encode_words(words))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(document_windows(&encs, docs, opt.spec(tok)))
}

/// Per sentence, per word: (label id, probability of that label). Words that produce no sub-token
/// get `O` with probability 1 (they still count in scoring). Sentences are tagged alone.
pub fn tag_sentences<S: AsRef<str>>(
    model: &TokenClassifier,
    tok: &NerTokenizer,
    sentences: &[Vec<S>],
    opt: &TagOptions,
) -> crate::Result<Vec<Vec<(usize, f32)>>> {
    tag_documents(model, tok, sentences, &[], opt)
}

/// `tag_sentences` for sentences grouped into documents (`docs`: ranges of sentence indices), each
/// seen with `opt.context` sub-tokens of its document's neighbouring sentences.
pub fn tag_documents<S: AsRef<str>>(
    model: &TokenClassifier,
    tok: &NerTokenizer,
    sentences: &[Vec<S>],
    docs: &[Range<usize>],
    opt: &TagOptions,
) -> crate::Result<Vec<Vec<(usize, f32)>>> {
    let opt = &opt.fit(model);
    let wins = encode_windows(tok, sentences, docs, opt)?;
    let probs = window_probs(model, &wins, tok.pad_id, opt.batch_size);
    let n_words: Vec<usize> = sentences.iter().map(|s| s.len()).collect();
    Ok(merge_windows(
        &wins,
        &probs,
        &n_words,
        &model.labels,
        opt.decoding,
    ))
}

/// Merge per-window probabilities into one score vector per word (from the window that sees the
/// word with the most context), then decode each sentence into (label, probability of that label).
/// Words with no sub-token score as certain `O`.
pub fn merge_windows(
    wins: &[Window],
    probs: &[Tensor],
    n_words: &[usize],
    labels: &crate::data::LabelSet,
    decoding: Decoding,
) -> Vec<Vec<(usize, f32)>> {
    let mut certain_o = vec![0.0f32; labels.len()];
    certain_o[labels.id("O").unwrap_or(0)] = 1.0;
    let tr = Transitions::for_labels(labels);
    let mut per_sentence: Vec<Vec<usize>> = vec![Vec::new(); n_words.len()];
    for (k, w) in wins.iter().enumerate() {
        per_sentence[w.sentence].push(k);
    }
    per_sentence
        .iter()
        .enumerate()
        .map(|(s, ks)| {
            let refs: Vec<&Window> = ks.iter().map(|&k| &wins[k]).collect();
            let rows: Vec<Vec<Vec<f32>>> = ks
                .iter()
                .map(|&k| Vec::<Vec<f32>>::try_from(&probs[k]).unwrap_or_default())
                .collect();
            let scores = merge_word_predictions(n_words[s], &refs, &rows, certain_o.clone());
            decode(&scores, decoding, &tr)
                .into_iter()
                .zip(&scores)
                .map(|(l, p)| (l, p[l]))
                .collect()
        })
        .collect()
}
