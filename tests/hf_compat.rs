//! Directories distilner writes load unchanged in Python transformers (the project's venv) and give
//! the same logits; saving and loading back in distilner gives identical outputs.
mod common;
use common::*;
use distilner::model::student::build_student;
use distilner::model::{load_dir, save_dir, Head};
use tch::{Device, Tensor};

fn python() -> std::path::PathBuf {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(p.exists(), "{} missing: run ./setup.sh", p.display());
    p
}

fn check_against_python(dir: &std::path::Path, arch: &str) {
    let words = ["Peter", "Blackburn", "visited", "Zürich", "in", "1996", "."];
    let l = load_dir(dir, Head::Keep, Device::Cpu).unwrap();
    let enc = l.tokenizer.encode_words(&words).unwrap();
    let n = enc.input_ids.len() as i64;
    let ids = Tensor::from_slice(&enc.input_ids).view([1, n]);
    let ours = l
        .model
        .forward(&ids, &ids.ones_like(), false, false)
        .logits
        .squeeze_dim(0);
    let o = std::process::Command::new(python())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hf_load.py"))
        .arg(dir)
        .arg(serde_json::to_string(&words).unwrap())
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&o.stdout).lines().last().unwrap()).unwrap();
    assert_eq!(v["class"], arch);
    let py_ids: Vec<i64> = serde_json::from_value(v["input_ids"].clone()).unwrap();
    assert_eq!(
        py_ids, enc.input_ids,
        "tokenizer files give the same ids in Python"
    );
    let py: Vec<Vec<f32>> = serde_json::from_value(v["logits"].clone()).unwrap();
    let py = Tensor::from_slice(&py.concat()).view([n, -1]);
    let d = (&ours - py).abs().max().double_value(&[]);
    assert!(d < 1e-4, "logits differ by {d}");
    assert_eq!(v["id2label"]["0"], l.model.labels.name(0));
}

#[test]
fn bert_and_distilbert_dirs_load_in_transformers() {
    let m = tiny_model_dir("tiny-bert-ner");
    let work = tempfile::tempdir().unwrap();
    let l = load_dir(m.path(), Head::Keep, Device::Cpu).unwrap();
    let bert = work.path().join("bert");
    save_dir(&l.model, &l.tokenizer, &bert).unwrap();
    check_against_python(&bert, "BertForTokenClassification");
    let student = build_student(&l.model, &[1]).unwrap();
    let sdir = work.path().join("student");
    save_dir(&student, &l.tokenizer, &sdir).unwrap();
    check_against_python(&sdir, "DistilBertForTokenClassification");
}

#[test]
fn save_then_load_gives_identical_outputs() {
    let m = tiny_model_dir("tiny-distilbert-ner");
    let l = load_dir(m.path(), Head::Keep, Device::Cpu).unwrap();
    let work = tempfile::tempdir().unwrap();
    save_dir(&l.model, &l.tokenizer, work.path()).unwrap();
    let l2 = load_dir(work.path(), Head::Keep, Device::Cpu).unwrap();
    let ids = Tensor::from_slice(&[101i64, 200, 300, 400, 102]).view([1, 5]);
    let a = l.model.forward(&ids, &ids.ones_like(), false, false).logits;
    let b = l2
        .model
        .forward(&ids, &ids.ones_like(), false, false)
        .logits;
    assert_eq!((a - b).abs().max().double_value(&[]), 0.0);
    assert_eq!(l2.model.labels, l.model.labels);
    assert_eq!(l2.tokenizer.lowercase, l.tokenizer.lowercase);
}
