//! Tokenize stage: a thin wrapper over the Hugging Face `tokenizers` crate (WordPiece), encoding
//! pre-split words exactly like `tokenizer(words, is_split_into_words=True)`.
pub mod align;
pub mod batch;
pub mod context;
pub mod error;

use crate::util::write_atomic;
use anyhow::Result;
use std::path::Path;
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{EncodeInput, InputSequence, Tokenizer};

pub use align::{merge_word_predictions, windows, Window};
pub use batch::{pad_batch, Example};
pub use context::{document_windows, WindowSpec};
pub use error::TokenizerError;

/// Sub-token ids of one sequence and, for each, the index of the word it came from (None for
/// [CLS]/[SEP]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoding {
    pub input_ids: Vec<i64>,
    pub word_ids: Vec<Option<usize>>,
}

impl From<&tokenizers::Encoding> for Encoding {
    fn from(enc: &tokenizers::Encoding) -> Self {
        Encoding {
            input_ids: enc.get_ids().iter().map(|&i| i as i64).collect(),
            word_ids: enc
                .get_word_ids()
                .iter()
                .map(|w| w.map(|w| w as usize))
                .collect(),
        }
    }
}

#[derive(Clone)]
pub struct NerTokenizer {
    pub inner: Tokenizer,
    pub lowercase: bool,
    pub cls_id: i64,
    pub sep_id: i64,
    pub pad_id: i64,
}

fn read_json(path: &Path) -> Option<serde_json::Value> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
}

impl NerTokenizer {
    /// A BERT WordPiece tokenizer from a `vocab.txt`.
    pub fn from_vocab(vocab: &Path, lowercase: bool) -> crate::Result<Self> {
        let wp = WordPiece::from_file(&vocab.to_string_lossy())
            .unk_token("[UNK]".into())
            .continuing_subword_prefix("##".into())
            .max_input_chars_per_word(100)
            .build()
            .map_err(|e| TokenizerError::Unreadable {
                path: vocab.display().to_string(),
                why: e.to_string(),
            })?;
        use tokenizers::Model;
        let special = |token| {
            wp.token_to_id(token)
                .ok_or_else(|| TokenizerError::MissingSpecial {
                    path: vocab.display().to_string(),
                    token,
                })
        };
        let (cls, sep) = (special("[CLS]")?, special("[SEP]")?);
        let mut tok = Tokenizer::new(wp);
        tok.with_normalizer(Some(BertNormalizer::new(true, true, None, lowercase)));
        tok.with_pre_tokenizer(Some(BertPreTokenizer));
        tok.with_post_processor(Some(BertProcessing::new(
            ("[SEP]".into(), sep),
            ("[CLS]".into(), cls),
        )));
        Ok(Self::wrap(tok, lowercase, vocab)?)
    }

    /// `from`: the file it was read from, for errors.
    fn wrap(mut inner: Tokenizer, lowercase: bool, from: &Path) -> Result<Self> {
        // Padding and truncation are ours to do (batches, windows); a tokenizer.json may carry both.
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| anyhow::anyhow!("tokenizer: {e}"))?;
        let id = |t: &str| inner.token_to_id(t).map(|i| i as i64);
        let special = |token: &'static str| {
            id(token).ok_or_else(|| TokenizerError::MissingSpecial {
                path: from.display().to_string(),
                token,
            })
        };
        Ok(NerTokenizer {
            cls_id: special("[CLS]")?,
            sep_id: special("[SEP]")?,
            pad_id: id("[PAD]").unwrap_or(0),
            inner,
            lowercase,
        })
    }

    /// Load from a model directory: `tokenizer.json` if present, else `vocab.txt` with casing from
    /// `tokenizer_config.json` (`do_lower_case`), defaulting to the model name's `uncased`.
    pub fn from_dir(dir: &Path) -> crate::Result<Self> {
        let cfg = read_json(&dir.join("tokenizer_config.json"));
        let lower_cfg = cfg
            .as_ref()
            .and_then(|c| c.get("do_lower_case"))
            .and_then(|v| v.as_bool());
        let tj = dir.join("tokenizer.json");
        if tj.exists() {
            let inner = Tokenizer::from_file(&tj).map_err(|e| TokenizerError::Unreadable {
                path: tj.display().to_string(),
                why: e.to_string(),
            })?;
            let lowercase = lower_cfg.unwrap_or_else(|| {
                read_json(&tj)
                    .and_then(|j| j["normalizer"]["lowercase"].as_bool())
                    .unwrap_or(false)
            });
            return Ok(Self::wrap(inner, lowercase, &tj)?);
        }
        let vocab = dir.join("vocab.txt");
        if !vocab.exists() {
            return Err(TokenizerError::NoFiles {
                dir: dir.display().to_string(),
            }
            .into());
        }
        let lowercase = lower_cfg.unwrap_or_else(|| dir.to_string_lossy().contains("uncased"));
        Self::from_vocab(&vocab, lowercase)
    }

    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// Encode pre-split words with [CLS]/[SEP] and no truncation.
    pub fn encode_words<S: AsRef<str>>(&self, words: &[S]) -> crate::Result<Encoding> {
        let seq: Vec<&str> = words.iter().map(|w| w.as_ref()).collect();
        let input = EncodeInput::Single(InputSequence::from(seq));
        let enc = self
            .inner
            .encode(input, true)
            .map_err(|e| anyhow::anyhow!("tokenizer: {e}"))?;
        Ok(Encoding::from(&enc))
    }

    /// One row of ids for pre-split words, [CLS] … [SEP], cut to at most `max` positions (the
    /// last kept as [SEP]).
    pub fn encode_row<S: AsRef<str>>(&self, words: &[S], max: usize) -> crate::Result<Vec<i64>> {
        let mut ids = self.encode_words(words)?.input_ids;
        if ids.len() > max {
            ids.truncate(max - 1);
            ids.push(self.sep_id);
        }
        Ok(ids)
    }

    /// Write `tokenizer.json`, `vocab.txt`, `tokenizer_config.json`, `special_tokens_map.json`.
    pub fn save(&self, dir: &Path, model_max_length: usize) -> crate::Result<()> {
        let json = self
            .inner
            .to_string(false)
            .map_err(|e| anyhow::anyhow!("cannot serialise the tokenizer: {e}"))?;
        write_atomic(&dir.join("tokenizer.json"), json.as_bytes())?;
        let mut vocab: Vec<(String, u32)> = self.inner.get_vocab(true).into_iter().collect();
        vocab.sort_by_key(|(_, i)| *i);
        let text: String = vocab.iter().map(|(t, _)| format!("{t}\n")).collect();
        write_atomic(&dir.join("vocab.txt"), text.as_bytes())?;
        let cfg = serde_json::json!({
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": self.lowercase,
            "do_basic_tokenize": true,
            "tokenize_chinese_chars": true,
            "strip_accents": null,
            "model_max_length": model_max_length,
            "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
            "cls_token": "[CLS]", "mask_token": "[MASK]",
        });
        write_atomic(
            &dir.join("tokenizer_config.json"),
            serde_json::to_string_pretty(&cfg)?.as_bytes(),
        )?;
        let sp = serde_json::json!({"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
            "cls_token": "[CLS]", "mask_token": "[MASK]"});
        write_atomic(
            &dir.join("special_tokens_map.json"),
            serde_json::to_string_pretty(&sp)?.as_bytes(),
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn tokenizer_failures_are_typed_and_name_the_file() {
        let d = tempfile::tempdir().unwrap();
        let e = NerTokenizer::from_dir(d.path()).err().unwrap();
        assert!(
            matches!(&e, Error::Tokenizer(TokenizerError::NoFiles { dir }) if *dir == d.path().display().to_string()),
            "{e:?}"
        );
        std::fs::write(d.path().join("vocab.txt"), "[PAD]\n[UNK]\n[SEP]\nhello\n").unwrap();
        let e = NerTokenizer::from_dir(d.path()).err().unwrap();
        assert!(
            matches!(
                &e,
                Error::Tokenizer(TokenizerError::MissingSpecial { token: "[CLS]", .. })
            ),
            "{e:?}"
        );
        std::fs::write(d.path().join("tokenizer.json"), "{not json").unwrap();
        let e = NerTokenizer::from_dir(d.path()).err().unwrap();
        assert!(
            matches!(&e, Error::Tokenizer(TokenizerError::Unreadable { path, .. }) if path.ends_with("tokenizer.json")),
            "{e:?}"
        );
    }
}
