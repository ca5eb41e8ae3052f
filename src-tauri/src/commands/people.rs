//! People, households, documents and CCCD scanning. Thin: arguments → `dvc-core` → DTO.
//!
//! Photos arrive as the raw request body (`InvokeBody::Raw`, an `ArrayBuffer`/`Uint8Array` on
//! the JS side), never as JSON arrays of numbers. Document bytes go back raw ([`crate::ipc`]).
//!
//! Mobile: on Android/iOS live scanning would use the official barcode-scanner plugin
//! (`tauri-plugin-barcode-scanner`), added only for mobile targets so the desktop build does not
//! carry it:
//!
//! ```toml
//! [target.'cfg(any(target_os = "android", target_os = "ios"))'.dependencies]
//! tauri-plugin-barcode-scanner = "2"
//! ```
//!
//! registered in `lib.rs` with `#[cfg(mobile)] builder.plugin(tauri_plugin_barcode_scanner::init())`
//! and granted by a mobile-only capability (`"platforms": ["android", "iOS"]`,
//! `"permissions": ["barcode-scanner:allow-scan", "barcode-scanner:allow-cancel",
//! "barcode-scanner:allow-request-permissions", "barcode-scanner:allow-check-permissions"]`).
//! The UI calls `scan({ formats: [Format.QRCode] })` and passes the text to `cccd_parse` below,
//! so the parsing, checks and confirmation screen are the same as for a photo. Everywhere,
//! "take/choose a photo of the card" works through `cccd_scan_image` (Rust decoder).

use dvc_core::cccd::{self, CccdData};
use dvc_core::documents::{Document, DocumentId, DocumentKind, DocumentMeta};
use dvc_core::people::{
    self, FieldError, Household, HouseholdDetail, Person, PersonDetail, PersonInput, Relation,
};
use dvc_core::CoreError;
use serde::Serialize;
use tauri::ipc::InvokeBody;
use tauri::State;

use crate::ipc::{Bytes, RawRequest};
use crate::{blocking, ApiError, AppState};

fn not_image() -> ApiError {
    ApiError::from(CoreError::invalid(
        "body",
        "expected the image as raw bytes",
        "cccd.scan.not_image",
    ))
}

fn raw_body(request: &RawRequest<'_>) -> Result<Vec<u8>, ApiError> {
    match request.body() {
        InvokeBody::Raw(bytes) => Ok(bytes.clone()),
        InvokeBody::Json(_) => Err(not_image()),
    }
}

fn header(request: &RawRequest<'_>, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A scanned card plus the form it fills (the UI shows both for confirmation).
#[derive(Debug, Serialize, specta::Type)]
pub struct ScanResult {
    pub card: CccdData,
    pub form: PersonInput,
    pub warning_keys: Vec<&'static str>,
}

fn scan_result(card: CccdData) -> ScanResult {
    ScanResult {
        form: PersonInput::from_cccd(&card),
        warning_keys: card.warnings.iter().map(|w| w.message_key()).collect(),
        card,
    }
}

#[tauri::command]
#[specta::specta]
pub async fn cccd_parse(payload: String) -> Result<ScanResult, ApiError> {
    blocking(move || Ok(scan_result(cccd::parse(&payload).map_err(CoreError::from)?))).await
}

/// Decodes the QR code in a photo (raw body: the image file's bytes).
#[tauri::command]
#[specta::specta]
pub async fn cccd_scan_image(request: RawRequest<'_>) -> Result<ScanResult, ApiError> {
    let payload = super::qr_in_photo(&request, not_image).await?;
    Ok(scan_result(
        cccd::parse_bytes(&payload).map_err(CoreError::from)?,
    ))
}

#[tauri::command]
#[specta::specta]
pub async fn person_check(input: PersonInput) -> Vec<FieldError> {
    match people::check(&input, dvc_core::validate::today()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    }
}

#[tauri::command]
#[specta::specta]
pub async fn person_list(
    state: State<'_, AppState>,
    query: Option<String>,
) -> Result<Vec<Person>, ApiError> {
    state
        .with_core(move |core| Ok(core.list_people(query.as_deref())?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn person_get(state: State<'_, AppState>, id: String) -> Result<PersonDetail, ApiError> {
    state.with_core(move |core| Ok(core.person(&id)?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn person_add(
    state: State<'_, AppState>,
    input: PersonInput,
) -> Result<Person, ApiError> {
    state
        .with_core(move |core| Ok(core.add_person(&input)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn person_update(
    state: State<'_, AppState>,
    id: String,
    input: PersonInput,
) -> Result<Person, ApiError> {
    state
        .with_core(move |core| Ok(core.update_person(&id, &input)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn person_delete(
    state: State<'_, AppState>,
    id: String,
    confirmed: bool,
) -> Result<people::DeleteReport, ApiError> {
    state
        .with_core(move |core| Ok(core.delete_person(&id, confirmed)?))
        .await
}

/// Stores a document (raw body: the file's bytes; headers `x-person-id`, `x-kind`).
#[tauri::command]
#[specta::specta]
pub async fn document_add(
    state: State<'_, AppState>,
    request: RawRequest<'_>,
) -> Result<Document, ApiError> {
    let bytes = raw_body(&request)?;
    let person_id = header(&request, "x-person-id").unwrap_or_default();
    let kind = DocumentKind::parse(&header(&request, "x-kind").unwrap_or_default())?;
    state
        .with_core(move |core| {
            let id = core.store_document(&person_id, kind, &bytes, &DocumentMeta::default())?;
            Ok(core.document(&id)?)
        })
        .await
}

/// A JPEG thumbnail of an image document, as raw bytes.
#[tauri::command]
#[specta::specta]
pub async fn document_thumbnail(state: State<'_, AppState>, id: String) -> Result<Bytes, ApiError> {
    state
        .with_core(move |core| Ok(Bytes(core.document_thumbnail(&DocumentId(id), 240)?)))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn document_delete(state: State<'_, AppState>, id: String) -> Result<(), ApiError> {
    state
        .with_core(move |core| Ok(core.delete_document(&DocumentId(id))?))
        .await
}

/// Sets a document's issue and expiry dates (`YYYY-MM-DD`, `YYYY-MM` or `YYYY`; null clears).
#[tauri::command]
#[specta::specta]
pub async fn document_set_dates(
    state: State<'_, AppState>,
    id: String,
    issue_date: Option<String>,
    expiry_date: Option<String>,
) -> Result<Document, ApiError> {
    let meta = DocumentMeta {
        issue_date,
        expiry_date,
    };
    state
        .with_core(move |core| Ok(core.set_document_dates(&DocumentId(id), &meta)?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn household_list(state: State<'_, AppState>) -> Result<Vec<Household>, ApiError> {
    state.with_core(|core| Ok(core.list_households()?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn household_get(
    state: State<'_, AppState>,
    id: String,
) -> Result<HouseholdDetail, ApiError> {
    state.with_core(move |core| Ok(core.household(&id)?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn household_add(
    state: State<'_, AppState>,
    name: String,
    address: Option<String>,
) -> Result<Household, ApiError> {
    state
        .with_core(move |core| Ok(core.add_household(&name, address.as_deref())?))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn household_set_member(
    state: State<'_, AppState>,
    household_id: String,
    person_id: String,
    relation: String,
) -> Result<HouseholdDetail, ApiError> {
    let rel = Relation::parse(&relation)?;
    state
        .with_core(move |core| Ok(core.set_household_member(&household_id, &person_id, rel)?))
        .await
}

/// Removes a person from a household (the person stays).
#[tauri::command]
#[specta::specta]
pub async fn household_remove_member(
    state: State<'_, AppState>,
    household_id: String,
    person_id: String,
) -> Result<HouseholdDetail, ApiError> {
    state
        .with_core(move |core| Ok(core.remove_household_member(&household_id, &person_id)?))
        .await
}
