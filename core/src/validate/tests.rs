use proptest::prelude::*;

use super::*;

fn d(s: &str) -> PartialDate {
    PartialDate::parse_iso(s).unwrap()
}

#[test]
fn id_number_checks_province_century_sex_and_year() {
    // 079 = TP. Hồ Chí Minh; 0 = 1900s male; 85 = 1985.
    assert_eq!(
        id_number("079 085 123456", Some(1985), Some(Sex::Male)).unwrap(),
        "079085123456"
    );
    // 3 = 2000s female.
    assert!(id_number("001303000001", Some(2003), Some(Sex::Female)).is_ok());
    assert_eq!(
        id_number("07908512345", None, None),
        Err(ValidationError::IdFormat)
    );
    assert_eq!(
        id_number("07908512345a", None, None),
        Err(ValidationError::IdFormat)
    );
    assert_eq!(
        id_number("003085123456", None, None),
        Err(ValidationError::IdProvince)
    );
    assert_eq!(
        id_number("079085123456", Some(1985), Some(Sex::Female)),
        Err(ValidationError::IdCenturySex)
    );
    assert_eq!(
        id_number("079085123456", Some(2085), None),
        Err(ValidationError::IdCenturySex)
    );
    assert_eq!(
        id_number("079085123456", Some(1986), None),
        Err(ValidationError::IdYear)
    );
}

#[test]
fn old_id_is_9_or_12_digits() {
    assert_eq!(old_id_number(" 123 456 789 ").unwrap(), "123456789");
    assert!(old_id_number("12345678").is_err());
    assert!(old_id_number("12345678x").is_err());
}

#[test]
fn phones_are_normalised_to_leading_zero() {
    assert_eq!(phone("0912 345 678").unwrap(), "0912345678");
    assert_eq!(phone("+84 912-345-678").unwrap(), "0912345678");
    assert_eq!(phone("84912345678").unwrap(), "0912345678");
    assert_eq!(phone("0084.912.345.678").unwrap(), "0912345678");
    assert_eq!(phone("0359123456").unwrap(), "0359123456");
    assert_eq!(phone("0528123456").unwrap(), "0528123456");
    for bad in [
        "",
        "0123",
        "09123456789",
        "0112345678",
        "0212345678",
        "+1 912345678",
        "0990123456x",
    ] {
        assert_eq!(phone(bad), Err(ValidationError::Phone), "{bad}");
    }
    // 099[013-9]: 0992 is not a mobile range.
    assert!(phone("0992123456").is_err());
    assert!(phone("0993123456").is_ok());
}

#[test]
fn emails() {
    assert_eq!(email(" a.b@Example.VN ").unwrap(), "a.b@example.vn");
    for bad in [
        "",
        "a",
        "a@",
        "@b.vn",
        "a@b",
        "a b@c.vn",
        "a@@b.vn",
        "a@-b.vn",
        "a..b@c.vn",
        "a@b.v1",
    ] {
        assert!(email(bad).is_err(), "{bad}");
    }
}

#[test]
fn dates() {
    let today = d("2026-11-23");
    assert_eq!(
        birth_date("1985-02-28", today).unwrap().to_string(),
        "1985-02-28"
    );
    assert!(birth_date("1985-02-29", today).is_err());
    assert!(birth_date("2000-02-29", today).is_ok());
    assert!(birth_date("1900-02-29", today).is_err());
    assert_eq!(
        birth_date("2026-11-24", today),
        Err(ValidationError::DateFuture {
            field: "date_of_birth"
        })
    );
    assert!(birth_date("2026-11", today).is_ok());
    assert!(birth_date("1985-1-01", today).is_err());
    assert!(birth_date("85-01-01", today).is_err());
    assert_eq!(
        issue_date("1980-01-01", Some(d("1985-01-01")), today),
        Err(ValidationError::IssueBeforeBirth)
    );
    assert!(issue_date("2021-06-01", Some(d("1985-01-01")), today).is_ok());
    // Same year, partial birth date: not "before".
    assert!(issue_date("1985-06-01", Some(d("1985")), today).is_ok());
    assert_eq!(
        PartialDate::parse_card("31121999").unwrap().to_string(),
        "1999-12-31"
    );
    assert_eq!(
        PartialDate::parse_card("121999").unwrap().to_string(),
        "1999-12"
    );
    assert_eq!(PartialDate::parse_card("1999").unwrap().to_string(), "1999");
    assert!(PartialDate::parse_card("32121999").is_none());
    assert!(PartialDate::parse_card("1999123").is_none());
}

#[test]
fn names_are_cleaned_and_checked() {
    // NFD input comes out NFC.
    let nfd = "Tra\u{0302}\u{0300}n  Thi\u{0323} \t Mai ";
    let n = name(nfd).unwrap();
    assert_eq!(n, "Trần Thị Mai".nfc().collect::<String>());
    assert_eq!(name_upper("  lê văn   đức"), "LÊ VĂN ĐỨC");
    assert_eq!(name("   "), Err(ValidationError::NameEmpty));
    assert_eq!(name("Lê 3"), Err(ValidationError::NameChars));
    assert_eq!(name(&"a".repeat(101)), Err(ValidationError::NameChars));
    assert!(name("H'Hen Niê").is_ok());
    assert_eq!(fold_for_search("Đặng Thị Hà"), "dang thi ha");
}

#[test]
fn today_is_vietnams_today() {
    let t = today();
    assert_eq!(t.date(), Some(dvc_protocol::rules::vietnam_today()));
    assert!(t.year >= 2025 && !t.is_partial());
}

#[test]
fn partial_dates_and_calendar_dates() {
    use time::macros::date;
    assert_eq!(
        PartialDate::from(date!(2000 - 02 - 29)).to_string(),
        "2000-02-29"
    );
    assert_eq!(d("2000-02-29").date(), Some(date!(2000 - 02 - 29)));
    assert_eq!(d("2000-02").date(), None);
    assert_eq!(d("2000").date(), None);
    assert!(PartialDate::ymd(2100, 2, 29).is_none());
    assert!(PartialDate::ymd(2024, 4, 31).is_none());
    assert!(PartialDate::new(2024, Some(13), None).is_none());
    assert!(PartialDate::new(2024, Some(0), None).is_none());
    assert!(PartialDate::new(2024, None, Some(1)).is_none());
    assert!(PartialDate::ymd(1879, 1, 1).is_none());
    assert!(PartialDate::ymd(2201, 1, 1).is_none());
    let json = serde_json::to_string(&d("1985-06")).unwrap();
    assert_eq!(json, "\"1985-06\"");
    assert_eq!(
        serde_json::from_str::<PartialDate>(&json).unwrap(),
        d("1985-06")
    );
    assert!(serde_json::from_str::<PartialDate>("\"1985-02-30\"").is_err());
}

fn valid_id() -> impl Strategy<Value = (String, i32, Sex)> {
    let codes: Vec<u16> = province_codes().collect();
    (
        proptest::sample::select(codes),
        1900i32..2100,
        any::<bool>(),
        0u32..1_000_000,
    )
        .prop_map(|(code, year, female, rest)| {
            let sex = if female { Sex::Female } else { Sex::Male };
            let cs = (year / 100 - 19) * 2 + i32::from(female);
            (
                format!("{code:03}{cs}{:02}{rest:06}", year % 100),
                year,
                sex,
            )
        })
}

proptest! {
    #[test]
    fn generated_ids_validate_and_facts_roundtrip((id, year, sex) in valid_id()) {
        prop_assert_eq!(id_number(&id, Some(year), Some(sex)), Ok(id.clone()));
        let f = id_number_facts(&id).unwrap();
        prop_assert_eq!(f.sex, sex);
        prop_assert_eq!(f.century_start + i32::from(f.year_2), year);
    }

    #[test]
    fn id_with_other_sex_is_refused((id, year, sex) in valid_id()) {
        let other = if sex == Sex::Male { Sex::Female } else { Sex::Male };
        prop_assert_eq!(id_number(&id, Some(year), Some(other)), Err(ValidationError::IdCenturySex));
    }

    #[test]
    fn validators_never_panic(s in "\\PC{0,40}") {
        let _ = id_number(&s, Some(1990), Some(Sex::Male));
        let _ = old_id_number(&s);
        let _ = phone(&s);
        let _ = email(&s);
        let _ = birth_date(&s, today());
        let _ = name(&s);
        let _ = PartialDate::parse_card(&s);
    }

    #[test]
    fn names_are_idempotent_nfc_and_single_spaced(s in "[ a-zA-ZàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐ]{1,60}") {
        if let Ok(n) = name(&s) {
            prop_assert_eq!(name(&n), Ok(n.clone()));
            prop_assert!(!n.contains("  ") && n.trim() == n);
            prop_assert_eq!(n.nfc().collect::<String>(), n.clone());
        }
    }

    #[test]
    fn iso_dates_roundtrip(y in 1880i32..2200, m in 1u8..=12, day in 1u8..=31) {
        let real = time::Month::try_from(m).ok().and_then(|m| time::Date::from_calendar_date(y, m, day).ok());
        prop_assert_eq!(PartialDate::ymd(y, m, day).and_then(|p| p.date()), real);
        if let Some(dt) = PartialDate::ymd(y, m, day) {
            prop_assert_eq!(PartialDate::parse_iso(&dt.to_string()), Some(dt));
            let card = format!("{day:02}{m:02}{y:04}");
            prop_assert_eq!(PartialDate::parse_card(&card), Some(dt));
        }
    }
}
