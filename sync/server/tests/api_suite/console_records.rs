//! The officer's own records on a dossier (`src/console/records.rs`): internal notes, the identity
//! check as a recorded step, scanned papers kept by the agency (and their `paper_kept` event for
//! the applicant's app, protocol 1.4), the agency's name — with who may do what, and hostile input
//! that must change nothing.

use crate::common::*;
use crate::{kinds, view_of};
use dvc_protocol::auth::Role;
use dvc_protocol::events::{EventKind, EventsPage};
use reqwest::{Method, StatusCode};

crate::both_backends!(
    console_notes_are_internal_and_newest_first,
    console_identity_check_is_a_recorded_step,
    console_scanned_papers_reach_the_applicant,
    console_records_refuse_others,
);

const PDF: &[u8] = b"%PDF-1.4\n% ban quet thu nghiem\n";

/// The applicant's events after `after`, as a client of `protocol` (none: no header) reads them.
async fn feed(h: &Harness, token: &str, after: &str, protocol: Option<&str>) -> EventsPage {
    let mut r = h.req(
        Method::GET,
        &format!("/v1/events?after={after}"),
        Some(token),
    );
    if let Some(p) = protocol {
        r = r.header("x-dvc-protocol", p);
    }
    let res = r.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn console_notes_are_internal_and_newest_first(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let r = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let uuid = r.dossier_uuid.clone();
    let console = h.console(&officer).await;
    let (_, page) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert!(page.contains("Chưa có ghi chú nào."), "{page}");
    // The agency's name, not only its code.
    let name = h.db.agency_name(AGENCY_X).await.unwrap().unwrap();
    assert!(
        page.contains(&format!("{name} <span class=\"muted\">({AGENCY_X})</span>")),
        "{page}"
    );
    for body in [
        "Người nộp hẹn mang bản gốc sáng thứ Hai.",
        "Đã gọi điện <b>xác nhận</b>.",
    ] {
        let res = console.record(&uuid, "notes", &[("body", body)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        h.clock.advance(60_000);
    }
    let (_, page) = console
        .page(&format!("/console/dossiers/{uuid}?ok=note"))
        .await;
    assert!(page.contains("Đã lưu ghi chú nội bộ."));
    let second = page
        .find("Đã gọi điện &lt;b&gt;xác nhận&lt;/b&gt;.")
        .expect("escaped");
    let first = page.find("Người nộp hẹn mang bản gốc").unwrap();
    assert!(second < first, "newest first");
    assert!(page.contains(&officer.phone), "who wrote it");
    let notes = h.db.notes(&uuid).await.unwrap();
    assert_eq!(notes.len(), 2);
    assert!(notes[0].created_at > notes[1].created_at);
    // Bad input: a page with the reason, nothing stored.
    let long = "ư".repeat(1001);
    for (body, says) in [
        ("   ", "nhập nội dung"),
        (long.as_str(), "1000 ký tự"),
        ("chuông\u{7}", "không hợp lệ"),
    ] {
        let res = console.record(&uuid, "notes", &[("body", body)]).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body:?}");
        assert!(res.text().await.unwrap().contains(says), "{says}");
    }
    let res = console.record(&uuid, "notes", &[("body", "a\0b")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = console.record(&uuid, "notes", &[]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Exactly 1000 characters is fine.
    let res = console
        .record(&uuid, "notes", &[("body", &"ư".repeat(1000))])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // CSRF: a wrong token is refused before anything is stored.
    let res = h
        .http
        .post(h.url(&format!("/console/dossiers/{uuid}/notes")))
        .header("cookie", &console.cookie)
        .form(&[("csrf", "0".repeat(64).as_str()), ("body", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(h.db.notes(&uuid).await.unwrap().len(), 3);
    // The applicant learns nothing of it: no event, nothing in the view.
    let v = view_of(&h, &u.token, &uuid).await;
    assert_eq!(kinds(&v), ["received"]);
    assert!(!serde_json::to_string(&v).unwrap().contains("bản gốc"));
    let page = feed(&h, &u.token, &r.event_cursor, Some("1.4")).await;
    assert!(page.events.is_empty());
    // Audited: who and when, not what.
    let audit = h.db.dossier_audit(&uuid).await.unwrap();
    assert_eq!(audit.len(), 3);
    assert!(audit
        .iter()
        .all(|a| a.action == "note_added" && a.actor_login == officer.phone));
    assert!(!audit.iter().any(|a| a.detail.contains("bản gốc")));
}

async fn console_identity_check_is_a_recorded_step(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let r = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let uuid = r.dossier_uuid.clone();
    let console = h.console(&officer).await;
    let (_, page) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert!(page.contains("Chưa kiểm tra danh tính người nộp."));
    // Missing or unknown outcome, missing or over-long description: refused, nothing recorded.
    let long = "x".repeat(301);
    for fields in [
        vec![("papers_seen", "CCCD bản gốc")],
        vec![("outcome", "maybe"), ("papers_seen", "CCCD bản gốc")],
        vec![("outcome", "confirmed")],
        vec![("outcome", "confirmed"), ("papers_seen", long.as_str())],
    ] {
        let res = console.record(&uuid, "identity", &fields).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{fields:?}");
    }
    assert!(h.db.identity_checks(&uuid).await.unwrap().is_empty());
    // A mismatch blocks accepting until a later check confirms.
    let res = console
        .record(
            &uuid,
            "identity",
            &[
                ("outcome", "mismatch"),
                ("papers_seen", "Ảnh CCCD trong hồ sơ"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = console.act(&uuid, &[("action", "accept")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("không khớp"));
    assert_eq!(kinds(&view_of(&h, &u.token, &uuid).await), ["received"]);
    h.clock.advance(120_000);
    let res = console
        .record(
            &uuid,
            "identity",
            &[
                ("outcome", "confirmed"),
                ("papers_seen", "CCCD bản gốc tại quầy"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    console.act_ok(&uuid, &[("action", "accept")]).await;
    let checks = h.db.identity_checks(&uuid).await.unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[1].outcome, dvc_sync::identity::Outcome::Confirmed);
    assert_eq!(
        (checks[1].method.as_str(), checks[1].officer_login.as_str()),
        ("manual", officer.phone.as_str())
    );
    let (_, page) = console.page(&format!("/console/dossiers/{uuid}")).await;
    for needle in [
        "✗ Danh tính không khớp",
        "✓ Đã kiểm tra danh tính — khớp",
        "Cán bộ đối chiếu giấy tờ: CCCD bản gốc tại quầy",
        &dvc_sync::console::vn_time(checks[1].checked_at),
    ] {
        assert!(page.contains(needle), "{needle} missing");
    }
    let audit = h.db.dossier_audit(&uuid).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        ["identity_checked", "identity_checked", "accepted"]
    );
    assert_eq!(audit[1].detail, "method: manual; outcome: confirmed");
    // The applicant's feed has only the acceptance.
    let page = feed(&h, &u.token, &r.event_cursor, Some("1.4")).await;
    assert_eq!(page.events.len(), 1);
    // A finished dossier takes no more checks.
    console
        .act_ok(&uuid, &[("action", "reject"), ("reason", "Thử")])
        .await;
    let res = console
        .record(
            &uuid,
            "identity",
            &[("outcome", "confirmed"), ("papers_seen", "CCCD")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(h.db.identity_checks(&uuid).await.unwrap().len(), 2);
}

async fn console_scanned_papers_reach_the_applicant(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let r = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let uuid = r.dossier_uuid.clone();
    let console = h.console(&officer).await;
    // Hostile uploads: a page with the reason, nothing stored.
    let big = {
        let mut v = PDF.to_vec();
        v.resize(11 * 1024 * 1024, b'0');
        v
    };
    for (kind, pages, bytes, want, says) in [
        (
            "identity_card",
            "2",
            b"GIF89a....".to_vec(),
            400,
            "PDF, JPEG hoặc PNG",
        ),
        (
            "identity_card",
            "2",
            b"<html>%PDF-".to_vec(),
            400,
            "PDF, JPEG hoặc PNG",
        ),
        ("identity_card", "2", Vec::new(), 400, "chọn tệp"),
        ("passport_of_mars", "2", PDF.to_vec(), 400, "loại giấy tờ"),
        ("identity_card", "0", PDF.to_vec(), 400, "Số trang"),
        ("identity_card", "501", PDF.to_vec(), 400, "Số trang"),
        ("identity_card", "hai", PDF.to_vec(), 400, "Số trang"),
        ("identity_card", "2", big, 413, "Tệp quá lớn"),
    ] {
        let res = match console
            .try_upload_paper(&uuid, kind, pages, bytes, "application/pdf")
            .await
        {
            Ok(res) => res,
            // The server refuses an oversized body as soon as it knows; a client still writing
            // it may see the connection close first. Either way nothing is stored (checked below).
            Err(e) if want == 413 && e.is_request() => continue,
            Err(e) => panic!("{kind} {pages}: {e}"),
        };
        assert_eq!(res.status().as_u16(), want, "{kind} {pages}");
        assert!(res.text().await.unwrap().contains(says), "{says}");
    }
    assert!(h.db.agency_papers(&uuid).await.unwrap().is_empty());
    assert_eq!(kinds(&view_of(&h, &u.token, &uuid).await), ["received"]);
    // Two scans: a PDF (declared as something else: the bytes decide) and a JPEG.
    let photo = jpeg(3_000, 4);
    let res = console
        .upload_paper(&uuid, "identity_card", "2", PDF.to_vec(), "text/plain")
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    h.clock.advance(60_000);
    let res = console
        .upload_paper(&uuid, "birth_certificate", "1", photo.clone(), "image/jpeg")
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let papers = h.db.agency_papers(&uuid).await.unwrap();
    assert_eq!(papers.len(), 2);
    assert_eq!(
        (
            papers[0].kind.as_str(),
            papers[0].pages,
            papers[0].content_type.as_str()
        ),
        ("identity_card", 2, "application/pdf")
    );
    assert_eq!(papers[1].content_type, "image/jpeg");
    let (_, page) = console
        .page(&format!("/console/dossiers/{uuid}?ok=paper"))
        .await;
    for needle in [
        "Giấy tờ cơ quan lưu (bản quét)",
        "Thẻ căn cước / CCCD",
        "Giấy khai sinh",
        &format!("/console/blobs/{}", papers[0].sha256),
        "Cán bộ lưu bản quét: Thẻ căn cước / CCCD (2 trang)",
    ] {
        assert!(page.contains(needle), "{needle} missing");
    }
    // The state stays; the applicant's 1.4 app gets both papers, an older one neither (its
    // cursor still moves past them), and the view follows the same rule.
    let new = feed(&h, &u.token, &r.event_cursor, Some("1.4")).await;
    let got: Vec<(String, u32)> = new
        .events
        .iter()
        .map(|e| match &e.event {
            EventKind::PaperKept { kind, pages, .. } => (kind.clone(), *pages),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        got,
        [
            ("identity_card".to_owned(), 2),
            ("birth_certificate".to_owned(), 1)
        ]
    );
    assert!(new.events.iter().all(|e| e.state.as_str() == "received"));
    for old in [Some("1.3"), Some("1"), None] {
        let page = feed(&h, &u.token, &r.event_cursor, old).await;
        assert!(page.events.is_empty(), "{old:?}");
        assert_eq!(page.next_cursor, new.next_cursor, "{old:?}");
    }
    assert_eq!(kinds(&view_of(&h, &u.token, &uuid).await), ["received"]);
    let res = h
        .req(Method::GET, &format!("/v1/dossiers/{uuid}"), Some(&u.token))
        .header("x-dvc-protocol", "1.4")
        .send()
        .await
        .unwrap();
    let v: dvc_protocol::dossiers::DossierView = res.json().await.unwrap();
    assert_eq!(v.events.len(), 3);
    // The applicant may read the scan; another citizen may not.
    let res = h
        .req(
            Method::GET,
            &format!("/v1/blobs/{}", papers[1].sha256),
            Some(&u.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().to_vec(), photo);
    let other = h.user(Role::Citizen).await;
    let res = h
        .req(
            Method::GET,
            &format!("/v1/blobs/{}", papers[1].sha256),
            Some(&other.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Each paper is audited.
    let audit = h.db.dossier_audit(&uuid).await.unwrap();
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|a| a.action == "paper_kept"));
    assert!(audit[0]
        .detail
        .starts_with("identity_card, 2 pages, application/pdf"));
    // Handling goes on as before.
    console.act_ok(&uuid, &[("action", "accept")]).await;
    assert_eq!(
        kinds(&view_of(&h, &u.token, &uuid).await),
        ["received", "accepted"]
    );
}

async fn console_records_refuse_others(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let v = h.user(Role::Volunteer).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let officer_y = h.staff(Role::Officer, Some(AGENCY_Y)).await;
    let admin = h.staff(Role::Admin, None).await;
    let r = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let uuid = r.dossier_uuid.clone();
    // Another agency's officer: not found, for every form, and nothing stored.
    let console_y = h.console(&officer_y).await;
    for form in ["notes", "identity"] {
        let res = console_y
            .record(
                &uuid,
                form,
                &[
                    ("body", "x"),
                    ("outcome", "confirmed"),
                    ("papers_seen", "CCCD"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{form}");
    }
    let res = console_y
        .upload_paper(&uuid, "other", "1", PDF.to_vec(), "application/pdf")
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Citizens, volunteers and admins have no console session: their bearer tokens and an
    // anonymous request are sent to the login page; nothing stored.
    for token in [None, Some(&u.token), Some(&v.token), Some(&admin.token)] {
        for form in ["notes", "identity", "papers"] {
            let res = h
                .req(
                    Method::POST,
                    &format!("/console/dossiers/{uuid}/{form}"),
                    token.map(String::as_str),
                )
                .form(&[
                    ("body", "x"),
                    ("outcome", "confirmed"),
                    ("papers_seen", "CCCD"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{form}");
            assert_eq!(res.headers()["location"], "/console/login");
        }
    }
    assert!(h.db.notes(&uuid).await.unwrap().is_empty());
    assert!(h.db.identity_checks(&uuid).await.unwrap().is_empty());
    assert!(h.db.agency_papers(&uuid).await.unwrap().is_empty());
    // The agency's own officer: stored.
    let console = h.console(&officer).await;
    let res = console.record(&uuid, "notes", &[("body", "x")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // An admin cannot sign in to the console.
    let res = h.http.get(h.url("/console/login")).send().await.unwrap();
    let pre = cookie_from(&res, "dvc_login").unwrap();
    let csrf = hidden_csrf(&res.text().await.unwrap());
    let res = h
        .http
        .post(h.url("/console/login"))
        .header("cookie", format!("dvc_login={pre}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", admin.phone.as_str()),
            ("password", admin.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}
