//! VietQR: the EMVCo merchant-presented QR payload that Vietnamese banking apps scan to pay by
//! bank transfer (NAPAS 247), and the SVG rendering of QR codes for the app's screens.
//!
//! Payload (see `docs/domain/vietqr.md`): data objects `tag(2) length(2) value`, in this order:
//!
//! | tag | value |
//! |-----|-------|
//! | 00  | `01` (payload format) — first |
//! | 01  | `11` static (no amount) or `12` dynamic (with amount) |
//! | 38  | NAPAS template: 00 GUID `A000000727`; 01 beneficiary = [00 bank BIN (6 digits), 01 account or card number (≤ 19)]; 02 service `QRIBFTTA` (to an account) or `QRIBFTTC` (to a card) |
//! | 53  | `704` (VND) |
//! | 54  | amount in đồng, digits only (VND has no decimals) |
//! | 58  | `VN` |
//! | 62  | additional data: 08 purpose (the transfer note, ≤ 25 characters) |
//! | 63  | CRC-16/CCITT-FALSE over everything before it including the literal `6304`, 4 upper-case hex digits — last |
//!
//! [`encode`] validates and writes a payload; [`decode`] checks it (CRC first, then structure and
//! meaning) and returns the same [`VietQr`]. Data objects this module does not interpret (52 MCC,
//! 59 merchant name, 60 city, other sub-fields of 62 …) are kept in [`VietQr::extra`] and
//! [`VietQr::additional`] and written back in tag order, as EMVCo asks of a reader; unknown
//! sub-fields of template 38 are ignored. Point of initiation 11/12 is derived from whether there
//! is an amount; a decoded payload with `11` and an amount (or `12` without) is accepted as is.
//!
//! **Purpose (transfer note).** Banking apps differ in what they accept in a transfer note; many
//! reject or silently drop diacritics and symbols. So the purpose is limited to ASCII letters,
//! digits, space and `. , - _ /` (enough for a dossier code such as `000.30.27.H23-220928-0001`),
//! at most 25 characters. [`encode`] first transliterates Vietnamese to ASCII with
//! [`ascii_purpose`] (`"Nộp phí hồ sơ"` → `"Nop phi ho so"`, `đ`/`Đ` → `d`/`D`); whatever is still
//! outside that set is an error, never silently dropped. [`decode`] applies the same rule without
//! transliterating (a payload is ASCII).
//!
//! Nothing here panics on any input; every rejection is a distinct [`VietQrError`].

mod crc;
mod pay;
mod svg;
mod tlv;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

pub use crc::{crc16_ccitt_false, crc_hex};
pub use pay::{pay_qr, PayQr};
pub use svg::{qr_svg, QrSvgError, QUIET_ZONE};

/// The NAPAS GUID in sub-field 00 of tag 38: what makes an EMVCo QR a VietQR.
pub const NAPAS_GUID: &str = "A000000727";
/// Longest payload EMVCo allows.
pub const MAX_PAYLOAD: usize = 512;
/// Longest purpose (62.08).
pub const MAX_PURPOSE: usize = 25;
/// Longest account or card number (38.01.01).
pub const MAX_ACCOUNT: usize = 19;
/// Largest amount: EMVCo tag 54 holds at most 13 characters.
pub const MAX_AMOUNT_VND: u64 = 9_999_999_999_999;
/// The symbols a purpose may hold besides ASCII letters and digits.
pub const PURPOSE_SYMBOLS: &str = " .,-_/";

/// Top-level tags this module writes itself (not allowed in [`VietQr::extra`]).
const KNOWN_TAGS: [&str; 8] = ["00", "01", "38", "53", "54", "58", "62", "63"];
/// Sub-fields of 62 this module writes itself (not allowed in [`VietQr::additional`]).
const KNOWN_ADDITIONAL: [&str; 1] = ["08"];

/// Transfer to a bank account or to a card number (38.02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Service {
    /// `QRIBFTTA`: to an account number.
    #[serde(rename = "QRIBFTTA")]
    ToAccount,
    /// `QRIBFTTC`: to a card number.
    #[serde(rename = "QRIBFTTC")]
    ToCard,
}

impl Service {
    /// The code in the payload.
    pub fn code(self) -> &'static str {
        match self {
            Self::ToAccount => "QRIBFTTA",
            Self::ToCard => "QRIBFTTC",
        }
    }

    /// The service for a payload code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "QRIBFTTA" => Some(Self::ToAccount),
            "QRIBFTTC" => Some(Self::ToCard),
            _ => None,
        }
    }
}

/// What a VietQR says: who to pay, how much, with which note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VietQr {
    /// NAPAS bank BIN, 6 digits (e.g. `970415`).
    pub bank_bin: String,
    /// Account number (or card number with [`Service::ToCard`]): 1–19 ASCII letters or digits.
    pub account: String,
    pub service: Service,
    /// Amount in đồng; `None` makes a static QR (the payer types the amount).
    pub amount_vnd: Option<u64>,
    /// Transfer note (62.08); see the module docs for the accepted characters.
    pub purpose: Option<String>,
    /// Other top-level data objects by tag (e.g. `59` merchant name), kept from a decoded payload.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
    /// Other sub-fields of 62 by tag (e.g. `01` bill number, `05` reference label).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub additional: BTreeMap<String, String>,
}

impl VietQr {
    /// A static QR to an account: no amount, no note.
    pub fn to_account(bank_bin: impl Into<String>, account: impl Into<String>) -> Self {
        Self {
            bank_bin: bank_bin.into(),
            account: account.into(),
            service: Service::ToAccount,
            amount_vnd: None,
            purpose: None,
            extra: BTreeMap::new(),
            additional: BTreeMap::new(),
        }
    }

    /// Dynamic (`12`) when there is an amount, static (`11`) otherwise.
    pub fn is_dynamic(&self) -> bool {
        self.amount_vnd.is_some()
    }
}

/// Why a VietQR could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VietQrError {
    #[error("the payload is empty")]
    Empty,
    #[error("the payload is {len} characters long; an EMVCo QR payload has at most {max}", max = MAX_PAYLOAD)]
    TooLong { len: usize },
    #[error(
        "character U+{code:04X} at position {at} is not printable ASCII; a VietQR payload is plain ASCII"
    )]
    BadCharacter { at: usize, code: u32 },
    #[error("{template}: only {remaining} characters left at position {at}, a data object needs at least 4 (tag and length)")]
    TruncatedHeader {
        template: String,
        at: usize,
        remaining: usize,
    },
    #[error("expected a 2-digit tag at position {at}, found {found:?}")]
    BadTag { at: usize, found: String },
    #[error("tag {tag}: the length at position {at} must be two digits 01-99, found {found:?}")]
    BadLength {
        tag: String,
        at: usize,
        found: String,
    },
    #[error(
        "tag {tag} at position {at} declares {declared} characters but only {remaining} follow"
    )]
    Truncated {
        tag: String,
        at: usize,
        declared: usize,
        remaining: usize,
    },
    #[error("tag {tag} appears twice")]
    DuplicateTag { tag: String },
    #[error("the CRC (tag 63) is missing")]
    MissingCrc,
    #[error("the CRC (tag 63) must be the last data object")]
    CrcNotLast,
    #[error("the CRC (tag 63) must be 4 hexadecimal digits, found {found:?}")]
    BadCrcFormat { found: String },
    #[error(
        "wrong CRC: the payload says {found}, its content gives {computed} (damaged or altered)"
    )]
    WrongCrc { found: String, computed: String },
    #[error("the payload must start with tag 00 (payload format), found tag {found}")]
    FormatNotFirst { found: String },
    #[error("tag 00 (payload format) must be \"01\", found {found:?}")]
    BadFormatIndicator { found: String },
    #[error("required tag {tag} ({name}) is missing")]
    MissingTag {
        tag: &'static str,
        name: &'static str,
    },
    #[error("tag 01 (point of initiation) must be 11 (static) or 12 (dynamic), found {found:?}")]
    BadInitiation { found: String },
    #[error("not a VietQR: tag 38.00 is {found:?}, not the NAPAS GUID {guid}", guid = NAPAS_GUID)]
    NotVietQr { found: String },
    #[error("the bank BIN must be 6 digits, found {found:?}")]
    BadBin { found: String },
    #[error("the account number must be 1 to {max} characters, it has {len}", max = MAX_ACCOUNT)]
    AccountLength { len: usize },
    #[error("the account number may hold only ASCII letters and digits; position {at} holds something else")]
    AccountChar { at: usize },
    #[error("the service (tag 38.02) must be QRIBFTTA (to an account) or QRIBFTTC (to a card), found {found:?}")]
    BadService { found: String },
    #[error("the currency (tag 53) must be 704 (VND), found {found:?}")]
    WrongCurrency { found: String },
    #[error("the country (tag 58) must be VN, found {found:?}")]
    WrongCountry { found: String },
    #[error("bad amount {found:?}: {reason}")]
    BadAmount { found: String, reason: &'static str },
    #[error("the purpose is empty; leave it out instead")]
    PurposeEmpty,
    #[error("the purpose is {len} characters long; banking apps take at most {max}", max = MAX_PURPOSE)]
    PurposeTooLong { len: usize },
    #[error("the purpose holds {ch:?} at position {at}; banking apps accept only letters, digits, spaces and . , - _ /")]
    PurposeChar { ch: char, at: usize },
    #[error("extra data object {tag}: {reason}")]
    BadExtra { tag: String, reason: &'static str },
    #[error("template {tag} would be {len} characters long; a data object holds at most 99")]
    TemplateTooLong { tag: &'static str, len: usize },
}

impl VietQrError {
    /// UI dictionary key of the plain-language message.
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::BadBin { .. } => "vietqr.bank_bin_invalid",
            Self::AccountLength { .. } | Self::AccountChar { .. } => "vietqr.account_invalid",
            Self::BadAmount { .. } => "vietqr.amount_invalid",
            Self::PurposeEmpty | Self::PurposeTooLong { .. } | Self::PurposeChar { .. } => {
                "vietqr.purpose_invalid"
            }
            Self::WrongCrc { .. } => "vietqr.wrong_crc",
            Self::NotVietQr { .. } => "vietqr.not_vietqr",
            _ => "vietqr.malformed",
        }
    }

    /// The input field at fault (for [`CoreError::Invalid`]).
    pub fn field(&self) -> &'static str {
        match self {
            Self::BadBin { .. } => "bank_bin",
            Self::AccountLength { .. } | Self::AccountChar { .. } => "account",
            Self::BadAmount { .. } => "amount_vnd",
            Self::PurposeEmpty | Self::PurposeTooLong { .. } | Self::PurposeChar { .. } => {
                "purpose"
            }
            _ => "payload",
        }
    }
}

impl From<VietQrError> for CoreError {
    fn from(e: VietQrError) -> Self {
        CoreError::invalid(e.field(), e.to_string(), e.message_key())
    }
}

/// Transliterates Vietnamese (and other Latin text with diacritics) to plain ASCII for a transfer
/// note: decomposes (NFD), drops the combining marks and maps `đ`/`Đ` to `d`/`D`. Characters
/// without an ASCII base are left as they are (and then refused by [`encode`]).
pub fn ascii_purpose(text: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

/// Writes the payload, CRC included. Validates every field (see [`VietQrError`]); the purpose is
/// transliterated with [`ascii_purpose`] first.
pub fn encode(q: &VietQr) -> Result<String, VietQrError> {
    check_bin(&q.bank_bin)?;
    check_account(&q.account)?;
    if let Some(amount) = q.amount_vnd {
        check_amount(amount)?;
    }
    let purpose = match &q.purpose {
        Some(p) => {
            let p = ascii_purpose(p);
            check_purpose(&p)?;
            Some(p)
        }
        None => None,
    };
    for (tag, value) in &q.extra {
        check_extra(tag, value, &KNOWN_TAGS)?;
    }
    for (tag, value) in &q.additional {
        check_extra(tag, value, &KNOWN_ADDITIONAL)?;
    }

    let mut beneficiary = String::new();
    tlv::push(&mut beneficiary, "00", &q.bank_bin);
    tlv::push(&mut beneficiary, "01", &q.account);
    let mut merchant = String::new();
    tlv::push(&mut merchant, "00", NAPAS_GUID);
    tlv::push(&mut merchant, "01", &beneficiary);
    tlv::push(&mut merchant, "02", q.service.code());

    let mut top: Vec<(&str, String)> = vec![
        ("00", "01".into()),
        ("01", if q.is_dynamic() { "12" } else { "11" }.into()),
        ("38", merchant),
        ("53", "704".into()),
        ("58", "VN".into()),
    ];
    if let Some(amount) = q.amount_vnd {
        top.push(("54", amount.to_string()));
    }
    let mut additional: Vec<(&str, &str)> = q
        .additional
        .iter()
        .map(|(t, v)| (t.as_str(), v.as_str()))
        .collect();
    if let Some(p) = &purpose {
        additional.push(("08", p.as_str()));
    }
    if !additional.is_empty() {
        additional.sort_by(|a, b| a.0.cmp(b.0));
        let mut value = String::new();
        for (tag, v) in additional {
            tlv::push(&mut value, tag, v);
        }
        if value.len() > 99 {
            return Err(VietQrError::TemplateTooLong {
                tag: "62",
                len: value.len(),
            });
        }
        top.push(("62", value));
    }
    for (tag, value) in &q.extra {
        top.push((tag.as_str(), value.clone()));
    }
    top.sort_by(|a, b| a.0.cmp(b.0));

    let mut out = String::new();
    for (tag, value) in &top {
        tlv::push(&mut out, tag, value);
    }
    out.push_str("6304");
    if out.len() + 4 > MAX_PAYLOAD {
        return Err(VietQrError::TooLong { len: out.len() + 4 });
    }
    let crc = crc_hex(out.as_bytes());
    out.push_str(&crc);
    Ok(out)
}

/// Reads a payload: printable ASCII, well-formed TLV, CRC right, then the VietQR fields.
pub fn decode(payload: &str) -> Result<VietQr, VietQrError> {
    if payload.is_empty() {
        return Err(VietQrError::Empty);
    }
    let len = payload.chars().count();
    if len > MAX_PAYLOAD {
        return Err(VietQrError::TooLong { len });
    }
    if let Some((at, c)) = payload
        .chars()
        .enumerate()
        .find(|(_, c)| !(' '..='~').contains(c))
    {
        return Err(VietQrError::BadCharacter {
            at,
            code: u32::from(c),
        });
    }
    let fields = tlv::parse(payload, 0, "")?;

    // CRC before meaning: a damaged payload says "damaged", not some field error.
    let crc_index = fields
        .iter()
        .position(|f| f.tag == "63")
        .ok_or(VietQrError::MissingCrc)?;
    if crc_index + 1 != fields.len() {
        return Err(VietQrError::CrcNotLast);
    }
    let crc_field = &fields[crc_index];
    if crc_field.value.len() != 4 || !crc_field.value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(VietQrError::BadCrcFormat {
            found: crc_field.value.to_string(),
        });
    }
    let computed = crc_hex(&payload.as_bytes()[..crc_field.at + 4]);
    if !computed.eq_ignore_ascii_case(crc_field.value) {
        return Err(VietQrError::WrongCrc {
            found: crc_field.value.to_string(),
            computed,
        });
    }

    match fields.first() {
        Some(f) if f.tag == "00" => {
            if f.value != "01" {
                return Err(VietQrError::BadFormatIndicator {
                    found: f.value.to_string(),
                });
            }
        }
        Some(f) => {
            return Err(VietQrError::FormatNotFirst {
                found: f.tag.to_string(),
            })
        }
        None => return Err(VietQrError::Empty),
    }
    let get = |tag: &str| fields.iter().find(|f| f.tag == tag);
    let require = |tag: &'static str, name: &'static str| {
        get(tag).ok_or(VietQrError::MissingTag { tag, name })
    };

    let initiation = require("01", "point of initiation")?;
    if initiation.value != "11" && initiation.value != "12" {
        return Err(VietQrError::BadInitiation {
            found: initiation.value.to_string(),
        });
    }

    let merchant = require("38", "NAPAS merchant account information")?;
    let sub = tlv::parse(merchant.value, merchant.at + 4, "38")?;
    let sub_get = |tag: &str| sub.iter().find(|f| f.tag == tag);
    let guid = sub_get("00").ok_or(VietQrError::MissingTag {
        tag: "38.00",
        name: "GUID",
    })?;
    if !guid.value.eq_ignore_ascii_case(NAPAS_GUID) {
        return Err(VietQrError::NotVietQr {
            found: guid.value.to_string(),
        });
    }
    let beneficiary = sub_get("01").ok_or(VietQrError::MissingTag {
        tag: "38.01",
        name: "beneficiary",
    })?;
    let ben = tlv::parse(beneficiary.value, beneficiary.at + 4, "38.01")?;
    let ben_get = |tag: &str| ben.iter().find(|f| f.tag == tag);
    let bank_bin = ben_get("00")
        .ok_or(VietQrError::MissingTag {
            tag: "38.01.00",
            name: "bank BIN",
        })?
        .value;
    check_bin(bank_bin)?;
    let account = ben_get("01")
        .ok_or(VietQrError::MissingTag {
            tag: "38.01.01",
            name: "account number",
        })?
        .value;
    check_account(account)?;
    let service_code = sub_get("02")
        .ok_or(VietQrError::MissingTag {
            tag: "38.02",
            name: "service code",
        })?
        .value;
    let service = Service::from_code(service_code).ok_or_else(|| VietQrError::BadService {
        found: service_code.to_string(),
    })?;

    let currency = require("53", "currency")?;
    if currency.value != "704" {
        return Err(VietQrError::WrongCurrency {
            found: currency.value.to_string(),
        });
    }
    let amount_vnd = get("54").map(|f| parse_amount(f.value)).transpose()?;
    let country = require("58", "country")?;
    if country.value != "VN" {
        return Err(VietQrError::WrongCountry {
            found: country.value.to_string(),
        });
    }

    let mut purpose = None;
    let mut additional = BTreeMap::new();
    if let Some(data) = get("62") {
        for f in tlv::parse(data.value, data.at + 4, "62")? {
            if f.tag == "08" {
                check_purpose(f.value)?;
                purpose = Some(f.value.to_string());
            } else {
                additional.insert(f.tag.to_string(), f.value.to_string());
            }
        }
    }
    let extra = fields
        .iter()
        .filter(|f| !KNOWN_TAGS.contains(&f.tag))
        .map(|f| (f.tag.to_string(), f.value.to_string()))
        .collect();

    Ok(VietQr {
        bank_bin: bank_bin.to_string(),
        account: account.to_string(),
        service,
        amount_vnd,
        purpose,
        extra,
        additional,
    })
}

fn check_bin(bin: &str) -> Result<(), VietQrError> {
    if bin.len() == 6 && bin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(VietQrError::BadBin {
            found: bin.chars().take(20).collect(),
        })
    }
}

fn check_account(account: &str) -> Result<(), VietQrError> {
    let len = account.chars().count();
    if len == 0 || len > MAX_ACCOUNT {
        return Err(VietQrError::AccountLength { len });
    }
    match account.chars().position(|c| !c.is_ascii_alphanumeric()) {
        Some(at) => Err(VietQrError::AccountChar { at }),
        None => Ok(()),
    }
}

fn check_amount(amount: u64) -> Result<(), VietQrError> {
    if amount == 0 {
        return Err(VietQrError::BadAmount {
            found: "0".into(),
            reason: "the amount must be at least 1 đồng",
        });
    }
    if amount > MAX_AMOUNT_VND {
        return Err(VietQrError::BadAmount {
            found: amount.to_string(),
            reason: "more than 13 digits",
        });
    }
    Ok(())
}

fn parse_amount(text: &str) -> Result<u64, VietQrError> {
    let bad = |reason| VietQrError::BadAmount {
        found: text.to_string(),
        reason,
    };
    if text.len() > 13 {
        return Err(bad("more than 13 characters"));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("VND amounts are whole đồng: digits only"));
    }
    if text.starts_with('0') {
        return Err(bad("an amount does not start with 0"));
    }
    let amount = text.parse::<u64>().map_err(|_| bad("not a whole number"))?;
    check_amount(amount)?;
    Ok(amount)
}

fn purpose_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || PURPOSE_SYMBOLS.contains(c)
}

fn check_purpose(purpose: &str) -> Result<(), VietQrError> {
    if purpose.is_empty() {
        return Err(VietQrError::PurposeEmpty);
    }
    if let Some((at, ch)) = purpose
        .chars()
        .enumerate()
        .find(|(_, c)| !purpose_char_ok(*c))
    {
        return Err(VietQrError::PurposeChar { ch, at });
    }
    if purpose.len() > MAX_PURPOSE {
        return Err(VietQrError::PurposeTooLong { len: purpose.len() });
    }
    Ok(())
}

fn check_extra(tag: &str, value: &str, known: &[&str]) -> Result<(), VietQrError> {
    let bad = |reason| VietQrError::BadExtra {
        tag: tag.chars().take(8).collect(),
        reason,
    };
    if tag.len() != 2 || !tag.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("the tag must be two digits"));
    }
    if known.contains(&tag) {
        return Err(bad("this tag is written from the typed fields"));
    }
    if value.is_empty() || value.len() > 99 {
        return Err(bad("the value must be 1 to 99 characters"));
    }
    if !value.chars().all(|c| (' '..='~').contains(&c)) {
        return Err(bad("the value must be printable ASCII"));
    }
    Ok(())
}
