//! Slow and stalled clients at the socket level: half a header, a body that stops mid-way (while
//! holding an upload's lock), a body that trickles past the request timeout, more connections
//! than the server serves at once. The server runs with short limits so the tests are quick; what
//! is asserted is that the connection is closed (or not served), never how long anything took.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use std::time::Duration;

use common::*;
use dvc_protocol::auth::Role;
use dvc_sync::config::{Config, HttpLimits};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Only a guard against a hung test: every wait below ends long before it when the server works.
const GUARD: Duration = Duration::from_secs(30);

async fn server(limits: HttpLimits) -> Harness {
    Harness::start_with(
        Backend::Sqlite,
        Config {
            secure_cookies: false,
            http: limits,
            ..Config::default()
        },
    )
    .await
}

fn short() -> HttpLimits {
    HttpLimits {
        header_read_timeout: Duration::from_millis(300),
        body_idle_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_secs(2),
        max_connections: 64,
    }
}

/// Reads until the server closes the connection; what it sent. Panics if it never closes.
async fn read_until_closed(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(GUARD, s.read(&mut buf)).await {
            Err(_) => panic!(
                "the server kept the connection open; it sent {:?}",
                String::from_utf8_lossy(&got)
            ),
            Ok(Ok(0)) | Ok(Err(_)) => break, // closed (or reset)
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

async fn connect(h: &Harness) -> TcpStream {
    TcpStream::connect(h.server.addr).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn half_a_header_is_cut_off() {
    let h = server(short()).await;
    // A complete request is answered: the server is fine.
    let mut ok = connect(&h).await;
    ok.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    assert!(read_until_closed(&mut ok).await.starts_with("HTTP/1.1 200"));

    let mut slow = connect(&h).await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut slow).await;
    assert!(!answer.contains(" 200 "), "{answer}");

    // A connection that says nothing at all is closed too (the idle timeout).
    let mut silent = connect(&h).await;
    read_until_closed(&mut silent).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stalled_upload_body_is_cut_off_and_frees_the_upload() {
    let h = server(short()).await;
    let a = h.user(Role::Citizen).await;
    let data = jpeg(100, 7);
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&a.token),
            Some(json!({"sha256": sha(&data), "length": data.len()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["upload_id"].as_str().unwrap().to_owned();

    // Headers for the whole blob, then ten bytes, then nothing.
    let mut s = connect(&h).await;
    let head = format!(
        "PATCH /v1/uploads/{id} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n\
         Upload-Checksum: sha256 {}\r\nContent-Length: {}\r\n\r\n",
        a.token,
        sha(&data),
        data.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&data[..10]).await.unwrap();
    let answer = read_until_closed(&mut s).await;
    assert!(!answer.contains(" 200 "), "{answer}");

    // The upload is free again: nothing was recorded, and the whole chunk goes through now.
    let res = h
        .req(Method::HEAD, &format!("/v1/uploads/{id}"), Some(&a.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["upload-offset"], "0");
    let res = h
        .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&a.token))
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "0")
        .header("upload-checksum", format!("sha256 {}", sha(&data)))
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/blobs/missing",
            Some(&a.token),
            Some(json!({"sha256": [sha(&data)]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["missing"], json!([]), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_trickling_body_meets_the_request_timeout() {
    let h = server(HttpLimits {
        body_idle_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_millis(800),
        ..short()
    })
    .await;
    let a = h.user(Role::Citizen).await;
    let body = serde_json::to_vec(&manifest(AGENCY_X, &[])).unwrap();
    let mut s = connect(&h).await;
    let head = format!(
        "PUT /v1/dossiers/{} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        uuid::Uuid::now_v7(),
        a.token,
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    // One byte every 100 ms: never a pause the body timeout sees, always too slow in total.
    let writer = tokio::spawn(async move {
        for b in body {
            if wr.write_all(&[b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(GUARD, rd.read(&mut buf)).await {
            Err(_) => panic!("no answer"),
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
    writer.abort();
    let answer = String::from_utf8_lossy(&got);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"503.1\""), "{answer}");
    // Nothing was stored.
    let (_, l) = h
        .json(Method::GET, "/v1/dossiers", Some(&a.token), None)
        .await;
    assert_eq!(l["dossiers"], json!([]), "{l}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_long_poll_is_not_cut_by_the_request_timeout() {
    let h = server(HttpLimits {
        request_timeout: Duration::from_millis(500),
        ..short()
    })
    .await;
    let a = h.user(Role::Citizen).await;
    let (s, v) = h
        .json(Method::GET, "/v1/events?wait=2", Some(&a.token), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["events"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connections_beyond_the_limit_wait_their_turn() {
    let h = server(HttpLimits {
        header_read_timeout: Duration::from_secs(20),
        max_connections: 2,
        ..short()
    })
    .await;
    let first = connect(&h).await;
    let _second = connect(&h).await;
    let mut third = connect(&h).await;
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(700), third.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "a third connection was served while two were open: {early:?}"
    );
    drop(first);
    let answer = read_until_closed(&mut third).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
