//! Volunteer field work (issue 19): visits to households with the six tasks of the community
//! digital tech teams (Tổ công nghệ số cộng đồng), and the week/month report that adds them up.
//!
//! A visit belongs to a household; tasks are ticked per person met (or for the household), each
//! once per visit, with a short outcome; ending a visit keeps notes and a follow-up date. All of it
//! works offline, in the encrypted store. The report holds counts only — no name, no ID number.
//! Periods are calendar weeks (Monday) and months in Vietnam's time (UTC+7).

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::error::{CoreError, Result};
use crate::people::{new_id, parse_id};
use crate::validate;
use crate::Core;

pub use dvc_protocol::visits::{Period, Task};

/// A task by its name (`public_services`, `vneid`, …), or `visits.task_invalid`.
pub fn parse_task(s: &str) -> Result<Task> {
    Task::from_name(s).ok_or_else(|| {
        CoreError::invalid(
            "task",
            "task must be public_services, vneid, accounts, cashless, ecommerce or online_safety",
            "visits.task_invalid",
        )
    })
}

/// `week` or `month`, or `visits.period_invalid`.
pub fn parse_period(s: &str) -> Result<Period> {
    Period::from_name(s).ok_or_else(|| {
        CoreError::invalid(
            "period",
            "period must be week or month",
            "visits.period_invalid",
        )
    })
}

/// One task done during a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VisitTask {
    pub task: Task,
    /// The person helped; `None` for the household as a whole.
    pub person_id: Option<String>,
    pub outcome: Option<String>,
    pub at: String,
}

/// A visit to a household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Visit {
    pub id: String,
    pub household_id: String,
    pub commune: Option<String>,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub notes: Option<String>,
    /// `YYYY-MM-DD`.
    pub follow_up_on: Option<String>,
    pub tasks: Vec<VisitTask>,
}

/// "Cần quay lại": a household whose latest visit ended with a follow-up date that has come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FollowUp {
    pub visit_id: String,
    pub household_id: String,
    pub household_name: String,
    pub household_address: Option<String>,
    /// `YYYY-MM-DD`.
    pub follow_up_on: String,
    /// When that visit ended (RFC 3339 UTC).
    pub ended_at: String,
}

/// What a volunteer did in a period, in counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Report {
    pub period: Period,
    /// Start (inclusive) and end (exclusive), RFC 3339 UTC.
    pub from: String,
    pub to: String,
    pub visits: u32,
    pub households_visited: u32,
    /// Different people a task was done for.
    pub people_helped: u32,
    /// Times each task was done (every task present, 0 when none).
    pub tasks: BTreeMap<String, u32>,
    /// Accounts created (the `accounts` task).
    pub accounts_created: u32,
    /// Dossiers the agency received in the period, by catalog procedure and by their state now.
    pub dossiers_filed: u32,
    pub dossiers_by_procedure: BTreeMap<String, u32>,
    pub dossiers_by_state: BTreeMap<String, u32>,
    /// Visits with a follow-up date and no later visit to that household yet.
    pub follow_ups_open: u32,
}

impl Report {
    /// A file name for the CSV: `bao-cao-tuan-YYYY-MM-DD.csv` (the Monday) or
    /// `bao-cao-thang-YYYY-MM.csv`, the period's start in Vietnam's time.
    pub fn file_name(&self) -> String {
        let start = OffsetDateTime::parse(&self.from, &Rfc3339)
            .map(|t| dvc_protocol::rules::vietnam_date(t).to_string())
            .unwrap_or_default();
        match self.period {
            Period::Week if start.len() == 10 => format!("bao-cao-tuan-{start}.csv"),
            Period::Month if start.len() == 10 => format!("bao-cao-thang-{}.csv", &start[..7]),
            Period::Week => "bao-cao-tuan.csv".into(),
            Period::Month => "bao-cao-thang.csv".into(),
        }
    }

    /// The report as CSV: `metric,key,value`, one line per number.
    pub fn to_csv(&self) -> String {
        // The server's report of one volunteer has the same lines: one writer, in the protocol.
        dvc_protocol::visits::VisitReport {
            scope: dvc_protocol::visits::ReportScope::Volunteer,
            scope_id: None,
            scope_name: None,
            from: self.from.clone(),
            to: self.to.clone(),
            visits: self.visits,
            households_visited: self.households_visited,
            people_helped: self.people_helped,
            tasks: self.tasks.clone(),
            accounts_created: self.accounts_created,
            dossiers_filed: self.dossiers_filed,
            dossiers_by_procedure: self.dossiers_by_procedure.clone(),
            dossiers_by_state: self.dossiers_by_state.clone(),
            follow_ups_open: self.follow_ups_open,
            volunteers: vec![],
            targets: None,
        }
        .to_csv()
    }
}

/// The period containing `now`: [start, now + 1 ns), start at 00:00 in Vietnam on Monday or on
/// the 1st (the protocol's rule, shared with the server's reports).
pub use dvc_protocol::visits::period_bounds;

/// Today's date in Vietnam.
pub fn today() -> Date {
    dvc_protocol::rules::vietnam_today()
}

fn rfc3339(t: OffsetDateTime) -> Result<String> {
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| CoreError::invalid("time", format!("format: {e}"), "errors.internal"))
}

fn now() -> String {
    crate::dossier::now()
}

/// A visit takes ticks and its end only while it is open.
fn still_open(v: &Visit) -> Result<()> {
    if v.ended_at.is_some() {
        return Err(CoreError::invalid(
            "visit",
            "the visit has ended",
            "visits.ended",
        ));
    }
    Ok(())
}

fn load(c: &Connection, id: &str) -> Result<Visit> {
    let mut v = c
        .query_row(
            "SELECT id, household_id, commune, started_at, ended_at, notes, follow_up_on
             FROM visits WHERE id = ?1",
            [id],
            |r| {
                Ok(Visit {
                    id: r.get(0)?,
                    household_id: r.get(1)?,
                    commune: r.get(2)?,
                    started_at: r.get(3)?,
                    ended_at: r.get(4)?,
                    notes: r.get(5)?,
                    follow_up_on: r.get(6)?,
                    tasks: vec![],
                })
            },
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            what: "visit".into(),
        })?;
    let mut st = c.prepare(
        "SELECT task, person_id, outcome, at FROM visit_tasks WHERE visit_id = ?1
         ORDER BY at, task",
    )?;
    let rows = st.query_map([id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (task, person_id, outcome, at) = row?;
        // The CHECK constraint keeps only the six names.
        if let Ok(task) = parse_task(&task) {
            v.tasks.push(VisitTask {
                task,
                person_id,
                outcome,
                at,
            });
        }
    }
    Ok(v)
}

/// An ended visit as the server takes it (protocol 1.2): no notes, no outcomes, no names — the
/// household and the people are this phone's random ids.
fn upload_of(v: &Visit) -> Option<dvc_protocol::visits::VisitUpload> {
    let ended_at = v.ended_at.clone()?;
    Some(dvc_protocol::visits::VisitUpload {
        household_id: v.household_id.clone(),
        commune: v.commune.clone(),
        started_at: v.started_at.clone(),
        ended_at,
        follow_up_on: v.follow_up_on.clone(),
        tasks: v
            .tasks
            .iter()
            .map(|t| dvc_protocol::visits::VisitTaskItem {
                task: t.task,
                person_id: t.person_id.clone(),
            })
            .collect(),
    })
}

/// An ended visit waiting to be sent: its id, the JSON body and the body's SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingVisit {
    pub id: String,
    pub body: String,
    pub sha256: String,
}

/// Ended visits not yet taken (or refused) by the server under any account, oldest first.
///
/// A visit is sent once: after its end nothing on the phone adds to it, and what deletion takes
/// away later (a person's data leaving the phone after hand-off or retention) must not take the
/// visit out of the team's counts, so a sent visit is never sent again.
pub fn pending_uploads(c: &Connection) -> Result<Vec<PendingVisit>> {
    use sha2::{Digest, Sha256};
    let ids: Vec<String> = {
        let mut st = c.prepare(
            "SELECT v.id FROM visits v WHERE v.ended_at IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM visit_sync s WHERE s.visit_id = v.id)
             ORDER BY v.started_at, v.id",
        )?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::new();
    for id in ids {
        let v = load(c, &id)?;
        let Some(up) = upload_of(&v) else { continue };
        let body = serde_json::to_string(&up)
            .map_err(|e| CoreError::invalid("visit", format!("encode: {e}"), "errors.internal"))?;
        let sha256 = hex::encode(Sha256::digest(body.as_bytes()));
        out.push(PendingVisit { id, body, sha256 });
    }
    Ok(out)
}

/// Records that `sha256` of the visit was taken by the server (or refused, with its reason).
pub fn mark_sent(
    c: &Connection,
    visit_id: &str,
    account_id: &str,
    sha256: &str,
    refused: Option<&str>,
) -> Result<()> {
    c.execute(
        "INSERT INTO visit_sync (visit_id, account_id, body_sha256, refused, at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (visit_id) DO UPDATE SET account_id = excluded.account_id,
           body_sha256 = excluded.body_sha256, refused = excluded.refused, at = excluded.at",
        params![visit_id, account_id, sha256, refused, now()],
    )?;
    Ok(())
}

impl Core {
    /// "Bắt đầu thăm hộ": a new visit to the household, or the one already open there.
    pub fn visit_start(&self, household_id: &str, commune: Option<&str>) -> Result<Visit> {
        let hid = parse_id(household_id, "household")?;
        let commune = commune
            .map(|c| validate::text(c, "commune", 100).map_err(|e| e.for_field("commune")))
            .transpose()?
            .filter(|c| !c.is_empty());
        let ts = now();
        let id = self.store().write(|tx| -> Result<String> {
            let exists: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM households WHERE id = ?1)",
                [&hid],
                |r| r.get(0),
            )?;
            if !exists {
                return Err(CoreError::NotFound {
                    what: "household".into(),
                });
            }
            let open: Option<String> = tx
                .query_row(
                    "SELECT id FROM visits WHERE household_id = ?1 AND ended_at IS NULL
                     ORDER BY started_at DESC LIMIT 1",
                    [&hid],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(open) = open {
                return Ok(open);
            }
            let id = new_id();
            tx.execute(
                "INSERT INTO visits (id, household_id, commune, started_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![id, hid, commune, ts],
            )?;
            Ok(id)
        })?;
        tracing::info!(visit_id = %id, "visit started");
        self.visit(&id)
    }

    pub fn visit(&self, id: &str) -> Result<Visit> {
        let id = parse_id(id, "visit")?;
        self.store().read(|c| load(c, &id))
    }

    /// Ticks a task for a person of the household (or the household when `person` is `None`),
    /// with a short outcome; ticking it again replaces the outcome. `undo` removes the tick.
    pub fn visit_task(
        &self,
        visit_id: &str,
        task: Task,
        person: Option<&str>,
        outcome: Option<&str>,
        undo: bool,
    ) -> Result<Visit> {
        let vid = parse_id(visit_id, "visit")?;
        let person = person.map(|p| parse_id(p, "person")).transpose()?;
        let outcome = outcome
            .map(|o| validate::text(o, "outcome", 200).map_err(|e| e.for_field("outcome")))
            .transpose()?
            .filter(|o| !o.is_empty());
        let ts = now();
        self.store().write(|tx| -> Result<()> {
            let v = load(tx, &vid)?;
            still_open(&v)?;
            if let Some(p) = &person {
                let member: bool = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM household_members
                       WHERE household_id = ?1 AND person_id = ?2)",
                    params![v.household_id, p],
                    |r| r.get(0),
                )?;
                if !member {
                    return Err(CoreError::invalid(
                        "person",
                        "the person is not a member of the visited household",
                        "visits.not_member",
                    ));
                }
            }
            tx.execute(
                "DELETE FROM visit_tasks WHERE visit_id = ?1 AND task = ?2
                   AND ifnull(person_id, '') = ifnull(?3, '')",
                params![vid, task.as_str(), person],
            )?;
            if !undo {
                tx.execute(
                    "INSERT INTO visit_tasks (visit_id, task, person_id, outcome, at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![vid, task.as_str(), person, outcome, ts],
                )?;
            }
            tx.execute(
                "UPDATE visits SET updated_at = ?2 WHERE id = ?1",
                params![vid, ts],
            )?;
            Ok(())
        })?;
        self.visit(&vid)
    }

    /// Saves the notes and the follow-up date of an open visit as they are typed, so a phone
    /// that kills the app loses nothing; [`Core::visit_end`] takes them as they stand (or
    /// new ones). Same rules as at the end.
    pub fn visit_note(
        &self,
        visit_id: &str,
        notes: Option<&str>,
        follow_up_on: Option<&str>,
    ) -> Result<Visit> {
        let vid = parse_id(visit_id, "visit")?;
        let (notes, follow) = checked_notes(notes, follow_up_on)?;
        self.store().write(|tx| -> Result<()> {
            let v = load(tx, &vid)?;
            still_open(&v)?;
            tx.execute(
                "UPDATE visits SET notes = ?2, follow_up_on = ?3, updated_at = ?4 WHERE id = ?1",
                params![vid, notes, follow, now()],
            )?;
            Ok(())
        })?;
        tracing::debug!(visit_id = %vid, "visit notes saved");
        self.visit(&vid)
    }

    /// Ends a visit with notes and, if one is planned, the follow-up date (not in the past). A
    /// `None` keeps what [`Core::visit_note`] saved.
    pub fn visit_end(
        &self,
        visit_id: &str,
        notes: Option<&str>,
        follow_up_on: Option<&str>,
    ) -> Result<Visit> {
        let vid = parse_id(visit_id, "visit")?;
        let (notes, follow) = checked_notes(notes, follow_up_on)?;
        let ts = now();
        self.store().write(|tx| -> Result<()> {
            let v = load(tx, &vid)?;
            still_open(&v)?;
            tx.execute(
                "UPDATE visits SET ended_at = ?2, notes = coalesce(?3, notes),
                        follow_up_on = coalesce(?4, follow_up_on), updated_at = ?2
                 WHERE id = ?1",
                params![vid, ts, notes, follow],
            )?;
            Ok(())
        })?;
        tracing::info!(visit_id = %vid, "visit ended");
        self.visit(&vid)
    }

    /// Visits, newest first: all, or a household's.
    pub fn visit_list(&self, household: Option<&str>) -> Result<Vec<Visit>> {
        let hid = household.map(|h| parse_id(h, "household")).transpose()?;
        self.store().read(|c| -> Result<Vec<Visit>> {
            let ids: Vec<String> = {
                let mut st = c.prepare(
                    "SELECT id FROM visits WHERE ?1 IS NULL OR household_id = ?1
                     ORDER BY started_at DESC, id DESC",
                )?;
                let rows = st.query_map([&hid], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            ids.iter().map(|id| load(c, id)).collect()
        })
    }

    /// "Cần quay lại" on `today`: each household whose latest visit has ended with a follow-up
    /// date on or before `today` (a later visit, even one still open, answers the follow-up).
    /// Newest follow-up date first, then the newest visit.
    pub fn follow_ups_due(&self, today: Date) -> Result<Vec<FollowUp>> {
        let today = today.to_string();
        self.store().read(|c| -> Result<Vec<FollowUp>> {
            let mut st = c.prepare(
                "SELECT v.id, v.household_id, h.name, h.address, v.follow_up_on, v.ended_at
                 FROM visits v JOIN households h ON h.id = v.household_id
                 WHERE v.ended_at IS NOT NULL AND v.follow_up_on IS NOT NULL
                   AND v.follow_up_on <= ?1
                   AND NOT EXISTS (SELECT 1 FROM visits w WHERE w.household_id = v.household_id
                                   AND (w.started_at > v.started_at
                                        OR (w.started_at = v.started_at AND w.id > v.id)))
                 ORDER BY v.follow_up_on DESC, v.started_at DESC, v.id DESC",
            )?;
            let rows = st.query_map([&today], |r| {
                Ok(FollowUp {
                    visit_id: r.get(0)?,
                    household_id: r.get(1)?,
                    household_name: r.get(2)?,
                    household_address: r.get(3)?,
                    follow_up_on: r.get(4)?,
                    ended_at: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// The volunteer's report for the period containing `now` (counts only).
    pub fn report_at(&self, period: Period, now: OffsetDateTime) -> Result<Report> {
        let (from, to) = period_bounds(period, now);
        let (from, to) = (rfc3339(from)?, rfc3339(to)?);
        self.store().read(|c| -> Result<Report> {
            let one = |sql: &str| -> Result<u32> {
                Ok(c.query_row(sql, params![from, to], |r| r.get::<_, u32>(0))?)
            };
            let in_period = "v.started_at >= ?1 AND v.started_at < ?2";
            let visits = one(&format!("SELECT count(*) FROM visits v WHERE {in_period}"))?;
            let households_visited = one(&format!(
                "SELECT count(DISTINCT household_id) FROM visits v WHERE {in_period}"
            ))?;
            let people_helped = one(&format!(
                "SELECT count(DISTINCT t.person_id) FROM visit_tasks t
                 JOIN visits v ON v.id = t.visit_id WHERE {in_period}"
            ))?;
            let mut tasks: BTreeMap<String, u32> = Task::ALL
                .iter()
                .map(|t| (t.as_str().to_string(), 0))
                .collect();
            {
                let mut st = c.prepare(&format!(
                    "SELECT t.task, count(*) FROM visit_tasks t JOIN visits v ON v.id = t.visit_id
                     WHERE {in_period} GROUP BY t.task"
                ))?;
                let rows =
                    st.query_map(params![from, to], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
                for row in rows {
                    let (k, n) = row?;
                    tasks.insert(k, n);
                }
            }
            let accounts_created = tasks.get("accounts").copied().unwrap_or(0);
            let grouped = |col: &str| -> Result<BTreeMap<String, u32>> {
                let mut st = c.prepare(&format!(
                    "SELECT {col}, count(*) FROM dossier_remote r JOIN dossiers d ON d.id = r.dossier_id
                     WHERE r.received_at >= ?1 AND r.received_at < ?2 GROUP BY {col}"
                ))?;
                let rows =
                    st.query_map(params![from, to], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            };
            let dossiers_by_procedure = grouped("d.procedure_id")?;
            let dossiers_by_state = grouped("r.state")?;
            let dossiers_filed = dossiers_by_state.values().sum();
            let follow_ups_open = c.query_row(
                "SELECT count(*) FROM visits v WHERE v.follow_up_on IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM visits w WHERE w.household_id = v.household_id
                                   AND w.started_at > v.started_at)",
                [],
                |r| r.get::<_, u32>(0),
            )?;
            Ok(Report {
                period,
                from: from.clone(),
                to: to.clone(),
                visits,
                households_visited,
                people_helped,
                tasks,
                accounts_created,
                dossiers_filed,
                dossiers_by_procedure,
                dossiers_by_state,
                follow_ups_open,
            })
        })
    }

    /// [`Core::report_at`] now.
    pub fn report(&self, period: Period) -> Result<Report> {
        self.report_at(period, OffsetDateTime::now_utc())
    }
}

/// A visit's notes (at most 2000 characters; blank is none) and follow-up date (`YYYY-MM-DD`,
/// not before today in Vietnam), checked.
fn checked_notes(
    notes: Option<&str>,
    follow_up_on: Option<&str>,
) -> Result<(Option<String>, Option<String>)> {
    let notes = notes
        .map(|n| validate::text(n, "notes", 2000).map_err(|e| e.for_field("notes")))
        .transpose()?
        .filter(|n| !n.is_empty());
    let follow = match follow_up_on.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            let d = Date::parse(s, &fmt).map_err(|_| {
                CoreError::invalid(
                    "follow_up_on",
                    "the follow-up date is YYYY-MM-DD",
                    "visits.follow_up_invalid",
                )
            })?;
            if d < today() {
                return Err(CoreError::invalid(
                    "follow_up_on",
                    "the follow-up date is in the past",
                    "visits.follow_up_past",
                ));
            }
            Some(d.to_string())
        }
    };
    Ok((notes, follow))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tasks_and_periods_parse_only_their_names() {
        for t in Task::ALL {
            assert_eq!(parse_task(t.as_str()).unwrap(), t);
        }
        assert!(parse_task("vneid2").is_err());
        assert!(parse_task("").is_err());
        assert!(parse_period("year").is_err());
    }

    fn core() -> (tempfile::TempDir, Core) {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open_with(
            dir.path().into(),
            Box::new(crate::secrets::MemorySecrets::default()),
        )
        .unwrap();
        (dir, core)
    }

    /// A visit to `household` started at `started`, ended with `follow_up` (set directly: the
    /// app refuses past dates, and these tests need them).
    fn ended_visit(core: &Core, household: &str, started: &str, follow_up: Option<&str>) -> String {
        let v = core.visit_start(household, None).unwrap();
        core.visit_end(&v.id, None, None).unwrap();
        core.store()
            .write(|tx| -> Result<()> {
                tx.execute(
                    "UPDATE visits SET started_at = ?2, follow_up_on = ?3 WHERE id = ?1",
                    params![v.id, started, follow_up],
                )?;
                Ok(())
            })
            .unwrap();
        v.id
    }

    #[test]
    fn follow_ups_due_are_the_households_whose_latest_visit_asked_for_one() {
        let (_d, core) = core();
        let a = core
            .add_household("Hộ bà An", Some("Số 1 Ngõ Thử"))
            .unwrap();
        let b = core.add_household("Hộ ông Bình", None).unwrap();
        let c = core.add_household("Hộ chị Chi", None).unwrap();
        let e = core.add_household("Hộ anh Em", None).unwrap();
        let day = |s: &str| {
            Date::parse(
                s,
                &time::macros::format_description!("[year]-[month]-[day]"),
            )
            .unwrap()
        };
        // A: due on the 10th. B: due on the 12th. C: due on the 20th (not yet on the 15th).
        let va = ended_visit(&core, &a.id, "2026-12-01T02:00:00Z", Some("2026-12-10"));
        let vb = ended_visit(&core, &b.id, "2026-12-02T02:00:00Z", Some("2026-12-12"));
        ended_visit(&core, &c.id, "2026-12-03T02:00:00Z", Some("2026-12-20"));
        // E: an older visit asked for a follow-up, a later one did not: answered.
        ended_visit(&core, &e.id, "2026-11-01T02:00:00Z", Some("2026-11-05"));
        ended_visit(&core, &e.id, "2026-11-06T02:00:00Z", None);

        let due = core.follow_ups_due(day("2026-12-15")).unwrap();
        let ids: Vec<&str> = due.iter().map(|f| f.visit_id.as_str()).collect();
        assert_eq!(ids, [vb.as_str(), va.as_str()], "newest first: {due:?}");
        assert_eq!(due[1].household_name, "Hộ bà An");
        assert_eq!(due[1].household_address.as_deref(), Some("Số 1 Ngõ Thử"));
        assert_eq!(due[1].follow_up_on, "2026-12-10");
        // On the day itself it is due; the day before, not.
        assert_eq!(core.follow_ups_due(day("2026-12-10")).unwrap().len(), 1);
        assert!(core.follow_ups_due(day("2026-12-09")).unwrap().is_empty());
        // Going back (a visit started, even not ended yet) answers it.
        core.visit_start(&a.id, None).unwrap();
        let due = core.follow_ups_due(day("2026-12-31")).unwrap();
        let names: Vec<&str> = due.iter().map(|f| f.household_name.as_str()).collect();
        assert_eq!(names, ["Hộ chị Chi", "Hộ ông Bình"]);
    }

    #[test]
    fn a_tick_can_be_undone_and_an_ended_visit_takes_no_more() {
        let (_d, core) = core();
        let h = core.add_household("Hộ Thử", None).unwrap();
        let v = core.visit_start(&h.id, None).unwrap();
        let v = core
            .visit_task(&v.id, Task::Cashless, None, Some("Đã cài ví"), false)
            .unwrap();
        assert_eq!(v.tasks.len(), 1);
        assert_eq!(v.tasks[0].outcome.as_deref(), Some("Đã cài ví"));
        let v = core
            .visit_task(&v.id, Task::Cashless, None, None, true)
            .unwrap();
        assert!(v.tasks.is_empty());
        let tomorrow = (today() + time::Duration::days(1)).to_string();
        let v = core
            .visit_end(&v.id, Some("Hẹn tuần sau"), Some(&tomorrow))
            .unwrap();
        assert_eq!(v.follow_up_on.as_deref(), Some(tomorrow.as_str()));
        let e = core
            .visit_task(&v.id, Task::Vneid, None, None, false)
            .unwrap_err();
        assert_eq!(e.message_key(), "visits.ended");
    }

    #[test]
    fn notes_typed_before_the_end_are_kept_and_checked() {
        let (_d, core) = core();
        let h = core.add_household("Hộ Thử", None).unwrap();
        let v = core.visit_start(&h.id, None).unwrap();
        let tomorrow = (today() + time::Duration::days(1)).to_string();
        let saved = core
            .visit_note(&v.id, Some("Đang hướng dẫn cài VNeID"), Some(&tomorrow))
            .unwrap();
        assert_eq!(saved.notes.as_deref(), Some("Đang hướng dẫn cài VNeID"));
        assert!(
            saved.ended_at.is_none(),
            "saving notes does not end the visit"
        );
        // Read back as a restarted app would.
        let again = core.visit(&v.id).unwrap();
        assert_eq!(again.follow_up_on.as_deref(), Some(tomorrow.as_str()));
        // A bad date changes nothing.
        let yesterday = (today() - time::Duration::days(1)).to_string();
        for (bad, key) in [
            ("31/12/2099", "visits.follow_up_invalid"),
            (yesterday.as_str(), "visits.follow_up_past"),
        ] {
            let e = core.visit_note(&v.id, Some("x"), Some(bad)).unwrap_err();
            assert_eq!(e.message_key(), key);
        }
        assert_eq!(core.visit(&v.id).unwrap(), again);
        let long = "a".repeat(2001);
        assert!(core.visit_note(&v.id, Some(&long), None).is_err());
        // Ending without new notes keeps the saved ones.
        let ended = core.visit_end(&v.id, None, None).unwrap();
        assert_eq!(ended.notes.as_deref(), Some("Đang hướng dẫn cài VNeID"));
        assert_eq!(ended.follow_up_on.as_deref(), Some(tomorrow.as_str()));
        let e = core.visit_note(&v.id, Some("muộn"), None).unwrap_err();
        assert_eq!(e.message_key(), "visits.ended");
    }

    #[test]
    fn report_file_names_start_on_the_periods_first_day_in_vietnam() {
        let (_d, core) = core();
        let week = core
            .report_at(Period::Week, time::macros::datetime!(2026-12-06 20:00 UTC))
            .unwrap();
        assert_eq!(week.file_name(), "bao-cao-tuan-2026-12-07.csv");
        let month = core
            .report_at(Period::Month, time::macros::datetime!(2026-11-30 18:00 UTC))
            .unwrap();
        assert_eq!(month.file_name(), "bao-cao-thang-2026-12.csv");
    }
}
