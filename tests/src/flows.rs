//! Steps the real-app E2E tests share: a synthetic person saved through `dvc-core`, waiting on the
//! UI, filling form fields, attaching photos through the capture flow, and the whole passport
//! dossier from the procedure page to "Nộp" (used by `e2e_dossier` and `e2e_sync`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use dvc_core::people::PersonInput;
use dvc_core::photo::synth;
use dvc_core::secrets::KeystoreKind;
use dvc_core::test_support;
use dvc_core::{Core, OpenOptions};

use crate::app::{App, E2eError, Result};

/// Synthetic applicant (made-up number and name; the other details are the shared fixture's).
pub const NAME: &str = "Trần Thị Hộ Chiếu";
pub const ID: &str = "001190000456";

fn check(what: &str, e: impl std::fmt::Display) -> E2eError {
    E2eError::Check(format!("{what}: {e}"))
}

/// Saves the synthetic applicant in `data` (same data dir and file keystore as the app); returns
/// the person id.
pub fn seed_person(data: &Path) -> Result<String> {
    let core = Core::open(&OpenOptions {
        data_dir: data.to_path_buf(),
        keystore: KeystoreKind::File,
    })
    .map_err(|e| check("open the data dir", e))?;
    let p = core
        .add_person(&PersonInput {
            full_name: NAME.into(),
            id_number: Some(ID.into()),
            ..test_support::applicant()
        })
        .map_err(|e| check("save the person", e))?;
    Ok(p.id)
}

/// Generated photos for the passport dossier: portrait, CCCD front, CCCD back.
pub struct Photos {
    pub portrait: PathBuf,
    pub front: PathBuf,
    pub back: PathBuf,
}

/// Writes the three generated JPEGs into `dir`.
pub fn write_photos(dir: &Path) -> Result<Photos> {
    let portrait = dir.join("chan-dung.jpg");
    std::fs::write(
        &portrait,
        synth::jpeg(&synth::portrait(1200, 1800, Default::default()), 90, None),
    )?;
    let front = dir.join("cccd-truoc.jpg");
    std::fs::write(&front, synth::jpeg(&synth::card(1600, 1000, 0.9), 90, None))?;
    let back = dir.join("cccd-sau.jpg");
    std::fs::write(&back, synth::jpeg(&synth::card(1600, 1000, 0.9), 90, None))?;
    Ok(Photos {
        portrait,
        front,
        back,
    })
}

/// Polls `script` every 100 ms until it returns something other than `null`/`false`.
pub async fn wait_for_within(
    app: &App,
    script: &str,
    what: &str,
    limit: Duration,
) -> Result<serde_json::Value> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let v = app.js(script).await?;
        if !v.is_null() && v != serde_json::Value::Bool(false) {
            return Ok(v);
        }
        if std::time::Instant::now() > deadline {
            return Err(E2eError::Check(format!(
                "timed out after {} s waiting for {what}",
                limit.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// [`wait_for_within`] 20 s.
pub async fn wait_for(app: &App, script: &str, what: &str) -> Result<serde_json::Value> {
    wait_for_within(app, script, what, Duration::from_secs(20)).await
}

/// The value of a form field's input.
pub async fn value(app: &App, field: &str) -> Result<String> {
    let v = app
        .js(&format!(
            "const e = document.querySelector('[data-field=\"{field}\"] :is(input, select, textarea)'); return e ? e.value : null;"
        ))
        .await?;
    Ok(v.as_str().unwrap_or_default().to_string())
}

/// Types into a form field like a user.
pub async fn type_into(app: &App, field: &str, text: &str) -> Result<()> {
    let el = app
        .find(&format!(
            "[data-field='{field}'] :is(input, select, textarea)"
        ))
        .await?;
    el.send_keys(text).await?;
    Ok(())
}

/// Chooses an option of a `<select>` the way a user's pick does (a change event).
pub async fn choose(app: &App, field: &str, v: &str) -> Result<()> {
    app.js(&format!(
        "const s = document.querySelector('[data-field=\"{field}\"] select'); s.value = '{v}'; \
         s.dispatchEvent(new Event('change', {{ bubbles: true }})); s.dispatchEvent(new Event('blur')); return true;"
    ))
    .await?;
    Ok(())
}

/// The form step shown.
pub async fn step(app: &App) -> Result<u64> {
    let v = wait_for(
        app,
        "const e = document.querySelector('[data-step]'); return e ? Number(e.dataset.step) : null;",
        "the step number",
    )
    .await?;
    Ok(v.as_u64().unwrap_or(0))
}

/// "Tiếp" to step `expect`.
pub async fn next(app: &App, expect: u64) -> Result<()> {
    app.click("[data-testid=dossier-next]").await?;
    wait_for(
        app,
        &format!("const e = document.querySelector('[data-step]'); return !!e && e.dataset.step === '{expect}';"),
        "the next step",
    )
    .await?;
    Ok(())
}

/// Everything typed is saved ("Đã lưu") and the route is remembered in the app's store.
pub async fn settled(app: &App) -> Result<()> {
    wait_for(
        app,
        "const e = document.querySelector('[data-save]'); return !!e && e.dataset.save === 'saved';",
        "the saved indicator",
    )
    .await?;
    wait_for(
        app,
        "return window.__TAURI_INTERNALS__.invoke('settings_get').then(s => s.last_route === location.hash.slice(1));",
        "the remembered route",
    )
    .await?;
    Ok(())
}

/// Attaches `file` to `component` through the capture flow.
pub async fn attach(app: &App, component: &str, file: &Path) -> Result<()> {
    app.click(&format!("[data-capture='{component}']")).await?;
    let input = app
        .find(&format!(
            "[data-component='{component}'] [data-photo-input]"
        ))
        .await?;
    input
        .send_keys(
            file.to_str()
                .ok_or_else(|| E2eError::Check("photo path is not UTF-8".into()))?
                .to_string(),
        )
        .await?;
    wait_for(
        app,
        &format!("const b = document.querySelector('[data-component=\"{component}\"] [data-photo-use]'); return !!b && !b.disabled;"),
        "the prepared photo",
    )
    .await?;
    app.click(&format!("[data-component='{component}'] [data-photo-use]"))
        .await?;
    wait_for(
        app,
        &format!("return !!document.querySelector('[data-attached=\"{component}\"]');"),
        "the attached photo",
    )
    .await?;
    Ok(())
}

/// Ticks the declaration by tapping its text (the whole row is the target).
pub async fn tick_declaration(app: &App) -> Result<()> {
    app.click("[data-field='declaration'] label > span").await?;
    let ticked = app
        .js("return document.querySelector('[data-field=declaration] input').checked;")
        .await?;
    if ticked != serde_json::json!(true) {
        // Seen once under WebKitWebDriver: the synthetic click did not toggle the box.
        eprintln!("declaration not ticked by the WebDriver click; ticking it by script");
        app.js("document.querySelector('[data-field=declaration] input').click(); return true;")
            .await?;
    }
    wait_for(
        app,
        "return document.querySelector('[data-field=declaration] input').checked;",
        "the ticked declaration",
    )
    .await?;
    Ok(())
}

/// From the checklist: nothing left, "Nộp" → confirm → the read-only queued dossier.
pub async fn submit_from_checklist(app: &App) -> Result<()> {
    app.find("[data-screen=dossier-checklist]").await?;
    let left = wait_for(
        app,
        "return document.querySelector('[data-testid=checklist-complete]') ? [] : (document.querySelector('[data-testid=checklist]') ? [...document.querySelectorAll('[data-problem-path]')].map(e => e.dataset.problemPath) : null);",
        "the checklist",
    )
    .await?;
    if left != serde_json::json!([]) {
        return Err(E2eError::Check(format!("still to fix: {left}")));
    }
    app.click("[data-testid=dossier-submit]").await?;
    app.click("[data-testid=confirm-yes]").await?;
    app.find("[data-testid=dossier-readonly]").await?;
    Ok(())
}

/// The whole passport dossier for `person`, straight through: procedure page → "Tạo hồ sơ" →
/// the applicant → the six steps (prefilled from the profile) with the photos → checklist →
/// "Nộp" → confirm. Returns the dossier id (from the route of the read-only dossier).
pub async fn submit_passport(app: &App, person: &str, photos: &Photos) -> Result<String> {
    app.js("location.hash = '/procedures/passport-domestic'; return true;")
        .await?;
    app.click("[data-testid=create-dossier]").await?;
    app.find("[data-screen=dossier-new]").await?;
    app.click(&format!("[data-person='{person}']")).await?;
    app.click("[data-testid=dossier-start]").await?;
    if step(app).await? != 1 {
        return Err(E2eError::Check("the form did not open on step 1".into()));
    }
    choose(app, "place_of_birth", test_support::PROVINCE).await?;
    settled(app).await?;
    next(app, 2).await?;
    next(app, 3).await?;
    next(app, 4).await?;
    choose(app, "request_type", "first").await?;
    app.click("[data-field='chip'] input[value='chip']").await?;
    settled(app).await?;
    next(app, 5).await?;
    attach(app, "portrait", &photos.portrait).await?;
    attach(app, "cccd_front", &photos.front).await?;
    attach(app, "cccd_back", &photos.back).await?;
    next(app, 6).await?;
    choose(app, "agency_province", test_support::PROVINCE).await?;
    app.click("[data-field='delivery'] input[value='in_person']")
        .await?;
    tick_declaration(app).await?;
    settled(app).await?;
    app.click("[data-testid=dossier-next]").await?;
    submit_from_checklist(app).await?;
    let id = app
        .js("const m = location.hash.match(/^#\\/dossiers\\/([0-9a-f-]{36})/); return m ? m[1] : null;")
        .await?;
    id.as_str()
        .map(str::to_string)
        .ok_or_else(|| E2eError::Check(format!("no dossier id in the route: {id}")))
}
