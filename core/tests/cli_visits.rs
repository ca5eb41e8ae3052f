//! The `dvc visit` / `dvc report` contract, through the real binary: a volunteer visits a household
//! offline, ticks the six tasks per person, ends the visit with a follow-up, and the week's report
//! counts it (JSON and CSV, counts only). Bad input exits 2 with one line and changes nothing.
#![allow(clippy::unwrap_used)]

mod common;

use common::{bad_input, dvc, ok_json};

#[test]
fn a_visit_with_its_tasks_and_the_weeks_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = ok_json(d, &["person", "add", "--name", "Trần Thị Thử"]);
    let b = ok_json(d, &["person", "add", "--name", "Lê Văn Mẫu"]);
    let outsider = ok_json(d, &["person", "add", "--name", "Phạm Thị Khác"]);
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let outsider = outsider["id"].as_str().unwrap();
    let h = ok_json(d, &["household", "add", "--name", "Hộ Thử Nghiệm"]);
    let h = h["id"].as_str().unwrap();
    ok_json(d, &["household", "member", h, a, "--relation", "head"]);
    ok_json(d, &["household", "member", h, b, "--relation", "child"]);

    let v = ok_json(d, &["visit", "start", h, "--commune", "Phường Thử"]);
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["household_id"], h);
    assert_eq!(v["commune"], "Phường Thử");
    // Starting again while it is open is the same visit.
    assert_eq!(ok_json(d, &["visit", "start", h])["id"], id.as_str());

    ok_json(
        d,
        &[
            "visit",
            "task",
            &id,
            "vneid",
            "--person",
            a,
            "--outcome",
            "Đã kích hoạt VNeID mức 2",
        ],
    );
    ok_json(d, &["visit", "task", &id, "accounts", "--person", b]);
    ok_json(d, &["visit", "task", &id, "online_safety"]);
    // Ticking again replaces, never doubles.
    let v = ok_json(d, &["visit", "task", &id, "vneid", "--person", a]);
    assert_eq!(v["tasks"].as_array().unwrap().len(), 3, "{v}");
    // Undo.
    ok_json(d, &["visit", "task", &id, "cashless", "--person", b]);
    let v = ok_json(
        d,
        &["visit", "task", &id, "cashless", "--person", b, "--undo"],
    );
    assert_eq!(v["tasks"].as_array().unwrap().len(), 3, "{v}");

    // Bad input: one line, exit 2, nothing changed.
    for args in [
        vec!["visit", "task", id.as_str(), "vneid2"],
        vec!["visit", "task", id.as_str(), "vneid", "--person", outsider],
        vec!["visit", "task", "not-an-id", "vneid"],
        vec!["visit", "start", "00000000-0000-7000-8000-000000000000"],
        vec!["visit", "end", id.as_str(), "--follow-up", "2020-01-01"],
        vec!["visit", "end", id.as_str(), "--follow-up", "31/12/2099"],
        vec!["visit", "note", id.as_str(), "--follow-up", "2020-01-01"],
        vec!["report", "--period", "year"],
        vec!["report", "--at", "yesterday"],
    ] {
        bad_input(d, &args);
    }
    assert_eq!(
        ok_json(d, &["visit", "show", &id])["tasks"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Notes typed before the end are saved as they are (a killed app loses nothing) and the
    // end without new ones keeps them.
    let n = ok_json(
        d,
        &[
            "visit",
            "note",
            &id,
            "--notes",
            "Hẹn tuần sau hướng dẫn thanh toán.",
            "--follow-up",
            "2099-01-01",
        ],
    );
    assert_eq!(
        (n["ended_at"].is_null(), n["follow_up_on"].as_str()),
        (true, Some("2099-01-01"))
    );
    let v = ok_json(d, &["visit", "end", &id]);
    assert_eq!(v["notes"], "Hẹn tuần sau hướng dẫn thanh toán.");
    assert!(v["ended_at"].is_string());
    assert_eq!(v["follow_up_on"], "2099-01-01");
    // An ended visit takes no more ticks.
    bad_input(d, &["visit", "task", &id, "ecommerce"]);
    assert_eq!(ok_json(d, &["visit", "list"]).as_array().unwrap().len(), 1);

    let r = ok_json(d, &["report", "--period", "week"]);
    assert_eq!(r["visits"], 1, "{r}");
    assert_eq!(r["households_visited"], 1);
    assert_eq!(r["people_helped"], 2);
    assert_eq!(r["tasks"]["vneid"], 1);
    assert_eq!(r["tasks"]["accounts"], 1);
    assert_eq!(r["tasks"]["online_safety"], 1);
    assert_eq!(r["tasks"]["cashless"], 0);
    assert_eq!(r["accounts_created"], 1);
    assert_eq!(r["dossiers_filed"], 0);
    assert_eq!(r["follow_ups_open"], 1);
    // Counts only: no name in the report.
    let text = r.to_string();
    assert!(!text.contains("Thử") && !text.contains("Mẫu"), "{text}");
    // A month long past has nothing.
    let old = ok_json(
        d,
        &[
            "report",
            "--period",
            "month",
            "--at",
            "2020-05-15T00:00:00Z",
        ],
    );
    assert_eq!(old["visits"], 0);
    assert_eq!(old["from"], "2020-04-30T17:00:00Z");

    // CSV, for the commune's spreadsheet.
    let o = dvc(d, &["report", "--period", "week", "--csv"]);
    assert!(o.status.success());
    let csv = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "metric,key,value");
    assert!(lines.contains(&"visits,,1"), "{csv}");
    assert!(lines.contains(&"task,vneid,1"), "{csv}");
    assert!(lines.contains(&"follow_ups_open,,1"), "{csv}");

    // "Cần quay lại": due on its day, not the day before.
    assert_eq!(
        ok_json(d, &["visit", "due", "--on", "2098-12-31"]),
        serde_json::json!([])
    );
    let due = ok_json(d, &["visit", "due", "--on", "2099-01-01"]);
    assert_eq!(due.as_array().unwrap().len(), 1, "{due}");
    assert_eq!(
        (due[0]["visit_id"].as_str(), due[0]["household_id"].as_str()),
        (Some(id.as_str()), Some(h))
    );
    assert_eq!(
        ok_json(d, &["visit", "due"]),
        serde_json::json!([]),
        "not yet today"
    );
    for bad in ["01/01/2099", "2099-13-01", "soon"] {
        let line = bad_input(d, &["visit", "due", "--on", bad]);
        assert!(line.contains("--on"), "{line}");
    }

    // A new visit to the household closes the follow-up.
    ok_json(d, &["visit", "start", h]);
    assert_eq!(ok_json(d, &["report"])["follow_ups_open"], 0);
    assert_eq!(
        ok_json(d, &["visit", "due", "--on", "2099-01-01"]),
        serde_json::json!([])
    );
}

/// `dvc team list` and `dvc report --team|--campaign` as the demo team's leader against the demo
/// server; bad ids and distances are exit 2 before anything is asked.
#[test]
fn a_leader_reads_the_team_report() {
    let srv = common::DemoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Not signed in yet: exit 2, saying what to do.
    let o = dvc(d, &["team", "list"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("dvc login"));

    let (phone, password) = dvc_sync::seed::DEMO_VOLUNTEER;
    let o = common::dvc_stdin(
        d,
        &[
            "login",
            "--server",
            &srv.url(),
            "--phone",
            phone,
            "--password-stdin",
        ],
        Some(&format!("{password}\n")),
    );
    common::json_of(&o);

    let t = ok_json(d, &["team", "list"]);
    assert_eq!(t["teams"][0]["name"], dvc_sync::seed::DEMO_TEAM);
    assert_eq!(t["teams"][0]["i_lead"], true);
    assert_eq!(t["stale"], false);
    let team = t["teams"][0]["id"].as_str().unwrap();
    let campaign = t["campaigns"][0]["id"].as_str().unwrap();

    let r = ok_json(d, &["report", "--team", team, "--period", "month"]);
    assert_eq!(r["report"]["scope"], "team");
    assert_eq!(r["report"]["visits"], 0);
    assert!(r["report"]["tasks"].as_object().unwrap().len() == 6, "{r}");
    let r = ok_json(d, &["report", "--campaign", campaign]);
    assert_eq!(r["report"]["scope"], "campaign");
    let csv = dvc(d, &["report", "--team", team, "--back", "1", "--csv"]);
    assert!(csv.status.success());
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with("metric,key,value\nvisits,,0\n"), "{csv}");

    for args in [
        &["report", "--team", "a&b=c"][..],
        &["report", "--team", team, "--back", "25"],
        &["report", "--campaign", ""],
    ] {
        let line = bad_input(d, args);
        assert!(!line.is_empty(), "{args:?}");
    }
    // --back without --team, --team with --campaign: clap refuses (exit 2).
    for args in [
        &["report", "--back", "1"][..],
        &["report", "--team", team, "--campaign", campaign],
    ] {
        assert_eq!(dvc(d, args).status.code(), Some(2), "{args:?}");
    }

    // With the server gone, the kept answer and a line on stderr saying from when.
    let mut srv = srv;
    srv.stop();
    let o = dvc(d, &["report", "--team", team, "--period", "month"]);
    assert!(o.status.success(), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["stale"], true);
    assert!(String::from_utf8_lossy(&o.stderr).contains("Không kết nối được máy chủ"));
}
