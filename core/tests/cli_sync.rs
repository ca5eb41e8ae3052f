//! `dvc login`, `dvc sync`, `dvc dossier list|show` through the real binary against a real
//! dvc-sync server on loopback (in this process, SQLite in a temp dir, demo seed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{dvc, dvc_stdin, ok_json, queued_passport, DemoServer};
use serde_json::Value;

#[test]
fn login_sync_and_show_the_code_and_timeline() {
    let mut server = DemoServer::start();
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = queued_passport(d);

    // Not signed in yet: bad input, one line, nothing sent.
    let o = dvc(d, &["sync", "--server", &url, "--once"]);
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
    let o = dvc_stdin(
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
    let o = dvc_stdin(
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
    let o = dvc(d, &["login", "--server", &url, "--phone", "0900000001"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "the password never comes from the command line"
    );

    let o = dvc_stdin(
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
    // The app's view of the dossier (`after_view`): the same JSON.
    assert_eq!(shown["dossier_id"], id.as_str());
    assert_eq!(shown["can_cancel"], true);
    assert_eq!(shown["cancel"], "none");
    assert!(shown["code_qr_svg"].as_str().unwrap().contains("<svg"));

    // After submission: what the state does not allow is bad input (exit 2), one line.
    for args in [
        vec!["dossier", "rate", id.as_str(), "--stars", "5"],
        vec!["dossier", "rate", id.as_str(), "--stars", "9"],
        vec!["dossier", "pay-claim", id.as_str()],
        vec!["dossier", "resubmit", id.as_str()],
    ] {
        let o = dvc(d, &args);
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
    assert_eq!(shown["pending_actions"][0]["kind"], "cancel");
    assert_eq!(shown["cancel"], "queued");
    let r = ok_json(d, &["sync", "--once"]);
    assert_eq!(r["sent"], 0, "{r}");
    assert_eq!(r["actions_sent"][0]["kind"], "cancel", "{r}");
    assert_eq!(r["actions_pending"], 0);
    let shown = ok_json(d, &["dossier", "show", &id]);
    assert_eq!(shown["state"], "cancelled");
    assert_eq!(shown["cancel"], "sent");
    assert_eq!(shown["can_cancel"], false);
    assert!(shown["pending_actions"].as_array().unwrap().is_empty());
    assert!(shown["pending_label"].is_null());

    // A second sync sends nothing again.
    let r = ok_json(d, &["sync", "--once"]);
    assert_eq!(r["sent"], 0);
    assert!(r["actions_sent"].as_array().unwrap().is_empty());

    // With the server down, a new dossier stays pending: exit 3, JSON still printed.
    let id2 = queued_passport(d);
    server.stop();
    let o = dvc(
        d,
        &["sync", "--once", "--timeout-s", "2", "--attempts", "1"],
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
