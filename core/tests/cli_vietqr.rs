//! `dvc vietqr decode|encode` and `dvc dossier pay-qr` through the real binary; pay-qr against a
//! real dvc-sync server on loopback where the demo officer requests a fee.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{bad_input, login_demo_citizen, ok_json, queued_passport, DemoServer};
use serde_json::Value;

const STATIC: &str =
    "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4";
const DYNAMIC: &str = "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA53037045405401235802VN62200816test text string6304D9C6";

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

/// The demo officer acts on the only dossier on `server`.
fn officer(server: &DemoServer, event: dvc_protocol::events::EventKind) {
    use dvc_sync::db::{DossierFilter, Transition, TransitionOutcome};
    let db = server.db();
    server.rt.block_on(async {
        let officer = db
            .account_by_login(dvc_sync::seed::DEMO_OFFICER.0)
            .await
            .unwrap()
            .unwrap();
        let list = db
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
            dossier_uuid: list[0].dossier.uuid.clone(),
            scope: officer.scope(),
            actor_id: officer.id.clone(),
            actor: dvc_sync::domain::Actor::Officer,
            event,
            result_blob: None,
            now: dvc_sync::clock::Clock::now_ms(&dvc_sync::clock::SystemClock),
            audit_detail: String::new(),
        };
        let out = db.transition(&t).await.unwrap();
        assert!(matches!(out, TransitionOutcome::Applied(_)), "{out:?}");
    });
}

#[test]
fn pay_qr_builds_the_payload_from_the_fee_request() {
    use dvc_protocol::events::{BankAccount, EventKind};
    let server = DemoServer::start();
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = queued_passport(d);

    // Unknown dossier: exit 2.
    let e = bad_input(d, &["dossier", "pay-qr", "no-such-dossier"]);
    assert!(e.contains("not found"), "{e}");

    login_demo_citizen(d, &url);
    let r = ok_json(d, &["sync", "--server", &url, "--once"]);
    assert_eq!(r["sent"], 1, "{r}");
    let code = r["codes"][0]["code"].as_str().unwrap().to_string();

    // Sent, but no fee asked yet: exit 2 with a clear line.
    let e = bad_input(d, &["dossier", "pay-qr", &id]);
    assert!(e.contains("no fee request"), "{e}");

    officer(
        &server,
        EventKind::FeeRequested {
            amount_vnd: 200_000,
            bank: BankAccount {
                bank_bin: "970415".into(),
                account_number: "113366668888".into(),
                account_name: "BO PHAN MOT CUA THU NGHIEM".into(),
            },
            transfer_note: code.clone(),
        },
    );
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
    officer(&server, EventKind::Paid);
    ok_json(d, &["sync", "--once"]);
    let p = ok_json(d, &["dossier", "pay-qr", &id]);
    assert_eq!(p["paid"], true);
    assert_eq!(p["state"], "paid");
    assert_eq!(p["payload"], payload);
}
