//! Due dates and the workload dashboard on the console (`src/deadlines.rs`,
//! `src/console/work.rs`), driven by the server's manual clock.

use crate::common::*;
use dvc_protocol::auth::Role;
use reqwest::StatusCode;

crate::both_backends!(console_due_dates_badges_and_dashboard);

/// Unix ms of a Vietnam local time `YYYY-MM-DD HH:MM`.
fn vn(s: &str) -> i64 {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let t = time::PrimitiveDateTime::parse(s, &fmt)
        .unwrap()
        .assume_offset(time::macros::offset!(+7));
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap()
}

/// The `<tr>` of a dossier code in a list page.
fn row_of<'a>(page: &'a str, code: &str) -> &'a str {
    let i = page
        .find(code)
        .unwrap_or_else(|| panic!("{code} not listed"));
    let end = page[i..].find("</tr>").map_or(page.len(), |e| i + e);
    &page[i..end]
}

async fn console_due_dates_badges_and_dashboard(b: Backend) {
    let h = Harness::start(b).await;
    // Monday 7/12/2026, 09:00 in Vietnam.
    h.clock.set(vn("2026-12-07 09:00"));
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let officer_y = h.staff(Role::Officer, Some(AGENCY_Y)).await;
    // Three passport dossiers (8 working days): one left alone, one waiting for a supplement,
    // one finished within its time.
    let m = manifest(AGENCY_X, &[]);
    let late = h.submit_ok(&u.token, &m).await;
    let waiting = h.submit_ok(&u.token, &m).await;
    let done = h.submit_ok(&u.token, &m).await;
    // (A console session lasts 10 hours: sign in again after each jump of the clock.)
    h.clock.set(vn("2026-12-08 10:00"));
    let console = h.console(&officer).await;
    console
        .act_ok(
            &waiting.dossier_uuid,
            &[("action", "supplement"), ("note", "Ảnh chân dung bị mờ")],
        )
        .await;
    h.clock.set(vn("2026-12-09 15:00"));
    let console = h.console(&officer).await;
    console
        .act_ok(&done.dossier_uuid, &[("action", "accept")])
        .await;
    console
        .act_ok(
            &done.dossier_uuid,
            &[
                ("action", "postal"),
                ("carrier", "VNPost"),
                ("tracking_number", "EN000000001VN"),
            ],
        )
        .await;

    // Wednesday 16/12: the untouched dossier is due on Thursday 17/12 → "Sắp đến hạn".
    h.clock.set(vn("2026-12-16 09:00"));
    let console = h.console(&officer).await;
    let (status, page) = console.page("/console/dossiers?due=soon").await;
    assert_eq!(status, StatusCode::OK);
    let row = row_of(&page, &late.code);
    assert!(
        row.contains("17/12/2026") && row.contains("Sắp đến hạn"),
        "{row}"
    );
    assert!(
        !page.contains(&waiting.code) && !page.contains(&done.code),
        "{page}"
    );
    // Procedures by name, not by bare code.
    assert!(row.contains("Cấp hộ chiếu phổ thông"), "{row}");

    // Friday 18/12: overdue.
    h.clock.set(vn("2026-12-18 09:00"));
    let console = h.console(&officer).await;
    let (_, page) = console.page("/console/dossiers?due=overdue").await;
    assert!(row_of(&page, &late.code).contains("Quá hạn"));
    assert!(!page.contains(&waiting.code) && !page.contains(&done.code));
    // The full list: the overdue one first, then the waiting one, the finished one last.
    let (_, page) = console.page("/console/dossiers").await;
    let pos = |c: &str| page.find(c).unwrap();
    assert!(pos(&late.code) < pos(&waiting.code) && pos(&waiting.code) < pos(&done.code));
    assert!(row_of(&page, &waiting.code).contains("Chờ người nộp"));
    assert!(row_of(&page, &done.code).contains("Xong đúng hạn"));
    // The dossier page: due date, the rule, the badge, and the form with its labels.
    let (_, page) = console
        .page(&format!("/console/dossiers/{}", late.dossier_uuid))
        .await;
    assert!(page.contains("Hạn giải quyết"), "{page}");
    assert!(page.contains("17/12/2026") && page.contains("Quá hạn"));
    assert!(page.contains("8 ngày làm việc kể từ ngày nhận"));
    // The waiting dossier: 8 working days plus the 8 working days waited (9/12–18/12).
    let (_, page) = console
        .page(&format!("/console/dossiers/{}", waiting.dossier_uuid))
        .await;
    assert!(
        page.contains("cộng 8 ngày làm việc chờ người nộp") && page.contains("29/12/2026"),
        "{page}"
    );

    // The dashboard: 3 received — 1 in progress (waiting), 1 on time, 1 late (overdue).
    let (status, page) = console.page("/console/dashboard?weeks=4").await;
    assert_eq!(status, StatusCode::OK);
    for (id, n) in [
        ("dash-received", 3),
        ("dash-in-progress", 1),
        ("dash-on-time", 1),
        ("dash-late", 1),
    ] {
        assert!(
            page.contains(&format!("data-testid=\"{id}\">{n}<")),
            "{id} = {n}: {page}"
        );
    }
    assert!(page.contains("<svg") && page.contains("Tuần từ 07/12/2026: nhận 3"));
    let csv = h
        .http
        .get(h.url("/console/dashboard?weeks=4&format=csv"))
        .header("cookie", &console.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert!(
        csv.starts_with(
            "nhom,ten,da_nhan,dang_xu_ly,xong_dung_han,tre_han,khac\ntong,Tất cả,3,1,1,1,0\n"
        ),
        "{csv}"
    );
    assert!(csv.contains("tuan,Tuần từ 07/12/2026,3,1,1,1,0\n"), "{csv}");
    // Another agency's officer counts none of them; no session → the login page.
    let console_y = h.console(&officer_y).await;
    let (_, page) = console_y.page("/console/dashboard?weeks=4").await;
    assert!(page.contains("data-testid=\"dash-received\">0<"), "{page}");
    let res = h
        .http
        .get(h.url("/console/dashboard"))
        .bearer_auth(&u.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Bad parameters fall back to the defaults rather than fail.
    let (status, _) = console.page("/console/dashboard?weeks=-1&format=x").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = console.page("/console/dossiers?due=%00").await;
    assert_eq!(status, StatusCode::OK);
}
