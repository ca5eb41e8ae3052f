//! A person's identity as an account registration gives it: the 12-digit personal ID number, the
//! full name and the date of birth. The phone checks before sending; the server decides with the
//! same functions.
//!
//! The ID number's digits (Decree 137/2015 Art. 13, Circular 59/2021/TT-BCA Art. 4): a 3-digit
//! province code of birth registration (the 63 pre-2025 provinces, Circular 07/2016/TT-BCA), a
//! century/sex digit (1900s: 0 male / 1 female; 2000s: 2/3; 2100s: 4/5 …), the last two digits of
//! the birth year, then six more.

use std::fmt;

use time::{Date, Month};
use unicode_normalization::UnicodeNormalization;

/// The longest full name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// The earliest birth year an account may give.
pub const MIN_BIRTH_YEAR: i32 = 1900;

/// What is wrong with an identity field. Messages never repeat the value (it is personal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityError {
    /// Not exactly 12 digits.
    IdNumberFormat,
    /// The first three digits are not a province code of birth registration.
    IdNumberProvince,
    /// The century/sex digit does not fit the birth year.
    IdNumberCentury,
    /// The year digits differ from the birth year.
    IdNumberYear,
    /// The name is empty.
    NameEmpty,
    /// The name has characters a name cannot have, or is too long.
    NameChars,
    /// The date of birth is not a real `YYYY-MM-DD` date.
    BirthDateFormat,
    /// The date of birth is after today, or before [`MIN_BIRTH_YEAR`].
    BirthDateRange,
}

impl IdentityError {
    /// The request field at fault: `id_number`, `full_name` or `birth_date`.
    pub const fn field(self) -> &'static str {
        match self {
            IdentityError::IdNumberFormat
            | IdentityError::IdNumberProvince
            | IdentityError::IdNumberCentury
            | IdentityError::IdNumberYear => "id_number",
            IdentityError::NameEmpty | IdentityError::NameChars => "full_name",
            IdentityError::BirthDateFormat | IdentityError::BirthDateRange => "birth_date",
        }
    }
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdentityError::IdNumberFormat => "the ID number must be exactly 12 digits",
            IdentityError::IdNumberProvince => "the ID number starts with an unknown province code",
            IdentityError::IdNumberCentury => {
                "the ID number's century digit does not match the birth year"
            }
            IdentityError::IdNumberYear => {
                "the ID number's year digits do not match the birth year"
            }
            IdentityError::NameEmpty => "the name is empty",
            IdentityError::NameChars => {
                "the name may contain letters, spaces, apostrophes, dots and hyphens only (max 100)"
            }
            IdentityError::BirthDateFormat => "the date of birth must be a real YYYY-MM-DD date",
            IdentityError::BirthDateRange => {
                "the date of birth must be between 1900-01-01 and today"
            }
        })
    }
}

impl std::error::Error for IdentityError {}

/// The 63 (pre-2025) province codes of birth registration, ascending.
const PROVINCES: &[(u16, &str)] = &[
    (1, "Hà Nội"),
    (2, "Hà Giang"),
    (4, "Cao Bằng"),
    (6, "Bắc Kạn"),
    (8, "Tuyên Quang"),
    (10, "Lào Cai"),
    (11, "Điện Biên"),
    (12, "Lai Châu"),
    (14, "Sơn La"),
    (15, "Yên Bái"),
    (17, "Hòa Bình"),
    (19, "Thái Nguyên"),
    (20, "Lạng Sơn"),
    (22, "Quảng Ninh"),
    (24, "Bắc Giang"),
    (25, "Phú Thọ"),
    (26, "Vĩnh Phúc"),
    (27, "Bắc Ninh"),
    (30, "Hải Dương"),
    (31, "Hải Phòng"),
    (33, "Hưng Yên"),
    (34, "Thái Bình"),
    (35, "Hà Nam"),
    (36, "Nam Định"),
    (37, "Ninh Bình"),
    (38, "Thanh Hóa"),
    (40, "Nghệ An"),
    (42, "Hà Tĩnh"),
    (44, "Quảng Bình"),
    (45, "Quảng Trị"),
    (46, "Thừa Thiên Huế"),
    (48, "Đà Nẵng"),
    (49, "Quảng Nam"),
    (51, "Quảng Ngãi"),
    (52, "Bình Định"),
    (54, "Phú Yên"),
    (56, "Khánh Hòa"),
    (58, "Ninh Thuận"),
    (60, "Bình Thuận"),
    (62, "Kon Tum"),
    (64, "Gia Lai"),
    (66, "Đắk Lắk"),
    (67, "Đắk Nông"),
    (68, "Lâm Đồng"),
    (70, "Bình Phước"),
    (72, "Tây Ninh"),
    (74, "Bình Dương"),
    (75, "Đồng Nai"),
    (77, "Bà Rịa–Vũng Tàu"),
    (79, "TP. Hồ Chí Minh"),
    (80, "Long An"),
    (82, "Tiền Giang"),
    (83, "Bến Tre"),
    (84, "Trà Vinh"),
    (86, "Vĩnh Long"),
    (87, "Đồng Tháp"),
    (89, "An Giang"),
    (91, "Kiên Giang"),
    (92, "Cần Thơ"),
    (93, "Hậu Giang"),
    (94, "Sóc Trăng"),
    (95, "Bạc Liêu"),
    (96, "Cà Mau"),
];

/// The (pre-2025) province of a birth-registration code, e.g. `79` → `TP. Hồ Chí Minh`.
pub fn birth_province(code: u16) -> Option<&'static str> {
    PROVINCES
        .binary_search_by_key(&code, |(c, _)| *c)
        .ok()
        .and_then(|i| PROVINCES.get(i))
        .map(|(_, name)| *name)
}

/// Every province code of birth registration, ascending.
pub fn birth_province_codes() -> impl Iterator<Item = u16> {
    PROVINCES.iter().map(|(c, _)| *c)
}

/// Checks a 12-digit personal ID number and returns its digits (spaces, dots and dashes people
/// type between groups are dropped). With a birth year, the century digit and the year digits
/// must agree with it.
pub fn check_id_number(input: &str, birth_year: Option<i32>) -> Result<String, IdentityError> {
    let v: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-'))
        .collect();
    let d = v.as_bytes();
    if d.len() != 12 || !d.iter().all(u8::is_ascii_digit) {
        return Err(IdentityError::IdNumberFormat);
    }
    let digit = |i: usize| d.get(i).map_or(0, |b| b - b'0');
    let province = u16::from(digit(0)) * 100 + u16::from(digit(1)) * 10 + u16::from(digit(2));
    if birth_province(province).is_none() {
        return Err(IdentityError::IdNumberProvince);
    }
    if let Some(year) = birth_year {
        let century_start = 1900 + i32::from(digit(3) / 2) * 100;
        if year.div_euclid(100) * 100 != century_start {
            return Err(IdentityError::IdNumberCentury);
        }
        if year.rem_euclid(100) != i32::from(digit(4) * 10 + digit(5)) {
            return Err(IdentityError::IdNumberYear);
        }
    }
    Ok(v)
}

/// Checks a full name and returns it cleaned: Unicode NFC, ends trimmed, inner whitespace one
/// space. Letters of any script (with their diacritics), spaces, apostrophes, dots and hyphens;
/// at least one letter; at most [`MAX_NAME_CHARS`] characters.
pub fn check_full_name(input: &str) -> Result<String, IdentityError> {
    let nfc: String = input.nfc().collect();
    let v = nfc.split_whitespace().collect::<Vec<_>>().join(" ");
    if v.is_empty() {
        return Err(IdentityError::NameEmpty);
    }
    let ok = v.chars().count() <= MAX_NAME_CHARS
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
        Err(IdentityError::NameChars)
    }
}

/// Checks a date of birth written `YYYY-MM-DD`: a real date from [`MIN_BIRTH_YEAR`] to `today`
/// (Vietnam's today: [`super::vietnam_today`]).
pub fn check_birth_date(input: &str, today: Date) -> Result<Date, IdentityError> {
    let s = input.trim();
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(IdentityError::BirthDateFormat);
    };
    let number = |p: &str, len: usize| {
        (p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<i32>().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(y, 4), number(m, 2), number(d, 2)) else {
        return Err(IdentityError::BirthDateFormat);
    };
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or(IdentityError::BirthDateFormat)?;
    let day = u8::try_from(day).map_err(|_| IdentityError::BirthDateFormat)?;
    let date =
        Date::from_calendar_date(year, month, day).map_err(|_| IdentityError::BirthDateFormat)?;
    if year < MIN_BIRTH_YEAR || date > today {
        return Err(IdentityError::BirthDateRange);
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 15);

    #[test]
    fn id_numbers() {
        // 079 (TP. Hồ Chí Minh), 1 = woman born in the 1900s, 85 = 1985
        assert_eq!(
            check_id_number("079 185 000 321", Some(1985)).as_deref(),
            Ok("079185000321")
        );
        assert_eq!(
            check_id_number("079185000321", None).as_deref(),
            Ok("079185000321")
        );
        // 2 = man born in the 2000s
        assert!(check_id_number("001203000123", Some(2003)).is_ok());
        assert_eq!(
            check_id_number("07918500032", None),
            Err(IdentityError::IdNumberFormat)
        );
        assert_eq!(
            check_id_number("07918500032a", None),
            Err(IdentityError::IdNumberFormat)
        );
        assert_eq!(
            check_id_number("003185000321", None),
            Err(IdentityError::IdNumberProvince)
        );
        assert_eq!(
            check_id_number("079185000321", Some(2085)),
            Err(IdentityError::IdNumberCentury)
        );
        assert_eq!(
            check_id_number("079185000321", Some(1986)),
            Err(IdentityError::IdNumberYear)
        );
        assert_eq!(IdentityError::IdNumberYear.field(), "id_number");
        assert_eq!(birth_province(79), Some("TP. Hồ Chí Minh"));
        assert_eq!(birth_province(3), None);
        assert_eq!(birth_province_codes().count(), 63);
        assert!(birth_province_codes()
            .collect::<Vec<_>>()
            .windows(2)
            .all(|w| w[0] < w[1]));
    }

    #[test]
    fn names() {
        assert_eq!(
            check_full_name("  Lê   Thị  Mẫu ").as_deref(),
            Ok("Lê Thị Mẫu")
        );
        // decomposed input comes back composed
        assert_eq!(
            check_full_name("Le\u{0302} Thi\u{0323}").as_deref(),
            Ok("Lê Thị")
        );
        assert_eq!(check_full_name("H'Hen Niê").as_deref(), Ok("H'Hen Niê"));
        assert_eq!(check_full_name("   "), Err(IdentityError::NameEmpty));
        assert_eq!(check_full_name("Nguyễn 2"), Err(IdentityError::NameChars));
        assert_eq!(check_full_name("--"), Err(IdentityError::NameChars));
        assert_eq!(
            check_full_name(&"a".repeat(101)),
            Err(IdentityError::NameChars)
        );
        assert_eq!(IdentityError::NameChars.field(), "full_name");
    }

    #[test]
    fn birth_dates() {
        assert_eq!(
            check_birth_date("1985-06-05", TODAY),
            Ok(date!(1985 - 06 - 05))
        );
        assert_eq!(check_birth_date("2026-03-15", TODAY), Ok(TODAY));
        for bad in [
            "1985-6-5",
            "05/06/1985",
            "1985-02-30",
            "1985-13-01",
            "",
            "1985",
        ] {
            assert_eq!(
                check_birth_date(bad, TODAY),
                Err(IdentityError::BirthDateFormat),
                "{bad}"
            );
        }
        assert_eq!(
            check_birth_date("2026-03-16", TODAY),
            Err(IdentityError::BirthDateRange)
        );
        assert_eq!(
            check_birth_date("1899-12-31", TODAY),
            Err(IdentityError::BirthDateRange)
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}", y in 1800i32..2300) {
            let _ = check_id_number(&s, Some(y));
            let _ = check_full_name(&s);
            let _ = check_birth_date(&s, TODAY);
        }

        #[test]
        fn an_id_made_from_a_birth_year_passes(i in 0usize..63, year in 1900i32..2100, tail in 0u32..1_000_000, female in any::<bool>()) {
            let province = birth_province_codes().nth(i).unwrap_or(1);
            let century = (year / 100 - 19) * 2 + i32::from(female);
            let id = format!("{province:03}{century}{:02}{tail:06}", year % 100);
            prop_assert_eq!(check_id_number(&id, Some(year)), Ok(id.clone()));
            // a cleaned name is its own cleaning
            let name = check_full_name("Trần  Văn Mẫu").unwrap_or_default();
            prop_assert_eq!(check_full_name(&name), Ok(name.clone()));
        }
    }
}
