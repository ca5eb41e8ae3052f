//! Facts encoded in the 12-digit personal ID number (Decree 137/2015 Art. 13, Circular
//! 59/2021/TT-BCA Art. 4): province code of birth registration, century/sex digit, birth year.

use super::Sex;

/// What the digits of an ID number say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdFacts {
    pub province_code: u16,
    /// 1900, 2000, … — the century of birth.
    pub century_start: i32,
    pub sex: Sex,
    /// Last two digits of the birth year.
    pub year_2: u8,
}

/// Splits a 12-digit ID number into its facts; `None` unless it is exactly 12 ASCII digits.
pub fn id_number_facts(s: &str) -> Option<IdFacts> {
    let b = s.as_bytes();
    if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let d = |i: usize| b[i] - b'0';
    let province_code = u16::from(d(0)) * 100 + u16::from(d(1)) * 10 + u16::from(d(2));
    let cs = d(3);
    Some(IdFacts {
        province_code,
        century_start: 1900 + i32::from(cs / 2) * 100,
        sex: if cs % 2 == 0 { Sex::Male } else { Sex::Female },
        year_2: d(4) * 10 + d(5),
    })
}

/// The old province's name for a birth-registration code (Circular 07/2016/TT-BCA). The table
/// lives once, in `dvc_protocol::rules`, which the server checks registrations with too.
pub fn province_name(code: u16) -> Option<&'static str> {
    dvc_protocol::rules::birth_province(code)
}

/// All known codes (tests, generators).
pub fn province_codes() -> impl Iterator<Item = u16> {
    dvc_protocol::rules::birth_province_codes()
}
