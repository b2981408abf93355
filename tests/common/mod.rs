//! Paths shared by the integration tests.
#![allow(dead_code)]
use std::path::PathBuf;

pub fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared")
}
pub fn testvectors() -> PathBuf {
    shared().join("testvectors")
}
pub fn conll(split: &str) -> PathBuf {
    shared().join("data/conll2003").join(split)
}
pub fn minilm() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2")
}
pub fn jsonl(path: PathBuf) -> Vec<serde_json::Value> {
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A copy of a tiny test checkpoint with tokenizer files: its 1,000-token vocab is the first 1,000
/// entries of the bert-base-cased vocab (special tokens, then characters and `##` characters).
pub fn tiny_model_dir(name: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let src = testvectors().join(name);
    for f in ["config.json", "model.safetensors"] {
        std::fs::copy(src.join(f), d.path().join(f)).unwrap();
    }
    let vocab =
        std::fs::read_to_string(shared().join("data/vocab/bert-base-cased-vocab.txt")).unwrap();
    let first: Vec<&str> = vocab.lines().take(1000).collect();
    std::fs::write(d.path().join("vocab.txt"), first.join("\n") + "\n").unwrap();
    std::fs::write(
        d.path().join("tokenizer_config.json"),
        r#"{"do_lower_case": false, "tokenizer_class": "BertTokenizer"}"#,
    )
    .unwrap();
    d
}

/// The first `n` sentences of a CoNLL split written to a temp file.
pub fn conll_subset(split: &str, n: usize, dir: &std::path::Path) -> PathBuf {
    let text = std::fs::read_to_string(conll(split)).unwrap();
    let mut out = String::new();
    let mut count = 0;
    for line in text.lines() {
        if line.trim().is_empty() {
            if !out.ends_with("\n\n") && !out.is_empty() {
                count += 1;
                out.push('\n');
                if count >= n {
                    break;
                }
            }
            continue;
        }
        if line.starts_with("-DOCSTART-") {
            continue;
        }
        out += line;
        out.push('\n');
    }
    let p = dir.join(format!("{split}.{n}"));
    std::fs::write(&p, out).unwrap();
    p
}

/// Run the distilner binary with one intra-op thread; returns (success, stdout, stderr).
pub fn distilner(args: &[&str]) -> (bool, String, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_distilner"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

pub fn read_json(p: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

/// Like `distilner`, with extra environment variables.
pub fn distilner_env(args: &[&str], env: &[(&str, &std::path::Path)]) -> (bool, String, String) {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_distilner"));
    c.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

/// The project's Python (setup.sh's venv).
pub fn venv_python() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python")
}

/// Build Parquet / save_to_disk / JSONL / hub-cache / datasets-cache copies of CoNLL files with the
/// real `datasets` library (tests/make_datasets.py); `splits` are (split name, CoNLL file).
pub fn make_datasets(out: &std::path::Path, splits: &[(&str, &std::path::Path)]) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/make_datasets.py");
    let mut c = std::process::Command::new(venv_python());
    c.arg(script).arg(out);
    for (s, p) in splits {
        c.arg(format!("{s}={}", p.display()));
    }
    let o = c
        .output()
        .expect("run .venv/bin/python (./setup.sh installs it)");
    assert!(
        o.status.success(),
        "make_datasets.py failed (./setup.sh installs `datasets` into .venv): {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A loopback port that was free a moment ago (for a server started next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `distilner bench` on the tiny checkpoint `model`, one thread, one timed run, no PyTorch baseline;
/// `args` add the rest (limit, batches, precisions, --onnxruntime). Returns stdout and the JSON.
pub fn bench_tiny(model: &str, args: &[&str]) -> (String, serde_json::Value) {
    let m = tiny_model_dir(model);
    bench_dir(m.path(), args)
}

/// `bench_tiny` on the model directory `m`.
pub fn bench_dir(m: &std::path::Path, args: &[&str]) -> (String, serde_json::Value) {
    let work = tempfile::tempdir().unwrap();
    let json = work.path().join("b.json");
    let data = conll("eng.testb");
    let mut all = vec![
        "bench",
        "--model",
        m.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--no-reference",
        "--runs",
        "1",
        "--threads",
        "1",
        "--json",
        json.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let (ok, out, err) = distilner(&all);
    assert!(ok, "{err}");
    (out, read_json(&json))
}
