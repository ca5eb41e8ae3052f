//! Enumeration bench: do the account routes take as long for a phone number with an account as
//! for one without? Known and unknown numbers are measured side by side, interleaved request by
//! request, on the same server: a wrong-password login, a registration, and a password-reset
//! request. The difference column is the number to watch (it should be within the noise, which
//! the p50/p90 spread of each row shows). No assertion: timings are reported, not judged.
//!
//! `cargo bench -p dvc-sync --bench accounts` runs 200 pairs per route (on SQLite, and on
//! PostgreSQL when `DVC_TEST_POSTGRES_URL` is set); without `--bench` (as under `cargo test
//! --all-targets`) it does one pair per route so it stays compiled and working. The server runs in
//! this process with every budget opened wide and a memory message sender.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary: panics are its failure report

use std::sync::Arc;
use std::time::{Duration, Instant};

use dvc_sync::clock::SystemClock;
use dvc_sync::config::Config;
use dvc_sync::limits::{AuthConfig, Budget};
use dvc_sync::notify::{MemoryNotifier, Notifiers};
use dvc_sync::test_support;
use serde_json::{json, Value};

fn wide_open() -> Config {
    let all = Budget {
        max: u32::MAX,
        window_ms: 60_000,
    };
    Config {
        auth: AuthConfig {
            login_per_login: all,
            login_per_ip: all,
            login_global: all,
            otp_send_per_phone: all,
            otp_send_per_ip: all,
            otp_send_global: all,
            otp_check_per_ip: all,
            password_check_per_account: all,
            otp_resend_after_ms: 0,
            ..AuthConfig::default()
        },
        ..Config::default()
    }
}

fn registration(phone: &str) -> Value {
    json!({
        "phone": phone, "password": "mật khẩu thử 1", "role": "citizen",
        "full_name": "Lê Thị Mẫu", "id_number": "079185000321", "birth_date": "1985-06-05"
    })
}

/// One measured route: the body for a phone number and the status every answer must have.
struct Route {
    label: &'static str,
    path: &'static str,
    body: fn(&str) -> Value,
    want: u16,
}

struct Stats {
    ms: Vec<f64>,
}

impl Stats {
    fn pct(&self, p: f64) -> f64 {
        let mut v = self.ms.clone();
        v.sort_by(f64::total_cmp);
        let i = ((v.len() as f64 - 1.0) * p).round() as usize;
        v.get(i).copied().unwrap_or(0.0)
    }

    fn mean(&self) -> f64 {
        self.ms.iter().sum::<f64>() / self.ms.len().max(1) as f64
    }
}

async fn timed(http: &reqwest::Client, url: &str, body: &Value, want: u16) -> f64 {
    let t = Instant::now();
    let res = http.post(url).json(body).send().await.unwrap();
    let status = res.status().as_u16();
    let _ = res.bytes().await;
    assert_eq!(status, want, "{url}");
    t.elapsed().as_secs_f64() * 1000.0
}

async fn bench_backend(name: &str, url: &str, pairs: usize) {
    let dir = tempfile::tempdir().unwrap();
    let db = dvc_sync::db::open(url).await.unwrap();
    let mem = Arc::new(MemoryNotifier::default());
    let state = dvc_sync::server::build_state_with(
        db,
        &dir.path().join("blobs"),
        wide_open(),
        Arc::new(SystemClock),
        Notifiers::otp_only(mem.clone()),
    )
    .await
    .unwrap();
    let server = dvc_sync::server::spawn("127.0.0.1:0", state).await.unwrap();
    let base = server.url();
    let http = reqwest::Client::new();
    // one registered account; the dummy hash is ready before measuring
    let known = "0987000001";
    let unknown = "0987000002";
    http.post(format!("{base}/v1/auth/register"))
        .json(&registration(known))
        .send()
        .await
        .unwrap();
    let mut code = None;
    for _ in 0..200 {
        code = mem.code_for(known);
        if code.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let res = http
        .post(format!("{base}/v1/auth/register/verify"))
        .json(&json!({"phone": known, "otp": code.unwrap()}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let routes = [
        Route {
            label: "login, wrong password",
            path: "/v1/auth/login",
            body: |p| json!({"login": p, "password": "sai mật khẩu"}),
            want: 401,
        },
        Route {
            label: "register",
            path: "/v1/auth/register",
            body: registration,
            want: 202,
        },
        Route {
            label: "password reset request",
            path: "/v1/auth/password-reset",
            body: |p| json!({"phone": p}),
            want: 202,
        },
    ];
    for Route {
        label,
        path,
        body,
        want,
    } in &routes
    {
        let url = format!("{base}{path}");
        let (kb, ub) = (body(known), body(unknown));
        // warm-up pair
        timed(&http, &url, &kb, *want).await;
        timed(&http, &url, &ub, *want).await;
        let (mut k, mut u) = (Stats { ms: Vec::new() }, Stats { ms: Vec::new() });
        for i in 0..pairs {
            // alternate which goes first, so drift hits both alike
            if i % 2 == 0 {
                k.ms.push(timed(&http, &url, &kb, *want).await);
                u.ms.push(timed(&http, &url, &ub, *want).await);
            } else {
                u.ms.push(timed(&http, &url, &ub, *want).await);
                k.ms.push(timed(&http, &url, &kb, *want).await);
            }
        }
        let diff = (k.mean() - u.mean()) / u.mean().max(1e-9) * 100.0;
        println!(
            "| {name:<8} | {label:<24} | {pairs:>5} | {:>8.2} | {:>8.2} | {:>8.2} | {:>8.2} | {:>8.2} | {:>8.2} | {diff:>+7.1}% |",
            k.mean(),
            k.pct(0.5),
            k.pct(0.9),
            u.mean(),
            u.pct(0.5),
            u.pct(0.9),
        );
    }
    server.shutdown().await.unwrap();
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let pairs = if full { 200 } else { 1 };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "\ndvc-sync enumeration bench: known vs unknown phone number, {pairs} interleaved pair(s) per row, {} build (ms)",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    println!("| backend  | route                    | pairs | known mean | p50 | p90 | unknown mean | p50 | p90 | known − unknown |");
    println!("|----------|--------------------------|-------|----------|----------|----------|----------|----------|----------|----------|");
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        bench_backend("sqlite", &sqlite, pairs).await;
        if let Ok(admin) = std::env::var("DVC_TEST_POSTGRES_URL") {
            if !admin.is_empty() {
                let url = test_support::fresh_pg_database(&admin, "dvc_bench").await;
                bench_backend("postgres", &url, pairs).await;
            }
        }
    });
}
