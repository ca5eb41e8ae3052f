//! Photo commands: `photo_prepare` takes the raw image bytes as the request body (not a JSON
//! number array) with the kind and optional crop in headers, and returns the checks; the
//! processed JPEG is then fetched as raw bytes with `photo_jpeg` for the preview. The last few
//! prepared JPEGs are kept in memory only (never written to disk here: the dossier feature will
//! save them in the encrypted document store).

use std::sync::Mutex;

use dvc_core::photo::{self, Crop, PhotoError, Prepared};
use dvc_core::CoreError;
use tauri::ipc::InvokeBody;

use crate::ipc::{Bytes, RawRequest};
use crate::{blocking, ApiError};

/// Header with the kind: `portrait`, `cccd-front`, `cccd-back`, `document` or a profile id.
pub const KIND_HEADER: &str = "x-photo-kind";
/// Optional header with the crop `x,y,w,h` in the upright photo's pixels.
pub const CROP_HEADER: &str = "x-photo-crop";
/// How many prepared JPEGs stay available for `photo_jpeg`.
const KEEP: usize = 4;

static RECENT: Mutex<Vec<(String, Vec<u8>)>> = Mutex::new(Vec::new());

fn api(e: PhotoError) -> ApiError {
    ApiError::from(CoreError::from(e))
}

fn header(request: &RawRequest<'_>, name: &str) -> Result<Option<String>, ApiError> {
    match request.headers().get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.to_string()))
            .map_err(|_| api(PhotoError::BadCrop(format!("header {name} is not text")))),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn photo_prepare(request: RawRequest<'_>) -> Result<Prepared, ApiError> {
    let kind = header(&request, KIND_HEADER)?.unwrap_or_default();
    let profile = photo::profiles::find(&kind).map_err(api)?;
    let crop = header(&request, CROP_HEADER)?
        .filter(|c| !c.is_empty())
        .map(|c| c.parse::<Crop>())
        .transpose()
        .map_err(api)?;
    let bytes = match request.body() {
        InvokeBody::Raw(b) => b.clone(),
        InvokeBody::Json(_) => return Err(api(PhotoError::Empty)),
    };
    let prepared = blocking(move || photo::prepare(profile, &bytes, crop).map_err(api)).await?;
    if let Ok(mut recent) = RECENT.lock() {
        recent.retain(|(sha, _)| sha != &prepared.sha256);
        recent.push((prepared.sha256.clone(), prepared.jpeg.clone()));
        let extra = recent.len().saturating_sub(KEEP);
        recent.drain(..extra);
    }
    Ok(prepared)
}

/// The JPEG of a recent `photo_prepare`, as raw bytes.
#[tauri::command]
#[specta::specta]
pub async fn photo_jpeg(sha256: String) -> Result<Bytes, ApiError> {
    let recent = RECENT
        .lock()
        .map_err(|_| ApiError::internal("photo cache poisoned"))?;
    recent
        .iter()
        .find(|(sha, _)| *sha == sha256)
        .map(|(_, jpeg)| Bytes(jpeg.clone()))
        .ok_or_else(|| {
            ApiError::from(CoreError::NotFound {
                what: "prepared photo".into(),
            })
        })
}
