//! Signed catalog bundles: how a catalog update travels from the sync server to the phones. The
//! file format, signature and structural checks are `dvc_protocol::catalog::bundle` (re-exported
//! here; the server writes the same bytes); this adds what needs the catalog's meaning:
//! [`parse_files`] and the keys this build trusts.
//!
//! One file (`.dvccat`):
//!
//! ```text
//! magic "DVCCATLG" (8) | format u16 BE (= 1) | header length u32 BE (≤ 4 KiB)
//! | header (JSON, [`BundleHeader`]) | ed25519 signature (64) | payload (gzip)
//! ```
//!
//! The signature covers [`SIGNING_CONTEXT`] followed by every byte before it (magic, format,
//! length, header); the header carries the SHA-256 and size of the payload, so the payload is
//! covered too. The payload is gzip of `{"files": {path: text}}` with the same files as
//! `assets/catalog` (manifest, fields, provinces, synonyms, procedures/, forms/) plus the guides
//! under `guides/`. [`open`] checks, in this order: size, magic, format, header, signature,
//! payload length and hash, unpacked size, file names; [`parse_files`] then parses the catalog with
//! the same [`parse_catalog`] the embedded catalog goes through, and every form.
//!
//! Keys: [`PRODUCTION_PUBLIC_KEY`] is the only key a release build trusts. Its private half is not
//! in the repository: it lives offline with the catalog maintainers (see `docs/catalog-updates.md`).
//! A debug build also trusts the key in `DVC_CATALOG_DEV_PUBLIC_KEY` (a demo server's key); tests
//! pass their own keys.

use std::collections::BTreeMap;

use ed25519_dalek::{SigningKey, VerifyingKey};

use super::bundle::{parse_catalog, Bundle};
use super::model::{Guide, GuideIndex};
use super::CatalogError;
use crate::dossier::form::{self, FormDef};

pub use dvc_protocol::catalog::bundle::*;

/// The production catalog key (hex ed25519 public key). The private half is kept offline by the
/// catalog maintainers; never commit it.
pub const PRODUCTION_PUBLIC_KEY: &str =
    "aa1896d75599ab4f76630eea65ed328f8698db94e1f30fa1667eba8de2292f1b";

/// Environment variable a debug build reads for one more trusted key (the demo server's).
pub const DEV_KEY_ENV: &str = "DVC_CATALOG_DEV_PUBLIC_KEY";

impl From<BundleError> for crate::error::CoreError {
    fn from(e: BundleError) -> Self {
        let key = match e {
            BundleError::Stale { .. } => "catalog.update_stale",
            BundleError::BadSignature => "catalog.update_bad_signature",
            BundleError::Store(_) => "errors.internal",
            _ => "catalog.update_invalid",
        };
        crate::error::CoreError::invalid("catalog bundle", e.to_string(), key)
    }
}

/// The keys this build trusts: the production key, plus the demo key in a debug build.
pub fn trusted_keys() -> Vec<VerifyingKey> {
    let mut keys = Vec::new();
    match public_key_from_hex(PRODUCTION_PUBLIC_KEY) {
        Ok(k) => keys.push(k),
        Err(e) => tracing::error!(error = %e, "production catalog key unreadable"),
    }
    if cfg!(debug_assertions) {
        if let Ok(hex) = std::env::var(DEV_KEY_ENV) {
            match public_key_from_hex(&hex) {
                Ok(k) => keys.push(k),
                Err(e) => tracing::warn!(error = %e, "{DEV_KEY_ENV} ignored"),
            }
        }
    }
    keys
}

/// Packs and signs catalog files (paths as in a bundle) after checking they parse as the phone
/// parses them ([`parse_files`]).
pub fn build(
    files: &BTreeMap<String, String>,
    key: &SigningKey,
    created_at: &str,
) -> Result<Vec<u8>, BundleError> {
    parse_files(files)?;
    pack(files, key, created_at)
}

/// The parsed content of a bundle.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub catalog: Bundle,
    /// Procedure id → its form (without the common section).
    pub forms: BTreeMap<String, FormDef>,
    /// Procedure id → the form's JSON text, as stored.
    pub form_texts: BTreeMap<String, String>,
    /// `guides/…` path (without the prefix) → text.
    pub guide_files: BTreeMap<String, String>,
}

/// Parses the files of a bundle like the embedded catalog: the catalog with [`parse_catalog`],
/// every form with the form parser, the guide index and every guide it lists.
pub fn parse_files(files: &BTreeMap<String, String>) -> Result<Parsed, BundleError> {
    let invalid = |e: String| BundleError::InvalidCatalog(e);
    let catalog = parse_catalog(|name| {
        files
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| CatalogError::Missing {
                file: name.to_string(),
            })
    })
    .map_err(|e| invalid(e.to_string()))?;
    super::check_update(&super::CatalogUpdate {
        version: catalog.manifest.catalog_version.clone(),
        verified_at: catalog.manifest.verified_at.clone(),
        source: "server",
        replace_all: true,
        upsert: catalog.procedures.clone(),
        delete: Vec::new(),
        refs: None,
    })
    .map_err(|e| invalid(e.to_string()))?;
    let mut forms = BTreeMap::new();
    let mut form_texts = BTreeMap::new();
    let mut guide_files = BTreeMap::new();
    for (path, text) in files {
        if let Some(id) = path
            .strip_prefix("forms/")
            .and_then(|n| n.strip_suffix(".json"))
        {
            let f = form::parse_form(text).map_err(|e| invalid(format!("{path}: {e}")))?;
            if f.procedure != id {
                return Err(invalid(format!(
                    "{path} declares procedure {}",
                    f.procedure
                )));
            }
            forms.insert(id.to_string(), f);
            form_texts.insert(id.to_string(), text.clone());
        } else if let Some(rest) = path.strip_prefix("guides/") {
            guide_files.insert(rest.to_string(), text.clone());
        }
    }
    if !guide_files.is_empty() {
        let index: GuideIndex = guide_json(&guide_files, "index.json")?;
        for id in &index.guides {
            let g: Guide = guide_json(&guide_files, &format!("{id}.json"))?;
            let images = g
                .cover
                .iter()
                .chain(g.steps.iter().filter_map(|s| s.image.as_ref()));
            for img in images {
                if !guide_files.contains_key(img) {
                    return Err(invalid(format!("guide {id}: missing image {img}")));
                }
            }
        }
    }
    Ok(Parsed {
        catalog,
        forms,
        form_texts,
        guide_files,
    })
}

fn guide_json<T: serde::de::DeserializeOwned>(
    files: &BTreeMap<String, String>,
    name: &str,
) -> Result<T, BundleError> {
    let text = files
        .get(name)
        .ok_or_else(|| BundleError::InvalidCatalog(format!("guides/{name} is missing")))?;
    serde_json::from_str(text)
        .map_err(|e| BundleError::InvalidCatalog(format!("guides/{name}: {e}")))
}

/// The files of the catalog embedded in this build, as bundle paths (tests and the demo server).
pub fn embedded_files() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, text) in super::bundle::CATALOG_FILES {
        if name.ends_with(".json") && !name.starts_with("schema/") {
            out.insert((*name).to_string(), (*text).to_string());
        }
    }
    for (name, text) in super::bundle::GUIDE_FILES {
        let keep = (name.ends_with(".json") && !name.contains('/'))
            || (name.starts_with("img/") && name.ends_with(".svg"));
        if keep {
            out.insert(format!("guides/{name}"), (*text).to_string());
        }
    }
    out
}
