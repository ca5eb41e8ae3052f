//! A volunteer submitting for a citizen with their consent (`src/api/consents.rs`).

use crate::common::*;
use dvc_protocol::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::both_backends!(volunteer_consent);

async fn volunteer_consent(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await;
    let vol = h.user(Role::Volunteer).await;
    let stranger = h.user(Role::Citizen).await;
    let mut m = manifest(AGENCY_X, &[]);
    m["on_behalf_of"] = json!({"citizen_phone": citizen.phone});
    let uuid = uuid::Uuid::now_v7().to_string();
    let (s, v) = h.submit(&vol.token, &uuid, &m).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("403.2"))
    );
    // citizens cannot submit on behalf; consents are for volunteers only
    let (s, v) = h.submit(&citizen.token, &uuid, &m).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("on_behalf_of"))
    );
    let (s, _) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": stranger.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, c) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": vol.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let (s, c2) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": vol.phone})),
        )
        .await;
    assert_eq!(
        (s, &c2["consent_id"]),
        (StatusCode::CREATED, &c["consent_id"]),
        "idempotent"
    );
    let (s, first) = h.submit(&vol.token, &uuid, &m).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    // both see it; a stranger does not
    for t in [&citizen.token, &vol.token] {
        let (s, _) = h
            .json(Method::GET, &format!("/v1/dossiers/{uuid}"), Some(t), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, ev) = h.json(Method::GET, "/v1/events", Some(t), None).await;
        assert_eq!(ev["events"].as_array().unwrap().len(), 1);
    }
    let (s, _) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}"),
            Some(&stranger.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // withdraw consent: the volunteer's repeat still gets its answer, a new one is refused
    let (s, _) = h
        .json(
            Method::DELETE,
            &format!("/v1/consents/{}", c["consent_id"].as_str().unwrap()),
            Some(&citizen.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, again) = h.submit(&vol.token, &uuid, &m).await;
    assert_eq!((s, &again), (StatusCode::CREATED, &first));
    let (s, _) = h
        .submit(&vol.token, &uuid::Uuid::now_v7().to_string(), &m)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, list) = h
        .json(Method::GET, "/v1/consents", Some(&citizen.token), None)
        .await;
    assert_eq!(list["consents"], json!([]));
}
