//! The `dvc cccd` / `dvc person` / `dvc household` contract, through the real binary.
#![allow(clippy::unwrap_used)]

mod common;
mod support;

use std::path::Path;
use std::process::Output;

use common::{bad_line as bad, json_of as json};
use serde_json::Value;
use support::qr;

/// Synthetic: made-up number and name.
const CARD: &str = "079185004321|123456789|Hồ Thị Thử|05061985|Nữ|Số 9 Đường Mẫu, Phường Thử, TP. Hồ Chí Minh|20042021||||";

fn dvc(dir: &Path, args: &[&str]) -> Output {
    common::dvc_plain(dir, args, None)
}

#[test]
fn cccd_parse_contract() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(&dvc(dir.path(), &["cccd", "parse", CARD, "--json"]));
    assert_eq!(v["id_number"], "079185004321");
    assert_eq!(v["old_id_number"], "123456789");
    assert_eq!(v["full_name"], "Hồ Thị Thử");
    assert_eq!(v["date_of_birth"], "1985-06-05");
    assert_eq!(v["sex"], "female");
    assert_eq!(v["issue_date"], "2021-04-20");
    assert_eq!(v["warnings"], serde_json::json!([]));
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 8, "{keys:?}");

    let v = json(&dvc(
        dir.path(),
        &[
            "cccd",
            "parse",
            "079085004321||Hồ Văn Thử|1985|Nam|Ấp 1|062021",
            "--json",
        ],
    ));
    assert_eq!(v["old_id_number"], Value::Null);
    assert_eq!(v["date_of_birth"], "1985");
    assert_eq!(v["issue_date"], "2021-06");
    assert_eq!(
        v["warnings"],
        serde_json::json!(["date_of_birth_partial", "issue_date_partial"])
    );

    for p in [
        "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4",
        "https://example.vn/x",
        "1|2|3",
        "07918500432x||Tên|05061985|Nữ|A|20042021",
        "079185004321||Tên|35061985|Nữ|A|20042021",
    ] {
        let err = bad(&dvc(dir.path(), &["cccd", "parse", p, "--json"]));
        assert!(!err.contains("079185"), "{err}");
    }
}

#[test]
fn cccd_scan_reads_a_photo() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = qr::Rng::new(42);
    let card = qr::card(&qr::render(CARD, 5));
    let photo = qr::photo(&card, 1200, 900, 23.0, 0.1, 0.6, &mut rng);
    let file = dir.path().join("card.jpg");
    std::fs::write(&file, qr::jpeg(&photo, 85)).unwrap();
    let v = json(&dvc(
        dir.path(),
        &["cccd", "scan", file.to_str().unwrap(), "--json"],
    ));
    assert_eq!(v["id_number"], "079185004321");
    assert_eq!(v["full_name"], "Hồ Thị Thử");

    let junk = dir.path().join("junk.jpg");
    std::fs::write(&junk, b"not a photo").unwrap();
    bad(&dvc(
        dir.path(),
        &["cccd", "scan", junk.to_str().unwrap(), "--json"],
    ));
    bad(&dvc(
        dir.path(),
        &["cccd", "scan", "/nonexistent/x.jpg", "--json"],
    ));
}

#[test]
fn person_add_list_show_update_delete() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = json(&dvc(
        d,
        &[
            "person",
            "add",
            "--from-cccd",
            CARD,
            "--phone",
            "+84 912 345 678",
            "--json",
        ],
    ));
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["full_name"], "Hồ Thị Thử");
    assert_eq!(a["phone"], "0912345678");
    assert_eq!(a["id_number"], "079185004321");

    let b = json(&dvc(
        d,
        &[
            "person",
            "add",
            "--name",
            "Lâm  Văn Mẫu",
            "--sex",
            "male",
            "--dob",
            "1970-01-02",
            "--json",
        ],
    ));
    assert_eq!(b["full_name"], "Lâm Văn Mẫu");

    // Bad input: exit 2, one line, nothing stored.
    bad(&dvc(
        d,
        &[
            "person",
            "add",
            "--name",
            "Lâm Văn Khác",
            "--phone",
            "0123",
            "--json",
        ],
    ));
    bad(&dvc(d, &["person", "add", "--from-cccd", CARD, "--json"])); // duplicate ID number
    bad(&dvc(d, &["person", "add", "--json"]));

    let list = json(&dvc(d, &["person", "list", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 2);
    let hits = json(&dvc(d, &["person", "list", "--search", "ho thi", "--json"]));
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["id"], id.as_str());

    let doc = dir.path().join("portrait.jpg");
    std::fs::write(&doc, b"\xff\xd8\xff synthetic portrait").unwrap();
    let dj = json(&dvc(
        d,
        &[
            "person",
            "doc-add",
            &id,
            doc.to_str().unwrap(),
            "--kind",
            "portrait",
            "--json",
        ],
    ));
    assert_eq!(dj["kind"], "portrait");
    let out = dir.path().join("back.jpg");
    json(&dvc(
        d,
        &[
            "person",
            "doc-get",
            dj["id"].as_str().unwrap(),
            out.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&doc).unwrap());

    let show = json(&dvc(d, &["person", "show", &id, "--json"]));
    assert_eq!(show["documents"].as_array().unwrap().len(), 1);
    assert_eq!(show["sex"], "female");

    let up = json(&dvc(
        d,
        &[
            "person",
            "update",
            &id,
            "--email",
            "ho@example.vn",
            "--json",
        ],
    ));
    assert_eq!(up["email"], "ho@example.vn");
    assert_eq!(up["phone"], "0912345678");

    bad(&dvc(d, &["person", "delete", &id, "--json"])); // no --yes
    bad(&dvc(d, &["person", "show", "not-an-id", "--json"]));
    let del = json(&dvc(d, &["person", "delete", &id, "--yes", "--json"]));
    assert_eq!(del["documents_deleted"], 1);
    assert_eq!(del["files_deleted"], 1);
    assert_eq!(
        json(&dvc(d, &["person", "list", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn households() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = json(&dvc(
        d,
        &["person", "add", "--name", "Tạ Văn Chủ", "--json"],
    ));
    let h = json(&dvc(
        d,
        &[
            "household",
            "add",
            "--name",
            "Hộ ông Tạ",
            "--address",
            "Xóm 2",
            "--json",
        ],
    ));
    let hid = h["id"].as_str().unwrap();
    let m = json(&dvc(
        d,
        &[
            "household",
            "member",
            hid,
            p["id"].as_str().unwrap(),
            "--relation",
            "head",
            "--json",
        ],
    ));
    assert_eq!(m["members"][0]["relation"], "head");
    assert_eq!(m["member_count"], 1);
    bad(&dvc(
        d,
        &[
            "household",
            "member",
            hid,
            p["id"].as_str().unwrap(),
            "--relation",
            "boss",
            "--json",
        ],
    ));
    let all = json(&dvc(d, &["household", "list", "--json"]));
    assert_eq!(all[0]["name"], "Hộ ông Tạ");
}
