//! Working days of Vietnamese state agencies, 2025–2030: the calendar a dossier's due date is
//! counted in.
//!
//! A working day is Monday–Friday (the 40-hour week of state bodies, Decision 188/1999/QĐ-TTg)
//! that is not a public holiday or a compensatory day off. The holidays are those of the Labour
//! Code 2019 (Law 45/2019/QH14), Art. 112(1):
//!
//! | Holiday | Days | How the date is found |
//! | --- | --- | --- |
//! | Tết Dương lịch | 1 (1/1) | fixed |
//! | Tết Âm lịch | 5 | the Prime Minister fixes them each year (Art. 112(3)); dated below where announced, else the default rule |
//! | Ngày Chiến thắng | 1 (30/4) | fixed |
//! | Quốc tế lao động | 1 (1/5) | fixed |
//! | Quốc khánh | 2 (2/9 and one adjacent day) | the adjacent day is fixed each year (Art. 112(3)); dated below where announced, else the default rule |
//! | Giỗ Tổ Hùng Vương | 1 (10/3 âm lịch) | dated entries (lunar date converted for UTC+7) |
//!
//! A holiday that falls on Saturday or Sunday gives a compensatory day off on the next working day
//! (Art. 111(3)).
//!
//! **Not modelled**: swaps the government announces for civil servants (a weekday off "made up"
//! on a Saturday, e.g. Friday 2/1/2026 around New Year), because the make-up Saturdays could not
//! be checked; the days the government approves beyond the statutory ones; Ngày Văn hóa Việt Nam
//! (24/11) — chosen by Politburo Resolution 80-NQ/TW (January 2026) as a day off with pay, but as
//! of the sources checked (January 2026: a proposal to add it when the Labour Code is amended) not
//! yet law. When it becomes law, add it to [`fixed`].
//!
//! Dates outside 2025–2030 are unknown: [`is_working_day`] and [`add_working_days`] answer `None`
//! there rather than guess.

use time::{Date, Duration, Month, Weekday};

/// The first year the table covers.
pub const FIRST_YEAR: i32 = 2025;
/// The last year the table covers.
pub const LAST_YEAR: i32 = 2030;

/// Why a day is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday {
    /// The day.
    pub date: Date,
    /// Its Vietnamese name.
    pub name: &'static str,
    /// Where the rule or the date comes from.
    pub source: &'static str,
}

const LABOUR_CODE: &str = "Bộ luật Lao động 2019 (Luật 45/2019/QH14), Điều 112 khoản 1";
const COMPENSATION: &str =
    "Bộ luật Lao động 2019, Điều 111 khoản 3 (nghỉ bù vào ngày làm việc kế tiếp)";
const LUNAR: &str =
    "Âm lịch Việt Nam (múi giờ UTC+7, thuật toán Hồ Ngọc Đức); 2025 và 2026 đối chiếu với báo chí";

/// Mùng 1 Tết (1st day of the 1st lunar month) in the Gregorian calendar, Vietnam (UTC+7).
/// 2030 differs from the Chinese calendar (3/2/2030): the new moon falls before midnight at UTC+7.
const TET: [(i32, Month, u8); 6] = [
    (2025, Month::January, 29),
    (2026, Month::February, 17),
    (2027, Month::February, 6),
    (2028, Month::January, 26),
    (2029, Month::February, 13),
    (2030, Month::February, 2),
];

/// Giỗ Tổ Hùng Vương (10th day of the 3rd lunar month), Vietnam (UTC+7).
/// 2026: Sunday 26/4, compensatory day Monday 27/4 (Thanh Niên, 23/02/2026).
const HUNG_KINGS: [(i32, Month, u8); 6] = [
    (2025, Month::April, 7),
    (2026, Month::April, 26),
    (2027, Month::April, 16),
    (2028, Month::April, 4),
    (2029, Month::April, 23),
    (2030, Month::April, 12),
];

/// Tết days the government announced for civil servants (five weekdays each).
/// 2025: Monday 27/1 – Friday 31/1/2025 (28 tháng Chạp – mùng 3), officials' Tết 25/1–2/2/2025.
/// 2026: Monday 16/2 – Friday 20/2/2026 (29 tháng Chạp – mùng 4): vnanet.vn, 17/10/2025, and
/// congan.com.vn ("nghỉ 9 ngày 14/2–22/2/2026").
/// A year's announced Tết days off: year, the five days, the source.
type DecidedTet = (i32, [(Month, u8); 5], &'static str);

const TET_DECIDED: [DecidedTet; 2] = [
    (
        2025,
        [
            (Month::January, 27),
            (Month::January, 28),
            (Month::January, 29),
            (Month::January, 30),
            (Month::January, 31),
        ],
        "Lịch nghỉ Tết Ất Tỵ 2025 của cán bộ, công chức (Thủ tướng Chính phủ quyết định theo Điều 112 khoản 3)",
    ),
    (
        2026,
        [
            (Month::February, 16),
            (Month::February, 17),
            (Month::February, 18),
            (Month::February, 19),
            (Month::February, 20),
        ],
        "Lịch nghỉ Tết Bính Ngọ 2026 của cán bộ, công chức: 16/2–20/2/2026 (vietnammedia.vnanet.vn, 17/10/2025)",
    ),
];

/// The Quốc khánh adjacent day announced for a year: 2025 — Monday 1/9 (officials off 30/8–2/9).
const NATIONAL_DAY_DECIDED: [(i32, u8); 1] = [(2025, 1)];

fn ymd(y: i32, m: Month, d: u8) -> Option<Date> {
    Date::from_calendar_date(y, m, d).ok()
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn lunar(table: &[(i32, Month, u8)], year: i32) -> Option<Date> {
    table
        .iter()
        .find(|(y, _, _)| *y == year)
        .and_then(|(y, m, d)| ymd(*y, *m, *d))
}

/// The statutory holidays of `year` (before compensatory days), in date order.
fn statutory(year: i32) -> Vec<Holiday> {
    let mut out = Vec::new();
    let mut push = |date: Option<Date>, name: &'static str, source: &'static str| {
        if let Some(date) = date {
            out.push(Holiday { date, name, source });
        }
    };
    push(ymd(year, Month::January, 1), "Tết Dương lịch", LABOUR_CODE);
    // Tết Âm lịch: the announced days, else the day before Tết and mùng 1–4.
    if let Some((_, days, source)) = TET_DECIDED.iter().find(|(y, _, _)| *y == year) {
        for (m, d) in days {
            push(ymd(year, *m, *d), "Tết Âm lịch", source);
        }
    } else if let Some(tet) = lunar(&TET, year) {
        for off in -1..=3 {
            push(
                tet.checked_add(Duration::days(off)),
                "Tết Âm lịch",
                "Bộ luật Lao động 2019, Điều 112 khoản 1 điểm b (5 ngày; năm chưa có lịch công bố: 30 Tết và mùng 1–4 theo âm lịch, nghỉ bù nếu trùng cuối tuần)",
            );
        }
    }
    push(lunar(&HUNG_KINGS, year), "Giỗ Tổ Hùng Vương", LUNAR);
    push(ymd(year, Month::April, 30), "Ngày Chiến thắng", LABOUR_CODE);
    push(
        ymd(year, Month::May, 1),
        "Ngày Quốc tế lao động",
        LABOUR_CODE,
    );
    push(ymd(year, Month::September, 2), "Quốc khánh", LABOUR_CODE);
    // The adjacent day: announced, else 1/9 when 2/9 is a Tuesday (joins the weekend), else 3/9.
    let adjacent = NATIONAL_DAY_DECIDED
        .iter()
        .find(|(y, _)| *y == year)
        .map(|(_, d)| *d)
        .or_else(|| {
            let d = ymd(year, Month::September, 2)?;
            Some(if d.weekday() == Weekday::Tuesday {
                1
            } else {
                3
            })
        });
    push(
        adjacent.and_then(|d| ymd(year, Month::September, d)),
        "Quốc khánh (ngày liền kề)",
        "Bộ luật Lao động 2019, Điều 112 khoản 1 điểm đ (năm chưa có lịch công bố: 1/9 nếu 2/9 là thứ Ba, còn lại 3/9)",
    );
    out.sort_by_key(|h| h.date);
    out
}

/// Every day off of `year` other than weekends — the statutory holidays and the compensatory
/// days for those that fall on a weekend — in date order. Empty outside 2025–2030.
pub fn holidays(year: i32) -> Vec<Holiday> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Vec::new();
    }
    let base = statutory(year);
    let mut out = base.clone();
    for h in base.iter().filter(|h| is_weekend(h.date)) {
        let mut d = h.date;
        while let Some(next) = d.next_day() {
            d = next;
            if !is_weekend(d) && !out.iter().any(|o| o.date == d) {
                out.push(Holiday {
                    date: d,
                    name: "Nghỉ bù",
                    source: COMPENSATION,
                });
                break;
            }
        }
    }
    out.sort_by_key(|h| h.date);
    out
}

/// The holiday on `d`, if any (`None` also outside the table).
pub fn holiday(d: Date) -> Option<Holiday> {
    // A compensatory day for a late-December holiday could fall in January of the next year;
    // none of 2025–2030 does, but look in both years anyway.
    [d.year() - 1, d.year()]
        .into_iter()
        .flat_map(holidays)
        .find(|h| h.date == d)
}

/// Whether `d` is a working day; `None` outside 2025–2030.
pub fn is_working_day(d: Date) -> Option<bool> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&d.year()) {
        return None;
    }
    Some(!is_weekend(d) && holiday(d).is_none())
}

/// The `n`-th working day after `start` (`start` itself is not counted; with `n = 0`, `start`
/// when it is a working day, else the next working day). `None` past 2030 or before 2025.
pub fn add_working_days(start: Date, n: u32) -> Option<Date> {
    let mut d = start;
    if n == 0 {
        while !is_working_day(d)? {
            d = d.next_day()?;
        }
        return Some(d);
    }
    let mut left = n;
    while left > 0 {
        d = d.next_day()?;
        if is_working_day(d)? {
            left -= 1;
        }
    }
    Some(d)
}

/// Working days in the half-open range `(from, to]`: the days after `from` up to and including
/// `to` that are working days (0 when `to <= from`). `None` when the range leaves the table.
pub fn working_days_between(from: Date, to: Date) -> Option<u32> {
    let mut n = 0u32;
    let mut d = from;
    while d < to {
        d = d.next_day()?;
        if is_working_day(d)? {
            n += 1;
        }
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn off(d: Date) -> bool {
        !is_working_day(d).unwrap()
    }

    #[test]
    fn dated_examples_2026() {
        // Thanh Niên, 23/02/2026: Giỗ Tổ on Sunday 26/4, compensatory day Monday 27/4;
        // 30/4 and 1/5 are Thursday and Friday.
        assert!(off(date!(2026 - 04 - 26)));
        assert!(off(date!(2026 - 04 - 27)));
        assert_eq!(holiday(date!(2026 - 04 - 27)).unwrap().name, "Nghỉ bù");
        assert!(!off(date!(2026 - 04 - 28)));
        assert!(!off(date!(2026 - 04 - 29)));
        assert!(off(date!(2026 - 04 - 30)));
        assert!(off(date!(2026 - 05 - 01)));
        assert!(!off(date!(2026 - 05 - 04)));
        // vnanet, 17/10/2025: Tết Bính Ngọ, officials off Monday 16/2 – Friday 20/2/2026.
        for day in 16..=20 {
            assert!(off(
                Date::from_calendar_date(2026, Month::February, day).unwrap()
            ));
        }
        assert!(!off(date!(2026 - 02 - 13)));
        assert!(!off(date!(2026 - 02 - 23)));
        // Tết Dương lịch: Thursday 1/1/2026 (the swapped Friday 2/1 is not modelled).
        assert!(off(date!(2026 - 01 - 01)));
        assert!(!off(date!(2026 - 01 - 02)));
        // Quốc khánh Wednesday 2/9/2026 and, by the default rule, Thursday 3/9.
        assert!(off(date!(2026 - 09 - 02)));
        assert!(off(date!(2026 - 09 - 03)));
        assert!(!off(date!(2026 - 09 - 01)));
        // 24/11/2026 (Ngày Văn hóa Việt Nam) is not a holiday by law yet.
        assert!(!off(date!(2026 - 11 - 24)));
    }

    #[test]
    fn dated_examples_2025() {
        // Giỗ Tổ Monday 7/4/2025; Quốc khánh Monday 1/9 + Tuesday 2/9/2025; Tết 27–31/1/2025.
        assert!(off(date!(2025 - 04 - 07)));
        assert!(off(date!(2025 - 09 - 01)));
        assert!(off(date!(2025 - 09 - 02)));
        assert!(!off(date!(2025 - 09 - 03)));
        assert!(off(date!(2025 - 01 - 27)));
        assert!(off(date!(2025 - 01 - 31)));
        assert!(!off(date!(2025 - 02 - 03)));
        assert!(!off(date!(2025 - 01 - 24)));
    }

    #[test]
    fn lunar_dates_and_compensation_later_years() {
        // Tết 2027 is Saturday 6/2: the day before (Friday 5/2) and mùng 1–4 (6–9/2); the
        // Saturday and Sunday are compensated on Wednesday 10/2 and Thursday 11/2.
        for d in [5, 8, 9, 10, 11] {
            assert!(
                off(Date::from_calendar_date(2027, Month::February, d).unwrap()),
                "{d}"
            );
        }
        assert!(!off(date!(2027 - 02 - 12)));
        assert!(!off(date!(2027 - 02 - 04)));
        // 30/4/2028 is a Sunday: Monday 1/5 is the holiday itself, so the compensatory day is
        // Tuesday 2/5.
        assert!(off(date!(2028 - 05 - 02)));
        assert!(!off(date!(2028 - 05 - 03)));
        // Tết 2030 at UTC+7 is Saturday 2/2 (3/2 in the Chinese calendar).
        assert!(holidays(2030)
            .iter()
            .any(|h| h.date == date!(2030 - 02 - 02) && h.name == "Tết Âm lịch"));
        // Each year has 11 statutory days.
        for y in FIRST_YEAR..=LAST_YEAR {
            let n = holidays(y).iter().filter(|h| h.name != "Nghỉ bù").count();
            assert_eq!(n, 11, "{y}");
            assert!(holidays(y).iter().all(|h| !h.source.is_empty()));
        }
    }

    #[test]
    fn counting() {
        // Friday 24/4/2026 + 1 working day: Tuesday 28/4 (weekend, then the compensatory Monday).
        assert_eq!(
            add_working_days(date!(2026 - 04 - 24), 1),
            Some(date!(2026 - 04 - 28))
        );
        // Wednesday 29/4/2026 + 2: Tuesday 5/5 (30/4, 1/5 and the weekend are off).
        assert_eq!(
            add_working_days(date!(2026 - 04 - 29), 2),
            Some(date!(2026 - 05 - 05))
        );
        // Friday 13/2/2026 + 1: Monday 23/2, after Tết.
        assert_eq!(
            add_working_days(date!(2026 - 02 - 13), 1),
            Some(date!(2026 - 02 - 23))
        );
        // Zero days from a Sunday: the next working day.
        assert_eq!(
            add_working_days(date!(2026 - 12 - 06), 0),
            Some(date!(2026 - 12 - 07))
        );
        assert_eq!(
            // 28/4, 29/4, 4/5, 5/5
            working_days_between(date!(2026 - 04 - 24), date!(2026 - 05 - 05)),
            Some(4)
        );
        assert_eq!(
            working_days_between(date!(2026 - 05 - 05), date!(2026 - 04 - 24)),
            Some(0)
        );
        // Outside the table: unknown, not guessed.
        assert_eq!(add_working_days(date!(2030 - 12 - 30), 5), None);
        assert_eq!(is_working_day(date!(2024 - 12 - 31)), None);
        assert!(holidays(2031).is_empty());
    }

    fn any_day() -> impl Strategy<Value = Date> {
        (0i64..(365 * 6)).prop_map(|n| date!(2025 - 01 - 01) + Duration::days(n))
    }

    proptest! {
        #[test]
        fn adding_lands_on_a_working_day(start in any_day(), n in 0u32..40) {
            if let Some(d) = add_working_days(start, n) {
                prop_assert!(!is_weekend(d));
                prop_assert!(holiday(d).is_none());
                prop_assert!(d >= start);
                if n > 0 {
                    prop_assert!(d > start);
                    prop_assert_eq!(working_days_between(start, d), Some(n));
                }
            }
        }

        #[test]
        fn adding_is_monotone(a in any_day(), b in any_day(), n in 0u32..30, m in 0u32..30) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            if let (Some(x), Some(y)) = (add_working_days(lo, n), add_working_days(hi, n)) {
                prop_assert!(x <= y);
            }
            let (k, l) = if n <= m { (n, m) } else { (m, n) };
            if let (Some(x), Some(y)) = (add_working_days(lo, k), add_working_days(lo, l)) {
                prop_assert!(x <= y);
            }
        }
    }
}
