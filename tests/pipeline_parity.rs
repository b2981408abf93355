//! `predict` against the transformers token-classification pipeline on the same model, for every
//! aggregation strategy, on words with inner punctuation ("U.S.", "Merkel's", "e-mail", "3.5%")
//! where a CoNLL-style word split groups sub-tokens differently from the pipeline.
mod common;
use common::*;
use serde_json::Value;

const TEXTS: &[&str] = &[
    "U.S. President Joe Biden met Angela Merkel's team in Paris.",
    "The e-mail from J.P. Morgan Chase & Co. arrived at 3.5% past noon.",
    "Manchester United's coach said Real Madrid C.F. won 2-1 in Spain's capital.",
    "EU rejects German call to boycott British lamb.",
    "Peter Blackburn (BRUSSELS) -- O'Neill's U.N.-backed plan, \"Project X\", starts today.",
];

#[test]
fn predict_matches_the_transformers_pipeline_for_every_strategy() {
    let m = tiny_model_dir("tiny-bert-ner");
    let w = tempfile::tempdir().unwrap();
    let input = w.path().join("texts.txt");
    std::fs::write(&input, TEXTS.join("\n") + "\n").unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hf_pipeline.py");
    let o = std::process::Command::new(venv_python())
        .arg(script)
        .arg(m.path())
        .arg(&input)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let hf: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut compared = 0;
    for s in ["none", "simple", "first", "average", "max"] {
        let (ok, out, err) = distilner(&[
            "predict",
            "--model",
            m.path().to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--input-format",
            "text",
            "--aggregation",
            s,
            "--threads",
            "1",
        ]);
        assert!(ok, "{err}");
        let ours: Value = serde_json::from_str(&out).unwrap();
        for (t, (a, b)) in ours
            .as_array()
            .unwrap()
            .iter()
            .zip(hf[s].as_array().unwrap())
            .enumerate()
        {
            let (a, b) = (a.as_array().unwrap(), b.as_array().unwrap());
            assert_eq!(
                a.len(),
                b.len(),
                "{s}, text {t}: {} entities vs the pipeline's {}:\nours {a:?}\nhf   {b:?}",
                a.len(),
                b.len()
            );
            for (x, y) in a.iter().zip(b) {
                for k in ["entity_group", "entity", "word", "start", "end", "index"] {
                    assert_eq!(
                        x.get(k),
                        y.get(k),
                        "{s}, text {t}, key {k}:\nours {x}\nhf   {y}"
                    );
                }
                let (sx, sy) = (x["score"].as_f64().unwrap(), y["score"].as_f64().unwrap());
                assert!((sx - sy).abs() < 1e-4, "{s}, text {t}: score {sx} vs {sy}");
                compared += 1;
            }
        }
    }
    assert!(compared > 50, "only {compared} entities compared");
}
