//! Hand-off to the citizen's own phone in the real app. On the volunteer's phone (a data dir with
//! a synthetic person, one paper and a draft dossier) the person's profile leads to "Bàn giao cho
//! người dân"; "Tạo gói bàn giao" writes the locked file and shows the QR code of its key, read
//! back here from the screenshot with the app's own QR reader. A person whose dossier still
//! waits to be sent is refused with the way to the sync screen. On a second data dir (the
//! citizen's phone) "Nhận hồ sơ bàn giao" takes a photo of the QR and the file: a tampered file is
//! refused with the damaged-file message and imports nothing; the right one shows the person
//! received (and their paper and dossier are there); a second import says nothing changed. Back
//! on the volunteer's phone, "Người dân đã nhận đủ" removes the bundle file and offers to delete
//! the person, and deleting removes them.
//! Screenshots at 360 px: `handoff-explain`, `handoff-qr`, `handoff-steps`, `handoff-pending`,
//! `handoff-receive`, `handoff-key-read`, `handoff-damaged`, `handoff-imported`,
//! `handoff-already`, `handoff-delete-offer`. The same over the network (the relay) is the second
//! test below.
//!
//! Run by `./x test` (needs the built app, Xvfb and tauri-driver); ignored by a plain `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use dvc_core::documents::{DocumentKind, DocumentMeta};
use dvc_core::people::PersonInput;
use dvc_core::photo::synth;
use dvc_core::test_support::{self, applicant, ReadyPassport};
use dvc_tests::app::{App, Launch};
use dvc_tests::syncenv::open_core;
use serde_json::Value;

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

async fn go(app: &App, path: &str, screen: &str) -> R {
    app.js(&format!("location.hash = '{path}'; return true;"))
        .await?;
    app.find(&format!("[data-screen='{screen}']")).await?;
    Ok(())
}

async fn wait_for(app: &App, script: &str, what: &str) -> R<Value> {
    for _ in 0..300 {
        let v = app.js(script).await?;
        if !v.is_null() && v != Value::Bool(false) {
            return Ok(v);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("timed out waiting for {what}").into())
}

/// Scrolls an element to the middle of the screen (for a screenshot of what matters there).
async fn show(app: &App, css: &str) -> R {
    app.find(css).await?;
    app.js(&format!(
        "document.querySelector(\"{css}\").scrollIntoView({{block: 'center'}}); return true;"
    ))
    .await?;
    Ok(())
}

async fn start(dir: &Path) -> R<App> {
    let app = App::launch(&Launch::new(dir)).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;
    Ok(app)
}

/// Chooses a file in an `<input type=file>` (what the phone's file picker does).
async fn choose(app: &App, css: &str, file: &Path) -> R {
    app.find(css)
        .await?
        .send_keys(file.to_string_lossy().to_string())
        .await?;
    Ok(())
}

/// Waits until the hand-off screen has the person's name (its button is enabled then).
async fn make_ready(app: &App) -> R {
    wait_for(
        app,
        "return !document.querySelector(\"[data-testid='handoff-make']\").disabled",
        "the person's name loaded",
    )
    .await?;
    Ok(())
}

/// The key the QR code in a screenshot carries, read with the app's QR reader.
fn qr_text(png: &Path) -> R<String> {
    let bytes = std::fs::read(png)?;
    let scan = dvc_core::qrscan::decode_qr(&bytes, Duration::from_secs(10))?;
    Ok(String::from_utf8(scan.payload)?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn the_volunteer_hands_a_person_over_and_the_citizen_receives_them() -> R {
    let dir = tempfile::tempdir()?;
    let vdata = dir.path().join("volunteer");
    // The volunteer's phone: the person with one paper and a draft; another person whose
    // dossier waits to be sent.
    let (person, waiting) = {
        let core = open_core(&vdata);
        let p = core.add_person(&applicant())?.id;
        core.store_document(
            &p,
            DocumentKind::CccdFront,
            &synth::jpeg(&synth::card(320, 200, 0.5), 80, None),
            &DocumentMeta {
                issue_date: Some("2021-04-01".into()),
                expiry_date: Some("2036-04-01".into()),
            },
        )?;
        core.draft_new(test_support::PASSPORT_FORM, Some(&p))?;
        let w = core
            .add_person(&PersonInput {
                full_name: "Lê Văn Chờ".into(),
                ..PersonInput::default()
            })?
            .id;
        ReadyPassport::new().person(&w).queue(&core)?;
        (p, w)
    };

    let app = start(&vdata).await?;
    go(&app, &format!("/people/{person}"), "person-profile").await?;
    app.click("[data-testid='profile-handoff']").await?;
    app.find("[data-screen='handoff']").await?;
    make_ready(&app).await?;
    app.screenshot("handoff-explain").await?;
    app.click("[data-testid='handoff-make']").await?;
    app.find("[data-testid='handoff-qr'] svg").await?;
    assert_eq!(
        app.text("[data-testid='handoff-counts']").await?,
        "1 giấy tờ, 1 hồ sơ"
    );
    app.js("window.scrollTo(0, 0); return true;").await?;
    // The citizen photographs this screen: the QR code whole, big, near the top.
    let qr_photo = app.screenshot("handoff-qr").await?;
    let qr_box = app
        .js("const r = document.querySelector(\"[data-testid='handoff-qr']\").getBoundingClientRect(); \
             return [r.left, r.top, r.right, r.bottom, window.innerWidth, window.innerHeight];")
        .await?;
    let b: Vec<f64> = serde_json::from_value(qr_box)?;
    assert!(
        b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= b[4] && b[3] <= b[5],
        "the QR code is fully on the screen: {b:?}"
    );
    assert!(b[2] - b[0] >= 260.0, "the QR code is big: {b:?}");
    let key = qr_text(&qr_photo)?;
    assert!(key.starts_with("DVCH1.") && key.len() == 72, "{key}");
    let bundle = PathBuf::from(app.text("[data-testid='handoff-path']").await?);
    assert!(
        bundle.starts_with(&vdata),
        "the file is in the app's data dir: {}",
        bundle.display()
    );
    let name = bundle.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with("ban-giao-") && name.ends_with(".dvch"),
        "{name}"
    );
    let file = std::fs::read(&bundle)?;
    assert!(file.starts_with(b"DVCHAND\0"), "a bundle file");
    assert!(
        !file
            .windows(test_support::NAME.len())
            .any(|w| w == test_support::NAME.as_bytes()),
        "the file is locked: no name in it"
    );
    show(&app, "[data-testid='handoff-confirm']").await?;
    app.screenshot("handoff-steps").await?;
    // Leaving the screen forgets the key: coming back shows no QR code, only the way to confirm.
    go(&app, &format!("/people/{person}"), "person-profile").await?;
    go(&app, &format!("/people/{person}/handoff"), "handoff").await?;
    app.find("[data-testid='handoff-earlier']").await?;
    let qr_left = app
        .js("return !!document.querySelector(\"[data-testid='handoff-qr']\")")
        .await?;
    assert_eq!(qr_left, false);
    // A person whose dossier waits to be sent: the way to the sync screen.
    go(&app, &format!("/people/{waiting}/handoff"), "handoff").await?;
    make_ready(&app).await?;
    app.click("[data-testid='handoff-make']").await?;
    let said = app.text("[data-testid='handoff-error']").await?;
    assert!(said.contains("đang chờ gửi lên máy chủ"), "{said}");
    app.screenshot("handoff-pending").await?;
    app.click("[data-testid='handoff-open-sync']").await?;
    app.find("[data-screen='sync']").await?;
    app.quit().await?;

    // The citizen's own phone.
    let cdata = dir.path().join("citizen");
    let tampered = dir.path().join("ban-giao-hong.dvch");
    {
        let mut t = file.clone();
        let at = t.len() - 40;
        t[at] ^= 0x01;
        std::fs::write(&tampered, t)?;
    }
    let app = start(&cdata).await?;
    app.click("[data-tab='people']").await?;
    app.click("[data-testid='people-receive']").await?;
    app.find("[data-screen='handoff-receive']").await?;
    app.screenshot("handoff-receive").await?;
    // A photo without the key is refused.
    let no_qr = app.screenshot("handoff-no-qr").await?;
    choose(&app, "[data-testid='receive-scan']", &no_qr).await?;
    app.find("[data-testid='receive-error']").await?;
    choose(&app, "[data-testid='receive-scan']", &qr_photo).await?;
    app.find("[data-testid='receive-key-ok']").await?;
    app.find("[data-testid='receive-step-file']").await?;
    app.screenshot("handoff-key-read").await?;
    // The damaged file: the plain message, nothing imported.
    choose(&app, "[data-testid='receive-file']", &tampered).await?;
    let said = app.text("[data-testid='receive-error']").await?;
    assert!(said.starts_with("Tệp bị hỏng hoặc đã bị sửa"), "{said}");
    show(&app, "[data-testid='receive-error']").await?;
    app.screenshot("handoff-damaged").await?;
    // The right file.
    choose(&app, "[data-testid='receive-file']", &bundle).await?;
    app.find("[data-testid='receive-summary']").await?;
    assert_eq!(
        app.text("[data-testid='receive-summary']").await?,
        format!(
            "Đã nhận hồ sơ của {}: 1 giấy tờ, 1 hồ sơ.",
            test_support::NAME
        )
    );
    app.screenshot("handoff-imported").await?;
    app.click("[data-testid='receive-view']").await?;
    app.find("[data-screen='person-profile']").await?;
    assert_eq!(
        app.text("[data-testid='profile-name']").await?,
        test_support::NAME
    );
    app.find("[data-testid='doc-item']").await?;
    // Again: nothing changes.
    go(&app, "/people/receive", "handoff-receive").await?;
    choose(&app, "[data-testid='receive-scan']", &qr_photo).await?;
    app.find("[data-testid='receive-key-ok']").await?;
    choose(&app, "[data-testid='receive-file']", &bundle).await?;
    assert_eq!(
        app.text("[data-testid='receive-already']").await?,
        "Hồ sơ này đã được nhận trước đây — không có gì thay đổi."
    );
    app.screenshot("handoff-already").await?;
    app.quit().await?;
    {
        let core = open_core(&cdata);
        let people = core.list_people(None)?;
        assert_eq!(people.len(), 1, "one person, once");
        let p = core.person(&person)?;
        assert_eq!(p.person.full_name, test_support::NAME);
        assert_eq!(p.person.id_number.as_deref(), Some(test_support::ID_NUMBER));
        assert_eq!(core.list_documents(&person)?.len(), 1);
        let drafts = core.draft_list()?;
        assert_eq!(drafts.len(), 1, "{drafts:?}");
    }

    // Back on the volunteer's phone: confirmed (the bundle file goes), then the person deleted.
    let app = start(&vdata).await?;
    go(&app, &format!("/people/{person}/handoff"), "handoff").await?;
    app.click("[data-testid='handoff-earlier'] [data-testid='handoff-confirm']")
        .await?;
    app.find("[data-testid='handoff-delete-offer']").await?;
    app.screenshot("handoff-delete-offer").await?;
    assert!(!bundle.exists(), "the file goes once the citizen has it");
    app.click("[data-testid='handoff-delete']").await?;
    app.click("[data-testid='handoff-delete-yes']").await?;
    app.find("[data-screen='people']").await?;
    // The screen the app reopens on (kept in the settings) is the list now, not the deleted
    // person's hand-off.
    for _ in 0..100 {
        let saved = app
            .driver
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 window.__TAURI_INTERNALS__.invoke('settings_get').then((s) => done(s.last_route), () => done(null));",
                Vec::new(),
            )
            .await?;
        if saved.json() == &Value::from("/people") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.quit().await?;
    {
        let core = open_core(&vdata);
        assert!(core.person(&person).is_err(), "the person is gone");
        assert!(core.list_documents(&person)?.is_empty());
        assert!(core.person(&waiting).is_ok(), "the other person stays");
        // (The other person's queued passport carries the synthetic applicant's details: the
        // deleted person is looked for by id.)
        assert_eq!(
            test_support::rows_containing(&core, &person)?,
            Vec::<String>::new(),
            "nothing of them in the database"
        );
    }
    assert_eq!(
        test_support::files_containing(&vdata, test_support::ID_NUMBER.as_bytes())?,
        Vec::<String>::new(),
        "no plaintext ID number on disk"
    );
    Ok(())
}

/// Over the network: the volunteer's phone makes the bundle and its own sync pass hands the
/// ciphertext to the server; on the citizen's phone, signed in, the key alone
/// — typed, as when the QR will not scan — brings the person with "Nhận qua mạng"; the
/// volunteer's next pass learns that the citizen has it.
/// Screenshots at 360 px: `handoff-relay-key`, `handoff-relay-offered`, `handoff-relay-received`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn over_the_network_the_key_alone_brings_the_person() -> R {
    use dvc_sync::seed::{DEMO_AGENCY, DEMO_CITIZEN, DEMO_VOLUNTEER};
    let sdir = tempfile::tempdir()?;
    let server = dvc_sync::test_support::demo_server(sdir.path(), true).await;
    let url = server.url();
    let cfg = test_support::quick_sync_config();

    let dir = tempfile::tempdir()?;
    let vdata = dir.path().join("volunteer");
    let person = {
        let core = open_core(&vdata);
        dvc_core::sync::db::set(core.store(), "agency_code", DEMO_AGENCY)?;
        core.sync_login(&url, DEMO_VOLUNTEER.0, DEMO_VOLUNTEER.1, None)
            .await?;
        let p = core.add_person(&applicant())?.id;
        core.store_document(
            &p,
            DocumentKind::CccdFront,
            &synth::jpeg(&synth::card(320, 200, 0.5), 80, None),
            &DocumentMeta::default(),
        )?;
        p
    };
    let app = start(&vdata).await?;
    go(&app, &format!("/people/{person}"), "person-profile").await?;
    app.click("[data-testid='profile-handoff']").await?;
    make_ready(&app).await?;
    app.click("[data-testid='handoff-make']").await?;
    app.find("[data-testid='handoff-qr'] svg").await?;
    app.js("window.scrollTo(0, 0); return true;").await?;
    let key = qr_text(&app.screenshot("handoff-relay-key").await?)?;
    assert!(key.starts_with("DVCH1."), "{key}");
    // The app's own sync pass hands the ciphertext to the server; the screen says so.
    wait_for(
        &app,
        "return !!document.querySelector(\"[data-testid='handoff-relay'][data-relay='offered']\")",
        "the bundle's copy on the server",
    )
    .await?;
    show(&app, "[data-testid='handoff-relay']").await?;
    app.screenshot("handoff-relay-offered").await?;
    app.quit().await?;
    {
        let core = open_core(&vdata);
        let st = core.handoff_status(&person)?.expect("a hand-off");
        assert_eq!(st.relay.as_deref(), Some("offered"));
    }

    // The citizen's own phone, signed in to the same server, with no file at all.
    let cdata = dir.path().join("citizen");
    {
        let core = open_core(&cdata);
        core.sync_login(&url, DEMO_CITIZEN.0, DEMO_CITIZEN.1, None)
            .await?;
    }
    let app = start(&cdata).await?;
    app.click("[data-tab='people']").await?;
    app.click("[data-testid='people-receive']").await?;
    app.find("[data-screen='handoff-receive']").await?;
    app.find("[data-testid='receive-key']")
        .await?
        .send_keys(key.clone())
        .await?;
    app.click("[data-testid='receive-key-use']").await?;
    app.find("[data-testid='receive-key-ok']").await?;
    app.click("[data-testid='receive-online']").await?;
    wait_for(
        &app,
        "return !!document.querySelector(\"[data-testid='receive-summary']\")",
        "the person brought over the network",
    )
    .await?;
    let summary = app.text("[data-testid='receive-summary']").await?;
    assert!(summary.contains(test_support::NAME), "{summary}");
    app.screenshot("handoff-relay-received").await?;
    app.quit().await?;
    {
        let core = open_core(&cdata);
        let p = core.person(&person)?;
        assert_eq!(p.person.id_number.as_deref(), Some(test_support::ID_NUMBER));
        assert_eq!(core.list_documents(&person)?.len(), 1);
    }
    // The volunteer's next pass hears that the citizen has it.
    {
        let core = open_core(&vdata);
        core.sync_once(&cfg, &|_| {}).await?;
        let st = core.handoff_status(&person)?.expect("a hand-off");
        assert_eq!(st.relay.as_deref(), Some("received"), "{st:?}");
        assert!(st.received_at.is_some());
    }
    server.shutdown().await?;
    Ok(())
}
