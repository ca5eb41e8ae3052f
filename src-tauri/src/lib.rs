//! The Tauri 2 shell of DVC Đồng Hành. Commands are thin: arguments → `dvc-core` → DTO. Anything
//! a second UI or the CLI could use lives in `dvc-core`, not here.

// Read by build.rs (permissions) and by the tests below; nothing else at run time.
#[allow(dead_code)]
mod command_list;
mod commands;
mod error;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use dvc_core::{Core, OpenOptions};
use tauri::Manager;

pub use error::ApiError;

/// When the process started; the startup bench measures to the first interactive screen.
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Environment variable: when set to `1`, the app prints `ready_ms=<n>` on stdout when the UI
/// reports its first interactive screen, then exits. Used by the startup bench only.
pub const STARTUP_PROBE_ENV: &str = "DVC_STARTUP_PROBE";

/// What the commands share. The core may have failed to open (no keystore, wrong key): then every
/// command answers with that error and the UI shows it in plain words.
pub struct AppState {
    core: Result<Arc<Core>, ApiError>,
}

impl AppState {
    pub fn core(&self) -> Result<Arc<Core>, ApiError> {
        self.core.clone()
    }

    /// Runs `f` with the core on the blocking thread pool: the core is synchronous (SQLite, file
    /// I/O, image and QR work) and a command must never hold the main thread or an async worker.
    pub async fn with_core<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Core) -> Result<T, ApiError> + Send + 'static,
    {
        let core = self.core()?;
        blocking(move || f(&core)).await
    }
}

/// Runs blocking work on the async runtime's blocking thread pool and waits for it.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")))?
}

fn data_dir(app: &tauri::App) -> Result<PathBuf, ApiError> {
    if let Some(d) = std::env::var_os(dvc_core::DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    app.path()
        .app_data_dir()
        .map_err(|e| ApiError::internal(format!("no app data directory: {e}")))
}

fn open_core(app: &tauri::App) -> Result<Core, ApiError> {
    let dir = data_dir(app)?;
    let opts = OpenOptions::from_env(dir).map_err(ApiError::from)?;
    Core::open(&opts).map_err(|e| {
        tracing::error!(code = e.code(), error = %e, "cannot open the local store");
        ApiError::from(e)
    })
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    STARTED.get_or_init(Instant::now);
    dvc_core::logging::init("info");
    let builder = tauri::Builder::default();
    // Live camera scanning of the CCCD QR code on phones; desktop uses a photo and the Rust
    // decoder (`cccd_scan_image`). Granted by capabilities/mobile.json.
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_barcode_scanner::init());
    // System notifications for pulled status changes (commands/notify.rs).
    let builder = builder.plugin(tauri_plugin_notification::init());
    let result = builder
        .setup(|app| {
            let core = open_core(app).map(Arc::new);
            if core.is_ok() {
                tracing::info!("local store opened");
            }
            let core_ok = core.is_ok();
            app.manage(AppState { core });
            if core_ok && std::env::var_os(STARTUP_PROBE_ENV).is_none() {
                // Sync on start, then periodically while the app runs.
                commands::sync::start_background(app.handle().clone());
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::shell::app_info,
            commands::shell::settings_get,
            commands::shell::settings_set,
            commands::shell::ui_ready,
            commands::catalog::catalog_search,
            commands::catalog::catalog_show,
            commands::catalog::guides_list,
            commands::catalog::guide_show,
            commands::people::cccd_parse,
            commands::people::cccd_scan_image,
            commands::people::person_check,
            commands::people::person_list,
            commands::people::person_get,
            commands::people::person_add,
            commands::people::person_update,
            commands::people::person_delete,
            commands::people::document_add,
            commands::people::document_thumbnail,
            commands::people::document_delete,
            commands::people::household_list,
            commands::people::household_get,
            commands::people::household_add,
            commands::people::household_set_member,
            commands::photo::photo_prepare,
            commands::photo::photo_jpeg,
            commands::dossier::dossier_form,
            commands::dossier::draft_new,
            commands::dossier::draft_set,
            commands::dossier::draft_attach_photo,
            commands::dossier::draft_attach_document,
            commands::dossier::draft_detach,
            commands::dossier::draft_check,
            commands::dossier::draft_submit,
            commands::dossier::draft_list,
            commands::dossier::draft_show,
            commands::dossier::draft_delete,
            commands::people::household_remove_member,
            commands::people::document_set_dates,
            commands::catalog::catalog_fields,
            commands::sync::sync_account,
            commands::sync::sync_login,
            commands::sync::sync_logout,
            commands::sync::sync_now,
            commands::sync::sync_status,
            commands::sync::sync_retry,
            commands::sync::sync_settings,
            commands::sync::sync_dossier,
            commands::sync::sync_seen,
            commands::sync::sync_notifications,
            commands::after::after_view,
            commands::after::after_claim_payment,
            commands::after::after_cancel,
            commands::after::after_rate,
            commands::after::after_resubmit,
            commands::after::after_result_file,
            commands::after::after_save_receipt,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "the app could not start");
        std::process::exit(1);
    }
}

/// Milliseconds since the process started.
pub(crate) fn elapsed_ms() -> u128 {
    STARTED.get_or_init(Instant::now).elapsed().as_millis()
}

#[cfg(test)]
mod tests {
    #[test]
    fn capability_grants_exactly_the_app_commands() {
        let cap: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
        let granted: Vec<String> = cap["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .filter_map(|p| p.strip_prefix("allow-"))
            .map(str::to_string)
            .collect();
        let mut expected: Vec<String> = super::command_list::COMMANDS
            .iter()
            .map(|c| c.replace('_', "-"))
            .collect();
        let mut granted_sorted = granted.clone();
        granted_sorted.sort();
        expected.sort();
        assert_eq!(granted_sorted, expected);
    }

    #[test]
    fn csp_forbids_remote_origins() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        let csp = conf["app"]["security"]["csp"].as_object().unwrap();
        for (directive, value) in csp {
            let v = value.as_str().unwrap();
            assert!(
                !v.contains("https:") && !v.contains('*'),
                "{directive}: {v}"
            );
            assert!(!v.contains("unsafe-eval"), "{directive}: {v}");
        }
        assert_eq!(csp["default-src"], "'self'");
    }
}
