//! `dvc wipe` and how the CLI honours the app lock, through the real binary.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{bad_line, dvc, dvc_stdin, json_of, open_core, queued_passport};
use dvc_core::lock::KdfParams;
use dvc_core::test_support::{ID_NUMBER, NAME};

const PIN: &str = "314159";

fn set_pin(dir: &Path, pin: &str) {
    let core = open_core(dir);
    let mut gate = core.lock();
    // Cheap parameters keep the test quick; checks use the cost stored with the verifier.
    gate.params = KdfParams::TEST;
    gate.set_pin(None, pin).unwrap();
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        }
        out.push(p);
    }
    out
}

#[test]
fn a_locked_data_dir_needs_the_pin_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    // No lock: no PIN asked.
    json_of(&dvc(dir.path(), &["info"]));
    set_pin(dir.path(), PIN);

    let line = bad_line(&dvc(dir.path(), &["info"]));
    assert!(line.contains("--pin-stdin"), "{line}");
    let line = bad_line(&dvc_stdin(
        dir.path(),
        &["--pin-stdin", "info"],
        Some("000000\n"),
    ));
    assert!(line.contains("wrong PIN (1 wrong"), "{line}");
    let v = json_of(&dvc_stdin(
        dir.path(),
        &["--pin-stdin", "settings", "show"],
        Some(&format!("{PIN}\n")),
    ));
    assert_eq!(v["lock_timeout_minutes"], 5);
    // A right PIN reset the counter; five wrong ones then start the wait, which the CLI honours
    // like the app (the counter is in the store, not in the process).
    for n in 1..=5 {
        let line = bad_line(&dvc_stdin(
            dir.path(),
            &["--pin-stdin", "info"],
            Some("1\n"),
        ));
        assert!(line.contains(&format!("({n} wrong")), "{line}");
    }
    let line = bad_line(&dvc_stdin(
        dir.path(),
        &["--pin-stdin", "info"],
        Some(&format!("{PIN}\n")),
    ));
    assert!(line.contains("try again in"), "{line}");
    // Commands that never open the data directory need no PIN.
    json_of(&dvc(
        dir.path(),
        &[
            "cccd",
            "parse",
            "079185004321|123456789|Hồ Thị Thử|05061985|Nữ|Ấp 1|20042021",
        ],
    ));
}

#[test]
fn wipe_needs_yes_then_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    queued_passport(dir.path());
    set_pin(dir.path(), PIN);
    let line = bad_line(&dvc(dir.path(), &["wipe"]));
    assert!(line.contains("--yes"), "{line}");
    assert!(
        dir.path().join(dvc_core::DB_FILE).exists(),
        "refused, yet changed"
    );

    // No PIN needed: a wipe reveals nothing and is the way out of a forgotten PIN.
    let v = json_of(&dvc(dir.path(), &["wipe", "--yes"]));
    assert!(v["files_removed"].as_u64().unwrap() >= 4, "{v}");
    assert_eq!(v["keystore_entries_deleted"], 3, "db, documents, lock: {v}");
    assert_eq!(files_under(dir.path()), Vec::<PathBuf>::new());

    // A fresh start: no lock, no people.
    let v = json_of(&dvc(dir.path(), &["person", "list"]));
    assert_eq!(v.as_array().map(Vec::len), Some(0), "{v}");
    let core = open_core(dir.path());
    assert!(!core.lock().enabled().unwrap());
    drop(core);
    // And nothing in the directory names the person.
    for f in files_under(dir.path()) {
        if f.is_file() {
            let b = std::fs::read(&f).unwrap();
            for needle in [ID_NUMBER.as_bytes(), NAME.as_bytes()] {
                assert!(!b.windows(needle.len()).any(|w| w == needle), "{f:?}");
            }
        }
    }
}
