//! Test helper for the crash test: the same sync passes `dvc sync` runs, on a data directory with
//! the file keystore, printing a line when it starts, one per progress step
//! (`phase <dossier> <Phase> <bytes sent> <bytes total>`, so the crash test knows where its kill
//! landed) and one per dossier sent. Killed with SIGKILL at random moments by
//! `tests/tests/sync_crash.rs`.
//!
//! Usage: `sync-client <data-dir> <server-url>`; exit 0 when nothing is pending (no dossier,
//! applicant action or result download).
#![allow(clippy::print_stdout)]

use std::process::ExitCode;
use std::time::Duration;

use dvc_core::sync::{Backoff, SyncConfig, Timeouts};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(server)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: sync-client <data-dir> <server-url>");
        return ExitCode::from(2);
    };
    let core = dvc_tests::syncenv::open_core(std::path::Path::new(dir));
    let cfg = SyncConfig {
        server: Some(server.clone()),
        timeouts: Timeouts {
            connect: Duration::from_secs(2),
            request: Duration::from_secs(5),
        },
        backoff: Backoff {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(500),
        },
        ..SyncConfig::default()
    };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return ExitCode::from(1);
    };
    println!("started");
    for _ in 0..50 {
        let progress = |p: &dvc_core::sync::Progress| {
            println!(
                "phase {} {:?} {} {}",
                p.dossier_id, p.phase, p.bytes_sent, p.bytes_total
            );
        };
        match rt.block_on(core.sync_once(&cfg, &progress)) {
            Ok(r) => {
                for s in &r.sent {
                    println!("sent {} {}", s.dossier_id, s.code);
                }
                if r.all_done() {
                    println!("done");
                    return ExitCode::SUCCESS;
                }
            }
            Err(e) => {
                eprintln!("sync-client: {e}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::from(3)
}
