//! `dvc` — the command-line adapter over `dvc-core`, for scripts, support and tests.
//!
//! Contract (stable): every command takes `--json`; exit code 0 on success, 2 on bad input with a
//! one-line reason on stderr, 1 when the machine (not the input) failed. Command names and JSON
//! field names are English snake_case and do not change. A procedure is named by its catalog id
//! (`passport-domestic`) or its national code (`1.001456`) wherever a command takes one. When the
//! reader of the output goes away (`dvc … | head -c 1`) the command stops quietly with exit 0.

mod account;
mod catalog;
mod cccd;
mod consent;
mod dossier;
mod draft;
mod handoff;
mod household;
mod info;
mod out;
mod person;
mod photo;
mod retention;
mod settings;
mod sync;
mod vietqr;
mod visit;
mod wipe;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dvc_core::{Core, CoreError, OpenOptions};

#[derive(Debug, Parser)]
#[command(name = "dvc", version, about = "DVC Đồng Hành — command-line tool")]
struct Cli {
    /// Data directory (default: the platform's app data folder).
    #[arg(long, global = true, env = dvc_core::DATA_DIR_ENV, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// The app lock's PIN, on the first line of standard input (needed when a PIN is set).
    #[arg(long, global = true)]
    pin_stdin: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Schema version, data directory, keystore and record counts.
    Info,
    /// Show or change preferences.
    #[command(subcommand)]
    Settings(settings::Cmd),
    /// Search and show procedures of the offline catalog.
    #[command(subcommand)]
    Catalog(catalog::Cmd),
    /// Read a CCCD QR code: from its text (parse) or a photo of the card (scan).
    #[command(subcommand)]
    Cccd(cccd::Cmd),
    /// People and their documents.
    #[command(subcommand)]
    Person(Box<person::Cmd>),
    /// Households and their members.
    #[command(subcommand)]
    Household(household::Cmd),
    /// Prepare photos for dossiers (portrait 4x6, CCCD sides, document pages).
    #[command(subcommand)]
    Photo(photo::Cmd),
    /// Draft dossiers: new, set, check, submit, list, show, delete.
    #[command(subcommand)]
    Draft(draft::Cmd),
    /// Sign in to a sync server (password on standard input).
    Login(sync::LoginArgs),
    /// Send queued dossiers and pull their status (exit 3 when work remains).
    Sync(sync::SyncArgs),
    /// Sign out of the sync server: the token is revoked there (at the next connection when
    /// offline); dossiers queued under this account wait until it signs in again.
    Logout,
    /// Dossiers with their code, state and timeline.
    #[command(subcommand)]
    Dossier(dossier::DossierCmd),
    /// VietQR payment codes: decode a payload, encode one from its fields.
    #[command(subcommand)]
    Vietqr(vietqr::Cmd),
    /// Delete all data and keys of the data directory (needs --yes; the way out of a lost PIN).
    Wipe(wipe::WipeArgs),
    /// Volunteers: visits to households and the six tasks done there.
    #[command(subcommand)]
    Visit(visit::Cmd),
    /// Volunteers: the week's or month's work in counts (text, --json or --csv).
    Report(visit::ReportArgs),
    /// Team leaders: the teams and campaigns of this account on the sync server.
    #[command(subcommand)]
    Team(visit::TeamCmd),
    /// Volunteers: delete citizens whose last dossier ended more than `retention_days` ago.
    #[command(subcommand)]
    Retention(retention::Cmd),
    /// Accounts on a sync server: register, verify, password reset and change, devices, logout.
    #[command(subcommand)]
    Account(account::Cmd),
    /// Filing for someone else: consent by code, from the citizen's account, or on paper.
    #[command(subcommand)]
    Consent(consent::Cmd),
    /// Hand a person's profile, papers and dossiers over to their own phone (encrypted bundle
    /// and key), import one, confirm it.
    #[command(subcommand)]
    Handoff(handoff::Cmd),
}

/// What a command failed with, and so which exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    BadInput(String),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("{0}")]
    Failed(String),
    /// Standard output's reader went away (`dvc … | head`): not a failure, the command just
    /// stops (exit 0, nothing on stderr).
    #[error("the reader of standard output went away")]
    ReaderGone,
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            Self::BadInput(_) => 2,
            Self::Core(e) if e.is_bad_input() => 2,
            _ => 1,
        }
    }
}

/// Shared by the commands: the global options and a lazily opened core.
pub struct Ctx {
    data_dir: Option<PathBuf>,
    pub json: bool,
    pin_stdin: bool,
}

impl Ctx {
    /// The data directory: `--data-dir`, `DVC_DATA_DIR` or the platform's default.
    pub fn dir(&self) -> Result<PathBuf, CliError> {
        match &self.data_dir {
            Some(d) => Ok(d.clone()),
            None => dvc_core::default_data_dir().ok_or_else(|| {
                CliError::BadInput("no data directory: pass --data-dir or set DVC_DATA_DIR".into())
            }),
        }
    }

    /// Opens the data directory, honouring its app lock (see `wipe.rs`).
    pub fn open(&self) -> Result<Core, CliError> {
        let core = Core::open(&OpenOptions::from_env(self.dir()?)?)?;
        wipe::honour_lock(&core, self.pin_stdin)?;
        Ok(core)
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            out::error_line(&one_line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    dvc_core::logging::init("warn");
    let ctx = Ctx {
        data_dir: cli.data_dir,
        json: cli.json,
        pin_stdin: cli.pin_stdin,
    };
    let result = match cli.command {
        Command::Info => info::run(&ctx),
        Command::Settings(cmd) => settings::run(&ctx, cmd),
        Command::Catalog(cmd) => catalog::run(&ctx, cmd),
        Command::Cccd(cmd) => cccd::run(&ctx, cmd),
        Command::Person(cmd) => person::run(&ctx, *cmd),
        Command::Household(cmd) => household::run(&ctx, cmd),
        Command::Photo(cmd) => photo::run(&ctx, cmd),
        Command::Draft(cmd) => draft::run(&ctx, cmd),
        Command::Login(args) => sync::login(&ctx, args),
        Command::Sync(args) => sync::sync(&ctx, args),
        Command::Logout => sync::logout(&ctx),
        Command::Dossier(cmd) => dossier::run(&ctx, cmd),
        Command::Vietqr(cmd) => vietqr::run(&ctx, cmd),
        Command::Wipe(args) => wipe::run(&ctx, args),
        Command::Retention(cmd) => retention::run(&ctx, cmd),
        Command::Visit(cmd) => visit::run(&ctx, cmd),
        Command::Report(args) => visit::report(&ctx, args),
        Command::Team(cmd) => visit::team(&ctx, cmd),
        Command::Account(cmd) => account::run(&ctx, cmd),
        Command::Consent(cmd) => consent::run(&ctx, cmd),
        Command::Handoff(cmd) => handoff::run(&ctx, cmd),
    };
    match result {
        Ok(()) | Err(CliError::ReaderGone) => ExitCode::SUCCESS,
        Err(e) => {
            out::error_line(&one_line(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}

/// The first meaningful line of a message, without clap's "error: " prefix.
fn one_line(msg: &str) -> String {
    let line = msg
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("error");
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}
