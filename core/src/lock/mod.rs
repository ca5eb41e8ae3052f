//! The app lock: a 6-digit PIN checked through a slow KDF gate, with a persisted, exponential
//! back-off on wrong PINs.
//!
//! Design (see `docs/app-lock.md`):
//! - The PIN is never stored. Setting it draws a random 16-byte salt and derives 32 bytes with
//!   argon2id ([`KdfParams::PHONE`]: 19 MiB, 2 passes, 1 lane). Only a *verifier* — SHA-256 of a
//!   domain tag and that output — is kept, with the salt and the parameters, in one keystore entry
//!   ([`LOCK_SECRET_NAME`]) next to the database key. Checking a PIN derives again and compares the
//!   verifiers in constant time (`subtle`).
//! - The verifier is as hard to reverse as argon2id makes it: six digits are a small space, so the
//!   keystore (Android Keystore, Keychain, Secret Service) is what keeps it out of reach; the
//!   back-off is what slows a person holding the phone.
//! - Wrong tries are counted in the encrypted store (`settings` table, keys that
//!   `dvc settings set` cannot write), so closing the app does not reset them: five free tries,
//!   then 30 s, 1 min, 2 min … capped at [`MAX_WAIT_SECS`]. A volunteer (signed in with the
//!   volunteer role) is offered the full wipe after `lock_wipe_after` wrong tries; a citizen just
//!   keeps waiting.
//!
//! Times come from a [`Clock`], so tests drive the back-off with [`ManualClock`].

use std::sync::atomic::{AtomicI64, Ordering};

use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::OptionalExtension;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{CoreError, Result};
use crate::secrets::Secrets;
use crate::store::Store;

/// Keystore entry holding the lock's salt, KDF parameters and verifier (never the PIN).
pub const LOCK_SECRET_NAME: &str = "lock-pin";
/// Digits in a PIN.
pub const PIN_LEN: usize = 6;
/// Wrong tries allowed before the first wait.
pub const FREE_TRIES: u32 = 5;
/// The first wait, after [`FREE_TRIES`] wrong tries.
pub const FIRST_WAIT_SECS: u64 = 30;
/// The longest wait between two tries.
pub const MAX_WAIT_SECS: u64 = 60 * 60;

/// `settings` keys of the persisted counter (internal: not [`crate::settings::SettingKey`]s).
const KEY_FAILURES: &str = "lock_failures";
const KEY_LAST_FAILURE_MS: &str = "lock_last_failure_ms";

const ENTRY_VERSION: u8 = 1;
const SALT_LEN: usize = 16;
const OUT_LEN: usize = 32;
const ENTRY_LEN: usize = 1 + 12 + SALT_LEN + OUT_LEN;
const VERIFIER_TAG: &[u8] = b"dvc-donghanh/app-lock/v1";

/// Milliseconds since the Unix epoch, from the system or from a test.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
    }
}

/// A clock that only moves when told (tests).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn at(ms: i64) -> Self {
        Self(AtomicI64::new(ms))
    }
    pub fn advance_secs(&self, secs: i64) {
        self.0.fetch_add(secs * 1000, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// argon2id cost. Stored with each verifier, so a later change of the defaults keeps old PINs
/// working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// For a cheap phone (1–2 GB RAM, 4 slow cores): OWASP's argon2id minimum, 19 MiB and 2 passes
    /// on one lane — about 0.2–0.5 s per check there, tens of milliseconds on a laptop, and 19 MiB
    /// that a low-memory phone can spare for a moment.
    pub const PHONE: Self = Self {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };

    /// Cheap parameters for unit tests only (a verifier made with them is as weak as they are).
    pub const TEST: Self = Self {
        m_kib: 64,
        t: 1,
        p: 1,
    };
}

/// What the UI and the CLI need to know about the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LockStatus {
    /// A PIN is set.
    pub enabled: bool,
    /// Wrong tries since the last right one.
    pub failures: u32,
    /// Seconds to wait before the next try is accepted (0: now).
    pub wait_secs: u64,
    /// The full wipe is offered (a volunteer after `lock_wipe_after` wrong tries).
    pub wipe_offered: bool,
}

/// The answer to a PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Unlock {
    /// The PIN was right; the counter is back to zero.
    Opened,
    /// The PIN was wrong (counted).
    Wrong { status: LockStatus },
    /// Still waiting: the PIN was not even checked (not counted).
    Wait { status: LockStatus },
}

/// Seconds to wait after `failures` wrong tries: none for the first [`FREE_TRIES`], then 30 s
/// doubling up to [`MAX_WAIT_SECS`].
pub fn wait_after(failures: u32) -> u64 {
    if failures < FREE_TRIES {
        return 0;
    }
    let doublings = (failures - FREE_TRIES).min(20);
    FIRST_WAIT_SECS
        .saturating_mul(1u64 << doublings)
        .min(MAX_WAIT_SECS)
}

/// Checks the form of a PIN: exactly six ASCII digits.
pub fn check_pin_form(pin: &str) -> Result<()> {
    if pin.len() == PIN_LEN && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "pin",
            "a PIN is exactly 6 digits",
            "errors.lock_pin_form",
        ))
    }
}

fn derive(pin: &str, salt: &[u8], p: KdfParams) -> Result<Zeroizing<[u8; OUT_LEN]>> {
    let params = Params::new(p.m_kib, p.t, p.p, Some(OUT_LEN)).map_err(|e| {
        CoreError::invalid(
            "lock",
            format!("bad KDF parameters: {e}"),
            "errors.internal",
        )
    })?;
    let mut out = Zeroizing::new([0u8; OUT_LEN]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pin.as_bytes(), salt, &mut out[..])
        .map_err(|e| CoreError::invalid("lock", format!("KDF failed: {e}"), "errors.internal"))?;
    Ok(out)
}

fn verifier(derived: &[u8; OUT_LEN]) -> [u8; OUT_LEN] {
    let mut h = Sha256::new();
    h.update(VERIFIER_TAG);
    h.update(derived);
    h.finalize().into()
}

/// The keystore entry: version, parameters, salt, verifier.
struct Entry {
    params: KdfParams,
    salt: [u8; SALT_LEN],
    verifier: [u8; OUT_LEN],
}

impl Entry {
    fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(ENTRY_LEN);
        v.push(ENTRY_VERSION);
        v.extend_from_slice(&self.params.m_kib.to_le_bytes());
        v.extend_from_slice(&self.params.t.to_le_bytes());
        v.extend_from_slice(&self.params.p.to_le_bytes());
        v.extend_from_slice(&self.salt);
        v.extend_from_slice(&self.verifier);
        v
    }

    fn decode(b: &[u8]) -> Result<Self> {
        let corrupt = || {
            CoreError::invalid(
                "lock",
                "the lock entry in the keystore is damaged",
                "errors.lock_damaged",
            )
        };
        if b.len() != ENTRY_LEN || b[0] != ENTRY_VERSION {
            return Err(corrupt());
        }
        let u = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&b[13..13 + SALT_LEN]);
        let mut verifier = [0u8; OUT_LEN];
        verifier.copy_from_slice(&b[13 + SALT_LEN..]);
        Ok(Self {
            params: KdfParams {
                m_kib: u(1),
                t: u(5),
                p: u(9),
            },
            salt,
            verifier,
        })
    }
}

/// The lock of one opened data directory: its store (counter, settings), its keystore (verifier)
/// and a clock.
pub struct Gate<'a> {
    pub store: &'a Store,
    pub secrets: &'a dyn Secrets,
    pub clock: &'a dyn Clock,
    /// Cost for a PIN set now (checks use the cost stored with the verifier).
    pub params: KdfParams,
}

impl Gate<'_> {
    fn entry(&self) -> Result<Option<Entry>> {
        match self.secrets.get(LOCK_SECRET_NAME)? {
            Some(b) => Entry::decode(&b).map(Some),
            None => Ok(None),
        }
    }

    pub fn enabled(&self) -> Result<bool> {
        Ok(self.secrets.get(LOCK_SECRET_NAME)?.is_some())
    }

    fn counter(&self) -> Result<(u32, i64)> {
        self.store.read(|c| {
            let get = |k: &str| -> Result<Option<String>> {
                Ok(
                    c.query_row("SELECT value FROM settings WHERE key = ?1", [k], |r| {
                        r.get(0)
                    })
                    .optional()?,
                )
            };
            let failures = get(KEY_FAILURES)?.and_then(|v| v.parse().ok()).unwrap_or(0);
            let last = get(KEY_LAST_FAILURE_MS)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            Ok((failures, last))
        })
    }

    fn set_counter(&self, failures: u32, last_ms: i64) -> Result<()> {
        self.store.write(|tx| {
            for (k, v) in [
                (KEY_FAILURES, failures.to_string()),
                (KEY_LAST_FAILURE_MS, last_ms.to_string()),
            ] {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value,
                       updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                    [k, v.as_str()],
                )?;
            }
            Ok::<_, CoreError>(())
        })
    }

    fn volunteer(&self) -> Result<bool> {
        Ok(
            crate::sync::db::get(self.store, crate::sync::db::KEY_ROLE)?.as_deref()
                == Some("volunteer"),
        )
    }

    /// The lock's state now.
    pub fn status(&self) -> Result<LockStatus> {
        let enabled = self.enabled()?;
        let (failures, last) = self.counter()?;
        let wait = wait_after(failures);
        // Counted from the last wrong try; a clock set back never makes the wait longer.
        let elapsed_ms = (self.clock.now_ms() - last).max(0) as u64;
        let wait_secs = (wait * 1000).saturating_sub(elapsed_ms).div_ceil(1000);
        let wipe_after = crate::settings::load(self.store)?.lock_wipe_after;
        let wipe_offered = enabled && failures >= wipe_after && self.volunteer()?;
        Ok(LockStatus {
            enabled,
            failures,
            wait_secs,
            wipe_offered,
        })
    }

    /// Checks a PIN: counts a wrong one, refuses while a wait runs, resets the counter on a
    /// right one. With no PIN set, every PIN opens.
    pub fn check(&self, pin: &str) -> Result<Unlock> {
        let Some(entry) = self.entry()? else {
            return Ok(Unlock::Opened);
        };
        let status = self.status()?;
        if status.wait_secs > 0 {
            return Ok(Unlock::Wait { status });
        }
        let right = check_pin_form(pin).is_ok() && {
            let derived = derive(pin, &entry.salt, entry.params)?;
            bool::from(verifier(&derived)[..].ct_eq(&entry.verifier[..]))
        };
        if right {
            self.set_counter(0, 0)?;
            tracing::info!("app lock opened");
            Ok(Unlock::Opened)
        } else {
            let (failures, _) = self.counter()?;
            self.set_counter(failures.saturating_add(1), self.clock.now_ms())?;
            tracing::info!(failures = failures + 1, "wrong PIN");
            Ok(Unlock::Wrong {
                status: self.status()?,
            })
        }
    }

    /// Sets a new PIN. When a PIN is already set, `old` must open it first (same counting).
    pub fn set_pin(&self, old: Option<&str>, new: &str) -> Result<Unlock> {
        check_pin_form(new)?;
        if self.enabled()? {
            let outcome = self.check(old.unwrap_or(""))?;
            if outcome != Unlock::Opened {
                return Ok(outcome);
            }
        }
        let salt: [u8; SALT_LEN] = rand::random();
        let derived = derive(new, &salt, self.params)?;
        let entry = Entry {
            params: self.params,
            salt,
            verifier: verifier(&derived),
        };
        self.secrets.set(LOCK_SECRET_NAME, &entry.encode())?;
        self.set_counter(0, 0)?;
        tracing::info!("app lock PIN set");
        Ok(Unlock::Opened)
    }

    /// Turns the lock off; needs the PIN.
    pub fn disable(&self, pin: &str) -> Result<Unlock> {
        let outcome = self.check(pin)?;
        if outcome == Unlock::Opened {
            self.secrets.delete(LOCK_SECRET_NAME)?;
            tracing::info!("app lock turned off");
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests;
