//! Power loss on the phone's store (SQLCipher database, key file, data folder): the autosave
//! writer (`src/bin/autosave_writer.rs`, one small transaction per field change, printed only
//! once the store returned) runs under the power-loss shim (`tests/powerloss/shim.c`,
//! `dvc_tests::powerloss`), is killed at a random moment, and every write not made durable by an
//! fsync is undone, as a phone whose battery died would leave its flash. Every change the writer
//! acknowledged must then be there, in a database that opens with its key and passes
//! `integrity_check`. The first round creates the store under the shim too, so the key file and
//! the database's creation must be durable as well. The negative control lets no fsync count and
//! must lose acknowledged changes, or the test would prove nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use dvc_core::dossier;
use dvc_core::secrets::KeystoreKind;
use dvc_core::{Core, OpenOptions};
use dvc_tests::powerloss::PowerCut;
use rand::Rng;

/// Runs the writer under the shim until `kill_after` after its first acknowledged change, kills
/// it; returns the lines it printed.
fn round(
    dir: &Path,
    resume: Option<(&str, u64)>,
    kill_after: Duration,
    env: &[(String, String)],
) -> Vec<String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_autosave-writer"));
    cmd.arg(dir)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some((id, n)) = resume {
        cmd.arg(id).arg(n.to_string());
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("writer produced no output");
    std::thread::sleep(kill_after);
    child.kill().unwrap();
    let _ = child.wait();
    reader.join().unwrap();
    let mut lines = vec![first];
    lines.extend(rx.try_iter());
    lines
}

/// `<n> <revision>` of an acknowledged change.
fn parse(line: &str) -> (u64, i64) {
    let (n, rev) = line.split_once(' ').unwrap();
    (n.parse().unwrap(), rev.parse().unwrap())
}

/// What the store kept: `Err` says what was lost.
fn check(dir: &Path, id: &str, last: (u64, i64)) -> Result<(), String> {
    let core = Core::open(&OpenOptions {
        data_dir: dir.to_path_buf(),
        keystore: KeystoreKind::File,
    })
    .map_err(|e| format!("the store does not open: {e}"))?;
    if !core.store().integrity_ok().map_err(|e| e.to_string())? {
        return Err("integrity_check failed".into());
    }
    let d = dossier::get(core.store(), id).map_err(|e| format!("the draft is gone: {e}"))?;
    let (n, rev) = last;
    if d.revision < rev {
        return Err(format!(
            "revision {} < acknowledged {rev} (change {n})",
            d.revision
        ));
    }
    Ok(())
}

#[test]
fn a_power_cut_loses_no_acknowledged_change() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let pc = PowerCut::new(&dir, &tmp.path().join("work")).unwrap();
    let env = pc.env(false).unwrap();
    let mut rng = rand::rng();
    // Round 0 makes the store (key file, database) under the shim.
    let lines = round(&dir, None, Duration::from_millis(30), &env);
    let report = pc.cut().unwrap();
    let id = lines[0]
        .strip_prefix("id ")
        .expect("the id first")
        .to_string();
    let mut last = lines[1..].iter().map(|l| parse(l)).next_back();
    if let Some(l) = last {
        check(&dir, &id, l).unwrap();
    }
    let mut undone = report.undone;
    let mut acked = lines.len() - 1;
    for r in 1..=8 {
        let next = last.map_or(1, |(n, _)| n + 1);
        let ms = rng.random_range(0..100);
        let lines = round(&dir, Some((&id, next)), Duration::from_millis(ms), &env);
        let report = pc.cut().unwrap();
        undone += report.undone;
        acked += lines.len();
        if let Some(l) = lines.iter().map(|l| parse(l)).next_back() {
            last = Some(l);
        }
        if let Some(l) = last {
            if let Err(e) = check(&dir, &id, l) {
                panic!("round {r}: {e} ({report:?})");
            }
        }
    }
    assert!(acked > 8, "the writer made progress ({acked} changes)");
    assert!(undone > 0, "no power cut found a write in flight");
    eprintln!(
        "power loss (device): {acked} acknowledged changes kept, {undone} unsynced writes undone"
    );
}

#[test]
fn the_power_cut_does_catch_a_store_that_never_syncs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let pc = PowerCut::new(&dir, &tmp.path().join("work")).unwrap();
    // The store is made without the shim (durable), then written with no fsync counting.
    let lines = round(&dir, None, Duration::from_millis(30), &[]);
    let id = lines[0]
        .strip_prefix("id ")
        .expect("the id first")
        .to_string();
    let n = lines[1..]
        .iter()
        .map(|l| parse(l))
        .next_back()
        .map_or(1, |(n, _)| n + 1);
    let lines = round(
        &dir,
        Some((&id, n)),
        Duration::from_millis(200),
        &pc.env(true).unwrap(),
    );
    let last = lines
        .iter()
        .map(|l| parse(l))
        .next_back()
        .expect("changes were acknowledged");
    pc.cut().unwrap();
    assert!(
        check(&dir, &id, last).is_err(),
        "with fsync not counting, a power cut should lose acknowledged changes"
    );
}
