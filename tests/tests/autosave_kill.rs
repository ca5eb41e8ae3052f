//! Autosave survives `kill -9`: a writer process saves field changes in a loop and is killed at
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! random moments, many times; afterwards every change it reported as saved is in the database,
//! nothing half-written is, and `PRAGMA integrity_check` is clean.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use dvc_core::dossier;
use dvc_core::secrets::KeystoreKind;
use dvc_core::{Core, OpenOptions};
use rand::Rng;

const ROUNDS: usize = 60;

/// Runs the writer until a random moment, kills it, returns the acknowledged lines.
fn round(dir: &std::path::Path, resume: Option<(&str, u64)>, kill_after: Duration) -> Vec<String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_autosave-writer"));
    cmd.arg(dir).stdout(Stdio::piped()).stderr(Stdio::piped());
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
    // Wait for the first acknowledged change (the process has opened the store), then kill at a
    // random moment while it writes.
    let first = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("writer produced no output");
    std::thread::sleep(kill_after);
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success());
    reader.join().unwrap();
    let mut lines = vec![first];
    lines.extend(rx.try_iter());
    lines
}

fn parse(line: &str) -> (u64, i64) {
    let (n, rev) = line.split_once(' ').unwrap();
    (n.parse().unwrap(), rev.parse().unwrap())
}

#[test]
fn no_acknowledged_change_is_lost_under_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand::rng();
    let first = round(dir.path(), None, Duration::from_millis(50));
    let id = first[0]
        .strip_prefix("id ")
        .expect("first line is the id")
        .to_string();
    let mut acked: Vec<(u64, i64)> = first[1..].iter().map(|l| parse(l)).collect();
    let mut total_acked = acked.len();
    for _ in 0..ROUNDS {
        let next_n = acked.last().map_or(1, |(n, _)| n + 1);
        // The next writer starts after the last *acknowledged* change; a change that committed
        // but was not acknowledged is simply written again, as the UI would.
        let kill_after = Duration::from_millis(rng.random_range(0..120));
        let lines = round(dir.path(), Some((&id, next_n)), kill_after);
        acked = lines.iter().map(|l| parse(l)).collect();
        total_acked += acked.len();
        verify(dir.path(), &id, acked.last().copied());
    }
    assert!(
        total_acked > ROUNDS,
        "the writer made progress ({total_acked} changes)"
    );
}

/// Every acknowledged change is there: the stored revision is at least the last acknowledged
/// one, the fields hold the value of that change or a later one, and the database is intact.
fn verify(dir: &std::path::Path, id: &str, last: Option<(u64, i64)>) {
    let core = Core::open(&OpenOptions {
        data_dir: dir.to_path_buf(),
        keystore: KeystoreKind::File,
    })
    .unwrap();
    assert!(core.store().integrity_ok().unwrap());
    let d = dossier::get(core.store(), id).unwrap();
    let Some((n, rev)) = last else { return };
    assert!(
        d.revision >= rev,
        "revision {} < acknowledged {rev}",
        d.revision
    );
    let num = |field: &str| -> u64 {
        d.values
            .get(field)
            .and_then(|v| v.as_str())
            .and_then(|s| s.strip_prefix('v'))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    // The field written by change n holds n or later.
    let field = match n % 3 {
        0 | 2 => "religion",
        _ => "occupation",
    };
    assert!(num(field) >= n, "{field} lost change {n}: {:?}", d.values);
    // Multi-field changes are all-or-nothing: religion and workplace from a `% 3 == 2` change
    // always agree when workplace holds the newest value.
    let w = num("workplace");
    if w > 0 && w >= num("religion") {
        assert_eq!(w, num("religion"), "half-written change: {:?}", d.values);
    }
    let _: BTreeMap<_, _> = d.values;
}
