//! The student builder: a DistilBERT-layout model from a BERT (or DistilBERT) teacher's layers
//! (DistilBERT's extraction, done with an explicit name map). Token-type row 0 is folded into the
//! position embeddings because DistilBERT has no token types and BERT always adds row 0 here.
use super::classifier::TokenClassifier;
use super::config::ModelConfig;
use super::{bert, distilbert};
use anyhow::Result;
use tch::Tensor;

/// DistilBERT parameter name for a teacher's (BERT or DistilBERT) one, with teacher layer
/// `layer_map[to]` becoming student layer `to`.
pub fn map_name(bert_name: &str, layer_map: &[usize]) -> Option<String> {
    if bert_name.starts_with(&format!("{}.", distilbert::EMBEDDINGS)) {
        return Some(bert_name.to_string());
    }
    if let Some(rest) = bert_name.strip_prefix(&format!("{}.", distilbert::LAYERS)) {
        let (idx, param) = rest.split_once('.')?;
        let to = layer_map.iter().position(|&l| l.to_string() == idx)?;
        return Some(format!("{}.{to}.{param}", distilbert::LAYERS));
    }
    if let Some(rest) = bert_name.strip_prefix(&format!("{}.", bert::EMBEDDINGS)) {
        return match rest {
            "token_type_embeddings.weight" => None,
            _ => Some(format!("{}.{rest}", distilbert::EMBEDDINGS)),
        };
    }
    if let Some(rest) = bert_name.strip_prefix(&format!("{}.", bert::LAYERS)) {
        let (idx, param) = rest.split_once('.')?;
        let to = layer_map.iter().position(|&l| l.to_string() == idx)?;
        let (b, d) = (&bert::LAYER_NAMES, &distilbert::LAYER_NAMES);
        let pairs = [
            (b.query, d.query),
            (b.key, d.key),
            (b.value, d.value),
            (b.attn_out, d.attn_out),
            (b.attn_norm, d.attn_norm),
            (b.ffn_in, d.ffn_in),
            (b.ffn_out, d.ffn_out),
            (b.out_norm, d.out_norm),
        ];
        for (bn, dn) in pairs {
            if let Some(suffix) = param.strip_prefix(&format!("{bn}.")) {
                return Some(format!("{}.{to}.{dn}.{suffix}", distilbert::LAYERS));
            }
        }
        return None;
    }
    bert_name
        .starts_with("classifier.")
        .then(|| bert_name.to_string())
}

/// Default layer map: every other layer (`0,2,4` of 6); `0,2,4,7,9,11` of 12 as DistilBERT did.
pub fn default_layers(n: usize) -> Vec<usize> {
    if n == 12 {
        vec![0, 2, 4, 7, 9, 11]
    } else {
        (0..n).step_by(2).collect()
    }
}

pub fn parse_layers(s: &str, n: usize) -> crate::Result<Vec<usize>> {
    let v: Vec<usize> = s
        .split(',')
        .map(|x| {
            x.trim()
                .parse::<usize>()
                .map_err(|_| anyhow::anyhow!("--layers {s:?}: {x:?} is not a layer number"))
        })
        .collect::<Result<_>>()?;
    if v.is_empty() || v.iter().any(|&l| l >= n) {
        fail!("--layers {s:?}: layers must be in 0..{n}");
    }
    Ok(v)
}

/// Build the student from `teacher` (BERT or DistilBERT) keeping `layers` in that order.
pub fn build_student(
    teacher: &TokenClassifier,
    layers: &[usize],
) -> crate::Result<TokenClassifier> {
    let t = &teacher.config;
    if layers.is_empty() || layers.iter().any(|&l| l as i64 >= t.layers) {
        fail!(
            "layer map {layers:?} is out of range for a {}-layer teacher",
            t.layers
        );
    }
    if (t.layer_norm_eps - 1e-12).abs() > 1e-15 {
        eprintln!(
            "warning: teacher layer_norm_eps {} differs from DistilBERT's fixed 1e-12",
            t.layer_norm_eps
        );
    }
    let raw = serde_json::json!({"model_type": "distilbert", "vocab_size": t.vocab_size, "dim": t.hidden,
        "n_layers": layers.len(), "n_heads": t.heads, "hidden_dim": t.intermediate, "dropout": t.dropout,
        "attention_dropout": t.attention_dropout, "max_position_embeddings": t.max_position,
        "pad_token_id": t.pad_token_id, "initializer_range": 0.02});
    let config = ModelConfig::from_json(raw)?;
    let student = TokenClassifier::new(config, teacher.labels.clone(), teacher.device());
    let tvars = teacher.vs.variables();
    let tt_row0 = tvars
        .get(&format!(
            "{}.token_type_embeddings.weight",
            bert::EMBEDDINGS
        ))
        .map(|t| t.get(0));
    let mut svars = student.vs.variables();
    let mut filled = 0;
    tch::no_grad(|| -> Result<()> {
        for (name, src) in &tvars {
            let Some(dst_name) = map_name(name, layers) else {
                continue;
            };
            let Some(dst) = svars.get_mut(&dst_name) else {
                fail!("student has no parameter {dst_name} (from {name})")
            };
            let value: Tensor = if dst_name.ends_with("position_embeddings.weight") {
                match &tt_row0 {
                    Some(row) => src + row,
                    None => src.shallow_clone(),
                }
            } else {
                src.shallow_clone()
            };
            dst.copy_(&value);
            filled += 1;
        }
        Ok(())
    })?;
    if filled != svars.len() {
        fail!(
            "student builder filled {filled} of {} parameters",
            svars.len()
        );
    }
    Ok(student)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_verbatim() {
        let m = [0, 2, 4];
        assert_eq!(
            map_name("bert.encoder.layer.2.attention.self.query.weight", &m).unwrap(),
            "distilbert.transformer.layer.1.attention.q_lin.weight"
        );
        assert_eq!(
            map_name("bert.encoder.layer.4.output.LayerNorm.bias", &m).unwrap(),
            "distilbert.transformer.layer.2.output_layer_norm.bias"
        );
        assert_eq!(
            map_name("bert.encoder.layer.0.output.dense.weight", &m).unwrap(),
            "distilbert.transformer.layer.0.ffn.lin2.weight"
        );
        assert_eq!(
            map_name("bert.encoder.layer.1.output.dense.weight", &m),
            None
        );
        assert_eq!(
            map_name("bert.embeddings.token_type_embeddings.weight", &m),
            None
        );
        assert_eq!(map_name("classifier.bias", &m).unwrap(), "classifier.bias");
        assert_eq!(default_layers(6), [0, 2, 4]);
        assert_eq!(default_layers(12), [0, 2, 4, 7, 9, 11]);
        assert!(parse_layers("0,9", 6).is_err());
    }
}
