//! Flags that no test used to run: each test here fails when its flag is ignored.
mod common;
use common::*;
use std::path::{Path, PathBuf};

struct Fx {
    model: tempfile::TempDir,
    work: tempfile::TempDir,
    train: PathBuf,
    dev: PathBuf,
}

fn fx() -> Fx {
    let work = tempfile::tempdir().unwrap();
    Fx {
        model: tiny_model_dir("tiny-bert-ner"),
        train: conll_subset("eng.train", 120, work.path()),
        dev: conll_subset("eng.testa", 40, work.path()),
        work,
    }
}

type Env<'a> = [(&'a str, &'a Path)];
/// (success, stdout, stderr, the run directory).
type Ran = (bool, String, String, PathBuf);

impl Fx {
    fn run(&self, cmd: &str, out: &str, extra: &[&str]) -> Ran {
        self.run_env(cmd, out, extra, &[])
    }
    /// `run` with extra environment variables.
    fn run_env(&self, cmd: &str, out: &str, extra: &[&str], env: &Env) -> Ran {
        let out = self.work.path().join(out);
        self.exec(&self.args(cmd, &out, extra), env, out)
    }
    /// The command with the data and `extra` only: the rest comes from a config file.
    fn data_only(&self, cmd: &str, out: &str, extra: &[&str]) -> Ran {
        self.data_only_env(cmd, out, extra, &[])
    }
    fn data_only_env(&self, cmd: &str, out: &str, extra: &[&str], env: &Env) -> Ran {
        let out = self.work.path().join(out);
        self.exec(&self.data_args(cmd, &out, extra), env, out)
    }
    fn exec(&self, args: &[String], env: &Env, out: PathBuf) -> Ran {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, o, e) = distilner_env(&a, env);
        (ok, o, e, out)
    }
    /// `run`'s command line: the data, the tiny model on one CPU thread at batch 8, then `extra`.
    fn args(&self, cmd: &str, out: &Path, extra: &[&str]) -> Vec<String> {
        let model_flag = if cmd == "distill" {
            "--teacher"
        } else {
            "--model"
        };
        let mut a = vec![
            model_flag,
            self.model.path().to_str().unwrap(),
            "--threads",
            "1",
            "--device",
            "cpu",
            "--batch-size",
            "8",
        ];
        if cmd == "distill" {
            a.extend(["--min-teacher-f1", "0", "--student-layers", "0"]);
        }
        a.extend_from_slice(extra);
        self.data_args(cmd, out, &a)
    }
    /// The command, the data (no test split), the run directory and `extra`.
    fn data_args(&self, cmd: &str, out: &Path, extra: &[&str]) -> Vec<String> {
        let mut a = vec![
            cmd,
            "--train",
            self.train.to_str().unwrap(),
            "--dev",
            self.dev.to_str().unwrap(),
            "--test",
            "none",
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(String::from).collect()
    }
    fn ok(&self, cmd: &str, out: &str, extra: &[&str]) -> PathBuf {
        let (ok, o, e, p) = self.run(cmd, out, extra);
        assert!(ok, "{cmd} {extra:?}: {o}\n{e}");
        p
    }
}

/// The loss logged at each step (metrics.jsonl).
fn step_losses(run: &Path) -> Vec<f64> {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("loss").and_then(|x| x.as_f64()))
        .collect()
}

#[test]
fn hidden_mse_by_flag_or_distill_table_and_the_saved_config_repeats_the_run() {
    let f = fx();
    // Student layer 0 matched to teacher layer 1: their outputs differ from the start, so the term
    // adds to the very first loss; ignoring --hidden-mse would leave the losses equal.
    let by_flags = f.ok(
        "distill",
        "flags",
        &[
            "--epochs",
            "1",
            "--hidden-mse",
            "10",
            "--hidden-layer-map",
            "1",
        ],
    );
    let without = f.ok(
        "distill",
        "kd",
        &["--epochs", "1", "--hidden-layer-map", "1"],
    );
    // The same run from a config file alone: its [distill] table names the teacher and turns the
    // hidden-state term on.
    let cfg = f.work.path().join("distill.toml");
    std::fs::write(
        &cfg,
        format!(
            "epochs = 1\nbatch_size = 8\nthreads = 1\ndevice = \"cpu\"\n\n[distill]\nteachers = [{:?}]\nstudent_layers = [0]\nmin_teacher_f1 = 0.0\nhidden_mse = 10.0\nhidden_layer_map = [1]\n",
            f.model.path().to_str().unwrap()
        ),
    )
    .unwrap();
    let (fl, w) = (step_losses(&by_flags), step_losses(&without));
    assert!(
        fl[0] > w[0] + 1e-3,
        "first loss with the MSE term {} vs without {}",
        fl[0],
        w[0]
    );
    let cfg_s = cfg.to_str().unwrap();
    let (ok, o, e, by_table) = f.data_only("distill", "table", &["--config", cfg_s]);
    assert!(ok, "{o}\n{e}");
    let t = step_losses(&by_table);
    assert_eq!(t, fl, "the table and the flags give the same run");
    // Recorded: metrics.json, the card's loss line with its layer map, the saved config.
    let m = read_json(&by_table.join("metrics.json"));
    assert_eq!(m["distill"]["hidden_mse"], 10.0);
    assert_eq!(m["distill"]["hidden_layer_map"], serde_json::json!([1]));
    assert_eq!(m["distill"]["student_layers"], serde_json::json!([0]));
    let card = std::fs::read_to_string(by_table.join("README.md")).unwrap();
    assert!(
        card.contains("10·hidden-state MSE (student layer ↔ teacher layer: 0↔1)"),
        "{card}"
    );
    // The saved train_config.toml alone reproduces the run.
    let saved = by_table.join("train_config.toml");
    let (ok, o, e, again) = f.data_only("distill", "again", &["--config", saved.to_str().unwrap()]);
    assert!(ok, "{o}\n{e}");
    assert_eq!(
        step_losses(&again),
        t,
        "the saved config reproduces the run"
    );
    // A flag overrides the table.
    let (ok, o, e, off) = f.data_only("distill", "off", &["--config", cfg_s, "--hidden-mse", "0"]);
    assert!(ok, "{o}\n{e}");
    assert_eq!(step_losses(&off), w, "--hidden-mse 0 over the table's 10");
    // A command that does not distil refuses the table instead of ignoring it; a typo names its line.
    let (ok, _, e, _) = f.data_only(
        "finetune",
        "ft",
        &[
            "--model",
            f.model.path().to_str().unwrap(),
            "--config",
            cfg_s,
        ],
    );
    assert!(!ok && e.contains("[distill] table"), "{e}");
    std::fs::write(&cfg, "epochs = 1\n[distill]\nalpah = 0.2\n").unwrap();
    let (ok, _, e, _) = f.data_only("distill", "typo", &["--config", cfg_s]);
    assert!(!ok && e.contains("line 3") && e.contains("alpah"), "{e}");
}

#[test]
fn kd_all_tokens_changes_the_loss() {
    let f = fx();
    let first = f.ok("distill", "first", &["--epochs", "1"]);
    let all = f.ok("distill", "all", &["--epochs", "1", "--kd-all-tokens"]);
    let (a, b) = (step_losses(&first), step_losses(&all));
    assert_ne!(
        a[0], b[0],
        "KL over every sub-token must differ from KL over first sub-tokens"
    );
    assert!(std::fs::read_to_string(all.join("README.md"))
        .unwrap()
        .contains("over all real sub-tokens"));
}

#[test]
fn patience_stops_when_dev_f1_stops_rising() {
    let f = fx();
    // A learning rate too small to change dev F1: with patience 1 training stops after epoch 2.
    let run = f.ok(
        "finetune",
        "p",
        &["--epochs", "5", "--lr", "1e-12", "--patience", "1"],
    );
    let h = read_json(&run.join("metrics.json"))["history"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(h, 2, "epochs run with --patience 1");
}

#[test]
fn config_file_and_seed_preset_set_the_run() {
    let f = fx();
    let cfg = f.work.path().join("run.toml");
    std::fs::write(
        &cfg,
        "epochs = 1\nlearning_rate = 3e-4\nwarmup_ratio = 0.0\nseed = 7\n",
    )
    .unwrap();
    let run = f.ok("finetune", "cfg", &["--config", cfg.to_str().unwrap()]);
    let m = read_json(&run.join("metrics.json"));
    assert_eq!(m["history"].as_array().unwrap().len(), 1);
    assert_eq!(m["config"]["learning_rate"], 3e-4);
    assert_eq!(m["config"]["seed"], 7);
    // Flags on top of the file.
    let run = f.ok(
        "finetune",
        "cfg2",
        &["--config", cfg.to_str().unwrap(), "--seed", "9"],
    );
    assert_eq!(read_json(&run.join("metrics.json"))["config"]["seed"], 9);
    // --preset seed: the seed card's recipe, resolved and saved (epochs and batch cut by flags on top).
    let run = f.ok("finetune", "seed", &["--preset", "seed", "--epochs", "1"]);
    let saved = std::fs::read_to_string(run.join("train_config.toml")).unwrap();
    let t: toml::Value = toml::from_str(&saved).unwrap();
    assert_eq!(t["learning_rate"].as_float(), Some(6e-5));
    assert_eq!(
        t["batch_size"].as_integer(),
        Some(8),
        "the flag on top of the preset"
    );
    assert_eq!(t["epochs"].as_integer(), Some(1));
    assert_eq!(t["seed"].as_integer(), Some(33));
    assert_eq!(t["warmup_ratio"].as_float(), Some(0.0));
    let card = std::fs::read_to_string(run.join("README.md")).unwrap();
    assert!(
        card.contains("- learning_rate: 0.00006") && card.contains("- seed: 33"),
        "{card}"
    );
    let (ok, _, err, _) = f.run(
        "finetune",
        "both",
        &["--preset", "seed", "--config", cfg.to_str().unwrap()],
    );
    assert!(!ok && err.contains("use one"), "{err}");
}

#[test]
fn eval_writes_predictions_that_score_the_same() {
    let f = fx();
    let preds = f.work.path().join("preds.txt");
    let (ok, out, err) = distilner(&[
        "eval",
        "--model",
        f.model.path().to_str().unwrap(),
        "--data",
        f.dev.to_str().unwrap(),
        "--write-predictions",
        preds.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text = std::fs::read_to_string(&preds).unwrap();
    let lines = text.lines().filter(|l| !l.is_empty()).count();
    assert_eq!(
        lines as u64,
        report["tokens"].as_u64().unwrap(),
        "one line per word"
    );
    assert!(
        text.lines().next().unwrap().split(' ').count() == 3,
        "word GOLD PRED"
    );
    let (ok, scored, err) = distilner(&["score", preds.to_str().unwrap(), "--json"]);
    assert!(ok, "{err}");
    let s: serde_json::Value = serde_json::from_str(&scored).unwrap();
    assert_eq!(s["f1"], report["f1"]);
    assert_eq!(s["accuracy"], report["accuracy"]);
}

#[test]
fn resume_with_other_data_is_refused() {
    let f = fx();
    let (ok, _, _, run) = f.run(
        "finetune",
        "r",
        &[
            "--epochs",
            "2",
            "--save-every",
            "4",
            "--exit-after-step",
            "6",
        ],
    );
    assert!(!ok);
    // Same number of sentences, other sentences.
    let other = f.work.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let text = std::fs::read_to_string(conll_subset("eng.testb", 120, &other)).unwrap();
    std::fs::write(&f.train, text).unwrap();
    let (ok, _, err, _) = f.run(
        "finetune",
        "r",
        &["--epochs", "2", "--save-every", "4", "--resume"],
    );
    assert!(!ok && err.contains("other data"), "{err}");
    assert!(run.join("checkpoint").exists(), "the saved state is kept");
}

#[test]
fn mention_replacement_trains_on_more_labelled_sentences_and_the_run_says_so() {
    let f = fx();
    let with_entities = distilner::data::read_conll(&f.train)
        .unwrap()
        .sentences
        .iter()
        .filter(|s| s.tags.iter().any(|t| t != "O"))
        .count();
    let plain = f.ok("finetune", "plain", &["--epochs", "1"]);
    let more = f.ok(
        "finetune",
        "more",
        &["--epochs", "1", "--mention-replacement", "2"],
    );
    // Steps of 8 sentences: the added sentences are trained on, not only counted.
    let steps = |r: &Path| {
        read_json(&r.join("metrics.json"))["history"][0]["step"]
            .as_u64()
            .unwrap() as usize
    };
    assert_eq!(steps(&plain), 120usize.div_ceil(8));
    assert_eq!(steps(&more), (120 + 2 * with_entities).div_ceil(8));
    let m = read_json(&more.join("metrics.json"));
    assert_eq!(m["config"]["mention_replacement"], 2);
    let added = &m["data"][1];
    assert_eq!(added["role"], "train (added)");
    assert_eq!(added["sentences"], 2 * with_entities);
    let card = std::fs::read_to_string(more.join("README.md")).unwrap();
    assert!(
        card.contains(&format!(
            "mention replacement (Dai & Adel 2020): {} training sentences added",
            2 * with_entities
        )),
        "{card}"
    );
    // In distill the teacher's logits are cached over the added sentences as well.
    let (ok, o, e, student) = f.run(
        "distill",
        "student",
        &["--epochs", "1", "--mention-replacement", "1"],
    );
    assert!(ok, "{o}\n{e}");
    assert_eq!(steps(&student), (120 + with_entities).div_ceil(8));
}

/// Training keeps freed pages too (`util::keep_freed_pages` for every command): jemalloc's own
/// statistics, printed at exit, show the decay the run ended with. With the 10 s default a
/// one-epoch student spent a fifth of its CPU time faulting returned pages back in.
#[test]
fn training_keeps_freed_pages_instead_of_returning_them() {
    let f = fx();
    let stats: &Env = &[("MALLOC_CONF", Path::new("stats_print:true"))];
    let (ok, o, e, _) = f.run_env("finetune", "keep", &["--epochs", "1"], stats);
    assert!(ok, "{o}\n{e}");
    assert!(
        e.contains("(arenas.dirty_decay_ms: -1)") && e.contains("(arenas.muzzy_decay_ms: -1)"),
        "jemalloc's decay at exit: {}",
        e.lines()
            .filter(|l| l.contains("decay_ms"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A run's own minor page faults (wait4's rusage for that child alone: other tests' processes run
/// beside it), and whether it succeeded; stderr goes to `log`.
#[allow(clippy::zombie_processes)] // reaped by wait4, which std cannot do with rusage
fn minor_faults(args: &[&str], env: &Env, log: &Path) -> (bool, i64) {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_distilner"));
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(log).unwrap());
    for (k, v) in env {
        c.env(k, v);
    }
    let child = c.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 reaps our own child, which `child` (dropped) never waits for.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut ru) }, pid);
    (
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        ru.ru_minflt,
    )
}

#[test]
fn training_gives_kept_pages_back_every_so_many_steps() {
    let f = fx();
    let run = |every: &str| {
        let out = f.work.path().join(format!("purge_{every}"));
        let log = f.work.path().join(format!("purge_{every}.log"));
        let args = f.args("finetune", &out, &["--epochs", "1"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, faults) = minor_faults(
            &args,
            &[("DISTILNER_PURGE_EVERY_STEPS", Path::new(every))],
            &log,
        );
        assert!(ok, "{}", std::fs::read_to_string(&log).unwrap());
        faults
    };
    // 15 steps. Pages given back after every step are faulted in again by the next (measured: ~5,500
    // more faults than purging at the epoch's end only, ~150 between repeats); a loop that ignores the
    // interval faults the same in both.
    let (epoch_ends_only, every_step) = (run("0"), run("1"));
    assert!(
        every_step > epoch_ends_only + 2_000,
        "minor faults: purging every step {every_step}, at epoch ends only {epoch_ends_only}"
    );
    // A value that is not a number of steps is refused, naming the variable.
    let (ok, _, e, _) = f.run_env(
        "finetune",
        "purge_bad",
        &["--epochs", "1"],
        &[("DISTILNER_PURGE_EVERY_STEPS", Path::new("ten"))],
    );
    assert!(
        !ok && e.contains("DISTILNER_PURGE_EVERY_STEPS=\"ten\""),
        "{e}"
    );
}

/// How far each named weight of `run` moved from the model it started from (largest element).
fn moved(start: &Path, run: &Path, name: &str) -> f64 {
    let read = |d: &Path| {
        tch::Tensor::read_safetensors(d.join("model.safetensors"))
            .unwrap()
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} not in {}", d.display()))
            .1
            .to_kind(tch::Kind::Float)
    };
    (read(run) - read(start)).abs().max().double_value(&[])
}

#[test]
fn layer_lr_decay_moves_the_lower_layers_less_and_the_run_says_so() {
    let f = fx();
    let plain = f.ok("finetune", "plain", &["--epochs", "1"]);
    let decayed = f.ok(
        "finetune",
        "decayed",
        &["--epochs", "1", "--layer-lr-decay", "0.1"],
    );
    let start = f.model.path();
    // The tiny BERT has 2 layers: the embeddings train at 0.1³ of the rate, the head at the full
    // rate (Adam's steps are about lr each, whatever the gradient's size).
    let emb = "bert.embeddings.word_embeddings.weight";
    let (e_plain, e_decayed) = (moved(start, &plain, emb), moved(start, &decayed, emb));
    assert!(e_decayed < e_plain / 20.0, "{e_decayed} vs {e_plain}");
    let head = "classifier.weight";
    let (h_plain, h_decayed) = (moved(start, &plain, head), moved(start, &decayed, head));
    assert!(h_decayed > h_plain / 3.0, "{h_decayed} vs {h_plain}");
    let m = read_json(&decayed.join("metrics.json"));
    assert_eq!(m["config"]["layer_lr_decay"], 0.1);
    let card = std::fs::read_to_string(decayed.join("README.md")).unwrap();
    assert!(
        card.contains("layer-wise learning-rate decay: 0.1"),
        "{card}"
    );
    let plain_card = std::fs::read_to_string(plain.join("README.md")).unwrap();
    assert!(!plain_card.contains("layer-wise"), "{plain_card}");
    let (ok, _, e, _) = f.run("finetune", "bad", &["--layer-lr-decay", "1.5"]);
    assert!(!ok && e.contains("layer_lr_decay must be in (0, 1]"), "{e}");
}

#[test]
fn ema_decay_keeps_the_weight_average_and_resumes_to_the_same_model() {
    let f = fx();
    // One epoch: the kept epoch is the last, whose average the state holds.
    let avg = f.ok("finetune", "avg", &["--epochs", "1", "--ema-decay", "0.9"]);
    let tensors = |p: &Path| {
        let t = tch::Tensor::read_safetensors(p).unwrap();
        t.into_iter().collect::<std::collections::HashMap<_, _>>()
    };
    // The kept model is the average the state carries, not the weights training ended with.
    let kept = tensors(&avg.join("model.safetensors"));
    let state = tensors(&avg.join("checkpoint/state.safetensors"));
    let n = "bert.encoder.layer.0.attention.self.query.weight";
    let diff = |a: &tch::Tensor, b: &tch::Tensor| {
        (a.to_kind(tch::Kind::Float) - b.to_kind(tch::Kind::Float))
            .abs()
            .max()
            .double_value(&[])
    };
    assert_eq!(diff(&kept[n], &state[&format!("ema.{n}")]), 0.0);
    let own = diff(&kept[n], &state[&format!("model.{n}")]);
    assert!(own > 1e-4, "{own}"); // 3.4e-4 here
    let m = read_json(&avg.join("metrics.json"));
    assert_eq!(m["config"]["ema_decay"], 0.9);
    let card = std::fs::read_to_string(avg.join("README.md")).unwrap();
    assert!(
        card.contains("moving average of the weights (decay 0.9)"),
        "{card}"
    );
    // Killed mid-epoch 2 and resumed: the average comes back with the state.
    let full = f.ok("finetune", "full", &["--epochs", "2", "--ema-decay", "0.9"]);
    let killed_run = |last: &[&str]| {
        let common = ["--epochs", "2", "--ema-decay", "0.9", "--save-every", "4"];
        f.run("finetune", "killed", &[&common[..], last].concat())
    };
    let (ok, _, _, killed) = killed_run(&["--exit-after-step", "22"]);
    assert!(!ok);
    let (ok, _, e, _) = killed_run(&["--resume"]);
    assert!(ok && e.contains("resuming"), "{e}");
    // The final state's average, bit for bit (the kept model may be epoch 1's, saved before the
    // kill).
    let (a, b) = (
        tensors(&full.join("checkpoint/state.safetensors")),
        tensors(&killed.join("checkpoint/state.safetensors")),
    );
    let averages: Vec<&String> = a.keys().filter(|k| k.starts_with("ema.")).collect();
    assert_eq!(averages.len(), kept.len(), "{:?}", a.keys());
    for k in averages {
        assert_eq!(diff(&a[k], &b[k]), 0.0, "{k}");
    }
    assert_eq!(
        std::fs::read(full.join("model.safetensors")).unwrap(),
        std::fs::read(killed.join("model.safetensors")).unwrap()
    );
    let (ok, _, e, _) = f.run("finetune", "bad", &["--ema-decay", "1"]);
    assert!(!ok && e.contains("ema_decay must be in [0, 1)"), "{e}");
}

#[test]
fn dropout_trains_the_student_at_the_rate_given_and_its_config_says_so() {
    let f = fx();
    let plain = f.ok("distill", "plain", &["--epochs", "1"]);
    let none = f.ok("distill", "none", &["--epochs", "1", "--dropout", "0"]);
    // The student is built from the tiny teacher (dropout 0.1); its saved config is what it trained with.
    let config = |p: &Path| read_json(&p.join("config.json"));
    assert_eq!(config(&plain)["dropout"], 0.1);
    let c = config(&none);
    assert_eq!(c["dropout"], 0.0);
    assert_eq!(c["attention_dropout"], 0.0);
    assert_ne!(step_losses(&plain), step_losses(&none));
    assert_eq!(
        read_json(&none.join("metrics.json"))["config"]["dropout"],
        0.0
    );
    let card = std::fs::read_to_string(none.join("README.md")).unwrap();
    assert!(
        card.contains("- dropout: 0 for the hidden states"),
        "{card}"
    );
    let plain_card = std::fs::read_to_string(plain.join("README.md")).unwrap();
    assert!(!plain_card.contains("- dropout:"), "{plain_card}");
    let (ok, _, e, _) = f.run("finetune", "bad", &["--dropout", "1"]);
    assert!(!ok && e.contains("dropout must be in [0, 1)"), "{e}");
}
