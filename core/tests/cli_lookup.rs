//! `dvc dossier lookup` ("Tra cứu hồ sơ") against a demo server in the process: by code and the
//! ID number's last 4 digits or the phone, signed in (`mine`) or not; bad input exits 2, "not
//! found or wrong factor" and "wait" exit 1 with one plain line.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;

use common::{bad_input, dvc, login_demo_citizen, ok_json, queued_passport, DemoServer};
use dvc_core::test_support::{ID_NUMBER, PHONE};
use std::process::Output;

/// Exit 1 with one line on stderr; returns it.
fn failed_line(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).trim_end().to_string();
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(o.stdout.is_empty());
    err
}

#[test]
fn lookup_by_code_and_second_factor() {
    let server = DemoServer::start();
    let url = server.url();
    let mine_dir = tempfile::tempdir().unwrap();
    let me = mine_dir.path();
    login_demo_citizen(me, &url);
    queued_passport(me);
    let r = ok_json(me, &["sync", "--server", &url, "--once"]);
    let code = r["codes"][0]["code"].as_str().unwrap().to_string();
    let last4 = &ID_NUMBER[ID_NUMBER.len() - 4..];

    // Signed in to that server: the configured server is used and the dossier is mine.
    let found = ok_json(me, &["dossier", "lookup", &code, "--factor", last4]);
    assert_eq!(found["code"], code.as_str());
    assert_eq!(found["state"], "received");
    assert_eq!(found["mine"], true);
    assert_eq!(found["timeline"][0]["kind"], "received");
    let text = serde_json::to_string(&found).unwrap();
    assert!(!text.contains(ID_NUMBER) && !text.contains(PHONE), "{text}");

    // A device that never signed in: needs --server, then works with the phone; not mine.
    let other_dir = tempfile::tempdir().unwrap();
    let other = other_dir.path();
    let err = bad_input(other, &["dossier", "lookup", &code, "--factor", last4]);
    assert!(err.contains("--server"), "{err}");
    let found = ok_json(
        other,
        &[
            "dossier", "lookup", &code, "--factor", PHONE, "--server", &url,
        ],
    );
    assert_eq!(found["code"], code.as_str());
    assert_eq!(found["mine"], false);

    // Bad input never reaches the server.
    let err = bad_input(
        other,
        &[
            "dossier", "lookup", "HS-1", "--factor", last4, "--server", &url,
        ],
    );
    assert!(err.contains("Mã hồ sơ"), "{err}");
    let err = bad_input(
        other,
        &[
            "dossier", "lookup", &code, "--factor", "12", "--server", &url,
        ],
    );
    assert!(err.contains("4 số cuối"), "{err}");

    // A wrong factor and an unknown code read the same.
    let wrong = failed_line(&dvc(
        other,
        &[
            "dossier", "lookup", &code, "--factor", "0000", "--server", &url,
        ],
    ));
    assert!(
        wrong.contains("Không tìm thấy hồ sơ") && wrong.contains("no dossier"),
        "{wrong}"
    );
    let unknown_code = format!("{}-991231-9999", code.split('-').next().unwrap());
    let unknown = failed_line(&dvc(
        other,
        &[
            "dossier",
            "lookup",
            &unknown_code,
            "--factor",
            last4,
            "--server",
            &url,
        ],
    ));
    assert_eq!(wrong, unknown);

    // The code's budget (10 lookups per 15 minutes; 3 spent) runs out: "wait".
    let mut last = String::new();
    for _ in 0..8 {
        last = String::from_utf8_lossy(
            &dvc(
                other,
                &[
                    "dossier", "lookup", &code, "--factor", "0000", "--server", &url,
                ],
            )
            .stderr,
        )
        .into_owned();
    }
    assert!(
        last.contains("quá nhiều lần") && last.contains("429.1"),
        "{last}"
    );
    let o = dvc(
        other,
        &[
            "dossier", "lookup", &code, "--factor", last4, "--server", &url,
        ],
    );
    assert!(failed_line(&o).contains("too many lookups"));
}
