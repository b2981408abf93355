//! Model ids → local directories: a path, or `org/name` in the Hugging Face hub cache
//! (`HF_HUB_CACHE`, else `HF_HOME/hub`; `models--org--name/snapshots/<rev>/`), offline first; online
//! download when `HF_HUB_OFFLINE` is not set and a network exists.
use crate::util::{hf_hub_cache, hf_offline};
use anyhow::Result;
use std::path::PathBuf;

#[cfg(feature = "hub")]
const FILES: [&str; 6] = [
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
];

/// Resolve a model id or path to a directory holding its files.
pub fn resolve(id: &str) -> crate::Result<PathBuf> {
    let p = PathBuf::from(id);
    if p.is_dir() {
        return Ok(p);
    }
    let looks_like_id = id.split('/').count() == 2 && !id.starts_with('.') && !id.starts_with('/');
    if !looks_like_id {
        fail!("{id}: no such directory (and not a Hugging Face id of the form org/name)");
    }
    let cache = hf_hub::Cache::new(hf_hub_cache());
    if let Some(cfg) = cache.model(id.to_string()).get("config.json") {
        if let Some(dir) = cfg.parent() {
            return Ok(dir.to_path_buf());
        }
    }
    let hint = format!(
        "download it on a machine with network (`huggingface-cli download {id}`) and copy the cache, or pass a local directory"
    );
    if hf_offline() {
        fail!(
            "{id}: not a local directory and not in the Hugging Face cache at {} (HF_HUB_OFFLINE is set, so nothing was downloaded); {hint}",
            cache.path().display()
        );
    }
    Ok(download(id).map_err(|e| {
        anyhow::anyhow!(
            "{id}: not in the Hugging Face cache at {}, and the download failed: {e}; {hint}",
            cache.path().display()
        )
    })?)
}

#[cfg(not(feature = "hub"))]
fn download(_id: &str) -> Result<PathBuf> {
    fail!(crate::data::hub::NO_HUB)
}

#[cfg(feature = "hub")]
fn download(id: &str) -> Result<PathBuf> {
    let repo = crate::util::hf_api()?.model(id.to_string());
    // config.json must come; the rest are optional (tokenizer.json or vocab.txt, etc.).
    let cfg = repo.get("config.json")?;
    for f in &FILES[1..] {
        let _ = repo.get(f);
    }
    Ok(cfg
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".")))
}
