//! Server fuzzing driven from `/v1/openapi.json`: for every documented operation, with every role
//! (anonymous, citizen, volunteer who leads a team, officer, admin), requests generated from the
//! operation's schemas — valid-shaped bodies with random values, mutated bodies (missing required
//! fields, wrong types, huge strings, deep nesting, unicode, NUL bytes, numbers at the i64/f64
//! limits, extra fields, broken JSON), random path parameters and query strings, wrong content
//! types — and the console's routes with random form fields, with and without the CSRF token.
//!
//! Every answer must be: below 500; for an error, the documented shape (an `ErrorBody` for `/v1`,
//! an HTML page for the console) with a status the operation documents (or a generic
//! 400/401/403/404/405/413/415/422/429); free of the personal data we sent; and a success of a
//! mutating call only for a role allowed to make it. The operations fuzzed must be exactly those
//! documented, and the server must still answer `/healthz` at the end.
//!
//! `DVC_FUZZ_SEED` picks the seed (printed with every failure), `DVC_FUZZ_CASES` the cases per
//! operation × role (default 40 on SQLite, 8 on PostgreSQL).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use common::*;
use dvc_protocol::auth::Role;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{json, Map, Value};

both_backends!(fuzz_openapi);

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anon,
    Citizen,
    /// A volunteer who also leads a team.
    Volunteer,
    Officer,
    Admin,
}

const ROLES: [Who; 5] = [
    Who::Anon,
    Who::Citizen,
    Who::Volunteer,
    Who::Officer,
    Who::Admin,
];

/// Error statuses any operation may answer without documenting them.
const GENERIC: [u16; 9] = [400, 401, 403, 404, 405, 413, 415, 422, 429];

const DEFAULT_SEED: u64 = 0x00d0_c5fa_2026_1207;

fn seed() -> u64 {
    std::env::var("DVC_FUZZ_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(DEFAULT_SEED)
}

fn cases(b: Backend) -> usize {
    std::env::var("DVC_FUZZ_CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(match b {
            Backend::Sqlite => 40,
            Backend::Postgres => 8,
        })
}

/// One documented operation.
#[derive(Clone)]
struct Op {
    method: Method,
    template: String,
    /// Needs a bearer token (`security` is set, without an empty requirement).
    secured: bool,
    /// The statuses it documents.
    documented: BTreeSet<u16>,
    /// Query parameters: name → schema.
    query: Vec<(String, Value)>,
    /// Request body content types and schemas.
    body: Vec<(String, Value)>,
}

/// What the fixture made, for path parameters and bodies that reach past the first checks.
struct Fixture {
    tokens: BTreeMap<Who, String>,
    /// Per role: the id of a second session's token (revocable without losing the first).
    spare_token_ids: BTreeMap<Who, String>,
    /// Valid values per path parameter name.
    params: BTreeMap<&'static str, Vec<String>>,
    /// Real phones (of the fixture accounts) and hashes, for bodies.
    phones: Vec<String>,
    hashes: Vec<String>,
    doc: Value,
    /// A client without kept-alive connections: a server that closes a connection after an early
    /// answer (a refusal before the body was read) must not fail the next case on a reused one.
    http: reqwest::Client,
    /// Per operation template, a body the server accepts from the role it is for.
    examples: BTreeMap<&'static str, Value>,
}

/// What went wrong, for the final report.
type Failures = Arc<Mutex<Vec<String>>>;

async fn fuzz_openapi(b: Backend) {
    let seed = seed();
    let n = cases(b);
    eprintln!("fuzz_openapi: seed {seed} ({n} cases per operation and role); DVC_FUZZ_SEED={seed} reproduces");
    let h = Arc::new(Harness::start(b).await);
    let fx = Arc::new(fixture(&h).await);
    let ops = operations(&fx.doc);

    // Every documented operation has a rule of who may change things with it (a route added
    // without one fails here, before any request).
    for op in &ops {
        for who in ROLES {
            let _ = may_succeed(op, who);
        }
    }

    let failures: Failures = Arc::default();
    let stats: Arc<Mutex<BTreeMap<(String, u16), usize>>> = Arc::default();
    let covered: Arc<Mutex<BTreeSet<(String, String)>>> = Arc::default();
    // Per role, the operations that answered 2xx at least once (the cases reach past sign-in).
    let reached: Arc<Mutex<BTreeMap<Who, BTreeSet<String>>>> = Arc::default();
    let mut tasks = Vec::new();
    for (i, who) in ROLES.into_iter().enumerate() {
        let (h, fx, failures, stats, covered, reached) = (
            h.clone(),
            fx.clone(),
            failures.clone(),
            stats.clone(),
            covered.clone(),
            reached.clone(),
        );
        let mut ops = ops.clone();
        // Signing out ends the session the other cases use: last.
        ops.sort_by_key(|o| o.template == "/v1/auth/logout");
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed ^ (i as u64).wrapping_mul(0x9e37_79b9));
            for op in &ops {
                for case in 0..n {
                    let req = gen_request(&mut rng, &fx, op, who);
                    let label = format!(
                        "[seed {seed}] {who:?} {} {} case {case} ({}): {} {}",
                        op.method,
                        op.template,
                        req.kind,
                        req.method,
                        short(&req.path)
                    );
                    let (status, problems) = send_and_check(&h, &fx, op, who, &req).await;
                    *stats
                        .lock()
                        .unwrap()
                        .entry((format!("{} {}", op.method, op.template), status))
                        .or_default() += 1;
                    if (200..300).contains(&status) {
                        reached
                            .lock()
                            .unwrap()
                            .entry(who)
                            .or_default()
                            .insert(format!("{} {}", op.method, op.template));
                    }
                    if !problems.is_empty() {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{label}: {}", problems.join("; ")));
                    }
                }
                covered
                    .lock()
                    .unwrap()
                    .insert((op.method.to_string(), op.template.clone()));
            }
        }));
    }
    // The console: anonymous and a signed-in officer, in parallel with the API.
    let console = {
        let (h, fx, failures) = (h.clone(), fx.clone(), failures.clone());
        tokio::spawn(async move { fuzz_console(&h, &fx, seed, n, &failures).await })
    };
    for t in tasks {
        t.await.unwrap();
    }
    console.await.unwrap();

    // The operations fuzzed are exactly the documented ones.
    let documented: BTreeSet<(String, String)> = ops
        .iter()
        .map(|o| (o.method.to_string(), o.template.clone()))
        .collect();
    assert_eq!(
        *covered.lock().unwrap(),
        documented,
        "every documented operation is fuzzed"
    );
    assert!(
        documented.len() >= 50,
        "openapi.json lists only {} operations",
        documented.len()
    );

    // The cases got past sign-in and the first checks: every signed-in role had successes on
    // several operations (a fixture whose tokens stopped working would fuzz only the 401 path).
    {
        let reached = reached.lock().unwrap();
        for who in [Who::Citizen, Who::Volunteer, Who::Officer, Who::Admin] {
            let n = reached.get(&who).map_or(0, BTreeSet::len);
            assert!(
                n >= 5,
                "[seed {seed}] {who:?} had a success on only {n} operations: {:?}",
                reached.get(&who)
            );
        }
    }

    // Still answering.
    let (s, _) = h.json(Method::GET, "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK, "[seed {seed}] /healthz after fuzzing");

    // What the cases reached (the run's log shows whether they got past the first checks).
    let stats = stats.lock().unwrap();
    let mut per_op: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for ((op, s), c) in stats.iter() {
        per_op.entry(op).or_default().push(format!("{s}×{c}"));
    }
    for (op, s) in per_op {
        eprintln!("  {op}: {}", s.join(" "));
    }
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} fuzzing failures (seed {seed}):\n{}",
        failures.len(),
        failures
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn short(s: &str) -> String {
    if s.len() > 160 {
        let mut end = 160;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…({} bytes)", &s[..end], s.len())
    } else {
        s.to_owned()
    }
}

/// The set-up of authz_matrix.rs, smaller: one of everything each role can reach.
async fn fixture(h: &Harness) -> Fixture {
    let a = h.user(Role::Citizen).await;
    let v = h.user(Role::Volunteer).await;
    let ox = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let admin = h.staff(Role::Admin, None).await;
    let mut tokens = BTreeMap::new();
    let mut spare_token_ids = BTreeMap::new();
    for (who, u) in [
        (Who::Citizen, &a),
        (Who::Volunteer, &v),
        (Who::Officer, &ox),
        (Who::Admin, &admin),
    ] {
        tokens.insert(who, u.token.clone());
        let spare = h.login(&u.phone, &u.password).await;
        let (_, toks) = h
            .json(Method::GET, "/v1/auth/tokens", Some(&spare.token), None)
            .await;
        let id = toks["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["current"] == json!(true))
            .or_else(|| toks["tokens"].as_array().unwrap().last())
            .unwrap()["token_id"]
            .as_str()
            .unwrap()
            .to_owned();
        spare_token_ids.insert(who, id);
    }
    spare_token_ids.insert(Who::Anon, spare_token_ids[&Who::Citizen].clone());

    let photo = jpeg(800, 3);
    let h_a = h.upload(&a.token, &photo, 4000).await;
    let d_a = h
        .submit_ok(&a.token, &manifest(AGENCY_X, &[(&h_a, photo.len())]))
        .await;
    let (_, up) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&a.token),
            Some(json!({"sha256": sha(b"pending"), "length": 10})),
        )
        .await;
    let u_a = up["upload_id"].as_str().unwrap().to_owned();
    let (_, c) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&a.token),
            Some(json!({"volunteer_phone": v.phone})),
        )
        .await;
    let c_a = c["consent_id"].as_str().unwrap().to_owned();
    let mut mv = manifest(AGENCY_X, &[]);
    mv["on_behalf_of"] = json!({"citizen_phone": a.phone});
    let d_v = h.submit_ok(&v.token, &mv).await;
    let w = h.user(Role::Citizen).await;
    let (s, r) = h
        .json(
            Method::POST,
            "/v1/consent-requests",
            Some(&v.token),
            Some(json!({"citizen_phone": w.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{r}");
    let r_v = r["request_id"].as_str().unwrap().to_owned();
    let (s, t) = h
        .json(
            Method::POST,
            "/v1/admin/teams",
            Some(&admin.token),
            Some(json!({"name": "Tổ 1", "agency_code": AGENCY_X, "leader_login": v.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let t_v = t["id"].as_str().unwrap().to_owned();
    let (s, cp) = h
        .json(
            Method::POST,
            "/v1/admin/campaigns",
            Some(&admin.token),
            Some(json!({"team_id": t_v, "name": "Tháng 12", "starts_on": "2026-12-01", "ends_on": "2026-12-31"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{cp}");
    let camp = cp["id"].as_str().unwrap().to_owned();
    // Accounts the admin may disable, revoke and reset at random (never the callers').
    let victim = h.user(Role::Citizen).await;
    let victim2 = h.user(Role::Volunteer).await;

    let mut params: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    params.insert(
        "dossier_uuid",
        vec![d_a.dossier_uuid.clone(), d_v.dossier_uuid],
    );
    params.insert("upload_id", vec![u_a]);
    params.insert("consent_id", vec![c_a]);
    params.insert("request_id", vec![r_v]);
    params.insert("sha256", vec![h_a.clone()]);
    params.insert(
        "account_id",
        vec![victim.account.account_id, victim2.account.account_id],
    );
    params.insert("team_id", vec![t_v]);
    params.insert("campaign_id", vec![camp]);
    params.insert("revision", vec!["1".into(), "2".into(), "3".into()]);
    params.insert("bundle_id", vec!["abcdefghijklmnop-_012Q".into()]);
    params.insert("code", vec![d_a.code]);

    let mut examples: BTreeMap<&'static str, Value> = BTreeMap::new();
    let m = manifest(AGENCY_X, &[(&h_a, photo.len())]);
    examples.insert("/v1/dossiers/{dossier_uuid}", m.clone());
    examples.insert("/v1/dossiers/{dossier_uuid}/revisions/{revision}", m);
    examples.insert("/v1/consents", json!({"volunteer_phone": v.phone}));
    examples.insert("/v1/consent-requests", json!({"citizen_phone": a.phone}));
    examples.insert("/v1/uploads", json!({"sha256": sha(b"fuzz"), "length": 4}));
    examples.insert("/v1/blobs/missing", json!({"sha256": [h_a]}));
    examples.insert(
        "/v1/visits/{visit_id}",
        json!({"household_id": uuid::Uuid::now_v7().to_string(), "started_at": "2026-12-01T01:00:00Z",
               "ended_at": "2026-12-01T02:00:00Z", "tasks": [{"task": "vneid"}]}),
    );
    examples.insert(
        "/v1/admin/teams",
        json!({"name": "Tổ 2", "agency_code": AGENCY_Y}),
    );
    examples.insert(
        "/v1/admin/campaigns",
        json!({"team_id": params["team_id"][0], "name": "Tháng 1", "starts_on": "2027-01-01", "ends_on": "2027-01-31"}),
    );
    examples.insert(
        "/v1/admin/teams/{team_id}/members",
        json!({"login": victim2.phone}),
    );
    examples.insert(
        "/v1/admin/accounts",
        json!({"login": "canbo_thu", "password": "mật-khẩu-dài-1", "role": "officer", "agency_code": AGENCY_X}),
    );
    examples.insert(
        "/v1/admin/accounts/{account_id}/password",
        json!({"new_password": "longenough1"}),
    );
    examples.insert(
        "/v1/handoffs/{bundle_id}",
        json!({"sha256": h_a, "size": photo.len()}),
    );
    examples.insert("/v1/dossiers/{dossier_uuid}/rating", json!({"stars": 4}));
    examples.insert(
        "/v1/dossiers/{dossier_uuid}/payment-claim",
        json!({"amount_vnd": 200000}),
    );
    examples.insert("/v1/dossiers/{dossier_uuid}/cancel", json!({}));
    examples.insert("/v1/me/notifications", json!({"channels": ["sms"]}));
    examples.insert(
        "/v1/dossiers/lookup",
        json!({"code": params["code"][0], "factor": "0321"}),
    );
    examples.insert(
        "/v1/dossiers/claim",
        json!({"code": params["code"][0], "factor": "0321"}),
    );
    examples.insert(
        "/v1/auth/login",
        json!({"login": a.phone, "password": "wrong-password", "device_name": "fuzz"}),
    );
    examples.insert(
        "/v1/auth/register",
        registration(&next_phone(), "mật-khẩu-thử-1", "citizen"),
    );
    let (s, doc) = h.json(Method::GET, "/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    Fixture {
        examples,
        tokens,
        spare_token_ids,
        params,
        phones: vec![a.phone, v.phone, w.phone, victim.phone],
        hashes: vec![h_a, sha(b"pending")],
        doc,
        http: client(),
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

/// The operations of the document.
fn operations(doc: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (m, op) in item.as_object().expect("path item") {
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).expect("method");
            // An empty requirement (`{}`) among them: signing in is optional.
            let secured = op["security"].as_array().is_some_and(|s| {
                !s.is_empty() && !s.iter().any(|r| r.as_object().is_some_and(Map::is_empty))
            });
            let documented = op["responses"]
                .as_object()
                .map(|r| r.keys().filter_map(|k| k.parse().ok()).collect())
                .unwrap_or_default();
            let query = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "query")
                        .map(|p| {
                            (
                                p["name"].as_str().unwrap_or_default().to_owned(),
                                p["schema"].clone(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let body = op["requestBody"]["content"]
                .as_object()
                .map(|c| {
                    c.iter()
                        .map(|(ct, m)| (ct.clone(), m["schema"].clone()))
                        .collect()
                })
                .unwrap_or_default();
            ops.push(Op {
                method,
                template: path.clone(),
                secured,
                documented,
                query,
                body,
            });
        }
    }
    ops
}

/// May `who` get a 2xx from `op`? Reading is anyone's who passes authentication (the authz
/// matrix checks whose data); a change only the roles the API is for.
fn may_succeed(op: &Op, who: Who) -> bool {
    use Who::*;
    if !op.secured {
        return true;
    }
    if who == Anon {
        return false;
    }
    if matches!(op.method, Method::GET | Method::HEAD) {
        return true;
    }
    let p = op.template.as_str();
    let people = matches!(who, Citizen | Volunteer);
    if p.starts_with("/v1/admin/") {
        who == Admin
    } else if p.starts_with("/v1/consents") {
        who == Citizen
    } else if p.starts_with("/v1/consent-requests") || p.starts_with("/v1/visits/") {
        who == Volunteer
    } else if p.starts_with("/v1/uploads")
        || p == "/v1/push"
        || p == "/v1/blobs/missing"
        || p.starts_with("/v1/dossiers/")
        || p.starts_with("/v1/handoffs")
        || p == "/v1/me/notifications"
    {
        people
    } else if matches!(
        p,
        "/v1/auth/logout" | "/v1/auth/password" | "/v1/auth/tokens/{token_id}"
    ) {
        true
    } else {
        panic!(
            "{} {p}: a mutating operation the fuzzer has no rule for; add it to may_succeed",
            op.method
        )
    }
}

/// One generated request.
struct Req {
    method: Method,
    path: String,
    content_type: Option<String>,
    body: Option<Vec<u8>>,
    /// What kind of case (for the failure report).
    kind: &'static str,
    /// Personal data put in the request (must not come back in an error).
    pii: Vec<String>,
    /// Extra headers.
    headers: Vec<(&'static str, String)>,
}

fn gen_request(rng: &mut StdRng, fx: &Fixture, op: &Op, who: Who) -> Req {
    let mut pii = Vec::new();
    // Path.
    let mut path = String::new();
    for (i, seg) in op.template.split('/').enumerate() {
        if i > 0 {
            path.push('/');
        }
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            path.push_str(&path_param(rng, fx, name, who));
        } else {
            path.push_str(seg);
        }
    }
    // Query.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, schema) in &op.query {
        if rng.random_bool(0.7) {
            let v = gen_value(rng, fx, &fx.doc, schema, name, 0, &mut pii);
            let s = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            pairs.push((name.clone(), s));
        }
    }
    if rng.random_bool(0.2) {
        pairs.push((junk_string(rng, &mut pii), junk_string(rng, &mut pii)));
    }
    // A long-poll must not hold the case: never wait.
    for (k, v) in pairs.iter_mut() {
        if k == "wait" || k == "timeout" || k == "wait_s" {
            *v = "0".into();
        }
    }
    if !pairs.is_empty() {
        path.push('?');
        path.push_str(
            &pairs
                .iter()
                .map(|(k, v)| format!("{}={}", pct(cap(k)), pct(cap(v))))
                .collect::<Vec<_>>()
                .join("&"),
        );
    } else if rng.random_bool(0.05) {
        path.push_str(
            ["?%zz", "?=&&=", "?a=%00", "?a[b]=1&a=2"]
                .choose(rng)
                .unwrap(),
        );
    }

    // Body.
    let (content_type, body, kind) = if let Some((ct, schema)) = op.body.choose(rng).cloned() {
        if ct.contains("json") {
            json_body(rng, fx, &op.template, &schema, &mut pii)
        } else if ct == dvc_protocol::push::PUSH_CONTENT_TYPE {
            push_body(rng, fx, &mut pii)
        } else {
            let n = *[0usize, 1, 10, 1000].choose(rng).unwrap();
            let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            let ct = if rng.random_bool(0.8) {
                ct
            } else {
                "application/json".to_owned()
            };
            (Some(ct), Some(bytes), "raw bytes")
        }
    } else if rng.random_bool(0.15) {
        let v = json!({"unexpected": junk_string(rng, &mut pii), "n": i64::MAX});
        (
            Some("application/json".to_owned()),
            Some(v.to_string().into_bytes()),
            "body on a bodiless operation",
        )
    } else {
        (None, None, "no body")
    };
    let mut headers = Vec::new();
    if op.method == Method::PATCH {
        // the upload protocol's headers, at random
        let offset = ["0", "1", "-1", "x", "18446744073709551616"]
            .choose(rng)
            .unwrap();
        headers.push(("upload-offset", offset.to_string()));
        let sum = match rng.random_range(0..4) {
            0 => format!("sha256 {}", sha(body.as_deref().unwrap_or_default())),
            1 => "md5 x".to_owned(),
            2 => format!("sha256 {}", sha(b"x")),
            _ => junk_string(rng, &mut pii).replace(|c: char| !c.is_ascii_graphic(), ""),
        };
        headers.push(("upload-checksum", sum));
    }
    Req {
        method: op.method.clone(),
        path,
        content_type,
        body,
        kind,
        pii,
        headers,
    }
}

fn path_param(rng: &mut StdRng, fx: &Fixture, name: &str, who: Who) -> String {
    let valid: Vec<String> = if name == "token_id" {
        vec![fx.spare_token_ids[&who].clone()]
    } else {
        fx.params.get(name).cloned().unwrap_or_default()
    };
    match rng.random_range(0..100) {
        0..45 if !valid.is_empty() => valid.choose(rng).unwrap().clone(),
        0..60 => {
            if rng.random_bool(0.5) {
                uuid::Uuid::now_v7().to_string()
            } else {
                uuid::Uuid::now_v7().simple().to_string().to_uppercase()
            }
        }
        _ => {
            let junk = [
                "x".to_owned(),
                "..".to_owned(),
                "%2e%2e".to_owned(),
                "a".repeat(5000),
                pct("hồ-sơ-🙂"),
                "%00".to_owned(),
                "-1".to_owned(),
                "9223372036854775808".to_owned(),
                "0".to_owned(),
                "a%2Fb".to_owned(),
                "%20".to_owned(),
                pct("\u{202e}x"),
                "f".repeat(64),
                "g".repeat(64),
                "%ff%fe".to_owned(),
                "1e400".to_owned(),
            ];
            junk.choose(rng).unwrap().clone()
        }
    }
}

/// At most 1000 bytes of `s` (a URL stays far below what the HTTP client accepts).
fn cap(s: &str) -> &str {
    let mut end = s.len().min(1000);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Percent-encodes everything but the unreserved characters.
fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn json_body(
    rng: &mut StdRng,
    fx: &Fixture,
    template: &str,
    schema: &Value,
    pii: &mut Vec<String>,
) -> (Option<String>, Option<Vec<u8>>, &'static str) {
    // Half the time a body the server accepts (with one field made random), so that the cases
    // also reach what lies past decoding and validation.
    let mut v = match fx.examples.get(template) {
        Some(good) if rng.random_bool(0.5) => {
            let mut v = good.clone();
            if rng.random_bool(0.5) {
                let keys: Vec<String> = v
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default();
                if let Some(k) = keys.choose(rng) {
                    let props = &resolve(&fx.doc, schema)["properties"];
                    let new = gen_value(rng, fx, &fx.doc, &props[k.as_str()], k, 1, pii);
                    v[k.as_str()] = new;
                }
            }
            v
        }
        _ => gen_value(rng, fx, &fx.doc, schema, "", 0, pii),
    };
    let json_ct = Some("application/json".to_owned());
    let (mut text, kind) = match rng.random_range(0..20) {
        0..7 => (v.to_string(), "valid-shaped"),
        7 => {
            // a required field missing
            let s = resolve(&fx.doc, schema);
            if let (Some(o), Some(req)) = (v.as_object_mut(), s["required"].as_array()) {
                if let Some(k) = req.choose(rng).and_then(Value::as_str) {
                    o.remove(k);
                }
            }
            (v.to_string(), "missing required field")
        }
        8 => {
            let w = wrong_type(rng);
            set_random_field(rng, &mut v, w);
            (v.to_string(), "wrong type")
        }
        9 => {
            let huge = ["á", "a", "\u{0}", "🙂"]
                .choose(rng)
                .unwrap()
                .repeat(70_000);
            set_random_field(rng, &mut v, Value::String(huge));
            (v.to_string(), "huge string")
        }
        10 => {
            let depth = *[200usize, 5000].choose(rng).unwrap();
            let deep = if rng.random_bool(0.5) {
                format!("{}{}", "[".repeat(depth), "]".repeat(depth))
            } else {
                format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
            };
            let marker = "\"__deep__\"";
            set_random_field(rng, &mut v, json!("__deep__"));
            let t = v.to_string();
            if t.contains(marker) {
                (t.replacen(marker, &deep, 1), "deep nesting")
            } else {
                (deep, "deep nesting")
            }
        }
        11 => {
            let s = [
                "a\u{0}b",
                "\u{0}",
                "\u{feff}",
                "\u{202e}",
                "ắ\u{301}\u{301}",
                "\\u0000",
            ]
            .choose(rng)
            .unwrap();
            set_random_field(rng, &mut v, json!(s));
            (v.to_string(), "NUL and odd unicode")
        }
        12 => {
            let n = [
                json!(i64::MAX),
                json!(i64::MIN),
                json!(u64::MAX),
                json!(f64::MAX),
                json!(f64::MIN),
                json!(f64::MIN_POSITIVE),
                json!(-0.0),
                json!(-1),
            ]
            .choose(rng)
            .unwrap()
            .clone();
            set_random_field(rng, &mut v, n);
            (v.to_string(), "number limits")
        }
        13 => {
            set_random_field(rng, &mut v, json!("__big__"));
            let big = [
                "1e400",
                "18446744073709551616",
                "-9223372036854775809",
                "1.5e-400",
            ]
            .choose(rng)
            .unwrap();
            let t = v.to_string();
            let t = if t.contains("\"__big__\"") {
                t.replacen("\"__big__\"", big, 1)
            } else {
                (*big).to_owned()
            };
            (t, "number out of range")
        }
        14 => {
            if let Some(o) = v.as_object_mut() {
                o.insert("__proto__".into(), json!({"admin": true}));
                o.insert("role".into(), json!("admin"));
                o.insert(junk_string(rng, pii), json!(null));
            }
            (v.to_string(), "extra fields")
        }
        15 => {
            let t = v.to_string();
            let cut = rng.random_range(0..=t.len());
            let mut end = cut;
            while !t.is_char_boundary(end) {
                end -= 1;
            }
            (t[..end].to_owned(), "truncated JSON")
        }
        16 => (
            [
                "null",
                "[]",
                "\"x\"",
                "42",
                "",
                "{}",
                "{\"a\":1,\"a\":2}",
                "NaN",
            ]
            .choose(rng)
            .unwrap()
            .to_string(),
            "wrong top-level value",
        ),
        17 => {
            return (
                Some("application/json".to_owned()),
                Some(vec![0xff, 0xfe, b'{', 0xc3, 0x28, b'}']),
                "invalid UTF-8",
            );
        }
        _ => {
            let ct = [
                None,
                Some("text/plain"),
                Some("application/x-www-form-urlencoded"),
                Some("multipart/form-data; boundary=x"),
                Some("application/json; charset=latin1"),
                Some("application/jsonx"),
            ]
            .choose(rng)
            .unwrap()
            .map(str::to_owned);
            return (ct, Some(v.to_string().into_bytes()), "wrong content type");
        }
    };
    if text.len() > 3_000_000 {
        text.truncate(3_000_000);
    }
    (json_ct, Some(text.into_bytes()), kind)
}

fn push_body(
    rng: &mut StdRng,
    fx: &Fixture,
    pii: &mut Vec<String>,
) -> (Option<String>, Option<Vec<u8>>, &'static str) {
    use dvc_protocol::push::encode_frame;
    let head = if rng.random_bool(0.5) {
        json!({"blobs": [{"sha256": fx.hashes.choose(rng).unwrap(), "length": rng.random_range(0..100u64)}]})
    } else {
        let s = fx.doc["components"]["schemas"]["PushHead"].clone();
        gen_value(rng, fx, &fx.doc, &s, "", 0, pii)
    };
    let mut body = Vec::new();
    for _ in 0..rng.random_range(0..4) {
        let kind = *[b'H', b'B', b'E', b'M', b'Z', 0].choose(rng).unwrap();
        let payload: Vec<u8> = if kind == b'H' {
            head.to_string().into_bytes()
        } else {
            (0..rng.random_range(0..64)).map(|_| rng.random()).collect()
        };
        body.extend(encode_frame(kind, &payload));
    }
    if rng.random_bool(0.2) {
        body.extend((0..rng.random_range(1..32)).map(|_| rng.random::<u8>()));
    }
    (
        Some(dvc_protocol::push::PUSH_CONTENT_TYPE.to_owned()),
        Some(body),
        "push frames",
    )
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut s = schema;
    for _ in 0..16 {
        match s["$ref"].as_str() {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap_or_default();
                s = &doc["components"]["schemas"][name];
            }
            None => break,
        }
    }
    s
}

fn set_random_field(rng: &mut StdRng, v: &mut Value, new: Value) {
    match v {
        Value::Object(o) if !o.is_empty() => {
            let keys: Vec<String> = o.keys().cloned().collect();
            let k = keys.choose(rng).unwrap().clone();
            if rng.random_bool(0.3) {
                set_random_field(rng, o.get_mut(&k).unwrap(), new);
            } else {
                o.insert(k, new);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            let i = rng.random_range(0..a.len());
            a[i] = new;
        }
        _ => *v = new,
    }
}

fn wrong_type(rng: &mut StdRng) -> Value {
    [
        json!(null),
        json!(true),
        json!(1),
        json!(-1.5),
        json!("1"),
        json!([]),
        json!([1, "a"]),
        json!({}),
        json!({"a": []}),
    ]
    .choose(rng)
    .unwrap()
    .clone()
}

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// A random phone number (recorded as personal data).
fn phone(rng: &mut StdRng, pii: &mut Vec<String>) -> String {
    let p = format!("09{}", digits(rng, 8));
    pii.push(p.clone());
    p
}

fn junk_string(rng: &mut StdRng, pii: &mut Vec<String>) -> String {
    match rng.random_range(0..14) {
        0 => String::new(),
        1 => "a".into(),
        2 => "Nguyễn Văn Thử".into(),
        3 => "a\u{0}b".into(),
        4 => "🙂👨‍👩‍👧".into(),
        5 => "<script>alert(1)</script>".into(),
        6 => "' OR 1=1; --".into(),
        7 => "x".repeat(300),
        8 => "\u{202e}ngược".into(),
        9 => "Ắ".repeat(5000),
        10 => phone(rng, pii),
        11 => {
            let id = format!("079{}", digits(rng, 9));
            pii.push(id.clone());
            id
        }
        12 => "   ".into(),
        _ => (0..rng.random_range(1..40))
            .map(|_| char::from(rng.random_range(0x20..0x7fu8)))
            .collect(),
    }
}

/// A value for `schema` (random but shaped like it); `key` is the field's name, for hints.
fn gen_value(
    rng: &mut StdRng,
    fx: &Fixture,
    doc: &Value,
    schema: &Value,
    key: &str,
    depth: usize,
    pii: &mut Vec<String>,
) -> Value {
    let s = resolve(doc, schema);
    if depth > 8 {
        return Value::Null;
    }
    for k in ["oneOf", "anyOf"] {
        if let Some(alts) = s[k].as_array() {
            if let Some(alt) = alts.choose(rng) {
                return gen_value(rng, fx, doc, alt, key, depth + 1, pii);
            }
        }
    }
    if let Some(all) = s["allOf"].as_array() {
        let mut out = Map::new();
        for part in all {
            match gen_value(rng, fx, doc, part, key, depth + 1, pii) {
                Value::Object(o) => out.extend(o),
                other if all.len() == 1 => return other,
                _ => {}
            }
        }
        return Value::Object(out);
    }
    if let Some(e) = s["enum"].as_array() {
        if rng.random_bool(0.9) {
            if let Some(v) = e.choose(rng) {
                return v.clone();
            }
        }
        return json!(junk_string(rng, pii));
    }
    if s.get("const").is_some() {
        return s["const"].clone();
    }
    let ty = match &s["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => {
            let non_null: Vec<&Value> = ts.iter().filter(|t| *t != "null").collect();
            if non_null.is_empty() || rng.random_bool(0.1) {
                "null".into()
            } else {
                non_null
                    .choose(rng)
                    .unwrap()
                    .as_str()
                    .unwrap_or("null")
                    .to_owned()
            }
        }
        _ if s["properties"].is_object() => "object".into(),
        _ => ["string", "integer", "object", "null"]
            .choose(rng)
            .unwrap()
            .to_string(),
    };
    match ty.as_str() {
        "null" => Value::Null,
        "boolean" => json!(rng.random_bool(0.5)),
        "integer" => gen_integer(rng, s, key),
        "number" => {
            let f: f64 = *[0.0, 0.5, -1.0, 1e9, f64::MAX, f64::MIN_POSITIVE]
                .choose(rng)
                .unwrap();
            json!(f)
        }
        "array" => {
            let n = *[0usize, 1, 1, 2, 3, 40].choose(rng).unwrap();
            Value::Array(
                (0..n)
                    .map(|_| gen_value(rng, fx, doc, &s["items"], key, depth + 1, pii))
                    .collect(),
            )
        }
        "object" => {
            let required: BTreeSet<&str> = s["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut out = Map::new();
            if let Some(props) = s["properties"].as_object() {
                for (k, ps) in props {
                    if required.contains(k.as_str()) || rng.random_bool(0.5) {
                        out.insert(k.clone(), gen_value(rng, fx, doc, ps, k, depth + 1, pii));
                    }
                }
            } else if s["additionalProperties"].is_object() && rng.random_bool(0.5) {
                let k = junk_string(rng, pii);
                let v = gen_value(rng, fx, doc, &s["additionalProperties"], &k, depth + 1, pii);
                out.insert(k, v);
            }
            Value::Object(out)
        }
        _ => json!(gen_string(rng, fx, s, key, pii)),
    }
}

fn gen_integer(rng: &mut StdRng, s: &Value, key: &str) -> Value {
    let min = s["minimum"].as_i64();
    let max = s["maximum"].as_i64();
    match rng.random_range(0..10) {
        0 => json!(i64::MAX),
        1 => json!(i64::MIN),
        2 => json!(u64::MAX),
        3 => json!(-1),
        4 => json!(0),
        5 if key.contains("amount") => json!(rng.random_range(1..10_000_000i64)),
        _ => {
            let lo = min.unwrap_or(0);
            let hi = max.unwrap_or(lo.saturating_add(1000)).max(lo);
            json!(rng.random_range(lo..=hi))
        }
    }
}

fn gen_string(
    rng: &mut StdRng,
    fx: &Fixture,
    s: &Value,
    key: &str,
    pii: &mut Vec<String>,
) -> String {
    if rng.random_bool(0.15) {
        return junk_string(rng, pii);
    }
    let format = s["format"].as_str().unwrap_or_default();
    if key.contains("phone") || key == "login" || key == "leader_login" {
        return if rng.random_bool(0.3) {
            fx.phones.choose(rng).unwrap().clone()
        } else {
            phone(rng, pii)
        };
    }
    if key.contains("id_number") {
        let id = format!("0{}", digits(rng, 11));
        pii.push(id.clone());
        return id;
    }
    if key == "factor" {
        return digits(rng, 4);
    }
    if key.contains("sha256") {
        return if rng.random_bool(0.5) {
            fx.hashes.choose(rng).unwrap().clone()
        } else {
            sha(&rng.random::<[u8; 8]>())
        };
    }
    if key == "otp" {
        return digits(rng, 6);
    }
    if key.contains("password") {
        return (0..rng.random_range(1..24))
            .map(|_| char::from(rng.random_range(0x21..0x7fu8)))
            .collect();
    }
    if key.contains("agency") {
        return [AGENCY_X, AGENCY_Y, "000.00.00.H00"]
            .choose(rng)
            .unwrap()
            .to_string();
    }
    if key == "code" {
        if let Some(c) = fx.params.get("code") {
            return c[0].clone();
        }
    }
    if format == "uuid" || key.ends_with("_id") || key.ends_with("uuid") {
        let known: Vec<&String> = fx.params.values().flatten().collect();
        return if rng.random_bool(0.4) && !known.is_empty() {
            known.choose(rng).unwrap().to_string()
        } else {
            uuid::Uuid::now_v7().to_string()
        };
    }
    if format == "date-time" || key.ends_with("_at") {
        return format!(
            "20{:02}-{:02}-{:02}T{:02}:{:02}:00Z",
            rng.random_range(0..40),
            rng.random_range(1..13),
            rng.random_range(1..29),
            rng.random_range(0..24),
            rng.random_range(0..60)
        );
    }
    if format == "date" || key.ends_with("_on") || key.contains("date") {
        return format!(
            "{:04}-{:02}-{:02}",
            rng.random_range(1900..2100),
            rng.random_range(1..13),
            rng.random_range(1..32)
        );
    }
    ["Tổ 3", "Nguyễn Văn Thử", "x", "ghi chú", "VNeID"]
        .choose(rng)
        .unwrap()
        .to_string()
}

async fn send_and_check(
    h: &Harness,
    fx: &Fixture,
    op: &Op,
    who: Who,
    req: &Req,
) -> (u16, Vec<String>) {
    let mut r = fx.http.request(req.method.clone(), h.url(&req.path));
    if let Some(t) = fx.tokens.get(&who) {
        r = r.bearer_auth(t);
    }
    if let Some(ct) = &req.content_type {
        r = r.header("content-type", ct);
    }
    for (k, v) in &req.headers {
        r = r.header(*k, v);
    }
    if let Some(b) = &req.body {
        r = r.body(b.clone());
    }
    let res = match r.send().await {
        Ok(res) => res,
        Err(e) => return (0, vec![format!("no answer: {e:?}")]),
    };
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = res.text().await.unwrap_or_default();
    let mut problems = Vec::new();
    if status >= 500 {
        problems.push(format!("answered {status}: {}", short(&text)));
    }
    if status >= 400 {
        if !op.documented.contains(&status) && !GENERIC.contains(&status) {
            problems.push(format!(
                "status {status} is not documented (documents {:?})",
                op.documented
            ));
        }
        if req.method != Method::HEAD {
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if !ct.starts_with("application/json")
                || !v["code"].is_string()
                || !v["error"].is_string()
                || !v["message"].is_string()
            {
                problems.push(format!(
                    "error {status} is not an ErrorBody ({ct}): {}",
                    short(&text)
                ));
            }
        }
        for p in &req.pii {
            if p.len() >= 8 && text.contains(p.as_str()) {
                problems.push(format!(
                    "error {status} echoes personal data sent: {}",
                    short(&text)
                ));
            }
        }
    }
    if (200..300).contains(&status) && !may_succeed(op, who) {
        problems.push(format!("{who:?} got {status}: {}", short(&text)));
    }
    (status, problems)
}

/// The console's routes (not in openapi.json).
const CONSOLE: &[(&str, &str)] = &[
    ("GET", "/console"),
    ("GET", "/console/static/console.css"),
    ("GET", "/console/login"),
    ("POST", "/console/login"),
    ("GET", "/console/dossiers"),
    ("GET", "/console/dashboard"),
    ("GET", "/console/dossiers/{dossier_uuid}"),
    ("POST", "/console/dossiers/{dossier_uuid}/action"),
    ("POST", "/console/dossiers/{dossier_uuid}/result"),
    ("POST", "/console/dossiers/{dossier_uuid}/notes"),
    ("POST", "/console/dossiers/{dossier_uuid}/identity"),
    ("POST", "/console/dossiers/{dossier_uuid}/papers"),
    ("GET", "/console/blobs/{sha256}"),
    ("GET", "/console/server-qr"),
    ("GET", "/console/reports"),
    ("GET", "/console/reports/teams/{team_id}"),
    ("GET", "/console/reports/campaigns/{campaign_id}"),
    ("POST", "/console/logout"),
];

const FORM_FIELDS: &[&str] = &[
    "action",
    "note",
    "reason",
    "amount_vnd",
    "bank_bin",
    "account_number",
    "account_name",
    "carrier",
    "tracking_number",
    "item_field",
    "item_attachment",
    "login",
    "password",
    "state",
    "q",
    "due",
    "weeks",
    "period",
    "format",
    "viewport",
    "body",
    "outcome",
    "papers_seen",
    "kind",
    "pages",
];

async fn fuzz_console(h: &Harness, fx: &Fixture, seed: u64, n: usize, failures: &Failures) {
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let session = h.console(&officer).await;
    let http = client();
    let mut rng = StdRng::seed_from_u64(seed ^ 0xc0501e);
    // Routes the signed-in officer got a page (200) from: the session worked.
    let mut pages = BTreeSet::new();
    for signed_in in [false, true] {
        for (m, template) in CONSOLE {
            for case in 0..n {
                let mut pii = Vec::new();
                let mut path = String::new();
                for (i, seg) in template.split('/').enumerate() {
                    if i > 0 {
                        path.push('/');
                    }
                    match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => path.push_str(&path_param(&mut rng, fx, name, Who::Officer)),
                        None => path.push_str(seg),
                    }
                }
                let mut fields: Vec<(String, String)> = (0..rng.random_range(0..6))
                    .map(|_| {
                        let k = FORM_FIELDS.choose(&mut rng).unwrap().to_string();
                        let v = match k.as_str() {
                            "action" => ["accept", "reject", "fee", "supplement", "deliver", "x"]
                                .choose(&mut rng)
                                .unwrap()
                                .to_string(),
                            "outcome" => ["confirmed", "mismatch", "x"]
                                .choose(&mut rng)
                                .unwrap()
                                .to_string(),
                            "kind" => ["identity_card", "other", "x"]
                                .choose(&mut rng)
                                .unwrap()
                                .to_string(),
                            "pages" => ["1", "0", "501", "-3", "9999999999999"]
                                .choose(&mut rng)
                                .unwrap()
                                .to_string(),
                            "amount_vnd" => [
                                "1".to_owned(),
                                "-1".to_owned(),
                                i64::MAX.to_string(),
                                "18446744073709551616".to_owned(),
                                "1e3".to_owned(),
                            ]
                            .choose(&mut rng)
                            .unwrap()
                            .clone(),
                            _ => junk_string(&mut rng, &mut pii),
                        };
                        (k, v)
                    })
                    .collect();
                let csrf = rng.random_range(0..4);
                match csrf {
                    0 | 1 => fields.push(("csrf".into(), session.csrf.clone())),
                    2 => fields.push(("csrf".into(), "0".repeat(64))),
                    _ => {}
                }
                let url = if *m == "GET" && !fields.is_empty() {
                    let q: Vec<String> = fields
                        .iter()
                        .map(|(k, v)| format!("{}={}", pct(cap(k)), pct(cap(v))))
                        .collect();
                    format!("{}?{}", h.url(&path), q.join("&"))
                } else {
                    h.url(&path)
                };
                let mut r = http.request(Method::from_bytes(m.as_bytes()).unwrap(), url);
                if signed_in {
                    r = r.header("cookie", session.cookie.clone());
                } else if rng.random_bool(0.3) {
                    let junk = junk_string(&mut rng, &mut pii).replace([';', '\0'], "");
                    r = r.header("cookie", format!("dvc_session={}", pct(&junk)));
                }
                if *m == "GET" {
                } else if (template.ends_with("/result") || template.ends_with("/papers"))
                    && rng.random_bool(0.6)
                {
                    let mut form = reqwest::multipart::Form::new();
                    for (k, v) in fields.clone() {
                        form = form.text(k, v);
                    }
                    if rng.random_bool(0.7) {
                        let bytes: Vec<u8> = if rng.random_bool(0.5) {
                            if rng.random_bool(0.5) {
                                jpeg(200, 2)
                            } else {
                                b"%PDF-1.4\n%fuzz\n".to_vec()
                            }
                        } else {
                            (0..rng.random_range(0..500))
                                .map(|_| rng.random())
                                .collect()
                        };
                        form = form.part(
                            "file",
                            reqwest::multipart::Part::bytes(bytes).file_name("kết quả.jpg"),
                        );
                    }
                    r = r.multipart(form);
                } else if rng.random_bool(0.85) {
                    r = r.form(&fields);
                } else {
                    r = r
                        .header(
                            "content-type",
                            *["application/json", "text/plain", "multipart/form-data"]
                                .choose(&mut rng)
                                .unwrap(),
                        )
                        .body(json!(fields).to_string());
                }
                let label = format!(
                    "[seed {seed}] console {} {m} {template} case {case}: {}",
                    if signed_in { "officer" } else { "anonymous" },
                    short(&path)
                );
                let res = match r.send().await {
                    Ok(res) => res,
                    Err(e) => {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{label}: no answer: {e:?}"));
                        continue;
                    }
                };
                let status = res.status().as_u16();
                let ct = res
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let text = res.text().await.unwrap_or_default();
                if signed_in && status == 200 {
                    pages.insert(*template);
                }
                let mut problems = Vec::new();
                if status >= 500 {
                    problems.push(format!("answered {status}: {}", short(&text)));
                }
                if status >= 400 && !ct.starts_with("text/html") {
                    problems.push(format!(
                        "error {status} is not an HTML page ({ct}): {}",
                        short(&text)
                    ));
                }
                if status >= 400 {
                    for p in &pii {
                        if p.len() >= 8 && text.contains(p.as_str()) {
                            problems.push(format!("error {status} echoes personal data sent"));
                        }
                    }
                }
                if !problems.is_empty() {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{label}: {}", problems.join("; ")));
                }
            }
        }
    }
    if pages.len() < 5 {
        failures.lock().unwrap().push(format!(
            "[seed {seed}] console: the signed-in officer got pages from only {pages:?}"
        ));
    }
}
