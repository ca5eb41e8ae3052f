//! The outbox worker: claims due status messages, sends each on its channel, and records the
//! outcome. A message is written in its event's transaction, so a crash between the commit and
//! the send loses nothing: the row waits, and the next worker (after a restart, or on another
//! server process) sends it. A claim moves the message's next attempt past a lease, so a worker
//! that dies mid-send leaves it to be claimed again once the lease ends; gateways get the
//! message's stable id as their idempotency key for that rare repeat.
//!
//! Temporary failures are retried with exponential backoff (doubling from `backoff_base_ms` up
//! to `backoff_max_ms`) until `max_attempts`; permanent ones (a refused recipient, no address,
//! no template) are given up at once. Both end in the admin's outbox list.

use std::time::Duration;

use dvc_protocol::auth::{Channel, Role};

use super::{Body, Message, Recipient, SendError};
use crate::db::{DbResult, OutboxJob};
use crate::state::AppState;

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct OutboxConfig {
    /// Pause between looks at the outbox, ms.
    pub poll_ms: u64,
    /// How long a claim holds a message, ms (longer than any sender's timeout).
    pub lease_ms: i64,
    /// Most messages claimed at once.
    pub batch: i64,
    /// Attempts before a message is given up.
    pub max_attempts: i64,
    /// First retry delay, ms.
    pub backoff_base_ms: i64,
    /// Longest retry delay, ms.
    pub backoff_max_ms: i64,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            poll_ms: 1000,
            lease_ms: 120_000,
            batch: 20,
            max_attempts: 10,
            backoff_base_ms: 30_000,
            backoff_max_ms: 3_600_000,
        }
    }
}

/// The wait before attempt `attempts + 1`.
pub fn backoff(cfg: &OutboxConfig, attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
    cfg.backoff_base_ms
        .saturating_mul(1_i64 << doublings)
        .min(cfg.backoff_max_ms)
}

/// Starts the worker; it stops once the server's state is dropped.
pub fn spawn(state: &AppState, cfg: OutboxConfig) -> tokio::task::JoinHandle<()> {
    let weak = state.downgrade();
    tokio::spawn(async move {
        loop {
            let Some(st) = AppState::upgrade(&weak) else {
                break;
            };
            let busy = match run_once(&st, &cfg).await {
                Ok(n) => n > 0,
                Err(err) => {
                    tracing::warn!(error = %err, "outbox: could not claim messages");
                    false
                }
            };
            drop(st);
            if !busy {
                tokio::time::sleep(Duration::from_millis(cfg.poll_ms)).await;
            }
        }
    })
}

/// Claims one batch of due messages and sends them (concurrently); how many were claimed.
pub async fn run_once(st: &AppState, cfg: &OutboxConfig) -> DbResult<usize> {
    let now = st.clock.now_ms();
    let jobs = st.db.claim_outbox(now, cfg.lease_ms, cfg.batch).await?;
    let n = jobs.len();
    let results =
        futures_util::future::join_all(jobs.into_iter().map(|job| deliver(st, cfg, job))).await;
    for r in results {
        if let Err(err) = r {
            tracing::warn!(error = %err, "outbox: could not record a delivery");
        }
    }
    Ok(n)
}

async fn deliver(st: &AppState, cfg: &OutboxConfig, job: OutboxJob) -> DbResult<()> {
    let outcome = attempt(st, &job).await?;
    let now = st.clock.now_ms();
    match outcome {
        Ok(()) => {
            st.db.outbox_sent(job.id, now).await?;
            tracing::info!(
                outbox_id = job.id,
                channel = job.channel.as_str(),
                "status message sent"
            );
        }
        Err(SendError::Transient(e)) if job.attempts < cfg.max_attempts => {
            let at = now.saturating_add(backoff(cfg, job.attempts));
            st.db.outbox_retry(job.id, at, &e).await?;
            tracing::warn!(outbox_id = job.id, attempts = job.attempts, error = %e, "status message will be retried");
        }
        Err(SendError::Transient(e) | SendError::Permanent(e)) => {
            st.db.outbox_failed(job.id, &e).await?;
            tracing::warn!(outbox_id = job.id, attempts = job.attempts, error = %e, "status message given up");
        }
    }
    Ok(())
}

/// One send; the outer error is the database's, the inner one the channel's.
async fn attempt(st: &AppState, job: &OutboxJob) -> DbResult<Result<(), SendError>> {
    let Some(sender) = st.notify.for_channel(job.channel) else {
        return Ok(Err(SendError::Permanent(
            "this server has no sender for the channel".into(),
        )));
    };
    let Some(contact) = st.db.contact(&job.account_id).await? else {
        return Ok(Err(SendError::Permanent("no such account".into())));
    };
    if contact.disabled {
        return Ok(Err(SendError::Permanent("the account is disabled".into())));
    }
    let phone = matches!(contact.role, Role::Citizen | Role::Volunteer).then_some(contact.login);
    let to = Recipient {
        phone,
        email: contact.email,
    };
    let missing = match job.channel {
        Channel::Email => to.email.is_none(),
        Channel::Sms | Channel::Zalo => to.phone.is_none(),
    };
    if missing {
        return Ok(Err(SendError::Permanent(
            "the account has no address for the channel".into(),
        )));
    }
    let msg = Message {
        id: format!("outbox-{}", job.id),
        body: Body::Status {
            dossier_code: job.dossier_code.clone(),
            state: job.state,
        },
    };
    Ok(sender.send(&to, &msg).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let cfg = OutboxConfig::default();
        assert_eq!(backoff(&cfg, 1), 30_000);
        assert_eq!(backoff(&cfg, 2), 60_000);
        assert_eq!(backoff(&cfg, 3), 120_000);
        assert_eq!(backoff(&cfg, 20), 3_600_000);
        assert_eq!(backoff(&cfg, 0), 30_000);
        assert_eq!(backoff(&cfg, i64::MAX), 3_600_000);
    }
}
