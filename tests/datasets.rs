//! Users' data as the Hugging Face stack has it — Parquet, `save_to_disk`, JSON Lines, hub and
//! `datasets` caches, integer tags named by ClassLabel metadata — built with the real `datasets`
//! library from the CoNLL-2003 files, read by name and giving exactly what the CoNLL text gives.
mod common;
use common::*;
use std::path::Path;

fn stats_json(args: &[&str], env: &[(&str, &Path)]) -> serde_json::Value {
    let mut a = vec!["data", "stats", "--json"];
    a.extend_from_slice(args);
    let (ok, out, err) = distilner_env(&a, env);
    assert!(ok, "data stats {args:?} failed: {err}");
    serde_json::from_str(&out).unwrap()
}

/// The stats of each split, in train/validation/test order, without the names they were read under.
fn rows(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v.as_object().unwrap().values().cloned().collect()
}

#[test]
fn data_stats_on_every_copy_equals_the_conll_table() {
    let w = tempfile::tempdir().unwrap();
    let (tr, va, te) = (conll("eng.train"), conll("eng.testa"), conll("eng.testb"));
    make_datasets(
        w.path(),
        &[("train", &tr), ("validation", &va), ("test", &te)],
    );
    let p = |s: &str| w.path().join(s).display().to_string();
    let conll_files: Vec<String> = [&tr, &va, &te]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let want = rows(&stats_json(
        &conll_files.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    ));
    assert_eq!(want[0]["sentences"], 14041);
    assert_eq!(want[0]["docs"], 946);
    let empty = w.path().join("empty-cache");
    std::fs::create_dir_all(&empty).unwrap();
    let hub = w.path().join("hub");
    let dscache = w.path().join("dscache");
    let files = |dir: &str, ext: &str| -> Vec<String> {
        ["train", "validation", "test"]
            .iter()
            .map(|s| p(&format!("{dir}/{s}.{ext}")))
            .collect()
    };
    let names = "--label-names=O,B-PER,I-PER,B-ORG,I-ORG,B-LOC,I-LOC,B-MISC,I-MISC";
    type Case<'a> = (&'a str, Vec<String>, Vec<(&'a str, &'a Path)>);
    let cases: Vec<Case> = vec![
        (
            "parquet files (names in schema metadata)",
            files("parquet", "parquet"),
            vec![],
        ),
        ("save_to_disk DatasetDict", vec![p("saved")], vec![]),
        (
            "JSON Lines, string tags",
            files("jsonl_str", "jsonl"),
            vec![],
        ),
        (
            "JSON Lines, integer tags + --label-names",
            {
                let mut f = files("jsonl_int", "jsonl");
                f.push(names.into());
                f
            },
            vec![],
        ),
        (
            "hub id from HF_HUB_CACHE (names in the card)",
            vec!["test/conll2003".into()],
            vec![
                ("HF_HUB_CACHE", hub.as_path()),
                ("HF_DATASETS_CACHE", empty.as_path()),
                ("HF_HUB_OFFLINE", Path::new("1")),
            ],
        ),
        (
            "bare name from the hub cache",
            vec!["conll2003".into()],
            vec![
                ("HF_HUB_CACHE", hub.as_path()),
                ("HF_DATASETS_CACHE", empty.as_path()),
                ("HF_HUB_OFFLINE", Path::new("1")),
            ],
        ),
        (
            "hub id from the datasets cache",
            vec!["test/conll2003".into()],
            vec![
                ("HF_HUB_CACHE", empty.as_path()),
                ("HF_DATASETS_CACHE", dscache.as_path()),
                ("HF_HUB_OFFLINE", Path::new("1")),
            ],
        ),
    ];
    for (what, args, env) in cases {
        let got = rows(&stats_json(
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            &env,
        ));
        assert_eq!(got, want, "{what}");
    }
    // Integer tags with no names anywhere: refused, naming the file and the fix.
    let (ok, _, err) = distilner(&["data", "stats", &p("jsonl_int/test.jsonl")]);
    assert!(
        !ok && err.contains("jsonl_int/test.jsonl") && err.contains("--label-names"),
        "{err}"
    );
    // Names that contradict the data's own are refused.
    let (ok, _, err) = distilner(&[
        "data",
        "stats",
        &p("parquet/test.parquet"),
        "--label-names=O,B-LOC,I-LOC,B-PER,I-PER,B-ORG,I-ORG,B-MISC,I-MISC",
    ]);
    assert!(!ok && err.contains("disagree"), "{err}");
    // Offline with nothing cached: a clear error naming the caches searched.
    let (ok, _, err) = distilner_env(
        &["data", "stats", "nobody/nothing"],
        &[
            ("HF_HUB_CACHE", empty.as_path()),
            ("HF_DATASETS_CACHE", empty.as_path()),
            ("HF_HUB_OFFLINE", Path::new("1")),
        ],
    );
    assert!(
        !ok && err.contains("nobody/nothing") && err.contains("empty-cache"),
        "{err}"
    );
    // Online with the hub unreachable: a failed download, reported as one.
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_distilner"));
    c.args(["data", "stats", "nobody/nothing"])
        .env("HF_HUB_CACHE", &empty)
        .env("HF_DATASETS_CACHE", &empty)
        .env_remove("HF_HUB_OFFLINE")
        .env("HF_ENDPOINT", "http://127.0.0.1:9");
    let o = c.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success()
            && err.contains("failed to download")
            && err.contains("not in the local caches either"),
        "{err}"
    );
}

/// Writes `text` to `dir/name` and returns the path.
fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn bad_rows_are_errors_naming_file_row_and_fix() {
    let w = tempfile::tempdir().unwrap();
    let d = w.path();
    let names = "--label-names=O,B-PER,I-PER";
    let cases = [
        ("len.jsonl", "{\"tokens\": [\"a\", \"b\"], \"ner_tags\": [0]}\n", "line 1: 2 tokens but 1 tags"),
        ("range.jsonl", "{\"tokens\": [\"a\"], \"ner_tags\": [0]}\n{\"tokens\": [\"a\"], \"ner_tags\": [7]}\n", "line 2: tag id 7"),
        ("null.jsonl", "{\"tokens\": null, \"ner_tags\": [0]}\n", "line 1: \"tokens\" is null"),
        ("col.jsonl", "{\"words\": [\"a\"], \"labels\": [0], \"x\": 1}\n{\"toks\": [\"a\"], \"labels\": [0]}\n", "line 2: no column \"words\""),
        ("tag.jsonl", "{\"tokens\": [\"a\"], \"ner_tags\": [\"PER\"]}\n", "bad tag \"PER\""),
    ];
    for (file, text, want) in cases {
        let f = write(d, file, text);
        let (ok, _, err) = distilner(&["data", "stats", &f, names]);
        assert!(
            !ok && err.contains(&f) && err.contains(want),
            "{file}: {err}"
        );
    }
    // Parquet made by `datasets`: a ClassLabel name that is not a tag, a null row, a missing column.
    let script = r#"
import sys
from datasets import Dataset, Features, List, Value, ClassLabel
d = sys.argv[1]
Dataset.from_dict({"tokens": [["a"]], "ner_tags": [[1]]},
    features=Features({"tokens": List(Value("string")), "ner_tags": List(ClassLabel(names=["O", "PER"]))})).to_parquet(d + "/names.parquet")
Dataset.from_dict({"tokens": [["a"], None], "ner_tags": [[0], [0]]},
    features=Features({"tokens": List(Value("string")), "ner_tags": List(ClassLabel(names=["O", "B-PER"]))})).to_parquet(d + "/null.parquet")
Dataset.from_dict({"words": [["a"]], "ner": [["O"]]}).to_parquet(d + "/cols.parquet")
"#;
    let o = std::process::Command::new(venv_python())
        .args(["-c", script, &d.display().to_string()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = |n: &str| d.join(n).display().to_string();
    let (ok, _, err) = distilner(&["data", "stats", &p("names.parquet")]);
    assert!(
        !ok && err.contains("\"PER\"")
            && err.contains("id 1")
            && err.contains("huggingface schema metadata"),
        "{err}"
    );
    let (ok, _, err) = distilner(&["data", "stats", &p("null.parquet")]);
    assert!(!ok && err.contains("row 1: \"tokens\" is null"), "{err}");
    let (ok, _, err) = distilner(&["data", "stats", &p("cols.parquet")]);
    assert!(
        !ok && err.contains("no column \"ner_tags\"") && err.contains("--tags-column"),
        "{err}"
    );
    let (ok, out, err) = distilner(&[
        "data",
        "stats",
        &p("cols.parquet"),
        "--tags-column",
        "ner",
        "--json",
    ]);
    assert!(ok && out.contains("\"sentences\": 1"), "{err}");
}

/// metrics.json without what legitimately differs between two runs (timings, where the data was read).
fn comparable(run: &Path) -> String {
    let mut m = read_json(&run.join("metrics.json"));
    let o = m.as_object_mut().unwrap();
    for k in ["train_seconds", "data"] {
        o.remove(k);
    }
    if let Some(t) = o.get_mut("teacher") {
        t.as_object_mut().unwrap().remove("name");
    }
    // The teachers' paths differ; the rest of the distillation settings must not.
    if let Some(d) = o.get_mut("distill") {
        d.as_object_mut().unwrap().remove("teachers");
    }
    for h in o["history"].as_array_mut().unwrap() {
        h.as_object_mut().unwrap().remove("train_seconds");
    }
    serde_json::to_string_pretty(&m).unwrap()
}

#[test]
fn finetune_and_distill_on_parquet_give_the_metrics_of_the_conll_text() {
    let w = tempfile::tempdir().unwrap();
    let model = tiny_model_dir("tiny-bert-ner");
    let (tr, va, te) = (
        conll_subset("eng.train", 120, w.path()),
        conll_subset("eng.testa", 40, w.path()),
        conll_subset("eng.testb", 40, w.path()),
    );
    let ds = w.path().join("ds");
    make_datasets(&ds, &[("train", &tr), ("validation", &va), ("test", &te)]);
    let s = |p: &Path| p.display().to_string();
    let pq = |split: &str| s(&ds.join(format!("parquet/{split}.parquet")));
    let common = [
        "--epochs",
        "2",
        "--batch-size",
        "8",
        "--lr",
        "1e-3",
        "--threads",
        "1",
        "--device",
        "cpu",
    ];
    let text_data = [
        "--train".to_string(),
        s(&tr),
        "--dev".into(),
        s(&va),
        "--test".into(),
        s(&te),
    ];
    let parquet_data = [
        "--train".to_string(),
        pq("train"),
        "--dev".into(),
        pq("validation"),
        "--test".into(),
        pq("test"),
    ];
    let mut runs = Vec::new();
    for (name, data) in [("text", &text_data), ("parquet", &parquet_data)] {
        let t = w.path().join(format!("teacher-{name}"));
        let mut a = vec![
            "finetune",
            "--model",
            model.path().to_str().unwrap(),
            "--out",
            t.to_str().unwrap(),
        ];
        a.extend(data.iter().map(String::as_str));
        a.extend(common);
        let (ok, _, err) = distilner(&a);
        assert!(ok, "finetune on {name}: {err}");
        let st = w.path().join(format!("student-{name}"));
        let mut a = vec![
            "distill",
            "--teacher",
            t.to_str().unwrap(),
            "--student-layers",
            "0",
            "--out",
            st.to_str().unwrap(),
            "--min-teacher-f1",
            "0",
        ];
        a.extend(data.iter().map(String::as_str));
        a.extend(common);
        let (ok, _, err) = distilner(&a);
        assert!(ok, "distill on {name}: {err}");
        runs.push((t, st));
    }
    assert_eq!(comparable(&runs[0].0), comparable(&runs[1].0), "finetune");
    assert_eq!(comparable(&runs[0].1), comparable(&runs[1].1), "distill");
    // The card and metrics.json describe the data actually read.
    let m = read_json(&runs[1].1.join("metrics.json"));
    assert_eq!(m["data"][0]["format"], "parquet");
    assert_eq!(m["data"][0]["sentences"], 120);
    assert_eq!(m["data"][1]["sentences"], 40);
    assert_eq!(m["data"][0]["label_names"][1], "B-PER");
    let card = std::fs::read_to_string(runs[1].1.join("README.md")).unwrap();
    assert!(
        card.contains("train.parquet") && card.contains("| train |") && card.contains("| 120 |"),
        "{card}"
    );
    assert!(
        !card.contains("14,041") && !card.contains("eng.testa"),
        "{card}"
    );
    assert!(card.contains(&format!(
        "- libtorch {}",
        m["versions"]["libtorch"].as_str().unwrap()
    )));
    assert!(
        m["device"].as_str().unwrap().starts_with("CPU"),
        "{}",
        m["device"]
    );
    // predict --input on a dataset file: gold tags from the Parquet copy, the same lines as from the text.
    let pred = |input: &str| {
        let (ok, out, err) = distilner(&[
            "predict",
            "--model",
            runs[0].1.to_str().unwrap(),
            "--input",
            input,
            "--format",
            "conll",
        ]);
        assert!(ok, "predict --input {input}: {err}");
        out
    };
    let from_text = pred(&s(&te));
    assert!(from_text.lines().count() > 100);
    assert_eq!(pred(&pq("test")), from_text);
}
