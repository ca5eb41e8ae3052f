//! Passwords (argon2id), opaque tokens (only their SHA-256 is stored), the caller extractor, the
//! client address, and the password login shared by the API and the console.
//!
//! argon2id takes 19 MiB and tens of milliseconds per check, so checks and hashes wait for one of
//! a fixed number of permits (the CPU count): a burst of logins queues instead of exhausting
//! memory. A login counts against its budgets *before* the argon2 check, so concurrent wrong
//! passwords cannot outrun the limit; an unknown login is checked against a dummy hash made at
//! start-up, and a disabled account gets the wrong-password answer, so neither is told apart.

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use dvc_protocol::auth::Role;
use dvc_protocol::ErrorCode;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::db::{Account, Token, TokenKind};
use crate::error::ApiError;
use crate::limits::{self, Budget};
use crate::state::AppState;

/// Prefix of every token this server issues (helps secret scanners and support).
pub const TOKEN_PREFIX: &str = "dvc1_";

/// Permits for argon2 work: one per CPU.
fn argon_permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        Semaphore::new(cpus)
    })
}

/// Runs argon2 work on the blocking pool once a permit is free.
async fn with_argon<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _permit = argon_permits().acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}

/// argon2id PHC string of `password` (OWASP parameters: 19 MiB, 2 passes).
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    with_argon(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .ok_or_else(|| internal("the hashing task stopped"))?
    .map_err(|e| internal(&e))
}

/// Checks `password` against a PHC string (constant-time in the hash). A missing account is
/// checked against a fixed dummy hash so the answer takes as long either way.
pub async fn verify_password(password: String, phc: Option<String>) -> bool {
    with_argon(move || {
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

/// argon2id of a random password nobody knows, made once per process ([`warm_up`] makes it at
/// start-up, so the first unknown login takes no longer than the others).
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
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

/// Makes the dummy hash in the background (call once at start-up, inside the runtime).
pub fn warm_up() {
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn_blocking(|| {
            let _ = dummy_hash();
        });
    }
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

/// Looks up a secret and checks the account may act: `401.1` unknown or expired, `401.3` a revoked
/// device token (a revoked console session is `401.1`: the console just asks to sign in), `403.4`
/// disabled. Records the token's use every few minutes.
pub async fn authenticate(
    state: &AppState,
    secret: &str,
    kind: TokenKind,
) -> Result<Caller, ApiError> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 128 {
        return Err(ApiError::unauthenticated());
    }
    let now = state.clock.now_ms();
    let found = state.db.find_token(&secret_hash(secret), now).await?;
    let Some((token, account)) = found else {
        return Err(ApiError::unauthenticated());
    };
    if token.kind != kind {
        return Err(ApiError::unauthenticated());
    }
    if token.revoked_at.is_some() && kind == TokenKind::Console {
        return Err(ApiError::unauthenticated());
    }
    if token.revoked_at.is_some() {
        return Err(ApiError::new(
            ErrorCode::TokenRevoked,
            "this device was signed out; sign in again",
        ));
    }
    if account.disabled {
        return Err(ApiError::new(
            ErrorCode::AccountDisabled,
            "this account is disabled",
        ));
    }
    let seen = token.last_seen_at.unwrap_or(token.created_at);
    if now - seen >= state.cfg.auth.token_seen_every_ms {
        let (db, id) = (state.db.clone(), token.id.clone());
        tokio::spawn(async move {
            if let Err(err) = db.touch_token(&id, now).await {
                tracing::warn!(token_id = %id, error = %err, "could not record token use");
            }
        });
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

/// The client's address: the socket's peer, or what a trusted proxy says
/// ([`crate::client_ip::client_ip`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The rate-limit bucket (IPv6 by /64).
    pub fn bucket(self) -> String {
        crate::client_ip::bucket(self.0)
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Ok(ClientIp(crate::client_ip::client_ip(
            peer,
            &parts.headers,
            &state.cfg.auth.trusted_proxies,
        )))
    }
}

/// The budget key of a login's attempts.
pub fn login_key(login: &str) -> String {
    limits::key("login", login)
}

/// Outcome of a password login, shared by the API and the console.
pub enum LoginOutcome {
    /// Logged in: the account.
    Ok(Account),
    /// Refused with this error.
    Refused(ApiError),
}

/// Checks the budgets, then the password, for `login` from `ip`. The budgets count first (the
/// server's and the address's, then the login's, so an address over its budget cannot lock a
/// login out); only then does argon2 run. Unknown logins, wrong passwords and disabled accounts
/// get the same `401.2`; a success clears the login's count.
pub async fn password_login(
    state: &AppState,
    login: &str,
    password: &str,
    ip: IpAddr,
) -> Result<LoginOutcome, ApiError> {
    let cfg = &state.cfg.auth;
    let bucket = crate::client_ip::bucket(ip);
    let first: [(Budget, String); 2] = [
        (cfg.login_global, limits::key("login-all", "")),
        (cfg.login_per_ip, limits::key("login-ip", &bucket)),
    ];
    let login_key = login_key(login);
    let spent = match limits::spend(state, &first).await {
        Ok(()) => limits::spend(state, &[(cfg.login_per_login, login_key.clone())]).await,
        Err(e) => Err(e),
    };
    if let Err(e) = spent {
        if e.code() == ErrorCode::RateLimited {
            tracing::warn!(ip = %bucket, "login rate-limited");
            return Ok(LoginOutcome::Refused(e));
        }
        return Err(e);
    }
    let account = state.db.account_by_login(login).await?;
    let ok = verify_password(
        password.to_owned(),
        account.as_ref().map(|a| a.password_hash.clone()),
    )
    .await;
    match account {
        Some(a) if ok && !a.disabled => {
            state.db.clear_rate_limit(&login_key).await?;
            crate::metrics::Metrics::inc(&state.metrics.logins);
            tracing::info!(account_id = %a.id, role = a.role.as_str(), "login");
            Ok(LoginOutcome::Ok(a))
        }
        _ => {
            crate::metrics::Metrics::inc(&state.metrics.login_failures);
            tracing::info!(ip = %bucket, "login failed");
            Ok(LoginOutcome::Refused(invalid_credentials()))
        }
    }
}

/// `401.2`, the one answer for any failed login.
pub fn invalid_credentials() -> ApiError {
    ApiError::new(ErrorCode::InvalidCredentials, "login or password is wrong")
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
        last_seen_at: None,
        revoked_at: None,
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
}
