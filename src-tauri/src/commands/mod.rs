//! The app's commands, one module per feature. Each command is thin: arguments → `dvc-core` → DTO,
//! `async`, with the core's blocking work on the blocking pool ([`crate::AppState::with_core`]).
//! A new command is written here and listed once in `command_list.rs`; everything else (invoke
//! handler, permission, TypeScript bindings) follows from that list.

pub mod account;
pub mod after;
pub mod catalog;
pub mod consent;
pub mod dossier;
pub mod handoff;
pub mod lock;
pub mod lookup;
pub mod notify;
pub mod people;
pub mod photo;
pub mod shell;
pub mod sync;
pub mod visits;

use dvc_core::{qrscan, CoreError};
use tauri::ipc::InvokeBody;

use crate::ipc::RawRequest;
use crate::{blocking, ApiError};

/// The bytes of the QR code in a photo sent as the command's raw body (what every "scan a QR
/// from a photo" command does first): `not_image` when the body is not raw bytes; the scanner's
/// own error when no QR code is found or the image is bad. Nothing is stored.
pub(crate) async fn qr_in_photo(
    request: &RawRequest<'_>,
    not_image: impl FnOnce() -> ApiError,
) -> Result<Vec<u8>, ApiError> {
    let bytes = match request.body() {
        InvokeBody::Raw(bytes) => bytes.clone(),
        InvokeBody::Json(_) => return Err(not_image()),
    };
    blocking(move || {
        let scan = qrscan::decode_qr(&bytes, qrscan::DEFAULT_BUDGET).map_err(CoreError::from)?;
        Ok(scan.payload)
    })
    .await
}

/// The QR's payload as text; `bad` words the refusal when it is not UTF-8.
pub(crate) fn qr_text(
    payload: Vec<u8>,
    bad: impl FnOnce() -> ApiError,
) -> Result<String, ApiError> {
    String::from_utf8(payload).map_err(|_| bad())
}
