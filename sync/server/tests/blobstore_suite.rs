//! The blob-store contract (the doc comments of `dvc_sync::blobstore::BlobStore`), one suite run
//! against both implementations: `fs::<case>` on a temp directory and `s3::<case>` on a bucket of
//! a local S3 server (Python's moto, which `./x` installs; `DVC_TEST_MOTO_PYTHON` names its
//! interpreter — without it the S3 half fails and says how to get it).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use dvc_sync::blobstore::{BlobStore, Finalize, FsBlobStore, Removal};
use dvc_sync::db::FileKind;
use dvc_sync::test_support::{sha, MotoS3};

/// Generates `fs::<case>` and `s3::<case>` from `async fn case(store: &dyn BlobStore)`.
macro_rules! both_stores {
    ($($name:ident),* $(,)?) => {
        mod fs { $(
            #[tokio::test]
            async fn $name() {
                let dir = tempfile::tempdir().unwrap();
                let store = super::FsBlobStore::open(dir.path()).unwrap();
                super::$name(&store).await
            }
        )* }
        mod s3 { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store = super::MotoS3::shared().store().await;
                super::$name(&store).await
            }
        )* }
    };
}

both_stores!(
    chunks_append_and_finalize,
    rewrite_at_an_earlier_offset,
    finalize_mismatch_stores_nothing,
    finalize_without_a_part,
    finalize_again_and_of_bytes_already_stored,
    discard_is_per_upload_and_idempotent,
    stored_size_and_read,
    put_is_content_addressed,
    remove_if_older_blobs,
    remove_if_older_parts,
    bad_names_are_refused,
    a_blob_larger_than_a_multipart_part,
    store_whole_verifies_and_stores,
    store_whole_again_renews_the_blob,
    finalize_again_renews_the_blob,
);

/// `n` bytes that differ with `seed`.
fn bytes_of(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

/// Writes `data` into upload `id` in chunks of `chunk` bytes.
async fn write_all(store: &dyn BlobStore, id: &str, data: &[u8], chunk: usize) {
    for (i, part) in data.chunks(chunk).enumerate() {
        store
            .write_chunk(id, (i * chunk) as u64, Bytes::copy_from_slice(part))
            .await
            .unwrap();
    }
}

fn stored(n: usize) -> Finalize {
    Finalize::Stored { size: n as u64 }
}

async fn chunks_append_and_finalize(store: &dyn BlobStore) {
    let data = bytes_of(10_000, 1);
    let hash = sha(&data);
    write_all(store, "u1", &data, 3_000).await;
    assert_eq!(store.stored_size(&hash).await.unwrap(), None);
    assert_eq!(
        store.finalize("u1", &hash).await.unwrap(),
        stored(data.len())
    );
    assert_eq!(store.read(&hash).await.unwrap(), data);
    assert_eq!(store.stored_size(&hash).await.unwrap(), Some(10_000));
    // one empty chunk is an empty file
    store.write_chunk("empty", 0, Bytes::new()).await.unwrap();
    assert_eq!(store.finalize("empty", &sha(b"")).await.unwrap(), stored(0));
    assert_eq!(store.read(&sha(b"")).await.unwrap(), b"");
}

async fn rewrite_at_an_earlier_offset(store: &dyn BlobStore) {
    let data = bytes_of(9_000, 2);
    let hash = sha(&data);
    store
        .write_chunk("u1", 0, Bytes::copy_from_slice(&data[..4_000]))
        .await
        .unwrap();
    // a crash left bytes after the acknowledged 4,000 (two chunks of them)
    store
        .write_chunk("u1", 4_000, Bytes::from(vec![0xAA; 3_000]))
        .await
        .unwrap();
    store
        .write_chunk("u1", 7_000, Bytes::from(vec![0xBB; 3_000]))
        .await
        .unwrap();
    assert_eq!(
        store.finalize("u1", &hash).await.unwrap(),
        Finalize::Mismatch
    );
    // the client resumes at the acknowledged offset: what came after it is dropped
    store
        .write_chunk("u1", 4_000, Bytes::copy_from_slice(&data[4_000..]))
        .await
        .unwrap();
    assert_eq!(
        store.finalize("u1", &hash).await.unwrap(),
        stored(data.len())
    );
    assert_eq!(store.read(&hash).await.unwrap(), data);
    // a rewrite inside a chunk cuts that chunk at the offset
    let other = bytes_of(5_000, 3);
    store
        .write_chunk("u2", 0, Bytes::from(vec![0xCC; 5_000]))
        .await
        .unwrap();
    store
        .write_chunk("u2", 1_500, Bytes::copy_from_slice(&other[1_500..]))
        .await
        .unwrap();
    let mut expected = vec![0xCC; 1_500];
    expected.extend_from_slice(&other[1_500..]);
    assert_eq!(
        store.finalize("u2", &sha(&expected)).await.unwrap(),
        stored(5_000)
    );
    // an offset past what was written is refused, and changes nothing
    let e = store
        .write_chunk("u2", 9_999, Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof, "{e}");
    let e = store
        .write_chunk("fresh", 10, Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof, "{e}");
    assert_eq!(
        store.finalize("u2", &sha(&expected)).await.unwrap(),
        stored(5_000)
    );
    // back to 0: a new start
    store
        .write_chunk("u2", 0, Bytes::from_static(b"again"))
        .await
        .unwrap();
    assert_eq!(
        store.finalize("u2", &sha(b"again")).await.unwrap(),
        stored(5)
    );
}

async fn finalize_mismatch_stores_nothing(store: &dyn BlobStore) {
    let data = bytes_of(6_000, 4);
    let declared = sha(b"something else");
    write_all(store, "u1", &data, 2_500).await;
    assert_eq!(
        store.finalize("u1", &declared).await.unwrap(),
        Finalize::Mismatch
    );
    assert_eq!(store.stored_size(&declared).await.unwrap(), None);
    assert_eq!(store.stored_size(&sha(&data)).await.unwrap(), None);
    // the part stays until discarded: the same answer again, then no part
    assert_eq!(
        store.finalize("u1", &declared).await.unwrap(),
        Finalize::Mismatch
    );
    // a name that is not a hash matches no bytes
    assert_eq!(
        store.finalize("u1", "not-a-hash").await.unwrap(),
        Finalize::Mismatch
    );
    store.discard("u1").await.unwrap();
    assert_eq!(
        store.finalize("u1", &declared).await.unwrap(),
        Finalize::NoPart
    );
    // a mismatch leaves an existing blob of the declared hash as it was
    let real = bytes_of(100, 5);
    let real_hash = store.put(Bytes::from(real.clone())).await.unwrap();
    write_all(store, "u2", &data, 4_000).await;
    assert_eq!(
        store.finalize("u2", &real_hash).await.unwrap(),
        Finalize::Mismatch
    );
    assert_eq!(store.read(&real_hash).await.unwrap(), real);
}

async fn finalize_without_a_part(store: &dyn BlobStore) {
    assert_eq!(
        store.finalize("never-written", &sha(b"x")).await.unwrap(),
        Finalize::NoPart
    );
    store.discard("never-written").await.unwrap();
    assert_eq!(
        store.finalize("never-written", &sha(b"x")).await.unwrap(),
        Finalize::NoPart
    );
}

async fn finalize_again_and_of_bytes_already_stored(store: &dyn BlobStore) {
    let data = bytes_of(7_000, 6);
    let hash = sha(&data);
    write_all(store, "u1", &data, 2_000).await;
    for _ in 0..3 {
        assert_eq!(
            store.finalize("u1", &hash).await.unwrap(),
            stored(data.len())
        );
    }
    store.discard("u1").await.unwrap();
    assert_eq!(store.finalize("u1", &hash).await.unwrap(), Finalize::NoPart);
    assert_eq!(store.read(&hash).await.unwrap(), data);
    // someone else uploads the same bytes: stored (the same blob), still readable
    write_all(store, "u2", &data, 3_000).await;
    assert_eq!(
        store.finalize("u2", &hash).await.unwrap(),
        stored(data.len())
    );
    store.discard("u2").await.unwrap();
    assert_eq!(store.read(&hash).await.unwrap(), data);
    assert_eq!(store.stored_size(&hash).await.unwrap(), Some(7_000));
}

async fn discard_is_per_upload_and_idempotent(store: &dyn BlobStore) {
    let a = bytes_of(3_000, 7);
    let b = bytes_of(3_000, 8);
    // "u1" is a prefix of "u10": discarding one must not touch the other
    write_all(store, "u1", &a, 1_000).await;
    write_all(store, "u10", &b, 1_000).await;
    store.discard("u1").await.unwrap();
    store.discard("u1").await.unwrap();
    assert_eq!(
        store.finalize("u1", &sha(&a)).await.unwrap(),
        Finalize::NoPart
    );
    assert_eq!(
        store.finalize("u10", &sha(&b)).await.unwrap(),
        stored(3_000)
    );
    // discarding the part keeps the stored blob
    store.discard("u10").await.unwrap();
    assert_eq!(store.read(&sha(&b)).await.unwrap(), b);
    // a discarded upload starts again from 0
    let e = store
        .write_chunk("u10", 1_000, Bytes::from_static(b"x"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
}

async fn stored_size_and_read(store: &dyn BlobStore) {
    let missing = sha(b"never stored");
    assert_eq!(store.stored_size(&missing).await.unwrap(), None);
    let e = store.read(&missing).await.unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "{e}");
    let data = bytes_of(12_345, 9);
    write_all(store, "u1", &data, 4_096).await;
    let hash = sha(&data);
    assert_eq!(store.finalize("u1", &hash).await.unwrap(), stored(12_345));
    assert_eq!(store.stored_size(&hash).await.unwrap(), Some(12_345));
    assert_eq!(store.read(&hash).await.unwrap(), data);
}

async fn put_is_content_addressed(store: &dyn BlobStore) {
    let pdf = b"%PDF-1.7 synthetic result".to_vec();
    let hash = store.put(Bytes::from(pdf.clone())).await.unwrap();
    assert_eq!(hash, sha(&pdf));
    assert_eq!(store.read(&hash).await.unwrap(), pdf);
    assert_eq!(
        store.stored_size(&hash).await.unwrap(),
        Some(pdf.len() as u64)
    );
    // again: the same name, the same bytes
    assert_eq!(store.put(Bytes::from(pdf.clone())).await.unwrap(), hash);
    assert_eq!(store.read(&hash).await.unwrap(), pdf);
    // an upload of the same bytes finds them stored
    write_all(store, "u1", &pdf, 10).await;
    assert_eq!(
        store.finalize("u1", &hash).await.unwrap(),
        stored(pdf.len())
    );
}

/// Long before and long after "now": storage clocks keep whole seconds (S3's `Last-Modified`).
fn long_ago() -> SystemTime {
    SystemTime::now() - Duration::from_secs(600)
}
fn later() -> SystemTime {
    SystemTime::now() + Duration::from_secs(600)
}

async fn remove_if_older_blobs(store: &dyn BlobStore) {
    let missing = sha(b"not there");
    assert_eq!(
        store
            .remove_if_older(FileKind::Blob, &missing, later())
            .await
            .unwrap(),
        Removal::Missing
    );
    let hash = store.put(Bytes::from_static(b"a blob")).await.unwrap();
    // written after the cut-off: a fresh copy, kept
    assert_eq!(
        store
            .remove_if_older(FileKind::Blob, &hash, long_ago())
            .await
            .unwrap(),
        Removal::Newer
    );
    assert_eq!(store.stored_size(&hash).await.unwrap(), Some(6));
    assert_eq!(
        store
            .remove_if_older(FileKind::Blob, &hash, later())
            .await
            .unwrap(),
        Removal::Removed
    );
    assert_eq!(store.stored_size(&hash).await.unwrap(), None);
    assert_eq!(
        store
            .remove_if_older(FileKind::Blob, &hash, later())
            .await
            .unwrap(),
        Removal::Missing
    );
}

async fn remove_if_older_parts(store: &dyn BlobStore) {
    assert_eq!(
        store
            .remove_if_older(FileKind::Part, "nothing", later())
            .await
            .unwrap(),
        Removal::Missing
    );
    let data = bytes_of(5_000, 10);
    write_all(store, "u1", &data, 2_000).await;
    write_all(store, "u2", &data, 2_000).await;
    assert_eq!(
        store
            .remove_if_older(FileKind::Part, "u1", long_ago())
            .await
            .unwrap(),
        Removal::Newer
    );
    assert_eq!(
        store.finalize("u1", &sha(&data)).await.unwrap(),
        stored(5_000)
    );
    assert_eq!(
        store
            .remove_if_older(FileKind::Part, "u1", later())
            .await
            .unwrap(),
        Removal::Removed
    );
    assert_eq!(
        store.finalize("u1", &sha(&data)).await.unwrap(),
        Finalize::NoPart
    );
    // the other upload and the stored blob are untouched
    assert_eq!(
        store.finalize("u2", &sha(&data)).await.unwrap(),
        stored(5_000)
    );
    assert_eq!(store.read(&sha(&data)).await.unwrap(), data);
}

async fn bad_names_are_refused(store: &dyn BlobStore) {
    let long = "a".repeat(65);
    let bad_ids = ["", "../x", "a/b", "a b", "u.part", "ü", long.as_str()];
    let good_hash = sha(b"x");
    let bad_hashes = [
        "",
        "../../etc/passwd",
        "ABCDEF",
        &good_hash[..63],
        &format!("{good_hash}0"),
        &good_hash.to_uppercase(),
        &format!("../{}", &good_hash[3..]),
    ];
    let invalid = |r: std::io::Result<()>, what: &str| {
        let e = r.expect_err(what);
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{what}: {e}");
    };
    for id in bad_ids {
        invalid(
            store
                .write_chunk(id, 0, Bytes::from_static(b"x"))
                .await
                .map(|_| ()),
            &format!("write_chunk {id:?}"),
        );
        invalid(
            store.finalize(id, &good_hash).await.map(|_| ()),
            &format!("finalize {id:?}"),
        );
        invalid(store.discard(id).await, &format!("discard {id:?}"));
        invalid(
            store
                .remove_if_older(FileKind::Part, id, later())
                .await
                .map(|_| ()),
            &format!("remove part {id:?}"),
        );
    }
    for h in bad_hashes {
        invalid(
            store.stored_size(h).await.map(|_| ()),
            &format!("stored_size {h:?}"),
        );
        invalid(store.read(h).await.map(|_| ()), &format!("read {h:?}"));
        invalid(
            store
                .remove_if_older(FileKind::Blob, h, later())
                .await
                .map(|_| ()),
            &format!("remove blob {h:?}"),
        );
    }
    // the longest good id is fine
    let max = "b".repeat(64);
    store
        .write_chunk(&max, 0, Bytes::from_static(b"x"))
        .await
        .unwrap();
    assert_eq!(store.finalize(&max, &good_hash).await.unwrap(), stored(1));
}

/// 12 MiB in 512 KiB chunks: more than one multipart part on S3 (parts of 8 MiB).
async fn a_blob_larger_than_a_multipart_part(store: &dyn BlobStore) {
    const MIB: usize = 1024 * 1024;
    let data = bytes_of(12 * MIB, 11);
    let hash = sha(&data);
    write_all(store, "big", &data, MIB / 2).await;
    // a mismatch of a large blob stores nothing either
    let wrong = sha(b"not these bytes");
    assert_eq!(
        store.finalize("big", &wrong).await.unwrap(),
        Finalize::Mismatch
    );
    assert_eq!(store.stored_size(&wrong).await.unwrap(), None);
    assert_eq!(
        store.finalize("big", &hash).await.unwrap(),
        stored(12 * MIB)
    );
    assert_eq!(
        store.stored_size(&hash).await.unwrap(),
        Some(12 * MIB as u64)
    );
    let back = store.read(&hash).await.unwrap();
    assert!(back == data, "the 12 MiB blob reads back different bytes");
    // finalising again (the blob is there now) verifies again
    assert_eq!(
        store.finalize("big", &hash).await.unwrap(),
        stored(12 * MIB)
    );
}

/// `dvc-sync serve --blobs s3://bucket/prefix`, the endpoint and credentials in the standard AWS
/// variables: it starts on a bucket that answers (and never prints the secret key), and refuses
/// to start on a bucket that does not exist or on plain http to another machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_s3_from_the_environment() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    const SECRET: &str = "secret-key-never-printed-0123456789";
    let moto = MotoS3::shared();
    let bucket = moto.new_bucket().await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("s.db").display());
    let serve = |blobs: &str, endpoint: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dvc-sync"));
        c.args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            &db,
            "--blobs",
            blobs,
        ])
        .env("DVC_LOG", "debug")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env_remove("AWS_ALLOW_HTTP")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        c
    };

    let mut child = serve(&format!("s3://{bucket}/blobs"), &moto.endpoint)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap_or("").to_owned();
    let started = url.starts_with("http://127.0.0.1:");
    let health = if started {
        reqwest::get(format!("{url}/healthz"))
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false)
    } else {
        false
    };
    let _ = child.kill();
    let _ = child.wait();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(started, "no listening line: {line:?}\n{log}");
    assert!(health, "/healthz did not answer\n{log}");
    assert!(log.contains("blob storage opened"), "{log}");
    assert!(!log.contains(SECRET), "the secret key was logged");

    let out = serve("s3://no-such-bucket-here/blobs", &moto.endpoint)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "started without its bucket");
    assert!(
        err.contains("blob storage s3://no-such-bucket-here/blobs"),
        "{err}"
    );
    assert!(!err.contains(SECRET), "the secret key was printed");

    // refused before any connection is made (a name that never resolves, to be sure)
    let out = serve(&format!("s3://{bucket}/blobs"), "http://s3.invalid:9000")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "started over plain http to another machine"
    );
    assert!(err.contains("plain http:// only to this machine"), "{err}");
}

async fn store_whole_verifies_and_stores(store: &dyn BlobStore) {
    let data = bytes_of(40_000, 21);
    let hash = sha(&data);
    // bytes that hash to something else: nothing stored
    let other = sha(b"something else");
    assert_eq!(
        store
            .store_whole(&other, Bytes::from(data.clone()))
            .await
            .unwrap(),
        Finalize::Mismatch
    );
    assert_eq!(store.stored_size(&other).await.unwrap(), None);
    assert_eq!(store.stored_size(&hash).await.unwrap(), None);
    assert_eq!(
        store
            .store_whole(&hash, Bytes::from(data.clone()))
            .await
            .unwrap(),
        stored(40_000)
    );
    assert_eq!(store.read(&hash).await.unwrap(), data);
    // no upload was involved: finalizing any upload id finds no part
    assert_eq!(store.finalize("u1", &hash).await.unwrap(), Finalize::NoPart);
    // the same bytes through the resumable path are the same blob
    write_all(store, "u2", &data, 7_000).await;
    assert_eq!(store.finalize("u2", &hash).await.unwrap(), stored(40_000));
    assert_eq!(store.read(&hash).await.unwrap(), data);
    let e = store
        .store_whole("../../etc/passwd", Bytes::from_static(b"x"))
        .await
        .expect_err("a name that is not a hash");
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
}

/// Stores `a` and `b` with `put`, waits, takes a clean-up cut-off, stores `a` again: `a` must
/// survive a clean-up queued at the cut-off (renewed), `b` must not (storage clocks keep whole
/// seconds, hence the pauses).
async fn renewal_keeps_the_blob<'s, F, Fut>(store: &'s dyn BlobStore, seed: u8, put: F)
where
    F: Fn(&'s dyn BlobStore, &'static str, Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = Finalize>,
{
    let a = bytes_of(6_000, seed);
    let b = bytes_of(6_000, seed.wrapping_add(1));
    assert_eq!(put(store, "u1", a.clone()).await, stored(6_000));
    assert_eq!(put(store, "u2", b.clone()).await, stored(6_000));
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let queued = SystemTime::now();
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // the same bytes as the first blob, stored again
    assert_eq!(put(store, "u3", a.clone()).await, stored(6_000));
    assert_eq!(
        store
            .remove_if_older(FileKind::Blob, &sha(&a), queued)
            .await
            .unwrap(),
        Removal::Newer
    );
    assert_eq!(
        store
            .remove_if_older(FileKind::Blob, &sha(&b), queued)
            .await
            .unwrap(),
        Removal::Removed
    );
    assert_eq!(store.read(&sha(&a)).await.unwrap(), a);
}

/// A clean-up queued before the same bytes arrived again whole keeps the blob.
async fn store_whole_again_renews_the_blob(store: &dyn BlobStore) {
    renewal_keeps_the_blob(store, 31, |s, _, data| async move {
        s.store_whole(&sha(&data), Bytes::from(data)).await.unwrap()
    })
    .await;
}

/// The same for bytes that come through an upload (finalize).
async fn finalize_again_renews_the_blob(store: &dyn BlobStore) {
    renewal_keeps_the_blob(store, 41, |s, id, data| async move {
        write_all(s, id, &data, 2_500).await;
        s.finalize(id, &sha(&data)).await.unwrap()
    })
    .await;
}
