//! Dossiers (hồ sơ): the manifest a client submits, the receipt with the dossier code, and states.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::events::Event;

/// A value in an e-form. Plain JSON shapes; the server stores and shows them without interpreting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FormValue {
    /// Text (dates, numbers as typed, codes).
    Text(String),
    /// A check box.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Repeated values.
    List(Vec<FormValue>),
    /// A nested group of fields (e.g. one household member).
    Group(BTreeMap<String, FormValue>),
}

/// One attached file, by content hash. The blob must be uploaded by the submitting account first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// What this file is for, e.g. `"cccd_front"`, `"portrait_4x6"`, `"birth_certificate"`.
    pub kind: String,
    /// Lowercase hex SHA-256.
    pub sha256: String,
    /// MIME type, e.g. `"image/jpeg"`.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// How the applicant receives the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Delivery {
    /// An electronic result (PDF) through the app.
    Online,
    /// Collected at the agency's one-stop counter (bộ phận một cửa).
    AtAgency,
    /// By public postal service (bưu chính công ích) to this address.
    Postal {
        /// Recipient name.
        recipient: String,
        /// Full postal address.
        address: String,
        /// Contact phone.
        phone: String,
    },
}

/// Who the dossier is for, when a volunteer submits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OnBehalfOf {
    /// The citizen's registered phone number; they must have given this volunteer consent.
    pub citizen_phone: String,
}

/// On what a volunteer's dossier for someone else rests, when it is not an account's consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentBasis {
    /// A signed paper consent, photographed into the person's documents: the dossier is filed
    /// under the volunteer with the person as applicant and no account link.
    Paper,
}

/// The body of `PUT /v1/dossiers/{client_uuid}`.
///
/// Idempotency is judged on the whole JSON body (keys in any order): the same uuid with the same
/// content is answered like the first time; anything different is `409.1 dossier_conflict`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DossierManifest {
    /// National procedure code, e.g. `"1.001456"`.
    pub procedure_code: String,
    /// Receiving agency's code (QCVN 102:2016 shape), e.g. `"000.30.27.H23"`.
    pub agency_code: String,
    /// E-form values by field name.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub form: BTreeMap<String, FormValue>,
    /// Attached files (at most 64).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// How the result is delivered.
    pub delivery: Delivery,
    /// Set by volunteers submitting for a citizen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<OnBehalfOf>,
    /// When the applicant pressed "submit" on the phone (RFC 3339), for information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_on_device_at: Option<String>,
    /// `paper`: a volunteer files for someone without an account on a signed paper consent (never
    /// together with `on_behalf_of`; volunteers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_basis: Option<ConsentBasis>,
}

/// Where a dossier stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DossierState {
    /// Received by the server, code issued, waiting for an officer (đã tiếp nhận — chờ xử lý).
    Received,
    /// Accepted by the agency for handling (đã tiếp nhận).
    Accepted,
    /// The agency asks for more or corrected papers (yêu cầu bổ sung).
    SupplementRequested,
    /// Refused, with a reason (từ chối).
    Rejected,
    /// A fee is due (chờ nộp phí, lệ phí).
    FeeRequested,
    /// The fee was paid.
    Paid,
    /// The result is ready: a PDF, or sent by post (có kết quả).
    ResultReady,
    /// Finished (hoàn thành).
    Completed,
    /// Withdrawn by the applicant (đã hủy).
    Cancelled,
}

impl DossierState {
    /// All states, in their usual order.
    pub const ALL: &'static [DossierState] = &[
        DossierState::Received,
        DossierState::Accepted,
        DossierState::SupplementRequested,
        DossierState::FeeRequested,
        DossierState::Paid,
        DossierState::ResultReady,
        DossierState::Completed,
        DossierState::Rejected,
        DossierState::Cancelled,
    ];

    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            DossierState::Received => "received",
            DossierState::Accepted => "accepted",
            DossierState::SupplementRequested => "supplement_requested",
            DossierState::Rejected => "rejected",
            DossierState::FeeRequested => "fee_requested",
            DossierState::Paid => "paid",
            DossierState::ResultReady => "result_ready",
            DossierState::Completed => "completed",
            DossierState::Cancelled => "cancelled",
        }
    }

    /// Parses [`DossierState::as_str`].
    pub fn parse(s: &str) -> Option<DossierState> {
        DossierState::ALL
            .iter()
            .copied()
            .find(|st| st.as_str() == s)
    }

    /// No further change is possible.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            DossierState::Rejected | DossierState::Completed | DossierState::Cancelled
        )
    }
}

/// The answer to a successful submission — the same bytes for every repeat of the same request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierReceipt {
    /// The client's uuid.
    pub dossier_uuid: String,
    /// Dossier code (mã hồ sơ): `<agency code>-YYMMDD-NNNN` (Circular 01/2018/TT-VPCP Art. 19),
    /// receipt date in Vietnam time, sequence per agency and day from 0001.
    pub code: String,
    /// Receiving agency.
    pub agency_code: String,
    /// RFC 3339 UTC time of receipt.
    pub received_at: String,
    /// Cursor of the `received` event (events after it concern later changes).
    pub event_cursor: String,
}

/// A dossier as the caller may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierView {
    /// Receipt data (code, agency, time).
    pub receipt: DossierReceipt,
    /// Current state.
    pub state: DossierState,
    /// RFC 3339 UTC time of the last change.
    pub updated_at: String,
    /// The manifest as submitted (the latest revision's, after a resubmission).
    pub manifest: DossierManifest,
    /// Its events, oldest first.
    pub events: Vec<Event>,
    /// The current revision number (1 until a supplement is resubmitted).
    #[serde(default = "first_revision")]
    pub revision: u32,
    /// The applicant's rating, once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
}

fn first_revision() -> u32 {
    1
}

/// A line in a dossier list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierSummary {
    /// Client uuid.
    pub dossier_uuid: String,
    /// Dossier code.
    pub code: String,
    /// Procedure code.
    pub procedure_code: String,
    /// Agency code.
    pub agency_code: String,
    /// Current state.
    pub state: DossierState,
    /// RFC 3339 UTC.
    pub received_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
    /// The latest revision number (1 until a supplement is resubmitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    /// The applicant's display name: the citizen it was filed for, else the submitter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant_name: Option<String>,
    /// Set when a volunteer filed it for a citizen's account ("nộp hộ bởi …"): the volunteer's
    /// display name, or their phone number if they set none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filed_by: Option<String>,
    /// `true` when the caller is the citizen a volunteer filed it for.
    #[serde(default)]
    pub filed_for_me: bool,
    /// The consent it was filed under (on-behalf dossiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_id: Option<String>,
    /// `paper` when filed on a paper consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_basis: Option<ConsentBasis>,
    /// Where the whole dossier (manifest, events) is read: `/v1/dossiers/{uuid}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

/// `GET /v1/dossiers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierList {
    /// Newest first, at most 200.
    pub dossiers: Vec<DossierSummary>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Form fields whose values differ between two revisions (changed, added or removed), sorted.
pub fn changed_fields(old: &DossierManifest, new: &DossierManifest) -> Vec<String> {
    let mut out: Vec<String> = old
        .form
        .keys()
        .chain(new.form.keys())
        .filter(|k| old.form.get(*k) != new.form.get(*k))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Attachment kinds whose files differ between two revisions (a file of that kind replaced, added
/// or removed), sorted.
pub fn changed_attachments(old: &DossierManifest, new: &DossierManifest) -> Vec<String> {
    use std::collections::BTreeMap;
    let by_kind = |m: &DossierManifest| {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for a in &m.attachments {
            map.entry(a.kind.clone())
                .or_default()
                .push(a.sha256.clone());
        }
        for v in map.values_mut() {
            v.sort();
        }
        map
    };
    let (a, b) = (by_kind(old), by_kind(new));
    let mut out: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// One thing an officer asks the applicant to add or correct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "target", rename_all = "snake_case", deny_unknown_fields)]
pub enum SupplementItem {
    /// An e-form field, by its name in [`DossierManifest::form`].
    Field {
        /// Field name, e.g. `"noi_thuong_tru"`.
        name: String,
    },
    /// An attached file, by its [`Attachment::kind`] (e.g. `"portrait_4x6"`).
    Attachment {
        /// Attachment kind.
        kind: String,
    },
}

/// `PUT /v1/dossiers/{uuid}/revisions/{revision}`: the corrected manifest after a supplement
/// request. Revision 1 is the original `PUT /v1/dossiers/{uuid}`; a resubmission uses the next
/// number. Idempotent by uuid + revision: the same body again is answered like the first time;
/// a different body under a used number, or a number that is not the next one, is
/// [`crate::ErrorCode::RevisionConflict`]. Allowed only while the dossier is
/// `supplement_requested` (a replay of the already accepted revision is allowed in any state).
/// The procedure and agency must stay the same. Attachments not yet on the server must be
/// uploaded first, exactly as for the first submission (unchanged ones are already there).
pub type RevisionRequest = DossierManifest;

/// One stored revision of a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionInfo {
    /// 1 for the first submission, then 2, 3, …
    pub revision: u32,
    /// RFC 3339 UTC time the server stored it.
    pub submitted_at: String,
    /// Form fields that differ from the previous revision (empty for revision 1).
    #[serde(default)]
    pub changed_fields: Vec<String>,
    /// Attachment kinds whose file differs from the previous revision (empty for revision 1).
    #[serde(default)]
    pub changed_attachments: Vec<String>,
}

/// The answer to an accepted revision (the same bytes for every repeat of the same request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionReceipt {
    /// The client's uuid.
    pub dossier_uuid: String,
    /// The dossier code (unchanged by a revision).
    pub code: String,
    /// What was stored.
    pub revision: RevisionInfo,
    /// Cursor of the `resubmitted` event.
    pub event_cursor: String,
}

/// `POST /v1/dossiers/{uuid}/payment-claim`: "Tôi đã chuyển khoản". Allowed while the dossier is
/// `fee_requested`; the state stays `fee_requested` until an officer confirms (`paid`). Repeating a
/// claim while one is pending adds no second event (idempotent); answers the dossier's view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentClaimRequest {
    /// The amount the applicant says they sent, in đồng.
    pub amount_vnd: u64,
}

/// `PUT /v1/dossiers/{uuid}/rating`: 1–5 stars and an optional comment, once per dossier, only
/// once it is `completed`. The same rating again answers `200` like the first time; a different
/// one is [`crate::ErrorCode::AlreadyRated`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// 1 (very unhappy) to 5 (very happy).
    pub stars: u8,
    /// Optional comment, at most 1000 characters once cleaned (ends trimmed, line breaks kept as
    /// `\n`, other control characters turned into spaces: [`crate::rules::check_rating`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A stored rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    /// 1–5.
    pub stars: u8,
    /// The comment, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// RFC 3339 UTC.
    pub rated_at: String,
}

/// The applicant withdraws a dossier (only while `received`, `supplement_requested` or
/// `fee_requested`: see [`crate::rules::Step::rule`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Optional reason shown to the officer.
    #[serde(default)]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_json_shape() {
        let json = r#"{
            "procedure_code": "1.001456",
            "agency_code": "000.30.27.H23",
            "form": {"ho_ten": "Nguyễn Văn A", "so_ban": 2, "dong_y": true,
                     "thanh_vien": [{"ten": "B"}]},
            "attachments": [{"kind": "portrait_4x6", "sha256": "ab", "content_type": "image/jpeg", "size": 10}],
            "delivery": {"method": "postal", "recipient": "A", "address": "x", "phone": "0912345678"}
        }"#;
        let m: DossierManifest = serde_json::from_str(json).unwrap();
        assert_eq!(m.form["so_ban"], FormValue::Number(2.0));
        assert!(matches!(m.form["thanh_vien"], FormValue::List(_)));
        assert!(matches!(m.delivery, Delivery::Postal { .. }));
        let online: Delivery = serde_json::from_str(r#"{"method":"online"}"#).unwrap();
        assert_eq!(online, Delivery::Online);
        assert!(serde_json::from_str::<DossierManifest>(r#"{"procedure_code":"1"}"#).is_err());
    }

    #[test]
    fn states_round_trip() {
        for &s in DossierState::ALL {
            assert_eq!(DossierState::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
    }
}
