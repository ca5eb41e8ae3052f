//! The signed catalog bundle file (feature `bundle`): written by `dvc-sync catalog publish` (and
//! `dvc_core::catalog::signed::build`), read by the phones. Both sides need the same bytes, so
//! the format lives here; what a catalog *means* (parsing procedures and forms) stays in
//! `dvc-core`, which checks it before signing and again before applying.
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
//! payload length and hash, unpacked size, file names.

use std::collections::BTreeMap;
use std::io::Read as _;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

pub use super::MAX_BUNDLE_BYTES;

/// First bytes of every bundle.
pub const MAGIC: &[u8; 8] = b"DVCCATLG";
/// The layout described in the module docs.
pub const FORMAT: u16 = 1;
/// Prefix of the signed message (domain separation from any other use of the key).
pub const SIGNING_CONTEXT: &[u8] = b"dvc-catalog-bundle/1\n";
/// Largest unpacked payload (a gzip bomb stops here).
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// Most files in one bundle.
pub const MAX_FILES: usize = 20_000;
const MAX_HEADER: usize = 4096;
const PREFIX: usize = 8 + 2 + 4;
const SIG: usize = 64;

/// What the signed header says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleHeader {
    /// Dotted catalog version, equal to the payload's `manifest.json`.
    pub catalog_version: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// Hex SHA-256 of the payload bytes (compressed, as in the file).
    pub payload_sha256: String,
    /// Payload bytes in the file.
    pub payload_size: u64,
    /// Payload bytes once unpacked.
    pub unpacked_size: u64,
    /// First 8 bytes of the SHA-256 of the signing public key, hex (which key signed).
    pub key_id: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    files: BTreeMap<String, String>,
}

/// Why a bundle is refused. Nothing is changed when any of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("catalog bundle is truncated ({got} bytes, {want} expected)")]
    Truncated { got: u64, want: u64 },
    #[error("not a catalog bundle (wrong magic bytes)")]
    WrongMagic,
    #[error("catalog bundle format {0} is not supported (this app reads format 1)")]
    UnsupportedFormat(u16),
    #[error("catalog bundle header: {0}")]
    BadHeader(String),
    #[error("catalog bundle is too large ({size} bytes, at most {max})")]
    Oversize { size: u64, max: u64 },
    #[error("catalog bundle signature does not verify with any trusted key")]
    BadSignature,
    #[error("catalog bundle payload does not match its signed hash")]
    Tampered,
    #[error("catalog bundle payload: {0}")]
    BadPayload(String),
    #[error("catalog bundle {version} is not newer than the stored catalog {stored}")]
    Stale { version: String, stored: String },
    #[error("catalog bundle content: {0}")]
    InvalidCatalog(String),
    #[error("catalog key: {0}")]
    BadKey(String),
    #[error("storing the catalog update failed: {0}")]
    Store(String),
}

impl BundleError {
    /// Stable reason code (recorded, logged, and the UI's `catalog.update.<code>` message).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Truncated { .. } => "truncated",
            Self::WrongMagic => "wrong_magic",
            Self::UnsupportedFormat(_) => "unsupported_format",
            Self::BadHeader(_) => "bad_header",
            Self::Oversize { .. } => "oversize",
            Self::BadSignature => "bad_signature",
            Self::Tampered => "tampered",
            Self::BadPayload(_) => "bad_payload",
            Self::Stale { .. } => "stale",
            Self::InvalidCatalog(_) => "invalid_catalog",
            Self::BadKey(_) => "bad_key",
            Self::Store(_) => "store",
        }
    }
}

/// A bundle whose signature, hash and file list checked out.
#[derive(Debug, Clone)]
pub struct Opened {
    pub header: BundleHeader,
    /// Path in the bundle → text.
    pub files: BTreeMap<String, String>,
}

/// The short id of a public key (first 8 bytes of its SHA-256, hex).
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

/// A public key from its 64 hex digits.
pub fn public_key_from_hex(s: &str) -> Result<VerifyingKey, BundleError> {
    let bytes: [u8; 32] = hex::decode(s.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| BundleError::BadKey("expected 64 hex digits".into()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| BundleError::BadKey("not an ed25519 key".into()))
}

/// A signing key from a key file's text (64 hex digits of the seed, surrounding space ignored).
/// The error never repeats the text.
pub fn signing_key_from_text(s: &str) -> Result<SigningKey, BundleError> {
    let mut seed: [u8; 32] = hex::decode(s.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| BundleError::BadKey("a key file holds 64 hex digits".into()))?;
    let key = SigningKey::from_bytes(&seed);
    zeroize::Zeroize::zeroize(&mut seed);
    Ok(key)
}

/// A new signing key from the OS-seeded random source; its file text is [`signing_key_text`].
pub fn generate_signing_key() -> SigningKey {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut seed);
    let key = SigningKey::from_bytes(&seed);
    zeroize::Zeroize::zeroize(&mut seed);
    key
}

/// The text of a key file for `key` (hex seed and a newline).
pub fn signing_key_text(key: &SigningKey) -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(format!("{}\n", hex::encode(key.to_bytes())))
}

fn is_bundle_path(p: &str) -> bool {
    let (dir_ok, name) = match p.rsplit_once('/') {
        Some((dir, name)) => (
            matches!(dir, "procedures" | "forms" | "guides" | "guides/img"),
            name,
        ),
        None => (true, p),
    };
    let stem_ok = name
        .strip_suffix(".json")
        .or_else(|| name.strip_suffix(".svg"))
        .is_some_and(|s| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    dir_ok && stem_ok && p.len() <= 200
}

fn invalid(reason: String) -> BundleError {
    BundleError::InvalidCatalog(reason)
}

fn json_file(
    files: &BTreeMap<String, String>,
    path: &str,
) -> Result<serde_json::Value, BundleError> {
    let text = files
        .get(path)
        .ok_or_else(|| invalid(format!("{path} is missing")))?;
    serde_json::from_str(text).map_err(|e| invalid(format!("{path}: {e}")))
}

/// The checks that need no knowledge of what a procedure or a form is: file names, every JSON
/// file parses, the manifest's version and procedure list match the files, forms and procedures
/// carry the id of their file. Returns the manifest's catalog version. (`dvc-core` parses the
/// whole catalog on top of this before signing and before applying.)
pub fn check_structure(files: &BTreeMap<String, String>) -> Result<String, BundleError> {
    if files.len() > MAX_FILES {
        return Err(BundleError::BadPayload(format!("{} files", files.len())));
    }
    if let Some(bad) = files.keys().find(|k| !is_bundle_path(k)) {
        return Err(BundleError::BadPayload(format!("file name {bad:?}")));
    }
    let manifest = json_file(files, "manifest.json")?;
    let version = manifest["catalog_version"]
        .as_str()
        .filter(|v| super::is_version(v))
        .ok_or_else(|| invalid("manifest.json: catalog_version is not dotted digits".into()))?
        .to_owned();
    let listed = manifest["procedures"]
        .as_array()
        .ok_or_else(|| invalid("manifest.json: no procedures list".into()))?;
    for id in listed {
        let id = id
            .as_str()
            .ok_or_else(|| invalid("manifest.json: a procedure id is not text".into()))?;
        let path = format!("procedures/{id}.json");
        if json_file(files, &path)?["id"] != id {
            return Err(invalid(format!("{path} has another id")));
        }
    }
    for required in ["fields.json", "agency_types.json"] {
        json_file(files, required)?;
    }
    for (path, text) in files {
        if !path.ends_with(".json") {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| invalid(format!("{path}: {e}")))?;
        if let Some(id) = path
            .strip_prefix("forms/")
            .and_then(|n| n.strip_suffix(".json"))
        {
            if v["procedure"] != id {
                return Err(invalid(format!("{path} declares another procedure")));
            }
        }
    }
    if files.keys().any(|k| k.starts_with("guides/")) {
        json_file(files, "guides/index.json")?;
    }
    Ok(version)
}

/// Packs and signs catalog files after [`check_structure`].
pub fn pack(
    files: &BTreeMap<String, String>,
    key: &SigningKey,
    created_at: &str,
) -> Result<Vec<u8>, BundleError> {
    let version = check_structure(files)?;
    let payload_json = serde_json::to_vec(&Payload {
        files: files.clone(),
    })
    .map_err(|e| BundleError::BadPayload(e.to_string()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, &payload_json)
        .map_err(|e| BundleError::BadPayload(e.to_string()))?;
    let payload = gz
        .finish()
        .map_err(|e| BundleError::BadPayload(e.to_string()))?;
    let header = BundleHeader {
        catalog_version: version,
        created_at: created_at.to_string(),
        payload_sha256: hex::encode(Sha256::digest(&payload)),
        payload_size: payload.len() as u64,
        unpacked_size: payload_json.len() as u64,
        key_id: key_id(&key.verifying_key()),
    };
    let header_json =
        serde_json::to_vec(&header).map_err(|e| BundleError::BadHeader(e.to_string()))?;
    if header_json.len() > MAX_HEADER {
        return Err(BundleError::BadHeader("header too long".into()));
    }
    let mut out = Vec::with_capacity(PREFIX + header_json.len() + SIG + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_be_bytes());
    out.extend_from_slice(
        &u32::try_from(header_json.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(&header_json);
    let sig = key.sign(&signed_message(&out));
    out.extend_from_slice(&sig.to_bytes());
    out.extend_from_slice(&payload);
    if out.len() as u64 > MAX_BUNDLE_BYTES {
        return Err(BundleError::Oversize {
            size: out.len() as u64,
            max: MAX_BUNDLE_BYTES,
        });
    }
    Ok(out)
}

fn signed_message(head: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNING_CONTEXT.len() + head.len());
    m.extend_from_slice(SIGNING_CONTEXT);
    m.extend_from_slice(head);
    m
}

/// Reads only the header (no signature check): for logs and the refusal record.
pub fn peek_header(bytes: &[u8]) -> Result<BundleHeader, BundleError> {
    let (header, _) = split_header(bytes)?;
    Ok(header)
}

fn split_header(bytes: &[u8]) -> Result<(BundleHeader, usize), BundleError> {
    let len = bytes.len() as u64;
    if len > MAX_BUNDLE_BYTES {
        return Err(BundleError::Oversize {
            size: len,
            max: MAX_BUNDLE_BYTES,
        });
    }
    if bytes.len() < PREFIX {
        if !MAGIC.starts_with(bytes) {
            return Err(BundleError::WrongMagic);
        }
        return Err(BundleError::Truncated {
            got: len,
            want: PREFIX as u64,
        });
    }
    if &bytes[..8] != MAGIC {
        return Err(BundleError::WrongMagic);
    }
    let format = u16::from_be_bytes([bytes[8], bytes[9]]);
    if format != FORMAT {
        return Err(BundleError::UnsupportedFormat(format));
    }
    let hlen = u32::from_be_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]) as usize;
    if hlen == 0 || hlen > MAX_HEADER {
        return Err(BundleError::BadHeader(format!("length {hlen}")));
    }
    let end = PREFIX + hlen + SIG;
    if bytes.len() < end {
        return Err(BundleError::Truncated {
            got: len,
            want: end as u64,
        });
    }
    let header: BundleHeader = serde_json::from_slice(&bytes[PREFIX..PREFIX + hlen])
        .map_err(|e| BundleError::BadHeader(e.to_string()))?;
    Ok((header, hlen))
}

/// Checks a bundle against the trusted keys and unpacks its files (see the module docs).
pub fn open(bytes: &[u8], keys: &[VerifyingKey]) -> Result<Opened, BundleError> {
    let (header, hlen) = split_header(bytes)?;
    let sig_at = PREFIX + hlen;
    let sig_bytes: [u8; SIG] = bytes[sig_at..sig_at + SIG]
        .try_into()
        .map_err(|_| BundleError::BadSignature)?;
    let sig = Signature::from_bytes(&sig_bytes);
    let message = signed_message(&bytes[..sig_at]);
    if !keys.iter().any(|k| k.verify_strict(&message, &sig).is_ok()) {
        return Err(BundleError::BadSignature);
    }
    // The header is authentic from here on.
    let payload = &bytes[sig_at + SIG..];
    let want = (sig_at + SIG) as u64 + header.payload_size;
    if (payload.len() as u64) < header.payload_size {
        return Err(BundleError::Truncated {
            got: bytes.len() as u64,
            want,
        });
    }
    if payload.len() as u64 != header.payload_size
        || hex::encode(Sha256::digest(payload)) != header.payload_sha256
    {
        return Err(BundleError::Tampered);
    }
    if header.unpacked_size > MAX_UNPACKED_BYTES {
        return Err(BundleError::Oversize {
            size: header.unpacked_size,
            max: MAX_UNPACKED_BYTES,
        });
    }
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(payload)
        .take(MAX_UNPACKED_BYTES + 1)
        .read_to_end(&mut json)
        .map_err(|e| BundleError::BadPayload(format!("gzip: {e}")))?;
    if json.len() as u64 != header.unpacked_size {
        return Err(BundleError::BadPayload(format!(
            "unpacked {} bytes, header says {}",
            json.len(),
            header.unpacked_size
        )));
    }
    let p: Payload =
        serde_json::from_slice(&json).map_err(|e| BundleError::BadPayload(e.to_string()))?;
    if p.files.len() > MAX_FILES {
        return Err(BundleError::BadPayload(format!("{} files", p.files.len())));
    }
    if let Some(bad) = p.files.keys().find(|k| !is_bundle_path(k)) {
        return Err(BundleError::BadPayload(format!("file name {bad:?}")));
    }
    Ok(Opened {
        header,
        files: p.files,
    })
}

/// Reads a catalog folder (`assets/catalog`: every `.json` but `schema/`) and, when given, a guides
/// folder (`assets/guides`: `.json` and `img/*.svg`, under `guides/`) into bundle paths.
pub fn read_dirs(
    catalog: &std::path::Path,
    guides: Option<&std::path::Path>,
) -> std::io::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    read_dir_into(catalog, "", &["json"], &mut out)?;
    read_dir_into(
        &catalog.join("procedures"),
        "procedures/",
        &["json"],
        &mut out,
    )?;
    read_dir_into(&catalog.join("forms"), "forms/", &["json"], &mut out)?;
    if let Some(g) = guides {
        read_dir_into(g, "guides/", &["json"], &mut out)?;
        read_dir_into(&g.join("img"), "guides/img/", &["svg"], &mut out)?;
    }
    Ok(out)
}

fn read_dir_into(
    dir: &std::path::Path,
    prefix: &str,
    exts: &[&str],
    out: &mut BTreeMap<String, String>,
) -> std::io::Result<()> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !prefix.is_empty() => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in rd {
        let path = entry?.path();
        if !path.is_file() {
            continue;
        }
        let ok = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e));
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if ok {
            out.insert(format!("{prefix}{name}"), std::fs::read_to_string(&path)?);
        }
    }
    Ok(())
}
