//! The HTTP API in-process on loopback: answers, HF-shaped JSON, 4xx on bad input, concurrent
//! requests micro-batched and answered exactly like single ones.
mod common;
use common::*;
use distilner::infer::{predict, Strategy, TagOptions};
use distilner::model::{load_dir, Head};
use distilner_server::client::request;
use distilner_server::request::Limits;
use distilner_server::server::router;
use distilner_server::ServeOptions;
use serde_json::Value;

/// Same entities, offsets and words; scores equal up to float rounding (batch composition differs).
fn same_entities(a: &Value, b: &Value) {
    let (a, b) = (a.as_array().unwrap(), b.as_array().unwrap());
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        for k in ["entity", "index", "word", "start", "end"] {
            assert_eq!(x[k], y[k], "{k}");
        }
        assert!((x["score"].as_f64().unwrap() - y["score"].as_f64().unwrap()).abs() < 1e-5);
    }
}

/// Options for an in-process server: generous limits, no refusals on wait, no key.
fn options() -> ServeOptions {
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
async fn serve_in_process(model: &std::path::Path, opts: &ServeOptions) -> String {
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

#[test]
fn serve_predicts_batches_and_rejects_bad_requests() {
    tch::set_num_threads(1);
    let m = tiny_model_dir("tiny-bert-ner");
    let l = load_dir(m.path(), Head::Keep, tch::Device::Cpu).unwrap();
    let texts: Vec<String> = (0..12)
        .map(|i| format!("Peter Blackburn flew from Paris to Berlin {i} times ."))
        .collect();
    let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
    let expected = predict(
        &l.model,
        &l.tokenizer,
        &refs,
        Strategy::None,
        &TagOptions::default(),
    )
    .unwrap();
    let opts = ServeOptions {
        limits: Limits {
            max_body_bytes: 4096,
            max_text_chars: 500,
            max_batch: 4,
        },
        max_wait_ms: 20,
        max_batch_texts: 16,
        max_queued_requests: 64,
        max_concurrent_requests: 64,
        ..options()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let addr = serve_in_process(m.path(), &opts).await;

        let (s, b) = request(&addr, "GET", "/health", b"").await.unwrap();
        assert_eq!((s, String::from_utf8_lossy(&b).contains("ok")), (200, true));
        let (s, b) = request(&addr, "GET", "/info", b"").await.unwrap();
        let info: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!((s, info["labels"][0].as_str()), (200, Some("O")));
        assert_eq!(info["max_length"], 64);
        assert_eq!(info["precision"], "fp32");

        // Concurrent single-text requests are gathered into batches; each answer equals the direct one.
        let mut handles = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            let addr = addr.clone();
            let body =
                serde_json::json!({"inputs": t, "parameters": {"aggregation_strategy": "none"}})
                    .to_string();
            handles.push(tokio::spawn(async move {
                (
                    i,
                    request(&addr, "POST", "/predict", body.as_bytes())
                        .await
                        .unwrap(),
                )
            }));
        }
        for h in handles {
            let (i, (s, b)) = h.await.unwrap();
            assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
            let got: Value = serde_json::from_slice(&b).unwrap();
            same_entities(&got, &expected[i]);
        }
        // A list input gives a list of lists.
        let (s, b) = request(
            &addr,
            "POST",
            "/predict",
            br#"{"inputs": ["Paris", "Rome"]}"#,
        )
        .await
        .unwrap();
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!((s, v.as_array().map(|a| a.len())), (200, Some(2)));

        let too_long = serde_json::json!({"inputs": "x".repeat(600)}).to_string();
        let big = vec![b' '; 5000];
        let bad: Vec<(&[u8], u16)> = vec![
            (b"{not json", 400),
            (b"\xff\xfe\x00", 400),
            (br#"{"inputs": 5}"#, 422),
            (br#"{"inputs": ""}"#, 422),
            (br#"{"inputs": ["a","b","c","d","e"]}"#, 422),
            (too_long.as_bytes(), 413),
            (&big, 413),
        ];
        for (body, want) in bad {
            let (s, b) = request(&addr, "POST", "/predict", body).await.unwrap();
            assert_eq!(s, want, "{}", String::from_utf8_lossy(&b));
            let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
            assert!(
                v["error"].is_string(),
                "JSON error body expected: {}",
                String::from_utf8_lossy(&b)
            );
        }
        // Still alive after the bad requests.
        let (s, _) = request(&addr, "POST", "/predict", br#"{"inputs": "Paris"}"#)
            .await
            .unwrap();
        assert_eq!(s, 200);
    });
}

#[test]
fn serve_binary_answers_then_drains_on_sigterm() {
    let m = tiny_model_dir("tiny-bert-ner");
    let port = free_port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_distilner"))
        .args([
            "serve",
            "--model",
            m.path().to_str().unwrap(),
            "--port",
            &port.to_string(),
            "--threads",
            "1",
            "--max-wait-ms",
            "300",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut up = false;
        for _ in 0..100 {
            if let Ok((200, _)) = request(&addr, "GET", "/health", b"").await {
                up = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(up, "server did not come up");
        // A request in flight (held ~300 ms by the batching window) when SIGTERM arrives still gets its answer.
        let a = addr.clone();
        let inflight = tokio::spawn(async move {
            request(&a, "POST", "/predict", br#"{"inputs": "Paris"}"#).await
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let st = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let (s, _) = inflight.await.unwrap().unwrap();
        assert_eq!(s, 200);
    });
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
}

/// Start `distilner serve` on a free port with `extra` flags; wait until /health answers.
#[allow(clippy::zombie_processes)] // on panic the test fails anyway
fn start_server(model: &std::path::Path, extra: &[&str]) -> (std::process::Child, String) {
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
fn health(addr: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(addr).ok()?;
    c.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut buf = String::new();
    c.read_to_string(&mut buf).ok()?;
    buf.split_whitespace().nth(1)?.parse().ok()
}

/// Slow clients (slowloris headers, a trickled body, many stalled connections) neither block good
/// requests nor hold the server open: 408 for a stalled body, closed connections for stalled
/// headers, and SIGTERM exits within the drain time even with a stalled client connected.
#[test]
fn slow_clients_time_out_and_block_nothing() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let m = tiny_model_dir("tiny-bert-ner");
    let (mut child, addr) = start_server(
        m.path(),
        &["--client-timeout-s", "1", "--drain-timeout-s", "2"],
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let held = rt.block_on(async {
        // 50 connections that send half a request line and stall.
        let mut stalled = Vec::new();
        for _ in 0..50 {
            let mut c = tokio::net::TcpStream::connect(&addr).await.unwrap();
            c.write_all(b"POST /pre").await.unwrap();
            stalled.push(c);
        }
        // A good request is still answered at once.
        let t = Instant::now();
        let (s, body) = request(&addr, "POST", "/predict", br#"{"inputs": "Paris"}"#)
            .await
            .unwrap();
        assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
        assert!(
            t.elapsed() < Duration::from_millis(900),
            "{:?}",
            t.elapsed()
        );
        // A body that stops halfway gets 408 after the client timeout.
        let mut c = tokio::net::TcpStream::connect(&addr).await.unwrap();
        c.write_all(
            b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"inputs\": \"Par",
        )
        .await
        .unwrap();
        let mut buf = Vec::new();
        let t = Instant::now();
        tokio::time::timeout(Duration::from_secs(5), c.read_to_end(&mut buf))
            .await
            .expect("no answer")
            .ok();
        let head = String::from_utf8_lossy(&buf);
        assert!(head.starts_with("HTTP/1.1 408"), "{head}");
        assert!(head.contains("did not arrive"), "{head}");
        assert!(
            t.elapsed() >= Duration::from_millis(900),
            "{:?}",
            t.elapsed()
        );
        // Stalled headers: the server closes those connections after the client timeout.
        for c in stalled.iter_mut() {
            let mut b = [0u8; 256];
            let r = tokio::time::timeout(Duration::from_secs(5), c.read(&mut b)).await;
            assert!(
                matches!(r, Ok(Ok(_)) | Ok(Err(_))),
                "a stalled connection was kept open"
            );
        }
        // SIGTERM with a stalled body in flight: the drain is bounded.
        let mut c = tokio::net::TcpStream::connect(&addr).await.unwrap();
        c.write_all(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success());
        c
    });
    let t = Instant::now();
    let status = child.wait().unwrap();
    drop(held);
    assert!(status.success(), "exit status {status:?}");
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "shutdown took {:?}",
        t.elapsed()
    );
}

/// One raw request with the given extra header lines; (status, headers + body as text).
async fn raw(addr: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
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

/// Admission and locks: past `max_concurrent_requests` a request gets 429 with Retry-After at once
/// (never an unbounded queue); an API key guards every route but /health (401 without it); a body
/// that is not JSON gets 415; /metrics counts requests by route and status in Prometheus format.
#[test]
fn overload_is_refused_at_once_and_the_server_can_be_locked_and_watched() {
    let m = tiny_model_dir("tiny-bert-ner");
    let opts = ServeOptions {
        // A long gathering window holds the first requests in the server while the rest arrive.
        max_wait_ms: 300,
        max_queued_requests: 2,
        max_concurrent_requests: 3,
        api_key: Some("s3cret".into()),
        ..options()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let addr = serve_in_process(m.path(), &opts).await;
        let auth = "Authorization: Bearer s3cret\r\nContent-Type: application/json\r\n";
        let body = r#"{"inputs": "Peter flew to Paris"}"#;

        let (s, _) = raw(&addr, "/health", "", "").await;
        assert_eq!(s, 200, "/health needs no key");
        let (s, t) = raw(
            &addr,
            "/predict",
            "Content-Type: application/json\r\n",
            body,
        )
        .await;
        assert_eq!(s, 401, "{t}");
        let wrong = "Authorization: Bearer s3cret!\r\nContent-Type: application/json\r\n";
        assert_eq!(raw(&addr, "/predict", wrong, body).await.0, 401);
        assert_eq!(raw(&addr, "/info", "", "").await.0, 401);
        let (s, t) = raw(
            &addr,
            "/predict",
            "Authorization: Bearer s3cret\r\nContent-Type: text/plain\r\n",
            body,
        )
        .await;
        assert_eq!(s, 415, "{t}");

        // 20 requests at once against 3 admitted: the rest are refused at once with Retry-After.
        let mut hs = Vec::new();
        for _ in 0..20 {
            let addr = addr.clone();
            hs.push(tokio::spawn(async move {
                let t0 = std::time::Instant::now();
                let r = raw(&addr, "/predict", auth, body).await;
                (r, t0.elapsed())
            }));
        }
        let (mut ok, mut refused) = (0, 0);
        for h in hs {
            let ((s, t), took) = h.await.unwrap();
            match s {
                200 => ok += 1,
                429 => {
                    refused += 1;
                    assert!(t.to_ascii_lowercase().contains("retry-after: 1"), "{t}");
                    assert!(
                        took < std::time::Duration::from_millis(200),
                        "a refusal took {took:?}"
                    );
                }
                other => panic!("status {other}: {t}"),
            }
        }
        assert!(ok >= 1 && refused >= 10, "{ok} answered, {refused} refused");
        // After the burst, the next request is served.
        assert_eq!(raw(&addr, "/predict", auth, body).await.0, 200);

        let (s, t) = raw(&addr, "/metrics", "Authorization: Bearer s3cret\r\n", "").await;
        assert_eq!(s, 200);
        for want in [
            "distilner_requests_total{route=\"/predict\",status=\"200\"}",
            "distilner_requests_total{route=\"/predict\",status=\"429\"}",
            "distilner_requests_total{route=\"/predict\",status=\"401\"}",
            "distilner_request_duration_seconds_bucket",
            "distilner_queue_depth",
            "distilner_model_load_seconds",
            "distilner_tokens_total",
        ] {
            assert!(t.contains(want), "/metrics lacks {want}:\n{t}");
        }
    });
}

/// A gauge or counter's value from Prometheus text (the first sample of that name; 0 if absent).
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// Scheduling and faults, on the binary: 503 while the model loads; a huge request advances a step
/// budget at a time while short requests are answered in between (shortest work first); a second
/// huge one is refused by the token budget (429) and one larger than it gets 413; a failing model
/// step fails only the request that caused it (500 with its id, no internal text) even when it
/// shared the step with others; a dead worker is restarted; a client that hangs up has the rest of
/// its work dropped before the model.
#[test]
fn long_requests_share_the_model_and_faults_stay_with_their_request() {
    use std::time::{Duration, Instant};
    let m = tiny_model_dir("tiny-bert-ner");
    let sentence = "Peter Blackburn visited Paris and Berlin for the European Union . ";
    // Its steps are slowed by 500 ms (`__distilner_fault_slow__`): the tiny model's real ones take
    // about 1 ms, a large model's far longer.
    let mut texts = vec![sentence.repeat(20); 4];
    texts[0].push_str("__distilner_fault_slow__");
    // The sub-tokens the server will count for the huge request; the token budget is set so one
    // fits and two do not.
    let l = load_dir(m.path(), Head::Keep, tch::Device::Cpu).unwrap();
    let n = distilner::infer::prepare(&l.tokenizer, &texts, &TagOptions::default().fit(&l.model))
        .unwrap()
        .window_tokens();
    let budget = (n * 3 / 2).to_string();
    let (mut child, addr) = start_server(
        m.path(),
        &[
            "--inject-faults",
            "--slow-load-ms",
            "1500",
            "--max-batch-tokens",
            "256",
            "--max-queued-tokens",
            &budget,
            "--max-text-chars",
            "20000",
        ],
    );
    let json = "Content-Type: application/json\r\n";
    let huge = serde_json::json!({ "inputs": texts }).to_string();
    let bigger = serde_json::json!({ "inputs": vec![sentence.repeat(200); 8] }).to_string();
    let short = r#"{"inputs": "Peter Blackburn visited Paris ."}"#;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // Loading: listening already, honest 503s.
        let (s, t) = raw(&addr, "/health", "", "").await;
        assert_eq!(s, 503, "{t}");
        assert!(t.contains("loading"), "{t}");
        assert_eq!(raw(&addr, "/predict", json, short).await.0, 503);
        let t0 = Instant::now();
        while raw(&addr, "/health", "", "").await.0 != 200 {
            assert!(t0.elapsed() < Duration::from_secs(20), "never ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let unloaded = {
            let t = Instant::now();
            for _ in 0..5 {
                assert_eq!(raw(&addr, "/predict", json, short).await.0, 200);
            }
            t.elapsed() / 5
        };
        let (_, before) = raw(&addr, "/metrics", "", "").await;
        let computed0 = metric(&before, "distilner_model_tokens_total");

        // One huge request, then short ones while it runs.
        let t_huge = Instant::now();
        let (a, h) = (addr.clone(), huge.clone());
        let first = tokio::spawn(async move { raw(&a, "/predict", json, &h).await });
        // Admitted once its sub-tokens are counted against the budget.
        let t0 = Instant::now();
        while metric(&raw(&addr, "/metrics", "", "").await.1, "distilner_queued_tokens") < 1.0 {
            assert!(t0.elapsed() < Duration::from_secs(20), "the huge request was never admitted");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // The token budget: a second huge request does not fit while the first runs; one larger
        // than the whole budget never does.
        let (s, t) = raw(&addr, "/predict", json, &huge).await;
        assert_eq!(s, 429, "{}", &t[..t.len().min(300)]);
        let (s, t) = raw(&addr, "/predict", json, &bigger).await;
        assert_eq!(s, 413, "{t}");
        assert!(t.contains("--max-queued-tokens"), "{t}");
        let mut worst = Duration::ZERO;
        for _ in 0..5 {
            let t = Instant::now();
            let (s, body) = raw(&addr, "/predict", json, short).await;
            assert_eq!(s, 200, "{body}");
            assert!(body.contains("\"word\""), "{body}");
            worst = worst.max(t.elapsed());
        }
        // A failing step shared with good requests: only its own request fails. A slowed request
        // holds the short lane's worker first, so the next four queue and share one step.
        let a = addr.clone();
        let hold = tokio::spawn(async move {
            let body = r#"{"inputs": "Paris __distilner_fault_slow__"}"#;
            raw(&a, "/predict", json, body).await
        });
        tokio::time::sleep(Duration::from_millis(5)).await;
        let mut hs = Vec::new();
        for i in 0..4 {
            let a = addr.clone();
            let body = if i == 0 {
                r#"{"inputs": "Paris __distilner_fault_step__"}"#.to_string()
            } else {
                short.to_string()
            };
            hs.push(tokio::spawn(async move { raw(&a, "/predict", json, &body).await }));
        }
        for (i, h) in hs.into_iter().enumerate() {
            let (s, t) = h.await.unwrap();
            if i == 0 {
                assert_eq!(s, 500, "{t}");
                assert!(t.contains("\"request_id\""), "{t}");
                assert!(!t.contains("injected") && !t.contains("panic"), "{t}");
            } else {
                assert_eq!(s, 200, "{t}");
            }
        }
        assert_eq!(hold.await.unwrap().0, 200);
        assert!(
            !first.is_finished(),
            "the huge request ended before the short ones were done: the test proves nothing"
        );
        let (s, t) = first.await.unwrap();
        let huge_took = t_huge.elapsed();
        assert_eq!(s, 200, "{}", &t[..t.len().min(300)]);
        // Short requests run in their own lane: they never wait for the huge request's 500 ms steps
        // (in one lane each would wait for the rest of the step in progress, close to 500 ms).
        assert!(
            worst < huge_took / 4 && worst < Duration::from_millis(250),
            "a short request took {worst:?} beside a huge one of {huge_took:?} (unloaded {unloaded:?})"
        );
        let (_, m1) = raw(&addr, "/metrics", "", "").await;
        let huge_tokens = metric(&m1, "distilner_model_tokens_total") - computed0;

        // A client that hangs up mid-request: the rest of its windows never reach the model.
        {
            use tokio::io::AsyncWriteExt;
            let mut c = tokio::net::TcpStream::connect(&addr).await.unwrap();
            let req = format!(
                "POST /predict HTTP/1.1\r\nHost: x\r\n{json}Content-Length: {}\r\n\r\n{huge}",
                huge.len()
            );
            c.write_all(req.as_bytes()).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let t0 = Instant::now();
        let mut m2 = String::new();
        while t0.elapsed() < Duration::from_secs(20) {
            m2 = raw(&addr, "/metrics", "", "").await.1;
            if metric(&m2, "distilner_requests_dropped_disconnected_total") >= 1.0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            metric(&m2, "distilner_requests_dropped_disconnected_total"),
            1.0,
            "{m2}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (_, m3) = raw(&addr, "/metrics", "", "").await;
        let spent = metric(&m3, "distilner_model_tokens_total")
            - metric(&m1, "distilner_model_tokens_total");
        assert!(
            spent < huge_tokens * 0.9,
            "{spent} tokens computed for a request of {huge_tokens} whose client left"
        );

        // A worker that dies: its request gets a 500 with an id; the worker is started again.
        let (s, t) = raw(
            &addr,
            "/predict",
            json,
            r#"{"inputs": "Paris __distilner_fault_worker__"}"#,
        )
        .await;
        assert_eq!(s, 500, "{t}");
        assert!(t.contains("\"request_id\"") && !t.contains("injected"), "{t}");
        let t0 = Instant::now();
        while raw(&addr, "/health", "", "").await.0 != 200 {
            assert!(t0.elapsed() < Duration::from_secs(5), "worker not restarted");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(raw(&addr, "/predict", json, short).await.0, 200);
        let (_, m4) = raw(&addr, "/metrics", "", "").await;
        assert_eq!(metric(&m4, "distilner_worker_restarts_total"), 1.0, "{m4}");
        for want in [
            "distilner_batch_tokens",
            "distilner_batch_windows",
            "distilner_step_seconds",
            "distilner_queued_tokens",
        ] {
            assert!(m4.contains(want), "/metrics lacks {want}");
        }
        eprintln!(
            "unloaded {unloaded:?}, worst short beside huge {worst:?}, huge {huge_took:?} \
             ({huge_tokens} tokens), {spent} tokens spent on the abandoned one"
        );
    });
    let _ = child.kill();
    let _ = child.wait();
}

/// `serve --precision int8`: the model is quantized at load, `/info` says int8, and `/predict`
/// answers.
#[test]
fn int8_server_loads_quantized_and_answers() {
    use std::io::{Read, Write};
    let m = tiny_model_dir("tiny-bert-ner");
    let (mut child, addr) = start_server(m.path(), &["--precision", "int8"]);
    let call = |req: String| {
        let mut c = std::net::TcpStream::connect(&addr).unwrap();
        c.write_all(req.as_bytes()).unwrap();
        let mut buf = String::new();
        c.read_to_string(&mut buf).unwrap();
        buf
    };
    let info = call("GET /info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".into());
    assert!(info.contains("\"precision\":\"int8\""), "{info}");
    let body = r#"{"inputs": "Angela Merkel visited Paris ."}"#;
    let r = call(format!(
        "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let json = r.split("\r\n\r\n").nth(1).unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(json)
            .unwrap()
            .is_array(),
        "{json}"
    );
    child.kill().unwrap();
    let _ = child.wait();
}
