//! The CLI as a user meets it: data stats, score (conlleval drop-in), eval, predict, init-student,
//! inspect, hub-cache ids, and clear errors on bad input.
mod common;
use common::*;

#[test]
fn data_stats_reproduces_the_shared_readme_table() {
    let d = shared().join("data/conll2003");
    let files: Vec<String> = ["eng.train", "eng.testa", "eng.testb"]
        .iter()
        .map(|f| d.join(f).display().to_string())
        .collect();
    let mut args = vec!["data", "stats"];
    args.extend(files.iter().map(|s| s.as_str()));
    let (ok, out, err) = distilner(&args);
    assert!(ok, "{err}");
    assert!(
        out.contains("| 946 | 14,041 | 203,621 | 6,600 | 7,140 | 6,321 | 3,438 | IOB1 |"),
        "{out}"
    );
    assert!(
        out.contains("| 216 | 3,250 | 51,362 | 1,842 | 1,837 | 1,341 | 922 | IOB1 |"),
        "{out}"
    );
    assert!(
        out.contains("| 231 | 3,453 | 46,435 | 1,617 | 1,668 | 1,661 | 702 | IOB1 |"),
        "{out}"
    );
}

#[test]
fn score_is_a_conlleval_drop_in() {
    let cases = jsonl(testvectors().join("metrics.jsonl"));
    let dir = tempfile::tempdir().unwrap();
    for i in [0usize, 17, 299] {
        let c = &cases[i];
        let mut text = String::new();
        for (g, p) in c["gold"]
            .as_array()
            .unwrap()
            .iter()
            .zip(c["pred"].as_array().unwrap())
        {
            for (a, b) in g.as_array().unwrap().iter().zip(p.as_array().unwrap()) {
                text += &format!("tok POS {} {}\n", a.as_str().unwrap(), b.as_str().unwrap());
            }
            text += "\n";
        }
        let f = dir.path().join(format!("case{i}.txt"));
        std::fs::write(&f, text).unwrap();
        let (ok, out, err) = distilner(&["score", f.to_str().unwrap()]);
        assert!(ok, "{err}");
        assert_eq!(out, c["conlleval_output"].as_str().unwrap());
        let (ok, out, _) = distilner(&["score", f.to_str().unwrap(), "--json", "--mode", "strict"]);
        assert!(ok);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(
            (v["f1"].as_f64().unwrap() - c["strict_iob2"]["f1"].as_f64().unwrap()).abs() < 1e-9
        );
    }
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "a O O\nb B-PER B-PER\nc X-PER O\n").unwrap();
    let (ok, _, err) = distilner(&["score", bad.to_str().unwrap()]);
    assert!(
        !ok && err.contains("bad.txt:3") && err.contains("X-PER"),
        "{err}"
    );
    std::fs::write(&bad, b"a O O\n\xff O O\n").unwrap();
    let (ok, _, err) = distilner(&["score", bad.to_str().unwrap()]);
    assert!(
        !ok && err.contains("bad.txt:2") && err.contains("UTF-8"),
        "{err}"
    );
}

#[test]
fn bad_data_files_get_file_line_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        ("one_col.txt", b"EU B-ORG\nrejects\n", "one_col.txt:2"),
        ("bad_tag.txt", b"EU B-ORG\nx Q-ORG\n", "bad_tag.txt:2"),
        ("empty.txt", b"", "empty"),
        ("nosent.txt", b"-DOCSTART- -X- O\n\n\n", "no sentences"),
        (
            "latin1.txt",
            b"Z\xfcrich B-LOC\n",
            "latin1.txt:1: invalid UTF-8",
        ),
    ];
    for (name, bytes, want) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let (ok, out, err) = distilner(&["data", "stats", p.to_str().unwrap()]);
        assert!(!ok, "{name}: {out}");
        assert!(
            err.contains(want) && !err.contains("panicked"),
            "{name}: {err}"
        );
    }
}

#[test]
fn init_student_inspect_eval_and_predict_on_a_tiny_model() {
    let m = tiny_model_dir("tiny-bert-ner");
    let work = tempfile::tempdir().unwrap();
    let s = work.path().join("student");
    let (ok, out, err) = distilner(&[
        "init-student",
        "--teacher",
        m.path().to_str().unwrap(),
        "--layers",
        "1",
        "--out",
        s.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("from teacher layers [1]"), "{out}");
    let (ok, out, err) = distilner(&["inspect", s.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        out.contains("DistilBert")
            && out.contains("layers:       1")
            && out.contains("cased")
            && out.contains("B-MISC"),
        "{out}"
    );

    let test = conll_subset("eng.testb", 20, work.path());
    let (ok, out, err) = distilner(&[
        "eval",
        "--model",
        s.to_str().unwrap(),
        "--data",
        test.to_str().unwrap(),
        "--conlleval",
    ]);
    assert!(ok, "{err}");
    assert!(out.starts_with("processed "), "{out}");

    let (ok, out, err) = distilner(&[
        "predict",
        "--model",
        s.to_str().unwrap(),
        "--aggregation",
        "none",
        "Zürich  and\tBerlin 🙂",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text: Vec<char> = "Zürich  and\tBerlin 🙂".chars().collect();
    for e in v.as_array().unwrap() {
        let (a, b) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        assert!(a < b && b <= text.len(), "{e}");
    }
    let jl = work.path().join("docs.jsonl");
    std::fs::write(&jl, "{\"text\": \"Paris\"}\n{\"text\": \"Rome\"}\n").unwrap();
    let (ok, out, err) = distilner(&[
        "predict",
        "--model",
        s.to_str().unwrap(),
        "--input",
        jl.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 2);
    // The same texts as one HTML page: each text with its entities marked, a legend of the types.
    let (ok, html, err) = distilner(&[
        "predict",
        "--model",
        s.to_str().unwrap(),
        "--input",
        jl.to_str().unwrap(),
        "--format",
        "html",
    ]);
    assert!(ok, "{err}");
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert_eq!(html.matches("<div class=\"doc\">").count(), 2, "{html}");
    for (line, doc) in out.lines().zip(html.split("<div class=\"doc\">").skip(1)) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let want = distilner::infer::render::doc(v["text"].as_str().unwrap(), &v["entities"]);
        assert!(
            want.ends_with(doc.split('\n').next().unwrap()),
            "{want} vs {doc}"
        );
    }
    assert!(html.contains("<div class=\"legend\">"), "{html}");
    let n_words = std::fs::read_to_string(&test)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    // Every word gets a prediction, in fp32 and in bf16.
    for precision in ["fp32", "bf16"] {
        let (ok, out, err) = distilner(&[
            "predict",
            "--model",
            s.to_str().unwrap(),
            "--input",
            test.to_str().unwrap(),
            "--format",
            "conll",
            "--precision",
            precision,
        ]);
        assert!(ok, "{err}");
        assert_eq!(
            out.lines().filter(|l| !l.trim().is_empty()).count(),
            n_words,
            "{precision}"
        );
    }
    std::fs::write(&jl, "{\"txt\": 1}\n").unwrap();
    let (ok, _, err) = distilner(&[
        "predict",
        "--model",
        s.to_str().unwrap(),
        "--input",
        jl.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("docs.jsonl:1"), "{err}");

    // An unknown precision is a clear error.
    let (ok, _, err) = distilner(&[
        "predict",
        "--model",
        s.to_str().unwrap(),
        "--precision",
        "fp8",
        "x",
    ]);
    assert!(!ok && err.contains("unknown precision"), "{err}");
}

#[test]
fn hub_ids_resolve_from_the_hf_cache_offline() {
    let m = tiny_model_dir("tiny-bert-ner");
    let home = tempfile::tempdir().unwrap();
    let repo = home.path().join("hub/models--acme--tiny-ner");
    let snap = repo.join("snapshots/0123abcd");
    std::fs::create_dir_all(&snap).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs/main"), "0123abcd").unwrap();
    for f in std::fs::read_dir(m.path()).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), snap.join(f.file_name())).unwrap();
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_distilner"))
        .args(["inspect", "acme/tiny-ner"])
        .env("HF_HOME", home.path())
        .env_remove("HF_HUB_CACHE")
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        out.contains("0123abcd") && out.contains("layers:       2"),
        "{out}"
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_distilner"))
        .args(["inspect", "acme/missing"])
        .env("HF_HOME", home.path())
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("not in the Hugging Face cache"),
        "{err}"
    );
    // HF_HUB_CACHE names the hub cache itself and wins over HF_HOME (hf-hub's own lookup ignores it).
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_distilner"))
        .args(["inspect", "acme/tiny-ner"])
        .env("HF_HOME", "/nonexistent")
        .env("HF_HUB_CACHE", home.path().join("hub"))
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "HF_HUB_CACHE: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Online but the hub unreachable: reported as a failed download, not as a missing model.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_distilner"))
        .args(["inspect", "acme/missing"])
        .env("HF_HUB_CACHE", home.path().join("hub"))
        .env_remove("HF_HUB_OFFLINE")
        .env("HF_ENDPOINT", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("the download failed"),
        "{err}"
    );
}

#[test]
fn broken_checkpoints_get_clear_errors() {
    let m = tiny_model_dir("tiny-bert-ner");
    let p = m.path();
    // Truncated weights.
    let w = std::fs::read(p.join("model.safetensors")).unwrap();
    std::fs::write(p.join("model.safetensors"), &w[..w.len() / 2]).unwrap();
    let (ok, _, err) = distilner(&["inspect", p.to_str().unwrap()]);
    assert!(
        !ok && err.contains("model.safetensors") && err.contains("truncated or corrupt"),
        "{err}"
    );
    std::fs::write(p.join("model.safetensors"), &w).unwrap();
    // Config shapes that disagree with the weights.
    let mut cfg = read_json(&p.join("config.json"));
    cfg["intermediate_size"] = 256.into();
    std::fs::write(p.join("config.json"), cfg.to_string()).unwrap();
    let (ok, _, err) = distilner(&["inspect", p.to_str().unwrap()]);
    assert!(
        !ok && err.contains("does not belong to these weights"),
        "{err}"
    );
    cfg["intermediate_size"] = 128.into();
    // A tokenizer larger than the model's vocabulary.
    cfg["vocab_size"] = 500.into();
    std::fs::write(p.join("config.json"), cfg.to_string()).unwrap();
    let (ok, _, err) = distilner(&["inspect", p.to_str().unwrap()]);
    assert!(
        !ok && (err.contains("vocab_size") || err.contains("shape")),
        "{err}"
    );
    // pytorch_model.bin only.
    std::fs::remove_file(p.join("model.safetensors")).unwrap();
    std::fs::write(p.join("pytorch_model.bin"), b"x").unwrap();
    let (ok, _, err) = distilner(&["inspect", p.to_str().unwrap()]);
    assert!(!ok && err.contains("safe_serialization=True"), "{err}");
}

/// `bench` on a tiny model: every (model, precision) gets throughput per batch size, latency and F1.
/// (`tests/onnxruntime.rs` adds ONNX Runtime to the same run.)
#[test]
fn bench_times_each_precision_with_its_f1() {
    let (out, v) = bench_tiny(
        "tiny-bert-ner",
        &[
            "--limit",
            "20",
            "--batch",
            "1",
            "4",
            "--precision",
            "fp32",
            "bf16",
            "int8",
        ],
    );
    assert!(
        out.contains("distilner fp32")
            && out.contains("distilner bf16")
            && out.contains("distilner int8"),
        "{out}"
    );
    let rows = v["results"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        assert_eq!(r["sentences"], 20);
        let f1 = r["f1"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&f1));
        for b in ["1", "4"] {
            let s = &r["batches"][b];
            assert!(s["sentences_per_s"].as_f64().unwrap() > 0.0, "{r}");
            assert!(s["p99_ms"].as_f64().unwrap() >= s["p50_ms"].as_f64().unwrap());
        }
    }
}

/// The GPU baseline (`bench/torch_eager.py`, what `bench --device cuda` runs per precision) works on
/// any device and dtype: checked here on CPU in bf16 and fp16, with the JSON `bench` reads.
#[test]
fn torch_eager_baseline_runs_in_each_dtype() {
    let m = tiny_model_dir("tiny-bert-ner");
    for dtype in ["bf16", "fp16"] {
        let o = std::process::Command::new(venv_python())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["bench/torch_eager.py", m.path().to_str().unwrap()])
            .arg(conll("eng.testb"))
            .args([
                "--dtype",
                dtype,
                "--limit",
                "12",
                "--batch",
                "1",
                "4",
                "--runs",
                "1",
                "--threads",
                "1",
            ])
            .env("HF_HUB_OFFLINE", "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let out = String::from_utf8_lossy(&o.stdout);
        let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
        assert_eq!(v["dtype"], dtype);
        assert_eq!(v["sentences"], 12);
        for b in ["batch_1", "batch_4"] {
            assert!(v[b]["sentences_per_s"].as_f64().unwrap() > 0.0, "{v}");
        }
    }
}
