//! `dvc-sync demo-seed` seeds only an empty database (or finds its own seed and changes nothing,
//! passwords included); a database with other accounts or agencies is refused unless `--force`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

use std::io::Write;
use std::process::{Command, Stdio};

use dvc_sync::seed::{DEMO_AGENCY, DEMO_OFFICER};

fn dvc(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dvc-sync"))
        .args(args)
        .env("DVC_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

async fn officer_password_is_demo(db: &str) -> Option<bool> {
    let database = dvc_sync::db::open(db).await.unwrap();
    let a = database.account_by_login(DEMO_OFFICER.0).await.unwrap()?;
    Some(dvc_sync::auth::verify_password(DEMO_OFFICER.1.to_owned(), Some(a.password_hash)).await)
}

#[tokio::test]
async fn demo_seed_refuses_a_database_in_use() {
    let dir = tempfile::tempdir().unwrap();

    // An empty database is seeded; a second run finds its own seed and changes nothing.
    let fresh = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let (ok, out, err) = dvc(&["demo-seed", "--db", &fresh], None);
    assert!(ok && out.contains("canbo.demo"), "{out}{err}");
    assert_eq!(officer_password_is_demo(&fresh).await, Some(true));
    {
        let database = dvc_sync::db::open(&fresh).await.unwrap();
        let a = database
            .account_by_login(DEMO_OFFICER.0)
            .await
            .unwrap()
            .unwrap();
        let hash = dvc_sync::auth::hash_password("doi-mat-khau-roi".into())
            .await
            .map_err(|e| e.body)
            .unwrap();
        database.set_password(&a.id, &hash).await.unwrap();
    }
    let (ok, out, err) = dvc(&["demo-seed", "--db", &fresh], None);
    assert!(ok && out.contains("nothing changed"), "{out}{err}");
    assert_eq!(
        officer_password_is_demo(&fresh).await,
        Some(false),
        "a changed demo password stays changed"
    );

    // A database with a real officer is refused, and left as it was.
    let used = format!("sqlite://{}", dir.path().join("used.db").display());
    let (ok, _, _) = dvc(
        &[
            "agency",
            "add",
            "--db",
            &used,
            "--code",
            "000.30.27.H23",
            "--name",
            "Công an xã Thử",
        ],
        None,
    );
    assert!(ok);
    let (ok, out, err) = dvc(&["demo-seed", "--db", &used], None);
    assert!(!ok, "{out}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert_eq!(officer_password_is_demo(&used).await, None);
    let (ok, _, _) = dvc(
        &[
            "user",
            "add",
            "--db",
            &used,
            "--role",
            "officer",
            "--login",
            "canbo.thu",
            "--agency",
            "000.30.27.H23",
        ],
        Some("mat-khau-can-bo\n"),
    );
    assert!(ok);
    let (ok, _, err) = dvc(&["demo-seed", "--db", &used], None);
    assert!(!ok && err.contains("already holds"), "{err}");
    assert_eq!(officer_password_is_demo(&used).await, None);
    {
        let database = dvc_sync::db::open(&used).await.unwrap();
        assert_eq!(database.agency_name(DEMO_AGENCY).await.unwrap(), None);
    }

    // --force seeds it anyway.
    let (ok, out, err) = dvc(&["demo-seed", "--db", &used, "--force"], None);
    assert!(ok && out.contains("canbo.demo"), "{out}{err}");
    assert_eq!(officer_password_is_demo(&used).await, Some(true));
}
