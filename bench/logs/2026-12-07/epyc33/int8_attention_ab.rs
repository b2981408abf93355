//! Issue 13 (session 33): eager int8 with attention in fp32 (A) against bf16 (B), in one process,
//! passes alternating so a drift in machine speed hits both alike. Whole split sorted by length,
//! batches of each size in BATCH, forward + argmax in inference mode. B is switched by the
//! DN_INT8_ATTN_BF16 variable the trial build reads on every call.
//! Env: MODEL (runs/default/teacher), DATA (../shared/data/conll2003/eng.testb), BATCH (1,8,32),
//! THREADS (2), ROUNDS (5).
use distilner::bench::data::BenchData;
use distilner::model::inference_mode::inference_mode;
use distilner::model::{load_dir, Head, Precision};
use distilner::tokenize::pad_batch;
use std::time::Instant;
use tch::Device;

fn env<T: std::str::FromStr>(k: &str, d: T) -> T {
    std::env::var(k)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(d)
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
    let rounds = env("ROUNDS", 5usize);
    let loaded = load_dir(std::path::Path::new(&dir), Head::Keep, Device::Cpu).unwrap();
    let (mut m, tok) = (loaded.model, loaded.tokenizer);
    m.set_inference_precision(Precision::Int8).unwrap();
    let d = BenchData::load(std::path::Path::new(&data), 0, &m, &tok).unwrap();
    let mut rows: Vec<&[i64]> = d.rows.iter().map(|r| r.as_slice()).collect();
    rows.sort_by_key(|r| r.len());
    for b in env("BATCH", "1,8,32".to_string()).split(',') {
        let b: usize = b.parse().unwrap();
        let batches: Vec<_> = rows
            .chunks(b)
            .map(|c| pad_batch(c, tok.pad_id, Device::Cpu))
            .collect();
        let pass = |bf16: bool| {
            // SAFETY: one thread reads the environment here (libtorch's workers do not).
            unsafe {
                if bf16 {
                    std::env::set_var("DN_INT8_ATTN_BF16", "1")
                } else {
                    std::env::remove_var("DN_INT8_ATTN_BF16")
                }
            }
            let s = Instant::now();
            inference_mode(|| {
                for (ids, mask) in &batches {
                    let _ = m.logits(ids, mask).argmax(-1, false);
                }
            });
            rows.len() as f64 / s.elapsed().as_secs_f64()
        };
        pass(false);
        pass(true);
        let (mut a, mut bb, mut r) = (vec![], vec![], vec![]);
        for i in 0..rounds {
            let (x, y) = if i % 2 == 0 {
                (pass(false), pass(true))
            } else {
                let y = pass(true);
                (pass(false), y)
            };
            a.push(x);
            bb.push(y);
            r.push(y / x);
        }
        println!(
            "{dir} batch {b}: fp32 attention {:.0}, bf16 attention {:.0} sentences/s, B/A {:.3} (median of {rounds})",
            median(a), median(bb), median(r)
        );
    }
}
