//! The officer console: sign-in, CSRF, scopes, the actions and their forms (`src/console/`).

use crate::common::*;
use crate::{kinds, view_of, FEE};
use dvc_protocol::auth::Role;
use dvc_protocol::events::EventsPage;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::both_backends!(
    console_actions_become_events,
    console_supplement_and_fee_forms,
    console_shows_the_server_qr_to_officers_only,
    console_server_qr_uses_the_public_url_when_given,
    console_errors_are_pages,
);
// the same story with the server's blobs in S3
crate::on_s3_blobs!(console_actions_become_events);

/// "Mã QR máy chủ": officers see this server's address as a QR the app scans; others are sent to
/// the login page or refused.
async fn console_shows_the_server_qr_to_officers_only(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let res = h
        .http
        .get(h.url("/console/server-qr"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "not signed in");
    // A citizen's bearer token is no console session.
    let res = h
        .http
        .get(h.url("/console/server-qr"))
        .bearer_auth(&u.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let console = h.console(&officer).await;
    let (status, page) = console.page("/console/server-qr").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<svg") && page.contains("data-testid=\"server-qr\""),
        "{page}"
    );
    // The harness listens on loopback: a development address in http.
    let base = h.url("").trim_end_matches('/').to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(page.contains(&format!(">{base}<")), "{page}");
    let (_, list) = console.page("/console/dossiers").await;
    assert!(list.contains("href=\"/console/server-qr\""));
}

/// Behind a proxy that rewrites `Host`, the browser's address is not the phones' one: with
/// `--public-url` the QR says the configured address whatever `Host` the request carries.
async fn console_server_qr_uses_the_public_url_when_given(b: Backend) {
    let public = "https://dvc.example.vn";
    let h = Harness::start_with(
        b,
        dvc_sync::config::Config {
            public_url: Some(dvc_sync::config::check_public_url(&format!("{public}/")).unwrap()),
            secure_cookies: false,
            ..dvc_sync::config::Config::default()
        },
    )
    .await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let (status, page) = console.page("/console/server-qr").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!(">{public}<")), "{page}");
    assert!(
        !page.contains("127.0.0.1"),
        "not the browser's address: {page}"
    );
}

async fn console_actions_become_events(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let officer_y = h.staff(Role::Officer, Some(AGENCY_Y)).await;
    let photo = jpeg(5_000, 9);
    let hash = h.upload(&u.token, &photo, 4096).await;
    let r = h
        .submit_ok(&u.token, &manifest(AGENCY_X, &[(&hash, photo.len())]))
        .await;
    // not logged in → login page; citizens cannot log in
    let res = h.http.get(h.url("/console/dossiers")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = h.http.get(h.url("/console/login")).send().await.unwrap();
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let pre = cookie_from(&res, "dvc_login").unwrap();
    let csrf = hidden_csrf(&res.text().await.unwrap());
    let res = h
        .http
        .post(h.url("/console/login"))
        .header("cookie", format!("dvc_login={pre}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", u.phone.as_str()),
            ("password", u.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.unwrap().contains("chỉ dành cho cán bộ"));
    // without the login CSRF cookie
    let res = h
        .http
        .post(h.url("/console/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", officer.phone.as_str()),
            ("password", officer.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let console = h.console(&officer).await;
    // list, search, page
    let (_, page) = console.page("/console/dossiers?state=received").await;
    assert!(page.contains(&r.code) && page.contains("Chờ tiếp nhận"));
    let (_, page) = console
        .page(&format!(
            "/console/dossiers?q={}",
            &r.code[r.code.len() - 11..]
        ))
        .await;
    assert!(page.contains(&r.code));
    let (_, page) = console.page("/console/dossiers?q=ZZZZ").await;
    assert!(!page.contains(&r.code));
    let (_, page) = console
        .page(&format!("/console/dossiers/{}", r.dossier_uuid))
        .await;
    assert!(
        page.contains("Nguyễn Văn Thử") && page.contains(&format!("/console/blobs/{hash}")),
        "{page}"
    );
    let img = h
        .http
        .get(h.url(&format!("/console/blobs/{hash}")))
        .header("cookie", &console.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(img.status(), StatusCode::OK);
    assert_eq!(img.bytes().await.unwrap().to_vec(), photo);
    // the other agency's officer sees nothing of it
    let console_y = h.console(&officer_y).await;
    assert_eq!(
        console_y
            .page(&format!("/console/dossiers/{}", r.dossier_uuid))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        console_y.page(&format!("/console/blobs/{hash}")).await.0,
        StatusCode::NOT_FOUND
    );
    // CSRF: missing token, foreign Origin
    let res = console
        .act_with_csrf("wrong", &r.dossier_uuid, &[("action", "accept")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = h
        .http
        .post(h.url(&format!("/console/dossiers/{}/action", r.dossier_uuid)))
        .header("cookie", &console.cookie)
        .header("origin", "http://evil.example")
        .form(&[("csrf", console.csrf.as_str()), ("action", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // What browsers send. Chromium under `Referrer-Policy: no-referrer` sent `Origin: null`
    // with every form POST, so no officer could sign in; pages now say `same-origin`.
    let res = h.http.get(h.url("/console/login")).send().await.unwrap();
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
    let own_origin = h.url("");
    let own_origin = own_origin.trim_end_matches('/');
    for (origin, site, want) in [
        ("null", None, StatusCode::FORBIDDEN),
        ("null", Some("cross-site"), StatusCode::FORBIDDEN),
        (own_origin, Some("same-site"), StatusCode::FORBIDDEN),
        (
            "http://evil.example",
            Some("cross-site"),
            StatusCode::FORBIDDEN,
        ),
        // the console's own form in a browser: refused only by the state machine (see below)
        (own_origin, Some("same-origin"), StatusCode::CONFLICT),
        ("null", Some("same-origin"), StatusCode::CONFLICT),
        (own_origin, None, StatusCode::CONFLICT),
    ] {
        let mut req = h
            .http
            .post(h.url(&format!("/console/dossiers/{}/action", r.dossier_uuid)))
            .header("cookie", &console.cookie)
            .header("origin", origin);
        if let Some(site) = site {
            req = req
                .header("sec-fetch-site", site)
                .header("sec-fetch-mode", "navigate");
        }
        let res = req
            .form(&[("csrf", console.csrf.as_str()), ("action", "complete")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            want,
            "Origin {origin}, Sec-Fetch-Site {site:?}"
        );
    }
    // invalid transition: complete before anything
    let res = console
        .act(&r.dossier_uuid, &[("action", "complete")])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // the whole flow
    let steps: Vec<Vec<(&str, &str)>> = vec![
        vec![
            ("action", "supplement"),
            ("note", "Ảnh chân dung bị mờ, vui lòng chụp lại."),
        ],
        vec![("action", "accept")],
        vec![
            ("action", "fee"),
            ("amount_vnd", "200.000"),
            ("bank_bin", "970415"),
            ("account_number", "0000123456789"),
            ("account_name", "DEMO CO QUAN"),
        ],
        vec![("action", "paid")],
    ];
    for s in &steps {
        console.act_ok(&r.dossier_uuid, s).await;
    }
    // invalid form input names the field
    let res = console
        .act(
            &r.dossier_uuid,
            &[("action", "postal"), ("carrier", "VNPost")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("mã vận đơn"));
    // result PDF by multipart
    let pdf = b"%PDF-1.4\n% ket qua thu nghiem\n".to_vec();
    let res = console
        .upload_result(
            &r.dossier_uuid,
            pdf.clone(),
            "ketqua.pdf",
            "application/pdf",
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
    console
        .act_ok(&r.dossier_uuid, &[("action", "complete")])
        .await;
    // the citizen sees every step in the feed, with the result PDF readable
    let (_, v) = h
        .json(
            Method::GET,
            &format!("/v1/events?after={}", r.event_cursor),
            Some(&u.token),
            None,
        )
        .await;
    let page: EventsPage = serde_json::from_value(v).unwrap();
    let kinds: Vec<&str> = page.events.iter().map(|e| e.state.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "supplement_requested",
            "accepted",
            "fee_requested",
            "paid",
            "result_ready",
            "completed"
        ]
    );
    let dvc_protocol::events::EventKind::ResultReady {
        result: dvc_protocol::events::ResultDelivery::Online { sha256, .. },
    } = &page.events[4].event
    else {
        panic!("expected an online result")
    };
    let res = h
        .req(Method::GET, &format!("/v1/blobs/{sha256}"), Some(&u.token))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            res.status(),
            res.headers()["content-type"].to_str().unwrap()
        ),
        (StatusCode::OK, "application/pdf")
    );
    if let dvc_protocol::events::EventKind::FeeRequested {
        amount_vnd,
        transfer_note,
        ..
    } = &page.events[2].event
    {
        assert_eq!(
            (*amount_vnd, transfer_note.as_str()),
            (200_000, r.code.as_str())
        );
    } else {
        panic!("expected a fee request")
    }
    // audit rows: one per action, shown on the page
    let audit = h.db.dossier_audit(&r.dossier_uuid).await.unwrap();
    assert_eq!(audit.len(), 6);
    assert!(audit.iter().all(|a| a.actor_login == officer.phone));
    let (_, page) = console
        .page(&format!("/console/dossiers/{}", r.dossier_uuid))
        .await;
    assert!(
        page.contains("Nhật ký thao tác")
            && page.contains("fee_requested")
            && page.contains("Hoàn thành")
    );
    // logout ends the session
    assert_eq!(console.logout().await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        console.page("/console/dossiers").await.0,
        StatusCode::SEE_OTHER
    );
}

async fn console_supplement_and_fee_forms(b: Backend) {
    let h = Harness::start(b).await;
    h.db.set_agency_bank(
        AGENCY_X,
        &dvc_protocol::events::BankAccount {
            bank_bin: "970415".into(),
            account_number: "0000123456789".into(),
            account_name: "DEMO CO QUAN".into(),
        },
    )
    .await
    .unwrap();
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let officer_y = h.staff(Role::Officer, Some(AGENCY_Y)).await;
    let console = h.console(&officer).await;
    let photo = jpeg(1_000, 3);
    let hash = h.upload(&u.token, &photo, 4096).await;
    let r = h
        .submit_ok(&u.token, &manifest(AGENCY_X, &[(&hash, photo.len())]))
        .await;
    let uuid = r.dossier_uuid.clone();
    let (_, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    // supplement: a checkbox per form field and attachment kind
    for needle in [
        r#"name="item_field" value="ho_ten""#,
        r#"name="item_field" value="ngay_sinh""#,
        r#"name="item_attachment" value="portrait_4x6""#,
        r#"name="bank_bin" inputmode="numeric" pattern="[0-9]{6}" required value="970415""#,
        r#"value="0000123456789""#,
        r#"value="DEMO CO QUAN""#,
    ] {
        assert!(p.contains(needle), "{needle} missing");
    }
    // the other agency's form is not prefilled with X's account
    let r_y = h.submit_ok(&u.token, &manifest(AGENCY_Y, &[])).await;
    let console_y = h.console(&officer_y).await;
    let (_, p) = console_y
        .page(&format!("/console/dossiers/{}", r_y.dossier_uuid))
        .await;
    assert!(!p.contains("0000123456789") && p.contains("chưa khai báo tài khoản"));
    // neither an item nor a note: refused, nothing appended
    let res = console
        .act(&uuid, &[("action", "supplement"), ("note", "  ")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("ít nhất một mục"));
    // an item that is not in the dossier
    let res = console
        .act(
            &uuid,
            &[("action", "supplement"), ("item_field", "khong_co")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = console
        .act(
            &uuid,
            &[("action", "supplement"), ("item_attachment", "<script>")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(kinds(&view_of(&h, &u.token, &uuid).await), ["received"]);
    // items only (no note), repeated boxes once
    console
        .act_ok(
            &uuid,
            &[
                ("action", "supplement"),
                ("item_attachment", "portrait_4x6"),
                ("item_field", "ho_ten"),
                ("item_field", "ho_ten"),
            ],
        )
        .await;
    let v = view_of(&h, &u.token, &uuid).await;
    assert_eq!(
        serde_json::to_value(&v.events[1].event).unwrap(),
        json!({"type": "supplement_requested", "note": "",
               "items": [{"target": "field", "name": "ho_ten"}, {"target": "attachment", "kind": "portrait_4x6"}]})
    );
    let (_, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert!(
        p.contains("Yêu cầu bổ sung (trường ho_ten, tệp portrait_4x6)"),
        "{p}"
    );
    let audit = h.db.dossier_audit(&uuid).await.unwrap();
    assert!(audit[0].detail.contains("ho_ten, portrait_4x6"));
    console.act_ok(&uuid, &[("action", "accept")]).await;
    // fees go only to the agency's configured account: another number or bank is refused and
    // nothing is appended
    let before = view_of(&h, &u.token, &uuid).await.events.len();
    let mut other_number = FEE;
    other_number[3] = ("account_number", "9999999999");
    let mut other_bank = FEE;
    other_bank[2] = ("bank_bin", "970436");
    for form in [other_number, other_bank] {
        let res = console.act(&uuid, &form).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("tài khoản của cơ quan đã cấu hình"));
    }
    assert_eq!(view_of(&h, &u.token, &uuid).await.events.len(), before);
    // the prefilled account is sent; a holder name typed differently becomes the configured one
    let mut renamed = FEE;
    renamed[4] = ("account_name", "TEN KHAC");
    console.act_ok(&uuid, &renamed).await;
    let v = view_of(&h, &u.token, &uuid).await;
    let fee = serde_json::to_value(&v.events.last().unwrap().event).unwrap();
    assert_eq!(fee["type"], "fee_requested");
    assert_eq!(fee["bank"]["account_number"], "0000123456789");
    assert_eq!(fee["bank"]["account_name"], "DEMO CO QUAN");
    // the audit row names the whole account
    let audit = h.db.dossier_audit(&uuid).await.unwrap();
    assert!(
        audit.iter().any(|a| a.detail.contains(
            "bank_bin: 970415; account_number: 0000123456789; account_name: DEMO CO QUAN"
        )),
        "{audit:?}"
    );
    let (_, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert!(p.contains("Người nộp chưa báo đã chuyển khoản") && p.contains("Phí đã yêu cầu"));
    let css = h
        .http
        .get(h.url("/console/static/console.css"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(css.contains("@media (max-width: 600px)"));
    // an agency without a configured account cannot ask for a fee at all
    console_y
        .act_ok(&r_y.dossier_uuid, &[("action", "accept")])
        .await;
    let res = console_y.act(&r_y.dossier_uuid, &FEE).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("chưa có tài khoản nhận phí"));
    assert_eq!(
        kinds(&view_of(&h, &u.token, &r_y.dossier_uuid).await),
        ["received", "accepted"]
    );
}

/// Found by tests/fuzz_openapi.rs: under `/console`, a path no route takes, a wrong method and a
/// path parameter that is not UTF-8 were answered with the API's JSON error, a repeated query key
/// with axum's plain text; the console answers with its HTML pages (and its security headers),
/// while the API keeps its JSON.
async fn console_errors_are_pages(b: Backend) {
    let h = Harness::start(b).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let c = h.console(&officer).await;
    for (method, path, status) in [
        (Method::GET, "/console/nothing-here", 404),
        (Method::GET, "/console/", 404),
        (Method::PUT, "/console/login", 405),
        (Method::GET, "/console/dossiers/%ff%fe", 400),
        (Method::GET, "/console/blobs/%ff", 400),
        (
            Method::GET,
            "/console/reports/teams/01a25058-71b1-7546-ab16-5eaf7c1157ed?period=a&period=b",
            400,
        ),
    ] {
        let res = h
            .http
            .request(method.clone(), h.url(path))
            .header("cookie", &c.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{method} {path}");
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/html"), "{method} {path}: {ct}");
        assert!(res.headers().contains_key("content-security-policy"));
        let page = res.text().await.unwrap();
        assert!(page.contains("<html"), "{page}");
    }
    // A search for a NUL character, which PostgreSQL's text cannot hold (a 500 there): dropped.
    for q in ["%00", "a%00b"] {
        let (status, page) = c.page(&format!("/console/dossiers?q={q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}: {page}");
    }
    // A form with one: refused before it reaches the dossier.
    let d = h
        .submit_ok(&h.user(Role::Citizen).await.token, &manifest(AGENCY_X, &[]))
        .await;
    let res = c
        .act(&d.dossier_uuid, &[("action", "reject"), ("reason", "a\0b")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("<html"));
    // the same form without it goes through
    c.act_ok(
        &d.dossier_uuid,
        &[("action", "reject"), ("reason", "Thiếu giấy tờ")],
    )
    .await;
    let (s, v) = h.json(Method::GET, "/v1/nothing-here", None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["code"], "404.1");
    let (s, v) = h.json(Method::PUT, "/healthz", None, None).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(v["code"], "405.1");
}
