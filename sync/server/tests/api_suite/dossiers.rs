//! Submitting dossiers: idempotency and dossier codes (`src/api/dossiers.rs`).

use crate::common::*;
use dvc_protocol::auth::Role;
use dvc_protocol::dossiers::{DossierList, DossierReceipt, DossierView};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

crate::both_backends!(
    idempotent_submission,
    codes_restart_each_day_per_agency,
    concurrent_submitters_get_gap_free_codes,
);

async fn idempotent_submission(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let photo = jpeg(20_000, 3);
    let hash = sha(&photo);
    let m = manifest(AGENCY_X, &[(&hash, photo.len())]);
    let uuid = uuid::Uuid::now_v7().to_string();
    // attachments first
    let (s, v) = h.submit(&u.token, &uuid, &m).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("422.1"))
    );
    assert_eq!(v["missing"], json!([hash]));
    h.upload(&u.token, &photo, 8192).await;
    let (s, first) = h.submit(&u.token, &uuid, &m).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let r: DossierReceipt = serde_json::from_value(first.clone()).unwrap();
    assert!(code_re_ok(&r.code, AGENCY_X), "{}", r.code);
    assert!(r.code.ends_with("-0001"));
    // the same request again, and with keys reordered: the same answer
    let (s, again) = h.submit(&u.token, &uuid, &m).await;
    assert_eq!((s, &again), (StatusCode::CREATED, &first));
    let reordered: Value = serde_json::from_str(&{
        let mut o = serde_json::Map::new();
        for k in [
            "delivery",
            "attachments",
            "form",
            "agency_code",
            "procedure_code",
        ] {
            o.insert(k.into(), m[k].clone());
        }
        serde_json::to_string(&Value::Object(o)).unwrap()
    })
    .unwrap();
    let (s, again) = h.submit(&u.token, &uuid, &reordered).await;
    assert_eq!((s, &again), (StatusCode::CREATED, &first));
    // different content under the same uuid
    let mut changed = m.clone();
    changed["form"]["ho_ten"] = json!("Người Khác");
    let (s, v) = h.submit(&u.token, &uuid, &changed).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.1"))
    );
    // another account reusing the uuid
    let other = h.user(Role::Citizen).await;
    let (s, v) = h.submit(&other.token, &uuid, &json!({"procedure_code": "1.001456", "agency_code": AGENCY_X, "form": {}, "delivery": {"method": "online"}})).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.1"))
    );
    // the next dossier gets the next number; unknown agency; bad uuid; malformed JSON
    let r2 = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    assert!(r2.code.ends_with("-0002"), "{}", r2.code);
    let (s, v) = h
        .submit(
            &u.token,
            &uuid::Uuid::now_v7().to_string(),
            &manifest("999.99.99.Z99", &[]),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str(), v["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("422.2"),
            Some("agency_code")
        )
    );
    let (s, v) = h.submit(&u.token, "not-a-uuid", &m).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("dossier_uuid"))
    );
    let mut bad = m.clone();
    bad["delivery"] = json!({"method": "carrier pigeon"});
    let (s, v) = h
        .submit(&u.token, &uuid::Uuid::now_v7().to_string(), &bad)
        .await;
    assert_eq!(
        (s, v["code"].as_str(), v["field"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("400.1"),
            Some("delivery.method")
        )
    );
    let mut bad = m.clone();
    bad["attachments"][0]["sha256"] = json!("XYZ");
    let (s, v) = h
        .submit(&u.token, &uuid::Uuid::now_v7().to_string(), &bad)
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("attachments[0].sha256"))
    );
    // read back, list
    let (s, v) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}"),
            Some(&u.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let view: DossierView = serde_json::from_value(v).unwrap();
    assert_eq!(view.receipt, r);
    assert_eq!(view.events.len(), 1);
    assert_eq!(
        view.manifest.form["ho_ten"],
        dvc_protocol::dossiers::FormValue::Text("Nguyễn Văn Thử".into())
    );
    let (_, v) = h
        .json(Method::GET, "/v1/dossiers", Some(&u.token), None)
        .await;
    let list: DossierList = serde_json::from_value(v).unwrap();
    assert_eq!(list.dossiers.len(), 2);
    assert_eq!(list.dossiers[0].code, r2.code, "newest first");
    let (_, v) = h
        .json(Method::GET, "/v1/dossiers", Some(&other.token), None)
        .await;
    assert_eq!(v["dossiers"], json!([]));
    let (s, _) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}"),
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // cancel
    let (s, v) = h
        .json(
            Method::POST,
            &format!("/v1/dossiers/{}/cancel", r2.dossier_uuid),
            Some(&u.token),
            Some(json!({"reason": "nộp nhầm"})),
        )
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    let (s, v) = h
        .json(
            Method::POST,
            &format!("/v1/dossiers/{}/cancel", r2.dossier_uuid),
            Some(&u.token),
            Some(json!({})),
        )
        .await;
    // cancelling again is idempotent: the view, no second event
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    assert_eq!(v["events"].as_array().unwrap().len(), 2);
}

async fn codes_restart_each_day_per_agency(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    // 2026-03-01 16:59:00 UTC = 23:59 in Vietnam
    h.clock.set(1_772_384_340_000);
    let a1 = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let a2 = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let y1 = h.submit_ok(&u.token, &manifest(AGENCY_Y, &[])).await;
    assert_eq!(a1.code, format!("{AGENCY_X}-260301-0001"));
    assert_eq!(a2.code, format!("{AGENCY_X}-260301-0002"));
    assert_eq!(y1.code, format!("{AGENCY_Y}-260301-0001"));
    h.clock.advance(2 * 60 * 1000); // 00:01 on 2 March in Vietnam, still 1 March in UTC
    let a3 = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    assert_eq!(a3.code, format!("{AGENCY_X}-260302-0001"));
}

async fn concurrent_submitters_get_gap_free_codes(b: Backend) {
    let h = std::sync::Arc::new(Harness::start(b).await);
    let mut users = Vec::new();
    for _ in 0..8 {
        users.push(h.user(Role::Citizen).await);
    }
    let tokens: Vec<String> = users.iter().map(|u| u.token.clone()).collect();
    let per_user = 25;
    let mut tasks = Vec::new();
    for t in &tokens {
        for i in 0..per_user {
            let h = h.clone();
            let t = t.clone();
            tasks.push(tokio::spawn(async move {
                let uuid = uuid::Uuid::now_v7().to_string();
                let mut m = manifest(AGENCY_X, &[]);
                m["form"]["i"] = json!(i);
                // every submission is also retried concurrently: a retry must get the same code
                let (a, b2) = tokio::join!(h.submit(&t, &uuid, &m), h.submit(&t, &uuid, &m));
                assert_eq!(a.0, StatusCode::CREATED, "{}", a.1);
                assert_eq!(a, b2, "concurrent repeats disagree");
                a.1["code"].as_str().unwrap().to_owned()
            }));
        }
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    let n = tokens.len() * per_user;
    let mut seqs: Vec<u32> = codes
        .iter()
        .map(|c| c.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=n as u32).collect::<Vec<_>>(),
        "codes must be unique and gap-free"
    );
    let days: std::collections::HashSet<&str> = codes
        .iter()
        .map(|c| c.rsplit('-').nth(1).unwrap())
        .collect();
    assert_eq!(days.len(), 1);
}

/// `<agency>-YYMMDD-NNNN`.
fn code_re_ok(code: &str, agency: &str) -> bool {
    let Some(rest) = code.strip_prefix(&format!("{agency}-")) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    parts.len() == 2
        && parts[0].len() == 6
        && parts[1].len() == 4
        && rest.chars().all(|c| c.is_ascii_digit() || c == '-')
}
