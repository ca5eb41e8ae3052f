//! "Báo cáo của tổ" on the leader's phone (`core/src/sync/team.rs`) against the real dvc-sync
//! (in this process, SQLite in a temp dir, demo accounts and team): the leader reads the team's
//! week, an earlier week and the campaign; with the server gone the last answers come back marked
//! stale; a team the caller does not lead is a plain "only the leader" error; signing out forgets
//! what was kept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use dvc_core::secrets::KeystoreKind;
use dvc_core::sync::db as syncdb;
use dvc_core::sync::team::TeamScope;
use dvc_core::sync::SyncError;
use dvc_core::visits::{Period, Task};
use dvc_core::{Core, OpenOptions};
use dvc_sync::seed::{DEMO_AGENCY, DEMO_CITIZEN, DEMO_TEAM, DEMO_VOLUNTEER};

fn open(dir: &Path) -> Core {
    let core = Core::open(&OpenOptions {
        data_dir: dir.to_path_buf(),
        keystore: KeystoreKind::File,
    })
    .unwrap();
    syncdb::set(core.store(), "agency_code", DEMO_AGENCY).unwrap();
    core
}

fn kept_keys(core: &Core) -> usize {
    core.store()
        .read(|c| {
            c.query_row(
                "SELECT count(*) FROM sync_kv WHERE key LIKE 'team_cache:%'",
                [],
                |r| r.get::<_, i64>(0),
            )
        })
        .unwrap() as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_reads_the_team_online_and_offline() {
    let sdir = tempfile::tempdir().unwrap();
    let srv = dvc_sync::test_support::demo_server(sdir.path(), true).await;
    let url = srv.url();

    // Not signed in: nothing is asked.
    let dir = tempfile::tempdir().unwrap();
    let lead = open(dir.path());
    assert!(matches!(
        lead.team_list().await,
        Err(SyncError::NotSignedIn)
    ));

    // The leader visits a household this week and sends it.
    let hh = lead.add_household("Hộ Thử Nghiệm", None).unwrap().id;
    let visit = lead.visit_start(&hh, Some("Phường Thử Nghiệm")).unwrap();
    lead.visit_task(&visit.id, Task::Vneid, None, None, false)
        .unwrap();
    lead.visit_task(&visit.id, Task::Accounts, None, None, false)
        .unwrap();
    lead.visit_end(&visit.id, None, None).unwrap();
    lead.sync_login(&url, DEMO_VOLUNTEER.0, DEMO_VOLUNTEER.1, None)
        .await
        .unwrap();
    let cfg = dvc_core::test_support::quick_sync_config();
    let pass = lead.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(pass.visits_sent, 1, "{pass:?}");

    let teams = lead.team_list().await.unwrap();
    assert!(!teams.stale);
    assert_eq!(teams.teams.len(), 1, "{teams:?}");
    let team = &teams.teams[0];
    assert_eq!(team.name, DEMO_TEAM);
    assert!(team.i_lead, "the demo volunteer leads the demo team");
    assert!(team.members >= 1);
    assert!(!teams.campaigns.is_empty(), "the demo seed has a campaign");

    let week = TeamScope::Team {
        id: team.id.clone(),
        period: Period::Week,
        back: 0,
    };
    let r = lead.team_report(&week).await.unwrap();
    assert!(!r.stale);
    assert_eq!(r.report.scope_name.as_deref(), Some(DEMO_TEAM));
    assert_eq!(r.report.visits, 1, "{r:?}");
    assert_eq!(r.report.households_visited, 1);
    assert_eq!(r.report.tasks["vneid"], 1);
    assert_eq!(r.report.accounts_created, 1);
    assert_eq!(r.report.volunteers.len(), team.members as usize);
    assert!(!serde_json::to_string(&r).unwrap().contains(&hh));

    // Last week: this week's visit is not in it.
    let last = TeamScope::Team {
        id: team.id.clone(),
        period: Period::Week,
        back: 1,
    };
    let before = lead.team_report(&last).await.unwrap();
    assert_eq!(before.report.visits, 0, "{before:?}");
    assert!(before.report.to <= r.report.from, "{before:?} / {r:?}");

    let campaign = TeamScope::Campaign {
        id: teams.campaigns[0].id.clone(),
    };
    let c = lead.team_report(&campaign).await.unwrap();
    assert_eq!(c.report.visits, 1);
    assert!(c.report.targets.is_some());

    // A team this account does not lead (or that does not exist) says so plainly.
    let other = TeamScope::Team {
        id: uuid::Uuid::now_v7().to_string(),
        period: Period::Week,
        back: 0,
    };
    let e = lead.team_report(&other).await.unwrap_err();
    assert_eq!(e.message_key(), "team.error.not_leader", "{e:?}");
    assert!(e.is_bad_input());

    // The server is gone: the answers kept come back, marked stale; a question never asked
    // before is the network error.
    srv.shutdown().await.unwrap();
    let kept = lead.team_report(&week).await.unwrap();
    assert!(kept.stale);
    assert_eq!(kept.report, r.report);
    assert_eq!(kept.fetched_at, r.fetched_at);
    let kept_list = lead.team_list().await.unwrap();
    assert!(kept_list.stale);
    assert_eq!(kept_list.teams, teams.teams);
    let month = TeamScope::Team {
        id: team.id.clone(),
        period: Period::Month,
        back: 0,
    };
    assert!(matches!(
        lead.team_report(&month).await,
        Err(SyncError::Network(_))
    ));

    // Signing out forgets them.
    assert!(kept_keys(&lead) >= 4);
    lead.sync_logout(cfg.timeouts).await.unwrap();
    assert_eq!(kept_keys(&lead), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_has_no_team() {
    let sdir = tempfile::tempdir().unwrap();
    let srv = dvc_sync::test_support::demo_server(sdir.path(), true).await;
    let dir = tempfile::tempdir().unwrap();
    let cit = open(dir.path());
    cit.sync_login(&srv.url(), DEMO_CITIZEN.0, DEMO_CITIZEN.1, None)
        .await
        .unwrap();
    let e = cit.team_list().await.unwrap_err();
    assert!(
        matches!(&e, SyncError::Refused { code, .. } if code.starts_with("403")),
        "{e:?}"
    );
    assert_eq!(kept_keys(&cit), 0, "a refusal keeps nothing");
}
