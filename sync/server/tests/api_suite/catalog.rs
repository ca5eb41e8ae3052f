//! GET /v1/catalog/latest and /v1/catalog/bundles/{version}, and publishing (`src/api/catalog.rs`,
//! `dvc-sync catalog publish`).

use dvc_protocol::catalog::bundle::{self as signed, generate_signing_key, pack, BundleError};
use dvc_sync::api::catalog::{publish_bundle, PublishError};
use reqwest::header::{ACCEPT_RANGES, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_NONE_MATCH, RANGE};
use reqwest::{Method, StatusCode};
use sha2::{Digest, Sha256};

use crate::common::*;

crate::both_backends!(publish_latest_and_resumable_download);

/// The repository's catalog and guides relabelled `version`, signed with `key`.
pub fn bundle_of(version: &str, key: &ed25519_dalek::SigningKey) -> Vec<u8> {
    let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets");
    let mut files =
        signed::read_dirs(&assets.join("catalog"), Some(&assets.join("guides"))).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&files["manifest.json"]).unwrap();
    m["catalog_version"] = version.into();
    files.insert("manifest.json".into(), m.to_string());
    pack(&files, key, "2026-12-07T10:00:00Z").unwrap()
}

async fn get(h: &Harness, path: &str, range: Option<&str>) -> reqwest::Response {
    let mut r = h.req(Method::GET, path, None);
    if let Some(range) = range {
        r = r.header(RANGE, range);
    }
    r.send().await.unwrap()
}

async fn start_empty(b: Backend) -> Harness {
    let h = Harness::start(b).await;
    // Nothing published yet.
    let (s, v) = h.json(Method::GET, "/v1/catalog/latest", None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["code"], "404.1");
    h
}

async fn publish_latest_and_resumable_download(b: Backend) {
    let h = start_empty(b).await;
    let blobs = h.server.state.blobs.clone();
    let key = generate_signing_key();
    let public = key.verifying_key();
    let v1 = bundle_of("2026.12.7.1", &key);
    let row = publish_bundle(
        &h.db,
        &blobs,
        v1.clone(),
        &public,
        dvc_sync::clock::Clock::now_ms(&*h.clock),
    )
    .await
    .unwrap();
    let sha = hex::encode(Sha256::digest(&v1));
    assert_eq!(row.sha256, sha);

    // The newest, anonymously, with an ETag that answers 304 when unchanged.
    let res = get(&h, "/v1/catalog/latest", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag = res.headers()[ETAG].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{sha}\""));
    let latest: dvc_protocol::catalog::CatalogLatest = res.json().await.unwrap();
    assert_eq!(latest.version, "2026.12.7.1");
    assert_eq!(latest.size, v1.len() as u64);
    assert_eq!(latest.sha256, sha);
    let res = h
        .req(Method::GET, "/v1/catalog/latest", None)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    let res = h
        .req(Method::GET, "/v1/catalog/latest", None)
        .header(IF_NONE_MATCH, "\"0000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // The whole bundle, then a download cut after 1000 bytes resumed from there.
    let path = "/v1/catalog/bundles/2026.12.7.1";
    let res = get(&h, path, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[ACCEPT_RANGES], "bytes");
    assert_eq!(res.headers()[CONTENT_TYPE], "application/octet-stream");
    assert_eq!(res.bytes().await.unwrap().to_vec(), v1);
    let first = get(&h, path, Some("bytes=0-999")).await;
    assert_eq!(first.status(), StatusCode::PARTIAL_CONTENT);
    let mut got = first.bytes().await.unwrap().to_vec();
    assert_eq!(got.len(), 1000);
    let rest = get(&h, path, Some("bytes=1000-")).await;
    assert_eq!(rest.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        rest.headers()[CONTENT_RANGE].to_str().unwrap(),
        format!("bytes 1000-{}/{}", v1.len() - 1, v1.len())
    );
    got.extend_from_slice(&rest.bytes().await.unwrap());
    assert_eq!(got, v1);
    assert!(signed::open(&got, &[public]).is_ok());
    let past = get(&h, path, Some(&format!("bytes={}-", v1.len()))).await;
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        past.headers()[CONTENT_RANGE].to_str().unwrap(),
        format!("bytes */{}", v1.len())
    );
    for missing in ["/v1/catalog/bundles/2026.1.1", "/v1/catalog/bundles/..%2Fx"] {
        assert_eq!(get(&h, missing, None).await.status(), StatusCode::NOT_FOUND);
    }

    // Publishing refuses an older or equal version, a foreign signature, a catalog that does not
    // parse; the newest stays.
    for stale in ["2026.12.6.9", "2026.12.7.1"] {
        let err = publish_bundle(
            &h.db,
            &blobs,
            bundle_of(stale, &key),
            &public,
            dvc_sync::clock::Clock::now_ms(&*h.clock),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, PublishError::NotNewer { .. }),
            "{stale}: {err}"
        );
    }
    let other = generate_signing_key();
    let err = publish_bundle(
        &h.db,
        &blobs,
        bundle_of("2026.12.8.1", &other),
        &public,
        dvc_sync::clock::Clock::now_ms(&*h.clock),
    )
    .await
    .unwrap_err();
    assert!(matches!(
        err,
        PublishError::Bundle(BundleError::BadSignature)
    ));
    let latest: dvc_protocol::catalog::CatalogLatest = get(&h, "/v1/catalog/latest", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(latest.version, "2026.12.7.1");

    // A newer one becomes the latest; the older stays downloadable.
    let v2 = bundle_of("2026.12.10.1", &key);
    publish_bundle(
        &h.db,
        &blobs,
        v2.clone(),
        &public,
        dvc_sync::clock::Clock::now_ms(&*h.clock),
    )
    .await
    .unwrap();
    let latest: dvc_protocol::catalog::CatalogLatest = get(&h, "/v1/catalog/latest", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(latest.version, "2026.12.10.1");
    assert_eq!(latest.size, v2.len() as u64);
    assert_eq!(get(&h, path, None).await.status(), StatusCode::OK);
}
