//! Filing for someone else in the real app (issue 18): on the volunteer's phone, the person's
//! profile shows no consent; "Xin đồng ý bằng mã" sends a code to the citizen's phone (the
//! server's development sender writes it to a file, read here as the citizen would read the SMS);
//! the consent text is shown; a wrong code is refused with a clear message; the right one records
//! the consent, and the profile shows it active. The volunteer's next dossier for that person goes
//! on the citizen's behalf. On the citizen's own phone (a data dir that never held it), the sync
//! screen and "Hồ sơ của tôi" show the dossier "Nộp hộ bởi …", and "Người hỗ trợ của tôi" lists the
//! volunteer. The volunteer's settings offer how long citizens' data stays on the phone; from a
//! household the volunteer starts a visit, ticks two tasks for a member and ends it with a
//! follow-up date; the week's report counts both visits made on the phone. Once synced, the
//! leader's "Báo cáo của tổ" shows the team's week from the server and the month's campaign.
//! Screenshots at 360 px: `consent-profile-none`, `consent-request`, `consent-text`,
//! `consent-wrong-code`, `consent-done`, `consent-profile-active`, `consent-helping-bar`,
//! `consent-volunteer-qr`, `settings-retention`, `visit-tasks`, `report-week`, `team-report-week`,
//! `team-report-members`, `team-report-campaign`, `consent-citizen-sync`,
//! `consent-citizen-dossiers`, `consent-citizen-volunteers`, `consent-citizen-qr-read`.
//!
//! Run by `./x test` (needs the built app, Xvfb, tauri-driver); ignored by a plain `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dvc_core::people::{PersonInput, Relation};
use dvc_core::sync::{db as syncdb, SyncConfig};
use dvc_core::test_support::{applicant, ReadyPassport};
use dvc_core::visits::Task;
use dvc_sync::seed::{DEMO_AGENCY, DEMO_CITIZEN, DEMO_VOLUNTEER};
use dvc_tests::app::{App, Launch};
use dvc_tests::syncenv::open_core;
use serde_json::Value;

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

async fn type_into(app: &App, css: &str, text: &str) -> R {
    let el = app.find(css).await?;
    el.clear().await?;
    el.send_keys(text).await?;
    Ok(())
}

async fn go(app: &App, path: &str, screen: &str) -> R {
    app.js(&format!("location.hash = '{path}'; return true;"))
        .await?;
    app.find(&format!("[data-screen='{screen}']")).await?;
    Ok(())
}

async fn wait_for(app: &App, script: &str, what: &str) -> R<Value> {
    for _ in 0..300 {
        let v = app.js(script).await?;
        if !v.is_null() && v != Value::Bool(false) {
            return Ok(v);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("timed out waiting for {what}").into())
}

async fn code(file: &Path, phone: &str, n: usize) -> R<String> {
    Ok(dvc_sync::test_support::wait_code(file, Some(phone), n).await)
}

/// Scrolls an element to the middle of the screen (for a screenshot of what matters there).
async fn show(app: &App, css: &str) -> R {
    app.find(css).await?;
    app.js(&format!(
        "document.querySelector(\"{css}\").scrollIntoView({{block: 'center'}}); return true;"
    ))
    .await?;
    Ok(())
}

async fn start(dir: &Path) -> R<App> {
    let app = App::launch(&Launch::new(dir)).await?;
    assert_eq!(app.wait_ready().await?, "true");
    app.phone_size().await?;
    Ok(app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through ./x test"]
async fn consent_by_code_then_the_citizen_sees_the_dossier_filed_for_them() -> R {
    let sdir = tempfile::tempdir()?;
    let messages: PathBuf = sdir.path().join("messages.jsonl");
    let server = dvc_sync::test_support::demo_server_with(
        sdir.path(),
        true,
        Arc::new(dvc_sync::notify::FileNotifier::new(messages.clone())),
    )
    .await;
    let url = server.url();

    // The volunteer's phone: signed in, with the citizen's profile (their account's phone).
    let dir = tempfile::tempdir()?;
    let vdata = dir.path().join("volunteer");
    let (person, visited, member) = {
        let core = open_core(&vdata);
        let mut input = applicant();
        input.phone = Some(DEMO_CITIZEN.0.into());
        let p = core.add_person(&input)?.id;
        // A visit to the citizen's household, for the volunteer's report.
        let h = core.add_household("Hộ Thử Nghiệm", None)?;
        core.set_household_member(&h.id, &p, Relation::Head)?;
        let v = core.visit_start(&h.id, Some("Phường Thử"))?;
        core.visit_task(
            &v.id,
            Task::Vneid,
            Some(&p),
            Some("Đã kích hoạt mức 2"),
            false,
        )?;
        core.visit_task(&v.id, Task::Accounts, Some(&p), None, false)?;
        // A household the volunteer visits from the app, below.
        let visited = core.add_household("Hộ bà Thăm", Some("Số 5 Ngõ Thử"))?;
        let member = core
            .add_person(&PersonInput {
                full_name: "Lê Thị Thăm".into(),
                ..PersonInput::default()
            })?
            .id;
        core.set_household_member(&visited.id, &member, Relation::Head)?;
        core.sync_login(&url, DEMO_VOLUNTEER.0, DEMO_VOLUNTEER.1, None)
            .await?;
        syncdb::set(core.store(), "agency_code", DEMO_AGENCY)?;
        (p, visited.id, member)
    };

    let app = start(&vdata).await?;
    go(&app, &format!("/people/{person}"), "person-profile").await?;
    show(&app, "[data-testid='consent-card']").await?;
    app.find("[data-testid='consent-none']").await?;
    app.screenshot("consent-profile-none").await?;
    app.click("[data-testid='consent-ask']").await?;
    app.find("[data-screen='consent-request']").await?;
    // The phone number comes from the profile: nothing to type.
    let typed = app
        .js("return document.querySelector(\"[data-testid='consent-phone']\").value")
        .await?;
    assert_eq!(typed, DEMO_CITIZEN.0);
    app.screenshot("consent-request").await?;
    app.click("[data-testid='consent-send']").await?;
    app.find("[data-testid='consent-text']").await?;
    assert!(app
        .text("[data-testid='consent-text']")
        .await?
        .contains("90 ngày"));
    // The countdown holds the resend button.
    let resend_disabled = app
        .js("return document.querySelector(\"[data-testid='consent-resend']\").disabled")
        .await?;
    assert_eq!(resend_disabled, true);
    app.screenshot("consent-text").await?;

    let right = code(&messages, DEMO_CITIZEN.0, 1).await?;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    type_into(&app, "[data-testid='consent-code']", wrong).await?;
    app.click("[data-testid='consent-agree']").await?;
    assert_eq!(
        app.text("[data-testid='consent-error']").await?,
        "Mã xác nhận không đúng hoặc đã hết hạn."
    );
    show(&app, "[data-testid='consent-error']").await?;
    app.screenshot("consent-wrong-code").await?;
    type_into(&app, "[data-testid='consent-code']", &right).await?;
    app.click("[data-testid='consent-agree']").await?;
    app.find("[data-testid='consent-done']").await?;
    app.screenshot("consent-done").await?;
    go(&app, &format!("/people/{person}"), "person-profile").await?;
    wait_for(
        &app,
        "return !!document.querySelector(\"[data-testid='consent-item'][data-status='active']\")",
        "the active consent on the profile",
    )
    .await?;
    show(&app, "[data-testid='consent-card']").await?;
    app.screenshot("consent-profile-active").await?;
    // "Đang hỗ trợ": the person the volunteer works for now, in the top bar of every screen,
    // and the dossier list narrowed to them.
    app.click("[data-testid='help-start']").await?;
    app.find("[data-testid='helping-bar']").await?;
    app.click("[data-tab='dossiers']").await?;
    app.find("[data-testid='helping-bar']").await?;
    app.screenshot("consent-helping-bar").await?;
    app.click("[data-testid='helping-end']").await?;
    let still = app
        .js("return !!document.querySelector(\"[data-testid='helping-bar']\")")
        .await?;
    assert_eq!(still, false);
    // Choosing whose dossier it is, the person with a consent is marked so.
    go(&app, "/dossiers/new/passport-domestic", "dossier-new").await?;
    app.find(&format!(
        "[data-person='{person}'] [data-testid='person-consented']"
    ))
    .await?;
    // The volunteer's QR, for a citizen to name them from their own phone.
    app.click("[data-tab='sync']").await?;
    app.click("[data-testid='sync-volunteer-qr']").await?;
    app.find("[data-testid='volunteer-qr'] svg").await?;
    let volunteer_qr = app.text("[data-testid='volunteer-qr-text']").await?;
    assert!(volunteer_qr.starts_with("DVCVOL1:"), "{volunteer_qr}");
    // The citizen will photograph this screen.
    let qr_photo = app.screenshot("consent-volunteer-qr").await?;
    // Settings: how long the citizens' data stays on the volunteer's phone (7, 30 or 90 days).
    app.click("[data-tab='settings']").await?;
    app.find("[data-screen='settings']").await?;
    show(&app, "[data-testid='retention-settings']").await?;
    let chosen = "return document.querySelector(\"[data-testid='retention-30']\").checked";
    assert_eq!(app.js(chosen).await?, true, "30 days by default");
    app.js("document.querySelector(\"[data-testid='retention-7']\").click(); return true;")
        .await?;
    wait_for(
        &app,
        "return document.querySelector(\"[data-testid='retention-7']\").closest('label').classList.contains('selected')",
        "7 days chosen",
    )
    .await?;
    app.screenshot("settings-retention").await?;
    // "Bắt đầu thăm hộ" from the household: two tasks ticked for its member (each tap saved at
    // once), then "Kết thúc thăm hộ" with notes and a follow-up a week away.
    go(&app, &format!("/people/households/{visited}"), "household").await?;
    app.click("[data-testid='household-visit-start'][data-open='false']")
        .await?;
    app.find("[data-screen='visit'] [data-testid='visit-tasks']")
        .await?;
    app.click(&format!(
        "[data-testid='visit-who'] [data-person='{member}']"
    ))
    .await?;
    app.find(&format!("[data-testid='visit-tasks'][data-who='{member}']"))
        .await?;
    app.click("[data-testid='visit-task-cashless']").await?;
    app.click("[data-testid='visit-task-online_safety']")
        .await?;
    wait_for(
        &app,
        "return document.querySelectorAll(\"[data-testid='visit-tasks'] [aria-pressed='true']\").length === 2 \
           && document.querySelector(\"[data-testid='visit-save']\").dataset.save === 'saved'",
        "two tasks ticked and saved",
    )
    .await?;
    show(&app, "[data-testid='visit-tasks']").await?;
    app.screenshot("visit-tasks").await?;
    type_into(
        &app,
        "[data-testid='visit-notes']",
        "Hẹn hướng dẫn thanh toán tiền điện.",
    )
    .await?;
    app.click("[data-testid='visit-follow-up-7']").await?;
    app.click("[data-testid='visit-end']").await?;
    app.click("[data-testid='visit-end-yes']").await?;
    app.find("[data-testid='visit-ended']").await?;
    app.find("[data-testid='visit-follow-up-shown']").await?;
    // The week's report counts both visits made on this phone.
    app.click("[data-tab='sync']").await?;
    app.click("[data-testid='sync-report']").await?;
    app.find("[data-screen='report']").await?;
    wait_for(
        &app,
        "return document.querySelector(\"[data-testid='report-visits']\")?.textContent === '2'",
        "the week's visits counted",
    )
    .await?;
    assert_eq!(app.text("[data-testid='report-task-vneid']").await?, "1");
    assert_eq!(app.text("[data-testid='report-task-cashless']").await?, "1");
    assert_eq!(
        app.text("[data-testid='report-task-ecommerce']").await?,
        "0"
    );
    app.screenshot("report-week").await?;
    app.quit().await?;
    assert_eq!(open_core(&vdata).settings()?.retention_days, 7, "kept");
    // The visit made in the app: ended, its two ticks for the member, the follow-up ahead.
    {
        let core = open_core(&vdata);
        let visits = core.visit_list(Some(visited.as_str()))?;
        assert_eq!(visits.len(), 1, "{visits:?}");
        let v = &visits[0];
        assert!(v.ended_at.is_some(), "{v:?}");
        let mut ticks: Vec<(Task, Option<&str>)> = v
            .tasks
            .iter()
            .map(|t| (t.task, t.person_id.as_deref()))
            .collect();
        ticks.sort();
        assert_eq!(
            ticks,
            [
                (Task::Cashless, Some(member.as_str())),
                (Task::OnlineSafety, Some(member.as_str()))
            ]
        );
        assert_eq!(
            v.notes.as_deref(),
            Some("Hẹn hướng dẫn thanh toán tiền điện.")
        );
        let today = dvc_core::visits::today().to_string();
        assert!(
            v.follow_up_on
                .as_deref()
                .is_some_and(|d| d > today.as_str()),
            "{v:?}"
        );
    }

    // The volunteer's dossier for that person goes on the citizen's behalf.
    {
        let core = open_core(&vdata);
        let q = ReadyPassport::new().person(&person).queue(&core)?;
        let r = core.sync_once(&SyncConfig::default(), &|_| {}).await?;
        assert_eq!(r.sent.len(), 1, "{r:?}");
        let t = core.tracked_dossier(&q.queued.dossier_id)?;
        assert_eq!(t.provenance.filed_as.as_deref(), Some("on_behalf"));
        // The ended visit is on the server now (the app's own pass may have sent it already).
        assert_eq!(r.visits_pending, 0, "{r:?}");
    }

    // The demo volunteer leads the demo team: "Báo cáo của tổ" shows what the server added up —
    // the visit ended in the app (the other is still open, so it stays on the phone) and the
    // dossier — with the member's line.
    let app = start(&vdata).await?;
    app.click("[data-tab='sync']").await?;
    app.click("[data-testid='sync-report']").await?;
    app.click("[data-testid='report-team']").await?;
    app.find("[data-screen='team-report']").await?;
    wait_for(
        &app,
        "return document.querySelector(\"[data-testid='team-visits']\")?.textContent === '1' \
           && document.querySelector(\"[data-testid='team-dossiers']\")?.textContent === '1'",
        "the team's week from the server",
    )
    .await?;
    assert_eq!(
        app.text("[data-testid='team-name']").await?,
        dvc_sync::seed::DEMO_TEAM
    );
    let stale = app
        .js("return String(!!document.querySelector(\"[data-testid='team-stale']\"))")
        .await?;
    assert_eq!(stale, "false", "fresh from the server");
    assert_eq!(app.text("[data-testid='report-task-cashless']").await?, "1");
    assert_eq!(app.text("[data-testid='report-task-vneid']").await?, "0");
    app.screenshot("team-report-week").await?;
    show(&app, "[data-testid='team-volunteers']").await?;
    app.screenshot("team-report-members").await?;
    // The campaign of this month, with its targets.
    app.click("[data-testid='team-campaign']").await?;
    app.find("[data-testid='team-targets']").await?;
    show(&app, "[data-testid='team-targets']").await?;
    app.screenshot("team-report-campaign").await?;
    app.quit().await?;

    // The citizen's own phone, which never held the dossier.
    let cdata = dir.path().join("citizen");
    {
        let core = open_core(&cdata);
        core.sync_login(&url, DEMO_CITIZEN.0, DEMO_CITIZEN.1, None)
            .await?;
    }
    let app = start(&cdata).await?;
    app.click("[data-tab='sync']").await?;
    app.click("[data-testid='sync-now']").await?;
    wait_for(
        &app,
        "return !!document.querySelector(\"[data-testid='sent-filed-by']\")",
        "the dossier filed for the citizen on the sync screen",
    )
    .await?;
    let by = app.text("[data-testid='sent-filed-by']").await?;
    assert!(by.starts_with("Nộp hộ bởi "), "{by}");
    show(&app, "[data-testid='sent-filed-by']").await?;
    app.screenshot("consent-citizen-sync").await?;
    app.click("[data-tab='dossiers']").await?;
    app.find("[data-testid='dossier-filed-by']").await?;
    // What the server says of it, not "waiting to be sent".
    let chip = app
        .js("return document.querySelector('[data-dossier] [data-chip]').dataset.chip")
        .await?;
    assert_eq!(chip, "received");
    app.screenshot("consent-citizen-dossiers").await?;
    app.click("[data-tab='sync']").await?;
    app.click("[data-testid='sync-my-volunteers']").await?;
    app.find("[data-screen='consent-grant']").await?;
    wait_for(
        &app,
        "return document.querySelectorAll(\"[data-testid='consent-item'][data-status='active']\").length === 1",
        "the volunteer in 'Người hỗ trợ của tôi'",
    )
    .await?;
    app.screenshot("consent-citizen-volunteers").await?;
    // Naming a volunteer by photographing their QR: a photo with no volunteer QR is refused and
    // changes nothing; the volunteer's screen fills in the code.
    let profile_photo = app.screenshot("consent-citizen-no-qr").await?;
    app.find("[data-testid='grant-scan']")
        .await?
        .send_keys(profile_photo.to_string_lossy().to_string())
        .await?;
    app.find("[data-testid='grant-error']").await?;
    let filled = app
        .js("return document.querySelector(\"[data-testid='grant-qr']\").value")
        .await?;
    assert_eq!(filled, "");
    app.find("[data-testid='grant-scan']")
        .await?
        .send_keys(qr_photo.to_string_lossy().to_string())
        .await?;
    wait_for(
        &app,
        &format!(
            "return document.querySelector(\"[data-testid='grant-qr']\").value === '{volunteer_qr}'"
        ),
        "the volunteer's QR read from the photo",
    )
    .await?;
    app.find("[data-testid='grant-notice']").await?;
    app.screenshot("consent-citizen-qr-read").await?;
    app.quit().await?;
    Ok(())
}
