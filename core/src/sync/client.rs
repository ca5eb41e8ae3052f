//! The HTTP side: one method per protocol call, every failure turned into a [`Failure`] for
//! [`super::decide::classify`]. No retries here.

use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use dvc_protocol::agencies::{AgencyInfo, AgencyList};
use dvc_protocol::auth::{
    AccountInfo, ConsentConfirmRequest, ConsentInfo, ConsentList, ConsentOtpPending,
    ConsentOtpRequest, ConsentRequest, LoginRequest, LoginResponse, OtpResendRequest, OtpSent,
    PasswordChangeRequest, PasswordResetConfirm, PasswordResetRequest, RegistrationRequest,
    RegistrationVerifyRequest, TokenList,
};
use dvc_protocol::blobs::{
    CreateUploadRequest, MissingBlobsRequest, MissingBlobsResponse, UploadStatus,
    CHUNK_CONTENT_TYPE, UPLOAD_CHECKSUM, UPLOAD_OFFSET,
};
use dvc_protocol::dossiers::{DossierList, DossierReceipt, DossierView, Rating, RevisionReceipt};
use dvc_protocol::events::EventsPage;
use dvc_protocol::{paths, ErrorBody, PROTOCOL_HEADER, PROTOCOL_VERSION};

use super::decide::{Failure, NetFailure};
use super::SyncError;

/// Timeouts of one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// Whole request, including the body of a chunk upload. A push stream (which may take
    /// minutes on 2G) has no total limit: it fails once nothing arrives from the server for this
    /// long.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(20),
            request: Duration::from_secs(90),
        }
    }
}

/// Checks a server URL: `https://…`, or `http://` only to a loopback address (development and
/// tests). Returns the URL without a trailing slash.
pub fn check_server_url(url: &str) -> Result<String, SyncError> {
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|e| SyncError::BadUrl(format!("{url:?} is not a URL: {e}")))?;
    let host = match parsed.host_str() {
        Some(h) if !h.is_empty() => h.trim_start_matches('[').trim_end_matches(']'),
        _ => return Err(SyncError::BadUrl(format!("{url:?} has no host"))),
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback());
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(SyncError::BadUrl(format!(
                "{url:?}: the server must use https (plain http only to this machine)"
            )))
        }
        other => {
            return Err(SyncError::BadUrl(format!(
                "{url:?}: unsupported scheme {other}"
            )))
        }
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(SyncError::BadUrl(
            "the URL must not carry credentials".into(),
        ));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// A connection to one server, with or without a token.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<std::sync::Arc<Zeroizing<String>>>,
    timeouts: Timeouts,
    /// The protocol minor version the server answered with (`u32::MAX`: no answer yet).
    server_minor: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "…"))
            .finish()
    }
}

pub(super) fn net(e: &reqwest::Error) -> Failure {
    Failure::Net(if e.is_timeout() {
        NetFailure::Timeout
    } else if e.is_connect() {
        NetFailure::Connect
    } else if e.is_decode() {
        NetFailure::BadBody
    } else {
        NetFailure::Broken
    })
}

impl Api {
    pub fn new(
        server: &str,
        token: Option<Zeroizing<String>>,
        t: Timeouts,
    ) -> Result<Self, SyncError> {
        let base = check_server_url(server)?;
        // Connections are kept and reused for the whole pass (HTTP/1.1 keep-alive, reqwest's
        // pool); each request sets its own timeout, so a push stream can run as long as the
        // link needs.
        let http = reqwest::Client::builder()
            .connect_timeout(t.connect)
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("dvc-donghanh/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Network(format!("HTTP client: {e}")))?;
        Ok(Api {
            http,
            base,
            token: token.map(std::sync::Arc::new),
            timeouts: t,
            server_minor: std::sync::Arc::new(std::sync::atomic::AtomicU32::new(u32::MAX)),
        })
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// Notes the protocol version an answer carries (an answer without one is from a server
    /// older than the header's minor part: 1.0).
    pub(super) fn note_version(&self, res: &Response) {
        let minor = res
            .headers()
            .get(PROTOCOL_HEADER)
            .and_then(|v| v.to_str().ok())
            .map_or(0, dvc_protocol::minor_version);
        self.server_minor
            .store(minor, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the server takes protocol 1.1's push: `None` until it answered once.
    pub fn speaks_push(&self) -> Option<bool> {
        match self.server_minor.load(std::sync::atomic::Ordering::Relaxed) {
            u32::MAX => None,
            m => Some(m >= 1),
        }
    }

    /// Whether the server takes protocol 1.2's visits: `None` until it answered once.
    pub fn speaks_visits(&self) -> Option<bool> {
        match self.server_minor.load(std::sync::atomic::Ordering::Relaxed) {
            u32::MAX => None,
            m => Some(m >= 2),
        }
    }

    /// Whether the server takes protocol 1.3's hand-off relay: `None` until it answered once.
    pub fn speaks_handoffs(&self) -> Option<bool> {
        match self.server_minor.load(std::sync::atomic::Ordering::Relaxed) {
            u32::MAX => None,
            m => Some(m >= 3),
        }
    }

    /// Learns the server's protocol version from `/healthz` (one small request), when no
    /// answer told it yet. A push sent to a 1.0 server can die with the connection instead of
    /// its 404 (the server closes while the body is still going up), and without this the next
    /// attempt would push again and could die the same way. Errors are left to the next attempt.
    pub async fn learn_version(&self) {
        if self.speaks_push().is_some() {
            return;
        }
        match self.req(Method::GET, paths::HEALTHZ).send().await {
            Ok(res) => self.note_version(&res),
            Err(e) => tracing::debug!(error = %e, "protocol version not learned"),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.stream_req(method, path).timeout(self.timeouts.request)
    }

    /// A request without a total time limit (the push stream watches for silence instead).
    pub(super) fn stream_req(&self, method: Method, path: &str) -> RequestBuilder {
        let mut r = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION);
        if let Some(t) = &self.token {
            r = r.bearer_auth(t.as_str());
        }
        r
    }

    /// Sends and turns a non-success answer into a [`Failure`].
    async fn send(&self, r: RequestBuilder) -> Result<Response, Failure> {
        let res = r.send().await.map_err(|e| net(&e))?;
        self.note_version(&res);
        if res.status().is_success() {
            return Ok(res);
        }
        Err(http_failure(res).await)
    }
}

/// The [`Failure`] of a non-success answer (its error body read, if it has one).
pub(super) async fn http_failure(res: Response) -> Failure {
    let status = res.status();
    let retry_after_s = res
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = res
        .bytes()
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<ErrorBody>(&b).ok());
    Failure::Http {
        status: status.as_u16(),
        body,
        retry_after_s,
    }
}

impl Api {
    async fn json<T: DeserializeOwned>(&self, r: RequestBuilder) -> Result<T, Failure> {
        let res = self.send(r).await?;
        let bytes = res.bytes().await.map_err(|e| net(&e))?;
        serde_json::from_slice(&bytes).map_err(|_| Failure::Net(NetFailure::BadBody))
    }

    /// Starts a registration (`202`: a code was sent, or the same answer for a known number).
    pub async fn register_account(&self, req: &RegistrationRequest) -> Result<OtpSent, Failure> {
        self.json(self.req(Method::POST, paths::REGISTER).json(req))
            .await
    }

    /// Confirms a registration with the code from the SMS.
    pub async fn verify_registration(
        &self,
        req: &RegistrationVerifyRequest,
    ) -> Result<AccountInfo, Failure> {
        self.json(self.req(Method::POST, paths::REGISTER_VERIFY).json(req))
            .await
    }

    /// Asks for a new code (after the countdown).
    pub async fn otp_resend(&self, req: &OtpResendRequest) -> Result<OtpSent, Failure> {
        self.json(self.req(Method::POST, paths::OTP_RESEND).json(req))
            .await
    }

    /// "Quên mật khẩu": a code to the phone, if it has an account.
    pub async fn password_reset(&self, req: &PasswordResetRequest) -> Result<OtpSent, Failure> {
        self.json(self.req(Method::POST, paths::PASSWORD_RESET).json(req))
            .await
    }

    /// Sets a new password with the code.
    pub async fn password_reset_confirm(&self, req: &PasswordResetConfirm) -> Result<(), Failure> {
        self.send(
            self.req(Method::POST, paths::PASSWORD_RESET_CONFIRM)
                .json(req),
        )
        .await
        .map(|_| ())
    }

    /// Changes the signed-in account's password.
    pub async fn change_password(&self, req: &PasswordChangeRequest) -> Result<(), Failure> {
        self.send(self.req(Method::POST, paths::PASSWORD).json(req))
            .await
            .map(|_| ())
    }

    /// The account's signed-in devices.
    pub async fn tokens(&self) -> Result<TokenList, Failure> {
        self.json(self.req(Method::GET, paths::TOKENS)).await
    }

    /// Signs out one of the account's devices.
    pub async fn revoke_token(&self, token_id: &str) -> Result<(), Failure> {
        self.send(self.req(Method::DELETE, &paths::fill(paths::TOKEN, &[token_id])))
            .await
            .map(|_| ())
    }

    pub async fn login(&self, req: &LoginRequest) -> Result<LoginResponse, Failure> {
        self.json(self.req(Method::POST, paths::LOGIN).json(req))
            .await
    }

    /// Revokes the token this client carries (`POST /v1/auth/logout`).
    pub async fn logout(&self) -> Result<(), Failure> {
        self.send(self.req(Method::POST, paths::LOGOUT))
            .await
            .map(|_| ())
    }

    /// "Tra cứu hồ sơ": a dossier by its code and a second factor (no token needed).
    pub async fn lookup(
        &self,
        req: &dvc_protocol::lookup::LookupRequest,
    ) -> Result<dvc_protocol::lookup::LookupResult, Failure> {
        self.json(self.req(Method::POST, paths::DOSSIER_LOOKUP).json(req))
            .await
    }

    /// "Thêm vào Hồ sơ của tôi" (`POST /v1/dossiers/claim`, signed in).
    pub async fn claim(
        &self,
        req: &dvc_protocol::lookup::LookupRequest,
    ) -> Result<dvc_protocol::lookup::ClaimResult, Failure> {
        self.json(self.req(Method::POST, paths::DOSSIER_CLAIM).json(req))
            .await
    }

    /// The receiving agencies the server serves.
    pub async fn agencies(&self) -> Result<Vec<AgencyInfo>, Failure> {
        let r: AgencyList = self.json(self.req(Method::GET, paths::AGENCIES)).await?;
        Ok(r.agencies)
    }

    pub async fn missing(&self, hashes: &[String]) -> Result<Vec<String>, Failure> {
        if hashes.is_empty() {
            return Ok(vec![]);
        }
        let body = MissingBlobsRequest {
            sha256: hashes.to_vec(),
        };
        let r: MissingBlobsResponse = self
            .json(self.req(Method::POST, paths::BLOBS_MISSING).json(&body))
            .await?;
        Ok(r.missing)
    }

    /// Creates an upload, or finds the unfinished one of the same hash (resume) with its offset.
    pub async fn create_upload(&self, sha256: &str, length: u64) -> Result<UploadStatus, Failure> {
        let body = CreateUploadRequest {
            sha256: sha256.to_string(),
            length,
        };
        self.json(self.req(Method::POST, paths::UPLOADS).json(&body))
            .await
    }

    /// Sends one chunk at `offset` with its checksum.
    pub async fn patch(
        &self,
        upload_id: &str,
        offset: u64,
        chunk: Vec<u8>,
    ) -> Result<UploadStatus, Failure> {
        let sum = hex::encode(Sha256::digest(&chunk));
        let r = self
            .req(Method::PATCH, &paths::fill(paths::UPLOAD, &[upload_id]))
            .header(UPLOAD_OFFSET, offset.to_string())
            .header(UPLOAD_CHECKSUM, format!("sha256 {sum}"))
            .header(reqwest::header::CONTENT_TYPE, CHUNK_CONTENT_TYPE)
            .body(chunk);
        self.json(r).await
    }

    /// `PUT /v1/dossiers/{uuid}` with the frozen manifest bytes.
    pub async fn put_dossier(
        &self,
        uuid: &str,
        manifest_json: &str,
    ) -> Result<DossierReceipt, Failure> {
        let r = self
            .req(Method::PUT, &paths::fill(paths::DOSSIER, &[uuid]))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(manifest_json.to_string());
        self.json(r).await
    }

    /// `PUT /v1/visits/{id}` with an ended visit's body (idempotent on the id and body).
    pub async fn put_visit(
        &self,
        visit_id: &str,
        body_json: &str,
    ) -> Result<dvc_protocol::visits::VisitReceipt, Failure> {
        let path = paths::fill(paths::VISIT, &[visit_id]);
        self.json(self.body(Method::PUT, &path, body_json)).await
    }

    /// `PUT /v1/handoffs/{bundle_id}`: offers an uploaded blob as a hand-off bundle.
    pub async fn offer_handoff(
        &self,
        bundle_id: &str,
        offer: &dvc_protocol::handoffs::HandoffOffer,
    ) -> Result<dvc_protocol::handoffs::HandoffState, Failure> {
        let path = paths::fill(paths::HANDOFF, &[bundle_id]);
        self.json(self.req(Method::PUT, &path).json(offer)).await
    }

    /// `GET /v1/handoffs`: this account's offered hand-offs.
    pub async fn handoffs(&self) -> Result<dvc_protocol::handoffs::HandoffList, Failure> {
        self.json(self.req(Method::GET, paths::HANDOFFS)).await
    }

    /// `POST /v1/handoffs/{bundle_id}/claim`.
    pub async fn claim_handoff(
        &self,
        bundle_id: &str,
    ) -> Result<dvc_protocol::handoffs::HandoffState, Failure> {
        let path = paths::fill(paths::HANDOFF_CLAIM, &[bundle_id]);
        self.json(self.req(Method::POST, &path)).await
    }

    /// `POST /v1/handoffs/{bundle_id}/received`.
    pub async fn handoff_received(
        &self,
        bundle_id: &str,
    ) -> Result<dvc_protocol::handoffs::HandoffState, Failure> {
        let path = paths::fill(paths::HANDOFF_RECEIVED, &[bundle_id]);
        self.json(self.req(Method::POST, &path)).await
    }

    /// `GET /v1/teams`: the caller's team (volunteers) and its campaigns.
    pub async fn teams(&self) -> Result<dvc_protocol::visits::TeamList, Failure> {
        self.json(self.req(Method::GET, paths::TEAMS)).await
    }

    /// `GET /v1/reports?…`: a report; `query` is the query string without `?`, built by the
    /// caller from checked values.
    pub async fn report(&self, query: &str) -> Result<dvc_protocol::visits::VisitReport, Failure> {
        let path = format!("{}?{query}", paths::REPORTS);
        self.json(self.req(Method::GET, &path)).await
    }

    /// `POST /v1/dossiers/{uuid}/cancel` with the frozen request body.
    pub async fn cancel(&self, uuid: &str, body_json: &str) -> Result<DossierView, Failure> {
        self.json(self.body(
            Method::POST,
            &paths::fill(paths::DOSSIER_CANCEL, &[uuid]),
            body_json,
        ))
        .await
    }

    /// `POST /v1/dossiers/{uuid}/payment-claim` with the frozen request body.
    pub async fn payment_claim(&self, uuid: &str, body_json: &str) -> Result<DossierView, Failure> {
        let path = paths::fill(paths::DOSSIER_PAYMENT_CLAIM, &[uuid]);
        self.json(self.body(Method::POST, &path, body_json)).await
    }

    /// `PUT /v1/dossiers/{uuid}/rating` with the frozen request body.
    pub async fn rate(&self, uuid: &str, body_json: &str) -> Result<Rating, Failure> {
        let path = paths::fill(paths::DOSSIER_RATING, &[uuid]);
        self.json(self.body(Method::PUT, &path, body_json)).await
    }

    /// `PUT /v1/dossiers/{uuid}/revisions/{n}` with the frozen manifest bytes.
    pub async fn put_revision(
        &self,
        uuid: &str,
        revision: u32,
        manifest_json: &str,
    ) -> Result<RevisionReceipt, Failure> {
        let path = paths::fill(paths::DOSSIER_REVISION, &[uuid, &revision.to_string()]);
        self.json(self.body(Method::PUT, &path, manifest_json))
            .await
    }

    /// `GET /v1/blobs/{sha256}` from byte `from` (`Range: bytes=<from>-` when `from > 0`).
    /// Returns the status, the first byte of a 206's `Content-Range`, and the response to read
    /// the body from. 416 is an answer here, not a failure.
    pub async fn blob_from(
        &self,
        sha256: &str,
        from: u64,
    ) -> Result<(u16, Option<u64>, Option<Response>), Failure> {
        self.get_from(&paths::fill(paths::BLOB, &[sha256]), from)
            .await
    }

    /// `GET /v1/catalog/latest`: the newest published catalog bundle; `None` when the server has
    /// none (or predates catalog updates: `404`).
    pub async fn catalog_latest(
        &self,
    ) -> Result<Option<dvc_protocol::catalog::CatalogLatest>, Failure> {
        match self
            .json(self.req(Method::GET, paths::CATALOG_LATEST))
            .await
        {
            Ok(l) => Ok(Some(l)),
            Err(Failure::Http { status: 404, .. }) => Ok(None),
            Err(f) => Err(f),
        }
    }

    /// A ranged `GET` of `path` from byte `from`, as [`Api::blob_from`].
    pub async fn get_from(
        &self,
        path: &str,
        from: u64,
    ) -> Result<(u16, Option<u64>, Option<Response>), Failure> {
        let mut r = self.req(Method::GET, path);
        if from > 0 {
            r = r.header(reqwest::header::RANGE, format!("bytes={from}-"));
        }
        match self.send(r).await {
            Ok(res) => {
                let status = res.status().as_u16();
                let start = res
                    .headers()
                    .get(reqwest::header::CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(content_range_start);
                Ok((status, start, Some(res)))
            }
            Err(Failure::Http { status: 416, .. }) => Ok((416, None, None)),
            Err(f) => Err(f),
        }
    }

    /// The next piece of a response body (`None` at the end).
    pub async fn next_piece(res: &mut Response) -> Result<Option<Vec<u8>>, Failure> {
        match res.chunk().await {
            Ok(c) => Ok(c.map(|b| b.to_vec())),
            Err(e) => Err(net(&e)),
        }
    }

    fn body(&self, method: Method, path: &str, json: &str) -> RequestBuilder {
        self.req(method, path)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(json.to_string())
    }

    pub async fn events(&self, after: Option<&str>, limit: u32) -> Result<EventsPage, Failure> {
        let mut path = format!("{}?limit={limit}", paths::EVENTS);
        if let Some(a) = after {
            path.push_str("&after=");
            path.push_str(&query_escape(a));
        }
        self.json(self.req(Method::GET, &path)).await
    }

    /// `GET /v1/dossiers`: one page of the dossiers the caller filed or that were filed for
    /// them, newest first.
    pub async fn dossiers(&self, cursor: Option<&str>, limit: u32) -> Result<DossierList, Failure> {
        let mut path = format!("{}?limit={limit}", paths::DOSSIERS);
        if let Some(c) = cursor {
            path.push_str("&cursor=");
            path.push_str(&query_escape(c));
        }
        self.json(self.req(Method::GET, &path)).await
    }

    /// `GET /v1/dossiers/{uuid}`: manifest, state and events of one dossier.
    pub async fn dossier(&self, uuid: &str) -> Result<DossierView, Failure> {
        self.json(self.req(Method::GET, &paths::fill(paths::DOSSIER, &[uuid])))
            .await
    }

    /// `GET /v1/consents`: the live consents the caller gave (citizen) or received (volunteer).
    pub async fn consents(&self) -> Result<ConsentList, Failure> {
        self.json(self.req(Method::GET, paths::CONSENTS)).await
    }

    /// `POST /v1/consents`: a citizen lets a volunteer file for them.
    pub async fn consent_grant(&self, req: &ConsentRequest) -> Result<ConsentInfo, Failure> {
        self.json(self.req(Method::POST, paths::CONSENTS).json(req))
            .await
    }

    /// `DELETE /v1/consents/{id}`: the citizen withdraws a consent.
    pub async fn consent_withdraw(&self, consent_id: &str) -> Result<(), Failure> {
        self.send(self.req(Method::DELETE, &paths::fill(paths::CONSENT, &[consent_id])))
            .await
            .map(|_| ())
    }

    /// `POST /v1/consent-requests`: a code goes to the citizen's phone.
    pub async fn consent_request(
        &self,
        req: &ConsentOtpRequest,
    ) -> Result<ConsentOtpPending, Failure> {
        self.json(self.req(Method::POST, paths::CONSENT_REQUESTS).json(req))
            .await
    }

    /// `POST /v1/consent-requests/{id}/confirm` with the code the citizen typed.
    pub async fn consent_confirm(
        &self,
        request_id: &str,
        req: &ConsentConfirmRequest,
    ) -> Result<ConsentInfo, Failure> {
        let path = paths::fill(paths::CONSENT_REQUEST_CONFIRM, &[request_id]);
        self.json(self.req(Method::POST, &path).json(req)).await
    }
}

/// The first byte of `Content-Range: bytes <start>-<end>/<len>`.
fn content_range_start(v: &str) -> Option<u64> {
    v.trim()
        .strip_prefix("bytes ")?
        .split('-')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// Percent-encodes a query value (cursors are opaque strings).
fn query_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_need_https_except_loopback() {
        assert_eq!(
            check_server_url("https://dvc.example.vn/").unwrap(),
            "https://dvc.example.vn"
        );
        assert!(check_server_url("http://127.0.0.1:8787").is_ok());
        assert_eq!(query_escape("12:a b"), "12%3Aa%20b");
        assert_eq!(content_range_start("bytes 100-199/200"), Some(100));
        assert_eq!(content_range_start("bytes */200"), None);
        assert_eq!(content_range_start("items 1-2/3"), None);
        assert!(check_server_url("http://localhost:8787").is_ok());
        assert!(check_server_url("http://[::1]:8787").is_ok());
        for bad in [
            "http://dvc.example.vn",
            "http://192.168.1.2:8787",
            "ftp://x",
            "dvc.example.vn",
            "https://user:pw@dvc.example.vn",
            "",
        ] {
            let e = check_server_url(bad).unwrap_err();
            assert!(matches!(e, SyncError::BadUrl(_)), "{bad}");
        }
    }
}
