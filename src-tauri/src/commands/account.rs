//! Accounts in the app: register with a code by SMS, resend after the countdown, forgotten and
//! changed passwords, the devices signed in to the account, and which server the app uses.
//!
//! Nobody types a server address. The app ships with its deployment's address, set at build time
//! (`DVC_SERVER_URL` in the build environment; without it the development server that `./x run`
//! starts, `http://127.0.0.1:8787`). A volunteer or tester can switch by scanning the QR code an
//! officer console shows ("Mã QR máy chủ", payload [`dvc_protocol::server_qr`]): the app reads it,
//! the UI names the new server and asks, and only then, and only while signed out, the app
//! switches. Malformed QR text is refused and changes nothing.
//!
//! Every input is checked on the device with the server's own rules before any request (the core's
//! validators). Logs carry no phone number, ID number, name, code or password.

use dvc_core::sync::account::Registration;
use dvc_core::sync::client::check_server_url;
use dvc_core::sync::db as sync_db;
use dvc_core::sync::SyncError;
use dvc_core::Core;
use serde::{Deserialize, Serialize};
use tauri::State;
use zeroize::Zeroizing;

use crate::ipc::RawRequest;
use crate::{blocking, ApiError, AppState};

/// The server this build ships with (`DVC_SERVER_URL` at build time).
pub const SHIPPED_SERVER_URL: Option<&str> = option_env!("DVC_SERVER_URL");
/// Without a shipped address: the development server `./x run` starts next to the app.
pub const DEV_SERVER_URL: &str = "http://127.0.0.1:8787";
/// The server chosen by scanning a console's QR code (empty or absent: the shipped one).
const KEY_SERVER_CHOICE: &str = "server_choice";

/// The address the app ships with.
pub fn shipped_server() -> &'static str {
    SHIPPED_SERVER_URL
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(DEV_SERVER_URL)
}

/// Which server the app uses, as settings and the sign-in form show it (read-only).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ServerInfo {
    /// The server signing in (and syncing) goes to.
    pub url: String,
    /// The address this build ships with.
    pub shipped_url: String,
    /// `url` came from a scanned QR code rather than the build.
    pub switched: bool,
    /// Signed in: the server cannot be switched now.
    pub signed_in: bool,
}

/// A server named by a scanned QR code, not yet in use.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ServerChoice {
    pub url: String,
}

/// A code was sent (the same answer whether or not the phone has an account).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CodeSent {
    pub expires_in_s: u32,
    /// The countdown before "Gửi lại mã".
    pub resend_after_s: u32,
    pub code_length: u32,
}

impl From<dvc_protocol::auth::OtpSent> for CodeSent {
    fn from(s: dvc_protocol::auth::OtpSent) -> Self {
        CodeSent {
            expires_in_s: u32::try_from(s.expires_in_s).unwrap_or(u32::MAX),
            resend_after_s: u32::try_from(s.resend_after_s).unwrap_or(u32::MAX),
            code_length: u32::from(s.code_length),
        }
    }
}

/// What a resent code confirms.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    Register,
    PasswordReset,
}

/// The rules the forms show before anything is typed.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AccountRules {
    pub password_min: u32,
    pub password_max: u32,
    pub code_digits: u32,
}

/// One device signed in to the account.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DeviceView {
    pub token_id: String,
    pub device_name: Option<String>,
    pub created_at: String,
    pub last_seen_at: Option<String>,
    /// This device.
    pub current: bool,
}

/// A refusal of an account route in plain words; the rest as the sync commands map them.
fn account_error(e: SyncError) -> ApiError {
    if let SyncError::Refused { code, .. } = &e {
        let key = match code.as_str() {
            "400.5" => Some("account.error.code_wrong"),
            "403.5" => Some("account.error.old_password"),
            "403.6" => Some("account.error.self_service_off"),
            "409.4" => Some("account.error.phone_taken"),
            _ => None,
        };
        if let Some(message_key) = key {
            tracing::info!(server_code = %code, "account request refused");
            return ApiError {
                code: "account_refused",
                message_key,
                detail: e.to_string(),
            };
        }
    }
    ApiError::from(e)
}

fn bad_qr(detail: String) -> ApiError {
    ApiError {
        code: "server_qr_invalid",
        message_key: "account.error.server_qr",
        detail,
    }
}

/// The server URL a scanned text names, checked by the payload rules and the client's URL rules.
pub fn server_from_text(text: &str) -> Result<String, ApiError> {
    let url = dvc_protocol::server_qr::parse(text).map_err(|e| bad_qr(e.to_string()))?;
    check_server_url(&url).map_err(|e| bad_qr(e.to_string()))
}

fn chosen(core: &Core) -> Result<Option<String>, ApiError> {
    Ok(sync_db::get(core.store(), KEY_SERVER_CHOICE)
        .map_err(ApiError::from)?
        .filter(|s| !s.is_empty()))
}

fn server_info(core: &Core) -> Result<ServerInfo, ApiError> {
    let st = core.sync_status()?;
    let choice = chosen(core)?;
    let shipped = shipped_server().trim_end_matches('/').to_string();
    let url = match (&st.server, st.signed_in, &choice) {
        // Signed in: the server of the session.
        (Some(s), true, _) => s.clone(),
        (_, _, Some(c)) => c.clone(),
        _ => shipped.clone(),
    };
    Ok(ServerInfo {
        switched: url != shipped,
        url,
        shipped_url: shipped,
        signed_in: st.signed_in,
    })
}

/// The server sign-in and registration go to.
pub(crate) async fn current_server(
    state: &AppState,
) -> Result<(std::sync::Arc<Core>, String), ApiError> {
    if state.is_locked() {
        return Err(ApiError::locked());
    }
    let core = state.core()?;
    let info = state.with_core(server_info).await?;
    Ok((core, info.url))
}

pub(crate) fn check_unlocked(state: &AppState) -> Result<std::sync::Arc<Core>, ApiError> {
    if state.is_locked() {
        return Err(ApiError::locked());
    }
    state.core()
}

#[tauri::command]
#[specta::specta]
pub async fn account_server(state: State<'_, AppState>) -> Result<ServerInfo, ApiError> {
    state.with_core(server_info).await
}

#[tauri::command]
#[specta::specta]
pub async fn account_rules() -> AccountRules {
    AccountRules {
        password_min: u32::try_from(dvc_protocol::auth::PASSWORD_MIN_CHARS).unwrap_or(8),
        password_max: u32::try_from(dvc_protocol::auth::PASSWORD_MAX_CHARS).unwrap_or(128),
        code_digits: u32::try_from(dvc_protocol::auth::OTP_DIGITS).unwrap_or(6),
    }
}

/// Reads a scanned server QR (the text from the live scanner); nothing changes yet.
#[tauri::command]
#[specta::specta]
pub async fn server_qr_parse(text: String) -> Result<ServerChoice, ApiError> {
    blocking(move || {
        Ok(ServerChoice {
            url: server_from_text(&text)?,
        })
    })
    .await
}

/// Reads the server QR in a photo (raw body: the image file's bytes); nothing changes yet.
#[tauri::command]
#[specta::specta]
pub async fn server_qr_scan_image(request: RawRequest<'_>) -> Result<ServerChoice, ApiError> {
    let payload = super::qr_in_photo(&request, || {
        bad_qr("expected the image as raw bytes".into())
    })
    .await?;
    let text = super::qr_text(payload, || bad_qr("the QR text is not UTF-8".into()))?;
    Ok(ServerChoice {
        url: server_from_text(&text)?,
    })
}

/// Switches to the server a scanned QR named (`url`, checked again), or back to the shipped one
/// (`None`). Refused while signed in.
#[tauri::command]
#[specta::specta]
pub async fn server_switch(
    state: State<'_, AppState>,
    url: Option<String>,
) -> Result<ServerInfo, ApiError> {
    state
        .with_core(move |core| {
            if core.sync_status()?.signed_in {
                return Err(ApiError {
                    code: "account_signed_in",
                    message_key: "account.error.signed_in",
                    detail: "sign out before switching servers".into(),
                });
            }
            let value = match url {
                Some(u) => check_server_url(&u).map_err(|e| bad_qr(e.to_string()))?,
                None => String::new(),
            };
            sync_db::set(core.store(), KEY_SERVER_CHOICE, &value).map_err(ApiError::from)?;
            let info = server_info(core)?;
            tracing::info!(switched = info.switched, "server chosen");
            Ok(info)
        })
        .await
}

#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub async fn account_register(
    state: State<'_, AppState>,
    phone: String,
    full_name: String,
    id_number: String,
    birth_date: String,
    password: String,
    volunteer: bool,
) -> Result<CodeSent, ApiError> {
    let reg = Registration {
        phone,
        full_name,
        id_number,
        birth_date,
        password: Zeroizing::new(password),
        volunteer,
    };
    // Checked before anything goes to the network.
    reg.check().map_err(account_error)?;
    let (core, server) = current_server(&state).await?;
    let sent = core
        .account_register(&server, &reg)
        .await
        .map_err(account_error)?;
    tracing::info!("registration code requested");
    Ok(sent.into())
}

#[tauri::command]
#[specta::specta]
pub async fn account_verify(
    state: State<'_, AppState>,
    phone: String,
    code: String,
) -> Result<(), ApiError> {
    let (core, server) = current_server(&state).await?;
    core.account_verify(&server, &phone, &code)
        .await
        .map_err(account_error)?;
    tracing::info!("registration confirmed");
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn account_resend(
    state: State<'_, AppState>,
    phone: String,
    purpose: CodePurpose,
) -> Result<CodeSent, ApiError> {
    let (core, server) = current_server(&state).await?;
    let purpose = match purpose {
        CodePurpose::Register => dvc_protocol::auth::OtpPurpose::Register,
        CodePurpose::PasswordReset => dvc_protocol::auth::OtpPurpose::PasswordReset,
    };
    let sent = core
        .account_resend(&server, &phone, purpose)
        .await
        .map_err(account_error)?;
    Ok(sent.into())
}

#[tauri::command]
#[specta::specta]
pub async fn account_password_reset(
    state: State<'_, AppState>,
    phone: String,
) -> Result<CodeSent, ApiError> {
    let (core, server) = current_server(&state).await?;
    let sent = core
        .account_password_reset(&server, &phone)
        .await
        .map_err(account_error)?;
    Ok(sent.into())
}

#[tauri::command]
#[specta::specta]
pub async fn account_password_reset_confirm(
    state: State<'_, AppState>,
    phone: String,
    code: String,
    new_password: String,
) -> Result<(), ApiError> {
    let new_password = Zeroizing::new(new_password);
    let (core, server) = current_server(&state).await?;
    core.account_password_reset_confirm(&server, &phone, &code, &new_password)
        .await
        .map_err(account_error)?;
    tracing::info!("password reset with a code");
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn account_password_change(
    state: State<'_, AppState>,
    old_password: String,
    new_password: String,
) -> Result<(), ApiError> {
    let (old, new) = (Zeroizing::new(old_password), Zeroizing::new(new_password));
    let core = check_unlocked(&state)?;
    core.account_password_change(&old, &new)
        .await
        .map_err(account_error)?;
    tracing::info!("password changed");
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn account_devices(state: State<'_, AppState>) -> Result<Vec<DeviceView>, ApiError> {
    let core = check_unlocked(&state)?;
    let list = core.account_devices().await.map_err(account_error)?;
    let mut devices: Vec<DeviceView> = list
        .tokens
        .into_iter()
        .map(|t| DeviceView {
            token_id: t.token_id,
            device_name: t.device_name,
            created_at: t.created_at,
            last_seen_at: t.last_seen_at,
            current: t.current,
        })
        .collect();
    // This device first, then the most recently seen.
    devices.sort_by(|a, b| {
        b.current.cmp(&a.current).then_with(|| {
            let seen = |d: &DeviceView| {
                d.last_seen_at
                    .clone()
                    .unwrap_or_else(|| d.created_at.clone())
            };
            seen(b).cmp(&seen(a))
        })
    });
    Ok(devices)
}

#[tauri::command]
#[specta::specta]
pub async fn account_revoke_device(
    state: State<'_, AppState>,
    token_id: String,
) -> Result<(), ApiError> {
    let core = check_unlocked(&state)?;
    core.account_revoke_device(&token_id)
        .await
        .map_err(account_error)?;
    tracing::info!("another device signed out");
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_server_qr_is_checked_twice() {
        assert_eq!(
            server_from_text("DVCSRV1:https://dvc.example.vn/").unwrap(),
            "https://dvc.example.vn"
        );
        assert_eq!(
            server_from_text("DVCSRV1:http://127.0.0.1:8787").unwrap(),
            "http://127.0.0.1:8787"
        );
        for bad in [
            "",
            "https://dvc.example.vn",
            "001190012345|123456789|Nguyễn Thị Thử|31051990|Nữ|Hà Nội|01012021",
            // The payload rules pass it, the client's do not: plain http off this machine.
            "DVCSRV1:http://dvc.example.vn",
            "DVCSRV1:http://192.168.1.10:8787",
            "DVCSRV1:https://user@dvc.example.vn",
            "DVCSRV1:javascript:alert(1)",
        ] {
            let e = server_from_text(bad).unwrap_err();
            assert_eq!(e.message_key, "account.error.server_qr", "{bad:?}");
            assert!(
                !e.detail.contains("Nguyễn"),
                "no personal data in the detail"
            );
        }
    }

    #[test]
    fn refusals_get_plain_words() {
        let refused = |code: &str| SyncError::Refused {
            code: code.into(),
            name: "x".into(),
        };
        assert_eq!(
            account_error(refused("400.5")).message_key,
            "account.error.code_wrong"
        );
        assert_eq!(
            account_error(refused("403.5")).message_key,
            "account.error.old_password"
        );
        assert_eq!(
            account_error(refused("409.4")).message_key,
            "account.error.phone_taken"
        );
        assert_eq!(
            account_error(refused("429.1")).message_key,
            "sync.error.rate_limited"
        );
        assert_eq!(
            account_error(SyncError::SessionExpired).message_key,
            "sync.error.session_expired"
        );
    }

    #[test]
    fn the_shipped_server_is_a_usable_address() {
        assert!(check_server_url(shipped_server()).is_ok());
    }
}
