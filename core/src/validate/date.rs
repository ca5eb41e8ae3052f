//! Calendar dates that may be partial (year only, or month and year), as some CCCD QR codes
//! carry them. Shown as `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month};

/// A date with an optional month and day. Ordering compares what both sides know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Years a person's papers can carry.
const MIN_YEAR: i32 = 1880;
const MAX_YEAR: i32 = 2200;

impl PartialDate {
    /// A full, checked date.
    pub fn ymd(year: i32, month: u8, day: u8) -> Option<Self> {
        Self::new(year, Some(month), Some(day))
    }

    /// Checks the parts: a day needs a month; the day exists in that month.
    pub fn new(year: i32, month: Option<u8>, day: Option<u8>) -> Option<Self> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return None;
        }
        match (month, day) {
            (None, Some(_)) => return None,
            (Some(m), None) => {
                Month::try_from(m).ok()?;
            }
            (Some(m), Some(d)) => {
                Date::from_calendar_date(year, Month::try_from(m).ok()?, d).ok()?;
            }
            (None, None) => {}
        }
        Some(Self { year, month, day })
    }

    /// The calendar date, when all three parts are known.
    pub fn date(&self) -> Option<Date> {
        let month = Month::try_from(self.month?).ok()?;
        Date::from_calendar_date(self.year, month, self.day?).ok()
    }

    pub fn is_partial(&self) -> bool {
        self.day.is_none()
    }

    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub fn parse_iso(s: &str) -> Option<Self> {
        let s = s.trim();
        let mut parts = s.split('-');
        let y = parts.next()?;
        if y.len() != 4 {
            return None;
        }
        let year = i32::try_from(digits(y)?).ok()?;
        let month = match parts.next() {
            Some(m) if m.len() == 2 => Some(u8::try_from(digits(m)?).ok()?),
            Some(_) => return None,
            None => None,
        };
        let day = match parts.next() {
            Some(d) if d.len() == 2 => Some(u8::try_from(digits(d)?).ok()?),
            Some(_) => return None,
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Self::new(year, month, day)
    }

    /// The card's forms: `ddmmyyyy`, `mmyyyy` (partial) or `yyyy` (partial).
    pub fn parse_card(s: &str) -> Option<Self> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let num = |r: std::ops::Range<usize>| s.get(r).and_then(digits);
        match s.len() {
            8 => Self::ymd(
                i32::try_from(num(4..8)?).ok()?,
                u8::try_from(num(2..4)?).ok()?,
                u8::try_from(num(0..2)?).ok()?,
            ),
            6 => Self::new(
                i32::try_from(num(2..6)?).ok()?,
                Some(u8::try_from(num(0..2)?).ok()?),
                None,
            ),
            4 => Self::new(i32::try_from(num(0..4)?).ok()?, None, None),
            _ => None,
        }
    }

    /// Strictly later than `other`, comparing only the parts both know.
    pub fn is_after(&self, other: PartialDate) -> bool {
        if self.year != other.year {
            return self.year > other.year;
        }
        match (self.month, other.month) {
            (Some(a), Some(b)) if a != b => a > b,
            (Some(_), Some(_)) => match (self.day, other.day) {
                (Some(a), Some(b)) => a > b,
                _ => false,
            },
            _ => false,
        }
    }
}

impl From<Date> for PartialDate {
    fn from(d: Date) -> Self {
        Self {
            year: d.year(),
            month: Some(u8::from(d.month())),
            day: Some(d.day()),
        }
    }
}

/// Today's date in Vietnam.
pub fn today() -> PartialDate {
    PartialDate::from(dvc_protocol::rules::vietnam_today())
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse_iso(&s).ok_or_else(|| serde::de::Error::custom("expected YYYY[-MM[-DD]]"))
    }
}
