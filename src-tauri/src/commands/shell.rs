//! Shell commands: app info, settings, readiness.

use dvc_core::settings::Settings;
use dvc_core::Info;
use tauri::State;

use crate::{ApiError, AppState};

#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> Result<Info, ApiError> {
    state.with_core(|core| Ok(core.info()?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn settings_get(state: State<'_, AppState>) -> Result<Settings, ApiError> {
    // Also while the app lock is closed: the lock screen needs the language and text size, and
    // preferences hold no personal data.
    let core = state.core()?;
    crate::blocking(move || Ok(core.settings()?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn settings_set(
    state: State<'_, AppState>,
    key: String,
    value: String,
) -> Result<Settings, ApiError> {
    state
        .with_core(move |core| Ok(core.set_setting(&key, &value)?))
        .await
}

/// The UI calls this once its first screen is interactive. Under the startup probe the app
/// reports the time and exits (see `STARTUP_PROBE_ENV`).
#[tauri::command]
#[specta::specta]
pub async fn ui_ready(app: tauri::AppHandle) {
    let ms = crate::elapsed_ms();
    tracing::info!(ms, "first screen interactive");
    if std::env::var(crate::STARTUP_PROBE_ENV).as_deref() == Ok("1") {
        #[allow(clippy::print_stdout)]
        {
            println!("ready_ms={ms}");
        }
        app.exit(0);
    }
}
