//! Limits and policies, set by `dvc-sync serve` flags or environment.

/// Server configuration (everything except where to listen and what to open).
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest blob, bytes.
    pub max_blob_bytes: u64,
    /// Storage per account (owned blobs plus open uploads), bytes.
    pub account_quota_bytes: u64,
    /// Largest JSON body, bytes.
    pub max_json_bytes: usize,
    /// Device token lifetime, ms.
    pub token_ttl_ms: i64,
    /// Console session lifetime, ms.
    pub session_ttl_ms: i64,
    /// Registration code lifetime, ms.
    pub otp_ttl_ms: i64,
    /// Wrong registration codes allowed.
    pub otp_max_attempts: i64,
    /// Failed logins per login before a pause.
    pub login_failures_per_login: u32,
    /// Window for [`Config::login_failures_per_login`], ms.
    pub login_failure_window_ms: i64,
    /// Login attempts per client IP per window.
    pub login_attempts_per_ip: u32,
    /// Window for [`Config::login_attempts_per_ip`], ms.
    pub login_ip_window_ms: i64,
    /// Registrations per client IP per window.
    pub registrations_per_ip: u32,
    /// Mark console cookies `Secure` (and use the `__Host-` prefix). Turn off only for plain-HTTP
    /// development on a non-localhost address.
    pub secure_cookies: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_blob_bytes: 10 * 1024 * 1024,
            account_quota_bytes: 512 * 1024 * 1024,
            max_json_bytes: 256 * 1024,
            token_ttl_ms: 180 * 24 * 3600 * 1000,
            session_ttl_ms: 10 * 3600 * 1000,
            otp_ttl_ms: 10 * 60 * 1000,
            otp_max_attempts: 5,
            login_failures_per_login: 5,
            login_failure_window_ms: 15 * 60 * 1000,
            login_attempts_per_ip: 30,
            login_ip_window_ms: 5 * 60 * 1000,
            registrations_per_ip: 10,
            secure_cookies: true,
        }
    }
}
