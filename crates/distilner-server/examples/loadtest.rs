//! Bounded loopback load test for `distilner serve`: a fixed request rate for a fixed time, then it
//! stops. Good requests must all get 200; with `--bad-ratio`, a share of requests is malformed
//! (bad JSON, invalid UTF-8, deep nesting, oversized bodies, wrong types, a body that stalls halfway)
//! and must all get 4xx, or is a slowloris client sending half a request line (the server must close
//! it). Every good answer must carry the same entities as the text's answer before the load.
//!
//! usage: loadtest ADDR RATE_PER_S SECONDS [BAD_RATIO] [SERVER_PID]
use distilner_server::client::request;
use std::time::{Duration, Instant};

const TEXTS: [&str; 4] = [
    "EU rejects German call to boycott British lamb .",
    "Peter Blackburn visited the United Nations in New York on Friday .",
    "Japan began the defence of their Asian Cup title with a lucky 2-1 win against Syria .",
    "Nadim Ladki AL-AIN , United Arab Emirates 1996-12-06",
];

/// What a malformed request does: send a bad body, or stall.
enum Bad {
    Body(Vec<u8>),
    StalledBody,
    StalledHeaders,
}

fn bad_request(i: usize) -> Bad {
    match i % 8 {
        6 => Bad::StalledBody,
        7 => Bad::StalledHeaders,
        _ => Bad::Body(bad_body(i)),
    }
}

/// Send `head` and nothing more; return the status the server answers with (0 if it just closes).
async fn stall(addr: &str, head: &[u8]) -> std::io::Result<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(head).await?;
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    Ok(String::from_utf8_lossy(&buf)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0))
}

/// The entities of an answer without their scores (batching changes scores in the last bits).
fn entities(body: &[u8]) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    format!(
                        "{}|{}|{}|{}",
                        e["entity_group"], e["word"], e["start"], e["end"]
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn bad_body(i: usize) -> Vec<u8> {
    match i % 6 {
        0 => b"{\"inputs\": ".to_vec(),
        1 => b"{\"inputs\": \"\xff\xfe\"}".to_vec(),
        2 => format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
        3 => vec![b'x'; 2 << 20],
        4 => b"{\"inputs\": 42}".to_vec(),
        _ => b"{\"inputs\": []}".to_vec(),
    }
}

fn rss_kb(pid: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 4 {
        eprintln!("usage: loadtest ADDR RATE_PER_S SECONDS [BAD_RATIO] [SERVER_PID]");
        std::process::exit(2);
    }
    let addr = a[1].clone();
    let rate: f64 = a[2].parse().expect("rate");
    let secs: f64 = a[3].parse().expect("seconds");
    let bad_ratio: f64 = a.get(4).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let pid = a.get(5).cloned();
    let total = (rate * secs) as usize;
    // Reference answers, one request at a time before the load.
    let mut expected = Vec::new();
    for t in TEXTS {
        let body = serde_json::json!({"inputs": t}).to_string();
        let (s, b) = request(&addr, "POST", "/predict", body.as_bytes())
            .await
            .expect("server up");
        assert_eq!(s, 200, "reference request failed");
        expected.push(entities(&b));
    }
    let expected = std::sync::Arc::new(expected);
    let start = Instant::now();
    let mut handles = Vec::with_capacity(total);
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let addr = addr.clone();
        let expected = expected.clone();
        let bad = bad_ratio > 0.0 && (i as f64 * bad_ratio).fract() + bad_ratio >= 1.0;
        handles.push(tokio::spawn(async move {
            let t = Instant::now();
            let limit = Duration::from_secs(30);
            if bad {
                let status = match bad_request(i) {
                    Bad::Body(body) => match tokio::time::timeout(limit, request(&addr, "POST", "/predict", &body)).await {
                        Ok(Ok((s, _))) => s,
                        _ => 0,
                    },
                    Bad::StalledBody => {
                        let head = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"inputs\"";
                        tokio::time::timeout(limit, stall(&addr, head)).await.ok().and_then(|r| r.ok()).unwrap_or(1)
                    }
                    // Closed by the server (0) counts as handled, like a 4xx.
                    Bad::StalledHeaders => match tokio::time::timeout(limit, stall(&addr, b"POST /pre")).await {
                        Ok(Ok(0)) => 400,
                        Ok(Ok(s)) => s,
                        _ => 1,
                    },
                };
                return (true, status, true, t.elapsed().as_secs_f64() * 1000.0);
            }
            let k = i % TEXTS.len();
            let body = serde_json::json!({"inputs": TEXTS[k]}).to_string().into_bytes();
            let (status, same) = match tokio::time::timeout(limit, request(&addr, "POST", "/predict", &body)).await {
                Ok(Ok((s, b))) => (s, entities(&b) == expected[k]),
                _ => (0, false),
            };
            (false, status, same, t.elapsed().as_secs_f64() * 1000.0)
        }));
    }
    let (mut lat, mut good_ok, mut good_err, mut bad_4xx, mut bad_other, mut wrong) =
        (Vec::new(), 0, 0, 0, 0, 0);
    for h in handles {
        let (bad, status, same, ms) = h.await.unwrap();
        match (bad, status) {
            (false, 200) => {
                good_ok += 1;
                wrong += usize::from(!same);
                lat.push(ms);
            }
            (false, _) => good_err += 1,
            (true, 400..=499) => bad_4xx += 1,
            (true, _) => bad_other += 1,
        }
    }
    let wall = start.elapsed().as_secs_f64();
    lat.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    let rss = pid.as_deref().and_then(rss_kb);
    println!(
        "{}",
        serde_json::json!({"target_rate": rate, "seconds": secs, "sent": total, "good_ok": good_ok, "good_errors": good_err, "good_wrong_entities": wrong,
            "bad_rejected_4xx": bad_4xx, "bad_other": bad_other, "throughput_ok_per_s": good_ok as f64 / wall,
            "p50_ms": pct(0.5), "p99_ms": pct(0.99), "server_peak_rss_mb": rss.map(|k| k as f64 / 1024.0)})
    );
    if good_err > 0 || bad_other > 0 || wrong > 0 {
        std::process::exit(1);
    }
}
