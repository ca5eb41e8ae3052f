//! Wakes long-polling event readers when new events commit, and on shutdown.
//!
//! A handler that commits events announces them here at once ([`Feed::published`]). With several
//! server processes on one PostgreSQL, every transaction that appends events also sends
//! `NOTIFY dvc_events` (see [`crate::db::postgres::EVENTS_CHANNEL`]), and each process runs one
//! [`listen`] task that feeds what it hears into its own `Feed`: a long-poll on one replica wakes
//! for an event written through another. SQLite is one process: the in-process path is complete.

use std::time::Duration;

use tokio::sync::watch;

use crate::db::{Db, Listened};

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

/// First pause before listening again after the listener's connection failed.
const RETRY_FIRST: Duration = Duration::from_millis(500);
/// Longest pause between attempts.
const RETRY_MAX: Duration = Duration::from_secs(30);

/// Feeds `feed` with the event commits of every process on `db` until `stop` turns true:
/// listens, and after a failure listens again with a doubling pause (the listener re-reads the
/// highest seq each time it starts, so commits made while it was away still wake waiters).
/// Returns at once on a backend with one process (SQLite).
pub async fn listen(
    db: Db,
    feed: impl std::ops::Deref<Target = Feed> + Send + Sync,
    mut stop: watch::Receiver<bool>,
) {
    let mut pause = RETRY_FIRST;
    loop {
        if *stop.borrow() {
            return;
        }
        let seen = |seq: i64| feed.published(seq);
        let ended = tokio::select! {
            r = db.listen_events(&seen) => r,
            _ = stop.wait_for(|s| *s) => return,
        };
        match ended {
            Ok(Listened::Unsupported) => return,
            Ok(Listened::Ended) => {
                tracing::warn!("event listener: connection closed; listening again");
            }
            Err(err) => {
                tracing::warn!(error = %err, retry_in_ms = pause.as_millis() as u64, "event listener failed; listening again");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        pause = (pause * 2).min(RETRY_MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    /// Polls `fut` once, without waiting: the tests assert the order of events, not durations.
    fn ready<F: Future>(fut: &mut std::pin::Pin<&mut F>) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        matches!(fut.as_mut().poll(&mut cx), Poll::Ready(_))
    }

    #[tokio::test]
    async fn wakes_on_publish_and_shutdown() {
        let f = Feed::new(3);
        // Already newer: resolves on the first poll, long before its 5 s wait.
        let already = f.wait_after(2, Duration::from_secs(5));
        tokio::pin!(already);
        assert!(ready(&mut already), "an older cursor must not wait");

        // Waits while nothing newer is announced; a re-announce of the same seq does not wake it.
        let waiter = f.wait_after(3, Duration::from_secs(5));
        tokio::pin!(waiter);
        assert!(!ready(&mut waiter), "woke before anything was published");
        f.published(3);
        f.published(2);
        assert!(!ready(&mut waiter), "woke on an old seq");
        f.published(4);
        assert!(ready(&mut waiter), "not woken by a newer seq");

        // Shutdown wakes both shutting_down() and a pending wait.
        let waiter = f.wait_after(10, Duration::from_secs(5));
        tokio::pin!(waiter);
        let down = f.shutting_down();
        tokio::pin!(down);
        assert!(!ready(&mut waiter));
        assert!(!ready(&mut down), "shutting_down resolved before shutdown");
        f.shut_down();
        assert!(ready(&mut down), "shutting_down not woken by shutdown");
        assert!(ready(&mut waiter), "wait not woken by shutdown");
        // Once shut down, both resolve at once.
        let again = f.shutting_down();
        tokio::pin!(again);
        assert!(ready(&mut again));
        let late = f.wait_after(10, Duration::from_secs(5));
        tokio::pin!(late);
        assert!(ready(&mut late));
        assert_eq!(f.latest(), 4);
    }
}
