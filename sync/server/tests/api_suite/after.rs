//! After submission: revisions, payment claims, ratings, cancelling (`src/api/after.rs`).

use crate::common::*;
use crate::{kinds, view_of, FEE};
use dvc_protocol::auth::Role;
use dvc_protocol::dossiers::DossierView;
use dvc_protocol::events::EventsPage;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::both_backends!(
    revisions_after_supplement,
    payment_claims,
    ratings,
    cancel_is_idempotent,
    linked_citizen_resubmits_volunteer_dossier,
);

async fn revisions_after_supplement(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let photo = jpeg(3_000, 1);
    let h1 = h.upload(&u.token, &photo, 4096).await;
    let m1 = manifest(AGENCY_X, &[(&h1, photo.len())]);
    let r = h.submit_ok(&u.token, &m1).await;
    let uuid = r.dossier_uuid.clone();
    let rev = |n: &str| format!("/v1/dossiers/{uuid}/revisions/{n}");
    let (s, v) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}/revisions"),
            Some(&u.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["revision"], 1);
    assert_eq!(v[0]["changed_fields"], json!([]));
    // a new revision while the dossier is only received: 409.3
    let (s, v) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(m1.clone()))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.3")),
        "{v}"
    );
    // the officer asks for a new portrait and the birth date
    console
        .act_ok(
            &uuid,
            &[
                ("action", "supplement"),
                ("item_field", "ngay_sinh"),
                ("item_attachment", "portrait_4x6"),
                ("note", "Ảnh mờ; ngày sinh chưa đúng."),
            ],
        )
        .await;
    let v = view_of(&h, &u.token, &uuid).await;
    assert_eq!(v.state.as_str(), "supplement_requested");
    assert_eq!(
        serde_json::to_value(&v.events.last().unwrap().event).unwrap(),
        json!({"type": "supplement_requested", "note": "Ảnh mờ; ngày sinh chưa đúng.",
               "items": [{"target": "field", "name": "ngay_sinh"}, {"target": "attachment", "kind": "portrait_4x6"}]})
    );
    // hostile numbers and callers
    for bad in ["0", "abc", "-1", "99999999999", "1000001", "2.0"] {
        let (s, v) = h
            .json(Method::PUT, &rev(bad), Some(&u.token), Some(m1.clone()))
            .await;
        assert_eq!(
            (s, v["code"].as_str(), v["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("400.2"), Some("revision")),
            "{bad}: {v}"
        );
    }
    let photo2 = jpeg(3_500, 2);
    let mut m2 = manifest(AGENCY_X, &[(&sha(&photo2), photo2.len())]);
    m2["form"]["ngay_sinh"] = json!("02/01/1990");
    for n in ["3", "1000"] {
        let (s, v) = h
            .json(Method::PUT, &rev(n), Some(&u.token), Some(m2.clone()))
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::CONFLICT, Some("409.6")),
            "{n}: {v}"
        );
    }
    // revision 1 is the original: other content conflicts, the same content is a replay
    let (s, v) = h
        .json(Method::PUT, &rev("1"), Some(&u.token), Some(m2.clone()))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.6"))
    );
    let (s, v) = h
        .json(Method::PUT, &rev("1"), Some(&u.token), Some(m1.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (
            v["revision"]["revision"].as_u64(),
            v["event_cursor"].as_str()
        ),
        (Some(1), Some(r.event_cursor.as_str()))
    );
    // someone else's dossier is not found; officers and anonymous callers are refused
    let (s, _) = h
        .json(Method::PUT, &rev("2"), Some(&other.token), Some(m2.clone()))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = h
        .json(
            Method::PUT,
            &rev("2"),
            Some(&officer.token),
            Some(m2.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = h.json(Method::PUT, &rev("2"), None, Some(m2.clone())).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}/revisions"),
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // procedure and agency stay
    let mut moved = m2.clone();
    moved["agency_code"] = json!(AGENCY_Y);
    let (s, v) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(moved))
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("agency_code"))
    );
    let mut other_proc = m2.clone();
    other_proc["procedure_code"] = json!("2.000001");
    let (s, v) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(other_proc))
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("procedure_code"))
    );
    // the new photo must be uploaded first
    let (s, v) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(m2.clone()))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("422.1"))
    );
    assert_eq!(v["missing"], json!([sha(&photo2)]));
    let h2 = h.upload(&u.token, &photo2, 4096).await;
    let (s, first) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(m2.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["code"], json!(r.code));
    assert_eq!(first["revision"]["revision"], 2);
    assert_eq!(first["revision"]["changed_fields"], json!(["ngay_sinh"]));
    assert_eq!(
        first["revision"]["changed_attachments"],
        json!(["portrait_4x6"])
    );
    // replay: the same answer, no second event, in any state
    let (s, again) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(m2.clone()))
        .await;
    assert_eq!((s, &again), (StatusCode::OK, &first));
    let mut m2b = m2.clone();
    m2b["form"]["ho_ten"] = json!("Nguyễn Văn Khác");
    let (s, v) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(m2b.clone()))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.6"))
    );
    // back in the officer's queue with the new content
    let v = view_of(&h, &u.token, &uuid).await;
    assert_eq!((v.state.as_str(), v.revision), ("received", 2));
    assert_eq!(v.manifest.attachments[0].sha256, h2);
    assert_eq!(
        kinds(&v),
        ["received", "supplement_requested", "resubmitted"]
    );
    assert_eq!(
        v.events.last().unwrap().cursor,
        first["event_cursor"].as_str().unwrap()
    );
    // a third revision needs a new supplement request
    let (s, v) = h
        .json(Method::PUT, &rev("3"), Some(&u.token), Some(m2b.clone()))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.3"))
    );
    let (s, again) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(m2.clone()))
        .await;
    assert_eq!((s, &again), (StatusCode::OK, &first));
    // the original PUT still answers its receipt
    let (s, v) = h.submit(&u.token, &uuid, &m1).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CREATED, Some(r.code.as_str()))
    );
    let (_, list) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}/revisions"),
            Some(&officer.token),
            None,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[1]["changed_attachments"], json!(["portrait_4x6"]));
    // the console shows the diff with both photos, and the officer can accept it
    let (s, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        p.contains("Các lần nộp") && p.contains("01/01/1990") && p.contains("02/01/1990"),
        "{p}"
    );
    assert!(
        p.contains(&format!("/console/blobs/{h1}")) && p.contains(&format!("/console/blobs/{h2}"))
    );
    assert!(p.contains("đã gửi lại hồ sơ (lần 2)"));
    let (s, _) = console.page(&format!("/console/blobs/{h1}")).await;
    assert_eq!(s, StatusCode::OK, "the replaced photo stays viewable");
    console.act_ok(&uuid, &[("action", "accept")]).await;
    let audit = h.db.dossier_audit(&uuid).await.unwrap();
    assert!(audit
        .iter()
        .any(|a| a.action == "resubmitted" && a.actor_login == u.phone));
}

async fn payment_claims(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let r = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let uuid = r.dossier_uuid.clone();
    let claim = format!("/v1/dossiers/{uuid}/payment-claim");
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
        "no fee asked yet"
    );
    console.act_ok(&uuid, &[("action", "accept")]).await;
    console.act_ok(&uuid, &FEE).await;
    for bad in [
        json!({"amount_vnd": 0}),
        json!({"amount_vnd": -5}),
        json!({"amount_vnd": "200000"}),
        json!({}),
        json!({"amount_vnd": 1, "x": 1}),
    ] {
        let (s, v) = h
            .json(Method::POST, &claim, Some(&u.token), Some(bad.clone()))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
    }
    let (s, v) = h
        .json(
            Method::POST,
            &claim,
            Some(&u.token),
            Some(json!({"amount_vnd": 0})),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("amount_vnd"))
    );
    let (s, _) = h
        .json(
            Method::POST,
            &claim,
            Some(&other.token),
            Some(json!({"amount_vnd": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = h
        .json(
            Method::POST,
            &claim,
            Some(&officer.token),
            Some(json!({"amount_vnd": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // the claim: an event, the state stays
    let (s, v) = h
        .json(
            Method::POST,
            &claim,
            Some(&u.token),
            Some(json!({"amount_vnd": 150000})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let v: DossierView = serde_json::from_value(v).unwrap();
    assert_eq!(v.state.as_str(), "fee_requested");
    assert_eq!(
        kinds(&v),
        ["received", "accepted", "fee_requested", "payment_claimed"]
    );
    // repeating it while pending adds nothing
    let (s, v) = h
        .json(
            Method::POST,
            &claim,
            Some(&u.token),
            Some(json!({"amount_vnd": 200000})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let v: DossierView = serde_json::from_value(v).unwrap();
    assert_eq!(v.events.len(), 4);
    assert_eq!(
        serde_json::to_value(&v.events[3].event).unwrap(),
        json!({"type": "payment_claimed", "amount_vnd": 150000})
    );
    let (_, feed) = h
        .json(
            Method::GET,
            &format!("/v1/events?after={}", r.event_cursor),
            Some(&u.token),
            None,
        )
        .await;
    let page_: EventsPage = serde_json::from_value(feed).unwrap();
    assert_eq!(page_.events.len(), 3);
    // the console shows the fee and the claim beside the confirmation
    let (_, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert!(p.contains("Người nộp báo đã chuyển khoản"), "{p}");
    assert!(p.contains("150.000") && p.contains("200.000") && p.contains("khác số phí yêu cầu"));
    console.act_ok(&uuid, &[("action", "paid")]).await;
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
        "already paid"
    );
}

async fn ratings(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let r = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let uuid = r.dossier_uuid.clone();
    let rate = format!("/v1/dossiers/{uuid}/rating");
    let (s, v) = h
        .json(
            Method::PUT,
            &rate,
            Some(&u.token),
            Some(json!({"stars": 5})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.3")),
        "not completed"
    );
    console.act_ok(&uuid, &[("action", "accept")]).await;
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
    console.act_ok(&uuid, &[("action", "complete")]).await;
    for (bad, field) in [
        (json!({"stars": 0}), "stars"),
        (json!({"stars": 6}), "stars"),
        (json!({"stars": 3, "comment": "a".repeat(1001)}), "comment"),
        (json!({"stars": 300}), "stars"),
        (json!({"stars": "5"}), "stars"),
        (json!({"stars": 5, "extra": 1}), "extra"),
    ] {
        let (s, v) = h
            .json(Method::PUT, &rate, Some(&u.token), Some(bad.clone()))
            .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{bad}: {v}"
        );
    }
    let (s, _) = h
        .json(
            Method::PUT,
            &rate,
            Some(&other.token),
            Some(json!({"stars": 5})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = h
        .json(
            Method::PUT,
            &rate,
            Some(&officer.token),
            Some(json!({"stars": 5})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Cleaned like the phone cleans it: a tab becomes a space, the ends are trimmed.
    let body = json!({"stars": 4, "comment": "  Cán bộ nhiệt tình,\tnhanh gọn.\r\n  "});
    let (s, first) = h
        .json(Method::PUT, &rate, Some(&u.token), Some(body.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(
        (first["stars"].as_u64(), first["comment"].as_str()),
        (Some(4), Some("Cán bộ nhiệt tình, nhanh gọn."))
    );
    h.clock.advance(60_000);
    let (s, again) = h.json(Method::PUT, &rate, Some(&u.token), Some(body)).await;
    assert_eq!(
        (s, &again),
        (StatusCode::OK, &first),
        "same rating, same answer"
    );
    let (s, v) = h
        .json(
            Method::PUT,
            &rate,
            Some(&u.token),
            Some(json!({"stars": 1})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.7"))
    );
    let v = view_of(&h, &u.token, &uuid).await;
    assert_eq!(v.rating.as_ref().map(|r| r.stars), Some(4));
    let v = view_of(&h, &officer.token, &uuid).await;
    assert_eq!(
        v.rating.unwrap().comment.as_deref(),
        Some("Cán bộ nhiệt tình, nhanh gọn.")
    );
    let (_, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert!(
        p.contains("Đánh giá của người nộp")
            && p.contains("4/5")
            && p.contains("Cán bộ nhiệt tình"),
        "{p}"
    );
}

async fn cancel_is_idempotent(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let r = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let cancel = format!("/v1/dossiers/{}/cancel", r.dossier_uuid);
    let (s, _) = h
        .json(Method::POST, &cancel, Some(&other.token), Some(json!({})))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = h
        .json(
            Method::POST,
            &cancel,
            Some(&u.token),
            Some(json!({"reason": "Nộp nhầm"})),
        )
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "{v}"
    );
    let (s, v) = h
        .json(Method::POST, &cancel, Some(&u.token), Some(json!({})))
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "{v}"
    );
    let v: DossierView = serde_json::from_value(v).unwrap();
    assert_eq!(kinds(&v), ["received", "cancelled"], "no second event");
    // once accepted, the agency is handling it: no cancelling
    let r2 = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    console
        .act_ok(&r2.dossier_uuid, &[("action", "accept")])
        .await;
    let (s, v) = h
        .json(
            Method::POST,
            &format!("/v1/dossiers/{}/cancel", r2.dossier_uuid),
            Some(&u.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.3"))
    );
    // while a supplement or a fee is asked, it still may be withdrawn
    let r3 = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    console
        .act_ok(
            &r3.dossier_uuid,
            &[("action", "supplement"), ("note", "Thiếu giấy tờ")],
        )
        .await;
    let (s, _) = h
        .json(
            Method::POST,
            &format!("/v1/dossiers/{}/cancel", r3.dossier_uuid),
            Some(&u.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

async fn linked_citizen_resubmits_volunteer_dossier(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await;
    let volunteer = h.user(Role::Volunteer).await;
    let stranger = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let (s, _) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": volunteer.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // the volunteer uploads the photo and submits for the citizen
    let photo = jpeg(2_000, 4);
    let hp = h.upload(&volunteer.token, &photo, 4096).await;
    let mut m1 = manifest(AGENCY_X, &[(&hp, photo.len())]);
    m1["on_behalf_of"] = json!({"citizen_phone": citizen.phone});
    let r = h.submit_ok(&volunteer.token, &m1).await;
    let uuid = r.dossier_uuid.clone();
    console
        .act_ok(&uuid, &[("action", "supplement"), ("item_field", "ho_ten")])
        .await;
    // the citizen corrects the name; the photo is the volunteer's upload, already in the dossier
    let mut m2 = m1.clone();
    m2["form"]["ho_ten"] = json!("Nguyễn Văn Sửa");
    // who the dossier is for cannot change
    let mut retarget = m2.clone();
    retarget["on_behalf_of"] = json!({"citizen_phone": stranger.phone});
    let path = format!("/v1/dossiers/{uuid}/revisions/2");
    let (s, v) = h
        .json(Method::PUT, &path, Some(&citizen.token), Some(retarget))
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("on_behalf_of"))
    );
    // a blob that is neither the citizen's nor the dossier's is missing
    let foreign = jpeg(900, 8);
    let hf = h.upload(&stranger.token, &foreign, 4096).await;
    let mut sneaky = m2.clone();
    sneaky["attachments"][0]["sha256"] = json!(hf);
    let (s, v) = h
        .json(Method::PUT, &path, Some(&citizen.token), Some(sneaky))
        .await;
    assert_eq!(
        (s, v["missing"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!([hf]))
    );
    let (s, _) = h
        .json(Method::PUT, &path, Some(&stranger.token), Some(m2.clone()))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = h
        .json(Method::PUT, &path, Some(&citizen.token), Some(m2.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["revision"]["changed_fields"], json!(["ho_ten"]));
    assert_eq!(v["revision"]["changed_attachments"], json!([]));
    // the volunteer replaying the citizen's revision gets the same answer
    let (s, again) = h
        .json(Method::PUT, &path, Some(&volunteer.token), Some(m2.clone()))
        .await;
    assert_eq!((s, &again), (StatusCode::OK, &v));
    let view = view_of(&h, &volunteer.token, &uuid).await;
    assert_eq!(
        view.manifest.form["ho_ten"],
        serde_json::from_value(json!("Nguyễn Văn Sửa")).unwrap()
    );
    let (_, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert!(p.contains("Nguyễn Văn Sửa") && p.contains("Nguyễn Văn Thử"));
}
