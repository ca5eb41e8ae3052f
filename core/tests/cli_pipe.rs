//! `dvc` when the reader of its output goes away (`dvc … | head -c 1`): a quiet exit 0, never a
//! panic. Runs the real binary into pipes closed before and while it writes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dvc"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("DVC_KEYSTORE", "file")
        .env_remove("DVC_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for `child` and checks it ended cleanly: exit 0 and nothing on stderr.
fn assert_quiet_success(mut child: Child, what: &str) {
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{what}: {err}"
    );
    assert_eq!(status.code(), Some(0), "{what}: {err}");
    assert!(err.is_empty(), "{what}: {err}");
}

const COMMANDS: &[&[&str]] = &[
    &["catalog", "show", "1.001456", "--json"],
    &["catalog", "show", "1.001456"],
    &["catalog", "search", "", "--limit", "100", "--json"],
    &["info", "--json"],
];

#[test]
fn a_reader_gone_before_the_output_is_a_quiet_exit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The data directory (store, key, catalog) exists before the runs that matter.
    assert_quiet_success(spawn(d, &["info"]), "first start");
    for round in 0..5 {
        for args in COMMANDS {
            let mut child = spawn(d, args);
            // Close the only read end before the command (which opens its store first) writes.
            drop(child.stdout.take());
            assert_quiet_success(child, &format!("round {round}: {args:?}"));
        }
    }
}

#[test]
fn a_reader_gone_after_one_byte_is_a_quiet_exit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_quiet_success(spawn(d, &["info"]), "first start");
    for round in 0..5 {
        for args in COMMANDS {
            let mut child = spawn(d, args);
            // `head -c 1`: read one byte, then go away while the rest may still be coming.
            let mut out = child.stdout.take().unwrap();
            let mut one = [0u8; 1];
            out.read_exact(&mut one).unwrap();
            drop(out);
            assert_quiet_success(child, &format!("round {round}: {args:?}"));
        }
    }
}

#[test]
fn a_full_read_still_gets_everything() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dvc"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["catalog", "show", "1.001456", "--json"])
        .env("DVC_KEYSTORE", "file")
        .env_remove("DVC_LOG")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["id"], "passport-domestic");
    assert!(out.stdout.ends_with(b"}\n"));
}
