//! People in the real app: a photo of a card (QR) fills the form and saves a person; a bad phone
//! number shows the plain-Vietnamese message and nothing is saved. Screenshots at 360 px:
//! `people-list`, `people-scan-confirm`, `people-profile`.
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
    assert_eq!(dob.prop("value").await?.as_deref(), Some("1985-06-05"));

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
