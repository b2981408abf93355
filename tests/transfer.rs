//! `distilner label` (1 and 2 ranks; text, JSONL and Parquet in) and `distill --transfer`.
mod common;
use common::*;
use distilner::data::transfer_set::{parts, read_part, PartWriter, SoftSentence};
use std::path::Path;
use std::process::Command;

fn sentences(n: usize) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(conll("eng.testb")).unwrap();
    text.split("\n\n")
        .map(|b| {
            b.lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("-DOCSTART-"))
                .map(|l| l.split_whitespace().next().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .take(n)
        .collect()
}

fn rows(set: &Path) -> Vec<SoftSentence> {
    parts(set)
        .unwrap()
        .iter()
        .flat_map(|p| read_part(p).unwrap())
        .collect()
}

fn label(teacher: &str, input: &Path, out: &Path, ranks: usize) -> String {
    let args = [
        "label",
        "--teacher",
        teacher,
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--threads",
        "1",
        "--device",
        "cpu",
    ];
    let o = if ranks == 1 {
        Command::new(env!("CARGO_BIN_EXE_distilner"))
            .args(args)
            .output()
            .unwrap()
    } else {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Command::new(venv_python().with_file_name("torchrun"))
            .args([
                "--master-addr",
                "127.0.0.1",
                "--master-port",
                &port.to_string(),
            ])
            .args([
                "--nproc-per-node",
                &ranks.to_string(),
                "--no-python",
                env!("CARGO_BIN_EXE_distilner"),
            ])
            .args(args)
            .env("OMP_NUM_THREADS", "1")
            .output()
            .unwrap()
    };
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{text}");
    text
}

/// Two ranks write one part each (every other sentence); together they hold the one-rank set.
/// Text, JSONL and Parquet inputs give the same rows.
#[test]
fn label_shards_by_rank_and_reads_every_input_format() {
    let m = tiny_model_dir("tiny-bert-ner");
    let teacher = m.path().to_str().unwrap();
    let w = tempfile::tempdir().unwrap();
    let s = sentences(150);
    let txt = w.path().join("in.txt");
    std::fs::write(
        &txt,
        s.iter().map(|x| x.join(" ")).collect::<Vec<_>>().join("\n") + "\n",
    )
    .unwrap();
    let jsonl = w.path().join("in.jsonl");
    std::fs::write(
        &jsonl,
        s.iter()
            .map(|x| serde_json::json!({ "tokens": x }).to_string() + "\n")
            .collect::<String>(),
    )
    .unwrap();
    let parquet = w.path().join("in.parquet");
    let py = format!(
        "import json,pyarrow as pa,pyarrow.parquet as pq\nrows=[json.loads(l)['tokens'] for l in open({:?})]\npq.write_table(pa.table({{'tokens': rows}}), {:?})",
        jsonl.to_str().unwrap(),
        parquet.to_str().unwrap()
    );
    assert!(Command::new(venv_python())
        .args(["-c", &py])
        .status()
        .unwrap()
        .success());

    let one = w.path().join("one");
    label(teacher, &txt, &one, 1);
    let a = rows(&one);
    assert_eq!(a.len(), 150);
    // Text lines are split into words as `predict` splits text (punctuation apart): same characters.
    assert!(a
        .iter()
        .zip(&s)
        .all(|(r, words)| r.words.concat() == words.concat() && r.tags.len() == r.words.len()));
    assert!(a.iter().all(|r| r
        .top_k
        .iter()
        .all(|k| k.len() == 3 && k[0].1 >= k[1].1 && k[1].1 >= k[2].1)));
    assert!(a
        .iter()
        .all(|r| r.tags.iter().zip(&r.top_k).all(|(t, k)| t == &k[0].0)));
    let manifest = read_json(&one.join("manifest.json"));
    assert_eq!(manifest["sentences"], 150);
    assert_eq!(manifest["labels"].as_array().unwrap().len(), 9);

    let two = w.path().join("two");
    let text = label(teacher, &txt, &two, 2);
    assert!(text.contains("rank 1: 75 sentences"), "{text}");
    let parts2 = parts(&two).unwrap();
    assert_eq!(parts2.len(), 2);
    let (p0, p1) = (
        read_part(&parts2[0]).unwrap(),
        read_part(&parts2[1]).unwrap(),
    );
    for (i, r) in a.iter().enumerate() {
        let b = if i % 2 == 0 { &p0[i / 2] } else { &p1[i / 2] };
        assert_eq!((&r.words, &r.tags), (&b.words, &b.tags), "sentence {i}");
        for (x, y) in r.top_k.iter().flatten().zip(b.top_k.iter().flatten()) {
            assert_eq!(x.0, y.0);
            assert!((x.1 - y.1).abs() < 1e-5, "sentence {i}: {x:?} vs {y:?}");
        }
    }
    // Pre-split words (JSONL `tokens`, a Parquet list column) are kept as given.
    let mut sets = Vec::new();
    for (input, name) in [(&jsonl, "jsonl"), (&parquet, "parquet")] {
        let out = w.path().join(name);
        label(teacher, input, &out, 1);
        let b = rows(&out);
        assert_eq!(b.len(), a.len(), "{name}");
        assert!(
            b.iter().zip(&s).all(|(r, words)| &r.words == words),
            "{name}"
        );
        sets.push(b);
    }
    assert_eq!(sets[0], sets[1]);
}

/// `distill --transfer` trains on the set beside the labelled data (its examples change the
/// student; the card says so); a set with a label the student lacks is refused by name and row.
#[test]
fn distill_learns_from_a_transfer_set_and_refuses_unknown_labels() {
    let m = tiny_model_dir("tiny-bert-ner");
    let teacher = m.path().to_str().unwrap();
    let w = tempfile::tempdir().unwrap();
    let train = conll_subset("eng.train", 80, w.path());
    let dev = conll_subset("eng.testa", 30, w.path());
    let txt = w.path().join("in.txt");
    std::fs::write(
        &txt,
        sentences(120)
            .iter()
            .map(|x| x.join(" "))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let soft = w.path().join("soft");
    label(teacher, &txt, &soft, 1);
    let run = |out: &Path, extra: &[&str]| {
        let mut a = vec![
            "distill",
            "--teacher",
            teacher,
            "--student-layers",
            "0",
            "--train",
            train.to_str().unwrap(),
            "--dev",
            dev.to_str().unwrap(),
            "--epochs",
            "1",
            "--threads",
            "1",
            "--device",
            "cpu",
            "--min-teacher-f1",
            "0",
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        distilner(&a)
    };
    let (plain, with) = (w.path().join("plain"), w.path().join("with"));
    let (ok, _, err) = run(&plain, &[]);
    assert!(ok, "{err}");
    let (ok, _, err) = run(&with, &["--transfer", soft.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(err.contains("transfer set: 120 sentences"), "{err}");
    assert_ne!(
        std::fs::read(plain.join("model.safetensors")).unwrap(),
        std::fs::read(with.join("model.safetensors")).unwrap()
    );
    let card = std::fs::read_to_string(with.join("README.md")).unwrap();
    assert!(
        card.contains("soft-label transfer set of 120 unlabelled sentences"),
        "{card}"
    );
    // 80 labelled sentences at batch 32 are 3 steps; with 120 more, 7.
    let steps = |p: &Path| {
        read_json(&p.join("metrics.json"))["history"][0]["step"]
            .as_u64()
            .unwrap()
    };
    assert_eq!((steps(&plain), steps(&with)), (3, 7));

    let bad = w.path().join("bad.parquet");
    let mut pw = PartWriter::create(&bad).unwrap();
    let ok_row = rows(&soft)[0].clone();
    let mut wrong = ok_row.clone();
    wrong.tags[0] = "B-FOO".into();
    pw.write(&[ok_row, wrong]).unwrap();
    pw.finish().unwrap();
    let (ok, _, err) = run(
        &w.path().join("bad"),
        &["--transfer", bad.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(
        err.contains("bad.parquet: row 2: tag \"B-FOO\" is not among the student's labels"),
        "{err}"
    );
}
