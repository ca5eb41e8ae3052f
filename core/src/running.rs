//! "One at a time" for background work such as the sync pass: a flag that is set while the work
//! runs and cleared when its guard is dropped — also when the work panics, so a crashed pass never
//! blocks every later one.

use std::sync::atomic::{AtomicBool, Ordering};

/// The flag; usually a `static`.
#[derive(Debug, Default)]
pub struct RunFlag(AtomicBool);

/// Proof that the work runs; dropping it clears the flag.
#[derive(Debug)]
#[must_use = "the flag is cleared as soon as the guard is dropped"]
pub struct RunGuard<'a>(&'a AtomicBool);

impl RunFlag {
    pub const fn new() -> Self {
        Self(AtomicBool::new(false))
    }

    /// Sets the flag unless it is set; the guard clears it.
    pub fn try_start(&self) -> Option<RunGuard<'_>> {
        self.0
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .ok()
            .map(|_| RunGuard(&self.0))
    }

    pub fn is_running(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static FLAG: RunFlag = RunFlag::new();

    #[test]
    fn one_at_a_time_and_cleared_when_done() {
        let flag = RunFlag::new();
        let guard = flag.try_start().unwrap();
        assert!(flag.is_running());
        assert!(flag.try_start().is_none(), "a second start while running");
        drop(guard);
        assert!(!flag.is_running());
        assert!(flag.try_start().is_some());
    }

    #[test]
    fn a_pass_that_panics_under_catch_unwind_clears_the_flag() {
        let flag = RunFlag::new();
        let r = std::panic::catch_unwind(|| {
            let _guard = flag.try_start().expect("idle");
            assert!(flag.is_running());
            panic!("a bug in the pass");
        });
        assert!(r.is_err(), "the pass panicked");
        assert!(!flag.is_running(), "the flag is cleared on unwind");
        assert!(flag.try_start().is_some(), "the next pass can start");
    }

    #[test]
    fn a_panicking_pass_clears_the_flag() {
        // As the app runs a pass: the guard moves into a spawned task, which panics.
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let guard = FLAG.try_start().unwrap();
        let joined = rt.block_on(async move {
            tokio::spawn(async move {
                let _guard = guard;
                panic!("a bug in the pass");
            })
            .await
        });
        assert!(joined.unwrap_err().is_panic());
        assert!(!FLAG.is_running(), "the next pass can start");
        let _again = FLAG.try_start().expect("not stuck");
        // And on a plain thread.
        let flag: &'static RunFlag = Box::leak(Box::new(RunFlag::new()));
        let r = std::thread::spawn(move || {
            let _g = flag.try_start().unwrap();
            panic!("boom");
        })
        .join();
        assert!(r.is_err());
        assert!(!flag.is_running());
    }
}
