//! Routes: `POST /predict`, `GET /health`, `GET /info`. Bad requests get JSON 4xx errors; SIGTERM or
//! Ctrl-C stops accepting and drains in-flight requests.
use super::batcher::{run_worker, BatchOptions, Job};
use super::request::{parse, Limits};
use crate::infer::TagOptions;
use crate::model::TokenClassifier;
use crate::tokenize::NerTokenizer;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

pub struct ServeOptions {
    pub host: String,
    pub port: u16,
    pub limits: Limits,
    pub max_wait_ms: u64,
    pub max_batch_texts: usize,
    pub tag: TagOptions,
    pub model_name: String,
    /// A client gets this long to send its request headers, and again its body (then 408 / closed).
    pub client_timeout: Duration,
    /// On SIGTERM, in-flight requests get this long to finish before the server exits anyway.
    pub drain_timeout: Duration,
}

struct AppState {
    tx: Mutex<mpsc::Sender<Job>>,
    limits: Limits,
    client_timeout: Duration,
    info: Value,
}

fn error(status: u16, msg: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (code, Json(json!({"error": msg, "status": status}))).into_response()
}

async fn predict(State(st): State<Arc<AppState>>, body: Body) -> Response {
    // The body is read here, under a deadline, so a client trickling bytes cannot hold a request
    // (and a graceful shutdown) open forever.
    let read = axum::body::to_bytes(body, st.limits.max_body_bytes + 1024);
    let body = match tokio::time::timeout(st.client_timeout, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            return error(
                413,
                &format!(
                    "request body larger than {} bytes (or broken off)",
                    st.limits.max_body_bytes
                ),
            )
        }
        Err(_) => {
            return error(
                408,
                &format!(
                    "the request body did not arrive within {} s",
                    st.client_timeout.as_secs_f64()
                ),
            )
        }
    };
    let req = match parse(&body, &st.limits) {
        Ok(r) => r,
        Err(e) => return error(e.status, &e.message),
    };
    let (reply, rx) = tokio::sync::oneshot::channel();
    let job = Job {
        texts: req.texts,
        strategy: req.strategy,
        reply,
    };
    if st.tx.lock().map(|tx| tx.send(job)).is_err() {
        return error(503, "the model worker is not running");
    }
    match rx.await {
        Ok(Ok(mut out)) => {
            if req.single {
                Json(out.remove(0)).into_response()
            } else {
                Json(Value::Array(out)).into_response()
            }
        }
        Ok(Err(e)) => error(500, &e),
        Err(_) => error(503, "the model worker stopped"),
    }
}

async fn health() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

async fn info_route(State(st): State<Arc<AppState>>) -> Response {
    Json(st.info.clone()).into_response()
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

pub fn router(
    model: TokenClassifier,
    tok: NerTokenizer,
    o: &ServeOptions,
) -> (Router, std::thread::JoinHandle<()>) {
    let info = json!({
        "model": o.model_name,
        "architecture": format!("{:?}ForTokenClassification", model.config.arch),
        "labels": model.labels.names(),
        "max_length": model.config.max_position,
        "window": o.tag.max_len,
        "version": env!("CARGO_PKG_VERSION"),
        "precision": model.precision().name(),
        "limits": {"max_body_bytes": o.limits.max_body_bytes, "max_text_chars": o.limits.max_text_chars, "max_batch": o.limits.max_batch},
    });
    let (tx, rx) = mpsc::channel();
    let bo = BatchOptions {
        max_wait: Duration::from_millis(o.max_wait_ms),
        max_texts: o.max_batch_texts,
        tag: o.tag,
    };
    let worker = std::thread::spawn(move || run_worker(model, tok, rx, bo));
    let st = Arc::new(AppState {
        tx: Mutex::new(tx),
        limits: o.limits,
        client_timeout: o.client_timeout,
        info,
    });
    let app = Router::new()
        .route("/predict", post(predict))
        .route("/health", get(health))
        .route("/info", get(info_route))
        .with_state(st);
    (app, worker)
}

/// Bind and serve until SIGTERM / Ctrl-C.
pub fn serve(model: TokenClassifier, tok: NerTokenizer, o: ServeOptions) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let (app, _worker) = router(model, tok, &o);
        let addr = format!("{}:{}", o.host, o.port);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
        eprintln!(
            "[serve] listening on http://{} (POST /predict, GET /health, GET /info)",
            listener.local_addr()?
        );
        accept_loop(listener, app, o.client_timeout, o.drain_timeout).await;
        Ok(())
    })
}

/// hyper's HTTP/1 connection loop with a header deadline (slowloris clients are dropped) and a
/// bounded graceful drain.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: Router,
    client_timeout: Duration,
    drain_timeout: Duration,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(client_timeout)
        .keep_alive(true);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown_signal());
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
}
