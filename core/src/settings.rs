//! User preferences kept in the store: language, text size, the last screen, the app lock's
//! timeout and wipe threshold.

use std::str::FromStr;

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Vi,
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TextSize {
    #[default]
    Normal,
    Large,
    Xlarge,
}

/// All preferences, with defaults for anything never set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Settings {
    pub language: Language,
    pub text_size: TextSize,
    /// The screen the user was on (a UI route such as `/people`), restored on start.
    pub last_route: Option<String>,
    /// Minutes in the background after which the app lock asks for the PIN again (1, 5 or 15).
    pub lock_timeout_minutes: u32,
    /// Wrong PINs after which a volunteer is offered the full wipe (3–50).
    pub lock_wipe_after: u32,
    /// The first-launch offer to set a PIN was answered (set or skipped).
    pub lock_prompted: bool,
    /// Volunteers: days after a citizen's last dossier ended (completed, rejected, cancelled)
    /// when that citizen's profile, papers and dossiers leave this phone (7, 30 or 90).
    pub retention_days: u32,
}

/// Allowed values of `lock_timeout_minutes`.
pub const LOCK_TIMEOUTS: [u32; 3] = [1, 5, 15];

/// Allowed values of `retention_days`.
pub const RETENTION_DAYS: [u32; 3] = [7, 30, 90];

impl Default for Settings {
    fn default() -> Self {
        Self {
            language: Language::default(),
            text_size: TextSize::default(),
            last_route: None,
            lock_timeout_minutes: 5,
            lock_wipe_after: 10,
            lock_prompted: false,
            retention_days: 30,
        }
    }
}

/// The keys a caller may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKey {
    Language,
    TextSize,
    LastRoute,
    LockTimeoutMinutes,
    LockWipeAfter,
    LockPrompted,
    RetentionDays,
}

impl SettingKey {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Language => "language",
            Self::TextSize => "text_size",
            Self::LastRoute => "last_route",
            Self::LockTimeoutMinutes => "lock_timeout_minutes",
            Self::LockWipeAfter => "lock_wipe_after",
            Self::LockPrompted => "lock_prompted",
            Self::RetentionDays => "retention_days",
        }
    }
}

impl FromStr for SettingKey {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "language" => Ok(Self::Language),
            "text_size" => Ok(Self::TextSize),
            "last_route" => Ok(Self::LastRoute),
            "lock_timeout_minutes" => Ok(Self::LockTimeoutMinutes),
            "lock_wipe_after" => Ok(Self::LockWipeAfter),
            "lock_prompted" => Ok(Self::LockPrompted),
            "retention_days" => Ok(Self::RetentionDays),
            _ => Err(CoreError::invalid(
                "setting",
                format!("unknown setting `{}`", truncate(s, 40)),
                "errors.setting_unknown",
            )),
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn parse_enum<T: for<'de> Deserialize<'de>>(key: SettingKey, value: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(value.to_string())).map_err(|_| {
        CoreError::invalid(
            key.as_str(),
            format!("`{}` is not an allowed value", truncate(value, 40)),
            "errors.setting_value",
        )
    })
}

/// Checks and normalises a value for `key`.
fn validate(key: SettingKey, value: &str) -> Result<String> {
    match key {
        SettingKey::Language => parse_enum::<Language>(key, value).map(|_| value.to_string()),
        SettingKey::TextSize => parse_enum::<TextSize>(key, value).map(|_| value.to_string()),
        SettingKey::LastRoute => {
            let ok = value.starts_with('/')
                && value.len() <= 200
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/-_.?=&%".contains(c));
            if ok {
                Ok(value.to_string())
            } else {
                Err(CoreError::invalid(
                    key.as_str(),
                    "a route starts with / and uses only URL-safe characters",
                    "errors.setting_value",
                ))
            }
        }
        SettingKey::LockTimeoutMinutes => match value.parse::<u32>() {
            Ok(n) if LOCK_TIMEOUTS.contains(&n) => Ok(n.to_string()),
            _ => Err(CoreError::invalid(
                key.as_str(),
                "the lock timeout is 1, 5 or 15 minutes",
                "errors.setting_value",
            )),
        },
        SettingKey::LockWipeAfter => match value.parse::<u32>() {
            Ok(n) if (3..=50).contains(&n) => Ok(n.to_string()),
            _ => Err(CoreError::invalid(
                key.as_str(),
                "the wipe threshold is a number of wrong PINs from 3 to 50",
                "errors.setting_value",
            )),
        },
        SettingKey::RetentionDays => match value.parse::<u32>() {
            Ok(n) if RETENTION_DAYS.contains(&n) => Ok(n.to_string()),
            _ => Err(CoreError::invalid(
                key.as_str(),
                "citizens' data is kept 7, 30 or 90 days after their last dossier ended",
                "errors.setting_value",
            )),
        },
        SettingKey::LockPrompted => match value {
            "true" | "false" => Ok(value.to_string()),
            _ => Err(CoreError::invalid(
                key.as_str(),
                "true or false",
                "errors.setting_value",
            )),
        },
    }
}

pub fn load(store: &Store) -> Result<Settings> {
    store.read(|c| {
        let get = |k: SettingKey| -> Result<Option<String>> {
            Ok(c.query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [k.as_str()],
                |r| r.get(0),
            )
            .optional()?)
        };
        let mut s = Settings::default();
        if let Some(v) = get(SettingKey::Language)? {
            s.language = parse_enum(SettingKey::Language, &v).unwrap_or_default();
        }
        if let Some(v) = get(SettingKey::TextSize)? {
            s.text_size = parse_enum(SettingKey::TextSize, &v).unwrap_or_default();
        }
        s.last_route = get(SettingKey::LastRoute)?;
        if let Some(n) = get(SettingKey::LockTimeoutMinutes)?.and_then(|v| v.parse().ok()) {
            s.lock_timeout_minutes = n;
        }
        if let Some(n) = get(SettingKey::LockWipeAfter)?.and_then(|v| v.parse().ok()) {
            s.lock_wipe_after = n;
        }
        s.lock_prompted = get(SettingKey::LockPrompted)?.as_deref() == Some("true");
        if let Some(n) = get(SettingKey::RetentionDays)?
            .and_then(|v| v.parse().ok())
            .filter(|n| RETENTION_DAYS.contains(n))
        {
            s.retention_days = n;
        }
        Ok(s)
    })
}

/// Sets one preference (validated; bad values change nothing) and returns all of them.
pub fn set(store: &Store, key: &str, value: &str) -> Result<Settings> {
    let key: SettingKey = key.parse()?;
    let value = validate(key, value)?;
    store.write(|tx| {
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value,
               updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            [key.as_str(), value.as_str()],
        )?;
        Ok::<_, CoreError>(())
    })?;
    load(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_set_and_reload() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(load(&s).unwrap(), Settings::default());
        let after = set(&s, "language", "en").unwrap();
        assert_eq!(after.language, Language::En);
        let after = set(&s, "text_size", "xlarge").unwrap();
        assert_eq!(after.text_size, TextSize::Xlarge);
        assert_eq!(after.language, Language::En);
        set(&s, "last_route", "/people").unwrap();
        assert_eq!(load(&s).unwrap().last_route.as_deref(), Some("/people"));
        assert_eq!(load(&s).unwrap().lock_timeout_minutes, 5);
        assert_eq!(
            set(&s, "lock_timeout_minutes", "15")
                .unwrap()
                .lock_timeout_minutes,
            15
        );
        assert_eq!(
            set(&s, "lock_wipe_after", "20").unwrap().lock_wipe_after,
            20
        );
        assert!(set(&s, "lock_prompted", "true").unwrap().lock_prompted);
        assert_eq!(load(&s).unwrap().retention_days, 30);
        assert_eq!(set(&s, "retention_days", "7").unwrap().retention_days, 7);
    }

    #[test]
    fn bad_values_are_refused_and_change_nothing() {
        let s = Store::open_in_memory().unwrap();
        set(&s, "language", "en").unwrap();
        for (k, v) in [
            ("language", "fr"),
            ("text_size", "huge"),
            ("last_route", "javascript:alert(1)"),
            ("last_route", "/a b"),
            ("lock_timeout_minutes", "7"),
            ("lock_timeout_minutes", "-1"),
            ("lock_wipe_after", "2"),
            ("lock_wipe_after", "x"),
            ("lock_prompted", "yes"),
            ("retention_days", "0"),
            ("retention_days", "31"),
            ("retention_days", "x"),
            ("lock_failures", "0"),
            ("nope", "x"),
        ] {
            let e = set(&s, k, v).unwrap_err();
            assert!(e.is_bad_input(), "{k}={v}: {e}");
        }
        assert_eq!(load(&s).unwrap().language, Language::En);
        assert_eq!(load(&s).unwrap().last_route, None);
    }
}
