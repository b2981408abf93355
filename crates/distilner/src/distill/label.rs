//! `distilner label`: a teacher tags an unlabelled corpus into a soft-label transfer set (see
//! `data::transfer_set`). Under torchrun each rank takes every `world`-th sentence and writes its
//! own part; rank 0 then writes the manifest with every part's row count.
use crate::data::transfer_set::{PartWriter, SoftSentence};
use crate::data::unlabelled::{for_each, Unlabelled};
use crate::infer::tagger::{encode_windows, window_probs, TagOptions};
use crate::infer::words::split_words;
use crate::model::{hub, load_dir, Head, TokenClassifier};
use crate::tokenize::align::merge_word_predictions;
use crate::tokenize::NerTokenizer;
use crate::train::dist::Dist;
use anyhow::{Context, Result};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use tch::Kind;

pub struct LabelArgs {
    pub teacher: String,
    pub input: PathBuf,
    /// Column (Parquet) or field (JSONL) holding the words or text.
    pub column: Option<String>,
    pub out: PathBuf,
    /// Labels kept per word, most probable first.
    pub top_k: usize,
    pub opt: TagOptions,
    pub device: tch::Device,
    pub dist: Option<Arc<Dist>>,
}

#[derive(Debug, serde::Serialize)]
pub struct LabelReport {
    pub sentences: usize,
    pub words: usize,
    pub parts: Vec<serde_json::Value>,
    pub seconds: f64,
}

/// The teacher's top-k labels per word of each sentence (long sentences windowed; each word scored
/// by the window where it has the most context, as `predict` does).
pub fn label_sentences(
    model: &TokenClassifier,
    tok: &NerTokenizer,
    sentences: &[Vec<String>],
    opt: &TagOptions,
    top_k: usize,
) -> crate::Result<Vec<SoftSentence>> {
    let opt = opt.fit(model);
    let names = model.labels.names();
    let k = top_k.clamp(1, names.len());
    let wins = encode_windows(tok, sentences, &[], &opt)?;
    let probs = window_probs(model, &wins, tok.pad_id, opt.batch_size);
    let mut per_sentence: Vec<Vec<usize>> = vec![Vec::new(); sentences.len()];
    for (i, w) in wins.iter().enumerate() {
        per_sentence[w.sentence].push(i);
    }
    let o = model.labels.id("O").unwrap_or(0);
    Ok(per_sentence
        .iter()
        .zip(sentences)
        .map(|(ks, words)| {
            let refs: Vec<_> = ks.iter().map(|&i| &wins[i]).collect();
            let preds: Vec<Vec<Vec<(usize, f32)>>> = ks
                .iter()
                .map(|&i| {
                    let (p, idx) = probs[i].to_kind(Kind::Float).topk(k as i64, -1, true, true);
                    let p: Vec<Vec<f32>> = Vec::try_from(p).unwrap_or_default();
                    let idx: Vec<Vec<i64>> = Vec::try_from(idx).unwrap_or_default();
                    p.into_iter()
                        .zip(idx)
                        .map(|(p, i)| i.into_iter().map(|i| i as usize).zip(p).collect())
                        .collect()
                })
                .collect();
            let per_word = merge_word_predictions(words.len(), &refs, &preds, vec![(o, 1.0)]);
            SoftSentence {
                words: words.clone(),
                tags: per_word.iter().map(|t| names[t[0].0].clone()).collect(),
                top_k: per_word
                    .into_iter()
                    .map(|t| t.into_iter().map(|(l, p)| (names[l].clone(), p)).collect())
                    .collect(),
            }
        })
        .collect())
}

/// Sentences per labelling call (and per Parquet row group).
const CHUNK: usize = 2048;

/// Tag `input` into `out`; the report on rank 0 (`None` on the others).
pub fn run(a: LabelArgs) -> crate::Result<Option<LabelReport>> {
    let t0 = std::time::Instant::now();
    let dist = a.dist.as_deref();
    let (rank, world) = dist.map_or((0, 1), |d| (d.rank(), d.world_size()));
    if rank == 0 {
        std::fs::create_dir_all(&a.out)
            .with_context(|| format!("{}: cannot create the output directory", a.out.display()))?;
        if a.out.join("manifest.json").exists() {
            fail!(
                "{}: already holds a transfer set (manifest.json); choose another --out",
                a.out.display()
            );
        }
    }
    if let Some(d) = dist {
        let argv: Vec<String> = std::env::args().skip(1).collect();
        d.agree("command lines", &argv.join("\n"))?;
        d.barrier()?; // the directory exists before any rank writes into it
    }
    let teacher = load_dir(&hub::resolve(&a.teacher)?, Head::Keep, a.device)?;
    let part = format!("part-{rank:05}-of-{world:05}.parquet");
    let mut writer = PartWriter::create(&a.out.join(&part))?;
    let mut buf: Vec<Vec<String>> = Vec::new();
    let mut words = 0usize;
    let flush = |buf: &mut Vec<Vec<String>>, writer: &mut PartWriter| -> Result<()> {
        let soft = label_sentences(&teacher.model, &teacher.tokenizer, buf, &a.opt, a.top_k)?;
        writer.write(&soft)?;
        buf.clear();
        Ok(())
    };
    let mut failed: Option<anyhow::Error> = None;
    let total = for_each(
        &a.input,
        a.column.as_deref(),
        |i| i % world == rank,
        |_, s| {
            let w = match s {
                Unlabelled::Tokens(w) => w,
                Unlabelled::Text(t) => split_words(&t).into_iter().map(|w| w.text).collect(),
            };
            words += w.len();
            buf.push(w);
            if buf.len() >= CHUNK && failed.is_none() {
                if let Err(e) = flush(&mut buf, &mut writer) {
                    failed = Some(e);
                }
            }
            Ok(())
        },
    )?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    flush(&mut buf, &mut writer)?;
    let rows = writer.finish()?;
    let mine = json!({"file": part, "rank": rank, "rows": rows, "words": words});
    let parts = match dist {
        Some(d) => d.gather_json(&mine)?,
        None => vec![mine],
    };
    if rank != 0 {
        eprintln!("[label] rank {rank}: {rows} sentences in {part}");
        return Ok(None);
    }
    let words: usize = parts
        .iter()
        .filter_map(|p| p["words"].as_u64())
        .sum::<u64>() as usize;
    let manifest = json!({
        "format": "distilner transfer set",
        "teacher": a.teacher,
        "labels": teacher.model.labels.names(),
        "top_k": a.top_k.clamp(1, teacher.model.labels.names().len()),
        "input": a.input.display().to_string(),
        "sentences": total,
        "words": words,
        "world_size": world,
        "parts": parts,
        "versions": crate::util::versions(),
    });
    crate::util::write_atomic(
        &a.out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    Ok(Some(LabelReport {
        sentences: total,
        words,
        parts: manifest["parts"].as_array().cloned().unwrap_or_default(),
        seconds: t0.elapsed().as_secs_f64(),
    }))
}
