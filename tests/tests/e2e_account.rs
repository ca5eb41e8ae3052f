//! Accounts in the real app (WebKitGTK under Xvfb, tauri-driver) against a real dvc-sync in this
//! process (SQLite in a temp dir, the demo seed, a development message sender writing every code
//! to a JSON-lines file that this test reads as a phone reads its SMS):
//!
//! 1. Nobody types a server address: the officer console's "Mã QR máy chủ" page is photographed
//!    (its inline SVG redrawn as a PNG here) and chosen on the app's "Đổi máy chủ bằng mã QR"
//!    screen; the app names the server and switches after the confirmation. A photo of a QR
//!    that is not a server QR changes nothing.
//! 2. Register (screenshot `account-register`): a too-short password is refused on the device
//!    before any request; then a code is sent; the code screen (screenshot `account-otp`) shows
//!    the resend countdown; "Gửi lại mã" opens when it ends, the first code no longer works, the
//!    new one confirms the account and the app is signed in.
//! 3. "Thiết bị đã đăng nhập" (screenshot `account-devices`) lists this device and a second one
//!    signed in over HTTP; signing the second out makes its token dead on the server.
//! 4. Change the password; sign out; "Quên mật khẩu" with a code sets another password; the app
//!    signs in with it.
//!
//! Run by `./x test` (needs the built app, Xvfb and tauri-driver); ignored by a plain `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dvc_tests::app::{App, Launch};
use dvc_tests::flows::wait_for;

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// Synthetic person: a valid ID number for a woman born in 1990 in Hà Nội (001), a test phone.
const PHONE: &str = "0900000456";
const ID: &str = "001190045678";
const NAME: &str = "Trần Thị Thử Nghiệm";
const DOB: &str = "31/05/1990";

struct Server {
    server: dvc_sync::server::RunningServer,
    messages: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let messages = dir.path().join("messages.jsonl");
        let url = format!("sqlite://{}", dir.path().join("server.db").display());
        let db = dvc_sync::db::open(&url).await.unwrap();
        let clock = Arc::new(dvc_sync::clock::SystemClock);
        dvc_sync::seed::demo_seed(&db, dvc_sync::clock::Clock::now_ms(clock.as_ref()))
            .await
            .unwrap();
        let mut config = dvc_sync::config::Config {
            secure_cookies: false,
            ..Default::default()
        };
        // A short countdown, so the test sees it run out without waiting a minute.
        config.auth.otp_resend_after_ms = 4_000;
        let state = dvc_sync::server::build_state(
            db,
            &dir.path().join("blobs"),
            config,
            clock,
            Arc::new(dvc_sync::notify::FileNotifier::new(messages.clone())),
        )
        .await
        .unwrap();
        let server = dvc_sync::server::spawn("127.0.0.1:0", state).await.unwrap();
        Server {
            server,
            messages,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        self.server.url()
    }

    /// The `n`-th one-time code (1-based) the server wrote, waiting for its background sender.
    async fn code(&self, n: usize) -> String {
        dvc_sync::test_support::wait_code(&self.messages, None, n).await
    }
}

/// The console's server QR (its inline SVG's path of dark runs) redrawn as a PNG photo, 6 px a
/// module with a quiet zone, on a grey "table".
fn svg_qr_to_png(page: &str, path: &Path) -> R {
    let svg = page
        .split("<svg")
        .nth(1)
        .ok_or("the page has no inline SVG")?;
    let view = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .ok_or("no viewBox")?;
    let size: u32 = view.parse()?;
    let d = svg
        .split(" d=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .ok_or("no path")?;
    let (px, margin) = (6u32, 40u32);
    let side = size * px + 2 * margin;
    let mut img = image::GrayImage::from_pixel(side, side, image::Luma([150]));
    for y in 0..size * px {
        for x in 0..size * px {
            img.put_pixel(x + margin, y + margin, image::Luma([250]));
        }
    }
    for run in d.split('M').filter(|r| !r.is_empty()) {
        let (xy, rest) = run.split_once('h').ok_or("bad run")?;
        let (x, y) = xy.split_once(' ').ok_or("bad run")?;
        let (x, y): (u32, u32) = (x.parse()?, y.parse()?);
        let n: u32 = rest.split_once('v').ok_or("bad run")?.0.parse()?;
        for mx in x..x + n {
            for dy in 0..px {
                for dx in 0..px {
                    img.put_pixel(
                        mx * px + dx + margin,
                        y * px + dy + margin,
                        image::Luma([20]),
                    );
                }
            }
        }
    }
    img.save(path)?;
    Ok(())
}

/// A PNG of a QR code holding `text` (not a server QR), 6 px a module.
fn other_qr_png(text: &str, path: &Path) -> R {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)?;
    let w = code.width() as u32;
    let colors = code.to_colors();
    let px = 6u32;
    let side = (w + 8) * px;
    let mut img = image::GrayImage::from_pixel(side, side, image::Luma([250]));
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i as u32 % w + 4, i as u32 / w + 4);
            for dy in 0..px {
                for dx in 0..px {
                    img.put_pixel(mx * px + dx, my * px + dy, image::Luma([20]));
                }
            }
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

async fn type_in(app: &App, css: &str, text: &str) -> R {
    let el = app.find(css).await?;
    el.clear().await?;
    el.send_keys(text).await?;
    Ok(())
}

async fn signed_in(app: &App) -> R {
    wait_for(
        app,
        "return document.querySelector('[data-testid=sync-logout]') ? true : null;",
        "the sync screen shows the signed-in account",
    )
    .await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn register_confirm_devices_passwords_and_server_qr() -> R {
    let server = Server::start().await;
    let url = server.url();
    let dir = tempfile::tempdir()?;
    let app = App::launch(&Launch::new(&dir.path().join("data"))).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;

    // 1. The server from the console's QR code.
    let officer = dvc_sync::test_support::Console::login(
        &url,
        dvc_sync::seed::DEMO_OFFICER.0,
        dvc_sync::seed::DEMO_OFFICER.1,
    )
    .await;
    let (status, page) = officer.page("/console/server-qr").await;
    assert_eq!(status.as_u16(), 200);
    let qr = dir.path().join("server-qr.png");
    svg_qr_to_png(&page, &qr)?;
    let foreign = dir.path().join("other-qr.png");
    other_qr_png("https://example.com/not-a-server", &foreign)?;

    go(&app, "/sync").await?;
    app.find("[data-testid=sign-in]").await?;
    let shown = app.text("[data-testid=sync-server-shown]").await?;
    assert!(
        shown.contains("http://127.0.0.1:8787"),
        "the shipped (development) server until switched: {shown}"
    );
    assert_eq!(
        app.js("return document.querySelectorAll('input[type=url]').length;")
            .await?,
        0,
        "nobody types a server address"
    );
    app.click("[data-testid=account-server-scan]").await?;
    app.find("[data-testid=server-scan-file]")
        .await?
        .send_keys(foreign.to_string_lossy().to_string())
        .await?;
    let err = app.text("[data-testid=server-error]").await?;
    assert!(err.contains("không phải mã QR máy chủ"), "{err}");
    assert!(app
        .text("[data-testid=server-current]")
        .await?
        .contains("127.0.0.1:8787"));
    app.find("[data-testid=server-scan-file]")
        .await?
        .send_keys(qr.to_string_lossy().to_string())
        .await?;
    assert_eq!(app.text("[data-testid=server-new]").await?, url);
    app.click("[data-testid=server-use]").await?;
    app.find("[data-testid=server-notice]").await?;
    assert_eq!(app.text("[data-testid=server-current]").await?, url);

    // 2. Register → code → signed in.
    go(&app, "/sync").await?;
    wait_for(
        &app,
        &format!(
            "const s = document.querySelector('[data-testid=sync-server-shown]'); return s && s.textContent.includes('{url}') ? true : null;"
        ),
        "the sign-in form names the scanned server",
    )
    .await?;
    app.click("[data-testid=account-register]").await?;
    app.find("[data-testid=password-rules]").await?;
    type_in(&app, "[data-testid=reg-phone]", PHONE).await?;
    type_in(&app, "[data-testid=reg-id-number]", ID).await?;
    type_in(&app, "[data-testid=reg-full-name]", NAME).await?;
    type_in(&app, "[data-testid=reg-birth-date]", DOB).await?;
    type_in(&app, "[data-testid=reg-password]", "ngan").await?;
    app.click("[data-testid=reg-submit]").await?;
    let err = app.text("[data-testid=reg-error]").await?;
    assert!(err.contains("từ 8 đến 128 ký tự"), "{err}");
    assert!(!server.messages.exists(), "nothing was sent for bad input");
    type_in(&app, "[data-testid=reg-password]", "mat-khau-dai-1").await?;
    app.screenshot("account-register").await?;
    app.click("[data-testid=reg-submit]").await?;
    app.find("[data-testid=otp-intro]").await?;
    let intro = app.text("[data-testid=otp-intro]").await?;
    assert!(
        intro.contains("090****456"),
        "the number is masked: {intro}"
    );
    let resend = app.text("[data-testid=otp-resend]").await?;
    assert!(resend.contains("Gửi lại mã sau"), "{resend}");
    assert_eq!(
        app.js("return document.querySelector('[data-testid=otp-resend]').disabled;")
            .await?,
        true
    );
    app.screenshot("account-otp").await?;
    let first = server.code(1).await;
    wait_for(
        &app,
        "return document.querySelector('[data-testid=otp-resend]').disabled ? null : true;",
        "the resend button opens after the countdown",
    )
    .await?;
    app.click("[data-testid=otp-resend]").await?;
    app.find("[data-testid=otp-notice]").await?;
    let second = server.code(2).await;
    if first != second {
        type_in(&app, "[data-testid=otp-code]", &first).await?;
        app.click("[data-testid=otp-submit]").await?;
        let err = app.text("[data-testid=otp-error]").await?;
        assert!(err.contains("sai hoặc đã hết hạn"), "{err}");
    }
    type_in(&app, "[data-testid=otp-code]", &second).await?;
    app.click("[data-testid=otp-submit]").await?;
    signed_in(&app).await?;

    // 3. Devices: this one and a second signed in over HTTP; sign the second out.
    let other =
        dvc_sync::test_support::login_token(&reqwest::Client::new(), &url, PHONE, "mat-khau-dai-1")
            .await;
    app.click("[data-testid=account-devices]").await?;
    app.find("[data-testid=device-sign-out]").await?;
    assert_eq!(
        app.js("return document.querySelectorAll('[data-testid=devices-list] li').length;")
            .await?,
        2
    );
    assert!(app.text("[data-current=true]").await?.contains("Máy này"));
    app.screenshot("account-devices").await?;
    app.click("[data-testid=device-sign-out]").await?;
    app.find("[data-testid=devices-notice]").await?;
    app.find("[data-testid=devices-none]").await?;
    let res = reqwest::Client::new()
        .get(format!("{url}/v1/auth/tokens"))
        .bearer_auth(&other)
        .send()
        .await?;
    assert_eq!(
        res.status().as_u16(),
        401,
        "the other device's token is dead"
    );

    // 4. Change the password, sign out, reset it with a code, sign in with the new one.
    go(&app, "/sync").await?;
    app.click("[data-testid=account-password]").await?;
    type_in(&app, "[data-testid=pw-old]", "mat-khau-dai-1").await?;
    type_in(&app, "[data-testid=pw-new]", "mat-khau-moi-2").await?;
    type_in(&app, "[data-testid=pw-again]", "mat-khau-moi-2").await?;
    app.click("[data-testid=pw-submit]").await?;
    app.find("[data-testid=pw-done]").await?;
    app.screenshot("account-password").await?;

    go(&app, "/sync").await?;
    app.click("[data-testid=sync-logout]").await?;
    app.find("[data-testid=sign-in]").await?;
    app.click("[data-testid=account-forgot]").await?;
    type_in(&app, "[data-testid=forgot-phone]", PHONE).await?;
    app.click("[data-testid=forgot-send]").await?;
    app.find("[data-testid=forgot-notice]").await?;
    let code = server.code(3).await;
    type_in(&app, "[data-testid=otp-code]", &code).await?;
    type_in(&app, "[data-testid=forgot-password]", "mat-khau-moi-3").await?;
    type_in(
        &app,
        "[data-testid=forgot-password-again]",
        "mat-khau-moi-3",
    )
    .await?;
    app.screenshot("account-forgot").await?;
    app.click("[data-testid=forgot-submit]").await?;
    app.find("[data-testid=forgot-done]").await?;
    app.click("[data-testid=forgot-to-sign-in]").await?;
    type_in(&app, "[data-testid=sync-phone]", PHONE).await?;
    type_in(&app, "[data-testid=sync-password]", "mat-khau-moi-3").await?;
    app.click("[data-testid=sync-login]").await?;
    signed_in(&app).await?;
    app.screenshot("account-signed-in").await?;

    app.quit().await?;
    server.server.shutdown().await?;
    Ok(())
}
