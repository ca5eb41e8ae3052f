//! VietQR: `decode` on any text and `encode` on any structured value, with the round trips the
//! module promises: what decodes re-encodes and decodes to the same value; what encodes decodes
//! to the value it was made from (the purpose transliterated to ASCII).
#![no_main]

use std::collections::BTreeMap;

use arbitrary::{Arbitrary, Unstructured};
use dvc_core::vietqr::{self, Service, VietQr};
use libfuzzer_sys::fuzz_target;

/// Input: first byte even → the rest is payload text; odd → the rest makes a structured value.
#[derive(Debug, Arbitrary)]
struct Value {
    bank_bin: String,
    account: String,
    to_card: bool,
    amount_vnd: Option<u64>,
    purpose: Option<String>,
    extra: BTreeMap<String, String>,
    additional: BTreeMap<String, String>,
}

fn round_trip(q: &VietQr) {
    let text = match vietqr::encode(q) {
        Ok(t) => t,
        Err(e) => panic!("a decoded VietQR does not encode: {e:?}\n{q:?}"),
    };
    match vietqr::decode(&text) {
        Ok(back) => assert_eq!(&back, q, "encode → decode changed the value: {text}"),
        Err(e) => panic!("an encoded VietQR does not decode: {e:?}\n{text}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        if let Ok(Ok(q)) = std::str::from_utf8(rest).map(vietqr::decode) {
            round_trip(&q);
        }
        return;
    }
    let Ok(v) = Value::arbitrary_take_rest(Unstructured::new(rest)) else {
        return;
    };
    let q = VietQr {
        bank_bin: v.bank_bin,
        account: v.account,
        service: if v.to_card {
            Service::ToCard
        } else {
            Service::ToAccount
        },
        amount_vnd: v.amount_vnd,
        purpose: v.purpose,
        extra: v.extra,
        additional: v.additional,
    };
    let Ok(text) = vietqr::encode(&q) else {
        return;
    };
    let back = match vietqr::decode(&text) {
        Ok(b) => b,
        Err(e) => panic!("an encoded VietQR does not decode: {e:?}\n{text}"),
    };
    let mut expected = q.clone();
    expected.purpose = q.purpose.as_deref().map(vietqr::ascii_purpose);
    assert_eq!(back, expected, "encode → decode changed the value: {text}");
    // The QR the app draws for it.
    let _ = vietqr::qr_svg(&text);
});
