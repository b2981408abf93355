//! What tokenization hands the model: encoded windows with their aligned label ids, and rows of ids
//! padded into one batch.
use tch::Tensor;

/// One training or dev window: sub-token ids and the label id of each position (-100 where no loss
/// is taken), from sentence `sentence` of its corpus.
#[derive(Debug, Clone)]
pub struct Example {
    pub input_ids: Vec<i64>,
    pub labels: Vec<i64>,
    pub sentence: usize,
    /// Positions of the sentence's own sub-tokens; the rest are [CLS], [SEP] and document context.
    pub own: std::ops::Range<usize>,
}

/// Pad rows of ids into `ids`, `mask` tensors on `device`.
pub fn pad_batch(rows: &[&[i64]], pad: i64, device: tch::Device) -> (Tensor, Tensor) {
    let t = rows.iter().map(|r| r.len()).max().unwrap_or(1);
    let mut ids = vec![pad; rows.len() * t];
    let mut mask = vec![0i64; rows.len() * t];
    for (i, r) in rows.iter().enumerate() {
        ids[i * t..i * t + r.len()].copy_from_slice(r);
        mask[i * t..i * t + r.len()].fill(1);
    }
    let n = rows.len() as i64;
    (
        Tensor::from_slice(&ids)
            .view([n, t as i64])
            .to_device(device),
        Tensor::from_slice(&mask)
            .view([n, t as i64])
            .to_device(device),
    )
}
