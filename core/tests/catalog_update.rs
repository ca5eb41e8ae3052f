//! Signed catalog updates (`dvc_core::catalog::signed`): a bundle signed with a trusted key is
//! applied in one transaction (procedures, fees, forms, guides, open drafts); a tampered, foreign,
//! stale, truncated, mislabelled or oversized one is refused with its reason and changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;

use dvc_core::catalog::signed::{
    self, build, embedded_files, generate_signing_key, BundleError, MAX_BUNDLE_BYTES,
};
use dvc_core::catalog::SearchParams;
use dvc_core::secrets::MemorySecrets;
use dvc_core::Core;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const NEW_ID: &str = "catalog-update-trial";
const NEW_NAME: &str = "Thủ tục thử nghiệm cập nhật danh mục";
const V1: &str = "2027.1.7.1";
const V2: &str = "2027.1.7.2";
const GUIDE_TITLE: &str = "Hướng dẫn đã cập nhật";

fn open_core() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
    (dir, core)
}

fn json_of(files: &BTreeMap<String, String>, path: &str) -> Value {
    serde_json::from_str(&files[path]).unwrap()
}

fn put(files: &mut BTreeMap<String, String>, path: &str, v: &Value) {
    files.insert(path.to_string(), serde_json::to_string_pretty(v).unwrap());
}

/// The embedded catalog, relabelled `version`, plus: a new procedure with its own hand-written
/// form, a higher passport fee, and a passport form without `occupation` (and with a new field).
fn changed_catalog(version: &str) -> BTreeMap<String, String> {
    let mut files = embedded_files();
    let mut manifest = json_of(&files, "manifest.json");
    manifest["catalog_version"] = json!(version);
    manifest["procedures"]
        .as_array_mut()
        .unwrap()
        .push(json!(NEW_ID));
    put(&mut files, "manifest.json", &manifest);

    let mut passport = json_of(&files, "procedures/passport-domestic.json");
    passport["fees"]["items"][0]["amount_vnd"] = json!(250_000);
    passport["fees"]["items"][0]["text"] = json!("Cấp mới: 250.000 đồng");
    put(&mut files, "procedures/passport-domestic.json", &passport);

    let mut new_p = passport.clone();
    new_p["id"] = json!(NEW_ID);
    new_p["code"] = Value::Null;
    new_p["name"] = json!(NEW_NAME);
    new_p["name_en"] = json!("Catalog update trial procedure");
    new_p["aliases"] = json!(["thử nghiệm cập nhật"]);
    new_p["online_form"] = json!({"kind": "bundled", "form": NEW_ID});
    put(&mut files, &format!("procedures/{NEW_ID}.json"), &new_p);

    let mut form = json_of(&files, "forms/passport-domestic.json");
    for section in form["sections"].as_array_mut().unwrap() {
        section["fields"]
            .as_array_mut()
            .unwrap()
            .retain(|f| f["id"] != "occupation");
    }
    form["sections"][0]["fields"].as_array_mut().unwrap().push(
        json!({"id": "nickname", "kind": "text", "label": "Tên gọi khác",
                     "label_en": "Other name", "required": false, "max_len": 60}),
    );
    form["version"] = json!(form["version"].as_u64().unwrap() + 1);
    put(&mut files, "forms/passport-domestic.json", &form);

    let mut new_form = form.clone();
    new_form["procedure"] = json!(NEW_ID);
    new_form["title"] = json!("Tờ khai thử nghiệm");
    new_form["sections"][0]["fields"]
        .as_array_mut()
        .unwrap()
        .push(
            json!({"id": "trial_marker", "kind": "text", "label": "Ô thử nghiệm",
                     "label_en": "Trial box", "required": true, "max_len": 20}),
        );
    put(&mut files, &format!("forms/{NEW_ID}.json"), &new_form);

    let index = json_of(&files, "guides/index.json");
    let first = format!("guides/{}.json", index["guides"][0].as_str().unwrap());
    let mut guide = json_of(&files, &first);
    guide["title"] = json!(GUIDE_TITLE);
    put(&mut files, &first, &guide);
    files
}

fn keypair() -> (SigningKey, VerifyingKey) {
    let k = generate_signing_key();
    let v = k.verifying_key();
    (k, v)
}

/// A digest of everything an update may touch: catalog tables, drafts and their values.
fn digest(core: &Core) -> String {
    const QUERIES: &[&str] = &[
        "SELECT id || body || version FROM catalog_procedure ORDER BY id",
        "SELECT key || value FROM catalog_meta WHERE key != 'imported_at' ORDER BY key",
        "SELECT kind || id || body FROM catalog_ref ORDER BY kind, id",
        "SELECT procedure_id || body FROM catalog_form ORDER BY procedure_id",
        "SELECT path || body FROM catalog_guide_file ORDER BY path",
        "SELECT id || form_version || revision || updated_at FROM dossiers ORDER BY id",
        "SELECT dossier_id || field_id || value FROM dossier_values ORDER BY dossier_id, field_id",
        "SELECT dossier_id || field_id FROM dossier_removed_fields ORDER BY dossier_id, field_id",
        "SELECT count(*) FROM catalog_fts",
    ];
    let mut h = Sha256::new();
    core.store()
        .read(|c| -> rusqlite::Result<()> {
            for q in QUERIES {
                let mut st = c.prepare(q)?;
                let rows = st.query_map([], |r| r.get::<_, rusqlite::types::Value>(0))?;
                for r in rows {
                    h.update(format!("{:?}\n", r?).as_bytes());
                }
                h.update(b"--\n");
            }
            Ok(())
        })
        .unwrap();
    hex::encode(h.finalize())
}

fn count(core: &Core, sql: &str) -> i64 {
    core.store()
        .read(|c| c.query_row(sql, [], |r| r.get(0)))
        .unwrap()
}

fn search_ids(core: &Core, q: &str) -> Vec<String> {
    core.catalog_search(&SearchParams {
        query: q.into(),
        limit: Some(10),
        field: None,
        level: None,
        service_level: None,
    })
    .unwrap()
    .into_iter()
    .map(|h| h.id)
    .collect()
}

#[test]
fn a_signed_bundle_updates_procedures_fees_forms_guides_and_drafts() {
    let (_dir, core) = open_core();
    let (key, public) = keypair();
    let embedded_version = core.catalog_version().unwrap().unwrap();
    assert!(!search_ids(&core, "thử nghiệm cập nhật danh mục").contains(&NEW_ID.to_string()));
    assert!(core.draft_new(NEW_ID, None).is_err());

    // An open passport draft with a value in a field the new form drops, and one it keeps.
    let draft = core.draft_new("passport-domestic", None).unwrap();
    core.draft_set(
        &draft.id,
        &[
            ("occupation".into(), json!("Giáo viên")),
            ("religion".into(), json!("Không")),
        ],
    )
    .unwrap();
    let before = core.draft_show(&draft.id).unwrap();

    let bytes = build(&changed_catalog(V1), &key, "2026-12-07T10:00:00Z").unwrap();
    let o = core
        .catalog_apply_bundle_with_keys(&bytes, &[public])
        .unwrap();
    assert_eq!(o.version, V1);
    assert_eq!(
        o.previous_version.as_deref(),
        Some(embedded_version.as_str())
    );
    assert_eq!(o.drafts_migrated, 1);
    assert_eq!(o.fields_removed, 1);
    assert_eq!(core.catalog_version().unwrap().as_deref(), Some(V1));

    // The new procedure is searchable; the passport shows its new fee.
    assert_eq!(
        search_ids(&core, "thử nghiệm cập nhật danh mục")
            .first()
            .map(String::as_str),
        Some(NEW_ID)
    );
    let passport = core.catalog_show("passport-domestic").unwrap();
    assert_eq!(passport.procedure.fees.items[0].amount_vnd, Some(250_000));

    // A new draft of the new procedure uses the form the bundle brought.
    let d2 = core.draft_new(NEW_ID, None).unwrap();
    let form = core.dossier_form(&d2.id).unwrap();
    assert_eq!(form.procedure, NEW_ID);
    assert!(form.field("trial_marker").is_some());
    assert!(core
        .draft_check(&d2.id)
        .unwrap()
        .iter()
        .any(|p| p.path == "fields.trial_marker"));

    // The open draft survived: kept value, dropped value flagged in its check list.
    let after = core.draft_show(&draft.id).unwrap();
    assert_eq!(after.values.get("religion"), Some(&json!("Không")));
    assert!(!after.values.contains_key("occupation"));
    assert!(after.revision > before.revision);
    let passport_form = core.dossier_form(&draft.id).unwrap();
    assert!(passport_form.field("nickname").is_some());
    assert_eq!(after.form_version, passport_form.version);
    let removed = core.draft_removed_fields(&draft.id).unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].field_id, "occupation");
    assert_eq!(removed[0].label, "Nghề nghiệp");
    assert_eq!(removed[0].catalog_version, V1);
    let check = core.draft_check(&draft.id).unwrap();
    let notice = check
        .iter()
        .find(|p| p.path == "removed.occupation")
        .expect("removed field flagged");
    assert_eq!(notice.message_key, "dossier.field_removed");
    assert!(notice.is_notice());
    assert!(check
        .iter()
        .filter(|p| p.path != "removed.occupation")
        .all(|p| !p.is_notice()));

    // Guides travel too: the updated title is what the guide list shows.
    assert!(count(&core, "SELECT count(*) FROM catalog_guide_file") > 0);
    let guides = core.catalog_guides_list().unwrap();
    assert_eq!(guides[0].title, GUIDE_TITLE);
    let shown = core.catalog_guide_show(&guides[0].id).unwrap();
    assert_eq!(shown.guide.title, GUIDE_TITLE);
    assert_eq!(
        count(&core, "SELECT count(*) FROM catalog_form"),
        i64::try_from(o.forms).unwrap()
    );

    let status = core.catalog_last_update().unwrap().unwrap();
    assert_eq!(status.outcome, "applied");
    assert_eq!(status.version.as_deref(), Some(V1));
}

fn refused(core: &Core, bytes: &[u8], keys: &[VerifyingKey]) -> BundleError {
    let before = digest(core);
    let err = core
        .catalog_apply_bundle_with_keys(bytes, keys)
        .unwrap_err();
    assert_eq!(digest(core), before, "{err}: the store changed");
    let status = core.catalog_last_update().unwrap().unwrap();
    assert_eq!(status.outcome, "refused");
    assert_eq!(status.reason.as_deref(), Some(err.code()));
    err
}

#[test]
fn bad_bundles_are_refused_and_change_nothing() {
    let (_dir, core) = open_core();
    let (key, public) = keypair();
    let draft = core.draft_new("passport-domestic", None).unwrap();
    core.draft_set(&draft.id, &[("occupation".into(), json!("Thợ may"))])
        .unwrap();
    let good = build(&changed_catalog(V2), &key, "2026-12-07T10:00:00Z").unwrap();

    // A payload byte changed (the signed hash no longer matches).
    let mut bad = good.clone();
    let last = bad.len() - 20;
    bad[last] ^= 0x01;
    assert!(matches!(
        refused(&core, &bad, &[public]),
        BundleError::Tampered
    ));

    // A header byte changed (the signature no longer verifies): a later version claimed.
    let mut bad = good.clone();
    let at = bad
        .windows(V2.len())
        .position(|w| w == V2.as_bytes())
        .unwrap();
    bad[at + V2.len() - 1] = b'9';
    assert!(matches!(
        refused(&core, &bad, &[public]),
        BundleError::BadSignature
    ));

    // Signed by another key.
    let (_, other) = keypair();
    assert!(matches!(
        refused(&core, &good, &[other]),
        BundleError::BadSignature
    ));

    // Cut off: in the payload, and inside the header.
    assert!(matches!(
        refused(&core, &good[..good.len() - 100], &[public]),
        BundleError::Truncated { .. }
    ));
    assert!(matches!(
        refused(&core, &good[..30], &[public]),
        BundleError::Truncated { .. }
    ));

    // Not a bundle at all.
    let mut bad = good.clone();
    bad[..4].copy_from_slice(b"PK\x03\x04");
    assert!(matches!(
        refused(&core, &bad, &[public]),
        BundleError::WrongMagic
    ));

    // Too large to be one.
    let mut big = good.clone();
    big.resize(usize::try_from(MAX_BUNDLE_BYTES).unwrap() + 1, 0);
    assert!(matches!(
        refused(&core, &big, &[public]),
        BundleError::Oversize { .. }
    ));

    // The good one applies; then it, or an older one, is stale.
    core.catalog_apply_bundle_with_keys(&good, &[public])
        .unwrap();
    assert!(matches!(
        refused(&core, &good, &[public]),
        BundleError::Stale { .. }
    ));
    let older = build(&changed_catalog(V1), &key, "2026-12-07T09:00:00Z").unwrap();
    let err = refused(&core, &older, &[public]);
    assert!(matches!(err, BundleError::Stale { .. }));
    let status = core.catalog_last_update().unwrap().unwrap();
    assert_eq!(status.version.as_deref(), Some(V1));
}

#[test]
fn a_bundle_whose_catalog_does_not_parse_is_not_built_nor_applied() {
    let (_dir, core) = open_core();
    let (key, public) = keypair();
    let mut files = changed_catalog(V1);
    files.remove("fields.json");
    assert!(matches!(
        build(&files, &key, "2026-12-07T10:00:00Z"),
        Err(BundleError::InvalidCatalog(_))
    ));
    // A form that names another procedure.
    let mut files = changed_catalog(V1);
    let mut f = json_of(&files, &format!("forms/{NEW_ID}.json"));
    f["procedure"] = json!("passport-domestic");
    put(&mut files, &format!("forms/{NEW_ID}.json"), &f);
    assert!(matches!(
        build(&files, &key, "2026-12-07T10:00:00Z"),
        Err(BundleError::InvalidCatalog(_))
    ));
    // The embedded catalog itself makes a valid bundle; relabelled as the same version it is
    // stale on a phone that has it.
    let same = build(&embedded_files(), &key, "2026-12-07T10:00:00Z").unwrap();
    assert!(signed::open(&same, &[public]).is_ok());
    assert!(matches!(
        refused(&core, &same, &[public]),
        BundleError::Stale { .. }
    ));
}

#[test]
fn key_files_round_trip_and_the_production_key_parses() {
    let (key, public) = keypair();
    let text = signed::signing_key_text(&key);
    let back = signed::signing_key_from_text(&text).unwrap();
    assert_eq!(back.verifying_key(), public);
    assert!(signed::signing_key_from_text("not a key").is_err());
    let prod = signed::public_key_from_hex(signed::PRODUCTION_PUBLIC_KEY).unwrap();
    assert!(signed::trusted_keys().contains(&prod));
    // The production key never verifies a bundle signed by a test key.
    let bytes = build(&changed_catalog(V1), &key, "2026-12-07T10:00:00Z").unwrap();
    assert!(matches!(
        signed::open(&bytes, &[prod]),
        Err(BundleError::BadSignature)
    ));
}
