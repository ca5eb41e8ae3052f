//! `dvc vietqr decode|encode` and `dvc dossier pay-qr` through the real binary; pay-qr against a
//! real dvc-sync server on loopback where the demo officer requests a fee.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use serde_json::Value;

const STATIC: &str =
    "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4";
const DYNAMIC: &str = "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA53037045405401235802VN62200816test text string6304D9C6";

fn dvc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dvc"))
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
        .output()
        .unwrap()
}

fn ok_json(dir: &Path, args: &[&str]) -> Value {
    let o = dvc(dir, args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Exit 2 with exactly one line on stderr; returns that line.
fn bad_input(dir: &Path, args: &[&str]) -> String {
    let o = dvc(dir, args);
    let err = String::from_utf8_lossy(&o.stderr).trim_end().to_string();
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(o.stdout.is_empty());
    err
}

#[test]
fn decode_prints_the_fields_of_the_public_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let v = ok_json(d, &["vietqr", "decode", DYNAMIC]);
    assert_eq!(v["bank_bin"], "970422");
    assert_eq!(v["account"], "0023457923442");
    assert_eq!(v["service"], "QRIBFTTA");
    assert_eq!(v["amount_vnd"], 40123);
    assert_eq!(v["purpose"], "test text string");
    assert_eq!(v["dynamic"], true);

    // A pasted line break is fine.
    let v = ok_json(d, &["vietqr", "decode", &format!("{STATIC}\n")]);
    assert_eq!(v["bank_bin"], "970423");
    assert_eq!(v["account"], "0099999999");
    assert_eq!(v["amount_vnd"], Value::Null);
    assert_eq!(v["purpose"], Value::Null);
    assert_eq!(v["dynamic"], false);

    // Decoding needs no data directory: nothing was created.
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 0);
}

#[test]
fn decode_rejects_bad_payloads_with_a_precise_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let wrong_crc = format!("{}0000", &DYNAMIC[..DYNAMIC.len() - 4]);
    let e = bad_input(d, &["vietqr", "decode", &wrong_crc]);
    assert!(
        e.contains("wrong CRC") && e.contains("0000") && e.contains("D9C6"),
        "{e}"
    );
    let e = bad_input(d, &["vietqr", "decode", &DYNAMIC[..50]]);
    assert!(e.contains("declares") && e.contains("tag 38"), "{e}");
    let e = bad_input(d, &["vietqr", "decode", "hello"]);
    assert!(e.contains("2-digit tag"), "{e}");
    let e = bad_input(d, &["vietqr", "decode", ""]);
    assert!(e.contains("empty"), "{e}");
}

#[test]
fn encode_makes_the_vector_and_an_svg() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let svg = d.join("qr.svg");
    let v = ok_json(
        d,
        &[
            "vietqr",
            "encode",
            "--bin",
            "970422",
            "--account",
            "0023457923442",
            "--amount",
            "40123",
            "--purpose",
            "test text string",
            "--svg",
            svg.to_str().unwrap(),
        ],
    );
    assert_eq!(v["payload"], DYNAMIC);
    assert_eq!(v["amount_vnd"], 40123);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.starts_with("<svg ") && text.contains("viewBox"),
        "{text}"
    );

    // Vietnamese is transliterated; the output shows the purpose as written.
    let v = ok_json(
        d,
        &[
            "vietqr",
            "encode",
            "--bin",
            "970415",
            "--account",
            "113366668888",
            "--purpose",
            "Lệ phí hộ chiếu",
            "--card",
        ],
    );
    assert_eq!(v["purpose"], "Le phi ho chieu");
    assert_eq!(v["service"], "QRIBFTTC");
    let back = ok_json(d, &["vietqr", "decode", v["payload"].as_str().unwrap()]);
    assert_eq!(back["purpose"], "Le phi ho chieu");

    let e = bad_input(d, &["vietqr", "encode", "--bin", "97042", "--account", "1"]);
    assert!(e.contains("BIN must be 6 digits"), "{e}");
    let e = bad_input(
        d,
        &[
            "vietqr",
            "encode",
            "--bin",
            "970422",
            "--account",
            "1",
            "--purpose",
            "phí 50%",
        ],
    );
    assert!(e.contains("'%'"), "{e}");
    bad_input(
        d,
        &[
            "vietqr",
            "encode",
            "--bin",
            "970422",
            "--account",
            "1",
            "--amount",
            "0",
        ],
    );
    bad_input(
        d,
        &[
            "vietqr",
            "encode",
            "--bin",
            "970422",
            "--account",
            "1",
            "--amount",
            "abc",
        ],
    );
}

// ---- dvc dossier pay-qr against a real server -----------------------------------------------

struct Server {
    rt: tokio::runtime::Runtime,
    server: Option<dvc_sync::server::RunningServer>,
    db: dvc_sync::db::Db,
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
        let (server, db) = rt.block_on(async move {
            let db = dvc_sync::db::open(&url).await.unwrap();
            let clock = Arc::new(dvc_sync::clock::SystemClock);
            dvc_sync::seed::demo_seed(&db, dvc_sync::clock::Clock::now_ms(clock.as_ref()))
                .await
                .unwrap();
            let state = dvc_sync::server::build_state(
                db.clone(),
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
            (
                dvc_sync::server::spawn("127.0.0.1:0", state).await.unwrap(),
                db,
            )
        });
        Server {
            rt,
            server: Some(server),
            db,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        self.server.as_ref().unwrap().url()
    }

    /// The demo officer acts on the only dossier on the server.
    fn officer(&self, event: dvc_protocol::events::EventKind) {
        use dvc_sync::db::{DossierFilter, Transition, TransitionOutcome};
        self.rt.block_on(async {
            let officer = self
                .db
                .account_by_login(dvc_sync::seed::DEMO_OFFICER.0)
                .await
                .unwrap()
                .unwrap();
            let list = self
                .db
                .list_dossiers(
                    &officer.scope(),
                    &DossierFilter {
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(list.len(), 1);
            let t = Transition {
                dossier_uuid: list[0].uuid.clone(),
                scope: officer.scope(),
                actor_id: officer.id.clone(),
                actor: dvc_sync::domain::Actor::Officer,
                event,
                result_blob: None,
                now: dvc_sync::clock::Clock::now_ms(&dvc_sync::clock::SystemClock),
                audit_detail: String::new(),
            };
            let out = self.db.transition(&t).await.unwrap();
            assert!(matches!(out, TransitionOutcome::Applied(_)), "{out:?}");
        });
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            let _ = self.rt.block_on(s.shutdown());
        }
    }
}

/// A queued passport dossier made through the CLI (person, draft, photos, submit).
fn queued_dossier(d: &Path) -> String {
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
            "001190000121",
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
fn pay_qr_builds_the_payload_from_the_fee_request() {
    use dvc_protocol::events::{BankAccount, EventKind};
    let server = Server::start();
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = queued_dossier(d);

    // Unknown dossier: exit 2.
    let e = bad_input(d, &["dossier", "pay-qr", "no-such-dossier"]);
    assert!(e.contains("not found"), "{e}");

    let mut login = Command::new(env!("CARGO_BIN_EXE_dvc"))
        .arg("--data-dir")
        .arg(d)
        .args([
            "--json",
            "login",
            "--server",
            &url,
            "--phone",
            dvc_sync::seed::DEMO_CITIZEN.0,
            "--password-stdin",
        ])
        .env("DVC_KEYSTORE", "file")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut i = login.stdin.take().unwrap();
        writeln!(i, "{}", dvc_sync::seed::DEMO_CITIZEN.1).unwrap();
    }
    let o = login.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = ok_json(d, &["sync", "--server", &url, "--once"]);
    assert_eq!(r["sent"], 1, "{r}");
    let code = r["codes"][0]["code"].as_str().unwrap().to_string();

    // Sent, but no fee asked yet: exit 2 with a clear line.
    let e = bad_input(d, &["dossier", "pay-qr", &id]);
    assert!(e.contains("no fee request"), "{e}");

    server.officer(EventKind::FeeRequested {
        amount_vnd: 200_000,
        bank: BankAccount {
            bank_bin: "970415".into(),
            account_number: "113366668888".into(),
            account_name: "BO PHAN MOT CUA THU NGHIEM".into(),
        },
        transfer_note: code.clone(),
    });
    ok_json(d, &["sync", "--once"]);

    let svg = d.join("pay.svg");
    let p = ok_json(
        d,
        &["dossier", "pay-qr", &id, "--svg", svg.to_str().unwrap()],
    );
    assert_eq!(p["dossier_id"], id.as_str());
    assert_eq!(p["code"], code.as_str());
    assert_eq!(p["state"], "fee_requested");
    assert_eq!(p["amount_vnd"], 200_000);
    assert_eq!(p["account_name"], "BO PHAN MOT CUA THU NGHIEM");
    assert_eq!(p["purpose"], code.as_str());
    assert_eq!(p["paid"], false);
    assert!(std::fs::read_to_string(&svg).unwrap().contains("viewBox"));

    // The payload decodes to the right amount, account and note.
    let payload = p["payload"].as_str().unwrap();
    let q = ok_json(d, &["vietqr", "decode", payload]);
    assert_eq!(q["amount_vnd"], 200_000);
    assert_eq!(q["bank_bin"], "970415");
    assert_eq!(q["account"], "113366668888");
    assert_eq!(q["purpose"], code.as_str());
    assert_eq!(q["dynamic"], true);

    // The officer confirms the payment: still printed, marked paid.
    server.officer(EventKind::Paid);
    ok_json(d, &["sync", "--once"]);
    let p = ok_json(d, &["dossier", "pay-qr", &id]);
    assert_eq!(p["paid"], true);
    assert_eq!(p["state"], "paid");
    assert_eq!(p["payload"], payload);
}
