//! The sync client against the real dvc-sync server over loopback, through a fault-injecting
//! proxy: seeded random schedules of cuts, resets, stalls, slow requests and latency, drawn for
//! every HTTP request (a pass reuses one keep-alive connection, so faults drawn per connection
//! mostly never fired); a server restart in the middle of an upload; a conflicting dossier that
//! must not hold up the others; status events flowing back into the timeline.
//!
//! Every schedule must fire at least one fault, and the run as a whole every kind of fault and
//! cuts inside upload bodies: a schedule that breaks nothing proves nothing.
//!
//! `DVC_SYNC_SCHEDULES=500` runs more schedules (default 40); `DVC_SYNC_SEED=n` replays one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dvc_core::sync::{Backoff, Phase, Progress, SyncConfig, SyncReport, Timeouts};
use dvc_core::Core;
use dvc_tests::faultproxy::{Fired, Link, Schedule};
use dvc_tests::syncenv::{verify, Device, ServerEnv};
use serde_json::json;

fn cfg() -> SyncConfig {
    SyncConfig {
        timeouts: Timeouts {
            connect: Duration::from_millis(800),
            request: Duration::from_millis(1500),
        },
        backoff: Backoff {
            base: Duration::from_millis(5),
            cap: Duration::from_millis(100),
        },
        attempts_per_dossier: 4,
        // Small, adaptive chunks: many chunk boundaries to cut at and resume from, and the sizer
        // growing on a clean stretch and halving after each break.
        chunk_bytes: 16 * 1024,
        chunk_min: 4 * 1024,
        chunk_max: 64 * 1024,
        ..SyncConfig::default()
    }
}

/// Passes until nothing is pending (at most `max`), adding up the reports.
async fn sync_until_done(core: &Core, cfg: &SyncConfig, max: usize) -> (SyncReport, usize) {
    let mut total = SyncReport::default();
    for pass in 1..=max {
        let r = core.sync_once(cfg, &|_| {}).await.unwrap();
        total.sent.extend(r.sent);
        total.resumed += r.resumed;
        total.failed_attempts += r.failed_attempts;
        total.quarantined.extend(r.quarantined);
        total.pulled += r.pulled;
        total.pending = r.pending;
        if r.pending == 0 {
            return (total, pass);
        }
    }
    (total, max)
}

fn schedules() -> Vec<u64> {
    if let Ok(s) = std::env::var("DVC_SYNC_SEED") {
        return vec![s.parse().expect("DVC_SYNC_SEED is a number")];
    }
    let n: u64 = std::env::var("DVC_SYNC_SCHEDULES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    (1..=n).collect()
}

/// What one worker's schedules added up to: faults fired, failed attempts, resumed uploads.
type Tally = (Fired, u32, u32);

/// Runs `seeds` one after another against a server and proxy of its own.
async fn run_schedules(seeds: Vec<u64>) -> Tally {
    let mut tally: Tally = (Fired::default(), 0, 0);
    if seeds.is_empty() {
        return tally;
    }
    let mut env = ServerEnv::start().await;
    let mut on_server = 0usize;
    for (i, seed) in seeds.iter().copied().enumerate() {
        // A fresh server now and then keeps the account's list under its 200-line page.
        if i > 0 && i % 60 == 0 {
            env = ServerEnv::start().await;
            on_server = 0;
        }
        let dir = tempfile::tempdir().unwrap();
        let dev = Device::new(
            dir.path(),
            2,
            5_000..120_000,
            seed,
            &env.proxy.url(),
            &env.token,
        );
        env.proxy.stats.reset();
        env.proxy.set_schedule(Schedule::random(seed));
        // Repeated attempts under faults …
        let (r1, _) = sync_until_done(&dev.core, &cfg(), 6).await;
        let f = env.proxy.stats.fired();
        println!("seed {seed}: {f:?}, {} failed attempts", r1.failed_attempts);
        assert!(
            f.total() > 0,
            "seed {seed}: the schedule fired no fault in {} requests",
            f.requests
        );
        tally.0.add(&f);
        // … and then a clean link: whatever is left must now go through.
        env.proxy.set_faults(false);
        let (r2, passes) = sync_until_done(&dev.core, &cfg(), 3).await;
        assert_eq!(
            r2.pending, 0,
            "seed {seed}: still pending after {passes} clean passes"
        );
        assert!(
            r1.quarantined.is_empty() && r2.quarantined.is_empty(),
            "seed {seed}: quarantined {:?} {:?}",
            r1.quarantined,
            r2.quarantined
        );
        on_server += dev.dossiers.len();
        verify(&env, on_server, &[(&dev.core, &dev.dossiers)]).await;
        tally.1 += r1.failed_attempts + r2.failed_attempts;
        tally.2 += r1.resumed + r2.resumed;
    }
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dossier_arrives_exactly_once_under_random_faults() {
    let seeds = schedules();
    // Four workers, each with its own server, proxy and account, take every fourth schedule. A
    // schedule mostly waits (stalls, timeouts, back-off), so one after another the 40 took
    // 140 s; each schedule still has a proxy and a server to itself.
    let part = |w: usize| -> Vec<u64> { seeds.iter().copied().skip(w).step_by(4).collect() };
    let (a, b, c, d) = tokio::join!(
        run_schedules(part(0)),
        run_schedules(part(1)),
        run_schedules(part(2)),
        run_schedules(part(3)),
    );
    let (mut fired, mut failed, mut resumed) = (Fired::default(), 0u32, 0u32);
    for (f, n, r) in [a, b, c, d] {
        fired.add(&f);
        failed += n;
        resumed += r;
    }
    println!(
        "{} schedules: fired {fired:?}, {failed} failed attempts, {resumed} resumed uploads",
        seeds.len(),
    );
    if seeds.len() >= 10 {
        // Every kind of fault fired, cuts landed inside upload bodies, and the client noticed
        // and resumed (otherwise this test proves nothing).
        let Fired {
            close,
            cut_up,
            cut_down,
            stall,
            slow,
            body_cuts,
            ..
        } = fired;
        assert!(
            [close, cut_up, cut_down, stall, slow, body_cuts]
                .iter()
                .all(|n| *n > 0)
                && failed > 0
                && resumed > 0,
            "fired {fired:?}, failed {failed}, resumed {resumed}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restart_in_the_middle_of_an_upload() {
    let mut env = ServerEnv::start().await;
    let dir = tempfile::tempdir().unwrap();
    // One dossier with a large first attachment, over a capped link so the upload takes seconds.
    let dev = Device::new(
        dir.path(),
        1,
        1_500_000..1_500_001,
        7,
        &env.proxy.url(),
        &env.token,
    );
    env.proxy.set_schedule(Schedule::new(
        0,
        0.0,
        1,
        vec![],
        Link {
            latency: Duration::from_millis(2),
            bytes_per_s: Some(1_000_000),
        },
    ));
    let sent = Arc::new(AtomicU64::new(0));
    let s2 = sent.clone();
    let progress = move |p: &Progress| {
        if p.phase == Phase::Uploading {
            s2.store(p.bytes_sent, Ordering::Relaxed);
        }
    };
    let cfg = SyncConfig {
        timeouts: Timeouts {
            connect: Duration::from_millis(500),
            request: Duration::from_secs(5),
        },
        backoff: Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(400),
        },
        attempts_per_dossier: 20,
        ..SyncConfig::default()
    };
    let first = dev.core.sync_once(&cfg, &progress);
    let restart = async {
        // Wait until a few chunks of the first file are acknowledged, then restart.
        for _ in 0..600 {
            if sent.load(Ordering::Relaxed) >= 300_000 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let at = sent.load(Ordering::Relaxed);
        env.stop().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        env.restart().await;
        at
    };
    let (r, at) = tokio::join!(first, restart);
    let r = r.unwrap();
    assert!(
        (300_000..1_500_000).contains(&at),
        "restart happened at {at} bytes, not inside the first file"
    );
    let (rest, _) = sync_until_done(&dev.core, &cfg, 5).await;
    assert_eq!(rest.pending, 0);
    assert!(
        r.failed_attempts + rest.failed_attempts > 0,
        "the restart was not noticed"
    );
    assert!(
        r.resumed + rest.resumed >= 1,
        "the upload started over instead of resuming: {r:?} {rest:?}"
    );
    verify(&env, 1, &[(&dev.core, &dev.dossiers)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_dossier_is_quarantined_and_the_others_go_through() {
    let env = ServerEnv::start().await;
    let dir = tempfile::tempdir().unwrap();
    let dev = Device::new(
        dir.path(),
        3,
        2_000..5_000,
        11,
        &env.proxy.url(),
        &env.token,
    );
    // Someone used the first dossier's key with other content: the server answers 409.1.
    let (id0, key0, _) = &dev.dossiers[0];
    let (s, v) = {
        let r = reqwest::Client::new()
            .put(format!("{}/v1/dossiers/{key0}", env.direct()))
            .bearer_auth(&env.token)
            .json(&json!({
                "procedure_code": "1.001456",
                "agency_code": dvc_tests::syncenv::DEMO_AGENCY,
                "form": {"ghi_chu": "khác"},
                "attachments": [],
                "delivery": {"method": "at_agency"}
            }))
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        (s, r.text().await.unwrap())
    };
    assert_eq!(s, 201, "{v}");
    let r = dev.core.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert_eq!(r.quarantined.len(), 1, "{r:?}");
    assert_eq!(&r.quarantined[0].dossier_id, id0);
    assert_eq!(r.quarantined[0].reason, "sync.reason.conflict");
    assert_eq!(r.sent.len(), 2, "the other two are not held up");
    assert_eq!(r.pending, 0);
    let t = dev.core.tracked_dossier(id0).unwrap();
    assert_eq!(t.state, "quarantined");
    assert_eq!(t.quarantine_reason.as_deref(), Some("sync.reason.conflict"));
    // Quarantined stays out of later passes …
    let r = dev.core.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert!(r.sent.is_empty() && r.quarantined.is_empty());
    // … until the user retries; the conflict is still there, so it comes back quarantined.
    assert!(dev.core.sync_retry(id0).unwrap());
    let r = dev.core.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert_eq!(r.quarantined.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_changes_come_back_into_the_timeline() {
    let env = ServerEnv::start().await;
    let dir = tempfile::tempdir().unwrap();
    let dev = Device::new(
        dir.path(),
        2,
        2_000..5_000,
        23,
        &env.proxy.url(),
        &env.token,
    );
    let (r, _) = sync_until_done(&dev.core, &cfg(), 3).await;
    assert_eq!(r.sent.len(), 2);
    for s in &r.sent {
        assert!(
            s.code.starts_with(dvc_tests::syncenv::DEMO_AGENCY),
            "{}",
            s.code
        );
    }
    // The applicant withdraws the second dossier on the server (e.g. from another phone).
    let (id1, key1, _) = &dev.dossiers[1];
    let (s, v) = env
        .post_json(
            &format!("/v1/dossiers/{key1}/cancel"),
            json!({"reason": "nộp nhầm"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let r = dev.core.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert_eq!(r.pulled, 1, "{r:?}");
    let t = dev.core.tracked_dossier(id1).unwrap();
    assert_eq!(t.state, "cancelled");
    let kinds: Vec<&str> = t.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["submitted", "received", "cancelled"]);
    assert_eq!(t.timeline[2].detail.as_ref().unwrap()["reason"], "nộp nhầm");
    // The first is untouched; pulling again changes nothing.
    assert_eq!(
        dev.core.tracked_dossier(&dev.dossiers[0].0).unwrap().state,
        "received"
    );
    let r = dev.core.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert_eq!(r.pulled, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agency_comes_from_the_server_or_the_dossier_waits() {
    let env = ServerEnv::start().await;
    let dir = tempfile::tempdir().unwrap();
    let dev = Device::new(dir.path(), 1, 2_000..3_000, 31, &env.direct(), &env.token);
    // No agency stored on the device (sign_in stores the demo one for the other tests).
    dev.core
        .store()
        .write(|tx| -> dvc_core::Result<()> {
            tx.execute("DELETE FROM sync_kv WHERE key = 'agency_code'", [])?;
            Ok(())
        })
        .unwrap();
    // Two agencies, neither known to serve the dossier's province: the dossier waits, with a
    // reason, and is not quarantined.
    let state = &env.server.as_ref().unwrap().state;
    state
        .db
        .upsert_agency("000.00.99.H99", "Cơ quan thử nghiệm thứ hai", 0)
        .await
        .unwrap();
    let r = dev.core.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert_eq!(
        (r.sent.len(), r.quarantined.len(), r.pending),
        (0, 0, 1),
        "{r:?}"
    );
    assert!(
        r.errors.iter().any(|e| e == "sync.reason.no_agency"),
        "{r:?}"
    );
    let t = dev.core.tracked_dossier(&dev.dossiers[0].0).unwrap();
    assert_eq!(t.state, "queued");
    assert_eq!(t.waiting_reason.as_deref(), Some("sync.reason.no_agency"));
    // The `--agency` override still decides.
    let over = SyncConfig {
        agency_code: Some(dvc_tests::syncenv::DEMO_AGENCY.to_string()),
        ..cfg()
    };
    let r = dev.core.sync_once(&over, &|_| {}).await.unwrap();
    assert_eq!(r.sent.len(), 1, "{r:?}");
    assert!(r.sent[0].code.starts_with(dvc_tests::syncenv::DEMO_AGENCY));
    let t = dev.core.tracked_dossier(&dev.dossiers[0].0).unwrap();
    assert_eq!(t.waiting_reason, None);
}
