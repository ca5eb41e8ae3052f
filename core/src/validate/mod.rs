//! Pure validators for people's details (see `docs/domain/`): the 12-digit personal ID
//! number, the old 9-digit CMND, Vietnamese mobile numbers, e-mail, dates and names. Each failure
//! carries a UI message key `validation.*`; nothing here touches the store or logs input.

mod date;
mod id;

pub use date::{today, PartialDate};
pub use id::{id_number_facts, province_codes, province_name, IdFacts};

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::error::CoreError;

/// Sex as printed on the card (`Nam`/`Nữ`); `male`/`female` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }

    /// `male`/`female` (CLI, UI) or the card's `Nam`/`Nữ`, any case.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let v: String = s.trim().nfc().collect::<String>().to_lowercase();
        match v.as_str() {
            "male" | "nam" | "m" => Ok(Self::Male),
            "female" | "nữ" | "f" => Ok(Self::Female),
            _ => Err(ValidationError::Sex),
        }
    }
}

/// Why a value was refused. The message never contains the value itself (it may be personal).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("the ID number must be exactly 12 digits")]
    IdFormat,
    #[error("the ID number starts with an unknown province code")]
    IdProvince,
    #[error("the ID number's century/sex digit does not match the birth year or sex")]
    IdCenturySex,
    #[error("the ID number's year digits do not match the birth year")]
    IdYear,
    #[error("the old ID (CMND) number must be 9 or 12 digits")]
    OldIdFormat,
    #[error("not a Vietnamese mobile number (10 digits starting with 0, or +84)")]
    Phone,
    #[error("not a valid e-mail address")]
    Email,
    #[error("{field}: not a valid date (expected YYYY-MM-DD)")]
    Date { field: &'static str },
    #[error("{field}: the date is in the future")]
    DateFuture { field: &'static str },
    #[error("the issue date is before the date of birth")]
    IssueBeforeBirth,
    #[error("the name is empty")]
    NameEmpty,
    #[error("the name may contain letters, spaces, apostrophes, dots and hyphens only (max 100)")]
    NameChars,
    #[error("sex must be male or female (Nam/Nữ)")]
    Sex,
    #[error("{field} is too long (max {max} characters)")]
    TooLong { field: &'static str, max: usize },
}

impl ValidationError {
    /// The UI dictionary key of the plain-language message.
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::IdFormat => "validation.id_number_format",
            Self::IdProvince => "validation.id_number_province",
            Self::IdCenturySex => "validation.id_number_century",
            Self::IdYear => "validation.id_number_year",
            Self::OldIdFormat => "validation.old_id_format",
            Self::Phone => "validation.phone_invalid",
            Self::Email => "validation.email_invalid",
            Self::Date { .. } => "validation.date_invalid",
            Self::DateFuture { .. } => "validation.date_future",
            Self::IssueBeforeBirth => "validation.issue_before_birth",
            Self::NameEmpty => "validation.name_empty",
            Self::NameChars => "validation.name_invalid",
            Self::Sex => "validation.sex_invalid",
            Self::TooLong { .. } => "validation.too_long",
        }
    }

    /// Every key, for the UI dictionary test.
    pub const ALL_KEYS: &'static [&'static str] = &[
        "validation.id_number_format",
        "validation.id_number_province",
        "validation.id_number_century",
        "validation.id_number_year",
        "validation.old_id_format",
        "validation.phone_invalid",
        "validation.email_invalid",
        "validation.date_invalid",
        "validation.date_future",
        "validation.issue_before_birth",
        "validation.name_empty",
        "validation.name_invalid",
        "validation.sex_invalid",
        "validation.too_long",
    ];

    /// As a core error for `field`.
    pub fn for_field(self, field: &str) -> CoreError {
        CoreError::invalid(field, self.to_string(), self.message_key())
    }
}

/// Digits only, with spaces, dots and dashes people type as separators removed.
fn strip_separators(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '(' | ')'))
        .collect()
}

/// The 12-digit personal ID number: digits, a known province code, and — when the birth year
/// and/or sex are known — a century/sex digit and year digits that agree with them.
pub fn id_number(
    s: &str,
    birth_year: Option<i32>,
    sex: Option<Sex>,
) -> Result<String, ValidationError> {
    let v = strip_separators(s);
    let facts = id_number_facts(&v).ok_or(ValidationError::IdFormat)?;
    if province_name(facts.province_code).is_none() {
        return Err(ValidationError::IdProvince);
    }
    if let Some(sex) = sex {
        if facts.sex != sex {
            return Err(ValidationError::IdCenturySex);
        }
    }
    if let Some(year) = birth_year {
        if year.div_euclid(100) * 100 != facts.century_start {
            return Err(ValidationError::IdCenturySex);
        }
        if year.rem_euclid(100) != i32::from(facts.year_2) {
            return Err(ValidationError::IdYear);
        }
    }
    Ok(v)
}

/// The old CMND number: 9 digits (some were 12).
pub fn old_id_number(s: &str) -> Result<String, ValidationError> {
    let v = strip_separators(s);
    if (v.len() == 9 || v.len() == 12) && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(v)
    } else {
        Err(ValidationError::OldIdFormat)
    }
}

/// A Vietnamese mobile number, normalised to `0` + 9 digits: the rule the server applies too
/// ([`dvc_protocol::rules::normalize_mobile`]: `+84`, `84`, `0084` prefixes, separators ignored,
/// libphonenumber's mobile ranges).
pub fn phone(s: &str) -> Result<String, ValidationError> {
    dvc_protocol::rules::normalize_mobile(s).ok_or(ValidationError::Phone)
}

/// An e-mail address in the common `local@domain.tld` form, lower-cased domain.
pub fn email(s: &str) -> Result<String, ValidationError> {
    let v = s.trim();
    if v.len() > 254 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ValidationError::Email);
    }
    let (local, domain) = v.rsplit_once('@').ok_or(ValidationError::Email)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic));
    if local_ok && domain_ok {
        Ok(format!("{local}@{}", domain.to_lowercase()))
    } else {
        Err(ValidationError::Email)
    }
}

/// A date of birth: a real (possibly partial) date, not in the future.
pub fn birth_date(s: &str, today: PartialDate) -> Result<PartialDate, ValidationError> {
    let d = PartialDate::parse_iso(s).ok_or(ValidationError::Date {
        field: "date_of_birth",
    })?;
    if d.is_after(today) {
        return Err(ValidationError::DateFuture {
            field: "date_of_birth",
        });
    }
    Ok(d)
}

/// An issue date: a real date, not in the future, not before the date of birth (when known).
pub fn issue_date(
    s: &str,
    birth: Option<PartialDate>,
    today: PartialDate,
) -> Result<PartialDate, ValidationError> {
    let d = PartialDate::parse_iso(s).ok_or(ValidationError::Date {
        field: "issue_date",
    })?;
    if d.is_after(today) {
        return Err(ValidationError::DateFuture {
            field: "issue_date",
        });
    }
    if birth.is_some_and(|b| b.is_after(d)) {
        return Err(ValidationError::IssueBeforeBirth);
    }
    Ok(d)
}

/// NFC, trimmed, inner whitespace collapsed to one space.
pub fn clean_text(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A free-text field (address, place of birth): cleaned, at most `max` characters.
pub fn text(s: &str, field: &'static str, max: usize) -> Result<String, ValidationError> {
    let v = clean_text(s);
    if v.chars().count() > max {
        return Err(ValidationError::TooLong { field, max });
    }
    Ok(v)
}

/// A person's full name: NFC, trimmed, spaces collapsed; letters (any script, with diacritics),
/// spaces, apostrophes, dots and hyphens; at most 100 characters.
pub fn name(s: &str) -> Result<String, ValidationError> {
    let v = clean_text(s);
    if v.is_empty() {
        return Err(ValidationError::NameEmpty);
    }
    let ok = v.chars().count() <= 100
        && v.chars().any(char::is_alphabetic)
        && v.chars().all(|c| {
            c.is_alphabetic()
                || c == ' '
                || matches!(c, '\'' | '’' | '.' | '-')
                || unicode_normalization::char::is_combining_mark(c)
        });
    if ok {
        Ok(v)
    } else {
        Err(ValidationError::NameChars)
    }
}

/// The upper-case form some paper forms want (`NGUYỄN VĂN A`), NFC.
pub fn name_upper(s: &str) -> String {
    clean_text(s).to_uppercase().nfc().collect()
}

/// Lower-case, diacritics removed (`đ` → `d`): for searching names typed without accents.
pub fn fold_for_search(s: &str) -> String {
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

#[cfg(test)]
mod tests;
