//! `distilner serve --model M [--host 127.0.0.1] [--port 8080]`
use anyhow::Result;
use distilner::infer::TagOptions;
use distilner_server::request::Limits;
use distilner_server::{serve, ServeOptions};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    m: crate::model_flags::ModelFlags,
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// When idle, wait this many milliseconds after a request for others to batch with it (under
    /// load, requests that arrive during a model step join the next one anyway).
    #[arg(long, default_value_t = 0)]
    max_wait_ms: u64,
    /// Most windows in one model step.
    #[arg(long, default_value_t = 64)]
    max_batch_texts: usize,
    #[arg(long, default_value_t = 1 << 20)]
    max_body_bytes: usize,
    #[arg(long, default_value_t = 20_000)]
    max_text_chars: usize,
    /// Most texts in one request.
    #[arg(long, default_value_t = 64)]
    max_batch: usize,
    /// Seconds a client gets to send its headers, and again its body (slow clients get 408 / are closed).
    #[arg(long, default_value_t = 10.0)]
    client_timeout_s: f64,
    /// Seconds in-flight requests get to finish after SIGTERM.
    #[arg(long, default_value_t = 30.0)]
    drain_timeout_s: f64,
    /// Most sub-tokens in one model step. Long requests advance this much at a time, shortest work
    /// first, so the step time bounds how long a short request waits behind a long one.
    #[arg(long, default_value_t = 256)]
    max_batch_tokens: usize,
    /// Most sub-tokens admitted and not yet answered, over all requests; past it, 429 at once (a
    /// single request larger than this gets 413).
    #[arg(long, default_value_t = 1 << 19)]
    max_queued_tokens: usize,
    /// Refuse a request (429) when the work that would run before it starts — the step in progress,
    /// then the admitted requests no larger than it, timed by a fit of recent step times — exceeds
    /// this many milliseconds. Under overload this keeps admitted requests fast and answers the
    /// rest at once.
    #[arg(long, default_value_t = 20.0)]
    max_queue_ms: f64,
    /// Nice value of the HTTP threads (Linux): above the model worker's 0 so a flood of requests
    /// to read and refuse cannot starve the model. 0 runs them at the same priority.
    #[arg(long, default_value_t = 5)]
    http_nice: i32,
    /// Most requests waiting for the model; past it, 429 with Retry-After at once.
    #[arg(long, default_value_t = 256)]
    max_queued_requests: usize,
    /// Most requests in the server at once (reading, queued, computing); past it, 429 at once.
    #[arg(long, default_value_t = 512)]
    max_concurrent_requests: usize,
    /// File holding an API key: every route but /health then needs `Authorization: Bearer <key>`.
    /// The environment variable DISTILNER_API_KEY does the same.
    #[arg(long)]
    api_key_file: Option<std::path::PathBuf>,
    /// Allow browsers from this origin (CORS); off by default.
    #[arg(long)]
    cors_origin: Option<String>,
    /// Access log: one line per request, as JSON or human-readable.
    #[arg(long, default_value = "pretty", value_parser = ["json", "pretty"])]
    log_format: String,
    /// Tests only: texts holding a marker fail their model step or kill the worker.
    #[arg(long, hide = true)]
    inject_faults: bool,
    /// Tests only: loading takes this much longer (to see the server answer 503 meanwhile).
    #[arg(long, hide = true, default_value_t = 0)]
    slow_load_ms: u64,
}

pub fn run(a: Args) -> Result<()> {
    let api_key = match (&a.api_key_file, std::env::var("DISTILNER_API_KEY").ok()) {
        (Some(p), _) => {
            let k = std::fs::read_to_string(p).map_err(|e| {
                anyhow::anyhow!("{}: cannot read the API key file: {e}", p.display())
            })?;
            Some(k.trim().to_string())
        }
        (None, k) => k.map(|k| k.trim().to_string()),
    };
    if api_key.as_deref() == Some("") {
        anyhow::bail!("the API key is empty; put a key in the file (or DISTILNER_API_KEY), or drop the option");
    }
    let fmt = tracing_subscriber::fmt().with_target(false);
    let _ = if a.log_format == "json" {
        fmt.json().try_init()
    } else {
        fmt.try_init()
    };
    let m = a.m.clone();
    let loads = std::sync::atomic::AtomicUsize::new(0);
    let slow_load = std::time::Duration::from_millis(a.slow_load_ms);
    serve(
        // Called twice: one copy of the model per lane (see `serve::server::Lane`).
        move || {
            let t0 = std::time::Instant::now();
            std::thread::sleep(slow_load);
            let l = m.load()?;
            let n = loads.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            eprintln!(
                "[serve] model copy {n} of 2 loaded in {:.1} s",
                t0.elapsed().as_secs_f64()
            );
            Ok((l.model, l.tokenizer))
        },
        ServeOptions {
            host: a.host,
            port: a.port,
            limits: Limits {
                max_body_bytes: a.max_body_bytes,
                max_text_chars: a.max_text_chars,
                max_batch: a.max_batch,
            },
            max_wait_ms: a.max_wait_ms,
            max_batch_texts: a.max_batch_texts,
            max_batch_tokens: a.max_batch_tokens,
            max_queued_tokens: a.max_queued_tokens,
            max_queue_wait: secs(a.max_queue_ms / 1e3, "--max-queue-ms")?,
            http_nice: a.http_nice,
            max_queued_requests: a.max_queued_requests,
            max_concurrent_requests: a.max_concurrent_requests,
            api_key,
            cors_origin: a.cors_origin,
            inject_faults: a.inject_faults,
            tag: a.m.tag_options(TagOptions {
                batch_size: a.max_batch_texts,
                ..TagOptions::default()
            })?,
            model_name: a.m.model,
            client_timeout: secs(a.client_timeout_s, "--client-timeout-s")?,
            drain_timeout: secs(a.drain_timeout_s, "--drain-timeout-s")?,
        },
    )
}

fn secs(v: f64, flag: &str) -> Result<std::time::Duration> {
    if !(v.is_finite() && v > 0.0 && v < 1e6) {
        anyhow::bail!("{flag} must be a positive, finite number (below 1e6 seconds)");
    }
    Ok(std::time::Duration::from_secs_f64(v))
}
