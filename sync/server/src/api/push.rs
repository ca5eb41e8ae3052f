//! `POST /v1/push` (protocol 1.1): a dossier's blobs and its submission in one streamed request
//! (see [`dvc_protocol::push`] for the frames and the answer lines).
//!
//! The head is read and checked before the answer starts, so a bad head or manifest, an unknown
//! role or a quota problem is an ordinary error answer. Then a task reads the data frames while the
//! answer streams `ack` lines: each frame's checksum is verified, its new bytes are kept in memory
//! and written durably (fsync, then the upload's offset in the database) once the push holds
//! [`COMMIT_BYTES`] unwritten, at the end, when the connection breaks and when the server shuts
//! down — every blob at once, so a dossier's small attachments share their durable rounds.
//! Writing takes the upload's lock only for the write itself ([`uploads::lock_key`]): a slow or
//! stalled sender never holds it. A blob is verified and recorded by [`uploads::complete`], as
//! for `PATCH /v1/uploads/{id}` — or, when all of its bytes are held at once, verified in memory
//! and stored without a part file: [`uploads::complete_whole`] for an open upload,
//! [`uploads::store_new_whole`] for a blob new to the account, which then never gets an upload
//! row (the head only looks: an upload is opened when a blob's first bytes are written).

use std::time::Duration;

use axum::body::{Body, BodyDataStream};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use dvc_protocol::auth::Role;
use dvc_protocol::events::DEFAULT_LIMIT;
use dvc_protocol::push::{
    BlobState, DataFrame, Frame, FrameDecoder, FrameError, PushHead, PushLine, COMMIT_BYTES,
    DATA_PREFIX_BYTES, FRAME_HEADER_BYTES, MAX_PUSH_BLOBS, PUSH_CONTENT_TYPE,
    PUSH_LINES_CONTENT_TYPE,
};
use dvc_protocol::{ErrorBody, ErrorCode};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tracing::Instrument;

use super::uploads::{self, Completed, Opened};
use crate::auth::Caller;
use crate::db::Upload;
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_json;
use crate::metrics::Metrics;
use crate::state::AppState;

/// A push whose sender sends nothing for this long is ended (what arrived is kept).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// The longest a push lasts; then it ends like a broken one (what arrived is kept, `503.1`) and
/// the client pushes again from the server's offsets. The request timeout does not cover a push
/// (its answer starts once the head is read), so this bounds it instead, and keeps it well inside
/// the clean-up's idle limit for uploads ([`crate::config::Retention::open_upload_ms`]): every
/// upload a push writes was touched when the push opened it, so none is removed under it.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);

/// [`MAX_DURATION`], or half the uploads' idle limit if that is shorter.
pub fn max_duration(st: &AppState) -> Duration {
    let half_idle = u64::try_from(st.cfg.retention.open_upload_ms / 2).unwrap_or(0);
    MAX_DURATION.min(Duration::from_millis(half_idle.max(1000)))
}

/// Answer lines waiting to be sent; a client that stops reading stops the push here.
const LINE_QUEUE: usize = 256;

/// Reads frames from the request body.
struct Input {
    body: BodyDataStream,
    dec: FrameDecoder,
}

/// Why no frame came.
enum InputError {
    /// The connection broke, the body ended in the middle of a frame, or nothing came for
    /// [`IDLE_TIMEOUT`].
    Broken,
    /// The bytes are not frames.
    Frame(FrameError),
}

impl Input {
    /// The next frame; `Ok(None)` when the body ended cleanly between frames.
    async fn frame(&mut self) -> Result<Option<Frame>, InputError> {
        loop {
            match self.dec.next_frame() {
                Ok(Some(f)) => return Ok(Some(f)),
                Ok(None) => {}
                Err(e) => return Err(InputError::Frame(e)),
            }
            match tokio::time::timeout(IDLE_TIMEOUT, self.body.next()).await {
                Ok(Some(Ok(bytes))) => self.dec.push(&bytes),
                Ok(None) if self.dec.buffered() == 0 => return Ok(None),
                Ok(None) | Ok(Some(Err(_))) | Err(_) => return Err(InputError::Broken),
            }
        }
    }
}

fn frame_error(e: &FrameError) -> ApiError {
    match e {
        FrameError::TooLarge { .. } => ApiError::new(ErrorCode::PayloadTooLarge, e.to_string()),
        _ => ApiError::invalid("body", e.to_string()),
    }
}

/// One blob of the push.
struct Slot {
    sha256: String,
    length: u64,
    /// The open upload (`None` once the blob is complete, or while it is `fresh`).
    upload: Option<Upload>,
    /// Nothing of this blob is on the server yet for this account: no upload row until its first
    /// bytes are written — and none at all if those are the whole blob (stored at once).
    fresh: bool,
    /// Bytes durably held.
    durable: u64,
    /// Checked bytes from `durable` on, not written yet.
    buf: Vec<u8>,
    complete: bool,
}

impl Slot {
    fn state(&self) -> BlobState {
        BlobState {
            offset: if self.complete {
                self.length
            } else {
                self.durable
            },
            complete: self.complete,
        }
    }

    /// The next byte this push expects.
    fn next(&self) -> u64 {
        self.durable + self.buf.len() as u64
    }
}

/// Uploads blobs and submits a dossier in one request (protocol 1.1).
#[utoipa::path(post, path = "/v1/push", tag = "blobs", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/vnd.dvc.push",
                 description = "Frames: head (JSON PushHead), manifest (if submitting), data frames, end"),
    responses((status = 200, description = "One PushLine per line: head, acks, then done or error", content_type = "application/x-ndjson", body = PushLine),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn push(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let ct_ok = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(PUSH_CONTENT_TYPE)
        });
    if !ct_ok {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("expected Content-Type: {PUSH_CONTENT_TYPE}"),
        ));
    }
    let mut input = Input {
        body: body.into_data_stream(),
        dec: FrameDecoder::new(st.cfg.max_json_bytes),
    };
    let ended = || ApiError::invalid("body", "the push ended before its head");
    let head: PushHead = match input.frame().await {
        Ok(Some(Frame::Head(b))) => parse_json(&b)?,
        Ok(Some(_)) => {
            return Err(ApiError::invalid(
                "body",
                "a push starts with its head frame",
            ))
        }
        Ok(None) | Err(InputError::Broken) => return Err(ended()),
        Err(InputError::Frame(e)) => return Err(frame_error(&e)),
    };
    if head.blobs.len() > MAX_PUSH_BLOBS {
        return Err(ApiError::invalid(
            "blobs",
            format!("at most {MAX_PUSH_BLOBS} blobs"),
        ));
    }
    let mut lengths = Vec::with_capacity(head.blobs.len());
    for (i, b) in head.blobs.iter().enumerate() {
        let len = uploads::check_blob(&st, &b.sha256, b.length).map_err(|mut e| {
            if let Some(f) = e.body.field.take() {
                e.body.field = Some(format!("blobs[{i}].{f}"));
            }
            e
        })?;
        if head.blobs[..i].iter().any(|x| x.sha256 == b.sha256) {
            return Err(ApiError::invalid(
                format!("blobs[{i}].sha256"),
                "a hash is listed twice",
            ));
        }
        lengths.push(len);
    }
    let submit = match &head.submit {
        None => None,
        Some(uuid) => {
            super::dossiers::uuid_param(uuid)?;
            let manifest = match input.frame().await {
                Ok(Some(Frame::Manifest(b))) => b,
                Ok(Some(_)) => {
                    return Err(ApiError::invalid(
                        "body",
                        "a push that submits sends the manifest right after its head",
                    ))
                }
                Ok(None) | Err(InputError::Broken) => return Err(ended()),
                Err(InputError::Frame(e)) => return Err(frame_error(&e)),
            };
            // Checked now, so a dossier the server would refuse costs no upload.
            super::dossiers::parse_manifest(&manifest)?;
            Some((uuid.clone(), manifest))
        }
    };
    let events_after = match &head.events_after {
        None => None,
        Some(c) => Some(super::events::parse_cursor(Some(c))?),
    };
    let account_id = caller.account.id.clone();
    let mut slots = Vec::with_capacity(head.blobs.len());
    let mut wanted = 0i64;
    for (b, len) in head.blobs.iter().zip(lengths) {
        let slot = match uploads::find(&st, &account_id, &b.sha256, len).await? {
            Some(Opened::Complete) => Slot {
                sha256: b.sha256.clone(),
                length: b.length,
                upload: None,
                fresh: false,
                durable: b.length,
                buf: Vec::new(),
                complete: true,
            },
            Some(Opened::Open { upload, .. }) => Slot {
                sha256: b.sha256.clone(),
                length: b.length,
                durable: u64::try_from(upload.received).unwrap_or(0),
                upload: Some(upload),
                fresh: false,
                buf: Vec::new(),
                complete: false,
            },
            None => {
                wanted = wanted.saturating_add(len);
                Slot {
                    sha256: b.sha256.clone(),
                    length: b.length,
                    upload: None,
                    fresh: true,
                    durable: 0,
                    buf: Vec::new(),
                    complete: false,
                }
            }
        };
        slots.push(slot);
    }
    if wanted > 0 {
        // The blobs new to this account, all together (each is checked again if it needs an
        // upload row).
        uploads::check_quota(&st, st.db.account_usage(&account_id).await?, wanted)?;
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(LINE_QUEUE);
    let head_line = PushLine::Head {
        blobs: slots.iter().map(Slot::state).collect(),
    };
    let _ = tx.try_send(line(&head_line));
    tracing::info!(
        blobs = slots.len(),
        complete = slots.iter().filter(|s| s.complete).count(),
        submit = submit.is_some(),
        "push started"
    );
    let run = Run {
        st: st.clone(),
        caller,
        takes_papers: super::events::takes_papers(&headers),
        slots,
        tx,
        consumed: 0,
        max_consumed: head
            .blobs
            .iter()
            .map(|b| b.length)
            .sum::<u64>()
            .saturating_mul(4)
            .saturating_add(4 << 20),
    };
    tokio::spawn(
        run.go(input, submit, events_after)
            .instrument(tracing::Span::current()),
    );
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::convert::Infallible>(b), rx))
    });
    let mut res = (StatusCode::OK, Body::from_stream(stream)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PUSH_LINES_CONTENT_TYPE),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

fn line(l: &PushLine) -> Bytes {
    let mut v = serde_json::to_vec(l).unwrap_or_else(|_| b"{}".to_vec());
    v.push(b'\n');
    Bytes::from(v)
}

/// The part of a push after its head.
struct Run {
    st: AppState,
    caller: Caller,
    /// Whether the client reads protocol 1.4's `paper_kept` events.
    takes_papers: bool,
    slots: Vec<Slot>,
    tx: tokio::sync::mpsc::Sender<Bytes>,
    /// Data-frame bytes read so far (what the `ack` lines count).
    consumed: u64,
    /// More than this is not a blob upload any more.
    max_consumed: u64,
}

/// How the frame loop ended.
enum Stop {
    /// The end frame: answer `done`.
    End,
    /// The client is gone (or silent): keep what arrived, nobody to answer.
    Gone,
    /// Answer this error.
    Fail(ApiError),
}

impl Run {
    async fn go(mut self, mut input: Input, submit: Option<(String, Vec<u8>)>, after: Option<i64>) {
        let stop = self.frames(&mut input).await;
        // Whatever happened, the checked bytes are written before anything else.
        let saved = self.commit_all().await;
        let fail = match (stop, saved) {
            (Stop::Gone, r) => {
                if let Err(e) = r {
                    tracing::warn!(
                        code = e.code().code(),
                        "push: bytes of a broken push not saved"
                    );
                }
                tracing::info!(bytes = self.consumed, "push ended by the client");
                return;
            }
            (Stop::Fail(e), _) | (Stop::End, Err(e)) => e,
            (Stop::End, Ok(())) => match self.finish(submit, after).await {
                Ok(done) => {
                    let _ = self.tx.send(line(&done)).await;
                    return;
                }
                Err(e) => e,
            },
        };
        tracing::info!(
            code = fail.code().code(),
            bytes = self.consumed,
            "push refused"
        );
        let blobs = self.slots.iter().map(Slot::state).collect();
        let _ = self
            .tx
            .send(line(&PushLine::Error {
                error: *fail.body,
                blobs,
            }))
            .await;
    }

    async fn frames(&mut self, input: &mut Input) -> Stop {
        let deadline = tokio::time::Instant::now() + max_duration(&self.st);
        loop {
            let next = tokio::select! {
                f = input.frame() => f,
                () = tokio::time::sleep_until(deadline) => {
                    return Stop::Fail(ApiError::new(
                        ErrorCode::Unavailable,
                        "this push has lasted too long; push again",
                    ))
                }
                _ = self.st.feed.shutting_down() => {
                    return Stop::Fail(ApiError::new(
                        ErrorCode::Unavailable,
                        "the server is restarting; push again",
                    ))
                }
            };
            let frame = match next {
                Ok(Some(Frame::Data(d))) => d,
                Ok(Some(Frame::End)) => return Stop::End,
                Ok(Some(_)) => {
                    return Stop::Fail(ApiError::invalid(
                        "body",
                        "only data frames and the end frame follow the head",
                    ))
                }
                Ok(None) | Err(InputError::Broken) => return Stop::Gone,
                Err(InputError::Frame(e)) => return Stop::Fail(frame_error(&e)),
            };
            self.consumed += (FRAME_HEADER_BYTES + DATA_PREFIX_BYTES + frame.data.len()) as u64;
            if self.consumed > self.max_consumed {
                return Stop::Fail(ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    "far more data than the head's blobs hold",
                ));
            }
            if let Err(e) = self.data(frame).await {
                return Stop::Fail(e);
            }
            if self
                .tx
                .send(line(&PushLine::Ack { n: self.consumed }))
                .await
                .is_err()
            {
                return Stop::Gone;
            }
        }
    }

    /// Checks a data frame and keeps its new bytes.
    async fn data(&mut self, f: DataFrame) -> ApiResult<()> {
        let n = self.slots.len();
        let i = usize::from(f.blob);
        let Some(slot) = self.slots.get_mut(i) else {
            return Err(ApiError::invalid(
                "body",
                format!("a data frame for blob {i}; the head has {n}"),
            ));
        };
        if Sha256::digest(&f.data).as_slice() != f.sha256 {
            Metrics::inc(&self.st.metrics.chunk_rejects);
            return Err(ApiError::new(
                ErrorCode::ChunkChecksumMismatch,
                "a data frame does not match its checksum; it was discarded",
            ));
        }
        let len = f.data.len() as u64;
        let end = f.offset.saturating_add(len);
        if end > slot.length {
            return Err(ApiError::invalid(
                "body",
                "a data frame goes past its blob's length",
            ));
        }
        let next = slot.next();
        if slot.complete || f.offset > next || end <= next {
            // Stored already, before the server's offset, or after a gap: nothing to keep.
            return Ok(());
        }
        let skip = usize::try_from(next - f.offset).unwrap_or(usize::MAX);
        slot.buf
            .extend_from_slice(f.data.get(skip..).unwrap_or_default());
        if self.slots.iter().map(|s| s.buf.len()).sum::<usize>() >= COMMIT_BYTES {
            self.commit_all().await?;
        }
        Ok(())
    }

    /// Writes every slot's checked bytes, all slots at once: the blobs' file syncs overlap and
    /// their database rows share the writer's group commits, so a dossier's small attachments
    /// cost about one durable round instead of one each.
    async fn commit_all(&mut self) -> ApiResult<()> {
        let account = self.caller.account.id.clone();
        let st = &self.st;
        futures_util::future::join_all(self.slots.iter_mut().map(|slot| commit(st, &account, slot)))
            .await
            .into_iter()
            .find_map(Result::err)
            .map_or(Ok(()), Err)
    }

    /// After the end frame: the submission and the events.
    async fn finish(
        &mut self,
        submit: Option<(String, Vec<u8>)>,
        after: Option<i64>,
    ) -> ApiResult<PushLine> {
        let receipt = match submit {
            None => None,
            Some((uuid, manifest)) => {
                Some(super::dossiers::submit(&self.st, &self.caller, &uuid, &manifest).await?)
            }
        };
        let events = match after {
            None => None,
            Some(a) => Some(
                super::events::page_now(
                    &self.st,
                    &self.caller.account.scope(),
                    a,
                    DEFAULT_LIMIT,
                    self.takes_papers,
                )
                .await?,
            ),
        };
        Ok(PushLine::Done {
            blobs: self.slots.iter().map(Slot::state).collect(),
            receipt,
            events,
        })
    }
}

/// Writes a slot's checked bytes durably (and verifies the blob once it is whole), under the
/// upload's lock. The upload's row says where its bytes end: another request may have moved it
/// on meanwhile (then only what is new is written) or finished it.
async fn commit(st: &AppState, account_id: &str, slot: &mut Slot) -> ApiResult<()> {
    if slot.complete || (slot.buf.is_empty() && slot.durable < slot.length) {
        return Ok(());
    }
    if slot.fresh {
        let length = i64::try_from(slot.length).unwrap_or(i64::MAX);
        if slot.buf.len() as u64 == slot.length {
            // The whole blob, new to this account: stored at once, no upload row, no part file.
            let data = Bytes::from(std::mem::take(&mut slot.buf));
            uploads::store_new_whole(st, account_id, &slot.sha256, data).await?;
            st.metrics
                .upload_bytes
                .fetch_add(slot.length, std::sync::atomic::Ordering::Relaxed);
            slot.fresh = false;
            slot.durable = slot.length;
            slot.complete = true;
            return Ok(());
        }
        // Its first bytes: now it needs an upload (or another request finished it meanwhile).
        let opened = uploads::open(st, account_id, &slot.sha256, length).await?;
        slot.fresh = false;
        match opened {
            Opened::Complete => {
                slot.buf.clear();
                slot.durable = slot.length;
                slot.complete = true;
                return Ok(());
            }
            Opened::Open { upload, .. } => slot.upload = Some(upload),
        }
    }
    let Some(upload) = slot.upload.clone() else {
        slot.buf.clear();
        return Ok(());
    };
    let _guard = st
        .lock_upload(&uploads::lock_key(account_id, &slot.sha256))
        .await?;
    let Some(mut row) = st.db.upload(account_id, &upload.id).await? else {
        // Finished or discarded by another request.
        slot.buf.clear();
        slot.upload = None;
        if !st
            .db
            .owned_blobs(account_id, std::slice::from_ref(&slot.sha256))
            .await?
            .is_empty()
        {
            slot.complete = true;
            return Ok(());
        }
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "this upload is gone; push again",
        ));
    };
    let held = u64::try_from(row.received).unwrap_or(0);
    if held < slot.durable {
        // The upload went back (its bytes were lost): what this push holds no longer follows.
        slot.buf.clear();
        slot.durable = held;
        let mut e = ApiError::new(
            ErrorCode::UploadOffsetMismatch,
            "the server's offset went back; push again from it",
        );
        e.body.offset = Some(held);
        return Err(e);
    }
    if held > slot.durable {
        let skip = usize::try_from(held - slot.durable).unwrap_or(usize::MAX);
        slot.buf.drain(..skip.min(slot.buf.len()));
        slot.durable = held;
    }
    if slot.durable == 0 && slot.buf.len() as u64 == slot.length {
        // The whole blob arrived in this push: verified in memory, stored without a part file.
        let data = Bytes::from(std::mem::take(&mut slot.buf));
        let n = data.len() as u64;
        uploads::complete_whole(st, &row, data).await?;
        st.metrics
            .upload_bytes
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        slot.durable = slot.length;
        slot.complete = true;
        slot.upload = None;
        return Ok(());
    }
    if !slot.buf.is_empty() {
        let data = Bytes::from(std::mem::take(&mut slot.buf));
        let n = data.len() as u64;
        st.blobs.write_chunk(&row.id, slot.durable, data).await?;
        let end = slot.durable + n;
        let end_i = i64::try_from(end).unwrap_or(i64::MAX);
        // A blob whose last bytes these are is verified right below, which removes the upload's
        // row (or resets it to 0 if the bytes are gone): recording its offset first would be one
        // more durable transaction for nothing. A crash in between leaves the row at the old
        // offset, and the next write there truncates the part file to it.
        if end < slot.length {
            st.db
                .set_upload_received(&row.id, end_i, st.clock.now_ms())
                .await?;
        }
        st.metrics
            .upload_bytes
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        slot.durable = end;
        row.received = end_i;
    }
    if slot.durable == slot.length {
        match uploads::complete(st, &row).await? {
            Completed::Stored => {
                slot.complete = true;
                slot.upload = None;
            }
            Completed::Lost => {
                slot.durable = 0;
                let mut e = ApiError::new(
                    ErrorCode::UploadOffsetMismatch,
                    "the server lost this upload's bytes; push again from 0",
                );
                e.body.offset = Some(0);
                return Err(e);
            }
        }
    }
    Ok(())
}
