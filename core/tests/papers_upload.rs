//! Papers kept in a person's profile lose their EXIF/GPS, XMP and comments when stored, so a
//! dossier that reuses them sends none of it: the bytes the server holds are checked here, after
//! a real sync (the `dvc` binary against a dvc-sync server on loopback).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use dvc_core::photo::synth;
use serde_json::Value;

fn dvc(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dvc"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--json")
        .args(args)
        .env("DVC_KEYSTORE", "file")
        .env_remove("DVC_LOG")
        .env_remove("DVC_SYNC_AGENCY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut i = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            i.write_all(s.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn ok_json(dir: &std::path::Path, args: &[&str]) -> Value {
    let o = dvc(dir, args, None);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn profile_papers_reach_the_server_without_gps() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sdir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", sdir.path().join("s.db").display());
    let blobs = sdir.path().join("blobs");
    let server = rt.block_on({
        let blobs = blobs.clone();
        async move {
            let db = dvc_sync::db::open(&url).await.unwrap();
            let clock = Arc::new(dvc_sync::clock::SystemClock);
            dvc_sync::seed::demo_seed(&db, dvc_sync::clock::Clock::now_ms(clock.as_ref()))
                .await
                .unwrap();
            let state = dvc_sync::server::build_state(
                db,
                &blobs,
                dvc_sync::config::Config {
                    secure_cookies: false,
                    ..Default::default()
                },
                clock,
                Arc::new(dvc_sync::otp::MemoryOtpSender::default()),
            )
            .await
            .unwrap();
            dvc_sync::server::spawn("127.0.0.1:0", state).await.unwrap()
        }
    });
    let server_url = server.url();

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let person = ok_json(
        d,
        &[
            "person",
            "add",
            "--name",
            "Trần Thị Mẫu",
            "--sex",
            "female",
            "--dob",
            "1990-05-17",
            "--id-number",
            "001190000127",
            "--issue-date",
            "2021-04-01",
            "--phone",
            "0912345678",
            "--address",
            "Số 1 đường Thử, phường Mẫu, Hà Nội",
            "--ethnicity",
            "Kinh",
        ],
    );
    let pid = person["id"].as_str().unwrap();
    // Phone photos of the papers, as the gallery has them: EXIF with GPS, XMP, a comment.
    let papers = [
        (
            "portrait",
            synth::jpeg(&synth::portrait(600, 800, Default::default()), 90, Some(1)),
        ),
        (
            "cccd_front",
            synth::jpeg(&synth::card(800, 600, 0.85), 90, Some(6)),
        ),
        (
            "cccd_back",
            synth::jpeg(&synth::card(800, 600, 0.85), 90, Some(3)),
        ),
    ];
    for (kind, bytes) in &papers {
        assert!(contains(bytes, b"GPSLatitude"));
        let f = d.join(format!("{kind}.jpg"));
        std::fs::write(&f, bytes).unwrap();
        ok_json(
            d,
            &[
                "person",
                "doc-add",
                pid,
                f.to_str().unwrap(),
                "--kind",
                kind,
            ],
        );
    }
    // The draft takes them from the profile.
    let created = ok_json(d, &["draft", "new", "passport-domestic", "--person", pid]);
    let id = created["id"].as_str().unwrap().to_string();
    ok_json(
        d,
        &[
            "draft",
            "set",
            &id,
            "place_of_birth=hanoi",
            "request_type=first",
            "chip=chip",
            "agency_province=hanoi",
            "delivery=in_person",
            "declaration=true",
        ],
    );
    ok_json(d, &["draft", "submit", &id]);
    let o = dvc(
        d,
        &[
            "login",
            "--server",
            &server_url,
            "--phone",
            "0900000001",
            "--password-stdin",
        ],
        Some("congdan-demo-2026\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = ok_json(d, &["sync", "--server", &server_url, "--once"]);
    assert_eq!(r["sent"], 1, "{r}");

    // Every file the server received.
    let mut files = Vec::new();
    let mut stack = vec![blobs.join("sha256")];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(std::fs::read(&path).unwrap());
            }
        }
    }
    assert_eq!(files.len(), papers.len(), "the three papers were uploaded");
    let mut orientations = Vec::new();
    for f in &files {
        for gone in [&b"GPSLatitude"[..], b"SYNTHETIC-COMMENT-MARKER", b"xmpmeta"] {
            assert!(
                !contains(f, gone),
                "{:?} reached the server",
                String::from_utf8_lossy(gone)
            );
        }
        // At most one EXIF block, and only big enough for the orientation tag (no GPS IFD).
        let exif: Vec<usize> = (0..f.len() - 6)
            .filter(|&k| &f[k..k + 6] == b"Exif\0\0")
            .collect();
        assert!(exif.len() <= 1);
        if let Some(&at) = exif.first() {
            assert_eq!(u16::from_be_bytes([f[at - 2], f[at - 1]]), 34);
        }
        orientations.push(dvc_core::photo::decode::header(f).unwrap().orientation);
    }
    orientations.sort_unstable();
    assert_eq!(orientations, [1, 3, 6], "each paper still displays upright");
    rt.block_on(server.shutdown()).unwrap();
}
