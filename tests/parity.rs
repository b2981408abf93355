//! Parity with Python transformers 5.24 (eval mode): hidden states, logits, loss and gradients of the
//! tiny random checkpoints within 1e-5; MiniLM's last hidden states within 1e-4; the student builder
//! reproduces its teacher exactly when it keeps every layer.
mod common;
use distilner::data::LabelSet;
use distilner::model::checkpoint::read_safetensors;
use distilner::model::student::build_student;
use distilner::model::{load_model, Head, TokenClassifier};
use std::collections::HashMap;
use tch::{Device, Kind, Tensor};

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.size(), b.size());
    (a - b).abs().max().double_value(&[])
}

fn reference() -> HashMap<String, Tensor> {
    read_safetensors(&common::testvectors().join("tiny_reference.safetensors")).unwrap()
}

fn check_family(family: &str, dir: &str) {
    tch::set_num_threads(1);
    let r = reference();
    let (model, new_head) =
        load_model(&common::testvectors().join(dir), Head::Keep, Device::Cpu).unwrap();
    assert!(!new_head);
    let out = model.forward(&r["input_ids"], &r["attention_mask"], false, false);
    let d = max_diff(
        out.hidden_states.last().unwrap(),
        &r[&format!("{family}.last_hidden")],
    );
    assert!(d < 1e-5, "{family} last hidden differs by {d}");
    let d = max_diff(&out.logits, &r[&format!("{family}.logits")]);
    assert!(d < 1e-5, "{family} logits differ by {d}");
    let loss = TokenClassifier::loss(&out.logits, &r["labels"]);
    let d = (loss.double_value(&[]) - r[&format!("{family}.loss")].double_value(&[0])).abs();
    assert!(d < 1e-5, "{family} loss differs by {d}");
    loss.backward();
    let vars = model.vs.variables();
    let prefix = format!("{family}.grad.");
    let mut n = 0;
    for (k, want) in &r {
        if let Some(name) = k.strip_prefix(&prefix) {
            let got = vars[name].grad();
            let d = max_diff(&got, want);
            assert!(d < 1e-5, "{family} grad {name} differs by {d}");
            n += 1;
        }
    }
    assert!(n >= 3, "{family}: only {n} gradients checked");
}

#[test]
fn tiny_bert_matches_transformers() {
    check_family("bert", "tiny-bert-ner");
}

#[test]
fn tiny_distilbert_matches_transformers() {
    check_family("distilbert", "tiny-distilbert-ner");
}

#[test]
fn student_with_all_layers_reproduces_tiny_teacher() {
    student_reproduces("tiny-bert-ner");
}

/// A DistilBERT teacher can be cut down the same way (e.g. distilbert-base-cased → 3 layers).
#[test]
fn student_from_a_distilbert_teacher_reproduces_it() {
    student_reproduces("tiny-distilbert-ner");
}

fn student_reproduces(dir: &str) {
    tch::set_num_threads(1);
    let r = reference();
    let (teacher, _) =
        load_model(&common::testvectors().join(dir), Head::Keep, Device::Cpu).unwrap();
    let student = build_student(&teacher, &[0, 1]).unwrap();
    let t = teacher
        .forward(&r["input_ids"], &r["attention_mask"], false, false)
        .logits;
    let s = student
        .forward(&r["input_ids"], &r["attention_mask"], false, false)
        .logits;
    assert!(max_diff(&t, &s) < 1e-5);
    // Dropping a layer must change the output (the test can fail).
    let s1 = build_student(&teacher, &[0])
        .unwrap()
        .forward(&r["input_ids"], &r["attention_mask"], false, false)
        .logits;
    assert!(max_diff(&t, &s1) > 1e-3);
}

#[test]
fn minilm_hidden_states_and_student_match() {
    tch::set_num_threads(1);
    let dir = common::minilm();
    assert!(
        dir.join("model.safetensors").exists(),
        "{} missing: run ./setup.sh",
        dir.display()
    );
    let labels = LabelSet::new(["O", "B-PER", "I-PER"].map(String::from).to_vec());
    tch::manual_seed(0);
    let (model, new_head) = load_model(&dir, Head::ForLabels(&labels), Device::Cpu).unwrap();
    assert!(
        new_head,
        "MiniLM has no head: a new one is sized from the labels"
    );
    let r = read_safetensors(&common::testvectors().join("minilm_reference.safetensors")).unwrap();
    let out = model.forward(&r["input_ids"], &r["attention_mask"], false, false);
    // Compare real tokens only (padding rows are not meaningful).
    let m = r["attention_mask"].to_kind(Kind::Bool).unsqueeze(-1);
    let got = out
        .hidden_states
        .last()
        .unwrap()
        .masked_fill(&m.logical_not(), 0.0);
    let want = r["last_hidden"].masked_fill(&m.logical_not(), 0.0);
    let d = max_diff(&got, &want);
    assert!(d < 1e-4, "MiniLM last hidden differs by {d}");
    let student = build_student(&model, &[0, 1, 2, 3, 4, 5]).unwrap();
    let s = student
        .forward(&r["input_ids"], &r["attention_mask"], false, false)
        .logits;
    let d = max_diff(&out.logits, &s);
    assert!(
        d < 1e-5,
        "full-depth student differs from MiniLM teacher by {d}"
    );
}

/// bf16 mixed precision stays close to the fp32 reference (products in bf16, the rest fp32), its
/// gradients point the same way, and the inference cast (weights stored in bf16) gives exactly the
/// logits of the per-call cast used in training.
#[test]
fn bf16_mixed_precision_tracks_the_fp32_reference() {
    use distilner::model::Precision;
    tch::set_num_threads(1);
    let r = reference();
    for (family, dir) in [
        ("bert", "tiny-bert-ner"),
        ("distilbert", "tiny-distilbert-ner"),
    ] {
        let path = common::testvectors().join(dir);
        let (mut model, _) = load_model(&path, Head::Keep, Device::Cpu).unwrap();
        model.set_precision(Precision::Bf16);
        let out = model.forward(&r["input_ids"], &r["attention_mask"], false, false);
        assert_eq!(out.logits.kind(), Kind::Float);
        let want = &r[&format!("{family}.logits")];
        let d = max_diff(&out.logits, want);
        let scale = want.abs().max().double_value(&[]);
        assert!(
            d > 0.0 && d < 0.02 * scale.max(1.0),
            "{family}: bf16 logits off by {d} (scale {scale})"
        );
        let loss = TokenClassifier::loss(&out.logits, &r["labels"]);
        loss.backward();
        let vars = model.vs.variables();
        let prefix = format!("{family}.grad.");
        for (k, want) in &r {
            if let Some(name) = k.strip_prefix(&prefix) {
                let got = vars[name].grad();
                assert_eq!(got.kind(), Kind::Float, "{name}: master gradient not fp32");
                let cos = (&got * want).sum(Kind::Double).double_value(&[])
                    / (got.norm().double_value(&[]) * want.norm().double_value(&[]) + 1e-30);
                assert!(cos > 0.99, "{family} grad {name}: cosine {cos} with fp32");
            }
        }
        let (mut inf, _) = load_model(&path, Head::Keep, Device::Cpu).unwrap();
        inf.set_inference_precision(Precision::Bf16).unwrap();
        let o2 = tch::no_grad(|| inf.forward(&r["input_ids"], &r["attention_mask"], false, false));
        assert_eq!(max_diff(&out.logits.detach(), &o2.logits), 0.0, "{family}");
    }
}

/// Dynamic int8 (`--precision int8`: libtorch's quantized linear, weights per output channel,
/// activations per tensor) stays within a stated tolerance of fp32: logits of the tiny checkpoints
/// within 5% of their largest magnitude; MiniLM's six layers' last hidden states within 10% of their
/// largest magnitude (measured 6.5%: MiniLM's activations have outlier channels, which per-tensor
/// activation scales resolve coarsely), token cosine with fp32 ≥ 0.97 each and ≥ 0.985 on average
/// (measured 0.979 / 0.991); and it is really quantized (not bit-equal to fp32). Attention runs
/// in bf16 where the CPU has native bf16 (the queries, keys and values come out in that kind), and
/// the tolerances hold with it.
#[test]
fn int8_tracks_fp32_within_the_stated_tolerance() {
    use distilner::model::precision::native_bf16;
    use distilner::model::{Precision, Want};
    tch::set_num_threads(1);
    let r = reference();
    for dir in ["tiny-bert-ner", "tiny-distilbert-ner"] {
        let path = common::testvectors().join(dir);
        let (fp32, _) = load_model(&path, Head::Keep, Device::Cpu).unwrap();
        let (mut q, _) = load_model(&path, Head::Keep, Device::Cpu).unwrap();
        q.set_inference_precision(Precision::Int8).unwrap();
        let want = Want {
            hidden: false,
            qkv_layer: Some(0),
        };
        let qkv =
            tch::no_grad(|| q.forward_with(&r["input_ids"], &r["attention_mask"], false, want))
                .qkv
                .unwrap();
        let attention = if native_bf16(Device::Cpu) {
            Kind::BFloat16
        } else {
            Kind::Float
        };
        assert!(
            qkv.iter().all(|t| t.kind() == attention),
            "{dir}: attention in {:?}",
            qkv[0].kind()
        );
        let (a, b) = tch::no_grad(|| {
            (
                fp32.forward(&r["input_ids"], &r["attention_mask"], false, false)
                    .logits,
                q.forward(&r["input_ids"], &r["attention_mask"], false, false)
                    .logits,
            )
        });
        let (d, scale) = (max_diff(&a, &b), a.abs().max().double_value(&[]));
        eprintln!("{dir}: int8 logits off by {d} (scale {scale})");
        assert!(
            d > 0.0 && d < 0.05 * scale,
            "{dir}: int8 logits off by {d} (scale {scale})"
        );
    }
    let dir = common::minilm();
    let labels = LabelSet::new(["O", "B-PER", "I-PER"].map(String::from).to_vec());
    let mr = read_safetensors(&common::testvectors().join("minilm_reference.safetensors")).unwrap();
    let (fp32, _) = load_model(&dir, Head::ForLabels(&labels), Device::Cpu).unwrap();
    let (mut q, _) = load_model(&dir, Head::ForLabels(&labels), Device::Cpu).unwrap();
    q.set_inference_precision(Precision::Int8).unwrap();
    let m = mr["attention_mask"].to_kind(Kind::Bool).unsqueeze(-1);
    let last = |model: &TokenClassifier| {
        tch::no_grad(|| {
            let o = model.forward(&mr["input_ids"], &mr["attention_mask"], false, true);
            o.hidden_states
                .last()
                .unwrap()
                .masked_fill(&m.logical_not(), 0.0)
        })
    };
    let (a, b) = (last(&fp32), last(&q));
    let d = max_diff(&a, &b);
    let cos = Tensor::cosine_similarity(&a, &b, -1, 1e-8).masked_select(&m.squeeze_dim(-1));
    let worst = cos.min().double_value(&[]);
    let scale = a.abs().max().double_value(&[]);
    let mean = cos.mean(Kind::Float).double_value(&[]);
    eprintln!("MiniLM: int8 last hidden off by {d} (scale {scale}), token cosine worst {worst}, mean {mean}");
    assert!(
        d > 0.0 && d < 0.1 * scale,
        "MiniLM int8 last hidden off by {d} (scale {scale})"
    );
    assert!(
        worst >= 0.97 && mean >= 0.985,
        "MiniLM int8: token cosine with fp32 worst {worst}, mean {mean}"
    );
}

/// fp16 inference (`--precision fp16`, meant for GPUs; libtorch runs it on CPU too): weights stored
/// in half, LayerNorm and softmax in fp32, logits within 1% of the largest fp32 logit.
#[test]
fn fp16_inference_tracks_fp32() {
    use distilner::model::Precision;
    tch::set_num_threads(1);
    let r = reference();
    for dir in ["tiny-bert-ner", "tiny-distilbert-ner"] {
        let path = common::testvectors().join(dir);
        let (fp32, _) = load_model(&path, Head::Keep, Device::Cpu).unwrap();
        let (mut h, _) = load_model(&path, Head::Keep, Device::Cpu).unwrap();
        h.set_inference_precision(Precision::Fp16).unwrap();
        let (a, b) = tch::no_grad(|| {
            (
                fp32.forward(&r["input_ids"], &r["attention_mask"], false, false)
                    .logits,
                h.forward(&r["input_ids"], &r["attention_mask"], false, false)
                    .logits,
            )
        });
        assert_eq!(b.kind(), Kind::Float);
        let (d, scale) = (max_diff(&a, &b), a.abs().max().double_value(&[]));
        assert!(
            d > 0.0 && d < 0.01 * scale,
            "{dir}: fp16 logits off by {d} (scale {scale})"
        );
    }
}

/// The tagger's forward passes (`row_probs`: predict, eval, serve, the Python binding) run in
/// libtorch's inference mode, and give the probabilities an ordinary no_grad forward of the same
/// batch gives, one row at a time and all rows padded together, in fp32 and int8.
#[test]
fn the_tagger_runs_in_inference_mode_with_unchanged_probabilities() {
    use distilner::infer::tagger::row_probs;
    use distilner::model::Precision;
    use distilner::tokenize::pad_batch;
    tch::set_num_threads(1);
    let r = reference();
    let path = common::testvectors().join("tiny-bert-ner");
    let ids = Vec::<Vec<i64>>::try_from(&r["input_ids"]).unwrap();
    let lens =
        Vec::<i64>::try_from(r["attention_mask"].sum_dim_intlist(1, false, Kind::Int64)).unwrap();
    let mut rows: Vec<&[i64]> = ids
        .iter()
        .zip(&lens)
        .map(|(row, &n)| &row[..n as usize])
        .collect();
    // Sorted as `row_probs` batches them, so one padded batch of all rows is the tagger's batch.
    rows.sort_by_key(|r| r.len());
    assert!(rows.len() > 1 && rows[0].len() < rows[rows.len() - 1].len());
    for p in [Precision::Fp32, Precision::Int8] {
        let (mut model, _) = load_model(&path, Head::Keep, Device::Cpu).unwrap();
        model.set_inference_precision(p).unwrap();
        let probs = |batch: &[&[i64]]| {
            let (ids, mask) = pad_batch(batch, 0, Device::Cpu);
            tch::no_grad(|| {
                model
                    .forward(&ids, &mask, false, false)
                    .logits
                    .softmax(-1, Kind::Float)
            })
        };
        for max_rows in [1, rows.len()] {
            let got = row_probs(&model, &rows, 0, max_rows, usize::MAX);
            let together = probs(&rows);
            for (i, (row, got)) in rows.iter().zip(&got).enumerate() {
                assert!(
                    got.is_inference(),
                    "{p:?}: a tagger row ran outside inference mode"
                );
                let want = if max_rows == 1 {
                    probs(&[row]).get(0)
                } else {
                    together.get(i as i64).narrow(0, 0, row.len() as i64)
                };
                assert!(!want.is_inference());
                let d = max_diff(got, &want);
                assert!(d < 1e-6, "{p:?}, {max_rows} rows a batch: off by {d}");
            }
        }
    }
}
