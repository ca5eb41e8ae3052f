//! Passwords (argon2id), opaque tokens (only their SHA-256 is stored), the caller extractor and
//! login/registration rate limits.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use dvc_protocol::auth::Role;
use dvc_protocol::ErrorCode;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{Account, Token, TokenKind};
use crate::error::ApiError;
use crate::state::AppState;

/// Prefix of every token this server issues (helps secret scanners and support).
pub const TOKEN_PREFIX: &str = "dvc1_";

/// argon2id PHC string of `password` (OWASP parameters: 19 MiB, 2 passes). Runs on the blocking pool.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| internal(&e.to_string()))?
    .map_err(|e| internal(&e))
}

/// Checks `password` against a PHC string (constant-time in the hash). A missing account is
/// checked against a fixed dummy hash so the answer takes as long either way.
pub async fn verify_password(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = phc.is_some();
        let phc = match phc {
            Some(p) => p,
            None => dummy_hash().to_owned(),
        };
        let ok = PasswordHash::new(&phc)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && known
    })
    .await
    .unwrap_or(false)
}

/// argon2id of a random password nobody knows, made once per process.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut pw = [0u8; 16];
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut pw);
        rand::rng().fill_bytes(&mut salt);
        SaltString::encode_b64(&salt)
            .ok()
            .and_then(|s| {
                Argon2::default()
                    .hash_password(&pw, &s)
                    .ok()
                    .map(|h| h.to_string())
            })
            .unwrap_or_default()
    })
}

fn internal(msg: &str) -> ApiError {
    tracing::error!(error = msg, "password hashing failed");
    ApiError::new(ErrorCode::Internal, "internal error")
}

/// A new random secret (32 bytes, hex) with [`TOKEN_PREFIX`].
pub fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    format!("{TOKEN_PREFIX}{}", hex::encode(b))
}

/// SHA-256 hex of a secret — what the database stores.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The authenticated caller of an API route (bearer token).
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account.
    pub account: Account,
    /// The token used.
    pub token: Token,
}

impl Caller {
    /// `403.1` unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.account.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// Looks up a secret and checks the account may act.
pub async fn authenticate(
    state: &AppState,
    secret: &str,
    kind: TokenKind,
) -> Result<Caller, ApiError> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 128 {
        return Err(ApiError::unauthenticated());
    }
    let found = state
        .db
        .token_by_hash(&secret_hash(secret), state.clock.now_ms())
        .await?;
    let Some((token, account)) = found else {
        return Err(ApiError::unauthenticated());
    };
    if token.kind != kind {
        return Err(ApiError::unauthenticated());
    }
    if account.disabled {
        return Err(ApiError::new(
            ErrorCode::AccountDisabled,
            "this account is disabled",
        ));
    }
    Ok(Caller { account, token })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::unauthenticated)?;
        let secret = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(ApiError::unauthenticated)?
            .trim();
        authenticate(state, secret, TokenKind::Device).await
    }
}

/// The client's IP address (from the connection; the server does not trust forwarding headers).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Ok(ClientIp(ip))
    }
}

/// Fixed-window counters per key ("ip:…", "login:…"), in memory. One server process is one
/// limiter; behind several processes each limits on its own (documented).
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    /// Seconds to wait if `key` already has `max` hits in the window, else `None`.
    pub fn check(&self, key: &str, max: u32, window_ms: i64, now: i64) -> Option<u64> {
        let Ok(map) = self.windows.lock() else {
            return None;
        };
        match map.get(key) {
            Some(&(start, n)) if now - start < window_ms && n >= max => {
                Some(u64::try_from((start + window_ms - now).max(1000) / 1000).unwrap_or(1))
            }
            _ => None,
        }
    }

    /// Counts a hit for `key`.
    pub fn hit(&self, key: &str, window_ms: i64, now: i64) {
        let Ok(mut map) = self.windows.lock() else {
            return;
        };
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now - *start < window_ms);
        }
        let entry = map.entry(key.to_owned()).or_insert((now, 0));
        if now - entry.0 >= window_ms {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }

    /// Forgets `key` (after a successful login).
    pub fn clear(&self, key: &str) {
        if let Ok(mut map) = self.windows.lock() {
            map.remove(key);
        }
    }
}

/// `429.1` with the wait.
pub fn rate_limited(retry_after_s: u64) -> ApiError {
    let mut e = ApiError::new(
        ErrorCode::RateLimited,
        "too many attempts; wait and try again",
    );
    e.body.retry_after_s = Some(retry_after_s);
    e
}

/// Outcome of a password login, shared by the API and the console.
pub enum LoginOutcome {
    /// Logged in: the account.
    Ok(Account),
    /// Refused with this error.
    Refused(ApiError),
}

/// Checks rate limits and the password for `login` from `ip`.
pub async fn password_login(
    state: &AppState,
    login: &str,
    password: &str,
    ip: IpAddr,
) -> Result<LoginOutcome, ApiError> {
    let now = state.clock.now_ms();
    let cfg = &state.cfg;
    let ip_key = format!("ip:{ip}");
    let login_key = format!("login:{login}");
    let wait = state
        .limiter
        .check(
            &ip_key,
            cfg.login_attempts_per_ip,
            cfg.login_ip_window_ms,
            now,
        )
        .or_else(|| {
            state.limiter.check(
                &login_key,
                cfg.login_failures_per_login,
                cfg.login_failure_window_ms,
                now,
            )
        });
    if let Some(wait) = wait {
        crate::metrics::Metrics::inc(&state.metrics.rate_limited);
        tracing::warn!(%ip, "login rate-limited");
        return Ok(LoginOutcome::Refused(rate_limited(wait)));
    }
    state.limiter.hit(&ip_key, cfg.login_ip_window_ms, now);
    let account = state.db.account_by_login(login).await?;
    let ok = verify_password(
        password.to_owned(),
        account.as_ref().map(|a| a.password_hash.clone()),
    )
    .await;
    match account {
        Some(a) if ok => {
            if a.disabled {
                return Ok(LoginOutcome::Refused(ApiError::new(
                    ErrorCode::AccountDisabled,
                    "this account is disabled",
                )));
            }
            state.limiter.clear(&login_key);
            crate::metrics::Metrics::inc(&state.metrics.logins);
            tracing::info!(account_id = %a.id, role = a.role.as_str(), "login");
            Ok(LoginOutcome::Ok(a))
        }
        _ => {
            state
                .limiter
                .hit(&login_key, cfg.login_failure_window_ms, now);
            crate::metrics::Metrics::inc(&state.metrics.login_failures);
            tracing::info!(%ip, "login failed");
            Ok(LoginOutcome::Refused(ApiError::new(
                ErrorCode::InvalidCredentials,
                "login or password is wrong",
            )))
        }
    }
}

/// Issues a token for `account`; returns `(secret, token row)`.
pub async fn issue_token(
    state: &AppState,
    account: &Account,
    kind: TokenKind,
    device_name: Option<String>,
    csrf_hash: Option<String>,
) -> Result<(String, Token), ApiError> {
    let now = state.clock.now_ms();
    let ttl = match kind {
        TokenKind::Device => state.cfg.token_ttl_ms,
        TokenKind::Console => state.cfg.session_ttl_ms,
    };
    let secret = new_secret();
    let token = Token {
        id: uuid::Uuid::now_v7().to_string(),
        account_id: account.id.clone(),
        token_hash: secret_hash(&secret),
        kind,
        device_name,
        csrf_hash,
        created_at: now,
        expires_at: now + ttl,
    };
    state.db.insert_token(&token).await?;
    Ok((secret, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn password_round_trip() {
        let h = hash_password("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), Some(h.clone())).await);
        assert!(!verify_password("wrong horse".into(), Some(h)).await);
        assert!(!verify_password("anything".into(), None).await);
        assert!(!verify_password("x".into(), Some("not a phc".into())).await);
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret();
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        assert_ne!(a, new_secret());
        assert_eq!(secret_hash(&a).len(), 64);
    }

    #[test]
    fn limiter_windows() {
        let l = RateLimiter::default();
        for _ in 0..3 {
            assert_eq!(l.check("k", 3, 60_000, 0), None);
            l.hit("k", 60_000, 0);
        }
        assert_eq!(l.check("k", 3, 60_000, 1_000), Some(59));
        assert_eq!(l.check("k", 3, 60_000, 60_000), None);
        l.hit("k", 60_000, 60_000);
        assert_eq!(l.check("k", 3, 60_000, 60_001), None);
        l.clear("k");
    }
}
