//! `dvc draft …` through the real binary on a fresh data directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{bad_input, ok_json};
use dvc_core::test_support as fx;

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

/// Every command that takes a procedure takes its catalog id or its national code.
#[test]
fn draft_new_takes_the_catalog_id_or_the_national_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let person = ok_json(
        d,
        &[
            "person",
            "add",
            "--name",
            "Lê Văn Mẫu",
            "--sex",
            "male",
            "--dob",
            "1985-03-04",
            "--phone",
            "0084 912 000 111",
        ],
    );
    let pid = person["id"].as_str().unwrap();
    let by_code = ok_json(d, &["draft", "new", "1.001456", "--person", pid]);
    assert_eq!(by_code["procedure_id"], "passport-domestic");
    assert_eq!(by_code["values"]["full_name"], "Lê Văn Mẫu");
    assert_eq!(by_code["values"]["phone"], "0912000111");
    let by_id = ok_json(d, &["draft", "new", "passport-domestic"]);
    assert_eq!(by_id["procedure_id"], "passport-domestic");
    let shown = ok_json(d, &["catalog", "show", "1.001456"]);
    assert_eq!(shown["id"], "passport-domestic");

    // A code no procedure has, or a name of neither shape: refused, nothing created.
    for bad in ["9.999999", "Passport", "1,001456"] {
        bad_input(d, &["draft", "new", bad, "--person", pid]);
        bad_input(d, &["catalog", "show", bad]);
    }
    assert_eq!(ok_json(d, &["draft", "list"]).as_array().unwrap().len(), 2);
}

/// The whole flow on a fresh data dir: a (synthetic) person, a passport draft prefilled from
/// them, the rest typed, three photos attached through the photo pipeline, check, submit.
#[test]
fn draft_flow_new_set_attach_check_submit() {
    use dvc_core::photo::synth;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let person = ok_json(
        d,
        &[
            "person",
            "add",
            "--name",
            fx::NAME,
            "--sex",
            fx::SEX,
            "--dob",
            fx::DATE_OF_BIRTH,
            "--id-number",
            fx::ID_NUMBER,
            "--issue-date",
            fx::ID_ISSUE_DATE,
            "--phone",
            fx::PHONE,
            "--address",
            fx::ADDRESS,
            "--ethnicity",
            fx::ETHNICITY,
        ],
    );
    let pid = person["id"].as_str().unwrap();
    let created = ok_json(d, &["draft", "new", "passport-domestic", "--person", pid]);
    let id = created["id"].as_str().unwrap().to_string();
    // Prefilled from the profile, marked as such: nothing asked twice.
    for (field, value) in [
        ("full_name", fx::NAME),
        ("sex", fx::SEX),
        ("date_of_birth", fx::DATE_OF_BIRTH),
        ("id_number", fx::ID_NUMBER),
        ("id_issue_date", fx::ID_ISSUE_DATE),
        ("phone", fx::PHONE),
        ("ethnicity", fx::ETHNICITY),
    ] {
        assert_eq!(created["values"][field], value, "{field}");
        assert!(
            created["prefilled"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == field),
            "{field}"
        );
    }
    ok_json(
        d,
        &[
            "draft",
            "set",
            &id,
            &format!("place_of_birth={}", fx::PROVINCE),
            "request_type=first",
            "chip=chip",
            &format!("agency_province={}", fx::PROVINCE),
            "delivery=in_person",
            "declaration=true",
        ],
    );
    let before = ok_json(d, &["draft", "check", &id]);
    let paths: Vec<&str> = before["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "components.portrait",
            "components.cccd_front",
            "components.cccd_back"
        ]
    );

    let photos = [
        (
            "portrait",
            synth::jpeg(
                &synth::portrait(1200, 1600, Default::default()),
                92,
                Some(1),
            ),
        ),
        (
            "cccd_front",
            synth::jpeg(&synth::card(1600, 1200, 0.85), 92, None),
        ),
        (
            "cccd_back",
            synth::jpeg(&synth::card(1600, 1200, 0.85), 92, None),
        ),
    ];
    for (component, bytes) in &photos {
        let f = d.join(format!("{component}.jpg"));
        std::fs::write(&f, bytes).unwrap();
        let a = ok_json(d, &["draft", "attach", &id, component, f.to_str().unwrap()]);
        assert!(a["bytes"].as_u64().unwrap() < 2_000_000);
        assert!(!a["checks"].as_array().unwrap().is_empty());
    }
    let after = ok_json(d, &["draft", "check", &id]);
    assert_eq!(after["complete"], true, "{after}");
    let q = ok_json(d, &["draft", "submit", &id]);
    assert_eq!(q["dossier_id"], id.as_str());
    assert_eq!(q["idempotency_key"].as_str().unwrap().len(), 36);
    let shown = ok_json(d, &["draft", "show", &id]);
    assert_eq!(shown["state"], "queued");
    assert_eq!(shown["attachments"].as_array().unwrap().len(), 3);
    // Queued is read-only.
    bad_input(d, &["draft", "set", &id, "phone=0987654321"]);
}

/// A procedure without a hand-written form (death re-registration, code 1.005461) gets the form
/// generated from its catalog entry, the same one the app shows: applicant prefilled, the
/// entry's papers and the declaration listed by `draft check`, a note saved.
#[test]
fn draft_new_on_a_generated_form() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let person = ok_json(
        d,
        &[
            "person",
            "add",
            "--name",
            "Lê Văn Mẫu",
            "--sex",
            "male",
            "--dob",
            "1985-03-04",
        ],
    );
    let pid = person["id"].as_str().unwrap();
    let created = ok_json(d, &["draft", "new", "1.005461", "--person", pid]);
    assert_eq!(created["procedure_id"], "death-re-registration");
    assert_eq!(created["values"]["full_name"], "Lê Văn Mẫu");
    assert_eq!(created["values"]["sex"], "male");
    let id = created["id"].as_str().unwrap().to_string();
    let r = ok_json(d, &["draft", "set", &id, "notes=Khai tử cho ông nội"]);
    assert_eq!(r["revision"], 1);

    let c = ok_json(d, &["draft", "check", &id]);
    assert_eq!(c["complete"], false);
    let paths: Vec<&str> = c["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"fields.declaration"), "{paths:?}");
    assert!(paths.contains(&"fields.agency_province"), "{paths:?}");
    assert!(
        paths.iter().any(|p| p.starts_with("components.")),
        "{paths:?}"
    );
    assert!(!paths.contains(&"fields.full_name"), "{paths:?}");
    assert!(!paths.contains(&"fields.notes"), "{paths:?}");
    let shown = ok_json(d, &["draft", "show", &id]);
    assert_eq!(shown["values"]["notes"], "Khai tử cho ông nội");
}
