//! Consent as Decree 13/2023 expects it (`src/api/consents.rs`): asked for on the volunteer's
//! phone and confirmed with a code sent to the citizen's phone, or given from the citizen's own
//! account by phone number or QR code; scope, expiry, withdrawal and refusal; on-behalf
//! submissions checked against it; both parties acting on the dossier afterwards; the list a new
//! phone restores from.

use crate::common::*;
use crate::FEE;
use dvc_protocol::auth::{volunteer_qr, Role};
use dvc_protocol::dossiers::DossierList;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

crate::both_backends!(
    consent_by_code_on_the_volunteers_phone,
    consent_codes_are_limited,
    consent_from_the_citizens_account_by_phone_or_qr,
    on_behalf_needs_a_live_consent_covering_the_procedure,
    both_parties_act_after_submission_and_nobody_else,
    restore_list_pages_through_everything_filed_by_or_for_me,
);

const DAY_MS: i64 = 86_400_000;

async fn ask(h: &Harness, vol: &User, phone: &str, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({"citizen_phone": phone});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    h.json(
        Method::POST,
        "/v1/consent-requests",
        Some(&vol.token),
        Some(body),
    )
    .await
}

async fn confirm(h: &Harness, vol: &User, request_id: &str, otp: &str) -> (StatusCode, Value) {
    h.json(
        Method::POST,
        &format!("/v1/consent-requests/{request_id}/confirm"),
        Some(&vol.token),
        Some(json!({"otp": otp})),
    )
    .await
}

/// A code that is not `code` (same shape).
fn other_than(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Codes sent to `phone` so far.
fn codes_sent_to(h: &Harness, phone: &str) -> usize {
    h.otp
        .sent()
        .iter()
        .filter(|(to, _)| to.phone.as_deref() == Some(phone))
        .count()
}

/// Waits for the `n`-th message to `phone` and returns the last code.
async fn wait_nth_code(h: &Harness, phone: &str, n: usize) -> String {
    for _ in 0..300 {
        if codes_sent_to(h, phone) >= n {
            return h.otp.code_for(phone).unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("message {n} never reached the phone");
}

async fn audit_actions(h: &Harness, account_id: &str) -> Vec<String> {
    h.db.account_audit(account_id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect()
}

async fn consent_by_code_on_the_volunteers_phone(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await;
    let vol = h.user(Role::Volunteer).await;
    let other_vol = h.user(Role::Volunteer).await;
    let sent_before = codes_sent_to(&h, &citizen.phone);

    // Only volunteers ask; the fields are checked before anything is sent.
    let (s, _) = ask(&h, &citizen, &vol.phone, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (extra, field) in [
        (json!({"citizen_phone": "12345"}), "citizen_phone"),
        (json!({"valid_days": 0}), "valid_days"),
        (json!({"valid_days": 366}), "valid_days"),
        (json!({"procedures": []}), "procedures"),
        (json!({"procedures": ["bad code!"]}), "procedures[0]"),
        (json!({"text_version": "có dấu"}), "text_version"),
    ] {
        let (s, v) = ask(&h, &vol, &citizen.phone, extra).await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{v}"
        );
    }
    assert_eq!(codes_sent_to(&h, &citizen.phone), sent_before);

    let (s, pending) = ask(
        &h,
        &vol,
        &citizen.phone,
        json!({"procedures": ["1.001456"], "valid_days": 30}),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{pending}");
    assert_eq!(pending["valid_days"], 30);
    assert_eq!(pending["code_length"], 6);
    assert_eq!(
        pending["text_version"],
        dvc_protocol::auth::CONSENT_TEXT_VERSION
    );
    let rid = pending["request_id"].as_str().unwrap().to_owned();
    let code = wait_nth_code(&h, &citizen.phone, sent_before + 1).await;
    // The message names neither the volunteer nor the procedure.
    let (_, msg) = h.otp.sent().into_iter().last().unwrap();
    let (_, text) = dvc_sync::notify::text::render(&msg.body);
    assert!(
        text.contains(&code) && text.contains("người hỗ trợ"),
        "{text}"
    );
    assert!(
        !text.contains(&vol.phone) && !text.contains("1.001456"),
        "{text}"
    );

    // A wrong code, a malformed one (not counted), another volunteer's try: all 400.5.
    let (s, v) = confirm(&h, &vol, &rid, &other_than(&code)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("400.5"))
    );
    let (s, _) = confirm(&h, &vol, &rid, "12ab").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = confirm(&h, &other_vol, &rid, &code).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = confirm(&h, &citizen, &rid, &code).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let now = dvc_sync::clock::Clock::now_ms(h.clock.as_ref());
    let (s, c) = confirm(&h, &vol, &rid, &code).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["method"], "otp");
    assert_eq!(c["procedures"], json!(["1.001456"]));
    assert_eq!(c["citizen_phone"], citizen.phone.as_str());
    assert_eq!(c["volunteer_phone"], vol.phone.as_str());
    assert_eq!(
        c["expires_at"].as_str().unwrap(),
        dvc_sync::domain::rfc3339(now + 30 * DAY_MS)
    );
    // The code is used up.
    let (s, _) = confirm(&h, &vol, &rid, &code).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Grantor and grantee both list it; nobody else.
    for u in [&citizen, &vol] {
        let (s, l) = h
            .json(Method::GET, "/v1/consents", Some(&u.token), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(l["consents"][0]["consent_id"], c["consent_id"], "{l}");
    }
    let (_, l) = h
        .json(Method::GET, "/v1/consents", Some(&other_vol.token), None)
        .await;
    assert_eq!(l["consents"], json!([]));
    let actions = audit_actions(&h, &citizen.account.account_id).await;
    assert_eq!(actions, ["consent_requested", "consent_granted"]);

    // The citizen said no: the request ends, its code is dead, the refusal is audited.
    let (_, pending) = ask(&h, &vol, &citizen.phone, json!({})).await;
    let rid = pending["request_id"].as_str().unwrap().to_owned();
    let code = wait_nth_code(&h, &citizen.phone, sent_before + 2).await;
    let refuse = format!("/v1/consent-requests/{rid}");
    let (s, _) = h
        .json(Method::DELETE, &refuse, Some(&other_vol.token), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = h
        .json(Method::DELETE, &refuse, Some(&vol.token), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = h
        .json(Method::DELETE, &refuse, Some(&vol.token), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = confirm(&h, &vol, &rid, &code).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(audit_actions(&h, &citizen.account.account_id)
        .await
        .contains(&"consent_refused".to_owned()));

    // A code expires.
    let (_, pending) = ask(&h, &vol, &citizen.phone, json!({})).await;
    let rid = pending["request_id"].as_str().unwrap().to_owned();
    let code = wait_nth_code(&h, &citizen.phone, sent_before + 3).await;
    let ttl_s = pending["expires_in_s"].as_i64().unwrap();
    h.clock.advance(ttl_s * 1000);
    let (s, _) = confirm(&h, &vol, &rid, &code).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // A number without a citizen account gets the same answer, no message, and no code works.
    let nobody = next_phone();
    let (s, p) = ask(&h, &vol, &nobody, json!({})).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&p), keys(&pending));
    // a volunteer's own number is not a citizen's either
    let (s, _) = ask(&h, &vol, &other_vol.phone, json!({})).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    // (a later message to a known number proves the background sender has run)
    let (_, _) = ask(&h, &vol, &citizen.phone, json!({})).await;
    wait_nth_code(&h, &citizen.phone, sent_before + 4).await;
    assert_eq!(codes_sent_to(&h, &nobody), 0);
    let rid = p["request_id"].as_str().unwrap();
    for guess in ["000000", "123456", "999999"] {
        let (s, _) = confirm(&h, &vol, rid, guess).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
    }
}

async fn consent_codes_are_limited(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await; // one code sent to this phone (registration)
    let vol = h.user(Role::Volunteer).await;
    let sent_before = codes_sent_to(&h, &citizen.phone);

    // Five wrong codes kill a request; the right one then fails too.
    let (_, pending) = ask(&h, &vol, &citizen.phone, json!({})).await;
    let rid = pending["request_id"].as_str().unwrap().to_owned();
    let code = wait_nth_code(&h, &citizen.phone, sent_before + 1).await;
    for _ in 0..5 {
        let (s, v) = confirm(&h, &vol, &rid, &other_than(&code)).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("400.5"))
        );
    }
    let (s, _) = confirm(&h, &vol, &rid, &code).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(audit_actions(&h, &citizen.account.account_id)
        .await
        .contains(&"consent_request_failed".to_owned()));

    // A new request replaces the pending one: only the newest code works.
    let (_, first) = ask(&h, &vol, &citizen.phone, json!({})).await;
    let first_code = wait_nth_code(&h, &citizen.phone, sent_before + 2).await;
    let (_, second) = ask(&h, &vol, &citizen.phone, json!({})).await;
    let second_code = wait_nth_code(&h, &citizen.phone, sent_before + 3).await;
    let (s, _) = confirm(&h, &vol, first["request_id"].as_str().unwrap(), &first_code).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Codes per phone number: the registration and four requests use the budget of five (a
    // second volunteer's requests do not replace the first one's).
    let vol2 = h.user(Role::Volunteer).await;
    let (s, _) = ask(&h, &vol2, &citizen.phone, json!({})).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (s, v) = ask(&h, &vol2, &citizen.phone, json!({})).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("429.1")),
        "{v}"
    );
    assert!(v["retry_after_s"].as_u64().unwrap() > 0);
    // ...and the second request still confirms.
    let (s, c) = confirm(
        &h,
        &vol,
        second["request_id"].as_str().unwrap(),
        &second_code,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
}

async fn consent_from_the_citizens_account_by_phone_or_qr(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await;
    let vol = h.user(Role::Volunteer).await;
    let grant = |body: Value| {
        let h = &h;
        let t = citizen.token.clone();
        async move {
            h.json(Method::POST, "/v1/consents", Some(&t), Some(body))
                .await
        }
    };
    // By the QR code the volunteer's app shows (the account id with a check).
    let qr = volunteer_qr(&vol.account.account_id);
    let (s, c) = grant(json!({"volunteer_qr": qr, "procedures": ["1.001456", "1.001456"]})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["volunteer_id"], vol.account.account_id.as_str());
    assert_eq!(c["procedures"], json!(["1.001456"]), "sorted, no repeats");
    assert_eq!(c["method"], "app");
    let now = dvc_sync::clock::Clock::now_ms(h.clock.as_ref());
    assert_eq!(
        c["expires_at"].as_str().unwrap(),
        dvc_sync::domain::rfc3339(now + 90 * DAY_MS),
        "90 days by default"
    );
    // A retry is the same consent; a damaged QR, both names, none, a citizen's QR are refused.
    let (_, again) = grant(json!({"volunteer_qr": qr, "procedures": ["1.001456"]})).await;
    assert_eq!(again["consent_id"], c["consent_id"]);
    let (head, check) = qr.rsplit_once(':').unwrap();
    let damaged = format!("{head}:{:02}", (check.parse::<u32>().unwrap() + 1) % 97);
    let (s, v) = grant(json!({"volunteer_qr": damaged})).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("volunteer_qr"))
    );
    let (s, _) = grant(json!({"volunteer_qr": qr, "volunteer_phone": vol.phone})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = grant(json!({})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = grant(json!({"volunteer_qr": volunteer_qr(&citizen.account.account_id)})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // By phone number, for every procedure: it replaces the narrower one.
    let (s, wide) = grant(json!({"volunteer_phone": vol.phone, "valid_days": 7})).await;
    assert_eq!(s, StatusCode::CREATED, "{wide}");
    assert_ne!(wide["consent_id"], c["consent_id"]);
    assert!(wide.get("procedures").is_none());
    let (_, l) = h
        .json(Method::GET, "/v1/consents", Some(&citizen.token), None)
        .await;
    assert_eq!(l["consents"].as_array().unwrap().len(), 1);
    assert_eq!(l["consents"][0]["consent_id"], wide["consent_id"]);
    // Volunteers cannot grant or withdraw; only the grantor withdraws.
    let (s, _) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&vol.token),
            Some(json!({"volunteer_phone": vol.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let path = format!("/v1/consents/{}", wide["consent_id"].as_str().unwrap());
    let (s, _) = h.json(Method::DELETE, &path, Some(&vol.token), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = h
        .json(Method::DELETE, &path, Some(&citizen.token), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, l) = h
        .json(Method::GET, "/v1/consents", Some(&vol.token), None)
        .await;
    assert_eq!(l["consents"], json!([]));
    let actions = audit_actions(&h, &citizen.account.account_id).await;
    assert_eq!(
        actions,
        ["consent_granted", "consent_granted", "consent_withdrawn"]
    );
    // Expiry is audited by the clean-up pass once the time has come.
    let (_, short) = grant(json!({"volunteer_phone": vol.phone, "valid_days": 1})).await;
    assert_eq!(short["method"], "app");
    h.clock.advance(DAY_MS);
    let report = dvc_sync::cleanup::run_once(&h.server.state).await.unwrap();
    assert_eq!(report.consents_expired, 1);
    assert_eq!(
        audit_actions(&h, &citizen.account.account_id)
            .await
            .last()
            .unwrap(),
        "consent_expired"
    );
}

async fn on_behalf_needs_a_live_consent_covering_the_procedure(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await;
    let vol = h.user(Role::Volunteer).await;
    let mut m = manifest(AGENCY_X, &[]);
    m["on_behalf_of"] = json!({"citizen_phone": citizen.phone});
    let new = || uuid::Uuid::now_v7().to_string();
    let refused = |v: &Value| {
        (
            v["code"].as_str().map(str::to_owned),
            v["field"].as_str().map(str::to_owned),
        )
    };
    let grant = |body: Value| {
        let h = &h;
        let t = citizen.token.clone();
        async move {
            let (s, c) = h
                .json(Method::POST, "/v1/consents", Some(&t), Some(body))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{c}");
            c
        }
    };

    let (s, v) = h.submit(&vol.token, &new(), &m).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        refused(&v),
        (Some("403.2".into()), Some("on_behalf_of".into()))
    );
    // Out of scope.
    grant(json!({"volunteer_phone": vol.phone, "procedures": ["2.000001"]})).await;
    let (s, v) = h.submit(&vol.token, &new(), &m).await;
    assert_eq!(
        (s, refused(&v).0),
        (StatusCode::FORBIDDEN, Some("403.9".into()))
    );
    h.clock.advance(1000);
    // In scope, for one day: accepted, filed under that consent.
    let c =
        grant(json!({"volunteer_phone": vol.phone, "procedures": ["1.001456"], "valid_days": 1}))
            .await;
    let filed = new();
    let (s, r) = h.submit(&vol.token, &filed, &m).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let d =
        h.db.submitted_dossier(&vol.account.account_id, &filed)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(d.consent_id.as_deref(), c["consent_id"].as_str());
    assert_eq!(
        d.citizen_id.as_deref(),
        Some(citizen.account.account_id.as_str())
    );
    // Expired: no new dossier, but what was filed under it stays readable for both.
    h.clock.advance(DAY_MS);
    let (s, v) = h.submit(&vol.token, &new(), &m).await;
    assert_eq!(
        (s, refused(&v).0),
        (StatusCode::FORBIDDEN, Some("403.7".into()))
    );
    for u in [&vol, &citizen] {
        let (s, _) = h
            .json(
                Method::GET,
                &format!("/v1/dossiers/{filed}"),
                Some(&u.token),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    // Given again, then withdrawn.
    let c = grant(json!({"volunteer_phone": vol.phone})).await;
    let (s, _) = h.submit(&vol.token, &new(), &m).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = h
        .json(
            Method::DELETE,
            &format!("/v1/consents/{}", c["consent_id"].as_str().unwrap()),
            Some(&citizen.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = h.submit(&vol.token, &new(), &m).await;
    assert_eq!(
        (s, refused(&v).0),
        (StatusCode::FORBIDDEN, Some("403.8".into()))
    );

    // A paper consent: volunteers only, never with on_behalf_of; labelled in the console.
    let mut paper = manifest(AGENCY_X, &[]);
    paper["consent_basis"] = json!("paper");
    let (s, v) = h.submit(&citizen.token, &new(), &paper).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("consent_basis"))
    );
    let mut both = m.clone();
    both["consent_basis"] = json!("paper");
    let (s, _) = h.submit(&vol.token, &new(), &both).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = h
        .json(
            Method::PUT,
            &format!("/v1/dossiers/{}", new()),
            Some(&vol.token),
            Some(json!({
                "procedure_code": "1.001456", "agency_code": AGENCY_X, "form": {},
                "delivery": {"method": "at_agency"}, "consent_basis": "email"
            })),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let paper_uuid = new();
    let (s, _) = h.submit(&vol.token, &paper_uuid, &paper).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, l) = h
        .json(Method::GET, "/v1/dossiers", Some(&vol.token), None)
        .await;
    let l: DossierList = serde_json::from_value(l).unwrap();
    let row = l
        .dossiers
        .iter()
        .find(|d| d.dossier_uuid == paper_uuid)
        .unwrap();
    assert_eq!(
        row.consent_basis,
        Some(dvc_protocol::dossiers::ConsentBasis::Paper)
    );
    assert_eq!(row.filed_by, None);

    // The console labels both: the consent an on-behalf dossier was filed under, and paper.
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let (s, page) = console.page(&format!("/console/dossiers/{filed}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Cơ sở nộp hộ"), "{page}");
    assert!(page.contains(c_id_of(&h, &filed).await.as_str()));
    assert!(page.contains("mọi thủ tục") || page.contains("1.001456"));
    assert!(page.contains("người dân cho phép trong ứng dụng"));
    let (_, page) = console
        .page(&format!("/console/dossiers/{paper_uuid}"))
        .await;
    assert!(page.contains("Giấy đồng ý (bản giấy)"), "{page}");
    let (_, list) = console.page("/console/dossiers").await;
    assert!(list.contains("Nộp hộ — giấy đồng ý"));
    assert!(list.contains("Nộp hộ — có đồng ý điện tử"));
}

async fn c_id_of(h: &Harness, uuid: &str) -> String {
    let d =
        h.db.dossier(&dvc_sync::domain::Scope::Nothing, uuid)
            .await
            .unwrap();
    assert!(d.is_none(), "admins see nothing");
    let rows =
        h.db.list_dossiers(
            &dvc_sync::domain::Scope::Agency(AGENCY_X.into()),
            &dvc_sync::db::DossierFilter {
                state: None,
                code_query: None,
                limit: 200,
                before: None,
                finished: None,
            },
        )
        .await
        .unwrap();
    rows.into_iter()
        .find(|r| r.dossier.uuid == uuid)
        .and_then(|r| r.dossier.consent_id)
        .unwrap()
}

/// One after-submission call; its status.
async fn call(h: &Harness, token: &str, method: Method, path: &str, body: Option<Value>) -> u16 {
    h.json(method, path, Some(token), body).await.0.as_u16()
}

async fn both_parties_act_after_submission_and_nobody_else(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await;
    let vol = h.user(Role::Volunteer).await;
    let stranger = h.user(Role::Citizen).await;
    let other_vol = h.user(Role::Volunteer).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let (s, _) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": vol.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut m = manifest(AGENCY_X, &[]);
    m["on_behalf_of"] = json!({"citizen_phone": citizen.phone});
    let outsiders = [&stranger, &other_vol];

    // Supplement: the volunteer answers the first request, the citizen the second.
    let uuid = h.submit_ok(&vol.token, &m).await.dossier_uuid;
    let base = format!("/v1/dossiers/{uuid}");
    for (rev, who) in [(2, &vol), (3, &citizen)] {
        console
            .act_ok(
                &uuid,
                &[
                    ("action", "supplement"),
                    ("note", "Ảnh mờ"),
                    ("item_field", "ngay_sinh"),
                ],
            )
            .await;
        let mut fixed = m.clone();
        fixed["form"]["ngay_sinh"] = json!(format!("0{rev}/01/1990"));
        for o in outsiders {
            let p = format!("{base}/revisions/{rev}");
            assert_eq!(
                call(&h, &o.token, Method::PUT, &p, Some(fixed.clone())).await,
                404
            );
        }
        let p = format!("{base}/revisions/{rev}");
        assert_eq!(
            call(&h, &who.token, Method::PUT, &p, Some(fixed)).await,
            200,
            "revision {rev}"
        );
    }
    for u in [&vol, &citizen] {
        assert_eq!(
            call(
                &h,
                &u.token,
                Method::GET,
                &format!("{base}/revisions"),
                None
            )
            .await,
            200
        );
    }
    for o in outsiders {
        assert_eq!(
            call(
                &h,
                &o.token,
                Method::GET,
                &format!("{base}/revisions"),
                None
            )
            .await,
            404
        );
    }

    // Fee: the citizen claims the payment; outsiders cannot; the volunteer's repeat is fine.
    console.act_ok(&uuid, &[("action", "accept")]).await;
    console.act_ok(&uuid, &FEE).await;
    let claim = json!({"amount_vnd": 200000});
    for o in outsiders {
        assert_eq!(
            call(
                &h,
                &o.token,
                Method::POST,
                &format!("{base}/payment-claim"),
                Some(claim.clone())
            )
            .await,
            404
        );
    }
    assert_eq!(
        call(
            &h,
            &citizen.token,
            Method::POST,
            &format!("{base}/payment-claim"),
            Some(claim.clone())
        )
        .await,
        200
    );
    assert_eq!(
        call(
            &h,
            &vol.token,
            Method::POST,
            &format!("{base}/payment-claim"),
            Some(claim)
        )
        .await,
        200
    );

    // Result: both download it; outsiders cannot.
    console.act_ok(&uuid, &[("action", "paid")]).await;
    let res = console
        .upload_result(
            &uuid,
            b"%PDF-1.4\n% ket qua\n".to_vec(),
            "ketqua.pdf",
            "application/pdf",
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let view = crate::view_of(&h, &citizen.token, &uuid).await;
    let sha = view
        .events
        .iter()
        .find_map(|e| match &e.event {
            dvc_protocol::events::EventKind::ResultReady {
                result: dvc_protocol::events::ResultDelivery::Online { sha256, .. },
            } => Some(sha256.clone()),
            _ => None,
        })
        .expect("a result file");
    for (u, want) in [
        (&citizen, 200),
        (&vol, 200),
        (&stranger, 404),
        (&other_vol, 404),
    ] {
        let res = h
            .req(Method::GET, &format!("/v1/blobs/{sha}"), Some(&u.token))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), want);
    }

    // Rating: the citizen rates, the volunteer's identical rating is the same one.
    console.act_ok(&uuid, &[("action", "complete")]).await;
    let stars = json!({"stars": 5});
    for o in outsiders {
        assert_eq!(
            call(
                &h,
                &o.token,
                Method::PUT,
                &format!("{base}/rating"),
                Some(stars.clone())
            )
            .await,
            404
        );
    }
    assert_eq!(
        call(
            &h,
            &citizen.token,
            Method::PUT,
            &format!("{base}/rating"),
            Some(stars.clone())
        )
        .await,
        200
    );
    assert_eq!(
        call(
            &h,
            &vol.token,
            Method::PUT,
            &format!("{base}/rating"),
            Some(stars)
        )
        .await,
        200
    );

    // Cancel: either party cancels a fresh dossier; outsiders cannot.
    for who in [&citizen, &vol] {
        let u = h.submit_ok(&vol.token, &m).await.dossier_uuid;
        let p = format!("/v1/dossiers/{u}/cancel");
        for o in outsiders {
            assert_eq!(
                call(&h, &o.token, Method::POST, &p, Some(json!({}))).await,
                404
            );
        }
        assert_eq!(
            call(&h, &who.token, Method::POST, &p, Some(json!({}))).await,
            200
        );
    }

    // Every event of the dossier reaches both feeds, with its uuid and code; none reaches others.
    let (_, cv) = h
        .json(Method::GET, "/v1/events", Some(&citizen.token), None)
        .await;
    let (_, vv) = h
        .json(Method::GET, "/v1/events", Some(&vol.token), None)
        .await;
    let of = |v: &Value| -> Vec<(String, String)> {
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["dossier_uuid"] == uuid.as_str())
            .map(|e| {
                (
                    e["cursor"].as_str().unwrap().to_owned(),
                    e["dossier_code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(of(&cv), of(&vv));
    assert!(of(&cv).len() >= 10, "{cv}");
    assert!(of(&cv).iter().all(|(_, code)| *code == view.receipt.code));
    for o in outsiders {
        let (_, e) = h
            .json(Method::GET, "/v1/events", Some(&o.token), None)
            .await;
        assert_eq!(e["events"], json!([]));
    }
}

async fn restore_list_pages_through_everything_filed_by_or_for_me(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await;
    let vol = h.user(Role::Volunteer).await;
    let stranger = h.user(Role::Citizen).await;
    let (s, _) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": vol.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut for_citizen = manifest(AGENCY_X, &[]);
    for_citizen["on_behalf_of"] = json!({"citizen_phone": citizen.phone});
    // Five dossiers: the citizen's own and the volunteer's for them, alternating, a second apart;
    // and one of the stranger's.
    let mut expected = Vec::new();
    for i in 0..5 {
        let r = if i % 2 == 0 {
            h.submit_ok(&citizen.token, &manifest(AGENCY_X, &[])).await
        } else {
            h.submit_ok(&vol.token, &for_citizen).await
        };
        expected.push(r.dossier_uuid);
        h.clock.advance(1000);
    }
    h.submit_ok(&stranger.token, &manifest(AGENCY_X, &[])).await;
    expected.reverse(); // newest first

    // Page by two: 2 + 2 + 1, then no cursor.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            None => "/v1/dossiers?limit=2".to_owned(),
            Some(c) => format!("/v1/dossiers?limit=2&cursor={c}"),
        };
        let (s, v) = h.json(Method::GET, &path, Some(&citizen.token), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let page: DossierList = serde_json::from_value(v).unwrap();
        pages += 1;
        for d in &page.dossiers {
            seen.push(d.dossier_uuid.clone());
            assert_eq!(
                d.href.as_deref(),
                Some(format!("/v1/dossiers/{}", d.dossier_uuid).as_str())
            );
            let by_volunteer = expected.iter().position(|u| *u == d.dossier_uuid).unwrap() % 2 == 1;
            // newest first: positions 1 and 3 are the volunteer's
            assert_eq!(d.filed_for_me, by_volunteer, "{d:?}");
            assert_eq!(
                d.filed_by.as_deref(),
                by_volunteer.then_some(vol.phone.as_str())
            );
            assert_eq!(d.consent_id.is_some(), by_volunteer);
            assert_eq!(d.revision, Some(1));
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
        assert!(pages < 5, "paging does not end");
    }
    assert_eq!(seen, expected);
    assert_eq!(pages, 3);
    // The volunteer's list holds only what it filed (for the citizen), marked so.
    let (_, v) = h
        .json(Method::GET, "/v1/dossiers", Some(&vol.token), None)
        .await;
    let page: DossierList = serde_json::from_value(v).unwrap();
    assert_eq!(page.dossiers.len(), 2);
    assert!(page
        .dossiers
        .iter()
        .all(|d| !d.filed_for_me && d.filed_by.is_some()));
    assert_eq!(page.next_cursor, None);
    // A bad cursor is a clear 400.
    for bad in ["x", "123", "123_notauuid", "_"] {
        let (s, v) = h
            .json(
                Method::GET,
                &format!("/v1/dossiers?cursor={bad}"),
                Some(&citizen.token),
                None,
            )
            .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("cursor")),
            "{bad}"
        );
    }
    // The whole dossier (manifest, events) for a row the new phone never had.
    let view = crate::view_of(&h, &citizen.token, &expected[1]).await;
    assert_eq!(
        view.manifest.on_behalf_of.unwrap().citizen_phone,
        citizen.phone
    );
}
