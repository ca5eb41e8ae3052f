//! People in the real app: a photo of a card (QR) fills the form and saves a person; a bad phone
//! number shows the plain-Vietnamese message and nothing is saved; a household is created, gets
//! members and loses one; a paper gets its dates (typed dd/mm/yyyy) and is deleted. Screenshots
//! at 360 px: `people-list`, `people-scan-confirm`, `people-profile`, `people-household`,
//! `people-profile-docs`.
//!
//! Run by `./x test` (needs the built app, Xvfb, tauri-driver); ignored by a plain `cargo test`.

use std::path::Path;

use dvc_tests::app::{App, Launch};

type R = Result<(), Box<dyn std::error::Error>>;

/// Synthetic card (made-up number and name).
const NAME: &str = "Lê Thị Quét Thử";
const ID: &str = "079185000321";

fn card_payload() -> String {
    format!("{ID}||{NAME}|05061985|Nữ|Số 9 Đường Mẫu, Phường Thử, TP. Hồ Chí Minh|20042021||||")
}

/// A clean PNG of the QR code, 6 px a module, on a grey "table".
fn write_qr_png(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let code =
        qrcode::QrCode::with_error_correction_level(card_payload().as_bytes(), qrcode::EcLevel::M)?;
    let w = code.width() as u32;
    let colors = code.to_colors();
    let (px, margin) = (6u32, 40u32);
    let side = (w + 8) * px + 2 * margin;
    let mut img = image::GrayImage::from_pixel(side, side, image::Luma([150]));
    for y in 0..(w + 8) * px {
        for x in 0..(w + 8) * px {
            let (mx, my) = ((x / px) as i64 - 4, (y / px) as i64 - 4);
            let dark = mx >= 0
                && my >= 0
                && mx < i64::from(w)
                && my < i64::from(w)
                && colors[(my as u32 * w + mx as u32) as usize] == qrcode::Color::Dark;
            img.put_pixel(
                x + margin,
                y + margin,
                image::Luma([if dark { 20 } else { 250 }]),
            );
        }
    }
    img.save(path)?;
    Ok(())
}

async fn go(app: &App, route: &str) -> R {
    app.js(&format!("location.hash = '{route}'; return true;"))
        .await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn a_card_photo_fills_the_form_and_saves_a_person() -> R {
    let dir = tempfile::tempdir()?;
    let photo = dir.path().join("card.png");
    write_qr_png(&photo)?;
    let app = App::launch(&Launch::new(&dir.path().join("data"))).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;

    go(&app, "/people/scan").await?;
    let input = app.find("[data-testid=scan-file]").await?;
    input.send_keys(photo.to_string_lossy().to_string()).await?;
    app.find("[data-testid=scan-result]").await?;
    assert_eq!(app.text("[data-testid=scan-full_name]").await?, NAME);
    assert_eq!(app.text("[data-testid=scan-id_number]").await?, ID);
    app.screenshot("people-scan-confirm").await?;

    // "Edit before saving" opens the form filled from the card.
    app.click("[data-testid=scan-edit]").await?;
    let name = app.find("[data-testid=field-full_name]").await?;
    assert_eq!(name.prop("value").await?.as_deref(), Some(NAME));
    let id = app.find("[data-testid=field-id_number]").await?;
    assert_eq!(id.prop("value").await?.as_deref(), Some(ID));
    let dob = app.find("[data-testid=field-date_of_birth]").await?;
    // Shown the Vietnamese way; stored as ISO.
    assert_eq!(dob.prop("value").await?.as_deref(), Some("05/06/1985"));

    app.click("[data-testid=person-save]").await?;
    assert_eq!(app.text("[data-testid=profile-name]").await?, NAME);
    app.screenshot("people-profile").await?;

    go(&app, "/people").await?;
    let list = app.text("[data-testid=people-list]").await?;
    assert!(list.contains(NAME), "{list}");
    app.screenshot("people-list").await?;
    app.quit().await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn an_invalid_phone_shows_the_message_and_is_not_saved() -> R {
    let dir = tempfile::tempdir()?;
    let app = App::launch(&Launch::new(dir.path())).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;
    go(&app, "/people/new").await?;
    app.find("[data-testid=field-full_name]")
        .await?
        .send_keys("Phan Văn Mẫu")
        .await?;
    app.find("[data-testid=field-phone]")
        .await?
        .send_keys("0123")
        .await?;
    app.click("[data-testid=person-save]").await?;
    let msg = app.text("[data-testid=error-phone]").await?;
    assert_eq!(
        msg,
        "Số điện thoại không đúng. Số di động có 10 chữ số, bắt đầu bằng 0."
    );
    // Still on the form; nobody saved.
    app.find("[data-screen=person-form]").await?;
    let n = app
        .js("return window.__TAURI_INTERNALS__.invoke('person_list', { query: null }).then((l) => l.length)")
        .await?;
    assert_eq!(n, 0);
    app.quit().await?;
    Ok(())
}

/// Adds a person through the app's own command (setup, not what is under test).
async fn add_person(app: &App, name: &str) -> Result<String, Box<dyn std::error::Error>> {
    let v = app
        .js(&format!(
            "return window.__TAURI_INTERNALS__.invoke('person_add', {{ input: {{ full_name: '{name}' }} }}).then((p) => p.id)"
        ))
        .await?;
    Ok(v.as_str().ok_or("person_add gave no id")?.to_string())
}

/// Chooses an option of a `<select>` as a user would (value set, `change` fired).
async fn choose(app: &App, css: &str, value: &str) -> R {
    app.find(css).await?;
    app.js(&format!(
        "const s = document.querySelector('{css}'); s.value = '{value}'; s.dispatchEvent(new Event('change', {{ bubbles: true }})); return s.value;"
    ))
    .await?;
    Ok(())
}

async fn wait_text(
    app: &App,
    css: &str,
    want: &str,
    present: bool,
) -> Result<String, Box<dyn std::error::Error>> {
    for _ in 0..50 {
        let t = app
            .js(&format!(
                "return document.querySelector('{css}')?.innerText ?? ''"
            ))
            .await?;
        let t = t.as_str().unwrap_or_default().to_string();
        if t.contains(want) == present {
            return Ok(t);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!("{css}: '{want}' present={present} never held").into())
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn a_household_is_created_gets_members_and_loses_one() -> R {
    let dir = tempfile::tempdir()?;
    let app = App::launch(&Launch::new(dir.path())).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;
    let head = add_person(&app, "Đỗ Văn Chủ Hộ").await?;
    let child = add_person(&app, "Đỗ Thị Con Mẫu").await?;

    go(&app, "/people").await?;
    app.click("[data-testid=household-new]").await?;
    app.find("[data-testid=household-name-input]")
        .await?
        .send_keys("Hộ ông Đỗ Văn Chủ Hộ")
        .await?;
    app.find("[data-testid=household-address-input]")
        .await?
        .send_keys("Số 5 Ngõ Mẫu, Phường Thử")
        .await?;
    app.click("[data-testid=household-create]").await?;
    assert_eq!(
        app.text("[data-testid=household-name]").await?,
        "Hộ ông Đỗ Văn Chủ Hộ"
    );

    choose(&app, "[data-testid=member-person]", &head).await?;
    choose(&app, "[data-testid=member-relation]", "head").await?;
    app.click("[data-testid=member-add]").await?;
    wait_text(
        &app,
        "[data-testid=household-members]",
        "Đỗ Văn Chủ Hộ",
        true,
    )
    .await?;
    choose(&app, "[data-testid=member-person]", &child).await?;
    choose(&app, "[data-testid=member-relation]", "child").await?;
    app.click("[data-testid=member-add]").await?;
    let members = wait_text(
        &app,
        "[data-testid=household-members]",
        "Đỗ Thị Con Mẫu",
        true,
    )
    .await?;
    assert!(
        members.contains("Chủ hộ") && members.contains("Con"),
        "{members}"
    );
    app.js("window.scrollTo(0, 0); return true;").await?;
    app.screenshot("people-household").await?;

    // Remove the child (after confirming); the person stays in the people list.
    app.click("[data-testid=household-members] li:nth-child(2) [data-testid=member-remove]")
        .await?;
    app.click("[data-testid=member-remove-yes]").await?;
    let members = wait_text(
        &app,
        "[data-testid=household-members]",
        "Đỗ Thị Con Mẫu",
        false,
    )
    .await?;
    assert!(members.contains("Đỗ Văn Chủ Hộ"), "{members}");

    go(&app, "/people").await?;
    let list = wait_text(
        &app,
        "[data-testid=household-list]",
        "Hộ ông Đỗ Văn Chủ Hộ",
        true,
    )
    .await?;
    assert!(list.contains("1 người"), "{list}");
    assert!(app
        .text("[data-testid=people-list]")
        .await?
        .contains("Đỗ Thị Con Mẫu"));
    app.quit().await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn a_paper_gets_its_dates_and_is_deleted_after_confirmation() -> R {
    let dir = tempfile::tempdir()?;
    let photo = dir.path().join("paper.png");
    write_qr_png(&photo)?;
    let app = App::launch(&Launch::new(&dir.path().join("data"))).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;
    let id = add_person(&app, "Vũ Thị Giấy Tờ").await?;

    go(&app, &format!("/people/{id}")).await?;
    app.find("[data-testid=doc-file]")
        .await?
        .send_keys(photo.to_string_lossy().to_string())
        .await?;
    app.find("[data-testid=doc-item]").await?;
    app.click("[data-testid=doc-edit-dates]").await?;
    app.find("[data-testid=doc-issue-input]")
        .await?
        .send_keys("15/07/2021")
        .await?;
    app.find("[data-testid=doc-expiry-input]")
        .await?
        .send_keys("15072031")
        .await?;
    app.click("[data-testid=doc-dates-save]").await?;
    assert_eq!(
        app.text("[data-testid=doc-issue]").await?,
        "Ngày cấp: 15/07/2021"
    );
    assert!(app
        .text("[data-testid=doc-expiry]")
        .await?
        .contains("15/07/2031"));
    // Stored as ISO.
    let stored = app
        .js(&format!(
            "return window.__TAURI_INTERNALS__.invoke('person_get', {{ id: '{id}' }}).then((p) => p.documents[0].issue_date + ' ' + p.documents[0].expiry_date)"
        ))
        .await?;
    assert_eq!(stored.as_str(), Some("2021-07-15 2031-07-15"));
    app.js("document.querySelector('[data-testid=doc-list]').scrollIntoView({ block: 'center' }); return true;")
        .await?;
    app.screenshot("people-profile-docs").await?;

    // Delete asks first; "Xoá giấy tờ" removes it.
    app.click("[data-testid=doc-delete]").await?;
    app.click("[data-testid=doc-delete-yes]").await?;
    assert_eq!(
        app.text("[data-testid=doc-notice]").await?,
        "Đã xoá giấy tờ."
    );
    let n = app
        .js(&format!(
            "return window.__TAURI_INTERNALS__.invoke('person_get', {{ id: '{id}' }}).then((p) => p.documents.length)"
        ))
        .await?;
    assert_eq!(n, 0);
    app.quit().await?;
    Ok(())
}
