//! One sync pass: every pending outbox entry in order, then the event feed.

use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};

use dvc_protocol::blobs::MAX_CHUNK_BYTES;
use dvc_protocol::dossiers::DossierReceipt;

use super::account;
use super::client::{Api, Timeouts};
use super::db::{self, FileRef, Frozen};
use super::decide::{self, reason, Backoff, Disposition, Failure, NetFailure};
use super::manifest;
use super::restore;
use super::SyncError;
use crate::documents::{sniff_media_type, DocumentId};
use crate::dossier::{self, form, Queued};
use crate::error::CoreError;
use crate::Core;

/// First chunk of a pass: 64 KiB — about 1.3 s at 400 kbit/s, 10 s on a poor 2G link. Later
/// chunks adapt to the link ([`decide::ChunkSizer`]).
pub const DEFAULT_CHUNK_BYTES: usize = 64 * 1024;
/// Smallest adapted chunk: 32 KiB (about 6 s on a 40 kbit/s 2G link).
pub const MIN_CHUNK_BYTES: usize = 32 * 1024;
/// What an adapted chunk aims to take on the wire: long enough that the round trip per chunk
/// costs little (0.4 s of 3 s on 3G), short enough that a break loses little.
pub const CHUNK_TARGET: Duration = Duration::from_secs(3);

/// Blob bytes per push data frame: 16 KiB (47 bytes of frame header, an acknowledgement line of
/// about 20 bytes back: under 0.5 % on the wire), small enough that the window follows a slow
/// link closely.
pub const PUSH_FRAME_BYTES: usize = 16 * 1024;
/// The push window before the link is measured: 64 KiB (about a round trip of 3G).
const PUSH_WINDOW_START: u64 = 64 * 1024;
/// The largest push window: 4 MiB.
const PUSH_WINDOW_MAX: u64 = 4 << 20;

/// How a pass behaves.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Server URL; `None` = the one signed in to.
    pub server: Option<String>,
    /// Receiving agency code for new manifests; `None` = the stored one.
    pub agency_code: Option<String>,
    /// The first chunk's size; later chunks adapt within `chunk_min..=chunk_max`.
    pub chunk_bytes: usize,
    pub chunk_min: usize,
    /// At most the protocol's `MAX_CHUNK_BYTES` (1 MiB).
    pub chunk_max: usize,
    /// Time on the wire an adapted chunk aims for.
    pub chunk_target: Duration,
    pub timeouts: Timeouts,
    pub backoff: Backoff,
    /// Attempts per dossier in one pass before it is left for the next pass.
    pub attempts_per_dossier: u32,
    /// A server asking to wait longer than this defers the dossier to the next pass.
    pub max_wait: Duration,
    /// Pull the event feed after sending.
    pub pull_events: bool,
    /// Send dossiers with protocol 1.1's push (`POST /v1/push`, one request per attempt) when
    /// the server takes it; `false` keeps to the 1.0 routes (missing blobs, uploads, PUT).
    pub push: bool,
    /// Blob bytes per push data frame.
    pub push_frame_bytes: usize,
    /// Ask the server for a newer catalog bundle after the rest of the pass (off by default: the
    /// app and `dvc sync` turn it on; the protocol-cost tests count requests without it).
    pub catalog_updates: bool,
    /// At most one catalog check per this long (a download under way always continues).
    pub catalog_check_every: Duration,
    /// Public keys a catalog bundle may be signed with; `None`: the keys this build trusts
    /// ([`crate::catalog::signed::trusted_keys`]). Tests give their own.
    pub catalog_keys: Option<Vec<[u8; 32]>>,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            server: None,
            agency_code: None,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            chunk_min: MIN_CHUNK_BYTES,
            chunk_max: MAX_CHUNK_BYTES,
            chunk_target: CHUNK_TARGET,
            timeouts: Timeouts::default(),
            backoff: Backoff::default(),
            attempts_per_dossier: 5,
            max_wait: Duration::from_secs(60),
            pull_events: true,
            push: true,
            push_frame_bytes: PUSH_FRAME_BYTES,
            catalog_updates: false,
            catalog_check_every: Duration::from_secs(6 * 3600),
            catalog_keys: None,
        }
    }
}

/// Which step a dossier is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Preparing,
    Uploading,
    Submitting,
    Sent,
    /// Failed for now; waiting before the next attempt (or the next pass).
    Waiting,
    Quarantined,
}

/// Progress of one dossier (the Tauri layer forwards these as events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Progress {
    pub dossier_id: String,
    pub phase: Phase,
    pub bytes_sent: u64,
    pub bytes_total: u64,
}

/// A dossier that arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SentDossier {
    pub dossier_id: String,
    pub code: String,
}

/// A dossier set aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QuarantinedDossier {
    pub dossier_id: String,
    pub reason: String,
}

/// What a pass did (the `dvc sync --json` output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncReport {
    pub sent: Vec<SentDossier>,
    /// Uploads continued from an offset the server already held.
    pub resumed: u32,
    /// Blobs the server already had (not sent again).
    pub skipped_blobs: u32,
    /// Chunk bytes acknowledged by the server in this pass.
    pub uploaded_bytes: u64,
    /// Events that changed a dossier on this device.
    pub pulled: usize,
    pub quarantined: Vec<QuarantinedDossier>,
    /// Failed attempts (each one retried or deferred).
    pub failed_attempts: u32,
    /// Outbox entries still pending after the pass.
    pub pending: i64,
    /// Log-safe descriptions of the failures seen (codes, no data).
    pub errors: Vec<String>,
    /// Applicant actions the server took in this pass.
    pub actions_sent: Vec<SentAction>,
    /// Applicant actions set aside for good in this pass.
    pub actions_quarantined: Vec<QuarantinedAction>,
    /// Applicant actions still waiting after the pass.
    pub actions_pending: i64,
    /// Result files downloaded, verified and stored in this pass.
    pub results_stored: Vec<StoredResult>,
    /// Result downloads continued from bytes already held.
    pub downloads_resumed: u32,
    /// Result bytes received in this pass.
    pub downloaded_bytes: u64,
    /// Online results not yet stored after the pass.
    pub results_pending: i64,
    /// Outbox entries of other accounts, waiting for their account to sign in here.
    pub waiting_other_account: i64,
    /// Ended visits the server took in this pass (volunteers, protocol 1.2).
    pub visits_sent: u32,
    /// Ended visits still to send after the pass (a server older than 1.2 keeps them waiting).
    pub visits_pending: i64,
    /// Hand-off bundles uploaded and offered through the server this pass.
    pub handoffs_offered: u32,
    /// Offered hand-offs the citizen's phone received (learned this pass).
    pub handoffs_received: u32,
    /// Scanned hand-offs brought from the server and imported this pass.
    pub handoffs_imported: u32,
    /// Scanned hand-offs still waiting for their bundle after the pass.
    pub handoffs_waiting: u32,
}

impl SyncReport {
    /// Nothing is left for a later pass: no dossier, action or result download waits.
    pub fn all_done(&self) -> bool {
        self.pending == 0 && self.actions_pending == 0 && self.results_pending == 0
    }
}

/// An applicant action the server took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SentAction {
    pub dossier_id: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
}

/// An applicant action set aside, with its reason key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QuarantinedAction {
    pub dossier_id: String,
    pub kind: String,
    pub reason: String,
}

/// A result file now in the applicant's documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StoredResult {
    pub dossier_id: String,
    pub document_id: String,
}

/// Stops the whole pass.
enum Stop {
    SignIn,
    UpdateApp,
    Core(CoreError),
}

impl From<CoreError> for Stop {
    fn from(e: CoreError) -> Self {
        Stop::Core(e)
    }
}

impl From<Stop> for SyncError {
    fn from(s: Stop) -> Self {
        match s {
            Stop::SignIn => SyncError::SessionExpired,
            Stop::UpdateApp => SyncError::UpdateApp,
            Stop::Core(e) => SyncError::Core(e),
        }
    }
}

/// Why one attempt failed.
enum AttemptError {
    Net(Failure),
    Quarantine(&'static str),
    Core(CoreError),
}

impl From<CoreError> for AttemptError {
    fn from(e: CoreError) -> Self {
        AttemptError::Core(e)
    }
}

impl From<Failure> for AttemptError {
    fn from(f: Failure) -> Self {
        AttemptError::Net(f)
    }
}

/// Receives progress.
pub type ProgressFn<'a> = &'a (dyn Fn(&Progress) + Send + Sync);

struct Pass<'a> {
    core: &'a Core,
    /// The account signed in when the pass began: only its entries (and unclaimed ones) go.
    account_id: String,
    api: Api,
    cfg: &'a SyncConfig,
    agency: Option<String>,
    /// The server's agencies, fetched once per pass when needed.
    agencies: Option<Vec<dvc_protocol::agencies::AgencyInfo>>,
    progress: ProgressFn<'a>,
    report: SyncReport,
    /// The link's chunk size, learnt across the pass's uploads.
    chunks: decide::ChunkSizer,
    /// The push window, learnt across the pass's pushes.
    window: decide::StreamWindow,
    /// Events that came with the last push's receipt, applied once the receipt is stored.
    pushed_events: Option<dvc_protocol::events::EventsPage>,
    /// The events came with a push answer and there were no more: no separate pull needed.
    events_fresh: bool,
    /// Where the last push of an outbox entry left each blob on the server, as far as it knew.
    resume: std::collections::HashMap<String, Vec<u64>>,
}

impl Core {
    /// One sync pass (see the module docs). Network trouble is not an error here: it is counted
    /// in the report and the dossiers stay pending. Errors are what stops a pass: not signed in,
    /// token refused, app too old, local storage failures.
    pub async fn sync_once(
        &self,
        cfg: &SyncConfig,
        progress: ProgressFn<'_>,
    ) -> Result<SyncReport, SyncError> {
        let server = match &cfg.server {
            Some(s) => s.clone(),
            None => db::get(self.store(), db::KEY_SERVER)?.ok_or(SyncError::NotSignedIn)?,
        };
        // Sign-outs that could not reach the server are revoked first (best effort).
        self.sync_flush_revokes(cfg.timeouts).await;
        let Some(token) = account::token(self)? else {
            return Err(
                if db::get(self.store(), db::KEY_SESSION_EXPIRED)?.is_some() {
                    SyncError::SessionExpired
                } else {
                    SyncError::NotSignedIn
                },
            );
        };
        let account_id = db::current_account(self.store())?.ok_or(SyncError::NotSignedIn)?;
        if let Some(stored) = db::get(self.store(), db::KEY_SERVER)? {
            if super::client::check_server_url(&server)? != stored {
                // The token belongs to the server signed in to.
                return Err(SyncError::NotSignedIn);
            }
        }
        let api = Api::new(&server, Some(token), cfg.timeouts)?;
        if let Some(a) = &cfg.agency_code {
            check_agency(a)?;
            db::set(self.store(), "agency_code", a)?;
        }
        let agency = db::get(self.store(), "agency_code")?;
        let mut pass = Pass {
            core: self,
            account_id,
            api,
            cfg,
            agency,
            agencies: None,
            progress,
            report: SyncReport::default(),
            chunks: chunk_sizer(cfg),
            window: push_window(cfg),
            pushed_events: None,
            events_fresh: false,
            resume: std::collections::HashMap::new(),
        };
        let outcome = pass.run().await;
        if matches!(outcome, Err(Stop::SignIn)) {
            // The server no longer takes the token (expired, or this device was signed out
            // from another one): stop using it. The account stays current, so what is queued
            // now still waits for it.
            tracing::warn!("sync token refused: signing out on this device");
            self.secrets().delete(account::TOKEN_SECRET)?;
            db::set(self.store(), db::KEY_SESSION_EXPIRED, "1")?;
        }
        outcome.map_err(SyncError::from)?;
        let account_id = pass.account_id.clone();
        let mut report = pass.report;
        // What is left for this account; another account's entries wait for it (counted apart,
        // so a repeating `dvc sync` does not wait for them).
        let mine = i64::try_from(db::outbox_for(self.store(), &account_id)?.len()).unwrap_or(0);
        report.waiting_other_account = db::outbox_counts(self.store())?.0 - mine;
        report.pending = mine;
        let (actions_pending, results_pending) =
            self.store().read(|c| -> crate::Result<(i64, i64)> {
                let mut actions = 0i64;
                for a in db::pending_actions(c)? {
                    if owned_by(c, &a.dossier_id, &account_id)? {
                        actions += 1;
                    }
                }
                let mut results = 0i64;
                for r in db::results_to_fetch(c)? {
                    if owned_by(c, &r.dossier_id, &account_id)? {
                        results += 1;
                    }
                }
                Ok((actions, results))
            })?;
        report.actions_pending = actions_pending;
        report.results_pending = results_pending;
        if db::get(self.store(), db::KEY_ROLE)?.as_deref() == Some("volunteer") {
            report.visits_pending =
                i64::try_from(self.store().read(crate::visits::pending_uploads)?.len())
                    .unwrap_or(0);
        }
        if report.errors.is_empty() {
            db::set(self.store(), db::KEY_LAST_SYNC, &dossier::now())?;
        }
        tracing::info!(
            sent = report.sent.len(),
            resumed = report.resumed,
            pulled = report.pulled,
            quarantined = report.quarantined.len(),
            failed_attempts = report.failed_attempts,
            pending = report.pending,
            actions_sent = report.actions_sent.len(),
            actions_pending = report.actions_pending,
            results_stored = report.results_stored.len(),
            results_pending = report.results_pending,
            visits_sent = report.visits_sent,
            visits_pending = report.visits_pending,
            "sync pass done"
        );
        Ok(report)
    }
}

/// The dossier was sent (or queued) under `account_id`, or under no account yet.
fn owned_by(c: &rusqlite::Connection, dossier_id: &str, account_id: &str) -> crate::Result<bool> {
    Ok(match db::dossier_account(c, dossier_id)? {
        Some(owner) => owner == account_id,
        None => true,
    })
}

/// The chunk sizer of a pass: the configured bounds, never below 1 KiB nor above the protocol's
/// maximum; a fixed size when `chunk_min == chunk_max`.
fn chunk_sizer(cfg: &SyncConfig) -> decide::ChunkSizer {
    let max = cfg.chunk_max.clamp(1024, MAX_CHUNK_BYTES) as u64;
    let min = (cfg.chunk_min.clamp(1024, MAX_CHUNK_BYTES) as u64).min(max);
    decide::ChunkSizer::new(cfg.chunk_bytes as u64, min, max, cfg.chunk_target)
}

/// The push window of a pass: frames of the configured size, a window of at least two frames.
fn push_window(cfg: &SyncConfig) -> decide::StreamWindow {
    let frame = push_frame(cfg) as u64;
    decide::StreamWindow::new(frame, PUSH_WINDOW_START, 2 * frame, PUSH_WINDOW_MAX)
}

/// The push frame size: between 1 KiB and the protocol's largest data frame.
fn push_frame(cfg: &SyncConfig) -> usize {
    cfg.push_frame_bytes
        .clamp(1024, dvc_protocol::push::MAX_DATA_BYTES)
}

/// An agency code of the QCVN 102:2016 shape: dot-separated groups of letters and digits.
fn check_agency(code: &str) -> Result<(), SyncError> {
    let ok = (5..=40).contains(&code.len())
        && code.split('.').count() >= 2
        && code
            .split('.')
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_alphanumeric()));
    if ok {
        Ok(())
    } else {
        Err(SyncError::Core(CoreError::invalid(
            "agency",
            format!("{code:?} is not an agency code like 000.30.27.H23"),
            "sync.error.no_agency",
        )))
    }
}

impl Pass<'_> {
    /// The pass's work: this account's entries in order, the event feed, the actions, results.
    async fn run(&mut self) -> Result<(), Stop> {
        let outbox = db::outbox_for(self.core.store(), &self.account_id)?;
        // A device that never followed this account's feed and has nothing of its own to send
        // is a new phone for it: its dossier list is restored from the server this pass.
        let new_phone = outbox.is_empty() && db::cursor(self.core.store())?.is_none();
        self.refresh_consents(&outbox).await?;
        for q in outbox {
            self.send_one(&q).await?;
        }
        if self.cfg.pull_events && !self.events_fresh {
            // Events first: they may settle queued actions (a cancel already done elsewhere).
            // A push answer brought them already when it was the pass's last request.
            self.pull().await?;
        }
        self.send_actions().await?;
        self.send_visits().await?;
        self.relay_handoffs().await?;
        if self.cfg.pull_events {
            if !self.report.actions_sent.is_empty() {
                // Their events (cancelled, resubmitted, …) come back in the same pass.
                self.pull().await?;
            }
            self.restore(new_phone).await?;
            self.fetch_learned().await?;
            self.fetch_learned_papers().await?;
            self.fetch_results().await?;
        }
        if self.cfg.catalog_updates {
            self.fetch_catalog().await?;
        }
        Ok(())
    }

    /// A volunteer about to freeze a dossier's manifest learns the consents given to them first
    /// (a consent given from the citizen's own phone since the last pass). Best effort: offline,
    /// the consents known here are used.
    async fn refresh_consents(&mut self, outbox: &[Queued]) -> Result<(), Stop> {
        let store = self.core.store();
        let role = db::get(store, db::KEY_ROLE)?;
        if role.as_deref() != Some("volunteer") {
            return Ok(());
        }
        let mut unfrozen = false;
        for q in outbox {
            if db::frozen(store, &q.outbox_id)?.is_none() {
                unfrozen = true;
                break;
            }
        }
        if !unfrozen {
            return Ok(());
        }
        match self.api.consents().await {
            Ok(l) => {
                let server = self.api.base().to_string();
                super::consent::reconcile(
                    store,
                    &server,
                    &self.account_id,
                    "volunteer",
                    &l.consents,
                )?;
            }
            Err(e) => match decide::classify(&e) {
                Disposition::SignInAgain => return Err(Stop::SignIn),
                Disposition::UpdateApp => return Err(Stop::UpdateApp),
                _ => self
                    .report
                    .errors
                    .push(format!("consents: {}", e.describe())),
            },
        }
        Ok(())
    }

    /// Lists every dossier the account filed or that was filed for it (`GET /v1/dossiers`, page
    /// by page) when this is a new phone for the account (`new_phone`: its whole list, even
    /// dossiers whose events the server no longer keeps), or when the feed brought dossiers this
    /// device never held (the list says who filed them: "nộp hộ bởi …"). Otherwise no request:
    /// a phone sending its own dossiers spends nothing on it.
    async fn restore(&mut self, new_phone: bool) -> Result<(), Stop> {
        let store = self.core.store();
        let flag = format!("restored:{}", self.account_id);
        let account = self.account_id.clone();
        let unlisted = store.read(|c| db::unlisted(c, &account))?;
        let first = new_phone && db::get(store, &flag)?.is_none();
        if !first && unlisted == 0 {
            return Ok(());
        }
        let mut cursor: Option<String> = None;
        let mut learned = 0usize;
        for _ in 0..500 {
            let page = match self.api.dossiers(cursor.as_deref(), 200).await {
                Ok(p) => p,
                Err(e) => {
                    match decide::classify(&e) {
                        Disposition::SignInAgain => return Err(Stop::SignIn),
                        Disposition::UpdateApp => return Err(Stop::UpdateApp),
                        _ => {}
                    }
                    self.report
                        .errors
                        .push(format!("restore: {}", e.describe()));
                    return Ok(());
                }
            };
            store.write(|tx| -> crate::Result<()> {
                for d in &page.dossiers {
                    let basis = d.consent_basis.map(|_| "paper");
                    db::learn(
                        tx,
                        &account,
                        &db::Learned {
                            uuid: &d.dossier_uuid,
                            code: &d.code,
                            state: d.state,
                            received_at: &d.received_at,
                            procedure_code: Some(&d.procedure_code),
                            agency_code: Some(&d.agency_code),
                            applicant_name: d.applicant_name.as_deref(),
                            filed_by: if d.filed_for_me {
                                d.filed_by.as_deref()
                            } else {
                                None
                            },
                            filed_for_me: d.filed_for_me,
                            consent_basis: basis,
                        },
                    )?;
                }
                Ok(())
            })?;
            learned += page.dossiers.len();
            match page.next_cursor {
                Some(c) if !page.dossiers.is_empty() => cursor = Some(c),
                _ => break,
            }
        }
        db::set(store, &flag, &crate::dossier::now())?;
        db::mark_listed(store, &account)?;
        tracing::info!(listed = learned, "dossier list restored from the server");
        Ok(())
    }

    /// Fetches the manifests of dossiers learned from the server (a few per pass, newest first):
    /// procedure, agency, form values and every event.
    async fn fetch_learned(&mut self) -> Result<(), Stop> {
        let store = self.core.store();
        let todo = store.read(|c| db::to_fetch(c, &self.account_id, LEARNED_PER_PASS))?;
        for (dossier_id, uuid) in todo {
            match self.api.dossier(&uuid).await {
                Ok(view) => {
                    db::fill_learned(store, &dossier_id, &view)?;
                    restore::adopt_applicant(self.core, &dossier_id, &view.manifest)?;
                }
                Err(e) => match decide::classify(&e) {
                    Disposition::SignInAgain => return Err(Stop::SignIn),
                    Disposition::UpdateApp => return Err(Stop::UpdateApp),
                    Disposition::Quarantine(why) => {
                        tracing::warn!(dossier = %dossier_id, reason = why, "learned dossier not readable");
                        db::learned_unavailable(store, &dossier_id, why)?;
                    }
                    _ => {
                        self.report
                            .errors
                            .push(format!("dossier: {}", e.describe()));
                        return Ok(());
                    }
                },
            }
        }
        Ok(())
    }

    /// Fetches the attachments of restored dossiers the agency asked a supplement for (see
    /// [`restore`]): all of a dossier's files or none of them; a failure waits for the next pass.
    async fn fetch_learned_papers(&mut self) -> Result<(), Stop> {
        let todo = self
            .core
            .store()
            .read(|c| restore::papers_to_fetch(c, &self.account_id))?;
        'dossiers: for t in todo {
            let mut blobs = Vec::with_capacity(t.attachments.len());
            for a in &t.attachments {
                if a.size == 0 || a.size > crate::documents::MAX_DOCUMENT_BYTES as u64 {
                    restore::papers_failed(
                        self.core,
                        &t.dossier_id,
                        "attachment size out of bounds",
                    )?;
                    continue 'dossiers;
                }
                match self.download(&a.sha256, a.size).await {
                    Ok(bytes) => blobs.push(bytes),
                    Err(f) => {
                        let what = format!("attachments: {}", f.describe());
                        restore::papers_failed(self.core, &t.dossier_id, &what)?;
                        self.report.errors.push(what);
                        match decide::classify(&f) {
                            Disposition::SignInAgain => return Err(Stop::SignIn),
                            Disposition::UpdateApp => return Err(Stop::UpdateApp),
                            _ => return Ok(()),
                        }
                    }
                }
            }
            match restore::keep_papers(self.core, &t, &blobs) {
                Ok(_) => {}
                // A file that does not match its manifest entry, or one the paper store refuses
                // (empty, too large, unknown person): not kept, said, and tried again next pass.
                Err(e) if matches!(e.code(), "invalid_input" | "not_found") => {
                    tracing::warn!(dossier = %t.dossier_id, error = %e, "attachments of a restored dossier not kept");
                    restore::papers_failed(self.core, &t.dossier_id, "attachments: not kept")?;
                }
                Err(e) => return Err(Stop::Core(e)),
            }
            self.core.store().write(|tx| -> Result<(), CoreError> {
                for a in &t.attachments {
                    db::discard_download(tx, &a.sha256)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    fn emit(&self, dossier_id: &str, phase: Phase, sent: u64, total: u64) {
        (self.progress)(&Progress {
            dossier_id: dossier_id.to_string(),
            phase,
            bytes_sent: sent,
            bytes_total: total,
        });
    }

    /// The manifest of an entry: stored on the first attempt, read back afterwards.
    fn frozen(
        &self,
        q: &Queued,
        agency: Option<&str>,
    ) -> Result<Result<Frozen, &'static str>, Stop> {
        let store = self.core.store();
        let attempts = db::attempts(store, &q.outbox_id)?;
        if let Some((manifest_json, files, payload_bytes)) = db::frozen(store, &q.outbox_id)? {
            return Ok(Ok(Frozen {
                outbox_id: q.outbox_id.clone(),
                dossier_id: q.dossier_id.clone(),
                remote_uuid: q.idempotency_key.clone(),
                manifest_json,
                files,
                payload_bytes,
                attempts,
            }));
        }
        let Some(agency) = agency else {
            return Err(Stop::Core(CoreError::invalid(
                "agency",
                "no receiving agency code configured: pass --agency once",
                "sync.error.no_agency",
            )));
        };
        let d = dossier::get(store, &q.dossier_id)?;
        let Ok(form) = self.core.procedure_form(&d.procedure_id) else {
            return Ok(Err(reason::BAD_DOSSIER));
        };
        let mut files = Vec::with_capacity(d.attachments.len());
        let mut types = Vec::with_capacity(d.attachments.len());
        for a in &d.attachments {
            let bytes = match self.core.read_document(&DocumentId(a.document_id.clone())) {
                Ok(b) => b,
                Err(e) if e.code() == "not_found" || e.code() == "document_error" => {
                    tracing::warn!(dossier = %q.dossier_id, error = e.code(), "attachment unreadable");
                    return Ok(Err(reason::DOCUMENT_MISSING));
                }
                Err(e) => return Err(Stop::Core(e)),
            };
            files.push(FileRef {
                document_id: a.document_id.clone(),
                sha256: hex::encode(Sha256::digest(&bytes)),
                size: bytes.len() as u64,
            });
            types.push(sniff_media_type(&bytes));
        }
        let role = db::get(store, db::KEY_ROLE)?;
        let code = manifest::procedure_code(&d.procedure_id);
        let filing = store.read(|c| {
            super::consent::filing_for(
                c,
                d.applicant_id.as_deref(),
                &code,
                &self.account_id,
                role.as_deref(),
            )
        })?;
        let mut m = manifest::build(&d, &form, agency, &files, &types);
        (m.on_behalf_of, m.consent_basis) = filing.manifest_fields();
        let json = serde_json::to_string(&m).map_err(|e| {
            CoreError::invalid("manifest", format!("encode: {e}"), "errors.internal")
        })?;
        let payload: u64 = files.iter().map(|f| f.size).sum();
        if !db::freeze(
            store,
            &q.outbox_id,
            &json,
            &files,
            payload,
            Some(&self.account_id),
            &filing,
        )? {
            // Claimed by another account since the pass listed it: it waits for that account.
            return Ok(Err(reason::OTHER_ACCOUNT));
        }
        db::note_submitted(
            store,
            &q.dossier_id,
            d.submitted_at.as_deref().unwrap_or(&dossier::now()),
        )?;
        // Read back: if another pass froze it first, send that one.
        self.frozen(q, Some(agency))
    }

    /// The agency for a not-yet-frozen entry: `--agency`/stored override, else chosen from the
    /// server's list by the dossier's province. `Ok(None)`: none for now (the entry waits).
    async fn agency_for(&mut self, q: &Queued) -> Result<Option<String>, Stop> {
        if let Some(a) = &self.agency {
            return Ok(Some(a.clone()));
        }
        if self.agencies.is_none() {
            match self.api.agencies().await {
                Ok(list) => self.agencies = Some(list),
                Err(f) => match decide::classify(&f) {
                    Disposition::SignInAgain => return Err(Stop::SignIn),
                    Disposition::UpdateApp => return Err(Stop::UpdateApp),
                    _ => {
                        let what = f.describe();
                        self.report.failed_attempts += 1;
                        self.report.errors.push(what);
                        return Ok(None);
                    }
                },
            }
        }
        let d = dossier::get(self.core.store(), &q.dossier_id)?;
        let province = d
            .values
            .get(form::common::AGENCY_PROVINCE)
            .and_then(serde_json::Value::as_str);
        Ok(decide::choose_agency(
            self.agencies.as_deref().unwrap_or_default(),
            province,
        ))
    }

    async fn send_one(&mut self, q: &Queued) -> Result<(), Stop> {
        let agency = if db::frozen(self.core.store(), &q.outbox_id)?.is_some() {
            // Frozen before entries had owners: claimed now (a fresh entry is claimed in the
            // transaction that freezes its manifest).
            if !db::claim(self.core.store(), &q.outbox_id, &self.account_id)? {
                return Ok(());
            }
            None
        } else {
            match self.agency_for(q).await? {
                Some(a) => Some(a),
                None => {
                    if self.agencies.is_some() {
                        // The server answered, but serves no agency for this dossier.
                        tracing::warn!(dossier = %q.dossier_id, "no receiving agency on the server");
                        db::record_failure(self.core.store(), &q.outbox_id, reason::NO_AGENCY)?;
                        self.report.errors.push(reason::NO_AGENCY.to_string());
                    }
                    self.emit(&q.dossier_id, Phase::Waiting, 0, 0);
                    return Ok(());
                }
            }
        };
        let f = match self.frozen(q, agency.as_deref())? {
            Ok(f) => f,
            Err(reason::OTHER_ACCOUNT) => return Ok(()),
            Err(why) => {
                self.quarantine(q, why)?;
                return Ok(());
            }
        };
        let mut attempt: u32 = 0;
        loop {
            // The server may hold some of this dossier's bytes already (an earlier attempt, or a
            // pass that was stopped): then a push waits for its offsets before sending data.
            let fresh = f.attempts == 0 && attempt == 0;
            self.pushed_events = None;
            match self.attempt(&f, fresh).await {
                Ok(receipt) => {
                    let stored =
                        db::mark_sent(self.core.store(), &f.outbox_id, &f.dossier_id, &receipt)?;
                    if let Some(page) = self.pushed_events.take() {
                        self.report.pulled += db::apply_events(self.core.store(), &page)?;
                        self.events_fresh = !page.more;
                    }
                    if stored {
                        tracing::info!(dossier = %f.dossier_id, attempts = f.attempts + i64::from(attempt) + 1, "dossier sent");
                        self.report.sent.push(SentDossier {
                            dossier_id: f.dossier_id.clone(),
                            code: receipt.code,
                        });
                    }
                    self.emit(&f.dossier_id, Phase::Sent, f.payload_bytes, f.payload_bytes);
                    return Ok(());
                }
                Err(AttemptError::Core(e)) => return Err(Stop::Core(e)),
                Err(AttemptError::Quarantine(why)) => {
                    self.quarantine(q, why)?;
                    return Ok(());
                }
                Err(AttemptError::Net(failure)) => {
                    let what = failure.describe();
                    let not_before = match decide::classify(&failure) {
                        Disposition::Quarantine(why) => {
                            self.quarantine(q, why)?;
                            return Ok(());
                        }
                        Disposition::SignInAgain => return Err(Stop::SignIn),
                        Disposition::UpdateApp => return Err(Stop::UpdateApp),
                        Disposition::Retry { not_before } => not_before,
                        Disposition::ResumeAt(_) | Disposition::UploadMissing(_) => None,
                    };
                    tracing::debug!(dossier = %f.dossier_id, attempt, error = %what, "attempt failed");
                    if matches!(failure, Failure::Net(_)) {
                        // A push that died without an answer may have met a 1.0 server.
                        self.api.learn_version().await;
                    }
                    db::record_failure(self.core.store(), &f.outbox_id, &what)?;
                    self.report.failed_attempts += 1;
                    self.report.errors.push(what);
                    self.emit(&f.dossier_id, Phase::Waiting, 0, f.payload_bytes);
                    attempt += 1;
                    let wait =
                        self.cfg
                            .backoff
                            .wait(attempt - 1, rand::random::<f64>(), not_before);
                    if attempt >= self.cfg.attempts_per_dossier || wait > self.cfg.max_wait {
                        // Left for the next pass; the next dossier goes now.
                        return Ok(());
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    fn quarantine(&mut self, q: &Queued, why: &'static str) -> Result<(), Stop> {
        db::quarantine(self.core.store(), &q.outbox_id, &q.dossier_id, why)?;
        tracing::warn!(dossier = %q.dossier_id, reason = why, "dossier quarantined");
        self.report.quarantined.push(QuarantinedDossier {
            dossier_id: q.dossier_id.clone(),
            reason: why.to_string(),
        });
        self.emit(&q.dossier_id, Phase::Quarantined, 0, 0);
        Ok(())
    }

    /// One attempt: a push when the server takes it (protocol 1.1), else the 1.0 routes.
    async fn attempt(&mut self, f: &Frozen, fresh: bool) -> Result<DossierReceipt, AttemptError> {
        let distinct = {
            let mut h: Vec<&str> = f.files.iter().map(|x| x.sha256.as_str()).collect();
            h.sort_unstable();
            h.dedup();
            h.len()
        };
        if self.cfg.push
            && self.api.speaks_push() != Some(false)
            && distinct <= dvc_protocol::push::MAX_PUSH_BLOBS
        {
            match self.attempt_push(f, fresh).await {
                // A 1.0 server does not know the route: the 1.0 routes, now and for the pass.
                Err(AttemptError::Net(Failure::Http {
                    status: 404 | 405, ..
                })) if self.api.speaks_push() == Some(false) => {
                    tracing::info!("server speaks protocol 1.0: no push");
                }
                other => return other,
            }
        }
        self.attempt_routes(f).await
    }

    /// The bytes of an attachment, checked against the frozen manifest's hash.
    #[allow(clippy::result_large_err)] // the attempt's own error, as the async steps return
    fn read_checked(&self, file: &FileRef) -> Result<Vec<u8>, AttemptError> {
        let bytes = self
            .core
            .read_document(&DocumentId(file.document_id.clone()))
            .map_err(|e| match e.code() {
                "not_found" | "document_error" => {
                    AttemptError::Quarantine(reason::DOCUMENT_MISSING)
                }
                _ => AttemptError::Core(e),
            })?;
        if hex::encode(Sha256::digest(&bytes)) != file.sha256 {
            // The stored document changed under a frozen manifest: it cannot go as it was.
            return Err(AttemptError::Quarantine(reason::DOCUMENT_MISSING));
        }
        Ok(bytes)
    }

    /// One push: the blobs (each once) from where the server stands, the manifest, and the
    /// events after the cursor, in one request. `fresh`: nothing of this dossier was sent before,
    /// so data goes at once from offset 0 (the server skips what it has; the `head` line moves
    /// the sender past it); otherwise the data waits for the server's offsets.
    async fn attempt_push(
        &mut self,
        f: &Frozen,
        fresh: bool,
    ) -> Result<DossierReceipt, AttemptError> {
        let total = f.payload_bytes;
        self.emit(&f.dossier_id, Phase::Preparing, 0, total);
        let mut blobs: Vec<dvc_protocol::push::PushBlob> = Vec::new();
        let mut data: Vec<Vec<u8>> = Vec::new();
        for file in &f.files {
            if blobs.iter().any(|b| b.sha256 == file.sha256) {
                continue;
            }
            let bytes = self.read_checked(file)?;
            blobs.push(dvc_protocol::push::PushBlob {
                sha256: file.sha256.clone(),
                length: bytes.len() as u64,
            });
            data.push(bytes);
        }
        let lengths: u64 = blobs.iter().map(|b| b.length).sum();
        let events_after = if self.cfg.pull_events {
            Some(db::cursor(self.core.store())?.unwrap_or_default())
        } else {
            None
        };
        // After a push of this pass broke: from where it left each blob, at once (the server
        // ignores frames after a gap and its `head` line moves the sender back). Else from 0 on
        // a first attempt, or from the `head` line's offsets.
        let resume = self
            .resume
            .get(&f.outbox_id)
            .filter(|r| r.len() == data.len())
            .cloned();
        let (start, wait_head) = match resume {
            Some(r) => (r, false),
            None => (vec![0; data.len()], !fresh),
        };
        let job = super::push::PushJob {
            head: dvc_protocol::push::PushHead {
                blobs,
                submit: Some(f.remote_uuid.clone()),
                events_after,
            },
            manifest: Some(&f.manifest_json),
            data: &data,
            start,
            wait_head,
            frame_bytes: push_frame(self.cfg),
        };
        let dossier_id = f.dossier_id.clone();
        let progress = self.progress;
        let on_ack = move |n: u64| {
            progress(&Progress {
                dossier_id: dossier_id.clone(),
                phase: Phase::Uploading,
                bytes_sent: n.min(lengths),
                bytes_total: lengths,
            });
        };
        let r = self.api.push(&job, &mut self.window, &on_ack).await;
        self.resume.insert(f.outbox_id.clone(), r.resume_at.clone());
        self.report.uploaded_bytes += r.acked_data;
        if let Some(head) = &r.head {
            self.report.resumed +=
                u32::try_from(head.iter().filter(|b| b.offset > 0 && !b.complete).count())
                    .unwrap_or(0);
            self.report.skipped_blobs +=
                u32::try_from(head.iter().filter(|b| b.complete).count()).unwrap_or(0);
        }
        let done = r.outcome?;
        let receipt = done.receipt.ok_or(Failure::Net(NetFailure::BadBody))?;
        self.pushed_events = done.events;
        self.emit(&f.dossier_id, Phase::Submitting, total, total);
        Ok(receipt)
    }

    /// Missing blobs → uploads → manifest (protocol 1.0).
    async fn attempt_routes(&mut self, f: &Frozen) -> Result<DossierReceipt, AttemptError> {
        let total = f.payload_bytes;
        self.emit(&f.dossier_id, Phase::Preparing, 0, total);
        let hashes: Vec<String> = f.files.iter().map(|x| x.sha256.clone()).collect();
        let missing = self.api.missing(&hashes).await?;
        let todo = decide::uploads_needed(&hashes, &missing);
        let mut done: u64 = f
            .files
            .iter()
            .enumerate()
            .filter(|(i, _)| !todo.contains(i))
            .map(|(_, x)| x.size)
            .sum();
        self.report.skipped_blobs += u32::try_from(f.files.len() - todo.len()).unwrap_or(0);
        for i in todo {
            done = self.upload(f, &f.files[i], done).await?;
        }
        self.emit(&f.dossier_id, Phase::Submitting, total, total);
        Ok(self
            .api
            .put_dossier(&f.remote_uuid, &f.manifest_json)
            .await?)
    }

    /// Uploads one blob from wherever the server's copy ends. Returns the dossier's bytes done.
    async fn upload(&mut self, f: &Frozen, file: &FileRef, done: u64) -> Result<u64, AttemptError> {
        let bytes = self.read_checked(file)?;
        let progress = (f.dossier_id.clone(), f.payload_bytes);
        self.upload_bytes(&file.sha256, &bytes, Some(&progress), done)
            .await
    }

    /// Uploads `bytes` (whose SHA-256 is `sha256`) with the resumable protocol, from the
    /// server's offset; `progress` (dossier id, total bytes) is told how far it got, counting
    /// `done` bytes of that total sent before. Returns `done` plus this blob's length.
    async fn upload_bytes(
        &mut self,
        sha256: &str,
        bytes: &[u8],
        progress: Option<&(String, u64)>,
        mut done: u64,
    ) -> Result<u64, AttemptError> {
        let len = bytes.len() as u64;
        let status = self.api.create_upload(sha256, len).await?;
        if status.complete {
            return Ok(done + len);
        }
        let id = status.upload_id.ok_or(Failure::Net(NetFailure::BadBody))?;
        if status.offset > 0 {
            self.report.resumed += 1;
        }
        let mut offset = status.offset;
        let mut progress_base = done + offset;
        if let Some((id, total)) = progress {
            self.emit(id, Phase::Uploading, progress_base, *total);
        }
        // Chunks only grow within one upload (a break ends it): at most one round per chunk of
        // the current size plus a few offset corrections.
        let mut budget = len / self.chunks.size().max(1) + 8;
        while let Some((a, b)) = decide::next_chunk(offset, len, self.chunks.size()) {
            if budget == 0 {
                return Err(Failure::Net(NetFailure::BadBody).into());
            }
            budget -= 1;
            let slice = bytes
                .get(
                    usize::try_from(a).unwrap_or(usize::MAX)
                        ..usize::try_from(b).unwrap_or(usize::MAX),
                )
                .ok_or(Failure::Net(NetFailure::BadBody))?
                .to_vec();
            let started = std::time::Instant::now();
            match self.api.patch(&id, a, slice).await {
                Ok(st) => {
                    self.chunks.acked(b - a, started.elapsed());
                    self.report.uploaded_bytes += b - a;
                    if st.complete {
                        break;
                    }
                    offset = st.offset;
                }
                Err(e) => match decide::classify(&e) {
                    Disposition::ResumeAt(o) => offset = o,
                    _ => {
                        if matches!(e, Failure::Net(_)) {
                            // Broken or timed out mid-chunk: smaller chunks lose less.
                            self.chunks.broken();
                        }
                        return Err(e.into());
                    }
                },
            }
            progress_base = done + offset.min(len);
            if let Some((id, total)) = progress {
                self.emit(id, Phase::Uploading, progress_base, *total);
            }
        }
        done += len;
        Ok(done)
    }

    /// Pulls the event feed until it has nothing more.
    async fn pull(&mut self) -> Result<(), Stop> {
        let store = self.core.store();
        for _ in 0..100 {
            let cursor = db::cursor(store)?;
            let page = match self.api.events(cursor.as_deref(), 200).await {
                Ok(p) => p,
                Err(e) => {
                    match decide::classify(&e) {
                        Disposition::SignInAgain => return Err(Stop::SignIn),
                        Disposition::UpdateApp => return Err(Stop::UpdateApp),
                        _ => {}
                    }
                    self.report.errors.push(format!("events: {}", e.describe()));
                    return Ok(());
                }
            };
            self.report.pulled += db::apply_events(store, &page)?;
            if !page.more || page.events.is_empty() {
                break;
            }
        }
        Ok(())
    }
}

/// Learned dossiers whose manifest one pass fetches (the rest wait for the next pass).
const LEARNED_PER_PASS: u32 = 20;

/// Bytes of a result download held in memory before they are committed (a cut loses at most
/// this much).
const DOWNLOAD_COMMIT_BYTES: usize = 64 * 1024;

impl Pass<'_> {
    /// Every pending applicant action, oldest first, in order per dossier: once one fails for
    /// now, the later ones of that dossier wait for the next pass (the others go on). Actions of
    /// a dossier still in the outbox wait until it arrived.
    async fn send_actions(&mut self) -> Result<(), Stop> {
        let actions = self.core.store().read(db::pending_actions)?;
        let mut held: std::collections::HashSet<String> = std::collections::HashSet::new();
        for a in actions {
            if held.contains(&a.dossier_id) {
                continue;
            }
            let account = self.account_id.as_str();
            if !self
                .core
                .store()
                .read(|c| owned_by(c, &a.dossier_id, account))?
            {
                // Another account's dossier: its actions wait for that account.
                held.insert(a.dossier_id.clone());
                continue;
            }
            let uuid = self
                .core
                .store()
                .read(|c| db::remote_uuid(c, &a.dossier_id))?;
            let Some(uuid) = uuid else {
                held.insert(a.dossier_id.clone());
                continue;
            };
            if !self.send_action(&a, &uuid).await? {
                held.insert(a.dossier_id.clone());
            }
        }
        Ok(())
    }

    /// Sends the volunteer's ended visits, each body once (the server's `PUT` is idempotent on
    /// the id and body): a network failure leaves the rest for the next pass, a refusal is kept
    /// with its reason so the same body is not sent again, and a server older than protocol 1.2
    /// keeps them all waiting.
    async fn send_visits(&mut self) -> Result<(), Stop> {
        let store = self.core.store();
        if db::get(store, db::KEY_ROLE)?.as_deref() != Some("volunteer")
            || self.api.speaks_visits() == Some(false)
        {
            return Ok(());
        }
        let pending = store.read(crate::visits::pending_uploads)?;
        for v in pending {
            match self.api.put_visit(&v.id, &v.body).await {
                Ok(_) => {
                    store.write(|tx| {
                        crate::visits::mark_sent(tx, &v.id, &self.account_id, &v.sha256, None)
                    })?;
                    self.report.visits_sent += 1;
                }
                Err(f) => {
                    if self.api.speaks_visits() == Some(false) {
                        tracing::info!("the server predates visits (protocol 1.2): they wait");
                        return Ok(());
                    }
                    let what = f.describe();
                    match decide::classify_action(&f, false) {
                        Disposition::SignInAgain => return Err(Stop::SignIn),
                        Disposition::UpdateApp => return Err(Stop::UpdateApp),
                        Disposition::Quarantine(why) => {
                            tracing::warn!(visit = %v.id, reason = why, error = %what, "visit refused by the server");
                            store.write(|tx| {
                                crate::visits::mark_sent(
                                    tx,
                                    &v.id,
                                    &self.account_id,
                                    &v.sha256,
                                    Some(why),
                                )
                            })?;
                        }
                        _ => {
                            tracing::debug!(visit = %v.id, error = %what, "visit not sent");
                            self.report.failed_attempts += 1;
                            self.report.errors.push(what);
                            return Ok(());
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Sends one action with retries. `Ok(true)`: done or set aside (the next one may go);
    /// `Ok(false)`: failed for now.
    async fn send_action(&mut self, a: &db::ActionRow, uuid: &str) -> Result<bool, Stop> {
        let mut attempt: u32 = 0;
        loop {
            let (failure, during_upload) = match self.action_attempt(a, uuid).await {
                Ok(()) => return Ok(true),
                Err(ActionError::Core(e)) => return Err(Stop::Core(e)),
                Err(ActionError::Quarantine(why)) => {
                    self.quarantine_action(a, why)?;
                    return Ok(true);
                }
                Err(ActionError::Net(f, up)) => (f, up),
            };
            let what = failure.describe();
            let not_before = match decide::classify_action(&failure, during_upload) {
                Disposition::Quarantine(why) => {
                    self.quarantine_action(a, why)?;
                    return Ok(true);
                }
                Disposition::SignInAgain => return Err(Stop::SignIn),
                Disposition::UpdateApp => return Err(Stop::UpdateApp),
                Disposition::Retry { not_before } => not_before,
                Disposition::ResumeAt(_) | Disposition::UploadMissing(_) => None,
            };
            tracing::debug!(dossier = %a.dossier_id, kind = %a.kind, attempt, error = %what, "action attempt failed");
            db::action_failure(self.core.store(), &a.id, &what)?;
            self.report.failed_attempts += 1;
            self.report.errors.push(what);
            attempt += 1;
            let wait = self
                .cfg
                .backoff
                .wait(attempt - 1, rand::random::<f64>(), not_before);
            if attempt >= self.cfg.attempts_per_dossier || wait > self.cfg.max_wait {
                return Ok(false);
            }
            tokio::time::sleep(wait).await;
        }
    }

    fn quarantine_action(&mut self, a: &db::ActionRow, why: &'static str) -> Result<(), Stop> {
        db::action_quarantine(self.core.store(), a, why)?;
        tracing::warn!(dossier = %a.dossier_id, kind = %a.kind, reason = why, "action set aside");
        self.report.actions_quarantined.push(QuarantinedAction {
            dossier_id: a.dossier_id.clone(),
            kind: a.kind.clone(),
            reason: why.to_string(),
        });
        Ok(())
    }

    async fn action_attempt(&mut self, a: &db::ActionRow, uuid: &str) -> Result<(), ActionError> {
        let store = self.core.store();
        let net = |f: Failure| ActionError::Net(f, false);
        let done = match decide::ActionKind::parse(&a.kind) {
            Some(decide::ActionKind::Cancel) => {
                self.api.cancel(uuid, &a.body).await.map_err(net)?;
                db::action_done(store, &a.id, |_| Ok(()))?
            }
            Some(decide::ActionKind::PaymentClaim) => {
                self.api.payment_claim(uuid, &a.body).await.map_err(net)?;
                db::action_done(store, &a.id, |_| Ok(()))?
            }
            Some(decide::ActionKind::Rating) => {
                self.api.rate(uuid, &a.body).await.map_err(net)?;
                db::action_done(store, &a.id, |_| Ok(()))?
            }
            Some(decide::ActionKind::Revision) => {
                let Some(revision) = a.revision else {
                    return Err(ActionError::Quarantine(reason::BAD_DOSSIER));
                };
                let f = Frozen {
                    outbox_id: a.id.clone(),
                    dossier_id: a.dossier_id.clone(),
                    remote_uuid: uuid.to_string(),
                    manifest_json: a.body.clone(),
                    payload_bytes: a.files.iter().map(|x| x.size).sum(),
                    files: a.files.clone(),
                    attempts: a.attempts,
                };
                let hashes: Vec<String> = f.files.iter().map(|x| x.sha256.clone()).collect();
                let up = |f: Failure| ActionError::Net(f, true);
                let missing = self.api.missing(&hashes).await.map_err(up)?;
                let todo = decide::uploads_needed(&hashes, &missing);
                self.report.skipped_blobs += u32::try_from(f.files.len() - todo.len()).unwrap_or(0);
                let mut done = 0;
                for i in todo {
                    done = self
                        .upload(&f, &f.files[i], done)
                        .await
                        .map_err(|e| match e {
                            AttemptError::Net(x) => ActionError::Net(x, true),
                            AttemptError::Quarantine(q) => ActionError::Quarantine(q),
                            AttemptError::Core(c) => ActionError::Core(c),
                        })?;
                }
                let receipt = self
                    .api
                    .put_revision(uuid, revision, &a.body)
                    .await
                    .map_err(net)?;
                let info = receipt.revision;
                db::action_done(store, &a.id, |tx| {
                    tx.execute(
                        "INSERT INTO dossier_revisions (dossier_id, revision, changed_fields,
                                                        changed_attachments, submitted_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (dossier_id, revision) DO NOTHING",
                        rusqlite::params![
                            a.dossier_id,
                            info.revision,
                            serde_json::to_string(&info.changed_fields).unwrap_or_default(),
                            serde_json::to_string(&info.changed_attachments).unwrap_or_default(),
                            info.submitted_at
                        ],
                    )?;
                    Ok(())
                })?
            }
            None => return Err(ActionError::Quarantine(reason::BAD_DOSSIER)),
        };
        if done {
            tracing::info!(dossier = %a.dossier_id, kind = %a.kind, "action sent");
            self.report.actions_sent.push(SentAction {
                dossier_id: a.dossier_id.clone(),
                kind: a.kind.clone(),
                revision: a.revision,
            });
        }
        Ok(())
    }

    /// Downloads every announced online result not stored yet, resuming from what is held,
    /// verifies size and SHA-256 and stores it once in the applicant's documents.
    async fn fetch_results(&mut self) -> Result<(), Stop> {
        let todo = self.core.store().read(db::results_to_fetch)?;
        for db::ResultToFetch {
            dossier_id,
            sha256: sha,
            size,
            person_id,
        } in todo
        {
            let account = self.account_id.as_str();
            if !self
                .core
                .store()
                .read(|c| owned_by(c, &dossier_id, account))?
            {
                continue;
            }
            let Some(person) = person_id else {
                db::result_failure(self.core.store(), &dossier_id, "no applicant")?;
                continue;
            };
            if size == 0 || size > crate::documents::MAX_DOCUMENT_BYTES as u64 {
                db::result_failure(self.core.store(), &dossier_id, "result size out of bounds")?;
                continue;
            }
            let mut attempt: u32 = 0;
            loop {
                let failure = match self.download(&sha, size).await {
                    Ok(bytes) => {
                        self.keep_result(&dossier_id, &person, &sha, size, &bytes)?;
                        break;
                    }
                    Err(f) => f,
                };
                let what = format!("result: {}", failure.describe());
                db::result_failure(self.core.store(), &dossier_id, &what)?;
                self.report.failed_attempts += 1;
                self.report.errors.push(what);
                let not_before = match decide::classify(&failure) {
                    Disposition::SignInAgain => return Err(Stop::SignIn),
                    Disposition::UpdateApp => return Err(Stop::UpdateApp),
                    Disposition::Retry { not_before } => not_before,
                    // A refusal (404, 403) may pass once the server catches up: next pass.
                    _ => break,
                };
                attempt += 1;
                let wait = self
                    .cfg
                    .backoff
                    .wait(attempt - 1, rand::random::<f64>(), not_before);
                if attempt >= self.cfg.attempts_per_dossier || wait > self.cfg.max_wait {
                    break;
                }
                tokio::time::sleep(wait).await;
            }
        }
        Ok(())
    }

    /// Verifies and stores a complete download (exactly once); a wrong file is thrown away.
    fn keep_result(
        &mut self,
        dossier_id: &str,
        person: &str,
        sha: &str,
        size: u64,
        bytes: &[u8],
    ) -> Result<(), Stop> {
        let store = self.core.store();
        if bytes.len() as u64 != size || hex::encode(Sha256::digest(bytes)) != sha {
            tracing::warn!(dossier = %dossier_id, got = bytes.len(), want = size, "result download does not match its hash; discarded");
            store.write(|tx| db::discard_download(tx, sha))?;
            db::result_failure(store, dossier_id, "result: hash mismatch")?;
            self.report.errors.push("result: hash mismatch".into());
            return Ok(());
        }
        let ts = dossier::now();
        let stored = self.core.store_document_once(
            person,
            crate::documents::DocumentKind::Result,
            bytes,
            &crate::documents::DocumentMeta::default(),
            |tx, doc| {
                let n = tx.execute(
                    "UPDATE dossier_result SET document_id = ?2, stored_at = ?3, last_error = NULL
                     WHERE dossier_id = ?1 AND document_id IS NULL AND sha256 = ?4",
                    rusqlite::params![dossier_id, doc.0, ts, sha],
                )?;
                if n == 1 {
                    db::discard_download(tx, sha)?;
                    tx.execute(
                        "INSERT INTO dossier_timeline (dossier_id, kind, state, detail, at)
                         VALUES (?1, 'result_stored', 'result_ready', ?2, ?3)",
                        rusqlite::params![
                            dossier_id,
                            serde_json::json!({ "document_id": doc.0 }).to_string(),
                            ts
                        ],
                    )?;
                }
                Ok(n == 1)
            },
        );
        match stored {
            Ok(Some(doc)) => {
                tracing::info!(dossier = %dossier_id, document_id = %doc, bytes = size, "result stored");
                self.report.results_stored.push(StoredResult {
                    dossier_id: dossier_id.to_string(),
                    document_id: doc.0,
                });
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) if e.is_bad_input() => {
                // E.g. the applicant was deleted on this device: say so, keep the bytes.
                tracing::warn!(dossier = %dossier_id, error = e.code(), "result cannot be stored");
                db::result_failure(store, dossier_id, e.code())?;
                Ok(())
            }
            Err(e) => Err(Stop::Core(e)),
        }
    }

    /// Fetches the rest of a blob after what is held, committing every few tens of KiB, and
    /// returns the whole content once the size is reached.
    async fn download(&mut self, sha: &str, size: u64) -> Result<Vec<u8>, Failure> {
        let path = dvc_protocol::paths::fill(dvc_protocol::paths::BLOB, &[sha]);
        self.download_from(&path, sha, size).await
    }

    /// [`Pass::download`] of any ranged route (`path`), the partial bytes kept under `sha`.
    async fn download_from(
        &mut self,
        path: &str,
        sha: &str,
        size: u64,
    ) -> Result<Vec<u8>, Failure> {
        let store = self.core.store();
        let local = |e: CoreError| {
            tracing::error!(error = %e, "result download: local store");
            Failure::Net(NetFailure::BadBody)
        };
        // At most a few restarts (a server ignoring Range, a stale partial file).
        for _ in 0..4 {
            let held = store.read(|c| db::download_offset(c, sha)).map_err(local)?;
            if held >= size {
                return db::downloaded(store, sha).map_err(local);
            }
            let (status, start, res) = self.api.get_from(path, held).await?;
            let mut offset = match decide::range_answer(status, held, start) {
                decide::RangeAnswer::Append => {
                    if held > 0 {
                        self.report.downloads_resumed += 1;
                    }
                    held
                }
                decide::RangeAnswer::Restart => {
                    store
                        .write(|tx| db::discard_download(tx, sha))
                        .map_err(local)?;
                    0
                }
                decide::RangeAnswer::Discard => {
                    store
                        .write(|tx| db::discard_download(tx, sha))
                        .map_err(local)?;
                    continue;
                }
            };
            let Some(mut res) = res else {
                return Err(Failure::Net(NetFailure::BadBody));
            };
            let mut buf: Vec<u8> = Vec::with_capacity(DOWNLOAD_COMMIT_BYTES);
            loop {
                let piece = Api::next_piece(&mut res).await;
                let end = !matches!(piece, Ok(Some(_)));
                if let Ok(Some(p)) = &piece {
                    self.report.downloaded_bytes += p.len() as u64;
                    buf.extend_from_slice(p);
                }
                if !buf.is_empty() && (end || buf.len() >= DOWNLOAD_COMMIT_BYTES) {
                    if !db::append_download(store, sha, offset, &buf).map_err(local)? {
                        // Another pass wrote meanwhile: start again from what is held.
                        break;
                    }
                    offset += buf.len() as u64;
                    buf.clear();
                }
                match piece {
                    Ok(Some(_)) if offset > size => break,
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(f) => return Err(f),
                }
            }
        }
        let held = store.read(|c| db::download_offset(c, sha)).map_err(local)?;
        if held >= size {
            return db::downloaded(store, sha).map_err(local);
        }
        Err(Failure::Net(NetFailure::Broken))
    }
}

/// Why one action attempt failed (`bool`: during an upload).
enum ActionError {
    Net(Failure, bool),
    Quarantine(&'static str),
    Core(CoreError),
}

impl From<CoreError> for ActionError {
    fn from(e: CoreError) -> Self {
        ActionError::Core(e)
    }
}

#[path = "relay.rs"]
mod relay;

#[path = "catalog_fetch.rs"]
mod catalog_fetch;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_codes_have_the_qcvn_shape() {
        assert!(check_agency("000.30.27.H23").is_ok());
        assert!(check_agency("G01.837.000.000").is_ok());
        for bad in ["", "H23", "000..H23", "000.30 27", "000.30.27.H23;drop"] {
            assert!(check_agency(bad).is_err(), "{bad}");
        }
    }
}
