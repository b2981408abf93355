//! Layer-wise learning-rate decay (Clark et al. 2020, ELECTRA; Zhang et al. 2021, "Revisiting
//! few-sample BERT fine-tuning"): the head and pooler train at the full rate, encoder layer `i` of
//! `L` at `decay^(L - i)`, the embeddings at `decay^(L + 1)` — lower layers hold more general
//! features and move less. Depth is read from HF parameter names, so BERT (`encoder.layer.N`) and
//! DistilBERT (`transformer.layer.N`) checkpoints are handled alike.

/// How far below the head a parameter sits: 0 for the head (and anything not in a layer or the
/// embeddings), `L - i` for encoder layer `i`, `L + 1` for the embeddings.
fn depth(name: &str, layers: usize) -> usize {
    if name.contains(".embeddings.") || name.starts_with("embeddings.") {
        return layers + 1;
    }
    match layer_index(name) {
        Some(i) => layers.saturating_sub(i),
        None => 0,
    }
}

/// `N` in `…layer.N.…`, the encoder layer a parameter belongs to.
fn layer_index(name: &str) -> Option<usize> {
    let parts: Vec<&str> = name.split('.').collect();
    parts
        .windows(2)
        .find(|w| w[0] == "layer")
        .and_then(|w| w[1].parse().ok())
}

/// The learning-rate multiplier of each named parameter (1 everywhere when `decay` is 1).
pub fn lr_scales(names: &[&str], decay: f64) -> Vec<f64> {
    let layers = names
        .iter()
        .filter_map(|n| layer_index(n))
        .max()
        .map_or(0, |i| i + 1);
    names
        .iter()
        .map(|n| decay.powi(depth(n, layers) as i32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bert_and_distilbert_depths() {
        let names = [
            "bert.embeddings.word_embeddings.weight",
            "bert.encoder.layer.0.attention.self.query.weight",
            "bert.encoder.layer.5.output.dense.bias",
            "bert.pooler.dense.weight",
            "classifier.weight",
        ];
        let s = lr_scales(&names, 0.5);
        let want = [0.5f64.powi(7), 0.5f64.powi(6), 0.5, 1.0, 1.0];
        for (got, want) in s.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{s:?}");
        }
        let names = [
            "distilbert.embeddings.LayerNorm.weight",
            "distilbert.transformer.layer.0.ffn.lin1.weight",
            "distilbert.transformer.layer.2.sa_layer_norm.bias",
            "classifier.bias",
        ];
        let s = lr_scales(&names, 0.8);
        let want = [0.8f64.powi(4), 0.8f64.powi(3), 0.8, 1.0];
        for (got, want) in s.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{s:?}");
        }
    }

    #[test]
    fn decay_one_is_uniform() {
        let names = [
            "bert.embeddings.x",
            "bert.encoder.layer.3.y",
            "classifier.z",
        ];
        assert!(lr_scales(&names, 1.0).iter().all(|&s| s == 1.0));
    }
}
