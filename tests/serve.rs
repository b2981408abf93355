//! The HTTP API in-process on loopback and on the binary: answers, HF-shaped JSON, 4xx on bad
//! input, concurrent requests micro-batched and answered exactly like single ones, a clean drain on
//! SIGTERM, int8. Overload, slow clients and faults are in `serve_overload.rs`.
mod common;
#[path = "common/server.rs"]
mod server;
use common::*;
use distilner::infer::{predict, Strategy, TagOptions};
use distilner::model::{load_dir, Head};
use distilner_server::client::request;
use serde_json::Value;
use server::*;

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
    let rt = runtime();
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
