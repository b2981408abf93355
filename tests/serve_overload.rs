//! The server under overload and faults, on loopback: admission (429 at once, never an unbounded
//! queue), API keys, metrics, slow clients, long requests sharing the model, and failures that stay
//! with the request that caused them.
mod common;
#[path = "common/server.rs"]
mod server;
use common::*;
use distilner::infer::TagOptions;
use distilner::model::{load_dir, Head};
use distilner_server::client::request;
use server::*;

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
    let rt = runtime();
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
    let rt = runtime();
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
