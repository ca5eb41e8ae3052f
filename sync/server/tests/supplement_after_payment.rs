//! "Supplement after payment", on SQLite and PostgreSQL, through the API and the console: while
//! checking a paid dossier the officer asks for a corrected paper; the applicant resubmits
//! (revision 2, back to `received`); the officer accepts, asks a second fee, confirms it, and
//! finishes. The code never changes, each fee is confirmed once (a payment claim after `paid`
//! is refused), and nothing is cancelled once a result exists. And: an applicant may withdraw a
//! paid dossier while a supplement request has reopened it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;

use common::*;
use dvc_protocol::auth::Role;
use dvc_protocol::dossiers::DossierView;
use reqwest::{Method, StatusCode};
use serde_json::json;

both_backends!(supplement_after_payment, cancel_after_payment);

/// The console's fee form: 200,000 VND to the test agencies' (synthetic) bank account.
const FEE: [(&str, &str); 5] = [
    ("action", "fee"),
    ("amount_vnd", "200.000"),
    ("bank_bin", "970415"),
    ("account_number", "0000123456789"),
    ("account_name", "DEMO CO QUAN"),
];

async fn view(h: &Harness, token: &str, uuid: &str) -> DossierView {
    let (s, v) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    serde_json::from_value(v).unwrap()
}

fn kinds(v: &DossierView) -> Vec<&'static str> {
    v.events
        .iter()
        .map(|e| dvc_sync::domain::event_kind_name(&e.event))
        .collect()
}

async fn supplement_after_payment(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let photo = jpeg(3_000, 1);
    let h1 = h.upload(&u.token, &photo, 4096).await;
    let m1 = manifest(AGENCY_X, &[(&h1, photo.len())]);
    let r = h.submit_ok(&u.token, &m1).await;
    let uuid = r.dossier_uuid.clone();
    let claim = format!("/v1/dossiers/{uuid}/payment-claim");
    console.act_ok(&uuid, &[("action", "accept")]).await;
    console.act_ok(&uuid, &FEE).await;
    let (s, v) = h
        .json(
            Method::POST,
            &claim,
            Some(&u.token),
            Some(json!({"amount_vnd": 200000})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    console.act_ok(&uuid, &[("action", "paid")]).await;
    // Checking the paid dossier, the officer finds the portrait unusable.
    console
        .act_ok(
            &uuid,
            &[
                ("action", "supplement"),
                ("item_attachment", "portrait_4x6"),
                ("note", "Ảnh mờ."),
            ],
        )
        .await;
    let v = view(&h, &u.token, &uuid).await;
    assert_eq!(v.state.as_str(), "supplement_requested");
    assert_eq!(v.receipt.code, r.code);
    // The payment stands: no claim while no fee is open.
    let (s, v) = h
        .json(
            Method::POST,
            &claim,
            Some(&u.token),
            Some(json!({"amount_vnd": 200000})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.3")),
        "{v}"
    );
    // The corrected photo, as revision 2.
    let photo2 = jpeg(3_500, 2);
    let h2 = h.upload(&u.token, &photo2, 4096).await;
    let m2 = manifest(AGENCY_X, &[(&h2, photo2.len())]);
    let (s, v) = h
        .json(
            Method::PUT,
            &format!("/v1/dossiers/{uuid}/revisions/2"),
            Some(&u.token),
            Some(m2),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["code"], json!(r.code));
    let v = view(&h, &u.token, &uuid).await;
    assert_eq!((v.state.as_str(), v.revision), ("received", 2));
    // Paid already: confirming again without a new fee is refused.
    let res = console.act(&uuid, &[("action", "paid")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "paid twice");
    // Accepted again; a second fee (say, for the new card's delivery) is asked and confirmed once.
    console.act_ok(&uuid, &[("action", "accept")]).await;
    console.act_ok(&uuid, &FEE).await;
    let res = console.act(&uuid, &FEE).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "a fee over an open fee");
    console.act_ok(&uuid, &[("action", "paid")]).await;
    let res = console.act(&uuid, &[("action", "paid")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "paid twice");
    console
        .act_ok(
            &uuid,
            &[
                ("action", "postal"),
                ("carrier", "VNPost"),
                ("tracking_number", "EB123456789VN"),
            ],
        )
        .await;
    // A result exists: the applicant can no longer withdraw.
    let (s, v) = h
        .json(
            Method::POST,
            &format!("/v1/dossiers/{uuid}/cancel"),
            Some(&u.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    console.act_ok(&uuid, &[("action", "complete")]).await;
    let v = view(&h, &u.token, &uuid).await;
    assert_eq!(v.state.as_str(), "completed");
    assert_eq!(v.receipt.code, r.code, "the code changed");
    assert_eq!(
        kinds(&v),
        [
            "received",
            "accepted",
            "fee_requested",
            "payment_claimed",
            "paid",
            "supplement_requested",
            "resubmitted",
            "accepted",
            "fee_requested",
            "paid",
            "result_ready",
            "completed"
        ]
    );
    // Every event names the same code.
    let (_, feed) = h
        .json(Method::GET, "/v1/events?limit=500", Some(&u.token), None)
        .await;
    let events = feed["events"].as_array().unwrap();
    assert_eq!(events.len(), v.events.len());
    assert!(events.iter().all(|e| e["dossier_code"] == json!(r.code)));
}

async fn cancel_after_payment(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let r = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let uuid = r.dossier_uuid.clone();
    let cancel = format!("/v1/dossiers/{uuid}/cancel");
    console.act_ok(&uuid, &[("action", "accept")]).await;
    console.act_ok(&uuid, &FEE).await;
    console.act_ok(&uuid, &[("action", "paid")]).await;
    // Paid and being handled: not withdrawable.
    let (s, v) = h
        .json(Method::POST, &cancel, Some(&u.token), Some(json!({})))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.3")),
        "{v}"
    );
    // Reopened by a supplement request, it is.
    console
        .act_ok(
            &uuid,
            &[("action", "supplement"), ("note", "Thiếu giấy tờ.")],
        )
        .await;
    let (s, v) = h
        .json(
            Method::POST,
            &cancel,
            Some(&u.token),
            Some(json!({"reason": "Không cần nữa"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let v = view(&h, &u.token, &uuid).await;
    assert_eq!(v.state.as_str(), "cancelled");
    assert_eq!(v.receipt.code, r.code);
    // Final: the officer can no longer act on it.
    let res = console.act(&uuid, &[("action", "accept")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}
