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

/// The 63 (pre-2025) province codes of birth registration (Circular 07/2016/TT-BCA).
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

/// The old province's name for a birth-registration code.
pub fn province_name(code: u16) -> Option<&'static str> {
    PROVINCES
        .binary_search_by_key(&code, |(c, _)| *c)
        .ok()
        .map(|i| PROVINCES[i].1)
}

/// All known codes (tests, generators).
pub fn province_codes() -> impl Iterator<Item = u16> {
    PROVINCES.iter().map(|(c, _)| *c)
}
