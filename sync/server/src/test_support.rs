//! Test set-up shared by this crate's API suite, the `dvc` CLI tests, the cross-component tests in
//! `tests/` and the load bench (built with the `test-support` feature; the server never calls it):
//! a demo server in the process or the real binary in a child process, a citizen's token,
//! resumable uploads, a synthetic passport manifest, a fresh PostgreSQL database, and the officer
//! console driven like a browser (login with the CSRF cookie dance, action forms, result upload).
//!
//! A panic is the failure report here, as in any test: the helpers assert what they need.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use dvc_protocol::blobs::UploadStatus;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::server::RunningServer;

/// The one-time codes the development file sender ([`crate::notify::FileNotifier`]) wrote to
/// `file`, oldest first: all of them, or those for `phone`.
pub fn codes_in(file: &Path, phone: Option<&str>) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["kind"] == "otp")
        .filter(|v| phone.is_none_or(|p| v["phone"].as_str() == Some(p)))
        .filter_map(|v| v["code"].as_str().map(str::to_owned))
        .collect()
}

/// The `n`-th code (1-based) of [`codes_in`], waiting up to 20 s for the server's background
/// sender to write it; panics when it never comes.
pub async fn wait_code(file: &Path, phone: Option<&str>, n: usize) -> String {
    for _ in 0..400 {
        if let Some(c) = codes_in(file, phone).get(n - 1) {
            return c.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server wrote no code #{n} to its message file");
}

/// [`wait_code`] for a test without an async runtime of its own (it sleeps the thread).
pub fn wait_code_blocking(file: &Path, phone: Option<&str>, n: usize) -> String {
    for _ in 0..600 {
        if let Some(c) = codes_in(file, phone).get(n - 1) {
            return c.clone();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the server wrote no code #{n} to its message file");
}

/// Hex SHA-256 of `data`, as blob ids and manifests name files.
pub fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// `4 + n` bytes that start like a JPEG file; `seed` makes different files of the same length.
pub fn jpeg(n: usize, seed: u8) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend((0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    v
}

/// A synthetic passport manifest (procedure 1.001456) for `agency`, with one portrait per
/// `(sha256, size)` and postal delivery.
pub fn manifest(agency: &str, attachments: &[(&str, usize)]) -> Value {
    json!({
        "procedure_code": "1.001456",
        "agency_code": agency,
        "form": {"ho_ten": "Nguyễn Văn Thử", "ngay_sinh": "01/01/1990", "so_ban": 1, "dong_y": true},
        "attachments": attachments.iter().map(|(h, size)| json!({"kind": "portrait_4x6", "sha256": h, "content_type": "image/jpeg", "size": size})).collect::<Vec<_>>(),
        "delivery": {"method": "postal", "recipient": "Nguyễn Văn Thử", "address": "Số 1, xã Thử, tỉnh Thử", "phone": "0912345678"}
    })
}

// ---------------------------------------------------------------- servers

/// A server in this process on `127.0.0.1:0`: SQLite in `dir` (`server.db`, `blobs/`), the system
/// clock, OTPs kept in memory, cookies without `Secure` (plain http). With `seed`, the demo
/// agency and accounts of [`crate::seed`] are added first; without, the same storage is reopened.
pub async fn demo_server(dir: &Path, seed: bool) -> RunningServer {
    demo_server_with(dir, seed, Arc::new(crate::otp::MemoryOtpSender::default())).await
}

/// [`demo_server`] with its message sender, e.g. a [`crate::notify::FileNotifier`] whose file a
/// test reads the one-time codes from, as a phone reads its SMS.
pub async fn demo_server_with(
    dir: &Path,
    seed: bool,
    otp: Arc<dyn crate::notify::Notifier>,
) -> RunningServer {
    let url = format!("sqlite://{}", dir.join("server.db").display());
    let db = crate::db::open(&url).await.unwrap();
    let clock = Arc::new(crate::clock::SystemClock);
    if seed {
        crate::seed::demo_seed(&db, crate::clock::Clock::now_ms(clock.as_ref()))
            .await
            .unwrap();
    }
    let state = crate::server::build_state(
        db,
        &dir.join("blobs"),
        crate::config::Config {
            secure_cookies: false,
            ..Default::default()
        },
        clock,
        otp,
    )
    .await
    .unwrap();
    crate::server::spawn("127.0.0.1:0", state).await.unwrap()
}

/// [`demo_server`] (seeded) on a clock the test sets by hand: due dates and the console's
/// dashboard at a chosen day, without waiting.
pub async fn demo_server_at(dir: &Path, clock: Arc<crate::clock::ManualClock>) -> RunningServer {
    let url = format!("sqlite://{}", dir.join("server.db").display());
    let db = crate::db::open(&url).await.unwrap();
    crate::seed::demo_seed(&db, crate::clock::Clock::now_ms(clock.as_ref()))
        .await
        .unwrap();
    let state = crate::server::build_state(
        db,
        &dir.join("blobs"),
        crate::config::Config {
            secure_cookies: false,
            ..Default::default()
        },
        clock,
        Arc::new(crate::otp::MemoryOtpSender::default()),
    )
    .await
    .unwrap();
    crate::server::spawn("127.0.0.1:0", state).await.unwrap()
}

/// `dvc-sync demo-seed --db <db>` with the binary at `bin` (a test's
/// `env!("CARGO_BIN_EXE_dvc-sync")`).
pub fn demo_seed_with(bin: &Path, db: &str) {
    let st = Command::new(bin)
        .args(["demo-seed", "--db", db])
        .env("DVC_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "dvc-sync demo-seed failed");
}

/// `dvc-sync serve` in a child process on a free loopback port; killed (SIGKILL) when dropped.
pub struct ServeProcess {
    pub child: Child,
    /// `http://127.0.0.1:<port>`, read from the first line the server prints.
    pub url: String,
}

impl ServeProcess {
    pub fn spawn(bin: &Path, db: &str, blobs: &Path) -> ServeProcess {
        Self::spawn_with_env(bin, db, blobs, &[])
    }

    /// As [`ServeProcess::spawn`], with more environment (e.g. the power-loss shim's).
    pub fn spawn_with_env(
        bin: &Path,
        db: &str,
        blobs: &Path,
        env: &[(String, String)],
    ) -> ServeProcess {
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--db", db, "--blobs"])
            .arg(blobs)
            .env("DVC_LOG", "warn")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dvc-sync");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().rsplit(' ').next().unwrap_or("").to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "unexpected first line: {line:?}"
        );
        ServeProcess { child, url }
    }

    /// SIGKILL, and wait until it is gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---------------------------------------------------------------- PostgreSQL

/// Replaces the database name in a `postgresql://user@host/db?params` URL.
pub fn pg_url_with_db(admin: &str, db: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    let mut url = format!("{}/{}", &base[..authority_end], db);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

/// Creates a new, empty database named `<prefix>_<uuid>` on the cluster of `admin` and returns
/// its URL.
pub async fn fresh_pg_database(admin: &str, prefix: &str) -> String {
    let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    let (client, conn) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
        .await
        .expect("connect to test PostgreSQL");
    let task = tokio::spawn(conn);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    drop(client);
    let _ = task.await;
    pg_url_with_db(admin, &name)
}

// ---------------------------------------------------------------- the public API as a client

/// Logs in at `base` (`http://…`) and returns the bearer token.
pub async fn login_token(
    http: &reqwest::Client,
    base: &str,
    login: &str,
    password: &str,
) -> String {
    let res = http
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "login {login}");
    let v: Value = res.json().await.unwrap();
    v["token"].as_str().unwrap().to_owned()
}

/// Uploads `data` in chunks of `chunk` bytes (or finds it already there); returns its hash.
pub async fn upload(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    data: &[u8],
    chunk: usize,
) -> String {
    let h = sha(data);
    let res = http
        .post(format!("{base}/v1/uploads"))
        .bearer_auth(token)
        .json(&json!({"sha256": h, "length": data.len()}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{status} {text}");
    let st: UploadStatus = serde_json::from_str(&text).unwrap();
    if st.complete {
        return h;
    }
    let id = st.upload_id.unwrap();
    let mut off = usize::try_from(st.offset).unwrap();
    while off < data.len() {
        let end = (off + chunk).min(data.len());
        let part = &data[off..end];
        let res = http
            .patch(format!("{base}/v1/uploads/{id}"))
            .bearer_auth(token)
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", off.to_string())
            .header("upload-checksum", format!("sha256 {}", sha(part)))
            .body(part.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
        off = end;
    }
    h
}

// ---------------------------------------------------------------- the officer console

/// The value of the cookie `name` a response sets, if any.
pub fn cookie_from(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| {
            c[name.len() + 1..]
                .split(';')
                .next()
                .unwrap_or("")
                .to_owned()
        })
}

/// The hidden `csrf` field of a console page.
pub fn hidden_csrf(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let i = page.find(marker).expect("csrf field on page") + marker.len();
    page[i..].split('"').next().unwrap().to_owned()
}

/// An officer signed in to the web console the way a browser does it: the login page sets a
/// pre-login cookie and a CSRF field, the login form answers 303 with the session cookie, and
/// every later form carries the session's CSRF token.
pub struct Console {
    http: reqwest::Client,
    base: String,
    /// The `Cookie` header value: `dvc_session=…`.
    pub cookie: String,
    /// The session's CSRF token (from the dossier list page).
    pub csrf: String,
}

impl Console {
    /// Signs in at `base` (`http://…`, no trailing slash); panics if the console refuses.
    pub async fn login(base: &str, login: &str, password: &str) -> Console {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let res = http
            .get(format!("{base}/console/login"))
            .send()
            .await
            .unwrap();
        let pre = cookie_from(&res, "dvc_login").expect("the login page sets dvc_login");
        let csrf = hidden_csrf(&res.text().await.unwrap());
        let res = http
            .post(format!("{base}/console/login"))
            .header("cookie", format!("dvc_login={pre}"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", login),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "console login failed");
        let cookie = format!(
            "dvc_session={}",
            cookie_from(&res, "dvc_session").expect("the login sets dvc_session")
        );
        let mut console = Console {
            http,
            base: base.to_owned(),
            cookie,
            csrf: String::new(),
        };
        let (_, page) = console.page("/console/dossiers").await;
        console.csrf = hidden_csrf(&page);
        console
    }

    /// The demo officer of [`crate::seed`].
    pub async fn demo_officer(base: &str) -> Console {
        let (login, password) = crate::seed::DEMO_OFFICER;
        Console::login(base, login, password).await
    }

    /// GET a console page with the session: status and body.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    }

    /// Posts a dossier's action form (`action=accept|fee|paid|supplement|postal|complete|…` and
    /// its fields) with `csrf` as the token: the raw answer (303 when applied).
    pub async fn act_with_csrf(
        &self,
        csrf: &str,
        uuid: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf)];
        form.extend_from_slice(fields);
        self.http
            .post(format!("{}/console/dossiers/{uuid}/action", self.base))
            .header("cookie", &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// [`act_with_csrf`](Self::act_with_csrf) with the session's token.
    pub async fn act(&self, uuid: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.act_with_csrf(&self.csrf, uuid, fields).await
    }

    /// An action that must be applied (303); panics with the console's answer otherwise.
    pub async fn act_ok(&self, uuid: &str, fields: &[(&str, &str)]) {
        let res = self.act(uuid, fields).await;
        let status = res.status();
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "{fields:?}: {}",
            res.text().await.unwrap()
        );
    }

    /// Uploads a dossier's result file (multipart, as the console's form does): the raw answer
    /// (303 when stored).
    pub async fn upload_result(
        &self,
        uuid: &str,
        bytes: Vec<u8>,
        file_name: &str,
        mime: &str,
    ) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .text("csrf", self.csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(file_name.to_owned())
                    .mime_str(mime)
                    .unwrap(),
            );
        self.http
            .post(format!("{}/console/dossiers/{uuid}/result", self.base))
            .header("cookie", &self.cookie)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts one of a dossier's record forms (`notes`, `identity`) with the session's token:
    /// the raw answer (303 when stored).
    pub async fn record(
        &self,
        uuid: &str,
        form: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut body: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        body.extend_from_slice(fields);
        self.http
            .post(format!("{}/console/dossiers/{uuid}/{form}", self.base))
            .header("cookie", &self.cookie)
            .form(&body)
            .send()
            .await
            .unwrap()
    }

    /// Uploads a scanned paper into a dossier's record (multipart, as the console's form does):
    /// the raw answer (303 when stored).
    pub async fn try_upload_paper(
        &self,
        uuid: &str,
        kind: &str,
        pages: &str,
        bytes: Vec<u8>,
        mime: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let form = reqwest::multipart::Form::new()
            .text("csrf", self.csrf.clone())
            .text("kind", kind.to_owned())
            .text("pages", pages.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name("ban-quet")
                    .mime_str(mime)
                    .unwrap(),
            );
        self.http
            .post(format!("{}/console/dossiers/{uuid}/papers", self.base))
            .header("cookie", &self.cookie)
            .multipart(form)
            .send()
            .await
    }

    /// [`Self::try_upload_paper`], failing the test on a transport error.
    pub async fn upload_paper(
        &self,
        uuid: &str,
        kind: &str,
        pages: &str,
        bytes: Vec<u8>,
        mime: &str,
    ) -> reqwest::Response {
        self.try_upload_paper(uuid, kind, pages, bytes, mime)
            .await
            .unwrap()
    }

    /// Signs out (the session ends): the raw answer (303).
    pub async fn logout(&self) -> reqwest::Response {
        self.http
            .post(format!("{}/console/logout", self.base))
            .header("cookie", &self.cookie)
            .form(&[("csrf", self.csrf.as_str())])
            .send()
            .await
            .unwrap()
    }
}

// ---------------------------------------------------------------- S3 (a local moto server)

/// The environment variable naming a Python interpreter that has `moto[server]` (`./x` installs
/// one into `target/moto-s3` and sets it).
pub const MOTO_PYTHON_ENV: &str = "DVC_TEST_MOTO_PYTHON";

/// A local S3-compatible server: Python's `moto` on `127.0.0.1:<free port>`, one per test binary,
/// started on first use. It reads its standard input until end of file, then exits, so it goes
/// away with the test process however that ends (its pipe closes); [`MotoS3`]'s `Drop` also kills
/// it for a handle that is not the shared one.
pub struct MotoS3 {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

const MOTO_SERVER_PY: &str = r#"
import os, sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
os._exit(0)
"#;

/// The interpreter with moto: `DVC_TEST_MOTO_PYTHON`, else `target/moto-s3` of this workspace if
/// it is there; otherwise the S3 tests fail, loudly — they never pass by not running.
pub fn moto_python() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os(MOTO_PYTHON_ENV).filter(|p| !p.is_empty()) {
        return p.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/moto-s3/bin/python");
    if venv.exists() {
        return venv;
    }
    panic!(
        "{MOTO_PYTHON_ENV} is not set and target/moto-s3 is missing: the S3 blob-store tests need \
         a local S3 server. Run them through `./x test` or `./x check` (they install moto into \
         target/moto-s3), or set {MOTO_PYTHON_ENV} to a Python that has `moto[server]`"
    );
}

impl MotoS3 {
    /// Starts a moto server (see [`moto_python`]) and waits until it answers.
    pub fn start() -> MotoS3 {
        let python = moto_python();
        let mut child = Command::new(&python)
            .args(["-c", MOTO_SERVER_PY])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start moto with {}: {e}", python.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Ok(port) = line.trim().parse::<u16>() else {
            let _ = child.kill();
            panic!(
                "moto did not start with {} (it printed {line:?}); check that it has \
                 `moto[server]`: {} -c 'from moto.server import ThreadedMotoServer'",
                python.display(),
                python.display()
            );
        };
        MotoS3 {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// The moto server of this test binary, started on first use and shared by its tests (each
    /// takes a bucket of its own).
    pub fn shared() -> &'static MotoS3 {
        static MOTO: std::sync::OnceLock<MotoS3> = std::sync::OnceLock::new();
        MOTO.get_or_init(MotoS3::start)
    }

    /// Creates a new, empty bucket with a unique name and returns it.
    pub async fn new_bucket(&self) -> String {
        let bucket = format!("dvc-test-{}", uuid::Uuid::now_v7().simple());
        // moto accepts unsigned requests: a plain PUT makes the bucket.
        let res = reqwest::Client::new()
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "create bucket: {}", res.status());
        bucket
    }

    /// A blob store in a new bucket of this server, under the prefix `dvc/blobs`.
    pub async fn store(&self) -> crate::blobstore::S3BlobStore {
        let bucket = self.new_bucket().await;
        let loc = crate::blobstore::S3Location::parse(&format!("{bucket}/dvc/blobs")).unwrap();
        let store = crate::blobstore::S3BlobStore::with_builder(
            &loc,
            object_store::aws::AmazonS3Builder::new()
                .with_endpoint(&self.endpoint)
                .with_region("us-east-1")
                .with_access_key_id("testing")
                .with_secret_access_key("testing"),
        )
        .unwrap();
        store.check().await.unwrap();
        store
    }
}

impl Drop for MotoS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
