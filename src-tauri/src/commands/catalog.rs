//! Catalog commands: search, one procedure, guides.

use dvc_core::catalog::{
    self, FieldFilter, GuideSummary, GuideView, ProcedureView, SearchHit, SearchParams,
};
use tauri::State;

use crate::{ApiError, AppState};

#[tauri::command]
pub fn catalog_search(
    state: State<'_, AppState>,
    query: String,
    limit: Option<usize>,
    field: Option<String>,
    level: Option<String>,
    service_level: Option<String>,
) -> Result<Vec<SearchHit>, ApiError> {
    Ok(state.core()?.catalog_search(&SearchParams {
        query,
        limit,
        field,
        level,
        service_level,
    })?)
}

#[tauri::command]
pub fn catalog_show(state: State<'_, AppState>, id: String) -> Result<ProcedureView, ApiError> {
    Ok(state.core()?.catalog_show(&id)?)
}

#[tauri::command]
pub fn guides_list() -> Result<Vec<GuideSummary>, ApiError> {
    Ok(catalog::guides_list()?)
}

#[tauri::command]
pub fn guide_show(id: String) -> Result<GuideView, ApiError> {
    Ok(catalog::guide_show(&id)?)
}

/// Fields (lĩnh vực) for the search screen's filter chips, most used first.
#[tauri::command]
pub fn catalog_fields(state: State<'_, AppState>) -> Result<Vec<FieldFilter>, ApiError> {
    Ok(state.core()?.catalog_field_filters()?)
}
