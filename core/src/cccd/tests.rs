use proptest::prelude::*;

use super::*;

fn today() -> PartialDate {
    PartialDate::parse_iso("2026-11-23").unwrap()
}

/// Synthetic card: made-up ID number and name, never a real person's.
const SAMPLE: &str = "079085001234|123456789|Phạm Thị Thử Nghiệm|15031985|Nữ|12 Đường Số 1, Phường Mẫu, TP. Hồ Chí Minh|01072021";

#[test]
fn parses_a_seven_field_card() {
    // 0 = 1900s male, but the card says Nữ: a warning, not an error.
    let c = parse_at(SAMPLE, today()).unwrap();
    assert_eq!(c.id_number, "079085001234");
    assert_eq!(c.old_id_number.as_deref(), Some("123456789"));
    assert_eq!(c.full_name, "Phạm Thị Thử Nghiệm");
    assert_eq!(c.date_of_birth.to_string(), "1985-03-15");
    assert_eq!(c.sex, Sex::Female);
    assert_eq!(c.issue_date.to_string(), "2021-07-01");
    assert_eq!(c.warnings, vec![CccdWarning::IdCenturySexMismatch]);
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["sex"], "female");
    assert_eq!(json["date_of_birth"], "1985-03-15");
    assert_eq!(json["warnings"][0], "id_century_sex_mismatch");
}

#[test]
fn consistent_card_has_no_warnings_and_empty_old_id_is_null() {
    let p = "001303009999||Lê Văn Mẫu|02022003|Nam|Thôn 1, Xã Thử|10102022";
    // 3 = 2000s female but Nam → mismatch; use 2 for male.
    let p2 = p.replacen("001303", "001203", 1);
    let c = parse_at(&p2, today()).unwrap();
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(c.old_id_number, None);
    assert_eq!(
        serde_json::to_value(&c).unwrap()["old_id_number"],
        serde_json::Value::Null
    );
    assert_eq!(
        parse_at(p, today()).unwrap().warnings,
        vec![CccdWarning::IdCenturySexMismatch]
    );
}

#[test]
fn newer_cards_with_trailing_fields_and_nfd_text() {
    let nfd: String = SAMPLE.nfd().collect();
    let p = format!("\u{feff}{nfd}||||\n");
    let c = parse_at(&p, today()).unwrap();
    assert_eq!(c.full_name, "Phạm Thị Thử Nghiệm");
    assert_eq!(c.sex, Sex::Female);
}

#[test]
fn partial_dates_are_accepted_and_flagged() {
    let p = "079085001234||Trần Văn Mẫu|1985|Nam|Ấp 2, Xã Mẫu|072021";
    let c = parse_at(p, today()).unwrap();
    assert_eq!(c.date_of_birth.to_string(), "1985");
    assert_eq!(c.issue_date.to_string(), "2021-07");
    assert!(c.warnings.contains(&CccdWarning::DateOfBirthPartial));
    assert!(c.warnings.contains(&CccdWarning::IssueDatePartial));
}

#[test]
fn cross_checks_are_warnings() {
    let p = "003086001234||Trần Văn Mẫu|01011985|Nam|Ấp 2|01012021";
    let c = parse_at(p, today()).unwrap();
    assert_eq!(
        c.warnings,
        vec![CccdWarning::IdUnknownProvince, CccdWarning::IdYearMismatch]
    );
}

#[test]
fn malformed_payloads_are_rejected_precisely() {
    let cases: &[(&str, CccdError)] = &[
        ("", CccdError::Empty),
        ("   \n", CccdError::Empty),
        (
            "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4",
            CccdError::VietQr,
        ),
        ("https://dichvucong.gov.vn/p/home", CccdError::Url),
        ("079085001234|x|y", CccdError::FieldCount { found: 3 }),
        ("a|b|c|d|e|f|g|h|i|j|k|l", CccdError::FieldCount { found: 12 }),
        ("07908500123|||15031985|Nam|A|01072021", CccdError::IdNumber),
        ("07908500123x||Tên|15031985|Nam|A|01072021", CccdError::IdNumber),
        ("079085001234|12|Tên|15031985|Nam|A|01072021", CccdError::OldIdNumber),
        ("079085001234||Tên 9|15031985|Nam|A|01072021", CccdError::Name),
        ("079085001234||Tên|31021985|Nam|A|01072021", CccdError::Date { index: 3, field: "date of birth" }),
        ("079085001234||Tên|15031985|Male|A|01072021", CccdError::Sex),
        ("079085001234||Tên|15031985|Nam||01072021", CccdError::Address),
        ("079085001234||Tên|15031985|Nam|A|1072021", CccdError::Date { index: 6, field: "issue date" }),
        ("079025001234||Tên|15032027|Nam|A|01072021", CccdError::BirthInFuture),
        ("079085001234||T\u{7}ên|15031985|Nam|A|01072021", CccdError::Control),
    ];
    for (p, want) in cases {
        assert_eq!(parse_at(p, today()).as_ref(), Err(want), "{p}");
        assert_eq!(want.message_key().split('.').nth(1), Some("error"));
    }
    assert_eq!(parse_bytes(&[0xff, 0xfe, b'|']), Err(CccdError::NotText));
    assert_eq!(
        parse_bytes(&vec![b'1'; MAX_PAYLOAD + 1]),
        Err(CccdError::TooLong)
    );
}

#[test]
fn error_messages_never_quote_the_payload() {
    let p = "079085001234||Tên Riêng Độc Đáo|31021985|Nam|A|01072021";
    let e = parse_at(p, today()).unwrap_err();
    assert!(!e.to_string().contains("079085001234"));
    assert!(!e.to_string().contains("Độc Đáo"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_bytes(&bytes);
    }

    #[test]
    fn never_panics_on_arbitrary_strings(s in "\\PC{0,300}") {
        let _ = parse_at(&s, today());
    }

    #[test]
    fn never_panics_on_pipe_heavy_strings(parts in proptest::collection::vec("[0-9a-zA-ZăâđêôơưÀ-ỹ |]{0,14}", 0..14)) {
        let s = parts.join("|");
        let _ = parse_at(&s, today());
    }

    #[test]
    fn well_formed_cards_roundtrip(
        code in proptest::sample::select(crate::validate::province_codes().collect::<Vec<_>>()),
        year in 1920i32..2010, month in 1u8..=12, day in 1u8..=28,
        female in any::<bool>(), rest in 0u32..1_000_000,
        name in "[A-ZĐ][a-zàáạăằđêềôơưữ]{1,8}( [A-ZĐ][a-zàáạăằđêềôơưữ]{1,8}){1,3}",
        extra in 0usize..=4,
    ) {
        let cs = (year / 100 - 19) * 2 + i32::from(female);
        let id = format!("{code:03}{cs}{:02}{rest:06}", year % 100);
        let sex = if female { "Nữ" } else { "Nam" };
        let p = format!("{id}||{name}|{day:02}{month:02}{year}|{sex}|Số 1, Xã Mẫu|01012021{}", "|".repeat(extra));
        let c = parse_at(&p, today()).unwrap();
        prop_assert_eq!(c.id_number, id);
        prop_assert_eq!(c.full_name, name);
        prop_assert_eq!(c.date_of_birth.to_string(), format!("{year}-{month:02}-{day:02}"));
        prop_assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }
}
