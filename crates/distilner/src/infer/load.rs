//! One trained model made ready to tag: its directory resolved, weights loaded at the asked precision
//! on the asked engine (eager, or its compiled package),
//! document context and decoding taken from the request, else from the model's tagging.json. The
//! CLI's `--model/--precision/--decoding/--context` and the Python `Tagger` both come through here,
//! and each choice comes with the sentence that says why (printed by the CLI, logged by Python).
use super::{predict, Decoding, Strategy, TagOptions};
use crate::infer::engine::{attach, Engine};
use crate::infer::precision::{PrecisionChoice, FILE as PRECISION_FILE};
use crate::infer::tagging::{self, Tagging};
use crate::model::{hub, load_dir, Head, Loaded, Precision};
use crate::Result;
use anyhow::anyhow;
use std::path::{Path, PathBuf};

/// What the caller asks for; strings as the CLI and Python take them.
#[derive(Debug, Clone)]
pub struct TaggerRequest {
    /// Model directory or hub id (org/name, from the local cache).
    pub model: String,
    /// fp32, bf16, fp16 (CUDA), int8 (CPU) or auto.
    pub precision: String,
    /// auto (tagging.json, else argmax), argmax or viterbi.
    pub decoding: String,
    /// Document context per side; None: tagging.json's, else 0.
    pub context: Option<usize>,
    pub device: tch::Device,
    /// auto (the model's compiled package where it applies, else eager), eager or compiled.
    pub engine: String,
}

/// A loaded model with its tagging options and the reasons for each choice.
pub struct Tagger {
    pub dir: PathBuf,
    pub loaded: Loaded,
    pub precision: Precision,
    pub options: TagOptions,
    pub notes: Vec<String>,
}

impl Tagger {
    pub fn load(req: &TaggerRequest, base: TagOptions) -> Result<Tagger> {
        let dir = hub::resolve(&req.model)?;
        let (precision, why_precision) = precision_for(&dir, &req.precision, req.device)?;
        let mut loaded = load_dir(&dir, Head::Keep, req.device)?;
        loaded.model.set_inference_precision(precision)?;
        let why_engine = attach(&mut loaded.model, &dir, Engine::parse(&req.engine)?, 1)?;
        let (options, why_tagging) = tag_options_for(&dir, base, &req.decoding, req.context)?;
        let notes = why_precision
            .into_iter()
            .chain([why_engine, why_tagging])
            .collect();
        Ok(Tagger {
            dir,
            loaded,
            precision,
            options,
            notes,
        })
    }

    /// Entities for each text, as the transformers token-classification pipeline returns them.
    pub fn predict(&self, texts: &[&str], strategy: Strategy) -> Result<Vec<serde_json::Value>> {
        predict(
            &self.loaded.model,
            &self.loaded.tokenizer,
            texts,
            strategy,
            &self.options,
        )
    }
}

/// `precision` resolved for the model in `dir`: `auto` is the model's measured choice
/// (precision.json), else the hardware rule. The note says which (None for an explicit precision).
pub fn precision_for(
    dir: &Path,
    precision: &str,
    device: tch::Device,
) -> Result<(Precision, Option<String>)> {
    if !precision.eq_ignore_ascii_case("auto") {
        return Ok((Precision::parse(precision, device)?, None));
    }
    if let Some(c) = PrecisionChoice::load(dir, device)? {
        let p = Precision::parse(&c.chosen, device)?;
        let f1 = |name: &str| {
            c.measured
                .iter()
                .find(|m| m.precision == name)
                .map_or(f64::NAN, |m| m.dev_f1)
        };
        let note = format!(
            "precision auto: {} ({}: the {}; dev F1 {:.4} vs fp32 {:.4})",
            c.chosen,
            dir.join(PRECISION_FILE).display(),
            c.rule,
            f1(&c.chosen),
            f1("fp32")
        );
        return Ok((p, Some(note)));
    }
    let p = Precision::auto(device);
    let note = format!(
        "precision auto: {} (no {PRECISION_FILE} measured on this device kind; the hardware rule picks {}; `distilner precision --model {}` measures)",
        p.name(),
        p.name(),
        dir.display()
    );
    Ok((p, Some(note)))
}

/// `base` with the model's document context and decoding: the request, else tagging.json, else
/// none and argmax. The note says which.
pub fn tag_options_for(
    dir: &Path,
    base: TagOptions,
    decoding: &str,
    context: Option<usize>,
) -> Result<(TagOptions, String)> {
    let saved = Tagging::load(dir)?;
    let mut opt = saved.as_ref().map_or(base, |t| t.apply(base));
    if let Some(c) = context {
        opt.context = c;
    }
    let why = match decoding.to_ascii_lowercase().as_str() {
        "auto" => match &saved {
            Some(t) => format!("{}: {}", dir.join(tagging::FILE).display(), t.decoding_rule),
            None => format!("no {} in the model; the default", tagging::FILE),
        },
        d => {
            opt.decoding = Decoding::parse(d)
                .ok_or_else(|| anyhow!("decoding {d:?}: use auto, argmax or viterbi"))?;
            "asked for".into()
        }
    };
    let note = format!(
        "decoding {} ({why}); document context {} sub-tokens per side",
        opt.decoding.name(),
        opt.context
    );
    Ok((opt, note))
}
