//! `dvc visit start|task|end|list|show` and `dvc report` — a volunteer's field work.

use clap::{Args, Subcommand};
use dvc_core::visits::Visit;

use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Start a visit to a household (or show the one already open there); prints the visit.
    Start {
        household_id: String,
        /// The commune (xã/phường) where the visit takes place.
        #[arg(long)]
        commune: Option<String>,
    },
    /// Tick one of the six tasks: public_services, vneid, accounts, cashless, ecommerce,
    /// online_safety — for a person of the household (--person) or the household.
    Task {
        visit_id: String,
        task: String,
        #[arg(long)]
        person: Option<String>,
        /// A short outcome (at most 200 characters).
        #[arg(long)]
        outcome: Option<String>,
        /// Remove the tick instead.
        #[arg(long)]
        undo: bool,
    },
    /// Save the notes and follow-up date of an open visit without ending it (blank clears).
    Note {
        visit_id: String,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long)]
        follow_up: Option<String>,
    },
    /// End a visit, with notes and a follow-up date (YYYY-MM-DD); without them, what
    /// `visit note` saved stays.
    End {
        visit_id: String,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long)]
        follow_up: Option<String>,
    },
    /// Visits, newest first.
    List {
        #[arg(long)]
        household: Option<String>,
    },
    Show {
        visit_id: String,
    },
    /// "Cần quay lại": households whose latest visit asked to come back by today (in Vietnam),
    /// or by --on YYYY-MM-DD; newest date first.
    Due {
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
}

/// `dvc report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// week (from Monday) or month (from the 1st), in Vietnam's time.
    #[arg(long, default_value = "week")]
    period: String,
    /// The period containing this moment (RFC 3339) instead of now.
    #[arg(long)]
    at: Option<String>,
    /// Print CSV (metric,key,value) instead of text or JSON.
    #[arg(long)]
    csv: bool,
}

fn line(v: &Visit) -> String {
    let mut s = format!(
        "{}  household {}  {}{}",
        v.id,
        v.household_id,
        v.started_at,
        if v.ended_at.is_some() {
            "  (ended)"
        } else {
            ""
        }
    );
    for t in &v.tasks {
        s.push_str(&format!(
            "\n  {}  {}",
            t.task.as_str(),
            t.person_id.as_deref().unwrap_or("household")
        ));
    }
    s
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    let core = ctx.open()?;
    match cmd {
        Cmd::Start {
            household_id,
            commune,
        } => {
            let v = core.visit_start(&household_id, commune.as_deref())?;
            out::print(ctx, &v, line)
        }
        Cmd::Task {
            visit_id,
            task,
            person,
            outcome,
            undo,
        } => {
            let task = dvc_core::visits::parse_task(&task)?;
            let v =
                core.visit_task(&visit_id, task, person.as_deref(), outcome.as_deref(), undo)?;
            out::print(ctx, &v, line)
        }
        Cmd::End {
            visit_id,
            notes,
            follow_up,
        } => {
            let v = core.visit_end(&visit_id, notes.as_deref(), follow_up.as_deref())?;
            out::print(ctx, &v, line)
        }
        Cmd::Note {
            visit_id,
            notes,
            follow_up,
        } => {
            let v = core.visit_note(&visit_id, notes.as_deref(), follow_up.as_deref())?;
            out::print(ctx, &v, line)
        }
        Cmd::List { household } => {
            let all = core.visit_list(household.as_deref())?;
            out::print(ctx, &all, |all| {
                all.iter().map(line).collect::<Vec<_>>().join("\n")
            })
        }
        Cmd::Show { visit_id } => {
            let v = core.visit(&visit_id)?;
            out::print(ctx, &v, line)
        }
        Cmd::Due { on } => {
            let day = match on.as_deref() {
                None => dvc_core::visits::today(),
                Some(s) => {
                    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                        .map_err(|_| {
                            CliError::BadInput(format!(
                                "--on must be a date such as 2026-12-31, not `{}`",
                                s.chars().take(40).collect::<String>()
                            ))
                        })?
                }
            };
            let due = core.follow_ups_due(day)?;
            out::print(ctx, &due, |due| {
                if due.is_empty() {
                    return "no household to come back to".to_string();
                }
                due.iter()
                    .map(|f| {
                        format!(
                            "{}  {}  (visit {})",
                            f.follow_up_on, f.household_name, f.visit_id
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}

pub fn report(ctx: &Ctx, args: ReportArgs) -> Result<(), CliError> {
    let period = dvc_core::visits::parse_period(&args.period)?;
    let now = crate::retention::moment(args.at.as_deref())?;
    let core = ctx.open()?;
    let r = core.report_at(period, now)?;
    if args.csv {
        return out::print_raw(&r.to_csv());
    }
    out::print(ctx, &r, |r| {
        let mut s = format!(
            "{} → {}\nvisits: {}\nhouseholds visited: {}\npeople helped: {}",
            r.from, r.to, r.visits, r.households_visited, r.people_helped
        );
        for (k, v) in &r.tasks {
            s.push_str(&format!("\n  {k}: {v}"));
        }
        s.push_str(&format!(
            "\ndossiers filed: {}\nfollow-ups open: {}",
            r.dossiers_filed, r.follow_ups_open
        ));
        s
    })
}
