//! Model ids → local directories: a path, or `org/name` in the Hugging Face cache (`HF_HOME`,
//! `HF_HUB_CACHE`; `models--org--name/snapshots/<rev>/`), offline first; online download when
//! `HF_HUB_OFFLINE` is not set and a network exists.
use anyhow::{bail, Result};
use std::path::PathBuf;

const FILES: [&str; 6] = [
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
];

/// Resolve a model id or path to a directory holding its files.
pub fn resolve(id: &str) -> Result<PathBuf> {
    let p = PathBuf::from(id);
    if p.is_dir() {
        return Ok(p);
    }
    let looks_like_id = id.split('/').count() == 2 && !id.starts_with('.') && !id.starts_with('/');
    if !looks_like_id {
        bail!("{id}: no such directory (and not a Hugging Face id of the form org/name)");
    }
    let cache = hf_hub::Cache::from_env();
    if let Some(cfg) = cache.model(id.to_string()).get("config.json") {
        if let Some(dir) = cfg.parent() {
            return Ok(dir.to_path_buf());
        }
    }
    let offline =
        std::env::var("HF_HUB_OFFLINE").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    if !offline {
        if let Ok(dir) = download(id) {
            return Ok(dir);
        }
    }
    bail!(
        "{id}: not a local directory and not in the Hugging Face cache at {}; download it on a machine with network \
         (`huggingface-cli download {id}`) and copy the cache, or pass a local directory",
        cache.path().display()
    )
}

fn download(id: &str) -> Result<PathBuf> {
    let api = hf_hub::api::sync::ApiBuilder::from_env()
        .with_progress(true)
        .build()?;
    let repo = api.model(id.to_string());
    let mut dir = None;
    for f in FILES {
        if let Ok(path) = repo.get(f) {
            dir = path.parent().map(|p| p.to_path_buf());
        }
    }
    dir.ok_or_else(|| anyhow::anyhow!("{id}: download failed"))
}
