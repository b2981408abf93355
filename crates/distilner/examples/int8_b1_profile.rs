//! Issue 13: where one sentence's int8 forward spends its time at batch 1. Times the whole eager int8
//! forward of MODEL (under no_grad, and in inference mode) on random ids of each length in SEQ, and beside it each part of one layer at the
//! same rows, on the same kernels the model calls (fbgemm's dynamic int8 linear through
//! `Int8Linear`, libtorch's SDPA, GELU, LayerNorm, the residual add), so the parts × layers can be
//! set against the whole. Rounds interleave every timer (a noisy machine slows them all alike);
//! medians of ROUNDS rounds of REPS calls each. Prints one JSON line per length.
//! Env: MODEL (runs/default/teacher), SEQ (8,19,40), THREADS (2), ROUNDS (15), REPS (200), ONLY;
//! DATA (see `whole_split`).
use distilner::bench::data::BenchData;
use distilner::model::inference_mode::inference_mode;
use distilner::model::int8::Int8Linear;
use distilner::model::{load_dir, Head, Precision, TokenClassifier};
use distilner::tokenize::{pad_batch, NerTokenizer};
use std::time::Instant;
use tch::{Device, Kind, Tensor};

fn env<T: std::str::FromStr>(k: &str, d: T) -> T {
    std::env::var(k)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(d)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

type Part<'a> = (String, Box<dyn Fn() -> Tensor + 'a>);

fn main() {
    distilner::util::keep_freed_pages();
    // No autograd records; "model, inference mode" adds libtorch's inference mode on top, as
    // `bench` and the tagger now run.
    let _g = tch::no_grad_guard();
    tch::set_num_threads(env("THREADS", 2));
    let dir = env("MODEL", "runs/default/teacher".to_string());
    let seqs: Vec<i64> = env("SEQ", "8,19,40".to_string())
        .split(',')
        .map(|s| s.parse().expect("SEQ: comma-separated lengths"))
        .collect();
    let (rounds, reps) = (env("ROUNDS", 15usize), env("REPS", 200usize));
    let loaded = load_dir(std::path::Path::new(&dir), Head::Keep, Device::Cpu)
        .expect("MODEL: a run directory");
    let (mut m, tok) = (loaded.model, loaded.tokenizer);
    m.set_inference_precision(Precision::Int8).unwrap();
    if let Ok(data) = std::env::var("DATA") {
        return whole_split(&m, &tok, &data, rounds);
    }
    let c = m.config.clone();
    let (h, heads, inter) = (c.hidden, c.heads, c.intermediate);
    let f = (Kind::Float, Device::Cpu);
    // Random weights of the model's shapes: fbgemm's time does not depend on the values.
    let lin = |i: i64, o: i64| {
        Int8Linear::from_weights(
            &(Tensor::randn([o, i], f) / 20.0),
            Some(&Tensor::zeros([o], f)),
        )
        .unwrap()
    };
    let (qkv, out, up, down) = (lin(h, 3 * h), lin(h, h), lin(h, inter), lin(inter, h));
    let norm = tch::nn::layer_norm(
        tch::nn::VarStore::new(Device::Cpu).root(),
        vec![h],
        Default::default(),
    );
    for &t in &seqs {
        let vocab = c.vocab_size.min(20_000);
        let ids = Tensor::randint_low(1_000, vocab, [1, t], (Kind::Int64, Device::Cpu));
        let mask = Tensor::ones([1, t], (Kind::Int64, Device::Cpu));
        let x = Tensor::randn([1, t, h], f);
        let xi = Tensor::randn([1, t, inter], f);
        let q = Tensor::randn([1, heads, t, h / heads], f);
        let bm = Tensor::ones([1, 1, 1, t], (Kind::Bool, Device::Cpu));
        let (not_bm, scale) = (bm.logical_not(), 1.0 / ((h / heads) as f64).sqrt());
        let parts: Vec<Part> = vec![
            ("model".into(), Box::new(|| m.logits(&ids, &mask))),
            (
                "model, inference mode".into(),
                Box::new(|| inference_mode(|| m.logits(&ids, &mask))),
            ),
            (format!("int8 {h}->{}", 3 * h), Box::new(|| qkv.forward(&x))),
            (format!("int8 {h}->{h}"), Box::new(|| out.forward(&x))),
            (format!("int8 {h}->{inter}"), Box::new(|| up.forward(&x))),
            (format!("int8 {inter}->{h}"), Box::new(|| down.forward(&xi))),
            (
                "sdpa".into(),
                Box::new(|| {
                    Tensor::scaled_dot_product_attention(
                        &q,
                        &q,
                        &q,
                        Some(&bm),
                        0.0,
                        false,
                        None::<f64>,
                        false,
                    )
                }),
            ),
            (
                "attention, math".into(),
                Box::new(|| {
                    let s = q.matmul(&q.transpose(-1, -2)) * scale;
                    s.masked_fill(&not_bm, f64::NEG_INFINITY)
                        .softmax(-1, Kind::Float)
                        .matmul(&q)
                }),
            ),
            ("gelu".into(), Box::new(|| xi.gelu("none"))),
            ("layer_norm".into(), Box::new(|| x.apply(&norm))),
            ("add".into(), Box::new(|| &x + &x)),
        ];
        // ONLY=model (or another part's name prefix) times that part alone, e.g. under `perf record`.
        let only = std::env::var("ONLY").ok();
        let parts: Vec<Part> = parts
            .into_iter()
            .filter(|(n, _)| only.as_deref().is_none_or(|o| n.starts_with(o)))
            .collect();
        let mut times = vec![Vec::new(); parts.len()];
        for r in 0..=rounds {
            for (i, (_, p)) in parts.iter().enumerate() {
                let s = Instant::now();
                for _ in 0..reps {
                    let _ = p();
                }
                if r > 0 {
                    times[i].push(s.elapsed().as_secs_f64() * 1e6 / reps as f64);
                }
            }
        }
        let us: Vec<(String, f64)> = parts
            .iter()
            .zip(times)
            .map(|((n, _), v)| (n.clone(), median(v)))
            .collect();
        if only.is_some() {
            println!("{us:?}");
            continue;
        }
        let get = |n: &str| us.iter().find(|(k, _)| k.starts_with(n)).unwrap().1;
        let layers = c.layers as f64;
        let linears: f64 = us
            .iter()
            .filter(|(k, _)| k.starts_with("int8"))
            .map(|(_, v)| v)
            .sum();
        let rest_parts = get("sdpa") + get("gelu") + 2.0 * (get("layer_norm") + get("add"));
        let json = serde_json::json!({
            "model": dir, "seq": t, "threads": tch::get_num_threads(), "layers": layers,
            "us": us.iter().map(|(k, v)| (k.clone(), serde_json::json!((v * 10.0).round() / 10.0))).collect::<serde_json::Map<_, _>>(),
            "linears_x_layers_us": (linears * layers).round(),
            "attention_gelu_norms_adds_x_layers_us": (rest_parts * layers).round(),
            "unaccounted_us": (get("model") - (linears + rest_parts) * layers).round(),
        });
        println!("{json}");
    }
}

/// DATA=a CoNLL file: `bench`'s batch-1 pass over every sentence (sorted by length, forward +
/// argmax), under no_grad and in inference mode, the two alternating ROUNDS times in this one
/// process. Prints sentences/s of each pass and the median ratio.
fn whole_split(m: &TokenClassifier, tok: &NerTokenizer, data: &str, rounds: usize) {
    let d = BenchData::load(std::path::Path::new(data), 0, m, tok).expect("DATA: a CoNLL file");
    let mut rows: Vec<&[i64]> = d.rows.iter().map(|r| r.as_slice()).collect();
    rows.sort_by_key(|r| r.len());
    let batches: Vec<(Tensor, Tensor)> = rows
        .iter()
        .map(|r| pad_batch(&[r], tok.pad_id, Device::Cpu))
        .collect();
    let pass = |inference: bool| {
        let s = Instant::now();
        let run = || {
            for (ids, mask) in &batches {
                let _ = m.logits(ids, mask).argmax(-1, false);
            }
        };
        if inference {
            inference_mode(run)
        } else {
            run()
        }
        batches.len() as f64 / s.elapsed().as_secs_f64()
    };
    pass(false);
    pass(true);
    let (mut grad, mut inf, mut ratio) = (vec![], vec![], vec![]);
    for _ in 0..rounds {
        let (a, b) = (pass(false), pass(true));
        println!("no_grad {a:.0} sentences/s, inference mode {b:.0}");
        grad.push(a);
        inf.push(b);
        ratio.push(b / a);
    }
    println!(
        "median: no_grad {:.0}, inference mode {:.0}, ratio {:.3} ({} sentences, {} passes each)",
        median(grad),
        median(inf),
        median(ratio),
        batches.len(),
        rounds
    );
}
