//! "Tra cứu hồ sơ": looking a dossier up by its code and a second factor (`src/api/lookup.rs`).

use crate::common::*;
use dvc_protocol::auth::Role;
use dvc_protocol::dossiers::DossierList;
use dvc_protocol::events::EventsPage;
use dvc_protocol::lookup::{ClaimResult, LookupResult};
use dvc_sync::config::Config;
use dvc_sync::limits::Budget;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

crate::both_backends!(
    found_with_each_factor,
    wrong_factor_and_unknown_code_look_the_same,
    lookups_are_limited_per_address_and_per_code,
    malformed_input_is_refused_with_its_field,
    a_volunteers_dossier_belongs_to_its_citizen,
    a_paper_dossier_is_added_to_its_citizens_list,
    adding_is_refused_unless_the_dossier_names_the_caller,
);

const LOOKUP: &str = dvc_protocol::paths::DOSSIER_LOOKUP;
const CLAIM: &str = dvc_protocol::paths::DOSSIER_CLAIM;
/// The registered identity of every test citizen (see `common::registration`) ends in 0321.
const ACCOUNT_ID_LAST4: &str = "0321";

/// A dossier whose form names the applicant's ID number and phone (synthetic).
fn form_manifest() -> Value {
    json!({
        "procedure_code": "1.001456", "agency_code": AGENCY_X,
        "form": {"full_name": "Lê Thị Mẫu", "id_number": "001099004567", "phone": "0901 234 567"},
        "delivery": {"method": "online"}
    })
}

/// Status and the raw body of one lookup, from `ip` (the tests trust the loopback proxy).
async fn ask(
    h: &Harness,
    ip: &str,
    token: Option<&str>,
    code: &str,
    factor: &str,
) -> (StatusCode, String) {
    let res = h
        .req(Method::POST, LOOKUP, token)
        .header("x-forwarded-for", ip)
        .json(&json!({"code": code, "factor": factor}))
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

fn behind_proxy() -> Config {
    let mut c = Config {
        secure_cookies: false,
        ..Config::default()
    };
    c.auth.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    c
}

async fn found_with_each_factor(b: Backend) {
    let h = Harness::start_with(b, behind_proxy()).await;
    let owner = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let r = h.submit_ok(&owner.token, &form_manifest()).await;
    for (i, factor) in [
        ACCOUNT_ID_LAST4,     // the account's registered ID number
        "4567",               // the form's ID number
        owner.phone.as_str(), // the account's phone
        "+84 901 234 567",    // the form's phone, written another way
    ]
    .into_iter()
    .enumerate()
    {
        let (s, body) = ask(&h, &format!("198.51.100.{i}"), None, &r.code, factor).await;
        assert_eq!(s, StatusCode::OK, "{factor}: {body}");
        let got: LookupResult = serde_json::from_str(&body).unwrap();
        assert_eq!(got.code, r.code);
        assert_eq!(got.procedure_code, "1.001456");
        assert_eq!(got.agency_code, AGENCY_X);
        assert_eq!(got.timeline.len(), 1);
        assert_eq!(got.timeline[0].kind, "received");
        assert!(!got.mine, "anonymous callers own nothing");
        // no personal data: no names, ID numbers, phones, form or attachments
        for secret in [
            "Lê Thị Mẫu",
            "001099004567",
            "0901",
            &owner.phone,
            "form",
            "attachments",
        ] {
            assert!(!body.contains(secret), "{secret} leaked: {body}");
        }
    }
    // the owner signed in sees `mine`; another citizen does not
    let (s, body) = ask(&h, "198.51.100.20", Some(&owner.token), &r.code, "4567").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(serde_json::from_str::<LookupResult>(&body).unwrap().mine);
    let (s, body) = ask(&h, "198.51.100.21", Some(&other.token), &r.code, "4567").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(!serde_json::from_str::<LookupResult>(&body).unwrap().mine);
    // a bad token is refused, not treated as anonymous
    let (s, _) = ask(&h, "198.51.100.22", Some("dvc_nope"), &r.code, "4567").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // another account's phone and ID digits are not second factors of this dossier
    let other_digits = h.submit_ok(&other.token, &form_manifest()).await;
    assert_ne!(other_digits.code, r.code);
    let (s, _) = ask(&h, "198.51.100.23", None, &r.code, &other.phone).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn wrong_factor_and_unknown_code_look_the_same(b: Backend) {
    let h = Harness::start_with(b, behind_proxy()).await;
    let owner = h.user(Role::Citizen).await;
    let r = h.submit_ok(&owner.token, &form_manifest()).await;
    let unknown = format!("{AGENCY_X}-991231-9999");
    let wrong_factor = ask(&h, "198.51.100.1", None, &r.code, "9999").await;
    let wrong_phone = ask(&h, "198.51.100.2", None, &r.code, "0912000111").await;
    let no_code = ask(&h, "198.51.100.3", None, &unknown, ACCOUNT_ID_LAST4).await;
    let no_code_phone = ask(&h, "198.51.100.4", None, &unknown, &owner.phone).await;
    assert_eq!(wrong_factor.0, StatusCode::NOT_FOUND, "{}", wrong_factor.1);
    let v: Value = serde_json::from_str(&wrong_factor.1).unwrap();
    assert_eq!(v["code"], "404.1");
    assert_eq!(wrong_factor, wrong_phone);
    assert_eq!(wrong_factor, no_code, "byte-equal answers");
    assert_eq!(wrong_factor, no_code_phone);
    // and the right factor still works
    let (s, _) = ask(&h, "198.51.100.5", None, &r.code, ACCOUNT_ID_LAST4).await;
    assert_eq!(s, StatusCode::OK);
}

async fn lookups_are_limited_per_address_and_per_code(b: Backend) {
    let mut c = behind_proxy();
    c.auth.lookup_per_ip = Budget::per_minutes(3, 15);
    c.auth.lookup_per_code = Budget::per_minutes(6, 15);
    let h = Harness::start_with(b, c).await;
    let owner = h.user(Role::Citizen).await;
    let r = h.submit_ok(&owner.token, &form_manifest()).await;
    let second = h.submit_ok(&owner.token, &form_manifest()).await;
    // one address: three tries, then refused — even with the right factor
    let mut got = Vec::new();
    for f in ["1111", "2222", "3333", ACCOUNT_ID_LAST4] {
        got.push(ask(&h, "203.0.113.7", None, &r.code, f).await.0);
    }
    assert_eq!(
        got,
        [
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let (_, body) = ask(&h, "203.0.113.7", None, &second.code, ACCOUNT_ID_LAST4).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["code"], "429.1");
    assert!(v["retry_after_s"].as_u64().unwrap() > 0);
    // another address is unaffected
    let (s, body) = ask(&h, "203.0.113.8", None, &r.code, ACCOUNT_ID_LAST4).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // one code: six tries in all (5 so far), whatever the addresses
    let (s, _) = ask(&h, "203.0.113.9", None, &r.code, "4444").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = ask(&h, "203.0.113.10", None, &r.code, ACCOUNT_ID_LAST4).await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "the code's budget is spent"
    );
    // …while the other code, from a fresh address, still answers
    let (s, _) = ask(&h, "203.0.113.11", None, &second.code, ACCOUNT_ID_LAST4).await;
    assert_eq!(s, StatusCode::OK);
    // the windows end
    h.clock.advance(15 * 60_000 + 1);
    let (s, body) = ask(&h, "203.0.113.7", None, &r.code, ACCOUNT_ID_LAST4).await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

async fn malformed_input_is_refused_with_its_field(b: Backend) {
    let h = Harness::start_with(b, behind_proxy()).await;
    let good = format!("{AGENCY_X}-260101-0001");
    for (i, (code, factor, field)) in [
        ("", "1234", "code"),
        ("not a code", "1234", "code"),
        ("000.30.27.H23-2601-0001", "1234", "code"),
        (good.as_str(), "", "factor"),
        (good.as_str(), "12345", "factor"),
        (good.as_str(), "abcd", "factor"),
        (good.as_str(), "0000000000", "factor"),
    ]
    .into_iter()
    .enumerate()
    {
        let (s, body) = ask(&h, &format!("192.0.2.{i}"), None, code, factor).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{code:?} {factor:?}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (v["code"].as_str(), v["field"].as_str()),
            (Some("400.2"), Some(field))
        );
    }
    let (s, v) = h
        .json(
            Method::POST,
            LOOKUP,
            None,
            Some(json!({"code": good, "extra": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

async fn a_volunteers_dossier_belongs_to_its_citizen(b: Backend) {
    let h = Harness::start_with(b, behind_proxy()).await;
    let citizen = h.user(Role::Citizen).await;
    let volunteer = h.user(Role::Volunteer).await;
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": volunteer.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let mut m = json!({"procedure_code": "1.001456", "agency_code": AGENCY_X, "form": {},
                       "delivery": {"method": "online"}});
    m["on_behalf_of"] = json!({"citizen_phone": citizen.phone});
    let r = h.submit_ok(&volunteer.token, &m).await;
    // the citizen's phone and registered ID digits open it; the volunteer's phone does not
    let (s, body) = ask(
        &h,
        "198.51.100.1",
        Some(&citizen.token),
        &r.code,
        &citizen.phone,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(serde_json::from_str::<LookupResult>(&body).unwrap().mine);
    let (s, body) = ask(
        &h,
        "198.51.100.2",
        Some(&volunteer.token),
        &r.code,
        ACCOUNT_ID_LAST4,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(
        !serde_json::from_str::<LookupResult>(&body).unwrap().mine,
        "filed by the volunteer, but the citizen's"
    );
    let (s, _) = ask(&h, "198.51.100.3", None, &r.code, &volunteer.phone).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// A volunteer's paper-consent dossier whose form names `phone` and `id_number` (synthetic).
async fn paper_dossier(h: &Harness, volunteer: &User, phone: &str, id_number: &str) -> String {
    let m = json!({
        "procedure_code": "1.001456", "agency_code": AGENCY_X,
        "form": {"full_name": "Trần Văn Thử", "id_number": id_number, "phone": phone},
        "delivery": {"method": "online"}, "consent_basis": "paper"
    });
    h.submit_ok(&volunteer.token, &m).await.code
}

/// Status and body of one claim.
async fn claim(
    h: &Harness,
    ip: &str,
    token: Option<&str>,
    code: &str,
    factor: &str,
) -> (StatusCode, Value) {
    let res = h
        .req(Method::POST, CLAIM, token)
        .header("x-forwarded-for", ip)
        .json(&json!({"code": code, "factor": factor}))
        .send()
        .await
        .unwrap();
    let s = res.status();
    (s, res.json().await.unwrap_or(Value::Null))
}

async fn listed(h: &Harness, token: &str) -> DossierList {
    let (s, v) = h.json(Method::GET, "/v1/dossiers", Some(token), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    serde_json::from_value(v).unwrap()
}

async fn a_paper_dossier_is_added_to_its_citizens_list(b: Backend) {
    let h = Harness::start_with(b, behind_proxy()).await;
    let volunteer = h.user(Role::Volunteer).await;
    let citizen = h.user(Role::Citizen).await;
    // Filed on paper before the citizen had an account: the form names their phone.
    let by_phone = paper_dossier(&h, &volunteer, &citizen.phone, "001099004567").await;
    // Another names their registered ID number (see `common::registration`), another phone.
    let by_id = paper_dossier(&h, &volunteer, "0911 000 111", "079185000321").await;
    assert!(listed(&h, &citizen.token).await.dossiers.is_empty());

    let (s, v) = claim(
        &h,
        "198.51.100.10",
        Some(&citizen.token),
        &by_phone,
        &citizen.phone,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c: ClaimResult = serde_json::from_value(v).unwrap();
    assert!(c.added);
    assert_eq!(c.dossier.code, by_phone);
    assert!(c.dossier.filed_for_me);
    assert!(c.dossier.filed_by.is_some(), "shown as filed for them");
    let (s, v) = claim(
        &h,
        "198.51.100.11",
        Some(&citizen.token),
        &by_id,
        ACCOUNT_ID_LAST4,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Both are in their list, their feed (from the start) and a lookup now says "mine".
    let l = listed(&h, &citizen.token).await;
    let mut codes: Vec<_> = l.dossiers.iter().map(|d| d.code.clone()).collect();
    codes.sort();
    let mut want = vec![by_phone.clone(), by_id.clone()];
    want.sort();
    assert_eq!(codes, want);
    let (s, v) = h
        .json(
            Method::GET,
            "/v1/events?after=0",
            Some(&citizen.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let page: EventsPage = serde_json::from_value(v).unwrap();
    assert_eq!(page.events.len(), 2, "the received events of both");
    let (s, body) = ask(
        &h,
        "198.51.100.12",
        Some(&citizen.token),
        &by_phone,
        &citizen.phone,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(serde_json::from_str::<LookupResult>(&body).unwrap().mine);

    // Again: nothing changes, the same answer.
    let (s, v) = claim(
        &h,
        "198.51.100.13",
        Some(&citizen.token),
        &by_phone,
        &citizen.phone,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(!serde_json::from_value::<ClaimResult>(v).unwrap().added);
    // Now the citizen's: like any dossier linked to a citizen, the volunteer who filed it sees it
    // only while the citizen's consent to them is live (none here); the officer's history names
    // the citizen's action.
    assert!(listed(&h, &volunteer.token).await.dossiers.is_empty());
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let uuid = c.dossier.dossier_uuid.clone();
    let (s, page) = h
        .console(&officer)
        .await
        .page(&format!("/console/dossiers/{uuid}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("claimed_by_citizen"), "audited");
}

async fn adding_is_refused_unless_the_dossier_names_the_caller(b: Backend) {
    let h = Harness::start_with(b, behind_proxy()).await;
    let volunteer = h.user(Role::Volunteer).await;
    let owner = h.user(Role::Citizen).await;
    let stranger = h.user(Role::Citizen).await;
    let code = paper_dossier(&h, &volunteer, &owner.phone, "001099004567").await;

    // Opened with the right factor (the form's ID digits), but it names someone else.
    let (s, v) = claim(&h, "198.51.100.20", Some(&stranger.token), &code, "4567").await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("403.11")),
        "{v}"
    );
    // A wrong factor is the lookup's one answer.
    let (s, v) = claim(&h, "198.51.100.21", Some(&owner.token), &code, "9999").await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("404.1")),
        "{v}"
    );
    // Citizens only, and signed in.
    let (s, _) = claim(
        &h,
        "198.51.100.22",
        Some(&volunteer.token),
        &code,
        &owner.phone,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = claim(&h, "198.51.100.23", None, &code, &owner.phone).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = claim(
        &h,
        "198.51.100.24",
        Some(&owner.token),
        "not a code",
        &owner.phone,
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("code")),
        "{v}"
    );
    assert!(listed(&h, &stranger.token).await.dossiers.is_empty());
    assert!(listed(&h, &owner.token).await.dossiers.is_empty());

    // The owner adds it; afterwards nobody else can, even one it would name.
    let (s, _) = claim(&h, "198.51.100.25", Some(&owner.token), &code, &owner.phone).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = claim(&h, "198.51.100.26", Some(&stranger.token), &code, "4567").await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("403.11")),
        "{v}"
    );
    assert!(listed(&h, &stranger.token).await.dossiers.is_empty());
}
