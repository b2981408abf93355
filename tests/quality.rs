//! The quality methods on tiny models: document context (reaches the model, never crosses a
//! document, saved with the run and followed by eval/predict), constrained decoding (no forbidden
//! transition at eval, chosen on dev, saved), the attention-relation loss (zero when the student
//! keeps the teacher's layers) and multi-teacher distillation (every teacher checked by name).
mod common;
use common::*;
use distilner::data::{parse_conll, Corpus};
use distilner::infer::{tag_documents, TagOptions};
use distilner::model::{load_dir, Head, Want};
use std::path::Path;

/// The first `n` sentences of a CoNLL split with their `-DOCSTART-` lines kept.
fn conll_docs(split: &str, n: usize, dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(conll(split)).unwrap();
    let mut out = String::new();
    let mut count = 0;
    for block in text.split("\n\n") {
        if block.trim().is_empty() {
            continue;
        }
        out += block.trim_end();
        out += "\n\n";
        if !block.starts_with("-DOCSTART-") {
            count += 1;
            if count >= n {
                break;
            }
        }
    }
    let p = dir.join(format!("{split}.docs{n}"));
    std::fs::write(&p, out).unwrap();
    p
}

/// A one-epoch `finetune` of `model` on `train`/`dev` into `out` (1 thread, batch 8), plus `extra`.
fn finetune(
    model: &Path,
    train: &Path,
    dev: &Path,
    out: &Path,
    extra: &[&str],
) -> (bool, String, String) {
    let s = |p: &Path| p.display().to_string();
    let (model, train, dev, out) = (s(model), s(train), s(dev), s(out));
    let mut args = vec![
        "finetune",
        "--model",
        &model,
        "--train",
        &train,
        "--dev",
        &dev,
        "--test",
        "none",
        "--out",
        &out,
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--threads",
        "1",
        "--device",
        "cpu",
    ];
    args.extend_from_slice(extra);
    distilner(&args)
}

/// A one-epoch `distill` of `teacher` on `train`/`dev` into a 2-layer student at `out` (1 thread,
/// batch 8, no teacher-F1 floor), scored on `test` ("none" skips it), plus `extra`.
fn distill_tiny(
    teacher: &Path,
    train: &Path,
    dev: &Path,
    test: &str,
    out: &Path,
    extra: &[&str],
) -> (bool, String, String) {
    let s = |p: &Path| p.display().to_string();
    let (teacher, train, dev, out) = (s(teacher), s(train), s(dev), s(out));
    let mut args = vec![
        "distill",
        "--teacher",
        &teacher,
        "--train",
        &train,
        "--dev",
        &dev,
        "--test",
        test,
        "--out",
        &out,
        "--threads",
        "1",
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--min-teacher-f1",
        "0",
        "--student-layers",
        "0,1",
    ];
    args.extend_from_slice(extra);
    distilner(&args)
}

fn words(c: &Corpus) -> Vec<Vec<String>> {
    c.sentences.iter().map(|s| s.words.clone()).collect()
}

fn opt(context: usize) -> TagOptions {
    TagOptions {
        context,
        ..TagOptions::default()
    }
}

/// Forbidden IOB2 transitions in predicted tag sequences: `I-X` after `O` or another type.
fn forbidden(seqs: &[Vec<String>]) -> usize {
    let mut n = 0;
    for s in seqs {
        let mut prev = "O".to_string();
        for t in s {
            if let Some(ty) = t.strip_prefix("I-") {
                let ok = prev.strip_prefix("B-") == Some(ty) || prev.strip_prefix("I-") == Some(ty);
                n += usize::from(!ok);
            }
            prev = t.clone();
        }
    }
    n
}

#[test]
fn document_context_reaches_the_model_and_never_crosses_documents() {
    tch::set_num_threads(1);
    let m = tiny_model_dir("tiny-bert-ner");
    let work = tempfile::tempdir().unwrap();
    let path = conll_docs("eng.testa", 60, work.path());
    let corpus = parse_conll(&std::fs::read(&path).unwrap(), "dev").unwrap();
    let docs = corpus.documents();
    assert!(docs.len() >= 2, "the subset spans documents: {docs:?}");
    let l = load_dir(m.path(), Head::Keep, tch::Device::Cpu).unwrap();
    let w = words(&corpus);
    let alone = tag_documents(&l.model, &l.tokenizer, &w, &docs, &opt(0)).unwrap();
    let ctx = tag_documents(&l.model, &l.tokenizer, &w, &docs, &opt(24)).unwrap();
    assert_eq!(alone.len(), ctx.len());
    let changed = alone
        .iter()
        .zip(&ctx)
        .flat_map(|(a, b)| a.iter().zip(b))
        .filter(|(a, b)| (a.1 - b.1).abs() > 1e-6)
        .count();
    assert!(
        changed > 0,
        "context changed no score: it never reached the model"
    );

    // Rewrite every sentence of the second document: the first document's scores stay put.
    let mut other = w.clone();
    for s in docs[1].clone() {
        for word in &mut other[s] {
            *word = "Zurich".into();
        }
    }
    let again = tag_documents(&l.model, &l.tokenizer, &other, &docs, &opt(24)).unwrap();
    for s in docs[0].clone() {
        for (a, b) in ctx[s].iter().zip(&again[s]) {
            assert!(
                a.0 == b.0 && (a.1 - b.1).abs() < 1e-5,
                "sentence {s} of document 0 changed when document 1 did"
            );
        }
    }
    // The first document's last sentence does see its own document's changes.
    let last = docs[0].end - 1;
    let mut own = w.clone();
    for word in &mut own[last - 1] {
        *word = "Zurich".into();
    }
    let mine = tag_documents(&l.model, &l.tokenizer, &own, &docs, &opt(24)).unwrap();
    assert!(ctx[last]
        .iter()
        .zip(&mine[last])
        .any(|(a, b)| (a.1 - b.1).abs() > 1e-6));
}

#[test]
fn training_with_context_saves_it_and_eval_and_predict_follow() {
    let m = tiny_model_dir("tiny-bert-ner");
    let work = tempfile::tempdir().unwrap();
    let train = conll_docs("eng.train", 120, work.path());
    let dev = conll_docs("eng.testa", 40, work.path());
    let out = work.path().join("ctx");
    let s = |p: &Path| p.display().to_string();
    let (ok, o, err) = finetune(
        m.path(),
        &train,
        &dev,
        &out,
        &["--lr", "1e-3", "--context", "16", "--decoding", "viterbi"],
    );
    assert!(ok, "{o}\n{err}");
    // Training read the neighbours too: more sub-tokens than the same run without context.
    let tokens = |log: &str| -> usize {
        let l = log
            .lines()
            .find(|l| l.contains("training examples"))
            .expect(log);
        l.split(", ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (ok, _, plain) = finetune(m.path(), &train, &dev, &work.path().join("plain"), &[]);
    assert!(ok, "{plain}");
    assert!(err.contains("(document context: 16 per side)"), "{err}");
    let (with, without) = (tokens(&err), tokens(&plain));
    assert!(
        with > without,
        "{with} sub-tokens with context, {without} without"
    );
    let t = read_json(&out.join("tagging.json"));
    assert_eq!(t["document_context"], 16);
    assert_eq!(t["decoding"], "viterbi");
    assert_eq!(t["decoding_rule"], "set by the user");
    assert_eq!(t["measured"].as_array().unwrap().len(), 2);
    assert_eq!(read_json(&out.join("metrics.json"))["tagging"], t);
    let card = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(card.contains("document context: 16 sub-tokens"), "{card}");
    assert!(card.contains("decoding: viterbi"), "{card}");
    // The run's dev F1 is what eval gives with the saved context and decoding.
    let f1 = |extra: &[&str]| {
        let mut args = vec!["eval", "--model", out.to_str().unwrap(), "--data"];
        let d = s(&dev);
        args.push(&d);
        args.extend_from_slice(&["--threads", "1"]);
        args.extend_from_slice(extra);
        let (ok, o, err) = distilner(&args);
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&o).unwrap();
        (v["f1"].as_f64().unwrap(), err)
    };
    let (saved, err) = f1(&[]);
    assert!(
        err.contains("decoding viterbi") && err.contains("document context 16"),
        "{err}"
    );
    let dev_f1 = read_json(&out.join("metrics.json"))["dev"]["f1"]
        .as_f64()
        .unwrap();
    assert!(
        (saved - dev_f1).abs() < 1e-9,
        "eval {saved} vs run {dev_f1}"
    );
    let (_, err) = f1(&["--context", "0", "--decoding", "argmax"]);
    assert!(err.contains("decoding argmax") && err.contains("document context 0"));
    // predict on a CoNLL file with documents takes the same path.
    let (ok, o, err) = distilner(&[
        "predict",
        "--model",
        out.to_str().unwrap(),
        "--input",
        &s(&dev),
        "--input-format",
        "conll",
        "--format",
        "conll",
        "--threads",
        "1",
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("document context 16"), "{err}");
    let tags: Vec<Vec<String>> = o
        .split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|b| {
            b.lines()
                .map(|l| l.rsplit(' ').next().unwrap().to_string())
                .collect()
        })
        .collect();
    assert_eq!(tags.len(), 40);
    assert_eq!(
        forbidden(&tags),
        0,
        "viterbi output has a forbidden transition"
    );
}

#[test]
fn viterbi_at_eval_never_outputs_a_forbidden_transition_and_auto_measures() {
    let m = tiny_model_dir("tiny-bert-ner");
    let work = tempfile::tempdir().unwrap();
    let dev = conll_subset("eng.testa", 80, work.path());
    let preds = |decoding: &str| {
        let p = work.path().join(format!("pred.{decoding}"));
        let (ok, _, err) = distilner(&[
            "eval",
            "--model",
            m.path().to_str().unwrap(),
            "--data",
            dev.to_str().unwrap(),
            "--threads",
            "1",
            "--decoding",
            decoding,
            "--write-predictions",
            p.to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
        let text = std::fs::read_to_string(p).unwrap();
        text.split("\n\n")
            .filter(|b| !b.trim().is_empty())
            .map(|b| {
                b.lines()
                    .map(|l| l.rsplit(' ').next().unwrap().to_string())
                    .collect()
            })
            .collect::<Vec<Vec<String>>>()
    };
    // The untrained tiny model's argmax breaks the scheme; Viterbi never does.
    assert!(
        forbidden(&preds("argmax")) > 0,
        "the check needs a model that breaks the scheme"
    );
    assert_eq!(forbidden(&preds("viterbi")), 0);

    // Without --decoding, a run measures both on dev and keeps Viterbi only if it scored higher.
    let train = conll_subset("eng.train", 60, work.path());
    let out = work.path().join("auto");
    let (ok, o, err) = finetune(m.path(), &train, &dev, &out, &[]);
    assert!(ok, "{o}\n{err}");
    let t = read_json(&out.join("tagging.json"));
    let f1 = |i: usize| t["measured"][i]["dev_f1"].as_f64().unwrap();
    assert_eq!(t["measured"][0]["decoding"], "argmax");
    assert_eq!(t["measured"][1]["decoding"], "viterbi");
    let want = if f1(1) > f1(0) { "viterbi" } else { "argmax" };
    assert_eq!(t["decoding"], want, "{t}");
    assert!(t["decoding_rule"].as_str().unwrap().starts_with("measured"));
    let dev_f1 = read_json(&out.join("metrics.json"))["dev"]["f1"]
        .as_f64()
        .unwrap();
    let chosen = if want == "viterbi" { f1(1) } else { f1(0) };
    assert!((dev_f1 - chosen).abs() < 1e-12, "{dev_f1} vs {chosen}");
}

#[test]
fn attention_loss_is_zero_when_the_student_keeps_every_teacher_layer() {
    tch::set_num_threads(1);
    use distilner::distill::attention::relation_kl_sum;
    use distilner::model::student::build_student;
    let m = tiny_model_dir("tiny-bert-ner");
    let t = load_dir(m.path(), Head::Keep, tch::Device::Cpu).unwrap();
    let n = t.model.config.layers as usize;
    let ids =
        tch::Tensor::from_slice(&[101i64, 200, 300, 400, 102, 101, 250, 102, 0, 0]).view([2, 5]);
    // The second row is padded: its padding keys must get no attention in either model.
    let mask = ids.ne(0).to_kind(tch::Kind::Int64);
    let qkv = |model: &distilner::model::TokenClassifier, layer: usize| {
        let want = Want {
            hidden: false,
            qkv_layer: Some(layer),
        };
        model.forward_with(&ids, &mask, false, want).qkv.unwrap()
    };
    let all = build_student(&t.model, &(0..n).collect::<Vec<_>>()).unwrap();
    for layer in 0..n {
        let kl = relation_kl_sum(&qkv(&all, layer), &qkv(&t.model, layer), &mask).double_value(&[]);
        assert!(kl.abs() < 1e-6, "layer {layer}: {kl}");
    }
    // A student whose last layer is the teacher's first differs from the teacher's last.
    let first = build_student(&t.model, &[0]).unwrap();
    let kl = relation_kl_sum(&qkv(&first, 0), &qkv(&t.model, n - 1), &mask).double_value(&[]);
    assert!(kl > 1e-4, "{kl}");
}

#[test]
fn distill_with_attention_and_several_teachers() {
    let m = tiny_model_dir("tiny-bert-ner");
    let work = tempfile::tempdir().unwrap();
    let train = conll_subset("eng.train", 80, work.path());
    let dev = conll_subset("eng.testa", 30, work.path());
    let s = |p: &Path| p.display().to_string();
    // A second teacher: the tiny model fine-tuned briefly with another seed.
    let t2 = work.path().join("t2");
    let (ok, _, err) = finetune(
        m.path(),
        &train,
        &dev,
        &t2,
        &["--lr", "1e-3", "--seed", "7"],
    );
    assert!(ok, "{err}");
    let test = s(&dev);
    let distill =
        |out: &Path, extra: &[&str]| distill_tiny(m.path(), &train, &dev, &test, out, extra);
    let out = work.path().join("s");
    let (ok, o, err) = distill(&out, &["--teacher", &s(&t2), "--attention-kd", "1.0"]);
    assert!(ok, "{o}\n{err}");
    // Each method changes what is minimised: the first epoch's training loss moves with each alone.
    let loss = |name: &str, extra: &[&str]| {
        let p = work.path().join(name);
        let (ok, _, err) = distill(&p, extra);
        assert!(ok, "{err}");
        read_json(&p.join("metrics.json"))["history"][0]["training_loss"]
            .as_f64()
            .unwrap()
    };
    let plain = loss("plain", &[]);
    let two = loss("two", &["--teacher", &s(&t2)]);
    let attention = loss("attention", &["--attention-kd", "1.0"]);
    assert!(
        (two - plain).abs() > 1e-6,
        "the second teacher changed nothing: {two} vs {plain}"
    );
    assert!(
        (attention - plain).abs() > 1e-6,
        "the attention term added nothing: {attention} vs {plain}"
    );
    let card = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(card.contains("attention + value-relation KL"), "{card}");
    assert!(
        card.contains("the mean of 2 teachers' softened distributions"),
        "{card}"
    );
    let metrics = read_json(&out.join("metrics.json"));
    assert_eq!(metrics["other_teachers"][0]["name"], s(&t2));
    assert!(metrics["other_teachers"][0]["dev_f1"].is_number());

    // Every teacher is checked by name: one whose labels do not cover the data is refused.
    let bad = work.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    for f in ["model.safetensors", "vocab.txt", "tokenizer_config.json"] {
        std::fs::copy(m.path().join(f), bad.join(f)).unwrap();
    }
    let cfg = std::fs::read_to_string(m.path().join("config.json"))
        .unwrap()
        .replace("\"B-MISC\"", "\"B-MISCELLANEOUS\"");
    std::fs::write(bad.join("config.json"), cfg).unwrap();
    let (ok, _, err) = distill(&work.path().join("s2"), &["--teacher", &s(&bad)]);
    assert!(!ok, "a teacher without B-MISC was accepted");
    assert!(
        err.contains(&format!("teacher {}", s(&bad))) && err.contains("B-MISC"),
        "{err}"
    );
    // Attention maps are compared head by head: a bad layer pair is refused before training.
    let (ok, _, err) = distill(
        &work.path().join("s3"),
        &["--attention-kd", "1", "--attention-layers", "5:0"],
    );
    assert!(!ok && err.contains("--attention-layers 5:0"), "{err}");
}

#[test]
fn a_context_teacher_teaches_a_student_that_reads_sentences_alone() {
    use distilner::distill::teacher_windows::{teacher_cache, StudentWindows, TeacherRun};
    use distilner::tokenize::pad_batch;
    tch::set_num_threads(1);
    let m = tiny_model_dir("tiny-bert-ner");
    let work = tempfile::tempdir().unwrap();
    let path = conll_docs("eng.testa", 40, work.path());
    let corpus = parse_conll(&std::fs::read(&path).unwrap(), "dev").unwrap();
    let l = load_dir(m.path(), Head::Keep, tch::Device::Cpu).unwrap();
    let labels = l.model.labels.clone();
    let prep = |c: usize| {
        distilner::train::prepare(&corpus, &l.tokenizer, &labels, &opt(c).fit(&l.model), false)
            .unwrap()
    };
    let (alone, ctx) = (prep(0), prep(24));
    let col_map: Vec<usize> = (0..labels.len()).collect();
    let cache = |context: usize| {
        let run = TeacherRun {
            model: &l.model,
            col_map: &col_map,
            context,
            batch_size: 8,
            dist: None,
        };
        let windows = StudentWindows {
            corpus: &corpus,
            examples: &alone,
            tokenizer: &l.tokenizer,
            labels: &labels,
            win: opt(0).fit(&l.model),
            all_subtokens: false,
            kd_all_tokens: false,
        };
        teacher_cache(&run, &windows).unwrap()
    };
    let (with, without) = (cache(24), cache(0));
    // The model's own logits for one window, alone in its batch.
    let forward = |e: &distilner::train::Example| {
        let (ids, mask) = pad_batch(
            &[e.input_ids.as_slice()],
            l.tokenizer.pad_id,
            tch::Device::Cpu,
        );
        tch::no_grad(|| l.model.forward(&ids, &mask, false, false).logits.get(0))
    };
    let mut seen_context = 0;
    for (i, (a, c)) in alone.iter().zip(&ctx).enumerate() {
        let n = a.input_ids.len() as i64;
        let got = with.batch(&[i], n, tch::Device::Cpu).get(0);
        let plain = without.batch(&[i], n, tch::Device::Cpu).get(0);
        let own = a.own.len() as i64;
        let rows = |t: &tch::Tensor, start: usize| t.narrow(0, start as i64, own);
        let max = |t: tch::Tensor| t.abs().max().double_value(&[]);
        // Without a teacher context the cache is the student windows' logits; with one, the
        // sentence's rows are the teacher's over its context window.
        assert!(max(rows(&plain, a.own.start) - rows(&forward(a), a.own.start)) < 1e-4);
        assert!(
            max(rows(&got, a.own.start) - rows(&forward(c), c.own.start)) < 1e-4,
            "sentence {i}"
        );
        if c.input_ids.len() > a.input_ids.len() {
            seen_context += 1;
            assert!(max(rows(&got, a.own.start) - rows(&plain, a.own.start)) > 1e-4);
        }
    }
    assert!(seen_context > 10, "only {seen_context} windows had context");
}

#[test]
fn distill_from_a_context_teacher_into_a_student_without() {
    let m = tiny_model_dir("tiny-bert-ner");
    let work = tempfile::tempdir().unwrap();
    let train = conll_docs("eng.train", 80, work.path());
    let dev = conll_docs("eng.testa", 30, work.path());
    let teacher = work.path().join("t");
    let (ok, _, err) = finetune(
        m.path(),
        &train,
        &dev,
        &teacher,
        &["--lr", "1e-3", "--context", "16"],
    );
    assert!(ok, "{err}");
    let distill =
        |out: &Path, extra: &[&str]| distill_tiny(&teacher, &train, &dev, "none", out, extra);
    let out = work.path().join("s");
    let (ok, o, err) = distill(&out, &[]);
    assert!(ok, "{o}\n{err}");
    let card = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(
        card.contains("the teacher read 16 sub-tokens of document context per side, the student 0"),
        "{card}"
    );
    assert_eq!(read_json(&out.join("tagging.json"))["document_context"], 0);
    // The teacher's context reaches the targets: reading sentences alone, it teaches otherwise.
    let loss = |p: &Path| {
        read_json(&p.join("metrics.json"))["history"][0]["training_loss"]
            .as_f64()
            .unwrap()
    };
    let alone = work.path().join("alone");
    let (ok, _, err) = distill(&alone, &["--teacher-context", "0"]);
    assert!(ok, "{err}");
    assert!(!std::fs::read_to_string(alone.join("README.md"))
        .unwrap()
        .contains("the teacher read"));
    assert!(
        (loss(&out) - loss(&alone)).abs() > 1e-6,
        "{} vs {}",
        loss(&out),
        loss(&alone)
    );
    // Every-token KD over context the teacher does not see the same way is refused, with the fix.
    let (ok, _, err) = distill(
        &work.path().join("all"),
        &["--context", "8", "--kd-all-tokens"],
    );
    assert!(!ok);
    assert!(
        err.contains("--kd-all-tokens") && err.contains("--teacher-context 8"),
        "{err}"
    );
}
