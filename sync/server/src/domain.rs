//! Pure decisions: dossier codes, the state machine, canonical manifest hashing, input checks.
//! No I/O here; everything is unit- and property-tested next to it.

use dvc_protocol::auth::Role;
use dvc_protocol::dossiers::DossierState;
use dvc_protocol::events::EventKind;
use dvc_protocol::rules::{self, Step};
use sha2::{Digest, Sha256};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

/// `YYMMDD`, as dossier codes carry the receipt date.
const YYMMDD: &[BorrowedFormatItem<'static>] =
    format_description!("[year repr:last_two][month][day]");

/// RFC 3339 in UTC with exactly three decimals, e.g. `2022-09-28T03:00:00.123Z`.
const RFC3339_MILLIS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

fn at_unix_ms(unix_ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `YYMMDD` of `unix_ms` in Vietnam time (dossier codes use the local receipt date).
pub fn vn_day(unix_ms: i64) -> String {
    rules::vietnam_date(at_unix_ms(unix_ms))
        .format(YYMMDD)
        .unwrap_or_default()
}

/// The dossier code of Circular 01/2018/TT-VPCP Art. 19: `<agency>-YYMMDD-NNNN`. The sequence is
/// four digits; past 9999 in one day it simply grows (the circular does not say; see
/// `docs/domain/dossier-code.md`).
pub fn dossier_code(agency_code: &str, day: &str, seq: i64) -> String {
    format!("{agency_code}-{day}-{seq:04}")
}

/// RFC 3339 UTC with milliseconds.
pub fn rfc3339(unix_ms: i64) -> String {
    at_unix_ms(unix_ms)
        .format(RFC3339_MILLIS)
        .unwrap_or_default()
}

/// Who asks for a state change (the shared state machine's actors).
pub use dvc_protocol::rules::Actor;

/// The state after `event` happens in `current`, if `actor` may cause it there: the shared state
/// machine ([`dvc_protocol::rules::next_state`]).
pub fn next_state(current: DossierState, event: &EventKind, actor: Actor) -> Option<DossierState> {
    rules::next_state(current, Step::of(event), actor)
}

/// Whether the applicant hears of a change off the app (SMS, e-mail, Zalo): of what an officer
/// does, yes; of what they did themselves (resubmitting, claiming a payment, cancelling), no. A
/// new dossier's `received` event is announced too (it carries the dossier code).
pub fn tells_applicant(actor: Actor) -> bool {
    actor == Actor::Officer
}

/// The stable name of an event kind (the `type` tag).
pub fn event_kind_name(event: &EventKind) -> &'static str {
    Step::of(event).as_str()
}

/// Whether an officer may accept a dossier given the outcome of its latest identity check
/// (`None`: never checked). Only a check that found a mismatch blocks: the manual check is a
/// record of the officer's comparison, not a gate every dossier must pass (server README,
/// "Identity checks").
pub fn may_accept_after(latest_identity_check: Option<crate::identity::Outcome>) -> bool {
    latest_identity_check != Some(crate::identity::Outcome::Mismatch)
}

/// What changed between two revisions: shared with the device (`dvc_protocol`), so the server's
/// record and the phone's agree by construction.
pub use dvc_protocol::dossiers::{changed_attachments, changed_fields};

/// Checks a rating with the rule the phone applies before queueing it
/// ([`dvc_protocol::rules::check_rating`]): 1–5 stars, the comment cleaned and at most 1000
/// characters (blank = none). `Err(field)` names what is wrong.
pub fn normalize_rating(
    stars: u8,
    comment: Option<&str>,
) -> Result<(u8, Option<String>), &'static str> {
    rules::check_rating(stars, comment)
        .map(|comment| (stars, comment))
        .map_err(rules::RatingError::field)
}

/// Checks a bank account fees are paid into: BIN of 6 digits, account number of 1–19 letters or
/// digits (VietQR's limit), account name of 1–100 characters. `Err` names the bad part.
pub fn check_bank_account(b: &dvc_protocol::events::BankAccount) -> Result<(), &'static str> {
    if b.bank_bin.len() != 6 || !b.bank_bin.bytes().all(|c| c.is_ascii_digit()) {
        return Err("bank_bin");
    }
    if !(1..=19).contains(&b.account_number.len())
        || !b.account_number.bytes().all(|c| c.is_ascii_alphanumeric())
    {
        return Err("account_number");
    }
    let n = b.account_name.trim().chars().count();
    if n == 0 || n > 100 || b.account_name.chars().any(char::is_control) {
        return Err("account_name");
    }
    Ok(())
}

/// Writes `v` as JSON with object keys sorted at every level and no whitespace, so two bodies that
/// differ only in key order or spacing hash the same. Numbers keep serde_json's rendering.
pub fn canonical_json(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(child) = map.get(k) {
                    canonical_json(child, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// `(canonical JSON, lowercase hex SHA-256 of it)`.
pub fn canonical_hash(v: &serde_json::Value) -> (String, String) {
    let mut s = String::new();
    canonical_json(v, &mut s);
    let h = hex::encode(Sha256::digest(s.as_bytes()));
    (s, h)
}

/// Normalises a Vietnamese mobile number to `0xxxxxxxxx`, or `None` if it is not one: the rule
/// the phone applies ([`dvc_protocol::rules::normalize_mobile`]).
pub fn normalize_phone(input: &str) -> Option<String> {
    rules::normalize_mobile(input)
}

/// Staff user names: 3–64 of `a-z 0-9 . _ -`.
pub fn valid_staff_login(login: &str) -> bool {
    (3..=64).contains(&login.len())
        && login.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

/// Passwords: 8–128 characters.
pub fn valid_password(p: &str) -> bool {
    (8..=128).contains(&p.chars().count())
}

/// Agency codes: 1–40 of `A-Z a-z 0-9 .` (QCVN 102:2016 shapes such as `000.30.27.H23` and the
/// police portal's `G01.837.000.000`). The code becomes part of dossier codes, so no `-`.
pub fn valid_agency_code(code: &str) -> bool {
    (1..=40).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
}

/// Procedure codes: 1–32 of `0-9 A-Z a-z . _ -`, e.g. `1.001456`.
pub fn valid_procedure_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A client dossier uuid: any RFC 4122 uuid in its hyphenated lowercase form (clients make UUIDv7).
pub fn parse_dossier_uuid(s: &str) -> Option<String> {
    let u = uuid::Uuid::try_parse(s).ok()?;
    let canonical = u.hyphenated().to_string();
    (canonical == s).then_some(canonical)
}

/// Which roles may read a dossier-scoped resource, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Dossiers this account submitted or that were submitted for it.
    Party(String),
    /// Dossiers received by this agency.
    Agency(String),
    /// No dossiers at all (admins).
    Nothing,
}

impl Scope {
    /// This scope's name in the feed's targeted wake-ups ([`crate::feed::Feed::wait_for`]):
    /// `None` for [`Scope::Nothing`], which reads no events.
    pub fn key(&self) -> Option<String> {
        match self {
            Scope::Party(id) => Some(format!("p:{id}")),
            Scope::Agency(code) => Some(format!("a:{code}")),
            Scope::Nothing => None,
        }
    }

    /// The scope of an account.
    pub fn of(role: Role, account_id: &str, agency_code: Option<&str>) -> Scope {
        match (role, agency_code) {
            (Role::Citizen | Role::Volunteer, _) => Scope::Party(account_id.to_owned()),
            (Role::Officer, Some(a)) => Scope::Agency(a.to_owned()),
            _ => Scope::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dvc_protocol::dossiers::DossierManifest;
    use proptest::prelude::*;

    #[test]
    fn codes_follow_the_circular() {
        // 2022-09-28 10:00 Vietnam time = 03:00 UTC
        let ms = 1_664_334_000_000;
        assert_eq!(vn_day(ms), "220928");
        assert_eq!(
            dossier_code("000.30.27.H23", "220928", 1),
            "000.30.27.H23-220928-0001"
        );
        assert_eq!(dossier_code("X", "220928", 12345), "X-220928-12345");
        // 17:30 UTC on the 27th is already 00:30 on the 28th in Vietnam; 16:30 UTC is still the 27th
        assert_eq!(vn_day(1_664_299_800_000), "220928");
        assert_eq!(vn_day(1_664_299_800_000 - 3_600_000), "220927");
    }

    #[test]
    fn rfc3339_renders_utc_millis() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_664_334_000_123), "2022-09-28T03:00:00.123Z");
    }

    #[test]
    fn state_machine_paths() {
        use DossierState as S;
        let note = EventKind::SupplementRequested {
            note: "x".into(),
            items: vec![],
        };
        assert_eq!(
            next_state(S::Received, &EventKind::Accepted, Actor::Officer),
            Some(S::Accepted)
        );
        assert_eq!(
            next_state(S::Received, &EventKind::Accepted, Actor::Applicant),
            None
        );
        assert_eq!(
            next_state(S::Accepted, &note, Actor::Officer),
            Some(S::SupplementRequested)
        );
        assert_eq!(
            next_state(S::Paid, &note, Actor::Officer),
            Some(S::SupplementRequested)
        );
        assert_eq!(next_state(S::FeeRequested, &note, Actor::Officer), None);
        assert_eq!(
            next_state(S::Paid, &EventKind::Completed, Actor::Officer),
            None
        );
        assert_eq!(
            next_state(
                S::Received,
                &EventKind::Cancelled { reason: None },
                Actor::Applicant
            ),
            Some(S::Cancelled)
        );
        assert_eq!(
            next_state(
                S::Accepted,
                &EventKind::Cancelled { reason: None },
                Actor::Applicant
            ),
            None
        );
    }

    fn any_event() -> impl Strategy<Value = EventKind> {
        prop_oneof![
            Just(EventKind::Received),
            Just(EventKind::Accepted),
            Just(EventKind::SupplementRequested {
                note: "n".into(),
                items: vec![]
            }),
            Just(EventKind::Resubmitted {
                revision: 2,
                changed_fields: vec![],
                changed_attachments: vec![]
            }),
            Just(EventKind::PaymentClaimed { amount_vnd: 1 }),
            Just(EventKind::Rejected { reason: "r".into() }),
            Just(EventKind::Paid),
            Just(EventKind::Completed),
            Just(EventKind::Cancelled { reason: None }),
        ]
    }

    proptest! {
        #[test]
        fn final_states_never_change(seq in proptest::collection::vec((any_event(), any::<bool>()), 0..40)) {
            let mut s = DossierState::Received;
            for (e, officer) in seq {
                let actor = if officer { Actor::Officer } else { Actor::Applicant };
                if let Some(n) = next_state(s, &e, actor) {
                    prop_assert!(!s.is_final());
                    s = n;
                }
                prop_assert!(next_state(s, &EventKind::Received, Actor::Officer).is_none());
            }
        }

        #[test]
        fn canonical_hash_ignores_key_order(a in "[a-z]{1,8}", b in "[a-z]{1,8}", x in any::<i64>(), y in ".{0,20}") {
            prop_assume!(a != b);
            let one = format!(r#"{{"{a}":{x},"{b}":{{"k":[1,{}],"z":true}}}}"#, serde_json::Value::String(y.clone()));
            let two = format!(r#"{{ "{b}" : {{"z":true, "k":[1,{}]}}, "{a}" : {x} }}"#, serde_json::Value::String(y));
            let v1: serde_json::Value = serde_json::from_str(&one).unwrap();
            let v2: serde_json::Value = serde_json::from_str(&two).unwrap();
            prop_assert_eq!(canonical_hash(&v1), canonical_hash(&v2));
        }
    }

    fn m(form: serde_json::Value, atts: &[(&str, &str)]) -> DossierManifest {
        serde_json::from_value(serde_json::json!({
            "procedure_code": "1", "agency_code": "A", "form": form,
            "attachments": atts.iter().map(|(k, h)| serde_json::json!({"kind": k, "sha256": h, "content_type": "image/jpeg", "size": 1})).collect::<Vec<_>>(),
            "delivery": {"method": "online"}
        }))
        .unwrap()
    }

    #[test]
    fn revision_diffs() {
        let a = m(
            serde_json::json!({"ho_ten": "A", "dia_chi": "X", "bo": 1}),
            &[("portrait", "h1"), ("cccd", "h2")],
        );
        let b = m(
            serde_json::json!({"ho_ten": "A", "dia_chi": "Y", "moi": true}),
            &[("cccd", "h2"), ("portrait", "h3")],
        );
        assert_eq!(changed_fields(&a, &b), ["bo", "dia_chi", "moi"]);
        assert_eq!(changed_attachments(&a, &b), ["portrait"]);
        assert!(changed_fields(&a, &a).is_empty());
        // order of attachments alone is no change
        let c = m(
            serde_json::json!({"ho_ten": "A", "dia_chi": "X", "bo": 1}),
            &[("cccd", "h2"), ("portrait", "h1")],
        );
        assert!(changed_attachments(&a, &c).is_empty());
        let d = m(serde_json::json!({}), &[("cccd", "h2")]);
        assert_eq!(changed_attachments(&a, &d), ["portrait"]);
    }

    #[test]
    fn ratings() {
        assert_eq!(normalize_rating(0, None), Err("stars"));
        assert_eq!(normalize_rating(6, None), Err("stars"));
        assert_eq!(normalize_rating(5, Some("  ")), Ok((5, None)));
        assert_eq!(
            normalize_rating(4, Some("  Tốt  ")),
            Ok((4, Some("Tốt".into())))
        );
        assert_eq!(normalize_rating(3, Some(&"a".repeat(1001))), Err("comment"));
        assert!(normalize_rating(3, Some(&format!("  {}  ", "ơ".repeat(1000)))).is_ok());
        // Control characters are cleaned, as on the phone, not refused.
        assert_eq!(
            normalize_rating(3, Some("a\u{0}b\r\nc")),
            Ok((3, Some("a b\nc".into())))
        );
    }

    #[test]
    fn phones() {
        assert_eq!(
            normalize_phone("0912 345 678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(
            normalize_phone("+84912345678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(
            normalize_phone("84912345678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(
            normalize_phone("0084 912 345 678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(normalize_phone("0212345678"), None);
        assert_eq!(normalize_phone("0501234567"), None);
        assert_eq!(normalize_phone("091234567"), None);
        assert_eq!(normalize_phone("đ912345678"), None);
    }

    #[test]
    fn identifiers() {
        assert!(valid_agency_code("000.30.27.H23"));
        assert!(valid_agency_code("G01.837.000.000"));
        assert!(!valid_agency_code("A-1"));
        assert!(!valid_agency_code(""));
        assert!(valid_procedure_code("1.001456"));
        assert!(valid_staff_login("canbo.h23"));
        assert!(!valid_staff_login("Can Bo"));
        let u = uuid::Uuid::now_v7().to_string();
        assert_eq!(parse_dossier_uuid(&u), Some(u.clone()));
        assert_eq!(parse_dossier_uuid(&u.to_uppercase()), None);
        assert_eq!(parse_dossier_uuid("x"), None);
    }
}

// ---- storage decisions ------------------------------------------------------------------------
// What the storage layer decides inside a transaction. The backends fetch the rows, ask one of
// these, and write what it says; the same answer on SQLite and PostgreSQL by construction.

/// A dossier uuid that is already stored, sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// The same account sent the same content: answer with the stored dossier (exactly once).
    Repeat,
    /// Another account, or other content: the uuid is taken.
    Conflict,
}

/// Judges a submission whose uuid is stored: a repeat only when the same account sends content
/// with the same canonical hash.
pub fn judge_resend(
    stored_submitter: &str,
    stored_hash: &str,
    submitter: &str,
    content_hash: &str,
) -> Resend {
    if stored_submitter == submitter && stored_hash == content_hash {
        Resend::Repeat
    } else {
        Resend::Conflict
    }
}

/// The hashes of `wanted` that are not `available`, in their order.
pub fn missing_blobs(
    wanted: &[String],
    available: &std::collections::HashSet<String>,
) -> Vec<String> {
    wanted
        .iter()
        .filter(|h| !available.contains(*h))
        .cloned()
        .collect()
}

/// What a requested state change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Record the event; the dossier moves to this state.
    Apply(DossierState),
    /// Not allowed from the current state (or not by this actor).
    Invalid,
    /// Nothing new: the same thing is already pending.
    Unchanged,
}

/// Decides a state change. `last_event` is the kind name ([`event_kind_name`]) of the dossier's
/// latest event: "I have paid" right after "I have paid" records nothing, since the first claim is
/// still waiting for an officer.
pub fn decide_change(
    current: DossierState,
    event: &EventKind,
    actor: Actor,
    last_event: Option<&str>,
) -> Change {
    let repeated_claim = matches!(event, EventKind::PaymentClaimed { .. })
        && last_event == Some(event_kind_name(event));
    match next_state(current, event, actor) {
        None => Change::Invalid,
        Some(_) if repeated_claim => Change::Unchanged,
        Some(next) => Change::Apply(next),
    }
}

/// What a resubmitted (corrected) manifest does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionStep {
    /// This revision was stored before with the same content: answer with it.
    Repeat,
    /// The number is used with other content, or is not the next one.
    Conflict,
    /// The dossier is not waiting for a supplement.
    InvalidState,
    /// Store it; the dossier moves to this state.
    Store(DossierState),
}

/// Decides a revision. `latest` is the dossier's latest revision number, `asked` the number sent,
/// `stored_hash` the content hash of revision `asked` if it exists. A stored revision is judged
/// first, so a repeat is still answered after the dossier has moved on.
pub fn decide_revision(
    state: DossierState,
    latest: i64,
    asked: i64,
    stored_hash: Option<&str>,
    content_hash: &str,
) -> RevisionStep {
    if let Some(stored) = stored_hash {
        return if stored == content_hash {
            RevisionStep::Repeat
        } else {
            RevisionStep::Conflict
        };
    }
    let resubmit = EventKind::Resubmitted {
        revision: 0,
        changed_fields: vec![],
        changed_attachments: vec![],
    };
    match next_state(state, &resubmit, Actor::Applicant) {
        None => RevisionStep::InvalidState,
        Some(_) if asked != latest + 1 => RevisionStep::Conflict,
        Some(next) => RevisionStep::Store(next),
    }
}

/// What a rating does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingStep {
    /// The same rating is stored: answer with it.
    Same,
    /// A different rating is stored: a dossier is rated once.
    Different,
    /// Only completed dossiers are rated.
    InvalidState,
    /// Store it.
    Save,
}

/// Decides a rating given the dossier's state and the stored rating `(stars, comment)`, if any. A
/// stored rating is judged first.
pub fn decide_rating(
    state: DossierState,
    stored: Option<(u8, Option<&str>)>,
    stars: u8,
    comment: Option<&str>,
) -> RatingStep {
    match stored {
        Some(old) if old == (stars, comment) => RatingStep::Same,
        Some(_) => RatingStep::Different,
        None if dvc_protocol::rules::ApplicantAction::Rate.allowed_in(state) => RatingStep::Save,
        None => RatingStep::InvalidState,
    }
}

/// Dossier lists hold 1 to 500 rows.
pub fn list_limit(asked: i64) -> i64 {
    asked.clamp(1, 500)
}

#[cfg(test)]
mod storage_decision_tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn any_state() -> impl Strategy<Value = DossierState> {
        proptest::sample::select(DossierState::ALL)
    }

    fn any_event() -> impl Strategy<Value = EventKind> {
        prop_oneof![
            Just(EventKind::Received),
            Just(EventKind::Accepted),
            Just(EventKind::SupplementRequested {
                note: "n".into(),
                items: vec![]
            }),
            Just(EventKind::Rejected { reason: "r".into() }),
            Just(EventKind::Paid),
            Just(EventKind::Completed),
            Just(EventKind::Cancelled { reason: None }),
            Just(EventKind::Resubmitted {
                revision: 2,
                changed_fields: vec![],
                changed_attachments: vec![]
            }),
            Just(EventKind::PaymentClaimed { amount_vnd: 1 }),
        ]
    }

    fn any_last_event() -> impl Strategy<Value = Option<&'static str>> {
        proptest::option::of(proptest::sample::select(vec![
            "received",
            "accepted",
            "fee_requested",
            "payment_claimed",
            "paid",
            "supplement_requested",
            "resubmitted",
        ]))
    }

    #[test]
    fn resends() {
        assert_eq!(judge_resend("a", "h", "a", "h"), Resend::Repeat);
        assert_eq!(judge_resend("a", "h", "a", "x"), Resend::Conflict);
        assert_eq!(judge_resend("a", "h", "b", "h"), Resend::Conflict);
    }

    #[test]
    fn payment_claims_are_recorded_once_until_answered() {
        let claim = EventKind::PaymentClaimed { amount_vnd: 50_000 };
        let fee = DossierState::FeeRequested;
        let a = Actor::Applicant;
        assert_eq!(
            decide_change(fee, &claim, a, Some("fee_requested")),
            Change::Apply(fee)
        );
        assert_eq!(
            decide_change(fee, &claim, a, Some("payment_claimed")),
            Change::Unchanged
        );
        // a claim that is not allowed is refused, not "unchanged"
        assert_eq!(
            decide_change(DossierState::Paid, &claim, a, Some("payment_claimed")),
            Change::Invalid
        );
        // other events never count as repeats
        assert_eq!(
            decide_change(fee, &EventKind::Paid, Actor::Officer, Some("paid")),
            Change::Apply(DossierState::Paid)
        );
    }

    #[test]
    fn revisions() {
        use DossierState as S;
        assert_eq!(
            decide_revision(S::SupplementRequested, 1, 2, None, "h"),
            RevisionStep::Store(S::Received)
        );
        assert_eq!(
            decide_revision(S::SupplementRequested, 1, 3, None, "h"),
            RevisionStep::Conflict
        );
        assert_eq!(
            decide_revision(S::Accepted, 1, 2, None, "h"),
            RevisionStep::InvalidState
        );
        // a stored revision answers in any state
        assert_eq!(
            decide_revision(S::Completed, 2, 2, Some("h"), "h"),
            RevisionStep::Repeat
        );
        assert_eq!(
            decide_revision(S::Received, 2, 2, Some("h"), "x"),
            RevisionStep::Conflict
        );
    }

    #[test]
    fn ratings_are_given_once() {
        use DossierState as S;
        assert_eq!(decide_rating(S::Completed, None, 5, None), RatingStep::Save);
        assert_eq!(
            decide_rating(S::ResultReady, None, 5, None),
            RatingStep::InvalidState
        );
        assert_eq!(
            decide_rating(S::Completed, Some((5, Some("Tốt"))), 5, Some("Tốt")),
            RatingStep::Same
        );
        assert_eq!(
            decide_rating(S::Completed, Some((5, Some("Tốt"))), 5, None),
            RatingStep::Different
        );
        assert_eq!(
            decide_rating(S::Completed, Some((4, None)), 5, None),
            RatingStep::Different
        );
    }

    #[test]
    fn list_limits() {
        assert_eq!(list_limit(0), 1);
        assert_eq!(list_limit(50), 50);
        assert_eq!(list_limit(10_000), 500);
    }

    proptest! {
        #[test]
        fn missing_blobs_are_exactly_the_unavailable_ones(
            wanted in proptest::collection::vec("[a-d]", 0..8),
            available in proptest::collection::hash_set("[a-d]", 0..4),
        ) {
            let missing = missing_blobs(&wanted, &available);
            let expected: Vec<String> = wanted.iter().filter(|h| !available.contains(*h)).cloned().collect();
            prop_assert_eq!(&missing, &expected);
            let set: HashSet<&String> = missing.iter().collect();
            prop_assert!(set.iter().all(|h| !available.contains(*h)));
        }

        #[test]
        fn changes_follow_the_state_machine(
            state in any_state(), event in any_event(), officer in any::<bool>(), last in any_last_event(),
        ) {
            let actor = if officer { Actor::Officer } else { Actor::Applicant };
            let change = decide_change(state, &event, actor, last);
            match next_state(state, &event, actor) {
                None => prop_assert_eq!(change, Change::Invalid),
                Some(next) => {
                    let repeat = matches!(event, EventKind::PaymentClaimed { .. }) && last == Some("payment_claimed");
                    prop_assert_eq!(change, if repeat { Change::Unchanged } else { Change::Apply(next) });
                }
            }
        }

        #[test]
        fn revisions_are_stored_only_as_the_next_number_of_a_dossier_awaiting_supplement(
            state in any_state(), latest in 1i64..5, asked in 0i64..7,
            stored in proptest::option::of("[ab]"), hash in "[ab]",
        ) {
            let step = decide_revision(state, latest, asked, stored.as_deref(), &hash);
            if let RevisionStep::Store(next) = step {
                prop_assert!(stored.is_none());
                prop_assert_eq!(state, DossierState::SupplementRequested);
                prop_assert_eq!(asked, latest + 1);
                prop_assert_eq!(next, DossierState::Received);
            }
            if stored.is_some() {
                prop_assert!(matches!(step, RevisionStep::Repeat | RevisionStep::Conflict));
                prop_assert_eq!(step == RevisionStep::Repeat, stored.as_deref() == Some(hash.as_str()));
            }
        }

        #[test]
        fn a_rating_is_saved_only_once_and_only_when_completed(
            state in any_state(), stored in proptest::option::of((1u8..=5, proptest::option::of("[xy]"))),
            stars in 1u8..=5, comment in proptest::option::of("[xy]"),
        ) {
            let step = decide_rating(state, stored.as_ref().map(|(s, c)| (*s, c.as_deref())), stars, comment.as_deref());
            prop_assert_eq!(step == RatingStep::Save, stored.is_none() && state == DossierState::Completed);
            if let Some((s, c)) = &stored {
                prop_assert_eq!(step == RatingStep::Same, *s == stars && c.as_deref() == comment.as_deref());
            }
        }
    }
}
