//! Admission by work, decided at once: a budget of sub-tokens admitted and not yet answered
//! (`--max-queued-tokens`), and a predicted wait before a request's first step (`--max-queue-ms`).
//! The routes turn a `Refusal` into its 413 / 429.
use super::batcher::StepFit;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

pub struct Admission {
    /// Permits are sub-tokens.
    budget: Arc<Semaphore>,
    max_tokens: usize,
    max_wait: Duration,
    /// Sub-tokens per model step (how the wait is counted in steps).
    step_tokens: usize,
    /// Sub-token counts of the requests admitted and not answered: requests per size.
    pending: Arc<Mutex<BTreeMap<usize, usize>>>,
}

/// What an admitted request holds until its handler ends, however it ends.
pub struct Admitted {
    _tokens: OwnedSemaphorePermit,
    _pending: Pending,
}

impl Admission {
    pub fn new(max_tokens: usize, max_wait: Duration, step_tokens: usize) -> Self {
        Admission {
            budget: Arc::new(Semaphore::new(max_tokens)),
            max_tokens,
            max_wait,
            step_tokens,
            pending: Arc::default(),
        }
    }

    /// Sub-tokens admitted and not yet answered.
    pub fn queued_tokens(&self) -> usize {
        self.max_tokens - self.budget.available_permits()
    }

    /// The first check, on a lower bound of the request's sub-tokens before it is tokenized. The
    /// bound is reserved, so many large requests arriving together cannot all pass it and then all
    /// be tokenized in vain.
    pub fn reserve(
        &self,
        at_least: usize,
        speed: &StepFit,
    ) -> Result<OwnedSemaphorePermit, Refusal> {
        self.fits(at_least)?;
        let reserved = self.take(at_least)?;
        self.wait(at_least, &self.lock(), speed)?;
        Ok(reserved)
    }

    /// The exact count: the rest of its budget taken, the wait checked again and the request
    /// recorded as pending, under one lock.
    pub fn admit(
        &self,
        mut reserved: OwnedSemaphorePermit,
        tokens: usize,
        speed: &StepFit,
    ) -> Result<Admitted, Refusal> {
        self.fits(tokens)?;
        match tokens.saturating_sub(reserved.num_permits()) {
            0 => {}
            more => reserved.merge(self.take(more)?),
        }
        let mut pending = self.lock();
        self.wait(tokens, &pending, speed)?;
        *pending.entry(tokens).or_default() += 1;
        Ok(Admitted {
            _tokens: reserved,
            _pending: Pending(self.pending.clone(), tokens),
        })
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<usize, usize>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// 413 for a request larger than the whole budget.
    fn fits(&self, tokens: usize) -> Result<(), Refusal> {
        if tokens <= self.max_tokens {
            return Ok(());
        }
        Err(Refusal {
            status: 413,
            message: format!(
                "the request has {tokens} sub-tokens or more; this server takes at most {} at once \
                 (--max-queued-tokens)",
                self.max_tokens
            ),
        })
    }

    fn take(&self, n: usize) -> Result<OwnedSemaphorePermit, Refusal> {
        u32::try_from(n)
            .ok()
            .and_then(|n| self.budget.clone().try_acquire_many_owned(n).ok())
            .ok_or_else(|| Refusal {
                status: 429,
                message: "the server has too much work queued; retry shortly".into(),
            })
    }

    /// 429 when the predicted wait before this request's first step is longer than the limit. The
    /// model runs the least work first, so that wait is the step in progress plus the admitted work
    /// no larger than this request, timed by the step fit.
    fn wait(
        &self,
        tokens: usize,
        pending: &BTreeMap<usize, usize>,
        speed: &StepFit,
    ) -> Result<(), Refusal> {
        let ahead: usize = pending.range(..=tokens).map(|(t, n)| t * n).sum();
        // Nothing ahead: its first step starts at once (or with the one starting).
        let wait = (ahead > 0)
            .then(|| speed.wait(ahead, self.step_tokens))
            .flatten();
        match wait {
            Some(w) if w > self.max_wait.as_secs_f64() => Err(Refusal {
                status: 429,
                message: format!(
                    "the model is busy (about {:.0} ms of work ahead of this request); retry shortly",
                    w * 1e3
                ),
            }),
            _ => Ok(()),
        }
    }
}

/// A request's place in `Admission::pending`.
struct Pending(Arc<Mutex<BTreeMap<usize, usize>>>, usize);

impl Drop for Pending {
    fn drop(&mut self) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_by_size_budget_and_predicted_wait() {
        let adm = Admission::new(1000, Duration::from_millis(20), 100);
        // Steps cost 1 ms + 0.1 ms per sub-token; the latest took 6 ms.
        let mut fit = StepFit::default();
        for k in [10, 100, 50] {
            fit.observe(k, 0.001 + 1e-4 * k as f64);
        }
        let admit = |n: usize| -> Result<Admitted, Refusal> {
            let r = adm.reserve(n, &fit)?;
            adm.admit(r, n, &fit)
        };
        assert_eq!(admit(1001).err().unwrap().status, 413);
        let first = admit(100).unwrap(); // nothing ahead
        let second = admit(100).unwrap(); // 6 + 1 + 10 = 17 ms ahead
        let third = admit(100).err().unwrap(); // 6 + 2 + 20 = 28 ms ahead
        assert_eq!(third.status, 429);
        assert!(third.message.contains("28 ms"), "{}", third.message);
        // A smaller request waits only for smaller work: none is pending.
        let small = admit(10).unwrap();
        assert_eq!(adm.queued_tokens(), 210);
        // The budget: 790 left.
        assert_eq!(admit(800).err().unwrap().status, 429);
        drop((first, second, small));
        assert_eq!(adm.queued_tokens(), 0);
        assert!(admit(100).is_ok());
    }
}
