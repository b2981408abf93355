//! `distilner compile` and `--engine`: a model compiled ahead of time by torch.export + AOTInductor
//! (the tiny BERT teacher and DistilBERT student, Inductor's default lowering to keep the suite
//! short) gives distilner's eager logits on padded batches; the inference commands run it and say
//! so; a package that no longer matches its weights is never used.
mod common;
#[path = "common/server.rs"]
mod server;
use common::*;
use distilner::infer::engine::{attach, Engine};
use distilner::model::aoti::CompiledModel;
use distilner::model::{load_dir, Head, Precision};
use server::start_server;
use std::path::Path;
use tch::{Device, Kind, Tensor};

/// How far padding may move a real row's int8 or bf16 package logits, on average. Measured on the
/// tiny student (logits up to 0.38), AMX: 5.1e-5 with padding masked (bf16 attention, session 24's
/// trial; fp32 attention is under it too), 1.7e-3 with it attended (bf16 or fp32 attention); the
/// bf16 package with written-out attention, Zen 5: 0 masked, 1.3e-3 attended (session 35).
const PADDING_TOLERANCE: f64 = 3e-4;

fn compile(model: &Path, extra: &[&str]) -> serde_json::Value {
    // fp32 only: on a CPU with native bf16 the default would compile bf16 packages too.
    let mut args = vec![
        "compile",
        "--model",
        model.to_str().unwrap(),
        "--no-autotune",
        "--threads",
        "1",
        "--precision",
        "fp32",
    ];
    args.extend_from_slice(extra);
    let (ok, out, err) = distilner(&args);
    assert!(ok, "{err}");
    assert!(out.contains("wrote "), "{out}");
    let m = read_json(&model.join("compiled.json"));
    assert_eq!(m["precision"], "fp32", "{m}");
    assert_eq!(m["checked_rows"], 6, "{m}");
    // fp32 fuses query, key and value into one GEMM; the logits checks below cover the fused graph.
    assert_eq!(
        m["inductor_configs"]["cpp.enable_concat_linear"], true,
        "{m}"
    );
    assert_eq!(m["inductor_configs"]["freezing"], true, "{m}");
    // Without autotune the example shape changes nothing, so one package.
    let p = &m["packages"].as_array().unwrap()[..];
    assert_eq!(p.len(), 1, "{m}");
    assert!(p[0]["max_abs_diff"].as_f64().unwrap() < 1e-4, "{m}");
    assert!(model.join(p[0]["file"].as_str().unwrap()).is_file(), "{m}");
    assert!(!model.join("compiled.partial").exists());
    m
}

/// Rows of lengths 2..max_len (so every batch but one is padded), in one batch and alone.
fn batches(vocab: i64, max_len: i64) -> Vec<(Tensor, Tensor)> {
    tch::manual_seed(7);
    let rows: Vec<Vec<i64>> = [2, 9, 23, max_len]
        .iter()
        .map(|&n| {
            Vec::try_from(Tensor::randint_low(
                1,
                vocab,
                [n],
                (Kind::Int64, Device::Cpu),
            ))
            .unwrap()
        })
        .collect();
    let all: Vec<&[i64]> = rows.iter().map(|r| r.as_slice()).collect();
    vec![
        distilner::tokenize::pad_batch(&all, 0, Device::Cpu),
        distilner::tokenize::pad_batch(&all[1..2], 0, Device::Cpu),
    ]
}

fn max_diff_on_real(a: &Tensor, b: &Tensor, mask: &Tensor) -> f64 {
    let pad = mask.eq(0).unsqueeze(-1);
    (a - b).abs().masked_fill(&pad, 0.0).max().double_value(&[])
}

/// The package stands in for the eager model: same logits on padded batches, and
/// `TokenClassifier::logits` really runs it (a later change to the eager weights does not reach it).
fn library_runs_the_package(model: &Path) {
    tch::set_num_threads(1);
    let mut l = load_dir(model, Head::Keep, Device::Cpu).unwrap();
    let note = attach(&mut l.model, model, Engine::Compiled, 1).unwrap();
    assert!(note.starts_with("engine compiled"), "{note}");
    let (vocab, max_len) = (l.model.config.vocab_size, l.model.config.max_position);
    let _g = tch::no_grad_guard();
    for (ids, mask) in batches(vocab, max_len) {
        let eager = l.model.forward(&ids, &mask, false, false).logits;
        let compiled = l.model.logits(&ids, &mask);
        assert_eq!(compiled.size(), eager.size());
        let d = max_diff_on_real(&compiled, &eager, &mask);
        assert!(d < 1e-4, "compiled vs eager logits differ by {d}");
    }
    // Shift the eager head's bias: eager logits move by 1, the frozen package's do not.
    let (ids, mask) = batches(vocab, max_len).remove(0);
    let before = l.model.logits(&ids, &mask);
    for (name, mut v) in l.model.vs.variables() {
        if name == "classifier.bias" {
            let _ = v.g_add_scalar_(1.0);
        }
    }
    let eager = l.model.forward(&ids, &mask, false, false).logits;
    assert!(
        max_diff_on_real(&eager, &before, &mask) > 0.5,
        "the bias did not move the eager logits"
    );
    let after = l.model.logits(&ids, &mask);
    assert_eq!(
        max_diff_on_real(&after, &before, &mask),
        0.0,
        "logits did not come from the package"
    );
}

fn predict(model: &Path, input: &Path, engine: &str) -> (serde_json::Value, String) {
    let (ok, out, err) = distilner(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--engine",
        engine,
        "--aggregation",
        "none",
        "--threads",
        "1",
    ]);
    assert!(ok, "{err}");
    (serde_json::from_str(&out).unwrap(), err)
}

/// Per token: (word, label, score) of every tagged token.
fn tags(v: &serde_json::Value) -> Vec<(String, String, f64)> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s.as_array().unwrap())
        .map(|e| {
            (
                e["word"].to_string(),
                e["entity"].to_string(),
                e["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// predict, eval, serve and bench on the package: `auto` takes it and says so, with eager's tags.
fn commands_run_the_package(model: &Path) {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in.txt");
    std::fs::write(
        &input,
        "Angela Merkel visited Paris .\nEU rejects German call to boycott British lamb .\nPeter Blackburn\n",
    )
    .unwrap();
    let (eager, err) = predict(model, &input, "eager");
    assert!(err.contains("engine eager (asked for)"), "{err}");
    let (auto, err) = predict(model, &input, "auto");
    assert!(err.contains("engine compiled ("), "{err}");
    let (a, b) = (tags(&eager), tags(&auto));
    assert!(!a.is_empty() && a.len() == b.len(), "{eager} vs {auto}");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.0, &x.1), (&y.0, &y.1));
        assert!((x.2 - y.2).abs() < 1e-4, "{x:?} vs {y:?}");
    }

    let data = conll_subset("eng.testb", 40, work.path());
    let eval = |engine: &str| {
        let (ok, out, err) = distilner(&[
            "eval",
            "--model",
            model.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--engine",
            engine,
            "--threads",
            "1",
        ]);
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (v, err)
    };
    let ((e, _), (c, err)) = (eval("eager"), eval("compiled"));
    assert!(err.contains("engine compiled ("), "{err}");
    assert_eq!(e["f1"], c["f1"]);
    assert_eq!(e["per_type"], c["per_type"]);

    // `precision` times fp32 as `--engine auto` will run it: on the package; the others eager.
    let (ok, _, err) = distilner(&[
        "precision",
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--threads",
        "1",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("precision.json")).unwrap())
            .unwrap();
    for m in v["measured"].as_array().unwrap() {
        let want = if m["precision"] == "fp32" {
            "compiled"
        } else {
            "eager"
        };
        assert_eq!(m["engine"], want, "{v}");
    }
    assert_eq!(v["measured"][0]["dev_f1"], c["f1"], "{v}");
    std::fs::remove_file(model.join("precision.json")).unwrap();

    let (mut child, addr) = start_server(model, &[]);
    let info = http_get(&addr, "/info");
    assert!(info.contains("\"engine\":\"compiled\""), "{info}");
    child.kill().unwrap();
    let _ = child.wait();

    let (_, v) = bench_dir(
        model,
        &[
            "--limit",
            "40",
            "--batch",
            "1",
            "8",
            "--precision",
            "fp32",
            "--compiled",
        ],
    );
    let rows = v["results"].as_array().unwrap();
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["engine"] == name)
            .unwrap_or_else(|| panic!("no {name} row: {v}"))
    };
    let (e, c) = (row("distilner fp32"), row("distilner fp32 compiled"));
    assert_eq!(e["f1"], c["f1"], "{v}");
    assert!(
        c["batches"]["8"]["sentences_per_s"].as_f64().unwrap() > 0.0,
        "{v}"
    );
}

fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = String::new();
    c.read_to_string(&mut buf).unwrap();
    buf
}

/// Changed weights make the package stale: `auto` runs eager and says why, `compiled` refuses.
fn a_stale_package_is_never_used(model: &Path) {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in.txt");
    std::fs::write(&input, "Angela Merkel visited Paris .\n").unwrap();
    let cfg = model.join("config.json");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text.clone() + "\n").unwrap();
    let (_, err) = predict(model, &input, "auto");
    assert!(
        err.contains("engine eager (config.json or model.safetensors changed"),
        "{err}"
    );
    let err = predict_compiled_fails(model, &input, &[]);
    assert!(err.contains("changed since it was compiled"), "{err}");
    std::fs::write(&cfg, text).unwrap();
    let (_, err) = predict(model, &input, "auto");
    assert!(err.contains("engine compiled ("), "{err}");
    // A damaged package: `compiled` names it and the fix, `auto` runs eager and says why.
    let m = read_json(&model.join("compiled.json"));
    let pkg = model.join(m["packages"][0]["file"].as_str().unwrap());
    let bytes = std::fs::read(&pkg).unwrap();
    std::fs::write(&pkg, &bytes[..bytes.len() / 2]).unwrap();
    let err = predict_compiled_fails(model, &input, &[]);
    assert!(
        err.contains("libtorch could not load this compiled package")
            && err.contains("distilner compile"),
        "{err}"
    );
    let (_, err) = predict(model, &input, "auto");
    assert!(
        err.contains("engine eager (") && err.contains("could not load"),
        "{err}"
    );
    std::fs::write(&pkg, &bytes).unwrap();
    // int8 is not what the package computes.
    let err = predict_compiled_fails(model, &input, &["--precision", "int8"]);
    assert!(
        err.contains("has no compiled int8 package") && err.contains("--precision int8` makes one"),
        "{err}"
    );
}

/// `model.logits` must be exactly `package`'s output (so the package ran) and within `share` of
/// `reference`'s largest logit; returns those logits and their distance from `reference`.
fn runs_the_package(
    model: &distilner::model::TokenClassifier,
    package: &CompiledModel,
    ids: &Tensor,
    mask: &Tensor,
    reference: &Tensor,
    share: f64,
) -> (Tensor, f64) {
    let got = model.logits(ids, mask);
    assert_eq!(got.kind(), Kind::Float);
    assert_eq!(
        max_diff_on_real(&got, &package.logits(ids, mask), mask),
        0.0
    );
    let scale = reference.abs().max().double_value(&[]);
    let d = max_diff_on_real(&got, reference, mask);
    assert!(d < share * scale, "package vs eager: {d} (scale {scale})");
    (got, d)
}

/// `predict --engine compiled` with `extra` flags, which must fail; its stderr.
fn predict_compiled_fails(model: &Path, input: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--engine",
        "compiled",
    ];
    args.extend_from_slice(extra);
    let (ok, _, err) = distilner(&args);
    assert!(!ok, "{err}");
    err
}

fn check(name: &str) {
    let m = tiny_model_dir(name);
    let manifest = compile(m.path(), &["--no-measure"]);
    let file = &manifest["packages"][0]["file"];
    assert_eq!(
        manifest["routes"],
        serde_json::json!([{"up_to_tokens": null, "engine": file}])
    );
    library_runs_the_package(m.path());
    commands_run_the_package(m.path());
    a_stale_package_is_never_used(m.path());
}

#[test]
fn a_compiled_distilbert_student_runs_in_every_inference_command() {
    check("tiny-distilbert-ner");
}

#[test]
fn a_compiled_bert_teacher_runs_in_every_inference_command() {
    check("tiny-bert-ner");
}

/// Measured routes: eager and the package timed at batches of 1 to 64 rows, every size routed to
/// one of them, the last route open-ended; the inference commands say which sizes go where.
#[test]
fn routes_are_measured_per_batch_size() {
    let m = tiny_model_dir("tiny-distilbert-ner");
    let manifest = compile(m.path(), &[]);
    let file = manifest["packages"][0]["file"].as_str().unwrap();
    assert_eq!(manifest["routing"], "measured");
    let timings = manifest["timings"].as_array().unwrap();
    let rows: Vec<i64> = timings
        .iter()
        .map(|t| t["batch"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, [1, 2, 4, 8, 16, 32, 64]);
    for t in timings {
        for e in ["eager", file] {
            assert!(t["ms"][e].as_f64().unwrap() > 0.0, "{t}");
        }
    }
    let routes = manifest["routes"].as_array().unwrap();
    assert!(
        routes.last().unwrap()["up_to_tokens"].is_null(),
        "{manifest}"
    );
    for r in routes {
        assert!(r["engine"] == "eager" || r["engine"] == file, "{r}");
    }
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in.txt");
    std::fs::write(&input, "Angela Merkel visited Paris .\n").unwrap();
    let (_, err) = predict(m.path(), &input, "auto");
    assert!(
        err.contains("engine compiled (") && err.contains("batches "),
        "{err}"
    );
}

/// Without a package `--engine compiled` says how to make one; a compiler that is not there is named.
#[test]
fn missing_package_or_compiler_is_named() {
    let m = tiny_model_dir("tiny-distilbert-ner");
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in.txt");
    std::fs::write(&input, "Angela Merkel visited Paris .\n").unwrap();
    let model = m.path().to_str().unwrap();
    let err = predict_compiled_fails(m.path(), &input, &[]);
    assert!(
        err.contains("has no compiled fp32 package (`distilner compile --model"),
        "{err}"
    );
    let (ok, _, err) = distilner(&[
        "compile",
        "--model",
        model,
        "--python",
        "/nonexistent/python",
    ]);
    assert!(
        !ok && err.contains("/nonexistent/python") && err.contains("setup.sh"),
        "{err}"
    );
    assert!(!m.path().join("compiled.json").exists());
}

/// bf16 packages: their own manifest and directory beside fp32's (compiling one leaves the other),
/// the whole model in bf16 within the stated share of distilner's eager bf16 logits, run by
/// `--precision bf16` — the library's logits are the package's own — while fp32 keeps its package;
/// without a bf16 package, bf16 on `--engine compiled` is refused with the command that makes one.
#[test]
fn a_bf16_package_runs_bf16_inference() {
    let m = tiny_model_dir("tiny-distilbert-ner");
    let fp32 = compile(m.path(), &["--no-measure"]);
    let dir = m.path().to_str().unwrap();
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in.txt");
    std::fs::write(&input, "Angela Merkel visited Paris .\nPeter Blackburn\n").unwrap();
    let err = predict_compiled_fails(m.path(), &input, &["--precision", "bf16"]);
    assert!(
        err.contains("no compiled bf16 package") && err.contains("--precision bf16` makes one"),
        "{err}"
    );
    // On an AMX CPU, max-autotune puts Inductor's AMX micro-GEMMs in the package: the fresh `predict`
    // processes below then need the tile permission the loader asks for (without it: SIGILL).
    let amx = distilner::model::precision::cpu_has_any(&["amx_bf16"]);
    let bf16 = |shape: &str| {
        let mut args = vec!["compile", "--model", dir, "--no-measure", "--threads", "1"];
        args.extend(["--precision", "bf16", "--tune-for", shape]);
        if !amx {
            args.push("--no-autotune");
        }
        let (ok, out, err) = distilner(&args);
        assert!(ok, "{err}");
        assert!(out.contains("compiled-bf16.json"), "{out}");
        read_json(&m.path().join("compiled-bf16.json"))
    };
    // Attention as eager bf16 runs it: aten's fused kernel in a package for a few rows, written
    // out in one for 8 rows or more; the checks below run on the latter, so on its mask too.
    assert_eq!(bf16("2x16")["packages"][0]["attention"], "sdpa");
    let b = bf16("32x40");
    assert_eq!(b["packages"][0]["attention"], "math", "{b}");
    assert_eq!(b["precision"], "bf16", "{b}");
    let file = b["packages"][0]["file"].as_str().unwrap();
    assert!(file.starts_with("compiled-bf16/model-cpu-bf16-"), "{b}");
    // fp32's manifest and package are untouched.
    assert_eq!(read_json(&m.path().join("compiled.json")), fp32);
    assert!(m
        .path()
        .join(fp32["packages"][0]["file"].as_str().unwrap())
        .is_file());

    tch::set_num_threads(1);
    let mut l = load_dir(m.path(), Head::Keep, Device::Cpu).unwrap();
    l.model.set_inference_precision(Precision::Bf16).unwrap();
    let note = attach(&mut l.model, m.path(), Engine::Compiled, 1).unwrap();
    assert!(note.contains("compiled-bf16: bf16 AOTInductor"), "{note}");
    let package = CompiledModel::load(&m.path().join(file), 1, 1024, 512).unwrap();
    let (vocab, max_len) = (l.model.config.vocab_size, l.model.config.max_position);
    let _g = tch::no_grad_guard();
    let mut logits = Vec::new();
    for (ids, mask) in batches(vocab, max_len) {
        let eager = l.model.forward(&ids, &mask, false, false).logits;
        logits.push(runs_the_package(&l.model, &package, &ids, &mask, &eager, 0.03).0);
    }
    // Padding is masked on the written-out attention: the 9-id row scores as it does alone.
    let moved_by_padding = (logits[0].get(1).narrow(0, 0, 9) - &logits[1].get(0))
        .abs()
        .mean(None)
        .double_value(&[]);
    assert!(
        moved_by_padding < PADDING_TOLERANCE,
        "padding moved a real row's logits by {moved_by_padding} on average"
    );
    drop(package);

    let run = |precision: &str| {
        let (ok, _, err) = distilner(&[
            "predict",
            "--model",
            dir,
            "--input",
            input.to_str().unwrap(),
            "--engine",
            "compiled",
            "--precision",
            precision,
            "--threads",
            "1",
        ]);
        assert!(ok, "{err}");
        err
    };
    assert!(run("bf16").contains("compiled-bf16: bf16 AOTInductor"));
    let err = run("fp32");
    assert!(err.contains("/compiled: fp32 AOTInductor"), "{err}");
}

/// An int8 package: every Linear quantized statically (PT2E, activation scales from the calibration
/// sentences), checked against eager fp32, run for `--precision int8` and only for it.
#[test]
fn an_int8_package_runs_int8_inference() {
    let m = tiny_model_dir("tiny-distilbert-ner");
    let dir = m.path().to_str().unwrap();
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in.txt");
    std::fs::write(&input, "Angela Merkel visited Paris .\nPeter Blackburn\n").unwrap();
    let int8 = |calibration: &Path, shape: &str| {
        let (ok, out, err) = distilner(&[
            "compile",
            "--model",
            dir,
            "--no-measure",
            "--no-autotune",
            "--tune-for",
            shape,
            "--threads",
            "1",
            "--precision",
            "int8",
            "--calibration-data",
            calibration.to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
        assert!(out.contains("compiled-int8.json"), "{out}");
        read_json(&m.path().join("compiled-int8.json"))
    };
    let few = conll_subset("eng.testa", 3, work.path());
    let b = int8(&few, "2x16");
    assert_eq!(b["precision"], "int8", "{b}");
    // Attention as eager int8 runs it: bf16 where the CPU has native bf16, there through aten's
    // fused kernel in a package for a few rows and written out in one for 8 rows or more.
    let native = distilner::model::precision::native_bf16(Device::Cpu);
    assert_eq!(
        b["attention"],
        if native { "bfloat16" } else { "float32" },
        "{b}"
    );
    assert_eq!(b["packages"][0]["attention"], "sdpa", "{b}");
    assert!(
        b["calibration"]
            .as_str()
            .unwrap()
            .starts_with("3 sentences of "),
        "{b}"
    );
    let file = b["packages"][0]["file"].as_str().unwrap().to_string();
    assert!(file.starts_with("compiled-int8/model-cpu-int8-"), "{b}");
    let few_pkg = work.path().join("few.pt2");
    std::fs::copy(m.path().join(&file), &few_pkg).unwrap();
    let b = int8(&conll("eng.testa"), "32x40");
    assert!(
        b["calibration"]
            .as_str()
            .unwrap()
            .starts_with("512 sentences of "),
        "{b}"
    );
    let kernel = if native { "math" } else { "sdpa" };
    assert_eq!(b["packages"][0]["attention"], kernel, "{b}");
    // The padding checks below run on this package, so on the written-out attention's mask too.
    let file = b["packages"][0]["file"].as_str().unwrap().to_string();

    tch::set_num_threads(1);
    let mut l = load_dir(m.path(), Head::Keep, Device::Cpu).unwrap();
    let fp32 = load_dir(m.path(), Head::Keep, Device::Cpu).unwrap().model;
    l.model.set_inference_precision(Precision::Int8).unwrap();
    let note = attach(&mut l.model, m.path(), Engine::Compiled, 1).unwrap();
    assert!(note.contains("compiled-int8: int8 AOTInductor"), "{note}");
    let package = CompiledModel::load(&m.path().join(&file), 1, 1024, 512).unwrap();
    let few = CompiledModel::load(&few_pkg, 1, 1024, 512).unwrap();
    let (vocab, max_len) = (l.model.config.vocab_size, l.model.config.max_position);
    let _g = tch::no_grad_guard();
    let (mut moved, mut recalibrated, mut logits) = (0f64, 0f64, Vec::new());
    for (ids, mask) in batches(vocab, max_len) {
        let exact = fp32.forward(&ids, &mask, false, false).logits;
        let (got, d) = runs_the_package(&l.model, &package, &ids, &mask, &exact, 0.3);
        moved = moved.max(d);
        recalibrated = recalibrated.max(max_diff_on_real(&got, &few.logits(&ids, &mask), &mask));
        logits.push(got);
    }
    // Really quantized, and with scales from the calibration data.
    assert!(moved > 0.0);
    assert!(recalibrated > 0.0);
    // Padding is masked on the package's attention path: with static activation scales the 9-id
    // row scores as it does alone, padded beside the longest row (64 ids) or not (`batches`: all
    // rows padded, then that row alone).
    let padded = logits[0].get(1).narrow(0, 0, 9);
    let single = logits[1].get(0);
    // The mean, not the max: a rounding that differs with the row's length may tip an element
    // across an int8 step, where unmasked padding shifts every logit.
    let moved_by_padding = (&padded - &single).abs().mean(None).double_value(&[]);
    assert!(
        moved_by_padding < PADDING_TOLERANCE,
        "padding moved a real row's logits by {moved_by_padding} on average"
    );
    drop((package, few));

    let (ok, _, err) = distilner(&[
        "predict",
        "--model",
        dir,
        "--input",
        input.to_str().unwrap(),
        "--engine",
        "compiled",
        "--precision",
        "int8",
        "--threads",
        "1",
    ]);
    assert!(
        ok && err.contains("compiled-int8: int8 AOTInductor"),
        "{err}"
    );
}
