//! The app lock: status, PIN check, set/change/turn off, lock now, full wipe. The PIN gate itself
//! is `dvc_core::lock`; here the app keeps whether it is open ([`AppState::is_locked`]), and
//! other commands refuse while it is closed.

use dvc_core::lock::{LockStatus, Unlock};
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::{blocking, ApiError, AppState};

/// What the lock screen and the settings section show.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct LockState {
    #[serde(flatten)]
    pub status: LockStatus,
    /// The app is locked now (the lock screen is up).
    pub locked: bool,
}

async fn state_of(state: &AppState) -> Result<LockState, ApiError> {
    let core = state.core()?;
    let status = blocking(move || Ok(core.lock().status()?)).await?;
    Ok(LockState {
        locked: state.is_locked() && status.enabled,
        status,
    })
}

/// The lock's state; works while locked.
#[tauri::command]
#[specta::specta]
pub async fn lock_status(state: State<'_, AppState>) -> Result<LockState, ApiError> {
    state_of(&state).await
}

/// Opens the lock with a PIN (wrong ones count and back off).
#[tauri::command]
#[specta::specta]
pub async fn lock_unlock(state: State<'_, AppState>, pin: String) -> Result<Unlock, ApiError> {
    let core = state.core()?;
    let outcome = blocking(move || Ok(core.lock().check(&pin)?)).await?;
    if outcome == Unlock::Opened {
        state.set_locked(false);
    }
    Ok(outcome)
}

/// Sets a PIN (`old` is needed when one is set already). The app must be open.
#[tauri::command]
#[specta::specta]
pub async fn lock_set_pin(
    state: State<'_, AppState>,
    old: Option<String>,
    pin: String,
) -> Result<Unlock, ApiError> {
    state
        .with_core(move |core| Ok(core.lock().set_pin(old.as_deref(), &pin)?))
        .await
}

/// Turns the lock off (needs the PIN). The app must be open.
#[tauri::command]
#[specta::specta]
pub async fn lock_disable(state: State<'_, AppState>, pin: String) -> Result<Unlock, ApiError> {
    state
        .with_core(move |core| Ok(core.lock().disable(&pin)?))
        .await
}

/// Closes the lock now (the UI calls it after the background timeout); nothing when no PIN is
/// set.
#[tauri::command]
#[specta::specta]
pub async fn lock_now(state: State<'_, AppState>) -> Result<LockState, ApiError> {
    let core = state.core()?;
    if blocking(move || Ok(core.lock().enabled()?)).await? {
        state.set_locked(true);
    }
    state_of(&state).await
}

/// Deletes all data and keys, then restarts the app as new. Allowed when the app is open, or on
/// the lock screen once the wipe is offered (a volunteer after too many wrong PINs).
#[tauri::command]
#[specta::specta]
pub async fn lock_wipe(app: AppHandle, state: State<'_, AppState>) -> Result<(), ApiError> {
    let current = state_of(&state).await?;
    if current.locked && !current.status.wipe_offered {
        return Err(ApiError::locked());
    }
    let core = state.core()?;
    state.set_locked(true);
    let report = blocking(move || Ok(core.wipe_shared()?)).await?;
    tracing::warn!(
        files = report.files_removed,
        keys = report.keystore_entries_deleted,
        "wiped from the app; restarting"
    );
    app.restart()
}

/// Whether the lock can also be opened with the phone's fingerprint or face (a PIN is set and the
/// OS reports enrolled biometrics). Never on desktop. Works while locked.
#[tauri::command]
#[specta::specta]
pub async fn lock_biometric_available(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<bool, ApiError> {
    let current = state_of(&state).await?;
    Ok(current.status.enabled && biometric::available(&app))
}

/// Opens the lock with the OS's biometric prompt, asked from Rust (the webview cannot answer it
/// for the user). `false`: the user cancelled or was not recognised (nothing counted; the PIN
/// still works). A wrong-PIN count already reached stays as it is.
#[tauri::command]
#[specta::specta]
pub async fn lock_unlock_biometric(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<bool, ApiError> {
    let current = state_of(&state).await?;
    if !current.status.enabled {
        return Ok(true);
    }
    if !biometric::available(&app) {
        return Err(ApiError::biometric_unavailable());
    }
    let prompt = app.clone();
    let ok = tauri::async_runtime::spawn_blocking(move || biometric::authenticate(&prompt))
        .await
        .map_err(|e| ApiError::internal(format!("biometric prompt: {e}")))?;
    if ok {
        state.set_locked(false);
        tracing::info!("unlocked with biometrics");
    }
    Ok(ok)
}

/// The OS biometric prompt: `tauri-plugin-biometric` on Android/iOS (configured, not verifiable
/// here: no Android SDK or iOS toolchain on the build machine); nothing on desktop.
mod biometric {
    use tauri::AppHandle;

    #[cfg(mobile)]
    pub fn available(app: &AppHandle) -> bool {
        use tauri_plugin_biometric::BiometricExt;
        app.biometric()
            .status()
            .map(|s| s.is_available)
            .unwrap_or(false)
    }

    #[cfg(mobile)]
    pub fn authenticate(app: &AppHandle) -> bool {
        use tauri_plugin_biometric::BiometricExt;
        app.biometric()
            .authenticate(
                "Mở khóa DVC Đồng Hành".to_string(),
                tauri_plugin_biometric::AuthOptions::default(),
            )
            .is_ok()
    }

    #[cfg(not(mobile))]
    pub fn available(_app: &AppHandle) -> bool {
        false
    }

    #[cfg(not(mobile))]
    pub fn authenticate(_app: &AppHandle) -> bool {
        false
    }
}
