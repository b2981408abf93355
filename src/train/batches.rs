//! Training examples (windows with aligned labels) and length-bucketed, shuffled batches.
use crate::data::{Corpus, LabelSet};
use crate::infer::tagger::pad_batch;
use crate::tokenize::{align::label_ids, windows, NerTokenizer};
use anyhow::{bail, Result};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use tch::{Device, Tensor};

#[derive(Debug, Clone)]
pub struct Example {
    pub input_ids: Vec<i64>,
    pub labels: Vec<i64>,
    pub sentence: usize,
}

pub struct Batch {
    pub ids: Tensor,
    pub mask: Tensor,
    pub labels: Tensor,
    /// Example indices, for per-example caches (teacher logits).
    pub index: Vec<usize>,
}

/// Encode a corpus into examples; tags are mapped to `labels` by name (a tag the model does not know
/// is an error naming it).
pub fn prepare(
    corpus: &Corpus,
    tok: &NerTokenizer,
    labels: &LabelSet,
    max_len: usize,
    stride: usize,
    all_subtokens: bool,
) -> Result<Vec<Example>> {
    let mut out = Vec::new();
    for (i, s) in corpus.sentences.iter().enumerate() {
        let tags = crate::data::convert(&s.tags, true);
        let ids: Vec<i64> = tags
            .iter()
            .map(|t| match labels.id(t) {
                Some(id) => Ok(id as i64),
                None => bail!(
                    "{}: sentence {}: tag {t:?} is not among the model's labels {:?}; pass --label-map or fine-tune a new head",
                    corpus.path.display(),
                    i + 1,
                    labels.names()
                ),
            })
            .collect::<Result<_>>()?;
        let enc = tok.encode_words(&s.words)?;
        for w in windows(i, &enc, max_len, stride, tok.cls_id, tok.sep_id) {
            let labels = label_ids(&w, &ids, all_subtokens);
            out.push(Example {
                input_ids: w.input_ids,
                labels,
                sentence: i,
            });
        }
    }
    Ok(out)
}

/// Training and dev examples with the same window options (the dev ones give the validation loss).
pub fn prepare_splits(
    train: &Corpus,
    dev: &Corpus,
    tok: &NerTokenizer,
    labels: &LabelSet,
    win: &crate::infer::TagOptions,
    all_subtokens: bool,
) -> Result<(Vec<Example>, Vec<Example>)> {
    Ok((
        prepare(train, tok, labels, win.max_len, win.stride, all_subtokens)?,
        prepare(dev, tok, labels, win.max_len, win.stride, all_subtokens)?,
    ))
}

/// The batches of one epoch: shuffle, sort by length inside chunks of 50 batches (little padding),
/// then shuffle the batches. A function of (seed, epoch) only, so a resumed run sees the same order.
pub fn epoch_batches(
    lens: &[usize],
    batch_size: usize,
    seed: u64,
    epoch: usize,
) -> Vec<Vec<usize>> {
    let mut rng =
        rand::rngs::StdRng::seed_from_u64(seed.wrapping_mul(1_000_003).wrapping_add(epoch as u64));
    let mut idx: Vec<usize> = (0..lens.len()).collect();
    idx.shuffle(&mut rng);
    for chunk in idx.chunks_mut(batch_size * 50) {
        chunk.sort_by_key(|&i| lens[i]);
    }
    let mut batches: Vec<Vec<usize>> = idx.chunks(batch_size).map(|c| c.to_vec()).collect();
    batches.shuffle(&mut rng);
    batches
}

pub fn make_batch(examples: &[Example], index: &[usize], pad: i64, device: Device) -> Batch {
    let rows: Vec<&[i64]> = index
        .iter()
        .map(|&i| examples[i].input_ids.as_slice())
        .collect();
    let (ids, mask) = pad_batch(&rows, pad, device);
    let t = ids.size()[1] as usize;
    let mut lab = vec![-100i64; index.len() * t];
    for (r, &i) in index.iter().enumerate() {
        let l = &examples[i].labels;
        lab[r * t..r * t + l.len()].copy_from_slice(l);
    }
    let labels = Tensor::from_slice(&lab)
        .view([index.len() as i64, t as i64])
        .to_device(device);
    Batch {
        ids,
        mask,
        labels,
        index: index.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn epoch_order_is_deterministic_and_complete() {
        let lens: Vec<usize> = (0..1000).map(|i| (i * 7919) % 97).collect();
        let a = epoch_batches(&lens, 32, 33, 1);
        assert_eq!(a, epoch_batches(&lens, 32, 33, 1));
        assert_ne!(a, epoch_batches(&lens, 32, 33, 2));
        let mut all: Vec<usize> = a.concat();
        all.sort();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
    }
}
