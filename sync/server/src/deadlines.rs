//! A dossier's due date: the procedure's processing time in working days (from the catalog,
//! [`crate::catalog`]) counted in the agencies' working-day calendar
//! ([`dvc_protocol::calendar`]) from the day the dossier was received, with the time spent waiting
//! for the applicant not counted.
//!
//! What is implemented, and why:
//!
//! * **Start**: the time limit runs from receipt of the dossier ("kể từ ngày nhận đủ hồ sơ hợp
//!   lệ", Decree 61/2018/NĐ-CP on the one-stop shop, as amended by Decree 107/2021/NĐ-CP, and the
//!   catalog's own wording). The day of receipt is day 0; the due date is the end of the `n`-th
//!   working day after it. A dossier received on a weekend or holiday starts on the next working
//!   day. Same-day procedures (`n = 1` in the catalog: "ngay trong ngày; nhận sau 15 giờ thì trả
//!   trong ngày làm việc tiếp theo") are therefore due the next working day — the later reading.
//! * **Waiting for the applicant is not counted**: from a supplement request until the applicant
//!   resubmits, and from a fee request until the applicant reports the transfer (or the officer
//!   confirms payment, whichever is first), the clock stops; the due date moves later by the
//!   working days in `(request day, answer day]`. Decree 61/2018 lets the agency ask for a
//!   supplement and counts the time limit from a complete dossier; the financial-obligation time
//!   is likewise outside the processing time in the catalog's own entries (e.g. land procedures:
//!   "không tính thời gian … nộp nghĩa vụ tài chính"). Whether a supplement request during
//!   processing restarts the count from zero rather than pausing it was **not** checked against
//!   the decree's text in this work: pausing is the reading that never shortens the applicant's
//!   time; restarting would move due dates later.
//! * **Finished**: when the result is ready (online or by post), or the dossier is rejected or
//!   completed; on time when that day is not after the due date. Cancelled dossiers have no due
//!   date status.
//! * **Not computed** (shown as "chưa có hạn"): procedures the catalog gives no working-day figure
//!   for, unknown procedures, and dates outside the calendar (2025–2030).

use dvc_protocol::calendar;
use dvc_protocol::dossiers::DossierState;
use time::{Date, OffsetDateTime};

use crate::catalog::Catalog;
use crate::db::{Dossier, EventRow};

/// Due within this many working days (today counts as 0) → "sắp đến hạn".
pub const DUE_SOON_WORKING_DAYS: u32 = 1;

/// One step of a dossier's history, as the deadline needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Unix ms.
    pub at: i64,
    /// The state after the step.
    pub state: DossierState,
    /// Whether the step is the applicant reporting a transfer.
    pub payment_claim: bool,
}

impl Step {
    /// From a stored event (the payload is only looked at for its `type`).
    pub fn from_row(r: &EventRow) -> Step {
        let payment_claim = serde_json::from_str::<serde_json::Value>(&r.payload)
            .ok()
            .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
            .as_deref()
            == Some("payment_claimed");
        Step {
            at: r.at,
            state: r.state,
            payment_claim,
        }
    }
}

/// Where a dossier stands against its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Past the due date and not finished.
    Overdue,
    /// Due today or within [`DUE_SOON_WORKING_DAYS`].
    DueSoon,
    /// Open, with time left.
    OnTrack,
    /// Waiting for the applicant (the clock is stopped).
    Waiting,
    /// No due date can be computed.
    NoDeadline,
    /// Finished on or before the due date.
    DoneOnTime,
    /// Finished after the due date.
    DoneLate,
    /// Cancelled by the applicant.
    Cancelled,
}

impl Status {
    /// The Vietnamese word shown on the badge (`None`: no badge).
    pub fn label(self) -> Option<&'static str> {
        match self {
            Status::Overdue => Some("Quá hạn"),
            Status::DueSoon => Some("Sắp đến hạn"),
            Status::OnTrack => Some("Trong hạn"),
            Status::Waiting => Some("Chờ người nộp"),
            Status::NoDeadline => None,
            Status::DoneOnTime => Some("Xong đúng hạn"),
            Status::DoneLate => Some("Xong trễ hạn"),
            Status::Cancelled => None,
        }
    }

    /// A stable key for CSS classes and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Overdue => "overdue",
            Status::DueSoon => "due-soon",
            Status::OnTrack => "on-track",
            Status::Waiting => "waiting",
            Status::NoDeadline => "none",
            Status::DoneOnTime => "done-on-time",
            Status::DoneLate => "done-late",
            Status::Cancelled => "cancelled",
        }
    }

    /// Whether the dossier is still open (not finished, not cancelled).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Status::DoneOnTime | Status::DoneLate | Status::Cancelled
        )
    }
}

/// A dossier's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The day it was received (Vietnam).
    pub received: Date,
    /// Processing time in working days, from the catalog.
    pub working_days: Option<u32>,
    /// Working days spent waiting for the applicant (not counted).
    pub paused_days: u32,
    /// The due date (last day), when it can be computed.
    pub due: Option<Date>,
    /// The day it was finished (result ready, rejected or completed).
    pub finished: Option<Date>,
    /// Where it stands today.
    pub status: Status,
}

fn vn_date(unix_ms: i64) -> Date {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    dvc_protocol::rules::vietnam_date(t)
}

fn is_waiting(s: DossierState) -> bool {
    matches!(
        s,
        DossierState::SupplementRequested | DossierState::FeeRequested
    )
}

fn is_finish(s: DossierState) -> bool {
    matches!(
        s,
        DossierState::ResultReady | DossierState::Rejected | DossierState::Completed
    )
}

/// The deadline of a dossier received at `received_at` (unix ms) with `working_days` to process,
/// given its history (in order) and the time now (unix ms).
pub fn compute(received_at: i64, working_days: Option<u32>, steps: &[Step], now: i64) -> Deadline {
    let received = vn_date(received_at);
    let today = vn_date(now);
    let mut paused: Option<u32> = Some(0);
    let mut pause_from: Option<Date> = None;
    let mut finished = None;
    let mut cancelled = false;
    for s in steps {
        if finished.is_some() {
            break;
        }
        let day = vn_date(s.at);
        match pause_from {
            Some(from) if !is_waiting(s.state) || s.payment_claim => {
                paused = paused.and_then(|p| Some(p + calendar::working_days_between(from, day)?));
                pause_from = None;
            }
            None if is_waiting(s.state) && !s.payment_claim => pause_from = Some(day),
            _ => {}
        }
        if is_finish(s.state) {
            finished = Some(day);
        }
        if s.state == DossierState::Cancelled {
            cancelled = true;
        }
    }
    let waiting = pause_from.is_some() && finished.is_none() && !cancelled;
    if let Some(from) = pause_from.filter(|_| waiting) {
        paused = paused.and_then(|p| Some(p + calendar::working_days_between(from, today)?));
    }
    let due = match (working_days, paused) {
        (Some(n), Some(p)) => calendar::add_working_days(received, 0)
            .and_then(|start| calendar::add_working_days(start, n.saturating_add(p))),
        _ => None,
    };
    let status = if cancelled {
        Status::Cancelled
    } else if let Some(f) = finished {
        match due {
            Some(d) if f > d => Status::DoneLate,
            Some(_) => Status::DoneOnTime,
            None => Status::NoDeadline,
        }
    } else if waiting {
        Status::Waiting
    } else {
        match due {
            None => Status::NoDeadline,
            Some(d) if today > d => Status::Overdue,
            Some(d) => match calendar::working_days_between(today, d) {
                Some(left) if left <= DUE_SOON_WORKING_DAYS => Status::DueSoon,
                _ => Status::OnTrack,
            },
        }
    };
    Deadline {
        received,
        working_days,
        paused_days: paused.unwrap_or(0),
        due,
        finished,
        status,
    }
}

/// The deadline of a stored dossier from its events.
pub fn for_dossier(catalog: &Catalog, d: &Dossier, events: &[EventRow], now: i64) -> Deadline {
    // A scanned paper (`paper_kept`) is not a step of the handling: it neither pauses nor
    // resumes the count.
    let steps: Vec<Step> = events
        .iter()
        .filter(|r| !r.is_paper_kept())
        .map(Step::from_row)
        .collect();
    let days = catalog
        .procedure(&d.procedure_code)
        .and_then(|p| p.working_days);
    compute(d.received_at, days, &steps, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// Unix ms of a Vietnam local time.
    fn at(t: time::PrimitiveDateTime) -> i64 {
        let t = t.assume_offset(dvc_protocol::rules::VIETNAM_OFFSET);
        i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
    }

    fn step(t: time::PrimitiveDateTime, state: DossierState) -> Step {
        Step {
            at: at(t),
            state,
            payment_claim: false,
        }
    }

    #[test]
    fn due_dates_count_working_days_from_receipt() {
        // Passport (8 working days) received Thursday 23/4/2026: 24, 28, 29 April (27/4 is the
        // Giỗ Tổ compensatory day; 30/4 and 1/5 holidays), 4, 5, 6, 7, 8 May → Friday 8/5/2026.
        let r = at(datetime!(2026-04-23 10:00));
        let d = compute(r, Some(8), &[], at(datetime!(2026-04-24 09:00)));
        assert_eq!(d.due, Some(time::macros::date!(2026 - 05 - 08)));
        assert_eq!(d.status, Status::OnTrack);
        // The day before: due soon; the day itself: due soon; the day after: overdue.
        let on = |t| compute(r, Some(8), &[], at(t)).status;
        assert_eq!(on(datetime!(2026-05-07 09:00)), Status::DueSoon);
        assert_eq!(on(datetime!(2026-05-08 16:59)), Status::DueSoon);
        assert_eq!(on(datetime!(2026-05-09 08:00)), Status::Overdue);
        assert_eq!(on(datetime!(2026-05-06 09:00)), Status::OnTrack);
        // Received late on a Saturday (Vietnam time): counting starts Monday.
        let sat = compute(at(datetime!(2026-12-05 23:30)), Some(1), &[], r);
        assert_eq!(sat.due, Some(time::macros::date!(2026 - 12 - 08)));
    }

    #[test]
    fn waiting_for_the_applicant_is_not_counted() {
        use DossierState as S;
        let r = at(datetime!(2026-12-07 09:00)); // Monday
                                                 // Supplement requested Tuesday 8/12, resubmitted Friday 11/12: 9, 10, 11 not counted.
        let steps = [
            step(datetime!(2026-12-07 09:00), S::Received),
            step(datetime!(2026-12-08 10:00), S::SupplementRequested),
            step(datetime!(2026-12-11 15:00), S::Received),
        ];
        let d = compute(r, Some(3), &steps, at(datetime!(2026-12-11 16:00)));
        assert_eq!(d.paused_days, 3);
        // 3 + 3 working days after Monday 7/12 → Tuesday 15/12.
        assert_eq!(d.due, Some(time::macros::date!(2026 - 12 - 15)));
        // Still waiting: the clock is stopped and the due date keeps moving.
        let d = compute(r, Some(3), &steps[..2], at(datetime!(2026-12-21 10:00)));
        assert_eq!(d.status, Status::Waiting);
        assert_eq!(d.paused_days, 9);
        // A fee request ends when the applicant reports the transfer.
        let fee = [
            step(datetime!(2026-12-07 09:00), S::Received),
            step(datetime!(2026-12-07 10:00), S::Accepted),
            step(datetime!(2026-12-07 11:00), S::FeeRequested),
            Step {
                payment_claim: true,
                ..step(datetime!(2026-12-09 08:00), S::FeeRequested)
            },
            step(datetime!(2026-12-14 08:00), S::Paid),
        ];
        let d = compute(r, Some(3), &fee, at(datetime!(2026-12-15 08:00)));
        assert_eq!(d.paused_days, 2);
        assert_eq!(d.due, Some(time::macros::date!(2026 - 12 - 14)));
        assert_eq!(d.status, Status::Overdue);
    }

    #[test]
    fn finished_on_time_or_late_and_unknowns() {
        use DossierState as S;
        let r = at(datetime!(2026-12-07 09:00));
        let done = |day| {
            let steps = [
                step(datetime!(2026-12-07 09:00), S::Received),
                step(day, S::ResultReady),
                step(datetime!(2026-12-31 09:00), S::Completed),
            ];
            compute(r, Some(2), &steps, at(datetime!(2027-01-05 09:00))).status
        };
        assert_eq!(done(datetime!(2026-12-09 16:00)), Status::DoneOnTime);
        assert_eq!(done(datetime!(2026-12-10 08:00)), Status::DoneLate);
        let cancelled = [
            step(datetime!(2026-12-07 09:00), S::Received),
            step(datetime!(2026-12-08 09:00), S::Cancelled),
        ];
        assert_eq!(compute(r, Some(2), &cancelled, r).status, Status::Cancelled);
        assert_eq!(compute(r, None, &[], r).status, Status::NoDeadline);
        // Past the calendar: no guess.
        let late = at(datetime!(2030-12-27 09:00));
        assert_eq!(compute(late, Some(10), &[], late).due, None);
    }

    #[test]
    fn a_scanned_paper_neither_pauses_nor_resumes_the_count() {
        use DossierState as S;
        let row = |seq: i64, t, state, payload: &str| EventRow {
            seq,
            dossier_uuid: "d".into(),
            dossier_code: "c".into(),
            at: at(t),
            state,
            payload: payload.into(),
            readers: crate::db::EventReaders::default(),
        };
        let d = Dossier {
            uuid: "d".into(),
            code: "c".into(),
            agency_code: "A".into(),
            procedure_code: "1.001456".into(),
            submitter_id: "s".into(),
            citizen_id: None,
            state: S::FeeRequested,
            content_hash: String::new(),
            manifest: String::new(),
            received_at: at(datetime!(2026-12-07 09:00)),
            updated_at: 0,
            received_seq: 1,
            revision: 1,
            consent_id: None,
        };
        let paper = r#"{"type":"paper_kept","kind":"other","pages":1,"sha256":"a","content_type":"application/pdf","size":1}"#;
        let base = vec![
            row(
                1,
                datetime!(2026-12-07 09:00),
                S::Received,
                r#"{"type":"received"}"#,
            ),
            row(
                2,
                datetime!(2026-12-07 10:00),
                S::Accepted,
                r#"{"type":"accepted"}"#,
            ),
            row(
                3,
                datetime!(2026-12-08 10:00),
                S::FeeRequested,
                r#"{"type":"fee_requested"}"#,
            ),
            row(
                4,
                datetime!(2026-12-09 10:00),
                S::FeeRequested,
                r#"{"type":"payment_claimed","amount_vnd":1}"#,
            ),
        ];
        let mut with_paper = base.clone();
        with_paper.push(row(5, datetime!(2026-12-14 10:00), S::FeeRequested, paper));
        assert!(with_paper[4].is_paper_kept() && !with_paper[3].is_paper_kept());
        let now = at(datetime!(2026-12-16 09:00));
        let catalog = crate::catalog::bundled();
        let without = for_dossier(catalog, &d, &base, now);
        assert_ne!(without.status, Status::Waiting, "the claim ended the pause");
        assert_eq!(for_dossier(catalog, &d, &with_paper, now), without);
    }
}
