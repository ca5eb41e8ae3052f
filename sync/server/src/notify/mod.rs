//! Messages that reach people off the app, through one [`Notifier`] trait: one-time codes (sent
//! at once, in the background, so an answer never waits for — or reveals — a delivery) and
//! dossier status messages (written to the durable outbox in the event's transaction and sent by
//! [`outbox`]'s worker, retried with backoff, once per event and channel).
//!
//! Senders: [`LogNotifier`] and [`FileNotifier`] (development only), [`smtp::SmtpNotifier`]
//! (e-mail), [`http::SmsHttpNotifier`] (an SMS gateway's HTTP API), [`http::ZaloNotifier`]
//! (Zalo ZNS template messages); [`MemoryNotifier`] for tests. Which one serves what is chosen by
//! configuration ([`setup`]). A message carries no personal data beyond a code or a dossier code
//! and state; logs never carry the recipient.

pub mod http;
pub mod outbox;
pub mod setup;
pub mod smtp;
pub mod text;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use dvc_protocol::auth::{Channel, OtpPurpose};
use dvc_protocol::dossiers::DossierState;
use tokio::sync::Semaphore;

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recipient {
    /// Mobile number, `0xxxxxxxxx`.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

/// What a message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A one-time code.
    Otp {
        /// The digits.
        code: String,
        /// What it is for.
        purpose: OtpPurpose,
        /// Minutes it stays valid.
        valid_min: u32,
    },
    /// Someone tried to register this phone number, which already has an account (sent instead of
    /// a code, so the registration answer never tells).
    AccountExists,
    /// A dossier's new state.
    Status {
        /// Dossier code.
        dossier_code: String,
        /// Its new state.
        state: DossierState,
    },
}

/// A message with its idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Stable per message (`outbox-<id>`, `otp-<code id>-<n>`): sent to gateways as their
    /// idempotency or tracking key, and as the e-mail's Message-ID.
    pub id: String,
    /// The content.
    pub body: Body,
}

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying (network, timeout, 5xx, throttling).
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Retrying will not help (refused recipient, bad request, missing template).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// Delivers a message on one channel.
#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// Short name for logs: `log`, `file`, `smtp`, `sms-http`, `zalo`, `memory`.
    fn kind(&self) -> &'static str;
    /// Sends `msg` to `to`. The error text never contains the recipient.
    async fn send(&self, to: &Recipient, msg: &Message) -> Result<(), SendError>;
}

/// Most one-time codes being sent at once; past that a code is dropped (logged) and the person
/// asks again after the countdown. The per-phone, per-address and global budgets keep this rare.
const OTP_IN_FLIGHT: usize = 64;

/// The senders of a server: one for one-time codes, one per status channel.
#[derive(Clone)]
pub struct Notifiers {
    /// Sends one-time codes (and the "already registered" notice); `None`: self-service off.
    pub otp: Option<Arc<dyn Notifier>>,
    /// Status messages by SMS.
    pub sms: Option<Arc<dyn Notifier>>,
    /// Status messages by e-mail.
    pub email: Option<Arc<dyn Notifier>>,
    /// Status messages by Zalo.
    pub zalo: Option<Arc<dyn Notifier>>,
    in_flight: Arc<Semaphore>,
}

impl Default for Notifiers {
    fn default() -> Self {
        Notifiers {
            otp: None,
            sms: None,
            email: None,
            zalo: None,
            in_flight: Arc::new(Semaphore::new(OTP_IN_FLIGHT)),
        }
    }
}

impl Notifiers {
    /// Codes only, no status messages.
    pub fn otp_only(otp: Arc<dyn Notifier>) -> Notifiers {
        Notifiers {
            otp: Some(otp),
            ..Notifiers::default()
        }
    }

    /// One sender for codes and every channel (development files, tests).
    pub fn all(n: Arc<dyn Notifier>) -> Notifiers {
        Notifiers {
            otp: Some(Arc::clone(&n)),
            sms: Some(Arc::clone(&n)),
            email: Some(Arc::clone(&n)),
            zalo: Some(n),
            ..Notifiers::default()
        }
    }

    /// The sender of a status channel.
    pub fn for_channel(&self, c: Channel) -> Option<&Arc<dyn Notifier>> {
        match c {
            Channel::Sms => self.sms.as_ref(),
            Channel::Email => self.email.as_ref(),
            Channel::Zalo => self.zalo.as_ref(),
        }
    }

    /// The status channels this server sends on.
    pub fn channels(&self) -> Vec<Channel> {
        Channel::ALL
            .iter()
            .copied()
            .filter(|c| self.for_channel(*c).is_some())
            .collect()
    }

    /// Sends a one-time code (or notice) in the background: the caller's answer does not wait
    /// for the gateway, and takes as long whether or not anything is sent.
    pub fn send_otp_in_background(&self, to: Recipient, msg: Message) {
        let Some(sender) = self.otp.clone() else {
            return;
        };
        let Ok(permit) = Arc::clone(&self.in_flight).try_acquire_owned() else {
            tracing::warn!(message_id = %msg.id, "too many codes in flight; this one is dropped");
            return;
        };
        tokio::spawn(async move {
            let _permit = permit;
            match sender.send(&to, &msg).await {
                Ok(()) => tracing::info!(message_id = %msg.id, sender = sender.kind(), "code sent"),
                Err(err) => tracing::warn!(
                    message_id = %msg.id,
                    sender = sender.kind(),
                    error = %err,
                    "code not sent"
                ),
            }
        });
    }
}

/// Development sender: writes codes to the log at WARN (never the recipient). Only with
/// `dvc-sync serve --dev-log-messages`.
#[derive(Debug, Default)]
pub struct LogNotifier;

#[async_trait]
impl Notifier for LogNotifier {
    fn kind(&self) -> &'static str {
        "log"
    }

    async fn send(&self, _to: &Recipient, msg: &Message) -> Result<(), SendError> {
        match &msg.body {
            Body::Otp { code, purpose, .. } => tracing::warn!(
                message_id = %msg.id,
                purpose = purpose.as_str(),
                otp = %code,
                "DEV message sender: one-time code (nothing delivered)"
            ),
            Body::AccountExists => tracing::warn!(
                message_id = %msg.id,
                "DEV message sender: 'already registered' notice (nothing delivered)"
            ),
            Body::Status {
                dossier_code,
                state,
            } => tracing::warn!(
                message_id = %msg.id,
                dossier_code = %dossier_code,
                state = state.as_str(),
                "DEV message sender: status message (nothing delivered)"
            ),
        }
        Ok(())
    }
}

/// Development and test sender: appends each message as one JSON line (recipient, kind, text,
/// code) to a file, like a mail sink. Only with `dvc-sync serve --dev-message-file`.
#[derive(Debug)]
pub struct FileNotifier {
    path: PathBuf,
    lock: tokio::sync::Mutex<()>,
}

impl FileNotifier {
    /// Appends to `path` (created if missing).
    pub fn new(path: PathBuf) -> FileNotifier {
        FileNotifier {
            path,
            lock: tokio::sync::Mutex::new(()),
        }
    }
}

#[async_trait]
impl Notifier for FileNotifier {
    fn kind(&self) -> &'static str {
        "file"
    }

    async fn send(&self, to: &Recipient, msg: &Message) -> Result<(), SendError> {
        use tokio::io::AsyncWriteExt;
        let (subject, text) = text::render(&msg.body);
        let (kind, code) = match &msg.body {
            Body::Otp { code, .. } => ("otp", Some(code.as_str())),
            Body::AccountExists => ("account_exists", None),
            Body::Status { .. } => ("status", None),
        };
        let line = serde_json::json!({
            "id": msg.id,
            "kind": kind,
            "phone": to.phone,
            "email": to.email,
            "code": code,
            "subject": subject,
            "text": text,
        });
        let _guard = self.lock.lock().await;
        let mut f = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(|e| SendError::Transient(format!("message file: {}", e.kind())))?;
        f.write_all(format!("{line}\n").as_bytes())
            .await
            .map_err(|e| SendError::Transient(format!("message file: {}", e.kind())))?;
        f.flush()
            .await
            .map_err(|e| SendError::Transient(format!("message file: {}", e.kind())))
    }
}

/// Test sender: remembers every message; can be told to fail.
#[derive(Debug, Default)]
pub struct MemoryNotifier {
    sent: Mutex<Vec<(Recipient, Message)>>,
    fail_next: AtomicU32,
}

impl MemoryNotifier {
    /// The last one-time code sent to `phone` (any purpose).
    pub fn code_for(&self, phone: &str) -> Option<String> {
        self.sent()
            .into_iter()
            .rev()
            .find_map(|(to, m)| match m.body {
                Body::Otp { code, .. } if to.phone.as_deref() == Some(phone) => Some(code),
                _ => None,
            })
    }

    /// Everything sent so far, oldest first.
    pub fn sent(&self) -> Vec<(Recipient, Message)> {
        match self.sent.lock() {
            Ok(v) => v.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The next `n` sends fail with a temporary error.
    pub fn fail_next(&self, n: u32) {
        self.fail_next.store(n, Ordering::SeqCst);
    }
}

#[async_trait]
impl Notifier for MemoryNotifier {
    fn kind(&self) -> &'static str {
        "memory"
    }

    async fn send(&self, to: &Recipient, msg: &Message) -> Result<(), SendError> {
        let failing = self
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            return Err(SendError::Transient("told to fail".into()));
        }
        match self.sent.lock() {
            Ok(mut v) => v.push((to.clone(), msg.clone())),
            Err(poisoned) => poisoned.into_inner().push((to.clone(), msg.clone())),
        }
        Ok(())
    }
}
