//! Startup bench: time from process start to the first interactive screen of the real desktop
//! app (the app measures it and prints `ready_ms=` under `DVC_STARTUP_PROBE=1`), plus wall time
//! of the whole launch, for a first run (new data directory: key and database created) and for
//! warm runs (existing data). Prints a table; asserts nothing.
//!
//! Usage: cargo run -p dvc-tests --bin startup-bench [-- RUNS]
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::{Command, Stdio};
use std::time::Instant;

use dvc_tests::app::app_binary;
use dvc_tests::procs::Xvfb;

fn run_once(
    bin: &std::path::Path,
    display: &str,
    data_dir: &std::path::Path,
) -> Option<(u64, u64)> {
    let start = Instant::now();
    let out = Command::new(bin)
        .env("DISPLAY", display)
        .env("DVC_DATA_DIR", data_dir)
        .env("DVC_KEYSTORE", "file")
        .env("DVC_STARTUP_PROBE", "1")
        .env("DVC_LOG", "error")
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
        .env_remove("WAYLAND_DISPLAY")
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let wall = start.elapsed().as_millis() as u64;
    let text = String::from_utf8_lossy(&out.stdout);
    let ready = text
        .lines()
        .find_map(|l| l.strip_prefix("ready_ms="))
        .and_then(|v| v.trim().parse().ok())?;
    Some((ready, wall))
}

fn stats(v: &mut [u64]) -> (u64, u64, u64) {
    v.sort_unstable();
    let med = v.get(v.len() / 2).copied().unwrap_or(0);
    (
        v.first().copied().unwrap_or(0),
        med,
        v.last().copied().unwrap_or(0),
    )
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let bin = app_binary();
    if !bin.is_file() {
        eprintln!(
            "startup-bench: {} missing; build the app first",
            bin.display()
        );
        std::process::exit(2);
    }
    let xvfb = match Xvfb::start() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("startup-bench: {e}");
            std::process::exit(2);
        }
    };
    let mut first = (Vec::new(), Vec::new());
    let mut warm = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let Ok(dir) = tempfile::tempdir() else { break };
        match run_once(&bin, &xvfb.display, dir.path()) {
            Some((r, w)) => {
                first.0.push(r);
                first.1.push(w);
            }
            None => eprintln!("startup-bench: a first run did not report readiness"),
        }
        match run_once(&bin, &xvfb.display, dir.path()) {
            Some((r, w)) => {
                warm.0.push(r);
                warm.1.push(w);
            }
            None => eprintln!("startup-bench: a warm run did not report readiness"),
        }
    }
    println!(
        "\nDesktop app startup ({}; {runs} runs each, Xvfb):",
        bin.display()
    );
    println!(
        "  case        to first interactive screen (min/median/max)   whole launch+exit (median)"
    );
    for (name, (ready, wall)) in [("first run", &mut first), ("warm start", &mut warm)] {
        if ready.is_empty() {
            println!("  {name:<11} no successful run");
            continue;
        }
        let (lo, med, hi) = stats(ready);
        let (_, wmed, _) = stats(wall);
        println!(
            "  {name:<11} {lo:>6} / {med:>6} / {hi:>6} ms {:>30} ms",
            wmed
        );
    }
}
