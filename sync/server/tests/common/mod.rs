//! Test harness: a real server on 127.0.0.1:0 over SQLite (temp file) or PostgreSQL (a fresh
//! database per test on the cluster named by `DVC_TEST_POSTGRES_URL`, which `./x test` starts),
//! blobs in a directory or, for the stories of [`on_s3_blobs!`], in S3 (a local moto server).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test support: a panic is the failure report

use std::sync::Arc;

use dvc_protocol::auth::{AccountInfo, LoginResponse, Role};
use dvc_protocol::dossiers::DossierReceipt;
use dvc_sync::clock::ManualClock;
use dvc_sync::config::Config;
use dvc_sync::db::Db;
use dvc_sync::otp::MemoryOtpSender;
use dvc_sync::server::RunningServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[allow(unused_imports)] // each test binary uses its own part of the shared set-up
pub use dvc_sync::test_support::{
    cookie_from, fresh_pg_database, hidden_csrf, jpeg, manifest, sha, upload, Console,
};

pub const PG_ENV: &str = "DVC_TEST_POSTGRES_URL";
pub const AGENCY_X: &str = "000.30.27.H23";
pub const AGENCY_Y: &str = "G01.837.000.000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one test per backend from `async fn name(b: Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name($crate::common::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name($crate::common::Backend::Postgres).await } )* }
    };
}

/// Runs stories once more on SQLite with the server's blobs in S3 (a bucket of a local moto
/// server, see `dvc_sync::test_support::MotoS3`): `<module>::s3::<story>`.
#[macro_export]
macro_rules! on_s3_blobs {
    ($($name:ident),* $(,)?) => {
        mod s3 { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { $crate::common::with_s3_blobs(super::$name($crate::common::Backend::Sqlite)).await } )* }
    };
}

tokio::task_local! {
    /// Set by [`with_s3_blobs`]: [`Harness::start_with`] puts the server's blobs in S3.
    static S3_BLOBS: bool;
}

/// Runs `story` with every [`Harness`] it starts keeping its blobs in S3 rather than a directory.
pub async fn with_s3_blobs<F: std::future::Future>(story: F) -> F::Output {
    S3_BLOBS.scope(true, story).await
}

/// The PostgreSQL admin URL, or a loud failure explaining how to get one.
pub fn pg_admin_url() -> String {
    match std::env::var(PG_ENV) {
        Ok(u) if !u.is_empty() => u,
        _ => panic!(
            "{PG_ENV} is not set: the PostgreSQL half of the dvc-sync suite needs a server. \
             Run `./x test` (it starts a throwaway cluster), or set {PG_ENV}=postgresql://USER@/postgres?host=SOCKET_DIR&port=PORT"
        ),
    }
}

/// A fresh, empty database URL for this backend, plus the temp dir that holds its files.
pub async fn fresh_db_url(b: Backend, dir: &std::path::Path) -> String {
    match b {
        Backend::Sqlite => format!("sqlite://{}", dir.join("test.db").display()),
        Backend::Postgres => fresh_pg_database(&pg_admin_url(), "dvc_test").await,
    }
}

pub struct Harness {
    pub server: RunningServer,
    pub http: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub otp: Arc<MemoryOtpSender>,
    pub db: Db,
    pub backend: Backend,
    pub _dir: tempfile::TempDir,
}

pub struct User {
    pub token: String,
    pub account: AccountInfo,
    pub phone: String,
    pub password: String,
}

static PHONE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

pub fn next_phone() -> String {
    let n = PHONE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("0987{:06}", n + std::process::id() % 1000 * 1000)
}

impl Harness {
    pub async fn start(b: Backend) -> Harness {
        Self::start_with(
            b,
            Config {
                secure_cookies: false,
                ..Config::default()
            },
        )
        .await
    }

    pub async fn start_with(b: Backend, cfg: Config) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_db_url(b, dir.path()).await;
        let db = dvc_sync::db::open(&url).await.unwrap();
        let clock = Arc::new(ManualClock::default());
        let otp = Arc::new(MemoryOtpSender::default());
        let state = if S3_BLOBS.try_with(|on| *on).unwrap_or(false) {
            let blobs = dvc_sync::test_support::MotoS3::shared().store().await;
            dvc_sync::server::build_state_on(
                db.clone(),
                Arc::new(blobs),
                cfg,
                clock.clone(),
                dvc_sync::notify::Notifiers::otp_only(otp.clone()),
            )
            .await
            .unwrap()
        } else {
            dvc_sync::server::build_state(
                db.clone(),
                &dir.path().join("blobs"),
                cfg,
                clock.clone(),
                otp.clone(),
            )
            .await
            .unwrap()
        };
        let now = clock.now();
        db.upsert_agency(AGENCY_X, "Công an xã X (thử nghiệm)", now)
            .await
            .unwrap();
        db.upsert_agency(AGENCY_Y, "Công an tỉnh Y (thử nghiệm)", now)
            .await
            .unwrap();
        // Agency X takes fees into the synthetic demo account; Y has none configured.
        db.set_agency_bank(
            AGENCY_X,
            &dvc_protocol::events::BankAccount {
                bank_bin: "970415".into(),
                account_number: "0000123456789".into(),
                account_name: "DEMO CO QUAN".into(),
            },
        )
        .await
        .unwrap();
        let server = dvc_sync::server::spawn("127.0.0.1:0", state).await.unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Harness {
            server,
            http,
            clock,
            otp,
            db,
            backend: b,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r
    }

    pub async fn json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self.req(method, path, token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let res = r.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, v)
    }

    /// Registers (with the OTP the memory sender captured) and logs in.
    pub async fn user(&self, role: Role) -> User {
        let phone = next_phone();
        let password = "mật-khẩu-thử-1".to_owned();
        let role = serde_json::to_value(role).unwrap();
        let (s, v) = self
            .json(
                Method::POST,
                "/v1/auth/register",
                None,
                Some(registration(&phone, &password, role.as_str().unwrap())),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        let otp = wait_code(self, &phone).await;
        let (s, v) = self
            .json(
                Method::POST,
                "/v1/auth/register/verify",
                None,
                Some(json!({"phone": phone, "otp": otp})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        self.login(&phone, &password).await
    }

    pub async fn login(&self, login: &str, password: &str) -> User {
        let (s, v) = self
            .json(
                Method::POST,
                "/v1/auth/login",
                None,
                Some(json!({"login": login, "password": password, "device_name": "test"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let l: LoginResponse = serde_json::from_value(v).unwrap();
        User {
            token: l.token,
            account: l.account,
            phone: login.to_owned(),
            password: password.to_owned(),
        }
    }

    /// A staff account made directly (as `dvc-sync user add` does), logged in.
    pub async fn staff(&self, role: Role, agency: Option<&str>) -> User {
        let login = format!("staff{}", uuid::Uuid::now_v7().simple())
            .chars()
            .take(40)
            .collect::<String>();
        let password = "staff-password-1".to_owned();
        let state = &self.server.state;
        let req = dvc_protocol::auth::CreateStaffRequest {
            login: login.clone(),
            password: password.clone(),
            role,
            agency_code: agency.map(str::to_owned),
            display_name: Some("Cán bộ thử".into()),
        };
        dvc_sync::api::admin::create_staff(state, req)
            .await
            .map_err(|e| e.body)
            .unwrap();
        self.login(&login, &password).await
    }

    /// Uploads `data` in chunks of `chunk` bytes; returns the hash.
    pub async fn upload(&self, token: &str, data: &[u8], chunk: usize) -> String {
        upload(&self.http, &self.server.url(), token, data, chunk).await
    }

    /// The officer console, signed in as `u` (a staff account).
    pub async fn console(&self, u: &User) -> Console {
        Console::login(&self.server.url(), &u.phone, &u.password).await
    }

    pub async fn submit(&self, token: &str, uuid: &str, manifest: &Value) -> (StatusCode, Value) {
        self.json(
            Method::PUT,
            &format!("/v1/dossiers/{uuid}"),
            Some(token),
            Some(manifest.clone()),
        )
        .await
    }

    pub async fn submit_ok(&self, token: &str, manifest: &Value) -> DossierReceipt {
        let uuid = uuid::Uuid::now_v7().to_string();
        let (s, v) = self.submit(token, &uuid, manifest).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        serde_json::from_value(v).unwrap()
    }
}

trait Now {
    fn now(&self) -> i64;
}
impl Now for ManualClock {
    fn now(&self) -> i64 {
        dvc_sync::clock::Clock::now_ms(self)
    }
}

/// A registration body with synthetic identity details (a woman born 1985-06-05 in TP. Hồ Chí
/// Minh: ID number 079185xxxxxx).
pub fn registration(phone: &str, password: &str, role: &str) -> Value {
    json!({
        "phone": phone, "password": password, "role": role,
        "full_name": "Lê Thị Mẫu", "id_number": "079185000321", "birth_date": "1985-06-05"
    })
}

/// The code the memory sender got for `phone` (codes go out in the background: waits a little).
pub async fn wait_code(h: &Harness, phone: &str) -> String {
    for _ in 0..200 {
        if let Some(code) = h.otp.code_for(phone) {
            return code;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no code was sent to the phone");
}
