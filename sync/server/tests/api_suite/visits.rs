//! Volunteers' field work (`src/api/visits.rs`): visits sent once (idempotent by id), teams and
//! campaigns, and who reads which report — a volunteer their own, a leader their team, an
//! officer their agency's teams, an admin any; everyone else `404.1` or `403.1`.

use crate::common::*;
use dvc_protocol::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

crate::both_backends!(
    visits_teams_and_reports,
    a_visit_is_checked_before_it_is_stored
);

/// Thursday 2026-12-10 12:00 in Vietnam: the week began on Monday 7th (6th, 17:00 UTC).
const NOW_MS: i64 = 1_796_878_800_000;

fn visit_body(
    household: &str,
    started: &str,
    tasks: &[(&str, Option<&str>)],
    follow: bool,
) -> Value {
    let mut v = json!({
        "household_id": household,
        "commune": "Phường Thử Nghiệm",
        "started_at": started,
        "ended_at": started,
        "tasks": tasks.iter().map(|(t, p)| match p {
            Some(p) => json!({"task": t, "person_id": p}),
            None => json!({"task": t}),
        }).collect::<Vec<_>>(),
    });
    if follow {
        v["follow_up_on"] = json!("2026-12-17");
    }
    v
}

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn put(h: &Harness, token: &str, visit: &str, body: &Value) -> (StatusCode, Value) {
    h.json(
        Method::PUT,
        &format!("/v1/visits/{visit}"),
        Some(token),
        Some(body.clone()),
    )
    .await
}

async fn report(h: &Harness, token: &str, query: &str) -> (StatusCode, Value) {
    h.json(
        Method::GET,
        &format!("/v1/reports?{query}"),
        Some(token),
        None,
    )
    .await
}

async fn visits_teams_and_reports(b: Backend) {
    let h = Harness::start(b).await;
    h.clock.set(NOW_MS);
    let admin = h.staff(Role::Admin, None).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let other_officer = h.staff(Role::Officer, Some(AGENCY_Y)).await;
    let leader = h.user(Role::Volunteer).await;
    let member = h.user(Role::Volunteer).await;
    let outsider = h.user(Role::Volunteer).await;
    let citizen = h.user(Role::Citizen).await;

    // Admins make teams and campaigns; nobody else can.
    let team_req = json!({"name": "Tổ công nghệ số thôn 3", "agency_code": AGENCY_X, "leader_login": leader.phone});
    let (s, _) = h
        .json(
            Method::POST,
            "/v1/admin/teams",
            Some(&leader.token),
            Some(team_req.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, team) = h
        .json(
            Method::POST,
            "/v1/admin/teams",
            Some(&admin.token),
            Some(team_req),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{team}");
    let team_id = team["id"].as_str().unwrap().to_owned();
    assert_eq!(team["members"][0]["leader"], json!(true));
    let (s, v) = h
        .json(
            Method::POST,
            &format!("/v1/admin/teams/{team_id}/members"),
            Some(&admin.token),
            Some(json!({"login": citizen.phone})),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("login")),
        "citizens are no members"
    );
    let (s, team) = h
        .json(
            Method::POST,
            &format!("/v1/admin/teams/{team_id}/members"),
            Some(&admin.token),
            Some(json!({"login": member.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{team}");
    assert_eq!(team["members"].as_array().unwrap().len(), 2);
    let (s, campaign) = h
        .json(
            Method::POST,
            "/v1/admin/campaigns",
            Some(&admin.token),
            Some(json!({"team_id": team_id, "name": "Đi từng ngõ, gõ từng nhà", "starts_on": "2026-12-01",
                        "ends_on": "2026-12-31", "targets": {"households": 10, "dossiers": 4}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{campaign}");
    let campaign_id = campaign["id"].as_str().unwrap().to_owned();
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/admin/campaigns",
            Some(&admin.token),
            Some(json!({"team_id": team_id, "name": "x", "starts_on": "2026-12-31", "ends_on": "2026-12-01"})),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ends_on"))
    );

    // The leader's visit: created, then the same body again changes nothing, then a newer one.
    let (hh1, hh2, p1, p2) = (id(), id(), id(), id());
    let v1 = id();
    let body = visit_body(
        &hh1,
        "2026-12-08T02:00:00Z",
        &[("vneid", Some(&p1)), ("accounts", Some(&p1))],
        true,
    );
    let (s, r) = put(&h, &leader.token, &v1, &body).await;
    assert_eq!(
        (s, r["saved"].as_str()),
        (StatusCode::CREATED, Some("created")),
        "{r}"
    );
    let (s, r) = put(&h, &leader.token, &v1, &body).await;
    assert_eq!(
        (s, r["saved"].as_str()),
        (StatusCode::OK, Some("unchanged"))
    );
    let newer = visit_body(
        &hh1,
        "2026-12-08T02:00:00Z",
        &[
            ("vneid", Some(&p1)),
            ("accounts", Some(&p1)),
            ("cashless", None),
        ],
        true,
    );
    let (s, r) = put(&h, &leader.token, &v1, &newer).await;
    assert_eq!((s, r["saved"].as_str()), (StatusCode::OK, Some("updated")));
    // Another volunteer cannot overwrite it, a citizen cannot send visits at all.
    let (s, _) = put(&h, &member.token, &v1, &body).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = put(&h, &citizen.token, &id(), &body).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The member visits two households (one again, after the leader: the follow-up closes).
    let v2 = id();
    let (s, _) = put(
        &h,
        &member.token,
        &v2,
        &visit_body(
            &hh2,
            "2026-12-09T03:00:00Z",
            &[("accounts", Some(&p2)), ("online_safety", None)],
            true,
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = put(
        &h,
        &member.token,
        &id(),
        &visit_body(&hh1, "2026-12-09T04:00:00Z", &[], false),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    // An outsider's visit counts for nobody's team; last month's visit for no week report.
    let (s, _) = put(
        &h,
        &outsider.token,
        &id(),
        &visit_body(&id(), "2026-12-09T04:00:00Z", &[("vneid", None)], false),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = put(
        &h,
        &leader.token,
        &id(),
        &visit_body(&id(), "2026-11-20T04:00:00Z", &[("vneid", None)], false),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);

    // Dossiers: two by the member, one by the leader, one by the outsider.
    for u in [&member, &member, &leader, &outsider] {
        h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    }

    // A volunteer's own week.
    let (s, r) = report(&h, &member.token, "period=week").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (
            r["scope"].as_str(),
            r["visits"].as_u64(),
            r["households_visited"].as_u64()
        ),
        (Some("volunteer"), Some(2), Some(2))
    );
    assert_eq!(
        (r["dossiers_filed"].as_u64(), r["accounts_created"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(r["tasks"]["online_safety"], json!(1));
    assert_eq!(r["follow_ups_open"], json!(1), "hh2 not seen again");

    // The leader's team: both members, not the outsider; the newer body of v1 counts once.
    let team_q = format!("period=week&team={team_id}");
    let (s, r) = report(&h, &leader.token, &team_q).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (
            r["visits"].as_u64(),
            r["households_visited"].as_u64(),
            r["people_helped"].as_u64()
        ),
        (Some(3), Some(2), Some(2))
    );
    assert_eq!(
        (
            r["tasks"]["vneid"].as_u64(),
            r["tasks"]["cashless"].as_u64(),
            r["accounts_created"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    assert_eq!(
        (
            r["dossiers_filed"].as_u64(),
            r["dossiers_by_procedure"]["1.001456"].as_u64()
        ),
        (Some(3), Some(3))
    );
    assert_eq!(r["dossiers_by_state"]["received"], json!(3));
    assert_eq!(
        r["follow_ups_open"],
        json!(1),
        "hh1's closed by the member's later visit"
    );
    let lines = r["volunteers"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["account_id"].as_str(), lines[0]["visits"].as_u64()),
        (Some(member.account.account_id.as_str()), Some(2))
    );
    let text = r.to_string();
    assert!(
        !text.contains(&member.phone) && !text.contains(&hh1) && !text.contains(&p1),
        "counts only: {text}"
    );
    // The month holds last month's visit? No: 20 Nov is November.
    let (_, month) = report(&h, &leader.token, &format!("period=month&team={team_id}")).await;
    assert_eq!(month["visits"], json!(3));
    let (_, nov) = report(
        &h,
        &leader.token,
        &format!("period=month&team={team_id}&at=2026-11-25T00:00:00Z"),
    )
    .await;
    assert_eq!(
        (nov["visits"].as_u64(), nov["dossiers_filed"].as_u64()),
        (Some(1), Some(0))
    );

    // The same team for its agency's officer and the admin; nobody else, not even its member.
    for u in [&officer, &admin] {
        let (s, r2) = report(&h, &u.token, &team_q).await;
        assert_eq!((s, &r2["visits"]), (StatusCode::OK, &r["visits"]));
    }
    for u in [&member, &outsider, &other_officer] {
        let (s, v) = report(&h, &u.token, &team_q).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("404.1")),
            "{v}"
        );
    }
    let (s, _) = report(&h, &citizen.token, "period=week").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = report(&h, &officer.token, "period=week").await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("team"))
    );
    let (s, v) = report(&h, &leader.token, "period=year").await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("period"))
    );

    // The campaign: its dates, its targets.
    let (s, c) = report(&h, &leader.token, &format!("campaign={campaign_id}")).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        (c["scope"].as_str(), c["visits"].as_u64()),
        (Some("campaign"), Some(3))
    );
    assert_eq!(c["targets"], json!({"households": 10, "dossiers": 4}));
    assert_eq!(c["from"].as_str(), Some("2026-11-30T17:00:00.000Z"));
    let (s, _) = report(&h, &other_officer.token, &format!("campaign={campaign_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // CSV for spreadsheets.
    let res = h
        .req(
            Method::GET,
            &format!("/v1/reports?{team_q}&format=csv"),
            Some(&officer.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("metric,key,value\n"), "{csv}");
    assert!(
        csv.contains("visits,,3\n") && csv.contains("dossiers_by_procedure,1.001456,3\n"),
        "{csv}"
    );

    // Teams each account sees.
    let (s, t) = h
        .json(Method::GET, "/v1/teams", Some(&member.token), None)
        .await;
    assert_eq!(
        (s, t["teams"][0]["id"].as_str()),
        (StatusCode::OK, Some(team_id.as_str()))
    );
    assert_eq!(t["campaigns"][0]["id"].as_str(), Some(campaign_id.as_str()));
    let (_, t) = h
        .json(Method::GET, "/v1/teams", Some(&outsider.token), None)
        .await;
    assert_eq!(t["teams"], json!([]));
    let (_, t) = h
        .json(Method::GET, "/v1/teams", Some(&other_officer.token), None)
        .await;
    assert_eq!(t["teams"], json!([]));
    let (s, _) = h
        .json(Method::GET, "/v1/teams", Some(&citizen.token), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The console page of the team, for the agency's officer.
    let console = h.console(&officer).await;
    let (s, page) = console
        .page(&format!("/console/reports/teams/{team_id}?period=week"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("Tổ công nghệ số thôn 3") && page.contains("Cài đặt, sử dụng VNeID"),
        "{page}"
    );
    assert!(page.contains("data-testid=\"report-chart\""));
    let (s, index) = console.page("/console/reports").await;
    assert_eq!(s, StatusCode::OK);
    assert!(index.contains(&format!("/console/reports/campaigns/{campaign_id}")));
    let other = h.console(&other_officer).await;
    let (s, _) = other
        .page(&format!("/console/reports/teams/{team_id}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn a_visit_is_checked_before_it_is_stored(b: Backend) {
    let h = Harness::start(b).await;
    h.clock.set(NOW_MS);
    let vol = h.user(Role::Volunteer).await;
    let good = visit_body(&id(), "2026-12-08T02:00:00Z", &[("vneid", None)], false);
    let cases: Vec<(&str, Value)> = vec![
        ("household_id", {
            let mut v = good.clone();
            v["household_id"] = json!("Nguyễn Văn Thử");
            v
        }),
        ("started_at", {
            let mut v = good.clone();
            v["started_at"] = json!("2030-01-01T00:00:00Z");
            v
        }),
        ("ended_at", {
            let mut v = good.clone();
            v["ended_at"] = json!("2026-12-01T00:00:00Z");
            v
        }),
        ("follow_up_on", {
            let mut v = good.clone();
            v["follow_up_on"] = json!("17/12/2026");
            v
        }),
        ("tasks", {
            let mut v = good.clone();
            v["tasks"] = json!([{"task": "vneid", "person_id": "001099012345"}]);
            v
        }),
    ];
    for (field, body) in cases {
        let (s, v) = put(&h, &vol.token, &id(), &body).await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{v}"
        );
    }
    // Unknown tasks and fields are malformed JSON for this route; a bad id is 400 too.
    let mut unknown = good.clone();
    unknown["tasks"] = json!([{"task": "karaoke"}]);
    let (s, _) = put(&h, &vol.token, &id(), &unknown).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let mut notes = good.clone();
    notes["notes"] = json!("ghi chú riêng");
    let (s, _) = put(&h, &vol.token, &id(), &notes).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "notes stay on the phone");
    let (s, v) = put(&h, &vol.token, "not-a-uuid", &good).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("visit_id"))
    );
    // Nothing of it was stored.
    let (_, r) = report(&h, &vol.token, "period=week").await;
    assert_eq!(r["visits"], json!(0));
}
