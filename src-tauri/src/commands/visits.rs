//! A volunteer's field work (`dvc_core::visits`): visits to households with the six tasks, ticked
//! as they are tapped (each tap one command, all on the phone, offline), the households to go back
//! to, and the week's or month's report (counts only), also as a CSV file.
//!
//! `report_export_csv` writes the CSV into the app's own data folder (`reports/`), as a new file
//! only, like the receipt picture (`commands/after.rs`, [`dvc_core::export::write_new_file`]).

use std::path::Path;

use dvc_core::sync::team::{TeamReport, TeamScope, Teams};
use dvc_core::visits::{self, FollowUp, Report, Visit};
use tauri::{AppHandle, Manager, State};

use crate::{ApiError, AppState};

/// "Bắt đầu thăm hộ": a new visit to the household, or the one already open there ("Tiếp tục
/// thăm hộ").
#[tauri::command]
#[specta::specta]
pub async fn visit_start(
    state: State<'_, AppState>,
    household_id: String,
    commune: Option<String>,
) -> Result<Visit, ApiError> {
    state
        .with_core(move |core| Ok(core.visit_start(&household_id, commune.as_deref())?))
        .await
}

/// One visit with its ticked tasks.
#[tauri::command]
#[specta::specta]
pub async fn visit_get(state: State<'_, AppState>, id: String) -> Result<Visit, ApiError> {
    state.with_core(move |core| Ok(core.visit(&id)?)).await
}

/// Ticks one of the six tasks (`public_services`, `vneid`, `accounts`, `cashless`, `ecommerce`,
/// `online_safety`) for a person of the household, or for the household when `person_id` is
/// null, with a short outcome (ticking again replaces it); `undo` removes the tick.
#[tauri::command]
#[specta::specta]
pub async fn visit_task(
    state: State<'_, AppState>,
    visit_id: String,
    task: String,
    person_id: Option<String>,
    outcome: Option<String>,
    undo: bool,
) -> Result<Visit, ApiError> {
    state
        .with_core(move |core| {
            Ok(core.visit_task(
                &visit_id,
                visits::parse_task(&task)?,
                person_id.as_deref(),
                outcome.as_deref(),
                undo,
            )?)
        })
        .await
}

/// The notes and follow-up date of an open visit, saved as they are typed.
#[tauri::command]
#[specta::specta]
pub async fn visit_note(
    state: State<'_, AppState>,
    visit_id: String,
    notes: Option<String>,
    follow_up_on: Option<String>,
) -> Result<Visit, ApiError> {
    state
        .with_core(move |core| {
            Ok(core.visit_note(&visit_id, notes.as_deref(), follow_up_on.as_deref())?)
        })
        .await
}

/// "Kết thúc thăm hộ", with notes and a follow-up date (`YYYY-MM-DD`, not in the past).
#[tauri::command]
#[specta::specta]
pub async fn visit_end(
    state: State<'_, AppState>,
    visit_id: String,
    notes: Option<String>,
    follow_up_on: Option<String>,
) -> Result<Visit, ApiError> {
    state
        .with_core(move |core| {
            Ok(core.visit_end(&visit_id, notes.as_deref(), follow_up_on.as_deref())?)
        })
        .await
}

/// Visits, newest first: a household's, or all when `household_id` is null.
#[tauri::command]
#[specta::specta]
pub async fn visit_list(
    state: State<'_, AppState>,
    household_id: Option<String>,
) -> Result<Vec<Visit>, ApiError> {
    state
        .with_core(move |core| Ok(core.visit_list(household_id.as_deref())?))
        .await
}

/// "Cần quay lại": households whose follow-up date has come (today in Vietnam), newest first.
#[tauri::command]
#[specta::specta]
pub async fn follow_ups_due(state: State<'_, AppState>) -> Result<Vec<FollowUp>, ApiError> {
    state
        .with_core(|core| Ok(core.follow_ups_due(visits::today())?))
        .await
}

/// "Báo cáo công việc": `period` is `week` (from Monday) or `month` (from the 1st), in Vietnam's
/// time.
#[tauri::command]
#[specta::specta]
pub async fn report_get(state: State<'_, AppState>, period: String) -> Result<Report, ApiError> {
    state
        .with_core(move |core| Ok(core.report(visits::parse_period(&period)?)?))
        .await
}

fn write_csv(dir: &Path, report: &Report) -> Result<String, ApiError> {
    write_csv_named(dir, &report.file_name(), &report.to_csv())
}

fn write_csv_named(dir: &Path, name: &str, csv: &str) -> Result<String, ApiError> {
    let path = dvc_core::export::write_new_file(dir, name, csv.as_bytes()).map_err(|e| {
        tracing::warn!(error = %e, "cannot save the report");
        ApiError {
            code: "io",
            message_key: "visits.export_failed",
            detail: e.to_string(),
        }
    })?;
    Ok(path.display().to_string())
}

/// "Xuất CSV": writes the period's report as CSV (`metric,key,value`, counts only) into the app's
/// `reports/` folder as a new file; answers the file's path.
#[tauri::command]
#[specta::specta]
pub async fn report_export_csv(
    app: AppHandle,
    state: State<'_, AppState>,
    period: String,
) -> Result<String, ApiError> {
    let dir = reports_dir(&app)?;
    state
        .with_core(move |core| {
            let report = core.report(visits::parse_period(&period)?)?;
            let path = write_csv(&dir, &report)?;
            tracing::info!(period = %period, "report saved as CSV");
            Ok(path)
        })
        .await
}

fn reports_dir(app: &AppHandle) -> Result<std::path::PathBuf, ApiError> {
    app.path()
        .app_data_dir()
        .map(|d| d.join("reports"))
        .map_err(|e| ApiError::internal(format!("no folder to save in: {e}")))
}

/// Which team report: a campaign (`campaign_id`) or a team's week or month (`team_id`,
/// `period`, `back` periods before the current one).
fn team_scope(
    team_id: Option<String>,
    campaign_id: Option<String>,
    period: &str,
    back: u32,
) -> Result<TeamScope, ApiError> {
    Ok(match (team_id, campaign_id) {
        (_, Some(id)) => TeamScope::Campaign { id },
        (Some(id), None) => TeamScope::Team {
            id,
            period: visits::parse_period(period)?,
            back,
        },
        (None, None) => {
            return Err(ApiError::from(dvc_core::error::CoreError::invalid(
                "team",
                "no team or campaign chosen",
                "team.error.id",
            )))
        }
    })
}

/// "Báo cáo của tổ": the teams this account is in (or leads) and their campaigns, from the
/// server — or, with no connection, as they were last fetched (`stale`).
#[tauri::command]
#[specta::specta]
pub async fn team_list(state: State<'_, AppState>) -> Result<Teams, ApiError> {
    let core = crate::commands::account::check_unlocked(&state)?;
    Ok(core.team_list().await?)
}

/// A team's week or month, or a campaign, as the server adds it up (counts only; the leader
/// only) — or the one kept from the last time it was asked, when offline (`stale`).
#[tauri::command]
#[specta::specta]
pub async fn team_report(
    state: State<'_, AppState>,
    team_id: Option<String>,
    campaign_id: Option<String>,
    period: String,
    back: u32,
) -> Result<TeamReport, ApiError> {
    let core = crate::commands::account::check_unlocked(&state)?;
    let scope = team_scope(team_id, campaign_id, &period, back)?;
    Ok(core.team_report(&scope).await?)
}

/// "Xuất CSV" of a team report: the same question asked again (kept answer when offline),
/// written into `reports/` as a new file; answers the file's path.
#[tauri::command]
#[specta::specta]
pub async fn team_report_export_csv(
    app: AppHandle,
    state: State<'_, AppState>,
    team_id: Option<String>,
    campaign_id: Option<String>,
    period: String,
    back: u32,
) -> Result<String, ApiError> {
    let dir = reports_dir(&app)?;
    let core = crate::commands::account::check_unlocked(&state)?;
    let scope = team_scope(team_id, campaign_id, &period, back)?;
    let r = core.team_report(&scope).await?;
    let path = write_csv_named(&dir, &r.file_name(), &r.report.to_csv())?;
    tracing::info!(stale = r.stale, "team report saved as CSV");
    Ok(path)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn the_csv_goes_to_a_new_file_named_for_the_period() {
        let report = Report {
            period: visits::Period::Week,
            from: "2026-11-29T17:00:00Z".into(),
            to: "2026-12-06T10:00:00Z".into(),
            visits: 2,
            households_visited: 2,
            people_helped: 3,
            tasks: BTreeMap::from([("vneid".to_string(), 2)]),
            accounts_created: 0,
            dossiers_filed: 0,
            dossiers_by_procedure: BTreeMap::new(),
            dossiers_by_state: BTreeMap::new(),
            follow_ups_open: 1,
        };
        let dir = std::env::temp_dir().join(format!("dvc-report-test-{}", std::process::id()));
        let first = write_csv(&dir.join("reports"), &report).unwrap();
        assert!(first.ends_with("bao-cao-tuan-2026-11-30.csv"), "{first}");
        let text = std::fs::read_to_string(&first).unwrap();
        assert!(text.starts_with("metric,key,value\nvisits,,2\n"), "{text}");
        assert!(text.contains("task,vneid,2\n"), "{text}");
        let second = write_csv(&dir.join("reports"), &report).unwrap();
        assert_ne!(first, second, "never over the first");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
