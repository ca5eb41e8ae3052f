//! `dvc retention apply [--at RFC3339]` — what a volunteer's phone does at start-up.

use clap::Subcommand;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Delete the citizens whose last dossier ended more than `retention_days` ago (settings:
    /// 7, 30 or 90; default 30). Only on a volunteer's account; prints the counts.
    Apply {
        /// Apply as if it were this moment (RFC 3339), e.g. to see what next month removes.
        #[arg(long)]
        at: Option<String>,
    },
}

/// The moment an `--at` flag names (RFC 3339), or now.
pub fn moment(at: Option<&str>) -> Result<OffsetDateTime, CliError> {
    match at {
        None => Ok(OffsetDateTime::now_utc()),
        Some(s) => OffsetDateTime::parse(s, &Rfc3339).map_err(|_| {
            CliError::BadInput(format!(
                "--at must be an RFC 3339 time such as 2026-12-31T00:00:00Z, not `{}`",
                s.chars().take(40).collect::<String>()
            ))
        }),
    }
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    let Cmd::Apply { at } = cmd;
    let now = moment(at.as_deref())?;
    let core = ctx.open()?;
    let r = core.apply_retention_at(now)?;
    out::print(ctx, &r, |r| {
        if r.applied {
            format!(
                "kept {} days; deleted people: {}, dossiers: {}, documents: {}",
                r.retention_days, r.people_deleted, r.dossiers_deleted, r.documents_deleted
            )
        } else {
            "not a volunteer's account: nothing to clear".to_string()
        }
    })
}
