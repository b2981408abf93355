//! Bounded loopback load test for `distilner serve`: a fixed request rate for a fixed time, then it
//! stops. Good requests must all get 200; with `--bad-ratio`, a share of requests is malformed
//! (bad JSON, invalid UTF-8, deep nesting, oversized bodies, wrong types) and must all get 4xx.
//!
//! usage: loadtest ADDR RATE_PER_S SECONDS [BAD_RATIO] [SERVER_PID]
use distilner::serve::client::request;
use std::time::{Duration, Instant};

const TEXTS: [&str; 4] = [
    "EU rejects German call to boycott British lamb .",
    "Peter Blackburn visited the United Nations in New York on Friday .",
    "Japan began the defence of their Asian Cup title with a lucky 2-1 win against Syria .",
    "Nadim Ladki AL-AIN , United Arab Emirates 1996-12-06",
];

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
    let start = Instant::now();
    let mut handles = Vec::with_capacity(total);
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let addr = addr.clone();
        let bad = bad_ratio > 0.0 && (i as f64 * bad_ratio).fract() + bad_ratio >= 1.0;
        handles.push(tokio::spawn(async move {
            let body = if bad {
                bad_body(i)
            } else {
                serde_json::json!({"inputs": TEXTS[i % TEXTS.len()]})
                    .to_string()
                    .into_bytes()
            };
            let t = Instant::now();
            let r = tokio::time::timeout(
                Duration::from_secs(30),
                request(&addr, "POST", "/predict", &body),
            )
            .await;
            let status = match r {
                Ok(Ok((s, _))) => s,
                _ => 0,
            };
            (bad, status, t.elapsed().as_secs_f64() * 1000.0)
        }));
    }
    let (mut lat, mut good_ok, mut good_err, mut bad_4xx, mut bad_other) = (Vec::new(), 0, 0, 0, 0);
    for h in handles {
        let (bad, status, ms) = h.await.unwrap();
        match (bad, status) {
            (false, 200) => {
                good_ok += 1;
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
        serde_json::json!({"target_rate": rate, "seconds": secs, "sent": total, "good_ok": good_ok, "good_errors": good_err,
            "bad_rejected_4xx": bad_4xx, "bad_other": bad_other, "throughput_ok_per_s": good_ok as f64 / wall,
            "p50_ms": pct(0.5), "p99_ms": pct(0.99), "server_peak_rss_mb": rss.map(|k| k as f64 / 1024.0)})
    );
    if good_err > 0 || bad_other > 0 {
        std::process::exit(1);
    }
}
