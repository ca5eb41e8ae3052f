//! The CCCD QR parser (`dvc_core::cccd::parse_bytes`, what the scanner hands over), then what the
//! app does with a card it accepts: the person form prefilled from it and the profile rules.
#![no_main]

use dvc_core::cccd;
use dvc_core::people::{self, PersonInput};
use dvc_core::validate::PartialDate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(card) = cccd::parse_bytes(data) else {
        return;
    };
    // What the parser accepts it describes as a 12-digit ID and a name.
    assert_eq!(card.id_number.len(), 12, "id number of an accepted card");
    assert!(card.id_number.bytes().all(|b| b.is_ascii_digit()));
    assert!(
        !card.full_name.trim().is_empty(),
        "accepted card without a name"
    );
    // The same text parsed on a fixed day gives the same card (bar day-dependent checks).
    if let (Ok(text), Some(day)) = (std::str::from_utf8(data), PartialDate::ymd(2026, 12, 7)) {
        if let Ok(again) = cccd::parse_at(text, day) {
            assert_eq!(again.id_number, card.id_number);
            assert_eq!(again.full_name, card.full_name);
        }
    }
    let input = PersonInput::from_cccd(&card);
    let _ = people::check(&input, dvc_core::validate::today());
});
