//! The real desktop app (WebKitGTK) driven over WebDriver under Xvfb: it starts, every tab opens,
//! the language and text-size settings work and persist, nothing is fetched from the network, and
//! a keystore failure gives a clear screen instead of a crash.
//!
//! Run by `./x test` (which builds the app and installs the drivers). Ignored by a plain
//! `cargo test` because they need that set-up; `./x test` runs them with `--ignored`.

use std::time::Duration;

use dvc_tests::app::{App, Launch};

type R = Result<(), Box<dyn std::error::Error>>;

const TABS: &[(&str, &str, &str)] = &[
    ("procedures", "Thủ tục", "Thủ tục hành chính"),
    ("dossiers", "Hồ sơ", "Hồ sơ của tôi"),
    ("people", "Người dân", "Người dân"),
    ("sync", "Đồng bộ", "Đồng bộ"),
    ("settings", "Cài đặt", "Cài đặt"),
];

async fn root_font_px(app: &App) -> Result<f64, Box<dyn std::error::Error>> {
    let v = app
        .js("return parseFloat(getComputedStyle(document.documentElement).fontSize)")
        .await?;
    v.as_f64().ok_or_else(|| "font size is not a number".into())
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn app_starts_and_every_tab_opens() -> R {
    let dir = tempfile::tempdir()?;
    let app = App::launch(&Launch::new(dir.path())).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;
    for (tab, label, title) in TABS {
        app.click(&format!("[data-tab='{tab}']")).await?;
        app.find(&format!("[data-screen='{tab}']")).await?;
        assert_eq!(app.text(".top-bar .title").await?, *title);
        assert_eq!(
            app.text(&format!("[data-tab='{tab}'] .tab-label")).await?,
            *label
        );
        let current = app
            .js("return document.querySelector('[aria-current=page]').dataset.tab")
            .await?;
        assert_eq!(current, *tab);
        app.screenshot(&format!("shell-{tab}")).await?;
    }
    // The document language follows the UI language.
    assert_eq!(app.js("return document.documentElement.lang").await?, "vi");
    app.quit().await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn language_and_text_size_change_the_screen_and_persist() -> R {
    let dir = tempfile::tempdir()?;
    let launch = Launch::new(dir.path());
    let app = App::launch(&launch).await?;
    app.wait_ready().await?;
    app.phone_size().await?;
    app.click("[data-tab='settings']").await?;
    let normal = root_font_px(&app).await?;

    app.click("[data-testid='lang-en']").await?;
    app.find("html[lang='en']").await?;
    assert_eq!(
        app.text("[data-tab='procedures'] .tab-label").await?,
        "Procedures"
    );
    assert_eq!(app.text(".top-bar .title").await?, "Settings");

    app.click("[data-testid='size-xlarge']").await?;
    app.find("html[data-text-size='xlarge']").await?;
    let xlarge = root_font_px(&app).await?;
    assert!(
        xlarge >= normal * 1.3,
        "root font size {normal}px → {xlarge}px"
    );
    app.screenshot("settings-en-xlarge").await?;
    // Give the debounced route save a moment, then restart the app on the same data.
    tokio::time::sleep(Duration::from_millis(600)).await;
    app.quit().await?;

    let app = App::launch(&launch).await?;
    app.wait_ready().await?;
    assert_eq!(app.js("return document.documentElement.lang").await?, "en");
    assert_eq!(
        app.js("return document.documentElement.dataset.textSize")
            .await?,
        "xlarge"
    );
    // It reopens on the screen the user left.
    app.find("[data-screen='settings']").await?;
    let after = root_font_px(&app).await?;
    assert!((after - xlarge).abs() < 0.5, "{after} vs {xlarge}");

    app.click("[data-testid='lang-vi']").await?;
    app.click("[data-testid='size-normal']").await?;
    app.find("html[lang='vi'][data-text-size='normal']").await?;
    assert_eq!(
        app.text("[data-tab='settings'] .tab-label").await?,
        "Cài đặt"
    );
    app.screenshot("settings-vi-normal").await?;
    app.quit().await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn nothing_is_fetched_from_the_network() -> R {
    let dir = tempfile::tempdir()?;
    let app = App::launch(&Launch::new(dir.path())).await?;
    app.wait_ready().await?;
    for (tab, _, _) in TABS {
        app.click(&format!("[data-tab='{tab}']")).await?;
        app.find(&format!("[data-screen='{tab}']")).await?;
    }
    // WebKit records no resource timing for the app's own scheme, so check the sources instead:
    // every URL the page references, and every @font-face, resolves inside the app bundle.
    let v = app
        .js(
            "await document.fonts.ready; \
             const urls = [...document.querySelectorAll('[src],[href]')] \
               .map(e => e.src || e.href).filter(u => typeof u === 'string' && !u.includes('#/')); \
             const fonts = []; \
             for (const sheet of document.styleSheets) { \
               for (const rule of sheet.cssRules) { \
                 if (rule instanceof CSSFontFaceRule) { \
                   for (const m of rule.style.getPropertyValue('src').matchAll(/url\\(\"?([^\")]+)\"?\\)/g)) \
                     fonts.push(new URL(m[1], sheet.href || location.href).href); } } } \
             return { page: location.href, urls, fonts, \
                      loaded: [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family) };",
        )
        .await?;
    let page = v["page"].as_str().unwrap_or_default().to_string();
    assert!(
        page.starts_with("tauri://localhost") || page.starts_with("http://tauri.localhost"),
        "the UI is not served from the app bundle: {page}"
    );
    let local = |u: &str| {
        u.starts_with("tauri://localhost")
            || u.starts_with("http://tauri.localhost")
            || u.starts_with("data:")
    };
    let urls = v["urls"].as_array().cloned().unwrap_or_default();
    let fonts = v["fonts"].as_array().cloned().unwrap_or_default();
    assert!(!urls.is_empty(), "no referenced URLs found: {v}");
    assert!(
        fonts.len() >= 6,
        "expected the bundled @font-face rules: {v}"
    );
    for u in urls.iter().chain(fonts.iter()) {
        let u = u.as_str().unwrap_or_default();
        assert!(local(u), "referenced from outside the app: {u}");
    }
    let loaded = v["loaded"].to_string();
    assert!(loaded.contains("Be Vietnam Pro"), "fonts loaded: {loaded}");

    // And the CSP stops any attempt to reach the network (image, fetch), should code ever try.
    let blocked = app
        .js(
            "const seen = []; \
             document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective)); \
             const img = new Image(); img.src = 'https://example.com/pixel.png'; document.body.appendChild(img); \
             let fetched = 'no'; try { await fetch('https://example.com/'); fetched = 'yes'; } catch (e) { fetched = 'blocked'; } \
             await new Promise(r => setTimeout(r, 300)); img.remove(); \
             return { seen, fetched };",
        )
        .await?;
    assert_eq!(blocked["fetched"], "blocked", "{blocked}");
    let seen = blocked["seen"].to_string();
    assert!(
        seen.contains("img-src") && seen.contains("connect-src"),
        "{seen}"
    );
    app.quit().await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn unreachable_os_keystore_shows_a_clear_screen() -> R {
    let dir = tempfile::tempdir()?;
    // No D-Bus session bus → no Secret Service: the default `os` keystore cannot work.
    let launch = Launch::new(dir.path()).keystore("os").env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/dvc-test-bus",
    );
    let app = App::launch(&launch).await?;
    assert_eq!(app.wait_ready().await?, "error");
    app.phone_size().await?;
    let message = app.text("[role='alert']").await?;
    assert!(message.contains("kho khoá"), "{message}");
    app.click("details summary").await?;
    assert_eq!(
        app.text("[data-testid='error-code']").await?,
        "keystore_unavailable"
    );
    let detail = app.text("details pre").await?;
    assert!(detail.contains("DVC_KEYSTORE"), "{detail}");
    app.screenshot("error-keystore").await?;
    // Nothing was created without a key.
    assert!(!dir.path().join("dvc.sqlite").exists());
    app.quit().await?;
    Ok(())
}
