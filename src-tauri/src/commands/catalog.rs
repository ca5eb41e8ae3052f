//! Catalog commands: search, one procedure, guides. The first search builds the search index, and
//! guides are parsed from the bundled files: all of it runs on the blocking pool.

use dvc_core::catalog::{
    self, FieldFilter, GuideSummary, GuideView, ProcedureView, SearchHit, SearchParams,
};
use tauri::State;

use crate::{blocking, ApiError, AppState};

#[tauri::command]
#[specta::specta]
pub async fn catalog_search(
    state: State<'_, AppState>,
    query: String,
    limit: Option<usize>,
    field: Option<String>,
    level: Option<String>,
    service_level: Option<String>,
) -> Result<Vec<SearchHit>, ApiError> {
    let params = SearchParams {
        query,
        limit,
        field,
        level,
        service_level,
    };
    state
        .with_core(move |core| Ok(core.catalog_search(&params)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn catalog_show(
    state: State<'_, AppState>,
    id: String,
) -> Result<ProcedureView, ApiError> {
    state
        .with_core(move |core| Ok(core.catalog_show(&id)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn guides_list() -> Result<Vec<GuideSummary>, ApiError> {
    blocking(|| Ok(catalog::guides_list()?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn guide_show(id: String) -> Result<GuideView, ApiError> {
    blocking(move || Ok(catalog::guide_show(&id)?)).await
}

/// Fields (lĩnh vực) for the search screen's filter chips, most used first.
#[tauri::command]
#[specta::specta]
pub async fn catalog_fields(state: State<'_, AppState>) -> Result<Vec<FieldFilter>, ApiError> {
    state
        .with_core(|core| Ok(core.catalog_field_filters()?))
        .await
}
