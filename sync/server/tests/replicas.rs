//! Three real `dvc-sync` processes on one PostgreSQL database behave as one server: the state
//! that changes answers lives in the database, not in a process.
//!
//! Each test starts three replicas of the built binary on a fresh database (demo-seeded), with
//! a tiny round-robin TCP proxy in front of them: every request through the proxy comes on a new
//! connection, so consecutive requests land on different replicas. The checks:
//!
//! - exactly-once submission and gap-free, unique dossier codes with many clients submitting
//!   through the proxy, each submission re-sent through other replicas (some at the same time);
//! - one resumable upload whose chunks go to different replicas, every chunk PATCHed on all three
//!   replicas at once at the same offset: exactly one PATCH wins each time (the advisory lock
//!   shared by the replicas), and the blob's bytes hash right — with the blobs in one directory,
//!   and again in one bucket of a local S3 server (moto, as the blob-store suite uses);
//! - a long-poll on one replica woken by an event written through another (`LISTEN/NOTIFY`);
//! - the login throttle: wrong passwords spread over the three replicas are refused at the same
//!   count as on one server.
//! - the outbox: with a worker on each replica (polling every 20 ms), every status message is
//!   sent exactly once.
//!
//! PostgreSQL only (SQLite is one process by nature): the tests are named `postgres::…`, which
//! `./x check` leaves out; without `DVC_TEST_POSTGRES_URL` they say so and return. `./x test`
//! always sets it. One more test checks that SQLite refuses a second server on its file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dvc_sync::test_support::{
    demo_seed_with, fresh_pg_database, jpeg, login_token, manifest, sha, ServeProcess,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};

const PG_ENV: &str = "DVC_TEST_POSTGRES_URL";

/// The tests, named `postgres::…` like the PostgreSQL half of the other suites (`./x check`
/// leaves those out; `./x test` runs them with a cluster).
mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn submissions_are_exactly_once_with_gap_free_codes_across_replicas() {
        super::submissions_are_exactly_once_with_gap_free_codes_across_replicas().await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_upload_patched_on_three_replicas_at_once_takes_each_chunk_once() {
        super::one_upload_patched_on_three_replicas_at_once_takes_each_chunk_once().await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn s3_one_upload_patched_on_three_replicas_at_once_takes_each_chunk_once() {
        super::s3_one_upload_patched_on_three_replicas_at_once_takes_each_chunk_once().await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_long_poll_on_one_replica_wakes_for_an_event_written_through_another() {
        super::a_long_poll_on_one_replica_wakes_for_an_event_written_through_another().await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_login_throttle_counts_attempts_on_every_replica() {
        super::the_login_throttle_counts_attempts_on_every_replica().await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn each_status_message_is_sent_once_by_three_outbox_workers() {
        super::each_status_message_is_sent_once_by_three_outbox_workers().await
    }
}

/// Every test is bounded: a replica that never answers fails the test instead of hanging it.
const TEST_BOUND: Duration = Duration::from_secs(240);

fn bin() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_BIN_EXE_dvc-sync"))
}

/// The PostgreSQL admin URL, or `None` (with the reason printed) when none is configured.
fn pg_admin() -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            eprintln!(
                "skipped: {PG_ENV} is not set; the replica tests need PostgreSQL (./x test sets it)"
            );
            None
        }
    }
}

/// A round-robin TCP proxy: each accepted connection goes to the next replica.
struct Proxy {
    url: String,
    /// Connections handed to each replica so far.
    served: Arc<Vec<AtomicUsize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(backends: Vec<SocketAddr>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let served: Arc<Vec<AtomicUsize>> =
            Arc::new(backends.iter().map(|_| AtomicUsize::new(0)).collect());
        let counts = Arc::clone(&served);
        let task = tokio::spawn(async move {
            let next = AtomicUsize::new(0);
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                let i = next.fetch_add(1, Ordering::Relaxed) % backends.len();
                counts[i].fetch_add(1, Ordering::Relaxed);
                let to = backends[i];
                tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Proxy { url, served, task }
    }

    fn served(&self) -> Vec<usize> {
        self.served
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Three replicas on one fresh, demo-seeded database, sharing one blob directory, behind a
/// proxy.
struct Cluster {
    replicas: Vec<ServeProcess>,
    proxy: Proxy,
    /// The test's directory (blobs, message files).
    dir: std::path::PathBuf,
    /// A client that opens a new connection for every request (so the proxy spreads them).
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// Three replicas, replica `i` set up as `extra(i, test directory)` says.
    async fn start_with(admin: &str, extra: impl Fn(usize, &std::path::Path) -> Setup) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let db = fresh_pg_database(admin, "dvc_replicas").await;
        demo_seed_with(bin(), &db);
        let blobs = dir.path().join("blobs");
        let replicas: Vec<ServeProcess> = (0..3)
            .map(|i| spawn_replica(&db, &blobs, extra(i, dir.path())))
            .collect();
        let addrs = replicas
            .iter()
            .map(|r| {
                r.url
                    .trim_start_matches("http://")
                    .parse::<SocketAddr>()
                    .unwrap()
            })
            .collect();
        let proxy = Proxy::start(addrs).await;
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        Cluster {
            replicas,
            proxy,
            http,
            dir: dir.path().to_owned(),
            _dir: dir,
        }
    }

    fn replica(&self, i: usize) -> &str {
        &self.replicas[i % self.replicas.len()].url
    }

    async fn citizen_token(&self) -> String {
        let (phone, password) = dvc_sync::seed::DEMO_CITIZEN;
        login_token(&self.http, &self.proxy.url, phone, password).await
    }
}

/// How one replica is started beyond the database.
#[derive(Default)]
struct Setup {
    /// More `serve` arguments.
    args: Vec<String>,
    /// More environment.
    env: Vec<(String, String)>,
    /// `--blobs`, if not the shared directory.
    blobs: Option<String>,
}

/// `dvc-sync serve` on a free loopback port as `setup` says (as [`ServeProcess::spawn`] does
/// without it); killed when dropped.
fn spawn_replica(db: &str, blobs: &std::path::Path, setup: Setup) -> ServeProcess {
    use std::io::BufRead;
    let blobs = setup.blobs.unwrap_or_else(|| blobs.display().to_string());
    let mut child = std::process::Command::new(bin())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db,
            "--blobs",
            &blobs,
        ])
        .args(&setup.args)
        .envs(setup.env)
        .env("DVC_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start dvc-sync");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap_or("").to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "unexpected first line: {line:?}"
    );
    ServeProcess { child, url }
}

/// Runs `story` on a fresh cluster, within [`TEST_BOUND`].
async fn on_cluster<F, Fut>(name: &str, story: F)
where
    F: FnOnce(Arc<Cluster>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    on_cluster_with(name, |_, _| Setup::default(), story).await;
}

/// [`on_cluster`] with replica `i` set up as `extra(i, test directory)` says.
async fn on_cluster_with<F, Fut>(
    name: &str,
    extra: impl Fn(usize, &std::path::Path) -> Setup,
    story: F,
) where
    F: FnOnce(Arc<Cluster>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(admin) = pg_admin() else {
        return;
    };
    let cluster = Arc::new(Cluster::start_with(&admin, extra).await);
    if tokio::time::timeout(TEST_BOUND, story(Arc::clone(&cluster)))
        .await
        .is_err()
    {
        panic!("{name}: did not finish within {TEST_BOUND:?} (a replica hung?)");
    }
}

// ------------------------------------------------------------------ exactly-once submission

/// `PUT /v1/dossiers/{uuid}` at `base`; the code answered (any 201).
async fn put_dossier(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    uuid: &str,
    m: &Value,
) -> String {
    let res = http
        .put(format!("{base}/v1/dossiers/{uuid}"))
        .bearer_auth(token)
        .json(m)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "PUT {uuid} at {base}: {body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["code"].as_str().unwrap().to_owned()
}

/// Every dossier of the account, uuid → code, read from the event feed (through the proxy).
async fn all_dossiers(c: &Cluster, token: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut after = String::from("0");
    loop {
        let page: dvc_protocol::events::EventsPage = c
            .http
            .get(format!("{}/v1/events?after={after}&limit=500", c.proxy.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for e in &page.events {
            let old = out.insert(e.dossier_uuid.clone(), e.dossier_code.clone());
            assert!(
                old.is_none_or(|c| c == e.dossier_code),
                "dossier {} changed code",
                e.dossier_uuid
            );
        }
        if !page.more {
            return out;
        }
        after = page.next_cursor;
    }
}

/// Reads the feed from the start, page after page (short long-polls), until `stop` and one more
/// page; the dossiers it saw.
async fn follow_feed(
    c: Arc<Cluster>,
    token: String,
    stop: tokio::sync::watch::Receiver<bool>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut after = String::from("0");
    loop {
        let last = *stop.borrow();
        let page: dvc_protocol::events::EventsPage = c
            .http
            .get(format!(
                "{}/v1/events?after={after}&limit=500&wait=1",
                c.proxy.url
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen.extend(page.events.iter().map(|e| e.dossier_uuid.clone()));
        after = page.next_cursor;
        if last && !page.more {
            return seen;
        }
    }
}

async fn submissions_are_exactly_once_with_gap_free_codes_across_replicas() {
    on_cluster("exactly-once", |c| async move {
        let token = c.citizen_token().await;
        const CLIENTS: usize = 8;
        const EACH: usize = 6;
        // A reader following the feed through the proxy while the dossiers come in: it must see
        // every one, though its pages come from different replicas (event seqs commit in order
        // across processes: the advisory event lock).
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let follower = {
            let (c, token) = (Arc::clone(&c), token.clone());
            tokio::spawn(follow_feed(c, token, stop_rx))
        };
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let (c, token) = (Arc::clone(&c), token.clone());
                tokio::spawn(async move {
                    let mut got: Vec<(String, Vec<String>)> = Vec::new();
                    for round in 0..EACH {
                        let uuid = uuid::Uuid::now_v7().to_string();
                        let mut m = manifest(dvc_sync::seed::DEMO_AGENCY, &[]);
                        m["form"]["client"] = json!(client);
                        m["form"]["round"] = json!(round);
                        let mut codes =
                            vec![put_dossier(&c.http, &c.proxy.url, &token, &uuid, &m).await];
                        // Re-sent (an answer lost on the way): once through the proxy (another
                        // replica), and every other time twice at once on two named replicas.
                        codes.push(put_dossier(&c.http, &c.proxy.url, &token, &uuid, &m).await);
                        if round % 2 == 0 {
                            let (a, b) = tokio::join!(
                                put_dossier(&c.http, c.replica(client + round), &token, &uuid, &m),
                                put_dossier(
                                    &c.http,
                                    c.replica(client + round + 1),
                                    &token,
                                    &uuid,
                                    &m
                                ),
                            );
                            codes.extend([a, b]);
                        }
                        got.push((uuid, codes));
                    }
                    got
                })
            })
            .collect();
        let mut sent: BTreeMap<String, String> = BTreeMap::new();
        for t in tasks {
            for (uuid, codes) in t.await.unwrap() {
                let distinct: BTreeSet<&String> = codes.iter().collect();
                assert_eq!(distinct.len(), 1, "{uuid} got several codes: {codes:?}");
                sent.insert(uuid, codes[0].clone());
            }
        }
        assert_eq!(sent.len(), CLIENTS * EACH);
        stop_tx.send_replace(true);
        let followed = follower.await.unwrap();
        let missed: Vec<&String> = sent.keys().filter(|u| !followed.contains(*u)).collect();
        assert!(
            missed.is_empty(),
            "a reader following the feed skipped {} dossiers: {missed:?}",
            missed.len()
        );
        // The server holds exactly these dossiers (one each), with these codes.
        let on_server = all_dossiers(&c, &token).await;
        assert_eq!(
            on_server, sent,
            "the server's dossiers differ from what was sent"
        );
        // Codes are unique and gap-free per day.
        let mut by_day: HashMap<String, Vec<u32>> = HashMap::new();
        for code in sent.values() {
            let mut parts = code.rsplitn(3, '-');
            let n: u32 = parts.next().unwrap().parse().unwrap();
            by_day
                .entry(parts.next().unwrap().to_owned())
                .or_default()
                .push(n);
        }
        for (day, mut ns) in by_day {
            ns.sort_unstable();
            assert_eq!(
                ns,
                (1..=ns.len() as u32).collect::<Vec<_>>(),
                "gap or duplicate among the codes of {day}"
            );
        }
        let served = c.proxy.served();
        assert!(
            served.iter().all(|n| *n > 0),
            "the proxy did not spread the requests: {served:?}"
        );
    })
    .await;
}

// ------------------------------------------------------------------ one upload, three replicas

/// One `PATCH` of `data[off..end]`; the status.
async fn patch(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    data: &[u8],
    off: usize,
    end: usize,
) -> StatusCode {
    http.request(Method::PATCH, format!("{base}/v1/uploads/{id}"))
        .bearer_auth(token)
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", off.to_string())
        .header(
            "upload-checksum",
            format!("sha256 {}", sha(&data[off..end])),
        )
        .body(data[off..end].to_vec())
        .send()
        .await
        .unwrap()
        .status()
}

async fn one_upload_patched_on_three_replicas_at_once_takes_each_chunk_once() {
    on_cluster("upload", upload_story).await;
}

/// The same with the replicas' blobs in one bucket of a local S3 server (moto): there each chunk
/// is an object named by its offset, and only the shared lock keeps two replicas from writing
/// the same one.
async fn s3_one_upload_patched_on_three_replicas_at_once_takes_each_chunk_once() {
    if pg_admin().is_none() {
        return;
    }
    let moto = dvc_sync::test_support::MotoS3::shared();
    let bucket = moto.new_bucket().await;
    let extra = |_: usize, _: &std::path::Path| Setup {
        blobs: Some(format!("s3://{bucket}/blobs")),
        env: vec![
            ("AWS_ENDPOINT_URL".into(), moto.endpoint.clone()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        ],
        ..Setup::default()
    };
    on_cluster_with("upload on S3", extra, upload_story).await;
}

/// Uploads, every chunk `PATCH`ed on all three replicas at once.
async fn upload_story(c: Arc<Cluster>) {
    {
        let token = c.citizen_token().await;
        // Several uploads, so the chunk races run many times.
        for seed in 0..3u8 {
            let data = jpeg(400_000 + usize::from(seed) * 1000, seed);
            let hash = sha(&data);
            let res = c
                .http
                .post(format!("{}/v1/uploads", c.replica(usize::from(seed))))
                .bearer_auth(&token)
                .json(&json!({"sha256": hash, "length": data.len()}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
            let id = res.json::<Value>().await.unwrap()["upload_id"]
                .as_str()
                .unwrap()
                .to_owned();
            let chunk = 32 * 1024;
            let mut off = 0;
            while off < data.len() {
                let end = (off + chunk).min(data.len());
                let last = end == data.len();
                // The same chunk at the same offset on all three replicas at once.
                let (a, b, d) = tokio::join!(
                    patch(&c.http, c.replica(0), &token, &id, &data, off, end),
                    patch(&c.http, c.replica(1), &token, &id, &data, off, end),
                    patch(&c.http, c.replica(2), &token, &id, &data, off, end),
                );
                let statuses = [a, b, d];
                let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
                assert_eq!(
                    won, 1,
                    "chunk {off}..{end} of upload {seed}: exactly one PATCH must win, got {statuses:?}"
                );
                for s in statuses.iter().filter(|s| **s != StatusCode::OK) {
                    // The others find the offset moved on (or, after the last chunk, the upload
                    // finished and gone).
                    assert!(
                        *s == StatusCode::CONFLICT || (last && *s == StatusCode::NOT_FOUND),
                        "chunk {off}..{end}: a losing PATCH answered {s}"
                    );
                }
                // The server's offset, asked through the proxy (any replica).
                let res = c
                    .http
                    .head(format!("{}/v1/uploads/{id}", c.proxy.url))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                if last {
                    assert_eq!(
                        res.status(),
                        StatusCode::NOT_FOUND,
                        "finished upload still open"
                    );
                } else {
                    assert_eq!(
                        res.headers()["upload-offset"].to_str().unwrap(),
                        end.to_string()
                    );
                }
                off = end;
            }
            // The blob reads back whole from every replica.
            for i in 0..3 {
                let res = c
                    .http
                    .get(format!("{}/v1/blobs/{hash}", c.replica(i)))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), StatusCode::OK);
                let bytes = res.bytes().await.unwrap();
                assert_eq!(
                    sha(&bytes),
                    hash,
                    "upload {seed}: the stored bytes hash wrong"
                );
            }
        }
    }
}

// ------------------------------------------------------------------ long-poll wake-ups

/// The wait asked for: the protocol's longest. A poll that is not woken answers only after it.
const WAIT_S: u32 = dvc_protocol::events::MAX_WAIT_S;
/// How long a woken poll may take to answer: generous, and well below [`WAIT_S`], so a poll
/// that was not woken (and would answer only after its wait) fails the test.
const WOKEN_WITHIN: Duration = Duration::from_secs(20);

async fn a_long_poll_on_one_replica_wakes_for_an_event_written_through_another() {
    on_cluster("long-poll", |c| async move {
        let token = c.citizen_token().await;
        let mut cursor = String::from("0");
        // Each pair once: poll on A, write through B.
        for (a, b) in [(0, 1), (1, 2), (2, 0)] {
            let poll = {
                let (http, url, token, cursor) = (
                    c.http.clone(),
                    c.replica(a).to_owned(),
                    token.clone(),
                    cursor.clone(),
                );
                tokio::spawn(async move {
                    http.get(format!("{url}/v1/events?after={cursor}&wait={WAIT_S}"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap()
                        .json::<dvc_protocol::events::EventsPage>()
                        .await
                        .unwrap()
                })
            };
            // Let the poll reach its wait (if it has not, it simply finds the event at once).
            tokio::time::sleep(Duration::from_millis(500)).await;
            let uuid = uuid::Uuid::now_v7().to_string();
            let code = put_dossier(
                &c.http,
                c.replica(b),
                &token,
                &uuid,
                &manifest(dvc_sync::seed::DEMO_AGENCY, &[]),
            )
            .await;
            let page = tokio::time::timeout(WOKEN_WITHIN, poll)
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "the long-poll on replica {a} was not woken by the event written through \
                         replica {b} (it would answer only after its {WAIT_S} s wait)"
                    )
                })
                .unwrap();
            assert_eq!(page.events.len(), 1, "poll on {a}: {page:?}");
            assert_eq!(page.events[0].dossier_uuid, uuid);
            assert_eq!(page.events[0].dossier_code, code);
            cursor = page.next_cursor;
        }
    })
    .await;
}

// ------------------------------------------------------------------ login throttle

async fn the_login_throttle_counts_attempts_on_every_replica() {
    on_cluster("login throttle", |c| async move {
        let (phone, password) = dvc_sync::seed::DEMO_CITIZEN;
        let max = dvc_sync::limits::AuthConfig::default().login_per_login.max as usize;
        let before = c.proxy.served();
        let mut statuses = Vec::new();
        for _ in 0..max + 1 {
            let res = c
                .http
                .post(format!("{}/v1/auth/login", c.proxy.url))
                .json(&json!({"login": phone, "password": "not the password"}))
                .send()
                .await
                .unwrap();
            statuses.push(res.status());
        }
        let after = c.proxy.served();
        let spread: Vec<usize> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
        assert!(
            spread.iter().all(|n| *n >= 2),
            "the attempts did not reach every replica: {spread:?}"
        );
        // As on one server: `max` wrong passwords refused as such, then the throttle.
        let expected: Vec<StatusCode> = std::iter::repeat_n(StatusCode::UNAUTHORIZED, max)
            .chain([StatusCode::TOO_MANY_REQUESTS])
            .collect();
        assert_eq!(
            statuses, expected,
            "attempts spread over replicas {spread:?}"
        );
        // And the right password is throttled too, on every replica.
        for i in 0..3 {
            let res = c
                .http
                .post(format!("{}/v1/auth/login", c.replica(i)))
                .json(&json!({"login": phone, "password": password}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "replica {i}");
        }
    })
    .await;
}

// ------------------------------------------------------------------ the outbox, three workers

/// The status messages replica `i` wrote to its message file: their ids.
fn sent_by(dir: &std::path::Path, i: usize) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join(format!("messages-{i}.jsonl"))) else {
        return Vec::new();
    };
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["kind"] == "status")
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn each_status_message_is_sent_once_by_three_outbox_workers() {
    let extra = |i: usize, dir: &std::path::Path| Setup {
        args: vec![
            "--dev-message-file".to_owned(),
            dir.join(format!("messages-{i}.jsonl"))
                .display()
                .to_string(),
            "--outbox-poll-ms".to_owned(),
            "20".to_owned(),
        ],
        ..Setup::default()
    };
    on_cluster_with("outbox", extra, |c| async move {
        let token = c.citizen_token().await;
        let res = c
            .http
            .put(format!("{}/v1/me/notifications", c.proxy.url))
            .bearer_auth(&token)
            .json(&json!({"channels": ["sms"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        // Dossiers through the proxy, a few at a time: one "received" message each, written in
        // the submission's transaction on whichever replica took it.
        const DOSSIERS: usize = 24;
        for batch in 0..DOSSIERS / 4 {
            let puts = (0..4).map(|k| {
                let (c, token) = (Arc::clone(&c), token.clone());
                async move {
                    let mut m = manifest(dvc_sync::seed::DEMO_AGENCY, &[]);
                    m["form"]["n"] = json!(batch * 4 + k);
                    let uuid = uuid::Uuid::now_v7().to_string();
                    put_dossier(&c.http, &c.proxy.url, &token, &uuid, &m).await
                }
            });
            futures_util::future::join_all(puts).await;
        }
        // Until every message is out (bounded by the test's bound)...
        loop {
            let all: BTreeSet<String> = (0..3).flat_map(|i| sent_by(&c.dir, i)).collect();
            if all.len() >= DOSSIERS {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // ...and then many more polls of every worker: nothing is sent twice.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let per_replica: Vec<Vec<String>> = (0..3).map(|i| sent_by(&c.dir, i)).collect();
        let mut times: BTreeMap<&String, usize> = BTreeMap::new();
        for id in per_replica.iter().flatten() {
            *times.entry(id).or_default() += 1;
        }
        let twice: Vec<_> = times.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "messages sent more than once: {twice:?}");
        assert_eq!(times.len(), DOSSIERS, "one message per dossier");
        eprintln!(
            "outbox: messages sent per replica {:?}",
            per_replica.iter().map(Vec::len).collect::<Vec<_>>()
        );
    })
    .await;
}

// ------------------------------------------------------------------ SQLite: one server only

/// A second `serve` on a SQLite file another `serve` holds is refused (SQLite is one process);
/// once the first is gone, even by `kill -9`, a new one starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_second_server_on_one_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("one.db").display());
    let blobs = dir.path().join("blobs");
    let mut first = ServeProcess::spawn(bin(), &db, &blobs);
    let mut second = std::process::Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--db", &db, "--blobs"])
        .arg(&blobs)
        .env("DVC_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded: a second server that starts serving would never exit.
    let mut status = None;
    for _ in 0..600 {
        if let Some(s) = second.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(status) = status else {
        let _ = second.kill();
        let _ = second.wait();
        panic!("a second server on one SQLite file kept running");
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut second.stderr.take().unwrap(), &mut err).unwrap();
    assert!(!status.success(), "the second server exited with success");
    assert!(
        err.contains("is in use by another `dvc-sync serve`"),
        "unexpected refusal: {err}"
    );
    // The first is unaffected; after it dies, the file can be served again.
    let res = reqwest::get(format!("{}/healthz", first.url))
        .await
        .unwrap();
    assert!(res.status().is_success());
    first.kill();
    let again = ServeProcess::spawn(bin(), &db, &blobs);
    let res = reqwest::get(format!("{}/healthz", again.url))
        .await
        .unwrap();
    assert!(res.status().is_success());
}
