//! Wakes long-polling event readers when new events commit, and on shutdown.
//!
//! A handler that commits events announces them here at once ([`Feed::published`]). With several
//! server processes on one PostgreSQL, every transaction that appends events also sends
//! `NOTIFY dvc_events` (see [`crate::db::postgres::EVENTS_CHANNEL`]), and each process runs one
//! [`listen`] task that feeds what it hears into its own `Feed`: a long-poll on one replica wakes
//! for an event written through another. SQLite is one process: the in-process path is complete.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::watch;

use crate::db::{Db, Listened};
use crate::domain::Scope;

/// How many recent announcements [`Feed`] remembers with their readers (older seqs count as not
/// announced: a waiter that far behind looks).
const RECENT: usize = 4096;

/// The latest committed event seq, who recent events were for, and a shutdown flag.
pub struct Feed {
    seq: watch::Sender<i64>,
    /// Recent announcements in the order they were made: `(seq, scope keys)`, `None` for an
    /// event whose readers are not known here (heard from another process: anyone may care).
    recent: std::sync::Mutex<VecDeque<(i64, Option<Vec<String>>)>>,
    shutdown: watch::Sender<bool>,
}

impl Feed {
    /// Starts at `seq`.
    pub fn new(seq: i64) -> Feed {
        Feed {
            seq: watch::Sender::new(seq),
            recent: std::sync::Mutex::new(VecDeque::with_capacity(RECENT)),
            shutdown: watch::Sender::new(false),
        }
    }

    /// Announces that events up to `seq` are committed, for readers not known here: wakes every
    /// waiter whose cursor is older.
    pub fn published(&self, seq: i64) {
        self.announce(seq, None);
    }

    /// Announces a committed event read by the scopes with these keys ([`Scope::key`]): wakes
    /// only the waiters of those scopes ([`Feed::wait_for`]) — and every [`Feed::wait_after`].
    pub fn published_for(&self, seq: i64, keys: Vec<String>) {
        self.announce(seq, Some(keys));
    }

    fn announce(&self, seq: i64, keys: Option<Vec<String>>) {
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() == RECENT {
                recent.pop_front();
            }
            recent.push_back((seq, keys));
        }
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

impl Feed {
    /// Waits until an event after `after` that `scope` reads is announced (or one whose readers
    /// are unknown), shutdown starts, or `timeout` passes. An event for other scopes does not
    /// end the wait: a phone's long-poll is not woken — and does not query again — for every
    /// dossier of the whole service.
    pub async fn wait_for(&self, scope: &Scope, after: i64, timeout: Duration) {
        let Some(key) = scope.key() else {
            // Reads no events: nothing will concern it.
            let _ = tokio::time::timeout(timeout, self.shutting_down()).await;
            return;
        };
        let deadline = tokio::time::Instant::now() + timeout;
        let mut seen = after;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            self.wait_after(seen, left).await;
            let latest = self.latest();
            if latest <= seen || *self.shutdown.borrow() || self.concerns(&key, seen, latest) {
                return;
            }
            seen = latest;
        }
    }

    /// Whether the events after `from` up to `to` may include one for `key`: yes if an
    /// announcement names it or does not say — and also if any seq of the window has not been
    /// announced here (yet): two commits can be announced in the other order, an event may come
    /// from elsewhere, or a rollback left a gap; the waiter then looks (one query) rather than
    /// risk sleeping through its own event.
    fn concerns(&self, key: &str, from: i64, to: i64) -> bool {
        let Ok(recent) = self.recent.lock() else {
            return true;
        };
        let mut announced = std::collections::HashSet::new();
        // Newest first, and only as far back as the window (announcements come nearly in seq
        // order; one that strayed further counts as not announced, which only wakes the waiter).
        let window = recent
            .iter()
            .rev()
            .take_while(|(seq, _)| *seq > from.saturating_sub(64))
            .filter(|(seq, _)| *seq > from && *seq <= to);
        for (seq, keys) in window {
            if keys.as_ref().is_none_or(|k| k.iter().any(|k| k == key)) {
                return true;
            }
            announced.insert(*seq);
        }
        i64::try_from(announced.len()).map_or(true, |n| n < to - from)
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
    async fn a_scope_waits_only_for_its_own_events() {
        let f = Feed::new(10);
        let me = Scope::Party("acc-1".into());
        let mine = || vec![me.key().unwrap(), "a:X".to_owned()];
        let theirs = || vec!["p:acc-2".to_owned(), "a:X".to_owned()];
        let waiter = f.wait_for(&me, 10, Duration::from_secs(30));
        tokio::pin!(waiter);
        assert!(!ready(&mut waiter));
        // Someone else's dossier: not woken, however many.
        for seq in 11..20 {
            f.published_for(seq, theirs());
            assert!(
                !ready(&mut waiter),
                "woken by another account's event {seq}"
            );
        }
        f.published_for(20, mine());
        assert!(ready(&mut waiter), "not woken by its own event");

        // The agency reads both.
        let agency = Scope::Agency("X".into());
        let officer = f.wait_for(&agency, 20, Duration::from_secs(30));
        tokio::pin!(officer);
        assert!(!ready(&mut officer));
        f.published_for(21, theirs());
        assert!(
            ready(&mut officer),
            "the agency not woken by its dossier's event"
        );

        // An event heard from another process (readers unknown) wakes everyone.
        let waiter = f.wait_for(&me, 21, Duration::from_secs(30));
        tokio::pin!(waiter);
        assert!(!ready(&mut waiter));
        f.published(22);
        assert!(
            ready(&mut waiter),
            "not woken by an event of unknown readers"
        );

        // Announced out of order: a foreign event announced before an own one with a lower seq
        // leaves a gap, and a gap wakes (the own event is committed, only not announced yet).
        let waiter = f.wait_for(&me, 22, Duration::from_secs(30));
        tokio::pin!(waiter);
        f.published_for(24, theirs());
        assert!(
            ready(&mut waiter),
            "slept through seq 23, not announced yet"
        );
        f.published_for(23, mine());
        // Once every seq of the window is announced and none is its own, it sleeps on.
        let waiter = f.wait_for(&me, 24, Duration::from_secs(30));
        tokio::pin!(waiter);
        f.published_for(25, theirs());
        f.published_for(26, theirs());
        assert!(!ready(&mut waiter));
        f.published_for(27, mine());
        assert!(ready(&mut waiter));

        // A scope that reads nothing waits for shutdown only.
        let nothing = f.wait_for(&Scope::Nothing, 0, Duration::from_secs(30));
        tokio::pin!(nothing);
        assert!(!ready(&mut nothing));
        f.published(30);
        assert!(!ready(&mut nothing));
        f.shut_down();
        assert!(ready(&mut nothing));
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
