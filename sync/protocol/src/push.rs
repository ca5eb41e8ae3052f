//! Protocol 1.1: one streamed request that uploads a dossier's blobs and submits it.
//!
//! The 1.0 routes cost a round trip per step (which blobs are missing, create each upload, every
//! chunk waits for its answer, the manifest, then the event feed): on a 3G or 2G link the line
//! sits idle a good part of the time. `POST /v1/push` ([`crate::paths::PUSH`]) sends everything
//! in one request whose body is a sequence of frames, while the server streams its answers back on
//! the same connection (HTTP/1.1 or HTTP/2, request and response at the same time):
//!
//! ```text
//! request body  (Content-Type: application/vnd.dvc.push)
//!   H  head:     JSON PushHead {blobs: [{sha256, length}], submit?: <dossier uuid>, events_after?}
//!   M  manifest: the manifest's JSON bytes, exactly as for PUT /v1/dossiers/{uuid} (only with submit)
//!   D  data:     blob index (u16) · offset (u64) · SHA-256 of the data (32 bytes) · data   (any number)
//!   E  end:      empty; the client sent everything it meant to
//! frame = kind (1 byte) · payload length (u32, big-endian) · payload
//!
//! response body (Content-Type: application/x-ndjson), one PushLine per line
//!   {"t":"head","blobs":[{"offset":…,"complete":…}, …]}   where each blob stands (head order)
//!   {"t":"ack","n":…}                                       data-frame bytes read and checked
//!   {"t":"done",…} or {"t":"error",…}                       the outcome; the answer ends
//! ```
//!
//! Guarantees, the same as the 1.0 routes:
//! - **Checksums.** Every data frame carries its SHA-256; a frame that does not match ends the
//!   push with `422.4` and nothing of it is kept. A blob is usable only once all its bytes hash to
//!   its declared SHA-256 (else `422.3`, the upload discarded), and only the account that sent
//!   those bytes owns it.
//! - **Resume from the server's offset.** The server keeps the bytes of every whole, checked frame
//!   it read — also when the connection breaks — and writes them durably at least every
//!   [`COMMIT_BYTES`] and at the end. The `head` line gives the durable offset of each blob; a
//!   data frame wholly before it is skipped, one that overlaps it is trimmed, one after it is
//!   ignored (the client sends from the `head` line's offsets). Bytes are counted in the `ack`
//!   lines either way.
//! - **Exactly once.** `submit` runs `PUT /v1/dossiers/{uuid}` with the manifest once every blob
//!   is stored: the same uuid and content answer the same receipt, different content is `409.1`.
//!
//! A client keeps only a window of unacknowledged data frames in flight (about one round trip of
//! the link), so a broken connection loses about that much and nothing more. Errors before the
//! stream starts (authentication, a malformed head or manifest, limits) are ordinary error answers
//! with their status; later ones are an `error` line carrying the same [`ErrorBody`].

use serde::{Deserialize, Serialize};

use crate::dossiers::DossierReceipt;
use crate::events::EventsPage;
use crate::ErrorBody;

/// Content type of a push request body.
pub const PUSH_CONTENT_TYPE: &str = "application/vnd.dvc.push";
/// Content type of a push answer (one JSON [`PushLine`] per line).
pub const PUSH_LINES_CONTENT_TYPE: &str = "application/x-ndjson";

/// Frame kind: the [`PushHead`] as JSON.
pub const FRAME_HEAD: u8 = b'H';
/// Frame kind: the manifest's JSON bytes.
pub const FRAME_MANIFEST: u8 = b'M';
/// Frame kind: blob bytes ([`DataFrame`]).
pub const FRAME_DATA: u8 = b'D';
/// Frame kind: the end of the request (empty payload).
pub const FRAME_END: u8 = b'E';
/// Kind (1 byte) and payload length (4 bytes, big-endian).
pub const FRAME_HEADER_BYTES: usize = 5;
/// A data frame's payload starts with the blob index (2), the offset (8) and the SHA-256 (32).
pub const DATA_PREFIX_BYTES: usize = 2 + 8 + 32;
/// Largest head frame payload.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest data in one data frame.
pub const MAX_DATA_BYTES: usize = crate::blobs::MAX_CHUNK_BYTES;
/// Most blobs in one push.
pub const MAX_PUSH_BLOBS: usize = 64;
/// The server writes what it received durably at least this often, counting the bytes of every
/// blob of the push (and when the request ends or the connection breaks).
pub const COMMIT_BYTES: usize = 128 * 1024;

/// The first frame of a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushHead {
    /// The blobs this request may carry data for (at most [`MAX_PUSH_BLOBS`], no hash twice).
    /// Each is opened like `POST /v1/uploads`: owned → complete; an open upload → resumed;
    /// otherwise created within the account's quota.
    pub blobs: Vec<PushBlob>,
    /// Submit this dossier (its uuid) with the manifest frame once the blobs are stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit: Option<String>,
    /// Send the caller's events after this cursor with the `done` line (`""`: from the
    /// beginning), as `GET /v1/events?after=…` would.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_after: Option<String>,
}

/// A blob in a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushBlob {
    /// Lowercase hex SHA-256 of the whole blob.
    pub sha256: String,
    /// Its length in bytes.
    pub length: u64,
}

/// Where a blob stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlobState {
    /// Bytes the server holds durably.
    pub offset: u64,
    /// The blob is stored and this account owns it.
    pub complete: bool,
}

/// One line of a push answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum PushLine {
    /// The head was accepted: where each blob stands, in the head's order.
    Head {
        /// One per head blob.
        blobs: Vec<BlobState>,
    },
    /// Bytes of data frames (headers included) read and checked so far in this request.
    Ack {
        /// Running total.
        n: u64,
    },
    /// Everything was handled.
    Done {
        /// Where each blob stands now.
        blobs: Vec<BlobState>,
        /// The dossier's receipt, when the head asked to submit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        receipt: Option<DossierReceipt>,
        /// The caller's events after the head's `events_after`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        events: Option<EventsPage>,
    },
    /// The push stopped; what was received before is kept as described above.
    Error {
        /// As the equivalent 1.0 route would have answered.
        error: ErrorBody,
        /// Where each blob stands (empty if unknown).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        blobs: Vec<BlobState>,
    },
}

/// Bytes of one data frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFrame {
    /// Index into [`PushHead::blobs`].
    pub blob: u16,
    /// Where the data starts in the blob.
    pub offset: u64,
    /// SHA-256 of `data`.
    pub sha256: [u8; 32],
    /// The bytes.
    pub data: Vec<u8>,
}

/// A decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// [`FRAME_HEAD`]: the head's JSON.
    Head(Vec<u8>),
    /// [`FRAME_MANIFEST`]: the manifest's JSON.
    Manifest(Vec<u8>),
    /// [`FRAME_DATA`].
    Data(DataFrame),
    /// [`FRAME_END`].
    End,
}

impl Frame {
    /// Its size on the wire (header included).
    pub fn wire_len(&self) -> usize {
        FRAME_HEADER_BYTES
            + match self {
                Frame::Head(b) | Frame::Manifest(b) => b.len(),
                Frame::Data(d) => DATA_PREFIX_BYTES + d.data.len(),
                Frame::End => 0,
            }
    }
}

/// Why a push body cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// A kind byte that is none of `H`, `M`, `D`, `E`.
    UnknownKind(u8),
    /// A payload longer than its kind allows.
    TooLarge {
        /// The kind byte.
        kind: u8,
        /// Its declared length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A data frame shorter than its fixed prefix, or an end frame with a payload.
    Malformed(u8),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::UnknownKind(k) => write!(f, "unknown frame kind 0x{k:02x}"),
            FrameError::TooLarge { kind, len, max } => write!(
                f,
                "frame {:?} of {len} bytes is larger than {max}",
                char::from(*kind)
            ),
            FrameError::Malformed(k) => write!(f, "malformed frame {:?}", char::from(*k)),
        }
    }
}

impl std::error::Error for FrameError {}

/// Encodes a head, manifest or end frame.
pub fn encode_frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(FRAME_HEADER_BYTES + payload.len());
    out.push(kind);
    out.extend_from_slice(
        &u32::try_from(payload.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(payload);
    out
}

/// Encodes a data frame (`sha256` is the SHA-256 of `data`, computed by the caller).
pub fn encode_data(blob: u16, offset: u64, sha256: &[u8; 32], data: &[u8]) -> Vec<u8> {
    let len = DATA_PREFIX_BYTES + data.len();
    let mut out = Vec::with_capacity(FRAME_HEADER_BYTES + len);
    out.push(FRAME_DATA);
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(&blob.to_be_bytes());
    out.extend_from_slice(&offset.to_be_bytes());
    out.extend_from_slice(sha256);
    out.extend_from_slice(data);
    out
}

/// Splits a push body into frames as its bytes arrive, in pieces of any size.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    start: usize,
    max_manifest: usize,
}

impl FrameDecoder {
    /// A decoder that accepts manifests of at most `max_manifest` bytes.
    pub fn new(max_manifest: usize) -> Self {
        FrameDecoder {
            buf: Vec::new(),
            start: 0,
            max_manifest,
        }
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next whole frame, `Ok(None)` until its bytes are all there. The length is checked as
    /// soon as the frame header arrives, so an oversized frame is refused before it is buffered.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        let rest = &self.buf[self.start..];
        let Some(header) = rest.get(..FRAME_HEADER_BYTES) else {
            return Ok(None);
        };
        let kind = header[0];
        let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        let max = match kind {
            FRAME_HEAD => MAX_HEAD_BYTES,
            FRAME_MANIFEST => self.max_manifest,
            FRAME_DATA => DATA_PREFIX_BYTES + MAX_DATA_BYTES,
            FRAME_END => 0,
            other => return Err(FrameError::UnknownKind(other)),
        };
        if len > max {
            if kind == FRAME_END {
                return Err(FrameError::Malformed(kind));
            }
            return Err(FrameError::TooLarge { kind, len, max });
        }
        let Some(payload) = rest.get(FRAME_HEADER_BYTES..FRAME_HEADER_BYTES + len) else {
            return Ok(None);
        };
        let frame = match kind {
            FRAME_HEAD => Frame::Head(payload.to_vec()),
            FRAME_MANIFEST => Frame::Manifest(payload.to_vec()),
            FRAME_END => Frame::End,
            _ => {
                if payload.len() < DATA_PREFIX_BYTES {
                    return Err(FrameError::Malformed(kind));
                }
                let mut sha256 = [0u8; 32];
                sha256.copy_from_slice(&payload[10..42]);
                let mut offset = [0u8; 8];
                offset.copy_from_slice(&payload[2..10]);
                Frame::Data(DataFrame {
                    blob: u16::from_be_bytes([payload[0], payload[1]]),
                    offset: u64::from_be_bytes(offset),
                    sha256,
                    data: payload[DATA_PREFIX_BYTES..].to_vec(),
                })
            }
        };
        self.start += FRAME_HEADER_BYTES + len;
        Ok(Some(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Vec<Frame> {
        vec![
            Frame::Head(br#"{"blobs":[]}"#.to_vec()),
            Frame::Manifest(b"{}".to_vec()),
            Frame::Data(DataFrame {
                blob: 3,
                offset: 1 << 40,
                sha256: [7; 32],
                data: vec![1, 2, 3],
            }),
            Frame::Data(DataFrame {
                blob: 0,
                offset: 0,
                sha256: [0; 32],
                data: vec![],
            }),
            Frame::End,
        ]
    }

    fn encode(f: &Frame) -> Vec<u8> {
        match f {
            Frame::Head(b) => encode_frame(FRAME_HEAD, b),
            Frame::Manifest(b) => encode_frame(FRAME_MANIFEST, b),
            Frame::Data(d) => encode_data(d.blob, d.offset, &d.sha256, &d.data),
            Frame::End => encode_frame(FRAME_END, &[]),
        }
    }

    #[test]
    fn frames_round_trip_and_report_their_size() {
        let mut dec = FrameDecoder::new(1000);
        for f in sample() {
            let bytes = encode(&f);
            assert_eq!(bytes.len(), f.wire_len());
            dec.push(&bytes);
            assert_eq!(dec.next_frame().unwrap(), Some(f));
        }
        assert_eq!(dec.next_frame().unwrap(), None);
        assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn bad_frames_are_errors_not_panics() {
        let mut dec = FrameDecoder::new(10);
        dec.push(b"X\0\0\0\0");
        assert_eq!(dec.next_frame(), Err(FrameError::UnknownKind(b'X')));
        let mut dec = FrameDecoder::new(10);
        dec.push(&encode_frame(FRAME_MANIFEST, &[b' '; 11])[..5]);
        assert!(matches!(
            dec.next_frame(),
            Err(FrameError::TooLarge {
                len: 11,
                max: 10,
                ..
            })
        ));
        let mut dec = FrameDecoder::new(10);
        dec.push(&[FRAME_DATA, 0, 0, 0, 3, 1, 2, 3]);
        assert_eq!(dec.next_frame(), Err(FrameError::Malformed(FRAME_DATA)));
        let mut dec = FrameDecoder::new(10);
        dec.push(&[FRAME_END, 0, 0, 0, 1, 0]);
        assert_eq!(dec.next_frame(), Err(FrameError::Malformed(FRAME_END)));
        let mut dec = FrameDecoder::new(10);
        dec.push(&[FRAME_DATA, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert!(matches!(dec.next_frame(), Err(FrameError::TooLarge { .. })));
    }

    #[test]
    fn lines_have_the_documented_shape() {
        let ack = serde_json::to_string(&PushLine::Ack { n: 42 }).unwrap();
        assert_eq!(ack, r#"{"t":"ack","n":42}"#);
        let head = PushLine::Head {
            blobs: vec![BlobState {
                offset: 5,
                complete: false,
            }],
        };
        let s = serde_json::to_string(&head).unwrap();
        assert_eq!(s, r#"{"t":"head","blobs":[{"offset":5,"complete":false}]}"#);
        assert_eq!(serde_json::from_str::<PushLine>(&s).unwrap(), head);
        let err: PushLine =
            serde_json::from_str(r#"{"t":"error","error":{"code":"422.4","error":"chunk_checksum_mismatch","message":"x"}}"#)
                .unwrap();
        assert!(matches!(err, PushLine::Error { blobs, .. } if blobs.is_empty()));
        let h: PushHead =
            serde_json::from_str(r#"{"blobs":[{"sha256":"ab","length":3}]}"#).unwrap();
        assert_eq!((h.submit, h.events_after), (None, None));
        assert!(serde_json::from_str::<PushHead>(r#"{"blobs":[],"x":1}"#).is_err());
    }

    proptest! {
        /// However the bytes are cut into pieces, the same frames come out.
        #[test]
        fn any_split_gives_the_same_frames(cuts in proptest::collection::vec(0usize..400, 0..20),
                                           data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut frames = sample();
            frames.insert(2, Frame::Data(DataFrame { blob: 1, offset: 9, sha256: [3; 32], data }));
            let bytes: Vec<u8> = frames.iter().flat_map(encode).collect();
            let mut points: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            points.push(bytes.len());
            points.sort_unstable();
            let mut dec = FrameDecoder::new(1000);
            let mut got = Vec::new();
            let mut at = 0;
            for p in points {
                dec.push(&bytes[at..p]);
                at = p;
                while let Some(f) = dec.next_frame().unwrap() {
                    got.push(f);
                }
            }
            prop_assert_eq!(got, frames);
        }

        /// Arbitrary bytes never panic the decoder.
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut dec = FrameDecoder::new(64);
            dec.push(&bytes);
            for _ in 0..50 {
                match dec.next_frame() {
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
        }
    }
}
