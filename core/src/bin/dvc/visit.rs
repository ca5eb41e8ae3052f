//! `dvc visit start|task|end|list|show`, `dvc report` and `dvc team list` — a volunteer's
//! field work and a team leader's report.

use clap::{Args, Subcommand};
use dvc_core::sync::team::TeamScope;
use dvc_core::visits::Visit;

use crate::sync::{runtime, sync_err};
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
    /// Team leaders: the team's report from the sync server (`dvc team list` gives the id).
    #[arg(long, value_name = "TEAM_ID", conflicts_with_all = ["campaign", "at"])]
    team: Option<String>,
    /// With --team: this many periods before the current one (0 to 24).
    #[arg(long, default_value_t = 0, requires = "team")]
    back: u32,
    /// Team leaders: a campaign's report (its own dates are the period).
    #[arg(long, value_name = "CAMPAIGN_ID", conflicts_with_all = ["team", "at"])]
    campaign: Option<String>,
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
    let scope = match (args.team, args.campaign) {
        (Some(id), _) => Some(TeamScope::Team {
            id,
            period,
            back: args.back,
        }),
        (None, Some(id)) => Some(TeamScope::Campaign { id }),
        (None, None) => None,
    };
    if let Some(scope) = scope {
        return team_report(ctx, &scope, args.csv);
    }
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

/// `dvc report --team|--campaign`: the server's report, or the one kept from the last time with
/// no connection (`stale`: true, and a line on standard error saying from when).
fn team_report(ctx: &Ctx, scope: &TeamScope, csv: bool) -> Result<(), CliError> {
    let core = ctx.open()?;
    let r = runtime()?
        .block_on(core.team_report(scope))
        .map_err(sync_err)?;
    if r.stale {
        out::error_line(&format!(
            "Không kết nối được máy chủ: số liệu lúc {} (offline: figures from {})",
            r.fetched_at, r.fetched_at
        ));
    }
    if csv {
        return out::print_raw(&r.report.to_csv());
    }
    out::print(ctx, &r, |r| {
        let x = &r.report;
        let mut s = format!(
            "{}\n{} → {}\nvisits: {}\nhouseholds visited: {}\npeople helped: {}",
            x.scope_name.as_deref().unwrap_or("-"),
            x.from,
            x.to,
            x.visits,
            x.households_visited,
            x.people_helped
        );
        for (k, v) in &x.tasks {
            s.push_str(&format!("\n  {k}: {v}"));
        }
        s.push_str(&format!(
            "\ndossiers filed: {}\nfollow-ups open: {}",
            x.dossiers_filed, x.follow_ups_open
        ));
        for v in &x.volunteers {
            s.push_str(&format!(
                "\n{}\t{} visits\t{} households\t{} dossiers",
                v.display_name.as_deref().unwrap_or(&v.account_id),
                v.visits,
                v.households_visited,
                v.dossiers_filed
            ));
        }
        s
    })
}

/// `dvc team`.
#[derive(Debug, Subcommand)]
pub enum TeamCmd {
    /// The teams of this account on the sync server and their campaigns (ids for `dvc report
    /// --team|--campaign`).
    List,
}

pub fn team(ctx: &Ctx, cmd: TeamCmd) -> Result<(), CliError> {
    match cmd {
        TeamCmd::List => {
            let core = ctx.open()?;
            let t = runtime()?.block_on(core.team_list()).map_err(sync_err)?;
            if t.stale {
                out::error_line(&format!(
                    "Không kết nối được máy chủ: danh sách lúc {} (offline: list from {})",
                    t.fetched_at, t.fetched_at
                ));
            }
            out::print(ctx, &t, |t| {
                let mut lines: Vec<String> = t
                    .teams
                    .iter()
                    .map(|x| {
                        format!(
                            "team\t{}\t{}\t{} members{}",
                            x.id,
                            x.name,
                            x.members,
                            if x.i_lead {
                                "\t(tổ trưởng / leader)"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect();
                lines.extend(t.campaigns.iter().map(|c| {
                    format!(
                        "campaign\t{}\t{}\t{} → {}",
                        c.id, c.name, c.starts_on, c.ends_on
                    )
                }));
                if lines.is_empty() {
                    "Tài khoản này chưa thuộc tổ nào (this account is in no team)".into()
                } else {
                    lines.join("\n")
                }
            })
        }
    }
}
