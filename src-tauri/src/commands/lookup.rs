//! "Tra cứu hồ sơ": a dossier's state and timeline from the server by its code and a second
//! factor (`dvc_core::sync::lookup`), signed in or not — for a dossier filed at the counter, by a
//! volunteer, or on another phone. The server is the one sign-in goes to (the session's, the one
//! chosen by QR, or the one this build ships with).

use dvc_core::sync::lookup::{NOT_FOUND, RATE_LIMITED};
use dvc_core::sync::SyncError;
use dvc_protocol::lookup::LookupResult;
use serde::Serialize;
use tauri::State;

use crate::{ApiError, AppState};

/// A looked-up dossier with its procedure's name from the bundled catalog.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct LookupView {
    #[serde(flatten)]
    pub result: LookupResult,
    pub procedure_name: Option<String>,
    pub procedure_name_en: Option<String>,
}

/// The two refusals the screen words itself; the rest as every sync command says them.
fn lookup_error(e: SyncError) -> ApiError {
    let key = match &e {
        SyncError::Refused { code, .. } if code == NOT_FOUND => Some("lookup.not_found"),
        SyncError::Refused { code, .. } if code == RATE_LIMITED => Some("lookup.rate_limited"),
        _ => None,
    };
    match key {
        Some(message_key) => {
            tracing::info!(code = e.code(), "dossier lookup refused");
            ApiError {
                code: "lookup_refused",
                message_key,
                detail: e.to_string(),
            }
        }
        None => ApiError::from(e),
    }
}

/// Looks a dossier up by its code (as on the receipt) and the last 4 digits of the applicant's
/// ID number or the phone it was filed with. An unknown code and a wrong second factor are the
/// same answer (`lookup.not_found`): the server does not say which.
#[tauri::command]
#[specta::specta]
pub async fn dossier_lookup(
    state: State<'_, AppState>,
    code: String,
    factor: String,
) -> Result<LookupView, ApiError> {
    let (core, server) = crate::commands::account::current_server(&state).await?;
    let result = core
        .dossier_lookup(Some(&server), &code, &factor)
        .await
        .map_err(lookup_error)?;
    let (procedure_name, procedure_name_en) = core
        .resolve_procedure(&result.procedure_code)
        .map(|id| crate::commands::sync::procedure_names(&id))
        .unwrap_or((None, None));
    Ok(LookupView {
        result,
        procedure_name,
        procedure_name_en,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_refusals_have_their_own_words() {
        let refused = |code: &str| SyncError::Refused {
            code: code.into(),
            name: "x".into(),
        };
        assert_eq!(
            lookup_error(refused("404.1")).message_key,
            "lookup.not_found"
        );
        assert_eq!(
            lookup_error(refused("429.1")).message_key,
            "lookup.rate_limited"
        );
        assert_eq!(
            lookup_error(refused("403.1")).message_key,
            "sync.error.refused"
        );
        assert_eq!(
            lookup_error(SyncError::Network("timeout".into())).message_key,
            "sync.error.network"
        );
    }
}
