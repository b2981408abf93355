//! Paths shared by the integration tests.
#![allow(dead_code)]
use std::path::PathBuf;

pub fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared")
}
pub fn testvectors() -> PathBuf {
    shared().join("testvectors")
}
pub fn conll(split: &str) -> PathBuf {
    shared().join("data/conll2003").join(split)
}
pub fn minilm() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2")
}
pub fn jsonl(path: PathBuf) -> Vec<serde_json::Value> {
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
