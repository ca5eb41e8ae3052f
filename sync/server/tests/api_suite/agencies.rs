//! The agency list (`src/api/agencies.rs`).

use crate::common::*;
use dvc_protocol::auth::Role;
use reqwest::{Method, StatusCode};

crate::both_backends!(agencies_list);

async fn agencies_list(b: Backend) {
    let h = Harness::start(b).await;
    // Signed-in accounts only.
    let (s, v) = h.json(Method::GET, "/v1/agencies", None, None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("401.1"))
    );
    let u = h.user(Role::Citizen).await;
    let (s, v) = h
        .json(Method::GET, "/v1/agencies", Some(&u.token), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let list: dvc_protocol::agencies::AgencyList = serde_json::from_value(v).unwrap();
    let codes: Vec<&str> = list.agencies.iter().map(|a| a.code.as_str()).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted);
    assert!(
        codes.contains(&AGENCY_X) && codes.contains(&AGENCY_Y),
        "{codes:?}"
    );
    let x = list.agencies.iter().find(|a| a.code == AGENCY_X).unwrap();
    assert_eq!(x.name, "Công an xã X (thử nghiệm)");
}
