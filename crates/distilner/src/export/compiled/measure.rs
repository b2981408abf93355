//! Which engine is fastest for which batch size, measured once at compile time: the eager model and
//! each package over batches of 1 to 64 rows, calls interleaved round by round so a drift in machine
//! speed hits every engine alike.
use super::manifest::{RouteRecord, Timing};
use crate::model::aoti::CompiledModel;
use crate::model::inference_mode::InferenceMode;
use crate::model::TokenClassifier;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tch::{Device, Kind, Tensor};

pub const EAGER: &str = "eager";
const ROWS: [i64; 7] = [1, 2, 4, 8, 16, 32, 64];
/// About the test set's mean sentence in sub-tokens.
const LENGTH: i64 = 24;

/// Median ms per call of `eager` and each named package on batches of `ROWS` rows of `LENGTH` ids.
pub fn measure(
    model: &TokenClassifier,
    packages: &[(String, &CompiledModel)],
    max_batch: i64,
) -> Vec<Timing> {
    // As the inference commands run (`infer::tagger`), so routes are chosen on the real costs.
    let _g = InferenceMode::enter();
    let length = LENGTH.min(model.config.max_position);
    ROWS.iter()
        .filter(|&&b| b <= max_batch)
        .map(|&batch| {
            let ids = Tensor::randint_low(
                1,
                model.config.vocab_size,
                [batch, length],
                (Kind::Int64, Device::Cpu),
            );
            let mask = ids.ones_like();
            let mut run: Vec<(String, Box<dyn Fn() + '_>)> = vec![(
                EAGER.into(),
                Box::new(|| {
                    let _ = model
                        .forward(&ids, &mask, false, false)
                        .logits
                        .argmax(-1, false);
                }),
            )];
            for (name, p) in packages {
                let (ids, mask) = (&ids, &mask);
                run.push((
                    name.clone(),
                    Box::new(move || {
                        let _ = p.logits(ids, mask).argmax(-1, false);
                    }),
                ));
            }
            let mut ms: Vec<Vec<f64>> = vec![Vec::new(); run.len()];
            for (_, f) in &run {
                f();
                f();
            }
            let t0 = Instant::now();
            let mut rounds = 0;
            while rounds < 7 || (t0.elapsed() < Duration::from_millis(500) && rounds < 200) {
                for (k, (_, f)) in run.iter().enumerate() {
                    let t = Instant::now();
                    f();
                    ms[k].push(t.elapsed().as_secs_f64() * 1e3);
                }
                rounds += 1;
            }
            Timing {
                batch,
                length,
                ms: run
                    .iter()
                    .zip(ms)
                    .map(|((name, _), v)| (name.clone(), median(v)))
                    .collect::<BTreeMap<_, _>>(),
            }
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A package must beat eager by this fraction to take a batch size: nearer than that, the timing
/// noise of an idle machine (a few percent) would decide, and routes would flip from size to size.
pub const MARGIN: f64 = 0.05;

/// Routes from timings: per shape the fastest package if it beats eager by `MARGIN`, else eager;
/// runs of the same engine merged, the last route open-ended.
pub fn routes_from(timings: &[Timing]) -> Vec<RouteRecord> {
    let mut t: Vec<&Timing> = timings.iter().collect();
    t.sort_by_key(|t| t.batch * t.length);
    let mut routes: Vec<RouteRecord> = Vec::new();
    for x in t {
        let eager = x.ms.get(EAGER).copied().unwrap_or(f64::INFINITY);
        let best =
            x.ms.iter()
                .filter(|(k, _)| k.as_str() != EAGER)
                .min_by(|a, b| a.1.total_cmp(b.1))
                .filter(|(_, &ms)| ms < eager * (1.0 - MARGIN))
                .map_or(EAGER, |(k, _)| k.as_str());
        let tokens = Some(x.batch * x.length);
        match routes.last_mut() {
            Some(r) if r.engine == best => r.up_to_tokens = tokens,
            _ => routes.push(RouteRecord {
                up_to_tokens: tokens,
                engine: best.to_string(),
            }),
        }
    }
    if let Some(r) = routes.last_mut() {
        r.up_to_tokens = None;
    }
    routes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(batch: i64, ms: &[(&str, f64)]) -> Timing {
        Timing {
            batch,
            length: 24,
            ms: ms.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn the_fastest_engine_per_size_with_runs_merged() {
        let timings = [
            t(8, &[("eager", 5.0), ("a", 6.0), ("b", 4.0)]),
            t(1, &[("eager", 3.0), ("a", 1.0), ("b", 2.0)]),
            t(2, &[("eager", 3.0), ("a", 1.5), ("b", 2.0)]),
            // b is faster, but by less than the margin: eager keeps it.
            t(16, &[("eager", 10.0), ("a", 11.0), ("b", 9.7)]),
            t(64, &[("eager", 20.0), ("a", 30.0), ("b", 25.0)]),
        ];
        let r = routes_from(&timings);
        let got: Vec<(Option<i64>, &str)> = r
            .iter()
            .map(|r| (r.up_to_tokens, r.engine.as_str()))
            .collect();
        assert_eq!(got, [(Some(48), "a"), (Some(192), "b"), (None, "eager")]);
        assert!(routes_from(&[]).is_empty());
    }
}
