//! Bandwidth benchmark of the sync client against a measured baseline in the same run.
//!
//! A passport dossier (three photos prepared by the photo pipeline) goes to the real dvc-sync
//! server through the fault proxy simulating a link — 3G (400 kbit/s, 200 ms one way) and 2G/EDGE
//! (100 kbit/s, 600 ms one way) — fault-free and with mid-stream cuts by bytes (every connection is
//! cut after an exponentially distributed number of upward bytes, mean = the payload: about one
//! cut per payload sent). Beside each run, the **baseline**: one real HTTP request carrying the
//! same bytes (`POST` with `Content-Length`) through another proxy with the same link and the
//! same seeded cuts, to a sink that reads the body and answers 200; after a cut it starts again
//! from zero (what a single-request upload must do). The 1.0 routes (missing blobs, uploads,
//! chunks, PUT) are measured too, fault-free.
//!
//! Printed per row: payload, bytes on the wire (upward, everything: HTTP headers, frames,
//! resent bytes; and downward), time, time against the single-request baseline, HTTP requests
//! (counted by the server), TCP connections (each costs a round trip more), cuts that fired.
//! Then an idle pass (nothing to send, nothing new): requests and bytes per pass and for a day of
//! 5-minute passes. Goals: bytes ≤ 1.05× payload, fault-free time ≤ 1.15× the baseline, with
//! cuts ≤ 1.5× the fault-free baseline, idle pass ≤ 1 request and < 2 KB.
//!
//! The cut seeds are the first ones whose first connection is cut before the payload's end, so
//! every cut run has at least one cut mid-stream (with a mean of one payload, about a third of
//! the seeds would cut nothing).
//!
//! `cargo bench -p dvc-tests --bench sync_bandwidth` runs it in about two minutes: the whole
//! dossier on 3G, 30 % of each attachment on 2G, one cut seed per link, the 1.0 routes on 3G
//! only. `DVC_BENCH_FULL=1`: the whole dossier on both links, three cut seeds, the 1.0 routes on
//! both. Under plain `cargo test` it does one tiny run over a fast link so it stays compiled and
//! working.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use dvc_core::photo::{self, synth};
use dvc_core::sync::{Backoff, SyncConfig, Timeouts};
use dvc_tests::faultproxy::{Fault, Link, Proxy, Schedule};
use dvc_tests::syncenv::{verify, Device, ServerEnv};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

/// What one run cost.
#[derive(Debug, Default, Clone, Copy)]
struct Run {
    secs: f64,
    up: u64,
    down: u64,
    requests: u64,
    connections: u64,
    cuts: u64,
}

fn cfg() -> SyncConfig {
    SyncConfig {
        timeouts: Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(60),
        },
        backoff: Backoff {
            base: Duration::from_millis(200),
            cap: Duration::from_secs(2),
        },
        attempts_per_dossier: 50,
        ..SyncConfig::default()
    }
}

fn server_requests(env: &ServerEnv) -> u64 {
    env.server
        .as_ref()
        .unwrap()
        .state
        .metrics
        .responses
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .sum()
}

fn take_stats(proxy: &Proxy, secs: f64) -> Run {
    let s = &proxy.stats;
    Run {
        secs,
        up: s.up(),
        down: s.down(),
        requests: 0,
        connections: s.connections.load(Ordering::Relaxed),
        cuts: s.cuts(),
    }
}

/// Our protocol: a fresh device with the dossier, sync passes until it is delivered; checked on
/// the server (exactly once, byte-identical). Returns the run and the device (for idle passes).
async fn ours(
    env: &ServerEnv,
    dir: &std::path::Path,
    set: &[Vec<u8>],
    schedule: Schedule,
    cfg: &SyncConfig,
) -> (Run, Device) {
    let dev = Device::with_files(dir, vec![set.to_vec()], &env.proxy.url(), &env.token);
    env.proxy.set_schedule(schedule);
    env.proxy.stats.reset();
    let before = server_requests(env);
    let t = Instant::now();
    for _ in 0..30 {
        let r = dev.core.sync_once(cfg, &|_| {}).await.unwrap();
        if r.pending == 0 {
            break;
        }
    }
    let mut run = take_stats(&env.proxy, t.elapsed().as_secs_f64());
    run.requests = server_requests(env) - before;
    assert_eq!(dev.core.sync_status().unwrap().pending, 0, "not delivered");
    env.proxy.set_schedule(Schedule::clean());
    let total = env.dossiers().await.dossiers.len();
    verify(env, total, &[(&dev.core, &dev.dossiers)]).await;
    (run, dev)
}

/// A sink: reads one HTTP request with a `Content-Length` body per connection turn and answers
/// 200 once the whole body arrived.
async fn sink() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut tmp = vec![0u8; 64 * 1024];
                loop {
                    let Ok(n) = s.read(&mut tmp).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&tmp[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        let _ = s
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                            .await;
                        buf.drain(..end + 4 + len);
                    }
                }
            });
        }
    });
    addr
}

/// The baseline: the same bytes in one request through `proxy`, started again after each cut.
async fn single_request(proxy: &Proxy, body: &[u8], schedule: Schedule) -> Run {
    proxy.set_schedule(schedule);
    proxy.stats.reset();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap();
    let t = Instant::now();
    let mut requests = 0;
    loop {
        requests += 1;
        let r = http
            .post(format!("{}/upload", proxy.url()))
            .header("content-type", "application/octet-stream")
            .body(body.to_vec())
            .send()
            .await;
        if matches!(&r, Ok(res) if res.status().is_success()) {
            break;
        }
        assert!(requests < 200, "the baseline never got through");
    }
    let mut run = take_stats(proxy, t.elapsed().as_secs_f64());
    run.requests = requests;
    proxy.set_schedule(Schedule::clean());
    run
}

/// Fresh bytes per run (the server dedupes per account): 8 random bytes appended to each file.
fn fresh(files: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut set = files.to_vec();
    for f in &mut set {
        let nonce: [u8; 8] = rand::random();
        f.extend_from_slice(&nonce);
    }
    set
}

fn line(name: &str, r: &Run, payload: u64, base: f64) {
    println!(
        "{:<40} {:>9} {:>9} {:>7.3} {:>7} {:>7.1} {:>8.2} {:>5} {:>5} {:>4}",
        name,
        payload,
        r.up,
        r.up as f64 / payload as f64,
        r.down,
        r.secs,
        r.secs / base,
        r.requests,
        r.connections,
        r.cuts
    );
}

struct Goals {
    bytes: f64,
    cut_bytes: f64,
    clean_time: f64,
    cut_time: f64,
}

/// The first `n` seeds whose first connection is cut before `payload` bytes went up.
fn cutting_seeds(n: usize, payload: u64, link: Link) -> Vec<u64> {
    (1..1000u64)
        .filter(|&seed| {
            matches!(Schedule::cuts_by_bytes(seed, payload, link).draw(),
                     Fault::CutUp(b) if b > 1024 && b < payload)
        })
        .take(n)
        .collect()
}

async fn link_table(
    env: &ServerEnv,
    base_proxy: &Proxy,
    files: &[Vec<u8>],
    name: &str,
    link: Link,
    seeds: usize,
    routes_1_0: bool,
) -> Goals {
    let payload: u64 = files.iter().map(|f| f.len() as u64 + 8).sum();
    println!();
    println!(
        "{name}: {} kbit/s, {} ms one way; payload {payload} bytes (3 attachments from prepared photos)",
        link.bytes_per_s.unwrap_or(0) * 8 / 1000,
        link.latency.as_millis()
    );
    println!(
        "{:<40} {:>9} {:>9} {:>7} {:>7} {:>7} {:>8} {:>5} {:>5} {:>4}",
        "run", "payload", "bytes up", "×pay", "down", "time s", "×base", "reqs", "conns", "cuts"
    );
    let clean = || Schedule::new(0, 0.0, 1, vec![], link);
    let body: Vec<u8> = fresh(files).concat();
    let base = single_request(base_proxy, &body, clean()).await;
    line("single request (baseline)", &base, payload, base.secs);
    let dir = tempfile::tempdir().unwrap();
    let (push, _) = ours(env, dir.path(), &fresh(files), clean(), &cfg()).await;
    line("ours, push (1.1)", &push, payload, base.secs);
    if routes_1_0 {
        let dir = tempfile::tempdir().unwrap();
        let old_cfg = SyncConfig {
            push: false,
            ..cfg()
        };
        let (old, _) = ours(env, dir.path(), &fresh(files), clean(), &old_cfg).await;
        line("ours, 1.0 routes", &old, payload, base.secs);
    }
    let mut goals = Goals {
        bytes: push.up as f64 / payload as f64,
        cut_bytes: 0.0,
        clean_time: push.secs / base.secs,
        cut_time: 0.0,
    };
    for seed in cutting_seeds(seeds, payload, link) {
        let cuts = || Schedule::cuts_by_bytes(seed, payload, link);
        let b = single_request(base_proxy, &body, cuts()).await;
        line(
            &format!("cuts seed {seed}: single request"),
            &b,
            payload,
            base.secs,
        );
        let dir = tempfile::tempdir().unwrap();
        let (p, _) = ours(env, dir.path(), &fresh(files), cuts(), &cfg()).await;
        line(
            &format!("cuts seed {seed}: ours, push"),
            &p,
            payload,
            base.secs,
        );
        goals.cut_time = goals.cut_time.max(p.secs / base.secs);
        goals.cut_bytes = goals.cut_bytes.max(p.up as f64 / payload as f64);
    }
    goals
}

/// An idle pass through the link: a device with nothing left to send.
async fn idle(env: &ServerEnv, files: &[Vec<u8>], link: Link) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (_, dev) = ours(env, dir.path(), &fresh(files), Schedule::clean(), &cfg()).await;
    env.proxy
        .set_schedule(Schedule::new(0, 0.0, 1, vec![], link));
    env.proxy.stats.reset();
    let before = server_requests(env);
    let t = Instant::now();
    let r = dev.core.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert!(r.sent.is_empty() && r.errors.is_empty(), "{r:?}");
    let mut run = take_stats(&env.proxy, t.elapsed().as_secs_f64());
    run.requests = server_requests(env) - before;
    env.proxy.set_schedule(Schedule::clean());
    run
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let full = std::env::var_os("DVC_BENCH_FULL").is_some();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let env = ServerEnv::start().await;
        let base_proxy = Proxy::start(sink().await, Schedule::clean()).await.unwrap();
        if !bench {
            let files = photos(1);
            let dir = tempfile::tempdir().unwrap();
            let (r, _) = ours(&env, dir.path(), &fresh(&files), Schedule::clean(), &cfg()).await;
            let b = single_request(&base_proxy, &fresh(&files).concat(), Schedule::clean()).await;
            println!(
                "sync_bandwidth: smoke run ok ({} bytes up in {} requests; baseline {} bytes); run with --bench for the table",
                r.up, r.requests, b.up
            );
            return;
        }
        let t0 = Instant::now();
        let (seeds, two_g_share) = if full { (3, 1.0) } else { (1, 0.3) };
        let files = photos(2);
        // The same photos, each cut to a share of its bytes (what is measured is bytes; the
        // server does not decode attachments).
        let files_2g: Vec<Vec<u8>> = files
            .iter()
            .map(|f| f[..(f.len() as f64 * two_g_share) as usize].to_vec())
            .collect();
        let three_g = Link::three_g();
        let two_g = Link {
            latency: Duration::from_millis(600),
            bytes_per_s: Some(100_000 / 8),
        };
        let g3 = link_table(&env, &base_proxy, &files, "3G", three_g, seeds, true).await;
        let g2 = link_table(&env, &base_proxy, &files_2g, "2G/EDGE", two_g, seeds, full).await;
        println!();
        for (name, link) in [("3G", three_g), ("2G/EDGE", two_g)] {
            let r = idle(&env, &files_2g, link).await;
            let bytes = r.up + r.down;
            println!(
                "idle pass, {name}: {} request(s), {} TCP connection(s), {} bytes up + {} down = {bytes} bytes, {:.2} s; a day of 5-minute passes (288): {:.0} KB",
                r.requests, r.connections, r.up, r.down, r.secs, bytes as f64 * 288.0 / 1000.0
            );
        }
        println!();
        let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
        for (name, g) in [("3G", &g3), ("2G/EDGE", &g2)] {
            println!(
                "{name}: fault-free bytes {:.3}× payload (goal ≤ 1.05: {}), with cuts up to {:.3}×; fault-free {:.2}× baseline (≤ 1.15: {}), worst with cuts {:.2}× fault-free baseline (≤ 1.5: {})",
                g.bytes,
                verdict(g.bytes <= 1.05),
                g.cut_bytes,
                g.clean_time,
                verdict(g.clean_time <= 1.15),
                g.cut_time,
                verdict(g.cut_time <= 1.5)
            );
        }
        println!("bytes are TCP payload through the simulated link (IP/TCP headers not counted); requests counted by the server; each connection costs one more round trip (TCP handshake). {:.0} s in all.", t0.elapsed().as_secs_f64());
        println!("note: the proxy counts a cut by bytes read from the client, which it reads at once and delays; a single request loses no link time to a cut, so its cut rows flatter the baseline.");
    });
}
