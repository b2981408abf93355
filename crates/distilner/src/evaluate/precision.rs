//! `--precision auto` by measurement: a model directory is scored and timed on a dev split in every
//! precision the device runs (fp32, bf16, and int8 on CPU), each on the engine `--engine auto` gives
//! it (fp32 through `distilner compile`'s packages where they apply), and the fastest whose dev F1 is
//! at most `MAX_F1_LOSS` below fp32's is chosen (an `infer::precision::PrecisionChoice`).
use super::evaluate;
use crate::data::Corpus;
use crate::eval::Mode;
use crate::infer::engine::{attach, Engine};
use crate::infer::precision::{device_kind, Measured, PrecisionChoice};
use crate::infer::tagging::Tagging;
use crate::infer::{tag_sentences, TagOptions};
use crate::model::precision::native_bf16;
use crate::model::{load_dir, Head, Precision};
use crate::Result;
use std::path::Path;
use std::time::Instant;

/// The largest dev F1 loss (absolute, 0.3 points) a faster precision may cost.
pub const MAX_F1_LOSS: f64 = 0.003;

/// The precisions `device` runs fast: fp32, bf16 where it is native, fp16 on GPU, int8 on CPU.
pub fn candidates(device: tch::Device) -> Vec<Precision> {
    let mut v = vec![Precision::Fp32];
    if native_bf16(device) {
        v.push(Precision::Bf16);
    }
    if device.is_cuda() {
        v.push(Precision::Fp16);
    }
    if !device.is_cuda() {
        v.push(Precision::Int8);
    }
    v
}

/// Score and time `dir` on `dev` in every candidate precision and pick one.
pub fn measure(dir: &Path, dev: &Corpus, device: tch::Device) -> Result<PrecisionChoice> {
    let base = TagOptions {
        batch_size: 32,
        ..TagOptions::default()
    };
    // Scored as the model is applied (its document context and decoding).
    let opt = Tagging::load(dir)?.map_or(base, |t| t.apply(base));
    let mut measured = Vec::new();
    for p in candidates(device) {
        let mut l = load_dir(dir, Head::Keep, device)?;
        l.model.set_inference_precision(p)?;
        attach(&mut l.model, dir, Engine::Auto, 1)?;
        let engine = if l.model.compiled().is_some() {
            "compiled"
        } else {
            "eager"
        };
        let warm: Vec<Vec<&str>> = dev
            .sentences
            .iter()
            .take(200)
            .map(|s| s.words.iter().map(|w| w.as_str()).collect())
            .collect();
        tag_sentences(&l.model, &l.tokenizer, &warm, &opt)?;
        let t = Instant::now();
        let (report, _) = evaluate(&l.model, &l.tokenizer, dev, &opt, Mode::Default)?;
        measured.push(Measured {
            precision: p.name().into(),
            engine: engine.into(),
            dev_f1: report.f1,
            sentences_per_s: dev.sentences.len() as f64 / t.elapsed().as_secs_f64(),
        });
    }
    Ok(PrecisionChoice {
        chosen: pick(&measured).to_string(),
        rule: format!(
            "fastest precision whose dev F1 is at most {:.1} points below fp32's",
            MAX_F1_LOSS * 100.0
        ),
        device: device_kind(device).into(),
        threads: tch::get_num_threads(),
        dev_sentences: dev.sentences.len(),
        measured,
    })
}

/// The fastest measurement within `MAX_F1_LOSS` of the first (fp32).
pub fn pick(m: &[Measured]) -> &str {
    let base = m[0].dev_f1;
    m.iter()
        .filter(|x| base - x.dev_f1 <= MAX_F1_LOSS + 1e-12)
        .max_by(|a, b| a.sentences_per_s.total_cmp(&b.sentences_per_s))
        .map_or("fp32", |x| x.precision.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, f1: f64, sps: f64) -> Measured {
        Measured {
            precision: p.into(),
            engine: "eager".into(),
            dev_f1: f1,
            sentences_per_s: sps,
        }
    }

    #[test]
    fn picks_the_fastest_within_the_f1_budget() {
        let all = [
            m("fp32", 0.900, 100.0),
            m("bf16", 0.899, 200.0),
            m("int8", 0.8975, 300.0),
        ];
        assert_eq!(pick(&all), "int8"); // 0.25 points lost
        let all = [
            m("fp32", 0.900, 100.0),
            m("bf16", 0.899, 200.0),
            m("int8", 0.8965, 300.0),
        ];
        assert_eq!(pick(&all), "bf16"); // int8 loses 0.35 points
        let all = [m("fp32", 0.900, 300.0), m("bf16", 0.899, 200.0)];
        assert_eq!(pick(&all), "fp32"); // fastest already
    }
}
