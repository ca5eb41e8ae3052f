//! Blob bytes in S3-compatible object storage (AWS S3, MinIO, Ceph RGW, moto…), on the
//! `object_store` crate. Nothing about an upload is kept on the server: every replica behind a
//! load balancer sees the same state, and a replica may die between any two requests.
//!
//! Layout under `s3://<bucket>/<prefix>`:
//! - `uploads/<upload id>/<offset as 20 digits>`: one object per acknowledged chunk of an open
//!   upload, named by the offset of its first byte (zero-padded, so the names sort by offset).
//! - `sha256/<hash>`: a verified blob.
//!
//! How the resumable protocol maps onto it:
//! - [`BlobStore::write_chunk`] at `offset` lists the upload's chunks, checks that they cover
//!   `0..offset` without a gap (else `UnexpectedEof`, as the filesystem store answers a part file
//!   shorter than the offset), deletes the chunks that start at or after `offset` (bytes a crash
//!   left unacknowledged), cuts a chunk that runs past `offset` back to it, then writes the new
//!   chunk as its own object. S3 writes are durable when acknowledged, so the acknowledgement that
//!   follows is as safe as the filesystem store's fsync.
//! - [`BlobStore::finalize`] lists the chunks (none: `NoPart`), checks they are contiguous from 0,
//!   and streams them through SHA-256. A blob up to [`PART_BYTES`] is stored with one PUT once its
//!   hash is known; a larger one is streamed into a multipart upload (parts of [`PART_BYTES`],
//!   the last smaller) while it is hashed, and completed only if the hash matches — otherwise
//!   aborted, so a mismatch stores nothing. A blob already stored under the hash (the same bytes
//!   uploaded by someone else) is written again all the same: that renews its `Last-Modified`, so
//!   a clean-up queued before keeps it. The chunks stay until [`BlobStore::discard`], so
//!   finalising again verifies again.
//! - [`BlobStore::store_whole`] (a blob that arrived in one piece) is one PUT once the bytes hash
//!   right.
//! - [`BlobStore::remove_if_older`] compares the object's `Last-Modified` (for an upload: its
//!   newest chunk's) with the cut-off. S3 keeps it to the second, which the clean-up's grace
//!   period (an hour) dwarfs.
//!
//! Names are checked exactly as the filesystem store checks them before any request is made.
//! Endpoint, region and credentials come from the standard AWS environment variables
//! ([`S3BlobStore::from_env`]); plain `http://` is accepted only for an endpoint given explicitly
//! that is this machine (or with `AWS_ALLOW_HTTP=true` set by the operator). Credentials are
//! never logged: this type's `Debug` shows the bucket and prefix only.

use std::sync::Arc;

use async_trait::async_trait;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{ClientConfigKey, ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

use super::{bad_name, valid_name, BlobStore, Finalize, Removal};
use crate::db::FileKind;

/// Size of a multipart upload's parts (S3 wants at least 5 MiB for all but the last); blobs up to
/// this size are stored with a single PUT.
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// `bucket` and key `prefix` of an `s3://bucket/prefix` location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    bucket: String,
    prefix: String,
}

impl S3Location {
    /// `bucket[/prefix]` (what follows `s3://`). The bucket follows S3's naming rules (3–63 of
    /// `a-z 0-9 . -`); the prefix is `/`-separated segments of `A-Z a-z 0-9 . _ -`, no `.`/`..`.
    pub fn parse(s: &str) -> Result<S3Location, String> {
        let (bucket, prefix) = s.split_once('/').unwrap_or((s, ""));
        let prefix = prefix.trim_end_matches('/');
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && bucket.as_bytes()[0].is_ascii_alphanumeric();
        if !bucket_ok {
            return Err(format!(
                "--blobs s3://{s}: the bucket name must be 3–63 of a-z 0-9 . -"
            ));
        }
        let prefix_ok = prefix.is_empty()
            || prefix.split('/').all(|seg| {
                !seg.is_empty()
                    && seg != "."
                    && seg != ".."
                    && seg
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            });
        if !prefix_ok {
            return Err(format!(
                "--blobs s3://{s}: the prefix must be /-separated names of A-Z a-z 0-9 . _ -"
            ));
        }
        Ok(S3Location {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The key prefix (no leading or trailing `/`; may be empty).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

impl std::fmt::Display for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// S3-compatible blob storage (see the module doc).
#[derive(Clone)]
pub struct S3BlobStore {
    store: Arc<dyn ObjectStore>,
    location: S3Location,
    root: Path,
}

impl std::fmt::Debug for S3BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the client: its configuration holds the credentials.
        f.debug_struct("S3BlobStore")
            .field("location", &self.location.to_string())
            .finish_non_exhaustive()
    }
}

/// One chunk object of an open upload.
struct Chunk {
    offset: u64,
    meta: ObjectMeta,
}

fn invalid_data(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
}

/// An `object_store` error as an I/O error with what we were doing (a missing object keeps
/// `NotFound`). Its text names the key, never a credential.
fn io_err(context: &str, e: object_store::Error) -> std::io::Error {
    match e {
        object_store::Error::NotFound { .. } => std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("S3 {context}: not found"),
        ),
        other => std::io::Error::other(format!("S3 {context}: {other}")),
    }
}

/// Whether an endpoint URL is plain http to this machine.
fn http_endpoint_is_loopback(endpoint: &str) -> bool {
    endpoint
        .strip_prefix("http://")
        .map(|rest| rest.split(['/', '?']).next().unwrap_or(""))
        .is_some_and(crate::config::is_loopback_host)
}

impl S3BlobStore {
    /// The store at `location`, configured from the standard AWS environment variables
    /// (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`, web identity, container and instance credentials…).
    pub fn from_env(location: &S3Location) -> std::io::Result<S3BlobStore> {
        Self::with_builder(location, AmazonS3Builder::from_env())
    }

    /// The store at `location` with the client settings of `builder` (endpoint, region,
    /// credentials); the bucket comes from `location`. Plain http only as the module doc says.
    pub fn with_builder(
        location: &S3Location,
        builder: AmazonS3Builder,
    ) -> std::io::Result<S3BlobStore> {
        let endpoint = builder
            .get_config_value(&AmazonS3ConfigKey::S3Endpoint)
            .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::Endpoint));
        let operator_allows_http = builder
            .get_config_value(&AmazonS3ConfigKey::Client(ClientConfigKey::AllowHttp))
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let allow_http = match endpoint.as_deref() {
            Some(e) if e.starts_with("http://") => {
                if !(http_endpoint_is_loopback(e) || operator_allows_http) {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "S3 endpoint: plain http:// only to this machine (use https://, or set \
                         AWS_ALLOW_HTTP=true on a network you trust)",
                    ));
                }
                true
            }
            _ => false,
        };
        let store = builder
            .with_bucket_name(location.bucket())
            .with_allow_http(allow_http)
            .build()
            .map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("S3 client for {location}: {e}"),
                )
            })?;
        Self::with_store(location, Arc::new(store))
    }

    /// The store at `location` on an already built client (for tests and other back-ends).
    pub fn with_store(
        location: &S3Location,
        store: Arc<dyn ObjectStore>,
    ) -> std::io::Result<S3BlobStore> {
        let root = Path::parse(location.prefix())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        Ok(S3BlobStore {
            store,
            location: location.clone(),
            root,
        })
    }

    /// Asks the bucket for one listing page under the prefix: wrong credentials, a missing
    /// bucket or an unreachable endpoint fail here, at start-up, rather than at the first upload.
    pub async fn check(&self) -> std::io::Result<()> {
        self.store
            .list_with_delimiter(Some(&self.root))
            .await
            .map(|_| ())
            .map_err(|e| io_err("list the bucket", e))
    }

    fn upload_dir(&self, upload_id: &str) -> std::io::Result<Path> {
        if !valid_name(upload_id) {
            return Err(bad_name());
        }
        Ok(self.root.clone().join("uploads").join(upload_id))
    }

    fn blob_path(&self, sha256: &str) -> std::io::Result<Path> {
        if !dvc_protocol::blobs::is_sha256_hex(sha256) {
            return Err(bad_name());
        }
        Ok(self.root.clone().join("sha256").join(sha256))
    }

    /// The upload's chunk objects, by offset.
    async fn chunks(&self, dir: &Path) -> std::io::Result<Vec<Chunk>> {
        let mut out = Vec::new();
        let mut list = self.store.list(Some(dir));
        while let Some(meta) = list.next().await {
            let meta = meta.map_err(|e| io_err("list upload chunks", e))?;
            let offset = meta
                .location
                .filename()
                .filter(|n| n.len() == 20)
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(|| {
                    invalid_data(format!("unexpected object {} in an upload", meta.location))
                })?;
            out.push(Chunk { offset, meta });
        }
        out.sort_by_key(|c| c.offset);
        Ok(out)
    }

    fn chunk_path(dir: &Path, offset: u64) -> Path {
        dir.clone().join(format!("{offset:020}").as_str())
    }

    async fn get(&self, path: &Path, context: &str) -> std::io::Result<bytes::Bytes> {
        let res = self.store.get(path).await.map_err(|e| io_err(context, e))?;
        res.bytes().await.map_err(|e| io_err(context, e))
    }

    async fn put_object(
        &self,
        path: &Path,
        data: bytes::Bytes,
        context: &str,
    ) -> std::io::Result<()> {
        self.store
            .put(path, PutPayload::from(data))
            .await
            .map(|_| ())
            .map_err(|e| io_err(context, e))
    }

    async fn delete(&self, path: &Path, context: &str) -> std::io::Result<()> {
        match self.store.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io_err(context, e)),
        }
    }

    /// Streams the chunks through SHA-256 into a multipart upload of `dest`, completed only if
    /// the hash is `sha256`. Returns whether it matched.
    async fn copy_multipart(
        &self,
        chunks: &[Chunk],
        dest: &Path,
        sha256: &str,
    ) -> std::io::Result<bool> {
        let upload = self
            .store
            .put_multipart(dest)
            .await
            .map_err(|e| io_err("start multipart upload", e))?;
        let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut hasher = Sha256::new();
        for c in chunks {
            let step = async {
                let data = self.get(&c.meta.location, "read upload chunk").await?;
                hasher.update(&data);
                writer
                    .wait_for_capacity(2)
                    .await
                    .map_err(|e| io_err("upload part", e))?;
                writer.put(data);
                Ok::<(), std::io::Error>(())
            }
            .await;
            if let Err(e) = step {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, "S3: aborting a multipart upload failed");
                }
                return Err(e);
            }
        }
        if hex::encode(hasher.finalize()) != sha256 {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(error = %abort, "S3: aborting a multipart upload failed");
            }
            return Ok(false);
        }
        writer
            .finish()
            .await
            .map_err(|e| io_err("complete multipart upload", e))?;
        Ok(true)
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn write_chunk(
        &self,
        upload_id: &str,
        offset: u64,
        data: bytes::Bytes,
    ) -> std::io::Result<()> {
        let dir = self.upload_dir(upload_id)?;
        let chunks = self.chunks(&dir).await?;
        // What is there below `offset` must be contiguous from 0 and reach it.
        let mut end = 0u64;
        let mut straddling = None;
        for c in chunks.iter().filter(|c| c.offset < offset) {
            if c.offset != end {
                break;
            }
            end = c.offset + c.meta.size;
            if end > offset {
                straddling = Some(c);
                break;
            }
        }
        if end < offset {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "upload shorter than the acknowledged offset",
            ));
        }
        for c in chunks.iter().filter(|c| c.offset >= offset) {
            self.delete(&c.meta.location, "delete unacknowledged chunk")
                .await?;
        }
        if let Some(c) = straddling {
            let keep = usize::try_from(offset - c.offset)
                .map_err(|_| invalid_data(format!("upload {upload_id}: chunk too large")))?;
            let head = self
                .get(&c.meta.location, "read chunk to cut")
                .await?
                .slice(..keep);
            self.put_object(&c.meta.location, head, "cut chunk").await?;
        }
        self.put_object(&Self::chunk_path(&dir, offset), data, "write chunk")
            .await
    }

    async fn finalize(&self, upload_id: &str, sha256: &str) -> std::io::Result<Finalize> {
        let dir = self.upload_dir(upload_id)?;
        let chunks = self.chunks(&dir).await?;
        if chunks.is_empty() {
            return Ok(Finalize::NoPart);
        }
        let mut size = 0u64;
        for c in &chunks {
            if c.offset != size {
                return Err(invalid_data(format!(
                    "upload {upload_id}: a chunk starts at {}, expected {size}",
                    c.offset
                )));
            }
            size += c.meta.size;
        }
        if !dvc_protocol::blobs::is_sha256_hex(sha256) {
            // No bytes hash to a name that is not a hash (the filesystem store's answer too).
            return Ok(Finalize::Mismatch);
        }
        let dest = self.blob_path(sha256)?;
        // Written even when the blob is there already (the same bytes): that renews its
        // `Last-Modified`, so a clean-up queued before keeps it (see `remove_if_older`).
        if size <= PART_BYTES as u64 {
            let mut hasher = Sha256::new();
            let mut whole = Vec::new();
            for c in &chunks {
                let data = self.get(&c.meta.location, "read upload chunk").await?;
                hasher.update(&data);
                whole.extend_from_slice(&data);
            }
            if hex::encode(hasher.finalize()) != sha256 {
                return Ok(Finalize::Mismatch);
            }
            self.put_object(&dest, whole.into(), "store blob").await?;
            return Ok(Finalize::Stored { size });
        }
        if self.copy_multipart(&chunks, &dest, sha256).await? {
            Ok(Finalize::Stored { size })
        } else {
            Ok(Finalize::Mismatch)
        }
    }

    async fn discard(&self, upload_id: &str) -> std::io::Result<()> {
        let dir = self.upload_dir(upload_id)?;
        for c in self.chunks(&dir).await? {
            self.delete(&c.meta.location, "delete upload chunk").await?;
        }
        Ok(())
    }

    async fn stored_size(&self, sha256: &str) -> std::io::Result<Option<u64>> {
        let path = self.blob_path(sha256)?;
        match self.store.head(&path).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(io_err("look up blob", e)),
        }
    }

    async fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let path = self.blob_path(sha256)?;
        Ok(self.get(&path, "read blob").await?.to_vec())
    }

    async fn store_whole(&self, sha256: &str, data: bytes::Bytes) -> std::io::Result<Finalize> {
        let path = self.blob_path(sha256)?;
        if hex::encode(Sha256::digest(&data)) != sha256 {
            return Ok(Finalize::Mismatch);
        }
        let size = data.len() as u64;
        // One PUT, atomic; over bytes already stored it renews `Last-Modified`.
        self.put_object(&path, data, "store blob").await?;
        Ok(Finalize::Stored { size })
    }

    async fn put(&self, data: bytes::Bytes) -> std::io::Result<String> {
        let sha = hex::encode(Sha256::digest(&data));
        let path = self.blob_path(&sha)?;
        self.put_object(&path, data, "store blob").await?;
        Ok(sha)
    }

    async fn remove_if_older(
        &self,
        kind: FileKind,
        name: &str,
        before: std::time::SystemTime,
    ) -> std::io::Result<Removal> {
        match kind {
            FileKind::Blob => {
                let path = self.blob_path(name)?;
                let meta = match self.store.head(&path).await {
                    Ok(m) => m,
                    Err(object_store::Error::NotFound { .. }) => return Ok(Removal::Missing),
                    Err(e) => return Err(io_err("look up blob", e)),
                };
                if std::time::SystemTime::from(meta.last_modified) >= before {
                    return Ok(Removal::Newer);
                }
                self.delete(&path, "delete blob").await?;
                Ok(Removal::Removed)
            }
            FileKind::Part => {
                let dir = self.upload_dir(name)?;
                let chunks = self.chunks(&dir).await?;
                let Some(newest) = chunks.iter().map(|c| c.meta.last_modified).max() else {
                    return Ok(Removal::Missing);
                };
                if std::time::SystemTime::from(newest) >= before {
                    return Ok(Removal::Newer);
                }
                for c in &chunks {
                    self.delete(&c.meta.location, "delete upload chunk").await?;
                }
                Ok(Removal::Removed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> AmazonS3Builder {
        AmazonS3Builder::new()
            .with_region("us-east-1")
            .with_access_key_id("AKIDTEST")
            .with_secret_access_key("not-a-real-secret-key")
    }

    #[test]
    fn plain_http_only_to_this_machine() {
        let loc = S3Location::parse("dvc-blobs/p").unwrap();
        for ok in [
            "http://127.0.0.1:9000",
            "http://localhost:9000/",
            "http://[::1]:9000",
            "https://s3.example.vn",
        ] {
            assert!(
                S3BlobStore::with_builder(&loc, builder().with_endpoint(ok)).is_ok(),
                "{ok}"
            );
        }
        for bad in ["http://10.0.0.5:9000", "http://minio.internal:9000"] {
            let e = S3BlobStore::with_builder(&loc, builder().with_endpoint(bad)).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{bad}");
        }
        // the operator's explicit opt-in for a trusted network
        assert!(S3BlobStore::with_builder(
            &loc,
            builder()
                .with_endpoint("http://minio.internal:9000")
                .with_allow_http(true)
        )
        .is_ok());
    }

    #[test]
    fn debug_never_shows_credentials() {
        let loc = S3Location::parse("dvc-blobs/p").unwrap();
        let s = S3BlobStore::with_builder(&loc, builder()).unwrap();
        let shown = format!("{s:?}");
        assert!(shown.contains("s3://dvc-blobs/p"), "{shown}");
        assert!(!shown.contains("not-a-real-secret-key"), "{shown}");
        assert!(!shown.contains("AKIDTEST"), "{shown}");
    }
}
