//! Routes: `POST /predict`, `GET /health`, `GET /info`. Bad requests get JSON 4xx errors; SIGTERM or
//! Ctrl-C stops accepting and drains in-flight requests.
use super::batcher::{supervise, BatchInfo, BatchOptions, Fault, Job, WorkerState};
use super::request::{parse, Limits};
use crate::data::LabelSet;
use crate::infer::{entities, prepare, tokens, TagOptions};
use crate::model::TokenClassifier;
use crate::tokenize::NerTokenizer;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
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

struct AppState {
    tx: mpsc::SyncSender<Job>,
    loaded: Arc<OnceLock<Arc<Loaded>>>,
    limits: Limits,
    client_timeout: Duration,
    inflight: Arc<tokio::sync::Semaphore>,
    max_concurrent: usize,
    /// Permits are sub-tokens: work admitted and not yet answered.
    token_budget: Arc<tokio::sync::Semaphore>,
    max_queued_tokens: usize,
    inject_faults: bool,
    worker: Arc<WorkerState>,
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
    if !st.worker.ready.load(Ordering::Relaxed) {
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
    // Tokenizing a long request takes a while: off the async threads, and off the model's.
    let texts = req.texts;
    let prepared = match blocking(model, move |m| prepare(&m.tok, &texts, &m.tag)).await {
        Ok(p) => p,
        Err(e) => return (internal(id, &e), log),
    };
    log.tokens = prepared.window_tokens();
    // The token budget bounds the work (and memory) in hand, whatever the number of requests.
    if log.tokens > st.max_queued_tokens {
        let msg = format!(
            "the request has {} sub-tokens; this server takes at most {} at once (--max-queued-tokens)",
            log.tokens, st.max_queued_tokens
        );
        return (error(413, &msg), log);
    }
    let Ok(_tokens) = st
        .token_budget
        .clone()
        .try_acquire_many_owned(log.tokens as u32)
    else {
        return (
            busy(429, "the server has too much work queued; retry shortly"),
            log,
        );
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
    st.worker.queued.fetch_add(1, Ordering::Relaxed);
    match st.tx.try_send(job) {
        Ok(()) => {}
        Err(mpsc::TrySendError::Full(_)) => {
            st.worker.queued.fetch_sub(1, Ordering::Relaxed);
            return (busy(429, "the queue is full; retry shortly"), log);
        }
        Err(mpsc::TrySendError::Disconnected(_)) => {
            st.worker.queued.fetch_sub(1, Ordering::Relaxed);
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
        Ok(entities(&tokens(&prepared, &probs), &m.labels, strategy))
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

/// Run CPU work on tokio's blocking pool; a panic in it becomes an error.
async fn blocking<T: Send + 'static>(
    model: &Arc<Loaded>,
    f: impl FnOnce(&Loaded) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, String> {
    let m = model.clone();
    match tokio::task::spawn_blocking(move || f(&m)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
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
    } else if st.worker.ready.load(Ordering::Relaxed) {
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
    let w = &st.worker;
    metrics::gauge!("distilner_queue_depth").set(w.queued.load(Ordering::Relaxed) as f64);
    metrics::gauge!("distilner_requests_in_model").set(w.active.load(Ordering::Relaxed) as f64);
    metrics::gauge!("distilner_queued_tokens")
        .set((st.max_queued_tokens - st.token_budget.available_permits()) as f64);
    metrics::gauge!("distilner_requests_in_flight")
        .set((st.max_concurrent - st.inflight.available_permits()) as f64);
    metrics::counter!("distilner_requests_dropped_disconnected_total")
        .absolute(w.dropped_disconnected.load(Ordering::Relaxed));
    metrics::counter!("distilner_worker_restarts_total")
        .absolute(w.restarts.load(Ordering::Relaxed));
    metrics::gauge!("distilner_worker_ready").set(if w.ready.load(Ordering::Relaxed) {
        1.0
    } else {
        0.0
    });
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

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    eprintln!("[serve] shutting down: draining in-flight requests");
}

/// The routes over a model that is already loaded.
pub fn router(
    model: TokenClassifier,
    tok: NerTokenizer,
    o: &ServeOptions,
) -> (Router, std::thread::JoinHandle<()>) {
    let (app, handle, _failed) = router_loading(move || Ok((model, tok)), o);
    (app, handle)
}

/// The routes at once, the model loaded by the worker thread: until it is, `/health` and
/// `/predict` answer 503. The receiver hears why if loading fails.
pub fn router_loading(
    load: impl FnOnce() -> anyhow::Result<(TokenClassifier, NerTokenizer)> + Send + 'static,
    o: &ServeOptions,
) -> (
    Router,
    std::thread::JoinHandle<()>,
    tokio::sync::oneshot::Receiver<String>,
) {
    let metrics = prometheus();
    let (tx, rx) = mpsc::sync_channel(o.max_queued_requests.max(1));
    let worker = Arc::new(WorkerState::default());
    let loaded = Arc::new(OnceLock::new());
    let (failed_tx, failed_rx) = tokio::sync::oneshot::channel();
    let handle = {
        let (worker, loaded) = (worker.clone(), loaded.clone());
        let (tag, name, limits) = (o.tag, o.model_name.clone(), info_limits(o));
        let (max_wait, max_rows, max_tokens) = (
            Duration::from_millis(o.max_wait_ms),
            o.max_batch_texts,
            o.max_batch_tokens,
        );
        std::thread::spawn(move || {
            let t0 = Instant::now();
            let (model, tok) = match load() {
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
                "limits": limits,
            });
            let bo = BatchOptions {
                max_wait,
                max_rows,
                max_tokens,
                pad_id: tok.pad_id,
            };
            let _ = loaded.set(Arc::new(Loaded {
                labels: model.labels.clone(),
                tok,
                tag,
                info,
            }));
            supervise(&model, rx, bo, worker);
        })
    };
    let st = Arc::new(AppState {
        tx,
        loaded,
        limits: o.limits,
        client_timeout: o.client_timeout,
        inflight: Arc::new(tokio::sync::Semaphore::new(
            o.max_concurrent_requests.max(1),
        )),
        max_concurrent: o.max_concurrent_requests.max(1),
        token_budget: Arc::new(tokio::sync::Semaphore::new(o.max_queued_tokens)),
        max_queued_tokens: o.max_queued_tokens,
        inject_faults: o.inject_faults,
        worker,
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

/// Bind, then load the model (answering 503 meanwhile) and serve until SIGTERM / Ctrl-C.
pub fn serve(
    load: impl FnOnce() -> anyhow::Result<(TokenClassifier, NerTokenizer)> + Send + 'static,
    o: ServeOptions,
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let addr = format!("{}:{}", o.host, o.port);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
        eprintln!(
            "[serve] listening on http://{} (GET / for a demo page; POST /predict, GET /health, \
             GET /info, GET /metrics); loading the model",
            listener.local_addr()?
        );
        let (app, _worker, failed) = router_loading(load, &o);
        let failed = async move {
            match failed.await {
                Ok(msg) => msg,
                Err(_) => std::future::pending().await,
            }
        };
        match accept_loop(listener, app, o.client_timeout, o.drain_timeout, failed).await {
            Some(msg) => anyhow::bail!("{msg}"),
            None => Ok(()),
        }
    })
}

/// hyper's HTTP/1 connection loop with a header deadline (slowloris clients are dropped) and a
/// bounded graceful drain.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: Router,
    client_timeout: Duration,
    drain_timeout: Duration,
    fatal: impl std::future::Future<Output = String>,
) -> Option<String> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(client_timeout)
        .keep_alive(true);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown_signal());
    let mut fatal = std::pin::pin!(fatal);
    let mut failure = None;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((s, _)) => s,
                    Err(e) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        eprintln!("[serve] accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let svc = hyper_util::service::TowerToHyperService::new(app.clone());
                let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), svc));
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = &mut stop => break,
            msg = &mut fatal => {
                failure = Some(msg);
                break;
            }
        }
    }
    drop(listener);
    if tokio::time::timeout(drain_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!(
            "[serve] {} s drain time over; closing the remaining connections",
            drain_timeout.as_secs_f64()
        );
    }
    failure
}
