//! The `dvc-sync` command line: migrate, agency add, user add (password on stdin), demo-seed,
//! bad input → exit code 1 with one line on stderr; and `serve` stopping gracefully on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

use std::io::Write;
use std::process::{Command, Stdio};

fn dvc(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dvc-sync"))
        .args(args)
        .env("DVC_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[tokio::test]
async fn staff_and_agencies_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let (ok, out, _) = dvc(&["migrate", "--db", &db], None);
    assert!(ok && out.contains("migrations applied"), "{out}");
    let (ok, _, err) = dvc(
        &[
            "agency",
            "add",
            "--db",
            &db,
            "--code",
            "bad code!",
            "--name",
            "x",
        ],
        None,
    );
    assert!(!ok && err.contains("invalid agency code"), "{err}");
    let (ok, _, _) = dvc(
        &[
            "agency",
            "add",
            "--db",
            &db,
            "--code",
            "000.30.27.H23",
            "--name",
            "Công an xã Thử",
        ],
        None,
    );
    assert!(ok);
    // the fee account: all three options or none, each checked
    let agency_bank = |extra: &[&str]| {
        let mut args = vec![
            "agency",
            "add",
            "--db",
            &db,
            "--code",
            "000.30.27.H23",
            "--name",
            "Công an xã Thử",
        ];
        args.extend_from_slice(extra);
        dvc(&args, None)
    };
    let (ok, _, err) = agency_bank(&["--bank-bin", "970415"]);
    assert!(!ok && err.contains("--account-number"), "{err}");
    let (ok, _, err) = agency_bank(&[
        "--bank-bin",
        "97041",
        "--account-number",
        "0000123456789",
        "--account-name",
        "DEMO CO QUAN",
    ]);
    assert!(!ok && err.contains("invalid bank_bin"), "{err}");
    let (ok, _, err) = agency_bank(&[
        "--bank-bin",
        "970415",
        "--account-number",
        "0000-1234",
        "--account-name",
        "DEMO CO QUAN",
    ]);
    assert!(!ok && err.contains("invalid account_number"), "{err}");
    let (ok, out, err) = agency_bank(&[
        "--bank-bin",
        "970415",
        "--account-number",
        "0000123456789",
        "--account-name",
        "DEMO CO QUAN",
    ]);
    assert!(ok && out.contains("saved"), "{err}");
    let database = dvc_sync::db::open(&db).await.unwrap();
    let bank = database
        .agency_bank("000.30.27.H23")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            bank.bank_bin.as_str(),
            bank.account_number.as_str(),
            bank.account_name.as_str()
        ),
        ("970415", "0000123456789", "DEMO CO QUAN")
    );
    drop(database);
    let (ok, _, err) = dvc(
        &[
            "user",
            "add",
            "--db",
            &db,
            "--role",
            "officer",
            "--login",
            "canbo.thu",
            "--agency",
            "999.99.99.Z99",
        ],
        Some("mat-khau-can-bo\n"),
    );
    assert!(!ok && err.contains("422.2"), "{err}");
    let (ok, out, _) = dvc(
        &[
            "user",
            "add",
            "--db",
            &db,
            "--role",
            "officer",
            "--login",
            "canbo.thu",
            "--agency",
            "000.30.27.H23",
        ],
        Some("mat-khau-can-bo\n"),
    );
    assert!(ok && out.contains("officer canbo.thu created"), "{out}");
    let (ok, _, err) = dvc(
        &[
            "user", "add", "--db", &db, "--role", "citizen", "--login", "x",
        ],
        Some("whatever1\n"),
    );
    assert!(!ok && err.contains("officer or admin"), "{err}");
    // This database holds a real-looking officer: seeding it needs --force (see cli_demo_seed.rs).
    let (ok, out, _) = dvc(&["demo-seed", "--db", &db, "--force"], None);
    assert!(ok && out.contains("canbo.demo"), "{out}");
    let (ok, _, _) = dvc(&["demo-seed", "--db", &db], None);
    assert!(ok, "demo-seed is repeatable");
    let database = dvc_sync::db::open(&db).await.unwrap();
    let demo = database
        .agency_bank(dvc_sync::seed::DEMO_AGENCY)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        demo.account_number, "0000123456789",
        "synthetic demo account"
    );
    drop(database);

    // serve, log in with the staff account, then SIGTERM: it stops by itself.
    let mut server = dvc_sync::test_support::ServeProcess::spawn(
        std::path::Path::new(env!("CARGO_BIN_EXE_dvc-sync")),
        &db,
        &dir.path().join("blobs"),
    );
    dvc_sync::test_support::login_token(
        &reqwest::Client::new(),
        &server.url,
        "canbo.thu",
        "mat-khau-can-bo",
    )
    .await;
    let child = &mut server.child;
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let t0 = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "serve exited with {status}");
            break;
        }
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(10),
            "serve did not stop on SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn catalog_keygen_and_publish() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let blobs = dir.path().join("blobs");
    let blobs = blobs.to_str().unwrap();
    let key = dir.path().join("catalog.key");
    let key = key.to_str().unwrap();
    let (ok, out, err) = dvc(&["catalog", "keygen", "--out", key], None);
    assert!(ok, "{err}");
    let public = out.trim();
    let public = dvc_protocol::catalog::bundle::public_key_from_hex(public).unwrap();
    let text = std::fs::read_to_string(key).unwrap();
    assert!(!err.contains(text.trim()) && !out.contains(text.trim()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Never overwritten.
    let (ok, _, _) = dvc(&["catalog", "keygen", "--out", key], None);
    assert!(!ok);

    let catalog = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/catalog");
    let bundle = dir.path().join("out.dvccat");
    let publish = |version: &str| {
        dvc(
            &[
                "catalog",
                "publish",
                "--db",
                &db,
                "--blobs",
                blobs,
                "--dir",
                catalog,
                "--key",
                key,
                "--version",
                version,
                "--out",
                bundle.to_str().unwrap(),
            ],
            None,
        )
    };
    let (ok, out, err) = publish("2026.12.7.1");
    assert!(
        ok && out.contains("catalog 2026.12.7.1 published"),
        "{out}{err}"
    );
    assert!(!err.contains(text.trim()) && !out.contains(text.trim()));
    // The file is signed by the new key and carries the guides.
    let bytes = std::fs::read(&bundle).unwrap();
    let opened = dvc_protocol::catalog::bundle::open(&bytes, &[public]).unwrap();
    assert_eq!(opened.header.catalog_version, "2026.12.7.1");
    assert!(opened.files.contains_key("guides/index.json"));
    assert!(opened.files.contains_key("forms/passport-domestic.json"));
    // Not newer: refused.
    let (ok, _, err) = publish("2026.12.7.1");
    assert!(!ok && err.contains("not greater"), "{err}");
    let (ok, _, err) = publish("2026.1.1");
    assert!(!ok && err.contains("not greater"), "{err}");
    let (ok, _, err) = publish("v2");
    assert!(!ok && err.contains("--version"), "{err}");
}
