//! Test harness: a real server on 127.0.0.1:0 over SQLite (temp file) or PostgreSQL (a fresh
//! database per test on the cluster named by `DVC_TEST_POSTGRES_URL`, which `./x test` starts).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test support: a panic is the failure report

use std::sync::Arc;

use dvc_protocol::auth::{AccountInfo, LoginResponse, RegisterResponse, Role};
use dvc_protocol::blobs::UploadStatus;
use dvc_protocol::dossiers::DossierReceipt;
use dvc_sync::clock::ManualClock;
use dvc_sync::config::Config;
use dvc_sync::db::Db;
use dvc_sync::otp::MemoryOtpSender;
use dvc_sync::server::RunningServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

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

/// A fresh, empty database URL for this backend, plus the temp dir that holds its files.
pub async fn fresh_db_url(b: Backend, dir: &std::path::Path) -> String {
    match b {
        Backend::Sqlite => format!("sqlite://{}", dir.join("test.db").display()),
        Backend::Postgres => {
            let admin = pg_admin_url();
            let name = format!("dvc_test_{}", uuid::Uuid::now_v7().simple());
            let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                .await
                .expect("connect to test PostgreSQL");
            let h = tokio::spawn(conn);
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            drop(client);
            let _ = h.await;
            pg_url_with_db(&admin, &name)
        }
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

pub fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
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
        let state = dvc_sync::server::build_state(
            db.clone(),
            &dir.path().join("blobs"),
            cfg,
            clock.clone(),
            otp.clone(),
        )
        .await
        .unwrap();
        let now = clock.now();
        db.upsert_agency(AGENCY_X, "Công an xã X (thử nghiệm)", now)
            .await
            .unwrap();
        db.upsert_agency(AGENCY_Y, "Công an tỉnh Y (thử nghiệm)", now)
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
        let (s, v) = self
            .json(
                Method::POST,
                "/v1/auth/register",
                None,
                Some(json!({"phone": phone, "password": password, "role": role})),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        let reg: RegisterResponse = serde_json::from_value(v).unwrap();
        let otp = self.otp.code_for(&reg.registration_id).unwrap();
        let (s, v) = self
            .json(
                Method::POST,
                "/v1/auth/register/verify",
                None,
                Some(json!({"registration_id": reg.registration_id, "otp": otp})),
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
        let h = sha(data);
        let (s, v) = self
            .json(
                Method::POST,
                "/v1/uploads",
                Some(token),
                Some(json!({"sha256": h, "length": data.len()})),
            )
            .await;
        assert!(s.is_success(), "{s} {v}");
        let st: UploadStatus = serde_json::from_value(v).unwrap();
        if st.complete {
            return h;
        }
        let id = st.upload_id.unwrap();
        let mut off = st.offset as usize;
        while off < data.len() {
            let end = (off + chunk).min(data.len());
            let part = &data[off..end];
            let res = self
                .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(token))
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

/// A manifest for `agency` with these attachment hashes.
pub fn manifest(agency: &str, attachments: &[(&str, usize)]) -> Value {
    json!({
        "procedure_code": "1.001456",
        "agency_code": agency,
        "form": {"ho_ten": "Nguyễn Văn Thử", "ngay_sinh": "01/01/1990", "so_ban": 1, "dong_y": true},
        "attachments": attachments.iter().map(|(h, size)| json!({"kind": "portrait_4x6", "sha256": h, "content_type": "image/jpeg", "size": size})).collect::<Vec<_>>(),
        "delivery": {"method": "postal", "recipient": "Nguyễn Văn Thử", "address": "Số 1, xã Thử, tỉnh Thử", "phone": "0912345678"}
    })
}

/// A JPEG-looking blob.
pub fn jpeg(n: usize, seed: u8) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend((0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    v
}

/// Console session for an officer: returns the cookie header value and the CSRF token.
pub async fn console_login(h: &Harness, login: &str, password: &str) -> (String, String) {
    let res = h.http.get(h.url("/console/login")).send().await.unwrap();
    let pre = cookie_from(&res, "dvc_login").unwrap();
    let page = res.text().await.unwrap();
    let csrf = hidden_csrf(&page);
    let res = h
        .http
        .post(h.url("/console/login"))
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
    let session = cookie_from(&res, "dvc_session").unwrap();
    let cookie = format!("dvc_session={session}");
    let page = h
        .http
        .get(h.url("/console/dossiers"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (cookie, hidden_csrf(&page))
}

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

pub fn hidden_csrf(page: &str) -> String {
    let i = page
        .find("name=\"csrf\" value=\"")
        .expect("csrf field on page")
        + "name=\"csrf\" value=\"".len();
    page[i..].split('"').next().unwrap().to_owned()
}
