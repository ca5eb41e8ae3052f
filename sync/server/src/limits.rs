//! Budgets for the account routes (login, codes, password checks), counted in the database so
//! every server process on it shares them, and the account policy numbers.
//!
//! A budget is a fixed window: the first hit starts it, every hit — allowed or not — counts with
//! one atomic upsert, and a hit past `max` is refused until the window ends. Counting happens
//! *before* the work it guards (an argon2 check, a code comparison, a message), so concurrent
//! requests cannot slip past the limit. Keys are SHA-256 of what they count (a phone number, an
//! address bucket, an account id), never the value in clear.

use dvc_protocol::ErrorCode;
use ipnet::IpNet;
use sha2::{Digest, Sha256};

use crate::db::RateHit;
use crate::error::ApiError;
use crate::state::AppState;

/// At most `max` hits per `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Hits allowed in one window.
    pub max: u32,
    /// Window length, ms.
    pub window_ms: i64,
}

impl Budget {
    /// `max` per `minutes`.
    pub const fn per_minutes(max: u32, minutes: i64) -> Budget {
        Budget {
            max,
            window_ms: minutes * 60_000,
        }
    }
}

/// Account policy: budgets, code lifetimes, trusted proxies.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` name the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Login attempts per login (counted first, cleared by a success).
    pub login_per_login: Budget,
    /// Login attempts per client address bucket.
    pub login_per_ip: Budget,
    /// Login attempts for the whole server (bounds the argon2 work an attack can cause).
    pub login_global: Budget,
    /// Codes (registration, resend, reset) sent per phone number.
    pub otp_send_per_phone: Budget,
    /// Codes asked for per client address bucket.
    pub otp_send_per_ip: Budget,
    /// Codes sent by the whole server (bounds what a flood costs in SMS).
    pub otp_send_global: Budget,
    /// Code checks per client address bucket (on top of the per-code attempt limit).
    pub otp_check_per_ip: Budget,
    /// Current-password checks per account (password change).
    pub password_check_per_account: Budget,
    /// Dossier lookups ("Tra cứu hồ sơ") per client address bucket.
    pub lookup_per_ip: Budget,
    /// Dossier lookups per dossier code, from anywhere (bounds guessing one code's factor).
    pub lookup_per_code: Budget,
    /// Wrong codes before a code is dead.
    pub otp_max_attempts: i64,
    /// Code lifetime, ms.
    pub otp_ttl_ms: i64,
    /// Wait before a new code may be sent, ms.
    pub otp_resend_after_ms: i64,
    /// A token's last-seen time is written at most this often, ms.
    pub token_seen_every_ms: i64,
    /// Self-registration and password reset by code are on (a message sender is configured).
    pub self_service: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            trusted_proxies: Vec::new(),
            login_per_login: Budget::per_minutes(5, 15),
            login_per_ip: Budget::per_minutes(30, 5),
            login_global: Budget::per_minutes(1200, 1),
            otp_send_per_phone: Budget::per_minutes(5, 60),
            otp_send_per_ip: Budget::per_minutes(20, 60),
            otp_send_global: Budget::per_minutes(600, 60),
            otp_check_per_ip: Budget::per_minutes(30, 15),
            password_check_per_account: Budget::per_minutes(5, 15),
            lookup_per_ip: Budget::per_minutes(20, 15),
            lookup_per_code: Budget::per_minutes(10, 15),
            otp_max_attempts: 5,
            otp_ttl_ms: 10 * 60_000,
            otp_resend_after_ms: 60_000,
            token_seen_every_ms: 5 * 60_000,
            self_service: true,
        }
    }
}

/// The database key of a counter: what it counts (`kind`) and for whom (`value`), hashed.
pub fn key(kind: &str, value: &str) -> String {
    let digest = Sha256::digest(format!("dvc-rate:{kind}:{value}").as_bytes());
    hex::encode(&digest[..20])
}

/// Counts one hit on each `(budget, key)` in one transaction; `429.1` (with the longest wait) if
/// any budget is exceeded. Every hit counts, refused or not.
pub async fn spend(st: &AppState, hits: &[(Budget, String)]) -> Result<(), ApiError> {
    let now = st.clock.now_ms();
    let rows: Vec<RateHit> = hits
        .iter()
        .map(|(b, key)| RateHit {
            key: key.clone(),
            window_ms: b.window_ms,
        })
        .collect();
    let counts = st.db.hit_rate_limits(&rows, now).await?;
    let wait_ms = hits
        .iter()
        .zip(&counts)
        .filter(|((b, _), c)| c.hits > i64::from(b.max))
        .map(|(_, c)| c.expires_at - now)
        .max();
    match wait_ms {
        None => Ok(()),
        Some(ms) => {
            crate::metrics::Metrics::inc(&st.metrics.rate_limited);
            Err(rate_limited(ms))
        }
    }
}

/// `429.1` asking to wait `wait_ms` (rounded up to whole seconds, at least one).
pub fn rate_limited(wait_ms: i64) -> ApiError {
    let mut e = ApiError::new(
        ErrorCode::RateLimited,
        "too many attempts; wait and try again",
    );
    let secs = u64::try_from(wait_ms.max(1).saturating_add(999) / 1000).unwrap_or(1);
    e.body.retry_after_s = Some(secs.max(1));
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hide_what_they_count_and_differ_by_kind() {
        let k = key("login", "0912345678");
        assert_eq!(k.len(), 40);
        assert!(!k.contains("0912345678"));
        assert_ne!(k, key("otp-phone", "0912345678"));
        assert_eq!(k, key("login", "0912345678"));
    }

    #[test]
    fn waits_round_up_to_seconds() {
        assert_eq!(rate_limited(1).body.retry_after_s, Some(1));
        assert_eq!(rate_limited(1000).body.retry_after_s, Some(1));
        assert_eq!(rate_limited(1001).body.retry_after_s, Some(2));
        assert_eq!(rate_limited(-5).body.retry_after_s, Some(1));
    }
}
