//! How a trained model is meant to be applied, saved beside its weights as `tagging.json` and
//! followed by eval, predict and serve: the document context it was trained with, and the decoding
//! that scored best on dev (constrained Viterbi is kept only where it pays).
use super::dataset::evaluate;
use super::Mode;
use crate::data::Corpus;
use crate::infer::{Decoding, TagOptions};
use crate::model::Loaded;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FILE: &str = "tagging.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DecodingScore {
    pub decoding: Decoding,
    pub dev_f1: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tagging {
    /// Sub-tokens of the same document's neighbouring sentences on each side of a sentence (0 = none).
    pub document_context: usize,
    pub decoding: Decoding,
    /// Why this decoding: measured on dev, or set by the user.
    pub decoding_rule: String,
    /// Dev F1 under each decoding, when measured.
    pub measured: Vec<DecodingScore>,
}

impl Tagging {
    /// These choices applied to `opt`.
    pub fn apply(&self, opt: TagOptions) -> TagOptions {
        TagOptions {
            context: self.document_context,
            decoding: self.decoding,
            ..opt
        }
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        let p = dir.join(FILE);
        crate::util::write_atomic(&p, (serde_json::to_string_pretty(self)? + "\n").as_bytes())
    }

    /// The saved choices of `dir`, if it has them (a model not trained by distilner has none).
    pub fn load(dir: &Path) -> Result<Option<Tagging>> {
        let p = dir.join(FILE);
        if !p.exists() {
            return Ok(None);
        }
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("{}: cannot read", p.display()))?;
        serde_json::from_str(&text).map(Some).with_context(|| {
            format!(
                "{}: not a distilner tagging file; delete it to tag with plain argmax and no context",
                p.display()
            )
        })
    }
}

/// Decide the decoding for `model` on `dev`: `wanted` when the user fixed one, else Viterbi only if
/// its dev F1 is strictly higher than argmax's. Returns the choice and the dev report under it.
pub fn choose_decoding(
    model: &Loaded,
    dev: &Corpus,
    opt: &TagOptions,
    wanted: Option<Decoding>,
) -> Result<(Tagging, super::Report)> {
    let mut measured = Vec::new();
    let mut reports = Vec::new();
    for d in [Decoding::Argmax, Decoding::Viterbi] {
        let o = TagOptions {
            decoding: d,
            ..*opt
        };
        let (r, _) = evaluate(&model.model, &model.tokenizer, dev, &o, Mode::Default)?;
        measured.push(DecodingScore {
            decoding: d,
            dev_f1: r.f1,
        });
        reports.push(r);
    }
    let (decoding, rule) = match wanted {
        Some(d) => (d, "set by the user".to_string()),
        None if measured[1].dev_f1 > measured[0].dev_f1 => (
            Decoding::Viterbi,
            "measured: constrained Viterbi scored higher on dev than argmax".into(),
        ),
        None => (
            Decoding::Argmax,
            "measured: constrained Viterbi did not score higher on dev than argmax".into(),
        ),
    };
    let report = reports.swap_remove(if decoding == Decoding::Viterbi { 1 } else { 0 });
    Ok((
        Tagging {
            document_context: opt.context,
            decoding,
            decoding_rule: rule,
            measured,
        },
        report,
    ))
}
