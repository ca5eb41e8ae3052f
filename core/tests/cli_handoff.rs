//! The `dvc handoff` contract, through the real binary on two data directories — a volunteer's
//! phone and the citizen's: the synthetic citizen with a photo paper and a draft leaves the
//! volunteer's phone in an encrypted bundle, arrives whole (the paper byte for byte), a second
//! import changes nothing, a damaged bundle or a wrong key exits 2 and changes nothing, and once
//! confirmed and deleted nothing of the citizen stays on the volunteer's phone.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{bad_input, ok_json, open_core};
use dvc_core::photo::synth;
use dvc_core::test_support::{
    files_containing, rows_containing, ADDRESS, DATE_OF_BIRTH, ID_ISSUE_DATE, ID_NUMBER, NAME,
    PASSPORT_FORM, PHONE, SEX,
};
use serde_json::Value;

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

/// What a phone holds, as `dvc` shows it: record counts, people, the person's papers and drafts.
fn snapshot(dir: &Path, person: &str) -> Value {
    let info = ok_json(dir, &["info"]);
    let people = ok_json(dir, &["person", "list"]);
    let drafts = ok_json(dir, &["draft", "list"]);
    let shown = common::dvc(dir, &["person", "show", person]);
    serde_json::json!({
        "counts": info["counts"],
        "people": people,
        "drafts": drafts,
        "person": if shown.status.success() {
            serde_json::from_slice(&shown.stdout).unwrap()
        } else {
            Value::Null
        },
    })
}

#[test]
fn a_citizen_moves_to_their_own_phone_and_leaves_the_volunteers() {
    let vol = tempfile::tempdir().unwrap();
    let cit = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let (v, c) = (vol.path(), cit.path());

    // The volunteer's phone: the synthetic citizen, a photo of a paper, a draft.
    let p = ok_json(
        v,
        &[
            "person",
            "add",
            "--name",
            NAME,
            "--sex",
            SEX,
            "--dob",
            DATE_OF_BIRTH,
            "--id-number",
            ID_NUMBER,
            "--issue-date",
            ID_ISSUE_DATE,
            "--phone",
            PHONE,
            "--address",
            ADDRESS,
        ],
    );
    let person = s(&p["id"]).to_string();
    let photo = work.path().join("chan-dung.jpg");
    std::fs::write(
        &photo,
        synth::jpeg(&synth::portrait(300, 400, Default::default()), 85, None),
    )
    .unwrap();
    let doc = ok_json(
        v,
        &[
            "person",
            "doc-add",
            &person,
            photo.to_str().unwrap(),
            "--kind",
            "portrait",
        ],
    );
    let doc_id = s(&doc["id"]).to_string();
    let draft = ok_json(v, &["draft", "new", PASSPORT_FORM, "--person", &person]);
    let draft_id = s(&draft["id"]).to_string();
    ok_json(v, &["draft", "set", &draft_id, "request_type=first"]);
    let draft_there = ok_json(v, &["draft", "show", &draft_id]);

    // Export: a new file and its key.
    let out = work.path().join("ban-giao.dvch");
    let e = ok_json(
        v,
        &["handoff", "export", &person, "--out", out.to_str().unwrap()],
    );
    let key = s(&e["key"]).to_string();
    assert!(key.starts_with("DVCH1.") && key.len() == 72, "{key}");
    assert_eq!(e["bundle_id"], key[6..28]);
    assert_eq!(
        (e["documents"].as_u64(), e["dossiers"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(e["path"], out.to_str().unwrap());
    let bundle = std::fs::read(&out).unwrap();
    assert_eq!(e["bytes"].as_u64(), Some(bundle.len() as u64));
    for needle in [NAME, ID_NUMBER, PHONE] {
        assert!(!bundle.windows(needle.len()).any(|w| w == needle.as_bytes()));
    }
    // A second export never overwrites the first file.
    let e2 = ok_json(
        v,
        &["handoff", "export", &person, "--out", out.to_str().unwrap()],
    );
    assert_ne!(e2["path"], e["path"]);
    assert_ne!(e2["key"], e["key"]);
    assert_eq!(std::fs::read(&out).unwrap(), bundle);

    // The citizen's phone, with a profile of its own already.
    ok_json(c, &["person", "add", "--name", "Lê Văn Khác"]);
    let empty = snapshot(c, &person);
    assert_eq!(empty["person"], Value::Null);

    // A damaged bundle, a cut one, a wrong key: exit 2, one line, nothing changed.
    let mut damaged = bundle.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x01;
    let damaged_path = work.path().join("hong.dvch");
    std::fs::write(&damaged_path, &damaged).unwrap();
    let cut = work.path().join("cut.dvch");
    std::fs::write(&cut, &bundle[..bundle.len() - 10]).unwrap();
    let wrong_key = s(&e2["key"]).to_string();
    let b = out.to_str().unwrap();
    for (args, says) in [
        (
            vec![
                "handoff",
                "import",
                damaged_path.to_str().unwrap(),
                "--key",
                &key,
            ],
            "altered or damaged",
        ),
        (
            vec!["handoff", "import", cut.to_str().unwrap(), "--key", &key],
            "announces",
        ),
        (
            vec!["handoff", "import", b, "--key", &wrong_key],
            "belongs to bundle",
        ),
        (
            vec!["handoff", "import", b, "--key", "DVCH1.nope"],
            "not a hand-off key",
        ),
        (
            vec!["handoff", "import", photo.to_str().unwrap(), "--key", &key],
            "not a hand-off bundle",
        ),
        (
            vec!["handoff", "import", "/no/such/bundle.dvch", "--key", &key],
            "cannot read",
        ),
    ] {
        let line = bad_input(c, &args);
        assert!(line.contains(says), "{args:?}: {line}");
        assert!(!line.contains(&key[28..]), "the key shows in {line}");
        assert_eq!(snapshot(c, &person), empty, "{args:?} changed something");
    }

    // The import.
    let r = ok_json(c, &["handoff", "import", b, "--key", &key]);
    assert_eq!(r["person_id"], person.as_str());
    assert_eq!(r["imported"], true);
    assert_eq!(r["already_imported"], false);
    assert_eq!(
        (r["documents"].as_u64(), r["dossiers"].as_u64()),
        (Some(1), Some(1))
    );
    let shown = ok_json(c, &["person", "show", &person]);
    assert_eq!(shown["full_name"], NAME);
    assert_eq!(shown["id_number"], ID_NUMBER);
    assert_eq!(shown["phone"], PHONE);
    assert_eq!(shown["documents"].as_array().unwrap().len(), 1);
    assert_eq!(shown["documents"][0]["id"], doc_id.as_str());
    assert_eq!(shown["documents"][0]["kind"], "portrait");
    let people = ok_json(c, &["person", "list", "--search", ID_NUMBER]);
    assert_eq!(people.as_array().unwrap().len(), 1, "{people}");
    // The paper, byte for byte.
    let (mine, theirs) = (work.path().join("here.jpg"), work.path().join("there.jpg"));
    ok_json(c, &["person", "doc-get", &doc_id, mine.to_str().unwrap()]);
    ok_json(v, &["person", "doc-get", &doc_id, theirs.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(&mine).unwrap(),
        std::fs::read(&theirs).unwrap()
    );
    // The draft, with its values and the paper it prefilled.
    let drafts = ok_json(c, &["draft", "list"]);
    assert!(
        drafts
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == draft_id.as_str() && d["applicant_id"] == person.as_str()),
        "{drafts}"
    );
    assert_eq!(ok_json(c, &["draft", "show", &draft_id]), draft_there);

    // The citizen's phone remembers the arrival (for the server, which may hold a copy).
    let inc = ok_json(c, &["handoff", "incoming"]);
    assert_eq!(inc[0]["state"], "imported", "{inc}");
    assert_eq!(inc[0]["person_id"], person.as_str());

    // Again (the key on standard input this time): nothing changes, and it says so.
    let imported = snapshot(c, &person);
    let again = common::json_of(&common::dvc_stdin(
        c,
        &["handoff", "import", b, "--key-stdin"],
        Some(&format!("{key}\n")),
    ));
    assert_eq!(again["already_imported"], true);
    assert_eq!(again["imported"], false);
    assert_eq!(snapshot(c, &person), imported);
    // The second bundle of the same person too.
    let second = ok_json(
        c,
        &["handoff", "import", s(&e2["path"]), "--key", &wrong_key],
    );
    assert_eq!(second["already_imported"], true);
    assert_eq!(snapshot(c, &person), imported);

    // The volunteer confirms and deletes: nothing of the citizen stays on that phone.
    assert!(
        !rows_containing(&open_core(v), ID_NUMBER)
            .unwrap()
            .is_empty(),
        "the check below must be able to fail"
    );
    let bad = bad_input(
        v,
        &["handoff", "confirm", "0190a0a0-0000-7000-8000-000000000000"],
    );
    assert!(bad.contains("not found"), "{bad}");
    // No server here: the latest bundle's copy for the relay is still waiting.
    let st = ok_json(v, &["handoff", "status", &person]);
    assert_eq!(
        (&st["bundle_id"], st["relay"].as_str()),
        (&e2["bundle_id"], Some("pending"))
    );
    assert_eq!(st["confirmed_at"], Value::Null);
    let conf = ok_json(v, &["handoff", "confirm", &person]);
    assert_eq!(conf["person_id"], person.as_str());
    assert_eq!(conf["bundle_id"], e2["bundle_id"]);
    assert_eq!(conf["already_confirmed"], false);
    ok_json(v, &["person", "delete", &person, "--yes"]);
    let core = open_core(v);
    for needle in [ID_NUMBER, NAME, PHONE] {
        assert_eq!(
            rows_containing(&core, needle).unwrap(),
            Vec::<String>::new()
        );
    }
    drop(core);
    for needle in [ID_NUMBER.as_bytes(), NAME.as_bytes()] {
        assert_eq!(files_containing(v, needle).unwrap(), Vec::<String>::new());
    }
    assert_eq!(
        ok_json(v, &["person", "list"]).as_array().map(Vec::len),
        Some(0)
    );
    // The citizen's phone keeps them.
    assert_eq!(ok_json(c, &["person", "show", &person])["full_name"], NAME);
}

#[test]
fn bad_requests_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("x.dvch");
    let o = out.to_str().unwrap();
    let line = bad_input(d, &["handoff", "export", "not-an-id", "--out", o]);
    assert!(line.contains("not found"), "{line}");
    let line = bad_input(
        d,
        &[
            "handoff",
            "export",
            "0190a0a0-0000-7000-8000-000000000000",
            "--out",
            o,
        ],
    );
    assert!(line.contains("not found"), "{line}");
    assert!(!out.exists());
    let line = bad_input(d, &["handoff", "confirm", "nobody"]);
    assert!(line.contains("not found"), "{line}");
    let line = bad_input(d, &["handoff", "import", o]);
    assert!(line.contains("required"), "{line}");
    let line = bad_input(d, &["handoff", "import", o, "--key", "x", "--key-stdin"]);
    assert!(line.contains("cannot be used with"), "{line}");
    // Receiving: a malformed key, on the line or on standard input, changes nothing.
    let line = bad_input(d, &["handoff", "receive", "--key", "DVCH1.nope"]);
    assert!(line.contains("not a hand-off key"), "{line}");
    let o = common::dvc_stdin(d, &["handoff", "receive", "--key-stdin"], Some("hello\n"));
    assert_eq!(o.status.code(), Some(2));
    let line = bad_input(d, &["handoff", "receive"]);
    assert!(line.contains("required"), "{line}");
    assert_eq!(ok_json(d, &["handoff", "incoming"]), serde_json::json!([]));
    // A person with no hand-off has no status.
    let p = ok_json(d, &["person", "add", "--name", "Lê Văn Khác"]);
    assert_eq!(ok_json(d, &["handoff", "status", s(&p["id"])]), Value::Null);
}
