//! Hand-off ("Bàn giao cho người dân", `dvc_core::handoff`): on the volunteer's phone, one
//! person's profile, papers and dossiers go into an encrypted bundle file, written into the app's
//! data folder (`handoff/`, a new file only, [`dvc_core::export::write_new_file`]); its key is
//! answered once, with its QR code drawn as SVG, for the screen to show and forget. On the
//! citizen's phone the key comes from a photo of that QR (decoded here), the camera or typing,
//! and the file as the raw request body.
//!
//! The key string is a secret: it is never logged, never stored, and the answers that carry it
//! print without it.

use std::path::Path;

use dvc_core::handoff::{BundleKey, HandoffConfirmed, HandoffImported};
use dvc_core::handoff::{HandoffStatus, IncomingHandoff};
use dvc_core::CoreError;
use serde::Serialize;
use tauri::ipc::InvokeBody;
use tauri::State;

use crate::ipc::RawRequest;
use crate::{ApiError, AppState};

/// The request header that carries the key with the bundle file (`handoff_import`).
pub const KEY_HEADER: &str = "x-handoff-key";

/// The folder of the data dir the bundle files go to.
const FOLDER: &str = "handoff";

/// A bundle made: what the screen shows (the key and its QR only while it is open).
#[derive(Clone, Serialize, specta::Type)]
pub struct HandoffMade {
    /// `DVCH1.<bundle id>.<key>`: the secret the QR carries.
    pub key: String,
    /// The key's QR code, as SVG.
    pub svg: String,
    pub bundle_id: String,
    /// Size of the bundle file.
    pub bytes: u64,
    /// Papers in the bundle.
    pub documents: u32,
    /// Dossiers in the bundle.
    pub dossiers: u32,
    /// Where the file was written.
    pub path: String,
    /// The file's name (for the steps the screen shows).
    pub file_name: String,
}

impl std::fmt::Debug for HandoffMade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandoffMade")
            .field("bundle_id", &self.bundle_id)
            .field("bytes", &self.bytes)
            .field("documents", &self.documents)
            .field("dossiers", &self.dossiers)
            .finish_non_exhaustive()
    }
}

/// What importing a bundle did, with the person's name for "Đã nhận hồ sơ của …".
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct HandoffReceived {
    pub bundle_id: String,
    pub person_id: String,
    /// This import stored the person.
    pub imported: bool,
    /// The bundle (or the same person) was received before: nothing changed.
    pub already_imported: bool,
    /// Papers stored by this import.
    pub documents: u32,
    /// Dossiers stored by this import.
    pub dossiers: u32,
    /// The person's name as this phone now holds it (none if they are not here).
    pub full_name: Option<String>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The bundle file's name: `ban-giao-<date>-<first 8 characters of the bundle id>.dvch` (the
/// id is base64url: letters, digits, `-` and `_`, all safe in a file name).
pub fn file_name(date: &str, bundle_id: &str) -> String {
    format!("ban-giao-{date}-{}.dvch", short_id(bundle_id))
}

/// Whether `name` is the file [`file_name`] wrote for a bundle whose id starts like `short`
/// (any day; also the numbered copy `write_new_file` makes when the name was taken).
fn is_bundle_file(name: &str, short: &str) -> bool {
    let Some(rest) = name
        .strip_prefix("ban-giao-")
        .and_then(|r| r.strip_suffix(".dvch"))
    else {
        return false;
    };
    // `<YYYY-MM-DD>-<short>` or `<YYYY-MM-DD>-<short>-<n>`.
    let Some(after_date) = rest.get(11..) else {
        return false;
    };
    !short.is_empty()
        && rest.as_bytes().get(10) == Some(&b'-')
        && (after_date == short
            || after_date.strip_prefix(short).is_some_and(|n| {
                n.strip_prefix('-')
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            }))
}

/// Removes the files of these bundles from `dir` (once the citizen has them, the volunteer's
/// phone keeps nothing of the person); answers how many went.
fn remove_bundle_files(dir: &Path, bundle_ids: &[String]) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let shorts: Vec<String> = bundle_ids.iter().map(|id| short_id(id)).collect();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && shorts.iter().any(|s| is_bundle_file(name, s)) {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(e) => tracing::warn!(error = %e, "a hand-off file was not removed"),
            }
        }
    }
    removed
}

fn short_id(bundle_id: &str) -> String {
    bundle_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(8)
        .collect()
}

/// The hand-off key in a text (scanned, typed or pasted): surrounding spaces removed, checked
/// as a key string; anything else (another QR code, a damaged text) is refused with the core's
/// message (`handoff.key_invalid`, `handoff.unsupported_version`).
pub fn check_key(text: &str) -> Result<String, ApiError> {
    let text = text.trim();
    BundleKey::parse(text)?;
    Ok(text.to_string())
}

fn save_bundle(dir: &Path, name: &str, file: &[u8]) -> Result<String, ApiError> {
    let path = dvc_core::export::write_new_file(dir, name, file).map_err(|e| {
        tracing::warn!(error = %e, "cannot save the hand-off bundle");
        ApiError {
            code: "io",
            message_key: "handoff.save_failed",
            detail: e.to_string(),
        }
    })?;
    Ok(path.display().to_string())
}

/// Volunteer: makes the person's encrypted bundle, writes it to `handoff/` in the app's data
/// folder and answers the key with its QR code. Refused while one of their dossiers waits to be
/// sent (`handoff.pending`).
#[tauri::command]
#[specta::specta]
pub async fn handoff_export(
    state: State<'_, AppState>,
    person_id: String,
) -> Result<HandoffMade, ApiError> {
    state
        .with_core(move |core| {
            let bundle = core.handoff_export(&person_id)?;
            let s = bundle.summary;
            let svg = dvc_core::vietqr::qr_svg(&s.key)
                .map_err(|e| ApiError::internal(format!("hand-off QR: {e}")))?;
            let name = file_name(&dvc_core::visits::today().to_string(), &s.bundle_id);
            let path = save_bundle(&core.data_dir().join(FOLDER), &name, &bundle.file)?;
            tracing::info!(bundle = %s.bundle_id, bytes = s.bytes, "hand-off bundle saved");
            Ok(HandoffMade {
                key: s.key,
                svg,
                bundle_id: s.bundle_id,
                bytes: s.bytes,
                documents: count(s.documents),
                dossiers: count(s.dossiers),
                path,
                file_name: name,
            })
        })
        .await
}

/// Checks a typed, pasted or live-scanned key before the file is chosen; answers it trimmed.
#[tauri::command]
#[specta::specta]
pub async fn handoff_key_check(key: String) -> Result<String, ApiError> {
    check_key(&key)
}

/// Citizen: reads the hand-off key in a photo of the volunteer's screen (raw body: the image
/// file's bytes). Any other QR code is refused; nothing changes.
#[tauri::command]
#[specta::specta]
pub async fn handoff_key_scan_image(request: RawRequest<'_>) -> Result<String, ApiError> {
    let payload = super::qr_in_photo(&request, || {
        CoreError::invalid(
            "image",
            "expected the image as raw bytes",
            "cccd.scan.not_image",
        )
        .into()
    })
    .await?;
    let text = super::qr_text(payload, || {
        CoreError::invalid("key", "the QR text is not UTF-8", "handoff.key_invalid").into()
    })?;
    check_key(&text)
}

/// Citizen: imports a bundle (raw body: the file's bytes; header `x-handoff-key`: the key).
/// Verified and checked before anything is stored; a second import changes nothing.
#[tauri::command]
#[specta::specta]
pub async fn handoff_import(
    state: State<'_, AppState>,
    request: RawRequest<'_>,
) -> Result<HandoffReceived, ApiError> {
    let bytes = match request.body() {
        InvokeBody::Raw(bytes) => bytes.clone(),
        InvokeBody::Json(_) => {
            return Err(CoreError::invalid(
                "bundle",
                "expected the bundle file as raw bytes",
                "handoff.not_a_bundle",
            )
            .into())
        }
    };
    let key = request
        .headers()
        .get(KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_default();
    state
        .with_core(move |core| {
            let r: HandoffImported = core.handoff_import(&bytes, &key)?;
            let full_name = core.person(&r.person_id).ok().map(|p| p.person.full_name);
            Ok(HandoffReceived {
                bundle_id: r.bundle_id,
                person_id: r.person_id,
                imported: r.imported,
                already_imported: r.already_imported,
                documents: count(r.documents),
                dossiers: count(r.dossiers),
                full_name,
            })
        })
        .await
}

/// Citizen: keep the scanned key until a sync pass brings the bundle from the server (the relay,
/// `dvc_core::handoff::relay`); the screen then starts a pass and watches
/// [`handoff_incoming`]. Scanning the same key again changes nothing.
#[tauri::command]
#[specta::specta]
pub async fn handoff_receive(
    state: State<'_, AppState>,
    key: String,
) -> Result<IncomingHandoff, ApiError> {
    let key = zeroize::Zeroizing::new(key);
    state
        .with_core(move |core| Ok(core.handoff_receive(&key)?))
        .await
}

/// Citizen: every scanned hand-off and where it stands (waiting, imported, failed, expired).
#[tauri::command]
#[specta::specta]
pub async fn handoff_incoming(
    state: State<'_, AppState>,
) -> Result<Vec<IncomingHandoff>, ApiError> {
    state.with_core(|core| Ok(core.handoff_incoming()?)).await
}

/// Volunteer: the latest bundle made for the person, where its copy for the server stands and
/// whether it was confirmed (none made: null), for the hand-off screen opened again after the
/// key was forgotten.
#[tauri::command]
#[specta::specta]
pub async fn handoff_status(
    state: State<'_, AppState>,
    person_id: String,
) -> Result<Option<HandoffStatus>, ApiError> {
    state
        .with_core(move |core| Ok(core.handoff_status(&person_id)?))
        .await
}

/// Volunteer: "Người dân đã nhận đủ" — the person's hand-offs are confirmed and their files
/// removed from `handoff/`; the screen then offers to delete the person from this phone.
#[tauri::command]
#[specta::specta]
pub async fn handoff_confirm(
    state: State<'_, AppState>,
    person_id: String,
) -> Result<HandoffConfirmed, ApiError> {
    state
        .with_core(move |core| {
            let confirmed = core.handoff_confirm(&person_id)?;
            let ids = core.handoff_bundle_ids(&person_id)?;
            let removed = remove_bundle_files(&core.data_dir().join(FOLDER), &ids);
            tracing::info!(bundles = ids.len(), removed, "hand-off confirmed");
            Ok(confirmed)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_named_for_the_day_and_the_bundle() {
        assert_eq!(
            file_name("2026-12-07", "AbC-_xyz0123456789ABCD"),
            "ban-giao-2026-12-07-AbC-_xyz.dvch"
        );
        // Whatever the id holds, nothing but safe characters reaches the name.
        assert_eq!(
            file_name("2026-12-07", "../a/b.c"),
            "ban-giao-2026-12-07-abc.dvch"
        );
        assert_eq!(file_name("2026-12-07", ""), "ban-giao-2026-12-07-.dvch");
    }

    #[test]
    fn the_bundle_goes_to_a_new_file() {
        let dir = std::env::temp_dir().join(format!("dvc-handoff-test-{}", std::process::id()));
        let target = dir.join(FOLDER);
        let first = save_bundle(&target, "ban-giao-x.dvch", b"one").unwrap();
        let second = save_bundle(&target, "ban-giao-x.dvch", b"two").unwrap();
        assert_ne!(first, second, "never over the first");
        assert_eq!(std::fs::read(&first).unwrap(), b"one");
        assert_eq!(std::fs::read(&second).unwrap(), b"two");
        let bad = save_bundle(&target, "../escape.dvch", b"x").unwrap_err();
        assert_eq!(bad.message_key, "handoff.save_failed");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_confirmed_bundle_s_files_go_and_nothing_else() {
        let id = "AbC-_xyz0123456789ABCD".to_string();
        let name = file_name("2026-12-07", &id);
        assert!(is_bundle_file(&name, "AbC-_xyz"));
        assert!(is_bundle_file(
            "ban-giao-2026-12-08-AbC-_xyz-2.dvch",
            "AbC-_xyz"
        ));
        for other in [
            "ban-giao-2026-12-07-AbC-_xyq.dvch",
            "ban-giao-2026-12-07-AbC-_xyz-.dvch",
            "ban-giao-2026-12-07-AbC-_xyz-2a.dvch",
            "ban-giao-2026-12-07-AbC-_xyz.csv",
            "bao-cao-2026-12-07-AbC-_xyz.dvch",
            "ban-giao-AbC-_xyz.dvch",
        ] {
            assert!(!is_bundle_file(other, "AbC-_xyz"), "{other}");
        }
        assert!(!is_bundle_file(&name, ""));

        let dir = std::env::temp_dir().join(format!("dvc-handoff-rm-{}", std::process::id()));
        let target = dir.join(FOLDER);
        let mine = save_bundle(&target, &name, b"mine").unwrap();
        let copy = save_bundle(&target, &name, b"copy").unwrap();
        let other = save_bundle(&target, "ban-giao-2026-12-07-Zzzzzzzz.dvch", b"x").unwrap();
        assert_eq!(remove_bundle_files(&target, std::slice::from_ref(&id)), 2);
        assert!(!Path::new(&mine).exists() && !Path::new(&copy).exists());
        assert!(Path::new(&other).exists(), "another person's bundle stays");
        assert_eq!(remove_bundle_files(&dir.join("none"), &[id]), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_a_hand_off_key_is_accepted() {
        let key = BundleKey::random().to_key_string().to_string();
        assert_eq!(check_key(&format!("  {key}\n")).unwrap(), key);
        for (text, why) in [
            (
                "DVCVOL1:0193c0de-0000-7000-8000-00000000000a:42",
                "a volunteer QR",
            ),
            ("https://dvc.example.vn", "a server QR"),
            ("", "nothing"),
            ("DVCH1.abc.def", "a damaged key"),
        ] {
            let e = check_key(text).unwrap_err();
            assert_eq!(e.message_key, "handoff.key_invalid", "{why}");
        }
        // A key with a character dropped is not a key; another format is named as such.
        let short = &key[..key.len() - 1];
        assert_eq!(
            check_key(short).unwrap_err().message_key,
            "handoff.key_invalid"
        );
        let other = key.replacen("DVCH1.", "DVCH2.", 1);
        assert_eq!(
            check_key(&other).unwrap_err().message_key,
            "handoff.unsupported_version"
        );
    }
}
