//! `dvc handoff export|import|confirm|status|receive|incoming` — a person's profile, papers and
//! dossiers moved to the citizen's own phone in an encrypted bundle (see `dvc_core::handoff` for
//! the format), by file or through the sync server (`dvc_core::handoff::relay`).

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use dvc_core::export::ExportError;
use dvc_core::handoff::MAX_BUNDLE_BYTES;
use serde::Serialize;

use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Write the encrypted bundle of one person to a new file and print its key (the QR's
    /// text). Refused while one of their dossiers waits to be sent.
    Export {
        person_id: String,
        /// The bundle file to write (never overwritten: an existing name gets `-2`, `-3`, …).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Import a bundle with its key; a bundle (or person) already here imports nothing.
    Import {
        file: PathBuf,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Mark a person's hand-off confirmed (their phone shows them); then `dvc person delete`.
    Confirm { person_id: String },
    /// The latest hand-off of a person on this phone: its relay state (pending, offered,
    /// received, …) and whether it was confirmed; `null` when none was made.
    Status { person_id: String },
    /// The citizen's side of the relay: keep the scanned key until `dvc sync` brings the bundle
    /// from the server and imports it. Scanning the same key again changes nothing.
    Receive {
        #[command(flatten)]
        key: KeyArg,
    },
    /// The scanned hand-offs on this phone and where each stands.
    Incoming,
}

/// The key string `DVCH1.<bundle id>.<key>`, on the command line or (better: it stays out of
/// the shell history and the process list) on standard input.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct KeyArg {
    /// The key string.
    #[arg(long)]
    key: Option<String>,
    /// Read the key string from the first line of standard input.
    #[arg(long)]
    key_stdin: bool,
}

impl KeyArg {
    fn get(self) -> Result<zeroize::Zeroizing<String>, CliError> {
        match self.key {
            Some(k) => Ok(zeroize::Zeroizing::new(k)),
            None => crate::account::stdin_lines(1)?
                .into_iter()
                .next()
                .ok_or_else(|| CliError::BadInput("no key on standard input".into())),
        }
    }
}

/// `dvc handoff export --json`.
#[derive(Debug, Serialize)]
struct Exported<'a> {
    key: &'a str,
    bundle_id: &'a str,
    bytes: u64,
    documents: usize,
    dossiers: usize,
    /// Where the bundle was written.
    path: PathBuf,
}

fn write_bundle(out: &Path, bytes: &[u8]) -> Result<PathBuf, CliError> {
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| CliError::BadInput(format!("--out {}: not a file name", out.display())))?;
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    dvc_core::export::write_new_file(dir, name, bytes).map_err(|e| match e {
        ExportError::BadName(_)
        | ExportError::Symlink { .. }
        | ExportError::TooManyCopies { .. } => {
            CliError::BadInput(format!("--out {}: {e}", out.display()))
        }
        ExportError::Io { .. } => CliError::Failed(format!("cannot write the bundle: {e}")),
    })
}

/// Reads at most one byte more than a bundle may have (the core refuses what is over).
fn read_bundle(path: &Path) -> Result<Vec<u8>, CliError> {
    let bad =
        |e: std::io::Error| CliError::BadInput(format!("cannot read {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(bad)?;
    let mut bytes = Vec::new();
    file.take(MAX_BUNDLE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(bad)?;
    Ok(bytes)
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    match cmd {
        Cmd::Export { person_id, out } => {
            let core = ctx.open()?;
            let b = core.handoff_export(&person_id)?;
            let path = write_bundle(&out, &b.file)?;
            let s = &b.summary;
            let shown = Exported {
                key: &s.key,
                bundle_id: &s.bundle_id,
                bytes: s.bytes,
                documents: s.documents,
                dossiers: s.dossiers,
                path,
            };
            out::print(ctx, &shown, |e| {
                format!(
                    "bundle {} written to {} ({} bytes; {} papers, {} dossiers)\nkey: {}",
                    e.bundle_id,
                    e.path.display(),
                    e.bytes,
                    e.documents,
                    e.dossiers,
                    e.key
                )
            })
        }
        Cmd::Import { file, key } => {
            let key = key.get()?;
            let bytes = read_bundle(&file)?;
            let core = ctx.open()?;
            let r = core.handoff_import(&bytes, &key)?;
            out::print(ctx, &r, |r| {
                if r.already_imported {
                    format!("already imported (person {}): nothing changed", r.person_id)
                } else {
                    format!(
                        "imported person {}: {} papers, {} dossiers",
                        r.person_id, r.documents, r.dossiers
                    )
                }
            })
        }
        Cmd::Confirm { person_id } => {
            let core = ctx.open()?;
            let c = core.handoff_confirm(&person_id)?;
            out::print(ctx, &c, |c| {
                format!(
                    "hand-off of {} confirmed at {}{}",
                    c.person_id,
                    c.confirmed_at,
                    if c.already_confirmed {
                        " (already)"
                    } else {
                        ""
                    }
                )
            })
        }
        Cmd::Status { person_id } => {
            let core = ctx.open()?;
            let st = core.handoff_status(&person_id)?;
            out::print(ctx, &st, |st| match st {
                None => "no hand-off made for this person".to_string(),
                Some(h) => format!(
                    "bundle {} made {}: server copy {}{}{}",
                    h.bundle_id,
                    h.created_at,
                    h.relay.as_deref().unwrap_or("none (file only)"),
                    h.received_at
                        .as_deref()
                        .map(|a| format!(", received {a}"))
                        .unwrap_or_default(),
                    h.confirmed_at
                        .as_deref()
                        .map(|a| format!(", confirmed {a}"))
                        .unwrap_or_default()
                ),
            })
        }
        Cmd::Receive { key } => {
            let key = key.get()?;
            let core = ctx.open()?;
            let r = core.handoff_receive(&key)?;
            out::print(ctx, &r, |r| match r.state.as_str() {
                "waiting" => format!(
                    "bundle {}: waiting — `dvc sync` brings it from the server",
                    r.bundle_id
                ),
                state => format!("bundle {}: {state}", r.bundle_id),
            })
        }
        Cmd::Incoming => {
            let core = ctx.open()?;
            let list = core.handoff_incoming()?;
            out::print(ctx, &list, |l| {
                if l.is_empty() {
                    return "no hand-off scanned".to_string();
                }
                l.iter()
                    .map(|i| {
                        format!(
                            "{}  {}{}",
                            i.bundle_id,
                            i.state,
                            i.error
                                .as_deref()
                                .map(|e| format!(" ({e})"))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}
