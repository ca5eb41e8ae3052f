//! `kill -9` of a syncing client at random moments (mid-upload, mid-submit, mid-commit), many
//! times; then a fresh sync completes, and the server holds every dossier exactly once with
//! byte-identical attachments while the device shows the right codes.
//!
//! The killed process is `sync-client` (this crate's bin): the same `Core::sync_once` passes as
//! `dvc sync`, on a data directory with the file keystore. `DVC_SYNC_KILLS=n` sets the rounds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

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
    for _ in 0..rounds {
        let mut child = client(dir.path(), &url);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("client did not start")
            .unwrap();
        assert_eq!(first.as_deref(), Some("started"));
        let kill_after = Duration::from_millis(rng.random_range(20..900));
        let finished = tokio::time::timeout(kill_after, child.wait()).await;
        if let Ok(status) = finished {
            // It finished everything before the kill: nothing left to interrupt.
            assert!(status.unwrap().success());
            break;
        }
        child.start_kill().unwrap(); // SIGKILL
        let status = child.wait().await.unwrap();
        assert!(!status.success());
        killed += 1;
    }
    println!("{killed} kills");
    assert!(killed > 0, "no kill landed while syncing");
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
