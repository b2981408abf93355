//! `bench --onnxruntime`: run directories export with the ecosystem's exporter (Optimum), ONNX
//! Runtime's fp32 logits equal distilner's within 1e-4 on every window, both ONNX Runtime engines
//! (fp32, dynamic int8) are timed in the same run as distilner's, and each gets its F1 from
//! distilner's own pipeline.
mod common;
use common::*;

fn bench_with_onnxruntime(model: &str) -> serde_json::Value {
    let (out, v) = bench_tiny(
        model,
        &[
            "--onnxruntime",
            "--limit",
            "30",
            "--batch",
            "1",
            "8",
            "--precision",
            "fp32",
            "int8",
        ],
    );
    assert!(
        out.contains("onnxruntime") && out.contains(" int8 "),
        "{out}"
    );
    v
}

fn check(model: &str) {
    let v = bench_with_onnxruntime(model);
    let e = &v["onnx_exports"][0];
    let diff = e["fp32_max_abs_diff"].as_f64().unwrap();
    eprintln!("{model}: ONNX Runtime fp32 logits within {diff:e} of distilner's");
    // Two engines' float reductions never agree to the bit on every logit: 0 means nothing compared.
    assert!(
        diff > 0.0 && diff < 1e-4,
        "{model}: ONNX Runtime fp32 logits differ by {diff}"
    );
    assert_eq!(e["windows_compared"], 30, "{e}");
    let rows = v["results"].as_array().unwrap();
    let engine = |prefix: &str, suffix: &str| {
        rows.iter()
            .find(|r| {
                let e = r["engine"].as_str().unwrap();
                e.starts_with(prefix) && e.ends_with(suffix)
            })
            .unwrap_or_else(|| panic!("no {prefix} {suffix} row in {v}"))
    };
    let ours = engine("distilner", "fp32");
    let (ort, ort8) = (
        engine("onnxruntime", " fp32"),
        engine("onnxruntime", " int8"),
    );
    // Same logits to 1e-4 → same tags → the same F1 from the same scorer.
    assert_eq!(ours["f1"], ort["f1"], "{v}");
    for r in [ort, ort8] {
        assert_eq!(r["sentences"], 30);
        for b in ["1", "8"] {
            assert!(
                r["batches"][b]["sentences_per_s"].as_f64().unwrap() > 0.0,
                "{r}"
            );
        }
    }
}

#[test]
fn bert_run_dir_exports_with_optimum_and_matches_distilner() {
    check("tiny-bert-ner");
}

#[test]
fn distilbert_run_dir_exports_with_optimum_and_matches_distilner() {
    check("tiny-distilbert-ner");
}
