//! `kill -9` of a syncing client at random moments (mid-upload, mid-submit, mid-commit), many
//! times; then a fresh sync completes, and the server holds every dossier exactly once with
//! byte-identical attachments while the device shows the right codes.
//!
//! The killed process is `sync-client` (this crate's bin): the same `Core::sync_once` passes as
//! `dvc sync`, on a data directory with the file keystore. It prints its progress, so each kill
//! is logged with the phase it landed in (before any request, mid-upload, submitting, after a
//! dossier was sent); the run must have killed mid-upload at least once.
//! `DVC_SYNC_KILLS=n` sets the rounds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dvc_tests::faultproxy::{Link, Schedule};
use dvc_tests::syncenv::{open_core, verify, Device, ServerEnv};
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

fn client(dir: &std::path::Path, url: &str) -> tokio::process::Child {
    Command::new(env!("CARGO_BIN_EXE_sync-client"))
        .arg(dir)
        .arg(url)
        .env_remove("DVC_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Where a kill landed, from the client's last progress line.
fn kill_phase(last: &str) -> &'static str {
    let parts: Vec<&str> = last.split(' ').collect();
    match parts.as_slice() {
        ["started"] => "before any request",
        ["sent", ..] => "after a dossier was sent",
        ["phase", _, "Uploading", sent, total] if sent != total => "mid-upload",
        ["phase", _, "Uploading", ..] => "upload complete, before submitting",
        ["phase", _, "Submitting", ..] => "submitting",
        ["phase", _, "Sent", ..] => "after a dossier was sent",
        ["phase", _, "Preparing", ..] => "before any request",
        _ => "between attempts",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_syncing_loses_nothing_and_duplicates_nothing() {
    let rounds: usize = std::env::var("DVC_SYNC_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let env = ServerEnv::start().await;
    // A slow link so a pass takes a few seconds and the kills land inside it.
    env.proxy.set_schedule(Schedule::new(
        0,
        0.0,
        1,
        vec![],
        Link {
            latency: Duration::from_millis(5),
            bytes_per_s: Some(300_000),
        },
    ));
    let dir = tempfile::tempdir().unwrap();
    let Device { core, dossiers, .. } = Device::new(
        dir.path(),
        4,
        40_000..160_000,
        4242,
        &env.proxy.url(),
        &env.token,
    );
    drop(core);
    let url = env.proxy.url();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0xC0FFEE);
    let mut killed = 0;
    let mut phases: BTreeMap<String, usize> = BTreeMap::new();
    for round in 0..rounds {
        let mut child = client(dir.path(), &url);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("client did not start")
            .unwrap();
        assert_eq!(first.as_deref(), Some("started"));
        // The last line the client printed: where it stands.
        let last = Arc::new(Mutex::new(String::from("started")));
        let reader = {
            let last = last.clone();
            tokio::spawn(async move {
                while let Ok(Some(l)) = lines.next_line().await {
                    *last.lock().unwrap() = l;
                }
            })
        };
        let kill_after = Duration::from_millis(rng.random_range(20..900));
        let finished = tokio::time::timeout(kill_after, child.wait()).await;
        if let Ok(status) = finished {
            // It finished everything before the kill: nothing left to interrupt.
            assert!(status.unwrap().success());
            break;
        }
        let seen = last.lock().unwrap().clone();
        child.start_kill().unwrap(); // SIGKILL
        let status = child.wait().await.unwrap();
        assert!(!status.success());
        let _ = reader.await;
        let phase = kill_phase(&seen);
        println!("kill {round}: {phase} (last line: {seen})");
        *phases.entry(phase.to_owned()).or_default() += 1;
        killed += 1;
    }
    println!("{killed} kills: {phases:?}");
    assert!(killed > 0, "no kill landed while syncing");
    assert!(
        phases.contains_key("mid-upload"),
        "no kill landed inside an upload: {phases:?}"
    );
    // A fresh, uninterrupted sync completes.
    let mut child = client(dir.path(), &url);
    let status = tokio::time::timeout(Duration::from_secs(120), child.wait())
        .await
        .expect("final sync hung")
        .unwrap();
    assert!(status.success(), "final sync: {status}");
    let core = open_core(dir.path());
    assert!(core.store().integrity_ok().unwrap());
    assert_eq!(core.sync_status().unwrap().pending, 0);
    verify(&env, dossiers.len(), &[(&core, &dossiers)]).await;
}
