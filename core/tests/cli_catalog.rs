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
