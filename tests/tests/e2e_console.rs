//! The officer console in real browsers: Debian's Chromium (headless, through chromedriver) and
//! WebKitGTK's MiniBrowser (through WebKitWebDriver under Xvfb).
//!
//! A device submits a passport dossier to a real dvc-sync server; an officer signs in through the
//! login form and moves the dossier along with the console's own forms: accept → supplement →
//! accept → fee → paid → result PDF → complete. Browsers send `Origin` and `Sec-Fetch-*` headers
//! that HTTP clients never do (under the old `Referrer-Policy: no-referrer` every form POST said
//! `Origin: null` and no officer could sign in), so only a browser proves the console works.
//! Screenshots: `target/e2e-screenshots/console-<engine>-*.png`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::Write;

use dvc_core::sync::SyncConfig;
use dvc_protocol::dossiers::DossierState;
use dvc_protocol::events::EventKind;
use dvc_tests::browser::{Browser, Engine};
use dvc_tests::syncenv::{Device, ServerEnv};

/// A synthetic photo (soft gradient with a darker "face" oval), as JPEG.
fn photo(w: u32, h: u32, tint: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let (cx, cy) = (w as f32 / 2.0, h as f32 * 0.42);
        let d = ((x as f32 - cx) / (w as f32 * 0.28)).powi(2)
            + ((y as f32 - cy) / (h as f32 * 0.3)).powi(2);
        if d < 1.0 {
            image::Rgb([200, 160u8.saturating_add(tint / 4), 140])
        } else {
            image::Rgb([235, 240, 250u8.saturating_sub(tint)])
        }
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    out
}

/// A small valid one-page PDF.
fn result_pdf() -> Vec<u8> {
    let body = "BT /F1 18 Tf 60 760 Td (Ket qua thu nghiem - du lieu gia) Tj ET";
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{body}\nendstream", body.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(pdf.len());
        writeln!(pdf, "{} 0 obj\n{o}\nendobj", i + 1).unwrap();
    }
    let xref = pdf.len();
    writeln!(pdf, "xref\n0 {}\n0000000000 65535 f ", objs.len() + 1).unwrap();
    for off in offsets {
        writeln!(pdf, "{off:010} 00000 n ").unwrap();
    }
    write!(
        pdf,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objs.len() + 1
    )
    .unwrap();
    pdf
}

/// A server with one submitted passport dossier: (env, device dir, dossier uuid, code).
async fn submitted_dossier() -> (ServerEnv, tempfile::TempDir, String, String) {
    let env = ServerEnv::start().await;
    let dir = tempfile::tempdir().unwrap();
    let files = vec![vec![
        photo(300, 400, 0),
        photo(428, 270, 40),
        photo(428, 270, 80),
    ]];
    let dev = Device::with_files(dir.path(), files, &env.direct(), &env.token);
    let r = dev
        .core
        .sync_once(&SyncConfig::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!(r.sent.len(), 1, "{r:?}");
    let (id, key, _) = &dev.dossiers[0];
    let code = dev.core.tracked_dossier(id).unwrap().code.unwrap();
    (env, dir, key.clone(), code)
}

/// The state badge on the dossier page, and the "updated" message after an action.
async fn expect_state(b: &Browser, label: &str) {
    let badge = b.text("h1 .state").await.unwrap();
    assert_eq!(badge, label, "{}: state badge", b.engine.name());
    let msg = b.text(".msg.ok").await.unwrap();
    assert!(
        msg.contains(label),
        "{}: message {msg:?} should name {label}",
        b.engine.name()
    );
}

fn action_button(action: &str) -> String {
    format!("form:has(input[name=action][value={action}]) button[type=submit]")
}

async fn console_story(engine: Engine) {
    let (env, _dir, uuid, code) = submitted_dossier().await;
    let base = env.direct();
    let b = Browser::launch(engine, 1024, 900).await.unwrap();
    let shot = |name: &str| format!("console-{}-{name}", engine.name());

    // Sign in through the form, as an officer does.
    b.goto(&format!("{base}/console/dossiers")).await.unwrap();
    assert!(
        b.current_url().await.unwrap().ends_with("/console/login"),
        "not signed in → the login page"
    );
    let (login, password) = dvc_sync::seed::DEMO_OFFICER;
    b.type_into("#login", login).await.unwrap();
    b.type_into("#password", password).await.unwrap();
    b.screenshot(&shot("login")).await.unwrap();
    b.submit("form[action='/console/login'] button[type=submit]")
        .await
        .unwrap();
    let url = b.current_url().await.unwrap();
    assert!(
        url.ends_with("/console/dossiers"),
        "{}: sign-in should land on the list, got {url} with: {}",
        engine.name(),
        b.text("body").await.unwrap_or_default()
    );
    let list = b.text("main").await.unwrap();
    assert!(list.contains(&code), "the list shows the new dossier");
    b.screenshot(&shot("list")).await.unwrap();

    // "Mã QR máy chủ" from the header: the app's scanner reads the code the browser drew, and it
    // says the address the officer used. Nothing on the page came from elsewhere.
    // (`submit` waits for the next page: a bare click raced the navigation in WebKit.)
    b.submit("a[href='/console/server-qr']").await.unwrap();
    assert!(b
        .current_url()
        .await
        .unwrap()
        .ends_with("/console/server-qr"));
    assert_eq!(b.text("main h1").await.unwrap(), "Mã QR máy chủ");
    assert_eq!(b.text("[data-testid=server-url]").await.unwrap(), base);
    let qr = b.find("[data-testid=server-qr]").await.unwrap();
    qr.scroll_into_view().await.unwrap();
    // (The whole viewport: WebKitWebDriver's snapshots need the page nudged, which
    // `Browser::screenshot` does.)
    let drawn = std::fs::read(b.screenshot(&shot("server-qr")).await.unwrap()).unwrap();
    let scan = dvc_core::qrscan::decode_qr(&drawn, std::time::Duration::from_secs(10))
        .expect("the QR as the browser drew it is readable");
    let text = String::from_utf8(scan.payload).unwrap();
    assert_eq!(
        dvc_protocol::server_qr::parse(&text).as_deref(),
        Ok(base.as_str())
    );
    let foreign: Vec<String> = b
        .resources()
        .await
        .unwrap()
        .into_iter()
        .filter(|u| !u.starts_with(&base))
        .collect();
    assert!(foreign.is_empty(), "fetched from elsewhere: {foreign:?}");
    b.goto(&format!("{base}/console/dossiers")).await.unwrap();

    // Open the dossier from the list.
    b.click(&format!("a[href='/console/dossiers/{uuid}']"))
        .await
        .unwrap();
    assert_eq!(b.text("h1 .state").await.unwrap(), "Chờ tiếp nhận");
    b.screenshot(&shot("dossier")).await.unwrap();

    b.submit(&action_button("accept")).await.unwrap();
    expect_state(&b, "Đã tiếp nhận").await;

    // Supplement: the portrait only, with a note.
    b.click("input[name=item_attachment][value=portrait]")
        .await
        .unwrap();
    b.type_into("#note", "Ảnh chân dung bị mờ, đề nghị chụp lại.")
        .await
        .unwrap();
    b.screenshot(&shot("supplement-form")).await.unwrap();
    b.submit(&action_button("supplement")).await.unwrap();
    expect_state(&b, "Yêu cầu bổ sung").await;

    b.submit(&action_button("accept")).await.unwrap();
    expect_state(&b, "Đã tiếp nhận").await;

    // Fee: the agency's account is prefilled; the officer types the amount.
    let acct = b.find("#acct").await.unwrap();
    assert_eq!(
        acct.value().await.unwrap().as_deref(),
        Some(dvc_sync::seed::DEMO_BANK.1),
        "fee form prefilled with the agency's account"
    );
    b.type_into("#amount", "200000").await.unwrap();
    b.submit(&action_button("fee")).await.unwrap();
    expect_state(&b, "Chờ nộp phí").await;

    b.submit(&action_button("paid")).await.unwrap();
    expect_state(&b, "Đã nộp phí").await;

    // Result PDF through the file input.
    let pdf_dir = tempfile::tempdir().unwrap();
    let pdf_path = pdf_dir.path().join("ket-qua.pdf");
    std::fs::write(&pdf_path, result_pdf()).unwrap();
    b.find("#file")
        .await
        .unwrap()
        .send_keys(pdf_path.to_string_lossy().as_ref())
        .await
        .unwrap();
    b.screenshot(&shot("result-form")).await.unwrap();
    b.submit("form[action$='/result'] button[type=submit]")
        .await
        .unwrap();
    expect_state(&b, "Có kết quả").await;

    b.submit(&action_button("complete")).await.unwrap();
    expect_state(&b, "Hoàn thành").await;
    b.screenshot(&shot("completed")).await.unwrap();

    // Sign out with the header's form: back to the login page, the list is closed again.
    b.submit("form[action='/console/logout'] button[type=submit]")
        .await
        .unwrap();
    b.goto(&format!("{base}/console/dossiers")).await.unwrap();
    assert!(b.current_url().await.unwrap().ends_with("/console/login"));
    b.quit().await.unwrap();

    // What the browser did is what the server holds.
    let view = env.dossier(&uuid).await;
    assert_eq!(view.state, DossierState::Completed);
    let kinds: Vec<&'static str> = view
        .events
        .iter()
        .map(|e| dvc_sync::domain::event_kind_name(&e.event))
        .collect();
    assert_eq!(
        kinds,
        [
            "received",
            "accepted",
            "supplement_requested",
            "accepted",
            "fee_requested",
            "paid",
            "result_ready",
            "completed"
        ]
    );
    let fee = view.events.iter().find_map(|e| match &e.event {
        EventKind::FeeRequested {
            amount_vnd, bank, ..
        } => Some((*amount_vnd, bank.account_number.clone())),
        _ => None,
    });
    assert_eq!(
        fee,
        Some((200_000, dvc_sync::seed::DEMO_BANK.1.to_string()))
    );
}

/// The team report at a phone's width (a commune officer on their phone): the demo team's month
/// with one visit the demo volunteer's phone sent, its chart, its numbers, no sideways scrolling,
/// nothing fetched from elsewhere, and the CSV link.
async fn team_report(engine: Engine) {
    let env = ServerEnv::start().await;
    let base = env.direct();
    let http = reqwest::Client::new();
    let (vol, pass) = dvc_sync::seed::DEMO_VOLUNTEER;
    let token = dvc_sync::test_support::login_token(&http, &base, vol, pass).await;
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let body = serde_json::json!({
        "household_id": uuid::Uuid::now_v7().to_string(),
        "started_at": now, "ended_at": now,
        "tasks": [{"task": "vneid", "person_id": uuid::Uuid::now_v7().to_string()},
                  {"task": "accounts", "person_id": uuid::Uuid::now_v7().to_string()},
                  {"task": "online_safety"}],
    });
    let res = http
        .put(format!("{base}/v1/visits/{}", uuid::Uuid::now_v7()))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let b = Browser::launch(engine, 360, 740).await.unwrap();
    b.goto(&format!("{base}/console/login")).await.unwrap();
    let (login, password) = dvc_sync::seed::DEMO_OFFICER;
    b.type_into("#login", login).await.unwrap();
    b.type_into("#password", password).await.unwrap();
    b.submit("form[action='/console/login'] button[type=submit]")
        .await
        .unwrap();
    // (`submit` waits for the next page: a link is followed the same way.)
    b.submit("header a[href='/console/reports']").await.unwrap();
    assert_eq!(b.text("main h1").await.unwrap(), "Báo cáo tổ công nghệ số");
    b.submit("[data-testid=team] a[href$='period=month']")
        .await
        .unwrap();
    assert_eq!(b.text("main h1").await.unwrap(), dvc_sync::seed::DEMO_TEAM);
    let numbers = b.text("[data-testid=report-numbers]").await.unwrap();
    // (Engines lay the text out differently: compare without the spaces.)
    let numbers: String = numbers.split_whitespace().collect();
    assert!(numbers.starts_with("1Lượtthămhộ1Hộđãthăm2"), "{numbers:?}");
    let chart = b.text("[data-testid=report-chart]").await.unwrap();
    assert!(chart.contains("Cài đặt, sử dụng VNeID") && chart.contains("An toàn trên mạng"));
    b.screenshot(&format!("console-{}-team-report-360", engine.name()))
        .await
        .unwrap();
    // A phone's width, and nothing wider than the screen.
    let widths = b
        .script("return [document.documentElement.scrollWidth, window.innerWidth];")
        .await
        .unwrap();
    let (wide, inner) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
    assert!(
        inner <= 360 || engine == Engine::WebKit,
        "{}: the page is {inner} px wide",
        engine.name()
    );
    assert!(
        wide <= inner,
        "{}: {wide} px of content in {inner} px",
        engine.name()
    );
    let foreign: Vec<String> = b
        .resources()
        .await
        .unwrap()
        .into_iter()
        .filter(|u| !u.starts_with(&base))
        .collect();
    assert!(foreign.is_empty(), "fetched from elsewhere: {foreign:?}");
    b.find("[data-testid=report-chart]")
        .await
        .unwrap()
        .scroll_into_view()
        .await
        .unwrap();
    b.screenshot(&format!("console-{}-team-report-chart-360", engine.name()))
        .await
        .unwrap();
    let href = b
        .script("return document.querySelector('[data-testid=report-csv]').getAttribute('href');")
        .await
        .unwrap();
    assert!(href.as_str().unwrap().ends_with("format=csv"), "{href}");
    b.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium + chromium-driver; run through ./x test"]
async fn e2e_console_in_chromium() {
    console_story(Engine::Chromium).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium + chromium-driver; run through ./x test"]
async fn e2e_console_team_report_in_chromium() {
    team_report(Engine::Chromium).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs webkit2gtk-driver, MiniBrowser and Xvfb; run through ./x test"]
async fn e2e_console_team_report_in_webkit() {
    team_report(Engine::WebKit).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs webkit2gtk-driver, MiniBrowser and Xvfb; run through ./x test"]
async fn e2e_console_in_webkit() {
    console_story(Engine::WebKit).await;
}

// ------------------------------------------------------------- deadlines and the dashboard

/// Unix ms of a Vietnam local time `YYYY-MM-DD HH:MM`.
fn vn_ms(s: &str) -> i64 {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let t = time::PrimitiveDateTime::parse(s, &fmt)
        .unwrap()
        .assume_offset(time::macros::offset!(+7));
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap()
}

/// The demo agency's week: dossiers of several procedures received on two Mondays, some acted
/// on, seen on Thursday 10/12/2026 (the server's manual clock): one overdue, one due soon, one
/// waiting for a supplement, one finished late and one on time.
async fn busy_agency() -> (
    dvc_sync::server::RunningServer,
    std::sync::Arc<dvc_sync::clock::ManualClock>,
    tempfile::TempDir,
    Vec<(String, String)>,
) {
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(dvc_sync::clock::ManualClock::default());
    clock.set(vn_ms("2026-11-30 08:00"));
    let server = dvc_sync::test_support::demo_server_at(dir.path(), clock.clone()).await;
    let base = server.url();
    let http = reqwest::Client::new();
    let agency = dvc_sync::seed::DEMO_AGENCY;
    let submit = |procedure: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let (login, pass) = dvc_sync::seed::DEMO_CITIZEN;
            let token = dvc_sync::test_support::login_token(&http, &base, login, pass).await;
            let mut m = dvc_sync::test_support::manifest(agency, &[]);
            m["procedure_code"] = serde_json::json!(procedure);
            m["form"] = serde_json::json!({
                "full_name": "NGUYỄN VĂN THỬ", "sex": "male", "date_of_birth": "01/01/1990",
                "phone": "0912345678"
            });
            let uuid = uuid::Uuid::now_v7().to_string();
            let res = http
                .put(format!("{base}/v1/dossiers/{uuid}"))
                .bearer_auth(&token)
                .json(&m)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
            let v: serde_json::Value = res.json().await.unwrap();
            (uuid, v["code"].as_str().unwrap().to_owned())
        }
    };
    // Monday 30/11: a birth registration (1 working day) and a temporary residence (3).
    clock.set(vn_ms("2026-11-30 09:00"));
    let late_done = submit("1.001193").await;
    let on_time = submit("1.004194").await;
    // The temporary residence is finished the same day: on time.
    let officer = dvc_sync::test_support::Console::demo_officer(&base).await;
    officer.act_ok(&on_time.0, &[("action", "accept")]).await;
    officer
        .act_ok(
            &on_time.0,
            &[
                ("action", "postal"),
                ("carrier", "VNPost"),
                ("tracking_number", "EN000000001VN"),
            ],
        )
        .await;
    // Monday 7/12: birth registration (due 8/12), temporary residence (due 10/12), passport
    // (8 working days, due 17/12) and a permanent residence waiting for a supplement.
    clock.set(vn_ms("2026-12-07 09:00"));
    let overdue = submit("1.001193").await;
    let due_soon = submit("1.004194").await;
    let on_track = submit("1.001456").await;
    let waiting = submit("1.004222").await;
    let officer = dvc_sync::test_support::Console::demo_officer(&base).await;
    officer
        .act_ok(
            &waiting.0,
            &[
                ("action", "supplement"),
                ("note", "Thiếu giấy tờ chứng minh chỗ ở."),
            ],
        )
        .await;
    clock.set(vn_ms("2026-12-10 09:00"));
    let officer = dvc_sync::test_support::Console::demo_officer(&base).await;
    officer.act_ok(&late_done.0, &[("action", "accept")]).await;
    officer
        .act_ok(
            &late_done.0,
            &[
                ("action", "postal"),
                ("carrier", "VNPost"),
                ("tracking_number", "EN000000002VN"),
            ],
        )
        .await;
    let codes = vec![overdue, due_soon, on_track, waiting, late_done, on_time];
    (server, clock, dir, codes)
}

async fn sign_in(b: &Browser, base: &str) {
    b.goto(&format!("{base}/console/login")).await.unwrap();
    let (login, password) = dvc_sync::seed::DEMO_OFFICER;
    b.type_into("#login", login).await.unwrap();
    b.type_into("#password", password).await.unwrap();
    b.submit("form[action='/console/login'] button[type=submit]")
        .await
        .unwrap();
}

async fn no_sideways_scroll(b: &Browser, what: &str) {
    let widths = b
        .script("return [document.documentElement.scrollWidth, window.innerWidth];")
        .await
        .unwrap();
    let (wide, inner) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
    if wide <= inner {
        return;
    }
    // Name the elements that reach past the window, so the failure says what to fix.
    let culprits = b
        .script(
            "const w = window.innerWidth, out = [];
             for (const el of document.querySelectorAll('body *')) {
               const r = el.getBoundingClientRect();
               if (r.right > w + 0.5) out.push(el.tagName.toLowerCase()
                 + (el.id ? '#' + el.id : '')
                 + (typeof el.className === 'string' && el.className ? '.' + el.className : '')
                 + ' (' + Math.round(r.left) + '-' + Math.round(r.right) + ' px)');
             }
             return out.slice(0, 12).join(', ');",
        )
        .await
        .unwrap();
    panic!(
        "{} {what}: {wide} px of content in {inner} px; past the edge: {}",
        b.engine.name(),
        culprits.as_str().unwrap_or("?")
    );
}

/// The overdue list, the dashboard and a dossier with its due date and labelled form, and a
/// dossier with the officer's records (identity step, scanned paper, note), at tablet widths
/// (1024 and 768 px), reached with the keyboard as well as the mouse.
async fn workload_pages(engine: Engine) {
    let (server, _clock, _dir, codes) = busy_agency().await;
    let base = server.url();
    let [overdue, due_soon, on_track, waiting, late_done, _on_time] =
        <[(String, String); 6]>::try_from(codes).unwrap();
    for width in [1024u32, 768] {
        let b = Browser::launch(engine, width, 900).await.unwrap();
        let shot = |name: &str| format!("console-{}-{name}-{width}", engine.name());
        sign_in(&b, &base).await;

        // The list: sorted by due date, the badges say it in words.
        let rows: Vec<String> = b
            .script("return [...document.querySelectorAll('main tbody tr')].map(r => r.innerText);")
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        let at = |code: &str| rows.iter().position(|r| r.contains(code)).unwrap();
        assert!(at(&overdue.1) < at(&due_soon.1) && at(&due_soon.1) < at(&on_track.1));
        assert!(rows[at(&overdue.1)].contains("Quá hạn"), "{rows:?}");
        assert!(rows[at(&due_soon.1)].contains("Sắp đến hạn"), "{rows:?}");
        assert!(rows[at(&waiting.1)].contains("Chờ người nộp"), "{rows:?}");
        assert!(rows[at(&late_done.1)].contains("Xong trễ hạn"), "{rows:?}");
        // Procedures by name.
        assert!(rows[at(&on_track.1)].contains("hộ chiếu"), "{rows:?}");
        b.screenshot(&shot("list")).await.unwrap();
        no_sideways_scroll(&b, "list").await;

        // The keyboard: Tab from the top reaches the header links first, with a visible focus
        // ring, and Enter on "Quá hạn" opens the overdue list.
        // (A fresh page: sequential focus starts at the top of the document.)
        b.goto(&format!("{base}/console/dossiers")).await.unwrap();
        let mut reached = Vec::new();
        for _ in 0..6 {
            b.driver
                .action_chain()
                .send_keys(thirtyfour::Key::Tab)
                .perform()
                .await
                .unwrap();
            let info = b
                .script("const e = document.activeElement; const s = getComputedStyle(e); return [e.getAttribute('href') || e.tagName, s.outlineStyle, s.outlineWidth];")
                .await
                .unwrap();
            reached.push(info);
        }
        let hrefs: Vec<&str> = reached.iter().map(|i| i[0].as_str().unwrap()).collect();
        assert_eq!(
            &hrefs[..2],
            ["/console/dossiers", "/console/dashboard"],
            "{}: tab order {reached:?}",
            engine.name()
        );
        assert!(
            reached.iter().all(|i| i[1] != "none" && i[2] != "0px"),
            "{}: focus is visible: {reached:?}",
            engine.name()
        );
        b.goto(&format!("{base}/console/dossiers")).await.unwrap();
        let tab = b.find("[data-testid=tab-overdue]").await.unwrap();
        tab.focus().await.unwrap();
        let before = b.find("html").await.unwrap();
        b.driver
            .action_chain()
            .send_keys(thirtyfour::Key::Enter)
            .perform()
            .await
            .unwrap();
        for _ in 0..100 {
            if before.tag_name().await.is_err() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(b.current_url().await.unwrap().ends_with("?due=overdue"));
        let list = b.text("main tbody").await.unwrap();
        assert!(
            list.contains(&overdue.1) && !list.contains(&due_soon.1),
            "{list}"
        );
        b.screenshot(&shot("overdue")).await.unwrap();
        no_sideways_scroll(&b, "overdue list").await;

        // The dashboard: numbers, the chart, the tables, CSV; nothing from elsewhere.
        b.submit("header a[href='/console/dashboard']")
            .await
            .unwrap();
        let numbers: String = b
            .text("[data-testid=dashboard-numbers]")
            .await
            .unwrap()
            .split_whitespace()
            .collect();
        // 6 received: in progress 3 (due soon, on track, waiting), on time 1, late 2.
        assert_eq!(
            numbers,
            "6Đãnhận3Đangxửlý1Xongđúnghạn2Trễhạn",
            "{}",
            engine.name()
        );
        let procs = b.text("[data-testid=dashboard-procedures]").await.unwrap();
        assert!(procs.contains("Đăng ký khai sinh"), "{procs}");
        b.screenshot(&shot("dashboard")).await.unwrap();
        no_sideways_scroll(&b, "dashboard").await;
        b.find("[data-testid=dashboard-chart]")
            .await
            .unwrap()
            .scroll_into_view()
            .await
            .unwrap();
        b.screenshot(&shot("dashboard-chart")).await.unwrap();
        let foreign: Vec<String> = b
            .resources()
            .await
            .unwrap()
            .into_iter()
            .filter(|u| !u.starts_with(&base))
            .collect();
        assert!(foreign.is_empty(), "fetched from elsewhere: {foreign:?}");

        // A dossier: its due date and how it was counted; the form by its labels.
        b.goto(&format!("{base}/console/dossiers/{}", waiting.0))
            .await
            .unwrap();
        let due = b.text("[data-testid=dossier-due]").await.unwrap();
        assert!(
            due.contains("Chờ người nộp") && due.contains("chờ người nộp bổ sung"),
            "{due}"
        );
        let form = b.text("[data-testid=form-values]").await.unwrap();
        assert!(
            form.contains("Họ, chữ đệm và tên")
                && form.contains("Nam")
                && !form.contains("full_name"),
            "{form}"
        );
        b.screenshot(&shot("dossier-due")).await.unwrap();
        no_sideways_scroll(&b, "dossier").await;

        // The officer's records on the passport dossier, in the browser: the identity check,
        // a scanned paper and a note; then the page with all three (the agency by its name).
        b.goto(&format!("{base}/console/dossiers/{}", on_track.0))
            .await
            .unwrap();
        let agency = b.text("[data-testid=agency]").await.unwrap();
        assert!(
            agency.contains(dvc_sync::seed::DEMO_AGENCY_NAME)
                && agency.contains(dvc_sync::seed::DEMO_AGENCY),
            "agency by its name: {agency}"
        );
        b.click("#id-ok").await.unwrap();
        b.type_into(
            "#papers-seen",
            &format!("Thẻ căn cước bản gốc ({width} px)"),
        )
        .await
        .unwrap();
        b.submit("form[action$='/identity'] button[type=submit]")
            .await
            .unwrap();
        let steps = b.text("[data-testid=identity-steps]").await.unwrap();
        assert!(
            steps.contains("Đã kiểm tra danh tính") && steps.contains(&format!("({width} px)")),
            "{steps}"
        );
        let scan_dir = tempfile::tempdir().unwrap();
        let scan = scan_dir.path().join("to-khai.pdf");
        std::fs::write(&scan, result_pdf()).unwrap();
        // Choose the kind as the select's own script would (typing into a select differs
        // between the drivers).
        b.script("document.querySelector('#paper-kind').value = 'application_form'; return 1;")
            .await
            .unwrap();
        b.type_into("#paper-pages", "2").await.unwrap();
        b.find("#paper-file")
            .await
            .unwrap()
            .send_keys(scan.to_string_lossy().as_ref())
            .await
            .unwrap();
        b.submit("form[action$='/papers'] button[type=submit]")
            .await
            .unwrap();
        let papers = b.text("[data-testid=papers]").await.unwrap();
        assert!(
            papers.contains("PDF") && papers.contains("Đơn, tờ khai có chữ ký"),
            "{papers}"
        );
        b.type_into(
            "#note-body",
            "Người nộp hẹn mang bản gốc giấy khai sinh sáng thứ Hai.",
        )
        .await
        .unwrap();
        b.submit("form[action$='/notes'] button[type=submit]")
            .await
            .unwrap();
        let notes = b.text("[data-testid=notes]").await.unwrap();
        assert!(notes.contains("sáng thứ Hai"), "{notes}");
        b.screenshot(&shot("dossier-records")).await.unwrap();
        no_sideways_scroll(&b, "dossier with records").await;
        b.find("#identity")
            .await
            .unwrap()
            .scroll_into_view()
            .await
            .unwrap();
        b.screenshot(&shot("dossier-identity-papers"))
            .await
            .unwrap();
        b.find("#notes")
            .await
            .unwrap()
            .scroll_into_view()
            .await
            .unwrap();
        b.screenshot(&shot("dossier-notes")).await.unwrap();
        b.quit().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium + chromium-driver; run through ./x test"]
async fn e2e_console_workload_in_chromium() {
    workload_pages(Engine::Chromium).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs webkit2gtk-driver, MiniBrowser and Xvfb; run through ./x test"]
async fn e2e_console_workload_in_webkit() {
    workload_pages(Engine::WebKit).await;
}
