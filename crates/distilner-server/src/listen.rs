//! Listening: bind first, load the model behind the routes (503 meanwhile), then hyper's HTTP/1
//! connection loop until SIGTERM / Ctrl-C, with a bounded graceful drain.
use super::server::{router_loading, ServeOptions};
use super::threads::lower_priority;
use axum::Router;
use distilner::model::TokenClassifier;
use distilner::tokenize::NerTokenizer;
use std::time::Duration;

/// Bind, then load the model (answering 503 meanwhile; `load` is called once per lane) and serve
/// until SIGTERM / Ctrl-C.
pub fn serve(
    load: impl Fn() -> anyhow::Result<(TokenClassifier, NerTokenizer)> + Send + 'static,
    o: ServeOptions,
) -> anyhow::Result<()> {
    let nice = o.http_nice;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start(move || lower_priority(nice))
        .enable_all()
        .build()?;
    rt.block_on(async {
        let addr = format!("{}:{}", o.host, o.port);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
        eprintln!(
            "[serve] listening on http://{} (GET / for a demo page; POST /predict, GET /health, \
             GET /info, GET /metrics); loading the model",
            listener.local_addr()?
        );
        let (app, _worker, failed) = router_loading(load, &o);
        let failed = async move {
            match failed.await {
                Ok(msg) => msg,
                Err(_) => std::future::pending().await,
            }
        };
        match accept_loop(listener, app, o.client_timeout, o.drain_timeout, failed).await {
            Some(msg) => anyhow::bail!("{msg}"),
            None => Ok(()),
        }
    })
}

/// hyper's HTTP/1 connection loop with a header deadline (slowloris clients are dropped) and a
/// bounded graceful drain.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: Router,
    client_timeout: Duration,
    drain_timeout: Duration,
    fatal: impl std::future::Future<Output = String>,
) -> Option<String> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(client_timeout)
        .keep_alive(true);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown_signal());
    let mut fatal = std::pin::pin!(fatal);
    let mut failure = None;
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
            msg = &mut fatal => {
                failure = Some(msg);
                break;
            }
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
    failure
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
