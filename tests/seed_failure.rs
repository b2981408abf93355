//! The seed card's failure (F1 0.0165), end to end: a teacher whose head numbers its labels in
//! dslim/bert-base-NER's order, integer-tagged data in conll2003's order. Everything that maps labels
//! by name gives the student the unpermuted teacher gives; mapping by position is refused.
mod common;
use common::*;
use std::path::{Path, PathBuf};

const DSLIM: [&str; 9] = [
    "O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC",
];
const THIRD: [&str; 9] = [
    "I-LOC", "B-ORG", "O", "I-PER", "B-MISC", "I-ORG", "B-LOC", "I-MISC", "B-PER",
];

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() {
            std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
        }
    }
}

/// A copy of checkpoint `src` in `dst` with each `classifier.*` tensor passed through `head` (None drops
/// it) and config.json edited by `cfg`.
fn rewrite_checkpoint(
    src: &Path,
    dst: &Path,
    head: impl Fn(tch::Tensor) -> Option<tch::Tensor>,
    cfg: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) {
    copy_dir(src, dst);
    let tensors: Vec<(String, tch::Tensor)> =
        tch::Tensor::read_safetensors(src.join("model.safetensors"))
            .unwrap()
            .into_iter()
            .filter_map(|(n, t)| {
                let t = if n.starts_with("classifier.") {
                    head(t)?
                } else {
                    t
                };
                Some((n, t))
            })
            .collect();
    tch::Tensor::write_safetensors(&tensors, dst.join("model.safetensors")).unwrap();
    let mut config = read_json(&src.join("config.json"));
    cfg(config.as_object_mut().unwrap());
    std::fs::write(
        dst.join("config.json"),
        serde_json::to_string_pretty(&config).unwrap(),
    )
    .unwrap();
}

/// The same model with its classifier rows and id2label reordered to `order` (functionally identical).
fn permute_head(src: &Path, dst: &Path, order: &[&str]) {
    let id2label = read_json(&src.join("config.json"))["id2label"].clone();
    let old: Vec<String> = (0..id2label.as_object().unwrap().len())
        .map(|i| id2label[&i.to_string()].as_str().unwrap().to_string())
        .collect();
    assert_eq!(old.len(), order.len(), "labels {old:?}");
    let idx: Vec<i64> = order
        .iter()
        .map(|l| old.iter().position(|o| o == l).unwrap() as i64)
        .collect();
    let idx = tch::Tensor::from_slice(&idx);
    rewrite_checkpoint(
        src,
        dst,
        |t| Some(t.index_select(0, &idx)),
        |cfg| {
            let enumerate = || order.iter().enumerate();
            cfg.insert(
                "id2label".into(),
                enumerate()
                    .map(|(i, l)| (i.to_string(), serde_json::Value::from(*l)))
                    .collect(),
            );
            cfg.insert(
                "label2id".into(),
                enumerate()
                    .map(|(i, l)| (l.to_string(), serde_json::Value::from(i)))
                    .collect(),
            );
        },
    );
}

/// The same checkpoint without a classifier or labels (a bare encoder, like a hub base model).
fn strip_head(src: &Path, dst: &Path) {
    rewrite_checkpoint(
        src,
        dst,
        |_| None,
        |cfg| {
            cfg.remove("id2label");
            cfg.remove("label2id");
        },
    );
}

/// Scores and per-epoch results of a run: labels are names, so these must not depend on label order.
/// Losses are compared to 1e-4 (a permuted softmax sums its terms in another order; fp32 runs, since
/// bf16 rounding magnifies that to ~3e-4 over two epochs).
fn assert_same_student(a: &Path, b: &Path, what: &str) {
    let (ma, mb) = (
        read_json(&a.join("metrics.json")),
        read_json(&b.join("metrics.json")),
    );
    for split in ["dev", "test"] {
        for k in ["f1", "precision", "recall", "accuracy", "per_type"] {
            assert_eq!(ma[split][k], mb[split][k], "{what}: {split} {k}");
        }
    }
    let (ha, hb) = (
        ma["history"].as_array().unwrap(),
        mb["history"].as_array().unwrap(),
    );
    assert_eq!(ha.len(), hb.len(), "{what}: epochs");
    for (x, y) in ha.iter().zip(hb) {
        assert_eq!(x["f1"], y["f1"], "{what}: epoch F1");
        for k in ["training_loss", "validation_loss"] {
            let (u, v) = (x[k].as_f64().unwrap(), y[k].as_f64().unwrap());
            assert!(
                (u - v).abs() <= 1e-4 * u.abs().max(1.0),
                "{what}: {k} {u} vs {v}"
            );
        }
    }
}

struct Data {
    text: Vec<String>,
    ints: Vec<String>,
}

fn distill(teacher: &Path, data: &[String], out: &Path, extra: &[&str]) -> (bool, String, String) {
    let mut a = vec![
        "distill",
        "--teacher",
        teacher.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--lr",
        "1e-3",
        "--threads",
        "1",
        "--device",
        "cpu",
        "--min-teacher-f1",
        "0",
        "--save-every",
        "3",
        "--mixed-precision",
        "false",
    ];
    a.extend(data.iter().map(String::as_str));
    a.extend_from_slice(extra);
    distilner(&a)
}

fn run_ok(teacher: &Path, data: &[String], out: &Path, extra: &[&str]) -> PathBuf {
    let (ok, _, err) = distill(teacher, data, out, extra);
    assert!(ok, "distill into {}: {err}", out.display());
    out.to_path_buf()
}

#[test]
fn a_teacher_in_dslims_order_on_integer_tags_distils_to_the_same_student() {
    let w = tempfile::tempdir().unwrap();
    let wp = w.path();
    let model = tiny_model_dir("tiny-bert-ner");
    let (tr, va, te) = (
        conll_subset("eng.train", 600, wp),
        conll_subset("eng.testa", 40, wp),
        conll_subset("eng.testb", 40, wp),
    );
    make_datasets(
        &wp.join("ds"),
        &[("train", &tr), ("validation", &va), ("test", &te)],
    );
    let s = |p: &Path| p.display().to_string();
    let pq = |split: &str| s(&wp.join(format!("ds/parquet/{split}.parquet")));
    let d = Data {
        text: vec![
            "--train".into(),
            s(&tr),
            "--dev".into(),
            s(&va),
            "--test".into(),
            s(&te),
        ],
        ints: vec![
            "--train".into(),
            pq("train"),
            "--dev".into(),
            pq("validation"),
            "--test".into(),
            pq("test"),
        ],
    };
    // A fine-tuned teacher (the tiny model needs 20 epochs on 600 sentences to score above 0), and the same teacher with its head in dslim/bert-base-NER's order.
    let teacher = wp.join("teacher");
    let mut a = vec![
        "finetune",
        "--model",
        model.path().to_str().unwrap(),
        "--out",
        teacher.to_str().unwrap(),
        "--epochs",
        "20",
        "--batch-size",
        "16",
        "--lr",
        "5e-3",
        "--threads",
        "1",
        "--device",
        "cpu",
    ];
    a.extend(d.text.iter().map(String::as_str));
    let (ok, _, err) = distilner(&a);
    assert!(ok, "{err}");
    let dslim = wp.join("teacher-dslim");
    permute_head(&teacher, &dslim, &DSLIM);

    // 1. A student built from the teacher's layers.
    let a1 = run_ok(
        &teacher,
        &d.text,
        &wp.join("a1"),
        &["--student-layers", "0"],
    );
    let b1 = run_ok(&dslim, &d.ints, &wp.join("b1"), &["--student-layers", "0"]);
    assert_same_student(&a1, &b1, "built student");

    // 2. Into an existing student checkpoint whose head has a third order.
    let s0 = wp.join("s0");
    let (ok, _, err) = distilner(&[
        "init-student",
        "--teacher",
        teacher.to_str().unwrap(),
        "--layers",
        "0",
        "--out",
        s0.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let s3 = wp.join("s3");
    permute_head(&s0, &s3, &THIRD);
    let a2 = run_ok(
        &teacher,
        &d.text,
        &wp.join("a2"),
        &["--student", s0.to_str().unwrap()],
    );
    let b2 = run_ok(
        &dslim,
        &d.ints,
        &wp.join("b2"),
        &["--student", s3.to_str().unwrap()],
    );
    assert_same_student(&a2, &b2, "student with a third head order");
    let card = std::fs::read_to_string(a2.join("README.md")).unwrap();
    assert!(
        card.contains(&format!("base_model: {}", s0.display())),
        "--student is the base model: {card}"
    );

    // 3. Into a head-less checkpoint: the new head follows the data's labels, not the teacher's order.
    let h = wp.join("headless");
    strip_head(&s0, &h);
    let a3 = run_ok(
        &teacher,
        &d.text,
        &wp.join("a3"),
        &["--student", h.to_str().unwrap()],
    );
    let b3 = run_ok(
        &dslim,
        &d.ints,
        &wp.join("b3"),
        &["--student", h.to_str().unwrap()],
    );
    assert_same_student(&a3, &b3, "head-less student");

    // 4. Killed mid-run and resumed: the uninterrupted run's student.
    let k = wp.join("killed");
    let (ok, _, _) = distill(
        &dslim,
        &d.ints,
        &k,
        &["--student-layers", "0", "--exit-after-step", "7"],
    );
    assert!(!ok, "the injected exit must stop the run");
    run_ok(&dslim, &d.ints, &k, &["--student-layers", "0", "--resume"]);
    assert_same_student(&b1, &k, "killed and resumed");

    // 5. The seed's mistake on purpose: rename the teacher's labels to the data's names by index.
    let by_position: Vec<String> = DSLIM
        .iter()
        .zip([
            "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC",
        ])
        .filter(|(t, d)| t != &d)
        .map(|(t, d)| format!("{t}={d}"))
        .collect();
    let (ok, _, err) = distill(
        &dslim,
        &d.ints,
        &wp.join("seed"),
        &[
            "--student-layers",
            "0",
            "--label-map",
            &by_position.join(","),
        ],
    );
    assert!(!ok, "a map by position must be refused");
    assert!(
        err.contains("by position") && err.contains("B-MISC→B-PER") && err.contains("dev F1"),
        "{err}"
    );
    let teacher_f1 = read_json(&a1.join("metrics.json"))["teacher"]["dev_f1"]
        .as_f64()
        .unwrap();
    assert!(
        err.contains(&format!("{teacher_f1:.4}")),
        "names the teacher's own dev F1 {teacher_f1:.4}: {err}"
    );
}
