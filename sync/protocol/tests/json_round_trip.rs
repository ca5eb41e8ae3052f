//! Wire values read from JSON come back unchanged from a JSON round trip (a server that stores a
//! manifest and serves it again, a phone that re-sends what it read). Found by the
//! `protocol_json` fuzz target (fuzz/): serde_json's default float parser is only "best effort"
//! and read its own output for `18446372037440737094` one unit in the last place off, so a form
//! number changed between the phone, the server and back. The workspace enables serde_json's
//! `float_roundtrip`.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use dvc_protocol::dossiers::{DossierManifest, FormValue};

/// Numbers whose shortest form is hard to read back exactly: the fuzzer's find, integers past
/// 2^53 and 2^64, the extremes and a classic hard case of decimal-to-binary conversion.
const NUMBERS: &[&str] = &[
    "18446372037440737094",
    "1.8446372037440737e19",
    "18446744073709551616",
    "9007199254740993",
    "0.1",
    "123456.789",
    "1.7976931348623157e308",
    "5e-324",
    "2.2250738585072011e-308",
    "8.41e21",
    "3.0540412499999998e-2",
];

fn round_trip<T>(body: &str) -> (T, String, T)
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let first: T = serde_json::from_str(body).unwrap_or_else(|e| panic!("{body}: {e}"));
    let text = serde_json::to_string(&first).unwrap();
    let second: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    (first, text, second)
}

#[test]
fn a_form_number_reads_back_as_the_same_number() {
    for body in NUMBERS {
        let (first, text, second) = round_trip::<FormValue>(body);
        assert!(
            matches!(first, FormValue::Number(_)),
            "{body} read as {first:?}"
        );
        assert_eq!(first, second, "{body} → {text}");
        assert_eq!(text, serde_json::to_string(&second).unwrap());
    }
}

#[test]
fn a_manifest_with_numbers_reads_back_unchanged() {
    let form: Vec<String> = NUMBERS
        .iter()
        .enumerate()
        .map(|(i, n)| format!(r#""n{i}": {n}, "l{i}": [{n}, {{"x": {n}}}]"#))
        .collect();
    let body = format!(
        r#"{{"procedure_code": "1.001456", "agency_code": "000.30.27.H23",
            "form": {{{}}}, "delivery": {{"method": "at_agency"}}}}"#,
        form.join(", ")
    );
    let (first, text, second) = round_trip::<DossierManifest>(&body);
    assert_eq!(first.form.len(), 2 * NUMBERS.len());
    assert_eq!(first, second, "{text}");
}
