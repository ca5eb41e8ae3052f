//! Pure sync decisions: what a failure means (retry, resume at an offset, upload what is missing,
//! sign in again, quarantine), how long to wait, which bytes to send next, and how the server's
//! states map onto the device's. No I/O here; the runner does what these functions say.

use std::time::Duration;

use serde::Serialize;

use dvc_protocol::dossiers::DossierState;
use dvc_protocol::rules::{ApplicantAction, RatingError};
use dvc_protocol::{ErrorBody, ErrorCode};

/// A failed network exchange, as the runner saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No answer: connection refused or reset, timeout, broken body, DNS.
    Net(NetFailure),
    /// The server answered with a non-success status.
    Http {
        status: u16,
        /// The parsed error body, when it was one.
        body: Option<ErrorBody>,
        /// `Retry-After` in seconds, from the header or the body.
        retry_after_s: Option<u64>,
    },
}

/// Why no answer came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetFailure {
    Timeout,
    Connect,
    /// Reset or closed while sending or receiving.
    Broken,
    /// A 2xx whose body could not be read or decoded.
    BadBody,
}

impl Failure {
    /// Short, log-safe description (codes only).
    pub fn describe(&self) -> String {
        match self {
            Failure::Net(n) => format!("network: {n:?}").to_lowercase(),
            Failure::Http { status, body, .. } => match body {
                Some(b) => format!("http {status} {} {}", b.code, b.error),
                None => format!("http {status}"),
            },
        }
    }
}

/// What to do about a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Try again later (after at least `not_before`, if the server said so).
    Retry { not_before: Option<Duration> },
    /// The upload's real offset is this: continue from there (not a failure).
    ResumeAt(u64),
    /// The server lacks these blobs: upload them, then submit again.
    UploadMissing(Vec<String>),
    /// The token is no longer valid: stop syncing until the user signs in again.
    SignInAgain,
    /// The app is too old for this server: stop syncing.
    UpdateApp,
    /// This dossier cannot go through as it is: set it aside with a reason (a UI message key);
    /// the others keep going.
    Quarantine(&'static str),
}

/// Message keys of quarantine reasons (each has text in the UI dictionaries).
pub mod reason {
    pub const CONFLICT: &str = "sync.reason.conflict";
    pub const INVALID: &str = "sync.reason.invalid";
    pub const UNKNOWN_AGENCY: &str = "sync.reason.unknown_agency";
    pub const TOO_LARGE: &str = "sync.reason.too_large";
    pub const QUOTA: &str = "sync.reason.quota";
    pub const CONSENT_MISSING: &str = "sync.reason.consent_missing";
    pub const CONSENT_EXPIRED: &str = "sync.reason.consent_expired";
    pub const CONSENT_WITHDRAWN: &str = "sync.reason.consent_withdrawn";
    pub const CONSENT_SCOPE: &str = "sync.reason.consent_scope";
    pub const FORBIDDEN: &str = "sync.reason.forbidden";
    pub const DOCUMENT_MISSING: &str = "sync.reason.document_missing";
    pub const BAD_DOSSIER: &str = "sync.reason.bad_dossier";
    /// Not a quarantine: the dossier waits until the server serves an agency for its province.
    pub const NO_AGENCY: &str = "sync.reason.no_agency";
    /// Not a quarantine: the dossier was queued under another account and waits until that
    /// account signs in on this device again.
    pub const OTHER_ACCOUNT: &str = "sync.reason.other_account";
    /// An applicant action the dossier's state no longer allows (409.3), e.g. cancelling a
    /// dossier the agency already accepted.
    pub const INVALID_TRANSITION: &str = "sync.reason.invalid_transition";
    /// A different rating was already given (409.7).
    pub const ALREADY_RATED: &str = "sync.reason.already_rated";
    /// The revision number was used with other content or is not the next one (409.6).
    pub const REVISION_CONFLICT: &str = "sync.reason.revision_conflict";
    /// The server does not know the dossier (any more) (404 on an action).
    pub const DOSSIER_UNKNOWN: &str = "sync.reason.dossier_unknown";
}

/// What kind of applicant action (the `dossier_actions.kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Cancel,
    PaymentClaim,
    Rating,
    Revision,
}

impl ActionKind {
    /// Every kind.
    pub const ALL: &'static [ActionKind] = &[
        ActionKind::Cancel,
        ActionKind::PaymentClaim,
        ActionKind::Rating,
        ActionKind::Revision,
    ];

    /// The action in the shared state machine.
    pub const fn applicant_action(self) -> ApplicantAction {
        match self {
            ActionKind::Cancel => ApplicantAction::Cancel,
            ActionKind::PaymentClaim => ApplicantAction::ClaimPayment,
            ActionKind::Rating => ApplicantAction::Rate,
            ActionKind::Revision => ApplicantAction::Resubmit,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            ActionKind::Cancel => "cancel",
            ActionKind::PaymentClaim => "payment_claim",
            ActionKind::Rating => "rating",
            ActionKind::Revision => "revision",
        }
    }

    pub fn parse(s: &str) -> Option<ActionKind> {
        ActionKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// What the dossier shows while this action waits to be sent (a message key): honest
    /// wording, "being sent", never "done".
    pub const fn pending_label(self) -> &'static str {
        match self {
            ActionKind::Cancel => "dossier.pending.cancel",
            ActionKind::PaymentClaim => "dossier.pending.payment_claim",
            ActionKind::Rating => "dossier.pending.rating",
            ActionKind::Revision => "dossier.pending.revision",
        }
    }
}

/// Classifies a failed applicant action. Like [`classify`], with the action's own permanent
/// refusals named: the dossier's state does not allow it (409.3), another rating exists
/// (409.7), the revision number is taken (409.6), the dossier is unknown (404 on the action's
/// own call; a vanished upload during a revision is still transient).
pub fn classify_action(f: &Failure, during_upload: bool) -> Disposition {
    let code = match f {
        Failure::Http { body, .. } => body.as_ref().and_then(ErrorBody::error_code),
        Failure::Net(_) => None,
    };
    match code {
        Some(ErrorCode::InvalidTransition) => Disposition::Quarantine(reason::INVALID_TRANSITION),
        Some(ErrorCode::AlreadyRated) => Disposition::Quarantine(reason::ALREADY_RATED),
        Some(ErrorCode::RevisionConflict) => Disposition::Quarantine(reason::REVISION_CONFLICT),
        Some(ErrorCode::NotFound) if !during_upload => {
            Disposition::Quarantine(reason::DOSSIER_UNKNOWN)
        }
        _ => classify(f),
    }
}

/// Whether the applicant may ask for `kind` in the server state `state` (as the device last
/// saw it): the server's own state machine ([`ApplicantAction::allowed_in`]), asked early so a
/// refusal comes with a message key instead of a queued action the server turns down.
pub fn action_allowed(kind: ActionKind, state: DossierState) -> Result<(), &'static str> {
    if kind.applicant_action().allowed_in(state) {
        Ok(())
    } else {
        Err(match kind {
            ActionKind::Cancel => "dossier.cancel_not_allowed",
            ActionKind::PaymentClaim => "dossier.no_fee_due",
            ActionKind::Rating => "dossier.rating_not_allowed",
            ActionKind::Revision => "dossier.no_supplement",
        })
    }
}

/// Checks a rating with the server's rule ([`dvc_protocol::rules::check_rating`]): 1–5 stars, a
/// cleaned comment of at most 1000 characters (blank = none). The cleaned comment is what gets
/// queued.
pub fn check_rating(stars: u8, comment: Option<&str>) -> Result<Option<String>, &'static str> {
    dvc_protocol::rules::check_rating(stars, comment).map_err(|e| match e {
        RatingError::Stars => "dossier.rating_stars",
        RatingError::CommentTooLong => "validation.too_long",
    })
}

/// What differs between two manifests: form fields (by name) and attachment kinds (by file) —
/// the same functions the server uses for its revision record (`dvc_protocol::dossiers`).
pub fn manifest_changes(
    old: &dvc_protocol::dossiers::DossierManifest,
    new: &dvc_protocol::dossiers::DossierManifest,
) -> (Vec<String>, Vec<String>) {
    (
        dvc_protocol::dossiers::changed_fields(old, new),
        dvc_protocol::dossiers::changed_attachments(old, new),
    )
}

/// Where a resumable download goes on: the server's answer to `Range: bytes=<held>-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// 206 from `held`: append.
    Append,
    /// 200 (the server ignored the range) or a 206 from elsewhere: start over from 0.
    Restart,
    /// 416: what is held is already past the end: throw it away and start over.
    Discard,
}

/// Decides what to do with a download answer. `content_range_start` is the first byte of a
/// 206's `Content-Range`.
pub fn range_answer(status: u16, held: u64, content_range_start: Option<u64>) -> RangeAnswer {
    match status {
        206 if content_range_start == Some(held) => RangeAnswer::Append,
        416 => RangeAnswer::Discard,
        _ => RangeAnswer::Restart,
    }
}

/// The receiving agency of a dossier: the one serving its province, else the server's only
/// agency; `None` when the server has several and none is known to serve that province.
pub fn choose_agency(
    agencies: &[dvc_protocol::agencies::AgencyInfo],
    province: Option<&str>,
) -> Option<String> {
    if let Some(p) = province.filter(|p| !p.is_empty()) {
        if let Some(a) = agencies.iter().find(|a| a.province.as_deref() == Some(p)) {
            return Some(a.code.clone());
        }
    }
    match agencies {
        [only] => Some(only.code.clone()),
        _ => None,
    }
}

/// Classifies a failure. Transient: timeouts, resets, 5xx, 408, 429 (with its Retry-After), a
/// chunk or blob checksum mismatch (bytes damaged on the way) and a vanished upload (404 during an
/// upload; recreated on retry). Permanent for this dossier: validation, conflict, unknown agency,
/// size and quota, consent. Account-wide: 401 and a disabled account stop the run.
pub fn classify(f: &Failure) -> Disposition {
    let (status, body, retry_after_s) = match f {
        Failure::Net(_) => return Disposition::Retry { not_before: None },
        Failure::Http {
            status,
            body,
            retry_after_s,
        } => (*status, body.as_ref(), *retry_after_s),
    };
    let code = body.and_then(ErrorBody::error_code);
    let retry = |s: Option<u64>| Disposition::Retry {
        not_before: s.map(Duration::from_secs),
    };
    match code {
        Some(ErrorCode::UploadOffsetMismatch) => match body.and_then(|b| b.offset) {
            Some(o) => Disposition::ResumeAt(o),
            None => retry(None),
        },
        Some(ErrorCode::BlobsMissing) => match body.and_then(|b| b.missing.clone()) {
            Some(m) if !m.is_empty() => Disposition::UploadMissing(m),
            _ => retry(None),
        },
        Some(ErrorCode::RateLimited) => {
            retry(retry_after_s.or_else(|| body.and_then(|b| b.retry_after_s)))
        }
        Some(ErrorCode::ChunkChecksumMismatch | ErrorCode::BlobHashMismatch) => retry(None),
        Some(ErrorCode::Internal | ErrorCode::Unavailable) => retry(retry_after_s),
        Some(ErrorCode::Unauthenticated | ErrorCode::AccountDisabled) => Disposition::SignInAgain,
        Some(ErrorCode::ProtocolUnsupported) => Disposition::UpdateApp,
        Some(ErrorCode::DossierConflict | ErrorCode::UploadMismatch) => {
            Disposition::Quarantine(reason::CONFLICT)
        }
        Some(ErrorCode::UnknownAgency) => Disposition::Quarantine(reason::UNKNOWN_AGENCY),
        Some(ErrorCode::PayloadTooLarge | ErrorCode::BlobTooLarge) => {
            Disposition::Quarantine(reason::TOO_LARGE)
        }
        Some(ErrorCode::QuotaExceeded) => Disposition::Quarantine(reason::QUOTA),
        Some(ErrorCode::ConsentMissing) => Disposition::Quarantine(reason::CONSENT_MISSING),
        Some(ErrorCode::ConsentExpired) => Disposition::Quarantine(reason::CONSENT_EXPIRED),
        Some(ErrorCode::ConsentWithdrawn) => Disposition::Quarantine(reason::CONSENT_WITHDRAWN),
        Some(ErrorCode::ConsentOutOfScope) => Disposition::Quarantine(reason::CONSENT_SCOPE),
        Some(ErrorCode::Forbidden) => Disposition::Quarantine(reason::FORBIDDEN),
        Some(ErrorCode::NotFound) => retry(None),
        _ => match status {
            401 => Disposition::SignInAgain,
            408 | 429 => retry(retry_after_s),
            500..=599 => retry(retry_after_s),
            // Anything else in 4xx is the request's own fault: it will not get better by itself.
            400..=499 => Disposition::Quarantine(reason::INVALID),
            // 1xx/3xx/other: a proxy or captive portal in the way; try later.
            _ => retry(retry_after_s),
        },
    }
}

/// Exponential backoff with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// The wait before retry number `attempt` (0 = first retry): `min(cap, base·2^attempt)`, of
    /// which the upper half is jittered by `jitter` ∈ [0, 1) ("equal jitter": never less than half
    /// the exponential step, so a crowd of phones spreads out but nobody hammers).
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX))
            .min(self.cap);
        let j = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let half = exp / 2;
        half + half.mul_f64(j)
    }

    /// The wait given what the server asked for: at least its Retry-After (capped at 10 min).
    pub fn wait(&self, attempt: u32, jitter: f64, not_before: Option<Duration>) -> Duration {
        let d = self.delay(attempt, jitter);
        match not_before {
            Some(nb) => d.max(nb.min(Duration::from_secs(600))),
            None => d,
        }
    }
}

/// The next chunk to send as `(start, end)` (end exclusive), or `None` when the server holds all.
pub fn next_chunk(offset: u64, length: u64, chunk: u64) -> Option<(u64, u64)> {
    if offset >= length || chunk == 0 {
        return None;
    }
    Some((offset, length.min(offset.saturating_add(chunk))))
}

/// The upload chunk size, adapted to the link. Every chunk is acknowledged before the next one
/// goes (the server takes chunks in order, each with its checksum), so a chunk costs one round
/// trip on top of its bytes: small chunks waste time on a slow, far link; big chunks lose more
/// when a connection breaks in the middle (the server drops a chunk that did not arrive whole).
/// So: aim for chunks that take about `target` on the wire, estimated from the last chunk's
/// throughput, growing at most 2× per chunk; halve after a break. Always within `min..=max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChunkSizer {
    size: u64,
    min: u64,
    max: u64,
    target: Duration,
}

impl ChunkSizer {
    /// Starts at `start`, kept within `min..=max` (`min` ≥ 1 byte, `max` ≥ `min`).
    pub fn new(start: u64, min: u64, max: u64, target: Duration) -> Self {
        let min = min.max(1);
        let max = max.max(min);
        ChunkSizer {
            size: start.clamp(min, max),
            min,
            max,
            target,
        }
    }

    /// The size of the next chunk.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// A chunk of `bytes` was acknowledged `took` after it started. A short chunk (the end of a
    /// file) says little about the link and changes nothing.
    pub fn acked(&mut self, bytes: u64, took: Duration) {
        if bytes < self.size {
            return;
        }
        let secs = took.as_secs_f64().max(0.001);
        let ideal = bytes as f64 / secs * self.target.as_secs_f64();
        let ideal = if ideal.is_finite() && ideal > 0.0 {
            ideal as u64
        } else {
            self.size
        };
        let lo = (self.size / 2).max(self.min);
        let hi = self.size.saturating_mul(2).min(self.max);
        self.size = ideal.clamp(lo, hi);
    }

    /// The connection broke (or timed out) during a chunk: halve.
    pub fn broken(&mut self) {
        self.size = (self.size / 2).max(self.min);
    }
}

/// How much of a push stream may be unacknowledged (protocol 1.1, `POST /v1/push`). The server
/// acknowledges every data frame it has read and checked; bytes beyond that are on the way, and a
/// broken connection loses them. Enough must be on the way to keep the link busy for a round trip
/// (less, and the link idles between acknowledgements); more only waits in the network's buffers,
/// where a cut throws it away.
///
/// So, like a delivery-rate congestion controller: every acknowledgement gives a round-trip sample
/// (frame sent → its ack) and a delivery-rate sample (bytes acknowledged meanwhile / that time);
/// the window is the best recent rate × the shortest round trip, plus two frames (one being
/// received, one being acknowledged). While round trips show no queue (within 25 % of the
/// shortest) it may grow by a quarter per acknowledgement, so a fast link is found quickly. Always
/// within `min..=max`.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamWindow {
    frame: u64,
    min: u64,
    max: u64,
    window: u64,
    min_rtt: Option<Duration>,
    /// Recent delivery-rate samples (bytes per second), newest last.
    rates: std::collections::VecDeque<f64>,
    /// Frames on the way: (stream bytes after the frame, when it went, bytes acknowledged then).
    sent: std::collections::VecDeque<(u64, Duration, u64)>,
    acked: u64,
}

/// Delivery-rate samples kept for the window's maximum.
const RATE_SAMPLES: usize = 16;

impl StreamWindow {
    /// A window for frames of `frame` bytes, starting at `start`, kept within `min..=max`.
    pub fn new(frame: u64, start: u64, min: u64, max: u64) -> Self {
        let min = min.max(frame).max(1);
        let max = max.max(min);
        StreamWindow {
            frame,
            min,
            max,
            window: start.clamp(min, max),
            min_rtt: None,
            rates: std::collections::VecDeque::new(),
            sent: std::collections::VecDeque::new(),
            acked: 0,
        }
    }

    /// The current window in bytes.
    pub fn window(&self) -> u64 {
        self.window
    }

    /// The shortest round trip seen.
    pub fn min_rtt(&self) -> Option<Duration> {
        self.min_rtt
    }

    /// Whether `next` more bytes may go now, with `in_flight` unacknowledged. Something may
    /// always go when nothing is on the way.
    pub fn may_send(&self, in_flight: u64, next: u64) -> bool {
        in_flight == 0 || in_flight.saturating_add(next) <= self.window
    }

    /// A new request starts: its byte counts start again from 0 (what was learnt stays).
    pub fn new_request(&mut self) {
        self.sent.clear();
        self.acked = 0;
    }

    /// A frame went; `end` = the request's data-frame bytes sent so far, `now` = time since any
    /// fixed start.
    pub fn sent(&mut self, end: u64, now: Duration) {
        self.sent.push_back((end, now, self.acked));
    }

    /// The server acknowledged `n` data-frame bytes of this request at `now`.
    pub fn acked(&mut self, n: u64, now: Duration) {
        if n <= self.acked {
            return;
        }
        let mut last = None;
        while let Some(&(end, at, acked_then)) = self.sent.front() {
            if end > n {
                break;
            }
            last = Some((at, acked_then));
            self.sent.pop_front();
        }
        let delivered = n - self.acked;
        self.acked = n;
        let Some((at, acked_then)) = last else {
            let _ = delivered;
            return;
        };
        let rtt = now.saturating_sub(at).max(Duration::from_micros(100));
        let rate = (n - acked_then) as f64 / rtt.as_secs_f64();
        if rate.is_finite() && rate > 0.0 {
            self.rates.push_back(rate);
            if self.rates.len() > RATE_SAMPLES {
                self.rates.pop_front();
            }
        }
        let min_rtt = self.min_rtt.map_or(rtt, |m| m.min(rtt));
        self.min_rtt = Some(min_rtt);
        let best = self.rates.iter().copied().fold(0.0_f64, f64::max);
        let bdp = (best * min_rtt.as_secs_f64()) as u64;
        let target = bdp.saturating_add(2 * self.frame);
        let no_queue = rtt.as_secs_f64() <= min_rtt.as_secs_f64() * 1.25;
        self.window = if no_queue {
            target.max(self.window + self.window / 4)
        } else {
            target
        }
        .clamp(self.min, self.max);
    }
}

/// Where to send from next in each blob once the push's `head` line says where the server stands
/// (`guess` = where this request started sending each blob, `sent` = how far it got): a blob the
/// server holds whole is done; if the server holds more than was sent, skip ahead; if it holds
/// less than the request started from (its bytes went back), start again from its offset — the
/// frames after that gap are ignored by the server.
pub fn after_head(
    guess: &[u64],
    sent: &[u64],
    lengths: &[u64],
    head: &[dvc_protocol::push::BlobState],
) -> Vec<u64> {
    (0..lengths.len())
        .map(|i| {
            let len = lengths[i];
            let (g, s) = (
                guess.get(i).copied().unwrap_or(0),
                sent.get(i).copied().unwrap_or(0),
            );
            match head.get(i) {
                None => s,
                Some(h) if h.complete => len,
                Some(h) if h.offset < g => h.offset.min(len),
                Some(h) => s.max(h.offset).min(len),
            }
        })
        .collect()
}

/// Indexes of `files` (by SHA-256) to upload, given the server's `missing` list: each missing hash
/// once, in the files' order; hashes the server did not ask for are skipped.
pub fn uploads_needed(files: &[String], missing: &[String]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        if missing.contains(f) && !out.iter().any(|&j| files[j] == *f) {
            out.push(i);
        }
    }
    out
}

/// The state a dossier shows, from what the device and the server know.
pub fn shown_state(
    local: &str,
    outbox: Option<&str>,
    remote: Option<DossierState>,
) -> &'static str {
    if let Some(r) = remote {
        return r.as_str();
    }
    match (local, outbox) {
        (_, Some("quarantined")) => "quarantined",
        ("draft", _) => "draft",
        _ => "queued",
    }
}

/// Whether an event for a dossier moves its shown state: states only move forward in the feed's
/// order, so an event older than what the device already applied (a replay) changes nothing.
pub fn newer_cursor(stored: Option<&str>, event: &str) -> bool {
    match stored {
        None => true,
        Some(s) => cursor_key(event) > cursor_key(s),
    }
}

/// Cursors are opaque strings; the server's are decimal sequence numbers. Compare numerically
/// when both parse, else by length then text (which orders decimal strings correctly too).
fn cursor_key(c: &str) -> (usize, &str) {
    let t = c.trim_start_matches('0');
    (t.len(), t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn http(code: ErrorCode) -> Failure {
        Failure::Http {
            status: code.http_status(),
            body: Some(ErrorBody::new(code, "x")),
            retry_after_s: None,
        }
    }

    #[test]
    fn agency_by_province_then_the_only_one() {
        use dvc_protocol::agencies::AgencyInfo;
        let a = |code: &str, p: Option<&str>| AgencyInfo {
            code: code.into(),
            name: "x".into(),
            province: p.map(Into::into),
        };
        let two = [
            a("000.00.01.H01", Some("ha-noi")),
            a("000.00.02.H02", Some("hue")),
        ];
        assert_eq!(
            choose_agency(&two, Some("hue")).as_deref(),
            Some("000.00.02.H02")
        );
        assert_eq!(choose_agency(&two, Some("da-nang")), None);
        assert_eq!(choose_agency(&two, None), None);
        let one = [a("000.00.00.H00", None)];
        assert_eq!(
            choose_agency(&one, Some("hue")).as_deref(),
            Some("000.00.00.H00")
        );
        assert_eq!(choose_agency(&one, None).as_deref(), Some("000.00.00.H00"));
        assert_eq!(choose_agency(&[], Some("hue")), None);
    }

    #[test]
    fn network_failures_and_5xx_are_transient() {
        for n in [
            NetFailure::Timeout,
            NetFailure::Connect,
            NetFailure::Broken,
            NetFailure::BadBody,
        ] {
            assert_eq!(
                classify(&Failure::Net(n)),
                Disposition::Retry { not_before: None }
            );
        }
        for s in [500, 502, 503, 504] {
            let f = Failure::Http {
                status: s,
                body: None,
                retry_after_s: None,
            };
            assert!(matches!(classify(&f), Disposition::Retry { .. }), "{s}");
        }
    }

    #[test]
    fn rate_limit_waits_as_told() {
        let mut b = ErrorBody::new(ErrorCode::RateLimited, "slow down");
        b.retry_after_s = Some(7);
        let f = Failure::Http {
            status: 429,
            body: Some(b),
            retry_after_s: None,
        };
        assert_eq!(
            classify(&f),
            Disposition::Retry {
                not_before: Some(Duration::from_secs(7))
            }
        );
        // The header wins over the body.
        let f = Failure::Http {
            status: 429,
            body: None,
            retry_after_s: Some(3),
        };
        assert_eq!(
            classify(&f),
            Disposition::Retry {
                not_before: Some(Duration::from_secs(3))
            }
        );
        let b = Backoff::default();
        assert_eq!(
            b.wait(0, 0.0, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
    }

    #[test]
    fn offset_mismatch_resumes_and_missing_blobs_upload() {
        let mut b = ErrorBody::new(ErrorCode::UploadOffsetMismatch, "x");
        b.offset = Some(65536);
        let f = Failure::Http {
            status: 409,
            body: Some(b),
            retry_after_s: None,
        };
        assert_eq!(classify(&f), Disposition::ResumeAt(65536));
        let mut b = ErrorBody::new(ErrorCode::BlobsMissing, "x");
        b.missing = Some(vec!["ab".into()]);
        let f = Failure::Http {
            status: 422,
            body: Some(b),
            retry_after_s: None,
        };
        assert_eq!(classify(&f), Disposition::UploadMissing(vec!["ab".into()]));
    }

    #[test]
    fn permanent_failures_quarantine_with_a_reason() {
        assert_eq!(
            classify(&http(ErrorCode::DossierConflict)),
            Disposition::Quarantine(reason::CONFLICT)
        );
        assert_eq!(
            classify(&http(ErrorCode::InvalidField)),
            Disposition::Quarantine(reason::INVALID)
        );
        assert_eq!(
            classify(&http(ErrorCode::UnknownAgency)),
            Disposition::Quarantine(reason::UNKNOWN_AGENCY)
        );
        assert_eq!(
            classify(&http(ErrorCode::QuotaExceeded)),
            Disposition::Quarantine(reason::QUOTA)
        );
        assert_eq!(
            classify(&http(ErrorCode::ConsentMissing)),
            Disposition::Quarantine(reason::CONSENT_MISSING)
        );
        assert_eq!(
            classify(&http(ErrorCode::ConsentExpired)),
            Disposition::Quarantine(reason::CONSENT_EXPIRED)
        );
        assert_eq!(
            classify(&http(ErrorCode::ConsentWithdrawn)),
            Disposition::Quarantine(reason::CONSENT_WITHDRAWN)
        );
        assert_eq!(
            classify(&http(ErrorCode::ConsentOutOfScope)),
            Disposition::Quarantine(reason::CONSENT_SCOPE)
        );
        assert_eq!(
            classify(&http(ErrorCode::Unauthenticated)),
            Disposition::SignInAgain
        );
        assert_eq!(
            classify(&http(ErrorCode::ProtocolUnsupported)),
            Disposition::UpdateApp
        );
        assert!(matches!(
            classify(&http(ErrorCode::ChunkChecksumMismatch)),
            Disposition::Retry { .. }
        ));
    }

    #[test]
    fn every_known_code_has_a_decision_that_fits_its_status() {
        for &c in ErrorCode::ALL {
            let d = classify(&http(c));
            let s = c.http_status();
            if s >= 500 || s == 429 {
                assert!(matches!(d, Disposition::Retry { .. }), "{c}");
            }
            if let Disposition::Quarantine(k) = d {
                assert_eq!(k.split('.').nth(1), Some("reason"), "{c}");
                assert!((400..500).contains(&s), "{c}");
            }
        }
    }

    #[test]
    fn chunks_cover_and_stop() {
        assert_eq!(next_chunk(0, 10, 4), Some((0, 4)));
        assert_eq!(next_chunk(8, 10, 4), Some((8, 10)));
        assert_eq!(next_chunk(10, 10, 4), None);
        assert_eq!(next_chunk(0, 10, 0), None);
    }

    #[test]
    fn chunks_grow_on_a_fast_link_and_stay_bounded() {
        let mut c = ChunkSizer::new(64 * 1024, 32 * 1024, 1024 * 1024, Duration::from_secs(3));
        // Loopback: each chunk in a millisecond → doubling up to the maximum, never beyond.
        let mut sizes = vec![];
        for _ in 0..10 {
            let n = c.size();
            c.acked(n, Duration::from_millis(1));
            sizes.push(c.size());
        }
        assert_eq!(
            &sizes[..4],
            &[128 * 1024, 256 * 1024, 512 * 1024, 1024 * 1024]
        );
        assert!(sizes.iter().all(|&s| s <= 1024 * 1024));
    }

    #[test]
    fn chunks_settle_near_the_target_time_on_3g() {
        // 50 kB/s, 0.4 s round trip: a chunk of n bytes takes n / 50 000 + 0.4 s.
        let mut c = ChunkSizer::new(64 * 1024, 32 * 1024, 1024 * 1024, Duration::from_secs(3));
        for _ in 0..20 {
            let n = c.size();
            c.acked(n, Duration::from_secs_f64(n as f64 / 50_000.0 + 0.4));
        }
        let secs = c.size() as f64 / 50_000.0 + 0.4;
        assert!((2.5..=3.5).contains(&secs), "{} bytes, {secs} s", c.size());
        // 2G, 5 kB/s: down to the minimum.
        let mut c = ChunkSizer::new(64 * 1024, 32 * 1024, 1024 * 1024, Duration::from_secs(3));
        for _ in 0..5 {
            let n = c.size();
            c.acked(n, Duration::from_secs_f64(n as f64 / 5_000.0 + 1.0));
        }
        assert_eq!(c.size(), 32 * 1024);
    }

    #[test]
    fn a_break_halves_and_short_chunks_change_nothing() {
        let mut c = ChunkSizer::new(256 * 1024, 32 * 1024, 1024 * 1024, Duration::from_secs(3));
        c.broken();
        assert_eq!(c.size(), 128 * 1024);
        for _ in 0..5 {
            c.broken();
        }
        assert_eq!(c.size(), 32 * 1024);
        c.acked(1000, Duration::from_millis(1));
        assert_eq!(c.size(), 32 * 1024);
        // Out-of-range starts are clamped.
        assert_eq!(
            ChunkSizer::new(1, 1024, 4096, Duration::from_secs(1)).size(),
            1024
        );
        assert_eq!(
            ChunkSizer::new(1 << 30, 1024, 4096, Duration::from_secs(1)).size(),
            4096
        );
    }

    #[test]
    fn uploads_skip_present_and_duplicate_hashes() {
        let files = vec!["a".to_string(), "b".into(), "a".into(), "c".into()];
        assert_eq!(
            uploads_needed(&files, &["a".into(), "c".into()]),
            vec![0, 3]
        );
        assert!(uploads_needed(&files, &[]).is_empty());
        assert!(uploads_needed(&files, &["zz".into()]).is_empty());
    }

    #[test]
    fn shown_state_prefers_the_server() {
        assert_eq!(
            shown_state("queued", Some("done"), Some(DossierState::Accepted)),
            "accepted"
        );
        assert_eq!(
            shown_state("queued", Some("quarantined"), None),
            "quarantined"
        );
        assert_eq!(shown_state("queued", Some("pending"), None), "queued");
        assert_eq!(shown_state("draft", None, None), "draft");
    }

    #[test]
    fn cursors_compare_as_numbers() {
        assert!(newer_cursor(Some("9"), "10"));
        assert!(!newer_cursor(Some("10"), "9"));
        assert!(!newer_cursor(Some("10"), "10"));
        assert!(newer_cursor(None, "1"));
    }

    #[test]
    fn action_refusals_quarantine_with_their_own_reason() {
        assert_eq!(
            classify_action(&http(ErrorCode::InvalidTransition), false),
            Disposition::Quarantine(reason::INVALID_TRANSITION)
        );
        assert_eq!(
            classify_action(&http(ErrorCode::AlreadyRated), false),
            Disposition::Quarantine(reason::ALREADY_RATED)
        );
        assert_eq!(
            classify_action(&http(ErrorCode::RevisionConflict), false),
            Disposition::Quarantine(reason::REVISION_CONFLICT)
        );
        assert_eq!(
            classify_action(&http(ErrorCode::NotFound), false),
            Disposition::Quarantine(reason::DOSSIER_UNKNOWN)
        );
        // A vanished upload during a revision is recreated, not a refusal.
        assert!(matches!(
            classify_action(&http(ErrorCode::NotFound), true),
            Disposition::Retry { .. }
        ));
        assert!(matches!(
            classify_action(&Failure::Net(NetFailure::Broken), false),
            Disposition::Retry { .. }
        ));
        assert!(matches!(
            classify_action(&http(ErrorCode::Unavailable), false),
            Disposition::Retry { .. }
        ));
        assert_eq!(
            classify_action(&http(ErrorCode::Unauthenticated), false),
            Disposition::SignInAgain
        );
        for k in ["cancel", "payment_claim", "rating", "revision"] {
            assert_eq!(ActionKind::parse(k).map(ActionKind::as_str), Some(k));
        }
        assert_eq!(ActionKind::parse("x"), None);
    }

    #[test]
    fn actions_only_where_the_state_allows() {
        use DossierState as S;
        assert!(action_allowed(ActionKind::Cancel, S::Received).is_ok());
        assert!(action_allowed(ActionKind::Cancel, S::SupplementRequested).is_ok());
        assert_eq!(
            action_allowed(ActionKind::Cancel, S::Accepted),
            Err("dossier.cancel_not_allowed")
        );
        assert!(action_allowed(ActionKind::PaymentClaim, S::FeeRequested).is_ok());
        assert!(action_allowed(ActionKind::PaymentClaim, S::Paid).is_err());
        assert!(action_allowed(ActionKind::Rating, S::Completed).is_ok());
        assert!(action_allowed(ActionKind::Rating, S::ResultReady).is_err());
        assert!(action_allowed(ActionKind::Revision, S::SupplementRequested).is_ok());
        assert!(action_allowed(ActionKind::Revision, S::Received).is_err());
    }

    #[test]
    fn ratings_are_checked() {
        assert_eq!(check_rating(5, None), Ok(None));
        assert_eq!(check_rating(3, Some("  ")), Ok(None));
        assert_eq!(check_rating(4, Some(" tốt ")), Ok(Some("tốt".into())));
        assert_eq!(check_rating(0, None), Err("dossier.rating_stars"));
        assert_eq!(check_rating(6, None), Err("dossier.rating_stars"));
        assert_eq!(
            check_rating(5, Some(&"ă".repeat(1001))),
            Err("validation.too_long")
        );
        assert!(check_rating(5, Some(&"ă".repeat(1000))).is_ok());
        // Cleaned as the server cleans it: the queued comment is what the server stores.
        assert_eq!(
            check_rating(5, Some("Tốt\r\nnhanh\u{0}")),
            Ok(Some("Tốt\nnhanh".into()))
        );
    }

    #[test]
    fn manifest_changes_name_fields_and_attachment_kinds() {
        use dvc_protocol::dossiers::{Attachment, Delivery, DossierManifest, FormValue};
        let att = |kind: &str, sha: &str| Attachment {
            kind: kind.into(),
            sha256: sha.into(),
            content_type: "image/jpeg".into(),
            size: 1,
        };
        let base = DossierManifest {
            procedure_code: "1.001456".into(),
            agency_code: "000.00.00.H00".into(),
            form: [
                ("a".to_string(), FormValue::Text("x".into())),
                ("b".to_string(), FormValue::Bool(true)),
            ]
            .into(),
            attachments: vec![att("portrait", "p1"), att("cccd_front", "f1")],
            delivery: Delivery::AtAgency,
            on_behalf_of: None,
            submitted_on_device_at: None,
            consent_basis: None,
        };
        assert_eq!(manifest_changes(&base, &base), (vec![], vec![]));
        let mut next = base.clone();
        next.form.insert("a".into(), FormValue::Text("y".into()));
        next.form.remove("b");
        next.form.insert("c".into(), FormValue::Number(1.0));
        next.attachments[0] = att("portrait", "p2");
        next.attachments.push(att("extra", "e1"));
        assert_eq!(
            manifest_changes(&base, &next),
            (
                vec!["a".to_string(), "b".into(), "c".into()],
                vec!["extra".to_string(), "portrait".into()]
            )
        );
    }

    #[test]
    fn range_answers() {
        assert_eq!(range_answer(206, 100, Some(100)), RangeAnswer::Append);
        assert_eq!(range_answer(206, 100, Some(0)), RangeAnswer::Restart);
        assert_eq!(range_answer(200, 100, None), RangeAnswer::Restart);
        assert_eq!(range_answer(200, 0, None), RangeAnswer::Restart);
        assert_eq!(range_answer(416, 100, None), RangeAnswer::Discard);
    }

    proptest! {
        #[test]
        fn backoff_is_bounded_and_grows(attempt in 0u32..80, j in 0.0f64..1.0, base_ms in 1u64..5000, cap_s in 1u64..600) {
            let b = Backoff { base: Duration::from_millis(base_ms), cap: Duration::from_secs(cap_s) };
            let d = b.delay(attempt, j);
            prop_assert!(d <= b.cap);
            let exp = b.base.saturating_mul(1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX)).min(b.cap);
            prop_assert!(d >= exp / 2);
            // Without jitter the schedule never shrinks.
            prop_assert!(b.delay(attempt + 1, 0.0) >= b.delay(attempt, 0.0));
        }

        #[test]
        fn chunks_tile_the_blob_exactly(length in 0u64..5_000_000, chunk in 1u64..2_000_000, start_frac in 0.0f64..1.0) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            let mut off = ((length as f64) * start_frac) as u64;
            let start = off;
            let mut total = 0u64;
            let mut n = 0u64;
            while let Some((a, b)) = next_chunk(off, length, chunk) {
                prop_assert_eq!(a, off);
                prop_assert!(b > a && b - a <= chunk && b <= length);
                total += b - a;
                off = b;
                n += 1;
                prop_assert!(n <= length / chunk + 2);
            }
            prop_assert_eq!(total, length.saturating_sub(start));
        }

        #[test]
        fn any_status_gets_a_decision(status in 100u16..600, ra in proptest::option::of(0u64..100_000)) {
            let d = classify(&Failure::Http { status, body: None, retry_after_s: ra });
            let retry = matches!(d, Disposition::Retry { .. });
            match status {
                500..=599 | 408 | 429 => prop_assert!(retry),
                401 => prop_assert_eq!(d, Disposition::SignInAgain),
                400..=499 => prop_assert!(matches!(d, Disposition::Quarantine(_))),
                _ => prop_assert!(retry),
            }
        }
    }
    #[test]
    fn stream_window_finds_the_link_and_keeps_about_a_round_trip_in_flight() {
        // A simulated link: 50 000 bytes/s, 200 ms each way, 8 KiB frames, acks per frame.
        let frame = 8 * 1024 + 47;
        let rate = 50_000.0;
        let one_way = 0.2;
        let mut w = StreamWindow::new(frame, 32 * 1024, 2 * frame, 4 << 20);
        let mut t = 0.0_f64; // sender clock (s)
        let mut link_free = 0.0_f64;
        let mut pending: std::collections::VecDeque<(f64, u64)> = Default::default(); // (ack time, n)
        let (mut sent, mut acked) = (0u64, 0u64);
        let mut max_in_flight = 0u64;
        while sent < 2_000_000 {
            while !w.may_send(sent - acked, frame) {
                let (at, n) = pending.pop_front().unwrap();
                t = t.max(at);
                acked = n;
                w.acked(n, Duration::from_secs_f64(t));
            }
            sent += frame;
            w.sent(sent, Duration::from_secs_f64(t));
            let arrive = (t + one_way).max(link_free) + frame as f64 / rate;
            link_free = arrive;
            pending.push_back((arrive + one_way, sent));
            max_in_flight = max_in_flight.max(sent - acked);
        }
        let elapsed = pending.back().unwrap().0;
        // The link stayed busy: within 10 % of what its bytes need plus one round trip.
        assert!(
            elapsed < (sent as f64 / rate + 2.0 * one_way) * 1.1,
            "{elapsed}"
        );
        // And not much more than a round trip of data waited in flight.
        let bdp = rate * (2.0 * one_way + frame as f64 / rate);
        assert!(
            (w.window() as f64) < bdp * 1.6 + 2.0 * frame as f64,
            "{}",
            w.window()
        );
        assert!((max_in_flight as f64) < bdp * 2.5, "{max_in_flight}");
        let rtt = w.min_rtt().unwrap().as_secs_f64();
        assert!((0.4..0.7).contains(&rtt), "{rtt}");
    }

    #[test]
    fn stream_window_bounds_and_rules() {
        let w = StreamWindow::new(1000, 0, 0, 5000);
        assert_eq!(w.window(), 1000);
        assert!(w.may_send(0, 1_000_000));
        assert!(w.may_send(0, 999));
        assert!(!w.may_send(500, 1000));
        let mut w = StreamWindow::new(1000, 1 << 40, 0, 5000);
        assert_eq!(w.window(), 5000);
        // Acks for nothing sent, or going backwards, change nothing.
        w.acked(10, Duration::from_secs(1));
        w.acked(5, Duration::from_secs(2));
        assert_eq!(w.window(), 5000);
        w.new_request();
        w.sent(1000, Duration::ZERO);
        w.acked(1000, Duration::from_millis(500));
        assert_eq!(w.min_rtt(), Some(Duration::from_millis(500)));
        assert!(w.window() >= 1000 && w.window() <= 5000);
    }

    #[test]
    fn after_head_skips_rewinds_and_finishes() {
        use dvc_protocol::push::BlobState;
        let st = |offset, complete| BlobState { offset, complete };
        let lengths = [100, 100, 100, 100];
        let guess = [0, 0, 50, 0];
        let sent = [30, 0, 60, 0];
        let head = [st(60, false), st(100, true), st(20, false), st(0, false)];
        assert_eq!(
            after_head(&guess, &sent, &lengths, &head),
            vec![60, 100, 20, 0]
        );
        // Sent past what the server had (from the same start): keep going.
        assert_eq!(after_head(&[0], &[80], &[100], &[st(40, false)]), vec![80]);
        // No head entry: as sent.
        assert_eq!(after_head(&[0], &[7], &[100], &[]), vec![7]);
    }
}
