//! The model worker: one thread owns the model and runs it step by step. Each request arrives
//! tokenized and cut into windows; every step runs one budget of windows (`max_tokens` sub-tokens,
//! `max_rows` windows) taken from the requests with the least work left first, so a request of a
//! few sentences is answered in the next step even while a huge one is half done — a huge request
//! advances with whatever budget the short ones leave. Requests whose client hung up are dropped
//! before their next step; a step that fails is retried request by request, so one bad input fails
//! only its own request; a panic outside a step unwinds the worker and `supervise` starts it again.
use distilner::infer::tagger::row_probs;
use distilner::model::TokenClassifier;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tch::Tensor;
use tokio::sync::oneshot;

/// One [len, labels] probability tensor per window, or an internal error (logged with the request
/// id; never shown to the client).
pub type Reply = Result<Vec<Tensor>, String>;

/// Failures the tests inject (`serve --inject-faults`): a model step that fails (as a libtorch
/// error does, by panicking), a worker that dies outright, or steps that take 500 ms longer (a
/// tiny test model standing in for a large one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Step,
    Worker,
    Slow,
}

pub struct Job {
    pub id: u64,
    /// Sub-token ids of each window.
    pub rows: Vec<Vec<i64>>,
    pub enqueued: Instant,
    pub fault: Option<Fault>,
    pub reply: oneshot::Sender<(Reply, BatchInfo)>,
}

/// How a request was served, for its access-log line.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchInfo {
    /// From admission to its first step.
    pub queue_seconds: f64,
    /// Time of the steps it took part in.
    pub compute_seconds: f64,
    pub steps: usize,
}

#[derive(Debug, Clone, Copy)]
pub struct BatchOptions {
    /// When idle, wait this long after a request for others to batch with it.
    pub max_wait: Duration,
    /// Windows per step at most.
    pub max_rows: usize,
    /// Sub-tokens per step at most.
    pub max_tokens: usize,
    pub pad_id: i64,
}

/// Shared with the HTTP side: whether a worker is running, and counters it keeps.
#[derive(Default)]
pub struct WorkerState {
    pub ready: AtomicBool,
    pub dropped_disconnected: AtomicU64,
    pub restarts: AtomicU64,
    /// Requests sent to the worker and not yet taken from the channel.
    pub queued: AtomicU64,
    /// Requests the worker has taken and not yet answered.
    pub active: AtomicU64,
    /// Step time as a function of its sub-tokens, fitted over recent steps.
    speed: std::sync::Mutex<StepFit>,
}

/// Step seconds ≈ `a + b · tokens`, by least squares over exponentially decaying sums (recent
/// steps count most). Admission predicts waits with it.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepFit {
    w: f64,
    k: f64,
    t: f64,
    kk: f64,
    kt: f64,
    /// Duration of the latest step.
    pub last: f64,
}

impl StepFit {
    pub(crate) fn observe(&mut self, tokens: usize, seconds: f64) {
        let (x, y) = (tokens as f64, seconds);
        let d = 0.95;
        self.w = self.w * d + 1.0;
        self.k = self.k * d + x;
        self.t = self.t * d + y;
        self.kk = self.kk * d + x * x;
        self.kt = self.kt * d + x * y;
        self.last = y;
    }

    /// (a, b): seconds per step and per sub-token; None before the first step.
    pub fn coefficients(&self) -> Option<(f64, f64)> {
        if self.w <= 0.0 || self.k <= 0.0 {
            return None;
        }
        let (mk, mt) = (self.k / self.w, self.t / self.w);
        let var = self.kk / self.w - mk * mk;
        let b = if var > 1e-9 * mk * mk {
            ((self.kt / self.w - mk * mt) / var).max(0.0)
        } else {
            mt / mk
        };
        Some(((mt - b * mk).max(0.0), b))
    }

    /// Seconds until work `ahead` sub-tokens deep is done, `budget` sub-tokens per step, after the
    /// step in progress.
    pub fn wait(&self, ahead: usize, budget: usize) -> Option<f64> {
        let (a, b) = self.coefficients()?;
        let steps = ahead.div_ceil(budget.max(1)) as f64;
        Some(self.last + steps * a + b * ahead as f64)
    }
}

impl WorkerState {
    pub fn speed(&self) -> StepFit {
        *self.speed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A request being worked on.
struct Active {
    job: Job,
    probs: Vec<Option<Tensor>>,
    /// Windows before this one have been scheduled.
    next: usize,
    remaining_tokens: usize,
    started: Option<Instant>,
    compute: f64,
    steps: usize,
    error: Option<String>,
}

impl Active {
    fn done(&self) -> bool {
        self.error.is_some() || self.next == self.job.rows.len()
    }
}

fn admit(active: &mut Vec<Active>, job: Job, state: &WorkerState) {
    state.queued.fetch_sub(1, Ordering::Relaxed);
    state.active.fetch_add(1, Ordering::Relaxed);
    if job.fault == Some(Fault::Worker) {
        panic!("injected fault: the model worker died");
    }
    active.push(Active {
        remaining_tokens: job.rows.iter().map(|r| r.len()).sum(),
        probs: (0..job.rows.len()).map(|_| None).collect(),
        next: 0,
        started: None,
        compute: 0.0,
        steps: 0,
        error: None,
        job,
    });
}

/// This step's windows: (request, window range), least work left first, within the budget. Every
/// step takes at least one window.
fn select(active: &[Active], opt: &BatchOptions) -> Vec<(usize, std::ops::Range<usize>)> {
    let mut order: Vec<usize> = (0..active.len()).collect();
    order.sort_by_key(|&i| (active[i].remaining_tokens, active[i].job.enqueued));
    let (mut rows, mut tokens) = (0usize, 0usize);
    let mut picks = Vec::new();
    for i in order {
        let a = &active[i];
        let mut end = a.next;
        while end < a.job.rows.len() && rows < opt.max_rows.max(1) {
            let n = a.job.rows[end].len();
            if rows > 0 && tokens + n > opt.max_tokens {
                break;
            }
            rows += 1;
            tokens += n;
            end += 1;
        }
        if end > a.next {
            picks.push((i, a.next..end));
        }
        if rows >= opt.max_rows.max(1) || tokens >= opt.max_tokens {
            break;
        }
    }
    picks
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into())
}

/// One forward over `rows`; a panic (how tch reports a libtorch error) becomes an error.
fn forward(
    model: &TokenClassifier,
    rows: &[&[i64]],
    fault: bool,
    opt: &BatchOptions,
) -> Result<Vec<Tensor>, String> {
    catch_unwind(AssertUnwindSafe(|| {
        if fault {
            panic!("injected fault: a model step failed");
        }
        row_probs(model, rows, opt.pad_id, opt.max_rows, opt.max_tokens)
    }))
    .map_err(panic_message)
}

fn step(
    model: &TokenClassifier,
    active: &mut [Active],
    picks: &[(usize, std::ops::Range<usize>)],
    opt: &BatchOptions,
    state: &WorkerState,
) {
    let t0 = Instant::now();
    let tokens_of = |active: &[Active], (i, r): &(usize, std::ops::Range<usize>)| {
        active[*i].job.rows[r.clone()]
            .iter()
            .map(|w| w.len())
            .sum::<usize>()
    };
    if picks
        .iter()
        .any(|(i, _)| active[*i].job.fault == Some(Fault::Slow))
    {
        std::thread::sleep(Duration::from_millis(500));
    }
    // The windows' ids are borrowed from their requests; the borrows end before results are stored.
    let run = |active: &[Active], picks: &[(usize, std::ops::Range<usize>)]| {
        let refs: Vec<&[i64]> = picks
            .iter()
            .flat_map(|(i, r)| active[*i].job.rows[r.clone()].iter().map(Vec::as_slice))
            .collect();
        let fault = picks
            .iter()
            .any(|(i, _)| active[*i].job.fault == Some(Fault::Step));
        forward(model, &refs, fault, opt)
    };
    let store = |a: &mut Active, r: &std::ops::Range<usize>, probs: Vec<Tensor>| {
        for (k, p) in r.clone().zip(probs) {
            a.probs[k] = Some(p);
        }
    };
    match run(active, picks) {
        Ok(probs) => {
            let mut probs = probs.into_iter();
            for (i, r) in picks {
                let mine: Vec<Tensor> = probs.by_ref().take(r.len()).collect();
                store(&mut active[*i], r, mine);
            }
        }
        // One bad input must not fail the requests stepped with it: run each alone.
        Err(e) => {
            for pick in picks {
                let alone = if picks.len() > 1 {
                    run(active, std::slice::from_ref(pick))
                } else {
                    Err(e.clone())
                };
                match alone {
                    Ok(probs) => store(&mut active[pick.0], &pick.1, probs),
                    Err(e) => active[pick.0].error = Some(e),
                }
            }
        }
    }
    let dt = t0.elapsed().as_secs_f64();
    let (mut windows, mut tokens) = (0, 0);
    for pick in picks {
        let n = tokens_of(active, pick);
        let a = &mut active[pick.0];
        a.started.get_or_insert(t0);
        a.compute += dt;
        a.steps += 1;
        a.remaining_tokens -= n;
        a.next = pick.1.end;
        windows += pick.1.len();
        tokens += n;
    }
    state
        .speed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .observe(tokens, dt);
    metrics::histogram!("distilner_batch_windows").record(windows as f64);
    metrics::histogram!("distilner_batch_tokens").record(tokens as f64);
    metrics::histogram!("distilner_step_seconds").record(dt);
    metrics::counter!("distilner_model_tokens_total").increment(tokens as u64);
}

fn answer(a: Active, state: &WorkerState) {
    state.active.fetch_sub(1, Ordering::Relaxed);
    let info = BatchInfo {
        queue_seconds: a
            .started
            .map(|s| (s - a.job.enqueued).as_secs_f64())
            .unwrap_or(0.0),
        compute_seconds: a.compute,
        steps: a.steps,
    };
    let reply = match a.error {
        Some(e) => Err(e),
        None => a
            .probs
            .into_iter()
            .collect::<Option<Vec<Tensor>>>()
            .ok_or_else(|| "a window was not computed".to_string()),
    };
    let _ = a.job.reply.send((reply, info));
}

/// Run the worker loop until every sender is dropped and the work in hand is answered.
pub fn run_worker(
    model: &TokenClassifier,
    rx: &mpsc::Receiver<Job>,
    opt: &BatchOptions,
    state: &WorkerState,
) {
    let mut active: Vec<Active> = Vec::new();
    // Whatever the worker held when it unwound is lost; its requests' senders drop with it, and
    // their handlers answer 500.
    let _reset = Reset(state);
    loop {
        if active.is_empty() {
            let Ok(job) = rx.recv() else { return };
            admit(&mut active, job, state);
            let deadline = Instant::now() + opt.max_wait;
            while active.iter().map(|a| a.remaining_tokens).sum::<usize>() < opt.max_tokens {
                let left = deadline.saturating_duration_since(Instant::now());
                match rx.recv_timeout(left) {
                    Ok(job) => admit(&mut active, job, state),
                    Err(_) => break,
                }
            }
        }
        while let Ok(job) = rx.try_recv() {
            admit(&mut active, job, state);
        }
        // A client that hung up gets nothing more: its work is dropped before the next step.
        let before = active.len();
        active.retain(|a| !a.job.reply.is_closed());
        let gone = before - active.len();
        state
            .dropped_disconnected
            .fetch_add(gone as u64, Ordering::Relaxed);
        state.active.fetch_sub(gone as u64, Ordering::Relaxed);
        if active.is_empty() {
            continue;
        }
        let picks = select(&active, opt);
        step(model, &mut active, &picks, opt, state);
        let mut i = 0;
        while i < active.len() {
            if active[i].done() {
                answer(active.swap_remove(i), state);
            } else {
                i += 1;
            }
        }
    }
}

/// Zeroes the active count however the worker loop ends.
struct Reset<'a>(&'a WorkerState);

impl Drop for Reset<'_> {
    fn drop(&mut self) {
        self.0.active.store(0, Ordering::Relaxed);
    }
}

/// The worker thread: runs `run_worker` and restarts it if it ever unwinds, until the queue closes.
pub fn supervise(
    model: &TokenClassifier,
    rx: mpsc::Receiver<Job>,
    opt: BatchOptions,
    state: Arc<WorkerState>,
) {
    loop {
        state.ready.store(true, Ordering::Relaxed);
        let r = catch_unwind(AssertUnwindSafe(|| run_worker(model, &rx, &opt, &state)));
        state.ready.store(false, Ordering::Relaxed);
        match r {
            Ok(()) => return, // every sender dropped: the server is gone
            Err(p) => {
                state.restarts.fetch_add(1, Ordering::Relaxed);
                let msg = panic_message(p);
                tracing::error!(error = %msg, "the model worker failed; restarting it");
                eprintln!("[serve] the model worker failed ({msg}); restarting it");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(windows: &[usize], age_ms: u64) -> Active {
        let (tx, _rx) = oneshot::channel();
        let rows: Vec<Vec<i64>> = windows.iter().map(|&n| vec![0; n]).collect();
        Active {
            remaining_tokens: windows.iter().sum(),
            probs: Vec::new(),
            next: 0,
            started: None,
            compute: 0.0,
            steps: 0,
            error: None,
            job: Job {
                id: 0,
                rows,
                enqueued: Instant::now() - Duration::from_millis(age_ms),
                fault: None,
                reply: tx,
            },
        }
    }

    #[test]
    fn step_time_is_fitted_as_overhead_plus_tokens() {
        let mut f = StepFit::default();
        assert!(f.wait(100, 64).is_none());
        for k in [16, 64, 256, 1024, 16, 512] {
            f.observe(k, 0.002 + 1e-5 * k as f64);
        }
        let (a, b) = f.coefficients().unwrap();
        assert!(
            (a - 0.002).abs() < 1e-9 && (b - 1e-5).abs() < 1e-12,
            "{a} {b}"
        );
        // 1,000 sub-tokens ahead at 512 a step: the step in progress, then 2 steps.
        let w = f.wait(1000, 512).unwrap();
        assert!(
            (w - (0.002 + 512e-5 + 2.0 * 0.002 + 1000e-5)).abs() < 1e-9,
            "{w}"
        );
    }

    #[test]
    fn short_requests_go_first_and_a_huge_one_takes_what_is_left() {
        let opt = BatchOptions {
            max_wait: Duration::ZERO,
            max_rows: 64,
            max_tokens: 600,
            pad_id: 0,
        };
        // The huge request came first; the two short ones still get into this step.
        let active = vec![job(&[256; 40], 50), job(&[20], 1), job(&[30, 12], 2)];
        let picks = select(&active, &opt);
        assert_eq!(picks, vec![(1, 0..1), (2, 0..2), (0, 0..2)]);
        // Alone, a window longer than the budget still runs (one per step).
        let picks = select(&[job(&[700, 700], 0)], &opt);
        assert_eq!(picks, vec![(0, 0..1)]);
        // The row limit holds too.
        let opt = BatchOptions { max_rows: 2, ..opt };
        let picks = select(&[job(&[10, 10, 10], 0)], &opt);
        assert_eq!(picks, vec![(0, 0..2)]);
    }
}
