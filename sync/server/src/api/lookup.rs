//! `POST /v1/dossiers/lookup` — "Tra cứu hồ sơ": a dossier's state and timeline for whoever holds
//! its code and a second factor, signed in or not.
//!
//! Where the second factor comes from: the applicant is the linked citizen account, or the
//! submitting account when it filed for itself (not a volunteer's paper-consent dossier). The ID
//! number's last four digits are checked against that account's registered identity and the
//! form's `id_number` value; the phone against that account's login (citizens log in with their
//! phone), the form's `phone` value and `on_behalf_of.citizen_phone`. Nothing else in the manifest
//! (postal recipient, household members) counts.
//!
//! An unknown code and a wrong factor take the same path (the same queries, then a constant-time
//! comparison against a fixed number of slots) and give the same `404.1` body. Both budgets (per
//! client address bucket, per code) are spent before any lookup, like login attempts.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use dvc_protocol::auth::Role;
use dvc_protocol::dossiers::{ConsentBasis, DossierManifest, FormValue};
use dvc_protocol::events::EventKind;
use dvc_protocol::lookup::{self, ClaimResult, Factor, LookupRequest, LookupResult, LookupStep};
use dvc_protocol::rules::normalize_mobile;
use dvc_protocol::ErrorBody;
use subtle::{Choice, ConstantTimeEq};

use crate::auth::{self, Caller, ClientIp};
use crate::db::{Dossier, DossierFilter, TokenKind};
use crate::domain::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::limits;
use crate::state::AppState;

/// Candidate slots compared for each factor kind, whatever was found (so the work is the same).
const SLOTS: usize = 3;

/// The one answer for "no such code" and "wrong second factor".
fn no_match() -> ApiError {
    ApiError::new(
        dvc_protocol::ErrorCode::NotFound,
        "no dossier with this code and second factor",
    )
}

/// The caller, if a bearer token came: a bad token is refused like on every other route.
async fn optional_caller(st: &AppState, headers: &HeaderMap) -> ApiResult<Option<Caller>> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let secret = value
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .ok_or_else(ApiError::unauthenticated)?
        .trim();
    auth::authenticate(st, secret, TokenKind::Device)
        .await
        .map(Some)
}

/// The applicant's account: the linked citizen, or the submitter filing for itself.
fn applicant_id(d: &Dossier, m: Option<&DossierManifest>) -> Option<String> {
    if let Some(c) = &d.citizen_id {
        return Some(c.clone());
    }
    let paper = m.is_some_and(|m| m.consent_basis == Some(ConsentBasis::Paper));
    (!paper).then(|| d.submitter_id.clone())
}

fn form_text<'a>(m: Option<&'a DossierManifest>, field: &str) -> Option<&'a str> {
    match m?.form.get(field)? {
        FormValue::Text(s) => Some(s.as_str()),
        _ => None,
    }
}

/// The last four digits of an ID number as typed (spaces ignored), if it has at least four.
fn last4(id: &str) -> Option<String> {
    let digits: Vec<char> = id.chars().filter(|c| c.is_ascii_digit()).collect();
    (digits.len() >= 4).then(|| digits[digits.len() - 4..].iter().collect())
}

/// `given` equals one of `candidates`, checked in constant time over [`SLOTS`] fixed-width slots
/// (missing candidates are compared against an impossible value).
fn matches_any(given: &str, candidates: &[String]) -> bool {
    const WIDTH: usize = 16;
    let mut want = [0u8; WIDTH];
    let g = given.as_bytes();
    let fits = g.len() < WIDTH;
    let n = g.len().min(WIDTH - 1);
    want[..n].copy_from_slice(&g[..n]);
    let mut hit = Choice::from(0);
    for i in 0..SLOTS {
        // 0xff never occurs in a normalised factor: an empty slot never matches.
        let mut have = [0xffu8; WIDTH];
        if let Some(c) = candidates.get(i) {
            let b = c.as_bytes();
            if b.len() < WIDTH {
                have = [0u8; WIDTH];
                have[..b.len()].copy_from_slice(b);
            }
        }
        hit |= want.ct_eq(&have);
    }
    fits && bool::from(hit)
}

/// The timeline as the owner sees its progress, without free text or payment details.
fn step(row: &crate::db::EventRow) -> ApiResult<LookupStep> {
    let kind: EventKind = serde_json::from_str(&row.payload).map_err(|e| {
        tracing::error!(seq = row.seq, error = %e, "corrupt event payload");
        ApiError::new(dvc_protocol::ErrorCode::Internal, "internal error")
    })?;
    let amount_vnd = match &kind {
        EventKind::FeeRequested { amount_vnd, .. } | EventKind::PaymentClaimed { amount_vnd } => {
            Some(*amount_vnd)
        }
        _ => None,
    };
    Ok(LookupStep {
        at: rfc3339(row.at),
        kind: crate::domain::event_kind_name(&kind).to_owned(),
        state: row.state,
        amount_vnd,
    })
}

/// A dossier opened by its code and a second factor, with what decided it.
struct Opened {
    dossier: Dossier,
    manifest: Option<DossierManifest>,
    /// The applicant's account, if it has one (see [`applicant_id`]).
    applicant: Option<String>,
}

/// Parses the request, spends the lookup budgets and checks the second factor: the one path of
/// both [`lookup`] and [`claim`] (an unknown code and a wrong factor are both [`no_match`]).
async fn open(st: &AppState, ip: &ClientIp, req: &LookupRequest) -> ApiResult<Opened> {
    let code = lookup::parse_code(&req.code)
        .ok_or_else(|| ApiError::invalid("code", "not a dossier code (<agency>-YYMMDD-NNNN)"))?;
    let factor = lookup::parse_factor(&req.factor).ok_or_else(|| {
        ApiError::invalid(
            "factor",
            "the last 4 digits of the ID number, or a Vietnamese mobile number",
        )
    })?;
    let cfg = &st.cfg.auth;
    limits::spend(
        st,
        &[
            (cfg.lookup_per_ip, limits::key("lookup-ip", &ip.bucket())),
            (cfg.lookup_per_code, limits::key("lookup-code", &code)),
        ],
    )
    .await?;

    let found = st.db.dossier_by_code(&code).await?;
    let manifest = found
        .as_ref()
        .and_then(|d| serde_json::from_str::<DossierManifest>(&d.manifest).ok());
    let applicant = found
        .as_ref()
        .and_then(|d| applicant_id(d, manifest.as_ref()));
    // The same two reads whether or not the code exists.
    let key = applicant.clone().unwrap_or_default();
    let account = st.db.account_by_id(&key).await?;
    let identity = st.db.identity(&key).await?;

    let m = manifest.as_ref();
    let right = match &factor {
        Factor::IdLast4(given) => {
            let c: Vec<String> = [
                identity.as_ref().and_then(|i| last4(&i.id_number)),
                form_text(m, "id_number").and_then(last4),
            ]
            .into_iter()
            .flatten()
            .collect();
            matches_any(given, &c)
        }
        Factor::Phone(given) => {
            let c: Vec<String> = [
                account.as_ref().and_then(|a| normalize_mobile(&a.login)),
                form_text(m, "phone").and_then(normalize_mobile),
                m.and_then(|m| m.on_behalf_of.as_ref())
                    .and_then(|o| normalize_mobile(&o.citizen_phone)),
            ]
            .into_iter()
            .flatten()
            .collect();
            matches_any(given, &c)
        }
    };
    match found {
        Some(dossier) if right => Ok(Opened {
            dossier,
            manifest,
            applicant,
        }),
        _ => Err(no_match()),
    }
}

/// "Tra cứu hồ sơ": a dossier's state and timeline by its code and a second factor.
#[utoipa::path(post, path = "/v1/dossiers/lookup", tag = "dossiers", request_body = LookupRequest,
    security((), ("bearer" = [])),
    responses((status = 200, body = LookupResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn lookup(
    State(st): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LookupRequest>,
) -> ApiResult<Json<LookupResult>> {
    // A bad token is refused before any budget is spent, as before.
    let caller = optional_caller(&st, &headers).await?;
    let Opened {
        dossier: d,
        applicant,
        ..
    } = open(&st, &ip, &req).await?;
    let timeline = st
        .db
        .dossier_events(&d.uuid)
        .await?
        .iter()
        // A scanned paper is not a step of the dossier's handling.
        .filter(|r| !r.is_paper_kept())
        .map(step)
        .collect::<ApiResult<Vec<_>>>()?;
    let mine = caller.is_some_and(|c| applicant.as_deref() == Some(c.account.id.as_str()));
    Ok(Json(LookupResult {
        code: d.code,
        procedure_code: d.procedure_code,
        agency_code: d.agency_code,
        state: d.state,
        received_at: rfc3339(d.received_at),
        updated_at: rfc3339(d.updated_at),
        timeline,
        mine,
    }))
}

/// The digits of an ID number as typed (spaces and dots ignored).
fn id_digits(id: &str) -> String {
    id.chars().filter(char::is_ascii_digit).collect()
}

/// The dossier names this account: its form's phone (or the citizen phone of an on-behalf
/// filing) is the account's login, or its form's ID number is the account's registered one.
fn names_account(m: Option<&DossierManifest>, login: &str, registered_id: Option<&str>) -> bool {
    let phone = normalize_mobile(login);
    let phones = [
        form_text(m, "phone").and_then(normalize_mobile),
        m.and_then(|m| m.on_behalf_of.as_ref())
            .and_then(|o| normalize_mobile(&o.citizen_phone)),
    ];
    let by_phone = phone.is_some() && phones.iter().any(|p| p.is_some() && *p == phone);
    let by_id = match (
        registered_id.map(id_digits),
        form_text(m, "id_number").map(id_digits),
    ) {
        (Some(a), Some(b)) => a.len() >= 9 && a == b,
        _ => false,
    };
    by_phone || by_id
}

/// "Thêm vào Hồ sơ của tôi": a signed-in citizen adds a looked-up dossier to their own list.
///
/// Opened like a lookup (same limits, same `404.1`), then it must name the caller (see
/// [`names_account`]) and have no other account linked. A volunteer's paper-consent dossier has
/// none: this links it to the citizen, who then sees it like one filed for them ("nộp hộ bởi …"),
/// with its events and notifications. Idempotent; audited as `claimed_by_citizen`.
#[utoipa::path(post, path = "/v1/dossiers/claim", tag = "dossiers", request_body = LookupRequest,
    security(("bearer" = [])),
    responses((status = 200, body = ClaimResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn claim(
    State(st): State<AppState>,
    ip: ClientIp,
    caller: Caller,
    ApiJson(req): ApiJson<LookupRequest>,
) -> ApiResult<Json<ClaimResult>> {
    caller.require(&[Role::Citizen])?;
    let o = open(&st, &ip, &req).await?;
    let me = caller.account.id.clone();
    let added = if o.applicant.as_deref() == Some(me.as_str()) {
        false
    } else {
        let identity = st.db.identity(&me).await?;
        let named = names_account(
            o.manifest.as_ref(),
            &caller.account.login,
            identity.as_ref().map(|i| i.id_number.as_str()),
        );
        if !named || o.dossier.citizen_id.is_some() {
            return Err(not_yours());
        }
        if !st
            .db
            .claim_dossier(&o.dossier.uuid, &me, st.clock.now_ms())
            .await?
        {
            // Linked to someone else between the read and the write.
            return Err(not_yours());
        }
        tracing::info!(dossier = %o.dossier.uuid, "dossier added to the citizen's list");
        true
    };
    let row = st
        .db
        .list_dossiers(
            &caller.account.scope(),
            &DossierFilter {
                state: None,
                code_query: Some(o.dossier.code.clone()),
                limit: 10,
                before: None,
                finished: None,
            },
        )
        .await?
        .into_iter()
        .find(|r| r.dossier.uuid == o.dossier.uuid)
        .ok_or_else(|| {
            tracing::error!(dossier = %o.dossier.uuid, "claimed dossier not in the caller's list");
            ApiError::new(dvc_protocol::ErrorCode::Internal, "internal error")
        })?;
    Ok(Json(ClaimResult {
        dossier: super::dossiers::summary(&row, &me),
        added,
    }))
}

fn not_yours() -> ApiError {
    ApiError::new(
        dvc_protocol::ErrorCode::NotYourDossier,
        "this dossier does not name this account (phone or registered ID number)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_needs_an_exact_candidate() {
        let c = vec!["1234".to_owned(), "0912345678".to_owned()];
        assert!(matches_any("1234", &c));
        assert!(matches_any("0912345678", &c));
        assert!(!matches_any("123", &c));
        assert!(!matches_any("12345", &c));
        assert!(!matches_any("", &[]));
        assert!(!matches_any("", &c));
        assert!(!matches_any("1234", &[]));
        let long = "9".repeat(40);
        assert!(!matches_any(&long, std::slice::from_ref(&long)));
    }

    #[test]
    fn last_four_digits_ignore_spacing() {
        assert_eq!(last4("001 099 001 234").as_deref(), Some("1234"));
        assert_eq!(last4("12a"), None);
    }
}
