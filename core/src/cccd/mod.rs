//! The QR code on the chip-based CCCD / căn cước card: UTF-8 text, fields separated by `|`:
//! 0 ID number · 1 old CMND (may be empty) · 2 full name · 3 date of birth `ddmmyyyy` · 4 sex
//! `Nam`/`Nữ` · 5 permanent address · 6 issue date `ddmmyyyy`. Cards issued after 1/7/2024 may
//! carry extra, often empty, trailing fields (up to 11 seen); they are ignored.
//!
//! Year-only and `mmyyyy` dates are accepted and flagged. Disagreements between the ID number's
//! digits and the birth year/sex are warnings (the card is what it is), anything malformed is an
//! error with a precise reason. The parser never panics (property-tested on arbitrary input).

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::error::CoreError;
use crate::validate::{self, id_number_facts, province_name, PartialDate, Sex};

/// Longest payload we look at (a real one is ~150 bytes).
pub const MAX_PAYLOAD: usize = 2048;
/// Fields on the card: 7, up to 11 on newer cards.
const MIN_FIELDS: usize = 7;
const MAX_FIELDS: usize = 11;

/// The parsed card. JSON is the CLI contract: dates `YYYY-MM-DD` (or `YYYY`/`YYYY-MM`), sex
/// `male`/`female`, `old_id_number` null when empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CccdData {
    pub id_number: String,
    pub old_id_number: Option<String>,
    pub full_name: String,
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub date_of_birth: PartialDate,
    pub sex: Sex,
    pub address: String,
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub issue_date: PartialDate,
    pub warnings: Vec<CccdWarning>,
}

/// Something odd but not fatal; the UI shows `cccd.warning.<code>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CccdWarning {
    /// The century/sex digit of the ID does not agree with the birth year or the sex field.
    IdCenturySexMismatch,
    /// The ID's two year digits differ from the birth year.
    IdYearMismatch,
    /// The ID's first three digits are not a known province code.
    IdUnknownProvince,
    DateOfBirthPartial,
    IssueDatePartial,
    /// The issue date is before the date of birth.
    IssueBeforeBirth,
}

impl CccdWarning {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::IdCenturySexMismatch => "cccd.warning.id_century_sex_mismatch",
            Self::IdYearMismatch => "cccd.warning.id_year_mismatch",
            Self::IdUnknownProvince => "cccd.warning.id_unknown_province",
            Self::DateOfBirthPartial => "cccd.warning.date_of_birth_partial",
            Self::IssueDatePartial => "cccd.warning.issue_date_partial",
            Self::IssueBeforeBirth => "cccd.warning.issue_before_birth",
        }
    }
}

/// Why a payload is not a CCCD QR. Messages never quote the payload (it is personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CccdError {
    #[error("the QR payload is empty")]
    Empty,
    #[error("the QR payload is longer than {MAX_PAYLOAD} bytes")]
    TooLong,
    #[error("the QR payload is not UTF-8 text")]
    NotText,
    #[error("this is a VietQR payment code, not an ID card")]
    VietQr,
    #[error("this is a web address, not an ID card")]
    Url,
    #[error("expected 7 to 11 fields separated by '|', found {found}")]
    FieldCount { found: usize },
    #[error("field 0 (ID number) must be 12 digits")]
    IdNumber,
    #[error("field 1 (old ID number) must be empty or 9 or 12 digits")]
    OldIdNumber,
    #[error("field 2 (full name) is empty or has characters a name cannot have")]
    Name,
    #[error("field {index} ({field}) is not a date in ddmmyyyy, mmyyyy or yyyy form")]
    Date { index: usize, field: &'static str },
    #[error("field 3 (date of birth) is in the future")]
    BirthInFuture,
    #[error("field 4 (sex) must be Nam or Nữ")]
    Sex,
    #[error("field 5 (address) is empty")]
    Address,
    #[error("the text contains control characters")]
    Control,
}

impl CccdError {
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::Empty => "cccd.error.empty",
            Self::VietQr => "cccd.error.vietqr",
            Self::Url => "cccd.error.url",
            Self::TooLong | Self::NotText | Self::FieldCount { .. } | Self::Control => {
                "cccd.error.not_cccd"
            }
            Self::IdNumber => "cccd.error.id_number",
            Self::OldIdNumber => "cccd.error.old_id_number",
            Self::Name => "cccd.error.name",
            Self::Date { .. } | Self::BirthInFuture => "cccd.error.date",
            Self::Sex => "cccd.error.sex",
            Self::Address => "cccd.error.address",
        }
    }
}

impl From<CccdError> for CoreError {
    fn from(e: CccdError) -> Self {
        CoreError::invalid("cccd", e.to_string(), e.message_key())
    }
}

/// Parses raw QR bytes (what a scanner returns).
pub fn parse_bytes(bytes: &[u8]) -> Result<CccdData, CccdError> {
    if bytes.len() > MAX_PAYLOAD {
        return Err(CccdError::TooLong);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| CccdError::NotText)?;
    parse(text)
}

/// Parses the QR text.
pub fn parse(payload: &str) -> Result<CccdData, CccdError> {
    parse_at(payload, validate::today())
}

/// [`parse`] with a fixed "today" (tests).
pub fn parse_at(payload: &str, today: PartialDate) -> Result<CccdData, CccdError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(CccdError::TooLong);
    }
    let text: String = payload
        .trim_start_matches('\u{feff}')
        .trim()
        .nfc()
        .collect();
    if text.is_empty() {
        return Err(CccdError::Empty);
    }
    // EMVCo / VietQR: starts with the payload format indicator `000201`.
    if text.starts_with("000201") && !text.contains('|') {
        return Err(CccdError::VietQr);
    }
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.") {
        return Err(CccdError::Url);
    }
    if text.chars().any(char::is_control) {
        return Err(CccdError::Control);
    }
    let fields: Vec<&str> = text.split('|').map(str::trim).collect();
    if !(MIN_FIELDS..=MAX_FIELDS).contains(&fields.len()) {
        return Err(CccdError::FieldCount {
            found: fields.len(),
        });
    }
    let id_number = fields[0];
    let facts = id_number_facts(id_number).ok_or(CccdError::IdNumber)?;
    let old_id_number = match fields[1] {
        "" => None,
        s => Some(validate::old_id_number(s).map_err(|_| CccdError::OldIdNumber)?),
    };
    let full_name = validate::name(fields[2]).map_err(|_| CccdError::Name)?;
    let date_of_birth = PartialDate::parse_card(fields[3]).ok_or(CccdError::Date {
        index: 3,
        field: "date of birth",
    })?;
    if date_of_birth.is_after(today) {
        return Err(CccdError::BirthInFuture);
    }
    let sex = match fields[4].to_lowercase().as_str() {
        "nam" => Sex::Male,
        "nữ" => Sex::Female,
        _ => return Err(CccdError::Sex),
    };
    let address = validate::clean_text(fields[5]);
    if address.is_empty() {
        return Err(CccdError::Address);
    }
    let issue_date = PartialDate::parse_card(fields[6]).ok_or(CccdError::Date {
        index: 6,
        field: "issue date",
    })?;

    let mut warnings = Vec::new();
    if province_name(facts.province_code).is_none() {
        warnings.push(CccdWarning::IdUnknownProvince);
    }
    if facts.sex != sex || date_of_birth.year.div_euclid(100) * 100 != facts.century_start {
        warnings.push(CccdWarning::IdCenturySexMismatch);
    }
    if date_of_birth.year.rem_euclid(100) != i32::from(facts.year_2) {
        warnings.push(CccdWarning::IdYearMismatch);
    }
    if date_of_birth.is_partial() {
        warnings.push(CccdWarning::DateOfBirthPartial);
    }
    if issue_date.is_partial() {
        warnings.push(CccdWarning::IssueDatePartial);
    }
    if date_of_birth.is_after(issue_date) {
        warnings.push(CccdWarning::IssueBeforeBirth);
    }
    Ok(CccdData {
        id_number: id_number.to_string(),
        old_id_number,
        full_name,
        date_of_birth,
        sex,
        address,
        issue_date,
        warnings,
    })
}

#[cfg(test)]
mod tests;
