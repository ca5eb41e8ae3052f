//! Personal documents (CCCD photos, portrait, certificates): encrypted files in app storage.
//!
//! - Each file is `documents/<sha256 of the plaintext>` in the data directory, encrypted with
//!   XChaCha20-Poly1305 under a random 256-bit key kept in the keystore like the database key
//!   (`doc-key`). File = magic `DVCDOC1\0` ‖ 24-byte random nonce ‖ ciphertext+tag; the hash is
//!   the associated data, so a file renamed to another hash fails to open.
//! - The file is written to a temporary name, fsynced, renamed and the directory fsynced *before*
//!   the row that references it is committed. A crash in between leaves at most an orphan file.
//! - Rows, not files, are per person/dossier: the same photo attached twice is one file.
//!   A file is deleted when no row references it any more.
//! - Papers are stored without their metadata (EXIF/GPS, XMP, comments: see [`metadata`]), so
//!   what is kept and what is later uploaded carries no location or device details.
//! - The key is made once, when the data directory is opened ([`ensure_key`], under the store's
//!   write lock). If documents exist and the key is gone, opening fails: a new key would make
//!   every existing file unreadable without saying so.

use std::borrow::Cow;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{CoreError, Result};
use crate::people::{new_id, parse_id};
use crate::secrets::{KeystoreKind, Secrets};
use crate::store::Store;
use crate::validate::{self, PartialDate};
use crate::Core;

/// Name of the document key in the keystore.
pub const DOC_KEY_NAME: &str = "doc-key";
/// Folder in the data directory.
pub const DOC_DIR: &str = "documents";
/// Largest document accepted (a phone photo is 2–8 MB).
pub const MAX_DOCUMENT_BYTES: usize = 25 * 1024 * 1024;
const MAGIC: &[u8; 8] = b"DVCDOC1\0";
const NONCE_LEN: usize = 24;

/// Kind of personal document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    CccdFront,
    CccdBack,
    Portrait,
    BirthCertificate,
    Passport,
    DrivingLicence,
    HealthInsuranceCard,
    Other,
    /// A dossier's result file from the agency ("Kết quả giải quyết"), fetched by the sync client.
    Result,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 9] = [
        Self::CccdFront,
        Self::CccdBack,
        Self::Portrait,
        Self::BirthCertificate,
        Self::Passport,
        Self::DrivingLicence,
        Self::HealthInsuranceCard,
        Self::Other,
        Self::Result,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CccdFront => "cccd_front",
            Self::CccdBack => "cccd_back",
            Self::Portrait => "portrait",
            Self::BirthCertificate => "birth_certificate",
            Self::Passport => "passport",
            Self::DrivingLicence => "driving_licence",
            Self::HealthInsuranceCard => "health_insurance_card",
            Self::Other => "other",
            Self::Result => "result",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                CoreError::invalid("kind", "unknown document kind", "documents.kind_invalid")
            })
    }
}

/// A document's id (UUIDv7 text).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(transparent)]
pub struct DocumentId(pub String);

impl std::fmt::Display for DocumentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Optional facts about a document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DocumentMeta {
    pub issue_date: Option<String>,
    pub expiry_date: Option<String>,
}

/// A stored document (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// The TypeScript name (`Document` is the web page's); JSON is unchanged.
#[cfg_attr(feature = "specta", serde(rename = "PersonDocument"))]
pub struct Document {
    pub id: DocumentId,
    pub person_id: String,
    pub kind: DocumentKind,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub issue_date: Option<PartialDate>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub expiry_date: Option<PartialDate>,
    pub created_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("document file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("document file {sha256} cannot be decrypted (wrong key or damaged file)")]
    Decrypt { sha256: String },
    #[error("document file {sha256} is damaged (content does not match its hash)")]
    HashMismatch { sha256: String },
    #[error("the document key in the keystore has the wrong length ({len} bytes)")]
    KeyCorrupt { len: usize },
    #[error(
        "documents exist in {dir} but their key is not in the {keystore} keystore; run with the \
         same DVC_KEYSTORE as when they were stored (a new key would make them unreadable)"
    )]
    KeyMissing {
        dir: PathBuf,
        keystore: KeystoreKind,
    },
    #[error("encryption failed")]
    Encrypt,
}

/// What kind of file the bytes are, from their first bytes.
pub fn sniff_media_type(b: &[u8]) -> &'static str {
    if b.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        "image/webp"
    } else if b.starts_with(b"%PDF-") {
        "application/pdf"
    } else {
        "application/octet-stream"
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DocumentError + '_ {
    move |source| DocumentError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn sync_dir(dir: &Path) -> Result<(), DocumentError> {
    // Directories can be opened and fsynced on Unix; elsewhere this is a no-op by design.
    #[cfg(unix)]
    {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err(dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The encrypted file area of one data directory.
pub struct Vault {
    dir: PathBuf,
    key: Zeroizing<[u8; 32]>,
}

/// Whether the documents folder holds any document file (`<sha256>`; a temporary file left by a
/// crash does not count).
fn has_document_files(dir: &Path) -> Result<bool, DocumentError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io_err(dir)(e)),
    };
    for entry in entries {
        let name = entry.map_err(io_err(dir))?.file_name();
        let name = name.to_string_lossy();
        if name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Makes sure the document key exists: called by [`Core::open`](crate::Core::open) once the store
/// is open. The check and the creation run inside one write transaction of the store, so two
/// opens at the same moment (two threads, or the app and the `dvc` CLI) never make two keys. A
/// missing key is made only when no document exists yet (no row, no file).
pub fn ensure_key(store: &Store, secrets: &dyn Secrets, data_dir: &Path) -> Result<()> {
    if secrets.get(DOC_KEY_NAME)?.is_some() {
        return Ok(());
    }
    store.write(|tx| -> Result<()> {
        if secrets.get(DOC_KEY_NAME)?.is_some() {
            return Ok(()); // made by whoever held the lock before us
        }
        let rows: i64 = tx.query_row("SELECT count(*) FROM documents", [], |r| r.get(0))?;
        let dir = data_dir.join(DOC_DIR);
        if rows > 0 || has_document_files(&dir)? {
            return Err(DocumentError::KeyMissing {
                dir,
                keystore: secrets.kind(),
            }
            .into());
        }
        let k = crate::store::new_key();
        secrets.set(DOC_KEY_NAME, &k[..])?;
        tracing::info!("new document key created");
        Ok(())
    })
}

impl Vault {
    /// Opens the area with the key [`ensure_key`] made.
    pub fn open(core: &Core) -> Result<Self> {
        let key = match core.secrets().get(DOC_KEY_NAME)? {
            Some(k) => {
                let len = k.len();
                let arr: [u8; 32] = k
                    .as_slice()
                    .try_into()
                    .map_err(|_| DocumentError::KeyCorrupt { len })?;
                Zeroizing::new(arr)
            }
            None => {
                return Err(DocumentError::KeyMissing {
                    dir: core.data_dir().join(DOC_DIR),
                    keystore: core.secrets().kind(),
                }
                .into())
            }
        };
        Ok(Self {
            dir: core.data_dir().join(DOC_DIR),
            key,
        })
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.key).into())
    }

    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.dir.join(sha256)
    }

    /// Encrypts and durably writes `plain`; returns its SHA-256 (hex). Idempotent: an existing
    /// file with that hash is kept.
    pub fn put(&self, plain: &[u8]) -> Result<String, DocumentError> {
        let sha = hex::encode(Sha256::digest(plain));
        let path = self.path_of(&sha);
        if path.exists() {
            return Ok(sha);
        }
        crate::secrets::create_private_dir(&self.dir).map_err(io_err(&self.dir))?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::Rng::fill(&mut rand::rng(), &mut nonce[..]);
        let ct = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: sha.as_bytes(),
                },
            )
            .map_err(|_| DocumentError::Encrypt)?;
        let tmp = self.dir.join(format!("{sha}.tmp-{}", new_id()));
        let write = || -> std::io::Result<()> {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            f.write_all(MAGIC)?;
            f.write_all(&nonce)?;
            f.write_all(&ct)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        if let Err(e) = write() {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(&path)(e));
        }
        sync_dir(&self.dir)?;
        tracing::debug!(bytes = plain.len(), "document file written");
        Ok(sha)
    }

    /// Reads, decrypts and checks a file.
    pub fn get(&self, sha256: &str) -> Result<Vec<u8>, DocumentError> {
        let path = self.path_of(sha256);
        let data = fs::read(&path).map_err(io_err(&path))?;
        let bad = || DocumentError::Decrypt {
            sha256: sha256.to_string(),
        };
        if data.len() < MAGIC.len() + NONCE_LEN || !data.starts_with(MAGIC) {
            return Err(bad());
        }
        let (nonce, ct) = data[MAGIC.len()..].split_at(NONCE_LEN);
        let plain = self
            .cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: sha256.as_bytes(),
                },
            )
            .map_err(|_| bad())?;
        if hex::encode(Sha256::digest(&plain)) != sha256 {
            return Err(DocumentError::HashMismatch {
                sha256: sha256.to_string(),
            });
        }
        Ok(plain)
    }

    fn remove(&self, sha256: &str) -> Result<bool, DocumentError> {
        let path = self.path_of(sha256);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err(&path)(e)),
        }
    }
}

const COLUMNS: &str =
    "id, person_id, kind, sha256, size, media_type, issue_date, expiry_date, created_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Document> {
    let kind: String = r.get(2)?;
    let date = |i: usize| -> rusqlite::Result<Option<PartialDate>> {
        Ok(r.get::<_, Option<String>>(i)?
            .and_then(|s| PartialDate::parse_iso(&s)))
    };
    Ok(Document {
        id: DocumentId(r.get(0)?),
        person_id: r.get(1)?,
        kind: DocumentKind::parse(&kind).unwrap_or(DocumentKind::Other),
        sha256: r.get(3)?,
        size: r.get(4)?,
        media_type: r.get(5)?,
        issue_date: date(6)?,
        expiry_date: date(7)?,
        created_at: r.get(8)?,
    })
}

pub(crate) fn list_for_person(store: &Store, person_id: &str) -> Result<Vec<Document>> {
    store.read(|c| {
        let mut st = c.prepare(&format!(
            "SELECT {COLUMNS} FROM documents WHERE person_id = ?1 ORDER BY created_at, id"
        ))?;
        let rows = st.query_map([person_id], from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    })
}

fn get_row(store: &Store, id: &str) -> Result<Document> {
    let id = parse_id(id, "document")?;
    store
        .read(|c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM documents WHERE id = ?1"),
                [&id],
                from_row,
            )
            .optional()
        })?
        .ok_or_else(|| CoreError::NotFound {
            what: "document".into(),
        })
}

/// Deletes the files of `shas` that no document row references any more. Returns how many.
pub(crate) fn remove_unreferenced(core: &Core, shas: &[String]) -> Result<usize> {
    if shas.is_empty() {
        return Ok(0);
    }
    let vault = Vault::open(core)?;
    let mut removed = 0;
    for sha in shas {
        let used: bool = core.store().read(|c| {
            c.query_row(
                "SELECT EXISTS(SELECT 1 FROM documents WHERE sha256 = ?1)",
                [sha],
                |r| r.get(0),
            )
        })?;
        if !used && vault.remove(sha)? {
            removed += 1;
        }
    }
    if removed > 0 {
        sync_dir(&vault.dir)?;
    }
    Ok(removed)
}

fn check_date(v: Option<&str>, field: &'static str) -> Result<Option<PartialDate>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => PartialDate::parse_iso(s)
            .map(Some)
            .ok_or_else(|| validate::ValidationError::Date { field }.for_field(field)),
    }
}

/// Checks a document's optional issue and expiry dates (ISO, possibly partial; expiry not before
/// issue).
pub(crate) fn check_dates(
    meta: &DocumentMeta,
) -> Result<(Option<PartialDate>, Option<PartialDate>)> {
    let issue = check_date(meta.issue_date.as_deref(), "issue_date")?;
    let expiry = check_date(meta.expiry_date.as_deref(), "expiry_date")?;
    if let (Some(i), Some(e)) = (issue, expiry) {
        if i.is_after(e) {
            return Err(CoreError::invalid(
                "expiry_date",
                "the expiry date is before the issue date",
                "documents.expiry_before_issue",
            ));
        }
    }
    Ok((issue, expiry))
}

/// A document's encrypted file, written and fsynced, waiting for its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub sha256: String,
    pub size: i64,
    pub media_type: &'static str,
}

/// The bytes a new document keeps: refused when empty or too large; a paper without its
/// metadata (a result file stays exactly as the agency issued it).
pub(crate) fn clean(kind: DocumentKind, bytes: &[u8]) -> Result<Cow<'_, [u8]>> {
    if bytes.is_empty() {
        return Err(CoreError::invalid(
            "document",
            "the document is empty",
            "documents.empty",
        ));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(CoreError::invalid(
            "document",
            format!("the document is larger than {MAX_DOCUMENT_BYTES} bytes"),
            "documents.too_large",
        ));
    }
    let cleaned = if kind == DocumentKind::Result {
        Cow::Borrowed(bytes)
    } else {
        metadata::strip(bytes)
    };
    if cleaned.len() != bytes.len() {
        tracing::info!(
            removed = bytes.len() - cleaned.len(),
            "metadata removed from document"
        );
    }
    Ok(cleaned)
}

/// Encrypts and durably writes a document's (cleaned) bytes; its row comes next, in the
/// caller's transaction ([`insert_row`]). A crash in between leaves at most an orphan file.
pub(crate) fn write_file(core: &Core, bytes: &[u8]) -> Result<Written> {
    let sha256 = Vault::open(core)?.put(bytes)?;
    Ok(Written {
        sha256,
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        media_type: sniff_media_type(bytes),
    })
}

/// The row of a document whose file [`write_file`] wrote (`created_at`: now when not given).
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_row(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    person_id: &str,
    kind: DocumentKind,
    w: &Written,
    issue: Option<PartialDate>,
    expiry: Option<PartialDate>,
    created_at: Option<&str>,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO documents (id, person_id, kind, sha256, size, media_type, issue_date,
           expiry_date, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                 coalesce(?9, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
        params![
            id,
            person_id,
            kind.as_str(),
            w.sha256,
            w.size,
            w.media_type,
            issue.map(|d| d.to_string()),
            expiry.map(|d| d.to_string()),
            created_at,
        ],
    )?;
    Ok(())
}

impl Core {
    /// Sets (or clears, with `None`/empty) a document's issue and expiry dates.
    pub fn set_document_dates(&self, id: &DocumentId, meta: &DocumentMeta) -> Result<Document> {
        let doc = get_row(self.store(), &id.0)?;
        let (issue, expiry) = check_dates(meta)?;
        self.store().write(|tx| {
            tx.execute(
                "UPDATE documents SET issue_date = ?2, expiry_date = ?3 WHERE id = ?1",
                params![
                    doc.id.0,
                    issue.map(|d| d.to_string()),
                    expiry.map(|d| d.to_string()),
                ],
            )
        })?;
        tracing::info!(document_id = %doc.id, "document dates set");
        get_row(self.store(), &doc.id.0)
    }

    /// Stores a personal document for a person: the encrypted file first (fsynced), then the row.
    pub fn store_document(
        &self,
        person_id: &str,
        kind: DocumentKind,
        bytes: &[u8],
        meta: &DocumentMeta,
    ) -> Result<DocumentId> {
        self.store_document_once(person_id, kind, bytes, meta, |_, _| Ok(true))?
            .ok_or_else(|| CoreError::invalid("document", "not stored", "errors.internal"))
    }

    /// Stores a document exactly once: `claim` runs inside the transaction that would insert the
    /// row, with the new document's id, and says whether to go on (e.g. it links the id to a
    /// dossier's result only if none is linked yet). `Ok(None)`: `claim` declined, nothing
    /// stored (the encrypted file, addressed by content, may already exist and is kept).
    pub fn store_document_once<F>(
        &self,
        person_id: &str,
        kind: DocumentKind,
        bytes: &[u8],
        meta: &DocumentMeta,
        claim: F,
    ) -> Result<Option<DocumentId>>
    where
        F: FnOnce(&rusqlite::Transaction<'_>, &DocumentId) -> Result<bool>,
    {
        let pid = parse_id(person_id, "person")?;
        let cleaned = clean(kind, bytes)?;
        let (issue, expiry) = check_dates(meta)?;
        // The person must exist before we write a file for them.
        crate::people::get(self.store(), &pid)?;
        let written = write_file(self, &cleaned)?;
        let id = new_id();
        let doc_id = DocumentId(id.clone());
        let stored = self.store().write(|tx| -> Result<bool> {
            if !claim(tx, &doc_id)? {
                return Ok(false);
            }
            insert_row(tx, &id, &pid, kind, &written, issue, expiry, None)?;
            Ok(true)
        })?;
        if !stored {
            return Ok(None);
        }
        tracing::info!(document_id = %id, person_id = %pid, kind = kind.as_str(), bytes = written.size, "document stored");
        Ok(Some(doc_id))
    }

    /// The plaintext of a document.
    pub fn read_document(&self, id: &DocumentId) -> Result<Vec<u8>> {
        let doc = get_row(self.store(), &id.0)?;
        Ok(Vault::open(self)?.get(&doc.sha256)?)
    }

    pub fn document(&self, id: &DocumentId) -> Result<Document> {
        get_row(self.store(), &id.0)
    }

    pub fn list_documents(&self, person_id: &str) -> Result<Vec<Document>> {
        let pid = parse_id(person_id, "person")?;
        list_for_person(self.store(), &pid)
    }

    /// A small JPEG preview of an image document (the profile page's thumbnails).
    pub fn document_thumbnail(&self, id: &DocumentId, max_side: u32) -> Result<Vec<u8>> {
        let bytes = self.read_document(id)?;
        crate::qrscan::thumbnail_jpeg(&bytes, max_side.clamp(32, 1024)).map_err(CoreError::from)
    }

    /// Deletes one document row, and its file when nothing else references it.
    pub fn delete_document(&self, id: &DocumentId) -> Result<()> {
        let doc = get_row(self.store(), &id.0)?;
        self.store()
            .write(|tx| tx.execute("DELETE FROM documents WHERE id = ?1", [&doc.id.0]))?;
        remove_unreferenced(self, std::slice::from_ref(&doc.sha256))?;
        tracing::info!(document_id = %doc.id, "document deleted");
        Ok(())
    }
}

pub mod metadata;

#[cfg(test)]
mod tests;
