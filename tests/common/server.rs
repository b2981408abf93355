//! Servers for the HTTP tests: in process on loopback, or the `distilner serve` binary; raw
//! requests and Prometheus samples. Included by `serve.rs` and `serve_overload.rs`.
#![allow(dead_code)]
use super::common::*;
use distilner::infer::TagOptions;
use distilner::model::{load_dir, Head};
use distilner_server::client::request;
pub use distilner_server::request::Limits;
use distilner_server::server::router;
pub use distilner_server::ServeOptions;

/// The tokio runtime the in-process tests drive their servers and clients on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Options for an in-process server: generous limits, no refusals on wait, no key.
pub fn options() -> ServeOptions {
    ServeOptions {
        host: "127.0.0.1".into(),
        port: 0,
        limits: Limits::default(),
        max_wait_ms: 0,
        max_batch_texts: 64,
        max_batch_tokens: 8192,
        max_queued_requests: 64,
        max_concurrent_requests: 64,
        api_key: None,
        cors_origin: None,
        max_queued_tokens: 1 << 20,
        max_queue_wait: std::time::Duration::from_secs(60),
        http_nice: 0,
        inject_faults: false,
        tag: TagOptions::default(),
        model_name: "tiny".into(),
        client_timeout: std::time::Duration::from_secs(10),
        drain_timeout: std::time::Duration::from_secs(10),
    }
}

/// The router on a loopback port in this process, once its model is loaded; its address.
pub async fn serve_in_process(model: &std::path::Path, opts: &ServeOptions) -> String {
    let dir = model.to_path_buf();
    let (app, _w) = router(
        move || {
            let l = load_dir(&dir, Head::Keep, tch::Device::Cpu)?;
            Ok((l.model, l.tokenizer))
        },
        opts,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    for _ in 0..200 {
        if let Ok((200, _)) = request(&addr, "GET", "/health", b"").await {
            return addr;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the in-process server never became ready");
}

/// Start `distilner serve` on a free port with `extra` flags; wait until /health answers.
#[allow(clippy::zombie_processes)] // on panic the test fails anyway
pub fn start_server(model: &std::path::Path, extra: &[&str]) -> (std::process::Child, String) {
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_distilner"))
        .args([
            "serve",
            "--model",
            model.to_str().unwrap(),
            "--port",
            &port.to_string(),
            "--threads",
            "1",
        ])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    // The port opens before the model has loaded (503 meanwhile): with `--slow-load-ms` the caller
    // wants to see that, so return once it is listening; otherwise once /health says ready.
    let want_ready = !extra.contains(&"--slow-load-ms");
    for _ in 0..300 {
        match health(&addr) {
            Some(200) => return (child, addr),
            Some(_) if !want_ready => return (child, addr),
            _ => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
    panic!("server did not come up");
}

/// `GET /health`'s status, or None if nothing answers.
pub fn health(addr: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(addr).ok()?;
    c.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut buf = String::new();
    c.read_to_string(&mut buf).ok()?;
    buf.split_whitespace().nth(1)?.parse().ok()
}

/// One raw request with the given extra header lines; (status, headers + body as text).
pub async fn raw(addr: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let method = if body.is_empty() { "GET" } else { "POST" };
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// A gauge or counter's value from Prometheus text (the first sample of that name; 0 if absent).
pub fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}
