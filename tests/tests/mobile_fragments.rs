//! The Android/iOS configuration we own (android/, ios/) parses, carries the required keys, and
//! the apply scripts merge it into projects shaped like the ones Tauri generates — idempotently.
//! (No mobile build runs here: no SDKs. See android/README.md and ios/README.md.)

use std::path::Path;
use std::process::Command;

use dvc_tests::workspace_root;

const ANDROID_NS: &str = "http://schemas.android.com/apk/res/android";

fn android_names(doc: &roxmltree::Document<'_>, tag: &str) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name(tag))
        .filter_map(|n| n.attribute((ANDROID_NS, "name")).map(str::to_string))
        .collect()
}

#[test]
fn android_fragment_has_permissions_and_privacy_settings() {
    let root = workspace_root();
    let text = std::fs::read_to_string(root.join("android/AndroidManifest.fragment.xml")).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let perms = android_names(&doc, "uses-permission");
    for p in ["CAMERA", "INTERNET", "POST_NOTIFICATIONS"] {
        assert!(
            perms.contains(&format!("android.permission.{p}")),
            "{p} missing: {perms:?}"
        );
    }
    let app = doc
        .descendants()
        .find(|n| n.has_tag_name("application"))
        .unwrap();
    assert_eq!(
        app.attribute((ANDROID_NS, "usesCleartextTraffic")),
        Some("false")
    );
    assert_eq!(app.attribute((ANDROID_NS, "allowBackup")), Some("false"));
    assert_eq!(
        app.attribute((ANDROID_NS, "dataExtractionRules")),
        Some("@xml/data_extraction_rules")
    );
    // Every res/xml file parses, and the backup rules exclude the database.
    for f in [
        "network_security_config",
        "backup_rules",
        "data_extraction_rules",
    ] {
        let t = std::fs::read_to_string(root.join(format!("android/res/xml/{f}.xml"))).unwrap();
        let d = roxmltree::Document::parse(&t).unwrap();
        if f != "network_security_config" {
            assert!(d
                .descendants()
                .any(|n| n.has_tag_name("exclude") && n.attribute("domain") == Some("database")));
        } else {
            assert!(d
                .descendants()
                .any(|n| n.attribute("cleartextTrafficPermitted") == Some("false")));
        }
    }
}

#[test]
fn ios_fragment_has_vietnamese_privacy_strings() {
    let root = workspace_root();
    let v = plist::Value::from_file(root.join("ios/Info.fragment.plist")).unwrap();
    let d = v.as_dictionary().unwrap();
    for key in ["NSCameraUsageDescription", "NSPhotoLibraryUsageDescription"] {
        let s = d.get(key).and_then(|v| v.as_string()).unwrap_or_default();
        assert!(s.len() > 40, "{key} too short");
        // Vietnamese, with diacritics.
        assert!(s.contains("Ứng dụng") && s.contains("ảnh"), "{key}: {s}");
    }
}

fn python() -> &'static str {
    "python3"
}

#[test]
fn android_apply_script_merges_into_a_generated_manifest_idempotently() {
    let root = workspace_root();
    let gen = tempfile::tempdir().unwrap();
    let main = gen.path().join("app/src/main");
    std::fs::create_dir_all(&main).unwrap();
    std::fs::copy(
        root.join("tests/tests/fixtures/tauri-AndroidManifest.xml"),
        main.join("AndroidManifest.xml"),
    )
    .unwrap();
    let run = |gen: &Path| {
        let out = Command::new(python())
            .arg(root.join("android/apply.py"))
            .arg("--gen")
            .arg(gen)
            .output()
            .expect("python3 is needed for the mobile apply scripts");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let first = run(gen.path());
    assert!(first.contains("android.permission.CAMERA"), "{first}");
    let text = std::fs::read_to_string(main.join("AndroidManifest.xml")).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let perms = android_names(&doc, "uses-permission");
    assert_eq!(
        perms.iter().filter(|p| p.ends_with(".INTERNET")).count(),
        1,
        "INTERNET duplicated: {perms:?}"
    );
    assert!(perms.iter().any(|p| p.ends_with(".POST_NOTIFICATIONS")));
    let app = doc
        .descendants()
        .find(|n| n.has_tag_name("application"))
        .unwrap();
    assert_eq!(
        app.attribute((ANDROID_NS, "usesCleartextTraffic")),
        Some("false")
    );
    // The activity the template defines is still there.
    assert!(doc.descendants().any(|n| n.has_tag_name("activity")));
    assert!(main.join("res/xml/data_extraction_rules.xml").is_file());
    assert_eq!(run(gen.path()).trim(), "already up to date");
}

#[test]
fn ios_apply_script_merges_into_a_generated_plist_idempotently() {
    let root = workspace_root();
    let gen = tempfile::tempdir().unwrap();
    let dir = gen.path().join("dvc-app_iOS");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root.join("tests/tests/fixtures/tauri-Info.plist"),
        dir.join("Info.plist"),
    )
    .unwrap();
    let run = || {
        let out = Command::new(python())
            .arg(root.join("ios/apply.py"))
            .arg("--gen")
            .arg(gen.path())
            .output()
            .expect("python3 is needed for the mobile apply scripts");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(run().contains("NSCameraUsageDescription"));
    let v = plist::Value::from_file(dir.join("Info.plist")).unwrap();
    let d = v.as_dictionary().unwrap();
    assert!(d.get("NSPhotoLibraryUsageDescription").is_some());
    assert_eq!(
        d.get("CFBundlePackageType").and_then(|v| v.as_string()),
        Some("APPL")
    );
    assert_eq!(run().trim(), "already up to date");
}
