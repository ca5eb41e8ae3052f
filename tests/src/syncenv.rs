//! A real dvc-sync server in this process (SQLite in a temp dir, the demo seed), a fault proxy in
//! front of it, and devices: `dvc-core` data directories holding queued passport dossiers with
//! synthetic attachments, signed in to the server through the proxy.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a panic is the failure report

use std::path::{Path, PathBuf};

use dvc_core::secrets::{FileSecrets, KeystoreKind, Secrets};
use dvc_core::sync::{account, db as syncdb};
use dvc_core::test_support::{self as fixture, ReadyPassport};
use dvc_core::{Core, OpenOptions};
use dvc_protocol::dossiers::{DossierList, DossierView};
use dvc_sync::test_support::{self, Console};
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::faultproxy::{Proxy, Schedule};

pub use dvc_sync::seed::{DEMO_AGENCY, DEMO_CITIZEN};
pub use dvc_sync::test_support::sha;

/// The server, restartable on the same storage.
pub struct ServerEnv {
    pub server: Option<dvc_sync::server::RunningServer>,
    pub proxy: Proxy,
    pub token: String,
    dir: tempfile::TempDir,
}

impl ServerEnv {
    /// Server + clean proxy + a token of the demo citizen.
    pub async fn start() -> ServerEnv {
        let dir = tempfile::tempdir().unwrap();
        let server = test_support::demo_server(dir.path(), true).await;
        let proxy = Proxy::start(server.addr, Schedule::clean()).await.unwrap();
        let token = test_support::login_token(
            &reqwest::Client::new(),
            &server.url(),
            DEMO_CITIZEN.0,
            DEMO_CITIZEN.1,
        )
        .await;
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
        let s = test_support::demo_server(self.dir.path(), false).await;
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
        let person = core.add_person(&fixture::applicant()).unwrap();
        let dossiers = files
            .into_iter()
            .map(|set| {
                let q = ReadyPassport::new()
                    .person(&person.id)
                    .files(set)
                    .queue(&core)
                    .unwrap();
                (q.queued.dossier_id, q.queued.idempotency_key, q.files)
            })
            .collect();
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
    syncdb::signed_in(core.store(), server_url, "demo-citizen", "citizen", "").unwrap();
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

/// The demo agency's officer in the web console (session cookie + CSRF token), the way a real
/// officer drives a dossier: accept, fee, paid, supplement, result upload, complete.
pub struct Officer(pub Console);

impl Officer {
    /// Signs in to the console of `env`'s server (directly, not through the proxy).
    pub async fn login(env: &ServerEnv) -> Officer {
        Officer(Console::demo_officer(&env.direct()).await)
    }

    /// Posts an action form (`action=accept|fee|paid|supplement|postal|complete|…` and its
    /// fields) for a dossier; returns the HTTP status (303 when it was applied).
    pub async fn act(&self, uuid: &str, fields: &[(&str, &str)]) -> u16 {
        self.0.act(uuid, fields).await.status().as_u16()
    }

    /// Uploads a result PDF for a dossier; returns the HTTP status (303 when stored).
    pub async fn upload_result(&self, uuid: &str, pdf: Vec<u8>) -> u16 {
        self.0
            .upload_result(uuid, pdf, "ket-qua.pdf", "application/pdf")
            .await
            .status()
            .as_u16()
    }
}
