//! Dates in Vietnam: UTC+7 all year (no daylight saving time). Dossier codes carry the receipt
//! date in Vietnam, and "not in the future" checks on the phone compare with Vietnam's today.

use time::{Date, OffsetDateTime, UtcOffset};

/// Vietnam's offset from UTC.
pub const VIETNAM_OFFSET: UtcOffset = time::macros::offset!(+7);

/// The calendar date in Vietnam at instant `at`.
pub fn vietnam_date(at: OffsetDateTime) -> Date {
    at.to_offset(VIETNAM_OFFSET).date()
}

/// Today's date in Vietnam.
pub fn vietnam_today() -> Date {
    vietnam_date(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn the_day_turns_at_17_utc() {
        assert_eq!(
            vietnam_date(datetime!(2022-09-27 16:59:59 UTC)),
            date!(2022 - 09 - 27)
        );
        assert_eq!(
            vietnam_date(datetime!(2022-09-27 17:00 UTC)),
            date!(2022 - 09 - 28)
        );
        assert_eq!(
            vietnam_date(datetime!(2022-09-28 10:00 +7)),
            date!(2022 - 09 - 28)
        );
        // New Year's Eve in UTC is already New Year's Day in Vietnam.
        assert_eq!(
            vietnam_date(datetime!(2025-12-31 20:00 UTC)),
            date!(2026 - 01 - 01)
        );
        assert_eq!(VIETNAM_OFFSET.whole_seconds(), 7 * 3600);
    }

    #[test]
    fn today_is_today_in_vietnam() {
        let before = vietnam_date(OffsetDateTime::now_utc());
        let today = vietnam_today();
        let after = vietnam_date(OffsetDateTime::now_utc());
        assert!(before <= today && today <= after);
        assert!(today.year() >= 2025);
    }
}
