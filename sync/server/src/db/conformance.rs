//! One storage scenario run on both backends: every place where the dialects differ (lists of
//! values, row locks, integer widths, flags, the code search's `LIKE`, the submission pipeline)
//! must give the same answers. PostgreSQL needs `DVC_TEST_POSTGRES_URL`, as the API suite does.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: a panic is the failure report

use std::collections::HashSet;
use std::sync::Arc;

use dvc_protocol::auth::{Channel, OtpPurpose, OutboxStatus, Role};
use dvc_protocol::dossiers::DossierState;
use dvc_protocol::events::{BankAccount, EventKind, ResultDelivery};

use super::*;
use crate::domain::{Actor, Scope};

const AGENCY: &str = "000.30.27.H23";
const DAY: &str = "260315";
const NOW: i64 = 1_773_550_000_000;

fn account(id: &str, login: &str, role: Role, agency: Option<&str>) -> Account {
    Account {
        id: id.into(),
        login: login.into(),
        role,
        agency_code: agency.map(str::to_owned),
        display_name: None,
        password_hash: "$argon2id$synthetic".into(),
        disabled: false,
    }
}

fn manifest(form: serde_json::Value, attachments: &[&str]) -> String {
    serde_json::json!({
        "procedure_code": "1.001456", "agency_code": AGENCY, "form": form,
        "attachments": attachments.iter().map(|h| serde_json::json!(
            {"kind": "cccd_front", "sha256": h, "content_type": "image/jpeg", "size": 3}
        )).collect::<Vec<_>>(),
        "delivery": {"method": "online"}
    })
    .to_string()
}

fn new_dossier(uuid: &str, submitter: &str, hash: &str, attachments: &[&str]) -> NewDossier {
    NewDossier {
        uuid: uuid.into(),
        submitter_id: submitter.into(),
        citizen_id: None,
        agency_code: AGENCY.into(),
        procedure_code: "1.001456".into(),
        content_hash: hash.into(),
        manifest: manifest(serde_json::json!({"ho_ten": "Nguyễn Văn Mẫu"}), attachments),
        attachments: attachments.iter().map(|h| (*h).to_owned()).collect(),
        now: NOW,
        day: DAY.into(),
        consent_id: None,
    }
}

fn step(uuid: &str, scope: &Scope, actor_id: &str, actor: Actor, event: EventKind) -> Transition {
    Transition {
        dossier_uuid: uuid.into(),
        scope: scope.clone(),
        actor_id: actor_id.into(),
        actor,
        event,
        result_blob: None,
        now: NOW + 1,
        audit_detail: String::new(),
    }
}

fn created(out: SubmitOutcome) -> Dossier {
    match out {
        SubmitOutcome::Created(d) => d,
        other => panic!("expected a new dossier, got {other:?}"),
    }
}

async fn applied(db: &Db, t: Transition) -> EventRow {
    match db.transition(&t).await.unwrap() {
        TransitionOutcome::Applied(e) => e,
        other => panic!("expected {:?} applied, got {other:?}", t.event),
    }
}

async fn scenario(db: Db) {
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    db.ping().await.unwrap();

    // agencies and accounts
    db.upsert_agency(AGENCY, "Công an xã Thử", NOW)
        .await
        .unwrap();
    assert_eq!(db.agency_bank(AGENCY).await.unwrap(), None);
    let bank = BankAccount {
        bank_bin: "970415".into(),
        account_number: "0000111122".into(),
        account_name: "CONG AN XA THU".into(),
    };
    db.set_agency_bank(AGENCY, &bank).await.unwrap();
    assert_eq!(db.agency_bank(AGENCY).await.unwrap(), Some(bank.clone()));
    let citizen = account("c1", "0900000001", Role::Citizen, None);
    let volunteer = account("v1", "0900000002", Role::Volunteer, None);
    let officer = account("o1", "canbo.thu", Role::Officer, Some(AGENCY));
    let mut disabled = account("c2", "0900000003", Role::Citizen, None);
    disabled.disabled = true;
    for a in [&citizen, &volunteer, &officer, &disabled] {
        assert!(db.create_account(a, NOW).await.unwrap());
    }
    assert!(
        !db.create_account(&citizen, NOW).await.unwrap(),
        "login taken"
    );
    assert!(db.account_by_id("c2").await.unwrap().unwrap().disabled);
    assert!(
        !db.account_by_login("0900000001")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );

    // tokens: a joined row gives both the token and its account
    let token = Token {
        id: "t1".into(),
        account_id: "o1".into(),
        token_hash: "th1".into(),
        kind: TokenKind::Console,
        device_name: None,
        csrf_hash: Some("csrf".into()),
        created_at: NOW,
        expires_at: NOW + 1000,
        last_seen_at: None,
        revoked_at: None,
    };
    db.insert_token(&token).await.unwrap();
    let (t, a) = db.token_by_hash("th1", NOW).await.unwrap().unwrap();
    assert_eq!((t.id.as_str(), a.login.as_str()), ("t1", "canbo.thu"));
    assert!(db.token_by_hash("th1", NOW + 1000).await.unwrap().is_none());
    assert!(db.revoke_token("o1", "t1", NOW).await.unwrap());
    assert!(!db.revoke_token("o1", "t1", NOW).await.unwrap());

    // consents: a retried grant returns the live one, a different one replaces it; expiry,
    // scope and withdrawal are kept; disabled citizens are not found
    let nc = |cid: &str, procedures: Option<Vec<String>>, now: i64| NewConsent {
        citizen_id: cid.into(),
        volunteer_id: volunteer.id.clone(),
        procedures,
        expires_at: now + 1000,
        text_version: "vi-1".into(),
        method: dvc_protocol::auth::ConsentMethod::App,
        now,
    };
    let first = db.grant_consent(&nc("c1", None, NOW)).await.unwrap();
    let again = db.grant_consent(&nc("c1", None, NOW + 5)).await.unwrap();
    assert_eq!(
        (again.id.as_str(), again.granted_at),
        (first.id.as_str(), NOW)
    );
    assert_eq!(first.citizen_login, "0900000001");
    assert_eq!(first.volunteer_login, "0900000002");
    assert_eq!(first.expires_at, Some(NOW + 1000));
    let scoped = Some(vec!["1.001".to_owned(), "2.002".to_owned()]);
    let narrower = db
        .grant_consent(&nc("c1", scoped.clone(), NOW + 10))
        .await
        .unwrap();
    assert_ne!(narrower.id, first.id);
    assert_eq!(narrower.procedures, scoped);
    assert!(narrower.covers("2.002") && !narrower.covers("3.003"));
    let old = db.consent(&first.id).await.unwrap().unwrap();
    assert_eq!(old.ended.as_deref(), Some("replaced"));
    assert!(!old.live(NOW + 10));
    assert_eq!(
        db.list_consents("c1", false, NOW + 10).await.unwrap().len(),
        1
    );
    assert_eq!(
        db.list_consents("v1", true, NOW + 10).await.unwrap().len(),
        1
    );
    assert!(db
        .list_consents("c1", false, NOW + 2000)
        .await
        .unwrap()
        .is_empty());
    let from = db.consents_from("v1", "0900000001").await.unwrap();
    assert_eq!(
        from.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        [narrower.id.as_str(), first.id.as_str()]
    );
    assert_eq!(db.note_expired_consents(NOW + 1009).await.unwrap(), 0);
    assert_eq!(db.note_expired_consents(NOW + 1010).await.unwrap(), 1);
    assert_eq!(db.note_expired_consents(NOW + 5000).await.unwrap(), 0);
    let audit = db.account_audit("c1").await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        ["consent_granted", "consent_granted", "consent_expired"]
    );
    db.grant_consent(&nc("c2", None, NOW)).await.unwrap();
    assert!(db
        .consents_from("v1", "0900000003")
        .await
        .unwrap()
        .is_empty());
    assert!(!db.revoke_consent("c2", &narrower.id, NOW).await.unwrap());

    // blobs: lists of hashes, usage as a 64-bit sum
    for h in ["h1", "h2"] {
        let blob = Blob {
            sha256: h.into(),
            size: 3_000_000_000,
        };
        db.add_owned_blob(&blob, "c1", NOW).await.unwrap();
    }
    assert!(db.owned_blobs("c1", &[]).await.unwrap().is_empty());
    let asked = ["h1".to_owned(), "zz".to_owned(), "h2".to_owned()];
    assert_eq!(
        db.owned_blobs("c1", &asked).await.unwrap(),
        HashSet::from(["h1".to_owned(), "h2".to_owned()])
    );
    let upload = Upload {
        id: "u1".into(),
        account_id: "c1".into(),
        sha256: "h3".into(),
        length: 7,
        received: 0,
    };
    db.create_upload(&upload, NOW).await.unwrap();
    assert_eq!(db.account_usage("c1").await.unwrap(), 6_000_000_007);

    // submissions: gap-free codes, the received event, revision 1, repeats and conflicts
    let d1 = created(
        db.submit_dossier(&new_dossier("d1", "c1", "m1", &["h1"]))
            .await
            .unwrap(),
    );
    let d2 = created(
        db.submit_dossier(&new_dossier("d2", "c1", "m2", &[]))
            .await
            .unwrap(),
    );
    let d3 = created(
        db.submit_dossier(&new_dossier("d3", "c1", "m3", &["h2"]))
            .await
            .unwrap(),
    );
    assert_eq!(
        [d1.code.as_str(), d2.code.as_str(), d3.code.as_str()],
        [
            "000.30.27.H23-260315-0001",
            "000.30.27.H23-260315-0002",
            "000.30.27.H23-260315-0003"
        ]
    );
    let events = db.dossier_events("d1").await.unwrap();
    assert_eq!((events.len(), events[0].seq), (1, d1.received_seq));
    assert!(d1.received_seq < d2.received_seq);
    let revs = db.revisions("d1").await.unwrap();
    assert_eq!((revs[0].revision, revs[0].event_seq), (1, d1.received_seq));
    assert!(matches!(
        db.submit_dossier(&new_dossier("d1", "c1", "m1", &["h1"])).await.unwrap(),
        SubmitOutcome::Repeat(d) if d.code == d1.code
    ));
    assert!(matches!(
        db.submit_dossier(&new_dossier("d1", "c1", "other", &["h1"]))
            .await
            .unwrap(),
        SubmitOutcome::Conflict
    ));
    assert!(matches!(
        db.submit_dossier(&new_dossier("d9", "c1", "m9", &["h1", "nope"])).await.unwrap(),
        SubmitOutcome::BlobsMissing(m) if m == ["nope"]
    ));
    let mut elsewhere = new_dossier("d8", "c1", "m8", &[]);
    elsewhere.agency_code = "X.1".into();
    assert!(matches!(
        db.submit_dossier(&elsewhere).await.unwrap(),
        SubmitOutcome::UnknownAgency
    ));

    // scopes, code search (case-insensitive, `%` and `_` taken literally), readable blobs
    let party = Scope::Party("c1".into());
    let agency = Scope::Agency(AGENCY.into());
    let search = |q: &str, limit: i64| DossierFilter {
        state: None,
        code_query: Some(q.into()),
        limit,
        before: None,
        finished: None,
    };
    let found = db
        .list_dossiers(&agency, &search("h23-260315-0002", 50))
        .await
        .unwrap();
    assert_eq!(
        found
            .iter()
            .map(|d| d.dossier.uuid.as_str())
            .collect::<Vec<_>>(),
        ["d2"]
    );
    assert_eq!(
        db.list_dossiers(&agency, &search("H23", 2))
            .await
            .unwrap()
            .len(),
        2
    );
    for literal in ["%", "_", "\\"] {
        assert!(db
            .list_dossiers(&party, &search(literal, 50))
            .await
            .unwrap()
            .is_empty());
    }
    assert!(db
        .list_dossiers(&Scope::Nothing, &search("", 50))
        .await
        .unwrap()
        .is_empty());
    assert!(db
        .dossier(&Scope::Party("v1".into()), "d1")
        .await
        .unwrap()
        .is_none());
    assert!(db
        .readable_blob("o1", &agency, "h1")
        .await
        .unwrap()
        .is_some());
    assert!(db
        .readable_blob("v1", &Scope::Party("v1".into()), "h1")
        .await
        .unwrap()
        .is_none());

    // transitions: the payment claim is recorded once until an officer answers
    let fee = EventKind::FeeRequested {
        amount_vnd: 50_000,
        bank,
        transfer_note: d2.code.clone(),
    };
    applied(&db, step("d2", &agency, "o1", Actor::Officer, fee)).await;
    let claim = EventKind::PaymentClaimed { amount_vnd: 50_000 };
    applied(
        &db,
        step("d2", &party, "c1", Actor::Applicant, claim.clone()),
    )
    .await;
    assert!(matches!(
        db.transition(&step("d2", &party, "c1", Actor::Applicant, claim))
            .await
            .unwrap(),
        TransitionOutcome::Unchanged(DossierState::FeeRequested)
    ));
    assert!(matches!(
        db.transition(&step(
            "d2",
            &agency,
            "o1",
            Actor::Officer,
            EventKind::Completed
        ))
        .await
        .unwrap(),
        TransitionOutcome::InvalidTransition(DossierState::FeeRequested)
    ));
    assert!(matches!(
        db.transition(&step("d2", &agency, "o1", Actor::Officer, EventKind::Paid))
            .await
            .unwrap(),
        TransitionOutcome::Applied(_)
    ));
    assert!(matches!(
        db.transition(&step(
            "d2",
            &Scope::Nothing,
            "o1",
            Actor::Officer,
            EventKind::Accepted
        ))
        .await
        .unwrap(),
        TransitionOutcome::NotFound
    ));

    // a revision may reuse the dossier's attachments (not owned by the one who resends)
    let supplement = EventKind::SupplementRequested {
        note: "Ảnh mờ".into(),
        items: vec![],
    };
    applied(&db, step("d3", &agency, "o1", Actor::Officer, supplement)).await;
    let revision = |n: i64, hash: &str| NewRevision {
        dossier_uuid: "d3".into(),
        scope: Scope::Party("c1".into()),
        account_id: "v1".into(),
        revision: n,
        content_hash: hash.into(),
        manifest: manifest(
            serde_json::json!({"ho_ten": "Nguyễn Văn Mẫu", "moi": 1}),
            &["h2"],
        ),
        attachments: vec!["h2".into()],
        now: NOW + 2,
    };
    assert!(matches!(
        db.submit_revision(&revision(3, "r2")).await.unwrap(),
        RevisionOutcome::Conflict
    ));
    let RevisionOutcome::Created(row, code) = db.submit_revision(&revision(2, "r2")).await.unwrap()
    else {
        panic!("revision 2 not stored");
    };
    assert_eq!(
        (row.changed_fields.as_slice(), code.as_str()),
        (["moi".to_owned()].as_slice(), d3.code.as_str())
    );
    assert!(
        matches!(db.submit_revision(&revision(2, "r2")).await.unwrap(), RevisionOutcome::Repeat(r, _) if r == row)
    );
    assert!(matches!(
        db.submit_revision(&revision(2, "rx")).await.unwrap(),
        RevisionOutcome::Conflict
    ));
    assert_eq!(
        db.dossier(&party, "d3").await.unwrap().unwrap().state,
        DossierState::Received
    );

    // ratings: once, only when completed (stars are a SMALLINT in PostgreSQL)
    let rating = |stars: u8| RatingRow {
        stars,
        comment: Some("Nhanh".into()),
        rated_at: NOW + 9,
    };
    assert!(matches!(
        db.rate(&party, "d1", "c1", &rating(5)).await.unwrap(),
        RateOutcome::InvalidState(DossierState::Received)
    ));
    applied(
        &db,
        step("d1", &agency, "o1", Actor::Officer, EventKind::Accepted),
    )
    .await;
    let result = ResultDelivery::Postal {
        carrier: "VNPost".into(),
        tracking_number: "EX0001".into(),
    };
    applied(
        &db,
        step(
            "d1",
            &agency,
            "o1",
            Actor::Officer,
            EventKind::ResultReady { result },
        ),
    )
    .await;
    applied(
        &db,
        step("d1", &agency, "o1", Actor::Officer, EventKind::Completed),
    )
    .await;
    assert!(matches!(
        db.rate(&party, "d1", "c1", &rating(5)).await.unwrap(),
        RateOutcome::Saved(_)
    ));
    assert!(
        matches!(db.rate(&party, "d1", "c1", &rating(5)).await.unwrap(), RateOutcome::Same(r) if r == rating(5))
    );
    assert!(matches!(
        db.rate(&party, "d1", "c1", &rating(4)).await.unwrap(),
        RateOutcome::Different
    ));
    assert!(matches!(
        db.rate(&Scope::Party("v1".into()), "d1", "v1", &rating(4))
            .await
            .unwrap(),
        RateOutcome::NotFound
    ));
    assert_eq!(db.rating("d1").await.unwrap(), Some(rating(5)));

    // the feed, per scope, in commit order
    let feed = db.events_after(&party, 0, 100).await.unwrap();
    assert!(feed.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(
        feed.last().map(|e| e.seq),
        Some(db.max_event_seq().await.unwrap())
    );
    assert!(db
        .events_after(&Scope::Party("v1".into()), 0, 100)
        .await
        .unwrap()
        .is_empty());
    let audit = db.dossier_audit("d3").await.unwrap();
    assert_eq!(
        audit
            .iter()
            .map(|a| (a.actor_login.as_str(), a.action.as_str()))
            .collect::<Vec<_>>(),
        [
            ("canbo.thu", "supplement_requested"),
            ("0900000002", "resubmitted")
        ]
    );

    // the console's work list: finished dossiers (rejected, completed, cancelled, as
    // `DossierState::is_final` says) apart from the open ones, and only the open ones' events
    let agency = Scope::Agency(AGENCY.into());
    let of = |finished: Option<bool>| DossierFilter {
        limit: 50,
        finished,
        ..DossierFilter::default()
    };
    let every = db.list_dossiers(&agency, &of(None)).await.unwrap();
    let (done, open): (Vec<_>, Vec<_>) = every.iter().partition(|r| r.dossier.state.is_final());
    assert!(!done.is_empty() && !open.is_empty(), "{every:?}");
    let uuids = |rows: &[&DossierListRow]| -> Vec<String> {
        rows.iter().map(|r| r.dossier.uuid.clone()).collect()
    };
    let listed = |rows: Vec<DossierListRow>| -> Vec<String> {
        rows.into_iter().map(|r| r.dossier.uuid).collect()
    };
    assert_eq!(
        listed(db.list_dossiers(&agency, &of(Some(true))).await.unwrap()),
        uuids(&done)
    );
    assert_eq!(
        listed(db.list_dossiers(&agency, &of(Some(false))).await.unwrap()),
        uuids(&open)
    );
    let open_ids = uuids(&open);
    let expected: Vec<i64> = db
        .events_after(&agency, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| open_ids.contains(&e.dossier_uuid))
        .map(|e| e.seq)
        .collect();
    let got: Vec<i64> = db
        .open_events_after(&agency, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.seq)
        .collect();
    assert!(!got.is_empty());
    assert_eq!(got, expected);
}

/// Accounts, codes, rate limits and the outbox, on one backend.
async fn accounts_scenario(db: Db) {
    db.migrate().await.unwrap();
    db.upsert_agency(AGENCY, "Công an xã Thử", NOW)
        .await
        .unwrap();
    let officer = account("o1", "canbo.thu", Role::Officer, Some(AGENCY));
    let admin = account("a1", "quantri", Role::Admin, None);
    for a in [&officer, &admin] {
        assert!(db.create_account(a, NOW).await.unwrap());
    }

    // rate limits: one window, then a fresh one
    let hit = |key: &str| RateHit {
        key: key.into(),
        window_ms: 1000,
    };
    let counts = db
        .hit_rate_limits(&[hit("k1"), hit("k1"), hit("k2")], NOW)
        .await
        .unwrap();
    assert_eq!(counts.iter().map(|c| c.hits).collect::<Vec<_>>(), [1, 2, 1]);
    assert_eq!(counts[0].expires_at, NOW + 1000);
    let c = db.hit_rate_limits(&[hit("k1")], NOW + 999).await.unwrap();
    assert_eq!((c[0].hits, c[0].expires_at), (3, NOW + 1000));
    let c = db.hit_rate_limits(&[hit("k1")], NOW + 1000).await.unwrap();
    assert_eq!((c[0].hits, c[0].expires_at), (1, NOW + 2000));
    db.clear_rate_limit("k1").await.unwrap();
    let c = db.hit_rate_limits(&[hit("k1")], NOW + 1001).await.unwrap();
    assert_eq!(c[0].hits, 1);

    // codes: one row per phone and purpose; attempts counted before comparing, up to the limit
    let otp = |id: &str, hash: &str| OtpRow {
        id: id.into(),
        phone: "0912345678".into(),
        purpose: OtpPurpose::Register,
        code_hash: hash.into(),
        attempts: 0,
        sends: 1,
        account_id: None,
        payload: Some("{}".into()),
        expires_at: NOW + 600_000,
        resend_at: NOW + 60_000,
        created_at: NOW,
    };
    db.put_otp(&otp("r1", "h1")).await.unwrap();
    db.put_otp(&otp("r2", "h2")).await.unwrap();
    let live = db
        .otp("0912345678", OtpPurpose::Register)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((live.id.as_str(), live.code_hash.as_str()), ("r2", "h2"));
    assert!(db
        .otp("0912345678", OtpPurpose::PasswordReset)
        .await
        .unwrap()
        .is_none());
    for n in 1..=3 {
        let r = db
            .otp_attempt("0912345678", OtpPurpose::Register, 3, NOW)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.attempts, n);
    }
    assert!(db
        .otp_attempt("0912345678", OtpPurpose::Register, 3, NOW)
        .await
        .unwrap()
        .is_none());
    // a resend only after the countdown; it revives the code
    assert!(db
        .resend_otp("r2", "h3", NOW + 700_000, NOW + 70_000, NOW + 59_999)
        .await
        .unwrap()
        .is_none());
    let r = db
        .resend_otp("r2", "h3", NOW + 700_000, NOW + 70_000, NOW + 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.attempts, r.sends, r.code_hash.as_str()), (0, 2, "h3"));
    // expired codes take no attempts
    assert!(db
        .otp_attempt("0912345678", OtpPurpose::Register, 3, NOW + 700_000)
        .await
        .unwrap()
        .is_none());
    // confirming consumes the row once
    let citizen = account("c1", "0912345678", Role::Citizen, None);
    let identity = Identity {
        full_name: "Lê Thị Mẫu".into(),
        id_number: "079185000321".into(),
        birth_date: "1985-06-05".into(),
    };
    assert_eq!(
        db.complete_registration_otp("r2", "h2", &citizen, &identity, NOW)
            .await
            .unwrap(),
        RegistrationOutcome::CodeGone,
        "the replaced code"
    );
    assert_eq!(
        db.complete_registration_otp("r2", "h3", &citizen, &identity, NOW)
            .await
            .unwrap(),
        RegistrationOutcome::Created
    );
    assert_eq!(db.identity("c1").await.unwrap(), Some(identity.clone()));
    assert_eq!(
        db.notification_settings("c1").await.unwrap(),
        (vec![Channel::Sms], None)
    );
    db.put_otp(&otp("r3", "h4")).await.unwrap();
    let other = account("c9", "0912345678", Role::Citizen, None);
    assert_eq!(
        db.complete_registration_otp("r3", "h4", &other, &identity, NOW)
            .await
            .unwrap(),
        RegistrationOutcome::LoginTaken
    );
    assert!(db
        .otp("0912345678", OtpPurpose::Register)
        .await
        .unwrap()
        .is_none());

    // tokens: revoked ones are still found (so a device can be told), touch, password change
    let token = |id: &str, kind: TokenKind| Token {
        id: id.into(),
        account_id: "c1".into(),
        token_hash: format!("hash-{id}"),
        kind,
        device_name: Some("Redmi 9A".into()),
        csrf_hash: None,
        created_at: NOW,
        expires_at: NOW + 100_000,
        last_seen_at: None,
        revoked_at: None,
    };
    for (id, kind) in [
        ("t1", TokenKind::Device),
        ("t2", TokenKind::Device),
        ("t3", TokenKind::Console),
    ] {
        db.insert_token(&token(id, kind)).await.unwrap();
    }
    db.touch_token("t1", NOW + 5).await.unwrap();
    let (t, a) = db.find_token("hash-t1", NOW).await.unwrap().unwrap();
    assert_eq!((t.last_seen_at, a.id.as_str()), (Some(NOW + 5), "c1"));
    db.change_password("c1", "$argon2id$new", Some("t1"), NOW + 10)
        .await
        .unwrap();
    let (t2, _) = db.find_token("hash-t2", NOW).await.unwrap().unwrap();
    assert_eq!(t2.revoked_at, Some(NOW + 10));
    assert!(db.token_by_hash("hash-t2", NOW).await.unwrap().is_none());
    assert!(db.token_by_hash("hash-t3", NOW).await.unwrap().is_none());
    assert!(db.token_by_hash("hash-t1", NOW).await.unwrap().is_some());
    assert_eq!(
        db.account_by_id("c1").await.unwrap().unwrap().password_hash,
        "$argon2id$new"
    );

    // a reset consumes its code, sets the password and revokes everything
    let mut reset = otp("p1", "hp");
    reset.purpose = OtpPurpose::PasswordReset;
    reset.account_id = Some("c1".into());
    db.put_otp(&reset).await.unwrap();
    assert!(!db
        .complete_password_reset("p1", "wrong", "c1", "$argon2id$reset", NOW)
        .await
        .unwrap());
    assert!(db
        .complete_password_reset("p1", "hp", "c1", "$argon2id$reset", NOW + 20)
        .await
        .unwrap());
    assert!(!db
        .complete_password_reset("p1", "hp", "c1", "$argon2id$reset", NOW + 20)
        .await
        .unwrap());
    assert!(db.token_by_hash("hash-t1", NOW).await.unwrap().is_none());

    // admin actions are audited; disabling revokes
    db.insert_token(&token("t4", TokenKind::Device))
        .await
        .unwrap();
    assert!(db.set_disabled("c1", true, "a1", NOW + 30).await.unwrap());
    assert!(db.account_by_id("c1").await.unwrap().unwrap().disabled);
    assert!(db.token_by_hash("hash-t4", NOW).await.unwrap().is_none());
    assert!(db.set_disabled("c1", false, "a1", NOW + 31).await.unwrap());
    assert!(!db.set_disabled("nobody", true, "a1", NOW).await.unwrap());
    assert!(db
        .admin_set_password("c1", "$argon2id$admin", "a1", NOW + 32)
        .await
        .unwrap());
    assert_eq!(
        db.admin_revoke_tokens("c1", "a1", NOW + 33).await.unwrap(),
        0
    );
    assert_eq!(
        db.account_audit("c1")
            .await
            .unwrap()
            .iter()
            .filter(|r| !r.action.starts_with("consent_"))
            .map(|r| (r.actor_login.as_str(), r.action.as_str(), r.at))
            .collect::<Vec<_>>(),
        [
            ("quantri", "account_disabled", NOW + 30),
            ("quantri", "account_enabled", NOW + 31),
            ("quantri", "password_set", NOW + 32),
            ("quantri", "tokens_revoked", NOW + 33),
        ]
    );

    // the outbox: written with the event, only for the channels the server sends on
    db.set_notification_settings(
        "c1",
        &[Channel::Sms, Channel::Email],
        Some("mau@example.vn"),
    )
    .await
    .unwrap();
    assert_eq!(
        db.notification_settings("c1").await.unwrap(),
        (
            vec![Channel::Sms, Channel::Email],
            Some("mau@example.vn".to_owned())
        )
    );
    db.set_outbox_channels(&[]);
    let d0 = created(
        db.submit_dossier(&new_dossier("e0", "c1", "x0", &[]))
            .await
            .unwrap(),
    );
    assert!(
        db.outbox(None, 10).await.unwrap().is_empty(),
        "no channels: no messages"
    );
    db.set_outbox_channels(&[Channel::Sms, Channel::Zalo]);
    let d1 = created(
        db.submit_dossier(&new_dossier("e1", "c1", "x1", &[]))
            .await
            .unwrap(),
    );
    let rows = db.outbox(None, 10).await.unwrap();
    assert_eq!(
        rows.len(),
        1,
        "sms only: email is not sent here, zalo not chosen"
    );
    assert_eq!(
        (
            rows[0].job.channel,
            rows[0].job.dossier_code.as_str(),
            rows[0].job.state
        ),
        (Channel::Sms, d1.code.as_str(), DossierState::Received)
    );
    assert_eq!(rows[0].job.event_seq, d1.received_seq);
    let party = Scope::Party("c1".into());
    let office = Scope::Agency(AGENCY.into());
    applied(
        &db,
        step("e1", &office, "o1", Actor::Officer, EventKind::Accepted),
    )
    .await;
    applied(
        &db,
        step(
            "e0",
            &party,
            "c1",
            Actor::Applicant,
            EventKind::Cancelled { reason: None },
        ),
    )
    .await;
    let rows = db.outbox(None, 10).await.unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.job.dossier_code.as_str(), r.job.state))
            .collect::<Vec<_>>(),
        [
            (d1.code.as_str(), DossierState::Accepted),
            (d1.code.as_str(), DossierState::Received)
        ],
        "the officer's step is announced, the applicant's own cancel is not ({})",
        d0.code
    );
    // claims: due ones once; a lease hides them; outcomes
    assert_eq!(
        db.claim_outbox(NOW, 1000, 10).await.unwrap().len(),
        1,
        "one is not due yet"
    );
    let jobs = db.claim_outbox(NOW + 1, 1000, 10).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert!(jobs.iter().all(|j| j.attempts == 1));
    let earlier = db.claim_outbox(NOW + 1000, 1000, 10).await.unwrap();
    assert_eq!(earlier.len(), 1, "the first claim's lease ended");
    let jobs = [earlier[0].clone(), jobs[0].clone()];
    assert_eq!(jobs[0].attempts, 2);
    assert!(db
        .claim_outbox(NOW + 1000, 1000, 10)
        .await
        .unwrap()
        .is_empty());
    db.outbox_sent(jobs[0].id, NOW + 1).await.unwrap();
    db.outbox_retry(jobs[1].id, NOW + 5000, "gateway answered 502")
        .await
        .unwrap();
    assert!(db
        .claim_outbox(NOW + 4999, 1000, 10)
        .await
        .unwrap()
        .is_empty());
    let again = db.claim_outbox(NOW + 5000, 1000, 10).await.unwrap();
    assert_eq!(
        again.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(),
        [(jobs[1].id, 2)]
    );
    assert!(jobs[0].id < jobs[1].id);
    db.outbox_failed(jobs[1].id, "gateway answered 400")
        .await
        .unwrap();
    db.outbox_sent(jobs[1].id, NOW).await.unwrap();
    assert_eq!(db.outbox_counts().await.unwrap(), (0, 1, 1));
    let failed = db.outbox(Some(OutboxStatus::Failed), 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].last_error.as_deref(),
        Some("gateway answered 400")
    );
    let sent = db.outbox(Some(OutboxStatus::Sent), 10).await.unwrap();
    assert_eq!(sent[0].sent_at, Some(NOW + 1));
    let contact = db.contact("c1").await.unwrap().unwrap();
    assert_eq!(
        (
            contact.login.as_str(),
            contact.email.as_deref(),
            contact.disabled
        ),
        ("0912345678", Some("mau@example.vn"), false)
    );

    // the clean-up: expired codes and counters go; a sent message goes after its cut-off, a
    // failed one stays for the admin
    db.put_otp(&otp("r9", "h9")).await.unwrap();
    let later = NOW + 10_000_000;
    let cut = |messages_sent_before| Cutoffs {
        uploads_idle_since: 0,
        registrations_expired_before: 0,
        tokens_dead_before: 0,
        codes_expired_before: later,
        counters_expired_before: later,
        messages_sent_before,
        blobs_unused_since: None,
        blob_limit: 10,
    };
    let gone = db.expire(&cut(NOW + 1), later).await.unwrap();
    assert_eq!((gone.codes, gone.counters, gone.messages), (1, 2, 0));
    assert_eq!(db.outbox_counts().await.unwrap(), (0, 1, 1));
    let gone = db.expire(&cut(NOW + 2), later).await.unwrap();
    assert_eq!((gone.codes, gone.counters, gone.messages), (0, 0, 1));
    assert_eq!(db.outbox_counts().await.unwrap(), (0, 0, 1));
    assert!(db
        .otp("0912345678", OtpPurpose::Register)
        .await
        .unwrap()
        .is_none());
}

mod sqlite {
    #[tokio::test]
    async fn both_backends_answer_alike() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::sqlite::SqliteDb::open(&dir.path().join("conformance.db"))
            .await
            .unwrap();
        super::scenario(super::Arc::new(db)).await;
    }

    #[tokio::test]
    async fn accounts_answer_alike() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::sqlite::SqliteDb::open(&dir.path().join("accounts.db"))
            .await
            .unwrap();
        super::accounts_scenario(super::Arc::new(db)).await;
    }
}

mod postgres {
    use std::str::FromStr;
    use std::time::Duration;

    use crate::db::{Database, Listened};

    /// A fresh database; its config and an admin connection to the cluster.
    async fn fresh(prefix: &str) -> (tokio_postgres::Config, tokio_postgres::Client, String) {
        let url = std::env::var("DVC_TEST_POSTGRES_URL")
            .expect("DVC_TEST_POSTGRES_URL is not set: the PostgreSQL half needs a server (`./x test` starts one)");
        let mut cfg = tokio_postgres::Config::from_str(&url).unwrap();
        let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
        let (admin, conn) = cfg.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        cfg.dbname(&name);
        (cfg, admin, name)
    }

    /// Two stores on one database stand for two server processes: a shared lock taken through
    /// one makes the other wait for the same key (PostgreSQL shows it waiting), not for another
    /// key, and dropping the guard lets it through.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shared_locks_hold_across_processes() {
        let (cfg, admin, name) = fresh("dvc_locks").await;
        let a = crate::db::postgres::PgDb::with_config(cfg.clone())
            .await
            .unwrap();
        let b = std::sync::Arc::new(
            crate::db::postgres::PgDb::with_config(cfg.clone())
                .await
                .unwrap(),
        );
        let held = a.shared_lock("account:hash-1").await.unwrap();
        assert!(held.is_held());
        // Another key is free.
        drop(b.shared_lock("account:hash-2").await.unwrap());
        let got = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let waiter = {
            let (b, got) = (std::sync::Arc::clone(&b), std::sync::Arc::clone(&got));
            tokio::spawn(async move {
                let guard = b.shared_lock("account:hash-1").await.unwrap();
                got.store(true, std::sync::atomic::Ordering::SeqCst);
                drop(guard);
            })
        };
        // Until PostgreSQL shows the second store's request waiting for the advisory lock.
        let (probe, conn) = cfg.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        loop {
            let waiting: i64 = probe
                .query_one(
                    "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted \
                     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            if waiting > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            !got.load(std::sync::atomic::Ordering::SeqCst),
            "the second process got a held lock"
        );
        drop(held);
        waiter.await.unwrap();
        assert!(got.load(std::sync::atomic::Ordering::SeqCst));
        drop(probe);
        drop((a, b));
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
    }

    /// The event listener reports the highest seq when it starts, then every `dvc_events`
    /// notification; a payload that is not a seq makes it read the highest seq again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_event_listener_hears_notifications() {
        let (cfg, admin, name) = fresh("dvc_listen").await;
        let db = std::sync::Arc::new(
            crate::db::postgres::PgDb::with_config(cfg.clone())
                .await
                .unwrap(),
        );
        db.migrate().await.unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let listener = {
            let db = std::sync::Arc::clone(&db);
            tokio::spawn(async move {
                let seen = move |seq: i64| {
                    let _ = tx.send(seq);
                };
                db.listen_events(&seen).await
            })
        };
        assert_eq!(
            rx.recv().await,
            Some(0),
            "the highest seq of an empty feed, first"
        );
        let (other, conn) = cfg.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        other
            .batch_execute("NOTIFY dvc_events, '42'")
            .await
            .unwrap();
        assert_eq!(rx.recv().await, Some(42));
        other.batch_execute("NOTIFY dvc_events, 'x'").await.unwrap();
        assert_eq!(rx.recv().await, Some(0), "re-read after a foreign payload");
        // The connection killed: the listener ends (the server's task listens again).
        other
            .batch_execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND application_name = 'dvc-sync events'",
            )
            .await
            .unwrap();
        let ended = listener.await.unwrap();
        assert!(
            matches!(ended, Ok(Listened::Ended) | Err(_)),
            "the listener must end with its connection: {ended:?}"
        );
        drop((other, db));
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn both_backends_answer_alike() {
        let url = std::env::var("DVC_TEST_POSTGRES_URL")
            .expect("DVC_TEST_POSTGRES_URL is not set: the PostgreSQL half needs a server (`./x test` starts one)");
        let mut cfg = tokio_postgres::Config::from_str(&url).unwrap();
        let name = format!("dvc_conformance_{}", uuid::Uuid::now_v7().simple());
        let (admin, conn) = cfg.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        cfg.dbname(&name);
        let db = crate::db::postgres::PgDb::with_config(cfg).await.unwrap();
        super::scenario(super::Arc::new(db)).await;
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn accounts_answer_alike() {
        let url = std::env::var("DVC_TEST_POSTGRES_URL")
            .expect("DVC_TEST_POSTGRES_URL is not set: the PostgreSQL half needs a server (`./x test` starts one)");
        let mut cfg = tokio_postgres::Config::from_str(&url).unwrap();
        let name = format!("dvc_accounts_{}", uuid::Uuid::now_v7().simple());
        let (admin, conn) = cfg.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        cfg.dbname(&name);
        let db = crate::db::postgres::PgDb::with_config(cfg).await.unwrap();
        super::accounts_scenario(super::Arc::new(db)).await;
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
    }
}
