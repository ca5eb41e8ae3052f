//! Draft dossiers: the e-form of a procedure, field changes (autosaved by the UI in small
//! batches), photos through the pipeline into the encrypted document store, the completeness
//! check and submit. Thin: arguments → `dvc-core` → DTO.
//!
//! `draft_attach_photo` takes the original image as the raw request body with the dossier, the
//! component and the crop the user chose in headers (the pipeline is deterministic, so what is
//! stored is the preview the user accepted).

use std::collections::BTreeMap;

use dvc_core::catalog::lists::{ListChoice, OptionList};
use dvc_core::dossier::check::Problem;
use dvc_core::dossier::form::FormDef;
use dvc_core::dossier::{AttachedPhoto, Dossier, DossierOverview, Queued, RemovedField};
use dvc_core::photo::Crop;
use dvc_core::{Core, CoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tauri::ipc::InvokeBody;
use tauri::State;

use crate::ipc::RawRequest;
use crate::{ApiError, AppState};

/// One choice of an `options_from: "provinces"` field.
#[derive(Debug, Serialize, specta::Type)]
pub struct ProvinceOption {
    pub code: String,
    pub name: String,
    pub name_en: String,
}

/// A form with the lists its fields draw options from.
#[derive(Debug, Serialize, specta::Type)]
pub struct FormView {
    pub form: FormDef,
    pub provinces: Vec<ProvinceOption>,
    /// The other data lists the form's fields use (`ethnicities`, `nationalities`, `communes`),
    /// by name; a list no field uses is not sent.
    pub lists: BTreeMap<String, Vec<ListChoice>>,
}

/// What the form screens need to show one dossier.
#[derive(Debug, Serialize, specta::Type)]
pub struct DraftView {
    pub dossier: Dossier,
    pub form: FormDef,
    pub provinces: Vec<ProvinceOption>,
    /// As [`FormView::lists`].
    pub lists: BTreeMap<String, Vec<ListChoice>>,
    /// What to fix before sending (notices excluded).
    pub problems: Vec<Problem>,
    /// Fields a catalog update removed from the form (their values were dropped): said once on
    /// the check list, never a reason not to send.
    pub removed_fields: Vec<RemovedField>,
    pub applicant_name: Option<String>,
    pub procedure_name: Option<String>,
}

/// The check list without its notices (fields a catalog update removed: shown apart).
fn to_fix(core: &Core, id: &str) -> Result<Vec<Problem>, ApiError> {
    Ok(core
        .draft_check(id)?
        .into_iter()
        .filter(|p| !p.is_notice())
        .collect())
}

#[derive(Debug, Serialize, specta::Type)]
pub struct CheckResult {
    pub complete: bool,
    pub problems: Vec<Problem>,
    pub revision: i64,
}

/// One field change from the UI (`value: null` clears the field).
#[derive(Debug, Deserialize, specta::Type)]
pub struct FieldChange {
    pub field: String,
    pub value: Value,
}

/// The provinces of the bundled list, in its (official) order.
fn provinces() -> Vec<ProvinceOption> {
    match dvc_core::catalog::bundled() {
        Ok(b) => b
            .refs
            .provinces
            .iter()
            .flat_map(|set| set.provinces.iter())
            .map(|p| ProvinceOption {
                code: p.code.clone(),
                name: p.name.clone(),
                name_en: p.name_en.clone(),
            })
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "bundled catalog unreadable: no provinces");
            Vec::new()
        }
    }
}

/// The data lists `form` draws choices from (besides the provinces).
fn lists_of(form: &FormDef) -> BTreeMap<String, Vec<ListChoice>> {
    let all = match dvc_core::catalog::lists::lists() {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "bundled option lists unreadable");
            return BTreeMap::new();
        }
    };
    form.option_lists()
        .into_iter()
        .filter_map(OptionList::parse)
        .filter(|l| *l != OptionList::Provinces)
        .map(|l| (l.as_str().to_string(), all.choices(l)))
        .collect()
}

fn procedure_name(procedure_id: &str) -> Option<String> {
    dvc_core::catalog::bundled().ok().and_then(|b| {
        b.procedures
            .iter()
            .find(|p| p.id == procedure_id)
            .map(|p| p.name.clone())
    })
}

fn view(core: &Core, id: &str) -> Result<DraftView, ApiError> {
    let dossier = core.draft_show(id)?;
    let form = core.dossier_form(id)?;
    let problems = to_fix(core, id)?;
    let removed_fields = core.draft_removed_fields(id)?;
    let applicant_name = match dossier.applicant_id.as_deref() {
        Some(p) => Some(core.person(p)?.person.full_name),
        None => None,
    };
    Ok(DraftView {
        procedure_name: procedure_name(&dossier.procedure_id),
        dossier,
        lists: lists_of(&form),
        form,
        provinces: provinces(),
        problems,
        removed_fields,
        applicant_name,
    })
}

fn header(request: &RawRequest<'_>, name: &str) -> Result<String, ApiError> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::from(CoreError::invalid(
                name,
                format!("header {name} missing"),
                "errors.internal",
            ))
        })
}

/// The e-form of a procedure (id or national code): its hand-written form or the one generated
/// from its catalog entry, as `online_form` says (not found for an unknown procedure).
#[tauri::command]
#[specta::specta]
pub async fn dossier_form(
    state: State<'_, AppState>,
    procedure: String,
) -> Result<FormView, ApiError> {
    state
        .with_core(move |core| {
            let id = core.resolve_procedure(&procedure)?;
            let form = core.procedure_form(&id)?;
            Ok(FormView {
                lists: lists_of(&form),
                form,
                provinces: provinces(),
            })
        })
        .await
}

/// Starts a draft, prefilled from the applicant's profile and stored papers.
#[tauri::command]
#[specta::specta]
pub async fn draft_new(
    state: State<'_, AppState>,
    procedure: String,
    person: Option<String>,
) -> Result<Dossier, ApiError> {
    state
        .with_core(move |core| Ok(core.draft_new(&procedure, person.as_deref())?))
        .await
}

/// Saves a batch of field changes in one transaction; returns the new revision.
#[tauri::command]
#[specta::specta]
pub async fn draft_set(
    state: State<'_, AppState>,
    id: String,
    changes: Vec<FieldChange>,
) -> Result<i64, ApiError> {
    let changes: Vec<(String, Value)> = changes.into_iter().map(|c| (c.field, c.value)).collect();
    state
        .with_core(move |core| Ok(core.draft_set(&id, &changes)?))
        .await
}

/// Runs the photo pipeline on the raw body (headers `x-dossier-id`, `x-component`, optional
/// `x-photo-crop`) and attaches the result.
#[tauri::command]
#[specta::specta]
pub async fn draft_attach_photo(
    state: State<'_, AppState>,
    request: RawRequest<'_>,
) -> Result<AttachedPhoto, ApiError> {
    let id = header(&request, "x-dossier-id")?;
    let component = header(&request, "x-component")?;
    let crop = header(&request, "x-photo-crop")
        .ok()
        .map(|c| c.parse::<Crop>())
        .transpose()
        .map_err(|e| ApiError::from(CoreError::from(e)))?;
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::from(CoreError::from(
            dvc_core::photo::PhotoError::Empty,
        )));
    };
    let bytes = bytes.clone();
    state
        .with_core(move |core| Ok(core.draft_attach_photo_cropped(&id, &component, &bytes, crop)?))
        .await
}

/// Attaches a paper already stored for the applicant.
#[tauri::command]
#[specta::specta]
pub async fn draft_attach_document(
    state: State<'_, AppState>,
    id: String,
    component: String,
    document_id: String,
) -> Result<i64, ApiError> {
    state
        .with_core(move |core| Ok(core.draft_attach_document(&id, &component, &document_id)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn draft_detach(
    state: State<'_, AppState>,
    id: String,
    component: String,
    position: u32,
) -> Result<i64, ApiError> {
    state
        .with_core(move |core| Ok(core.draft_detach(&id, &component, position)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn draft_check(state: State<'_, AppState>, id: String) -> Result<CheckResult, ApiError> {
    state
        .with_core(move |core| {
            let problems = to_fix(core, &id)?;
            Ok(CheckResult {
                complete: problems.is_empty(),
                problems,
                revision: core.draft_show(&id)?.revision,
            })
        })
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn draft_submit(state: State<'_, AppState>, id: String) -> Result<Queued, ApiError> {
    state
        .with_core(move |core| Ok(core.draft_submit(&id)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn draft_list(state: State<'_, AppState>) -> Result<Vec<DossierOverview>, ApiError> {
    state.with_core(|core| Ok(core.draft_overview()?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn draft_show(state: State<'_, AppState>, id: String) -> Result<DraftView, ApiError> {
    state.with_core(move |core| view(core, &id)).await
}

#[tauri::command]
#[specta::specta]
pub async fn draft_delete(state: State<'_, AppState>, id: String) -> Result<(), ApiError> {
    state
        .with_core(move |core| Ok(core.draft_delete(&id)?))
        .await
}
