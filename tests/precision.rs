//! `--precision int8` in the inference commands, and `--precision auto` by measurement:
//! `distilner precision` scores and times a model on dev in each precision, saves its choice in
//! precision.json, and predict/eval follow it (saying which they picked and why).
mod common;
use common::*;

fn eval_f1(model: &str, precision: &str, data: &str) -> (f64, String) {
    let (ok, out, err) = distilner(&[
        "eval",
        "--model",
        model,
        "--data",
        data,
        "--precision",
        precision,
        "--threads",
        "1",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    (v["f1"].as_f64().unwrap(), err)
}

#[test]
fn int8_evaluates_and_auto_follows_the_measured_choice() {
    let m = tiny_model_dir("tiny-bert-ner");
    let model = m.path().to_str().unwrap();
    let work = tempfile::tempdir().unwrap();
    let dev = conll_subset("eng.testa", 40, work.path());
    let dev = dev.to_str().unwrap();
    // The tiny random model's F1 is near 0 either way: compare predictions, not quality.
    let (f32_f1, _) = eval_f1(model, "fp32", dev);
    let (i8_f1, _) = eval_f1(model, "int8", dev);
    assert!(
        (f32_f1 - i8_f1).abs() < 0.05,
        "fp32 {f32_f1} vs int8 {i8_f1}"
    );

    // No measurement yet: auto falls back to the hardware rule and says so.
    let (_, err) = eval_f1(model, "auto", dev);
    assert!(err.contains("no precision.json"), "{err}");

    let (ok, out, err) = distilner(&[
        "precision",
        "--model",
        model,
        "--data",
        dev,
        "--threads",
        "1",
    ]);
    assert!(ok, "{err}");
    let v = read_json(&m.path().join("precision.json"));
    let names: Vec<&str> = v["measured"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["precision"].as_str().unwrap())
        .collect();
    assert_eq!(names.first(), Some(&"fp32"), "{v}");
    assert!(names.contains(&"int8"), "{v}");
    for x in v["measured"].as_array().unwrap() {
        assert!(x["sentences_per_s"].as_f64().unwrap() > 0.0, "{x}");
        assert!(x["dev_f1"].as_f64().is_some(), "{x}");
        // Nothing compiled here: every precision ran on distilner's own layers.
        assert_eq!(x["engine"], "eager", "{x}");
    }
    assert_eq!(v["dev_sentences"], 40);
    assert!(
        out.contains(&format!("chosen: {}", v["chosen"].as_str().unwrap())),
        "{out}"
    );

    // A saved choice is followed: force one and watch auto pick it.
    for choice in ["int8", "fp32"] {
        let mut v = v.clone();
        v["chosen"] = choice.into();
        std::fs::write(m.path().join("precision.json"), v.to_string()).unwrap();
        let (_, err) = eval_f1(model, "auto", dev);
        assert!(
            err.contains(&format!("--precision auto: {choice} (")),
            "{err}"
        );
    }
    // An unknown precision is refused with the list of those there are.
    let (ok, _, err) = distilner(&[
        "eval",
        "--model",
        model,
        "--data",
        dev,
        "--precision",
        "fp8",
    ]);
    assert!(!ok && err.contains("int8"), "{err}");
}

/// `predict --precision int8` tags a file like fp32 does on the tiny model (same words tagged).
#[test]
fn predict_in_int8() {
    let m = tiny_model_dir("tiny-distilbert-ner");
    let work = tempfile::tempdir().unwrap();
    let f = work.path().join("in.txt");
    std::fs::write(
        &f,
        "Angela Merkel visited Paris .\nEU rejects German call .\n",
    )
    .unwrap();
    let run = |p: &str| {
        let (ok, out, err) = distilner(&[
            "predict",
            "--model",
            m.path().to_str().unwrap(),
            "--input",
            f.to_str().unwrap(),
            "--precision",
            p,
            "--aggregation",
            "none",
        ]);
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v
    };
    let (a, b) = (run("fp32"), run("int8"));
    assert_eq!(a.as_array().unwrap().len(), 2);
    let words = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s.as_array().unwrap().iter().map(|e| e["word"].to_string()))
            .collect()
    };
    assert!(!words(&a).is_empty(), "{a}");
    assert_eq!(words(&a), words(&b));
}
