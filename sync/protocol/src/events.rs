//! The event feed: every state change of a dossier appends one event.
//!
//! `GET /v1/events?after=<cursor>&limit=<n>&wait=<s>` returns the caller's events in order, oldest
//! first, strictly after `after` (omit it to start from the beginning). Cursors are opaque strings:
//! store [`EventsPage::next_cursor`] and send it back. With `wait` (seconds, at most 30) the server
//! holds the request open until an event arrives or the time is up (long-poll). The feed never
//! skips: an event becomes visible only once every event before it is committed.

use serde::{Deserialize, Serialize};

use crate::dossiers::DossierState;

/// Largest `limit`.
pub const MAX_LIMIT: u32 = 500;
/// Default `limit`.
pub const DEFAULT_LIMIT: u32 = 100;
/// Longest `wait`, in seconds.
pub const MAX_WAIT_S: u32 = 30;

/// Bank account for paying a fee by transfer (shown as text and as a VietQR code by the app).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankAccount {
    /// NAPAS bank BIN, 6 digits (e.g. `"970415"`).
    pub bank_bin: String,
    /// Account number (≤ 19 digits).
    pub account_number: String,
    /// Account holder, e.g. the agency's name.
    pub account_name: String,
}

/// How the result comes back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum ResultDelivery {
    /// An electronic result: fetch it from `GET /v1/blobs/{sha256}`.
    Online {
        /// Lowercase hex SHA-256 of the result file.
        sha256: String,
        /// MIME type (`application/pdf`).
        content_type: String,
        /// Size in bytes.
        size: u64,
    },
    /// Sent by post.
    Postal {
        /// Carrier, e.g. `"VNPost"`.
        carrier: String,
        /// Tracking number.
        tracking_number: String,
    },
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The server received the dossier and issued its code.
    Received,
    /// An officer accepted it for handling.
    Accepted,
    /// More papers are needed.
    SupplementRequested {
        /// What to add or correct, in the officer's words.
        note: String,
        /// The items the applicant must change: only these reopen on the phone. Empty means the
        /// officer named none (older servers); the app then reopens the whole dossier.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        items: Vec<crate::dossiers::SupplementItem>,
    },
    /// The applicant sent a corrected dossier (a new revision) after a supplement request.
    Resubmitted {
        /// The new revision number (the first submission is revision 1).
        revision: u32,
        /// Form fields whose values differ from the previous revision.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        changed_fields: Vec<String>,
        /// Attachment kinds whose file differs from the previous revision.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        changed_attachments: Vec<String>,
    },
    /// The applicant says they paid the fee by bank transfer (the officer still confirms: `paid`).
    PaymentClaimed {
        /// The amount they say they sent, in đồng.
        amount_vnd: u64,
    },
    /// Refused.
    Rejected {
        /// Why.
        reason: String,
    },
    /// A fee is due.
    FeeRequested {
        /// Amount in đồng.
        amount_vnd: u64,
        /// Where to pay.
        bank: BankAccount,
        /// Transfer note to use, e.g. the dossier code.
        transfer_note: String,
    },
    /// Payment confirmed by the officer.
    Paid,
    /// The result is ready.
    ResultReady {
        /// How it is delivered.
        result: ResultDelivery,
    },
    /// Finished.
    Completed,
    /// Withdrawn by the applicant.
    Cancelled {
        /// Optional reason.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// An officer scanned a paper into the dossier record (digitisation): the applicant's app
    /// lists it as "Giấy tờ cơ quan lưu". The state stays as it was. Protocol 1.4: a server sends
    /// it only to clients that announce 1.4 or later in their protocol header (older apps, which
    /// would not know the `type`, are skipped past it).
    PaperKept {
        /// Document kind, one of [`PAPER_KINDS`] (an unknown kind is shown as "other").
        kind: String,
        /// Number of pages the officer counted.
        pages: u32,
        /// Lowercase hex SHA-256 of the scan (`GET /v1/blobs/{sha256}` for the applicant).
        sha256: String,
        /// `application/pdf`, `image/jpeg` or `image/png`.
        content_type: String,
        /// Size in bytes.
        size: u64,
    },
}

/// The kinds of paper an officer may scan into a dossier record ([`EventKind::PaperKept`]).
pub const PAPER_KINDS: &[&str] = &[
    "application_form",
    "identity_card",
    "birth_certificate",
    "residence_paper",
    "marriage_paper",
    "authorization",
    "fee_receipt",
    "other",
];

/// Most pages one scanned paper may have.
pub const MAX_PAPER_PAGES: u32 = 500;

/// The first protocol minor version (of major 1) whose clients take [`EventKind::PaperKept`].
pub const PAPER_KEPT_SINCE_MINOR: u32 = 4;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// Opaque, increasing; pass as `after` to get what followed.
    pub cursor: String,
    /// The dossier's client uuid.
    pub dossier_uuid: String,
    /// The dossier code.
    pub dossier_code: String,
    /// The dossier's state after this event.
    pub state: DossierState,
    /// RFC 3339 UTC.
    pub at: String,
    /// What happened.
    pub event: EventKind,
}

/// `GET /v1/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventsPage {
    /// Oldest first.
    pub events: Vec<Event>,
    /// Send as `after` next time (equals the request's `after` when there was nothing new).
    pub next_cursor: String,
    /// True if more events are ready right now (ask again without waiting).
    pub more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_json_shape() {
        let e = Event {
            cursor: "42".into(),
            dossier_uuid: "u".into(),
            dossier_code: "000.30.27.H23-220928-0001".into(),
            state: DossierState::FeeRequested,
            at: "2026-01-01T00:00:00Z".into(),
            event: EventKind::FeeRequested {
                amount_vnd: 200_000,
                bank: BankAccount {
                    bank_bin: "970415".into(),
                    account_number: "123".into(),
                    account_name: "CA".into(),
                },
                transfer_note: "x".into(),
            },
        };
        let v: serde_json::Value = serde_json::to_value(&e).unwrap();
        assert_eq!(v["event"]["type"], "fee_requested");
        assert_eq!(v["state"], "fee_requested");
        let back: Event = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
        let paper: EventKind = serde_json::from_str(
            r#"{"type":"paper_kept","kind":"identity_card","pages":2,"sha256":"ab","content_type":"application/pdf","size":10}"#,
        )
        .unwrap();
        assert!(matches!(paper, EventKind::PaperKept { pages: 2, .. }));
        let r: EventKind =
            serde_json::from_str(r#"{"type":"result_ready","result":{"method":"postal","carrier":"VNPost","tracking_number":"EA1"}}"#)
                .unwrap();
        assert!(matches!(r, EventKind::ResultReady { .. }));
    }
}
