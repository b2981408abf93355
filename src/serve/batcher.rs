//! Micro-batching: one worker thread owns the model; requests queue up, the worker gathers what
//! arrives within a short window (or until a batch is full) and runs them as one batch.
use crate::infer::{predict, Strategy, TagOptions};
use crate::model::TokenClassifier;
use crate::tokenize::NerTokenizer;
use serde_json::Value;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

pub struct Job {
    pub texts: Vec<String>,
    pub strategy: Strategy,
    pub reply: oneshot::Sender<Result<Vec<Value>, String>>,
}

pub struct BatchOptions {
    pub max_wait: Duration,
    pub max_texts: usize,
    pub tag: TagOptions,
}

/// Run the worker loop until every sender is dropped.
pub fn run_worker(
    model: TokenClassifier,
    tok: NerTokenizer,
    rx: mpsc::Receiver<Job>,
    opt: BatchOptions,
) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        let mut n: usize = jobs[0].texts.len();
        let deadline = Instant::now() + opt.max_wait;
        while n < opt.max_texts {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(j) => {
                    n += j.texts.len();
                    jobs.push(j);
                }
                Err(_) => break,
            }
        }
        // One model call per aggregation strategy present in the gathered jobs.
        let mut strategies: Vec<Strategy> = jobs.iter().map(|j| j.strategy).collect();
        strategies.dedup();
        let mut results: Vec<Option<Result<Vec<Value>, String>>> =
            (0..jobs.len()).map(|_| None).collect();
        for s in strategies {
            let idx: Vec<usize> = (0..jobs.len())
                .filter(|&i| jobs[i].strategy == s && results[i].is_none())
                .collect();
            let texts: Vec<&str> = idx
                .iter()
                .flat_map(|&i| jobs[i].texts.iter().map(|t| t.as_str()))
                .collect();
            match predict(&model, &tok, &texts, s, &opt.tag) {
                Ok(mut out) => {
                    for &i in &idx {
                        let rest = out.split_off(jobs[i].texts.len());
                        results[i] = Some(Ok(std::mem::replace(&mut out, rest)));
                    }
                }
                Err(e) => {
                    for &i in &idx {
                        results[i] = Some(Err(e.to_string()));
                    }
                }
            }
        }
        for (j, r) in jobs.into_iter().zip(results) {
            let _ = j
                .reply
                .send(r.unwrap_or_else(|| Err("not processed".into())));
        }
    }
}
