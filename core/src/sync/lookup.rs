//! "Tra cứu hồ sơ": a dossier's state and timeline from the server by its code and a second
//! factor (the last 4 digits of the applicant's ID number, or the phone it was filed with). Works
//! signed out; signed in to the same server, the answer says whether the dossier is the
//! account's own (`mine`).

use dvc_protocol::lookup::{self, ClaimResult, LookupRequest, LookupResult};
use zeroize::Zeroizing;

use super::account::{bad, token};
use super::client::{check_server_url, Api, Timeouts};
use super::decide::Failure;
use super::{db, SyncError};
use crate::Core;

/// The server answered "no dossier with this code and second factor" (`404.1`).
pub const NOT_FOUND: &str = "404.1";
/// The server asks to wait: too many lookups from here or for this code (`429.1`).
pub const RATE_LIMITED: &str = "429.1";
/// The looked-up dossier does not name the signed-in account, or is another account's (`403.11`).
pub const NOT_YOURS: &str = "403.11";

/// The dossier code, trimmed, or bad input.
pub fn check_lookup_code(code: &str) -> Result<String, SyncError> {
    lookup::parse_code(code).ok_or_else(|| {
        bad(
            "code",
            "Mã hồ sơ không đúng dạng: <mã cơ quan>-YYMMDD-NNNN, như trên giấy biên nhận",
            "not a dossier code: <agency>-YYMMDD-NNNN, as on the receipt",
            "lookup.error.code",
        )
    })
}

/// The second factor, or bad input.
pub fn check_lookup_factor(factor: &str) -> Result<String, SyncError> {
    if lookup::parse_factor(factor).is_some() {
        Ok(factor.trim().to_string())
    } else {
        Err(bad(
            "factor",
            "Nhập 4 số cuối của số căn cước, hoặc số điện thoại đã dùng khi nộp hồ sơ",
            "give the last 4 digits of the ID number, or the phone number used to file",
            "lookup.error.factor",
        ))
    }
}

impl Core {
    /// Looks a dossier up by its code on `server` (or, if `None`, the configured server). Sends
    /// this device's token when it is signed in to that server, so `mine` can be true.
    ///
    /// Refusals come back as [`SyncError::Refused`] with [`NOT_FOUND`] (unknown code or wrong
    /// second factor: the server does not say which) or [`RATE_LIMITED`].
    pub async fn dossier_lookup(
        &self,
        server: Option<&str>,
        code: &str,
        factor: &str,
    ) -> Result<LookupResult, SyncError> {
        let code = check_lookup_code(code)?;
        let factor = check_lookup_factor(factor)?;
        let configured = db::get(self.store(), db::KEY_SERVER)?;
        let server = match (server, configured.as_deref()) {
            (Some(s), _) => check_server_url(s)?,
            (None, Some(s)) => check_server_url(s)?,
            (None, None) => return Err(SyncError::NotSignedIn),
        };
        let same_server = configured
            .as_deref()
            .and_then(|c| check_server_url(c).ok())
            .is_some_and(|c| c == server);
        let token: Option<Zeroizing<String>> = if same_server { token(self)? } else { None };
        let api = Api::new(&server, token, Timeouts::default())?;
        api.lookup(&LookupRequest { code, factor })
            .await
            .map_err(|f| match f {
                Failure::Http { status: 401, .. } => SyncError::SessionExpired,
                f => super::account::refused(f),
            })
    }

    /// "Thêm vào Hồ sơ của tôi": asks the configured server, as the signed-in citizen, to add a
    /// looked-up dossier (code + second factor) to the account's own list, and keeps it on this
    /// device at once (the next sync pass fetches its form and events, like a restored dossier).
    ///
    /// Refusals: [`NOT_FOUND`], [`RATE_LIMITED`], [`NOT_YOURS`] as [`SyncError::Refused`];
    /// [`SyncError::NotSignedIn`] without an account on this device.
    pub async fn dossier_claim(&self, code: &str, factor: &str) -> Result<ClaimResult, SyncError> {
        let code = check_lookup_code(code)?;
        let factor = check_lookup_factor(factor)?;
        let (Some(server), Some(token), Some(account)) = (
            db::get(self.store(), db::KEY_SERVER)?,
            token(self)?,
            db::current_account(self.store())?,
        ) else {
            return Err(SyncError::NotSignedIn);
        };
        let server = check_server_url(&server)?;
        let api = Api::new(&server, Some(token), Timeouts::default())?;
        let result = api
            .claim(&LookupRequest { code, factor })
            .await
            .map_err(|f| match f {
                Failure::Http { status: 401, .. } => SyncError::SessionExpired,
                f => super::account::refused(f),
            })?;
        let d = &result.dossier;
        self.store().write(|tx| -> crate::Result<()> {
            db::learn(
                tx,
                &account,
                &db::Learned {
                    uuid: &d.dossier_uuid,
                    code: &d.code,
                    state: d.state,
                    received_at: &d.received_at,
                    procedure_code: Some(&d.procedure_code),
                    agency_code: Some(&d.agency_code),
                    applicant_name: d.applicant_name.as_deref(),
                    filed_by: if d.filed_for_me {
                        d.filed_by.as_deref()
                    } else {
                        None
                    },
                    filed_for_me: d.filed_for_me,
                    consent_basis: d.consent_basis.map(|_| "paper"),
                },
            )?;
            Ok(())
        })?;
        tracing::info!(
            added = result.added,
            "looked-up dossier kept in the account's list"
        );
        Ok(result)
    }
}
