//! `dvc catalog …` through the real binary on a temp data dir.
#![allow(clippy::unwrap_used)]

mod common;

fn dvc(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = common::dvc_plain(dir, args, None);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn search_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = dvc(dir.path(), &["catalog", "search", "lam ho chieu", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let hits = v.as_array().unwrap();
    assert!(!hits.is_empty());
    assert_eq!(hits[0]["id"], "passport-domestic");
    for h in hits {
        for k in ["id", "name", "field", "level", "score"] {
            assert!(h.get(k).is_some(), "{k} missing in {h}");
        }
        assert!(h["code"].is_string() || h["code"].is_null());
        assert!(h["score"].is_number());
    }
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    let (code, out, _) = dvc(
        dir.path(),
        &[
            "catalog", "search", "dang ky", "--limit", "2", "--level", "commune", "--json",
        ],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v.as_array().unwrap().len() <= 2);
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["level"] == "commune"));
}

#[test]
fn show_by_id_and_code() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = dvc(
        dir.path(),
        &["catalog", "show", "passport-domestic", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["id"], "passport-domestic");
    assert!(!v["steps"].as_array().unwrap().is_empty());
    assert!(!v["components"].as_array().unwrap().is_empty());
    if let Some(c) = v["code"].as_str() {
        let (code, out, _) = dvc(dir.path(), &["catalog", "show", c, "--json"]);
        assert_eq!(code, 0);
        let w: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(w["id"], "passport-domestic");
    }
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["catalog", "show", "no-such-procedure", "--json"][..],
        &["catalog", "show", "Bad Id!", "--json"],
        &["catalog", "search", "x", "--level", "district", "--json"],
        &["catalog", "search", "x", "--service-level", "4", "--json"],
        &["catalog", "search", "x", "--field", "nope", "--json"],
        &["catalog", "search", "x", "--limit", "0", "--json"],
        &["catalog", "search", "x", "--limit", "abc", "--json"],
    ] {
        let (code, out, err) = dvc(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}

/// `dvc catalog update --file`: a debug build trusts the key in `DVC_CATALOG_DEV_PUBLIC_KEY` (the
/// demo server's), so a bundle signed with it applies; a tampered copy and an unknown key do not.
#[test]
fn update_from_a_signed_file() {
    use dvc_core::catalog::signed;
    let dir = tempfile::tempdir().unwrap();
    let key = signed::generate_signing_key();
    let mut files = signed::embedded_files();
    let mut m: serde_json::Value = serde_json::from_str(&files["manifest.json"]).unwrap();
    m["catalog_version"] = "2027.1.7.1".into();
    files.insert("manifest.json".into(), m.to_string());
    let bytes = signed::build(&files, &key, "2026-12-07T10:00:00Z").unwrap();
    let good = dir.path().join("good.dvccat");
    std::fs::write(&good, &bytes).unwrap();
    let mut bad_bytes = bytes.clone();
    let n = bad_bytes.len();
    bad_bytes[n - 30] ^= 0x40;
    let bad = dir.path().join("bad.dvccat");
    std::fs::write(&bad, &bad_bytes).unwrap();
    let data = dir.path().join("data");
    let run = |file: &std::path::Path, trust: Option<String>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_dvc"));
        c.arg("--data-dir")
            .arg(&data)
            .args(["catalog", "update", "--file"])
            .arg(file)
            .env("DVC_KEYSTORE", "file")
            .env_remove("DVC_DATA_DIR")
            .env_remove(signed::DEV_KEY_ENV);
        if let Some(k) = trust {
            c.env(signed::DEV_KEY_ENV, k);
        }
        let out = c.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let trusted = Some(hex::encode(key.verifying_key().as_bytes()));
    let (code, _, err) = run(&good, None);
    assert_eq!(code, 2, "untrusted key must be refused: {err}");
    assert!(err.contains("signature"), "{err}");
    let (code, _, err) = run(&bad, trusted.clone());
    assert_eq!(code, 2, "{err}");
    let (code, out, err) = run(&good, trusted.clone());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("catalog 2027.1.7.1 applied"), "{out}");
    let (code, _, err) = run(&good, trusted);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not newer"), "{err}");
}

/// `dvc catalog bundle`: the repository's catalog, checked with the phone's parser and signed.
#[test]
fn bundle_a_catalog_folder() {
    use dvc_core::catalog::signed;
    let dir = tempfile::tempdir().unwrap();
    let key = signed::generate_signing_key();
    let key_file = dir.path().join("k.key");
    std::fs::write(&key_file, signed::signing_key_text(&key).as_bytes()).unwrap();
    let out = dir.path().join("c.dvccat");
    let catalog = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/catalog");
    let args = [
        "catalog",
        "bundle",
        "--dir",
        catalog,
        "--key",
        key_file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let (code, stdout, err) = dvc(dir.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("signed"), "{stdout}");
    let opened = signed::open(&std::fs::read(&out).unwrap(), &[key.verifying_key()]).unwrap();
    assert!(opened.files.contains_key("guides/index.json"));
    assert!(signed::parse_files(&opened.files).is_ok());
    // A folder whose catalog does not parse is refused, nothing written.
    let broken = dir.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::write(broken.join("manifest.json"), "{}").unwrap();
    let out2 = dir.path().join("none.dvccat");
    let (code, _, err) = dvc(
        dir.path(),
        &[
            "catalog",
            "bundle",
            "--dir",
            broken.to_str().unwrap(),
            "--key",
            key_file.to_str().unwrap(),
            "--out",
            out2.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(!out2.exists());
}
