//! Routes: `POST /predict`, `GET /health`, `GET /info`. Bad requests get JSON 4xx errors; SIGTERM or
//! Ctrl-C stops accepting and drains in-flight requests.
use super::admission::{Admission, Refusal};
use super::batcher::{supervise, BatchInfo, BatchOptions, Fault, Job, WorkerState};
use super::request::{parse, Limits};
use super::threads::{blocking, bulk_thread, lower_priority, on_bulk_thread, BulkJob};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use distilner::data::LabelSet;
use distilner::infer::{entities, prepare, tokens, TagOptions};
use distilner::model::TokenClassifier;
use distilner::tokenize::NerTokenizer;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

pub struct ServeOptions {
    pub host: String,
    pub port: u16,
    pub limits: Limits,
    pub max_wait_ms: u64,
    /// Windows in one model step at most.
    pub max_batch_texts: usize,
    /// Sub-tokens in one model step at most (long requests advance a step's worth at a time).
    pub max_batch_tokens: usize,
    /// Sub-tokens admitted and not yet answered, over all requests, at most; past it, 429 at once.
    pub max_queued_tokens: usize,
    /// A request is refused (429) when the work that will run before it — the step in progress,
    /// then admitted requests no larger than it, timed by the fitted step cost — would keep it
    /// waiting longer than this.
    pub max_queue_wait: Duration,
    /// Nice value for the HTTP threads, below the model worker's (Linux; 0 = same priority).
    pub http_nice: i32,
    /// Requests admitted and waiting for the model at most; past it, 429 at once.
    pub max_queued_requests: usize,
    /// Requests being handled at once (reading, queued or computing) at most; past it, 429 at once.
    pub max_concurrent_requests: usize,
    pub tag: TagOptions,
    pub model_name: String,
    /// A client gets this long to send its request headers, and again its body (then 408 / closed).
    pub client_timeout: Duration,
    /// On SIGTERM, in-flight requests get this long to finish before the server exits anyway.
    pub drain_timeout: Duration,
    /// Require `Authorization: Bearer <key>` on every route but `/health`.
    pub api_key: Option<String>,
    /// Allow browsers from this origin (CORS is off without it).
    pub cors_origin: Option<String>,
    /// Turn on the test-only failures (`--inject-faults`): a text holding `FAULT_STEP` fails its
    /// model step, one holding `FAULT_WORKER` kills the worker, `FAULT_SLOW` slows its steps.
    pub inject_faults: bool,
}

pub const FAULT_STEP: &str = "__distilner_fault_step__";
pub const FAULT_WORKER: &str = "__distilner_fault_worker__";
pub const FAULT_SLOW: &str = "__distilner_fault_slow__";

/// What exists once the model has loaded.
struct Loaded {
    tok: NerTokenizer,
    labels: LabelSet,
    tag: TagOptions,
    info: Value,
}

/// A model worker and its queue. Two run: requests of at most one step's sub-tokens go to the
/// first, larger ones to the second (its own copy of the model, on a thread of lower priority), so
/// a short request never waits for a long request's step: the operating system shares the cores
/// between the two, in favour of the short one.
struct Lane {
    tx: mpsc::SyncSender<Job>,
    state: Arc<WorkerState>,
}

struct AppState {
    lanes: [Lane; 2],
    loaded: Arc<OnceLock<Arc<Loaded>>>,
    limits: Limits,
    client_timeout: Duration,
    inflight: Arc<tokio::sync::Semaphore>,
    max_concurrent: usize,
    admission: Admission,
    /// Requests above this many sub-tokens go to the long lane.
    max_batch_tokens: usize,
    /// The thread that tokenizes large requests, one at a time, at the lowest priority.
    bulk: mpsc::Sender<BulkJob>,
    inject_faults: bool,
    next_id: AtomicU64,
    api_key: Option<String>,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

fn error(status: u16, msg: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (code, Json(json!({"error": msg, "status": status}))).into_response()
}

/// Refused at admission, at once: the client should come back after `Retry-After`.
fn busy(status: u16, msg: &str) -> Response {
    let mut r = error(status, msg);
    r.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    r
}

fn record(route: &'static str, status: u16, t0: Instant) {
    metrics::counter!("distilner_requests_total", "route" => route, "status" => status.to_string())
        .increment(1);
    metrics::histogram!("distilner_request_duration_seconds", "route" => route)
        .record(t0.elapsed().as_secs_f64());
}

/// The key check, in constant time; `None` when the request may pass.
fn unauthorized(st: &AppState, headers: &HeaderMap) -> Option<Response> {
    use subtle::ConstantTimeEq;
    let key = st.api_key.as_ref()?;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if bool::from(given.as_bytes().ct_eq(key.as_bytes())) {
        return None;
    }
    let mut r = error(
        401,
        "missing or wrong API key: send `Authorization: Bearer <key>`",
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    Some(r)
}

async fn predict(State(st): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let t0 = Instant::now();
    let id = st.next_id.fetch_add(1, Ordering::Relaxed);
    let (resp, log) = predict_inner(&st, id, &headers, body).await;
    let status = resp.status().as_u16();
    record("/predict", status, t0);
    tracing::info!(
        request_id = id,
        status,
        texts = log.texts,
        tokens = log.tokens,
        queue_ms = log.batch.queue_seconds * 1e3,
        compute_ms = log.batch.compute_seconds * 1e3,
        steps = log.batch.steps,
        total_ms = t0.elapsed().as_secs_f64() * 1e3,
        "POST /predict"
    );
    let mut resp = resp;
    if let Ok(v) = header::HeaderValue::from_str(&id.to_string()) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

#[derive(Default)]
struct RequestLog {
    texts: usize,
    tokens: usize,
    batch: BatchInfo,
}

async fn predict_inner(
    st: &AppState,
    id: u64,
    headers: &HeaderMap,
    body: Body,
) -> (Response, RequestLog) {
    let mut log = RequestLog::default();
    if let Some(r) = unauthorized(st, headers) {
        return (r, log);
    }
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json_body {
        return (
            error(
                415,
                "send the request as JSON (Content-Type: application/json)",
            ),
            log,
        );
    }
    let Some(model) = st.loaded.get() else {
        return (busy(503, "the model is loading"), log);
    };
    if !st.ready() {
        return (busy(503, "the model worker is not running"), log);
    }
    // Admission: a bounded number of requests in the server at once; the rest are refused now,
    // not queued without bound.
    let Ok(_permit) = st.inflight.clone().try_acquire_owned() else {
        return (
            busy(429, "too many requests in progress; retry shortly"),
            log,
        );
    };
    // The body is read here, under a deadline, so a client trickling bytes cannot hold a request
    // (and a graceful shutdown) open forever.
    let read = axum::body::to_bytes(body, st.limits.max_body_bytes + 1024);
    let body = match tokio::time::timeout(st.client_timeout, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            let msg = format!(
                "request body larger than {} bytes (or broken off)",
                st.limits.max_body_bytes
            );
            return (error(413, &msg), log);
        }
        Err(_) => {
            let msg = format!(
                "the request body did not arrive within {} s",
                st.client_timeout.as_secs_f64()
            );
            return (error(408, &msg), log);
        }
    };
    let req = match parse(&body, &st.limits) {
        Ok(r) => r,
        Err(e) => return (error(e.status, &e.message), log),
    };
    log.texts = req.texts.len();
    let fault = st
        .inject_faults
        .then(|| {
            let has = |m: &str| req.texts.iter().any(|t| t.contains(m));
            if has(FAULT_WORKER) {
                Some(Fault::Worker)
            } else if has(FAULT_STEP) {
                Some(Fault::Step)
            } else if has(FAULT_SLOW) {
                Some(Fault::Slow)
            } else {
                None
            }
        })
        .flatten();
    // Refuse what cannot fit before paying for tokenization: every whitespace-separated word is at
    // least one sub-token, so this lower bound refuses only requests the exact count would.
    let at_least: usize = req
        .texts
        .iter()
        .map(|t| t.split_whitespace().count() + 2)
        .sum();
    let reserved = match st
        .admission
        .reserve(at_least, &st.lane(at_least).state.speed())
    {
        Ok(r) => r,
        Err(r) => return (refused(r), log),
    };
    // Tokenizing takes a while for a long request: off the async threads and off the model's;
    // large requests on one thread at the lowest priority, so a flood of them only uses idle CPU.
    let texts = req.texts;
    let tokenize = move |m: &Loaded| Ok(prepare(&m.tok, &texts, &m.tag)?);
    let prepared = if at_least > BULK_TOKENS {
        on_bulk_thread(&st.bulk, model, tokenize).await
    } else {
        blocking(model, tokenize).await
    };
    let prepared = match prepared {
        Ok(p) => p,
        Err(e) => return (internal(id, &e), log),
    };
    log.tokens = prepared.window_tokens();
    let speed = st.lane(log.tokens).state.speed();
    let _admitted = match st.admission.admit(reserved, log.tokens, &speed) {
        Ok(a) => a,
        Err(r) => return (refused(r), log),
    };
    let (reply, rx) = tokio::sync::oneshot::channel();
    let job = Job {
        id,
        rows: prepared
            .windows
            .iter()
            .map(|w| w.input_ids.clone())
            .collect(),
        enqueued: Instant::now(),
        fault,
        reply,
    };
    let lane = st.lane(log.tokens);
    lane.state.queued.fetch_add(1, Ordering::Relaxed);
    match lane.tx.try_send(job) {
        Ok(()) => {}
        Err(mpsc::TrySendError::Full(_)) => {
            lane.state.queued.fetch_sub(1, Ordering::Relaxed);
            return (busy(429, "the queue is full; retry shortly"), log);
        }
        Err(mpsc::TrySendError::Disconnected(_)) => {
            lane.state.queued.fetch_sub(1, Ordering::Relaxed);
            return (busy(503, "the model worker is not running"), log);
        }
    }
    metrics::counter!("distilner_tokens_total").increment(log.tokens as u64);
    let probs = match rx.await {
        Ok((Ok(probs), info)) => {
            log.batch = info;
            probs
        }
        Ok((Err(e), info)) => {
            log.batch = info;
            return (internal(id, &e), log);
        }
        // The worker unwound with this request in hand (it is restarted by its supervisor).
        Err(_) => return (internal(id, "the model worker failed"), log),
    };
    let strategy = req.strategy;
    let out = blocking(model, move |m| {
        Ok(entities(
            &tokens(&prepared, &probs),
            &m.labels,
            strategy,
            m.tag.decoding,
        ))
    })
    .await;
    match out {
        Ok(mut out) => {
            let v = if req.single {
                out.remove(0)
            } else {
                Value::Array(out)
            };
            (Json(v).into_response(), log)
        }
        Err(e) => (internal(id, &e), log),
    }
}

/// Requests at least this many sub-tokens long are tokenized one at a time.
const BULK_TOKENS: usize = 4096;

/// A refusal at admission: 413 as an error, 429 with `Retry-After`.
fn refused(r: Refusal) -> Response {
    if r.status == 429 {
        busy(429, &r.message)
    } else {
        error(r.status, &r.message)
    }
}

impl AppState {
    /// The lane for a request of `tokens` sub-tokens.
    fn lane(&self, tokens: usize) -> &Lane {
        &self.lanes[usize::from(tokens > self.max_batch_tokens)]
    }

    /// Both workers running.
    fn ready(&self) -> bool {
        self.lanes
            .iter()
            .all(|l| l.state.ready.load(Ordering::Relaxed))
    }
}

/// A 500 that names the request; the cause goes to the log under that id, not to the client.
fn internal(id: u64, cause: &str) -> Response {
    tracing::error!(request_id = id, error = %cause, "internal error");
    eprintln!("[serve] request {id}: internal error: {cause}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"error": "internal error", "status": 500, "request_id": id})),
    )
        .into_response()
}

/// Readiness, cheap under load: 200 once the model is loaded and while its worker runs, else 503.
async fn health(State(st): State<Arc<AppState>>) -> Response {
    if st.loaded.get().is_none() {
        busy(503, "the model is loading")
    } else if st.ready() {
        Json(json!({"status": "ok"})).into_response()
    } else {
        busy(503, "the model worker is not running")
    }
}

async fn info_route(State(st): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Some(r) = unauthorized(&st, &headers) {
        return r;
    }
    match st.loaded.get() {
        Some(m) => Json(m.info.clone()).into_response(),
        None => busy(503, "the model is loading"),
    }
}

/// Prometheus text format.
async fn metrics_route(State(st): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Some(r) = unauthorized(&st, &headers) {
        return r;
    }
    let sum = |f: fn(&WorkerState) -> u64| st.lanes.iter().map(|l| f(&l.state)).sum::<u64>();
    metrics::gauge!("distilner_queue_depth").set(sum(|w| w.queued.load(Ordering::Relaxed)) as f64);
    metrics::gauge!("distilner_requests_in_model")
        .set(sum(|w| w.active.load(Ordering::Relaxed)) as f64);
    metrics::gauge!("distilner_queued_tokens").set(st.admission.queued_tokens() as f64);
    metrics::gauge!("distilner_requests_in_flight")
        .set((st.max_concurrent - st.inflight.available_permits()) as f64);
    metrics::counter!("distilner_requests_dropped_disconnected_total")
        .absolute(sum(|w| w.dropped_disconnected.load(Ordering::Relaxed)));
    metrics::counter!("distilner_worker_restarts_total")
        .absolute(sum(|w| w.restarts.load(Ordering::Relaxed)));
    metrics::gauge!("distilner_worker_ready").set(if st.ready() { 1.0 } else { 0.0 });
    let text = st.metrics.as_ref().map(|h| h.render()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// The process's Prometheus recorder (installed once; later servers in the process share it).
fn prometheus() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            use metrics_exporter_prometheus::PrometheusBuilder;
            let buckets = [
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ];
            PrometheusBuilder::new()
                .set_buckets(&buckets)
                .ok()?
                .install_recorder()
                .ok()
        })
        .clone()
}

/// The routes, returned at once; the worker thread then calls `load` twice (one model copy per
/// lane), and `/health` says 503 until both are loaded.
pub fn router(
    load: impl Fn() -> anyhow::Result<(TokenClassifier, NerTokenizer)> + Send + 'static,
    o: &ServeOptions,
) -> (Router, std::thread::JoinHandle<()>) {
    let (app, handle, _failed) = router_loading(load, o);
    (app, handle)
}

/// The routes at once, the model loaded by the worker thread: until it is, `/health` and
/// `/predict` answer 503. The receiver hears why if loading fails.
pub fn router_loading(
    load: impl Fn() -> anyhow::Result<(TokenClassifier, NerTokenizer)> + Send + 'static,
    o: &ServeOptions,
) -> (
    Router,
    std::thread::JoinHandle<()>,
    tokio::sync::oneshot::Receiver<String>,
) {
    let metrics = prometheus();
    let (tx, rx) = mpsc::sync_channel(o.max_queued_requests.max(1));
    let (bulk_tx, bulk_rx) = mpsc::sync_channel(o.max_queued_requests.max(1));
    let worker = Arc::new(WorkerState::default());
    let bulk_worker = Arc::new(WorkerState::default());
    let loaded = Arc::new(OnceLock::new());
    let (failed_tx, failed_rx) = tokio::sync::oneshot::channel();
    let handle = {
        let (worker, bulk_worker, loaded) = (worker.clone(), bulk_worker.clone(), loaded.clone());
        let (tag, name, limits) = (o.tag, o.model_name.clone(), info_limits(o));
        let (max_wait, max_rows, max_tokens) = (
            Duration::from_millis(o.max_wait_ms),
            o.max_batch_texts,
            o.max_batch_tokens,
        );
        std::thread::spawn(move || {
            let t0 = Instant::now();
            let (model, tok, bulk_model) = match load().and_then(|(m, t)| Ok((m, t, load()?.0))) {
                Ok(m) => m,
                Err(e) => {
                    let _ = failed_tx.send(format!("{e:#}"));
                    return;
                }
            };
            metrics::gauge!("distilner_model_load_seconds").set(t0.elapsed().as_secs_f64());
            let tag = tag.fit(&model);
            let info = json!({
                "model": name,
                "architecture": format!("{:?}ForTokenClassification", model.config.arch),
                "labels": model.labels.names(),
                "max_length": model.config.max_position,
                "window": tag.max_len,
                "version": env!("CARGO_PKG_VERSION"),
                "precision": model.precision().name(),
                // eager, or the compiled package `distilner compile` wrote (`--engine`).
                "engine": if model.compiled().is_some() { "compiled" } else { "eager" },
                "decoding": tag.decoding.name(),
                "limits": limits,
            });
            let bo = BatchOptions {
                max_wait,
                max_rows,
                max_tokens,
                pad_id: tok.pad_id,
            };
            // One forward before the first request, so it does not pay for the cold start.
            let warm = [tok.cls_id, tok.sep_id];
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                distilner::infer::tagger::row_probs(&model, &[&warm[..]], tok.pad_id, 1, usize::MAX)
            }));
            let _ = loaded.set(Arc::new(Loaded {
                labels: model.labels.clone(),
                tok,
                tag,
                info,
            }));
            let bulk_bo = bo;
            let bulk = std::thread::spawn(move || {
                lower_priority(10);
                supervise(&bulk_model, bulk_rx, bulk_bo, bulk_worker);
            });
            supervise(&model, rx, bo, worker);
            let _ = bulk.join();
        })
    };
    let st = Arc::new(AppState {
        lanes: [
            Lane { tx, state: worker },
            Lane {
                tx: bulk_tx,
                state: bulk_worker,
            },
        ],
        loaded,
        limits: o.limits,
        client_timeout: o.client_timeout,
        inflight: Arc::new(tokio::sync::Semaphore::new(
            o.max_concurrent_requests.max(1),
        )),
        max_concurrent: o.max_concurrent_requests.max(1),
        admission: Admission::new(o.max_queued_tokens, o.max_queue_wait, o.max_batch_tokens),
        max_batch_tokens: o.max_batch_tokens,
        bulk: bulk_thread(),
        inject_faults: o.inject_faults,
        next_id: AtomicU64::new(1),
        api_key: o.api_key.clone(),
        metrics,
    });
    let mut app = Router::new()
        .route("/", get(page))
        .route("/predict", post(predict))
        .route("/health", get(health))
        .route("/info", get(info_route))
        .route("/metrics", get(metrics_route))
        .with_state(st);
    if let Some(origin) = &o.cors_origin {
        if let Ok(v) = header::HeaderValue::from_str(origin) {
            app = app.layer(
                tower_http::cors::CorsLayer::new()
                    .allow_origin(v)
                    .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                    .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]),
            );
        }
    }
    (app, handle, failed_rx)
}

fn info_limits(o: &ServeOptions) -> Value {
    json!({"max_body_bytes": o.limits.max_body_bytes, "max_text_chars": o.limits.max_text_chars,
           "max_batch": o.limits.max_batch, "max_batch_tokens": o.max_batch_tokens,
           "max_queued_tokens": o.max_queued_tokens,
           "max_queue_wait_ms": o.max_queue_wait.as_secs_f64() * 1e3,
           "max_queued_requests": o.max_queued_requests,
           "max_concurrent_requests": o.max_concurrent_requests})
}

/// The demo page: self-contained, shipped inside the binary.
async fn page() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        super::page::html(),
    )
        .into_response()
}
