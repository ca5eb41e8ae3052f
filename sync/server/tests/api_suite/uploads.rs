//! Resumable, checksummed uploads and their limits (`src/api/uploads.rs`).

use crate::common::*;
use dvc_protocol::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

crate::both_backends!(resumable_upload, upload_limits_and_hash_mismatch);
// the same story with the server's blobs in S3
crate::on_s3_blobs!(resumable_upload);

async fn resumable_upload(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let data = jpeg(300_000, 7);
    let hash = sha(&data);
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/blobs/missing",
            Some(&u.token),
            Some(json!({"sha256": [hash, hash]})),
        )
        .await;
    assert_eq!(
        (s, v["missing"].as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": hash, "length": data.len()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["upload_id"].as_str().unwrap().to_owned();
    let patch = |off: usize, part: Vec<u8>, sum: String| {
        h.req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", off.to_string())
            .header("upload-checksum", format!("sha256 {sum}"))
            .body(part)
            .send()
    };
    let res = patch(0, data[..100_000].to_vec(), sha(&data[..100_000]))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["upload-offset"], "100000");
    // HEAD tells the offset
    let res = h
        .req(Method::HEAD, &format!("/v1/uploads/{id}"), Some(&u.token))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            res.status(),
            res.headers()["upload-offset"].to_str().unwrap()
        ),
        (StatusCode::NO_CONTENT, "100000")
    );
    assert_eq!(
        res.headers()["upload-length"].to_str().unwrap(),
        data.len().to_string()
    );
    // wrong offset: 409 with the right one
    let res = patch(
        50_000,
        data[50_000..60_000].to_vec(),
        sha(&data[50_000..60_000]),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["code"].as_str(), v["offset"].as_u64()),
        (Some("409.2"), Some(100_000))
    );
    // bad checksum: chunk discarded, offset unchanged
    let res = patch(100_000, data[100_000..200_000].to_vec(), sha(b"other"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "422.4");
    let res = h
        .req(Method::HEAD, &format!("/v1/uploads/{id}"), Some(&u.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["upload-offset"], "100000");
    // re-creating resumes the same upload
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": hash, "length": data.len()})),
        )
        .await;
    assert_eq!(
        (s, v["upload_id"].as_str(), v["offset"].as_u64()),
        (StatusCode::OK, Some(id.as_str()), Some(100_000))
    );
    // another account cannot see or touch it
    let other = h.user(Role::Citizen).await;
    let res = h
        .req(
            Method::HEAD,
            &format!("/v1/uploads/{id}"),
            Some(&other.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // finish
    let res = patch(100_000, data[100_000..].to_vec(), sha(&data[100_000..]))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["complete"], true);
    let (_, v) = h
        .json(
            Method::POST,
            "/v1/blobs/missing",
            Some(&u.token),
            Some(json!({"sha256": [hash]})),
        )
        .await;
    assert_eq!(v["missing"], json!([]));
    // still missing for the other account (no cross-account oracle), who must send the bytes too
    let (_, v) = h
        .json(
            Method::POST,
            "/v1/blobs/missing",
            Some(&other.token),
            Some(json!({"sha256": [hash]})),
        )
        .await;
    assert_eq!(v["missing"], json!([hash]));
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": hash, "length": data.len()})),
        )
        .await;
    assert_eq!((s, v["complete"].as_bool()), (StatusCode::OK, Some(true)));
    // read back
    let res = h
        .req(Method::GET, &format!("/v1/blobs/{hash}"), Some(&u.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.bytes().await.unwrap().to_vec(), data);
    let res = h
        .req(
            Method::GET,
            &format!("/v1/blobs/{hash}"),
            Some(&other.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    h.upload(&other.token, &data, 64 * 1024).await;
    let res = h
        .req(
            Method::GET,
            &format!("/v1/blobs/{hash}"),
            Some(&other.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

async fn upload_limits_and_hash_mismatch(b: Backend) {
    let cfg = dvc_sync::config::Config {
        max_blob_bytes: 1000,
        account_quota_bytes: 2500,
        secure_cookies: false,
        ..Default::default()
    };
    let h = Harness::start_with(b, cfg).await;
    let u = h.user(Role::Volunteer).await;
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": sha(b"x"), "length": 1001})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("413.3"))
    );
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": "ABC", "length": 10})),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("sha256"))
    );
    // declared hash does not match the bytes: discarded with 422.3
    let data = jpeg(500, 1);
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": sha(b"something else"), "length": data.len()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = v["upload_id"].as_str().unwrap();
    let res = h
        .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "0")
        .header("upload-checksum", format!("sha256 {}", sha(&data)))
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "422.3");
    let res = h
        .req(Method::HEAD, &format!("/v1/uploads/{id}"), Some(&u.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // chunk past the declared length; missing headers; wrong content type; oversized chunk
    let (_, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": sha(&data), "length": data.len()})),
        )
        .await;
    let id = v["upload_id"].as_str().unwrap().to_owned();
    let big = vec![0u8; data.len() + 1];
    let res = h
        .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "0")
        .header("upload-checksum", format!("sha256 {}", sha(&big)))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = h
        .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
        .header("content-type", "application/offset+octet-stream")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["code"].as_str(), v["field"].as_str()),
        (Some("400.3"), Some("upload-offset"))
    );
    let res = h
        .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
        .header("content-type", "text/plain")
        .header("upload-offset", "0")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = vec![1u8; dvc_protocol::blobs::MAX_CHUNK_BYTES + 1];
    let res = h
        .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "0")
        .header("upload-checksum", format!("sha256 {}", sha(&huge)))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "413.1");
    // quota: 500 (open) + 1000 + 1000 > 2500
    h.upload(&u.token, &jpeg(996, 2), 400).await;
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": sha(b"q"), "length": 1000})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("413.2"))
    );
}
