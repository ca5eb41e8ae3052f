//! The officer console: server-rendered Vietnamese HTML (maud), cookie sessions, CSRF tokens.
//!
//! Sessions are console tokens (same table as device tokens, kind `console`) in a `HttpOnly`,
//! `SameSite=Strict`, `Secure` cookie (`__Host-` prefixed). Every POST carries a CSRF token derived
//! from the session secret (SHA-256 of `csrf:` + secret; unknowable without the cookie) and is
//! refused if an `Origin` header names another host. Each action writes an audit row and an event
//! in one transaction (see [`crate::db::Database::transition`]).

mod pages;
mod records;
mod reports;
mod server_qr;
mod work;

use std::collections::HashMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use cookie::{Cookie, SameSite};
use dvc_protocol::auth::Role;
use dvc_protocol::dossiers::{DossierManifest, DossierState, SupplementItem};
use dvc_protocol::events::{BankAccount, EventKind, ResultDelivery};
use dvc_protocol::ErrorCode;
use maud::Markup;
use subtle::ConstantTimeEq;

use crate::auth::{self, ClientIp, LoginOutcome};
use crate::db::{Account, Blob, DossierFilter, TokenKind, Transition};
use crate::domain::{Actor, Scope};
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::state::AppState;

pub use pages::vn_time;

const CSS: &str = include_str!("console.css");

/// Console routes under `/console`.
pub fn router(state: &AppState) -> Router<AppState> {
    let upload_limit = usize::try_from(state.cfg.max_blob_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    Router::new()
        .route(
            "/console",
            get(|| async { Redirect::to("/console/dossiers") }),
        )
        .route("/console/static/console.css", get(css))
        .route("/console/login", get(login_page).post(login_submit))
        .route("/console/logout", post(logout))
        .route("/console/dossiers", get(list))
        .route("/console/dashboard", get(work::dashboard))
        .route("/console/dossiers/{dossier_uuid}", get(dossier_page))
        .route("/console/dossiers/{dossier_uuid}/action", post(action))
        .route(
            "/console/dossiers/{dossier_uuid}/result",
            post(result_upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/console/dossiers/{dossier_uuid}/notes",
            post(records::add_note),
        )
        .route(
            "/console/dossiers/{dossier_uuid}/identity",
            post(records::identity),
        )
        .route(
            "/console/dossiers/{dossier_uuid}/papers",
            post(records::add_paper).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/console/blobs/{sha256}", get(blob))
        .route("/console/server-qr", get(server_qr::page_handler))
        .route("/console/reports", get(reports::index))
        .route("/console/reports/teams/{team_id}", get(reports::team))
        .route(
            "/console/reports/campaigns/{campaign_id}",
            get(reports::campaign),
        )
        .layer(axum::middleware::from_fn(refuse_nul))
}

/// The most a urlencoded console form may hold (axum's default body limit).
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// A urlencoded form with a NUL character (`%00`, or the raw byte) is refused with a page: no
/// console field has a use for one, and PostgreSQL's text cannot hold it. (Query parameters fall
/// back to their defaults instead; the search text drops them: see [`list`].)
async fn refuse_nul(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let nul = |b: &[u8]| b.contains(&0) || b.windows(3).any(|w| w == b"%00");
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match crate::extract::read_body(body, FORM_LIMIT).await {
        Ok(b) => b,
        Err(e) => return ConsoleError::from(e).into_response(),
    };
    if nul(&bytes) {
        return error_page(StatusCode::BAD_REQUEST);
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

fn session_cookie_name(st: &AppState) -> &'static str {
    if st.cfg.secure_cookies {
        "__Host-dvc_session"
    } else {
        "dvc_session"
    }
}

fn login_csrf_cookie_name(st: &AppState) -> &'static str {
    if st.cfg.secure_cookies {
        "__Host-dvc_login"
    } else {
        "dvc_login"
    }
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| Cookie::parse(c.trim().to_owned()).ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

fn set_cookie(st: &AppState, name: &'static str, value: String, max_age_s: i64) -> HeaderValue {
    let c = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .secure(st.cfg.secure_cookies)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(max_age_s))
        .build();
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The CSRF token of a session: SHA-256 of `csrf:` + the session secret.
pub fn csrf_for(secret: &str) -> String {
    auth::secret_hash(&format!("csrf:{secret}"))
}

/// A logged-in officer.
pub struct Officer {
    account: Account,
    csrf: String,
}

impl Officer {
    fn agency(&self) -> String {
        self.account.agency_code.clone().unwrap_or_default()
    }
    fn scope(&self) -> Scope {
        Scope::Agency(self.agency())
    }
}

/// Console failures render as HTML pages (or a redirect to the login page).
pub enum ConsoleError {
    /// Not logged in.
    Login,
    /// A page with a status and a message.
    Page(StatusCode, String),
}

impl From<ApiError> for ConsoleError {
    fn from(e: ApiError) -> Self {
        let status = StatusCode::from_u16(e.code().http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let msg = match e.code() {
            ErrorCode::NotFound => "Không tìm thấy hồ sơ hoặc tệp.".to_owned(),
            ErrorCode::InvalidTransition => {
                "Không thể thực hiện thao tác này ở trạng thái hiện tại của hồ sơ.".to_owned()
            }
            ErrorCode::CsrfFailed => {
                "Phiên làm việc không hợp lệ. Vui lòng tải lại trang và thử lại.".to_owned()
            }
            ErrorCode::InvalidField => format!(
                "Dữ liệu chưa hợp lệ ({}).",
                e.body.field.unwrap_or_default()
            ),
            ErrorCode::PayloadTooLarge | ErrorCode::BlobTooLarge => "Tệp quá lớn.".to_owned(),
            _ => "Đã có lỗi xảy ra. Vui lòng thử lại sau.".to_owned(),
        };
        ConsoleError::Page(status, msg)
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        match self {
            ConsoleError::Login => Redirect::to("/console/login").into_response(),
            ConsoleError::Page(status, msg) => {
                let mut res = html(status, pages::error_page(&msg));
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    // Answered before the body was read to its end: the rest of it is still on
                    // the connection, so it must not carry another request.
                    res.headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                res
            }
        }
    }
}

type ConsoleResult<T> = Result<T, ConsoleError>;

fn html(status: StatusCode, body: Markup) -> Response {
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

impl axum::extract::FromRequestParts<AppState> for Officer {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        st: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secret =
            cookie_value(&parts.headers, session_cookie_name(st)).ok_or(ConsoleError::Login)?;
        let caller = auth::authenticate(st, &secret, TokenKind::Console)
            .await
            .map_err(|e| match e.code() {
                ErrorCode::Unauthenticated => ConsoleError::Login,
                _ => ConsoleError::from(e),
            })?;
        if caller.account.role != Role::Officer || caller.account.agency_code.is_none() {
            return Err(ConsoleError::Page(
                StatusCode::FORBIDDEN,
                "Trang này chỉ dành cho cán bộ tiếp nhận hồ sơ.".into(),
            ));
        }
        Ok(Officer {
            csrf: csrf_for(&secret),
            account: caller.account,
        })
    }
}

/// Whether a console POST comes from a console page, judged from what the browser says.
///
/// * `Sec-Fetch-Site` (every current browser sends it): only `same-origin` passes; a browser that
///   says `same-site`, `cross-site` or `none` for a form POST is not our page.
/// * Otherwise `Origin`, when present, must name this host. `Origin: null` (an opaque origin:
///   a sandboxed frame, a `data:` page, or a page under `Referrer-Policy: no-referrer`) is
///   refused: console pages send `Referrer-Policy: same-origin`, so their own forms carry a real
///   origin.
/// * Neither header: not a browser (scripts, tests); the CSRF token alone decides.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes().eq_ignore_ascii_case(b"same-origin");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some((scheme, origin_host)) = origin.split_once("://") else {
        return false; // `null` or garbage
    };
    matches!(scheme, "http" | "https") && !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

fn check_csrf(headers: &HeaderMap, expected: &str, given: Option<&str>) -> ConsoleResult<()> {
    let ok = same_origin(headers)
        && given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(expected.as_bytes())));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::CsrfFailed, "csrf").into())
    }
}

async fn css() -> Response {
    let mut res = CSS.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

async fn login_page(State(st): State<AppState>) -> Response {
    let token = auth::new_secret();
    let mut res = html(StatusCode::OK, pages::login(&token, None));
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&st, login_csrf_cookie_name(&st), token, 3600),
    );
    res
}

async fn login_submit(
    State(st): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> ConsoleResult<Response> {
    let Form(f) = form.map_err(|_| {
        ConsoleError::Page(StatusCode::BAD_REQUEST, "Biểu mẫu không hợp lệ.".into())
    })?;
    let expected = cookie_value(&headers, login_csrf_cookie_name(&st)).unwrap_or_default();
    if expected.is_empty() {
        return Err(ApiError::new(ErrorCode::CsrfFailed, "csrf").into());
    }
    check_csrf(&headers, &expected, f.get("csrf").map(String::as_str))?;
    let login = f
        .get("login")
        .map(|s| s.trim().to_lowercase())
        .unwrap_or_default();
    let password = f.get("password").cloned().unwrap_or_default();
    let retry = |msg: &str| {
        let token = auth::new_secret();
        let mut res = html(StatusCode::UNAUTHORIZED, pages::login(&token, Some(msg)));
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&st, login_csrf_cookie_name(&st), token, 3600),
        );
        res
    };
    if login.is_empty() || login.len() > 128 || password.len() > 1024 {
        return Ok(retry("Sai tên đăng nhập hoặc mật khẩu."));
    }
    let account = match auth::password_login(&st, &login, &password, ip.0).await? {
        LoginOutcome::Ok(a) => a,
        LoginOutcome::Refused(e) if e.code() == ErrorCode::RateLimited => {
            return Ok(retry(
                "Bạn đã thử quá nhiều lần. Vui lòng đợi vài phút rồi thử lại.",
            ))
        }
        LoginOutcome::Refused(_) => return Ok(retry("Sai tên đăng nhập hoặc mật khẩu.")),
    };
    if account.role != Role::Officer {
        return Ok(retry("Trang này chỉ dành cho cán bộ tiếp nhận hồ sơ."));
    }
    let (secret, _) = auth::issue_token(
        &st,
        &account,
        TokenKind::Console,
        Some("console".into()),
        None,
    )
    .await?;
    tracing::info!(account_id = %account.id, "console session started");
    let mut res = Redirect::to("/console/dossiers").into_response();
    let ttl_s = st.cfg.session_ttl_ms / 1000;
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&st, session_cookie_name(&st), secret, ttl_s),
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&st, login_csrf_cookie_name(&st), String::new(), 0),
    );
    Ok(res)
}

async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> ConsoleResult<Response> {
    let Form(f) = form.map_err(|_| {
        ConsoleError::Page(StatusCode::BAD_REQUEST, "Biểu mẫu không hợp lệ.".into())
    })?;
    if let Some(secret) = cookie_value(&headers, session_cookie_name(&st)) {
        check_csrf(
            &headers,
            &csrf_for(&secret),
            f.get("csrf").map(String::as_str),
        )?;
        if let Ok(c) = auth::authenticate(&st, &secret, TokenKind::Console).await {
            st.db
                .revoke_token(&c.account.id, &c.token.id, st.clock.now_ms())
                .await
                .map_err(ApiError::from)?;
        }
    }
    let mut res = Redirect::to("/console/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&st, session_cookie_name(&st), String::new(), 0),
    );
    Ok(res)
}

#[derive(serde::Deserialize)]
struct ListParams {
    state: Option<String>,
    q: Option<String>,
    /// `overdue` or `soon`: only dossiers past or near their due date.
    due: Option<String>,
}

/// Most dossiers on the work list.
const LIST_ROWS: usize = 200;

async fn list(
    State(st): State<AppState>,
    officer: Officer,
    params: Result<axum::extract::Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> ConsoleResult<Response> {
    let p = params.map(|q| q.0).unwrap_or(ListParams {
        state: None,
        q: None,
        due: None,
    });
    let state = p.state.as_deref().and_then(DossierState::parse);
    // NUL characters dropped: PostgreSQL's text cannot hold one (a 500 there before).
    let q =
        p.q.map(|s| {
            s.replace('\0', "")
                .trim()
                .chars()
                .take(64)
                .collect::<String>()
        })
        .filter(|s| !s.is_empty());
    let due = match p.due.as_deref() {
        Some("overdue") => Some("overdue"),
        Some("soon") => Some("soon"),
        _ => None,
    };
    // Sorted for work (open dossiers by due date first, then finished ones newest first), the
    // first LIST_ROWS shown. Every open dossier is read (their number is the agency's workload);
    // of the finished ones — years of them — only the newest that can still make the page.
    let scope = officer.scope();
    let newest = |state: Option<DossierState>, finished: Option<bool>, limit: usize| {
        let filter = DossierFilter {
            state,
            code_query: q.clone(),
            limit: i64::try_from(limit).unwrap_or(500),
            before: None,
            finished,
        };
        let (st, scope) = (&st, &scope);
        async move {
            st.db
                .list_dossiers(scope, &filter)
                .await
                .map_err(ApiError::from)
        }
    };
    let mut rows = match (q.is_some(), state) {
        (true, _) => newest(state, None, 500).await?,
        (false, Some(s)) if s.is_final() => newest(Some(s), None, LIST_ROWS).await?,
        (false, Some(s)) => work::all_dossiers_where(&st, &scope, Some(s), None).await?,
        (false, None) => {
            let mut open = work::all_dossiers_where(&st, &scope, None, Some(false)).await?;
            if open.len() < LIST_ROWS && due.is_none() {
                open.extend(newest(None, Some(true), LIST_ROWS - open.len()).await?);
            }
            open
        }
    };
    let deadlines = work::deadlines_for_list(&st, &scope, &rows).await?;
    if let Some(due) = due {
        rows.retain(|r| {
            deadlines.get(&r.dossier.uuid).is_some_and(|d| match due {
                "overdue" => d.status == crate::deadlines::Status::Overdue,
                _ => d.status == crate::deadlines::Status::DueSoon,
            })
        });
    }
    work::sort_for_work(&mut rows, &deadlines);
    rows.truncate(LIST_ROWS);
    let agency_name = st
        .db
        .agency_name(&officer.agency())
        .await
        .map_err(ApiError::from)?
        .unwrap_or_default();
    Ok(html(
        StatusCode::OK,
        pages::list(
            &officer.account,
            &officer.csrf,
            &agency_name,
            pages::ListFilters {
                state,
                q: q.as_deref(),
                due,
            },
            &rows,
            &deadlines,
        ),
    ))
}

async fn dossier_page(
    State(st): State<AppState>,
    officer: Officer,
    ApiPath(uuid): ApiPath,
    params: Result<
        axum::extract::Query<HashMap<String, String>>,
        axum::extract::rejection::QueryRejection,
    >,
) -> ConsoleResult<Response> {
    let flash = params.ok().and_then(|q| q.0.get("ok").cloned());
    render_dossier(&st, &officer, &uuid, flash.as_deref(), None, StatusCode::OK).await
}

async fn render_dossier(
    st: &AppState,
    officer: &Officer,
    uuid: &str,
    ok: Option<&str>,
    err: Option<&str>,
    status: StatusCode,
) -> ConsoleResult<Response> {
    let d = st
        .db
        .dossier(&officer.scope(), uuid)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(ApiError::not_found)?;
    let manifest = crate::api::dossiers::manifest(&d)?;
    let event_rows = st.db.dossier_events(uuid).await.map_err(ApiError::from)?;
    let deadline = crate::deadlines::for_dossier(
        crate::catalog::bundled(),
        &d,
        &event_rows,
        st.clock.now_ms(),
    );
    let events = event_rows
        .iter()
        .map(crate::api::dossiers::event)
        .collect::<Result<Vec<_>, _>>()?;
    let audit = st.db.dossier_audit(uuid).await.map_err(ApiError::from)?;
    let submitter = st
        .db
        .account_by_id(&d.submitter_id)
        .await
        .map_err(ApiError::from)?;
    let consent = match &d.consent_id {
        Some(id) => st.db.consent(id).await.map_err(ApiError::from)?,
        None => None,
    };
    let bank = st
        .db
        .agency_bank(&d.agency_code)
        .await
        .map_err(ApiError::from)?;
    let revisions = st.db.revisions(uuid).await.map_err(ApiError::from)?;
    let mut manifests = Vec::with_capacity(revisions.len());
    for r in &revisions {
        let m: DossierManifest = serde_json::from_str(&r.manifest).map_err(|e| {
            tracing::error!(dossier = %d.uuid, revision = r.revision, error = %e, "corrupt stored revision");
            ApiError::new(ErrorCode::Internal, "internal error")
        })?;
        manifests.push((r.clone(), m));
    }
    let rating = st.db.rating(uuid).await.map_err(ApiError::from)?;
    let agency_name = st
        .db
        .agency_name(&d.agency_code)
        .await
        .map_err(ApiError::from)?;
    let notes = st.db.notes(uuid).await.map_err(ApiError::from)?;
    let identity = st.db.identity_checks(uuid).await.map_err(ApiError::from)?;
    let papers = st.db.agency_papers(uuid).await.map_err(ApiError::from)?;
    Ok(html(
        status,
        pages::dossier(&pages::DossierPage {
            agency_name: agency_name.as_deref(),
            notes: &notes,
            identity: &identity,
            papers: &papers,
            officer: &officer.account,
            csrf: &officer.csrf,
            dossier: &d,
            manifest: &manifest,
            events: &events,
            audit: &audit,
            submitter: submitter.as_ref(),
            consent: consent.as_ref(),
            bank: bank.as_ref(),
            revisions: &manifests,
            rating: rating.as_ref(),
            deadline: Some(&deadline),
            ok,
            err,
        }),
    ))
}

fn field<'a>(f: &'a HashMap<String, String>, name: &str, max: usize) -> Result<&'a str, ApiError> {
    let v = f.get(name).map(|s| s.trim()).unwrap_or("");
    if v.is_empty() || v.chars().count() > max {
        return Err(ApiError::invalid(name, "required"));
    }
    Ok(v)
}

/// The items a supplement form ticked (`item_field=<name>`, `item_attachment=<kind>`), each
/// checked against the dossier's current manifest, in manifest order.
pub fn supplement_items(
    pairs: &[(String, String)],
    m: &DossierManifest,
) -> Result<Vec<SupplementItem>, ApiError> {
    let mut fields = std::collections::BTreeSet::new();
    let mut kinds = std::collections::BTreeSet::new();
    for (k, v) in pairs {
        match k.as_str() {
            "item_field" if m.form.contains_key(v) => {
                fields.insert(v.clone());
            }
            "item_attachment" if m.attachments.iter().any(|a| &a.kind == v) => {
                kinds.insert(v.clone());
            }
            "item_field" | "item_attachment" => {
                return Err(ApiError::invalid("items", "not part of this dossier"))
            }
            _ => {}
        }
    }
    let mut items: Vec<SupplementItem> = m
        .form
        .keys()
        .filter(|k| fields.contains(*k))
        .map(|name| SupplementItem::Field { name: name.clone() })
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for a in &m.attachments {
        if kinds.contains(&a.kind) && seen.insert(a.kind.clone()) {
            items.push(SupplementItem::Attachment {
                kind: a.kind.clone(),
            });
        }
    }
    Ok(items)
}

/// Turns an action form into an event (`items`: what a supplement request names).
pub fn event_from_form(
    f: &HashMap<String, String>,
    dossier_code: &str,
    items: Vec<SupplementItem>,
) -> Result<EventKind, ApiError> {
    let action = f.get("action").map(String::as_str).unwrap_or("");
    Ok(match action {
        "accept" => EventKind::Accepted,
        "supplement" => {
            let note = f.get("note").map(|s| s.trim()).unwrap_or("");
            if note.chars().count() > 2000 || (note.is_empty() && items.is_empty()) {
                return Err(ApiError::invalid("note", "a note or at least one item"));
            }
            EventKind::SupplementRequested {
                note: note.to_owned(),
                items,
            }
        }
        "reject" => EventKind::Rejected {
            reason: field(f, "reason", 2000)?.to_owned(),
        },
        "fee" => {
            let amount = field(f, "amount_vnd", 15)?
                .replace(['.', ',', ' '], "")
                .parse::<u64>()
                .ok()
                .filter(|a| *a > 0 && *a <= 1_000_000_000)
                .ok_or_else(|| ApiError::invalid("amount_vnd", "a positive amount in đồng"))?;
            let bin = field(f, "bank_bin", 6)?;
            if bin.len() != 6 || !bin.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ApiError::invalid("bank_bin", "6 digits"));
            }
            let acct = field(f, "account_number", 19)?;
            if !acct.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(ApiError::invalid("account_number", "letters and digits"));
            }
            EventKind::FeeRequested {
                amount_vnd: amount,
                bank: BankAccount {
                    bank_bin: bin.to_owned(),
                    account_number: acct.to_owned(),
                    account_name: field(f, "account_name", 100)?.to_owned(),
                },
                transfer_note: dossier_code.to_owned(),
            }
        }
        "paid" => EventKind::Paid,
        "postal" => EventKind::ResultReady {
            result: ResultDelivery::Postal {
                carrier: field(f, "carrier", 60)?.to_owned(),
                tracking_number: field(f, "tracking_number", 40)?.to_owned(),
            },
        },
        "complete" => EventKind::Completed,
        _ => return Err(ApiError::invalid("action", "unknown action")),
    })
}

/// The account a fee request may name: the agency's configured one, with its configured holder
/// name. Anything else (or no configured account) is refused with the officer's message.
pub fn fee_account(
    configured: Option<BankAccount>,
    asked: &BankAccount,
) -> Result<BankAccount, &'static str> {
    let Some(c) = configured else {
        return Err("Cơ quan chưa có tài khoản nhận phí. Quản trị viên cần cấu hình tài khoản trước khi yêu cầu nộp phí.");
    };
    if c.bank_bin != asked.bank_bin || c.account_number != asked.account_number {
        return Err("Phí chỉ được nộp vào tài khoản của cơ quan đã cấu hình. Vui lòng dùng đúng tài khoản đó.");
    }
    Ok(c)
}

fn audit_detail(e: &EventKind) -> String {
    match e {
        EventKind::SupplementRequested { note, items } => {
            let names: Vec<&str> = items
                .iter()
                .map(|i| match i {
                    SupplementItem::Field { name } => name.as_str(),
                    SupplementItem::Attachment { kind } => kind.as_str(),
                })
                .collect();
            format!("note: {note}; items: {}", names.join(", "))
        }
        EventKind::Rejected { reason } => format!("reason: {reason}"),
        EventKind::FeeRequested {
            amount_vnd, bank, ..
        } => format!(
            "amount_vnd: {amount_vnd}; bank_bin: {}; account_number: {}; account_name: {}",
            bank.bank_bin, bank.account_number, bank.account_name
        ),
        EventKind::ResultReady {
            result: ResultDelivery::Online { sha256, size, .. },
        } => format!("result pdf {sha256} ({size} bytes)"),
        EventKind::ResultReady {
            result:
                ResultDelivery::Postal {
                    carrier,
                    tracking_number,
                },
        } => format!("postal: {carrier} {tracking_number}"),
        _ => String::new(),
    }
}

async fn do_action(
    st: &AppState,
    officer: &Officer,
    uuid: &str,
    event: EventKind,
    result_blob: Option<String>,
) -> ConsoleResult<Response> {
    let t = Transition {
        dossier_uuid: uuid.to_owned(),
        scope: officer.scope(),
        actor_id: officer.account.id.clone(),
        actor: Actor::Officer,
        audit_detail: audit_detail(&event),
        event,
        result_blob,
        now: st.clock.now_ms(),
    };
    match crate::api::dossiers::apply(st, &t).await {
        Ok(Some(ev)) => Ok(Redirect::to(&format!(
            "/console/dossiers/{uuid}?ok={}",
            ev.state.as_str()
        ))
        .into_response()),
        Ok(None) => Ok(Redirect::to(&format!("/console/dossiers/{uuid}")).into_response()),
        Err(e) if e.code() == ErrorCode::InvalidTransition => {
            render_dossier(
                st,
                officer,
                uuid,
                None,
                Some("Không thể thực hiện thao tác này ở trạng thái hiện tại của hồ sơ."),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn action(
    State(st): State<AppState>,
    officer: Officer,
    ApiPath(uuid): ApiPath,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> ConsoleResult<Response> {
    let Form(pairs) = form.map_err(|_| {
        ConsoleError::Page(StatusCode::BAD_REQUEST, "Biểu mẫu không hợp lệ.".into())
    })?;
    let f: HashMap<String, String> = pairs.iter().cloned().collect();
    check_csrf(&headers, &officer.csrf, f.get("csrf").map(String::as_str))?;
    let d = st
        .db
        .dossier(&officer.scope(), &uuid)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(ApiError::not_found)?;
    let manifest = crate::api::dossiers::manifest(&d)?;
    let event = match supplement_items(&pairs, &manifest)
        .and_then(|items| event_from_form(&f, &d.code, items))
    {
        Ok(EventKind::FeeRequested {
            amount_vnd,
            bank,
            transfer_note,
        }) => {
            // Fees go only to the account the agency has configured (set by the administrator
            // with `dvc-sync agency`); the holder's name is the configured one.
            let configured = st
                .db
                .agency_bank(&d.agency_code)
                .await
                .map_err(ApiError::from)?;
            match fee_account(configured, &bank) {
                Ok(bank) => EventKind::FeeRequested {
                    amount_vnd,
                    bank,
                    transfer_note,
                },
                Err(msg) => {
                    tracing::warn!(dossier = %d.uuid, officer = %officer.account.id, "fee request to an account that is not the agency's refused");
                    return render_dossier(
                        &st,
                        &officer,
                        &uuid,
                        None,
                        Some(msg),
                        StatusCode::BAD_REQUEST,
                    )
                    .await;
                }
            }
        }
        Ok(EventKind::Accepted) => {
            // A dossier whose latest identity check found a mismatch is not accepted: the officer
            // asks for a supplement or rejects it (or checks again). No check at all does not
            // block: see the server README, "Identity checks".
            let checks = st.db.identity_checks(&uuid).await.map_err(ApiError::from)?;
            if !crate::domain::may_accept_after(checks.last().map(|c| c.outcome)) {
                return render_dossier(
                    &st,
                    &officer,
                    &uuid,
                    None,
                    Some("Lần kiểm tra danh tính gần nhất không khớp: chưa thể tiếp nhận hồ sơ. Hãy yêu cầu bổ sung, từ chối, hoặc kiểm tra lại."),
                    StatusCode::CONFLICT,
                )
                .await;
            }
            EventKind::Accepted
        }
        Ok(e) => e,
        Err(e) => {
            let msg = format!(
                "Dữ liệu chưa hợp lệ: {}.",
                pages::field_label(e.body.field.as_deref().unwrap_or(""))
            );
            return render_dossier(
                &st,
                &officer,
                &uuid,
                None,
                Some(&msg),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    do_action(&st, &officer, &uuid, event, None).await
}

async fn result_upload(
    State(st): State<AppState>,
    officer: Officer,
    ApiPath(uuid): ApiPath,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ConsoleResult<Response> {
    let mut mp = multipart.map_err(|_| {
        ConsoleError::Page(StatusCode::BAD_REQUEST, "Biểu mẫu không hợp lệ.".into())
    })?;
    let mut csrf = None;
    let mut file: Option<bytes::Bytes> = None;
    loop {
        let next = mp.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ConsoleError::Page(StatusCode::PAYLOAD_TOO_LARGE, "Tệp quá lớn.".into())
            } else {
                ConsoleError::Page(StatusCode::BAD_REQUEST, "Biểu mẫu không hợp lệ.".into())
            }
        })?;
        let Some(field) = next else { break };
        match field.name() {
            Some("csrf") => csrf = field.text().await.ok(),
            Some("file") => {
                file = Some(field.bytes().await.map_err(|_| {
                    ConsoleError::Page(StatusCode::PAYLOAD_TOO_LARGE, "Tệp quá lớn.".into())
                })?)
            }
            _ => {}
        }
    }
    check_csrf(&headers, &officer.csrf, csrf.as_deref())?;
    st.db
        .dossier(&officer.scope(), &uuid)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(ApiError::not_found)?;
    let data = file.filter(|d| !d.is_empty());
    let Some(data) = data.filter(|d| d.starts_with(b"%PDF-")) else {
        return render_dossier(
            &st,
            &officer,
            &uuid,
            None,
            Some("Vui lòng chọn tệp kết quả định dạng PDF."),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    if data.len() as u64 > st.cfg.max_blob_bytes {
        return Err(ConsoleError::Page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Tệp quá lớn.".into(),
        ));
    }
    let size = data.len() as u64;
    let sha = st.blobs.put(data).await.map_err(ApiError::from)?;
    let blob = Blob {
        sha256: sha.clone(),
        size: i64::try_from(size).unwrap_or(i64::MAX),
    };
    st.db
        .add_owned_blob(&blob, &officer.account.id, st.clock.now_ms())
        .await
        .map_err(ApiError::from)?;
    let event = EventKind::ResultReady {
        result: ResultDelivery::Online {
            sha256: sha.clone(),
            content_type: "application/pdf".into(),
            size,
        },
    };
    do_action(&st, &officer, &uuid, event, Some(sha)).await
}

async fn blob(
    State(st): State<AppState>,
    officer: Officer,
    ApiPath(sha): ApiPath,
) -> ConsoleResult<Response> {
    if !dvc_protocol::blobs::is_sha256_hex(&sha) {
        return Err(ApiError::not_found().into());
    }
    st.db
        .readable_blob(&officer.account.id, &officer.scope(), &sha)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(ApiError::not_found)?;
    let data = st.blobs.read(&sha).await.map_err(ApiError::from)?;
    Ok(crate::api::blobs::blob_response(data, "inline"))
}

/// Security headers for every console response.
pub async fn headers_layer(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut res = next.run(req).await;
    let page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if !page && (res.status().is_client_error() || res.status().is_server_error()) {
        // An extractor's rejection (the API's JSON for a path parameter that is not UTF-8,
        // axum's plain text for a query with a repeated key): the console answers with pages.
        let retry = res.headers().get(header::RETRY_AFTER).cloned();
        res = error_page(res.status());
        if let Some(v) = retry {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    secure_headers(&mut res);
    res
}

/// The console's page for an error answer with this status.
fn error_page(status: StatusCode) -> Response {
    let msg = match status {
        StatusCode::NOT_FOUND => "Không tìm thấy trang, hồ sơ hoặc tệp.",
        StatusCode::METHOD_NOT_ALLOWED => "Không tìm thấy trang này.",
        StatusCode::PAYLOAD_TOO_LARGE => "Tệp quá lớn.",
        StatusCode::TOO_MANY_REQUESTS => "Quá nhiều lần thử. Vui lòng đợi một lúc rồi thử lại.",
        s if s.is_client_error() => "Dữ liệu chưa hợp lệ.",
        _ => "Đã có lỗi xảy ra. Vui lòng thử lại sau.",
    };
    ConsoleError::Page(status, msg.into()).into_response()
}

/// The answer for a path under `/console` that no route takes (or not with this method): a
/// console page, not the API's JSON.
pub fn unrouted(status: StatusCode) -> Response {
    let mut res = error_page(status);
    secure_headers(&mut res);
    res
}

fn secure_headers(res: &mut Response) {
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        // Not `no-referrer`: under it a browser's form POST says `Origin: null`, which
        // `same_origin` cannot tell from a sandboxed or `data:` page. `same-origin` sends the
        // origin (and referrer) only to the console itself.
        HeaderValue::from_static("same-origin"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_checks_follow_what_the_browser_says() {
        let host = ("host", "127.0.0.1:8787");
        // What Chromium sends for the console's own form under `Referrer-Policy: same-origin`.
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:8787"),
            ("sec-fetch-site", "same-origin"),
        ])));
        // What it sent under `no-referrer`: the browser still vouches for the origin.
        assert!(same_origin(&headers(&[
            host,
            ("origin", "null"),
            ("sec-fetch-site", "same-origin"),
        ])));
        // Another site, whatever Origin says.
        for site in ["cross-site", "same-site", "none"] {
            let h = headers(&[host, ("origin", "http://127.0.0.1:8787")]);
            let mut h = h;
            h.insert("sec-fetch-site", HeaderValue::from_static(site));
            assert!(!same_origin(&h), "{site}");
        }
        // No Sec-Fetch-Site: Origin decides; `null` and other hosts are refused.
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:8787")
        ])));
        assert!(same_origin(&headers(&[
            host,
            ("origin", "https://127.0.0.1:8787")
        ])));
        assert!(!same_origin(&headers(&[host, ("origin", "null")])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:8787.evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "file://127.0.0.1:8787")
        ])));
        assert!(!same_origin(&headers(&[(
            "origin",
            "http://127.0.0.1:8787"
        )])));
        // Not a browser: the CSRF token alone decides.
        assert!(same_origin(&headers(&[host])));
    }
}
