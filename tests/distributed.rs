//! Data parallelism under torchrun (Gloo on CPU): the same command gives the same model at any world
//! size; a killed rank is restarted into the same result; a silent rank ends the group with a
//! timeout error; ranks with different settings are refused; two "nodes" on one machine.
mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn torchrun() -> PathBuf {
    venv_python().with_file_name("torchrun")
}

fn free_port() -> String {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string()
}

/// Run `distilner <args>` under torchrun with `launch` options on a free port of this machine
/// (static rendezvous, as the README's commands); (success, stdout + stderr).
fn launch(launch: &[&str], program: &str, args: &[String]) -> (bool, String) {
    let o = Command::new(torchrun())
        .args(["--master-addr", "127.0.0.1", "--master-port", &free_port()])
        .args(launch)
        .arg("--no-python")
        .arg(program)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("OMP_NUM_THREADS", "1")
        .output()
        .expect("torchrun from .venv (./setup.sh installs torch)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_distilner")
}

struct Fixture {
    _model: tempfile::TempDir,
    model: String,
    work: tempfile::TempDir,
    train: String,
    dev: String,
}

/// The tiny model, 320 training sentences (20 steps of the global batch 16) and 40 dev sentences.
fn fixture() -> Fixture {
    let m = tiny_model_dir("tiny-bert-ner");
    let work = tempfile::tempdir().unwrap();
    let train = conll_subset("eng.train", 320, work.path())
        .display()
        .to_string();
    let dev = conll_subset("eng.testa", 40, work.path())
        .display()
        .to_string();
    Fixture {
        model: m.path().display().to_string(),
        _model: m,
        work,
        train,
        dev,
    }
}

/// `finetune` or `distill` from the tiny model: fp32, global batch 16, one epoch, one thread per
/// process, dropout on (the tiny model's config has 0.1).
fn job(f: &Fixture, cmd: &str, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = vec![cmd.into()];
    let model_flag = if cmd == "distill" {
        "--teacher"
    } else {
        "--model"
    };
    a.extend([model_flag.to_string(), f.model.clone()]);
    if cmd == "distill" {
        a.extend(["--student-layers", "0", "--min-teacher-f1", "0"].map(String::from));
    }
    a.extend(
        [
            "--train",
            &f.train,
            "--dev",
            &f.dev,
            "--batch-size",
            "16",
            "--threads",
            "1",
            "--device",
            "cpu",
            "--mixed-precision",
            "false",
        ]
        .map(String::from),
    );
    for (flag, default) in [("--epochs", "1"), ("--lr", "1e-5")] {
        if !extra.contains(&flag) {
            a.extend([flag.to_string(), default.to_string()]);
        }
    }
    a.extend(["--out".to_string(), out.display().to_string()]);
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn weights(run: &Path) -> Vec<(String, Vec<f32>)> {
    let bytes = std::fs::read(run.join("model.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut out: Vec<(String, Vec<f32>)> = st
        .tensors()
        .into_iter()
        .map(|(n, t)| {
            let v = t
                .data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            (n, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn max_diff(a: &Path, b: &Path) -> f32 {
    let (wa, wb) = (weights(a), weights(b));
    assert_eq!(wa.len(), wb.len());
    wa.iter()
        .zip(&wb)
        .flat_map(|((na, va), (nb, vb))| {
            assert_eq!(na, nb);
            va.iter().zip(vb).map(|(x, y)| (x - y).abs())
        })
        .fold(0.0, f32::max)
}

fn train_loss(run: &Path) -> f64 {
    read_json(&run.join("metrics.json"))["history"][0]["training_loss"]
        .as_f64()
        .unwrap()
}

/// 2 ranks and 1 rank, same seed, fp32, with dropout: within 1e-5 of each other's weights after 20
/// steps, for fine-tuning and for distillation (sharded teacher cache). Adam divides each
/// gradient element by its own running size, so rounding-level differences (two shards' partial
/// sums vs one sum) in near-zero gradients move weights by up to the learning rate: the bound holds
/// at lr 1e-5 (measured 7e-9 for distill; 3e-5 at lr 5e-5 for finetune).
#[test]
fn two_ranks_train_the_same_model_as_one() {
    let f = fixture();
    for cmd in ["finetune", "distill"] {
        let one = f.work.path().join(format!("{cmd}-1"));
        let two = f.work.path().join(format!("{cmd}-2"));
        let (ok, text) = launch(&["--nproc-per-node", "1"], bin(), &job(&f, cmd, &one, &[]));
        assert!(ok, "{text}");
        let (ok, text) = launch(&["--nproc-per-node", "2"], bin(), &job(&f, cmd, &two, &[]));
        assert!(ok, "{text}");
        let d = max_diff(&one, &two);
        assert!(d < 1e-5, "{cmd}: 2 ranks vs 1: max weight difference {d}");
        let (l1, l2) = (train_loss(&one), train_loss(&two));
        assert!(
            (l1 - l2).abs() < 1e-6 * l1.abs(),
            "{cmd}: training loss {l1} vs {l2}"
        );
        let m = read_json(&two.join("metrics.json"));
        assert_eq!(m["world_size"], 2);
        assert_eq!(m["backend"], "gloo");
        assert_eq!(m["devices"].as_array().unwrap().len(), 2);
        assert_eq!(read_json(&one.join("metrics.json"))["world_size"], 1);
        assert_eq!(
            m["dev"],
            read_json(&one.join("metrics.json"))["dev"],
            "{cmd}: dev report"
        );
        let card = std::fs::read_to_string(two.join("README.md")).unwrap();
        assert!(
            card.contains("data-parallel over 2 processes (torch.distributed, gloo"),
            "{card}"
        );
        // The runs moved well past the tolerance: the comparison is not of two untouched models.
        let start = tiny_model_dir("tiny-bert-ner");
        if cmd == "finetune" {
            let moved = max_diff(start.path(), &one);
            assert!(moved > 5.0 * 1e-5, "{cmd}: weights moved only {moved}");
        }
        eprintln!("{cmd}: max weight difference 2 ranks vs 1: {d:e}");
    }
}

/// A rank killed mid-epoch: torchrun restarts the group, which resumes from the last saved state
/// to the uninterrupted run's model and metrics, bit for bit.
#[test]
fn a_killed_rank_is_restarted_into_the_same_run() {
    let f = fixture();
    let full = f.work.path().join("full");
    let killed = f.work.path().join("killed");
    let extra = ["--epochs", "2", "--save-every", "5"];
    let (ok, text) = launch(
        &["--nproc-per-node", "2"],
        bin(),
        &job(&f, "finetune", &full, &extra),
    );
    assert!(ok, "{text}");
    let mut kill = extra.to_vec();
    kill.extend(["--exit-after-step", "27"]); // epoch 2, after the save at step 25
    let (ok, text) = launch(
        &["--nproc-per-node", "2", "--max-restarts", "1"],
        bin(),
        &job(&f, "finetune", &killed, &kill),
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("exitcode: 137") || text.contains("(exitcode: 137)"),
        "the kill happened: {text}"
    );
    assert!(text.contains("torchrun restarted the group"), "{text}");
    assert!(
        text.contains("resuming at epoch 2 batch 5 (step 25)"),
        "{text}"
    );
    assert_eq!(max_diff(&full, &killed), 0.0);
    let strip = |p: &Path| {
        let mut m = read_json(&p.join("metrics.json"));
        m["train_seconds"] = serde_json::Value::Null;
        for h in m["history"].as_array_mut().unwrap() {
            h["train_seconds"] = serde_json::Value::Null;
        }
        m
    };
    assert_eq!(strip(&full), strip(&killed));
}

/// A rank that stops answering: the others fail with the timeout error, not a hang.
#[test]
fn a_silent_rank_ends_the_group_with_a_timeout_error() {
    let f = fixture();
    let out = f.work.path().join("hang");
    let t = std::time::Instant::now();
    let (ok, text) = launch(
        &["--nproc-per-node", "2"],
        bin(),
        &job(
            &f,
            "finetune",
            &out,
            &["--hang-after-step", "3", "--dist-timeout", "5"],
        ),
    );
    assert!(!ok);
    assert!(
        text.contains("rank 0: no answer from the other ranks within 5 s")
            && text.contains("--dist-timeout"),
        "{text}"
    );
    assert!(t.elapsed().as_secs() < 90, "took {:?}", t.elapsed());
}

/// Ranks started with different settings or data are refused at start, naming the difference.
#[test]
fn ranks_with_different_settings_or_data_are_refused() {
    let f = fixture();
    // Rank 1 runs another command line (an extra flag), or the same one in a directory where the
    // relative `--train` path holds other sentences (a node with other data).
    let (d0, d1) = (f.work.path().join("node0"), f.work.path().join("node1"));
    for d in [&d0, &d1] {
        std::fs::create_dir_all(d).unwrap();
    }
    // The default dataset (../shared/data/conll2003) resolves from either directory.
    std::os::unix::fs::symlink(shared(), f.work.path().join("shared")).unwrap();
    std::fs::copy(&f.train, d0.join("train.txt")).unwrap();
    std::fs::copy(conll_subset("eng.testb", 320, &d1), d1.join("train.txt")).unwrap();
    for (what, rank1, expect) in [
        (
            "settings",
            "cd {d0} && exec {bin} \"$@\" --weight-decay 0.1",
            "rank 1 has \"--weight-decay\"",
        ),
        (
            "data",
            "cd {d1} && exec {bin} \"$@\"",
            "rank 0 has \"training examples = 320\" where rank 1 has \"training examples = 326\"",
        ),
    ] {
        let rank1 = rank1
            .replace("{d0}", d0.to_str().unwrap())
            .replace("{d1}", d1.to_str().unwrap())
            .replace("{bin}", bin());
        let wrapper = f.work.path().join(format!("rank1-{what}.sh"));
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nif [ \"$RANK\" = 1 ]; then {rank1}; else cd {} && exec {} \"$@\"; fi\n",
                d0.display(),
                bin()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut args = job(&f, "finetune", &f.work.path().join(what), &[]);
        let i = args.iter().position(|a| a == "--train").unwrap();
        args[i + 1] = "train.txt".into();
        let (ok, text) = launch(&["--nproc-per-node", "2"], wrapper.to_str().unwrap(), &args);
        assert!(!ok, "{what}: {text}");
        assert!(
            text.contains("ranks were started with different"),
            "{what}: {text}"
        );
        assert!(text.contains(expect), "{what}: {text}");
    }
}

/// The multi-node command as the README gives it, as two "nodes" of one process each on this
/// machine (static rendezvous at MASTER_ADDR:MASTER_PORT), then `distill` as written.
#[test]
fn the_readme_commands_work_as_written() {
    let f = fixture();
    let port = free_port();
    let teacher = f.work.path().join("teacher");
    let args = job(&f, "finetune", &teacher, &[]);
    let nodes: Vec<_> = ["0", "1"]
        .iter()
        .map(|r| {
            Command::new(torchrun())
                .args([
                    "--nnodes",
                    "2",
                    "--node-rank",
                    r,
                    "--master-addr",
                    "127.0.0.1",
                ])
                .args([
                    "--master-port",
                    &port,
                    "--nproc-per-node",
                    "1",
                    "--no-python",
                    bin(),
                ])
                .args(&args)
                .env("OMP_NUM_THREADS", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for n in nodes {
        let o = n.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let m = read_json(&teacher.join("metrics.json"));
    assert_eq!(m["world_size"], 2);
    let student = f.work.path().join("student");
    let (ok, text) = launch(
        &["--nproc-per-node", "2"],
        bin(),
        &[
            "distill",
            "--teacher",
            teacher.to_str().unwrap(),
            "--student-layers",
            "0,1",
            "--train",
            &f.train,
            "--dev",
            &f.dev,
            "--threads",
            "1",
            "--min-teacher-f1",
            "0",
            "--out",
            student.to_str().unwrap(),
        ]
        .map(String::from),
    );
    assert!(ok, "{text}");
    assert_eq!(read_json(&student.join("metrics.json"))["world_size"], 2);
}
