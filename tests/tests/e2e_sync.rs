//! Sync in the real app (WebKitGTK under Xvfb, tauri-driver) against a real dvc-sync server:
//!
//! 1. No server running: a passport dossier is filled and submitted in the app (the shared steps of
//!    `dvc_tests::flows`); the sync screen lists it, named by its procedure, waiting.
//! 2. A dvc-sync server starts (SQLite in a temp dir, loopback, the demo accounts) behind the fault
//!    proxy with a bandwidth cap, so the upload takes long enough to be seen; the citizen signs in
//!    from the sync screen; the dossier uploads (progress bar, screenshot `sync-progress`) and
//!    arrives: the code on screen is the server's code.
//! 3. An officer accepts it in the web console, then asks for more papers; "Đồng bộ ngay" pulls
//!    both; away from the sync screen the Đồng bộ tab shows the unread badge; the app raised one
//!    system notification "Hồ sơ <code>: Cần bổ sung giấy tờ" (checked through the read-only
//!    `sync_notifications` command, which records every notification the app raised, shown or
//!    not: under Xvfb there may be no notification daemon); the dossier's timeline shows both
//!    events (screenshot `sync-timeline`).
//!
//! Run by `./x test` (needs the built app, Xvfb, tauri-driver); ignored by a plain `cargo test`.

use std::time::Duration;

use dvc_tests::app::{App, Launch};
use dvc_tests::faultproxy::{Link, Schedule};
use dvc_tests::flows::{seed_person, submit_passport, wait_for, wait_for_within, write_photos};
use dvc_tests::syncenv::{Officer, ServerEnv, DEMO_CITIZEN};

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// A link slow enough that a few hundred KB of photos take several seconds.
fn slow_link() -> Schedule {
    Schedule::new(
        0,
        0.0,
        1,
        vec![],
        Link {
            latency: Duration::from_millis(50),
            bytes_per_s: Some(24_000),
        },
    )
}

/// A link with a long round trip: a pass takes seconds, no faults.
fn laggy_link() -> Schedule {
    Schedule::new(
        0,
        0.0,
        1,
        vec![],
        Link {
            latency: Duration::from_millis(700),
            bytes_per_s: None,
        },
    )
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn an_offline_dossier_syncs_and_an_officer_action_comes_back() -> R {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let person = seed_person(&data)?;
    let photos = write_photos(dir.path())?;

    let app = App::launch(&Launch::new(&data)).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;

    // 1. Offline: filled, submitted, waiting.
    let id = submit_passport(&app, &person, &photos).await?;
    app.js("location.hash = '/sync'; return true;").await?;
    app.find("[data-testid=sync-login]").await?;
    let item = format!("[data-testid=sync-queue] li[data-dossier='{id}']");
    let line = app.text(&item).await?;
    assert!(
        line.contains("Cấp hộ chiếu"),
        "the queue names the procedure: {line}"
    );
    assert!(line.contains("Đang chờ gửi"), "{line}");
    let phase = app
        .js(&format!(
            "return document.querySelector(\"{item}\").dataset.phase;"
        ))
        .await?;
    assert_eq!(phase, serde_json::json!("queued"));

    // 2. The server starts; sign in from the app; the dossier uploads over a slow link.
    let env = ServerEnv::start().await;
    env.proxy.set_schedule(slow_link());
    // Nobody types a server address: the test chooses the server the way a scanned console QR
    // does (`server_switch`; the scan itself is covered by e2e_account), then reopens the screen.
    let switched = app
        .js(&format!(
            "return window.__TAURI_INTERNALS__.invoke('server_switch', {{ url: '{}' }}).then(s => s.url);",
            env.proxy.url()
        ))
        .await?;
    assert_eq!(
        switched.as_str(),
        Some(env.proxy.url().trim_end_matches('/'))
    );
    app.js("location.hash = '/procedures'; return true;")
        .await?;
    app.find("[data-screen=procedures]").await?;
    app.js("location.hash = '/sync'; return true;").await?;
    wait_for(
        &app,
        &format!(
            "const s = document.querySelector('[data-testid=sync-server-shown]'); return s && s.textContent.includes('{}') ? true : null;",
            env.proxy.url()
        ),
        "the sign-in form names the chosen server",
    )
    .await?;
    app.find("[data-testid=sync-phone]")
        .await?
        .send_keys(DEMO_CITIZEN.0)
        .await?;
    app.find("[data-testid=sync-password]")
        .await?
        .send_keys(DEMO_CITIZEN.1)
        .await?;
    app.click("[data-testid=sync-login]").await?;
    wait_for_within(
        &app,
        &format!(
            "const li = document.querySelector(\"{item}\"); const p = li && li.querySelector('progress'); \
             return !!li && li.dataset.phase === 'uploading' && !!p && p.value > 5 && p.value < 90;"
        ),
        "the upload under way",
        Duration::from_secs(60),
    )
    .await?;
    app.js("window.scrollTo(0, 0); document.activeElement?.blur(); return true;")
        .await?;
    app.screenshot("sync-progress").await?;
    let shown = app.text(&item).await?;
    assert!(shown.contains("KB"), "bytes sent / total shown: {shown}");

    let sent = format!("[data-testid=sync-sent] li[data-dossier='{id}']");
    let code = wait_for_within(
        &app,
        &format!("const c = document.querySelector(\"{sent} [data-testid=sent-code]\"); return c && c.textContent.trim() ? c.textContent.trim() : null;"),
        "the dossier's code",
        Duration::from_secs(120),
    )
    .await?;
    let code = code.as_str().unwrap_or_default().to_string();
    let on_server = env.dossiers().await.dossiers;
    assert_eq!(on_server.len(), 1, "exactly one dossier on the server");
    assert_eq!(
        on_server[0].code, code,
        "the code on screen is the server's"
    );
    let uuid = on_server[0].dossier_uuid.clone();
    assert!(
        app.text(&sent).await?.contains("Cấp hộ chiếu"),
        "sent dossiers name the procedure"
    );
    let queue_left = app
        .js(&format!("return !!document.querySelector(\"{item}\");"))
        .await?;
    assert_eq!(queue_left, serde_json::json!(false), "nothing left waiting");

    // 3. The officer acts in the console; "Đồng bộ ngay" pulls it.
    let console = Officer::login(&env).await;
    assert_eq!(console.act(&uuid, &[("action", "accept")]).await, 303);
    assert_eq!(
        console
            .act(
                &uuid,
                &[
                    ("action", "supplement"),
                    ("note", "Ảnh chân dung bị mờ, xin chụp lại."),
                ],
            )
            .await,
        303
    );
    env.proxy.set_schedule(laggy_link());
    wait_for(
        &app,
        "const b = document.querySelector('[data-testid=sync-now]'); return !!b && !b.disabled;",
        "the sync button",
    )
    .await?;
    app.click("[data-testid=sync-now]").await?;
    // The user leaves the sync screen while the pass runs.
    app.js("location.hash = '/'; return true;").await?;
    let badge = wait_for_within(
        &app,
        "const b = document.querySelector('[data-testid=sync-badge]'); return b ? b.textContent.trim() : null;",
        "the unread badge",
        Duration::from_secs(60),
    )
    .await?;
    assert_eq!(badge, serde_json::json!("1"), "one dossier changed");

    let titles = wait_for(
        &app,
        "return window.__TAURI_INTERNALS__.invoke('sync_notifications').then(l => l.length ? l.map(n => n.title) : null);",
        "the raised notifications",
    )
    .await?;
    let titles: Vec<String> = serde_json::from_value(titles)?;
    let want = format!("Hồ sơ {code}: Cần bổ sung giấy tờ");
    assert_eq!(
        titles.iter().filter(|t| **t == want).count(),
        1,
        "one notification for the pulled change: {titles:?}"
    );
    assert!(
        titles
            .iter()
            .all(|t| !t.contains("Trần") && !t.contains("0012")),
        "no personal data in notifications: {titles:?}"
    );

    // The timeline shows both events.
    app.js(&format!(
        "location.hash = '/sync/dossiers/{id}'; return true;"
    ))
    .await?;
    app.find("[data-testid=timeline] li[data-state='supplement_requested']")
        .await?;
    app.find("[data-testid=timeline] li[data-state='accepted']")
        .await?;
    let head = app.text("[data-screen=sync-timeline]").await?;
    assert!(head.contains("Cần bổ sung giấy tờ"), "{head}");
    assert!(head.contains(&code), "{head}");
    app.js("window.scrollTo(0, 0); return true;").await?;
    app.screenshot("sync-timeline").await?;
    app.quit().await?;
    Ok(())
}
