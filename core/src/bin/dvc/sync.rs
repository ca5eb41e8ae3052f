//! `dvc login` and `dvc sync` — the sync client from the command line (`dvc dossier` is in
//! `dossier.rs`).
//!
//! `dvc sync` exits 0 when nothing is left pending, 3 when work remains for a later run (network
//! trouble, a server asking to wait), 2 on bad input (not signed in, bad URL), 1 otherwise.

use std::io::{Read, Write};
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use dvc_core::sync::{SyncConfig, SyncError, SyncReport, Timeouts};

use crate::{out, CliError, Ctx};

/// Exit code of `dvc sync` when work remains.
pub const EXIT_WORK_REMAINS: i32 = 3;

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Server address: https://…, or http:// to this machine only.
    #[arg(long)]
    server: String,
    /// Phone number of the account.
    #[arg(long)]
    phone: String,
    /// Read the password from the first line of standard input (never from the command line).
    #[arg(long)]
    password_stdin: bool,
    /// Label of this device in the account's device list.
    #[arg(long)]
    device_name: Option<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Server address (default: the one signed in to).
    #[arg(long)]
    server: Option<String>,
    /// Receiving agency code for dossiers sent from now on (remembered).
    #[arg(long, env = "DVC_SYNC_AGENCY")]
    agency: Option<String>,
    /// One pass, then exit (otherwise passes repeat until nothing is pending or --deadline-s).
    #[arg(long)]
    once: bool,
    /// Upload chunk size in KiB (1–1024).
    #[arg(long, default_value_t = 64)]
    chunk_kib: usize,
    /// Seconds a single request may take.
    #[arg(long, default_value_t = 90)]
    timeout_s: u64,
    /// Attempts per dossier in one pass.
    #[arg(long, default_value_t = 5)]
    attempts: u32,
    /// Without --once: stop repeating after this many seconds.
    #[arg(long, default_value_t = 600)]
    deadline_s: u64,
    /// First backoff step in milliseconds.
    #[arg(long, default_value_t = 500)]
    backoff_ms: u64,
}

pub(crate) fn sync_err(e: SyncError) -> CliError {
    match e {
        SyncError::Core(c) => CliError::Core(c),
        e if e.is_bad_input() => CliError::BadInput(e.to_string()),
        e => CliError::Failed(e.to_string()),
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))
}

pub fn login(ctx: &Ctx, a: LoginArgs) -> Result<(), CliError> {
    if !a.password_stdin {
        return Err(CliError::BadInput(
            "pass --password-stdin and give the password on standard input".into(),
        ));
    }
    // Opened first: with `--pin-stdin` the PIN is the first line and the password the next.
    let core = ctx.open()?;
    let mut input = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .take(4096)
        .read_to_string(&mut input)
        .map_err(|e| CliError::Failed(format!("cannot read the password: {e}")))?;
    let password = input.lines().next().unwrap_or_default().to_string();
    let password = zeroize::Zeroizing::new(password);
    if password.is_empty() {
        return Err(CliError::BadInput(
            "empty password on standard input".into(),
        ));
    }
    let signed = runtime()?
        .block_on(core.sync_login(&a.server, &a.phone, &password, a.device_name.as_deref()))
        .map_err(sync_err)?;
    out::print(ctx, &signed, |s| {
        format!("signed in to {} as {} ({})", s.server, s.account_id, s.role)
    })
}

#[derive(Debug, Serialize)]
struct LogoutOut {
    revoke: dvc_core::sync::account::Revoke,
}

pub fn logout(ctx: &Ctx) -> Result<(), CliError> {
    let core = ctx.open()?;
    let revoke = runtime()?
        .block_on(core.sync_logout(Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(20),
        }))
        .map_err(sync_err)?;
    out::print(ctx, &LogoutOut { revoke }, |o| match o.revoke {
        dvc_core::sync::account::Revoke::Revoked => {
            "Đã đăng xuất (signed out; the server revoked this device's session)".to_string()
        }
        dvc_core::sync::account::Revoke::Pending => {
            "Đã đăng xuất trên máy này; sẽ báo máy chủ khi có mạng \
             (signed out here; the server is told at the next connection)"
                .to_string()
        }
        dvc_core::sync::account::Revoke::NotSignedIn => {
            "Chưa đăng nhập (not signed in)".to_string()
        }
    })
}

#[derive(Debug, Serialize)]
struct SyncOut {
    sent: usize,
    resumed: u32,
    pulled: usize,
    quarantined: usize,
    pending: i64,
    passes: u32,
    failed_attempts: u32,
    uploaded_bytes: u64,
    codes: Vec<dvc_core::sync::runner::SentDossier>,
    quarantined_dossiers: Vec<dvc_core::sync::runner::QuarantinedDossier>,
    errors: Vec<String>,
    actions_sent: Vec<dvc_core::sync::runner::SentAction>,
    actions_quarantined: Vec<dvc_core::sync::runner::QuarantinedAction>,
    actions_pending: i64,
    results_stored: Vec<dvc_core::sync::runner::StoredResult>,
    downloads_resumed: u32,
    downloaded_bytes: u64,
    results_pending: i64,
    waiting_other_account: i64,
}

pub fn sync(ctx: &Ctx, a: SyncArgs) -> Result<(), CliError> {
    if !(1..=1024).contains(&a.chunk_kib) {
        return Err(CliError::BadInput("--chunk-kib must be 1 to 1024".into()));
    }
    let core = ctx.open()?;
    let cfg = SyncConfig {
        server: a.server,
        agency_code: a.agency,
        chunk_bytes: a.chunk_kib * 1024,
        timeouts: Timeouts {
            connect: Duration::from_secs(a.timeout_s.clamp(1, 30)),
            request: Duration::from_secs(a.timeout_s.max(1)),
        },
        backoff: dvc_core::sync::Backoff {
            base: Duration::from_millis(a.backoff_ms.max(1)),
            cap: Duration::from_secs(60),
        },
        attempts_per_dossier: a.attempts.max(1),
        catalog_updates: true,
        ..SyncConfig::default()
    };
    let rt = runtime()?;
    let started = std::time::Instant::now();
    let deadline = Duration::from_secs(a.deadline_s);
    let mut total = SyncReport::default();
    let mut passes = 0u32;
    loop {
        passes += 1;
        let r = rt
            .block_on(core.sync_once(&cfg, &|_p| {}))
            .map_err(sync_err)?;
        total.sent.extend(r.sent);
        total.resumed += r.resumed;
        total.pulled += r.pulled;
        total.quarantined.extend(r.quarantined);
        total.failed_attempts += r.failed_attempts;
        total.uploaded_bytes += r.uploaded_bytes;
        total.errors.extend(r.errors);
        total.pending = r.pending;
        total.actions_sent.extend(r.actions_sent);
        total.actions_quarantined.extend(r.actions_quarantined);
        total.actions_pending = r.actions_pending;
        total.results_stored.extend(r.results_stored);
        total.downloads_resumed += r.downloads_resumed;
        total.downloaded_bytes += r.downloaded_bytes;
        total.results_pending = r.results_pending;
        total.waiting_other_account = r.waiting_other_account;
        if a.once || total.all_done() || started.elapsed() >= deadline {
            break;
        }
        // Between passes: wait like a backoff step, shorter than what is left.
        let wait = cfg
            .backoff
            .delay(passes.min(10), rand::random::<f64>())
            .min(deadline.saturating_sub(started.elapsed()));
        std::thread::sleep(wait);
    }
    total.errors.truncate(50);
    let o = SyncOut {
        sent: total.sent.len(),
        resumed: total.resumed,
        pulled: total.pulled,
        quarantined: total.quarantined.len(),
        pending: total.pending,
        passes,
        failed_attempts: total.failed_attempts,
        uploaded_bytes: total.uploaded_bytes,
        codes: total.sent,
        quarantined_dossiers: total.quarantined,
        errors: total.errors,
        actions_sent: total.actions_sent,
        actions_quarantined: total.actions_quarantined,
        actions_pending: total.actions_pending,
        results_stored: total.results_stored,
        downloads_resumed: total.downloads_resumed,
        downloaded_bytes: total.downloaded_bytes,
        results_pending: total.results_pending,
        waiting_other_account: total.waiting_other_account,
    };
    out::print(ctx, &o, |o| {
        format!(
            "sent {}, resumed {}, pulled {}, quarantined {}, pending {}, \
             waiting for another account {}",
            o.sent, o.resumed, o.pulled, o.quarantined, o.pending, o.waiting_other_account
        )
    })?;
    if o.pending > 0 || o.actions_pending > 0 || o.results_pending > 0 {
        let _ = std::io::stdout().flush();
        std::process::exit(EXIT_WORK_REMAINS);
    }
    Ok(())
}
