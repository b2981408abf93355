//! Evaluate stage: a model run over a labelled corpus and scored — the pipeline step between tagging
//! (`infer`) and pure scoring (`eval`), used by training's dev passes, `eval`, and the choices of
//! decoding and precision saved beside a model. Every word is scored (long sentences are windowed,
//! words with no sub-tokens predicted `O`).
pub mod decoding;
pub mod precision;

use crate::data::Corpus;
use crate::eval::{score, Mode, Report};
use crate::infer::tagger::{encode_windows, merge_windows, window_probs};
use crate::infer::{tag_documents, TagOptions};
use crate::model::TokenClassifier;
use crate::tokenize::Example;
use crate::tokenize::NerTokenizer;
use crate::Result;
use tch::Kind;

/// Gold tags in IOB2, the scheme models predict: entities are unchanged (IOB1 → IOB2 is lossless),
/// and token accuracy and strict mode then compare like with like (an IOB1 `I-PER` at an entity start
/// is the same entity as a predicted `B-PER`).
pub fn gold_iob2(corpus: &Corpus) -> Vec<Vec<String>> {
    corpus
        .sentences
        .iter()
        .map(|s| crate::data::convert(&s.tags, true))
        .collect()
}

/// Predicted tags for every sentence of `corpus`.
pub fn predict_tags(
    model: &TokenClassifier,
    tok: &NerTokenizer,
    corpus: &Corpus,
    opt: &TagOptions,
) -> Result<Vec<Vec<String>>> {
    let words: Vec<Vec<String>> = corpus.sentences.iter().map(|s| s.words.clone()).collect();
    let tagged = tag_documents(model, tok, &words, &corpus.documents(), opt)?;
    Ok(tagged
        .into_iter()
        .map(|s| {
            s.into_iter()
                .map(|(l, _)| model.labels.name(l).to_string())
                .collect()
        })
        .collect())
}

/// Score the model on `corpus` against its gold tags.
pub fn evaluate(
    model: &TokenClassifier,
    tok: &NerTokenizer,
    corpus: &Corpus,
    opt: &TagOptions,
    mode: Mode,
) -> Result<(Report, Vec<Vec<String>>)> {
    let pred = predict_tags(model, tok, corpus, opt)?;
    let gold = gold_iob2(corpus);
    Ok((score(&gold, &pred, mode)?, pred))
}

/// Score on `corpus` and compute the mean cross-entropy over the labelled positions of `examples`
/// (which `train::prepare` built from the same corpus with the same window options) in one pass.
pub fn evaluate_with_loss(
    model: &TokenClassifier,
    tok: &NerTokenizer,
    corpus: &Corpus,
    examples: &[Example],
    opt: &TagOptions,
) -> Result<(Report, f64)> {
    let words: Vec<Vec<String>> = corpus.sentences.iter().map(|s| s.words.clone()).collect();
    let opt = &opt.fit(model);
    let wins = encode_windows(tok, &words, &corpus.documents(), opt)?;
    if wins.len() != examples.len() {
        fail!("dev windows and examples disagree");
    }
    let probs = window_probs(model, &wins, tok.pad_id, opt.batch_size);
    let (mut nll, mut n) = (0.0, 0usize);
    for (p, ex) in probs.iter().zip(examples) {
        let lab = tch::Tensor::from_slice(&ex.labels);
        let keep = lab.ne(-100);
        if keep.sum(Kind::Int64).int64_value(&[]) == 0 {
            continue;
        }
        let idx = lab.masked_select(&keep);
        let rows = p.index_select(0, &keep.nonzero().squeeze_dim(1));
        let picked = rows
            .gather(1, &idx.unsqueeze(1), false)
            .clamp_min(1e-12)
            .log();
        nll -= picked.sum(Kind::Double).double_value(&[]);
        n += idx.size()[0] as usize;
    }
    let n_words: Vec<usize> = words.iter().map(|s| s.len()).collect();
    let tagged = merge_windows(&wins, &probs, &n_words, &model.labels, opt.decoding);
    let pred: Vec<Vec<String>> = tagged
        .into_iter()
        .map(|s| {
            s.into_iter()
                .map(|(l, _)| model.labels.name(l).to_string())
                .collect()
        })
        .collect();
    let gold = gold_iob2(corpus);
    Ok((
        score(&gold, &pred, Mode::Default)?,
        if n > 0 { nll / n as f64 } else { 0.0 },
    ))
}
