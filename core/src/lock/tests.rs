use super::*;
use crate::secrets::{FileSecrets, MemorySecrets};
use crate::Core;

const PIN: &str = "246810";
const T0: i64 = 1_800_000_000_000;

fn gate<'a>(core: &'a Core, clock: &'a ManualClock) -> Gate<'a> {
    Gate {
        store: core.store(),
        secrets: core.secrets(),
        clock,
        params: KdfParams::TEST,
    }
}

fn core_in(dir: &std::path::Path) -> Core {
    Core::open_with(dir.into(), Box::new(MemorySecrets::default())).unwrap()
}

fn wrong(outcome: Unlock) -> LockStatus {
    match outcome {
        Unlock::Wrong { status } => status,
        other => panic!("expected a wrong PIN, got {other:?}"),
    }
}

#[test]
fn right_pin_opens_wrong_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let core = core_in(dir.path());
    let clock = ManualClock::at(T0);
    let g = gate(&core, &clock);
    assert!(!g.status().unwrap().enabled);
    assert_eq!(g.set_pin(None, PIN).unwrap(), Unlock::Opened);
    assert!(g.status().unwrap().enabled);
    assert_eq!(g.check(PIN).unwrap(), Unlock::Opened);
    for bad in ["246811", "000000", "24681", "2468100", "abcdef", ""] {
        clock.advance_secs(3600);
        let s = wrong(g.check(bad).unwrap());
        assert!(s.failures >= 1, "{bad}");
    }
    // Past the wait, a right PIN opens and resets the counter.
    clock.advance_secs(3600);
    assert_eq!(g.check(PIN).unwrap(), Unlock::Opened);
    assert_eq!(g.status().unwrap().failures, 0);
}

#[test]
fn pin_form_is_six_digits() {
    let dir = tempfile::tempdir().unwrap();
    let core = core_in(dir.path());
    let clock = ManualClock::at(T0);
    let g = gate(&core, &clock);
    for bad in ["12345", "1234567", "12a456", "١٢٣٤٥٦", " 123456"] {
        let e = g.set_pin(None, bad).unwrap_err();
        assert!(e.is_bad_input(), "{bad}");
        assert_eq!(e.message_key(), "errors.lock_pin_form");
    }
    assert!(!g.enabled().unwrap());
}

#[test]
fn backoff_schedule_follows_the_manual_clock() {
    assert_eq!(
        (0..12).map(wait_after).collect::<Vec<_>>(),
        [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920]
    );
    assert_eq!(wait_after(40), MAX_WAIT_SECS);
    assert_eq!(wait_after(u32::MAX), MAX_WAIT_SECS);

    let dir = tempfile::tempdir().unwrap();
    let core = core_in(dir.path());
    let clock = ManualClock::at(T0);
    let g = gate(&core, &clock);
    g.set_pin(None, PIN).unwrap();
    for n in 1..=4 {
        let s = wrong(g.check("111111").unwrap());
        assert_eq!((s.failures, s.wait_secs), (n, 0));
    }
    let s = wrong(g.check("111111").unwrap());
    assert_eq!((s.failures, s.wait_secs), (5, 30));
    // During the wait even the right PIN is not checked, and nothing is counted.
    clock.advance_secs(29);
    match g.check(PIN).unwrap() {
        Unlock::Wait { status } => assert_eq!((status.failures, status.wait_secs), (5, 1)),
        other => panic!("{other:?}"),
    }
    clock.advance_secs(1);
    let s = wrong(g.check("111111").unwrap());
    assert_eq!((s.failures, s.wait_secs), (6, 60));
    clock.advance_secs(60);
    let s = wrong(g.check("111111").unwrap());
    assert_eq!((s.failures, s.wait_secs), (7, 120));
    // A clock set back does not lengthen the wait beyond the schedule.
    clock.advance_secs(-3600);
    assert_eq!(g.status().unwrap().wait_secs, 120);
    clock.advance_secs(3600 + 120);
    assert_eq!(g.check(PIN).unwrap(), Unlock::Opened);
    assert_eq!(g.status().unwrap().failures, 0);
}

#[test]
fn counter_survives_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let clock = ManualClock::at(T0);
    {
        let core =
            Core::open_with(dir.path().into(), Box::new(FileSecrets::new(keys.clone()))).unwrap();
        let g = gate(&core, &clock);
        g.set_pin(None, PIN).unwrap();
        for _ in 0..6 {
            clock.advance_secs(3600);
            wrong(g.check("999999").unwrap());
        }
    }
    let core = Core::open_with(dir.path().into(), Box::new(FileSecrets::new(keys))).unwrap();
    let g = gate(&core, &clock);
    let s = g.status().unwrap();
    assert_eq!((s.enabled, s.failures, s.wait_secs), (true, 6, 60));
    assert!(matches!(g.check(PIN).unwrap(), Unlock::Wait { .. }));
}

#[test]
fn change_and_turn_off_need_the_pin() {
    let dir = tempfile::tempdir().unwrap();
    let core = core_in(dir.path());
    let clock = ManualClock::at(T0);
    let g = gate(&core, &clock);
    g.set_pin(None, PIN).unwrap();
    wrong(g.set_pin(Some("000000"), "135791").unwrap());
    wrong(g.set_pin(None, "135791").unwrap());
    assert_eq!(g.check(PIN).unwrap(), Unlock::Opened);
    assert_eq!(g.set_pin(Some(PIN), "135791").unwrap(), Unlock::Opened);
    wrong(g.check(PIN).unwrap());
    wrong(g.disable(PIN).unwrap());
    assert!(g.enabled().unwrap());
    assert_eq!(g.disable("135791").unwrap(), Unlock::Opened);
    assert!(!g.enabled().unwrap());
    assert_eq!(g.check("whatever").unwrap(), Unlock::Opened);
}

#[test]
fn wipe_is_offered_to_a_volunteer_only() {
    let dir = tempfile::tempdir().unwrap();
    let core = core_in(dir.path());
    core.set_setting("lock_wipe_after", "3").unwrap();
    let clock = ManualClock::at(T0);
    let g = gate(&core, &clock);
    g.set_pin(None, PIN).unwrap();
    for _ in 0..3 {
        assert!(!wrong(g.check("000000").unwrap()).wipe_offered);
    }
    assert_eq!(g.status().unwrap().failures, 3);
    // A citizen: never offered.
    crate::sync::db::signed_in(
        core.store(),
        "http://127.0.0.1:1",
        "acc",
        "citizen",
        "Người thử",
    )
    .unwrap();
    assert!(!g.status().unwrap().wipe_offered);
    crate::sync::db::signed_in(
        core.store(),
        "http://127.0.0.1:1",
        "acc",
        "volunteer",
        "Người thử",
    )
    .unwrap();
    assert!(g.status().unwrap().wipe_offered);
}

#[test]
fn the_pin_is_in_no_file_and_no_keystore_entry() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let clock = ManualClock::at(T0);
    let pin = "864213";
    let core =
        Core::open_with(dir.path().into(), Box::new(FileSecrets::new(keys.clone()))).unwrap();
    let g = gate(&core, &clock);
    g.set_pin(None, pin).unwrap();
    wrong(g.check("864214").unwrap());
    assert_eq!(g.check(pin).unwrap(), Unlock::Opened);
    core.store()
        .read(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);"))
        .unwrap();
    let entry = core.secrets().get(LOCK_SECRET_NAME).unwrap().unwrap();
    assert_eq!(entry.len(), ENTRY_LEN);
    let needles: [Vec<u8>; 3] = [
        pin.as_bytes().to_vec(),
        hex::encode(pin).into_bytes(),
        pin.bytes().map(|b| b - b'0').collect(),
    ];
    let mut files = vec![];
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    assert!(files.iter().any(|f| f.ends_with("lock-pin.key")));
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for n in &needles {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n.as_slice()),
                "the PIN is readable in {}",
                f.display()
            );
        }
    }
    for n in &needles {
        assert!(!entry.windows(n.len()).any(|w| w == n.as_slice()));
    }
}

#[test]
fn damaged_entry_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let core = core_in(dir.path());
    core.secrets().set(LOCK_SECRET_NAME, b"short").unwrap();
    let clock = ManualClock::at(T0);
    let e = gate(&core, &clock).check(PIN).unwrap_err();
    assert_eq!(e.message_key(), "errors.lock_damaged");
}
