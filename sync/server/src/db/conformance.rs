//! One storage scenario run on both backends: every place where the dialects differ (lists of
//! values, row locks, integer widths, flags, the code search's `LIKE`, the submission pipeline)
//! must give the same answers. PostgreSQL needs `DVC_TEST_POSTGRES_URL`, as the API suite does.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: a panic is the failure report

use std::collections::HashSet;
use std::sync::Arc;

use dvc_protocol::auth::Role;
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
    };
    db.insert_token(&token).await.unwrap();
    let (t, a) = db.token_by_hash("th1", NOW).await.unwrap().unwrap();
    assert_eq!((t.id.as_str(), a.login.as_str()), ("t1", "canbo.thu"));
    assert!(db.token_by_hash("th1", NOW + 1000).await.unwrap().is_none());
    assert!(db.revoke_token("o1", "t1", NOW).await.unwrap());
    assert!(!db.revoke_token("o1", "t1", NOW).await.unwrap());

    // consents: a second grant returns the live one; disabled citizens are not found
    let first = db.grant_consent("c1", &volunteer, NOW).await.unwrap();
    let again = db.grant_consent("c1", &volunteer, NOW + 5).await.unwrap();
    assert_eq!(
        (again.id.as_str(), again.granted_at),
        (first.id.as_str(), NOW)
    );
    assert_eq!(db.list_consents("c1").await.unwrap().len(), 1);
    assert_eq!(
        db.consenting_citizen("v1", "0900000001").await.unwrap(),
        Some("c1".into())
    );
    db.grant_consent("c2", &volunteer, NOW).await.unwrap();
    assert_eq!(
        db.consenting_citizen("v1", "0900000003").await.unwrap(),
        None
    );

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
    };
    let found = db
        .list_dossiers(&agency, &search("h23-260315-0002", 50))
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|d| d.uuid.as_str()).collect::<Vec<_>>(),
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
}

mod postgres {
    use std::str::FromStr;

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
}
