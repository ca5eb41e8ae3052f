//! The backup and restore runbook of the README ("Backup and restore"), run for real on both
//! databases: a story (a citizen submits two dossiers with photos, an officer accepts one), a
//! backup taken while the server runs (SQLite: `dvc-sync backup`; PostgreSQL: `pg_dump -Fc`),
//! then the blob folder copied after the database; everything wiped; the database restored
//! (SQLite: `dvc-sync restore`; PostgreSQL: `pg_restore` into a fresh database) and the blobs
//! copied back; a new server on the restored data must read the story back: the same dossiers
//! with their codes and states, every photo with its hash, both logins. A restore without the
//! blob copy must fail that check, and `dvc-sync restore` must refuse a database a server holds.
//!
//! The order of the runbook (the database first, then the blobs) is shown to matter: with a
//! submission landing between the two copies, blobs copied before the database lose its photo;
//! copied after, they hold it.
//!
//! `pg_dump`/`pg_restore` are looked up on `PATH`, then in `/usr/lib/postgresql/*/bin`
//! (`./x test` installs PostgreSQL); the test fails with a clear message without them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use common::*;
use dvc_protocol::auth::Role;
use dvc_protocol::dossiers::DossierList;
use dvc_sync::clock::ManualClock;
use dvc_sync::config::Config;
use dvc_sync::otp::MemoryOtpSender;
use reqwest::{Method, StatusCode};

both_backends!(
    backup_wipe_restore_reads_the_story_back,
    the_database_copy_comes_before_the_blob_copy
);

/// A server on `url` with its blobs in `blobs`; agencies added when `seed`.
async fn start_on(b: Backend, url: &str, blobs: &Path, seed: bool) -> Harness {
    let db = dvc_sync::db::open(url).await.unwrap();
    let clock = Arc::new(ManualClock::default());
    let otp = Arc::new(MemoryOtpSender::default());
    let state = dvc_sync::server::build_state(
        db.clone(),
        blobs,
        Config {
            secure_cookies: false,
            ..Config::default()
        },
        clock.clone(),
        otp.clone(),
    )
    .await
    .unwrap();
    if seed {
        let now = dvc_sync::clock::Clock::now_ms(&*clock);
        db.upsert_agency(AGENCY_X, "Công an xã X (thử nghiệm)", now)
            .await
            .unwrap();
    }
    let server = dvc_sync::server::spawn("127.0.0.1:0", state).await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Harness {
        server,
        http,
        clock,
        otp,
        db,
        backend: b,
        _dir: tempfile::tempdir().unwrap(),
    }
}

async fn stop(h: Harness) {
    let Harness { server, db, .. } = h;
    server.shutdown().await.unwrap();
    drop(db);
}

/// A PostgreSQL program: on `PATH`, else the newest `/usr/lib/postgresql/*/bin`.
fn pg_tool(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    if let Some(p) = on_path {
        return p;
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "{name} is not on PATH nor in /usr/lib/postgresql/*/bin: the PostgreSQL backup test \
             needs the PostgreSQL client programs (`./x test` installs them; on Debian: \
             apt-get install postgresql-client)"
        )
    })
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed: {text}");
    text
}

fn dvc_sync() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dvc-sync"))
}

/// Copies the files under `from` into `to` (folders made as needed); returns how many.
fn copy_tree(from: &Path, to: &Path) -> usize {
    std::fs::create_dir_all(to).unwrap();
    let mut n = 0;
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            n += copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
            n += 1;
        }
    }
    n
}

/// Empties a folder.
fn wipe(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            std::fs::remove_dir_all(&p).unwrap();
        } else {
            std::fs::remove_file(&p).unwrap();
        }
    }
}

/// The database name in a PostgreSQL URL.
fn pg_db_name(url: &str) -> String {
    let base = url.split('?').next().unwrap();
    base.rsplit('/').next().unwrap().to_owned()
}

async fn pg_admin(sql: &str) {
    let (client, conn) = tokio_postgres::connect(&pg_admin_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(conn);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = task.await;
}

/// What the story left: logins, and per dossier its code and state, and the photo hashes.
struct Story {
    citizen: (String, String),
    officer: (String, String),
    dossiers: BTreeSet<(String, String)>,
    photos: Vec<String>,
}

async fn tell_story(h: &Harness) -> Story {
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let mut photos = Vec::new();
    let mut dossiers = Vec::new();
    for i in 0..2u8 {
        let a = jpeg(3000 + usize::from(i) * 500, i);
        let b = jpeg(2000, 100 + i);
        let ha = h.upload(&u.token, &a, 1024).await;
        let hb = h.upload(&u.token, &b, 700).await;
        let r = h
            .submit_ok(
                &u.token,
                &manifest(AGENCY_X, &[(&ha, a.len()), (&hb, b.len())]),
            )
            .await;
        photos.extend([ha, hb]);
        dossiers.push(r);
    }
    h.console(&officer)
        .await
        .act_ok(&dossiers[0].dossier_uuid, &[("action", "accept")])
        .await;
    Story {
        citizen: (u.phone, u.password),
        officer: (officer.phone, officer.password),
        dossiers: [
            (dossiers[0].code.clone(), "accepted".to_owned()),
            (dossiers[1].code.clone(), "received".to_owned()),
        ]
        .into(),
        photos,
    }
}

/// Reads the story back through the API; `Err` says what is missing or wrong.
async fn read_back(h: &Harness, story: &Story) -> Result<(), String> {
    let officer = h.login(&story.officer.0, &story.officer.1).await;
    assert!(!officer.token.is_empty());
    let u = h.login(&story.citizen.0, &story.citizen.1).await;
    let (s, v) = h
        .json(Method::GET, "/v1/dossiers", Some(&u.token), None)
        .await;
    if s != StatusCode::OK {
        return Err(format!("list: {s} {v}"));
    }
    let list: DossierList = serde_json::from_value(v).unwrap();
    let got: BTreeSet<(String, String)> = list
        .dossiers
        .iter()
        .map(|d| (d.code.clone(), d.state.as_str().to_owned()))
        .collect();
    if got != story.dossiers {
        return Err(format!("dossiers {got:?}, expected {:?}", story.dossiers));
    }
    for hash in &story.photos {
        let res = h
            .req(Method::GET, &format!("/v1/blobs/{hash}"), Some(&u.token))
            .send()
            .await
            .unwrap();
        let status = res.status();
        let bytes = res.bytes().await.unwrap();
        if status != StatusCode::OK || sha(&bytes) != *hash {
            return Err(format!(
                "photo {hash}: {status}, {} bytes hashing to {}",
                bytes.len(),
                sha(&bytes)
            ));
        }
    }
    Ok(())
}

async fn backup_wipe_restore_reads_the_story_back(b: Backend) {
    let work = tempfile::tempdir().unwrap();
    let blobs = work.path().join("blobs");
    let saved = work.path().join("saved");
    std::fs::create_dir_all(&saved).unwrap();
    let (url, db_file) = match b {
        Backend::Sqlite => {
            let f = work.path().join("data").join("dvc-sync.db");
            (format!("sqlite://{}", f.display()), Some(f))
        }
        Backend::Postgres => (fresh_pg_database(&pg_admin_url(), "dvc_backup").await, None),
    };
    let (pg_dump, pg_restore) = match b {
        Backend::Postgres => (Some(pg_tool("pg_dump")), Some(pg_tool("pg_restore"))),
        Backend::Sqlite => (None, None),
    };

    let h = start_on(b, &url, &blobs, true).await;
    let story = tell_story(&h).await;
    read_back(&h, &story).await.unwrap();

    // 1. Back up while the server runs: the database first, then the blobs.
    let dump = saved.join(match b {
        Backend::Sqlite => "dvc-sync.db",
        Backend::Postgres => "dvc-sync.dump",
    });
    match b {
        Backend::Sqlite => {
            let out = run(dvc_sync()
                .args(["backup", "--db", &url, "--out"])
                .arg(&dump));
            assert!(out.contains("2 dossiers, 4 blobs named"), "{out}");
            // A backup never overwrites.
            let again = dvc_sync()
                .args(["backup", "--db", &url, "--out"])
                .arg(&dump)
                .output()
                .unwrap();
            assert!(!again.status.success());
            assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
        }
        Backend::Postgres => {
            run(Command::new(pg_dump.as_ref().unwrap())
                .args(["-Fc", "--no-owner", "-f"])
                .arg(&dump)
                .args(["-d", &url]));
        }
    }
    let copied = copy_tree(&blobs, &saved.join("blobs"));
    assert!(copied >= 4, "{copied} blob files");
    stop(h).await;

    // 2. Wipe: the database and the blob folder's contents.
    let url = match b {
        Backend::Sqlite => {
            std::fs::remove_dir_all(db_file.as_ref().unwrap().parent().unwrap()).unwrap();
            url
        }
        Backend::Postgres => {
            pg_admin(&format!("DROP DATABASE {} WITH (FORCE)", pg_db_name(&url))).await;
            fresh_pg_database(&pg_admin_url(), "dvc_restored").await
        }
    };
    wipe(&blobs);

    // 3. Restore: the database, then the blobs.
    match b {
        Backend::Sqlite => {
            let f = db_file.as_ref().unwrap();
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            // Not while a server holds the file.
            let claim = dvc_sync::db::sqlite::claim_for_server(f).unwrap();
            let refused = dvc_sync()
                .args(["restore", "--db", &url, "--from"])
                .arg(&dump)
                .output()
                .unwrap();
            assert!(!refused.status.success());
            assert!(
                String::from_utf8_lossy(&refused.stderr).contains("in use"),
                "{}",
                String::from_utf8_lossy(&refused.stderr)
            );
            drop(claim);
            let out = run(dvc_sync()
                .args(["restore", "--db", &url, "--from"])
                .arg(&dump));
            assert!(out.contains("2 dossiers, 4 blobs named"), "{out}");
        }
        Backend::Postgres => {
            run(Command::new(pg_restore.as_ref().unwrap())
                .args(["--no-owner", "--exit-on-error", "-d", &url])
                .arg(&dump));
        }
    }
    copy_tree(&saved.join("blobs"), &blobs);

    // 4. A server on the restored data reads the story back.
    let h = start_on(b, &url, &blobs, false).await;
    read_back(&h, &story).await.unwrap();
    stop(h).await;

    // Without the blob copy the same check fails: the database names photos that are not there.
    wipe(&blobs);
    let h = start_on(b, &url, &blobs, false).await;
    let err = read_back(&h, &story).await.unwrap_err();
    assert!(err.contains("photo"), "{err}");
    stop(h).await;
}

/// A backup of the database at `url` into the new file `out` (SQLite: `dvc-sync backup`;
/// PostgreSQL: `pg_dump -Fc`).
fn backup_db(b: Backend, url: &str, out: &Path) {
    match b {
        Backend::Sqlite => {
            run(dvc_sync().args(["backup", "--db", url, "--out"]).arg(out));
        }
        Backend::Postgres => {
            run(Command::new(pg_tool("pg_dump"))
                .args(["-Fc", "--no-owner", "-f"])
                .arg(out)
                .args(["-d", url]));
        }
    }
}

/// Restores `dump` into a new database (SQLite: a new file under `dir`); returns its URL.
async fn restore_db(b: Backend, dump: &Path, dir: &Path) -> String {
    match b {
        Backend::Sqlite => {
            std::fs::create_dir_all(dir).unwrap();
            let url = format!("sqlite://{}", dir.join("dvc-sync.db").display());
            run(dvc_sync()
                .args(["restore", "--db", &url, "--from"])
                .arg(dump));
            url
        }
        Backend::Postgres => {
            let url = fresh_pg_database(&pg_admin_url(), "dvc_restored").await;
            run(Command::new(pg_tool("pg_restore"))
                .args(["--no-owner", "--exit-on-error", "-d", &url])
                .arg(dump));
            url
        }
    }
}

/// A citizen submits one more dossier with a new photo; the story grows by it.
async fn one_more(h: &Harness, story: &mut Story, seed: u8) {
    let u = h.login(&story.citizen.0, &story.citizen.1).await;
    let photo = jpeg(2500, seed);
    let hash = h.upload(&u.token, &photo, 1000).await;
    let r = h
        .submit_ok(&u.token, &manifest(AGENCY_X, &[(&hash, photo.len())]))
        .await;
    story.dossiers.insert((r.code, "received".to_owned()));
    story.photos.push(hash);
}

async fn the_database_copy_comes_before_the_blob_copy(b: Backend) {
    let work = tempfile::tempdir().unwrap();
    let blobs = work.path().join("blobs");
    let url = match b {
        Backend::Sqlite => format!(
            "sqlite://{}",
            work.path().join("data").join("dvc-sync.db").display()
        ),
        Backend::Postgres => fresh_pg_database(&pg_admin_url(), "dvc_backup").await,
    };
    let h = start_on(b, &url, &blobs, true).await;
    let mut story = tell_story(&h).await;

    // Blobs copied too early; a submission lands; the database copy; another submission lands;
    // blobs copied after the database (the runbook's order).
    let early = work.path().join("blobs-before-db");
    copy_tree(&blobs, &early);
    one_more(&h, &mut story, 201).await;
    let dump = work.path().join("dvc-sync.backup");
    backup_db(b, &url, &dump);
    let mut later = Story {
        citizen: story.citizen.clone(),
        officer: story.officer.clone(),
        dossiers: story.dossiers.clone(),
        photos: story.photos.clone(),
    };
    one_more(&h, &mut later, 202).await;
    let after = work.path().join("blobs-after-db");
    copy_tree(&blobs, &after);
    stop(h).await;

    // The runbook's order: the restored data reads back whole (the later dossier is not in the
    // database copy; its photo in the blob copy is harmless).
    let url = restore_db(b, &dump, &work.path().join("restored-1")).await;
    let h = start_on(b, &url, &after, false).await;
    read_back(&h, &story).await.unwrap();
    assert!(
        read_back(&h, &later).await.is_err(),
        "the later dossier was restored"
    );
    stop(h).await;

    // Blobs first: the database names a photo the blob copy does not have.
    let url = restore_db(b, &dump, &work.path().join("restored-2")).await;
    let h = start_on(b, &url, &early, false).await;
    let err = read_back(&h, &story).await.unwrap_err();
    let lost = story.photos.last().unwrap();
    assert!(err.contains(lost.as_str()), "{err}");
    stop(h).await;
}
