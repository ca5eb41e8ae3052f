//! Blob bytes behind a trait, with two implementations: the filesystem ([`FsBlobStore`], the
//! default: `--blobs <dir>`) and S3-compatible object storage ([`S3BlobStore`]: `--blobs
//! s3://bucket/prefix`, which several stateless replicas can share). Each module's doc says how
//! it keeps the contracts below; `tests/blobstore_suite.rs` checks both against the same suite.

use async_trait::async_trait;

use crate::db::FileKind;

mod fs;
mod s3;

pub use fs::FsBlobStore;
pub use s3::{S3BlobStore, S3Location};

/// How finishing an upload went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finalize {
    /// The bytes hash to the declared value and are now stored under it (the part file stays
    /// until [`BlobStore::discard`]).
    Stored {
        /// Size in bytes.
        size: u64,
    },
    /// The bytes hash to something else; nothing was stored (the part file stays until
    /// [`BlobStore::discard`], so the caller can forget the upload first).
    Mismatch,
    /// There is no part file: this upload's bytes are not on disk.
    NoPart,
}

/// What became of a file the clean-up asked to delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// Deleted.
    Removed,
    /// Kept: it was written after the deletion was queued (a fresh copy of the same bytes).
    Newer,
    /// There was no such file.
    Missing,
}

/// Blob storage.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Writes `data` at `offset` of the upload's part file, dropping anything after `offset`
    /// first (bytes a crash left behind unacknowledged), and syncs it.
    async fn write_chunk(
        &self,
        upload_id: &str,
        offset: u64,
        data: bytes::Bytes,
    ) -> std::io::Result<()>;
    /// Verifies the part file against `sha256` and, if it matches, stores it under the hash
    /// (keeping the part file). Safe to repeat.
    async fn finalize(&self, upload_id: &str, sha256: &str) -> std::io::Result<Finalize>;
    /// Stores a blob whose bytes all arrived at once, if they hash to `sha256` (else
    /// [`Finalize::Mismatch`], nothing stored) — without the part file that bytes arriving over
    /// several requests need: no second write, no read-back, no file to delete. Storing bytes that
    /// are there already renews the stored blob's modification time, so a clean-up queued before
    /// keeps it. Never returns [`Finalize::NoPart`].
    async fn store_whole(&self, sha256: &str, data: bytes::Bytes) -> std::io::Result<Finalize>;
    /// Deletes an upload's part file, if any.
    async fn discard(&self, upload_id: &str) -> std::io::Result<()>;
    /// The stored blob's size, if present.
    async fn stored_size(&self, sha256: &str) -> std::io::Result<Option<u64>>;
    /// Reads a stored blob.
    async fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>>;
    /// Stores `data` directly (small files such as console result PDFs); returns its hash.
    async fn put(&self, data: bytes::Bytes) -> std::io::Result<String>;
    /// Deletes a stored blob or an upload's part file if it was last written before `before`
    /// (the clean-up: a file written since is a new copy and stays).
    async fn remove_if_older(
        &self,
        kind: FileKind,
        name: &str,
        before: std::time::SystemTime,
    ) -> std::io::Result<Removal>;
}

pub(crate) fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub(crate) fn bad_name() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "invalid blob or upload name",
    )
}

/// Where the blobs live, as `--blobs` / `DVC_SYNC_BLOBS` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    /// A directory on this machine.
    Dir(std::path::PathBuf),
    /// `s3://bucket/prefix` in S3-compatible storage.
    S3(S3Location),
}

impl BlobLocation {
    /// `s3://bucket[/prefix]`, or else a directory path. Another `scheme://` is refused rather
    /// than taken for a directory of that name.
    pub fn parse(s: &str) -> Result<BlobLocation, String> {
        let t = s.trim();
        if let Some(rest) = t.strip_prefix("s3://") {
            return S3Location::parse(rest).map(BlobLocation::S3);
        }
        if let Some((scheme, _)) = t.split_once("://") {
            if !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!(
                    "--blobs: unsupported storage `{scheme}://` (a directory or s3://bucket/prefix)"
                ));
            }
        }
        if t.is_empty() {
            return Err("--blobs: empty".into());
        }
        Ok(BlobLocation::Dir(t.into()))
    }

    /// Opens the store: creates the directories, or connects to the bucket (endpoint, region
    /// and credentials from the standard AWS environment variables) and checks it answers.
    pub async fn open(&self) -> std::io::Result<std::sync::Arc<dyn BlobStore>> {
        Ok(match self {
            BlobLocation::Dir(dir) => std::sync::Arc::new(FsBlobStore::open(dir)?),
            BlobLocation::S3(loc) => {
                let store = S3BlobStore::from_env(loc)?;
                store.check().await?;
                std::sync::Arc::new(store)
            }
        })
    }
}

impl std::fmt::Display for BlobLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlobLocation::Dir(d) => write!(f, "{}", d.display()),
            BlobLocation::S3(l) => write!(f, "{l}"),
        }
    }
}

/// A MIME type from the first bytes (JPEG, PNG, WebP, PDF), for serving blobs safely.
pub fn sniff_content_type(data: &[u8]) -> &'static str {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        "image/webp"
    } else if data.starts_with(b"%PDF-") {
        "application/pdf"
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_locations() {
        assert_eq!(
            BlobLocation::parse("dvc-sync-data/blobs"),
            Ok(BlobLocation::Dir("dvc-sync-data/blobs".into()))
        );
        let Ok(BlobLocation::S3(l)) = BlobLocation::parse("s3://dvc-blobs/tinh-x/blobs/") else {
            panic!("an s3 location")
        };
        assert_eq!((l.bucket(), l.prefix()), ("dvc-blobs", "tinh-x/blobs"));
        assert_eq!(l.to_string(), "s3://dvc-blobs/tinh-x/blobs");
        let Ok(BlobLocation::S3(l)) = BlobLocation::parse("s3://dvc-blobs") else {
            panic!("an s3 location")
        };
        assert_eq!((l.bucket(), l.prefix()), ("dvc-blobs", ""));
        for bad in [
            "",
            "s3://",
            "s3:///prefix",
            "s3://UPPER/x",
            "s3://a/../x",
            "s3://bucket/a//b",
            "s3://bucket/a b",
            "s3://ab",
            "gs://bucket/x",
            "file:///tmp/x",
        ] {
            assert!(BlobLocation::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff_content_type(b"%PDF-1.7"), "application/pdf");
        assert_eq!(sniff_content_type(&[0xFF, 0xD8, 0xFF, 0xE0]), "image/jpeg");
        assert_eq!(sniff_content_type(b"<html>"), "application/octet-stream");
    }
}
