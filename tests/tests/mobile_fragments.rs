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

fn read(rel: &str) -> String {
    std::fs::read_to_string(workspace_root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json(rel: &str) -> serde_json::Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Live QR scanning on phones: the barcode-scanner plugin is wired for Android/iOS only — its
/// capability is limited to those platforms (so the desktop build neither needs nor grants it),
/// the crate is a mobile-only dependency, the plugin is registered under `cfg(mobile)`, and the
/// UI imports its JS side lazily behind the phone check.
#[test]
fn barcode_scanner_is_wired_for_mobile_only() {
    let cap = json("src-tauri/capabilities/mobile.json");
    let platforms: Vec<&str> = cap["platforms"]
        .as_array()
        .expect("mobile.json must list its platforms")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert_eq!(platforms, ["android", "iOS"]);
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    let perms: Vec<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    for p in [
        "barcode-scanner:allow-scan",
        "barcode-scanner:allow-cancel",
        "barcode-scanner:allow-request-permissions",
    ] {
        assert!(perms.contains(&p), "{p} missing: {perms:?}");
    }
    assert!(
        perms.iter().all(|p| p.starts_with("barcode-scanner:")),
        "the mobile capability grants only the scanner: {perms:?}"
    );

    // No other capability (desktop included) mentions the plugin.
    for entry in std::fs::read_dir(workspace_root().join("src-tauri/capabilities")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().and_then(|n| n.to_str()) == Some("mobile.json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("barcode-scanner"),
            "{} grants the mobile-only scanner",
            path.display()
        );
    }

    // The crate is a dependency only in the Android/iOS target table.
    let cargo = read("src-tauri/Cargo.toml");
    let table = r#"[target.'cfg(any(target_os = "android", target_os = "ios"))'.dependencies]"#;
    let at = cargo.find(table).expect("mobile target dependency table");
    let (before, after) = cargo.split_at(at);
    assert!(!before.contains("tauri-plugin-barcode-scanner"));
    let section = after[table.len()..].split("\n[").next().unwrap_or_default();
    assert!(
        section.contains("tauri-plugin-barcode-scanner"),
        "{section}"
    );

    // Registered under cfg(mobile), right before the plugin call.
    let lib = read("src-tauri/src/lib.rs");
    let call = lib
        .find(".plugin(tauri_plugin_barcode_scanner::init())")
        .expect("plugin registered in lib.rs");
    let preceding: Vec<&str> = lib[..call]
        .lines()
        .rev()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(2)
        .collect();
    assert!(preceding.contains(&"#[cfg(mobile)]"), "{preceding:?}");

    // JS side: same version as the crate, imported only lazily (never in the desktop bundle's
    // start-up path) by the module that checks for a phone.
    let pkg = json("ui/package.json");
    let js_version = pkg["devDependencies"]["@tauri-apps/plugin-barcode-scanner"]
        .as_str()
        .or_else(|| pkg["dependencies"]["@tauri-apps/plugin-barcode-scanner"].as_str())
        .expect("@tauri-apps/plugin-barcode-scanner in ui/package.json");
    assert!(
        section.contains(&format!("\"={js_version}\"")),
        "crate and JS plugin versions differ: {js_version} vs {section}"
    );
    let live = read("ui/src/lib/people/livescan.ts");
    assert!(live.contains("await import('@tauri-apps/plugin-barcode-scanner')"));
    assert!(live.contains("Format.QRCode"));
    let mut stack = vec![workspace_root().join("ui/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if !path.ends_with("livescan.ts") {
                assert!(
                    !text.contains("plugin-barcode-scanner'"),
                    "{} imports the scanner plugin directly",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn camera_permission_strings_cover_live_scanning() {
    let text = read("android/AndroidManifest.fragment.xml");
    let doc = roxmltree::Document::parse(&text).unwrap();
    let perms = android_names(&doc, "uses-permission");
    assert!(perms.contains(&"android.permission.CAMERA".to_string()));
    // A camera is optional: phones without one still install the app (photo from the gallery).
    let camera = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("uses-feature")
                && n.attribute((ANDROID_NS, "name")) == Some("android.hardware.camera")
        })
        .expect("uses-feature camera");
    assert_eq!(camera.attribute((ANDROID_NS, "required")), Some("false"));

    let v = plist::Value::from_file(workspace_root().join("ios/Info.fragment.plist")).unwrap();
    let camera = v
        .as_dictionary()
        .and_then(|d| d.get("NSCameraUsageDescription"))
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    assert!(
        camera.contains("quét mã QR") && camera.contains("thẻ căn cước"),
        "{camera}"
    );
    let docs = format!("{}{}", read("android/README.md"), read("ios/README.md"));
    assert!(
        docs.contains("tauri-plugin-barcode-scanner") && docs.contains("capabilities/mobile.json")
    );
}

#[test]
fn android_apply_script_sets_flag_secure_on_the_activity_once() {
    let root = workspace_root();
    let gen = tempfile::tempdir().unwrap();
    let main = gen.path().join("app/src/main");
    let kt_dir = main.join("java/com/example/app");
    std::fs::create_dir_all(&kt_dir).unwrap();
    std::fs::copy(
        root.join("tests/tests/fixtures/tauri-AndroidManifest.xml"),
        main.join("AndroidManifest.xml"),
    )
    .unwrap();
    std::fs::copy(
        root.join("tests/tests/fixtures/tauri-MainActivity.kt"),
        kt_dir.join("MainActivity.kt"),
    )
    .unwrap();
    let run = || {
        let out = Command::new(python())
            .arg(root.join("android/apply.py"))
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
    let first = run();
    assert!(first.contains("FLAG_SECURE in MainActivity.kt"), "{first}");
    let kt = std::fs::read_to_string(kt_dir.join("MainActivity.kt")).unwrap();
    assert!(kt.contains("import android.view.WindowManager"), "{kt}");
    // Set right after the activity's own onCreate, once.
    let sup = kt.find("super.onCreate(savedInstanceState)").unwrap();
    let flag = kt
        .find("window.setFlags(WindowManager.LayoutParams.FLAG_SECURE")
        .unwrap();
    assert!(flag > sup, "{kt}");
    assert_eq!(kt.matches("FLAG_SECURE,").count(), 1, "{kt}");
    assert!(kt.contains("enableEdgeToEdge()"), "{kt}");
    assert_eq!(run().trim(), "already up to date");
}
