//! The precision a model directory runs at under `--precision auto`: the measurement
//! `evaluate::precision` makes, saved beside the weights as `precision.json`, which the inference
//! commands read.
use crate::Result;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FILE: &str = "precision.json";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measured {
    pub precision: String,
    /// The engine that ran it: `compiled` where the directory's AOTInductor packages apply (fp32 on
    /// the CPU, after `distilner compile`), else `eager` — as `--engine auto` runs it afterwards.
    #[serde(default = "eager")]
    pub engine: String,
    pub dev_f1: f64,
    /// Tagging and scoring the dev sentences at batch 32 (tokenisation, windows and the forward
    /// included), after a warm-up on the first 200.
    pub sentences_per_s: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrecisionChoice {
    pub chosen: String,
    pub rule: String,
    /// `cpu` or `cuda`: a choice measured on one does not carry over to the other.
    pub device: String,
    pub threads: i32,
    pub dev_sentences: usize,
    pub measured: Vec<Measured>,
}

fn eager() -> String {
    "eager".into()
}

pub fn device_kind(d: tch::Device) -> &'static str {
    if d.is_cuda() {
        "cuda"
    } else {
        "cpu"
    }
}

impl PrecisionChoice {
    pub fn save(&self, dir: &Path) -> Result<()> {
        let p = dir.join(FILE);
        std::fs::write(&p, serde_json::to_string_pretty(self)? + "\n")
            .with_context(|| format!("cannot write {}", p.display()))?;
        Ok(())
    }

    /// The saved choice for `device`, if `dir` has one measured there.
    pub fn load(dir: &Path, device: tch::Device) -> Result<Option<PrecisionChoice>> {
        let p = dir.join(FILE);
        if !p.exists() {
            return Ok(None);
        }
        let c: PrecisionChoice =
            serde_json::from_str(&std::fs::read_to_string(&p)?).with_context(|| {
                format!(
                    "{}: not a precision choice; delete it or run `distilner precision` again",
                    p.display()
                )
            })?;
        Ok((c.device == device_kind(device)).then_some(c))
    }
}
