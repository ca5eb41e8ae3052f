//! `dvc draft …` through the real binary on a fresh data directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use serde_json::Value;

fn dvc(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dvc"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--json")
        .args(args)
        .env("DVC_KEYSTORE", "file")
        .env_remove("DVC_LOG")
        .output()
        .unwrap()
}

fn ok_json(dir: &std::path::Path, args: &[&str]) -> Value {
    let o = dvc(dir, args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn bad_input(dir: &std::path::Path, args: &[&str]) -> String {
    let o = dvc(dir, args);
    assert_eq!(o.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

#[test]
fn draft_new_set_check_list_show_delete() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let created = ok_json(d, &["draft", "new", "passport-domestic"]);
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["state"], "draft");

    let r = ok_json(
        d,
        &[
            "draft",
            "set",
            &id,
            "full_name=Trần Thị Mẫu",
            "phone=0212",
            "declaration=true",
        ],
    );
    assert_eq!(r["revision"], 1);

    let c = ok_json(d, &["draft", "check", &id]);
    assert_eq!(c["complete"], false);
    let problems = c["problems"].as_array().unwrap();
    let has = |path: &str, key: &str| {
        problems
            .iter()
            .any(|p| p["path"] == path && p["message_key"] == key)
    };
    assert!(
        has("fields.phone", "validation.phone_invalid"),
        "{problems:?}"
    );
    assert!(has("fields.id_number", "dossier.required"));
    assert!(has("components.portrait", "dossier.component_missing"));
    assert!(!problems.iter().any(|p| p["path"] == "fields.full_name"));
    assert!(!problems.iter().any(|p| p["path"] == "fields.declaration"));

    // Incomplete: refused, still a draft.
    let e = bad_input(d, &["draft", "submit", &id]);
    assert!(e.contains("problem"), "{e}");
    let shown = ok_json(d, &["draft", "show", &id]);
    assert_eq!(shown["state"], "draft");
    assert_eq!(shown["values"]["full_name"], "TRẦN THỊ MẪU");
    assert_eq!(shown["values"]["declaration"], true);

    let list = ok_json(d, &["draft", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    ok_json(d, &["draft", "delete", &id]);
    assert_eq!(ok_json(d, &["draft", "list"]).as_array().unwrap().len(), 0);
}

#[test]
fn bad_draft_input_exits_2_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    bad_input(d, &["draft", "new", "no-such-procedure"]);
    let id = ok_json(d, &["draft", "new", "passport-domestic"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    bad_input(d, &["draft", "set", &id, "salary=1"]);
    bad_input(d, &["draft", "set", &id, "no-equals-sign"]);
    bad_input(d, &["draft", "set", &id, "declaration=maybe"]);
    bad_input(
        d,
        &["draft", "show", "00000000-0000-0000-0000-000000000000"],
    );
    let shown = ok_json(d, &["draft", "show", &id]);
    assert_eq!(shown["revision"], 0);
    assert!(shown["values"].as_object().unwrap().is_empty());
}
