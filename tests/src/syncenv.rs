//! A real dvc-sync server in this process (SQLite in a temp dir, the demo seed), a fault proxy in
//! front of it, and devices: `dvc-core` data directories holding queued passport dossiers with
//! synthetic attachments, signed in to the server through the proxy.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a panic is the failure report

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dvc_core::documents::{DocumentKind, DocumentMeta};
use dvc_core::dossier::form::{self, common};
use dvc_core::dossier::{self, NewAttachment};
use dvc_core::people::PersonInput;
use dvc_core::secrets::{FileSecrets, KeystoreKind, Secrets};
use dvc_core::sync::{account, db as syncdb};
use dvc_core::{Core, OpenOptions};
use dvc_protocol::dossiers::{DossierList, DossierView};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::faultproxy::{Proxy, Schedule};

pub use dvc_sync::seed::{DEMO_AGENCY, DEMO_CITIZEN};

/// The server, restartable on the same storage.
pub struct ServerEnv {
    pub server: Option<dvc_sync::server::RunningServer>,
    pub proxy: Proxy,
    pub token: String,
    dir: tempfile::TempDir,
}

fn db_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("server.db").display())
}

async fn start_server(dir: &Path, seed: bool) -> dvc_sync::server::RunningServer {
    let db = dvc_sync::db::open(&db_url(dir)).await.unwrap();
    let clock = Arc::new(dvc_sync::clock::SystemClock);
    if seed {
        dvc_sync::seed::demo_seed(&db, dvc_sync::clock::Clock::now_ms(clock.as_ref()))
            .await
            .unwrap();
    }
    let state = dvc_sync::server::build_state(
        db,
        &dir.join("blobs"),
        dvc_sync::config::Config {
            secure_cookies: false,
            ..Default::default()
        },
        clock,
        Arc::new(dvc_sync::otp::MemoryOtpSender::default()),
    )
    .await
    .unwrap();
    dvc_sync::server::spawn("127.0.0.1:0", state).await.unwrap()
}

impl ServerEnv {
    /// Server + clean proxy + a token of the demo citizen.
    pub async fn start() -> ServerEnv {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), true).await;
        let proxy = Proxy::start(server.addr, Schedule::clean()).await.unwrap();
        let http = reqwest::Client::new();
        let res: Value = http
            .post(format!("{}/v1/auth/login", server.url()))
            .json(&json!({"login": DEMO_CITIZEN.0, "password": DEMO_CITIZEN.1}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = res["token"].as_str().unwrap().to_string();
        ServerEnv {
            server: Some(server),
            proxy,
            token,
            dir,
        }
    }

    /// Direct URL (not through the proxy).
    pub fn direct(&self) -> String {
        self.server.as_ref().unwrap().url()
    }

    /// Stops the server (graceful: in-flight requests finish) and starts it again on the same
    /// database and blob directory, on a new port the proxy is pointed at.
    pub async fn restart(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await.unwrap();
        }
        let s = start_server(self.dir.path(), false).await;
        self.proxy.set_target(s.addr);
        self.server = Some(s);
    }

    /// Stops the server without starting it again.
    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await.unwrap();
        }
    }

    pub async fn get_json(&self, path: &str) -> Value {
        reqwest::Client::new()
            .get(format!("{}{}", self.direct(), path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        let r = reqwest::Client::new()
            .post(format!("{}{}", self.direct(), path))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    /// Every dossier of the account on the server.
    pub async fn dossiers(&self) -> DossierList {
        serde_json::from_value(self.get_json("/v1/dossiers?limit=200").await).unwrap()
    }

    pub async fn dossier(&self, uuid: &str) -> DossierView {
        serde_json::from_value(self.get_json(&format!("/v1/dossiers/{uuid}")).await).unwrap()
    }

    pub async fn blob(&self, sha: &str) -> Vec<u8> {
        reqwest::Client::new()
            .get(format!("{}/v1/blobs/{sha}", self.direct()))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    }
}

pub fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// A queued dossier: (dossier id, idempotency key, attachment plaintexts).
pub type DossierRec = (String, String, Vec<Vec<u8>>);

/// One device: a data directory with queued dossiers.
pub struct Device {
    pub dir: PathBuf,
    pub core: Core,
    pub dossiers: Vec<DossierRec>,
}

/// Opens a device directory with the file keystore (as `DVC_KEYSTORE=file` does).
pub fn open_core(dir: &Path) -> Core {
    Core::open(&OpenOptions {
        data_dir: dir.to_path_buf(),
        keystore: KeystoreKind::File,
    })
    .unwrap()
}

impl Device {
    /// A device with `n` queued passport dossiers whose three attachments are random bytes of
    /// `sizes` (seeded), signed in to `server_url` with `token`.
    pub fn new(
        dir: &Path,
        n: usize,
        sizes: std::ops::Range<usize>,
        seed: u64,
        server_url: &str,
        token: &str,
    ) -> Device {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let files = (0..n)
            .map(|_| {
                (0..3)
                    .map(|_| {
                        let mut bytes = vec![0u8; rng.random_range(sizes.clone())];
                        rng.fill(&mut bytes[..]);
                        bytes[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]); // looks like a JPEG
                        bytes
                    })
                    .collect()
            })
            .collect();
        Device::with_files(dir, files, server_url, token)
    }

    /// A device with one queued passport dossier per entry of `files` (portrait, CCCD front,
    /// CCCD back), signed in to `server_url` with `token`.
    pub fn with_files(
        dir: &Path,
        files: Vec<Vec<Vec<u8>>>,
        server_url: &str,
        token: &str,
    ) -> Device {
        let core = open_core(dir);
        let person = core
            .add_person(&PersonInput {
                full_name: "Trần Thị Mẫu".into(),
                sex: Some("female".into()),
                date_of_birth: Some("1990-05-17".into()),
                ..Default::default()
            })
            .unwrap();
        let form = form::bundled_form("passport-domestic").unwrap();
        let mut dossiers = Vec::new();
        for set in files {
            let d = dossier::create(
                core.store(),
                &form,
                Some(&person.id),
                None,
                &Default::default(),
            )
            .unwrap();
            let pairs: Vec<(String, Value)> = [
                ("full_name", json!("Trần Thị Mẫu")),
                ("sex", json!("female")),
                ("date_of_birth", json!("1990-05-17")),
                ("place_of_birth", json!("hanoi")),
                ("id_number", json!("001190000123")),
                ("id_issue_date", json!("2021-04-01")),
                ("ethnicity", json!("Kinh")),
                ("phone", json!("0912345678")),
                (
                    "permanent_address",
                    json!("Số 1 đường Thử, phường Mẫu, Hà Nội"),
                ),
                ("request_type", json!("first")),
                ("chip", json!("chip")),
                (common::AGENCY_PROVINCE, json!("hanoi")),
                (common::DELIVERY, json!("in_person")),
                (common::DECLARATION, json!(true)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            dossier::set_fields(core.store(), &form, &d.id, &pairs).unwrap();
            for ((c, kind), bytes) in [
                ("portrait", DocumentKind::Portrait),
                ("cccd_front", DocumentKind::CccdFront),
                ("cccd_back", DocumentKind::CccdBack),
            ]
            .into_iter()
            .zip(&set)
            {
                let doc = core
                    .store_document(&person.id, kind, bytes, &DocumentMeta::default())
                    .unwrap();
                dossier::attach(
                    core.store(),
                    &form,
                    &d.id,
                    &NewAttachment {
                        component: c,
                        document_id: &doc.0,
                        sha256: &sha(bytes),
                        bytes: bytes.len() as i64,
                        prefilled: false,
                    },
                )
                .unwrap();
            }
            let ctx = dossier::context(core.province_codes());
            let q = dossier::submit(core.store(), &form, &d.id, &ctx).unwrap();
            dossiers.push((d.id, q.idempotency_key, set));
        }
        sign_in(&core, dir, server_url, token);
        Device {
            dir: dir.to_path_buf(),
            core,
            dossiers,
        }
    }
}

/// Puts a token in the device's keystore and records the server, as `dvc login` does.
pub fn sign_in(core: &Core, dir: &Path, server_url: &str, token: &str) {
    FileSecrets::new(dir.join("keys"))
        .set(account::TOKEN_SECRET, token.as_bytes())
        .unwrap();
    syncdb::signed_in(core.store(), server_url, "demo-citizen", "citizen").unwrap();
    syncdb::set(core.store(), "agency_code", DEMO_AGENCY).unwrap();
}

/// Checks the server against devices: the account holds exactly `expected_total` dossiers, each
/// checked dossier is there exactly once under its key, every attachment is byte-identical, and
/// the device shows the server's code and a state of `received` or later.
pub async fn verify(env: &ServerEnv, expected_total: usize, devices: &[(&Core, &[DossierRec])]) {
    let list = env.dossiers().await;
    assert_eq!(
        list.dossiers.len(),
        expected_total,
        "server holds {} dossiers, devices queued {expected_total}",
        list.dossiers.len()
    );
    for (core, dossiers) in devices {
        for (id, key, files) in dossiers.iter() {
            let n = list
                .dossiers
                .iter()
                .filter(|s| &s.dossier_uuid == key)
                .count();
            assert_eq!(n, 1, "dossier {id} is on the server {n} times");
            let view = env.dossier(key).await;
            assert_eq!(view.manifest.attachments.len(), files.len());
            for plain in files {
                let want = sha(plain);
                let a = view
                    .manifest
                    .attachments
                    .iter()
                    .find(|a| a.sha256 == want)
                    .expect("an attachment is missing from the manifest");
                assert_eq!(a.size, plain.len() as u64);
                let got = env.blob(&a.sha256).await;
                assert_eq!(got.len(), plain.len(), "attachment {} length", a.kind);
                assert_eq!(sha(&got), want, "attachment {} differs", a.kind);
            }
            let t = core.tracked_dossier(id).unwrap();
            assert_eq!(
                t.code.as_deref(),
                Some(view.receipt.code.as_str()),
                "code on the device"
            );
            assert_ne!(t.state, "queued");
            assert_ne!(t.state, "quarantined", "{:?}", t.quarantine_reason);
        }
    }
}

/// An officer of the demo agency using the web console (session cookie + CSRF token), the way
/// a real officer drives a dossier: accept, fee, paid, supplement, result upload, complete.
pub struct Officer {
    http: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

fn cookie_from(res: &reqwest::Response, name: &str) -> Option<String> {
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

fn hidden_csrf(page: &str) -> String {
    let i = page
        .find("name=\"csrf\" value=\"")
        .expect("csrf field on page")
        + "name=\"csrf\" value=\"".len();
    page[i..].split('"').next().unwrap().to_owned()
}

impl Officer {
    /// Signs in to the console of `env`'s server (directly, not through the proxy).
    pub async fn login(env: &ServerEnv) -> Officer {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let base = env.direct();
        let res = http
            .get(format!("{base}/console/login"))
            .send()
            .await
            .unwrap();
        let pre = cookie_from(&res, "dvc_login").unwrap();
        let csrf = hidden_csrf(&res.text().await.unwrap());
        let (login, password) = dvc_sync::seed::DEMO_OFFICER;
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
        assert_eq!(res.status().as_u16(), 303, "console login failed");
        let cookie = format!("dvc_session={}", cookie_from(&res, "dvc_session").unwrap());
        let page = http
            .get(format!("{base}/console/dossiers"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        Officer {
            http,
            base,
            cookie,
            csrf: hidden_csrf(&page),
        }
    }

    /// Posts an action form (`action=accept|fee|paid|supplement|postal|complete|…` and its
    /// fields) for a dossier; returns the HTTP status (303 when it was applied).
    pub async fn act(&self, uuid: &str, fields: &[(&str, &str)]) -> u16 {
        let mut form: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.http
            .post(format!("{}/console/dossiers/{uuid}/action", self.base))
            .header("cookie", &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Uploads a result PDF for a dossier; returns the HTTP status (303 when stored).
    pub async fn upload_result(&self, uuid: &str, pdf: Vec<u8>) -> u16 {
        let form = reqwest::multipart::Form::new()
            .text("csrf", self.csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(pdf)
                    .file_name("ket-qua.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        self.http
            .post(format!("{}/console/dossiers/{uuid}/result", self.base))
            .header("cookie", &self.cookie)
            .multipart(form)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}
