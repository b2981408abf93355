//! The trainer on tiny models through the CLI: run-directory contents, determinism, resume after a
//! kill, NaN stop, and distillation preflight refusals.
mod common;
use common::*;
use std::path::Path;

struct Fixture {
    _model: tempfile::TempDir,
    model: String,
    work: tempfile::TempDir,
    train: String,
    dev: String,
    test: String,
}

fn fixture() -> Fixture {
    let m = tiny_model_dir("tiny-bert-ner");
    let work = tempfile::tempdir().unwrap();
    let train = conll_subset("eng.train", 120, work.path())
        .display()
        .to_string();
    let dev = conll_subset("eng.testa", 40, work.path())
        .display()
        .to_string();
    let test = conll_subset("eng.testb", 40, work.path())
        .display()
        .to_string();
    Fixture {
        model: m.path().display().to_string(),
        _model: m,
        work,
        train,
        dev,
        test,
    }
}

/// The finetune command line shared by these tests (tiny model, 2 epochs, batch 8), plus `extra`.
fn finetune_args(f: &Fixture, out: &Path, extra: &[&str]) -> Vec<String> {
    let out = out.display().to_string();
    let mut args: Vec<String> = [
        "finetune",
        "--model",
        &f.model,
        "--train",
        &f.train,
        "--dev",
        &f.dev,
        "--test",
        &f.test,
        "--out",
        &out,
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
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if !extra.contains(&"--save-every") {
        args.extend(["--save-every".to_string(), "4".to_string()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn finetune(f: &Fixture, out: &Path, extra: &[&str]) -> (bool, String, String) {
    let args = finetune_args(f, out, extra);
    distilner(&args.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

/// `distill` from the tiny teacher into `out` (1 thread, the preflight's F1 floor off), plus `extra`.
fn distill(f: &Fixture, out: &Path, extra: &[&str]) -> (bool, String, String) {
    let mut e = vec!["--min-teacher-f1", "0"];
    e.extend_from_slice(extra);
    distill_from(&f.model, f, out, &e)
}

/// `distill` from `teacher` into `out` on the fixture's data (1 thread), plus `extra`.
fn distill_from(teacher: &str, f: &Fixture, out: &Path, extra: &[&str]) -> (bool, String, String) {
    let out = out.display().to_string();
    let mut args = vec![
        "distill",
        "--teacher",
        teacher,
        "--train",
        &f.train,
        "--dev",
        &f.dev,
        "--out",
        &out,
        "--threads",
        "1",
    ];
    args.extend_from_slice(extra);
    distilner(&args)
}

fn dev_metrics(run: &Path) -> serde_json::Value {
    read_json(&run.join("metrics.json"))["dev"].clone()
}

#[test]
fn finetune_writes_a_complete_run_and_is_deterministic() {
    let f = fixture();
    let a = f.work.path().join("a");
    let (ok, out, err) = finetune(&f, &a, &[]);
    assert!(ok, "{out}\n{err}");
    for file in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "vocab.txt",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "metrics.json",
        "metrics.jsonl",
        "README.md",
        "loss.png",
        "dev_f1.png",
        "train_config.toml",
    ] {
        assert!(a.join(file).exists(), "missing {file}");
    }
    let m = read_json(&a.join("metrics.json"));
    for split in ["dev", "test"] {
        for k in ["precision", "recall", "f1", "accuracy"] {
            assert!(m[split][k].is_number(), "{split}.{k}");
        }
    }
    assert_eq!(m["history"].as_array().unwrap().len(), 2);
    let card = std::fs::read_to_string(a.join("README.md")).unwrap();
    assert!(
        card.starts_with("---\n") && card.contains("model-index:") && card.contains("split: test")
    );
    assert!(card.contains(
        "| Training Loss | Epoch | Step | Validation Loss | Precision | Recall | F1 | Accuracy |"
    ));
    let cfg = read_json(&a.join("config.json"));
    assert_eq!(cfg["id2label"]["0"], "O");
    assert_eq!(cfg["architectures"][0], "BertForTokenClassification");

    let b = f.work.path().join("b");
    let (ok, _, err) = finetune(&f, &b, &[]);
    assert!(ok, "{err}");
    assert_eq!(dev_metrics(&a), dev_metrics(&b));
    assert_eq!(
        std::fs::read(a.join("model.safetensors")).unwrap(),
        std::fs::read(b.join("model.safetensors")).unwrap()
    );

    // Another seed gives other weights (the comparison above can fail).
    let c = f.work.path().join("c");
    assert!(finetune(&f, &c, &["--seed", "7"]).0);
    assert_ne!(
        std::fs::read(a.join("model.safetensors")).unwrap(),
        std::fs::read(c.join("model.safetensors")).unwrap()
    );

    // An existing run is not overwritten without --resume.
    let (ok, _, err) = finetune(&f, &a, &[]);
    assert!(!ok && err.contains("--resume"), "{err}");
}

#[test]
fn resume_after_kill_matches_uninterrupted_run() {
    let f = fixture();
    let full = f.work.path().join("full");
    assert!(finetune(&f, &full, &[]).0);
    // 120 sentences / batch 8 = 15 steps per epoch: die mid-epoch 2 (after a save at step 16).
    for (kill_at, name) in [(18, "k18"), (9, "k9")] {
        let run = f.work.path().join(name);
        let (ok, _, _) = finetune(&f, &run, &["--exit-after-step", &kill_at.to_string()]);
        assert!(!ok, "the injected kill must stop the process");
        assert!(!run.join("metrics.json").exists());
        let (ok, _, err) = finetune(&f, &run, &["--resume"]);
        assert!(ok, "{err}");
        assert!(err.contains("resuming"), "{err}");
        assert_eq!(
            dev_metrics(&full),
            dev_metrics(&run),
            "resumed after step {kill_at}"
        );
        assert_eq!(
            std::fs::read(full.join("model.safetensors")).unwrap(),
            std::fs::read(run.join("model.safetensors")).unwrap()
        );
    }
}

#[test]
fn nan_loss_stops_with_a_clear_message_and_keeps_state() {
    let f = fixture();
    let run = f.work.path().join("nan");
    let (ok, _, err) = finetune(&f, &run, &["--inject-nan-at-step", "10"]);
    assert!(!ok);
    assert!(
        err.contains("NaN") && err.contains("step 10") && err.contains("--lr"),
        "{err}"
    );
    let st = run.join("checkpoint/state.safetensors");
    assert!(st.exists(), "the last good state (step 8) is kept");
    // No temp files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(run.join("checkpoint"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn distill_refuses_unmappable_labels_and_prints_the_mapping() {
    let f = fixture();
    // A teacher whose labels are LABEL_0..8 (names that do not match the data).
    let t = tiny_model_dir("tiny-bert-ner");
    let cfg_path = t.path().join("config.json");
    let mut cfg = read_json(&cfg_path);
    for i in 0..9 {
        cfg["id2label"][i.to_string()] = format!("LABEL_{i}").into();
    }
    std::fs::write(&cfg_path, cfg.to_string()).unwrap();
    let out = f.work.path().join("s");
    let tdir = t.path().display().to_string();
    let (ok, _, err) = distill_from(&tdir, &f, &out, &[]);
    assert!(!ok);
    assert!(
        err.contains("MISSING") && err.contains("LABEL_0") && err.contains("--label-map"),
        "{err}"
    );
    // With a label map, preflight passes labels and reaches the teacher check (a random teacher is refused).
    let map = "LABEL_0=O,LABEL_1=B-PER,LABEL_2=I-PER,LABEL_3=B-ORG,LABEL_4=I-ORG,LABEL_5=B-LOC,LABEL_6=I-LOC,LABEL_7=B-MISC,LABEL_8=I-MISC";
    let (ok, _, err) = distill_from(&tdir, &f, &out, &["--label-map", map]);
    assert!(!ok);
    assert!(
        err.contains("teacher scores dev F1") && err.contains("0.0165"),
        "{err}"
    );
}

#[test]
fn distill_tiny_end_to_end() {
    let f = fixture();
    let (ok, out, err) = distilner(&[
        "distill",
        "--teacher",
        &f.model,
        "--student-layers",
        "1",
        "--train",
        &f.train,
        "--dev",
        &f.dev,
        "--test",
        &f.test,
        "--out",
        &f.work.path().join("s").display().to_string(),
        "--threads",
        "1",
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--min-teacher-f1",
        "0",
    ]);
    assert!(ok, "{out}\n{err}");
    let s = f.work.path().join("s");
    let cfg = read_json(&s.join("config.json"));
    assert_eq!(cfg["architectures"][0], "DistilBertForTokenClassification");
    assert_eq!(cfg["n_layers"], 1);
    let m = read_json(&s.join("metrics.json"));
    assert!(m["teacher"]["test_f1"].is_number());
    let card = std::fs::read_to_string(s.join("README.md")).unwrap();
    assert!(card.contains("## Teacher vs student") && card.contains("distillation:"));
}

/// `--mixed-precision true` (the default): bf16 products where the hardware has them (the card says
/// which was used), fp32 master weights saved, a finite loss; `false` trains in plain fp32.
#[test]
fn distill_with_and_without_mixed_precision() {
    let f = fixture();
    let native = distilner::model::precision::native_bf16(tch::Device::Cpu);
    for mp in ["true", "false"] {
        let s = f.work.path().join(format!("mp_{mp}"));
        let (ok, out, err) = distill(
            &f,
            &s,
            &[
                "--student-layers",
                "0,1",
                "--epochs",
                "1",
                "--batch-size",
                "8",
                "--mixed-precision",
                mp,
                "--device",
                "cpu",
            ],
        );
        assert!(ok, "{out}\n{err}");
        let bf16 = native && mp == "true";
        let card = std::fs::read_to_string(s.join("README.md")).unwrap();
        let want = if bf16 {
            "mixed_precision_training: bf16"
        } else {
            "mixed_precision_training: no (fp32)"
        };
        assert!(card.contains(want), "expected {want:?} in the card");
        if mp == "true" {
            assert!(
                err.contains(if bf16 {
                    "precision: bf16"
                } else {
                    "precision: fp32"
                }),
                "{err}"
            );
        }
        let m = read_json(&s.join("metrics.json"));
        assert!(m["history"][0]["training_loss"]
            .as_f64()
            .unwrap()
            .is_finite());
        let bytes = std::fs::read(s.join("model.safetensors")).unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header = String::from_utf8_lossy(&bytes[8..8 + n]);
        assert!(
            header.contains("F32") && !header.contains("BF16"),
            "saved weights must stay fp32"
        );
    }
}

#[test]
fn distill_with_hidden_state_loss() {
    let f = fixture();
    let out = f.work.path().join("h");
    let (ok, o, err) = distill(
        &f,
        &out,
        &[
            "--student-layers",
            "0,1",
            "--test",
            "none",
            "--epochs",
            "1",
            "--batch-size",
            "8",
            "--hidden-mse",
            "1.0",
        ],
    );
    assert!(ok, "{o}\n{err}");
    assert!(std::fs::read_to_string(out.join("README.md"))
        .unwrap()
        .contains("hidden-state MSE"));
    let (ok, _, err) = distill(
        &f,
        &f.work.path().join("h2"),
        &[
            "--student-layers",
            "0,1",
            "--hidden-mse",
            "1.0",
            "--hidden-layer-map",
            "1",
        ],
    );
    assert!(!ok && err.contains("--hidden-layer-map"), "{err}");
}

#[test]
fn sigkill_at_random_moments_then_resume_matches() {
    let f = fixture();
    let full = f.work.path().join("full");
    assert!(finetune(&f, &full, &["--save-every", "1"]).0);
    // Real SIGKILLs at pseudo-random moments (several seeds), including mid-checkpoint-write.
    let mut interrupted = 0;
    for (i, delay_ms) in [150u64, 250, 350, 450].iter().enumerate() {
        let run = f.work.path().join(format!("kill{i}"));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_distilner"))
            .args(finetune_args(&f, &run, &["--save-every", "1"]))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(*delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if !run.join("metrics.json").exists() {
            interrupted += 1;
        }
        let (ok, _, err) = finetune(&f, &run, &["--save-every", "1", "--resume"]);
        assert!(ok, "kill {i}: {err}");
        assert_eq!(
            dev_metrics(&full),
            dev_metrics(&run),
            "kill after {delay_ms} ms"
        );
        // The state file always parses (never half-written).
        assert!(distilner::model::checkpoint::read_metadata(
            &run.join("checkpoint/state.safetensors")
        )
        .is_ok());
    }
    assert!(
        interrupted >= 2,
        "only {interrupted} kills landed mid-run; the delays need retuning"
    );
}

#[test]
fn unwritable_output_and_tiny_data_fail_before_training() {
    let f = fixture();
    let blocker = f.work.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let (ok, _, err) = finetune(&f, &blocker.join("run"), &[]);
    assert!(
        !ok && err.contains("cannot create the output directory"),
        "{err}"
    );
    let one = f.work.path().join("one.txt");
    std::fs::write(&one, "EU B-ORG\nrejects O\n").unwrap();
    let out = f.work.path().join("r1").display().to_string();
    let (ok, _, err) = distilner(&[
        "finetune",
        "--model",
        &f.model,
        "--train",
        one.to_str().unwrap(),
        "--dev",
        &f.dev,
        "--out",
        &out,
    ]);
    assert!(
        !ok && err.contains("one.txt") && err.contains("1 sentence"),
        "{err}"
    );
}

/// A full disk mid-run (simulated with RLIMIT_FSIZE: writes past 1 MB fail with EFBIG as they would
/// with ENOSPC): the run stops with a clear write error, leaves no temp or half-written file, and
/// `--resume` with room again finishes with the metrics of an uninterrupted run.
#[test]
fn disk_full_mid_run_leaves_no_corrupt_files_and_resumes() {
    let f = fixture();
    let full = f.work.path().join("full");
    assert!(finetune(&f, &full, &[]).0);
    let run = f.work.path().join("diskfull");
    let o = std::process::Command::new("bash")
        .arg("-c")
        .arg("ulimit -f 1024; trap '' XFSZ; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_distilner"))
        .args(finetune_args(&f, &run, &[]))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "the write limit was not hit: {err}");
    assert!(
        err.contains("cannot write (disk full?)") && err.contains("File too large"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let mut stray = Vec::new();
    for dir in [run.clone(), run.join("checkpoint")] {
        for e in std::fs::read_dir(&dir).into_iter().flatten() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.contains(".tmp") {
                stray.push(name.clone());
            }
            if name.ends_with(".safetensors") {
                distilner::model::checkpoint::read_safetensors(&p)
                    .unwrap_or_else(|e| panic!("{name} is corrupt: {e}"));
            }
        }
    }
    assert!(stray.is_empty(), "temp files left: {stray:?}");
    let (ok, _, err) = finetune(&f, &run, &["--resume"]);
    assert!(ok, "{err}");
    assert_eq!(dev_metrics(&full), dev_metrics(&run));
}

/// `distilner run` (the README's main job) end to end on a tiny model and data subsets: teacher,
/// student, and the closing teacher-vs-student table.
#[test]
fn run_main_job_on_tiny_model_ends_with_the_table() {
    let f = fixture();
    let data = f.work.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for (split, path) in [
        ("eng.train", &f.train),
        ("eng.testa", &f.dev),
        ("eng.testb", &f.test),
    ] {
        std::fs::copy(path, data.join(split)).unwrap();
    }
    let out = f.work.path().join("main");
    // The config's [distill] table sets the student step's loss; --student-layers goes on top.
    let cfg = f.work.path().join("main.toml");
    std::fs::write(&cfg, "[distill]\nalpha = 0.8\nstudent_layers = [0]\n").unwrap();
    // The main job with a config file, into `out`, plus `extra`.
    let main_job = |out: &Path, extra: &[&str]| {
        let mut a = vec![
            "run",
            "--config",
            cfg.to_str().unwrap(),
            "--model",
            &f.model,
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        distilner(&a)
    };
    // One epoch each, tiny batches, one thread.
    let tiny = [
        "--epochs",
        "1",
        "--student-epochs",
        "1",
        "--batch-size",
        "8",
        "--min-teacher-f1",
        "0",
        "--threads",
        "1",
        "--device",
        "cpu",
    ];
    let (ok, stdout, err) = main_job(&out, &[&["--student-layers", "0,1"][..], &tiny].concat());
    assert!(ok, "{stdout}\n{err}");
    assert!(
        stdout.contains("| teacher | 2 |") && stdout.contains("| student | 2 |"),
        "{stdout}"
    );
    assert!(
        stdout.contains("dev sentences/s (batch 32, fp32)"),
        "{stdout}"
    );
    assert!(stdout.contains("(batch 32, int8)"), "{stdout}");
    assert!(stdout.contains("of the teacher's test F1"), "{stdout}");
    assert!(
        stdout.contains("--precision auto (saved in precision.json)"),
        "{stdout}"
    );
    let m = read_json(&out.join("student").join("metrics.json"));
    assert_eq!(m["distill"]["alpha"], 0.8, "{m}");
    // The main job adds mention replacement to the student's data only.
    assert_eq!(m["config"]["mention_replacement"], 1, "{m}");
    assert_eq!(m["data"][1]["role"], "train (added)", "{m}");
    let t = read_json(&out.join("teacher").join("metrics.json"));
    assert_eq!(t["config"]["mention_replacement"], 0, "{t}");
    assert_eq!(
        m["distill"]["student_layers"],
        serde_json::json!([0, 1]),
        "{m}"
    );
    // The job distils the teacher it trains: a table naming another is refused before any training.
    std::fs::write(&cfg, "[distill]\nteachers = [\"elsewhere\"]\n").unwrap();
    let (ok, _, err) = main_job(&f.work.path().join("refused"), &[]);
    assert!(!ok && err.contains("remove `teachers`"), "{err}");
    for run in ["teacher", "student"] {
        assert!(out.join(run).join("metrics.json").exists(), "{run}");
        let c = read_json(&out.join(run).join("precision.json"));
        assert!(c["measured"].as_array().unwrap().len() >= 2, "{c}");
    }
    // A config file sets both models' rates (here the library's 2e-4, no layer-wise decay).
    let rates = |run: &Path| {
        let c = &read_json(&run.join("metrics.json"))["config"];
        (c["learning_rate"].as_f64(), c["layer_lr_decay"].as_f64())
    };
    for run in ["teacher", "student"] {
        assert_eq!(rates(&out.join(run)), (Some(2e-4), Some(1.0)), "{run}");
    }
    // Without one, the teacher takes the main job's own rate and decay, the student its flags'.
    let plain = f.work.path().join("plain");
    let head = [
        "run",
        "--model",
        &f.model,
        "--data",
        data.to_str().unwrap(),
        "--out",
        plain.to_str().unwrap(),
        "--student-layers",
        "0",
        "--student-lr",
        "1e-4",
        "--student-dropout",
        "0.05",
    ];
    let (ok, o, e) = distilner(&[&head[..], &tiny].concat());
    assert!(ok, "{o}\n{e}");
    assert_eq!(rates(&plain.join("teacher")), (Some(3e-4), Some(0.8)));
    assert_eq!(rates(&plain.join("student")), (Some(1e-4), Some(1.0)));
    // `--student-dropout` is the student's alone; the teacher keeps its config's.
    let config = |run: &str| read_json(&plain.join(run).join("config.json"));
    assert_eq!(config("student")["dropout"], 0.05);
    assert_eq!(config("teacher")["hidden_dropout_prob"], 0.1);
}
