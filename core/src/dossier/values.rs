//! Value rules for e-form fields that are not person data: dates, bank accounts, addresses.
//! Person-data rules (phone, email, ID number) are the people validators'; this module adapts
//! them to the `Option<message_key>` shape `check` uses.

/// `YYYY-MM-DD`, exactly as e-form date fields hold it.
const ISO_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// A `YYYY-MM-DD` e-form date, if it is a real calendar date from 1800 on.
pub fn parse_date(s: &str) -> Option<time::Date> {
    // Four plain digits of year: no sign, no six-digit years.
    if s.len() != 10 || !s.bytes().take(4).all(|b| b.is_ascii_digit()) {
        return None;
    }
    time::Date::parse(s, ISO_DATE)
        .ok()
        .filter(|d| d.year() >= 1800)
}

pub fn phone_problem(s: &str) -> Option<&'static str> {
    crate::validate::phone(s).err().map(|e| e.message_key())
}

pub fn email_problem(s: &str) -> Option<&'static str> {
    crate::validate::email(s).err().map(|e| e.message_key())
}

/// The ID number's own rules (digits, province code); the cross-checks with the applicant's
/// birth year and sex are the people validators' and run on the profile.
pub fn id_number_problem(s: &str) -> Option<&'static str> {
    crate::validate::id_number(s, None, None)
        .err()
        .map(|e| e.message_key())
}

pub fn address_problem(s: &str) -> Option<&'static str> {
    let s = s.trim();
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    (s.chars().count() < 6 || letters < 3 || s.chars().count() > 300)
        .then_some("validation.address_invalid")
}

pub fn bank_account_problem(s: &str) -> Option<&'static str> {
    let s: String = s.chars().filter(|c| *c != ' ').collect();
    let ok = (6..=19).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit());
    (!ok).then_some("validation.bank_account_invalid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        use time::macros::date;
        assert_eq!(parse_date("2024-02-29"), Some(date!(2024 - 02 - 29)));
        assert_eq!(parse_date("1800-01-01"), Some(date!(1800 - 01 - 01)));
        assert_eq!(parse_date("1799-12-31"), None);
        assert_eq!(parse_date("2024-02-29 "), None);
        assert_eq!(parse_date("2024-04-31"), None);
        assert_eq!(parse_date("2024-00-10"), None);
        assert_eq!(parse_date("2024-01-1x"), None);
        assert_eq!(parse_date("20240-1-01"), None);
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("2023-1-01"), None);
        assert_eq!(parse_date("+023-01-01"), None);
        assert!(parse_date(&crate::validate::today().to_string()).is_some());
    }

    #[test]
    fn phones() {
        for ok in [
            "0912345678",
            "+84912345678",
            "0387 654 321",
            "0523456789",
            "0991234567",
        ] {
            assert_eq!(phone_problem(ok), None, "{ok}");
        }
        for bad in [
            "091234567",
            "1912345678",
            "0212345678",
            "0801234567",
            "09a2345678",
            "",
        ] {
            assert_eq!(
                phone_problem(bad),
                Some("validation.phone_invalid"),
                "{bad}"
            );
        }
    }

    #[test]
    fn others() {
        assert_eq!(email_problem("a.b@example.vn"), None);
        assert!(email_problem("a@b").is_some() && email_problem("a b@c.vn").is_some());
        assert_eq!(id_number_problem("001200000001"), None);
        assert_eq!(
            id_number_problem("00120000000"),
            Some("validation.id_number_format")
        );
        assert_eq!(
            id_number_problem("999200000001"),
            Some("validation.id_number_province")
        );
        assert_eq!(bank_account_problem("0123 4567 89"), None);
        assert!(bank_account_problem("12ab56").is_some());
        assert_eq!(address_problem("Số 5 ngõ 10, phường Láng, Hà Nội"), None);
        assert!(address_problem("12").is_some());
    }
}
