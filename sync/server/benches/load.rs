//! Load benchmark: event pulls/s and dossier submissions/s with latency percentiles, against the
//! real `dvc-sync` binary on SQLite and on PostgreSQL (`DVC_TEST_POSTGRES_URL`, which `./x bench`
//! and `./x test` provide). The baseline row (`GET /healthz`, no auth, one trivial query) is measured
//! in the same run: it is the ceiling of this machine's HTTP stack plus load generator.
//!
//! `cargo bench -p dvc-sync --bench load` runs it for real (10 s per row); without `--bench` (as under
//! `cargo test --all-targets`) it does one tiny iteration so it stays compiled and working.
//! The load generator runs on the same 2-core machine as the server and competes with it for CPU.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary: panics are its failure report

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dvc_sync::test_support::{self, ServeProcess};
use serde_json::Value;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_dvc-sync"))
}

fn start(db: &str, blobs: &Path) -> ServeProcess {
    test_support::demo_seed_with(bin(), db);
    ServeProcess::spawn(bin(), db, blobs)
}

#[derive(Default)]
struct Stats {
    ok: u64,
    errors: u64,
    lat_us: Vec<u32>,
    secs: f64,
}

impl Stats {
    fn pct(&self, p: f64) -> f64 {
        if self.lat_us.is_empty() {
            return 0.0;
        }
        let i = ((self.lat_us.len() as f64 - 1.0) * p).round() as usize;
        f64::from(self.lat_us[i]) / 1000.0
    }
}

/// Runs `workers` loops of `op` for `dur` (or `max_ops` operations in total), timing each.
async fn run<F, Fut>(workers: usize, dur: Duration, max_ops: u64, op: F) -> Stats
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let op = Arc::new(op);
    let counter = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let deadline = t0 + dur;
    let mut handles = Vec::new();
    for _ in 0..workers {
        let op = op.clone();
        let counter = counter.clone();
        handles.push(tokio::spawn(async move {
            let mut s = Stats::default();
            loop {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                if n >= max_ops || Instant::now() >= deadline {
                    break;
                }
                let t = Instant::now();
                let ok = op(n).await;
                s.lat_us
                    .push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                if ok {
                    s.ok += 1
                } else {
                    s.errors += 1
                }
            }
            s
        }));
    }
    let mut all = Stats::default();
    for h in handles {
        let s = h.await.unwrap();
        all.ok += s.ok;
        all.errors += s.errors;
        all.lat_us.extend(s.lat_us);
    }
    all.secs = t0.elapsed().as_secs_f64();
    all.lat_us.sort_unstable();
    all
}

fn row(backend: &str, what: &str, workers: usize, s: &Stats) {
    println!(
        "| {backend:<10} | {what:<38} | {workers:>4} | {:>8} | {:>6} | {:>9.0} | {:>7.2} | {:>7.2} | {:>7.2} | {:>8.2} |",
        s.ok,
        s.errors,
        s.ok as f64 / s.secs.max(1e-9),
        s.pct(0.50),
        s.pct(0.90),
        s.pct(0.99),
        s.lat_us.last().map(|v| f64::from(*v) / 1000.0).unwrap_or(0.0)
    );
}

async fn bench_backend(name: &str, db: &str, full: bool) {
    let dir = tempfile::tempdir().unwrap();
    let server = start(db, &dir.path().join("blobs"));
    let url = server.url.clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let (login, password) = dvc_sync::seed::DEMO_CITIZEN;
    let token = test_support::login_token(&http, &url, login, password).await;
    // One attachment, uploaded once, referenced by every dossier (so the blob check runs).
    let photo = test_support::jpeg(50_000, 0);
    let hash = test_support::upload(&http, &url, &token, &photo, photo.len()).await;
    let manifest = Arc::new(test_support::manifest(
        dvc_sync::seed::DEMO_AGENCY,
        &[(&hash, photo.len())],
    ));
    let (dur, cap, warm) = if full {
        (Duration::from_secs(10), u64::MAX, 300)
    } else {
        (Duration::from_secs(2), 20, 10)
    };
    // Warm-up and events to pull.
    for _ in 0..warm {
        let res = http
            .put(format!("{url}/v1/dossiers/{}", uuid::Uuid::now_v7()))
            .bearer_auth(&token)
            .json(&*manifest)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
    }
    let page: Value = http
        .get(format!("{url}/v1/events?limit=500"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let max_seq: u64 = page["events"].as_array().unwrap().last().unwrap()["cursor"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    let workers = 32;
    let (h2, u2) = (http.clone(), url.clone());
    let s = run(workers, dur, cap, move |_| {
        let (h, u) = (h2.clone(), u2.clone());
        async move {
            h.get(format!("{u}/healthz"))
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false)
        }
    })
    .await;
    row(name, "baseline: GET /healthz", workers, &s);

    let (h2, u2, t2) = (http.clone(), url.clone(), token.clone());
    let s = run(workers, dur, cap, move |n| {
        let (h, u, t) = (h2.clone(), u2.clone(), t2.clone());
        let after = max_seq.saturating_sub(n % 10);
        async move {
            match h
                .get(format!("{u}/v1/events?after={after}&limit=50"))
                .bearer_auth(&t)
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            }
        }
    })
    .await;
    row(name, "event pulls: GET /v1/events (0-9 new)", workers, &s);

    let workers = 16;
    let (h2, u2, t2, m2) = (http.clone(), url.clone(), token.clone(), manifest.clone());
    let s = run(workers, dur, cap, move |_| {
        let (h, u, t, m) = (h2.clone(), u2.clone(), t2.clone(), m2.clone());
        async move {
            match h
                .put(format!("{u}/v1/dossiers/{}", uuid::Uuid::now_v7()))
                .bearer_auth(&t)
                .json(&*m)
                .send()
                .await
            {
                Ok(r) => r.status().as_u16() == 201 && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    })
    .await;
    row(name, "submissions: PUT /v1/dossiers (new)", workers, &s);
    drop(server);
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "\ndvc-sync load benchmark ({}; server and load generator share this machine's {} cores)",
        if full {
            "10 s per row"
        } else {
            "tiny iteration"
        },
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    println!("| backend    | request                                | conc |       ok | errors |     req/s | p50 ms  | p90 ms  | p99 ms  |   max ms |");
    println!("|------------|----------------------------------------|------|----------|--------|-----------|---------|---------|---------|----------|");
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        bench_backend("sqlite", &sqlite, full).await;
        match std::env::var("DVC_TEST_POSTGRES_URL") {
            Ok(admin) if !admin.is_empty() => {
                let url = test_support::fresh_pg_database(&admin, "dvc_bench").await;
                bench_backend("postgres", &url, full).await;
            }
            _ => println!(
                "| postgres   | not run: DVC_TEST_POSTGRES_URL is not set (./x bench sets it) |"
            ),
        }
    });
}
