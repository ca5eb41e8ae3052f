//! Wakes long-polling event readers when new events commit, and on shutdown.
//!
//! This is in-process: with several server processes on one PostgreSQL, a waiter on another
//! process notices new events only when its wait times out (clients then poll again). A
//! LISTEN/NOTIFY bridge can feed [`Feed::published`] later.

use tokio::sync::watch;

/// The latest committed event seq, and a shutdown flag.
pub struct Feed {
    seq: watch::Sender<i64>,
    shutdown: watch::Sender<bool>,
}

impl Feed {
    /// Starts at `seq`.
    pub fn new(seq: i64) -> Feed {
        Feed {
            seq: watch::Sender::new(seq),
            shutdown: watch::Sender::new(false),
        }
    }

    /// Announces that events up to `seq` are committed.
    pub fn published(&self, seq: i64) {
        self.seq.send_if_modified(|cur| {
            if seq > *cur {
                *cur = seq;
                true
            } else {
                false
            }
        });
    }

    /// The latest announced seq.
    pub fn latest(&self) -> i64 {
        *self.seq.borrow()
    }

    /// Wakes every waiter for good.
    pub fn shut_down(&self) {
        self.shutdown.send_replace(true);
    }

    /// Resolves once shutdown has started (at once if it already has): long requests such as the
    /// push stream save what they hold and end their answer, so a graceful stop does not wait for
    /// a slow client.
    pub async fn shutting_down(&self) {
        let mut down = self.shutdown.subscribe();
        let _ = down.wait_for(|d| *d).await;
    }

    /// Waits until an event after `after` is announced, shutdown starts, or `timeout` passes.
    pub async fn wait_after(&self, after: i64, timeout: std::time::Duration) {
        let mut seq = self.seq.subscribe();
        let mut down = self.shutdown.subscribe();
        if *down.borrow() {
            return;
        }
        let wait = async {
            tokio::select! {
                r = seq.wait_for(|s| *s > after) => { let _ = r; }
                r = down.wait_for(|d| *d) => { let _ = r; }
            }
        };
        let _ = tokio::time::timeout(timeout, wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn wakes_on_publish_and_shutdown() {
        let f = std::sync::Arc::new(Feed::new(3));
        let t0 = std::time::Instant::now();
        f.wait_after(2, Duration::from_secs(5)).await; // already newer
        assert!(t0.elapsed() < Duration::from_secs(1));
        let f2 = f.clone();
        let h = tokio::spawn(async move { f2.wait_after(3, Duration::from_secs(5)).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        f.published(4);
        tokio::time::timeout(Duration::from_secs(2), h)
            .await
            .unwrap()
            .unwrap();
        let f3 = f.clone();
        let h = tokio::spawn(async move { f3.wait_after(10, Duration::from_secs(5)).await });
        let f4 = f.clone();
        let down = tokio::spawn(async move { f4.shutting_down().await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            !down.is_finished(),
            "shutting_down resolved before shutdown"
        );
        f.shut_down();
        tokio::time::timeout(Duration::from_secs(2), down)
            .await
            .unwrap()
            .unwrap();
        // Once shut down, it resolves at once.
        tokio::time::timeout(Duration::from_millis(100), f.shutting_down())
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(2), h)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(f.latest(), 4);
    }
}
