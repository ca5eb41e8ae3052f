//! The catalog in the real app: typing "lam ho chieu" puts the passport procedure first, its page
//! lists the documents (with the 4×6 portrait requirement) and the dated reference note, and a
//! guide renders its bundled SVG illustrations.
//!
//! Run by `./x test` (built app, Xvfb, tauri-driver); ignored by a plain `cargo test`.

use std::time::Duration;

use dvc_tests::app::{App, Launch};

type R = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn search_procedure_page_and_guide() -> R {
    let dir = tempfile::tempdir()?;
    let app = App::launch(&Launch::new(dir.path())).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;
    app.click("[data-tab='procedures']").await?;

    // Popular procedures before anything is typed.
    app.find("[data-testid='catalog-results'] [data-id]")
        .await?;

    let input = app.find("[data-testid='catalog-search']").await?;
    input.send_keys("lam ho chieu").await?;
    // Debounced search: wait until the first result is the passport procedure.
    let mut first = serde_json::Value::Null;
    for _ in 0..50 {
        first = app
            .js("const b = document.querySelector('[data-testid=catalog-results] [data-id]'); \
                 return document.querySelector('#catalog-q').value === 'lam ho chieu' && b ? b.dataset.id : null")
            .await?;
        if first == "passport-domestic" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(first, "passport-domestic");
    app.screenshot("catalog-search").await?;

    app.click("[data-testid='catalog-results'] [data-id='passport-domestic']")
        .await?;
    app.find("[data-screen='catalog-procedure'] [data-testid='documents']")
        .await?;
    let portraits = app
        .js("return document.querySelectorAll('[data-testid=documents] [data-photo=portrait_4x6]').length")
        .await?;
    assert!(
        portraits.as_u64().unwrap_or(0) >= 1,
        "no 4×6 portrait in {portraits}"
    );
    let docs = app.text("[data-testid='documents']").await?;
    assert!(docs.contains("4×6"), "{docs}");
    let reference = app.text("[data-testid='reference']").await?;
    assert!(reference.contains("tham khảo"), "{reference}");
    app.screenshot("catalog-procedure").await?;

    // "Tạo hồ sơ" goes to the dossier route (the Dossiers tab until that screen exists).
    app.click("[data-testid='create-dossier']").await?;
    let hash = app.js("return location.hash").await?;
    assert_eq!(hash, "#/dossiers/new/passport-domestic");

    // Guides: list → one guide, every illustration decoded.
    app.click("[data-tab='procedures']").await?;
    app.click("[data-testid='guides-link']").await?;
    app.click("[data-screen='catalog-guides'] [data-id='attach-photos']")
        .await?;
    app.find("[data-testid='guide-img']").await?;
    let mut loaded = serde_json::Value::Null;
    for _ in 0..50 {
        loaded = app
            .js("const imgs = [...document.querySelectorAll('[data-testid=guide-img]')]; \
                 return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0) ? imgs.length : 0")
            .await?;
        if loaded.as_u64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        loaded.as_u64().unwrap_or(0) >= 2,
        "illustrations loaded: {loaded}"
    );
    app.screenshot("catalog-guide").await?;
    app.quit().await?;
    Ok(())
}

/// Polls `script` (which returns a value) until it equals `want`, or gives up after ~5 s and
/// returns the last value.
async fn wait_for(
    app: &App,
    script: &str,
    want: &serde_json::Value,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let mut last = serde_json::Value::Null;
    for _ in 0..50 {
        last = app.js(script).await?;
        if &last == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(last)
}

const RESULT_IDS: &str =
    "return [...document.querySelectorAll('[data-testid=catalog-results] [data-id]')]\
     .map(b => b.dataset.id + ':' + b.dataset.field).join(' ')";

const HAS_RESIDENCE: &str = "const ids = [...document.querySelectorAll('[data-testid=catalog-results] [data-id]')]\
     .map(b => b.dataset.id); \
     return document.querySelector('#catalog-q').value === 'dang ky' && ids.includes('permanent-residence')";

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn filter_chips_narrow_the_results() -> R {
    let dir = tempfile::tempdir()?;
    let app = App::launch(&Launch::new(dir.path())).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;
    app.click("[data-tab='procedures']").await?;
    app.find("[data-testid='field-chips'] [data-field='civil-status']")
        .await?;

    let input = app.find("[data-testid='catalog-search']").await?;
    input.send_keys("dang ky").await?;
    // "đăng ký" matches procedures of many fields: residence among them.
    let before = wait_for(&app, HAS_RESIDENCE, &serde_json::Value::Bool(true)).await?;
    assert_eq!(before, true, "no residence result for 'dang ky'");

    // Field chip "Hộ tịch": the residence result disappears, only civil-status ones remain.
    app.click("[data-testid='field-chips'] [data-field='civil-status']")
        .await?;
    let only_civil =
        "const ids = [...document.querySelectorAll('[data-testid=catalog-results] [data-id]')]; \
         return ids.length > 0 && ids.every(b => b.dataset.field === 'civil-status')";
    let narrowed = wait_for(&app, only_civil, &serde_json::Value::Bool(true)).await?;
    let shown = app.js(RESULT_IDS).await?;
    assert_eq!(narrowed, true, "results after the field chip: {shown}");
    let s = shown.as_str().unwrap_or_default();
    assert!(!s.contains("permanent-residence"), "{s}");
    assert!(s.contains("birth-registration:civil-status"), "{s}");
    let pressed = app
        .js("return document.querySelector('[data-testid=field-chips] [data-field=civil-status]').getAttribute('aria-pressed')")
        .await?;
    assert_eq!(pressed, "true");
    // Chips are real touch targets.
    let small = app
        .js("return [...document.querySelectorAll('.chip')].filter(c => c.getBoundingClientRect().height < 48).length")
        .await?;
    assert_eq!(small, 0, "chips under 48 px high");
    app.screenshot("catalog-filters").await?;

    // Filters combine: no civil-status procedure is handled by a ministry; "Bỏ lọc" brings the
    // results back.
    app.click("[data-testid='level-chips'] [data-level='ministry']")
        .await?;
    app.find("[data-testid='clear-filters']").await?;
    app.click("[data-testid='clear-filters']").await?;
    let back = wait_for(&app, HAS_RESIDENCE, &serde_json::Value::Bool(true)).await?;
    assert_eq!(back, true, "results after clearing the filters");
    app.quit().await?;
    Ok(())
}
