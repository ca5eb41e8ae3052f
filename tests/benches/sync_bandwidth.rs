//! Bandwidth benchmark of the sync client: a passport dossier with three photos prepared by the
//! photo pipeline, sent to the real dvc-sync server through the fault proxy simulating 3G
//! (400 kbit/s, 200 ms one-way latency), with time and bytes on the wire:
//!
//! - fault-free, with adaptive chunks (the client's default) and, as the baseline measured in the
//!   same run, fixed 64 KiB chunks (the client before adaptive chunks);
//! - 30 % of connections cut at a random byte (drawn per connection; a drawn cut only happens if
//!   the connection carries that many bytes: the table shows drawn and fired cuts);
//! - cuts by bytes: every connection is cut after an exponentially distributed number of upward
//!   bytes (mean = the payload, so about one cut per upload), i.e. always mid-stream.
//!
//! Beside each faulty run: what a whole-request retry (one request with everything, started over
//! after each cut) would have cost on the same kind of schedule — a MODEL, not a measurement:
//! bytes sent before each cut plus one full send; time = bytes at link rate + one round trip per
//! attempt. Goal: bytes ≤ 1.1× payload and time ≤ 1.5× the fault-free run.
//!
//! `cargo bench -p dvc-tests --bench sync_bandwidth` (or `./x bench`) runs it for real; under
//! plain `cargo test` it does one tiny run over a fast link so it stays compiled and working.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use dvc_core::photo::{self, synth};
use dvc_core::sync::{Backoff, SyncConfig, Timeouts};
use dvc_tests::faultproxy::{Fault, FaultKind, Link, Schedule};
use dvc_tests::syncenv::{verify, Device, ServerEnv};

fn photos(scale: u32) -> Vec<Vec<u8>> {
    let portrait = synth::jpeg(
        &synth::portrait(300 * scale, 400 * scale, Default::default()),
        92,
        Some(1),
    );
    let card = synth::jpeg(&synth::card(400 * scale, 300 * scale, 0.85), 92, None);
    vec![
        photo::prepare_kind("portrait_4x6", &portrait, None)
            .unwrap()
            .jpeg,
        photo::prepare_kind("cccd_front", &card, None).unwrap().jpeg,
        photo::prepare_kind("cccd_back", &card, None).unwrap().jpeg,
    ]
}

struct Run {
    secs: f64,
    up: u64,
    down: u64,
    connections: u64,
    drawn: u64,
    fired: u64,
}

fn cfg() -> SyncConfig {
    SyncConfig {
        timeouts: Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
        },
        backoff: Backoff {
            base: Duration::from_millis(200),
            cap: Duration::from_secs(2),
        },
        attempts_per_dossier: 50,
        ..SyncConfig::default()
    }
}

async fn run(env: &ServerEnv, files: &[Vec<u8>], schedule: Schedule, cfg: &SyncConfig) -> Run {
    let dir = tempfile::tempdir().unwrap();
    // Each run and file: fresh bytes (the server dedupes per account; both CCCD sides are the
    // same synthetic card), so append 8 random bytes to each.
    let mut set = files.to_vec();
    for f in &mut set {
        let nonce: [u8; 8] = rand::random();
        f.extend_from_slice(&nonce);
    }
    let dev = Device::with_files(dir.path(), vec![set], &env.proxy.url(), &env.token);
    env.proxy.set_schedule(schedule);
    env.proxy.stats.reset();
    let t = Instant::now();
    for _ in 0..20 {
        let r = dev.core.sync_once(cfg, &|_| {}).await.unwrap();
        if r.pending == 0 {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let s = &env.proxy.stats;
    let out = Run {
        secs,
        up: s.up(),
        down: s.down(),
        connections: s.connections.load(std::sync::atomic::Ordering::Relaxed),
        drawn: s.faulted.load(std::sync::atomic::Ordering::Relaxed),
        fired: s.cuts(),
    };
    assert_eq!(dev.core.sync_status().unwrap().pending, 0, "not delivered");
    let before = env.dossiers().await.dossiers.len();
    verify(env, before, &[(&dev.core, &dev.dossiers)]).await;
    out
}

fn cuts(seed: u64, max_cut: u64) -> Schedule {
    Schedule::new(
        seed,
        0.3,
        max_cut,
        vec![FaultKind::CutUp, FaultKind::CutDown],
        Link::three_g(),
    )
}

/// Whole-request retry on the same kind of schedule: each attempt is one connection; a cut at
/// byte n loses the n bytes sent; a clean attempt sends everything.
fn whole_request_model(mut s: Schedule, payload: u64, link: Link) -> (u64, f64) {
    let mut bytes = 0u64;
    let mut attempts = 0u64;
    loop {
        attempts += 1;
        match s.draw() {
            Fault::CutUp(n) | Fault::CutDown(n) if n < payload => bytes += n,
            _ => {
                bytes += payload;
                break;
            }
        }
        if attempts > 10_000 {
            break;
        }
    }
    let bps = link.bytes_per_s.unwrap_or(u64::MAX) as f64;
    let secs = bytes as f64 / bps + attempts as f64 * 2.0 * link.latency.as_secs_f64();
    (bytes, secs)
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let env = ServerEnv::start().await;
        if !bench {
            let files = photos(1);
            let r = run(&env, &files, Schedule::clean(), &cfg()).await;
            println!(
                "sync_bandwidth: smoke run ok ({} bytes up, {:.2} s on loopback); run with --bench for the table",
                r.up, r.secs
            );
            return;
        }
        let files = photos(4);
        let payload: u64 = files.iter().map(|f| f.len() as u64 + 8).sum();
        let link = Link::three_g();
        let adaptive = cfg();
        let fixed = SyncConfig {
            chunk_min: 64 * 1024,
            chunk_max: 64 * 1024,
            ..cfg()
        };
        println!("sync_bandwidth: passport dossier, 3 prepared photos, payload {payload} bytes, 3G link 400 kbit/s, 200 ms one way");
        println!(
            "{:<44} {:>7} {:>10} {:>9} {:>7} {:>5} {:>11}",
            "scenario", "time s", "bytes up", "× payload", "× time", "conns", "cuts drawn/fired"
        );
        let line = |name: &str, secs: f64, up: u64, base_t: f64, conns: String, cuts: String| {
            println!(
                "{:<44} {:>7.1} {:>10} {:>9.3} {:>7.2} {:>5} {:>11}",
                name,
                secs,
                up,
                up as f64 / payload as f64,
                secs / base_t,
                conns,
                cuts
            );
        };
        let runs = 3u64;
        let mut clean = Vec::new();
        for _ in 0..runs {
            clean.push(run(&env, &files, Schedule::new(0, 0.0, 1, vec![], link), &adaptive).await);
        }
        let base_t = clean.iter().map(|r| r.secs).sum::<f64>() / runs as f64;
        let base_up = clean.iter().map(|r| r.up).sum::<u64>() / runs;
        line("fault-free, adaptive chunks (mean of 3)", base_t, base_up, base_t, clean[0].connections.to_string(), "-".into());
        let old = run(&env, &files, Schedule::new(0, 0.0, 1, vec![], link), &fixed).await;
        line("fault-free, fixed 64 KiB chunks (baseline)", old.secs, old.up, base_t, old.connections.to_string(), "-".into());
        let (wb, ws) = whole_request_model(Schedule::new(0, 0.0, 1, vec![], link), payload, link);
        line("fault-free, whole request (model)", ws, wb, base_t, "-".into(), "-".into());

        let mut worst_bytes = 0f64;
        let mut worst_time = 0f64;
        let max_cut = payload;
        for seed in 1..=5u64 {
            let r = run(&env, &files, cuts(seed, max_cut), &adaptive).await;
            line(&format!("30 % of connections cut (seed {seed})"), r.secs, r.up, base_t, r.connections.to_string(), format!("{}/{}", r.drawn, r.fired));
            let (wb, ws) = whole_request_model(cuts(seed, max_cut), payload, link);
            line("  whole-request retry (model)", ws, wb, base_t, "-".into(), "-".into());
            worst_bytes = worst_bytes.max(r.up as f64 / payload as f64);
            worst_time = worst_time.max(r.secs / base_t);
            let _ = r.down;
        }
        for seed in 1..=3u64 {
            let r = run(&env, &files, Schedule::cuts_by_bytes(seed, payload, link), &adaptive).await;
            line(&format!("cuts by bytes, ~1 per payload (seed {seed})"), r.secs, r.up, base_t, r.connections.to_string(), format!("{}/{}", r.drawn, r.fired));
            let (wb, ws) = whole_request_model(Schedule::cuts_by_bytes(seed, payload, link), payload, link);
            line("  whole-request retry (model)", ws, wb, base_t, "-".into(), "-".into());
            worst_bytes = worst_bytes.max(r.up as f64 / payload as f64);
            worst_time = worst_time.max(r.secs / base_t);
        }
        println!(
            "goal: bytes ≤ 1.1× payload, time ≤ 1.5× fault-free; worst faulty run: {worst_bytes:.3}× bytes ({}), {worst_time:.2}× time ({})",
            if worst_bytes <= 1.1 { "met" } else { "NOT met" },
            if worst_time <= 1.5 { "met" } else { "NOT met" },
        );
        println!("bytes up count everything the client sent through the link (HTTP headers, JSON, chunks, resent chunks).");
    });
}
