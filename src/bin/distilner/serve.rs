//! `distilner serve --model M [--host 127.0.0.1] [--port 8080]`
use anyhow::Result;
use distilner::infer::TagOptions;
use distilner::serve::request::Limits;
use distilner::serve::{serve, ServeOptions};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    m: crate::model_flags::ModelFlags,
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Gather concurrent requests for up to this many milliseconds into one batch.
    #[arg(long, default_value_t = 5)]
    max_wait_ms: u64,
    /// Most texts in one model batch.
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
}

pub fn run(a: Args) -> Result<()> {
    let l = a.m.load()?;
    serve(
        l.model,
        l.tokenizer,
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
            tag: TagOptions {
                batch_size: a.max_batch_texts,
                ..TagOptions::default()
            },
            model_name: a.m.model,
            client_timeout: secs(a.client_timeout_s, "--client-timeout-s")?,
            drain_timeout: secs(a.drain_timeout_s, "--drain-timeout-s")?,
        },
    )
}

fn secs(v: f64, flag: &str) -> Result<std::time::Duration> {
    if !(v.is_finite() && v > 0.0 && v < 1e6) {
        anyhow::bail!("{flag} must be a positive number of seconds");
    }
    Ok(std::time::Duration::from_secs_f64(v))
}
