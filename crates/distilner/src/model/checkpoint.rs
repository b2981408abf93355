//! HF model directories: `config.json` + `model.safetensors` + tokenizer files, loaded and saved.
use super::classifier::TokenClassifier;
use super::config::{Arch, ModelConfig};
use super::error::ModelError;
use super::{bert, distilbert};
use crate::data::LabelSet;
use crate::tokenize::NerTokenizer;
use anyhow::{Context, Result};
use safetensors::{Dtype, SafeTensors};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use tch::{Device, Kind, Tensor};

/// How the head is chosen when loading.
pub enum Head<'a> {
    /// Use the checkpoint's head and labels (error if it has none).
    Keep,
    /// Use the checkpoint's head if its labels cover `labels` by name, else a new head for `labels`.
    ForLabels(&'a LabelSet),
}

/// A loaded model with its tokenizer.
pub struct Loaded {
    pub model: TokenClassifier,
    pub tokenizer: NerTokenizer,
    /// True when the classifier was freshly initialised (the checkpoint had none, or other labels).
    pub new_head: bool,
}

fn to_tensor(name: &str, view: &safetensors::tensor::TensorView) -> Result<Tensor> {
    let shape: Vec<i64> = view.shape().iter().map(|&d| d as i64).collect();
    let kind = match view.dtype() {
        Dtype::F32 => Kind::Float,
        Dtype::F16 => Kind::Half,
        Dtype::BF16 => Kind::BFloat16,
        Dtype::F64 => Kind::Double,
        Dtype::I64 => Kind::Int64,
        other => fail!("tensor {name}: dtype {other:?} is not supported"),
    };
    Ok(Tensor::f_from_data_size(view.data(), &shape, kind)?)
}

/// Read every tensor of a safetensors file (as f32 where floating point).
pub fn read_safetensors(path: &Path) -> crate::Result<HashMap<String, Tensor>> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| {
        anyhow::anyhow!("{}: not a valid safetensors file ({e}); it may be truncated or corrupt — re-download or re-export it", path.display())
    })?;
    let mut out = HashMap::new();
    for (name, view) in st.tensors() {
        let t = to_tensor(&name, &view).with_context(|| path.display().to_string())?;
        let t = if t.is_floating_point() {
            t.to_kind(Kind::Float)
        } else {
            t
        };
        out.insert(name, t);
    }
    Ok(out)
}

/// The checkpoint key for a variable: exact, or without the family prefix (a bare `BertModel`
/// checkpoint such as all-MiniLM-L6-v2 stores `embeddings.…`, not `bert.embeddings.…`).
fn find<'a>(tensors: &'a HashMap<String, Tensor>, var: &str, arch: Arch) -> Option<&'a Tensor> {
    let prefix = match arch {
        Arch::Bert => bert::PREFIX,
        Arch::DistilBert => distilbert::PREFIX,
    };
    tensors.get(var).or_else(|| {
        var.strip_prefix(&format!("{prefix}."))
            .and_then(|v| tensors.get(v))
    })
}

/// Copy checkpoint tensors into the model's variables. The classifier may be skipped (new head).
pub(crate) fn load_weights(
    model: &mut TokenClassifier,
    tensors: &HashMap<String, Tensor>,
    file: &Path,
    skip_head: bool,
) -> Result<()> {
    let arch = model.config.arch;
    let mut missing = Vec::new();
    let mut used = HashSet::new();
    tch::no_grad(|| -> Result<()> {
        for (name, mut var) in model.vs.variables() {
            if skip_head && name.starts_with("classifier.") {
                continue;
            }
            let Some(src) = find(tensors, &name, arch) else {
                missing.push(name);
                continue;
            };
            if src.size() != var.size() {
                fail!(
                    "{}: tensor {name} has shape {:?} but config.json implies {:?}; the config does not belong to these weights",
                    file.display(),
                    src.size(),
                    var.size()
                );
            }
            var.copy_(src);
            used.insert(name);
        }
        Ok(())
    })?;
    if !missing.is_empty() {
        fail!(
            "{}: {} weights missing, e.g. {}; is this a {} checkpoint matching its config.json?",
            file.display(),
            missing.len(),
            missing[..missing.len().min(3)].join(", "),
            if arch == Arch::Bert {
                "BERT"
            } else {
                "DistilBERT"
            }
        );
    }
    Ok(())
}

/// Load a model directory. Errors name the file and the fix.
pub fn load_dir(dir: &Path, head: Head, device: Device) -> crate::Result<Loaded> {
    let (model, new_head) = load_model(dir, head, device)?;
    let tokenizer = NerTokenizer::from_dir(dir)?;
    if tokenizer.vocab_size() as i64 > model.config.vocab_size {
        return Err(anyhow::anyhow!(
            "{}: the tokenizer has {} tokens but config.json's vocab_size is {}; the tokenizer files belong to another model",
            dir.display(),
            tokenizer.vocab_size(),
            model.config.vocab_size
        )
        .into());
    }
    Ok(Loaded {
        model,
        tokenizer,
        new_head,
    })
}

/// Load config and weights only (no tokenizer). Returns the model and whether its head is new.
pub fn load_model(
    dir: &Path,
    head: Head,
    device: Device,
) -> crate::Result<(TokenClassifier, bool)> {
    if !dir.is_dir() {
        return Err(ModelError::NotADirectory {
            dir: dir.display().to_string(),
        }
        .into());
    }
    let config = ModelConfig::from_file(&dir.join("config.json"))?;
    let weights = dir.join("model.safetensors");
    if !weights.exists() {
        if dir.join("pytorch_model.bin").exists() {
            return Err(ModelError::OnlyPytorchBin {
                dir: dir.display().to_string(),
            }
            .into());
        }
        return Err(ModelError::NoWeights {
            dir: dir.display().to_string(),
        }
        .into());
    }
    let ckpt_labels = if config.has_head {
        config.labels.clone()
    } else {
        None
    };
    let (labels, new_head) = match (head, ckpt_labels) {
        (Head::Keep, Some(l)) => (l, false),
        (Head::Keep, None) => {
            return Err(ModelError::NoHead {
                dir: dir.display().to_string(),
                architectures: serde_json::to_string(&config.architectures).unwrap_or_default(),
            }
            .into())
        }
        (Head::ForLabels(want), Some(l)) if want.map_to(&l).is_ok() => (l, false),
        (Head::ForLabels(want), _) => (want.clone(), true),
    };
    let tensors = read_safetensors(&weights)?;
    let mut model = TokenClassifier::new(config, labels, device);
    load_weights(&mut model, &tensors, &weights, new_head)?;
    Ok((model, new_head))
}

/// Write named tensors (as f32) and string metadata to a safetensors file, atomically.
pub(crate) fn write_tensor_file(
    path: &Path,
    named: &[(String, Tensor)],
    mut meta: HashMap<String, String>,
) -> Result<()> {
    let mut data: Vec<(String, Vec<u8>, Vec<usize>)> = Vec::with_capacity(named.len());
    for (n, t) in named {
        let t = t.to_device(Device::Cpu).to_kind(Kind::Float).contiguous();
        let v: Vec<f32> = Vec::<f32>::try_from(t.view([-1]))?;
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        data.push((
            n.clone(),
            bytes,
            t.size().iter().map(|&d| d as usize).collect(),
        ));
    }
    let views: Vec<(String, safetensors::tensor::TensorView)> = data
        .iter()
        .map(|(n, b, s)| {
            Ok((
                n.clone(),
                safetensors::tensor::TensorView::new(Dtype::F32, s.clone(), b)?,
            ))
        })
        .collect::<Result<_>>()?;
    meta.entry("format".into()).or_insert_with(|| "pt".into());
    let bytes = safetensors::tensor::serialize(views, Some(meta))?;
    crate::util::write_atomic(path, &bytes)
}

/// The metadata of a safetensors file.
pub fn read_metadata(path: &Path) -> crate::Result<HashMap<String, String>> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let (_, meta) = SafeTensors::read_metadata(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: not a valid safetensors file ({e})", path.display()))?;
    Ok(meta.metadata().clone().unwrap_or_default())
}

/// Write `model.safetensors` (with `format: pt` metadata, as transformers expects).
pub fn write_safetensors(model: &TokenClassifier, path: &Path) -> crate::Result<()> {
    let mut named: Vec<(String, Tensor)> = model.vs.variables().into_iter().collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(write_tensor_file(path, &named, HashMap::new())?)
}

/// Save an HF-compatible directory: config, weights, tokenizer files.
pub fn save_dir(
    model: &TokenClassifier,
    tokenizer: &NerTokenizer,
    dir: &Path,
) -> crate::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let cfg = model.config.to_json(&model.labels);
    crate::util::write_atomic(
        &dir.join("config.json"),
        serde_json::to_string_pretty(&cfg)?.as_bytes(),
    )?;
    write_safetensors(model, &dir.join("model.safetensors"))?;
    tokenizer.save(dir, model.config.max_position as usize)
}
