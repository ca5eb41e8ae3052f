//! Volunteers' field work (issue 19): what a visit sent by a phone must be, and how a report adds
//! visits, tasks and dossiers up. Pure functions: the API handlers in [`crate::api::visits`] read
//! the rows and write the answers.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use dvc_protocol::visits::{
    Task, VisitReport, VisitTaskItem, VisitUpload, VolunteerLine, MAX_COMMUNE_CHARS,
    MAX_VISIT_TASKS,
};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::db::{ReportRows, VisitRow, VisitTaskRow};

/// A field of a visit that is not acceptable, and why (for `400.2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field.
    pub field: &'static str,
    /// Why, in English.
    pub why: &'static str,
}

fn invalid(field: &'static str, why: &'static str) -> Invalid {
    Invalid { field, why }
}

/// A canonical lower-case hyphenated UUID, or `None`.
fn uuid(s: &str) -> Option<String> {
    uuid::Uuid::try_parse(s.trim())
        .ok()
        .map(|u| u.hyphenated().to_string())
}

/// Unix ms of an RFC 3339 time.
fn unix_ms(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Longest a visit may last.
const MAX_VISIT_MS: i64 = 7 * 24 * 3600 * 1000;
/// How far in the future a phone's clock may put a visit.
const CLOCK_SKEW_MS: i64 = 24 * 3600 * 1000;

/// Checks and normalises an uploaded visit of `volunteer_id` received at `now`: the row to store
/// (with the hash of its canonical body) and its task rows, each (task, person) once.
pub fn check_visit(
    visit_id: &str,
    volunteer_id: &str,
    body: &VisitUpload,
    now: i64,
) -> Result<(VisitRow, Vec<VisitTaskRow>), Invalid> {
    let id = uuid(visit_id).ok_or(invalid("visit_id", "a UUID"))?;
    let household_id = uuid(&body.household_id)
        .ok_or(invalid("household_id", "the phone's household id, a UUID"))?;
    let commune = match body.commune.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) if c.chars().count() > MAX_COMMUNE_CHARS || c.chars().any(char::is_control) => {
            return Err(invalid(
                "commune",
                "at most 100 characters, no control characters",
            ))
        }
        Some(c) => Some(c.to_owned()),
    };
    let started_at = unix_ms(&body.started_at).ok_or(invalid("started_at", "an RFC 3339 time"))?;
    let ended_at = unix_ms(&body.ended_at).ok_or(invalid("ended_at", "an RFC 3339 time"))?;
    if started_at > now + CLOCK_SKEW_MS {
        return Err(invalid("started_at", "not in the future"));
    }
    if ended_at < started_at || ended_at - started_at > MAX_VISIT_MS {
        return Err(invalid("ended_at", "after started_at, within 7 days"));
    }
    let follow_up_on = match body.follow_up_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            Date::parse(d, &fmt).map_err(|_| invalid("follow_up_on", "a date YYYY-MM-DD"))?;
            Some(d.to_owned())
        }
    };
    if body.tasks.len() > MAX_VISIT_TASKS {
        return Err(invalid("tasks", "at most 300 tasks"));
    }
    let mut tasks = BTreeSet::new();
    for t in &body.tasks {
        let person = match t.person_id.as_deref() {
            None => String::new(),
            Some(p) => uuid(p).ok_or(invalid("tasks", "person_id must be a UUID"))?,
        };
        tasks.insert((t.task, person));
    }
    // The canonical body: normalised fields, tasks sorted and once each.
    let canonical = VisitUpload {
        household_id: household_id.clone(),
        commune: commune.clone(),
        started_at: crate::domain::rfc3339(started_at),
        ended_at: crate::domain::rfc3339(ended_at),
        follow_up_on: follow_up_on.clone(),
        tasks: tasks
            .iter()
            .map(|(task, p)| VisitTaskItem {
                task: *task,
                person_id: (!p.is_empty()).then(|| p.clone()),
            })
            .collect(),
    };
    let body_sha256 = hex::encode(Sha256::digest(
        serde_json::to_vec(&canonical).unwrap_or_default(),
    ));
    let rows = tasks
        .into_iter()
        .map(|(task, person_id)| VisitTaskRow {
            visit_id: id.clone(),
            task: task.as_str().to_owned(),
            person_id,
        })
        .collect();
    Ok((
        VisitRow {
            id,
            volunteer_id: volunteer_id.to_owned(),
            household_id,
            commune,
            started_at,
            ended_at,
            follow_up_on,
            body_sha256,
        },
        rows,
    ))
}

/// What a report covers, besides its rows.
#[derive(Debug, Clone)]
pub struct ReportFrame {
    /// Scope.
    pub scope: dvc_protocol::visits::ReportScope,
    /// Team or campaign id.
    pub scope_id: Option<String>,
    /// Team or campaign name.
    pub scope_name: Option<String>,
    /// Start (inclusive), Unix ms.
    pub from: i64,
    /// End (exclusive), Unix ms.
    pub to: i64,
    /// Team members `(account id, display name)` for the per-volunteer lines (empty: none).
    pub members: Vec<(String, Option<String>)>,
    /// Campaign targets.
    pub targets: Option<dvc_protocol::visits::Targets>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Adds the rows up. Visits count when they started in `[from, to)`; a follow-up is open while
/// no later visit (by anyone in scope) went back to that household; dossiers are those received
/// in the period, by procedure code and by their state now.
pub fn build_report(frame: ReportFrame, rows: &ReportRows) -> VisitReport {
    let in_period: Vec<&VisitRow> = rows
        .visits
        .iter()
        .filter(|v| v.started_at >= frame.from && v.started_at < frame.to)
        .collect();
    let period_ids: HashSet<&str> = in_period.iter().map(|v| v.id.as_str()).collect();
    let tasks: Vec<&VisitTaskRow> = rows
        .tasks
        .iter()
        .filter(|t| period_ids.contains(t.visit_id.as_str()))
        .collect();
    let mut by_task: BTreeMap<String, u32> = Task::ALL
        .iter()
        .map(|t| (t.as_str().to_owned(), 0))
        .collect();
    for t in &tasks {
        if let Some(n) = by_task.get_mut(&t.task) {
            *n += 1;
        }
    }
    let people_helped = tasks
        .iter()
        .filter(|t| !t.person_id.is_empty())
        .map(|t| t.person_id.as_str())
        .collect::<HashSet<_>>()
        .len();
    let households = |vs: &mut dyn Iterator<Item = &&VisitRow>| {
        vs.map(|v| v.household_id.as_str())
            .collect::<HashSet<_>>()
            .len()
    };
    let mut last_visit: HashMap<&str, i64> = HashMap::new();
    for v in &rows.visits {
        let e = last_visit
            .entry(v.household_id.as_str())
            .or_insert(i64::MIN);
        *e = (*e).max(v.started_at);
    }
    let follow_ups_open = in_period
        .iter()
        .filter(|v| {
            v.follow_up_on.is_some()
                && last_visit
                    .get(v.household_id.as_str())
                    .is_none_or(|last| *last <= v.started_at)
        })
        .count();
    let mut dossiers_by_procedure = BTreeMap::new();
    let mut dossiers_by_state = BTreeMap::new();
    for (_, procedure, state) in &rows.dossiers {
        *dossiers_by_procedure.entry(procedure.clone()).or_insert(0) += 1;
        *dossiers_by_state.entry(state.clone()).or_insert(0) += 1;
    }
    let accounts_created = by_task.get(Task::Accounts.as_str()).copied().unwrap_or(0);
    let visit_owner: HashMap<&str, &str> = in_period
        .iter()
        .map(|v| (v.id.as_str(), v.volunteer_id.as_str()))
        .collect();
    let mut volunteers: Vec<VolunteerLine> = frame
        .members
        .iter()
        .map(|(id, name)| {
            let mine: Vec<&&VisitRow> =
                in_period.iter().filter(|v| v.volunteer_id == *id).collect();
            VolunteerLine {
                account_id: id.clone(),
                display_name: name.clone(),
                visits: count(mine.len()),
                households_visited: count(households(&mut mine.iter().copied())),
                dossiers_filed: count(rows.dossiers.iter().filter(|d| d.0 == *id).count()),
                accounts_created: count(
                    tasks
                        .iter()
                        .filter(|t| {
                            t.task == Task::Accounts.as_str()
                                && visit_owner.get(t.visit_id.as_str()) == Some(&id.as_str())
                        })
                        .count(),
                ),
            }
        })
        .collect();
    volunteers.sort_by(|a, b| {
        b.visits
            .cmp(&a.visits)
            .then_with(|| a.account_id.cmp(&b.account_id))
    });
    VisitReport {
        scope: frame.scope,
        scope_id: frame.scope_id,
        scope_name: frame.scope_name,
        from: crate::domain::rfc3339(frame.from),
        to: crate::domain::rfc3339(frame.to),
        visits: count(in_period.len()),
        households_visited: count(households(&mut in_period.iter())),
        people_helped: count(people_helped),
        tasks: by_task,
        accounts_created,
        dossiers_filed: count(rows.dossiers.len()),
        dossiers_by_procedure,
        dossiers_by_state,
        follow_ups_open: count(follow_ups_open),
        volunteers,
        targets: frame.targets,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use dvc_protocol::visits::ReportScope;
    use proptest::prelude::*;

    const NOW: i64 = 1_796_200_000_000; // 2026-12-01 15:06 UTC

    fn body() -> VisitUpload {
        VisitUpload {
            household_id: "0190a0b0-0000-7000-8000-000000000001".into(),
            commune: Some("  Phường Bến Thành ".into()),
            started_at: "2026-12-01T02:00:00Z".into(),
            ended_at: "2026-12-01T10:00:00+07:00".into(),
            follow_up_on: Some("2026-12-08".into()),
            tasks: vec![
                VisitTaskItem {
                    task: Task::Vneid,
                    person_id: Some("0190A0B0-0000-7000-8000-0000000000AA".into()),
                },
                VisitTaskItem {
                    task: Task::Vneid,
                    person_id: Some("0190a0b0-0000-7000-8000-0000000000aa".into()),
                },
                VisitTaskItem {
                    task: Task::Accounts,
                    person_id: None,
                },
            ],
        }
    }

    const ID: &str = "0190a0b0-0000-7000-8000-0000000000ff";

    #[test]
    fn a_visit_is_normalised_and_its_tasks_kept_once() {
        let (row, tasks) = check_visit(ID, "vol", &body(), NOW).unwrap();
        assert_eq!(row.commune.as_deref(), Some("Phường Bến Thành"));
        assert_eq!(row.ended_at - row.started_at, 3_600_000);
        assert_eq!(tasks.len(), 2, "{tasks:?}");
        assert!(tasks
            .iter()
            .any(|t| t.person_id.is_empty() && t.task == "accounts"));
        // The same visit written differently has the same hash; another task changes it.
        let mut b = body();
        b.tasks.reverse();
        b.commune = Some("Phường Bến Thành".into());
        b.ended_at = "2026-12-01T03:00:00.000Z".into();
        assert_eq!(
            check_visit(ID, "vol", &b, NOW).unwrap().0.body_sha256,
            row.body_sha256
        );
        b.tasks.push(VisitTaskItem {
            task: Task::Cashless,
            person_id: None,
        });
        assert_ne!(
            check_visit(ID, "vol", &b, NOW).unwrap().0.body_sha256,
            row.body_sha256
        );
    }

    #[test]
    fn a_bad_visit_names_its_field() {
        let field = |f: fn(&mut VisitUpload)| {
            let mut b = body();
            f(&mut b);
            check_visit(ID, "vol", &b, NOW).unwrap_err().field
        };
        assert_eq!(field(|b| b.household_id = "Nguyễn".into()), "household_id");
        assert_eq!(field(|b| b.commune = Some("x".repeat(101))), "commune");
        assert_eq!(field(|b| b.commune = Some("a\u{0}b".into())), "commune");
        assert_eq!(field(|b| b.started_at = "yesterday".into()), "started_at");
        assert_eq!(
            field(|b| b.started_at = "2099-01-01T00:00:00Z".into()),
            "started_at"
        );
        assert_eq!(
            field(|b| b.ended_at = "2026-11-30T00:00:00Z".into()),
            "ended_at"
        );
        assert_eq!(
            field(|b| b.follow_up_on = Some("08/12/2026".into())),
            "follow_up_on"
        );
        assert_eq!(
            field(|b| b.tasks[0].person_id = Some("012345678901".into())),
            "tasks"
        );
        assert_eq!(
            field(|b| b.tasks = vec![b.tasks[2].clone(); MAX_VISIT_TASKS + 1]),
            "tasks"
        );
        assert_eq!(
            check_visit("not-a-uuid", "vol", &body(), NOW)
                .unwrap_err()
                .field,
            "visit_id"
        );
    }

    fn frame(members: Vec<(String, Option<String>)>) -> ReportFrame {
        ReportFrame {
            scope: ReportScope::Team,
            scope_id: None,
            scope_name: None,
            from: 1000,
            to: 2000,
            members,
            targets: None,
        }
    }

    fn visit(id: &str, vol: &str, hh: &str, at: i64, follow: bool) -> VisitRow {
        VisitRow {
            id: id.into(),
            volunteer_id: vol.into(),
            household_id: hh.into(),
            commune: None,
            started_at: at,
            ended_at: at,
            follow_up_on: follow.then(|| "2026-12-31".into()),
            body_sha256: String::new(),
        }
    }

    fn task(visit: &str, task: &str, person: &str) -> VisitTaskRow {
        VisitTaskRow {
            visit_id: visit.into(),
            task: task.into(),
            person_id: person.into(),
        }
    }

    #[test]
    fn a_report_counts_the_period_and_closes_follow_ups_by_later_visits() {
        let rows = ReportRows {
            visits: vec![
                visit("v1", "a", "h1", 1100, true),
                visit("v2", "a", "h2", 1200, true),
                visit("v3", "b", "h1", 1500, false),
                visit("v4", "b", "h3", 2500, false), // after the period: closes nothing here
                visit("v5", "b", "h2", 2600, false), // after the period: closes h2's follow-up
            ],
            tasks: vec![
                task("v1", "vneid", "p1"),
                task("v1", "accounts", "p1"),
                task("v2", "accounts", "p2"),
                task("v3", "online_safety", ""),
            ],
            dossiers: vec![
                ("a".into(), "1.001".into(), "received".into()),
                ("a".into(), "1.001".into(), "completed".into()),
                ("b".into(), "2.002".into(), "received".into()),
            ],
        };
        let r = build_report(
            frame(vec![("a".into(), Some("An".into())), ("b".into(), None)]),
            &rows,
        );
        assert_eq!((r.visits, r.households_visited, r.people_helped), (3, 2, 2));
        assert_eq!(r.tasks["accounts"], 2);
        assert_eq!(r.tasks["cashless"], 0);
        assert_eq!(r.tasks.len(), 6);
        assert_eq!(r.accounts_created, 2);
        assert_eq!(
            r.follow_ups_open, 0,
            "h1 seen again by b, h2 again after the period"
        );
        assert_eq!(r.dossiers_filed, 3);
        assert_eq!(r.dossiers_by_procedure["1.001"], 2);
        assert_eq!(r.dossiers_by_state["received"], 2);
        assert_eq!(r.volunteers[0].account_id, "a");
        assert_eq!(
            (
                r.volunteers[0].visits,
                r.volunteers[0].households_visited,
                r.volunteers[0].dossiers_filed,
                r.volunteers[0].accounts_created
            ),
            (2, 2, 2, 2)
        );
        assert_eq!(
            (r.volunteers[1].visits, r.volunteers[1].accounts_created),
            (1, 0)
        );
        let mut open = rows.clone();
        open.visits.pop();
        assert_eq!(build_report(frame(vec![]), &open).follow_ups_open, 1);
    }

    proptest! {
        #[test]
        fn report_arithmetic_holds(
            visits in prop::collection::vec((0u8..4, 0u8..6, 500i64..2500, any::<bool>()), 0..40),
            tasks in prop::collection::vec((0usize..40, 0usize..6, 0u8..5), 0..80),
            dossiers in prop::collection::vec((0u8..4, 0u8..3, 0u8..3), 0..20),
        ) {
            let rows = ReportRows {
                visits: visits.iter().enumerate().map(|(i, (vol, hh, at, f))| {
                    visit(&format!("v{i}"), &format!("m{vol}"), &format!("h{hh}"), *at, *f)
                }).collect(),
                tasks: tasks.iter().filter(|(v, _, _)| *v < visits.len()).map(|(v, t, p)| {
                    task(&format!("v{v}"), Task::ALL[*t].as_str(), &if *p == 0 { String::new() } else { format!("p{p}") })
                }).collect::<BTreeSet<_>>().into_iter().collect(),
                dossiers: dossiers.iter().map(|(s, p, st)| (format!("m{s}"), format!("proc{p}"), format!("state{st}"))).collect(),
            };
            let members: Vec<(String, Option<String>)> = (0..4).map(|i| (format!("m{i}"), None)).collect();
            let r = build_report(frame(members), &rows);
            let in_period = rows.visits.iter().filter(|v| (1000..2000).contains(&v.started_at)).count();
            prop_assert_eq!(r.visits as usize, in_period);
            prop_assert!(r.households_visited <= r.visits);
            prop_assert!(r.follow_ups_open <= r.visits);
            prop_assert_eq!(r.volunteers.iter().map(|v| v.visits).sum::<u32>(), r.visits);
            prop_assert_eq!(r.volunteers.iter().map(|v| v.dossiers_filed).sum::<u32>(), r.dossiers_filed);
            prop_assert_eq!(r.volunteers.iter().map(|v| v.accounts_created).sum::<u32>(), r.accounts_created);
            prop_assert_eq!(r.dossiers_by_state.values().sum::<u32>(), r.dossiers_filed);
            prop_assert_eq!(r.dossiers_by_procedure.values().sum::<u32>(), r.dossiers_filed);
            let period_tasks = rows.tasks.iter().filter(|t| {
                rows.visits.iter().any(|v| v.id == t.visit_id && (1000..2000).contains(&v.started_at))
            }).count();
            prop_assert_eq!(r.tasks.values().sum::<u32>() as usize, period_tasks);
            prop_assert!(r.people_helped as usize <= period_tasks);
            prop_assert_eq!(r.accounts_created, r.tasks["accounts"]);
        }
    }
}
