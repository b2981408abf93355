//! How a trained model is meant to be applied, saved beside its weights as `tagging.json` and
//! followed by eval, predict and serve: the document context it was trained with, and the decoding
//! that scored best on dev (measured by `evaluate::decoding`).
use super::{Decoding, TagOptions};
use crate::Result;
use anyhow::Context;
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
        crate::util::write_atomic(&p, (serde_json::to_string_pretty(self)? + "\n").as_bytes())?;
        Ok(())
    }

    /// The saved choices of `dir`, if it has them (a model not trained by distilner has none).
    pub fn load(dir: &Path) -> Result<Option<Tagging>> {
        let p = dir.join(FILE);
        if !p.exists() {
            return Ok(None);
        }
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("{}: cannot read", p.display()))?;
        Ok(serde_json::from_str(&text).map(Some).with_context(|| {
            format!(
                "{}: not a distilner tagging file; delete it to tag with plain argmax and no context",
                p.display()
            )
        })?)
    }
}
