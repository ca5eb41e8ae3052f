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
        }
    }
}

/// Which step a dossier is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
pub struct Progress {
    pub dossier_id: String,
    pub phase: Phase,
    pub bytes_sent: u64,
    pub bytes_total: u64,
}

/// A dossier that arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentDossier {
    pub dossier_id: String,
    pub code: String,
}

/// A dossier set aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantinedDossier {
    pub dossier_id: String,
    pub reason: String,
}

/// What a pass did (the `dvc sync --json` output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
            Stop::SignIn => SyncError::NotSignedIn,
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

impl From<Failure> for AttemptError {
    fn from(f: Failure) -> Self {
        AttemptError::Net(f)
    }
}

/// Receives progress.
pub type ProgressFn<'a> = &'a (dyn Fn(&Progress) + Send + Sync);

struct Pass<'a> {
    core: &'a Core,
    api: Api,
    cfg: &'a SyncConfig,
    agency: Option<String>,
    /// The server's agencies, fetched once per pass when needed.
    agencies: Option<Vec<dvc_protocol::agencies::AgencyInfo>>,
    progress: ProgressFn<'a>,
    report: SyncReport,
    /// The link's chunk size, learnt across the pass's uploads.
    chunks: decide::ChunkSizer,
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
        let token = account::token(self)?.ok_or(SyncError::NotSignedIn)?;
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
            api,
            cfg,
            agency,
            agencies: None,
            progress,
            report: SyncReport::default(),
            chunks: chunk_sizer(cfg),
        };
        for q in dossier::outbox_pending(self.store())? {
            pass.send_one(&q).await.map_err(SyncError::from)?;
        }
        if cfg.pull_events {
            pass.pull().await.map_err(SyncError::from)?;
        }
        let mut report = pass.report;
        report.pending = db::outbox_counts(self.store())?.0;
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
            "sync pass done"
        );
        Ok(report)
    }
}

/// The chunk sizer of a pass: the configured bounds, never below 1 KiB nor above the protocol's
/// maximum; a fixed size when `chunk_min == chunk_max`.
fn chunk_sizer(cfg: &SyncConfig) -> decide::ChunkSizer {
    let max = cfg.chunk_max.clamp(1024, MAX_CHUNK_BYTES) as u64;
    let min = (cfg.chunk_min.clamp(1024, MAX_CHUNK_BYTES) as u64).min(max);
    decide::ChunkSizer::new(cfg.chunk_bytes as u64, min, max, cfg.chunk_target)
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
        let Ok(form) = form::bundled_form(&d.procedure_id) else {
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
        let m = manifest::build(&d, &form, agency, &files, &types);
        let json = serde_json::to_string(&m).map_err(|e| {
            CoreError::invalid("manifest", format!("encode: {e}"), "errors.internal")
        })?;
        let payload: u64 = files.iter().map(|f| f.size).sum();
        db::freeze(store, &q.outbox_id, &json, &files, payload)?;
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
            Err(why) => {
                self.quarantine(q, why)?;
                return Ok(());
            }
        };
        let mut attempt: u32 = 0;
        loop {
            match self.attempt(&f).await {
                Ok(receipt) => {
                    if db::mark_sent(self.core.store(), &f.outbox_id, &f.dossier_id, &receipt)? {
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

    /// Missing blobs → uploads → manifest.
    async fn attempt(&mut self, f: &Frozen) -> Result<DossierReceipt, AttemptError> {
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
    async fn upload(
        &mut self,
        f: &Frozen,
        file: &FileRef,
        mut done: u64,
    ) -> Result<u64, AttemptError> {
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
        let len = bytes.len() as u64;
        let status = self.api.create_upload(&file.sha256, len).await?;
        if status.complete {
            return Ok(done + len);
        }
        let id = status.upload_id.ok_or(Failure::Net(NetFailure::BadBody))?;
        if status.offset > 0 {
            self.report.resumed += 1;
        }
        let mut offset = status.offset;
        let mut progress_base = done + offset;
        self.emit(
            &f.dossier_id,
            Phase::Uploading,
            progress_base,
            f.payload_bytes,
        );
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
            self.emit(
                &f.dossier_id,
                Phase::Uploading,
                progress_base,
                f.payload_bytes,
            );
        }
        done += len;
        Ok(done)
    }

    /// Pulls the event feed until it has nothing more.
    async fn pull(&mut self) -> Result<(), Stop> {
        let store = self.core.store();
        for _ in 0..100 {
            let cursor = db::get(store, db::KEY_CURSOR)?;
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
