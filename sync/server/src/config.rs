//! Limits and policies, set by `dvc-sync serve` flags or environment.

use std::time::Duration;

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
    /// Accounts: budgets, one-time codes, trusted proxies.
    pub auth: crate::limits::AuthConfig,
    /// Mark console cookies `Secure` (and use the `__Host-` prefix). Turn off only for plain-HTTP
    /// development on a non-localhost address.
    pub secure_cookies: bool,
    /// Connection limits and timeouts.
    pub http: HttpLimits,
    /// Bearer token that `/metrics` asks for; without one, `/metrics` is not served.
    pub metrics_token: Option<MetricsToken>,
    /// What the periodic clean-up removes, and when.
    pub retention: Retention,
    /// The address phones use to reach this server (`https://…`, or `http://` to this machine),
    /// for the console's "Mã QR máy chủ". Without it the page uses the address the officer's
    /// browser used, which is wrong behind a proxy that rewrites `Host`.
    pub public_url: Option<String>,
}

/// Whether `host` (`name[:port]`, IPv6 in brackets) is this machine: `localhost` or a loopback
/// address. Plain http is fine only there.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((h, port)) if !h.ends_with(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback())
}

/// Checks a `--public-url`: what the app's server-QR parser accepts, https unless the host is
/// this machine (the app refuses plain http elsewhere). Returns it normalised (no trailing `/`).
pub fn check_public_url(url: &str) -> Result<String, String> {
    let parsed = dvc_protocol::server_qr::parse(&dvc_protocol::server_qr::encode(url.trim()))
        .map_err(|e| format!("--public-url: {e:?}"))?;
    if parsed.starts_with("https://") {
        return Ok(parsed);
    }
    let host = parsed
        .strip_prefix("http://")
        .map(|h| h.split('/').next().unwrap_or(""))
        .unwrap_or("");
    if is_loopback_host(host) {
        Ok(parsed)
    } else {
        Err(format!(
            "--public-url must be https:// (plain http only for this machine): {parsed}"
        ))
    }
}

/// Timeouts and the connection limit: a client that stalls never holds a connection (or an upload
/// lock) for longer than these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// From the first byte a connection may send (or the end of its previous answer, on a kept-alive
    /// connection) to the end of the request's headers. Also how long an idle connection stays open.
    pub header_read_timeout: Duration,
    /// Longest pause between two pieces of a request body.
    pub body_idle_timeout: Duration,
    /// Longest time for answering one request, body included. The event long-poll is exempt (its
    /// wait is bounded by the protocol), and so is a push's streamed body after its head (bounded
    /// by [`crate::api::push::max_duration`]).
    pub request_timeout: Duration,
    /// Connections served at once; further clients wait in the listen queue.
    pub max_connections: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_read_timeout: Duration::from_secs(30),
            // A 2G link can pause for several seconds during a cell handover; a minute is a stall.
            body_idle_timeout: Duration::from_secs(60),
            // A 1 MiB upload chunk on a 100 kbit/s EDGE link takes about 90 s.
            request_timeout: Duration::from_secs(300),
            max_connections: 1024,
        }
    }
}

/// The retention policy applied by [`crate::cleanup`]. Durations in milliseconds; `None` keeps
/// that kind of data forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// How often the clean-up runs.
    pub interval: Duration,
    /// Uploads with no new bytes for this long are removed with their part files (they count
    /// against the account's quota while open).
    pub open_upload_ms: i64,
    /// Registrations are kept this long past their expiry (the code no longer works after it).
    pub expired_registration_ms: i64,
    /// Tokens and console sessions are kept this long past their expiry or revocation.
    pub dead_token_ms: i64,
    /// Status messages are kept this long after they were sent (the admin's outbox list shows
    /// them until then). Failed ones stay for the admin; one-time codes and rate-limit counters
    /// go as soon as they expire.
    pub sent_message_ms: i64,
    /// Attachment files of dossiers that reached a final state (completed, rejected, cancelled)
    /// this long ago, and files no dossier uses that were uploaded this long ago, are deleted;
    /// `None` keeps them.
    pub finished_attachments_ms: Option<i64>,
    /// A file whose row was removed is deleted by a later pass, at least this long after.
    pub file_grace_ms: i64,
}

const HOUR_MS: i64 = 3600 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

impl Default for Retention {
    fn default() -> Self {
        Retention {
            interval: Duration::from_secs(3600),
            open_upload_ms: 48 * HOUR_MS,
            expired_registration_ms: DAY_MS,
            dead_token_ms: 30 * DAY_MS,
            sent_message_ms: 30 * DAY_MS,
            finished_attachments_ms: Some(90 * DAY_MS),
            file_grace_ms: HOUR_MS,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_blob_bytes: 10 * 1024 * 1024,
            account_quota_bytes: 512 * 1024 * 1024,
            max_json_bytes: 256 * 1024,
            token_ttl_ms: 180 * 24 * 3600 * 1000,
            session_ttl_ms: 10 * 3600 * 1000,
            auth: crate::limits::AuthConfig::default(),
            secure_cookies: true,
            http: HttpLimits::default(),
            metrics_token: None,
            retention: Retention::default(),
            public_url: None,
        }
    }
}

/// The secret a metrics scraper sends (`Authorization: Bearer …`). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(String);

impl MetricsToken {
    /// Shortest token accepted: it guards an unauthenticated port, so it must not be guessable.
    pub const MIN_LEN: usize = 24;

    /// A token, if it is long enough and printable ASCII.
    pub fn new(token: &str) -> Option<MetricsToken> {
        let t = token.trim();
        (t.len() >= Self::MIN_LEN && t.bytes().all(|b| b.is_ascii_graphic()))
            .then(|| MetricsToken(t.to_owned()))
    }

    /// Constant-time comparison with what a request presented.
    pub fn matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        a.len() == b.len() && bool::from(a.ct_eq(b))
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_is_https_or_this_machine() {
        assert_eq!(
            check_public_url("https://dvc.example.vn/").as_deref(),
            Ok("https://dvc.example.vn")
        );
        assert_eq!(
            check_public_url(" http://127.0.0.1:8787 ").as_deref(),
            Ok("http://127.0.0.1:8787")
        );
        assert!(check_public_url("http://localhost:8787").is_ok());
        for bad in [
            "http://10.0.0.5:8787",
            "http://dvc.example.vn",
            "ftp://dvc.example.vn",
            "dvc.example.vn",
            "",
            "https://",
            "javascript:alert(1)",
        ] {
            assert!(check_public_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metrics_token_is_long_compared_whole_and_never_printed() {
        assert!(MetricsToken::new("short").is_none());
        assert!(MetricsToken::new("has a space in it but is long enough").is_none());
        let t = MetricsToken::new("  0123456789abcdefghijklmnop  ").unwrap();
        assert!(t.matches("0123456789abcdefghijklmnop"));
        assert!(!t.matches("0123456789abcdefghijklmno"));
        assert!(!t.matches("0123456789abcdefghijklmnopq"));
        assert!(!t.matches(""));
        assert!(!format!("{t:?}").contains("0123"));
    }
}
