//! The app lock in the real app: a PIN set in the settings, the lock screen on the next start
//! (nothing else reachable), a wrong PIN and its message, the right PIN opening the app, the
//! back-off after five wrong PINs and the count surviving a restart, and the privacy cover when the window
//! loses focus. Screenshots at 360 px: `lock-offer`, `lock-set-pin`, `lock-settings-on`,
//! `lock-screen`, `lock-wrong`, `lock-backoff`, `lock-backoff-restart`, `lock-privacy-cover`.
//!
//! Run by `./x test` (needs the built app, Xvfb, tauri-driver); ignored by a plain `cargo test`.

use std::path::Path;

use dvc_tests::app::{App, Launch};

type R = Result<(), Box<dyn std::error::Error>>;

const PIN: &str = "258046";

async fn type_into(app: &App, css: &str, text: &str) -> R {
    let el = app.find(css).await?;
    el.clear().await?;
    el.send_keys(text).await?;
    Ok(())
}

/// Waits (up to 10 s) until the element's text is `expected`: a message replaced in place.
async fn wait_text(app: &App, css: &str, expected: &str) -> R {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(el) = app.find(css).await {
            last = el.text().await.unwrap_or_default();
            if last == expected {
                return Ok(());
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!("{css}: expected {expected:?}, last saw {last:?}").into())
}

async fn start(dir: &Path) -> Result<App, Box<dyn std::error::Error>> {
    let app = App::launch(&Launch::new(dir)).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;
    Ok(app)
}

async fn try_pin(app: &App, pin: &str) -> R {
    type_into(app, "[data-testid='lock-pin']", pin).await?;
    app.click("[data-testid='lock-open']").await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn pin_set_then_lock_screen_wrong_pin_backoff_and_cover() -> R {
    let dir = tempfile::tempdir()?;

    // First launch: the offer is on the first screen; the PIN is set in the settings.
    let app = start(dir.path()).await?;
    app.find("[data-testid='lock-offer']").await?;
    app.screenshot("lock-offer").await?;
    app.click("[data-tab='settings']").await?;
    assert!(app
        .text("[data-testid='lock-state']")
        .await?
        .starts_with("Đang tắt"));
    app.click("[data-testid='lock-set']").await?;
    type_into(&app, "[data-testid='pin-new']", PIN).await?;
    // A typo in the repeat is caught before anything is saved.
    type_into(&app, "[data-testid='pin-repeat']", "258047").await?;
    app.click("[data-testid='pin-save']").await?;
    assert_eq!(
        app.text("[data-testid='pin-error']").await?,
        "Hai lần nhập mã PIN mới không giống nhau."
    );
    type_into(&app, "[data-testid='pin-repeat']", PIN).await?;
    app.screenshot("lock-set-pin").await?;
    app.click("[data-testid='pin-save']").await?;
    app.find("[data-testid='lock-notice']").await?;
    assert!(app
        .text("[data-testid='lock-state']")
        .await?
        .starts_with("Đang bật"));
    app.screenshot("lock-settings-on").await?;
    // The privacy cover: up when the window loses focus, gone when it comes back.
    app.js("window.dispatchEvent(new Event('blur')); return true;")
        .await?;
    app.find("[data-testid='privacy-cover']").await?;
    app.screenshot("lock-privacy-cover").await?;
    app.js("window.dispatchEvent(new Event('focus')); return true;")
        .await?;
    let covered = app
        .js("return !!document.querySelector(\"[data-testid='privacy-cover']\")")
        .await?;
    assert_eq!(covered, false);
    app.quit().await?;

    // Next start: the lock screen, and nothing behind it.
    let app = start(dir.path()).await?;
    app.find("[data-screen='lock']").await?;
    let tabs = app
        .js("return document.querySelectorAll('[data-tab]').length")
        .await?;
    assert_eq!(tabs, 0, "the tabs are reachable behind the lock");
    // Data commands refuse while locked, whatever the UI shows.
    let refused = app
        .js("return window.__TAURI_INTERNALS__.invoke('person_list', {query: null}).then(() => 'answered', e => e.code)")
        .await?;
    assert_eq!(refused, "app_locked");
    // The lock screen itself is never under the privacy cover (it shows nothing personal).
    app.js("window.dispatchEvent(new Event('blur')); return true;")
        .await?;
    let covered = app
        .js("return !!document.querySelector(\"[data-testid='privacy-cover']\")")
        .await?;
    assert_eq!(covered, false, "the privacy cover hides the lock screen");
    // No fingerprint unlock on desktop: no button, and the command refuses rather than opening.
    let bio = app
        .js("return !!document.querySelector(\"[data-testid='lock-biometric']\")")
        .await?;
    assert_eq!(bio, false);
    let refused = app
        .js("return window.__TAURI_INTERNALS__.invoke('lock_unlock_biometric').then(() => 'opened', e => e.code)")
        .await?;
    assert_eq!(refused, "biometric_unavailable");
    app.screenshot("lock-screen").await?;
    try_pin(&app, "111111").await?;
    wait_text(
        &app,
        "[data-testid='lock-message']",
        "Mã PIN chưa đúng. Đã nhập sai 1 lần.",
    )
    .await?;
    app.screenshot("lock-wrong").await?;
    try_pin(&app, PIN).await?;
    app.find("[data-tab='people']").await?;
    app.click("[data-tab='people']").await?;
    app.find("[data-screen='people']").await?;
    app.quit().await?;

    // Five wrong PINs: a wait of 30 s, shown in words; it survives a restart.
    let app = start(dir.path()).await?;
    for n in 1..=5 {
        try_pin(&app, "999999").await?;
        wait_text(
            &app,
            "[data-testid='lock-message']",
            &format!("Mã PIN chưa đúng. Đã nhập sai {n} lần."),
        )
        .await?;
    }
    let wait = app.text("[data-testid='lock-wait']").await?;
    assert!(
        wait.starts_with("Nhập sai nhiều lần. Vui lòng chờ ") && wait.contains("giây"),
        "{wait}"
    );
    let disabled = app
        .js("return document.querySelector(\"[data-testid='lock-open']\").disabled")
        .await?;
    assert_eq!(disabled, true);
    app.screenshot("lock-backoff").await?;
    app.quit().await?;

    // The count survives the restart (the wait too, unless the restart took longer than it: the
    // core's tests check the wait across a reopen on a manual clock).
    let app = start(dir.path()).await?;
    wait_text(
        &app,
        "[data-testid='lock-message']",
        "Mã PIN chưa đúng. Đã nhập sai 5 lần.",
    )
    .await?;
    // A citizen is told plainly that a forgotten PIN means deleting the data; no wipe button.
    let forgot = app.text(".forgot").await?;
    assert!(
        forgot.contains("Không có cách nào lấy lại mã PIN"),
        "{forgot}"
    );
    let wipe_buttons = app
        .js("return document.querySelectorAll(\"[data-testid='wipe-start']\").length")
        .await?;
    assert_eq!(wipe_buttons, 0);
    app.screenshot("lock-backoff-restart").await?;
    app.quit().await?;
    Ok(())
}
