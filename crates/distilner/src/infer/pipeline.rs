//! Text → words with offsets → sub-tokens → softmax scores per sub-token (long texts windowed, each
//! sub-token scored by the window where it has the most context) → entities by an aggregation
//! strategy. The JSON shapes are the Hugging Face token-classification pipeline's.
use super::aggregate::{aggregate, Strategy};
use super::decode::Decoding;
use super::tagger::{window_probs, TagOptions};
use super::words::{split_words, Word};
use crate::data::LabelSet;
use crate::model::TokenClassifier;
use crate::tokenize::{windows, NerTokenizer, Window};
use crate::Result;
use std::ops::Range;
use tch::Tensor;
use tokenizers::{EncodeInput, InputSequence};

/// One sub-token of the input with its scores.
#[derive(Debug, Clone)]
pub struct Token {
    /// Position in the full encoding ([CLS] is 0), as HF's `index`.
    pub index: usize,
    /// The token string (`##ing` for continuations).
    pub text: String,
    /// Character offsets into the input text.
    pub start: usize,
    pub end: usize,
    /// Whether the token starts a word as the Hugging Face pipeline groups words for the `first`,
    /// `average` and `max` strategies: every token except a continuation piece (`##s`, whose text is
    /// longer than the span it covers) starts one, so "U.S." is four words and "Merkel's" three.
    pub first_of_word: bool,
    pub probs: Vec<f32>,
}

/// Char index of each byte offset (for HF-style character offsets).
fn char_index(text: &str) -> Vec<usize> {
    let mut idx = vec![0; text.len() + 1];
    let mut c = 0;
    for (b, ch) in text.char_indices() {
        for k in 0..ch.len_utf8() {
            idx[b + k] = c;
        }
        c += 1;
    }
    idx[text.len()] = c;
    idx
}

/// Texts tokenized and cut into windows, waiting for the model's scores. Built where the request
/// arrives (the server does this off the model's thread), scored by `tokens`.
pub struct Prepared {
    texts: Vec<String>,
    parts: Vec<(Vec<Word>, tokenizers::Encoding, Range<usize>)>,
    pub windows: Vec<Window>,
    unk: Option<u32>,
}

impl Prepared {
    /// Sub-tokens the model will see, over all windows ([CLS]/[SEP] included).
    pub fn window_tokens(&self) -> usize {
        self.windows.iter().map(|w| w.input_ids.len()).sum()
    }
}

/// Tokenize texts and cut them into windows of at most `opt.max_len` (already fitted to the model).
pub fn prepare<S: AsRef<str>>(
    tok: &NerTokenizer,
    texts: &[S],
    opt: &TagOptions,
) -> Result<Prepared> {
    let mut all_windows = Vec::new();
    let mut parts = Vec::new();
    for (t, text) in texts.iter().enumerate() {
        let words = split_words(text.as_ref());
        let seq: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        let enc = tok
            .inner
            .encode_char_offsets(EncodeInput::Single(InputSequence::from(seq)), true)
            .map_err(|e| anyhow::anyhow!("tokenizer: {e}"))?;
        let e = crate::tokenize::Encoding::from(&enc);
        let wins = windows(t, &e, opt.max_len, opt.stride, tok.cls_id, tok.sep_id);
        let first = all_windows.len();
        all_windows.extend(wins);
        parts.push((words, enc, first..all_windows.len()));
    }
    Ok(Prepared {
        texts: texts.iter().map(|t| t.as_ref().to_string()).collect(),
        parts,
        windows: all_windows,
        unk: tok.inner.token_to_id("[UNK]"),
    })
}

/// Every sub-token of each text with its scores, from one [len, labels] probability tensor per window.
pub fn tokens(p: &Prepared, probs: &[Tensor]) -> Vec<Vec<Token>> {
    let mut out = Vec::with_capacity(p.texts.len());
    for (t, (words, enc, range)) in p.parts.iter().enumerate() {
        let cidx = char_index(&p.texts[t]);
        let body_len = enc.get_ids().len().saturating_sub(2);
        // For each body token, the window (and position) with the largest margin.
        let mut best: Vec<Option<(usize, usize, usize)>> = vec![None; body_len];
        for k in range.clone() {
            let w = &p.windows[k];
            let n = w.input_ids.len() - 2;
            for j in 0..n {
                let margin = j.min(n - 1 - j);
                let i = w.start + j;
                if best[i].is_none_or(|(m, _, _)| margin > m) {
                    best[i] = Some((margin, k, j + 1));
                }
            }
        }
        let mut tokens = Vec::with_capacity(body_len);
        for (i, b) in best.iter().enumerate() {
            let pos = i + 1;
            let Some(wid) = enc.get_word_ids()[pos] else {
                continue;
            };
            let (_, k, j) = b.expect("every token is in some window");
            let (s, e) = enc.get_offsets()[pos];
            let w = &words[wid as usize];
            let (ws, we) = (cidx[w.start], cidx[w.end]);
            let (start, end) = ((ws + s).min(we), (ws + e).min(we));
            let is_unk = Some(enc.get_ids()[pos]) == p.unk;
            // The pipeline shows an unknown token as the text it covers.
            let text = if is_unk {
                p.texts[t].chars().skip(start).take(end - start).collect()
            } else {
                enc.get_tokens()[pos].clone()
            };
            // The pipeline's rule (`gather_pre_entities`): a token is a continuation when its string
            // differs in length from the text it covers; an unknown token never is.
            let continuation = !is_unk && text.chars().count() != end - start;
            tokens.push(Token {
                index: pos,
                text,
                start,
                end,
                first_of_word: !continuation,
                probs: Vec::try_from(probs[k].get(j as i64)).unwrap_or_default(),
            });
        }
        out.push(tokens);
    }
    out
}

/// Score every sub-token of each text.
pub fn analyze(
    model: &TokenClassifier,
    tok: &NerTokenizer,
    texts: &[&str],
    opt: &TagOptions,
) -> Result<Vec<Vec<Token>>> {
    let p = prepare(tok, texts, &opt.fit(model))?;
    let probs = window_probs(model, &p.windows, tok.pad_id, opt.batch_size);
    Ok(tokens(&p, &probs))
}

/// Entities per text (one JSON array each) from scored tokens.
pub fn entities(
    tokens: &[Vec<Token>],
    labels: &LabelSet,
    strategy: Strategy,
    decoding: Decoding,
) -> Vec<serde_json::Value> {
    tokens
        .iter()
        .map(|toks| aggregate(toks, labels, strategy, decoding))
        .collect()
}

/// Tag texts and aggregate; one JSON array of entities per text.
pub fn predict(
    model: &TokenClassifier,
    tok: &NerTokenizer,
    texts: &[&str],
    strategy: Strategy,
    opt: &TagOptions,
) -> Result<Vec<serde_json::Value>> {
    Ok(entities(
        &analyze(model, tok, texts, opt)?,
        &model.labels,
        strategy,
        opt.decoding,
    ))
}
