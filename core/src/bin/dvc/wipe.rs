//! `dvc wipe --yes`, and how every other command honours the app lock.
//!
//! The lock (a PIN set in the app) guards the data directory for the CLI too: a command that
//! opens the data directory refuses (exit 2) unless `--pin-stdin` is given and the first line of
//! standard input is the right PIN. Wrong PINs count against the same back-off as the app's
//! (persisted in the store), so the CLI is no way around it. Commands that never open the data
//! directory (`cccd parse`, `vietqr`, `photo` on files) need no PIN. `dvc wipe --yes` needs none
//! either: it reveals nothing, and it is the documented way out for a forgotten PIN.

use std::io::BufRead;

use clap::Args;
use dvc_core::lock::Unlock;
use dvc_core::{Core, OpenOptions};

use crate::{out, CliError, Ctx};

#[derive(Debug, Args)]
pub struct WipeArgs {
    /// Really delete everything (without it the command only says what it would do, exit 2).
    #[arg(long)]
    yes: bool,
}

pub fn run(ctx: &Ctx, args: WipeArgs) -> Result<(), CliError> {
    let dir = ctx.dir()?;
    if !args.yes {
        return Err(CliError::BadInput(format!(
            "this deletes every person, paper, dossier and key of {} for good; run again with --yes",
            dir.display()
        )));
    }
    let report = dvc_core::wipe::wipe_at(&OpenOptions::from_env(dir)?)?;
    out::print(ctx, &report, |r| {
        format!(
            "wiped {}: {} files removed, {} keystore entries deleted",
            r.data_dir.display(),
            r.files_removed,
            r.keystore_entries_deleted
        )
    })
}

/// Lets a command use `core` only if its lock is off or the PIN on standard input opens it.
pub fn honour_lock(core: &Core, pin_stdin: bool) -> Result<(), CliError> {
    let gate = core.lock();
    if !gate.enabled()? {
        return Ok(());
    }
    if !pin_stdin {
        return Err(CliError::BadInput(
            "the app lock is on for this data directory: give the PIN on the first line of \
             standard input with --pin-stdin"
                .into(),
        ));
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Failed(format!("cannot read standard input: {e}")))?;
    match gate.check(line.trim_end_matches(['\r', '\n']))? {
        Unlock::Opened => Ok(()),
        Unlock::Wrong { status } => Err(CliError::BadInput(format!(
            "wrong PIN ({} wrong in a row; next try in {} s)",
            status.failures, status.wait_secs
        ))),
        Unlock::Wait { status } => Err(CliError::BadInput(format!(
            "too many wrong PINs: try again in {} s",
            status.wait_secs
        ))),
    }
}
