//! The PyTorch eager baseline, run after the interleaved engines in its own process and read back as
//! JSON: `../shared/reference/infer_reference.py` on CPU (fp32), `bench/torch_eager.py` on GPU in each
//! precision timed (same sentences and batches, CUDA synchronize per batch).
use super::BenchResult;
use crate::Result;
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::Path;

/// Run a baseline script and read its JSON; `extra` are its own flags (`--device`, `--dtype`).
#[allow(clippy::too_many_arguments)]
pub fn run_reference(
    python: &Path,
    script: &Path,
    dir: &Path,
    data: &Path,
    batches: &[usize],
    runs: usize,
    threads: usize,
    limit: usize,
    extra: &[&str],
) -> Result<BenchResult> {
    let mut cmd = std::process::Command::new(python);
    cmd.arg(script).arg(dir).arg(data).arg("--batch");
    for b in batches {
        cmd.arg(b.to_string());
    }
    cmd.args([
        "--threads",
        &threads.to_string(),
        "--runs",
        &runs.to_string(),
        "--limit",
        &limit.to_string(),
    ]);
    cmd.args(extra);
    cmd.env("HF_HUB_OFFLINE", "1")
        .env("TRANSFORMERS_OFFLINE", "1");
    let o = cmd
        .output()
        .with_context(|| format!("cannot run {}", python.display()))?;
    if !o.status.success() {
        fail!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    }
    let text = String::from_utf8_lossy(&o.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .context("no JSON from the reference")?;
    let v: serde_json::Value = serde_json::from_str(line)?;
    let mut out = BTreeMap::new();
    for &b in batches {
        if let Some(s) = v.get(format!("batch_{b}")) {
            out.insert(b, serde_json::from_value(s.clone())?);
        }
    }
    Ok(BenchResult {
        engine: match (v["device"].as_str(), v["dtype"].as_str()) {
            (Some(d), Some(t)) => format!("pytorch {} {d} {t}", v["torch"].as_str().unwrap_or("?")),
            _ => format!("pytorch {}", v["torch"].as_str().unwrap_or("?")),
        },
        model: dir.display().to_string(),
        sentences: v["sentences"].as_u64().unwrap_or(0) as usize,
        tokens: v["tokens"].as_u64().unwrap_or(0) as usize,
        batches: out,
        f1: None,
    })
}
