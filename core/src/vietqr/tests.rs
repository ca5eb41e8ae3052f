//! VietQR: the public vectors, every rejection, transliteration, round-trip and fuzz-style
//! property tests, the fee QR from a stored event, and the SVG read back by the app's QR decoder.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;

/// Public vector 1 (static, no amount; `docs/domain/vietqr.md`).
const STATIC: &str =
    "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4";
/// Public vector 2 (dynamic, amount 40123, purpose "test text string"; `docs/domain/vietqr.md`).
const DYNAMIC: &str = "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA53037045405401235802VN62200816test text string6304D9C6";

/// `body` + `6304` + its CRC: payloads that pass the CRC so the field checks are reached.
fn with_crc(body: &str) -> String {
    let mut s = format!("{body}6304");
    let crc = crc_hex(s.as_bytes());
    s.push_str(&crc);
    s
}

/// A TLV data object.
fn obj(tag: &str, value: &str) -> String {
    format!("{tag}{:02}{value}", value.len())
}

/// The NAPAS template with the given BIN, account and service.
fn merchant(bin: &str, account: &str, service: &str) -> String {
    obj(
        "38",
        &format!(
            "{}{}{}",
            obj("00", NAPAS_GUID),
            obj("01", &format!("{}{}", obj("00", bin), obj("01", account))),
            obj("02", service)
        ),
    )
}

fn body_with(merchant_info: &str, tail: &str) -> String {
    format!("000201010211{merchant_info}5303704{tail}5802VN")
}

#[test]
fn vectors_have_the_right_crc() {
    for v in [STATIC, DYNAMIC] {
        let (body, crc) = v.split_at(v.len() - 4);
        assert!(body.ends_with("6304"));
        assert_eq!(crc_hex(body.as_bytes()), crc, "{v}");
    }
}

#[test]
fn static_vector_decodes_and_reencodes_identically() {
    let q = decode(STATIC).unwrap();
    assert_eq!(
        q,
        VietQr {
            bank_bin: "970423".into(),
            account: "0099999999".into(),
            service: Service::ToAccount,
            amount_vnd: None,
            purpose: None,
            extra: BTreeMap::new(),
            additional: BTreeMap::new(),
        }
    );
    assert!(!q.is_dynamic());
    assert_eq!(encode(&q).unwrap(), STATIC);
}

#[test]
fn dynamic_vector_decodes_and_reencodes_identically() {
    let q = decode(DYNAMIC).unwrap();
    assert_eq!(q.bank_bin, "970422");
    assert_eq!(q.account, "0023457923442");
    assert_eq!(q.service, Service::ToAccount);
    assert_eq!(q.amount_vnd, Some(40123));
    assert_eq!(q.purpose.as_deref(), Some("test text string"));
    assert!(q.extra.is_empty() && q.additional.is_empty());
    assert!(q.is_dynamic());
    assert_eq!(encode(&q).unwrap(), DYNAMIC);
}

#[test]
fn built_from_fields_matches_the_vector() {
    let q = VietQr {
        amount_vnd: Some(40123),
        purpose: Some("test text string".into()),
        ..VietQr::to_account("970422", "0023457923442")
    };
    assert_eq!(encode(&q).unwrap(), DYNAMIC);
}

#[test]
fn json_shape_is_stable() {
    let v = serde_json::to_value(decode(DYNAMIC).unwrap()).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "bank_bin": "970422",
            "account": "0023457923442",
            "service": "QRIBFTTA",
            "amount_vnd": 40123,
            "purpose": "test text string",
        })
    );
}

#[test]
fn a_wrong_crc_is_named() {
    let bad = format!("{}0000", &DYNAMIC[..DYNAMIC.len() - 4]);
    assert_eq!(
        decode(&bad).unwrap_err(),
        VietQrError::WrongCrc {
            found: "0000".into(),
            computed: "D9C6".into()
        }
    );
    // One changed digit of the amount: the CRC catches it before anything else.
    let tampered = DYNAMIC.replace("5405401235802", "5405901235802");
    assert!(matches!(
        decode(&tampered).unwrap_err(),
        VietQrError::WrongCrc { .. }
    ));
    // Lower-case hex is the same number.
    let lower = format!("{}d9c6", &DYNAMIC[..DYNAMIC.len() - 4]);
    assert_eq!(decode(&lower).unwrap(), decode(DYNAMIC).unwrap());
}

#[test]
fn structural_errors_are_precise() {
    use VietQrError as E;
    assert_eq!(decode("").unwrap_err(), E::Empty);
    assert_eq!(
        decode(&"0".repeat(513)).unwrap_err(),
        E::TooLong { len: 513 }
    );
    assert_eq!(
        decode("000201\u{e9}").unwrap_err(),
        E::BadCharacter { at: 6, code: 0xE9 }
    );
    assert_eq!(
        decode("0002010\n").unwrap_err(),
        E::BadCharacter { at: 7, code: 0x0A }
    );
    assert_eq!(
        decode("000201010").unwrap_err(),
        E::TruncatedHeader {
            template: "payload".into(),
            at: 6,
            remaining: 3
        }
    );
    assert_eq!(
        decode("0002010A0211").unwrap_err(),
        E::BadTag {
            at: 6,
            found: "0A".into()
        }
    );
    assert_eq!(
        decode("00020101x211").unwrap_err(),
        E::BadLength {
            tag: "01".into(),
            at: 8,
            found: "x2".into()
        }
    );
    assert_eq!(
        decode("000201010011").unwrap_err(),
        E::BadLength {
            tag: "01".into(),
            at: 8,
            found: "00".into()
        }
    );
    assert_eq!(
        decode("00020101+211").unwrap_err(),
        E::BadLength {
            tag: "01".into(),
            at: 8,
            found: "+2".into()
        }
    );
    // Overlong: declares more than there is.
    assert_eq!(
        decode("0002010199").unwrap_err(),
        E::Truncated {
            tag: "01".into(),
            at: 6,
            declared: 99,
            remaining: 0
        }
    );
    // Every truncation of a valid payload is rejected, never a panic.
    for n in 0..DYNAMIC.len() {
        assert!(decode(&DYNAMIC[..n]).is_err(), "prefix {n}");
    }
    assert_eq!(
        decode("0002010002016304ABCD").unwrap_err(),
        E::DuplicateTag { tag: "00".into() }
    );
    assert_eq!(decode("000201").unwrap_err(), E::MissingCrc);
    assert_eq!(decode("00020163041234010211").unwrap_err(), E::CrcNotLast);
    assert_eq!(
        decode("000201630212").unwrap_err(),
        E::BadCrcFormat { found: "12".into() }
    );
    assert_eq!(
        decode("0002016304XYZW").unwrap_err(),
        E::BadCrcFormat {
            found: "XYZW".into()
        }
    );
    // A template whose inside is truncated: the position is the one in the whole payload.
    let m = obj("38", "0010A0000007270199");
    assert_eq!(
        decode(&with_crc(&body_with(&m, ""))).unwrap_err(),
        E::Truncated {
            tag: "38.01".into(),
            at: 12 + 4 + 14,
            declared: 99,
            remaining: 0
        }
    );
}

#[test]
fn field_errors_are_precise() {
    use VietQrError as E;
    let good = merchant("970415", "113366668888", "QRIBFTTA");
    let dec = |body: &str| decode(&with_crc(body)).unwrap_err();
    assert_eq!(
        dec(&format!("010211000201{good}5303704")),
        E::FormatNotFirst { found: "01".into() }
    );
    assert_eq!(dec("000202"), E::BadFormatIndicator { found: "02".into() });
    assert_eq!(
        dec("000201"),
        E::MissingTag {
            tag: "01",
            name: "point of initiation"
        }
    );
    assert_eq!(dec("000201010213"), E::BadInitiation { found: "13".into() });
    assert_eq!(
        dec("000201010211"),
        E::MissingTag {
            tag: "38",
            name: "NAPAS merchant account information"
        }
    );
    let other_guid = obj(
        "38",
        &format!("{}{}", obj("00", "A000000999"), obj("02", "QRIBFTTA")),
    );
    assert_eq!(
        dec(&body_with(&other_guid, "")),
        E::NotVietQr {
            found: "A000000999".into()
        }
    );
    let no_guid = obj("38", &obj("02", "QRIBFTTA"));
    assert_eq!(
        dec(&body_with(&no_guid, "")),
        E::MissingTag {
            tag: "38.00",
            name: "GUID"
        }
    );
    let no_beneficiary = obj(
        "38",
        &format!("{}{}", obj("00", NAPAS_GUID), obj("02", "QRIBFTTA")),
    );
    assert_eq!(
        dec(&body_with(&no_beneficiary, "")),
        E::MissingTag {
            tag: "38.01",
            name: "beneficiary"
        }
    );
    assert_eq!(
        dec(&body_with(&merchant("97041", "1133", "QRIBFTTA"), "")),
        E::BadBin {
            found: "97041".into()
        }
    );
    assert_eq!(
        dec(&body_with(&merchant("97041A", "1133", "QRIBFTTA"), "")),
        E::BadBin {
            found: "97041A".into()
        }
    );
    assert_eq!(
        dec(&body_with(
            &merchant("970415", "12345678901234567890", "QRIBFTTA"),
            ""
        )),
        E::AccountLength { len: 20 }
    );
    assert_eq!(
        dec(&body_with(&merchant("970415", "1133-6666", "QRIBFTTA"), "")),
        E::AccountChar { at: 4 }
    );
    assert_eq!(
        dec(&body_with(&merchant("970415", "1133", "QRIBFTTX"), "")),
        E::BadService {
            found: "QRIBFTTX".into()
        }
    );
    assert_eq!(
        dec(&format!("000201010211{good}5303840")),
        E::WrongCurrency {
            found: "840".into()
        }
    );
    assert_eq!(
        dec(&format!("000201010211{good}5303704")),
        E::MissingTag {
            tag: "58",
            name: "country"
        }
    );
    assert_eq!(
        dec(&format!("000201010211{good}53037045802US")),
        E::WrongCountry { found: "US".into() }
    );
    for (amount, reason) in [
        ("40123.50", "VND amounts are whole đồng: digits only"),
        ("-5", "VND amounts are whole đồng: digits only"),
        ("0400", "an amount does not start with 0"),
        ("0", "an amount does not start with 0"),
        ("12345678901234", "more than 13 characters"),
    ] {
        assert_eq!(
            dec(&body_with(&good, &obj("54", amount))),
            E::BadAmount {
                found: amount.into(),
                reason
            },
            "{amount}"
        );
    }
    let purpose = |p: &str| format!("{}{}", body_with(&good, ""), obj("62", &obj("08", p)));
    assert_eq!(
        dec(&purpose(&"x".repeat(26))),
        E::PurposeTooLong { len: 26 }
    );
    assert_eq!(dec(&purpose("phi#1")), E::PurposeChar { ch: '#', at: 3 });
}

#[test]
fn unknown_tags_are_kept_and_written_back_in_order() {
    let m38 = |unknown: &str| {
        obj(
            "38",
            &format!(
                "{}{}{}{unknown}",
                obj("00", NAPAS_GUID),
                obj(
                    "01",
                    &format!("{}{}", obj("00", "970415"), obj("01", "113366668888"))
                ),
                obj("02", "QRIBFTTA"),
            ),
        )
    };
    // 52 (MCC), 59 (name), 60 (city), 62.05 (reference) around the known ones, in tag order.
    let body = |m: &str| {
        format!(
            "000201010212{m}{}5303704{}5802VN{}{}{}",
            obj("52", "9399"),
            obj("54", "200000"),
            obj("59", "CONG AN TINH"),
            obj("60", "HA NOI"),
            obj(
                "62",
                &format!("{}{}", obj("05", "REF1"), obj("08", "HS 000.30.27"))
            ),
        )
    };
    // An unknown sub-field of 38 (38.09) is ignored.
    let q = decode(&with_crc(&body(&m38(&obj("09", "x"))))).unwrap();
    assert_eq!(q.amount_vnd, Some(200_000));
    assert_eq!(q.purpose.as_deref(), Some("HS 000.30.27"));
    assert_eq!(
        q.extra
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
        [("52", "9399"), ("59", "CONG AN TINH"), ("60", "HA NOI")]
    );
    assert_eq!(q.additional.get("05").map(String::as_str), Some("REF1"));
    // Written back in tag order, byte for byte what a payload without 38.09 is.
    let again = encode(&q).unwrap();
    assert_eq!(again, with_crc(&body(&m38(""))));
    assert_eq!(decode(&again).unwrap(), q);
}

#[test]
fn encoder_validates_its_input() {
    use VietQrError as E;
    let base = VietQr::to_account("970415", "113366668888");
    let enc = |f: &dyn Fn(&mut VietQr)| {
        let mut q = base.clone();
        f(&mut q);
        encode(&q)
    };
    assert!(enc(&|_| {}).is_ok());
    assert_eq!(
        enc(&|q| q.bank_bin = "9704150".into()).unwrap_err(),
        E::BadBin {
            found: "9704150".into()
        }
    );
    assert_eq!(
        enc(&|q| q.account = String::new()).unwrap_err(),
        E::AccountLength { len: 0 }
    );
    assert_eq!(
        enc(&|q| q.account = "1".repeat(20)).unwrap_err(),
        E::AccountLength { len: 20 }
    );
    assert_eq!(
        enc(&|q| q.account = "1133 6666".into()).unwrap_err(),
        E::AccountChar { at: 4 }
    );
    assert_eq!(
        enc(&|q| q.account = "1133６".into()).unwrap_err(),
        E::AccountChar { at: 4 }
    );
    assert!(matches!(
        enc(&|q| q.amount_vnd = Some(0)).unwrap_err(),
        E::BadAmount { .. }
    ));
    assert!(matches!(
        enc(&|q| q.amount_vnd = Some(MAX_AMOUNT_VND + 1)).unwrap_err(),
        E::BadAmount { .. }
    ));
    assert!(enc(&|q| q.amount_vnd = Some(MAX_AMOUNT_VND)).is_ok());
    assert_eq!(
        enc(&|q| q.purpose = Some(String::new())).unwrap_err(),
        E::PurposeEmpty
    );
    assert_eq!(
        enc(&|q| q.purpose = Some("x".repeat(26))).unwrap_err(),
        E::PurposeTooLong { len: 26 }
    );
    assert!(enc(&|q| q.purpose = Some("x".repeat(25))).is_ok());
    assert_eq!(
        enc(&|q| q.purpose = Some("Phí 50%".into())).unwrap_err(),
        E::PurposeChar { ch: '%', at: 6 }
    );
    assert_eq!(
        enc(&|q| q.purpose = Some("hồ sơ\tmới".into())).unwrap_err(),
        E::PurposeChar { ch: '\t', at: 5 }
    );
    assert_eq!(
        enc(&|q| q.purpose = Some("phí 中文".into())).unwrap_err(),
        E::PurposeChar { ch: '中', at: 4 }
    );
    for (tag, value) in [
        ("54", "1"),
        ("63", "ABCD"),
        ("5", "x"),
        ("ab", "x"),
        ("59", ""),
        ("59", "é"),
    ] {
        assert!(
            matches!(
                enc(&|q| {
                    q.extra.insert(tag.into(), value.into());
                })
                .unwrap_err(),
                E::BadExtra { .. }
            ),
            "{tag}={value}"
        );
    }
    assert!(matches!(
        enc(&|q| {
            q.additional.insert("08".into(), "x".into());
        })
        .unwrap_err(),
        E::BadExtra { .. }
    ));
    assert_eq!(
        enc(&|q| {
            q.purpose = Some("x".repeat(25));
            q.additional.insert("01".into(), "y".repeat(70));
        })
        .unwrap_err(),
        E::TemplateTooLong {
            tag: "62",
            len: 29 + 74
        }
    );
    assert!(matches!(
        enc(&|q| {
            for t in ["59", "60", "64", "65", "66", "80"] {
                q.extra.insert(t.into(), "z".repeat(99));
            }
        })
        .unwrap_err(),
        E::TooLong { .. }
    ));
}

#[test]
fn purpose_is_transliterated_to_ascii() {
    assert_eq!(ascii_purpose("Nộp phí hồ sơ"), "Nop phi ho so");
    assert_eq!(ascii_purpose("ĐĂNG KÝ đường"), "DANG KY duong");
    assert_eq!(ascii_purpose("Ưu tiên Ở Ệ ỹ"), "Uu tien O E y");
    // Decomposed input (NFD, as some keyboards send) gives the same.
    assert_eq!(ascii_purpose("Nô\u{0323}p phi\u{0301}"), "Nop phi");
    let q = VietQr {
        amount_vnd: Some(200_000),
        purpose: Some("Lệ phí hộ chiếu".into()),
        ..VietQr::to_account("970415", "113366668888")
    };
    let decoded = decode(&encode(&q).unwrap()).unwrap();
    assert_eq!(decoded.purpose.as_deref(), Some("Le phi ho chieu"));
}

#[test]
fn the_error_keys_and_fields() {
    assert_eq!(
        VietQrError::WrongCrc {
            found: "0000".into(),
            computed: "D9C6".into()
        }
        .message_key(),
        "vietqr.wrong_crc"
    );
    let e: CoreError = VietQrError::PurposeEmpty.into();
    assert_eq!(e.code(), "invalid_input");
    assert_eq!(e.message_key(), "vietqr.purpose_invalid");
    assert!(e.is_bad_input());
    let e: CoreError = VietQrError::BadBin { found: "1".into() }.into();
    assert!(e.to_string().starts_with("invalid bank_bin:"), "{e}");
}

/// Every single-character change of a public vector: a change before the CRC is always
/// rejected (CRC-16 catches every error burst up to 16 bits); a change in the CRC digits is
/// rejected unless it only changes letter case.
#[test]
fn every_single_character_mutation_of_the_vectors_is_caught() {
    for v in [STATIC, DYNAMIC] {
        let original = decode(v).unwrap();
        let crc_at = v.len() - 4;
        let mut accepted = 0;
        for at in 0..v.len() {
            for c in (b' '..=b'~').map(char::from) {
                if v.as_bytes()[at] == c as u8 {
                    continue;
                }
                let mut m = v.to_string();
                m.replace_range(at..at + 1, c.encode_utf8(&mut [0; 4]));
                if let Ok(q) = decode(&m) {
                    assert!(at >= crc_at, "accepted a change at {at}: {m}");
                    assert_eq!(q, original);
                    accepted += 1;
                }
            }
        }
        // Only the lower-case forms of the letter CRC digits.
        let letters = v[crc_at..].bytes().filter(u8::is_ascii_alphabetic).count();
        assert_eq!(accepted, letters, "{v}");
    }
}

fn tag_from(list: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(list).prop_map(str::to_string)
}

fn valid_vietqr() -> impl Strategy<Value = VietQr> {
    (
        "[0-9]{6}",
        "[A-Za-z0-9]{1,19}",
        prop_oneof![Just(Service::ToAccount), Just(Service::ToCard)],
        proptest::option::of(1..=MAX_AMOUNT_VND),
        proptest::option::of("[A-Za-z0-9 .,_/-]{1,25}"),
        proptest::collection::btree_map(
            tag_from(&["02", "26", "39", "52", "59", "60", "64", "80", "99"]),
            "[ -~]{1,30}",
            0..3,
        ),
        proptest::collection::btree_map(
            tag_from(&["01", "03", "05", "07", "09"]),
            "[ -~]{1,12}",
            0..2,
        ),
    )
        .prop_map(
            |(bank_bin, account, service, amount_vnd, purpose, extra, additional)| VietQr {
                bank_bin,
                account,
                service,
                amount_vnd,
                purpose,
                extra,
                additional,
            },
        )
}

/// Whatever `decode` accepts is a valid [`VietQr`] that encodes and reads back the same.
fn assert_consistent(payload: &str) -> Result<(), TestCaseError> {
    if let Ok(q) = decode(payload) {
        let again = encode(&q);
        prop_assert!(
            again.is_ok(),
            "accepted {payload:?} but cannot encode {q:?}"
        );
        if let Ok(again) = again {
            prop_assert_eq!(decode(&again).ok(), Some(q));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn round_trip(q in valid_vietqr()) {
        let payload = encode(&q).unwrap();
        prop_assert!(payload.len() <= MAX_PAYLOAD);
        prop_assert!(payload.starts_with("000201"));
        prop_assert_eq!(&payload[6..12], if q.amount_vnd.is_some() { "010212" } else { "010211" });
        prop_assert_eq!(&payload[payload.len() - 8..payload.len() - 4], "6304");
        prop_assert_eq!(decode(&payload).unwrap(), q);
    }

    #[test]
    fn vietnamese_purposes_become_ascii(
        p in "[aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵĐĂÂÊÔƠƯÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ 0-9.-]{1,25}"
    ) {
        let q = VietQr { purpose: Some(p.clone()), ..VietQr::to_account("970415", "1133") };
        let decoded = decode(&encode(&q).unwrap()).unwrap();
        let purpose = decoded.purpose.unwrap();
        prop_assert!(purpose.is_ascii());
        prop_assert_eq!(purpose.chars().count(), p.chars().count());
        prop_assert_eq!(purpose, ascii_purpose(&p));
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,600}") {
        assert_consistent(&s)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        assert_consistent(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn tlv_shaped_noise_never_panics(
        parts in proptest::collection::vec(("[0-9]{2}", "[0-9]{2}", "[ -~]{0,40}"), 0..12)
    ) {
        let body: String = parts.iter().map(|(t, l, v)| format!("{t}{l}{v}")).collect();
        assert_consistent(&body)?;
        // The same with a correct CRC, so the field checks run too.
        assert_consistent(&with_crc(&body))?;
    }

    #[test]
    fn mutations_of_valid_payloads_are_rejected_or_consistent(
        q in valid_vietqr(),
        at in any::<proptest::sample::Index>(),
        c in any::<char>(),
        kind in 0..3u8,
    ) {
        let payload = encode(&q).unwrap();
        let i = at.index(payload.len());
        let mut m = payload.clone();
        match kind {
            0 => m.replace_range(i..i + 1, c.encode_utf8(&mut [0; 4])),
            1 => m.insert(i, c),
            _ => { m.remove(i); }
        }
        if kind == 0 && m != payload {
            if let Ok(got) = decode(&m) {
                // Only a change of letter case in the CRC digits survives a replaced character.
                prop_assert!(i >= payload.len() - 4, "accepted a change at {}: {}", i, m);
                prop_assert_eq!(got, q);
            }
        }
        assert_consistent(&m)?;
    }

    #[test]
    fn encode_never_panics_on_arbitrary_fields(
        bank_bin in "\\PC{0,8}",
        account in "\\PC{0,22}",
        amount_vnd in proptest::option::of(any::<u64>()),
        purpose in proptest::option::of("\\PC{0,30}"),
    ) {
        let q = VietQr { amount_vnd, purpose, ..VietQr::to_account(bank_bin, account) };
        if let Ok(p) = encode(&q) {
            prop_assert!(decode(&p).is_ok());
        }
    }
}

// ---- the fee QR of a dossier ----------------------------------------------------------------

mod fee {
    use dvc_protocol::dossiers::DossierState;
    use dvc_protocol::events::{BankAccount, Event, EventKind, EventsPage};
    use rusqlite::params;

    use super::super::{decode, pay_qr};
    use crate::store::Store;
    use crate::sync::db;

    const CODE: &str = "000.30.27.H23-261123-0001";

    /// A dossier the server has received (rows as the sync client writes them).
    fn received(store: &Store, id: &str, uuid: &str) {
        store
            .write(|tx| -> rusqlite::Result<()> {
                tx.execute(
                    "INSERT INTO dossiers (id, procedure_id, form_version, state, created_at,
                                           updated_at, submitted_at)
                     VALUES (?1, 'passport-domestic', 1, 'queued', ?2, ?2, ?2)",
                    params![id, "2026-11-23T00:00:00Z"],
                )?;
                tx.execute(
                    "INSERT INTO dossier_remote (dossier_id, remote_uuid, code, agency_code, state,
                                                 received_at, updated_at)
                     VALUES (?1, ?2, ?3, '000.30.27.H23', 'received', ?4, ?4)",
                    params![id, uuid, CODE, "2026-11-23T01:00:00Z"],
                )?;
                Ok(())
            })
            .unwrap();
    }

    fn event(uuid: &str, cursor: &str, state: DossierState, kind: EventKind) -> Event {
        Event {
            cursor: cursor.into(),
            dossier_uuid: uuid.into(),
            dossier_code: CODE.into(),
            state,
            at: format!("2026-11-23T0{cursor}:00:00Z"),
            event: kind,
        }
    }

    fn fee(amount_vnd: u64, bin: &str, note: &str) -> EventKind {
        EventKind::FeeRequested {
            amount_vnd,
            bank: BankAccount {
                bank_bin: bin.into(),
                account_number: "113366668888".into(),
                account_name: "PHONG QUAN LY XUAT NHAP CANH".into(),
            },
            transfer_note: note.into(),
        }
    }

    fn apply(store: &Store, events: Vec<Event>) {
        let next_cursor = events.last().map(|e| e.cursor.clone()).unwrap_or_default();
        db::apply_events(
            store,
            &EventsPage {
                events,
                next_cursor,
                more: false,
            },
        )
        .unwrap();
    }

    #[test]
    fn latest_fee_request_becomes_the_payload() {
        let store = Store::open_in_memory().unwrap();
        received(&store, "d1", "u1");
        let err = pay_qr(&store, "d1").unwrap_err();
        assert_eq!(err.message_key(), "vietqr.no_fee_request");
        assert!(err.is_bad_input());
        assert_eq!(pay_qr(&store, "nope").unwrap_err().code(), "not_found");

        apply(
            &store,
            vec![
                event(
                    "u1",
                    "2",
                    DossierState::FeeRequested,
                    fee(400_000, "970415", CODE),
                ),
                // The officer corrected the amount: the latest request counts.
                event(
                    "u1",
                    "3",
                    DossierState::FeeRequested,
                    fee(200_000, "970415", CODE),
                ),
            ],
        );
        let p = pay_qr(&store, "d1").unwrap();
        assert_eq!(p.amount_vnd, 200_000);
        assert_eq!(p.code, CODE);
        assert_eq!(p.state, "fee_requested");
        assert_eq!(p.purpose, CODE);
        assert_eq!(p.account_name, "PHONG QUAN LY XUAT NHAP CANH");
        assert_eq!(p.requested_at, "2026-11-23T03:00:00Z");
        assert!(!p.paid);
        let q = decode(&p.payload).unwrap();
        assert_eq!(q.amount_vnd, Some(200_000));
        assert_eq!(q.bank_bin, "970415");
        assert_eq!(q.account, "113366668888");
        assert_eq!(q.purpose.as_deref(), Some(CODE));
        assert!(p.payload.contains("010212"));

        apply(
            &store,
            vec![event("u1", "4", DossierState::Paid, EventKind::Paid)],
        );
        let p = pay_qr(&store, "d1").unwrap();
        assert!(p.paid);
        assert_eq!(p.state, "paid");
    }

    #[test]
    fn a_vietnamese_note_is_transliterated_and_a_bad_account_is_refused() {
        let store = Store::open_in_memory().unwrap();
        received(&store, "d1", "u1");
        apply(
            &store,
            vec![event(
                "u1",
                "2",
                DossierState::FeeRequested,
                fee(50_000, "970415", "Lệ phí HS 0001"),
            )],
        );
        let p = pay_qr(&store, "d1").unwrap();
        assert_eq!(p.purpose, "Le phi HS 0001");
        assert_eq!(
            decode(&p.payload).unwrap().purpose.as_deref(),
            Some("Le phi HS 0001")
        );

        received(&store, "d2", "u2");
        apply(
            &store,
            vec![event(
                "u2",
                "3",
                DossierState::FeeRequested,
                fee(50_000, "9704", CODE),
            )],
        );
        let err = pay_qr(&store, "d2").unwrap_err();
        assert_eq!(err.message_key(), "vietqr.bank_bin_invalid");
    }

    #[test]
    fn an_empty_note_falls_back_to_the_code() {
        let store = Store::open_in_memory().unwrap();
        received(&store, "d1", "u1");
        apply(
            &store,
            vec![event(
                "u1",
                "2",
                DossierState::FeeRequested,
                fee(1, "970415", " "),
            )],
        );
        assert_eq!(pay_qr(&store, "d1").unwrap().purpose, CODE);
    }
}

// ---- SVG ------------------------------------------------------------------------------------

/// Rasterises the SVG `qr_svg` writes (viewBox in modules, white rect, one path of
/// `M x y h w v1 h-w z` runs) at `scale` pixels per module, as a browser would.
fn rasterise(svg: &str, scale: u32) -> image::GrayImage {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("shape-rendering"), Some("crispEdges"));
    let vb: Vec<u32> = root
        .attribute("viewBox")
        .unwrap()
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(&vb[..2], &[0, 0]);
    assert_eq!(vb[2], vb[3]);
    let size = vb[2];
    let rect = root.children().find(|n| n.has_tag_name("rect")).unwrap();
    assert_eq!(rect.attribute("fill"), Some("#fff"));
    assert_eq!(rect.attribute("width"), Some(size.to_string().as_str()));
    let path = root.children().find(|n| n.has_tag_name("path")).unwrap();
    assert_eq!(path.attribute("fill"), Some("#000"));
    let mut img = image::GrayImage::from_pixel(size * scale, size * scale, image::Luma([255]));
    for cmd in path
        .attribute("d")
        .unwrap()
        .split('M')
        .filter(|s| !s.is_empty())
    {
        let (xy, rest) = cmd.split_once('h').unwrap();
        let (x, y) = xy.split_once(' ').unwrap();
        let (x, y): (u32, u32) = (x.parse().unwrap(), y.parse().unwrap());
        let (w, tail) = rest.split_once('v').unwrap();
        let w: u32 = w.parse().unwrap();
        assert_eq!(tail, format!("1h-{w}z"));
        for py in y * scale..(y + 1) * scale {
            for px in x * scale..(x + w) * scale {
                img.put_pixel(px, py, image::Luma([0]));
            }
        }
    }
    img
}

fn read_back(svg: &str) -> Vec<u8> {
    let img = rasterise(svg, 6);
    let deadline = Instant::now() + Duration::from_secs(20);
    crate::qrscan::decode_gray(&img, deadline).unwrap().0
}

#[test]
fn svg_reads_back_with_the_app_decoder() {
    for text in [
        DYNAMIC,
        STATIC,
        "000.30.27.H23-261123-0001",
        "Hồ sơ số 12 — Đồng Hành",
    ] {
        let svg = qr_svg(text).unwrap();
        assert_eq!(read_back(&svg), text.as_bytes(), "{text}");
    }
}

#[test]
fn svg_has_a_quiet_zone_and_error_correction_m() {
    let svg = qr_svg(DYNAMIC).unwrap();
    let code = qrcode::QrCode::with_error_correction_level(DYNAMIC, qrcode::EcLevel::M).unwrap();
    let size = code.width() + 2 * QUIET_ZONE;
    assert!(
        svg.contains(&format!("viewBox=\"0 0 {size} {size}\"")),
        "{svg}"
    );
    // Nothing is drawn in the quiet zone: every run starts and ends inside the code.
    let img = rasterise(&svg, 1);
    for y in 0..size as u32 {
        for x in 0..size as u32 {
            let inside = (QUIET_ZONE..size - QUIET_ZONE).contains(&(x as usize))
                && (QUIET_ZONE..size - QUIET_ZONE).contains(&(y as usize));
            if !inside {
                assert_eq!(img.get_pixel(x, y)[0], 255, "({x},{y})");
            }
        }
    }
    // The modules are exactly the code's.
    let colors = code.to_colors();
    for (i, c) in colors.iter().enumerate() {
        let (x, y) = (
            (i % code.width() + QUIET_ZONE) as u32,
            (i / code.width() + QUIET_ZONE) as u32,
        );
        assert_eq!(
            img.get_pixel(x, y)[0] == 0,
            *c == qrcode::Color::Dark,
            "({x},{y})"
        );
    }
}

#[test]
fn svg_errors() {
    assert_eq!(qr_svg("").unwrap_err(), QrSvgError::Empty);
    let long = "x".repeat(4000);
    assert_eq!(
        qr_svg(&long).unwrap_err(),
        QrSvgError::TooLong { len: 4000 }
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn random_payloads_read_back(q in valid_vietqr()) {
        let payload = encode(&q).unwrap();
        let svg = qr_svg(&payload).unwrap();
        prop_assert_eq!(read_back(&svg), payload.as_bytes());
    }
}
