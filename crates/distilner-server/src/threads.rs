//! Where CPU work runs besides the model workers: tokio's blocking pool for ordinary requests, one
//! lowest-priority thread for large ones, and thread priorities (Linux nice values).
use std::sync::{mpsc, Arc};

pub type BulkJob = Box<dyn FnOnce() + Send>;

/// Under a flood, threads that read, refuse and tokenize must not starve the model's: they run at
/// a lower scheduling priority (a nice value; 0 leaves the thread as it is).
pub fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    if nice > 0 {
        // SAFETY: plain syscalls on this thread's own id.
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, nice);
        }
    }
}

/// A thread for large tokenizations, below every other thread's priority.
pub fn bulk_thread() -> mpsc::Sender<BulkJob> {
    let (tx, rx) = mpsc::channel::<BulkJob>();
    std::thread::spawn(move || {
        lower_priority(19);
        while let Ok(job) = rx.recv() {
            job();
        }
    });
    tx
}

/// `blocking`, on the bulk thread.
pub async fn on_bulk_thread<M: Send + Sync + 'static, T: Send + 'static>(
    bulk: &mpsc::Sender<BulkJob>,
    m: &Arc<M>,
    f: impl FnOnce(&M) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let m = m.clone();
    let job = Box::new(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&m)));
        let _ = tx.send(match r {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err("a panic while tokenizing".to_string()),
        });
    });
    let stopped = || "the bulk tokenizer thread stopped".to_string();
    bulk.send(job).map_err(|_| stopped())?;
    rx.await.map_err(|_| stopped())?
}

/// Run CPU work on tokio's blocking pool; a panic in it becomes an error.
pub async fn blocking<M: Send + Sync + 'static, T: Send + 'static>(
    m: &Arc<M>,
    f: impl FnOnce(&M) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, String> {
    let m = m.clone();
    match tokio::task::spawn_blocking(move || f(&m)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}
