//! The client side of protocol 1.1's push (`POST /v1/push`, see [`dvc_protocol::push`]): one
//! request per attempt streams a dossier's blobs in checksummed frames after its manifest, while
//! the server's answer lines (where each blob stands, acknowledgements, the receipt and the new
//! events) come back on the same connection.
//!
//! Only a window of unacknowledged frames is on the way ([`StreamWindow`], about one round trip
//! of the link), so a broken connection loses little; the next attempt learns the server's
//! offsets from the `head` line before it sends (`wait_head`).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Instant;

use reqwest::Method;
use sha2::{Digest, Sha256};

use dvc_protocol::dossiers::DossierReceipt;
use dvc_protocol::events::EventsPage;
use dvc_protocol::paths;
use dvc_protocol::push::{
    encode_data, encode_frame, BlobState, PushHead, PushLine, DATA_PREFIX_BYTES, FRAME_END,
    FRAME_HEAD, FRAME_HEADER_BYTES, FRAME_MANIFEST, PUSH_CONTENT_TYPE,
};

use super::client::{http_failure, net, Api};
use super::decide::{after_head, Failure, NetFailure, StreamWindow};

/// The answer lines of one push are read into a buffer of at most this many bytes.
const MAX_LINE_BYTES: usize = 1 << 20;

/// What one push sends.
#[derive(Debug)]
pub struct PushJob<'a> {
    pub head: PushHead,
    /// The manifest's JSON (with `head.submit`).
    pub manifest: Option<&'a str>,
    /// The blobs' bytes, in the head's order.
    pub data: &'a [Vec<u8>],
    /// Where sending starts in each blob until the `head` line says where the server stands.
    pub start: Vec<u64>,
    /// Send no data before the `head` line (after a failure, the server's offsets are unknown).
    pub wait_head: bool,
    /// Bytes of blob data per frame.
    pub frame_bytes: usize,
}

/// A push that ended with `done`.
#[derive(Debug, Clone, PartialEq)]
pub struct PushDone {
    pub blobs: Vec<BlobState>,
    pub receipt: Option<DossierReceipt>,
    pub events: Option<EventsPage>,
}

/// What one push did.
#[derive(Debug)]
pub struct PushReport {
    pub outcome: Result<PushDone, Failure>,
    /// The `head` line, if it came.
    pub head: Option<Vec<BlobState>>,
    /// Blob bytes (frame headers not counted) the server acknowledged.
    pub acked_data: u64,
    /// Per blob: where the server's bytes end as far as this request knows (the `head` line's
    /// offset, moved on by acknowledged frames that continued it). The next attempt may start
    /// there without waiting for the `head` line.
    pub resume_at: Vec<u64>,
}

/// What the writer and the reader of one push share.
struct Shared<'w> {
    head: Option<Vec<BlobState>>,
    /// Data-frame bytes acknowledged.
    acked: u64,
    acked_data: u64,
    /// Frames on the way: (data-frame bytes sent after it, its blob bytes, its blob, where it
    /// ends in the blob if it continues what the server holds).
    frames: VecDeque<(u64, u64, usize, Option<u64>)>,
    /// Per blob: see [`PushReport::resume_at`].
    resume_at: Vec<u64>,
    window: &'w mut StreamWindow,
}

fn lock<'a, 'w>(m: &'a Mutex<Shared<'w>>) -> std::sync::MutexGuard<'a, Shared<'w>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Api {
    /// One push: the head (and manifest), data frames as the window allows, the end frame; the
    /// answer lines are read at the same time. `progress` gets the blob bytes acknowledged so far.
    pub async fn push(
        &self,
        job: &PushJob<'_>,
        window: &mut StreamWindow,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> PushReport {
        let idle = self.timeouts().request;
        let start = Instant::now();
        window.new_request();
        let shared = Mutex::new(Shared {
            head: None,
            acked: 0,
            acked_data: 0,
            frames: VecDeque::new(),
            resume_at: job.start.clone(),
            window,
        });
        let (wake_tx, wake_rx) = tokio::sync::watch::channel(0u64);
        let (body_tx, body_rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
        let body = futures_util::stream::unfold(body_rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let send = self
            .stream_req(Method::POST, paths::PUSH)
            .header(reqwest::header::CONTENT_TYPE, PUSH_CONTENT_TYPE)
            .body(reqwest::Body::wrap_stream(body))
            .send();

        let reader = async {
            let mut res = match tokio::time::timeout(idle, send).await {
                Err(_) => return Err(Failure::Net(NetFailure::Timeout)),
                Ok(Err(e)) => return Err(net(&e)),
                Ok(Ok(r)) => r,
            };
            self.note_version(&res);
            if !res.status().is_success() {
                return Err(http_failure(res).await);
            }
            let mut buf: Vec<u8> = Vec::new();
            loop {
                let piece = match tokio::time::timeout(idle, res.chunk()).await {
                    Err(_) => return Err(Failure::Net(NetFailure::Timeout)),
                    Ok(Err(e)) => return Err(net(&e)),
                    // The answer ended without its last line: the connection broke.
                    Ok(Ok(None)) => return Err(Failure::Net(NetFailure::Broken)),
                    Ok(Ok(Some(p))) => p,
                };
                buf.extend_from_slice(&piece);
                while let Some(i) = buf.iter().position(|&b| b == b'\n') {
                    let raw: Vec<u8> = buf.drain(..=i).collect();
                    let line: PushLine = serde_json::from_slice(&raw)
                        .map_err(|_| Failure::Net(NetFailure::BadBody))?;
                    match line {
                        PushLine::Head { blobs } => {
                            let mut s = lock(&shared);
                            // The head comes before any acknowledgement: it is where the
                            // server stands, whatever this request guessed.
                            for (r, b) in s.resume_at.iter_mut().zip(&blobs) {
                                *r = b.offset;
                            }
                            s.head = Some(blobs);
                        }
                        PushLine::Ack { n } => {
                            let done = {
                                let mut s = lock(&shared);
                                s.window.acked(n, start.elapsed());
                                s.acked = s.acked.max(n);
                                while s.frames.front().is_some_and(|f| f.0 <= n) {
                                    if let Some((_, data, blob, to)) = s.frames.pop_front() {
                                        s.acked_data += data;
                                        if let (Some(to), Some(r)) = (to, s.resume_at.get_mut(blob))
                                        {
                                            *r = (*r).max(to);
                                        }
                                    }
                                }
                                s.acked_data
                            };
                            progress(done);
                        }
                        PushLine::Done {
                            blobs,
                            receipt,
                            events,
                        } => {
                            return Ok(PushDone {
                                blobs,
                                receipt,
                                events,
                            })
                        }
                        PushLine::Error { error, blobs } => {
                            if !blobs.is_empty() {
                                lock(&shared).head = Some(blobs);
                            }
                            let status = error.error_code().map_or(500, |c| c.http_status());
                            let retry_after_s = error.retry_after_s;
                            return Err(Failure::Http {
                                status,
                                body: Some(error),
                                retry_after_s,
                            });
                        }
                    }
                    wake_tx.send_modify(|v| *v += 1);
                }
                if buf.len() > MAX_LINE_BYTES {
                    return Err(Failure::Net(NetFailure::BadBody));
                }
            }
        };

        let writer = async {
            // Owned here: when the writer ends, the body ends (and the connection can be reused).
            let body_tx = body_tx;
            let mut wake = wake_rx;
            let head = serde_json::to_vec(&job.head).unwrap_or_default();
            if body_tx
                .send(Ok(encode_frame(FRAME_HEAD, &head)))
                .await
                .is_err()
            {
                return;
            }
            if let Some(m) = job.manifest {
                if body_tx
                    .send(Ok(encode_frame(FRAME_MANIFEST, m.as_bytes())))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            let lengths: Vec<u64> = job.data.iter().map(|d| d.len() as u64).collect();
            let guess = job.start.clone();
            // Sent from a guess, frames after a gap are ignored by the server: the end frame goes
            // only once the `head` line has been applied (and anything it showed missing sent).
            let from_guess = guess.iter().any(|&g| g > 0);
            let mut cursor = job.start.clone();
            let mut head_applied = false;
            let mut sent: u64 = 0;
            let frame = job.frame_bytes.max(1) as u64;
            loop {
                // What goes next, once the head (if awaited) and the window allow it.
                let next = loop {
                    wake.borrow_and_update();
                    let ready = {
                        let s = lock(&shared);
                        if !head_applied {
                            if let Some(h) = &s.head {
                                cursor = after_head(&guess, &cursor, &lengths, h);
                                head_applied = true;
                            }
                        }
                        if job.wait_head && !head_applied {
                            None
                        } else {
                            let next = (0..lengths.len())
                                .find(|&i| cursor[i] < lengths[i])
                                .map(|i| (i, cursor[i], lengths[i].min(cursor[i] + frame)));
                            let wire = next.map_or(0, |(_, a, b)| {
                                (FRAME_HEADER_BYTES + DATA_PREFIX_BYTES) as u64 + (b - a)
                            });
                            let in_flight = sent.saturating_sub(s.acked);
                            if next.is_none() && from_guess && !head_applied {
                                None
                            } else if next.is_none() || s.window.may_send(in_flight, wire) {
                                Some(next)
                            } else {
                                None
                            }
                        }
                    };
                    match ready {
                        Some(next) => break next,
                        None => {
                            if wake.changed().await.is_err() {
                                return;
                            }
                        }
                    }
                };
                let Some((i, a, b)) = next else {
                    let _ = body_tx.send(Ok(encode_frame(FRAME_END, &[]))).await;
                    return;
                };
                let (Ok(ua), Ok(ub), Ok(blob)) =
                    (usize::try_from(a), usize::try_from(b), u16::try_from(i))
                else {
                    return;
                };
                let Some(slice) = job.data.get(i).and_then(|d| d.get(ua..ub)) else {
                    return;
                };
                let sum: [u8; 32] = Sha256::digest(slice).into();
                let bytes = encode_data(blob, a, &sum, slice);
                sent += bytes.len() as u64;
                {
                    let mut s = lock(&shared);
                    // Frames from offset 0, or after the `head` line, continue what the server
                    // holds; frames sent from a guess before it may follow a gap.
                    let continues = head_applied || !from_guess;
                    s.frames.push_back((sent, b - a, i, continues.then_some(b)));
                    s.window.sent(sent, start.elapsed());
                }
                if body_tx.send(Ok(bytes)).await.is_err() {
                    return;
                }
                cursor[i] = b;
            }
        };

        tokio::pin!(reader, writer);
        let mut writer_done = false;
        let outcome = loop {
            tokio::select! {
                r = &mut reader => break r,
                () = &mut writer, if !writer_done => writer_done = true,
            }
        };
        let s = lock(&shared);
        PushReport {
            outcome,
            head: s.head.clone(),
            acked_data: s.acked_data,
            resume_at: s.resume_at.clone(),
        }
    }
}
