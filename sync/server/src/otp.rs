//! Registration codes: a pluggable sender. Development logs the code (never the phone number);
//! production plugs in an SMS gateway implementing [`OtpSender`].

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

/// Delivers a one-time code to a phone.
#[async_trait]
pub trait OtpSender: Send + Sync + 'static {
    /// Sends `code` for registration `registration_id` to `phone`.
    async fn send(&self, registration_id: &str, phone: &str, code: &str) -> Result<(), String>;
}

/// Development sender: writes the code to the log with the registration id.
#[derive(Debug, Default)]
pub struct LogOtpSender;

#[async_trait]
impl OtpSender for LogOtpSender {
    async fn send(&self, registration_id: &str, _phone: &str, code: &str) -> Result<(), String> {
        tracing::warn!(
            registration_id,
            otp = code,
            "DEV OTP sender: registration code (no SMS sent)"
        );
        Ok(())
    }
}

/// Test sender: remembers the last code per registration id.
#[derive(Debug, Default)]
pub struct MemoryOtpSender {
    codes: Mutex<HashMap<String, String>>,
}

impl MemoryOtpSender {
    /// The code sent for a registration.
    pub fn code_for(&self, registration_id: &str) -> Option<String> {
        self.codes.lock().ok()?.get(registration_id).cloned()
    }
}

#[async_trait]
impl OtpSender for MemoryOtpSender {
    async fn send(&self, registration_id: &str, _phone: &str, code: &str) -> Result<(), String> {
        self.codes
            .lock()
            .map_err(|_| "poisoned".to_owned())?
            .insert(registration_id.to_owned(), code.to_owned());
        Ok(())
    }
}
