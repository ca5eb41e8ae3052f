//! The error every command returns to the UI: a stable code, the key of a plain-language message
//! (translated by the UI) and an English technical detail for logs and support. No personal data.

use dvc_core::CoreError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, thiserror::Error, specta::Type)]
#[error("{code}: {detail}")]
pub struct ApiError {
    pub code: &'static str,
    pub message_key: &'static str,
    pub detail: String,
}

impl ApiError {
    pub fn internal(detail: impl Into<String>) -> Self {
        Self {
            code: "internal",
            message_key: "errors.internal",
            detail: detail.into(),
        }
    }

    /// No fingerprint/face unlock on this device (desktop, or none enrolled): the PIN opens it.
    pub fn biometric_unavailable() -> Self {
        Self {
            code: "biometric_unavailable",
            message_key: "lock.biometric_unavailable",
            detail: "biometric unlock is not available on this device".into(),
        }
    }

    /// The app lock is closed: the UI shows the lock screen.
    pub fn locked() -> Self {
        Self {
            code: "app_locked",
            message_key: "errors.app_locked",
            detail: "the app is locked: enter the PIN".into(),
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        if !e.is_bad_input() {
            tracing::warn!(code = e.code(), error = %e, "command failed");
        }
        Self {
            code: e.code(),
            message_key: e.message_key(),
            detail: e.to_string(),
        }
    }
}
