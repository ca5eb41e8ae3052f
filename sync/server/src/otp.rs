//! One-time codes: six random digits, stored only as a hash, one live code per phone number and
//! purpose (a new one replaces the old), with an expiry, a resend countdown, and an attempt
//! counter raised in one conditional update *before* any comparison — so concurrent wrong codes
//! can never be compared more often than the limit allows.
//!
//! The names of the first schema's sender (`OtpSender`, `LogOtpSender`, `MemoryOtpSender`) stay
//! as aliases of [`crate::notify`]'s.

use dvc_protocol::auth::{OtpPurpose, OtpSent, OTP_DIGITS};
use dvc_protocol::ErrorCode;
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::db::OtpRow;
use crate::error::ApiError;
use crate::notify::{Body, Message, Recipient};
pub use crate::notify::{
    LogNotifier as LogOtpSender, MemoryNotifier as MemoryOtpSender, Notifier as OtpSender,
};
use crate::state::AppState;

/// What the person at the phone gets for a new code row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deliver {
    /// The code.
    Code,
    /// The "this number already has an account" notice (registration of a known number).
    Notice,
    /// Nothing (a reset for a number without an account): the same work, no message.
    Nothing,
}

/// A fresh code of [`OTP_DIGITS`] digits.
pub fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// What is stored for a code: SHA-256 of `"<row id>:<code>"`.
pub fn code_hash(id: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{id}:{code}").as_bytes()))
}

/// Whether `code` has the shape of a code (a malformed one is refused without counting).
pub fn well_formed(code: &str) -> bool {
    code.len() == OTP_DIGITS && code.bytes().all(|b| b.is_ascii_digit())
}

/// `400.5`, for every failed check.
pub fn invalid() -> ApiError {
    ApiError::new(ErrorCode::OtpInvalid, "the code is wrong or expired")
}

/// The `202` answer of every route that sends a code.
pub fn sent_answer(st: &AppState) -> OtpSent {
    let secs = |ms: i64| u64::try_from(ms / 1000).unwrap_or(0);
    OtpSent {
        expires_in_s: secs(st.cfg.auth.otp_ttl_ms),
        resend_after_s: secs(st.cfg.auth.otp_resend_after_ms),
        code_length: 6,
    }
}

/// Makes and stores the code row for `(phone, purpose)` (replacing a live one), then delivers
/// what `deliver` says in the background.
pub async fn issue(
    st: &AppState,
    phone: &str,
    purpose: OtpPurpose,
    account_id: Option<String>,
    payload: Option<String>,
    deliver: Deliver,
) -> Result<(), ApiError> {
    let now = st.clock.now_ms();
    let id = uuid::Uuid::now_v7().to_string();
    let code = new_code();
    let row = OtpRow {
        code_hash: code_hash(&id, &code),
        id: id.clone(),
        phone: phone.to_owned(),
        purpose,
        attempts: 0,
        sends: 1,
        account_id,
        payload,
        expires_at: now + st.cfg.auth.otp_ttl_ms,
        resend_at: now + st.cfg.auth.otp_resend_after_ms,
        created_at: now,
    };
    st.db.put_otp(&row).await?;
    send(st, &row, &code, deliver);
    tracing::info!(code_id = %id, purpose = purpose.as_str(), "one-time code issued");
    Ok(())
}

/// A new code for the live row of `(phone, purpose)` once its countdown has ended: `Ok(true)`
/// when a row was renewed, `Ok(false)` when there is none (the caller answers as if there were),
/// `429.1` before the countdown ends.
pub async fn resend(
    st: &AppState,
    phone: &str,
    purpose: OtpPurpose,
    deliver_for: impl Fn(&OtpRow) -> Deliver,
) -> Result<bool, ApiError> {
    let now = st.clock.now_ms();
    let Some(row) = st.db.otp(phone, purpose).await? else {
        return Ok(false);
    };
    if row.expires_at <= now {
        return Ok(false);
    }
    if row.resend_at > now {
        return Err(crate::limits::rate_limited(row.resend_at - now));
    }
    let code = new_code();
    let renewed = st
        .db
        .resend_otp(
            &row.id,
            &code_hash(&row.id, &code),
            now + st.cfg.auth.otp_ttl_ms,
            now + st.cfg.auth.otp_resend_after_ms,
            now,
        )
        .await?;
    let Some(row) = renewed else {
        // another resend won the race: its countdown runs now
        return Err(crate::limits::rate_limited(st.cfg.auth.otp_resend_after_ms));
    };
    send(st, &row, &code, deliver_for(&row));
    tracing::info!(code_id = %row.id, purpose = purpose.as_str(), "one-time code sent again");
    Ok(true)
}

fn send(st: &AppState, row: &OtpRow, code: &str, deliver: Deliver) {
    let body = match deliver {
        Deliver::Code => Body::Otp {
            code: code.to_owned(),
            purpose: row.purpose,
            valid_min: u32::try_from(st.cfg.auth.otp_ttl_ms / 60_000).unwrap_or(10),
        },
        Deliver::Notice => Body::AccountExists,
        Deliver::Nothing => return,
    };
    st.notify.send_otp_in_background(
        Recipient {
            phone: Some(row.phone.clone()),
            email: None,
        },
        Message {
            id: format!("otp-{}-{}", row.id, row.sends),
            body,
        },
    );
}

/// Checks `code` for `(phone, purpose)`: counts the attempt first (nothing is compared once the
/// limit is reached or the code expired), then compares in constant time. The row on success.
pub async fn check(
    st: &AppState,
    phone: &str,
    purpose: OtpPurpose,
    code: &str,
) -> Result<OtpRow, ApiError> {
    if !well_formed(code) {
        return Err(invalid());
    }
    let now = st.clock.now_ms();
    let Some(row) = st
        .db
        .otp_attempt(phone, purpose, st.cfg.auth.otp_max_attempts, now)
        .await?
    else {
        return Err(invalid());
    };
    let given = code_hash(&row.id, code);
    if bool::from(given.as_bytes().ct_eq(row.code_hash.as_bytes())) {
        Ok(row)
    } else {
        tracing::info!(code_id = %row.id, attempts = row.attempts, "wrong one-time code");
        Err(invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_hashed_per_row() {
        for _ in 0..100 {
            assert!(well_formed(&new_code()));
        }
        assert!(!well_formed("12345"));
        assert!(!well_formed("12345a"));
        assert!(!well_formed("１２３４５６"));
        assert_ne!(code_hash("a", "123456"), code_hash("b", "123456"));
        assert_eq!(code_hash("a", "123456").len(), 64);
    }
}
