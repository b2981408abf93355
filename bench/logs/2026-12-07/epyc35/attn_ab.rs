//! TRIAL (session 35): eager attention variants in one process, passes rotating so a drift in
//! machine speed hits all alike. DN_ATTN = sdpa | bf16 | f32, read by the trial build per call.
//! Env: MODEL, PREC (bf16|int8), DATA, BATCH (1,8,32), THREADS (2), ROUNDS (5).
use distilner::bench::data::BenchData;
use distilner::model::inference_mode::inference_mode;
use distilner::model::{load_dir, Head, Precision};
use distilner::tokenize::pad_batch;
use std::time::Instant;
use tch::Device;

fn env<T: std::str::FromStr>(k: &str, d: T) -> T {
    std::env::var(k).ok().and_then(|s| s.parse().ok()).unwrap_or(d)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    distilner::util::keep_freed_pages();
    tch::set_num_threads(env("THREADS", 2));
    let dir = env("MODEL", "runs/default/teacher".to_string());
    let data = env("DATA", "../shared/data/conll2003/eng.testb".to_string());
    let prec = env("PREC", "bf16".to_string());
    let rounds = env("ROUNDS", 5usize);
    let loaded = load_dir(std::path::Path::new(&dir), Head::Keep, Device::Cpu).unwrap();
    let (mut m, tok) = (loaded.model, loaded.tokenizer);
    m.set_inference_precision(if prec == "int8" { Precision::Int8 } else { Precision::Bf16 }).unwrap();
    let d = BenchData::load(std::path::Path::new(&data), 0, &m, &tok).unwrap();
    let mut rows: Vec<&[i64]> = d.rows.iter().map(|r| r.as_slice()).collect();
    rows.sort_by_key(|r| r.len());
    let variants = ["sdpa", "bf16", "f32"];
    for b in env("BATCH", "8,32".to_string()).split(',') {
        let b: usize = b.parse().unwrap();
        let batches: Vec<_> = rows.chunks(b).map(|c| pad_batch(c, tok.pad_id, Device::Cpu)).collect();
        let mut argmax: Vec<Vec<tch::Tensor>> = vec![];
        let mut pass = |v: &str, keep: bool| {
            // SAFETY: one thread reads the environment here (libtorch's workers do not).
            unsafe { std::env::set_var("DN_ATTN", v) }
            let s = Instant::now();
            let mut out = vec![];
            inference_mode(|| {
                for (ids, mask) in &batches {
                    let a = m.logits(ids, mask).argmax(-1, false);
                    if keep {
                        out.push(a);
                    }
                }
            });
            let r = rows.len() as f64 / s.elapsed().as_secs_f64();
            if keep {
                argmax.push(out);
            }
            r
        };
        for v in variants {
            pass(v, true);
        }
        let mut t = vec![vec![]; 3];
        for i in 0..rounds {
            for j in 0..3 {
                let k = (i + j) % 3;
                t[k].push(pass(variants[k], false));
            }
        }
        // Sub-token argmax agreement with SDPA (padding included: a rough check only).
        let agree = |k: usize| {
            let (mut same, mut all) = (0i64, 0i64);
            for (x, y) in argmax[0].iter().zip(&argmax[k]) {
                same += x.eq_tensor(y).sum(tch::Kind::Int64).int64_value(&[]);
                all += x.numel() as i64;
            }
            same as f64 / all as f64
        };
        println!(
            "{dir} {prec} batch {b}: sdpa {:.0}, bf16 scores {:.0} ({:.3}, agree {:.5}), f32 scores {:.0} ({:.3}, agree {:.5}) sentences/s (median of {rounds})",
            median(t[0].clone()), median(t[1].clone()), median(t[1].clone()) / median(t[0].clone()), agree(1),
            median(t[2].clone()), median(t[2].clone()) / median(t[0].clone()), agree(2)
        );
    }
}
