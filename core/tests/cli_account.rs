//! `dvc account …` through the real binary against a real dvc-sync on loopback (in this process,
//! SQLite in a temp dir) whose development message sender writes every code to a JSON-lines file
//! (`--dev-message-file`), read back here as a phone would read its SMS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{bad_line, dvc, dvc_stdin, json_of};

/// Synthetic person: a valid ID number for a woman born in 1990 in Hà Nội (001), a test phone.
const PHONE: &str = "0900000123";
const ID: &str = "001190012345";
const NAME: &str = "Nguyễn Thị Thử";
const DOB: &str = "1990-05-31";

struct Server {
    rt: tokio::runtime::Runtime,
    server: Option<dvc_sync::server::RunningServer>,
    messages: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        Server::start_with(dvc_sync::config::Config {
            secure_cookies: false,
            ..Default::default()
        })
    }

    fn start_with(config: dvc_sync::config::Config) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let messages = dir.path().join("messages.jsonl");
        let server = rt.block_on(async {
            let url = format!("sqlite://{}", dir.path().join("server.db").display());
            let db = dvc_sync::db::open(&url).await.unwrap();
            let state = dvc_sync::server::build_state(
                db,
                &dir.path().join("blobs"),
                config,
                Arc::new(dvc_sync::clock::SystemClock),
                Arc::new(dvc_sync::notify::FileNotifier::new(messages.clone())),
            )
            .await
            .unwrap();
            dvc_sync::server::spawn("127.0.0.1:0", state).await.unwrap()
        });
        Server {
            rt,
            server: Some(server),
            messages,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        self.server.as_ref().unwrap().url()
    }

    /// The `n`-th code (1-based), waiting for the server's background sender to write it.
    fn code(&self, n: usize) -> String {
        dvc_sync::test_support::wait_code_blocking(&self.messages, None, n)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            let _ = self.rt.block_on(s.shutdown());
        }
    }
}

fn register(d: &Path, url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut all = vec!["account", "register", "--server", url];
    all.extend_from_slice(args);
    dvc_stdin(d, &all, Some(stdin))
}

#[test]
fn register_verify_sign_in_change_reset_devices_and_sign_out() {
    let server = Server::start();
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = [
        "--phone",
        PHONE,
        "--name",
        NAME,
        "--id-number",
        ID,
        "--dob",
        DOB,
        "--password-stdin",
    ];

    // Bad input is refused on the device (exit 2, one line), before any request: no message.
    for (field, value) in [
        ("--phone", "12345"),
        ("--id-number", "00119001234"),
        ("--id-number", "001290012345"),
        ("--name", "Nguyễn 123"),
        ("--dob", "1990-02-30"),
    ] {
        let mut args: Vec<&str> = ok.to_vec();
        let i = args.iter().position(|a| *a == field).unwrap();
        args[i + 1] = value;
        let o = register(d, &url, &args, "mat-khau-dai-1\n");
        assert_eq!(o.status.code(), Some(2), "{field} {value}");
        let line = bad_line(&o);
        assert!(
            !line.contains(value),
            "the message does not repeat the value: {line}"
        );
    }
    let o = register(d, &url, &ok, "ngan\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(bad_line(&o).contains("8"));
    let o = dvc(
        d,
        &[
            "account",
            "register",
            "--server",
            &url,
            "--phone",
            PHONE,
            "--name",
            NAME,
            "--id-number",
            ID,
            "--dob",
            DOB,
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "the password never comes from the command line"
    );
    assert!(!server.messages.exists(), "nothing was sent for bad input");

    // Register → code → verify.
    let v = json_of(&register(d, &url, &ok, "mat-khau-dai-1\n"));
    assert_eq!(v["code_length"], 6);
    assert!(v["resend_after_s"].as_u64().unwrap() > 0);
    let o = dvc(
        d,
        &[
            "account", "verify", "--server", &url, "--phone", PHONE, "--code", "12ab56",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let code = server.code(1);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let o = dvc(
        d,
        &[
            "account", "verify", "--server", &url, "--phone", PHONE, "--code", wrong,
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(bad_line(&o).contains("Mã xác nhận sai"), "{}", bad_line(&o));
    let v = json_of(&dvc(
        d,
        &[
            "account", "verify", "--server", &url, "--phone", PHONE, "--code", &code,
        ],
    ));
    assert_eq!(v["role"], "citizen");

    // Sign in, list devices (this one marked), change the password.
    json_of(&dvc_stdin(
        d,
        &[
            "login",
            "--server",
            &url,
            "--phone",
            PHONE,
            "--password-stdin",
        ],
        Some("mat-khau-dai-1\n"),
    ));
    let v = json_of(&dvc(d, &["account", "devices"]));
    let tokens = v["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["current"], true);
    let o = dvc_stdin(
        d,
        &["account", "password-change", "--password-stdin"],
        Some("sai-mat-khau-9\nmat-khau-moi-2\n"),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(bad_line(&o).contains("Mật khẩu hiện tại không đúng"));
    json_of(&dvc_stdin(
        d,
        &["account", "password-change", "--password-stdin"],
        Some("mat-khau-dai-1\nmat-khau-moi-2\n"),
    ));

    // A second device signs in; this one signs it out.
    let other = tempfile::tempdir().unwrap();
    json_of(&dvc_stdin(
        other.path(),
        &[
            "login",
            "--server",
            &url,
            "--phone",
            PHONE,
            "--password-stdin",
        ],
        Some("mat-khau-moi-2\n"),
    ));
    let v = json_of(&dvc(d, &["account", "devices"]));
    let tokens = v["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    let theirs = tokens.iter().find(|t| t["current"] == false).unwrap()["token_id"]
        .as_str()
        .unwrap()
        .to_owned();
    json_of(&dvc(d, &["account", "devices", "--revoke", &theirs]));
    // Its next call says plainly to sign in again.
    let o = dvc(other.path(), &["account", "devices"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        bad_line(&o).contains("hãy đăng nhập lại"),
        "{}",
        bad_line(&o)
    );

    // Forgotten password: a code, then the new password with it.
    let v = json_of(&dvc(
        d,
        &[
            "account",
            "password-reset",
            "--server",
            &url,
            "--phone",
            PHONE,
        ],
    ));
    assert_eq!(v["code_length"], 6);
    let code = server.code(2);
    json_of(&dvc_stdin(
        d,
        &[
            "account",
            "password-reset",
            "--server",
            &url,
            "--phone",
            PHONE,
            "--code",
            &code,
            "--password-stdin",
        ],
        Some("mat-khau-moi-3\n"),
    ));
    // Every device was signed out by the reset: sign in with the new password.
    json_of(&dvc_stdin(
        d,
        &[
            "login",
            "--server",
            &url,
            "--phone",
            PHONE,
            "--password-stdin",
        ],
        Some("mat-khau-moi-3\n"),
    ));

    // Sign out revokes on the server.
    let v = json_of(&dvc(d, &["account", "logout"]));
    assert_eq!(v["revoke"], "revoked");
    let o = dvc(d, &["account", "devices"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn resend_replaces_the_code_after_the_countdown() {
    let mut config = dvc_sync::config::Config {
        secure_cookies: false,
        ..Default::default()
    };
    // No countdown, so the test need not wait a minute (the countdown itself is the server's
    // and is tested in its own suite).
    config.auth.otp_resend_after_ms = 0;
    let server = Server::start_with(config);
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let resend = |phone: &str, extra: &[&str]| {
        let mut args = vec!["account", "resend", "--server", &url, "--phone", phone];
        args.extend_from_slice(extra);
        dvc(d, &args)
    };

    // Bad input: exit 2, one line, no request.
    let o = resend("12345", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!bad_line(&o).contains("12345"));
    let o = resend(PHONE, &["--purpose", "consent"]);
    assert_eq!(o.status.code(), Some(2), "only register and password-reset");
    assert!(!server.messages.exists());

    let o = register(
        d,
        &url,
        &[
            "--phone",
            PHONE,
            "--name",
            NAME,
            "--id-number",
            ID,
            "--dob",
            DOB,
            "--password-stdin",
        ],
        "mat-khau-dai-1\n",
    );
    json_of(&o);
    let first = server.code(1);
    let v = json_of(&resend(PHONE, &[]));
    assert_eq!(v["code_length"], 6);
    let second = server.code(2);
    // The first code no longer works (one code valid at a time) unless the new one is the same.
    if first != second {
        let o = dvc(
            d,
            &[
                "account", "verify", "--server", &url, "--phone", PHONE, "--code", &first,
            ],
        );
        assert_eq!(o.status.code(), Some(2), "the replaced code is refused");
    }
    let v = json_of(&dvc(
        d,
        &[
            "account", "verify", "--server", &url, "--phone", PHONE, "--code", &second,
        ],
    ));
    assert_eq!(v["role"], "citizen");

    // A password reset's code is resent with --purpose password-reset.
    json_of(&dvc(
        d,
        &[
            "account",
            "password-reset",
            "--server",
            &url,
            "--phone",
            PHONE,
        ],
    ));
    // Wait for the first reset code, so the resent one is the fourth line.
    server.code(3);
    json_of(&resend(PHONE, &["--purpose", "password-reset"]));
    let reset2 = server.code(4);
    json_of(&dvc_stdin(
        d,
        &[
            "account",
            "password-reset",
            "--server",
            &url,
            "--phone",
            PHONE,
            "--code",
            &reset2,
            "--password-stdin",
        ],
        Some("mat-khau-moi-3\n"),
    ));
}
