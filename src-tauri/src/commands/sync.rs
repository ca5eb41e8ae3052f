//! Sync commands: account, "Đồng bộ ngay", queue status, retry, the Wi-Fi-only setting, and the
//! triggers (on start, every few minutes while the app runs with backoff while the server is
//! unreachable, and when the webview reports `online` — the UI then calls `sync_now`).
//!
//! One pass at a time: a second `sync_now` while a pass runs returns at once (`started: false`);
//! the UI follows the running pass through the `sync://progress` and `sync://done` events.
//!
//! Status changes pulled from the server are counted as "unread" (the badge on the Đồng bộ tab)
//! until the sync screen is opened (`sync_seen`), and each changed dossier raises one system
//! notification unless the "notify" setting is off (see [`super::notify`]).
//!
//! Wi-Fi only: a desktop cannot tell Wi-Fi from mobile data, so the setting is stored and shown
//! but every connection counts as allowed there (see README, "Sync").

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use dvc_core::sync::db as sync_db;
use dvc_core::sync::{Progress, SyncConfig, SyncError, SyncReport, Tracked};
use dvc_core::Core;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::{ApiError, AppState};

/// Progress of one dossier, as it happens.
pub const PROGRESS_EVENT: &str = "sync://progress";
/// A pass ended (payload [`SyncDone`]).
pub const DONE_EVENT: &str = "sync://done";

const KEY_WIFI_ONLY: &str = "wifi_only";
const KEY_UNREAD: &str = "unread_changes";
const KEY_NOTIFY: &str = "notify";
/// Between automatic passes while the server answers.
const PERIOD: Duration = Duration::from_secs(5 * 60);
/// Longest wait between automatic passes while the server is unreachable.
const MAX_PERIOD: Duration = Duration::from_secs(30 * 60);

/// Set while a pass runs; its guard clears it even if the pass panics.
static RUNNING: dvc_core::running::RunFlag = dvc_core::running::RunFlag::new();
/// Consecutive automatic passes that could not reach the server.
static FAILED_PASSES: AtomicU32 = AtomicU32::new(0);
/// Latest progress per dossier during (and after) the current pass.
static PROGRESS: Mutex<BTreeMap<String, Progress>> = Mutex::new(BTreeMap::new());

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        if !e.is_bad_input() {
            tracing::warn!(code = e.code(), error = %e, "sync command failed");
        }
        Self {
            code: e.code(),
            message_key: e.message_key(),
            detail: e.to_string(),
        }
    }
}

/// The account as the sync screen shows it (no token, no phone number).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SyncAccount {
    pub server: Option<String>,
    pub signed_in: bool,
    pub role: Option<String>,
}

/// A dossier in the queue (or set aside) with its live progress.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct QueueItem {
    #[serde(flatten)]
    pub dossier: Tracked,
    /// The procedure's name from the bundled catalog (Vietnamese, English).
    pub procedure_name: Option<String>,
    pub procedure_name_en: Option<String>,
    pub progress: Option<Progress>,
}

/// A sent dossier with its procedure's name.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SentItem {
    #[serde(flatten)]
    pub dossier: Tracked,
    pub procedure_name: Option<String>,
    pub procedure_name_en: Option<String>,
}

/// The procedure's (Vietnamese, English) name from the bundled catalog.
pub(crate) fn procedure_names(procedure_id: &str) -> (Option<String>, Option<String>) {
    dvc_core::catalog::bundled()
        .ok()
        .and_then(|b| {
            b.procedures
                .iter()
                .find(|p| p.id == procedure_id)
                .map(|p| (Some(p.name.clone()), Some(p.name_en.clone())))
        })
        .unwrap_or((None, None))
}

/// Everything the sync screen shows.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SyncStatusView {
    pub account: SyncAccount,
    pub running: bool,
    pub pending: i64,
    pub done: i64,
    pub quarantined: i64,
    pub last_success_at: Option<String>,
    pub wifi_only: bool,
    /// System notifications for status changes are on.
    pub notify: bool,
    /// Status changes pulled since the sync screen was last opened (the tab's badge).
    pub unread: u32,
    /// Queued and quarantined dossiers, most recently changed first.
    pub queue: Vec<QueueItem>,
    /// Sent dossiers with their code and server state, most recently changed first.
    pub sent: Vec<SentItem>,
}

/// A dossier whose server state changed in a pass (no personal data: id, code, state).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct StatusChange {
    pub dossier_id: String,
    pub code: Option<String>,
    pub state: String,
}

/// Payload of [`DONE_EVENT`].
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SyncDone {
    pub ok: bool,
    /// The message key when the pass could not run (not signed in, app too old…).
    pub error_key: Option<&'static str>,
    pub report: Option<SyncReport>,
    pub changes: Vec<StatusChange>,
}

/// Answer of `sync_now`.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SyncStarted {
    /// `false`: a pass was already running; its events follow.
    pub started: bool,
}

/// The sync settings.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SyncSettings {
    pub wifi_only: bool,
    /// System notifications for status changes (on by default).
    pub notify: bool,
}

/// A change of the sync settings: absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(default)]
pub struct SyncSettingsChange {
    pub wifi_only: Option<bool>,
    pub notify: Option<bool>,
}

fn account(core: &Core) -> Result<SyncAccount, ApiError> {
    let st = core.sync_status()?;
    Ok(SyncAccount {
        role: if st.signed_in {
            sync_db::get(core.store(), sync_db::KEY_ROLE).map_err(ApiError::from)?
        } else {
            None
        },
        server: st.server,
        signed_in: st.signed_in,
    })
}

fn unread(core: &Core) -> u32 {
    sync_db::get(core.store(), KEY_UNREAD)
        .ok()
        .flatten()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn notify_on(core: &Core) -> bool {
    !matches!(
        sync_db::get(core.store(), KEY_NOTIFY)
            .ok()
            .flatten()
            .as_deref(),
        Some("0")
    )
}

fn wifi_only(core: &Core) -> bool {
    matches!(
        sync_db::get(core.store(), KEY_WIFI_ONLY)
            .ok()
            .flatten()
            .as_deref(),
        Some("1")
    )
}

#[tauri::command]
#[specta::specta]
pub async fn sync_account(state: State<'_, AppState>) -> Result<SyncAccount, ApiError> {
    state.with_core(account).await
}

#[tauri::command]
#[specta::specta]
pub async fn sync_login(
    app: AppHandle,
    state: State<'_, AppState>,
    server: String,
    phone: String,
    password: String,
) -> Result<SyncAccount, ApiError> {
    let core = state.core()?;
    let signed = core
        .sync_login(&server, &phone, &password, Some("DVC Đồng Hành"))
        .await?;
    tracing::info!(role = %signed.role, "signed in to the sync server");
    let acc = state.with_core(account).await?;
    // Anything waiting goes now.
    spawn_pass(app);
    Ok(acc)
}

#[tauri::command]
#[specta::specta]
pub async fn sync_logout(state: State<'_, AppState>) -> Result<SyncAccount, ApiError> {
    let core = state.core()?;
    // Out of use at once; revoked on the server now, or at the next connection when offline.
    let revoke = core
        .sync_logout(dvc_core::sync::Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(20),
        })
        .await?;
    tracing::info!(?revoke, "signed out of the sync server");
    state.with_core(account).await
}

#[tauri::command]
#[specta::specta]
pub async fn sync_now(app: AppHandle) -> Result<SyncStarted, ApiError> {
    Ok(SyncStarted {
        started: spawn_pass(app),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatusView, ApiError> {
    state.with_core(status_view).await
}

fn status_view(core: &Core) -> Result<SyncStatusView, ApiError> {
    let st = core.sync_status()?;
    let progress = PROGRESS.lock().map(|p| p.clone()).unwrap_or_default();
    let mut queue = Vec::new();
    let mut sent = Vec::new();
    for d in core.tracked_dossiers()? {
        match d.state.as_str() {
            "draft" => {}
            "queued" | "quarantined" => {
                let (procedure_name, procedure_name_en) = procedure_names(&d.procedure_id);
                queue.push(QueueItem {
                    progress: progress.get(&d.id).cloned(),
                    procedure_name,
                    procedure_name_en,
                    dossier: d,
                });
            }
            _ => {
                let (procedure_name, procedure_name_en) = procedure_names(&d.procedure_id);
                sent.push(SentItem {
                    procedure_name,
                    procedure_name_en,
                    dossier: d,
                });
            }
        }
    }
    Ok(SyncStatusView {
        account: account(core)?,
        running: RUNNING.is_running(),
        pending: st.pending,
        done: st.done,
        quarantined: st.quarantined,
        last_success_at: st.last_success_at,
        wifi_only: wifi_only(core),
        notify: notify_on(core),
        unread: unread(core),
        queue,
        sent,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn sync_retry(
    app: AppHandle,
    state: State<'_, AppState>,
    dossier_id: String,
) -> Result<bool, ApiError> {
    let requeued = state
        .with_core(move |core| Ok(core.sync_retry(&dossier_id)?))
        .await?;
    if requeued {
        spawn_pass(app);
    }
    Ok(requeued)
}

/// Reads the settings, or changes them when `settings` is given.
#[tauri::command]
#[specta::specta]
pub async fn sync_settings(
    state: State<'_, AppState>,
    settings: Option<SyncSettingsChange>,
) -> Result<SyncSettings, ApiError> {
    let s = settings.unwrap_or_default();
    state
        .with_core(move |core| {
            for (key, v) in [(KEY_WIFI_ONLY, s.wifi_only), (KEY_NOTIFY, s.notify)] {
                if let Some(v) = v {
                    sync_db::set(core.store(), key, if v { "1" } else { "0" })
                        .map_err(ApiError::from)?;
                }
            }
            Ok(SyncSettings {
                wifi_only: wifi_only(core),
                notify: notify_on(core),
            })
        })
        .await
}

/// The system notifications raised since the app started (titles only, no personal data), oldest
/// first. Read-only; lets a test see that a status change was notified.
#[tauri::command]
#[specta::specta]
pub async fn sync_notifications() -> Vec<super::notify::Raised> {
    super::notify::raised()
}

/// One dossier with its timeline (the `/sync/dossiers/<id>` screen).
#[tauri::command]
#[specta::specta]
pub async fn sync_dossier(
    state: State<'_, AppState>,
    dossier_id: String,
) -> Result<Tracked, ApiError> {
    state
        .with_core(move |core| Ok(core.tracked_dossier(&dossier_id)?))
        .await
}

/// The sync screen was opened: the badge goes back to zero.
#[tauri::command]
#[specta::specta]
pub async fn sync_seen(state: State<'_, AppState>) -> Result<u32, ApiError> {
    state
        .with_core(|core| {
            sync_db::set(core.store(), KEY_UNREAD, "0").map_err(ApiError::from)?;
            Ok(0)
        })
        .await
}

/// Starts a pass in the background unless one runs. `true` if this call started it.
pub fn spawn_pass(app: AppHandle) -> bool {
    let Some(running) = RUNNING.try_start() else {
        return false;
    };
    tauri::async_runtime::spawn(async move {
        let done = run_pass(&app).await;
        drop(running);
        if let Err(e) = app.emit(DONE_EVENT, &done) {
            tracing::warn!(error = %e, "cannot emit sync done");
        }
    });
    true
}

fn snapshot(core: &Core) -> BTreeMap<String, String> {
    core.tracked_dossiers()
        .map(|l| l.into_iter().map(|d| (d.id, d.state)).collect())
        .unwrap_or_default()
}

async fn run_pass(app: &AppHandle) -> SyncDone {
    let state = app.state::<AppState>();
    let core = match state.core() {
        Ok(c) => c,
        Err(e) => {
            return SyncDone {
                ok: false,
                error_key: Some(e.message_key),
                report: None,
                changes: vec![],
            }
        }
    };
    let (signed_in, expired) = core
        .sync_status()
        .map(|s| (s.signed_in, s.session_expired))
        .unwrap_or((false, false));
    if !signed_in {
        return SyncDone {
            ok: false,
            error_key: Some(if expired {
                "sync.error.session_expired"
            } else {
                "sync.error.not_signed_in"
            }),
            report: None,
            changes: vec![],
        };
    }
    if let Ok(mut p) = PROGRESS.lock() {
        p.clear();
    }
    let core = &*core;
    let before = snapshot(core);
    let emitter = app.clone();
    let on_progress = move |p: &Progress| {
        if let Ok(mut m) = PROGRESS.lock() {
            m.insert(p.dossier_id.clone(), p.clone());
        }
        if let Err(e) = emitter.emit(PROGRESS_EVENT, p) {
            tracing::debug!(error = %e, "cannot emit sync progress");
        }
    };
    let result = core
        .sync_once(
            &SyncConfig {
                catalog_updates: true,
                ..SyncConfig::default()
            },
            &on_progress,
        )
        .await;
    let changes = status_changes(core, &before);
    if !changes.is_empty() {
        let n = unread(core).saturating_add(u32::try_from(changes.len()).unwrap_or(u32::MAX));
        if let Err(e) = sync_db::set(core.store(), KEY_UNREAD, &n.to_string()) {
            tracing::warn!(error = %e, "cannot store the unread count");
        }
        if notify_on(core) {
            let (handle, list) = (app.clone(), changes.clone());
            // Showing may block on D-Bus (Linux): off the async workers; a failure is logged.
            if let Err(e) =
                tauri::async_runtime::spawn_blocking(move || super::notify::raise(&handle, &list))
                    .await
            {
                tracing::warn!(error = %e, "the notification task failed");
            }
        }
    }
    match result {
        Ok(report) => {
            if report.errors.is_empty() {
                FAILED_PASSES.store(0, Ordering::SeqCst);
            } else {
                FAILED_PASSES.fetch_add(1, Ordering::SeqCst);
            }
            SyncDone {
                ok: true,
                error_key: None,
                report: Some(report),
                changes,
            }
        }
        Err(e) => {
            tracing::warn!(code = e.code(), "sync pass stopped");
            FAILED_PASSES.fetch_add(1, Ordering::SeqCst);
            SyncDone {
                ok: false,
                error_key: Some(e.message_key()),
                report: None,
                changes,
            }
        }
    }
}

/// Dossiers whose server state is new since `before` (sent or changed by an officer).
fn status_changes(core: &Core, before: &BTreeMap<String, String>) -> Vec<StatusChange> {
    let Ok(after) = core.tracked_dossiers() else {
        return vec![];
    };
    after
        .into_iter()
        .filter(|d| d.code.is_some())
        .filter(|d| before.get(&d.id) != Some(&d.state))
        .map(|d| StatusChange {
            dossier_id: d.id,
            code: d.code,
            state: d.state,
        })
        .collect()
}

/// The wait before the next automatic pass: [`PERIOD`], doubled per unreachable pass up to
/// [`MAX_PERIOD`].
pub fn next_wait(failed_passes: u32) -> Duration {
    let factor = 1u32 << failed_passes.min(3);
    (PERIOD * factor).min(MAX_PERIOD)
}

/// The automatic triggers: a pass on start, then periodically while the app runs.
pub fn start_background(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            spawn_pass(app.clone());
            tokio::time::sleep(next_wait(FAILED_PASSES.load(Ordering::SeqCst))).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_backs_off_while_unreachable() {
        assert_eq!(next_wait(0), PERIOD);
        assert_eq!(next_wait(1), PERIOD * 2);
        assert_eq!(next_wait(2), PERIOD * 4);
        assert_eq!(next_wait(9), MAX_PERIOD);
    }
}
