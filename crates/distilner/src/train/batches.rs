//! Training examples (windows with aligned labels) and length-bucketed, shuffled batches.
use crate::data::{Corpus, LabelSet};
use crate::infer::TagOptions;
pub use crate::tokenize::Example;
use crate::tokenize::{align::label_ids, document_windows, pad_batch, NerTokenizer};
use crate::Result;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use tch::{Device, Tensor};

pub struct Batch {
    pub ids: Tensor,
    pub mask: Tensor,
    pub labels: Tensor,
    /// Example indices, for per-example caches (teacher logits).
    pub index: Vec<usize>,
    /// The *global* batch's labelled sub-tokens and real tokens: losses are sums over this batch
    /// divided by these, so the shards of one global batch add up to its mean (one process: the
    /// shard is the batch, and this is the plain mean).
    pub labelled_total: f64,
    pub tokens_total: f64,
    /// The global batch row of this batch's first row (dropout masks are keyed by it).
    pub first_row: usize,
}

/// Encode a corpus into examples; tags are mapped to `labels` by name (a tag the model does not know
/// is an error naming it).
pub fn prepare(
    corpus: &Corpus,
    tok: &NerTokenizer,
    labels: &LabelSet,
    win: &TagOptions,
    all_subtokens: bool,
) -> Result<Vec<Example>> {
    let mut label_rows: Vec<Vec<i64>> = Vec::with_capacity(corpus.sentences.len());
    let mut encs = Vec::with_capacity(corpus.sentences.len());
    for (i, s) in corpus.sentences.iter().enumerate() {
        let tags = crate::data::convert(&s.tags, true);
        let ids: Vec<i64> = tags
            .iter()
            .map(|t| match labels.id(t) {
                Some(id) => Ok(id as i64),
                None => fail!(
                    "{}: sentence {}: tag {t:?} is not among the model's labels {:?}; pass --label-map or fine-tune a new head",
                    corpus.path.display(),
                    i + 1,
                    labels.names()
                ),
            })
            .collect::<Result<Vec<i64>>>()?;
        label_rows.push(ids);
        encs.push(tok.encode_words(&s.words)?);
    }
    let wins = document_windows(&encs, &corpus.documents(), win.spec(tok));
    Ok(wins
        .into_iter()
        .map(|w| Example {
            labels: label_ids(&w, &label_rows[w.sentence], all_subtokens),
            sentence: w.sentence,
            own: w.own,
            input_ids: w.input_ids,
        })
        .collect())
}

/// Training and dev examples with the same window options (and document context) (the dev ones give the validation loss).
pub fn prepare_splits(
    train: &Corpus,
    dev: &Corpus,
    tok: &NerTokenizer,
    labels: &LabelSet,
    win: &crate::infer::TagOptions,
    all_subtokens: bool,
) -> Result<(Vec<Example>, Vec<Example>)> {
    Ok((
        prepare(train, tok, labels, win, all_subtokens)?,
        prepare(dev, tok, labels, win, all_subtokens)?,
    ))
}

/// Sizes and a hash of training and dev examples (token ids and labels), one per line.
pub fn digest(train: &[Example], dev: &[Example]) -> String {
    use std::hash::{Hash, Hasher};
    // DefaultHasher::new() has fixed keys; a new Rust release may change it, which at worst refuses a
    // resume across a toolchain upgrade.
    let mut h = std::hash::DefaultHasher::new();
    for e in train.iter().chain(dev) {
        e.input_ids.hash(&mut h);
        e.labels.hash(&mut h);
    }
    format!(
        "training examples = {}\ntraining tokens = {}\ndev examples = {}\nexamples hash = {:016x}",
        train.len(),
        train.iter().map(|e| e.input_ids.len()).sum::<usize>(),
        dev.len(),
        h.finish()
    )
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

/// Rank `rank`'s contiguous share of a global batch (of `world` ranks): rows [B·r/W, B·(r+1)/W).
pub fn shard(global: &[usize], rank: usize, world: usize) -> (usize, &[usize]) {
    let n = global.len();
    let (a, b) = (n * rank / world, n * (rank + 1) / world);
    (a, &global[a..b])
}

/// This rank's batch of the global batch `global` (the whole of it for one process).
pub fn make_batch(
    examples: &[Example],
    global: &[usize],
    (rank, world): (usize, usize),
    pad: i64,
    device: Device,
) -> Batch {
    let labelled_total = global
        .iter()
        .map(|&i| examples[i].labels.iter().filter(|&&l| l != -100).count())
        .sum::<usize>()
        .max(1) as f64;
    let tokens_total = global
        .iter()
        .map(|&i| examples[i].input_ids.len())
        .sum::<usize>()
        .max(1) as f64;
    let (first_row, index) = shard(global, rank, world);
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
        labelled_total,
        tokens_total,
        first_row,
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

    #[test]
    fn shards_cover_the_global_batch_once_in_order() {
        let g: Vec<usize> = (100..107).collect();
        for world in 1..=8 {
            let mut all = Vec::new();
            for r in 0..world {
                let (first, s) = shard(&g, r, world);
                assert_eq!(first, all.len());
                all.extend_from_slice(s);
            }
            assert_eq!(all, g, "world {world}");
        }
    }
}
