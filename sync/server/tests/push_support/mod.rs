//! Building push requests (protocol 1.1, `POST /v1/push`) by hand for the server's tests: frames,
//! whole bodies sent at once, and a raw HTTP/1.1 connection that streams frames, reads the answer
//! lines as they come and can be cut at any moment.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test support: a panic is the failure report

use dvc_protocol::push::{encode_data, encode_frame, FRAME_END, FRAME_HEAD, FRAME_MANIFEST};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The head frame.
pub fn head(blobs: &[(&str, usize)], submit: Option<&str>, events_after: Option<&str>) -> Vec<u8> {
    let mut h = json!({
        "blobs": blobs.iter().map(|(s, l)| json!({"sha256": s, "length": l})).collect::<Vec<_>>(),
    });
    if let Some(u) = submit {
        h["submit"] = json!(u);
    }
    if let Some(a) = events_after {
        h["events_after"] = json!(a);
    }
    encode_frame(FRAME_HEAD, h.to_string().as_bytes())
}

/// The manifest frame.
pub fn manifest_frame(m: &Value) -> Vec<u8> {
    encode_frame(FRAME_MANIFEST, m.to_string().as_bytes())
}

/// One data frame with its correct checksum.
pub fn data(blob: u16, offset: usize, bytes: &[u8]) -> Vec<u8> {
    let sum: [u8; 32] = Sha256::digest(bytes).into();
    encode_data(blob, offset as u64, &sum, bytes)
}

/// Data frames of `frame` bytes covering `blob_bytes[from..to]`.
pub fn frames(blob: u16, blob_bytes: &[u8], from: usize, to: usize, frame: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = from;
    while at < to {
        let end = (at + frame).min(to);
        out.extend(data(blob, at, &blob_bytes[at..end]));
        at = end;
    }
    out
}

/// The end frame.
pub fn end() -> Vec<u8> {
    encode_frame(FRAME_END, &[])
}

/// The answer's lines as JSON.
pub fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Sends a whole push body at once; returns the status and the answer (lines for a 200, the error
/// body otherwise, as the only element).
pub async fn push(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    body: Vec<u8>,
) -> (reqwest::StatusCode, Vec<Value>) {
    let res = http
        .post(format!("{base}/v1/push"))
        .bearer_auth(token)
        .header("content-type", "application/vnd.dvc.push")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    if status.is_success() {
        (status, lines(&text))
    } else {
        (
            status,
            vec![serde_json::from_str(&text).unwrap_or(Value::Null)],
        )
    }
}

/// The last line of an answer, which must be `done`.
pub fn done(lines: &[Value]) -> &Value {
    let last = lines.last().expect("an empty answer");
    assert_eq!(last["t"], "done", "{lines:?}");
    last
}

/// A push on a raw connection: frames go out as chunks of a chunked body whenever the test sends
/// them, answer lines are read as they arrive, and the connection can be dropped mid-body.
pub struct RawPush {
    stream: TcpStream,
    /// Undecoded bytes of the answer.
    buf: Vec<u8>,
    /// Decoded answer body bytes not yet split into lines.
    body: Vec<u8>,
    pub status: u16,
    headers_done: bool,
}

impl RawPush {
    /// Connects to `base` (`http://127.0.0.1:port`) and sends the request head.
    pub async fn start(base: &str, token: &str) -> RawPush {
        let addr = base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "POST /v1/push HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\n\
             content-type: application/vnd.dvc.push\r\ntransfer-encoding: chunked\r\n\r\n"
        );
        stream.write_all(req.as_bytes()).await.unwrap();
        RawPush {
            stream,
            buf: Vec::new(),
            body: Vec::new(),
            status: 0,
            headers_done: false,
        }
    }

    /// Connects, or `None` if the server is not there.
    pub async fn try_start(base: &str, token: &str) -> Option<RawPush> {
        let addr = base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).await.ok()?;
        let req = format!(
            "POST /v1/push HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\n\
             content-type: application/vnd.dvc.push\r\ntransfer-encoding: chunked\r\n\r\n"
        );
        stream.write_all(req.as_bytes()).await.ok()?;
        Some(RawPush {
            stream,
            buf: Vec::new(),
            body: Vec::new(),
            status: 0,
            headers_done: false,
        })
    }

    /// Sends bytes as one chunk.
    pub async fn send(&mut self, bytes: &[u8]) {
        assert!(self.send_checked(bytes).await, "the server closed the push");
    }

    /// Sends bytes as one chunk; false if the connection is gone.
    pub async fn send_checked(&mut self, bytes: &[u8]) -> bool {
        if bytes.is_empty() {
            return true;
        }
        let mut chunk = format!("{:x}\r\n", bytes.len()).into_bytes();
        chunk.extend_from_slice(bytes);
        chunk.extend_from_slice(b"\r\n");
        self.stream.write_all(&chunk).await.is_ok()
    }

    /// Ends the chunked body (false if the connection is gone).
    pub async fn finish(&mut self) -> bool {
        self.stream.write_all(b"0\r\n\r\n").await.is_ok()
    }

    /// The next answer line (`None` when the answer or the connection ended).
    pub async fn next_line(&mut self) -> Option<Value> {
        loop {
            if let Some(i) = self.body.iter().position(|&b| b == b'\n') {
                let l: Vec<u8> = self.body.drain(..=i).collect();
                return Some(serde_json::from_slice(&l).unwrap());
            }
            if !self.decode() {
                let mut tmp = [0u8; 8192];
                let n = match tokio::time::timeout(
                    std::time::Duration::from_secs(20),
                    self.stream.read(&mut tmp),
                )
                .await
                {
                    Ok(Ok(n)) => n,
                    _ => 0,
                };
                if n == 0 {
                    return None;
                }
                self.buf.extend_from_slice(&tmp[..n]);
            }
        }
    }

    /// Lines until one with `"t"` = `kind` (returned), or the end.
    pub async fn until(&mut self, kind: &str) -> Option<Value> {
        while let Some(l) = self.next_line().await {
            if l["t"] == kind {
                return Some(l);
            }
        }
        None
    }

    /// Waits for the first ack whose count is at least `n`.
    pub async fn acked(&mut self, n: u64) -> Value {
        loop {
            let l = self
                .next_line()
                .await
                .expect("the answer ended before the ack");
            if l["t"] == "ack" && l["n"].as_u64().unwrap() >= n {
                return l;
            }
            assert_ne!(l["t"], "error", "{l}");
        }
    }

    /// Decodes what is buffered; false if more bytes are needed.
    fn decode(&mut self) -> bool {
        if !self.headers_done {
            let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                return false;
            };
            let head = String::from_utf8_lossy(&self.buf[..i]).to_string();
            self.status = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            assert!(
                head.to_ascii_lowercase()
                    .contains("transfer-encoding: chunked"),
                "{head}"
            );
            self.buf.drain(..i + 4);
            self.headers_done = true;
            return true;
        }
        let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") else {
            return false;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&self.buf[..i]).trim(), 16).unwrap_or(0);
        if size == 0 || self.buf.len() < i + 2 + size + 2 {
            return false;
        }
        self.body.extend_from_slice(&self.buf[i + 2..i + 2 + size]);
        self.buf.drain(..i + 2 + size + 2);
        true
    }
}
