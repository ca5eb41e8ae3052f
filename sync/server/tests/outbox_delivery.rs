//! Status messages reach real sinks exactly once across a `kill -9` between commit and send: the
//! real `dvc-sync` binary with its SMTP sender pointed at a local SMTP sink (Python `aiosmtpd`,
//! which `./x test` installs; `DVC_TEST_SMTP_PYTHON` names its interpreter) and its SMS-gateway
//! and Zalo senders at a mock HTTP server in this test. The one-time code of the registration
//! travels through the SMS mock too.
//!
//! The server first runs with the outbox paused, so the dossier's event and its messages commit
//! and nothing is sent; it is killed with SIGKILL, restarted with the worker on, and each sink
//! must get exactly one message per channel — and still exactly one after another kill and
//! restart.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use common::*;
use serde_json::{json, Value};

both_backends!(messages_survive_kill_dash_nine_and_go_out_once);

const DEMO_AGENCY: &str = "000.00.00.H00";

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The interpreter with `aiosmtpd`: `DVC_TEST_SMTP_PYTHON`, else `target/smtp-sink` (made by
/// `./x test`), else `python3`.
fn smtp_python() -> PathBuf {
    if let Ok(p) = std::env::var("DVC_TEST_SMTP_PYTHON") {
        return p.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/smtp-sink/bin/python");
    if venv.exists() {
        return venv;
    }
    "python3".into()
}

/// A local SMTP sink writing each mail into a Maildir.
fn smtp_sink(maildir: &Path) -> (Proc, u16) {
    let python = smtp_python();
    let ok = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{} cannot import aiosmtpd: run `./x test` (it installs the SMTP sink into target/smtp-sink) \
         or set DVC_TEST_SMTP_PYTHON",
        python.display()
    );
    let port = free_port();
    let child = Command::new(&python)
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start aiosmtpd");
    let proc = Proc(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (proc, port);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the SMTP sink did not start");
}

/// Mails in the sink.
fn mails(maildir: &Path) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(maildir.join("new")) else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect()
}

#[derive(Clone, Default)]
struct Mock {
    sms: Arc<Mutex<Vec<Value>>>,
    zalo: Arc<Mutex<Vec<Value>>>,
}

async fn sms(State(m): State<Mock>, Json(v): Json<Value>) -> Json<Value> {
    m.sms.lock().unwrap().push(v);
    Json(json!({"status": "queued"}))
}

async fn zalo(
    State(m): State<Mock>,
    headers: axum::http::HeaderMap,
    Json(v): Json<Value>,
) -> Json<Value> {
    assert_eq!(headers["access_token"], "zalo-test-token");
    m.zalo.lock().unwrap().push(v);
    Json(json!({"error": 0, "message": "Success"}))
}

/// The SMS gateway and Zalo mock, on loopback.
async fn mock_gateways() -> (Mock, u16) {
    let mock = Mock::default();
    let app = Router::new()
        .route("/sms", post(sms))
        .route("/zalo", post(zalo))
        .with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (mock, port)
}

struct Server {
    proc: Proc,
    url: String,
}

fn serve(db: &str, blobs: &Path, smtp: u16, http: u16, paused: bool) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dvc-sync"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--db", db, "--blobs"])
        .arg(blobs)
        .args(["--smtp-url", &format!("smtp://127.0.0.1:{smtp}")])
        .args(["--smtp-from", "DVC Đồng Hành <thongbao@dvc.test>"])
        .args(["--sms-url", &format!("http://127.0.0.1:{http}/sms")])
        .args(["--zalo-url", &format!("http://127.0.0.1:{http}/zalo")])
        .args(["--zalo-access-token", "zalo-test-token"])
        .args(["--zalo-status-template", "tmpl-status"])
        .args(["--outbox-poll-ms", "100"])
        .env("DVC_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if paused {
        cmd.arg("--outbox-paused");
    }
    let mut child = cmd.spawn().expect("start dvc-sync");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line:?}");
    Server {
        proc: Proc(child),
        url,
    }
}

fn kill_dash_nine(s: Server) {
    let mut proc = s.proc;
    let pid = proc.0.id().to_string();
    let st = Command::new("kill").args(["-9", &pid]).status().unwrap();
    assert!(st.success());
    let _ = proc.0.wait();
}

/// Status messages (not codes) each sink got: `(sms, zalo, mails)`.
fn counts(mock: &Mock, maildir: &Path) -> (usize, usize, usize) {
    let sms = mock
        .sms
        .lock()
        .unwrap()
        .iter()
        .filter(|v| v["text"].as_str().unwrap_or("").contains("hồ sơ"))
        .count();
    (sms, mock.zalo.lock().unwrap().len(), mails(maildir).len())
}

async fn messages_survive_kill_dash_nine_and_go_out_once(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_url(b, dir.path()).await;
    let blobs = dir.path().join("blobs");
    let maildir = dir.path().join("mail");
    let (_sink, smtp) = smtp_sink(&maildir);
    let (mock, http_port) = mock_gateways().await;
    let st = Command::new(env!("CARGO_BIN_EXE_dvc-sync"))
        .args(["demo-seed", "--db", &db])
        .env("DVC_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let http = reqwest::Client::new();

    // 1. outbox paused: register (the code comes through the SMS mock), choose every channel,
    //    submit; the event and its three messages commit, nothing is sent
    let server = serve(&db, &blobs, smtp, http_port, true);
    let phone = next_phone();
    let res = http
        .post(format!("{}/v1/auth/register", server.url))
        .json(&registration(&phone, "mật khẩu dài", "citizen"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let mut code = None;
    for _ in 0..100 {
        code = mock.sms.lock().unwrap().iter().find_map(|v| {
            let text = v["text"].as_str()?;
            (v["to"] == phone.as_str()).then(|| {
                text.split(|c: char| !c.is_ascii_digit())
                    .find(|w| w.len() == 6)
                    .map(str::to_owned)
            })?
        });
        if code.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let code = code.expect("the SMS gateway got the code");
    let res = http
        .post(format!("{}/v1/auth/register/verify", server.url))
        .json(&json!({"phone": phone, "otp": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let login: Value = http
        .post(format!("{}/v1/auth/login", server.url))
        .json(&json!({"login": phone, "password": "mật khẩu dài"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let res = http
        .put(format!("{}/v1/me/notifications", server.url))
        .bearer_auth(&token)
        .json(&json!({"channels": ["sms", "email", "zalo"], "email": "mau@dvc.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let uuid = uuid::Uuid::now_v7().to_string();
    let res = http
        .put(format!("{}/v1/dossiers/{uuid}", server.url))
        .bearer_auth(&token)
        .json(&manifest(DEMO_AGENCY, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let receipt: Value = res.json().await.unwrap();
    let dossier_code = receipt["code"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(counts(&mock, &maildir), (0, 0, 0), "paused: nothing sent");
    let store = dvc_sync::db::open(&db).await.unwrap();
    let rows = store.outbox(None, 10).await.unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows
        .iter()
        .all(|r| r.status == dvc_protocol::auth::OutboxStatus::Pending && r.job.attempts == 0));

    // 2. SIGKILL between the commit and the send; a restart with the worker on sends each once
    kill_dash_nine(server);
    let server = serve(&db, &blobs, smtp, http_port, false);
    let mut got = (0, 0, 0);
    for _ in 0..200 {
        got = counts(&mock, &maildir);
        if got == (1, 1, 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(got, (1, 1, 1), "(sms, zalo, e-mail) after the restart");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(counts(&mock, &maildir), (1, 1, 1), "no repeats");

    // what each sink got: the dossier code and state, the recipient, the idempotency key
    let sms = mock
        .sms
        .lock()
        .unwrap()
        .iter()
        .find(|v| v["text"].as_str().unwrap_or("").contains("hồ sơ"))
        .cloned()
        .unwrap();
    assert_eq!(sms["to"], phone.as_str());
    assert_eq!(
        sms["text"],
        format!("DVC Đồng Hành: hồ sơ {dossier_code}: Đã được tiếp nhận.")
    );
    let zalo = mock.zalo.lock().unwrap()[0].clone();
    assert_eq!(zalo["phone"], format!("84{}", &phone[1..]));
    assert_eq!(zalo["template_id"], "tmpl-status");
    assert_eq!(zalo["template_data"]["dossier_code"], dossier_code.as_str());
    assert_eq!(zalo["template_data"]["state"], "Đã được tiếp nhận");
    let mail = mails(&maildir).remove(0);
    assert!(mail.contains("To: mau@dvc.test"), "{mail}");
    assert!(mail.contains("thongbao@dvc.test"), "{mail}");
    let outbox_id = format!(
        "<outbox-{}@dvc.test>",
        rows.iter()
            .find(|r| r.job.channel == dvc_protocol::auth::Channel::Email)
            .unwrap()
            .job
            .id
    );
    assert!(mail.contains(&outbox_id), "{mail}");
    let rows = store.outbox(None, 10).await.unwrap();
    assert!(rows
        .iter()
        .all(|r| r.status == dvc_protocol::auth::OutboxStatus::Sent && r.job.attempts == 1));

    // 3. another SIGKILL and restart: sent messages stay sent
    kill_dash_nine(server);
    let server = serve(&db, &blobs, smtp, http_port, false);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(counts(&mock, &maildir), (1, 1, 1), "nothing sent twice");
    kill_dash_nine(server);
}
