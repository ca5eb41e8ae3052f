//! The photo tool in the real app (WebKitGTK under Xvfb, tauri-driver): from the Dossiers tab to
//! "Chuẩn bị ảnh hồ sơ", a generated JPEG (EXIF orientation 6 and a GPS tag) is chosen through
//! the file input; the app shows the photo with its crop frame, the prepared preview and the
//! check results. Screenshot `photo-checks`.

use std::time::Duration;

use dvc_core::photo::synth;
use dvc_tests::app::{App, Launch};

type R = Result<(), Box<dyn std::error::Error>>;

async fn wait_for(
    app: &App,
    script: &str,
    what: &str,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    for _ in 0..150 {
        let v = app.js(script).await?;
        if !v.is_null() && v != serde_json::Value::Bool(false) {
            return Ok(v);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("timed out waiting for {what}").into())
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn choosing_a_photo_shows_the_preview_and_the_checks() -> R {
    let dir = tempfile::tempdir()?;
    // Upright 1200×1800 portrait, stored rotated with EXIF orientation 6 (as phones do).
    let upright = synth::portrait(1200, 1800, Default::default());
    let jpeg = synth::jpeg(&synth::rotate_ccw(&upright), 90, Some(6));
    let photo = dir.path().join("chan-dung.jpg");
    std::fs::write(&photo, &jpeg)?;

    let app = App::launch(&Launch::new(dir.path())).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;
    app.click("[data-tab='dossiers']").await?;
    app.click("[data-open-photo-tool]").await?;
    app.find("[data-screen='photo-tool']").await?;
    assert_eq!(app.text(".top-bar .title").await?, "Chuẩn bị ảnh hồ sơ");

    let input = app.find("[data-photo-input]").await?;
    input.send_keys(photo.to_str().ok_or("path")?).await?;

    // The prepared preview loads and every check of the portrait profile is listed.
    wait_for(
        &app,
        "const i = document.querySelector('[data-photo-preview]'); return !!(i && i.complete && i.naturalWidth > 0);",
        "the preview",
    )
    .await?;
    let checks = app
        .js("return [...document.querySelectorAll('[data-photo-check]')].map(e => e.dataset.photoCheck + ':' + e.dataset.result)")
        .await?;
    let checks: Vec<String> = serde_json::from_value(checks)?;
    let names: Vec<&str> = checks
        .iter()
        .map(|c| c.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        ["resolution", "exposure", "sharpness", "background"],
        "{checks:?}"
    );
    // A clean synthetic portrait on a white background passes.
    assert!(checks.iter().all(|c| c.ends_with(":pass")), "{checks:?}");
    // The preview is the upright 600×900 JPEG (orientation applied).
    let size = app
        .js("const i = document.querySelector('[data-photo-preview]'); return [i.naturalWidth, i.naturalHeight];")
        .await?;
    assert_eq!(size, serde_json::json!([600, 900]));
    // The crop frame is on the photo, portrait-shaped.
    let frame = app
        .js("const r = document.querySelector('[data-photo-frame]').getBoundingClientRect(); return r.height / r.width;")
        .await?;
    let ratio = frame.as_f64().ok_or("frame ratio")?;
    assert!((ratio - 1.5).abs() < 0.05, "frame ratio {ratio}");
    let text = app.text("[data-photo-check='background']").await?;
    assert!(text.contains("Nền trắng"), "{text}");
    app.screenshot("photo-checks").await?;

    app.click("[data-photo-use]").await?;
    app.find("[data-photo-used]").await?;
    app.quit().await?;
    Ok(())
}
