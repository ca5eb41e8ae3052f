//! Filing for someone else (issue 18, device half): the consents this device knows, and how a
//! dossier is filed — for the volunteer's own account, on a citizen's behalf under their consent
//! (`on_behalf_of`), or on a paper consent (`consent_basis: paper`).
//!
//! Consents given on the server are refreshed from `GET /v1/consents` at every pass (and at once
//! after a consent is given or withdrawn here); a paper consent stays on the device with the
//! photo of the signed paper in the person's documents. Phone numbers are matched with people's
//! profiles here and never logged.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use dvc_protocol::auth::{
    ConsentConfirmRequest, ConsentInfo, ConsentMethod, ConsentOtpPending, ConsentOtpRequest,
    ConsentRequest, CONSENT_MAX_DAYS, CONSENT_MAX_PROCEDURES,
};
use dvc_protocol::dossiers::{ConsentBasis, OnBehalfOf};

use super::account::{account_label, bad, check_code, check_phone, refused_signed, signed_api};
use super::db;
use super::SyncError;
use crate::dossier::now;
use crate::error::{CoreError, Result};
use crate::Core;

/// A consent as the person's profile, the consent screens and `dvc consent list` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConsentView {
    pub id: String,
    /// `account` (given on the server) or `paper`.
    pub basis: String,
    /// `grantee`: given to this device's volunteer; `grantor`: given by this device's citizen.
    pub role: String,
    /// The local person it concerns (volunteer side), when their phone matches.
    pub person_id: Option<String>,
    /// Who gave it: the citizen's display name, else their masked phone number.
    pub citizen_label: Option<String>,
    /// To whom: the volunteer's display name, else their masked phone number.
    pub volunteer_label: Option<String>,
    /// Only these procedure codes; `None`: every procedure.
    pub procedures: Option<Vec<String>>,
    pub granted_at: String,
    pub expires_at: Option<String>,
    /// `active`, `expired` or `ended` (withdrawn, or no longer on the server).
    pub status: String,
    /// `app` or `otp` for consents on the server.
    pub method: Option<String>,
    /// The photo of a paper consent.
    pub document_id: Option<String>,
}

/// How a dossier goes to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filing {
    /// Under the signed-in account, for itself (or, for a volunteer, with nobody recorded).
    Own,
    /// For a citizen's account, under their consent.
    OnBehalf {
        consent_id: String,
        citizen_phone: String,
        label: String,
    },
    /// On a signed paper consent kept in the person's documents.
    Paper { consent_id: String },
}

impl Filing {
    /// The manifest fields this filing sets.
    pub fn manifest_fields(&self) -> (Option<OnBehalfOf>, Option<ConsentBasis>) {
        match self {
            Filing::Own => (None, None),
            Filing::OnBehalf { citizen_phone, .. } => (
                Some(OnBehalfOf {
                    citizen_phone: citizen_phone.clone(),
                }),
                None,
            ),
            Filing::Paper { .. } => (None, Some(ConsentBasis::Paper)),
        }
    }
}

fn parse_time(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// Whether `expires_at` (RFC 3339) lies after `now`; an unreadable time counts as expired.
fn live_at(expires_at: Option<&str>, now: &str) -> bool {
    match (expires_at, parse_time(now)) {
        (None, _) => true,
        (Some(e), Some(n)) => parse_time(e).is_some_and(|e| e > n),
        (Some(_), None) => false,
    }
}

fn covers(procedures: Option<&str>, code: &str) -> bool {
    match procedures {
        None => true,
        Some(json) => serde_json::from_str::<Vec<String>>(json)
            .map(|l| l.iter().any(|p| p == code))
            .unwrap_or(false),
    }
}

/// A phone number safe to show: `09•••••678`.
pub fn mask_phone(phone: &str) -> String {
    account_label(phone, None)
}

/// A consent on the server given to this volunteer, as [`filing_for`] weighs it.
struct AccountConsent {
    id: String,
    procedures: Option<String>,
    expires_at: Option<String>,
    citizen_name: Option<String>,
    not_withdrawn: bool,
}

/// How a volunteer's dossier for `person_id` and `procedure_code` is filed now. Only a
/// volunteer files for others. In order: a live consent on the server that covers the procedure
/// (on the citizen's behalf); a paper consent; any other consent of that citizen's — expired,
/// withdrawn or for other procedures — still makes it an on-behalf filing, so the server's
/// precise refusal (403.7/403.8/403.9) tells the volunteer to ask again instead of the dossier
/// quietly going under their own name; with no consent at all, the volunteer's own filing.
pub fn filing_for(
    c: &Connection,
    person_id: Option<&str>,
    procedure_code: &str,
    account_id: &str,
    role: Option<&str>,
) -> Result<Filing> {
    if role != Some("volunteer") {
        return Ok(Filing::Own);
    }
    let Some(person_id) = person_id else {
        return Ok(Filing::Own);
    };
    let phone: Option<String> = c
        .query_row("SELECT phone FROM people WHERE id = ?1", [person_id], |r| {
            r.get(0)
        })
        .optional()?
        .flatten();
    let now = now();
    let mut on_account: Vec<AccountConsent> = vec![];
    let phone = phone
        .as_deref()
        .and_then(dvc_protocol::rules::normalize_mobile);
    if let Some(phone) = phone.as_deref() {
        let mut st = c.prepare(
            "SELECT id, procedures, expires_at, citizen_name, withdrawn_at IS NULL FROM consents
             WHERE basis = 'account' AND role = 'grantee' AND account_id = ?1
               AND citizen_phone = ?2
             ORDER BY granted_at DESC, updated_at DESC",
        )?;
        on_account = st
            .query_map(params![account_id, phone], |r| {
                Ok(AccountConsent {
                    id: r.get(0)?,
                    procedures: r.get(1)?,
                    expires_at: r.get(2)?,
                    citizen_name: r.get(3)?,
                    not_withdrawn: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    let on_behalf = |row: &AccountConsent| {
        let phone = phone.clone().unwrap_or_default();
        Filing::OnBehalf {
            consent_id: row.id.clone(),
            label: account_label(&phone, row.citizen_name.as_deref()),
            citizen_phone: phone,
        }
    };
    if let Some(live) = on_account.iter().find(|r| {
        r.not_withdrawn
            && live_at(r.expires_at.as_deref(), &now)
            && covers(r.procedures.as_deref(), procedure_code)
    }) {
        return Ok(on_behalf(live));
    }
    let paper: Option<String> = c
        .query_row(
            "SELECT id FROM consents WHERE basis = 'paper' AND person_id = ?1
               AND withdrawn_at IS NULL ORDER BY granted_at DESC LIMIT 1",
            [person_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(consent_id) = paper {
        return Ok(Filing::Paper { consent_id });
    }
    Ok(on_account.first().map_or(Filing::Own, on_behalf))
}

/// Records how a dossier was filed (in the transaction that freezes its manifest).
pub fn record_filing(tx: &rusqlite::Transaction<'_>, dossier_id: &str, f: &Filing) -> Result<()> {
    let (basis, consent, label) = match f {
        Filing::Own => return Ok(()),
        Filing::OnBehalf {
            consent_id, label, ..
        } => ("on_behalf", Some(consent_id.as_str()), Some(label.as_str())),
        Filing::Paper { consent_id } => ("paper", Some(consent_id.as_str()), None),
    };
    tx.execute(
        "INSERT OR REPLACE INTO dossier_filing (dossier_id, basis, consent_id, citizen_label)
         VALUES (?1, ?2, ?3, ?4)",
        params![dossier_id, basis, consent, label],
    )?;
    Ok(())
}

fn view_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConsentView> {
    let procedures: Option<String> = r.get(6)?;
    let expires_at: Option<String> = r.get(8)?;
    let withdrawn: Option<String> = r.get(9)?;
    let citizen_phone: Option<String> = r.get(4)?;
    let citizen_name: Option<String> = r.get(12)?;
    let volunteer_phone: Option<String> = r.get(13)?;
    let volunteer_name: Option<String> = r.get(14)?;
    let status = if withdrawn.is_some() {
        "ended"
    } else if live_at(expires_at.as_deref(), &now()) {
        "active"
    } else {
        "expired"
    };
    Ok(ConsentView {
        id: r.get(0)?,
        basis: r.get(1)?,
        role: r.get(2)?,
        person_id: r.get(3)?,
        citizen_label: citizen_phone
            .as_deref()
            .map(|p| account_label(p, citizen_name.as_deref()))
            .or(citizen_name),
        volunteer_label: volunteer_phone
            .as_deref()
            .map(|p| account_label(p, volunteer_name.as_deref()))
            .or(volunteer_name),
        procedures: procedures.and_then(|p| serde_json::from_str(&p).ok()),
        granted_at: r.get(7)?,
        expires_at,
        status: status.to_string(),
        method: r.get(10)?,
        document_id: r.get(11)?,
    })
}

const VIEW_SQL: &str = "SELECT id, basis, role, person_id, citizen_phone, account_id, procedures,
    granted_at, expires_at, withdrawn_at, method, document_id, citizen_name, volunteer_phone,
    volunteer_name FROM consents";

/// Consents of the signed-in account (and paper consents), newest first; with `person_id`, only
/// that person's.
pub fn list(
    c: &Connection,
    account_id: Option<&str>,
    person_id: Option<&str>,
) -> Result<Vec<ConsentView>> {
    let mut st = c.prepare(&format!(
        "{VIEW_SQL} WHERE (basis = 'paper' OR account_id IS ?1)
           AND (?2 IS NULL OR person_id = ?2)
         ORDER BY granted_at DESC, id DESC"
    ))?;
    let rows = st.query_map(params![account_id, person_id], view_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn one(c: &Connection, id: &str) -> Result<ConsentView> {
    c.query_row(&format!("{VIEW_SQL} WHERE id = ?1"), [id], view_row)
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            what: format!("consent {id}"),
        })
}

/// The local person whose phone is `phone` (normalized), if exactly one.
fn person_by_phone(c: &Connection, phone: &str) -> Result<Option<String>> {
    let mut st = c.prepare("SELECT id, phone FROM people WHERE phone IS NOT NULL")?;
    let ids: Vec<String> = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(|r| r.ok())
        .filter(|(_, p)| dvc_protocol::rules::normalize_mobile(p).as_deref() == Some(phone))
        .map(|(id, _)| id)
        .collect();
    Ok(if ids.len() == 1 {
        ids.into_iter().next()
    } else {
        None
    })
}

/// Stores (or updates) a consent the server answered with, as `role` for `account_id`.
fn store_info(
    tx: &rusqlite::Transaction<'_>,
    server: &str,
    account_id: &str,
    role: &str,
    info: &ConsentInfo,
    person_id: Option<&str>,
) -> Result<()> {
    let citizen_phone = info
        .citizen_phone
        .as_deref()
        .and_then(dvc_protocol::rules::normalize_mobile);
    let person = match person_id {
        Some(p) => Some(p.to_string()),
        None if role == "grantee" => match citizen_phone.as_deref() {
            Some(phone) => person_by_phone(tx, phone)?,
            None => None,
        },
        None => None,
    };
    let procedures = info
        .procedures
        .as_ref()
        .map(|p| serde_json::to_string(p).unwrap_or_else(|_| "[]".into()));
    let method = info.method.map(|m| match m {
        ConsentMethod::App => "app",
        ConsentMethod::Otp => "otp",
    });
    tx.execute(
        "INSERT INTO consents (id, basis, role, server, account_id, person_id, citizen_phone,
             citizen_name, volunteer_phone, volunteer_name, procedures, granted_at, expires_at,
             withdrawn_at, method, text_version, updated_at)
         VALUES (?1, 'account', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13, ?14, ?15)
         ON CONFLICT (id) DO UPDATE SET
             person_id = coalesce(consents.person_id, excluded.person_id),
             citizen_phone = excluded.citizen_phone, citizen_name = excluded.citizen_name,
             volunteer_phone = excluded.volunteer_phone, volunteer_name = excluded.volunteer_name,
             procedures = excluded.procedures, expires_at = excluded.expires_at,
             withdrawn_at = NULL, method = excluded.method, text_version = excluded.text_version,
             updated_at = excluded.updated_at",
        params![
            info.consent_id,
            role,
            server,
            account_id,
            person,
            citizen_phone,
            info.citizen_name,
            dvc_protocol::rules::normalize_mobile(&info.volunteer_phone)
                .unwrap_or_else(|| info.volunteer_phone.clone()),
            info.volunteer_name,
            procedures,
            info.granted_at,
            info.expires_at,
            method,
            info.text_version,
            now()
        ],
    )?;
    Ok(())
}

/// Replaces the signed-in account's view of its consents with the server's list: what the
/// server no longer lists (withdrawn or expired) is marked ended.
pub fn reconcile(
    store: &crate::store::Store,
    server: &str,
    account_id: &str,
    role: &str,
    consents: &[ConsentInfo],
) -> Result<usize> {
    let side = if role == "volunteer" {
        "grantee"
    } else {
        "grantor"
    };
    store.write(|tx| -> Result<usize> {
        for info in consents {
            store_info(tx, server, account_id, side, info, None)?;
        }
        let ids: Vec<&str> = consents.iter().map(|c| c.consent_id.as_str()).collect();
        let ids_json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
        let ended = tx.execute(
            "UPDATE consents SET withdrawn_at = ?3, updated_at = ?3
             WHERE basis = 'account' AND account_id = ?1 AND server = ?2
               AND withdrawn_at IS NULL
               AND id NOT IN (SELECT value FROM json_each(?4))",
            params![account_id, server, now(), ids_json],
        )?;
        Ok(ended)
    })
}

fn check_procedures(p: Option<Vec<String>>) -> std::result::Result<Option<Vec<String>>, SyncError> {
    let Some(list) = p else { return Ok(None) };
    let list: Vec<String> = list
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if list.is_empty() {
        return Ok(None);
    }
    if list.len() > CONSENT_MAX_PROCEDURES
        || list.iter().any(|s| {
            s.len() > 40
                || !s
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        })
    {
        return Err(bad(
            "procedures",
            "Danh sách thủ tục không đúng",
            "procedure codes: up to 50, letters, digits, '.', '-' or '_'",
            "consent.error.procedures",
        ));
    }
    Ok(Some(list))
}

fn check_days(d: Option<u32>) -> std::result::Result<Option<u32>, SyncError> {
    match d {
        Some(n) if n == 0 || n > CONSENT_MAX_DAYS => Err(bad(
            "days",
            "Thời hạn đồng ý phải từ 1 đến 365 ngày",
            "consent days: 1 to 365",
            "consent.error.days",
        )),
        other => Ok(other),
    }
}

fn check_id(field: &str, id: &str) -> std::result::Result<String, SyncError> {
    let id = id.trim();
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(bad(
            field,
            "Mã không đúng",
            "not an id this app gave",
            "consent.error.id",
        ));
    }
    Ok(id.to_string())
}

/// The server, account and role signed in now.
fn session(core: &Core) -> std::result::Result<(String, String, String), SyncError> {
    let server = db::get(core.store(), db::KEY_SERVER)?;
    let account = db::current_account(core.store())?;
    let role = db::get(core.store(), db::KEY_ROLE)?;
    match (server, account, role) {
        (Some(s), Some(a), Some(r)) => Ok((s, a, r)),
        _ => Err(SyncError::NotSignedIn),
    }
}

/// Who a citizen names as their volunteer in "Cho phép người hỗ trợ".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Volunteer {
    Phone(String),
    /// The text of the QR code the volunteer's app shows (`DVCVOL1:…`).
    Qr(String),
}

impl Core {
    /// A volunteer asks for a citizen's consent on the spot: the server sends a code to the
    /// citizen's phone (the same answer whether or not the number has an account).
    pub async fn consent_request(
        &self,
        citizen_phone: &str,
        procedures: Option<Vec<String>>,
        days: Option<u32>,
    ) -> std::result::Result<ConsentOtpPending, SyncError> {
        let citizen_phone = check_phone(citizen_phone)?;
        let procedures = check_procedures(procedures)?;
        let valid_days = check_days(days)?;
        signed_api(self)?
            .consent_request(&ConsentOtpRequest {
                citizen_phone,
                procedures,
                valid_days,
                text_version: None,
            })
            .await
            .map_err(refused_signed)
    }

    /// The citizen typed the code on the volunteer's phone: the consent is stored here, linked
    /// to `person_id` (or to the one person whose phone matches).
    pub async fn consent_confirm(
        &self,
        request_id: &str,
        code: &str,
        person_id: Option<&str>,
    ) -> std::result::Result<ConsentView, SyncError> {
        let request_id = check_id("request_id", request_id)?;
        let otp = check_code(code)?;
        if let Some(p) = person_id {
            self.person(p)?;
        }
        let (server, account, _) = session(self)?;
        let info = signed_api(self)?
            .consent_confirm(&request_id, &ConsentConfirmRequest { otp })
            .await
            .map_err(refused_signed)?;
        self.store()
            .write(|tx| store_info(tx, &server, &account, "grantee", &info, person_id))?;
        tracing::info!(consent_id = %info.consent_id, "consent confirmed by code");
        Ok(self.store().read(|c| one(c, &info.consent_id))?)
    }

    /// "Cho phép người hỗ trợ": a citizen lets a volunteer file for them, named by phone or by
    /// the QR code the volunteer's app shows.
    pub async fn consent_grant(
        &self,
        volunteer: Volunteer,
        procedures: Option<Vec<String>>,
        days: Option<u32>,
    ) -> std::result::Result<ConsentView, SyncError> {
        let (volunteer_phone, volunteer_qr) = match volunteer {
            Volunteer::Phone(p) => (check_phone(&p)?, None),
            Volunteer::Qr(q) => {
                let q = q.trim().to_string();
                if dvc_protocol::auth::parse_volunteer_qr(&q).is_none() {
                    return Err(bad(
                        "volunteer_qr",
                        "Mã QR này không phải mã của người hỗ trợ",
                        "not a volunteer QR code (DVCVOL1:…)",
                        "consent.error.qr",
                    ));
                }
                (String::new(), Some(q))
            }
        };
        let procedures = check_procedures(procedures)?;
        let valid_days = check_days(days)?;
        let (server, account, _) = session(self)?;
        let info = signed_api(self)?
            .consent_grant(&ConsentRequest {
                volunteer_phone,
                volunteer_qr,
                procedures,
                valid_days,
                text_version: None,
            })
            .await
            .map_err(refused_signed)?;
        self.store()
            .write(|tx| store_info(tx, &server, &account, "grantor", &info, None))?;
        tracing::info!(consent_id = %info.consent_id, "consent given to a volunteer");
        Ok(self.store().read(|c| one(c, &info.consent_id))?)
    }

    /// Withdraws a consent: on the server for one this citizen gave; on the device for a paper
    /// consent. A volunteer cannot withdraw what a citizen gave (only the citizen can).
    pub async fn consent_withdraw(&self, consent_id: &str) -> std::result::Result<(), SyncError> {
        let id = check_id("consent_id", consent_id)?;
        let v = self.store().read(|c| one(c, &id))?;
        if v.basis == "account" {
            if v.role != "grantor" {
                return Err(bad(
                    "consent_id",
                    "Chỉ người đã đồng ý mới rút lại được sự đồng ý này",
                    "only the citizen who gave this consent can withdraw it",
                    "consent.error.not_yours",
                ));
            }
            signed_api(self)?
                .consent_withdraw(&id)
                .await
                .map_err(refused_signed)?;
        }
        self.store().write(|tx| -> Result<()> {
            tx.execute(
                "UPDATE consents SET withdrawn_at = ?2, updated_at = ?2 WHERE id = ?1",
                params![id, now()],
            )?;
            Ok(())
        })?;
        tracing::info!(consent_id = %id, "consent withdrawn");
        Ok(())
    }

    /// Records a signed paper consent for a person without a phone or account: the photo must be
    /// one of that person's documents. Their dossiers then go with `consent_basis: paper`.
    pub fn consent_paper(&self, person_id: &str, document_id: &str) -> Result<ConsentView> {
        let person = self.person(person_id)?;
        if !person.documents.iter().any(|d| d.id.0 == document_id) {
            return Err(CoreError::invalid(
                "document",
                format!("document {document_id} is not one of this person's papers"),
                "consent.error.paper_document",
            ));
        }
        let id = uuid::Uuid::now_v7().to_string();
        self.store().write(|tx| -> Result<()> {
            let ts = now();
            tx.execute(
                "INSERT INTO consents (id, basis, role, person_id, granted_at, document_id, updated_at)
                 VALUES (?1, 'paper', 'grantee', ?2, ?3, ?4, ?3)",
                params![id, person_id, ts, document_id],
            )?;
            Ok(())
        })?;
        self.store().read(|c| one(c, &id))
    }

    /// Consents of the signed-in account and paper consents (of `person_id` only, if given).
    pub fn consent_list(&self, person_id: Option<&str>) -> Result<Vec<ConsentView>> {
        let account = db::current_account(self.store())?;
        self.store()
            .read(|c| list(c, account.as_deref(), person_id))
    }

    /// Fetches the signed-in account's live consents from the server and stores them.
    pub async fn consent_refresh(&self) -> std::result::Result<Vec<ConsentView>, SyncError> {
        let (server, account, role) = session(self)?;
        let l = signed_api(self)?.consents().await.map_err(refused_signed)?;
        reconcile(self.store(), &server, &account, &role, &l.consents)?;
        Ok(self.consent_list(None)?)
    }

    /// The QR text a volunteer shows so a citizen can name them ("Cho phép người hỗ trợ").
    pub fn volunteer_qr(&self) -> std::result::Result<String, SyncError> {
        let (_, account, role) = session(self)?;
        if role != "volunteer" {
            return Err(bad(
                "role",
                "Chỉ tài khoản người hỗ trợ mới có mã QR này",
                "only a volunteer account has a volunteer QR code",
                "consent.error.not_volunteer",
            ));
        }
        Ok(dvc_protocol::auth::volunteer_qr(&account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_and_scope() {
        let now = "2026-12-06T10:00:00Z";
        assert!(live_at(None, now));
        assert!(live_at(Some("2026-12-06T10:00:01Z"), now));
        assert!(!live_at(Some("2026-12-06T10:00:00Z"), now));
        assert!(!live_at(Some("not a time"), now));
        assert!(covers(None, "1.001"));
        assert!(covers(Some(r#"["1.001","2.002"]"#), "2.002"));
        assert!(!covers(Some(r#"["1.001"]"#), "2.002"));
        assert!(!covers(Some("garbage"), "1.001"));
    }

    #[test]
    fn bad_inputs_are_refused_before_any_request() {
        assert!(check_days(Some(0)).is_err());
        assert!(check_days(Some(366)).is_err());
        assert_eq!(check_days(Some(90)).unwrap(), Some(90));
        assert_eq!(check_procedures(Some(vec![" ".into()])).unwrap(), None);
        assert!(check_procedures(Some(vec!["1.001'; DROP".into()])).is_err());
        assert!(check_procedures(Some(vec!["x".into(); 51])).is_err());
        assert!(check_id("id", "../etc").is_err());
        assert!(check_id("id", "").is_err());
        assert_eq!(check_id("id", " 0190-ab ").unwrap(), "0190-ab");
    }

    #[test]
    fn filing_fields() {
        assert_eq!(Filing::Own.manifest_fields(), (None, None));
        let (o, b) = Filing::Paper {
            consent_id: "x".into(),
        }
        .manifest_fields();
        assert_eq!((o, b), (None, Some(ConsentBasis::Paper)));
    }
}
