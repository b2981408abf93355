//! Fault injection for tests (the CLI's hidden flags): each field names the global step at which a
//! run fails, so the tests can watch NaN stops, kills and hung ranks without waiting for real ones.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// Pretend the loss is NaN at this step.
    pub nan_at_step: Option<usize>,
    /// Exit the process (as if killed) after this step.
    pub exit_after_step: Option<usize>,
    /// Stop answering (sleep forever) after this step.
    pub hang_after_step: Option<usize>,
}

impl Faults {
    /// No faults: what every real run uses.
    pub const NONE: Faults = Faults {
        nan_at_step: None,
        exit_after_step: None,
        hang_after_step: None,
    };

    /// The loss to report for `step`: NaN at the injected step.
    pub(super) fn loss(&self, step: usize, loss: f64) -> f64 {
        if self.nan_at_step == Some(step) {
            f64::NAN
        } else {
            loss
        }
    }

    /// After `step`: exit as if killed, or stop answering, when asked to.
    pub(super) fn after_step(&self, step: usize, job: &str, rank: usize) {
        if self.exit_after_step == Some(step) {
            std::process::exit(137);
        }
        if self.hang_after_step == Some(step) {
            eprintln!("[{job}] rank {rank}: fault injection: no longer answering");
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
    }
}
