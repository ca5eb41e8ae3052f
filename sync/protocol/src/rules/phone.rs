//! Vietnamese mobile numbers.

/// Longest input looked at, separators removed (`+84` and a national `0` in front of nine
/// digits is 13; anything much longer is not a phone number).
const MAX_DIGITS: usize = 16;

/// A Vietnamese mobile number normalised to `0` + 9 digits, or `None` if it is not one.
///
/// Accepts the national form (`0912345678`), the international forms `+84…` and `0084…`, `84…`
/// when eleven digits long, and the nine digits alone. A `0` people write after the country code
/// (`+84 (0) 912…`) is dropped. Spaces, dots, dashes and brackets between digits are ignored. The
/// nine digits after the `0` must fall in a mobile range: libphonenumber's VN mobile pattern
/// `(?:5(?:2[238]|59)|89[6-9]|99[013-9])\d{6}|(?:3\d|5[1689]|7[06-9]|8[1-8]|9[0-8])\d{7}`.
pub fn normalize_mobile(input: &str) -> Option<String> {
    let v: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '(' | ')'))
        .collect();
    if v.len() > MAX_DIGITS {
        return None;
    }
    let nsn = if let Some(rest) = v.strip_prefix("+84").or_else(|| v.strip_prefix("0084")) {
        match rest.strip_prefix('0') {
            Some(after_trunk) if after_trunk.len() == 9 => after_trunk,
            _ => rest,
        }
    } else if let Some(rest) = v.strip_prefix('0') {
        rest
    } else if v.len() == 11 {
        v.strip_prefix("84")?
    } else {
        &v
    };
    is_mobile_nsn(nsn.as_bytes()).then(|| format!("0{nsn}"))
}

/// Whether nine digits (after the national `0`) are in libphonenumber's VN mobile ranges.
fn is_mobile_nsn(d: &[u8]) -> bool {
    let &[a, b, c, ..] = d else {
        return false;
    };
    if d.len() != 9 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let three_digit_range = matches!(
        (a, b, c),
        (b'5', b'2', b'2' | b'3' | b'8')
            | (b'5', b'5', b'9')
            | (b'8', b'9', b'6'..=b'9')
            | (b'9', b'9', b'0' | b'1' | b'3'..=b'9')
    );
    let two_digit_range = matches!(
        (a, b),
        (b'3', _)
            | (b'5', b'1' | b'6' | b'8' | b'9')
            | (b'7', b'0' | b'6'..=b'9')
            | (b'8', b'1'..=b'8')
            | (b'9', b'0'..=b'8')
    );
    three_digit_range || two_digit_range
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// libphonenumber's pattern, verbatim, as the reference the matcher above must agree with.
    const LIBPHONENUMBER_VN_MOBILE: &str = r"^(?:(?:5(?:2[238]|59)|89[6-9]|99[013-9])\d{6}|(?:3\d|5[1689]|7[06-9]|8[1-8]|9[0-8])\d{7})$";

    #[test]
    fn every_prefix_gives_the_national_form() {
        for s in [
            "0912345678",
            "0912 345 678",
            "+84 912-345-678",
            "+84912345678",
            "84912345678",
            "0084.912.345.678",
            "0084912345678",
            "+84 (0) 912 345 678",
            "+840912345678",
            "(+84) 912345678",
            "912345678",
        ] {
            assert_eq!(normalize_mobile(s).as_deref(), Some("0912345678"), "{s}");
        }
        assert_eq!(
            normalize_mobile("0359123456").as_deref(),
            Some("0359123456")
        );
        assert_eq!(
            normalize_mobile("0528123456").as_deref(),
            Some("0528123456")
        );
    }

    #[test]
    fn non_mobiles_are_refused() {
        for s in [
            "",
            "0",
            "0123",
            "091234567",
            "09123456789",
            "0112345678",
            "0212345678",
            "0801234567",
            "0992123456",
            "0501234567",
            "+1 912345678",
            "+8491234567",
            "0990123456x",
            "đ912345678",
            "８４９１２３４５６７８",
            "8491234567",
            "840912345678",
            "+84 00912345678",
        ] {
            assert_eq!(normalize_mobile(s), None, "{s}");
        }
        assert!(normalize_mobile("0993123456").is_some());
    }

    #[test]
    fn every_three_digit_start_matches_libphonenumber() {
        // The ranges are decided by the first three digits: try them all.
        let re = regex::Regex::new(LIBPHONENUMBER_VN_MOBILE).unwrap();
        for start in 0..1000 {
            let nsn = format!("{start:03}456789");
            assert_eq!(is_mobile_nsn(nsn.as_bytes()), re.is_match(&nsn), "{nsn}");
        }
    }

    proptest! {
        #[test]
        fn the_matcher_is_libphonenumbers_pattern(nsn in "[0-9]{9}") {
            let re = regex::Regex::new(LIBPHONENUMBER_VN_MOBILE).unwrap();
            prop_assert_eq!(is_mobile_nsn(nsn.as_bytes()), re.is_match(&nsn));
            prop_assert_eq!(
                normalize_mobile(&format!("0{nsn}")).is_some(),
                re.is_match(&nsn)
            );
        }

        #[test]
        fn normalised_numbers_are_fixed_points(s in "(\\+84|0084|84|0|\\+84 0)?[ .()-]?[0-9 .-]{0,14}") {
            if let Some(n) = normalize_mobile(&s) {
                prop_assert_eq!(n.len(), 10);
                prop_assert!(n.starts_with('0'));
                prop_assert_eq!(normalize_mobile(&n), Some(n.clone()));
            }
        }

        #[test]
        fn every_prefix_of_a_mobile_agrees(
            head in proptest::sample::select(vec!["3", "70", "81", "90", "98", "56", "528", "559", "896", "993"]),
            tail in "[0-9]{8}",
            prefix in proptest::sample::select(vec!["0", "+84", "84", "0084", "+84 ", "+84 0", "0084 (0) ", ""]),
        ) {
            let nsn = format!("{head}{tail}");
            let nsn = &nsn[..9];
            prop_assert_eq!(normalize_mobile(&format!("{prefix}{nsn}")), Some(format!("0{nsn}")));
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = normalize_mobile(&s);
        }
    }
}
