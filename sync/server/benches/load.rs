//! Load benchmark: the sync server's load table, against the real `dvc-sync` binary.
//!
//! Three targets, each on a fresh database: SQLite in one process; PostgreSQL with one replica;
//! PostgreSQL with three replicas on one database (`DVC_TEST_POSTGRES_URL`, which `./x bench` and
//! `./x test` provide). With three replicas the *clients* spread the requests: every request goes
//! to the next replica in turn (round robin per request, as a load balancer without stickiness
//! would), so one submission's uploads, chunks and `PUT` land on different processes. No proxy
//! sits in between, so its copying does not eat the two cores the servers need (the proxy path
//! itself is tested in `tests/replicas.rs`).
//!
//! For each target and each client count, rows of operations per second with p50/p99 latency:
//! - **pull**: `GET /v1/events?after=<cursor>&limit=200`, the phone's sync-pass pull, finding 0-3
//!   new events (the count is checked against what the account holds);
//! - **push**: one dossier with 3 attachments of 32 KiB in one `POST /v1/push` (protocol 1.1: head,
//!   manifest, one checksummed data frame per attachment, end), the way the app sends a dossier;
//!   the answer must end with `done`, every blob complete and the receipt;
//! - **submit**: the same through the protocol 1.0 routes, which 1.0 clients use: each attachment
//!   through the resumable protocol (`POST /v1/uploads`, `PATCH` with its checksum), then
//!   `PUT /v1/dossiers/{uuid}` — 7 requests, timed as one operation (the per-request p99 is shown
//!   too);
//! - **baseline**: `GET /healthz` (no auth, one trivial query), the floor of this machine's HTTP
//!   stack plus load generator, measured in the same run; and every row is compared with the
//!   SQLite row of the same operation and client count.
//!
//! Then a device simulation per target (10,000 devices in the full run): devices arrive over a
//! ramp, each with a 3G-like link — 100-300 ms round trip and 0.4-2 Mbit/s up, 1-4 Mbit/s down,
//! added in the client as a sleep before each request and after each answer (the server sees
//! each request at loopback speed, so connections are not held open as long as real 3G would).
//! Each device runs one sync pass like the phone's: every 20th first pushes a dossier with 3
//! attachments (`POST /v1/push`, as the app does); every device pulls its events until `more` is false; every 10th then holds a
//! long-poll (`wait=5`). Reported: passes and requests that succeeded (all must: the bench panics
//! otherwise), and CPU time of the server processes (and of PostgreSQL) per 1,000 devices, read
//! from `/proc/<pid>/stat` before and after.
//!
//! The goals of issue 21 are printed with met / not met at the end. Before the targets, the
//! disk's own floor: how many durable attachment-sized file writes this machine's disk completes
//! per second, what the submit rows stand on (see [`disk_floor`]).
//!
//! Modes: `cargo bench -p dvc-sync --bench load` (and `./x bench`) is the full run (5 s per row;
//! 8, 32 and 128 clients; 10,000 devices). `DVC_LOAD_QUICK=1` with it: 2 s per row, 8 and 32
//! clients, 2,000 devices. Without `--bench` (as under `cargo test --all-targets`) it does one
//! tiny iteration of everything so it stays compiled and working, correctness checks included.
//! `DVC_LOAD_SERVER_BIN=<path>` runs another build of `dvc-sync` under the same load generator
//! (to compare two builds: run the bench once with each, alternating).
//! The load generator runs on the same machine as the servers and competes with them for CPU:
//! its own CPU use is a column of the table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary: panics are its failure report

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dvc_protocol::auth::Role;
use dvc_protocol::events::EventsPage;
use dvc_protocol::paths;
use dvc_protocol::push::{
    encode_data, encode_frame, PushBlob, PushHead, PushLine, FRAME_END, FRAME_HEAD, FRAME_MANIFEST,
    PUSH_CONTENT_TYPE,
};
use dvc_sync::db::{Account, Db, Token, TokenKind};
use dvc_sync::test_support::{self, ServeProcess};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Attachments per submitted dossier.
const ATTACHMENTS: usize = 3;
/// Bytes of each attachment (after the 4-byte JPEG start).
const ATTACHMENT_BYTES: usize = 32 * 1024;
/// The phone's page size when it pulls events.
const PULL_LIMIT: u32 = 200;
/// Dossiers each throughput account holds before the pull rows (so a pull finds 0-3 new events).
const WARM_DOSSIERS: usize = 4;
/// Every `SUBMIT_EVERY`-th device submits a dossier in its pass.
const SUBMIT_EVERY: usize = 20;
/// Every `LONG_POLL_EVERY`-th device (offset by half) holds a long-poll after its pass.
const LONG_POLL_EVERY: usize = 10;

/// The goals (2 cores).
const GOAL_SQLITE_PULLS: f64 = 5000.0;
const GOAL_SQLITE_SUBMITS: f64 = 500.0;
const GOAL_P99_MS: f64 = 50.0;

/// The server binary: this build's, or `DVC_LOAD_SERVER_BIN` (another build to compare with, run
/// by the same load generator).
fn bin() -> &'static Path {
    static BIN: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var_os("DVC_LOAD_SERVER_BIN").map_or_else(
            || std::path::PathBuf::from(env!("CARGO_BIN_EXE_dvc-sync")),
            std::path::PathBuf::from,
        )
    })
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

// ------------------------------------------------------------------ modes

struct Mode {
    label: &'static str,
    /// Length of one throughput row.
    cell: Duration,
    /// Most operations in one row (the tiny run stops early).
    cap: u64,
    clients: Vec<usize>,
    health_clients: usize,
    devices: usize,
    /// Devices arrive evenly over this long.
    ramp: Duration,
    /// Long-poll wait of the simulated devices that hold one, seconds.
    long_poll_s: u32,
}

fn mode() -> Mode {
    let bench = std::env::args().any(|a| a == "--bench");
    let quick = std::env::var("DVC_LOAD_QUICK").is_ok_and(|v| v == "1");
    match (bench, quick) {
        (true, false) => Mode {
            label: "full run: 5 s per row, 10,000 devices",
            cell: Duration::from_secs(5),
            cap: u64::MAX,
            clients: vec![8, 32, 128],
            health_clients: 32,
            devices: 10_000,
            ramp: Duration::from_secs(40),
            long_poll_s: 5,
        },
        (true, true) => Mode {
            label: "quick run (DVC_LOAD_QUICK=1): 2 s per row, 2,000 devices",
            cell: Duration::from_secs(2),
            cap: u64::MAX,
            clients: vec![8, 32],
            health_clients: 32,
            devices: 2_000,
            ramp: Duration::from_secs(10),
            long_poll_s: 5,
        },
        (false, _) => Mode {
            label: "tiny iteration (not a measurement)",
            cell: Duration::from_secs(2),
            cap: 12,
            clients: vec![4],
            health_clients: 4,
            devices: 40,
            ramp: Duration::from_secs(1),
            long_poll_s: 1,
        },
    }
}

// ------------------------------------------------------------------ CPU time from /proc

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ).
fn ticks_per_s() -> f64 {
    static HZ: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *HZ.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|v| *v > 0.0)
            .unwrap_or(100.0)
    })
}

/// `(ppid, own user+system ticks, waited-for children's ticks)` of a process.
fn proc_stat(pid: &str) -> Option<(u32, u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // f[0] = state (field 3), f[1] = ppid (4), f[11..=14] = utime stime cutime cstime (14-17).
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    Some((u32::try_from(n(1)?).ok()?, n(11)? + n(12)?, n(13)? + n(14)?))
}

/// CPU seconds a process has used so far (0 when it is gone).
fn cpu_s(pid: u32) -> f64 {
    proc_stat(&pid.to_string()).map_or(0.0, |(_, own, _)| own as f64 / ticks_per_s())
}

/// CPU seconds of a process tree one level deep: `root` and the children it waited for, plus its
/// live children (PostgreSQL: the postmaster and its backends).
fn tree_cpu_s(root: u32) -> f64 {
    let Some((_, own, waited)) = proc_stat(&root.to_string()) else {
        return 0.0;
    };
    let mut ticks = own + waited;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            else {
                continue;
            };
            if let Some((ppid, own, _)) = proc_stat(pid) {
                if ppid == root {
                    ticks += own;
                }
            }
        }
    }
    ticks as f64 / ticks_per_s()
}

/// The postmaster of a `postgresql://…?host=<socket dir>&port=<port>` cluster: the first line of
/// its socket lock file. `None` for a cluster reached over TCP (its CPU is then not shown).
fn postmaster_pid(url: &str) -> Option<u32> {
    let query = url.split_once('?')?.1;
    let param = |k: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
    };
    let host = param("host")?;
    let port = param("port").unwrap_or("5432");
    let lock = std::fs::read_to_string(format!("{host}/.s.PGSQL.{port}.lock")).ok()?;
    lock.lines().next()?.trim().parse().ok()
}

/// CPU seconds so far of the servers, the database (if its own processes) and this bench.
#[derive(Clone, Copy)]
struct CpuMark {
    at: Instant,
    server: f64,
    db: Option<f64>,
    bench: f64,
}

/// CPU used between two marks.
#[derive(Clone, Copy, Default)]
struct CpuUse {
    wall: f64,
    server: f64,
    db: Option<f64>,
    bench: f64,
}

impl CpuMark {
    fn until(&self, later: &CpuMark) -> CpuUse {
        CpuUse {
            wall: later.at.duration_since(self.at).as_secs_f64(),
            server: later.server - self.server,
            db: later.db.zip(self.db).map(|(b, a)| b - a),
            bench: later.bench - self.bench,
        }
    }
}

fn pct(used: f64, wall: f64) -> String {
    format!("{:.0}%", 100.0 * used / wall.max(1e-9))
}

// ------------------------------------------------------------------ targets

/// One configuration under test: its server processes on a fresh, demo-seeded database with
/// provisioned citizen accounts.
struct Target {
    name: &'static str,
    servers: Vec<ServeProcess>,
    urls: Vec<String>,
    next: AtomicUsize,
    db_pid: Option<u32>,
    /// Bearer tokens of the provisioned accounts: the first `max clients` for the throughput
    /// rows, the rest one per simulated device.
    tokens: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Target {
    /// The replica for the next request (round robin).
    fn url(&self) -> &str {
        &self.urls[self.next.fetch_add(1, Ordering::Relaxed) % self.urls.len()]
    }

    fn mark(&self) -> CpuMark {
        CpuMark {
            at: Instant::now(),
            server: self.servers.iter().map(|s| cpu_s(s.child.id())).sum(),
            db: self.db_pid.map(tree_cpu_s),
            bench: cpu_s(std::process::id()),
        }
    }
}

/// Creates `n` citizen accounts with one device token each, straight in the database: logging
/// 10,000 devices in through the API would spend minutes in argon2 and hit the server-wide login
/// budget, which is not what this bench measures. The accounts have no usable password.
async fn provision(db: &Db, n: usize) -> Vec<String> {
    let now = now_ms();
    let permits = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let db = Arc::clone(db);
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        tasks.push(tokio::spawn(async move {
            let account = Account {
                id: uuid::Uuid::now_v7().to_string(),
                login: format!("bench.{i:06}"),
                role: Role::Citizen,
                agency_code: None,
                display_name: None,
                password_hash: "!load-bench: no password".to_owned(),
                disabled: false,
            };
            assert!(db.create_account(&account, now).await.unwrap());
            let secret = dvc_sync::auth::new_secret();
            db.insert_token(&Token {
                id: uuid::Uuid::now_v7().to_string(),
                account_id: account.id.clone(),
                token_hash: dvc_sync::auth::secret_hash(&secret),
                kind: TokenKind::Device,
                device_name: Some("load bench".to_owned()),
                csrf_hash: None,
                created_at: now,
                expires_at: now + 30 * 24 * 3600 * 1000,
                last_seen_at: None,
                revoked_at: None,
            })
            .await
            .unwrap();
            drop(permit);
            secret
        }));
    }
    let mut tokens = Vec::with_capacity(n);
    for t in tasks {
        tokens.push(t.await.unwrap());
    }
    tokens
}

/// Seeds and provisions `db_url`, then starts `replicas` servers on it.
async fn start_target(
    name: &'static str,
    db_url: String,
    replicas: usize,
    accounts: usize,
    db_pid: Option<u32>,
) -> Target {
    let dir = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    let tokens = {
        let db = dvc_sync::db::open(&db_url).await.unwrap();
        dvc_sync::seed::demo_seed(&db, now_ms()).await.unwrap();
        provision(&db, accounts).await
    };
    let blobs = dir.path().join("blobs");
    let servers: Vec<ServeProcess> = (0..replicas)
        .map(|_| ServeProcess::spawn(bin(), &db_url, &blobs))
        .collect();
    let urls = servers.iter().map(|s| s.url.clone()).collect();
    println!(
        "  {name}: {accounts} accounts provisioned and {replicas} server(s) started in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    Target {
        name,
        servers,
        urls,
        next: AtomicUsize::new(0),
        db_pid,
        tokens,
        _dir: dir,
    }
}

// ------------------------------------------------------------------ the client side

fn us(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// `4 + ATTACHMENT_BYTES` bytes starting like a JPEG file, unique to `tag`.
fn attachment(tag: &str) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend_from_slice(tag.as_bytes());
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ u64::from(crc_ish(tag.as_bytes()));
    while v.len() < 4 + ATTACHMENT_BYTES {
        x = splitmix(x);
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(4 + ATTACHMENT_BYTES);
    v
}

fn crc_ish(b: &[u8]) -> u32 {
    b.iter().fold(2_166_136_261u32, |h, c| {
        (h ^ u32::from(*c)).wrapping_mul(16_777_619)
    })
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A simulated network link: a sleep for half the round trip plus the bytes' time on the wire,
/// before a request goes out and after its answer comes back. `None`: loopback as it is.
#[derive(Clone, Copy)]
struct Link {
    half_rtt: Duration,
    up_bps: f64,
    down_bps: f64,
}

impl Link {
    /// A device's link, drawn from its number: 100-300 ms round trip, 0.4-2 Mbit/s up,
    /// 1-4 Mbit/s down.
    fn three_g(device: usize) -> Link {
        let r = splitmix(device as u64);
        let f = |shift: u32| ((r >> shift) & 0xFFFF) as f64 / 65535.0;
        Link {
            half_rtt: Duration::from_secs_f64((0.100 + 0.200 * f(0)) / 2.0),
            up_bps: 400_000.0 + 1_600_000.0 * f(16),
            down_bps: 1_000_000.0 + 3_000_000.0 * f(32),
        }
    }

    fn wire(&self, bytes: usize, bps: f64) -> Duration {
        // Headers and framing: a few hundred bytes more than the body.
        self.half_rtt + Duration::from_secs_f64((bytes + 300) as f64 * 8.0 / bps)
    }
}

/// One request's answer.
struct Answer {
    status: StatusCode,
    body: bytes::Bytes,
    /// Server time as the client saw it (without the simulated link).
    took_us: u32,
}

/// Sends a request (through `link` if any) and reads the whole answer.
async fn call(
    rb: reqwest::RequestBuilder,
    body_len: usize,
    link: Option<Link>,
) -> Result<Answer, String> {
    if let Some(l) = link {
        tokio::time::sleep(l.wire(body_len, l.up_bps)).await;
    }
    let t = Instant::now();
    let res = rb.send().await.map_err(|e| format!("send: {e}"))?;
    let status = res.status();
    let body = res.bytes().await.map_err(|e| format!("read: {e}"))?;
    let took_us = us(t.elapsed());
    if let Some(l) = link {
        tokio::time::sleep(l.wire(body.len(), l.down_bps)).await;
    }
    Ok(Answer {
        status,
        body,
        took_us,
    })
}

fn expect(a: &Answer, want: StatusCode, what: &str) -> Result<(), String> {
    if a.status == want {
        Ok(())
    } else {
        Err(format!(
            "{what}: {} {}",
            a.status,
            String::from_utf8_lossy(&a.body[..a.body.len().min(200)])
        ))
    }
}

/// One attachment through the resumable protocol: create the upload, send the bytes as one
/// checksummed chunk, check the server calls the blob complete. Returns the hash.
async fn upload(
    http: &reqwest::Client,
    t: &Target,
    token: &str,
    data: &[u8],
    link: Option<Link>,
    lat: &mut Vec<u32>,
) -> Result<String, String> {
    let hash = test_support::sha(data);
    let body = json!({"sha256": hash, "length": data.len()}).to_string();
    let a = call(
        http.post(format!("{}/v1/uploads", t.url()))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.clone()),
        body.len(),
        link,
    )
    .await?;
    lat.push(a.took_us);
    expect(&a, StatusCode::CREATED, "POST /v1/uploads")?;
    let st: dvc_protocol::blobs::UploadStatus =
        serde_json::from_slice(&a.body).map_err(|e| format!("upload status: {e}"))?;
    let id = st.upload_id.ok_or("no upload id")?;
    let a = call(
        http.patch(format!("{}/v1/uploads/{id}", t.url()))
            .bearer_auth(token)
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", "0")
            .header("upload-checksum", format!("sha256 {hash}"))
            .body(data.to_vec()),
        data.len(),
        link,
    )
    .await?;
    lat.push(a.took_us);
    expect(&a, StatusCode::OK, "PATCH /v1/uploads")?;
    let st: dvc_protocol::blobs::UploadStatus =
        serde_json::from_slice(&a.body).map_err(|e| format!("chunk status: {e}"))?;
    if !st.complete || st.offset != data.len() as u64 {
        return Err(format!("PATCH /v1/uploads: not complete at {}", st.offset));
    }
    Ok(hash)
}

/// A dossier with [`ATTACHMENTS`] fresh attachments (unique to `tag`): uploads, then `PUT`.
/// Returns the dossier's uuid.
async fn submit(
    http: &reqwest::Client,
    t: &Target,
    token: &str,
    tag: &str,
    link: Option<Link>,
    lat: &mut Vec<u32>,
) -> Result<String, String> {
    let mut hashes = Vec::with_capacity(ATTACHMENTS);
    for i in 0..ATTACHMENTS {
        let data = attachment(&format!("{tag}/{i}"));
        hashes.push((upload(http, t, token, &data, link, lat).await?, data.len()));
    }
    let refs: Vec<(&str, usize)> = hashes.iter().map(|(h, n)| (h.as_str(), *n)).collect();
    let body = test_support::manifest(dvc_sync::seed::DEMO_AGENCY, &refs).to_string();
    let uuid = uuid::Uuid::now_v7().to_string();
    let a = call(
        http.put(format!("{}/v1/dossiers/{uuid}", t.url()))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.clone()),
        body.len(),
        link,
    )
    .await?;
    lat.push(a.took_us);
    expect(&a, StatusCode::CREATED, "PUT /v1/dossiers")?;
    Ok(uuid)
}

/// A dossier with [`ATTACHMENTS`] fresh attachments (unique to `tag`) in one `POST /v1/push`, as
/// the app sends it: head (the blobs and the uuid to submit), manifest, each attachment as one
/// checksummed data frame, end. The answer's last line must be `done` with every blob complete
/// and the receipt. Returns the dossier's uuid.
async fn push(
    http: &reqwest::Client,
    t: &Target,
    token: &str,
    tag: &str,
    link: Option<Link>,
    lat: &mut Vec<u32>,
) -> Result<String, String> {
    let blobs: Vec<Vec<u8>> = (0..ATTACHMENTS)
        .map(|i| attachment(&format!("{tag}/{i}")))
        .collect();
    let hashes: Vec<String> = blobs.iter().map(|b| test_support::sha(b)).collect();
    let uuid = uuid::Uuid::now_v7().to_string();
    let head = PushHead {
        blobs: hashes
            .iter()
            .zip(&blobs)
            .map(|(h, b)| PushBlob {
                sha256: h.clone(),
                length: b.len() as u64,
            })
            .collect(),
        submit: Some(uuid.clone()),
        events_after: None,
    };
    let refs: Vec<(&str, usize)> = hashes
        .iter()
        .zip(&blobs)
        .map(|(h, b)| (h.as_str(), b.len()))
        .collect();
    let manifest = test_support::manifest(dvc_sync::seed::DEMO_AGENCY, &refs).to_string();
    let mut body = encode_frame(FRAME_HEAD, &serde_json::to_vec(&head).unwrap());
    body.extend(encode_frame(FRAME_MANIFEST, manifest.as_bytes()));
    for (i, b) in blobs.iter().enumerate() {
        let sum: [u8; 32] = Sha256::digest(b).into();
        body.extend(encode_data(u16::try_from(i).unwrap(), 0, &sum, b));
    }
    body.extend(encode_frame(FRAME_END, &[]));
    let len = body.len();
    let a = call(
        http.post(format!("{}{}", t.url(), paths::PUSH))
            .bearer_auth(token)
            .header("content-type", PUSH_CONTENT_TYPE)
            .body(body),
        len,
        link,
    )
    .await?;
    lat.push(a.took_us);
    expect(&a, StatusCode::OK, "POST /v1/push")?;
    let last = a
        .body
        .split(|c| *c == b'\n')
        .rfind(|l| !l.is_empty())
        .ok_or("POST /v1/push: an empty answer")?;
    match serde_json::from_slice::<PushLine>(last) {
        Ok(PushLine::Done {
            blobs,
            receipt: Some(_),
            ..
        }) if blobs.len() == ATTACHMENTS && blobs.iter().all(|b| b.complete) => Ok(uuid),
        Ok(other) => Err(format!("POST /v1/push ended with {other:?}")),
        Err(e) => Err(format!("POST /v1/push: its last line: {e}")),
    }
}

/// One page of the caller's events.
async fn pull(
    http: &reqwest::Client,
    t: &Target,
    token: &str,
    after: &str,
    wait: Option<u32>,
    link: Option<Link>,
    lat: &mut Vec<u32>,
) -> Result<EventsPage, String> {
    let mut url = format!("{}/v1/events?after={after}&limit={PULL_LIMIT}", t.url());
    if let Some(w) = wait {
        url.push_str(&format!("&wait={w}"));
    }
    let a = call(http.get(url).bearer_auth(token), 0, link).await?;
    lat.push(a.took_us);
    expect(&a, StatusCode::OK, "GET /v1/events")?;
    serde_json::from_slice(&a.body).map_err(|e| format!("events page: {e}"))
}

// ------------------------------------------------------------------ throughput rows

#[derive(Default)]
struct Stats {
    ok: u64,
    errors: u64,
    first_errors: Vec<String>,
    /// Per operation, µs.
    op_us: Vec<u32>,
    /// Per HTTP request, µs.
    req_us: Vec<u32>,
    secs: f64,
    cpu: CpuUse,
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

impl Stats {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.secs.max(1e-9)
    }
    fn p(&self, p: f64) -> f64 {
        percentile(&self.op_us, p)
    }
}

/// Runs `clients` loops of `op` for `dur` (or `cap` operations in all). `op(n, client, latencies
/// of its requests)` is one operation.
async fn run<F, Fut>(t: &Target, clients: usize, dur: Duration, cap: u64, op: F) -> Stats
where
    F: Fn(u64, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = (Result<(), String>, Vec<u32>)> + Send,
{
    let op = Arc::new(op);
    let counter = Arc::new(AtomicU64::new(0));
    let before = t.mark();
    let t0 = Instant::now();
    let deadline = t0 + dur;
    let mut handles = Vec::new();
    for client in 0..clients {
        let op = op.clone();
        let counter = counter.clone();
        handles.push(tokio::spawn(async move {
            let mut s = Stats::default();
            loop {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                if n >= cap || Instant::now() >= deadline {
                    break;
                }
                let started = Instant::now();
                let (res, reqs) = op(n, client).await;
                s.op_us.push(us(started.elapsed()));
                s.req_us.extend(reqs);
                match res {
                    Ok(()) => s.ok += 1,
                    Err(e) => {
                        s.errors += 1;
                        if s.first_errors.len() < 3 {
                            s.first_errors.push(e);
                        }
                    }
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
        all.first_errors.extend(s.first_errors);
        all.op_us.extend(s.op_us);
        all.req_us.extend(s.req_us);
    }
    all.secs = t0.elapsed().as_secs_f64();
    all.cpu = before.until(&t.mark());
    all.op_us.sort_unstable();
    all.req_us.sort_unstable();
    all
}

/// A row's key: (target, operation, clients).
type RowKey = (&'static str, &'static str, usize);

/// Rows of the table, kept for the comparisons and the goals.
#[derive(Default)]
struct Table {
    /// Each row's (ops/s, p99 ms).
    rows: Mutex<HashMap<RowKey, (f64, f64)>>,
    /// What went wrong, reported (and failed on) at the end.
    failures: Mutex<Vec<String>>,
}

/// The throughput rows' operations.
const PUSH_OP: &str = "push 1.1";
const SUBMIT_OP: &str = "upload+PUT 1.0";

const SQLITE: &str = "SQLite ×1";
const PG1: &str = "PostgreSQL ×1";
const PG3: &str = "PostgreSQL ×3";

impl Table {
    fn header() {
        println!(
            "| target        | operation      | clients |      ok | err |    ops/s | vs SQLite | p50 ms | p99 ms |  max ms |   req/s | req p99 ms | server CPU | PG CPU | bench CPU |"
        );
        println!(
            "|---------------|----------------|--------:|--------:|----:|---------:|----------:|-------:|-------:|--------:|--------:|-----------:|-----------:|-------:|----------:|"
        );
    }

    fn row(&self, target: &'static str, op: &'static str, clients: usize, s: &Stats) {
        let rate = s.rate();
        let p99 = s.p(0.99);
        let vs = {
            let mut rows = self.rows.lock().unwrap();
            rows.insert((target, op, clients), (rate, p99));
            match rows.get(&(SQLITE, op, clients)) {
                Some((base, _)) if target != SQLITE && *base > 0.0 => {
                    format!("{:.2}×", rate / base)
                }
                Some(_) if target == SQLITE => "baseline".to_owned(),
                _ => "—".to_owned(),
            }
        };
        println!(
            "| {target:<13} | {op:<14} | {clients:>7} | {:>7} | {:>3} | {:>8.0} | {vs:>9} | {:>6.2} | {:>6.2} | {:>7.1} | {:>7.0} | {:>10.2} | {:>10} | {:>6} | {:>9} |",
            s.ok,
            s.errors,
            rate,
            s.p(0.50),
            p99,
            s.op_us.last().map_or(0.0, |v| f64::from(*v) / 1000.0),
            s.req_us.len() as f64 / s.secs.max(1e-9),
            percentile(&s.req_us, 0.99),
            pct(s.cpu.server, s.cpu.wall),
            s.cpu.db.map_or("—".to_owned(), |d| pct(d, s.cpu.wall)),
            pct(s.cpu.bench, s.cpu.wall),
        );
        if s.errors > 0 || s.ok == 0 {
            self.failures.lock().unwrap().push(format!(
                "{target} {op} × {clients}: {} ok, {} failed: {:?}",
                s.ok, s.errors, s.first_errors
            ));
        }
    }

    fn get(&self, target: &'static str, op: &'static str, clients: usize) -> Option<(f64, f64)> {
        self.rows
            .lock()
            .unwrap()
            .get(&(target, op, clients))
            .copied()
    }
}

/// Each throughput account's event cursors, oldest first.
async fn warm_up(http: &reqwest::Client, t: &Arc<Target>, accounts: usize) -> Vec<Vec<String>> {
    let mut tasks = Vec::new();
    for a in 0..accounts {
        let (http, t) = (http.clone(), Arc::clone(t));
        tasks.push(tokio::spawn(async move {
            let token = &t.tokens[a];
            for _ in 0..WARM_DOSSIERS {
                let body = test_support::manifest(dvc_sync::seed::DEMO_AGENCY, &[]).to_string();
                let a = call(
                    http.put(format!("{}/v1/dossiers/{}", t.url(), uuid::Uuid::now_v7()))
                        .bearer_auth(token)
                        .header("content-type", "application/json")
                        .body(body),
                    0,
                    None,
                )
                .await
                .unwrap();
                expect(&a, StatusCode::CREATED, "warm-up PUT").unwrap();
            }
            let page = pull(&http, &t, token, "0", None, None, &mut Vec::new())
                .await
                .unwrap();
            assert_eq!(page.events.len(), WARM_DOSSIERS, "warm-up events");
            page.events.into_iter().map(|e| e.cursor).collect()
        }));
    }
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

async fn throughput(t: &Arc<Target>, m: &Mode, table: &Table) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let max_clients = *m.clients.iter().max().unwrap();
    let cursors = Arc::new(warm_up(&http, t, max_clients).await);

    let (h, t2) = (http.clone(), Arc::clone(t));
    let s = run(t, m.health_clients, m.cell, m.cap, move |_, _| {
        let (h, t) = (h.clone(), Arc::clone(&t2));
        async move {
            let res = call(h.get(format!("{}/healthz", t.url())), 0, None).await;
            match res {
                Ok(a) => {
                    let took = vec![a.took_us];
                    (expect(&a, StatusCode::OK, "GET /healthz"), took)
                }
                Err(e) => (Err(e), Vec::new()),
            }
        }
    })
    .await;
    table.row(t.name, "GET /healthz", m.health_clients, &s);

    for &clients in &m.clients {
        let (h, t2, c2) = (http.clone(), Arc::clone(t), Arc::clone(&cursors));
        let s = run(t, clients, m.cell, m.cap, move |n, client| {
            let (h, t, c) = (h.clone(), Arc::clone(&t2), Arc::clone(&c2));
            async move {
                let mine = &c[client];
                // 0-3 new events: the cursor is that many events back.
                let new = (n % 4) as usize;
                let after = if new >= mine.len() {
                    "0".to_owned()
                } else {
                    mine[mine.len() - 1 - new].clone()
                };
                let mut lat = Vec::with_capacity(1);
                let res = pull(&h, &t, &t.tokens[client], &after, None, None, &mut lat).await;
                let res = res.and_then(|page| {
                    let want = new.min(mine.len());
                    if page.events.len() == want && !page.more {
                        Ok(())
                    } else {
                        Err(format!(
                            "pull after {after}: {} events, expected {want}",
                            page.events.len()
                        ))
                    }
                });
                (res, lat)
            }
        })
        .await;
        table.row(t.name, "pull", clients, &s);
    }

    for &clients in &m.clients {
        let (h, t2) = (http.clone(), Arc::clone(t));
        let s = run(t, clients, m.cell, m.cap, move |n, client| {
            let (h, t) = (h.clone(), Arc::clone(&t2));
            async move {
                let mut lat = Vec::with_capacity(1);
                let tag = format!("{}/push/{clients}/{n}", t.name);
                let res = push(&h, &t, &t.tokens[client], &tag, None, &mut lat)
                    .await
                    .map(|_| ());
                (res, lat)
            }
        })
        .await;
        table.row(t.name, PUSH_OP, clients, &s);
    }

    for &clients in &m.clients {
        let (h, t2) = (http.clone(), Arc::clone(t));
        let s = run(t, clients, m.cell, m.cap, move |n, client| {
            let (h, t) = (h.clone(), Arc::clone(&t2));
            async move {
                let mut lat = Vec::with_capacity(2 * ATTACHMENTS + 1);
                let tag = format!("{}/{clients}/{n}", t.name);
                let res = submit(&h, &t, &t.tokens[client], &tag, None, &mut lat)
                    .await
                    .map(|_| ());
                (res, lat)
            }
        })
        .await;
        table.row(t.name, SUBMIT_OP, clients, &s);
    }
}

// ------------------------------------------------------------------ the device simulation

#[derive(Default)]
struct SimCounts {
    passes_ok: u64,
    passes_failed: u64,
    pulls_ok: u64,
    submits_ok: u64,
    long_polls_ok: u64,
    first_errors: Vec<String>,
    pass_ms: Vec<u32>,
}

/// One device's sync pass. Returns (pulls, submitted?, long-polled?).
async fn device_pass(
    http: &reqwest::Client,
    t: &Target,
    device: usize,
    token: &str,
    long_poll_s: u32,
) -> Result<(u64, bool, bool), String> {
    let link = Some(Link::three_g(device));
    let mut lat = Vec::new();
    let submitted = if device % SUBMIT_EVERY == 0 {
        Some(
            push(
                http,
                t,
                token,
                &format!("{}/dev{device}", t.name),
                link,
                &mut lat,
            )
            .await?,
        )
    } else {
        None
    };
    let mut after = "0".to_owned();
    let mut pulls = 0;
    let mut seen = Vec::new();
    loop {
        let page = pull(http, t, token, &after, None, link, &mut lat).await?;
        pulls += 1;
        seen.extend(page.events.into_iter().map(|e| e.dossier_uuid));
        after = page.next_cursor;
        if !page.more {
            break;
        }
    }
    // Each device has its own account: its feed holds exactly what it submitted.
    let expected: Vec<String> = submitted.iter().cloned().collect();
    if seen != expected {
        return Err(format!(
            "device {device}: pulled {} events, expected {} (its own dossier)",
            seen.len(),
            expected.len()
        ));
    }
    let long_polled = device % LONG_POLL_EVERY == LONG_POLL_EVERY / 2;
    if long_polled {
        let page = pull(http, t, token, &after, Some(long_poll_s), link, &mut lat).await?;
        if !page.events.is_empty() {
            return Err(format!(
                "device {device}: the long-poll found {} events nobody wrote",
                page.events.len()
            ));
        }
    }
    Ok((pulls, submitted.is_some(), long_polled))
}

async fn simulate(t: &Arc<Target>, m: &Mode, first_token: usize, table: &Table) -> String {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(2048)
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let counts = Arc::new(Mutex::new(SimCounts::default()));
    let before = t.mark();
    let t0 = Instant::now();
    let step = m.ramp.as_secs_f64() / m.devices.max(1) as f64;
    let long_poll_s = m.long_poll_s;
    let mut tasks = Vec::with_capacity(m.devices);
    for device in 0..m.devices {
        let (http, t, counts) = (http.clone(), Arc::clone(t), Arc::clone(&counts));
        let start = t0 + Duration::from_secs_f64(step * device as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(start.into()).await;
            let began = Instant::now();
            let token = t.tokens[first_token + device].clone();
            let res = device_pass(&http, &t, device, &token, long_poll_s).await;
            let mut c = counts.lock().unwrap();
            c.pass_ms
                .push(u32::try_from(began.elapsed().as_millis()).unwrap_or(u32::MAX));
            match res {
                Ok((pulls, submitted, long_polled)) => {
                    c.passes_ok += 1;
                    c.pulls_ok += pulls;
                    c.submits_ok += u64::from(submitted);
                    c.long_polls_ok += u64::from(long_polled);
                }
                Err(e) => {
                    c.passes_failed += 1;
                    if c.first_errors.len() < 3 {
                        c.first_errors.push(e);
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let cpu = before.until(&t.mark());
    let mut c = counts.lock().unwrap();
    c.pass_ms.sort_unstable();
    let submitters = m.devices.div_ceil(SUBMIT_EVERY) as u64;
    if c.passes_failed > 0 || c.submits_ok != submitters {
        table.failures.lock().unwrap().push(format!(
            "{} devices: {} passes failed, {} of {submitters} submissions: {:?}",
            t.name, c.passes_failed, c.submits_ok, c.first_errors
        ));
    }
    let per_k = |s: f64| s * 1000.0 / m.devices.max(1) as f64;
    format!(
        "| {:<13} | {:>7} | {:>11} | {:>7} | {:>7} | {:>5} | {:>6.1} | {:>11.0} | {:>11.0} | {:>15.2} | {:>11} | {:>14.2} |",
        t.name,
        m.devices,
        format!("{}/{}", c.passes_ok, m.devices),
        c.pulls_ok,
        c.submits_ok,
        c.long_polls_ok,
        cpu.wall,
        percentile(&c.pass_ms, 0.5) * 1000.0,
        percentile(&c.pass_ms, 0.99) * 1000.0,
        per_k(cpu.server),
        cpu.db.map_or("—".to_owned(), |d| format!("{:.2}", per_k(d))),
        per_k(cpu.bench),
    )
}

// ------------------------------------------------------------------ goals

fn goals(table: &Table, m: &Mode, pg: bool, disk_floor: f64) {
    println!("\nGoals (issue 21, on 2 cores):");
    let best = |target: &'static str, op: &'static str, p99_max: Option<f64>| {
        m.clients
            .iter()
            .filter_map(|c| table.get(target, op, *c).map(|(r, p)| (*c, r, p)))
            .filter(|(_, _, p)| p99_max.is_none_or(|max| *p < max))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    };
    // Submissions: the app's own path (protocol 1.1 push) and, for the record, the 1.0 routes.
    for (op, goal, unit) in [
        ("pull", GOAL_SQLITE_PULLS, "pulls/s"),
        (
            PUSH_OP,
            GOAL_SQLITE_SUBMITS,
            "submits/s (push, the app's path)",
        ),
        (SUBMIT_OP, GOAL_SQLITE_SUBMITS, "submits/s (1.0 routes)"),
    ] {
        let verdict = match best(SQLITE, op, Some(GOAL_P99_MS)) {
            Some((c, r, p)) if r >= goal => {
                format!("met: {r:.0} {unit} at {c} clients, p99 {p:.1} ms")
            }
            Some((c, r, p)) => format!(
                "NOT met: best with p99 < {GOAL_P99_MS} ms is {r:.0} {unit} at {c} clients (p99 {p:.1} ms)"
            ),
            None => match best(SQLITE, op, None) {
                Some((c, r, p)) => format!(
                    "NOT met: no client count kept p99 < {GOAL_P99_MS} ms; best {r:.0} {unit} at {c} clients (p99 {p:.1} ms)"
                ),
                None => "not measured".to_owned(),
            },
        };
        println!("- SQLite ≥ {goal:.0} {unit} with p99 < {GOAL_P99_MS:.0} ms: {verdict}");
    }
    println!(
        "  (this disk's floor, 8 writers: {:.0} submissions/s of {ATTACHMENTS} attachments, one \
         durable file write each, before any database commit)",
        disk_floor / ATTACHMENTS as f64
    );
    if !pg {
        println!("- PostgreSQL ×3 no slower than ×1: not measured (no DVC_TEST_POSTGRES_URL)");
        return;
    }
    let mut all_met = true;
    let mut parts = Vec::new();
    for op in ["pull", PUSH_OP, SUBMIT_OP] {
        match (best(PG1, op, None), best(PG3, op, None)) {
            (Some((c1, r1, _)), Some((c3, r3, _))) => {
                all_met &= r3 >= r1;
                parts.push(format!(
                    "{op}: ×3 {r3:.0}/s ({c3} clients) vs ×1 {r1:.0}/s ({c1} clients) = {:.2}×",
                    r3 / r1.max(1e-9)
                ));
            }
            _ => {
                all_met = false;
                parts.push(format!("{op}: not measured"));
            }
        }
    }
    println!(
        "- PostgreSQL ×3 no slower than ×1 in total throughput (best over client counts): {} — {}",
        if all_met { "met" } else { "NOT met" },
        parts.join("; ")
    );
}

// ------------------------------------------------------------------ the disk's own floor

/// This disk's cost of the durable write every stored attachment needs, measured here before the
/// servers start: `n` new files of one attachment's size, each written and fsynced, then renamed
/// with its directory fsynced — one writer, then `writers` at once. A submission with
/// [`ATTACHMENTS`] attachments needs that many of these plus the database's commits: the submit
/// rows at the same concurrency compare with this (more writers in flight let the disk fold more
/// flushes into one journal commit). Returns the rate with `writers`.
fn disk_floor(dir: &Path, n: usize, writers: usize) -> f64 {
    use std::io::Write;
    let data = attachment("disk floor");
    let one = |tag: &str, i: usize| {
        let tmp = dir.join(format!("{tag}-{i}.tmp"));
        let mut f = std::fs::File::create(&tmp).unwrap();
        f.write_all(&data).unwrap();
        f.sync_all().unwrap();
        std::fs::rename(&tmp, dir.join(format!("{tag}-{i}"))).unwrap();
        std::fs::File::open(dir).unwrap().sync_all().unwrap();
    };
    let t = Instant::now();
    for i in 0..n {
        one("serial", i);
    }
    let serial = n as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    std::thread::scope(|s| {
        for w in 0..writers {
            let one = &one;
            s.spawn(move || {
                for i in (w..n).step_by(writers) {
                    one("parallel", i);
                }
            });
        }
    });
    let parallel = n as f64 / t.elapsed().as_secs_f64();
    println!(
        "Disk floor (this run, the bench's temp directory): durable {} KiB file writes \
         (write, fsync, rename, fsync the directory): {serial:.0}/s one at a time, \
         {parallel:.0}/s with {writers} writers — each submission needs {ATTACHMENTS}.",
        ATTACHMENT_BYTES / 1024
    );
    parallel
}

// ------------------------------------------------------------------ main

fn main() {
    let m = mode();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!(
        "\ndvc-sync load table ({}; servers, PostgreSQL and this load generator share {cores} cores)",
        m.label
    );
    let floor = {
        let floor_dir = tempfile::tempdir().unwrap();
        let n = if m.cap == u64::MAX { 600 } else { 12 };
        disk_floor(floor_dir.path(), n, 8)
    };
    let max_clients = *m.clients.iter().max().unwrap();
    let accounts = max_clients + m.devices;
    let table = Table::default();
    let pg_admin = std::env::var("DVC_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let sims = rt.block_on(async {
        let mut targets: Vec<(&'static str, Option<String>, usize)> = vec![(SQLITE, None, 1)];
        if pg_admin.is_some() {
            targets.push((PG1, pg_admin.clone(), 1));
            targets.push((PG3, pg_admin.clone(), 3));
        }
        let mut sims = Vec::new();
        for (name, admin, replicas) in targets {
            let sqlite_dir = tempfile::tempdir().unwrap();
            let (db_url, db_pid) = match &admin {
                None => (
                    format!("sqlite://{}", sqlite_dir.path().join("bench.db").display()),
                    None,
                ),
                Some(admin) => (
                    test_support::fresh_pg_database(admin, "dvc_load").await,
                    postmaster_pid(admin),
                ),
            };
            println!("\n{name}:");
            let t = Arc::new(start_target(name, db_url, replicas, accounts, db_pid).await);
            Table::header();
            throughput(&t, &m, &table).await;
            sims.push(simulate(&t, &m, max_clients, &table).await);
            drop(t);
            drop(sqlite_dir);
        }
        if pg_admin.is_none() {
            println!("\nPostgreSQL: not run: DVC_TEST_POSTGRES_URL is not set (./x bench sets it)");
        }
        sims
    });
    println!(
        "\nDevice simulation: each device one sync pass over a 3G-like link (100-300 ms RTT, \
         0.4-2 Mbit/s up, 1-4 Mbit/s down); every {SUBMIT_EVERY}th pushes a dossier with \
         {ATTACHMENTS} × 32 KiB first, every {LONG_POLL_EVERY}th holds a {} s long-poll; \
         arrivals spread over {} s. CPU in seconds per 1,000 devices.",
        m.long_poll_s,
        m.ramp.as_secs()
    );
    println!("| target        | devices |   passes ok |   pulls | submits | polls | wall s | pass p50 ms | pass p99 ms | server CPU s/1k | PG CPU s/1k | bench CPU s/1k |");
    println!("|---------------|--------:|------------:|--------:|--------:|------:|-------:|------------:|------------:|----------------:|------------:|---------------:|");
    for s in &sims {
        println!("{s}");
    }
    goals(&table, &m, pg_admin.is_some(), floor);
    let failures = table.failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "requests failed during the load bench:\n{}",
        failures.join("\n")
    );
}
