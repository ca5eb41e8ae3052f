//! The device's sync state belongs to the account it was made under (issue 16, item 8), against
//! the real dvc-sync server (in this process, SQLite in a temp dir, demo seed) on loopback:
//!
//! - a dossier queued under A is never sent by B; it waits, and the list says for whom;
//! - A signs in again: it goes once, as A;
//! - each account follows the event feed from its own cursor: B's events below A's cursor reach B;
//! - signing out revokes the token on the server; offline, at the next connection;
//! - a token the server no longer takes gives "sign in again", not a generic error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dvc_core::secrets::{FileSecrets, KeystoreKind, Secrets};
use dvc_core::sync::account::{self, Revoke};
use dvc_core::sync::{db as syncdb, Backoff, SyncConfig, SyncError, Timeouts};
use dvc_core::test_support::{applicant, ReadyPassport};
use dvc_core::{Core, OpenOptions};
use dvc_sync::seed::{DEMO_AGENCY, DEMO_CITIZEN};
use tokio::net::{TcpListener, TcpStream};

/// The second citizen (synthetic), created on the server for these tests.
const B: (&str, &str) = ("0900000009", "congdan-b-2026");

async fn server_with_b(dir: &Path) -> dvc_sync::server::RunningServer {
    let server = dvc_sync::test_support::demo_server(dir, true).await;
    let hash = dvc_sync::auth::hash_password(B.1.to_owned()).await.unwrap();
    let a = dvc_sync::db::Account {
        id: uuid::Uuid::now_v7().to_string(),
        login: B.0.to_owned(),
        role: dvc_protocol::auth::Role::Citizen,
        agency_code: None,
        display_name: None,
        password_hash: hash,
        disabled: false,
    };
    assert!(server.state.db.create_account(&a, 0).await.unwrap());
    server
}

fn open(dir: &Path) -> Core {
    let core = Core::open(&OpenOptions {
        data_dir: dir.to_path_buf(),
        keystore: KeystoreKind::File,
    })
    .unwrap();
    syncdb::set(core.store(), "agency_code", DEMO_AGENCY).unwrap();
    core
}

fn queue(core: &Core, person: &str) -> String {
    ReadyPassport::new()
        .person(person)
        .queue(core)
        .unwrap()
        .queued
        .dossier_id
}

fn cfg() -> SyncConfig {
    SyncConfig {
        timeouts: Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(20),
        },
        backoff: Backoff {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(200),
        },
        ..SyncConfig::default()
    }
}

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(5),
    }
}

fn stored_token(dir: &Path) -> String {
    let t = FileSecrets::new(dir.join("keys"))
        .get(account::TOKEN_SECRET)
        .unwrap()
        .expect("a token");
    String::from_utf8(t.to_vec()).unwrap()
}

/// The dossiers the server holds for the account of `token` (their idempotency keys), or the
/// HTTP status when it refuses the token.
async fn server_dossiers(base: &str, token: &str) -> Result<Vec<String>, u16> {
    let res = reqwest::Client::new()
        .get(format!("{base}/v1/dossiers"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    if !res.status().is_success() {
        return Err(res.status().as_u16());
    }
    let v: serde_json::Value = res.json().await.unwrap();
    Ok(v["dossiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["dossier_uuid"].as_str().unwrap().to_owned())
        .collect())
}

fn key_of(core: &Core, dossier_id: &str) -> String {
    core.store()
        .read(|c| -> dvc_core::Result<String> {
            Ok(c.query_row(
                "SELECT idempotency_key FROM outbox WHERE dossier_id = ?1",
                [dossier_id],
                |r| r.get::<_, String>(0),
            )?)
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_dossiers_and_the_feed_belong_to_their_account() {
    let sdir = tempfile::tempdir().unwrap();
    let server = server_with_b(sdir.path()).await;
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path());
    let person = core.add_person(&applicant()).unwrap().id;

    // B sends a dossier, then signs out (the token is revoked on the server).
    core.sync_login(&url, B.0, B.1, None).await.unwrap();
    let token_b = stored_token(dir.path());
    let d_b = queue(&core, &person);
    let r = core.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert_eq!(r.sent.len(), 1, "{r:?}");
    assert_eq!(core.sync_logout(timeouts()).await.unwrap(), Revoke::Revoked);
    assert_eq!(server_dossiers(&url, &token_b).await, Err(401));

    // While B is away, an officer accepts B's dossier.
    let officer = dvc_sync::test_support::Console::demo_officer(&url).await;
    officer
        .act_ok(&key_of(&core, &d_b), &[("action", "accept")])
        .await;

    // A signs in and sends a dossier: A's cursor moves past B's event (not shown to A).
    core.sync_login(&url, DEMO_CITIZEN.0, DEMO_CITIZEN.1, None)
        .await
        .unwrap();
    let d_a1 = queue(&core, &person);
    let r = core.sync_once(&cfg(), &|_| {}).await.unwrap();
    let sent: Vec<&str> = r.sent.iter().map(|s| s.dossier_id.as_str()).collect();
    assert_eq!(sent, vec![d_a1.as_str()]);
    assert_eq!(core.tracked_dossier(&d_b).unwrap().state, "received");

    // A queues one more and signs out before it goes.
    let d_a2 = queue(&core, &person);
    core.sync_logout(timeouts()).await.unwrap();
    let t = core.tracked_dossier(&d_a2).unwrap();
    assert_eq!(t.state, "queued");
    assert_eq!(t.waiting_for.as_deref(), Some("Công dân Demo"));

    // B signs in again: nothing of A's is sent, A's dossier still waits (and says for whom),
    // and B's own event below A's cursor reaches B.
    core.sync_login(&url, B.0, B.1, None).await.unwrap();
    let token_b = stored_token(dir.path());
    let r = core.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert!(r.sent.is_empty(), "{r:?}");
    assert_eq!(r.pending, 0);
    assert_eq!(r.waiting_other_account, 1);
    assert_eq!(core.tracked_dossier(&d_b).unwrap().state, "accepted");
    let t = core.tracked_dossier(&d_a2).unwrap();
    assert_eq!(t.state, "queued");
    assert_eq!(
        t.waiting_reason.as_deref(),
        Some(dvc_core::sync::decide::reason::OTHER_ACCOUNT)
    );
    assert_eq!(t.waiting_for.as_deref(), Some("Công dân Demo"));
    assert_eq!(
        server_dossiers(&url, &token_b).await.unwrap(),
        vec![key_of(&core, &d_b)]
    );
    // A's sent dossier is untouched by B's feed.
    assert_eq!(core.tracked_dossier(&d_a1).unwrap().state, "received");

    // A again: the waiting dossier goes, once, as A.
    core.sync_logout(timeouts()).await.unwrap();
    core.sync_login(&url, DEMO_CITIZEN.0, DEMO_CITIZEN.1, None)
        .await
        .unwrap();
    let token_a = stored_token(dir.path());
    let r = core.sync_once(&cfg(), &|_| {}).await.unwrap();
    let sent: Vec<&str> = r.sent.iter().map(|s| s.dossier_id.as_str()).collect();
    assert_eq!(sent, vec![d_a2.as_str()]);
    assert_eq!(r.waiting_other_account, 0);
    let r = core.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert!(r.sent.is_empty());
    let mut on_server = server_dossiers(&url, &token_a).await.unwrap();
    on_server.sort();
    let mut expected = vec![key_of(&core, &d_a1), key_of(&core, &d_a2)];
    expected.sort();
    assert_eq!(on_server, expected);
    assert!(core.tracked_dossier(&d_a2).unwrap().waiting_for.is_none());
}

/// A loopback forwarder that can play "no network": while down it drops every connection.
async fn switchable_proxy(target: SocketAddr) -> (SocketAddr, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let up = Arc::new(AtomicBool::new(true));
    let flag = up.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            if !flag.load(Ordering::SeqCst) {
                drop(client);
                continue;
            }
            tokio::spawn(async move {
                if let Ok(mut server) = TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    (addr, up)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_sign_out_is_revoked_at_the_next_connection() {
    let sdir = tempfile::tempdir().unwrap();
    let server = server_with_b(sdir.path()).await;
    let (proxy, up) = switchable_proxy(server.addr).await;
    let via = format!("http://{proxy}");
    let direct = server.url();
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path());

    core.sync_login(&via, DEMO_CITIZEN.0, DEMO_CITIZEN.1, None)
        .await
        .unwrap();
    let old = stored_token(dir.path());
    up.store(false, Ordering::SeqCst);
    assert_eq!(core.sync_logout(timeouts()).await.unwrap(), Revoke::Pending);
    // Out of use on the device at once; kept only as a pending revoke in the keystore.
    assert!(!core.sync_status().unwrap().signed_in);
    assert!(matches!(
        core.sync_once(&cfg(), &|_| {}).await,
        Err(SyncError::NotSignedIn)
    ));
    let keys = FileSecrets::new(dir.path().join("keys"));
    assert!(keys.get(account::TOKEN_SECRET).unwrap().is_none());
    assert!(keys.get(account::REVOKE_SECRET).unwrap().is_some());
    // Not in SQLite.
    let rows: Vec<String> = core
        .store()
        .read(|c| -> dvc_core::Result<Vec<String>> {
            let mut st = c.prepare(
                "SELECT value FROM sync_kv UNION ALL SELECT label || coalesce(cursor, '') FROM sync_accounts",
            )?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|v| !v.contains(old.as_str())));
    // The server still takes it (nobody told it).
    assert!(server_dossiers(&direct, &old).await.is_ok());
    // Still offline: another try keeps it pending.
    assert_eq!(core.sync_flush_revokes(timeouts()).await, 1);

    // The network is back: the next connection (here, signing in as B) revokes it.
    up.store(true, Ordering::SeqCst);
    core.sync_login(&via, B.0, B.1, None).await.unwrap();
    assert_eq!(server_dossiers(&direct, &old).await, Err(401));
    assert!(keys.get(account::REVOKE_SECRET).unwrap().is_none());
    assert!(server_dossiers(&direct, &stored_token(dir.path()))
        .await
        .is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_asks_to_sign_in_again() {
    let sdir = tempfile::tempdir().unwrap();
    let server = server_with_b(sdir.path()).await;
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path());
    let person = core.add_person(&applicant()).unwrap().id;
    core.sync_login(&url, DEMO_CITIZEN.0, DEMO_CITIZEN.1, None)
        .await
        .unwrap();
    let token = stored_token(dir.path());
    let d = queue(&core, &person);
    // Signed out from elsewhere (the same token revoked on the server).
    let res = reqwest::Client::new()
        .post(format!("{url}/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let e = core.sync_once(&cfg(), &|_| {}).await.unwrap_err();
    assert!(matches!(e, SyncError::SessionExpired), "{e:?}");
    assert_eq!(e.message_key(), "sync.error.session_expired");
    assert!(e.to_string().contains("hãy đăng nhập lại"));
    assert!(!core.sync_status().unwrap().signed_in);
    assert!(core.sync_status().unwrap().session_expired);
    // Every later pass says the same until someone signs in.
    assert!(matches!(
        core.sync_once(&cfg(), &|_| {}).await,
        Err(SyncError::SessionExpired)
    ));
    // The dossier still waits for this account (not for whoever signs in next).
    assert_eq!(core.tracked_dossier(&d).unwrap().state, "queued");
    core.sync_login(&url, DEMO_CITIZEN.0, DEMO_CITIZEN.1, None)
        .await
        .unwrap();
    assert!(!core.sync_status().unwrap().session_expired);
    let r = core.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert_eq!(r.sent.len(), 1);
}
