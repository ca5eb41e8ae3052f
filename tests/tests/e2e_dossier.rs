//! A passport dossier in the real app (WebKitGTK under Xvfb, tauri-driver): a synthetic person is
//! saved in the data dir first (through `dvc-core`, same data dir and file keystore as the app);
//! then Thủ tục → passport → "Tạo hồ sơ" → choose the person → the steps, prefilled from the
//! profile; the app is restarted mid-way and must reopen on the same step with the same values;
//! the "còn thiếu" checklist jumps to a missing item; the portrait and both ID card sides are
//! attached through the capture flow from generated images; the checklist empties; submit →
//! confirmation → "Đang chờ gửi" in the list, read-only.
//! Screenshots at 360 px: `dossier-step`, `dossier-checklist`, `dossier-list`.
//!
//! Run by `./x test` (needs the built app, Xvfb, tauri-driver); ignored by a plain `cargo test`.

use dvc_tests::app::{App, Launch};
use dvc_tests::flows::{
    attach, choose, next, seed_person, settled, step, submit_from_checklist, tick_declaration,
    type_into, value, wait_for, write_photos, ID, NAME,
};

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn a_passport_dossier_is_filled_survives_a_restart_and_is_queued() -> R {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let person = seed_person(&data)?;
    let photos = write_photos(dir.path())?;

    let launch = Launch::new(&data);
    let app = App::launch(&launch).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;

    // Procedure page → "Tạo hồ sơ" → the applicant picker.
    app.js("location.hash = '/procedures/passport-domestic'; return true;")
        .await?;
    app.click("[data-testid=create-dossier]").await?;
    app.find("[data-screen=dossier-new]").await?;
    app.click(&format!("[data-person='{person}']")).await?;
    app.click("[data-testid=dossier-start]").await?;

    // Step 1: prefilled from the profile, marked so, editable.
    assert_eq!(step(&app).await?, 1);
    assert_eq!(app.text(".stepno").await?, "Bước 1/6");
    assert_eq!(value(&app, "full_name").await?, NAME);
    assert_eq!(value(&app, "id_number").await?, ID);
    assert_eq!(value(&app, "date_of_birth").await?, "1990-05-17");
    let marked = app
        .js("return [...document.querySelectorAll('[data-field]')].filter(f => f.querySelector('[data-prefilled]')).map(f => f.dataset.field);")
        .await?;
    let marked: Vec<String> = serde_json::from_value(marked)?;
    for f in ["full_name", "sex", "date_of_birth", "id_number", "phone"] {
        assert!(marked.iter().any(|m| m == f), "{f} not marked: {marked:?}");
    }
    // The native keyboards.
    let kinds = app
        .js("return ['phone','date_of_birth','id_number'].map(f => { const i = document.querySelector(`[data-field=\"${f}\"] input`); return i.type + '/' + (i.inputMode || ''); });")
        .await?;
    assert_eq!(
        kinds,
        serde_json::json!(["tel/tel", "date/", "text/numeric"])
    );
    choose(&app, "place_of_birth", "hanoi").await?;
    type_into(&app, "religion", "Không").await?;
    settled(&app).await?;
    // The top of the step: progress, section title, the prefilled fields.
    app.js("window.scrollTo(0, 0); document.activeElement?.blur(); return true;")
        .await?;
    app.screenshot("dossier-step").await?;

    next(&app, 2).await?;
    assert_eq!(
        value(&app, "permanent_address").await?,
        "Số 1 đường Thử, phường Mẫu, Hà Nội"
    );
    next(&app, 3).await?;
    type_into(&app, "father_name", "Trần Văn Cha").await?;
    // The conditional field appears once the father's name is there.
    type_into(&app, "father_birth_year", "1960").await?;
    settled(&app).await?;

    // Restart mid-way: the same step, the same values.
    app.quit().await?;
    let app = App::launch(&launch).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;
    assert_eq!(step(&app).await?, 3, "reopened on the same step");
    assert_eq!(value(&app, "father_name").await?, "TRẦN VĂN CHA");
    assert_eq!(value(&app, "father_birth_year").await?, "1960");
    app.js("location.hash = location.hash.replace(/\\/step\\/3$/, '/step/1'); return true;")
        .await?;
    wait_for(
        &app,
        "const e = document.querySelector('[data-step]'); return !!e && e.dataset.step === '1' && !!document.querySelector('[data-field=religion]');",
        "step 1",
    )
    .await?;
    assert_eq!(value(&app, "place_of_birth").await?, "hanoi");
    assert_eq!(value(&app, "religion").await?, "Không");

    // The checklist lists what is missing and jumps to it.
    app.js("location.hash = location.hash.replace(/\\/step\\/\\d+$/, '/check'); return true;")
        .await?;
    app.find("[data-testid=checklist]").await?;
    let paths = app
        .js("return [...document.querySelectorAll('[data-problem-path]')].map(e => e.dataset.problemPath);")
        .await?;
    let paths: Vec<String> = serde_json::from_value(paths)?;
    for p in [
        "fields.request_type",
        "fields.chip",
        "components.portrait",
        "components.cccd_front",
        "components.cccd_back",
        "fields.agency_province",
        "fields.delivery",
        "fields.declaration",
    ] {
        assert!(paths.iter().any(|x| x == p), "{p} missing from {paths:?}");
    }
    assert!(
        !paths.iter().any(|x| x == "fields.full_name"),
        "prefilled name is not missing: {paths:?}"
    );
    let submit_disabled = app
        .js("return document.querySelector('[data-testid=dossier-submit]').disabled;")
        .await?;
    assert_eq!(submit_disabled, serde_json::json!(true));
    app.screenshot("dossier-checklist").await?;
    app.click("[data-problem-path='fields.request_type']")
        .await?;
    assert_eq!(step(&app).await?, 4);
    wait_for(
        &app,
        "return document.activeElement && document.activeElement.closest('[data-field]')?.dataset.field === 'request_type';",
        "the focus on the missing field",
    )
    .await?;

    // Step 4: the request.
    choose(&app, "request_type", "first").await?;
    app.click("[data-field='chip'] input[value='chip']").await?;
    settled(&app).await?;
    next(&app, 5).await?;

    // Step 5: photos through the capture flow with each component's profile.
    attach(&app, "portrait", &photos.portrait).await?;
    attach(&app, "cccd_front", &photos.front).await?;
    attach(&app, "cccd_back", &photos.back).await?;
    next(&app, 6).await?;

    // Step 6: submission.
    choose(&app, "agency_province", "hanoi").await?;
    app.click("[data-field='delivery'] input[value='in_person']")
        .await?;
    // The declaration: a tap on its text (the whole row is the target).
    tick_declaration(&app).await?;
    settled(&app).await?;
    app.click("[data-testid=dossier-next]").await?;
    // Nothing left to fix → submit → confirm → queued, read-only.
    submit_from_checklist(&app).await?;
    let editable = app
        .js("return [...document.querySelectorAll('[data-field] input:not([type=checkbox]):not([type=radio])')].filter(i => !i.readOnly).length;")
        .await?;
    assert_eq!(
        editable,
        serde_json::json!(0),
        "queued dossier is read-only"
    );

    app.js("location.hash = '/dossiers'; return true;").await?;
    app.find("[data-testid=dossier-list]").await?;
    let chip = app.text("[data-state='queued'] [data-chip]").await?;
    assert_eq!(chip, "Đang chờ gửi");
    let line = app.text("[data-state='queued']").await?;
    assert!(line.contains("Cấp hộ chiếu"), "{line}");
    assert!(line.contains(NAME), "{line}");
    assert!(line.contains("100%"), "{line}");
    app.screenshot("dossier-list").await?;
    app.quit().await?;
    Ok(())
}
