//! Micro-batching: one worker thread owns the model; admitted requests wait in a bounded queue, and
//! the worker gathers what arrives within a short window — until a batch has `max_texts` texts or
//! `max_tokens` sub-tokens — and runs it as one batch. Requests whose client hung up are dropped
//! before the model sees them; a text that fails fails only its own request; a panic (a libtorch
//! error surfaces as one) fails that batch's requests and the worker goes on.
use crate::infer::{predict, Strategy, TagOptions};
use crate::model::TokenClassifier;
use crate::tokenize::NerTokenizer;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// What the worker reports for one request: the entities, or an internal error (logged with the
/// request id; never shown to the client).
pub type Reply = Result<Vec<Value>, String>;

pub struct Job {
    pub id: u64,
    pub texts: Vec<String>,
    /// Sub-tokens of all texts (counted at admission).
    pub tokens: usize,
    pub strategy: Strategy,
    pub enqueued: Instant,
    pub reply: oneshot::Sender<(Reply, BatchInfo)>,
}

/// How a request was served, for its access-log line and the metrics.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchInfo {
    pub queue_seconds: f64,
    pub compute_seconds: f64,
    pub batch_texts: usize,
    pub batch_tokens: usize,
}

pub struct BatchOptions {
    pub max_wait: Duration,
    pub max_texts: usize,
    pub max_tokens: usize,
    pub tag: TagOptions,
}

/// Shared with the HTTP side: whether a worker is running, and counters it keeps.
#[derive(Default)]
pub struct WorkerState {
    pub ready: AtomicBool,
    pub dropped_disconnected: AtomicU64,
    pub restarts: AtomicU64,
    pub queued: AtomicU64,
}

fn run_group(
    model: &TokenClassifier,
    tok: &NerTokenizer,
    jobs: &[&Job],
    s: Strategy,
    tag: &TagOptions,
) -> Result<Vec<Vec<Value>>, String> {
    let texts: Vec<&str> = jobs
        .iter()
        .flat_map(|j| j.texts.iter().map(|t| t.as_str()))
        .collect();
    let out = catch_unwind(AssertUnwindSafe(|| predict(model, tok, &texts, s, tag)))
        .map_err(|p| {
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into())
        })?
        .map_err(|e| e.to_string())?;
    let mut out = out.into_iter();
    Ok(jobs
        .iter()
        .map(|j| out.by_ref().take(j.texts.len()).collect())
        .collect())
}

/// Run the worker loop until every sender is dropped.
pub fn run_worker(
    model: &TokenClassifier,
    tok: &NerTokenizer,
    rx: &mpsc::Receiver<Job>,
    opt: &BatchOptions,
    state: &Arc<WorkerState>,
) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        let mut n = jobs[0].texts.len();
        let mut tokens = jobs[0].tokens;
        let deadline = Instant::now() + opt.max_wait;
        while n < opt.max_texts && tokens < opt.max_tokens {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(j) => {
                    n += j.texts.len();
                    tokens += j.tokens;
                    jobs.push(j);
                }
                Err(_) => break,
            }
        }
        state.queued.fetch_sub(jobs.len() as u64, Ordering::Relaxed);
        // A client that hung up gets nothing: its work is dropped before the model.
        let (live, gone): (Vec<Job>, Vec<Job>) =
            jobs.into_iter().partition(|j| !j.reply.is_closed());
        state
            .dropped_disconnected
            .fetch_add(gone.len() as u64, Ordering::Relaxed);
        let t0 = Instant::now();
        let mut results: Vec<Option<Reply>> = (0..live.len()).map(|_| None).collect();
        let mut strategies: Vec<Strategy> = live.iter().map(|j| j.strategy).collect();
        strategies.sort_by_key(|s| *s as u8);
        strategies.dedup();
        for s in strategies {
            let idx: Vec<usize> = (0..live.len()).filter(|&i| live[i].strategy == s).collect();
            let group: Vec<&Job> = idx.iter().map(|&i| &live[i]).collect();
            match run_group(model, tok, &group, s, &opt.tag) {
                Ok(outs) => {
                    for (&i, o) in idx.iter().zip(outs) {
                        results[i] = Some(Ok(o));
                    }
                }
                // One bad text must not fail the requests batched with it: run each alone.
                Err(_) if group.len() > 1 => {
                    for &i in &idx {
                        results[i] = Some(
                            run_group(model, tok, &[&live[i]], s, &opt.tag)
                                .map(|mut o| o.remove(0)),
                        );
                    }
                }
                Err(e) => results[idx[0]] = Some(Err(e)),
            }
        }
        let compute = t0.elapsed().as_secs_f64();
        let (batch_texts, batch_tokens) = (
            live.iter().map(|j| j.texts.len()).sum(),
            live.iter().map(|j| j.tokens).sum(),
        );
        for (j, r) in live.into_iter().zip(results) {
            let info = BatchInfo {
                queue_seconds: (t0 - j.enqueued).as_secs_f64(),
                compute_seconds: compute,
                batch_texts,
                batch_tokens,
            };
            let _ = j
                .reply
                .send((r.unwrap_or_else(|| Err("not processed".into())), info));
        }
    }
}

/// The worker thread: runs `run_worker` and restarts it if it ever unwinds, until the queue closes.
pub fn supervise(
    model: TokenClassifier,
    tok: NerTokenizer,
    rx: mpsc::Receiver<Job>,
    opt: BatchOptions,
    state: Arc<WorkerState>,
) {
    loop {
        state.ready.store(true, Ordering::Relaxed);
        let r = catch_unwind(AssertUnwindSafe(|| {
            run_worker(&model, &tok, &rx, &opt, &state)
        }));
        state.ready.store(false, Ordering::Relaxed);
        match r {
            Ok(()) => return, // every sender dropped: the server is gone
            Err(_) => {
                state.restarts.fetch_add(1, Ordering::Relaxed);
                eprintln!("[serve] the model worker failed; restarting it");
            }
        }
    }
}
