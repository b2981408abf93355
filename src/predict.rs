//! `distilner predict --model M "text"` / `--input FILE`
use anyhow::{bail, Context, Result};
use distilner::data::parse_conll;
use distilner::infer::{predict, render, tag_documents, Strategy, TagOptions};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// By extension: .jsonl → jsonl, .conll/.txt with tags or eng.* → conll, else text.
    Auto,
    /// Plain text, one document per line.
    Text,
    /// JSON lines with a `text` field.
    Jsonl,
    /// CoNLL words (first column); a last tag column, if any, is kept as gold.
    Conll,
    /// Pre-tokenised words with gold tags, read like training data: Parquet, Arrow, JSON Lines
    /// (`tokens`/`ner_tags`), a dataset directory or a hub id.
    Dataset,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON array (one entry per input).
    Json,
    /// One JSON object per line: {"text", "entities"}.
    Jsonl,
    /// `word [GOLD] PRED` lines (CoNLL or dataset input; conlleval-ready when gold is present).
    Conll,
    /// One self-contained HTML page: each text with its entities highlighted (as `serve` shows them).
    Html,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    m: crate::model_flags::ModelFlags,
    /// Texts to tag (each one a document).
    texts: Vec<String>,
    /// Read documents from a file instead.
    #[arg(long, short)]
    input: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    input_format: InputFormat,
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    format: OutputFormat,
    /// How sub-tokens become entities (HF pipeline semantics).
    #[arg(long, value_enum, default_value_t = Strategy::Simple)]
    aggregation: Strategy,
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// The split to tag when --input is a dataset directory or hub id.
    #[arg(long, default_value = "test")]
    split: String,
    #[command(flatten)]
    read: crate::data_flags::ReadFlags,
}

fn detect(path: &std::path::Path) -> InputFormat {
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let tokens_jsonl = || {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| t.lines().next().map(|l| l.contains("\"tokens\"")))
            .unwrap_or(false)
    };
    if path.is_dir()
        || [".parquet", ".arrow", ".feather"]
            .iter()
            .any(|e| name.ends_with(e))
        || (name.ends_with(".jsonl") && tokens_jsonl())
    {
        InputFormat::Dataset
    } else if name.ends_with(".jsonl") {
        InputFormat::Jsonl
    } else if name.ends_with(".conll") || name.starts_with("eng.") || name.ends_with(".iob") {
        InputFormat::Conll
    } else {
        InputFormat::Text
    }
}

/// Tag pre-tokenised sentences: `word GOLD PRED` lines (CoNLL out) or `{"words", "tags"}` JSON lines.
fn write_tagged(
    out: &mut impl Write,
    l: &distilner::model::Loaded,
    corpus: &distilner::data::Corpus,
    opt: &TagOptions,
    format: OutputFormat,
) -> Result<()> {
    if format == OutputFormat::Html {
        bail!("--format html draws raw texts: give texts, or a text / JSONL file (this input is pre-tokenised words)");
    }
    let words: Vec<Vec<String>> = corpus.sentences.iter().map(|s| s.words.clone()).collect();
    // Documents (`-DOCSTART-`) give each sentence its neighbours as context, as in training.
    let tagged = tag_documents(&l.model, &l.tokenizer, &words, &corpus.documents(), opt)?;
    for (s, t) in corpus.sentences.iter().zip(tagged) {
        if format == OutputFormat::Conll {
            for ((w, g), (lab, _)) in s.words.iter().zip(&s.tags).zip(&t) {
                writeln!(out, "{w} {g} {}", l.model.labels.name(*lab))?;
            }
            writeln!(out)?;
        } else {
            let tags: Vec<&str> = t.iter().map(|(lab, _)| l.model.labels.name(*lab)).collect();
            writeln!(out, "{}", json!({"words": s.words, "tags": tags}))?;
        }
    }
    Ok(())
}

pub fn run(a: Args) -> Result<()> {
    let l = a.m.load()?;
    let opt = a.m.tag_options(TagOptions {
        batch_size: a.batch_size,
        ..TagOptions::default()
    })?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let fmt = match (&a.input, a.input_format) {
        (Some(p), InputFormat::Auto) => detect(p),
        (_, f) => f,
    };
    if fmt == InputFormat::Dataset {
        let p = a
            .input
            .as_ref()
            .context("--input-format dataset needs --input FILE")?;
        let corpus = distilner::data::DataRef::new(p.display().to_string(), &a.split)
            .load(&a.read.options())?;
        return write_tagged(&mut out, &l, &corpus, &opt, a.format);
    }
    if fmt == InputFormat::Conll {
        let p = a
            .input
            .as_ref()
            .context("--input-format conll needs --input FILE")?;
        let bytes = std::fs::read(p).with_context(|| format!("{}: cannot read", p.display()))?;
        // Plain one-word-per-line files have no tag column: give them a dummy O so the reader accepts them.
        let corpus = match parse_conll(&bytes, &p.display().to_string()) {
            Ok(c) => c,
            Err(_) => {
                let text = String::from_utf8_lossy(&bytes)
                    .lines()
                    .map(|l| {
                        if l.trim().is_empty() || l.starts_with("-DOCSTART-") {
                            l.to_string()
                        } else {
                            format!("{} O", l.trim())
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                parse_conll(text.as_bytes(), &p.display().to_string())?
            }
        };
        return write_tagged(&mut out, &l, &corpus, &opt, a.format);
    }
    if a.format == OutputFormat::Conll {
        bail!("--format conll needs CoNLL input (--input FILE --input-format conll)");
    }
    let docs: Vec<String> = match &a.input {
        None if a.texts.is_empty() => bail!("give a text to tag, e.g. distilner predict --model M \"Angela Merkel visited Paris.\", or --input FILE"),
        None => a.texts.clone(),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("{}: cannot read as UTF-8 text", p.display()))?;
            match fmt {
                InputFormat::Jsonl => text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                    .map(|(i, l)| {
                        let v: Value = serde_json::from_str(l).with_context(|| format!("{}:{}: not valid JSON", p.display(), i + 1))?;
                        v.get("text").and_then(|t| t.as_str()).map(String::from).with_context(|| format!("{}:{}: no string field `text`", p.display(), i + 1))
                    })
                    .collect::<Result<_>>()?,
                _ => text.lines().filter(|l| !l.trim().is_empty()).map(String::from).collect(),
            }
        }
    };
    let refs: Vec<&str> = docs.iter().map(|s| s.as_str()).collect();
    let mut results = Vec::with_capacity(refs.len());
    for chunk in refs.chunks(256) {
        results.extend(predict(&l.model, &l.tokenizer, chunk, a.aggregation, &opt)?);
    }
    match a.format {
        OutputFormat::Json => {
            let v = if results.len() == 1 && a.input.is_none() {
                results.remove(0)
            } else {
                Value::Array(results)
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        OutputFormat::Html => {
            let docs: Vec<(String, Value)> = docs.into_iter().zip(results).collect();
            let title = format!("distilner · {}", a.m.model);
            let types = render::types(l.model.labels.names());
            write!(out, "{}", render::document(&title, &types, &docs))?;
        }
        _ => {
            for (d, r) in docs.iter().zip(results) {
                writeln!(out, "{}", json!({"text": d, "entities": r}))?;
            }
        }
    }
    Ok(())
}
