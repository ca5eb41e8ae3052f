//! The phone and the server apply the same rules: what the phone accepts or queues, the server
//! takes, and what the phone refuses early, the server would refuse. The device side is
//! `dvc-core` (validators, `sync::decide`); the server side is `dvc-sync` itself — its checks and,
//! for the state machine, its real storage (an embedded SQLite database), so a rule written again
//! in either place shows up here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dvc_core::sync::decide::{action_allowed, check_rating, ActionKind};
use dvc_core::validate;
use dvc_protocol::dossiers::{Delivery, DossierManifest, DossierState, FormValue};
use dvc_protocol::events::{BankAccount, EventKind, ResultDelivery};
use dvc_sync::db::{
    Account, Db, NewDossier, NewRevision, RateOutcome, RatingRow, RevisionOutcome, SubmitOutcome,
    Transition, TransitionOutcome,
};
use dvc_sync::domain::{self, Actor};
use proptest::prelude::*;

// ---- phone numbers and ratings ------------------------------------------------------------------

/// Strings shaped like what people type for a phone number, and some that are not.
fn phone_like() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            proptest::sample::select(vec![
                "", "0", "+84", "84", "0084", "+84 ", "+84 (0) ", "(+84)", "00", "+1 "
            ]),
            "[0-9]{1,3}",
            "[ .-]?",
            "[0-9]{3,4}",
            "[ .-]?",
            "[0-9]{3,4}",
        )
            .prop_map(|(p, a, s1, b, s2, c)| format!("{p}{a}{s1}{b}{s2}{c}")),
        "\\PC{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any phone the device accepts, the server accepts, normalised to the same number; and what
    /// the device refuses the server refuses (so a profile's phone never fails at the server).
    #[test]
    fn device_and_server_take_the_same_phones(s in phone_like()) {
        let device = validate::phone(&s).ok();
        let server = domain::normalize_phone(&s);
        prop_assert_eq!(&device, &server, "{:?}", s);
        if let Some(p) = device {
            prop_assert_eq!(domain::normalize_phone(&p), Some(p.clone()));
        }
    }

    /// Any rating the device queues (its cleaned comment), the server accepts as it is.
    #[test]
    fn device_queued_ratings_are_server_accepted(
        stars in 0u8..8,
        comment in proptest::option::of("\\PC{0,40}|[\\x00-\\x1f\\x7f a-zà-ỹ\r\n]{0,40}|[ơ]{995,1005}"),
    ) {
        let device = check_rating(stars, comment.as_deref());
        let server_raw = domain::normalize_rating(stars, comment.as_deref());
        prop_assert_eq!(device.is_ok(), server_raw.is_ok());
        if let Ok(queued) = device {
            prop_assert_eq!(
                domain::normalize_rating(stars, queued.as_deref()),
                Ok((stars, queued.clone()))
            );
            prop_assert_eq!(server_raw, Ok((stars, queued)));
        }
    }
}

// ---- the state machine, against the server's storage -------------------------------------------

const AGENCY: &str = "000.00.00.H00";

struct Server {
    db: Db,
    citizen: Account,
    officer: Account,
    _dir: tempfile::TempDir,
}

fn account(role: dvc_protocol::auth::Role, login: &str, agency: Option<&str>) -> Account {
    Account {
        id: uuid::Uuid::now_v7().to_string(),
        login: login.into(),
        role,
        agency_code: agency.map(str::to_owned),
        display_name: None,
        // Never used to sign in here.
        password_hash: "unused".into(),
        disabled: false,
    }
}

impl Server {
    async fn start() -> Server {
        use dvc_protocol::auth::Role;
        let dir = tempfile::tempdir().unwrap();
        let db = dvc_sync::db::open(dir.path().join("s.db").to_str().unwrap())
            .await
            .unwrap();
        db.migrate().await.unwrap();
        db.upsert_agency(AGENCY, "Cơ quan thử", 1).await.unwrap();
        let citizen = account(Role::Citizen, "0900000001", None);
        let officer = account(Role::Officer, "canbo.thu", Some(AGENCY));
        assert!(db.create_account(&citizen, 1).await.unwrap());
        assert!(db.create_account(&officer, 1).await.unwrap());
        Server {
            db,
            citizen,
            officer,
            _dir: dir,
        }
    }

    fn manifest(note: &str) -> (String, String) {
        let m = DossierManifest {
            procedure_code: "1.001456".into(),
            agency_code: AGENCY.into(),
            form: [("ghi_chu".to_string(), FormValue::Text(note.into()))].into(),
            attachments: vec![],
            delivery: Delivery::AtAgency,
            on_behalf_of: None,
            submitted_on_device_at: None,
            consent_basis: None,
        };
        domain::canonical_hash(&serde_json::to_value(&m).unwrap())
    }

    async fn submit(&self) -> String {
        let uuid = uuid::Uuid::now_v7().to_string();
        let (manifest, content_hash) = Self::manifest("1");
        let out = self
            .db
            .submit_dossier(&NewDossier {
                uuid: uuid.clone(),
                submitter_id: self.citizen.id.clone(),
                citizen_id: None,
                consent_id: None,
                agency_code: AGENCY.into(),
                procedure_code: "1.001456".into(),
                content_hash,
                manifest,
                attachments: vec![],
                now: 2,
                day: "260101".into(),
            })
            .await
            .unwrap();
        assert!(matches!(out, SubmitOutcome::Created(_)), "{out:?}");
        uuid
    }

    async fn transition(&self, uuid: &str, actor: Actor, event: EventKind) -> TransitionOutcome {
        let who = match actor {
            Actor::Officer => &self.officer,
            Actor::Applicant => &self.citizen,
        };
        self.db
            .transition(&Transition {
                dossier_uuid: uuid.into(),
                scope: who.scope(),
                actor_id: who.id.clone(),
                actor,
                event,
                result_blob: None,
                now: 3,
                audit_detail: String::new(),
            })
            .await
            .unwrap()
    }

    async fn state(&self, uuid: &str) -> DossierState {
        let d = self.db.dossier(&self.officer.scope(), uuid).await.unwrap();
        d.unwrap().state
    }

    /// The server's answer to the applicant's `kind` on dossier `uuid`: taken or refused for
    /// its state. Anything else (not found, conflict) is a broken test set-up.
    async fn applicant(&self, uuid: &str, kind: ActionKind) -> bool {
        let scope = self.citizen.scope();
        match kind {
            ActionKind::Cancel | ActionKind::PaymentClaim => {
                let event = if kind == ActionKind::Cancel {
                    EventKind::Cancelled { reason: None }
                } else {
                    EventKind::PaymentClaimed {
                        amount_vnd: 200_000,
                    }
                };
                match self.transition(uuid, Actor::Applicant, event).await {
                    TransitionOutcome::Applied(_) | TransitionOutcome::Unchanged(_) => true,
                    TransitionOutcome::InvalidTransition(_) => false,
                    other => panic!("{kind:?}: {other:?}"),
                }
            }
            ActionKind::Revision => {
                let (manifest, content_hash) = Self::manifest("2");
                let out = self
                    .db
                    .submit_revision(&NewRevision {
                        dossier_uuid: uuid.into(),
                        scope: scope.clone(),
                        account_id: self.citizen.id.clone(),
                        revision: 2,
                        content_hash,
                        manifest,
                        attachments: vec![],
                        now: 4,
                    })
                    .await
                    .unwrap();
                match out {
                    RevisionOutcome::Created(..) => true,
                    RevisionOutcome::InvalidState(_) => false,
                    other => panic!("{kind:?}: {other:?}"),
                }
            }
            ActionKind::Rating => {
                let row = RatingRow {
                    stars: 5,
                    comment: None,
                    rated_at: 4,
                };
                match self
                    .db
                    .rate(&scope, uuid, &self.citizen.id, &row)
                    .await
                    .unwrap()
                {
                    RateOutcome::Saved(_) => true,
                    RateOutcome::InvalidState(_) => false,
                    other => panic!("{kind:?}: {other:?}"),
                }
            }
        }
    }
}

/// How a fresh dossier reaches `state`: the steps, in order.
fn path_to(state: DossierState) -> Vec<(Actor, EventKind)> {
    use DossierState as S;
    let officer = |e| (Actor::Officer, e);
    let fee = EventKind::FeeRequested {
        amount_vnd: 200_000,
        bank: BankAccount {
            bank_bin: "970415".into(),
            account_number: "0000123456789".into(),
            account_name: "CO QUAN THU".into(),
        },
        transfer_note: "HS 1".into(),
    };
    let result = EventKind::ResultReady {
        result: ResultDelivery::Postal {
            carrier: "VNPost".into(),
            tracking_number: "EA000000000VN".into(),
        },
    };
    match state {
        S::Received => vec![],
        S::Accepted => vec![officer(EventKind::Accepted)],
        S::SupplementRequested => vec![officer(EventKind::SupplementRequested {
            note: "Ảnh chưa rõ".into(),
            items: vec![],
        })],
        S::FeeRequested => vec![officer(fee)],
        S::Paid => vec![officer(fee), officer(EventKind::Paid)],
        S::ResultReady => vec![officer(EventKind::Accepted), officer(result)],
        S::Completed => vec![
            officer(EventKind::Accepted),
            officer(result),
            officer(EventKind::Completed),
        ],
        S::Rejected => vec![officer(EventKind::Rejected {
            reason: "Không đúng thẩm quyền".into(),
        })],
        S::Cancelled => vec![(Actor::Applicant, EventKind::Cancelled { reason: None })],
    }
}

/// For every state × applicant action: the device allows it exactly when the server takes it.
#[tokio::test(flavor = "current_thread")]
async fn device_allows_exactly_what_the_server_takes_in_every_state() {
    let server = Server::start().await;
    let mut checked = 0;
    for &state in DossierState::ALL {
        for &kind in ActionKind::ALL {
            let uuid = server.submit().await;
            for (actor, event) in path_to(state) {
                let out = server.transition(&uuid, actor, event).await;
                assert!(matches!(out, TransitionOutcome::Applied(_)), "{out:?}");
            }
            assert_eq!(server.state(&uuid).await, state);
            let device = action_allowed(kind, state).is_ok();
            let server_took = server.applicant(&uuid, kind).await;
            assert_eq!(
                device, server_took,
                "{kind:?} in {state:?}: device {device}, server {server_took}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 9 * 4);
    // Each action is allowed somewhere and refused somewhere: the matrix is not trivially equal.
    for &kind in ActionKind::ALL {
        let allowed = DossierState::ALL
            .iter()
            .filter(|&&s| action_allowed(kind, s).is_ok())
            .count();
        assert!(allowed > 0 && allowed < DossierState::ALL.len(), "{kind:?}");
    }
}
