//! The harness of the `dvc` CLI tests (`core/tests/cli_*.rs`): the real binary on a temp data
//! directory with the file keystore, its exit-code contract (0 with JSON, 2 with one line on
//! stderr), a dvc-sync demo server in the process, and a queued passport dossier made with the
//! shared fixture.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test support: a panic is the failure report

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use dvc_core::secrets::KeystoreKind;
use dvc_core::test_support::{applicant, ReadyPassport};
use dvc_core::{Core, OpenOptions};
use serde_json::Value;

/// `dvc --data-dir <dir> <args>`, with the file keystore, no log filter and no default agency
/// from the environment; `stdin` is written and closed (closed at once without it).
pub fn dvc_plain(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dvc"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("DVC_KEYSTORE", "file")
        .env_remove("DVC_DATA_DIR")
        .env_remove("DVC_LOG")
        .env_remove("DVC_SYNC_AGENCY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

/// `dvc <args>` with the data directory given the other documented way, by `DVC_DATA_DIR`.
pub fn dvc_env_dir(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dvc"))
        .args(args)
        .env("DVC_DATA_DIR", dir)
        .env("DVC_KEYSTORE", "file")
        .env_remove("DVC_LOG")
        .env_remove("DVC_SYNC_AGENCY")
        .output()
        .unwrap()
}

/// `dvc --data-dir <dir> --json <args>`.
pub fn dvc(dir: &Path, args: &[&str]) -> Output {
    dvc_stdin(dir, args, None)
}

/// [`dvc`] with `stdin` given to the command (e.g. a password for `--password-stdin`).
pub fn dvc_stdin(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    dvc_plain(dir, &all, stdin)
}

/// Exit 0; the JSON it printed.
pub fn json_of(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Exit 2 (bad input) with exactly one line on stderr; returns that line.
pub fn bad_line(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).trim_end().to_string();
    assert_eq!(
        o.status.code(),
        Some(2),
        "stdout: {} stderr: {err}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err
}

/// `dvc --json <args>` that must succeed: its JSON.
pub fn ok_json(dir: &Path, args: &[&str]) -> Value {
    let o = dvc(dir, args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `dvc --json <args>` that must be refused as bad input: exit 2, one line on stderr, nothing on
/// stdout. Returns the line.
pub fn bad_input(dir: &Path, args: &[&str]) -> String {
    let o = dvc(dir, args);
    let err = bad_line(&o);
    assert!(o.stdout.is_empty(), "{args:?} printed {:?}", o.stdout);
    err
}

/// The data directory opened in this process as the CLI opens it (file keystore).
pub fn open_core(dir: &Path) -> Core {
    Core::open(&OpenOptions {
        data_dir: dir.to_path_buf(),
        keystore: KeystoreKind::File,
    })
    .unwrap()
}

/// A queued passport dossier in `dir` (the shared fixture: the synthetic applicant, added once
/// per data directory, every field, three attachments); returns its id.
pub fn queued_passport(dir: &Path) -> String {
    let core = open_core(dir);
    let existing = core
        .list_people(None)
        .unwrap()
        .into_iter()
        .find(|p| p.full_name == applicant().full_name);
    let person = match existing {
        Some(p) => p.id,
        None => core.add_person(&applicant()).unwrap().id,
    };
    ReadyPassport::new()
        .person(&person)
        .queue(&core)
        .unwrap()
        .queued
        .dossier_id
}

/// `dvc login` as the demo citizen at `url` (password on stdin).
pub fn login_demo_citizen(dir: &Path, url: &str) {
    let (phone, password) = dvc_sync::seed::DEMO_CITIZEN;
    let o = dvc_stdin(
        dir,
        &[
            "login",
            "--server",
            url,
            "--phone",
            phone,
            "--password-stdin",
        ],
        Some(&format!("{password}\n")),
    );
    json_of(&o);
}

/// A dvc-sync demo server in this process (SQLite in a temp dir, demo accounts) on its own
/// runtime, for tests that are not async.
pub struct DemoServer {
    pub rt: tokio::runtime::Runtime,
    server: Option<dvc_sync::server::RunningServer>,
    _dir: tempfile::TempDir,
}

impl DemoServer {
    pub fn start() -> DemoServer {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let server = rt.block_on(dvc_sync::test_support::demo_server(dir.path(), true));
        DemoServer {
            rt,
            server: Some(server),
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        self.server.as_ref().unwrap().url()
    }

    /// The server's storage (e.g. to act as an officer without the console).
    pub fn db(&self) -> dvc_sync::db::Db {
        self.server.as_ref().unwrap().state.db.clone()
    }

    /// Stops the server (graceful); later requests find nobody listening.
    pub fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown()).unwrap();
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            let _ = self.rt.block_on(s.shutdown());
        }
    }
}
