//! Answers that must not tell outsiders anything: `/metrics` only for the scraper holding the
//! metrics token; a consent grant answers the same `404.1`, byte for byte, for every phone that
//! may not receive consent (unknown, a citizen's, one's own, a disabled volunteer's). The API
//! description stays public: it documents the open-source protocol the app speaks and holds no
//! data. On both databases. The gauges read from the database (queues by agency and state,
//! due-soon and overdue dossiers, the outbox and its lag, open uploads) count exactly what a story
//! left behind.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use common::*;
use dvc_protocol::auth::Role;
use dvc_sync::config::{Config, MetricsToken};
use reqwest::{Method, StatusCode};
use serde_json::json;

both_backends!(
    metrics_need_the_token,
    consent_grant_answers_are_uniform,
    work_gauges_count_queues_deadlines_and_the_outbox
);

const TOKEN: &str = "metrics-0123456789abcdefghij";

async fn metrics_need_the_token(b: Backend) {
    let h = Harness::start_with(
        b,
        Config {
            secure_cookies: false,
            metrics_token: MetricsToken::new(TOKEN),
            ..Config::default()
        },
    )
    .await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    for auth in [
        None,
        Some("Bearer wrong-token-0123456789abcdefgh".to_owned()),
        Some(format!("Bearer {}", &TOKEN[..TOKEN.len() - 1])),
        Some(format!("Basic {TOKEN}")),
        Some(format!("Bearer {}", officer.token)),
    ] {
        let mut r = h.http.get(h.url("/metrics"));
        if let Some(a) = &auth {
            r = r.header("authorization", a);
        }
        let res = r.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("dvc_"), "{body}");
    }
    let res = h
        .http
        .get(h.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(text.contains("dvc_dossiers_created_total 0"), "{text}");

    // Without a configured token the route answers like any unknown path.
    let off = Harness::start(b).await;
    let a = off
        .http
        .get(off.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let z = off.http.get(off.url("/no-such-path")).send().await.unwrap();
    assert_eq!(
        (a.status(), z.status()),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
    assert_eq!(a.text().await.unwrap(), z.text().await.unwrap());

    // The API description is public.
    let (s, doc) = off.json(Method::GET, "/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["paths"]["/metrics"]["get"].is_object());
}

async fn consent_grant_answers_are_uniform(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let vol = h.user(Role::Volunteer).await;
    let disabled_phone = next_phone();
    h.db.create_account(
        &dvc_sync::db::Account {
            id: uuid::Uuid::now_v7().to_string(),
            login: disabled_phone.clone(),
            role: Role::Volunteer,
            agency_code: None,
            display_name: None,
            password_hash: "$argon2id$synthetic".into(),
            disabled: true,
        },
        0,
    )
    .await
    .unwrap();
    let mut answers = Vec::new();
    for phone in [
        next_phone(),          // nobody
        other.phone.clone(),   // a citizen
        citizen.phone.clone(), // oneself
        disabled_phone,        // a disabled volunteer
    ] {
        let res = h
            .req(Method::POST, "/v1/consents", Some(&citizen.token))
            .json(&json!({"volunteer_phone": phone}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        answers.push(res.text().await.unwrap());
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "the answers differ: {answers:?}"
    );
    // nothing was recorded for any of them; the real volunteer works
    let (_, list) = h
        .json(Method::GET, "/v1/consents", Some(&citizen.token), None)
        .await;
    assert_eq!(list["consents"], json!([]));
    let (s, _) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": vol.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
}

/// Unix ms of a Vietnam local time `YYYY-MM-DD HH:MM`.
fn vn(s: &str) -> i64 {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let t = time::PrimitiveDateTime::parse(s, &fmt)
        .unwrap()
        .assume_offset(time::macros::offset!(+7));
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap()
}

async fn scrape(h: &Harness) -> String {
    let res = h
        .http
        .get(h.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

/// The value of one series (`name{labels}` exactly as exposed).
fn value<'a>(text: &'a str, series: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no series {series} in\n{text}"))
}

fn queue(agency: &str, state: &str) -> String {
    format!("dvc_dossiers{{agency=\"{agency}\",state=\"{state}\"}}")
}

async fn work_gauges_count_queues_deadlines_and_the_outbox(b: Backend) {
    use dvc_protocol::auth::Channel;
    let h = Harness::start_with(
        b,
        Config {
            secure_cookies: false,
            metrics_token: MetricsToken::new(TOKEN),
            ..Config::default()
        },
    )
    .await;
    // Nothing yet: no agency series, an empty outbox, no lag.
    let text = scrape(&h).await;
    assert!(!text.contains("dvc_dossiers{"), "{text}");
    assert_eq!(value(&text, "dvc_outbox_pending"), "0");
    assert_eq!(value(&text, "dvc_outbox_lag_seconds"), "0.000");
    assert_eq!(value(&text, "dvc_uploads_open"), "0");
    assert_eq!(value(&text, "dvc_db_figures_up"), "1");

    // Monday 7/12/2026 09:00 in Vietnam. The citizen hears of each event by SMS; no sender runs
    // in this harness, so every message stays pending.
    let t0 = vn("2026-12-07 09:00");
    h.clock.set(t0);
    h.db.set_outbox_channels(&[Channel::Sms]);
    let u = h.user(Role::Citizen).await;
    h.db.set_notification_settings(&u.account.account_id, &[Channel::Sms], None)
        .await
        .unwrap();
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    // Agency X: five passport dossiers (8 working days: due Thursday 17/12) in five states;
    // agency Y: one, untouched.
    let m = manifest(AGENCY_X, &[]);
    let untouched = h.submit_ok(&u.token, &m).await;
    let accepted = h.submit_ok(&u.token, &m).await;
    let supplement = h.submit_ok(&u.token, &m).await;
    let fee = h.submit_ok(&u.token, &m).await;
    let done = h.submit_ok(&u.token, &m).await;
    h.submit_ok(&u.token, &manifest(AGENCY_Y, &[])).await;
    let console = h.console(&officer).await;
    for d in [&accepted, &fee, &done] {
        console
            .act_ok(&d.dossier_uuid, &[("action", "accept")])
            .await;
    }
    console
        .act_ok(
            &supplement.dossier_uuid,
            &[("action", "supplement"), ("note", "Ảnh chân dung bị mờ")],
        )
        .await;
    console
        .act_ok(
            &fee.dossier_uuid,
            &[
                ("action", "fee"),
                ("amount_vnd", "200.000"),
                ("bank_bin", "970415"),
                ("account_number", "0000123456789"),
                ("account_name", "DEMO CO QUAN"),
            ],
        )
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
    // One upload started and left half-way.
    let res = h
        .req(Method::POST, "/v1/uploads", Some(&u.token))
        .json(&json!({"sha256": sha(b"half an upload"), "length": 14}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let _ = untouched;

    // 90 seconds later.
    h.clock.set(t0 + 90_000);
    let text = scrape(&h).await;
    for (state, n) in [
        ("received", "1"),
        ("accepted", "1"),
        ("supplement_requested", "1"),
        ("fee_requested", "1"),
        ("paid", "0"),
        ("result_ready", "1"),
        ("completed", "0"),
        ("rejected", "0"),
        ("cancelled", "0"),
    ] {
        assert_eq!(value(&text, &queue(AGENCY_X, state)), n, "{state}");
    }
    assert_eq!(value(&text, &queue(AGENCY_Y, "received")), "1");
    assert_eq!(value(&text, &queue(AGENCY_Y, "accepted")), "0");
    // 6 receipts + 3 accepts + supplement + fee + postal result = 12 events, one SMS each.
    assert_eq!(value(&text, "dvc_outbox_pending"), "12");
    assert_eq!(value(&text, "dvc_outbox_due"), "12");
    assert_eq!(value(&text, "dvc_outbox_lag_seconds"), "90.000");
    assert_eq!(value(&text, "dvc_uploads_open"), "1");
    for a in [AGENCY_X, AGENCY_Y] {
        let l = format!("{{agency=\"{a}\"}}");
        assert_eq!(value(&text, &format!("dvc_dossiers_due_soon{l}")), "0");
        assert_eq!(value(&text, &format!("dvc_dossiers_overdue{l}")), "0");
    }
    // Only codes and states in labels: no phone, no name, no dossier code.
    assert!(!text.contains(&u.phone) && !text.contains(&untouched.code));
    assert!(!text.contains("Nguyễn"));

    // A message claimed by a sender is leased (not due) until its lease ends.
    let claimed = h.db.claim_outbox(t0 + 90_000, 60_000, 12).await.unwrap();
    assert_eq!(claimed.len(), 12);
    let text = scrape(&h).await;
    assert_eq!(value(&text, "dvc_outbox_pending"), "12");
    assert_eq!(value(&text, "dvc_outbox_due"), "0");
    assert_eq!(value(&text, "dvc_outbox_lag_seconds"), "0.000");

    // Wednesday 16/12: the two open dossiers of X the officer must act on (received, accepted)
    // and Y's are due on Thursday 17/12 → due soon; the two waiting for the applicant are not.
    // The leases ended on 7/12 at 09:02:30: every message is due again since then.
    let t1 = vn("2026-12-16 09:00");
    h.clock.set(t1);
    let text = scrape(&h).await;
    let x = format!("{{agency=\"{AGENCY_X}\"}}");
    let y = format!("{{agency=\"{AGENCY_Y}\"}}");
    assert_eq!(value(&text, &format!("dvc_dossiers_due_soon{x}")), "2");
    assert_eq!(value(&text, &format!("dvc_dossiers_overdue{x}")), "0");
    assert_eq!(value(&text, &format!("dvc_dossiers_due_soon{y}")), "1");
    assert_eq!(value(&text, "dvc_outbox_due"), "12");
    assert_eq!(
        value(&text, "dvc_outbox_lag_seconds"),
        format!("{}.000", (t1 - (t0 + 150_000)) / 1000)
    );

    // Friday 18/12: overdue.
    h.clock.set(vn("2026-12-18 09:00"));
    let text = scrape(&h).await;
    assert_eq!(value(&text, &format!("dvc_dossiers_due_soon{x}")), "0");
    assert_eq!(value(&text, &format!("dvc_dossiers_overdue{x}")), "2");
    assert_eq!(value(&text, &format!("dvc_dossiers_overdue{y}")), "1");
    // The queue gauges did not move.
    assert_eq!(value(&text, &queue(AGENCY_X, "supplement_requested")), "1");
}
