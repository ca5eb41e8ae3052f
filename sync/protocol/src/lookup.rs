//! "Tra cứu hồ sơ": anyone holding a dossier code and a second factor (the last four digits of the
//! applicant's ID number, or the phone number the dossier was filed with) sees its state and
//! timeline — no names, ID numbers, form values or attachments.
//!
//! A wrong code and a wrong factor get the same answer (`404.1`, the same body); lookups are
//! rate-limited per client address and per code (`429.1`).

use serde::{Deserialize, Serialize};

use crate::dossiers::DossierState;
use crate::rules::normalize_mobile;

/// The body of `POST /v1/dossiers/lookup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    /// The dossier code from the receipt, e.g. `000.30.27.H23-220928-0001`.
    pub code: String,
    /// The last 4 digits of the applicant's ID number, or the phone number it was filed with.
    pub factor: String,
}

/// One step of a looked-up dossier's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LookupStep {
    /// RFC 3339 UTC.
    pub at: String,
    /// What happened: the event's name (`received`, `accepted`, `supplement_requested`, …).
    pub kind: String,
    /// The dossier's state after it.
    pub state: DossierState,
    /// For `fee_requested` and `payment_claimed`: the amount in đồng.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_vnd: Option<u64>,
}

/// The answer to a lookup: what the portal's "Tra cứu hồ sơ" shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LookupResult {
    /// The dossier code.
    pub code: String,
    /// National procedure code.
    pub procedure_code: String,
    /// Receiving agency's code.
    pub agency_code: String,
    /// Current state.
    pub state: DossierState,
    /// RFC 3339 UTC.
    pub received_at: String,
    /// RFC 3339 UTC of the last change.
    pub updated_at: String,
    /// Its events, oldest first, without officers' notes or payment details.
    pub timeline: Vec<LookupStep>,
    /// The signed-in caller is its applicant (or filed it for themself): it can be added to
    /// "Hồ sơ của tôi".
    pub mine: bool,
}

/// The answer to `POST /v1/dossiers/claim` ("Thêm vào Hồ sơ của tôi"): the dossier as the
/// account's list shows it, now the caller's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimResult {
    /// The dossier, as `GET /v1/dossiers` lists it for the caller.
    pub dossier: crate::dossiers::DossierSummary,
    /// `false` when it already was the caller's (the request changed nothing).
    pub added: bool,
}

/// The second factor, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Factor {
    /// The last 4 digits of the applicant's ID number.
    IdLast4(String),
    /// A Vietnamese mobile number, normalised to `0xxxxxxxxx`.
    Phone(String),
}

/// Longest dossier code accepted (a 40-character agency code, the day and the number).
pub const MAX_CODE_CHARS: usize = 64;

/// A dossier code as the server issues them (`<agency>-YYMMDD-NNNN`: agency 1–40 of
/// `A-Z a-z 0-9 .`, six digits, four or more digits), trimmed; `None` if it has another shape.
pub fn parse_code(input: &str) -> Option<String> {
    let s = input.trim();
    if s.len() > MAX_CODE_CHARS {
        return None;
    }
    let mut parts = s.split('-');
    let (agency, day, seq) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let agency_ok = (1..=40).contains(&agency.len())
        && agency
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.');
    let day_ok = day.len() == 6 && day.bytes().all(|b| b.is_ascii_digit());
    let seq_ok = (4..=9).contains(&seq.len()) && seq.bytes().all(|b| b.is_ascii_digit());
    (agency_ok && day_ok && seq_ok).then(|| s.to_owned())
}

/// The dossier code in the text of a receipt's QR code: the code itself (the app's receipt and
/// the server's print the bare code), or a link or a line that carries exactly one code among
/// its words (e.g. `https://…/tra-cuu?ma=000.30.27.H23-220928-0001`). `None` when there is no
/// code or more than one different code, so a scanned text is never guessed at.
pub fn code_from_qr(text: &str) -> Option<String> {
    if text.len() > 2048 {
        return None;
    }
    if let Some(code) = parse_code(text) {
        return Some(code);
    }
    let mut found: Option<String> = None;
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')) {
        if let Some(code) = parse_code(word.trim_matches('.')) {
            match &found {
                Some(f) if *f != code => return None,
                _ => found = Some(code),
            }
        }
    }
    found
}

/// The second factor: exactly four digits (spaces ignored) are the ID number's last four;
/// anything else must be a Vietnamese mobile number. `None` otherwise.
pub fn parse_factor(input: &str) -> Option<Factor> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() == 4 && compact.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Factor::IdLast4(compact));
    }
    if compact.chars().count() > 20 {
        return None;
    }
    normalize_mobile(&compact).map(Factor::Phone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_issued_shape() {
        assert_eq!(
            parse_code(" 000.30.27.H23-220928-0001 ").as_deref(),
            Some("000.30.27.H23-220928-0001")
        );
        assert_eq!(
            parse_code("G01.837.000.000-260101-12345").as_deref(),
            Some("G01.837.000.000-260101-12345")
        );
        for bad in [
            "",
            "abc",
            "000.30.27.H23-22092-0001",
            "000.30.27.H23-220928-001",
            "000.30.27.H23-220928-0001-1",
            "000 30-220928-0001",
            "-220928-0001",
            "000.30.27.H23-2209a8-0001",
            &format!("{}-220928-0001", "A".repeat(41)),
        ] {
            assert_eq!(parse_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_receipt_qr_gives_its_one_code() {
        let code = "000.30.27.H23-220928-0001";
        for text in [
            code.to_string(),
            format!(" {code}\n"),
            format!("https://dichvucong.example/tra-cuu-ho-so?ma={code}&lang=vi"),
            format!("https://portal.example/ho-so/{code}"),
            format!("Mã hồ sơ: {code}. Ngày hẹn trả: 30/12/2026"),
            format!("{code} {code}"),
        ] {
            assert_eq!(code_from_qr(&text).as_deref(), Some(code), "{text:?}");
        }
        for text in [
            "",
            "DVCVOL1:abc",
            "https://dichvucong.example/tra-cuu-ho-so",
            "000.30.27.H23-220928-0001 000.30.27.H23-220928-0002",
            "001099012345|Nguyễn Văn A|01011990|Nam|Hà Nội|01012021",
            &"9".repeat(5000),
        ] {
            assert_eq!(code_from_qr(text), None, "{text:?}");
        }
    }

    #[test]
    fn factors_are_four_digits_or_a_mobile_number() {
        assert_eq!(parse_factor("1234"), Some(Factor::IdLast4("1234".into())));
        assert_eq!(
            parse_factor(" 12 34 "),
            Some(Factor::IdLast4("1234".into()))
        );
        assert_eq!(
            parse_factor("+84 912 345 678"),
            Some(Factor::Phone("0912345678".into()))
        );
        for bad in [
            "",
            "123",
            "12345",
            "abcd",
            "0000000000000000000000001",
            "١٢٣٤",
        ] {
            assert_eq!(parse_factor(bad), None, "{bad:?}");
        }
    }
}
