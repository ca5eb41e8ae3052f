//! Filesystem blob storage (the default).
//!
//! Layout under the root: `uploads/<upload id>.part` while an upload is open, and
//! `sha256/<first two hex>/<hash>` once verified. Every write is fsynced before the server
//! acknowledges it; a verified part file is hard-linked into place (atomic, then the directory is
//! fsynced) and stays until the caller has recorded the blob and calls [`BlobStore::discard`], so a
//! crash between the two steps leaves the part file to verify again — never a stored blob that an
//! upload claims without its own bytes.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::{bad_name, valid_name, BlobStore, Finalize, Removal};
use crate::db::FileKind;

/// Filesystem blob storage.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// `create_dir_all`, durable: each directory it creates is fsynced into its parent, so a power cut
/// cannot take away a directory (and every blob in it) that writes below it were synced into.
fn create_dir_all_synced(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dir_all_synced(parent)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(e),
    }
    match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => sync_dir(parent),
        _ => Ok(()),
    }
}

/// Names of this store's temporary files in `uploads/` (written, synced, then renamed into
/// `sha256/`): a crash between the two leaves one behind. Part files are named by the upload id
/// (hex, no `-`), so they never match.
const TEMP_PREFIXES: [&str; 3] = ["whole-", "put-", "copy-"];

/// A temporary file older than this is left over from a crash, not being written.
pub const TEMP_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes the temporary files in `dir` not modified for `max_age`; how many.
fn sweep_temp(dir: &Path, max_age: std::time::Duration) -> std::io::Result<u64> {
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.ends_with(".part") || !TEMP_PREFIXES.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age >= max_age));
        if old {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}

/// Sets a stored blob's modification time to now: the same bytes were stored again, so a
/// clean-up queued before must keep the file (see [`BlobStore::remove_if_older`]).
fn renew(path: &Path) -> std::io::Result<()> {
    let f = std::fs::File::open(path)?;
    f.set_modified(std::time::SystemTime::now())?;
    f.sync_all()
}

impl FsBlobStore {
    /// Creates the directories under `root`, and removes temporary files a crash left in
    /// `uploads/` (see [`TEMP_PREFIXES`]) if they are older than [`TEMP_MAX_AGE`].
    pub fn open(root: &Path) -> std::io::Result<FsBlobStore> {
        create_dir_all_synced(&root.join("uploads"))?;
        create_dir_all_synced(&root.join("sha256"))?;
        let removed = sweep_temp(&root.join("uploads"), TEMP_MAX_AGE)?;
        if removed > 0 {
            tracing::info!(
                removed,
                "blob store: temporary files of an earlier run removed"
            );
        }
        Ok(FsBlobStore {
            root: root.to_owned(),
        })
    }

    fn part(&self, upload_id: &str) -> std::io::Result<PathBuf> {
        if !valid_name(upload_id) {
            return Err(bad_name());
        }
        Ok(self.root.join("uploads").join(format!("{upload_id}.part")))
    }

    fn final_path(&self, sha256: &str) -> std::io::Result<PathBuf> {
        if !dvc_protocol::blobs::is_sha256_hex(sha256) {
            return Err(bad_name());
        }
        Ok(self.root.join("sha256").join(&sha256[..2]).join(sha256))
    }

    /// Links a verified part file into place, keeping the part file. The blob may be there already
    /// (another account stored the same bytes): content-addressed, so that is the same file.
    fn install_copy(&self, from: &Path, sha256: &str) -> std::io::Result<()> {
        let to = self.final_path(sha256)?;
        let dir = to.parent().ok_or_else(bad_name)?;
        create_dir_all_synced(dir)?;
        match std::fs::hard_link(from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return renew(&to),
            Err(_) => {
                // A file system without hard links: copy beside it, then rename atomically.
                let tmp = self
                    .root
                    .join("uploads")
                    .join(format!("copy-{}.part", uuid::Uuid::now_v7().simple()));
                std::fs::copy(from, &tmp)?;
                std::fs::File::open(&tmp)?.sync_all()?;
                std::fs::rename(&tmp, &to)?;
            }
        }
        sync_dir(dir)
    }

    fn install(&self, from: &Path, sha256: &str) -> std::io::Result<()> {
        let to = self.final_path(sha256)?;
        let dir = to.parent().ok_or_else(bad_name)?;
        create_dir_all_synced(dir)?;
        std::fs::rename(from, &to)?;
        sync_dir(dir)?;
        if let Some(from_dir) = from.parent() {
            sync_dir(from_dir)?;
        }
        Ok(())
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| std::io::Error::other(format!("blob worker: {e}")))?
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn write_chunk(
        &self,
        upload_id: &str,
        offset: u64,
        data: bytes::Bytes,
    ) -> std::io::Result<()> {
        let path = self.part(upload_id)?;
        blocking(move || {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            let len = f.metadata()?.len();
            if len < offset {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "part file shorter than the acknowledged offset",
                ));
            }
            f.set_len(offset)?;
            f.seek(SeekFrom::Start(offset))?;
            f.write_all(&data)?;
            f.sync_all()?;
            if len == 0 {
                // A new part file: its name is durable only once its directory is synced.
                if let Some(dir) = path.parent() {
                    sync_dir(dir)?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn finalize(&self, upload_id: &str, sha256: &str) -> std::io::Result<Finalize> {
        let path = self.part(upload_id)?;
        let this = self.clone();
        let sha = sha256.to_owned();
        blocking(move || {
            let mut f = match std::fs::File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Finalize::NoPart),
                Err(e) => return Err(e),
            };
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 64 * 1024];
            let mut size = 0u64;
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                size += n as u64;
                hasher.update(&buf[..n]);
            }
            drop(f);
            if hex::encode(hasher.finalize()) != sha {
                return Ok(Finalize::Mismatch);
            }
            this.install_copy(&path, &sha)?;
            Ok(Finalize::Stored { size })
        })
        .await
    }

    async fn store_whole(&self, sha256: &str, data: bytes::Bytes) -> std::io::Result<Finalize> {
        let to = self.final_path(sha256)?;
        let tmp = self
            .root
            .join("uploads")
            .join(format!("whole-{}.part", uuid::Uuid::now_v7().simple()));
        let sha = sha256.to_owned();
        blocking(move || {
            if hex::encode(Sha256::digest(&data)) != sha {
                return Ok(Finalize::Mismatch);
            }
            let size = data.len() as u64;
            let dir = to.parent().ok_or_else(bad_name)?;
            create_dir_all_synced(dir)?;
            match renew(&to) {
                Ok(()) => return Ok(Finalize::Stored { size }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            // Written beside the uploads and renamed into place: one new file, synced, and its
            // directory synced once — the part file's second write, read-back and delete are
            // for bytes that arrive over several requests.
            let written = (|| {
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(&data)?;
                f.sync_all()?;
                std::fs::rename(&tmp, &to)
            })();
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            sync_dir(dir)?;
            Ok(Finalize::Stored { size })
        })
        .await
    }

    async fn discard(&self, upload_id: &str) -> std::io::Result<()> {
        let path = self.part(upload_id)?;
        blocking(move || match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        })
        .await
    }

    async fn stored_size(&self, sha256: &str) -> std::io::Result<Option<u64>> {
        let path = self.final_path(sha256)?;
        blocking(move || match std::fs::metadata(&path) {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let path = self.final_path(sha256)?;
        blocking(move || std::fs::read(&path)).await
    }

    async fn put(&self, data: bytes::Bytes) -> std::io::Result<String> {
        let this = self.clone();
        blocking(move || {
            let sha = hex::encode(Sha256::digest(&data));
            let tmp = this
                .root
                .join("uploads")
                .join(format!("put-{}.part", uuid::Uuid::now_v7().simple()));
            {
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(&data)?;
                f.sync_all()?;
            }
            this.install(&tmp, &sha)?;
            Ok(sha)
        })
        .await
    }

    async fn remove_if_older(
        &self,
        kind: FileKind,
        name: &str,
        before: std::time::SystemTime,
    ) -> std::io::Result<Removal> {
        let path = match kind {
            FileKind::Blob => self.final_path(name)?,
            FileKind::Part => self.part(name)?,
        };
        blocking(move || {
            let modified = match std::fs::metadata(&path).and_then(|m| m.modified()) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Removal::Missing),
                Err(e) => return Err(e),
            };
            if modified >= before {
                return Ok(Removal::Newer);
            }
            match std::fs::remove_file(&path) {
                Ok(()) => Ok(Removal::Removed),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Removal::Missing),
                Err(e) => Err(e),
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_temporary_files_are_swept_at_open() {
        let dir = tempfile::tempdir().unwrap();
        FsBlobStore::open(dir.path()).unwrap();
        let uploads = dir.path().join("uploads");
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        let file = |name: &str, old: bool| {
            let f = std::fs::File::create(uploads.join(name)).unwrap();
            if old {
                f.set_modified(two_hours_ago).unwrap();
            }
        };
        file("whole-0192abc.part", true);
        file("put-0192abc.part", true);
        file("copy-0192abc.part", true);
        file("whole-0192def.part", false); // being written now
        file("0192aaaabbbbccccddddeeeeffff0000.part", true); // an upload's part file
        file("whole-notes.txt", true); // not ours
        FsBlobStore::open(dir.path()).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(&uploads)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "0192aaaabbbbccccddddeeeeffff0000.part",
                "whole-0192def.part",
                "whole-notes.txt"
            ]
        );
    }

    #[tokio::test]
    async fn chunks_resume_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        let data = b"hello blob world".to_vec();
        let sha = hex::encode(Sha256::digest(&data));
        store
            .write_chunk("u1", 0, bytes::Bytes::copy_from_slice(&data[..5]))
            .await
            .unwrap();
        // an unacknowledged tail left by a crash is dropped by the next write at the acked offset
        store
            .write_chunk("u1", 5, bytes::Bytes::from_static(b"GARBAGE-GARBAGE"))
            .await
            .unwrap();
        store
            .write_chunk("u1", 5, bytes::Bytes::copy_from_slice(&data[5..]))
            .await
            .unwrap();
        assert!(store
            .write_chunk("u1", 99, bytes::Bytes::new())
            .await
            .is_err());
        assert_eq!(
            store.finalize("u1", &sha).await.unwrap(),
            Finalize::Stored {
                size: data.len() as u64
            }
        );
        // The part file stays until discarded: finalising again verifies it again.
        assert_eq!(
            store.finalize("u1", &sha).await.unwrap(),
            Finalize::Stored {
                size: data.len() as u64
            }
        );
        store.discard("u1").await.unwrap();
        assert_eq!(store.finalize("u1", &sha).await.unwrap(), Finalize::NoPart);
        assert_eq!(store.read(&sha).await.unwrap(), data);
        assert_eq!(
            store.stored_size(&sha).await.unwrap(),
            Some(data.len() as u64)
        );
        store
            .write_chunk("u2", 0, bytes::Bytes::from_static(b"other"))
            .await
            .unwrap();
        assert_eq!(
            store.finalize("u2", &sha).await.unwrap(),
            Finalize::Mismatch
        );
        // A mismatch stores nothing: the blob is still the first upload's bytes.
        assert_eq!(store.read(&sha).await.unwrap(), data);
        store.discard("u2").await.unwrap();
        assert_eq!(store.finalize("u2", &sha).await.unwrap(), Finalize::NoPart);
        assert!(store
            .write_chunk("../x", 0, bytes::Bytes::new())
            .await
            .is_err());
        assert!(store.read("../../etc/passwd").await.is_err());
        assert_eq!(
            store.put(bytes::Bytes::from(data.clone())).await.unwrap(),
            sha
        );
    }
}
