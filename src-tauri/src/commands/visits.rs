//! A volunteer's field work: the week's or month's report (counts only; `dvc_core::visits`).

use dvc_core::visits::Report;
use tauri::State;

use crate::{ApiError, AppState};

/// "Báo cáo công việc": `period` is `week` (from Monday) or `month` (from the 1st), in Vietnam's
/// time.
#[tauri::command]
#[specta::specta]
pub async fn report_get(state: State<'_, AppState>, period: String) -> Result<Report, ApiError> {
    state
        .with_core(move |core| Ok(core.report(dvc_core::visits::parse_period(&period)?)?))
        .await
}
