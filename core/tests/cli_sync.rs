//! `dvc login`, `dvc sync`, `dvc dossier list|show` through the real binary against a real
//! dvc-sync server on loopback (in this process, SQLite in a temp dir, demo seed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use serde_json::Value;

fn dvc(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
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

struct Server {
    rt: tokio::runtime::Runtime,
    server: Option<dvc_sync::server::RunningServer>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        let blobs = dir.path().join("blobs");
        let server = rt.block_on(async move {
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
        });
        Server {
            rt,
            server: Some(server),
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        self.server.as_ref().unwrap().url()
    }

    fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown()).unwrap();
        }
    }
}

/// A queued passport dossier made through the CLI (person, draft, photos, submit).
fn queued_dossier(d: &std::path::Path, n: u32) -> String {
    use dvc_core::photo::synth;
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
            &format!("00119000012{n}"),
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
    let photos = [
        (
            "portrait",
            synth::jpeg(&synth::portrait(600, 800, Default::default()), 90, Some(1)),
        ),
        (
            "cccd_front",
            synth::jpeg(&synth::card(800, 600, 0.85), 90, None),
        ),
        (
            "cccd_back",
            synth::jpeg(&synth::card(800, 600, 0.85), 90, None),
        ),
    ];
    for (component, bytes) in &photos {
        let f = d.join(format!("{component}.jpg"));
        std::fs::write(&f, bytes).unwrap();
        ok_json(d, &["draft", "attach", &id, component, f.to_str().unwrap()]);
    }
    ok_json(d, &["draft", "submit", &id]);
    id
}

#[test]
fn login_sync_and_show_the_code_and_timeline() {
    let mut server = Server::start();
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = queued_dossier(d, 1);

    // Not signed in yet: bad input, one line, nothing sent.
    let o = dvc(d, &["sync", "--server", &url, "--once"], None);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );

    // Plain http to a non-loopback host is refused; a wrong password is bad input.
    let o = dvc(
        d,
        &[
            "login",
            "--server",
            "http://dvc.example.vn",
            "--phone",
            "0900000001",
            "--password-stdin",
        ],
        Some("x\n"),
    );
    assert_eq!(o.status.code(), Some(2));
    let o = dvc(
        d,
        &[
            "login",
            "--server",
            &url,
            "--phone",
            "0900000001",
            "--password-stdin",
        ],
        Some("sai-mat-khau-1\n"),
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = dvc(
        d,
        &["login", "--server", &url, "--phone", "0900000001"],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "the password never comes from the command line"
    );

    let o = dvc(
        d,
        &[
            "login",
            "--server",
            &url,
            "--phone",
            "0900000001",
            "--password-stdin",
        ],
        Some("congdan-demo-2026\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let signed: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(signed["role"], "citizen");
    assert!(signed.get("token").is_none(), "the token is never printed");
    // The token is in the keystore, not in the output or the database.
    let keys = std::fs::read_dir(d.join("keys")).unwrap().count();
    assert!(keys >= 2, "db key and sync token");

    // No agency given: the server's only agency receives it (the demo server has one).
    let r = ok_json(d, &["sync", "--server", &url, "--once"]);
    assert_eq!(r["sent"], 1, "{r}");
    assert_eq!(r["pending"], 0);
    assert_eq!(r["quarantined"], 0);
    let code = r["codes"][0]["code"].as_str().unwrap().to_string();
    assert!(code.starts_with("000.00.00.H00-"), "{code}");

    let list = ok_json(d, &["dossier", "list"]);
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id.as_str())
        .unwrap();
    assert_eq!(row["code"], code.as_str());
    assert_eq!(row["state"], "received");
    let shown = ok_json(d, &["dossier", "show", &id]);
    assert_eq!(shown["code"], code.as_str());
    let kinds: Vec<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["submitted", "received"]);

    assert_eq!(shown["revision"], 1);
    assert!(shown["fee"].is_null() && shown["result"].is_null());

    // After submission: what the state does not allow is bad input (exit 2), one line.
    for args in [
        vec!["dossier", "rate", id.as_str(), "--stars", "5"],
        vec!["dossier", "rate", id.as_str(), "--stars", "9"],
        vec!["dossier", "pay-claim", id.as_str()],
        vec!["dossier", "resubmit", id.as_str()],
    ] {
        let o = dvc(d, &args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&o.stderr)
                .trim_end()
                .lines()
                .count(),
            1
        );
    }
    // Cancel: queued (twice = once), shown as being sent, then sent by `dvc sync`.
    let q = ok_json(d, &["dossier", "cancel", &id, "--reason", "nộp nhầm"]);
    assert_eq!(q["kind"], "cancel");
    assert_eq!(q["already_queued"], false);
    let q = ok_json(d, &["dossier", "cancel", &id, "--reason", "nộp nhầm"]);
    assert_eq!(q["already_queued"], true);
    let shown = ok_json(d, &["dossier", "show", &id]);
    assert_eq!(shown["pending_label"], "dossier.pending.cancel");
    assert_eq!(shown["pending_actions"][0]["state"], "pending");
    let r = ok_json(d, &["sync", "--once"]);
    assert_eq!(r["sent"], 0, "{r}");
    assert_eq!(r["actions_sent"][0]["kind"], "cancel", "{r}");
    assert_eq!(r["actions_pending"], 0);
    let shown = ok_json(d, &["dossier", "show", &id]);
    assert_eq!(shown["state"], "cancelled");
    assert!(shown["pending_actions"].as_array().unwrap().is_empty());
    assert!(shown["pending_label"].is_null());

    // A second sync sends nothing again.
    let r = ok_json(d, &["sync", "--once"]);
    assert_eq!(r["sent"], 0);
    assert!(r["actions_sent"].as_array().unwrap().is_empty());

    // With the server down, a new dossier stays pending: exit 3, JSON still printed.
    let id2 = queued_dossier(d, 2);
    server.stop();
    let o = dvc(
        d,
        &["sync", "--once", "--timeout-s", "2", "--attempts", "1"],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["pending"], 1);
    assert_eq!(r["sent"], 0);
    let shown = ok_json(d, &["dossier", "show", &id2]);
    assert_eq!(shown["state"], "queued");
}
