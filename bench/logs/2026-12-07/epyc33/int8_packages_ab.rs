//! Issue 13 (session 33): two int8 packages of one model, A (session 31's: attention in fp32) against B
//! (this session's: attention in bf16), in one process, passes alternating (and which goes first
//! alternating) so a drift in machine speed hits both alike. Whole split sorted by length, batches of
//! each size in BATCH, logits + argmax in inference mode. Built as an example of the distilner crate:
//! cp it to crates/distilner/examples/ and `cargo build --release --example int8_packages_ab`.
//! Env: MODEL (run dir, for the tokenizer and config), A, B (.pt2 files), DATA, BATCH (8,32),
//! THREADS (2), ROUNDS (7).
use distilner::bench::data::BenchData;
use distilner::model::aoti::CompiledModel;
use distilner::model::inference_mode::inference_mode;
use distilner::model::{load_dir, Head};
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
    let rounds = env("ROUNDS", 7usize);
    let loaded = load_dir(std::path::Path::new(&dir), Head::Keep, Device::Cpu).unwrap();
    let (m, tok) = (loaded.model, loaded.tokenizer);
    let load = |k: &str| {
        let p = std::env::var(k).unwrap_or_else(|_| panic!("{k}: a .pt2 package"));
        CompiledModel::load(std::path::Path::new(&p), 1, 1024, m.config.max_position).unwrap()
    };
    let (a, b) = (load("A"), load("B"));
    let d = BenchData::load(std::path::Path::new(&data), 0, &m, &tok).unwrap();
    let mut rows: Vec<&[i64]> = d.rows.iter().map(|r| r.as_slice()).collect();
    rows.sort_by_key(|r| r.len());
    for n in env("BATCH", "8,32".to_string()).split(',') {
        let n: usize = n.parse().unwrap();
        let batches: Vec<_> = rows
            .chunks(n)
            .map(|c| pad_batch(c, tok.pad_id, Device::Cpu))
            .collect();
        let pass = |p: &CompiledModel| {
            let s = Instant::now();
            inference_mode(|| {
                for (ids, mask) in &batches {
                    let _ = p.logits(ids, mask).argmax(-1, false);
                }
            });
            rows.len() as f64 / s.elapsed().as_secs_f64()
        };
        pass(&a);
        pass(&b);
        let (mut sa, mut sb, mut r) = (vec![], vec![], vec![]);
        for i in 0..rounds {
            let (x, y) = if i % 2 == 0 {
                (pass(&a), pass(&b))
            } else {
                let y = pass(&b);
                (pass(&a), y)
            };
            sa.push(x);
            sb.push(y);
            r.push(y / x);
        }
        println!(
            "{dir} batch {n}: A {:.0}, B {:.0} sentences/s, B/A {:.3} (median of {rounds})",
            median(sa),
            median(sb),
            median(r)
        );
    }
}
