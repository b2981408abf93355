//! Routes: `POST /predict`, `GET /health`, `GET /info`. Bad requests get JSON 4xx errors; SIGTERM or
//! Ctrl-C stops accepting and drains in-flight requests.
use super::batcher::{run_worker, BatchOptions, Job};
use super::request::{parse, Limits};
use crate::infer::TagOptions;
use crate::model::TokenClassifier;
use crate::tokenize::NerTokenizer;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
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
}

struct AppState {
    tx: Mutex<mpsc::Sender<Job>>,
    limits: Limits,
    info: Value,
}

fn error(status: u16, msg: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (code, Json(json!({"error": msg, "status": status}))).into_response()
}

async fn predict(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
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
        info,
    });
    let app = Router::new()
        .route("/predict", post(predict))
        .route("/health", get(health))
        .route("/info", get(info_route))
        .layer(DefaultBodyLimit::max(o.limits.max_body_bytes + 1024))
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
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        Ok(())
    })
}
