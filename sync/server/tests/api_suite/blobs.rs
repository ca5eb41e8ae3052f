//! Reading blobs back, whole and by range (`src/api/blobs.rs`).

use crate::common::*;
use dvc_protocol::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::Value;

crate::both_backends!(blob_ranges);
// the same story with the server's blobs in S3
crate::on_s3_blobs!(blob_ranges);

async fn blob_ranges(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let data = jpeg(9_996, 7);
    assert_eq!(data.len(), 10_000);
    let hash = h.upload(&u.token, &data, 4096).await;
    let get = |range: Option<&str>, token: &str| {
        let mut r = h.req(Method::GET, &format!("/v1/blobs/{hash}"), Some(token));
        if let Some(v) = range {
            r = r.header("range", v);
        }
        r.send()
    };
    let res = get(None, &u.token).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    assert_eq!(
        res.headers()["etag"].to_str().unwrap(),
        format!("\"{hash}\"")
    );
    assert_eq!(res.bytes().await.unwrap().len(), 10_000);
    let res = get(Some("bytes=4000-"), &u.token).await.unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.headers()["content-range"], "bytes 4000-9999/10000");
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(
        res.headers()["etag"].to_str().unwrap(),
        format!("\"{hash}\"")
    );
    assert_eq!(res.bytes().await.unwrap().to_vec(), data[4000..]);
    let res = get(Some("bytes=10-19"), &u.token).await.unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.headers()["content-range"], "bytes 10-19/10000");
    assert_eq!(res.bytes().await.unwrap().to_vec(), data[10..20]);
    let res = get(Some("bytes=9999-"), &u.token).await.unwrap();
    assert_eq!(res.bytes().await.unwrap().to_vec(), data[9999..]);
    for past in [
        "bytes=10000-",
        "bytes=20000-30000",
        "bytes=99999999999999999999999-",
    ] {
        let res = get(Some(past), &u.token).await.unwrap();
        assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{past}");
        assert_eq!(res.headers()["content-range"], "bytes */10000");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["code"], "416.1");
    }
    // malformed or multi-part ranges are ignored: the whole blob
    for odd in [
        "bytes=abc",
        "bytes=5-2",
        "bytes=1-2,5-6",
        "pages=1-",
        "bytes",
        "bytes=--1",
    ] {
        let res = get(Some(odd), &u.token).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{odd}");
        assert_eq!(res.bytes().await.unwrap().len(), 10_000, "{odd}");
    }
    // a range does not open someone else's blob
    let res = get(Some("bytes=0-"), &other.token).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // resuming a broken download gives back the exact file
    let mut got = Vec::new();
    while got.len() < data.len() {
        let res = get(
            Some(&format!("bytes={}-{}", got.len(), got.len() + 2999)),
            &u.token,
        )
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
        got.extend_from_slice(&res.bytes().await.unwrap());
    }
    assert_eq!(sha(&got), hash);
}
