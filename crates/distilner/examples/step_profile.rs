//! Times the parts of one training step (forward, backward, clip + AdamW) on random ids.
//! Env: MODEL (default MiniLM), BATCH (32), SEQ, THREADS, PRECISION (fp32/bf16), STEPS (32, the first two
//! not timed); SKIP_ADAM / NO_BWD / VERBOSE for finer looks. Peak memory: run it under /usr/bin/time -v.
use distilner::data::LabelSet;
use distilner::model::{load_dir, Head, TokenClassifier};
use distilner::train::optim::AdamW;
use std::time::Instant;
use tch::{Device, Kind, Tensor};

fn main() {
    let threads: i32 = std::env::var("THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let seq: i64 = std::env::var("SEQ")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let env = |k: &str, d: i64| -> i64 {
        std::env::var(k)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let (batch, steps) = (env("BATCH", 32), env("STEPS", 32));
    tch::set_num_threads(threads);
    let labels = LabelSet::new((0..9).map(|i| format!("L{i}")).collect());
    let dir = std::env::var("MODEL").unwrap_or_else(|_| "models/all-MiniLM-L6-v2".into());
    let l = load_dir(
        std::path::Path::new(&dir),
        Head::ForLabels(&labels),
        Device::Cpu,
    )
    .unwrap();
    let mut m = l.model;
    let p = std::env::var("PRECISION").unwrap_or_else(|_| "fp32".into());
    m.set_precision(distilner::model::Precision::parse(&p, Device::Cpu).unwrap());
    let mut opt = AdamW::new(&m.vs, 0.9, 0.999, 1e-8, 0.01);
    let vocab = m.config.vocab_size.min(28_996);
    let ids = Tensor::randint(vocab, [batch, seq], (Kind::Int64, Device::Cpu));
    let mask = Tensor::ones([batch, seq], (Kind::Int64, Device::Cpu));
    let labels = Tensor::randint(9, [batch, seq], (Kind::Int64, Device::Cpu));
    let (mut fs, mut bs, mut os) = (vec![], vec![], vec![]);
    for i in 0..steps.max(3) {
        let t = Instant::now();
        let out = m.forward(&ids, &mask, true, false);
        let loss = TokenClassifier::loss(&out.logits, &labels);
        let _ = loss.double_value(&[]);
        let t1 = t.elapsed().as_secs_f64();
        if std::env::var("VERBOSE").is_ok() {
            eprintln!("fwd {i}: {:.1} ms", t1 * 1000.0);
        }
        let grads = if std::env::var("NO_BWD").is_ok() {
            vec![]
        } else {
            opt.grads(&loss)
        };
        let t2 = t.elapsed().as_secs_f64();
        if std::env::var("SKIP_ADAM").is_err() && !grads.is_empty() {
            opt.clip_and_step(&grads, 1e-4, 1.0);
        }
        drop(grads);
        let t3 = t2;
        let t4 = t.elapsed().as_secs_f64();
        if i >= 2 {
            fs.push(t1);
            bs.push(t2 - t1);
            os.push(t4 - t3);
        }
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2] * 1000.0
    };
    println!(
        "threads {threads} batch {batch} seq {seq} {p}: median step {:.1} ms; forward",
        med(&mut fs
            .iter()
            .zip(&bs)
            .zip(&os)
            .map(|((a, b), c)| a + b + c)
            .collect::<Vec<_>>())
    );
    println!(
        "  median forward {:.1} ms, backward {:.1} ms, adamw+clip {:.1} ms",
        med(&mut fs),
        med(&mut bs),
        med(&mut os)
    );
}
