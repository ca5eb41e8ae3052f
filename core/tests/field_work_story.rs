//! Issue 19, the headless story: a volunteer visits a household with no signal, files two
//! dossiers for its people and ends the visit; once a connection appears one sync pass sends the
//! dossiers and the visit (once: the next pass sends nothing again); the team leader's report on
//! the server counts them, and the agency's officer reads the same numbers in the console —
//! then the head of the household gets their papers and dossiers on their own phone (hand-off to
//! a second data dir), the volunteer deletes them, and the volunteer's data dir holds nothing of
//! that person while the team's counts stay — against the real dvc-sync (in this process, SQLite
//! in a temp dir, demo accounts and team).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use dvc_core::people::Relation;
use dvc_core::secrets::KeystoreKind;
use dvc_core::sync::db as syncdb;
use dvc_core::sync::team::TeamScope;
use dvc_core::test_support::{
    applicant, files_containing, rows_containing, ReadyPassport, ID_NUMBER, NAME,
};
use dvc_core::visits::{Period, Task};
use dvc_core::{Core, OpenOptions};
use dvc_sync::seed::{DEMO_AGENCY, DEMO_TEAM, DEMO_VOLUNTEER};
use dvc_sync::test_support::{login_token, Console};
use serde_json::Value;

fn open(dir: &Path) -> Core {
    let core = Core::open(&OpenOptions {
        data_dir: dir.to_path_buf(),
        keystore: KeystoreKind::File,
    })
    .unwrap();
    syncdb::set(core.store(), "agency_code", DEMO_AGENCY).unwrap();
    core
}

async fn get(http: &reqwest::Client, url: String, token: &str) -> Value {
    let res = http.get(url).bearer_auth(token).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_offline_reaches_the_team_report_once() {
    let sdir = tempfile::tempdir().unwrap();
    let srv = dvc_sync::test_support::demo_server(sdir.path(), true).await;
    let url = srv.url();

    // No signal: the household, its two people, the visit and two dossiers, all on the phone.
    let vdir = tempfile::tempdir().unwrap();
    let vol = open(vdir.path());
    let head = vol.add_person(&applicant()).unwrap().id;
    let mut second = applicant();
    second.full_name = "Lê Văn Thử".into();
    second.id_number = None;
    second.phone = None;
    let child = vol.add_person(&second).unwrap().id;
    let hh = vol.add_household("Hộ Thử Nghiệm", None).unwrap().id;
    vol.set_household_member(&hh, &head, Relation::Head)
        .unwrap();
    vol.set_household_member(&hh, &child, Relation::Child)
        .unwrap();
    let visit = vol.visit_start(&hh, Some("Phường Thử Nghiệm")).unwrap();
    vol.visit_task(
        &visit.id,
        Task::Vneid,
        Some(&head),
        Some("Đã kích hoạt mức 2"),
        false,
    )
    .unwrap();
    vol.visit_task(&visit.id, Task::Accounts, Some(&child), None, false)
        .unwrap();
    vol.visit_task(&visit.id, Task::PublicServices, Some(&head), None, false)
        .unwrap();
    for _ in 0..2 {
        ReadyPassport::new().person(&head).queue(&vol).unwrap();
    }
    let follow = (dvc_protocol::rules::vietnam_today() + time::Duration::days(7)).to_string();
    vol.visit_end(&visit.id, Some("Hẹn quay lại"), Some(&follow))
        .unwrap();

    // A connection: one pass sends both dossiers and the visit.
    vol.sync_login(&url, DEMO_VOLUNTEER.0, DEMO_VOLUNTEER.1, None)
        .await
        .unwrap();
    let cfg = dvc_core::test_support::quick_sync_config();
    let first = vol.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(first.sent.len(), 2, "{first:?}");
    assert_eq!(
        (first.visits_sent, first.visits_pending),
        (1, 0),
        "{first:?}"
    );
    let again = vol.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(
        (again.visits_sent, again.visits_pending),
        (0, 0),
        "sent once"
    );

    // The leader (the demo volunteer leads the demo team) reads the team's week on the phone.
    let http = reqwest::Client::new();
    let token = login_token(&http, &url, DEMO_VOLUNTEER.0, DEMO_VOLUNTEER.1).await;
    let teams = vol.team_list().await.unwrap();
    assert_eq!(teams.teams[0].name, DEMO_TEAM);
    assert!(teams.teams[0].i_lead);
    let team = teams.teams[0].id.clone();
    let week = TeamScope::Team {
        id: team.clone(),
        period: Period::Week,
        back: 0,
    };
    let r = serde_json::to_value(vol.team_report(&week).await.unwrap().report).unwrap();
    assert_eq!(r["visits"], 1, "{r}");
    assert_eq!(r["households_visited"], 1);
    assert_eq!(r["people_helped"], 2);
    assert_eq!(r["tasks"]["vneid"], 1);
    assert_eq!(r["accounts_created"], 1);
    assert_eq!(r["dossiers_filed"], 2);
    assert_eq!(r["follow_ups_open"], 1);
    let text = r.to_string();
    for private in [
        hh.as_str(),
        head.as_str(),
        "Hẹn quay lại",
        "Đã kích hoạt",
        "Phường",
    ] {
        assert!(!text.contains(private), "{private} in the report");
    }
    // The campaign of this month counts the same visit.
    let campaign = teams.campaigns[0].id.as_str();
    let c = get(
        &http,
        format!("{url}/v1/reports?campaign={campaign}"),
        &token,
    )
    .await;
    assert_eq!(
        (c["visits"].as_u64(), c["dossiers_filed"].as_u64()),
        (Some(1), Some(2))
    );

    // The agency's officer sees the team in the console, and the CSV has the same numbers.
    let console = Console::demo_officer(&url).await;
    let (status, page) = console.page("/console/reports").await;
    assert_eq!(status, 200);
    assert!(page.contains(DEMO_TEAM), "{page}");
    let (status, csv) = console
        .page(&format!(
            "/console/reports/teams/{team}?period=week&format=csv"
        ))
        .await;
    assert_eq!(status, 200);
    assert!(
        csv.contains("visits,,1\n") && csv.contains("dossiers_filed,,2\n"),
        "{csv}"
    );

    // Hand-off: the head of the household's profile, papers and both dossiers go to their phone.
    let bundle = vol.handoff_export(&head).unwrap();
    let cdir = tempfile::tempdir().unwrap();
    let cit = open(cdir.path());
    let got = cit
        .handoff_import(&bundle.file, &bundle.summary.key)
        .unwrap();
    assert!(got.imported && !got.already_imported);
    assert_eq!(got.dossiers, 2);
    assert!(!rows_containing(&cit, ID_NUMBER).unwrap().is_empty());
    let replay = cit
        .handoff_import(&bundle.file, &bundle.summary.key)
        .unwrap();
    assert!(replay.already_imported && replay.dossiers == 0);
    // Confirmed on the volunteer's phone, then deleted there: nothing of them is left.
    vol.handoff_confirm(&head).unwrap();
    vol.delete_person(&head, true).unwrap();
    for needle in [ID_NUMBER, NAME] {
        assert_eq!(
            files_containing(vdir.path(), needle.as_bytes()).unwrap(),
            Vec::<String>::new(),
            "{needle} in plain text"
        );
        assert_eq!(
            rows_containing(&vol, needle).unwrap(),
            Vec::<String>::new(),
            "{needle} in the database"
        );
    }
    // The visit stays counted: it is not sent again, the report is unchanged.
    let after = vol.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!((after.visits_sent, after.visits_pending), (0, 0));
    let r2 = get(
        &http,
        format!("{url}/v1/reports?period=week&team={team}"),
        &token,
    )
    .await;
    assert_eq!(
        (&r2["visits"], &r2["people_helped"]),
        (&r["visits"], &r["people_helped"])
    );
}
