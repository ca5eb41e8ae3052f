//! System notifications for dossier status changes pulled by a sync pass
//! (`tauri-plugin-notification`).
//!
//! One notification per changed dossier and pass: title "Hồ sơ <code>: <trạng thái>", a fixed body,
//! no personal data (no name, no ID number, no officer note). The setting "notify" (on by
//! default, switch on the sync screen) turns them off; the unread badge stays either way.
//!
//! Permission: desktop needs none. On Android 13+ (`POST_NOTIFICATIONS`, declared by the plugin's
//! Android library) the first notification asks the system for permission; a refusal is
//! remembered by the OS, logged here, and the badge remains the signal.
//!
//! A failure to show (no notification daemon under Xvfb, no session bus, permission refused) is
//! logged and never breaks the pass. Every attempt — dispatched or not — is kept in a small in-memory
//! list (the last [`KEEP`] titles with their outcome) that the read-only `sync_notifications`
//! command returns: the sync screen does not use it; the real-app E2E checks it to prove that a
//! notification was raised without faking the feature.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;
use tauri::plugin::PermissionState;
use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

use super::sync::StatusChange;

/// How many raised notifications are remembered.
pub const KEEP: usize = 20;

static RAISED: Mutex<VecDeque<Raised>> = Mutex::new(VecDeque::new());

/// One notification the app raised (or tried to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Raised {
    pub dossier_id: String,
    pub title: String,
    /// `true` when it was handed to the system (on Linux the plugin delivers it over D-Bus in
    /// the background and logs a failure there); `false` when not permitted or refused at once.
    pub dispatched: bool,
}

/// The Vietnamese name of a dossier state (the same words as the UI's `sync.state.*`).
pub fn state_label(state: &str) -> &'static str {
    match state {
        "draft" => "Bản nháp",
        "queued" => "Đang chờ gửi",
        "quarantined" => "Cần xem lại",
        "submitted" => "Đã nộp",
        "received" => "Đã được tiếp nhận",
        "accepted" => "Đã được chấp nhận",
        "supplement_requested" => "Cần bổ sung giấy tờ",
        "fee_requested" => "Cần nộp phí",
        "paid" => "Đã nộp phí",
        "result_ready" => "Đã có kết quả",
        "completed" => "Đã hoàn thành",
        "rejected" => "Bị từ chối",
        "cancelled" => "Đã hủy",
        _ => "Đã cập nhật",
    }
}

/// "Hồ sơ <code>: <trạng thái>"; `None` for a dossier without a code (not sent yet).
pub fn title(change: &StatusChange) -> Option<String> {
    let code = change.code.as_deref().filter(|c| !c.is_empty())?;
    Some(format!("Hồ sơ {code}: {}", state_label(&change.state)))
}

const BODY: &str = "Mở DVC Đồng Hành để xem chi tiết.";

fn remember(r: Raised) {
    if let Ok(mut l) = RAISED.lock() {
        l.push_back(r);
        while l.len() > KEEP {
            l.pop_front();
        }
    }
}

/// The notifications raised since the app started, oldest first.
pub fn raised() -> Vec<Raised> {
    RAISED
        .lock()
        .map(|l| l.iter().cloned().collect())
        .unwrap_or_default()
}

/// Asks for the permission where the OS wants it (Android 13+); `true` if notifications may show.
fn permitted(app: &AppHandle) -> bool {
    let n = app.notification();
    match n.permission_state() {
        Ok(PermissionState::Granted) => true,
        Ok(PermissionState::Denied) => false,
        Ok(_) => match n.request_permission() {
            Ok(PermissionState::Granted) => true,
            Ok(other) => {
                tracing::info!(state = ?other, "notification permission not granted");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot ask for the notification permission");
                false
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the notification permission");
            false
        }
    }
}

/// Raises one notification per changed dossier. Blocking (D-Bus on Linux): call it off the async
/// runtime's worker threads.
pub fn raise(app: &AppHandle, changes: &[StatusChange]) {
    let titles: Vec<(String, String)> = changes
        .iter()
        .filter_map(|c| title(c).map(|t| (c.dossier_id.clone(), t)))
        .collect();
    if titles.is_empty() {
        return;
    }
    let allowed = permitted(app);
    for (dossier_id, title) in titles {
        let dispatched = allowed
            && match app.notification().builder().title(&title).body(BODY).show() {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(dossier = %dossier_id, error = %e, "cannot show a notification");
                    false
                }
            };
        if dispatched {
            tracing::info!(dossier = %dossier_id, "notification raised");
        }
        remember(Raised {
            dossier_id,
            title,
            dispatched,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(code: Option<&str>, state: &str) -> StatusChange {
        StatusChange {
            dossier_id: "d1".into(),
            code: code.map(str::to_string),
            state: state.into(),
        }
    }

    #[test]
    fn titles_name_the_code_and_the_state_in_vietnamese() {
        assert_eq!(
            title(&change(
                Some("000.00.00.H00-261123-0001"),
                "supplement_requested"
            ))
            .as_deref(),
            Some("Hồ sơ 000.00.00.H00-261123-0001: Cần bổ sung giấy tờ")
        );
        assert_eq!(
            title(&change(Some("X-1"), "something_new")).as_deref(),
            Some("Hồ sơ X-1: Đã cập nhật")
        );
        assert_eq!(title(&change(None, "accepted")), None);
        assert_eq!(title(&change(Some(""), "accepted")), None);
    }

    #[test]
    fn every_shown_state_has_a_label() {
        for s in [
            "submitted",
            "received",
            "accepted",
            "supplement_requested",
            "fee_requested",
            "paid",
            "result_ready",
            "completed",
            "rejected",
            "cancelled",
        ] {
            assert_ne!(state_label(s), state_label("unknown"), "{s}");
        }
    }

    #[test]
    fn only_the_last_few_are_kept() {
        for i in 0..(KEEP + 5) {
            remember(Raised {
                dossier_id: format!("d{i}"),
                title: format!("t{i}"),
                dispatched: false,
            });
        }
        let l = raised();
        assert_eq!(l.len(), KEEP);
        assert_eq!(l.last().map(|r| r.title.as_str()), Some("t24"));
    }
}
