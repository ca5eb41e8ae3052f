//! The officer's own records on a dossier: internal notes, the identity check ("đã kiểm tra danh
//! tính", through [`crate::identity::IdentityCheck`]) and scanned papers kept by the agency
//! (digitisation; each is also a `paper_kept` event the applicant's app lists).
//!
//! Every form is CSRF-checked like the action forms; bad input re-renders the dossier page with a
//! message and changes nothing.

use std::collections::HashMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dvc_protocol::events::{EventKind, MAX_PAPER_PAGES, PAPER_KINDS};

use super::{check_csrf, render_dossier, ConsoleError, ConsoleResult, Officer};
use crate::db::{Blob, NewAgencyPaper};
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::identity::{OfficerFinding, Outcome};
use crate::state::AppState;

/// The longest internal note, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

/// A note as it will be stored: trimmed, 1..=[`MAX_NOTE_CHARS`] characters, no control
/// characters but line breaks and tabs. `Err` is the officer's message.
pub fn check_note(raw: &str) -> Result<String, &'static str> {
    let body = raw.trim().replace("\r\n", "\n");
    if body.is_empty() {
        return Err("Vui lòng nhập nội dung ghi chú.");
    }
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err("Ghi chú dài quá 1000 ký tự. Vui lòng rút gọn.");
    }
    if body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("Ghi chú có ký tự không hợp lệ.");
    }
    Ok(body)
}

/// The content type of a scan, from its first bytes (what the browser declares is not trusted):
/// PDF, JPEG or PNG; anything else is refused.
pub fn sniff_scan(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// The page count typed on the form: 1..=[`MAX_PAPER_PAGES`].
pub fn parse_pages(raw: &str) -> Option<u32> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_PAPER_PAGES).contains(n))
}

fn bad_form() -> ConsoleError {
    ConsoleError::Page(StatusCode::BAD_REQUEST, "Biểu mẫu không hợp lệ.".into())
}

async fn refuse(
    st: &AppState,
    officer: &Officer,
    uuid: &str,
    msg: &str,
) -> ConsoleResult<Response> {
    render_dossier(st, officer, uuid, None, Some(msg), StatusCode::BAD_REQUEST).await
}

fn done(uuid: &str, what: &str) -> Response {
    Redirect::to(&format!("/console/dossiers/{uuid}?ok={what}")).into_response()
}

/// `POST /console/dossiers/{uuid}/notes`: `csrf`, `body`.
pub async fn add_note(
    State(st): State<AppState>,
    officer: Officer,
    ApiPath(uuid): ApiPath,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> ConsoleResult<Response> {
    let Form(f) = form.map_err(|_| bad_form())?;
    check_csrf(&headers, &officer.csrf, f.get("csrf").map(String::as_str))?;
    // Not in the officer's agency: 404 before anything is said about the input.
    st.db
        .dossier(&officer.scope(), &uuid)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(ApiError::not_found)?;
    let body = match check_note(f.get("body").map(String::as_str).unwrap_or("")) {
        Ok(b) => b,
        Err(msg) => return refuse(&st, &officer, &uuid, msg).await,
    };
    let now = st.clock.now_ms();
    let found = st
        .db
        .add_note(&officer.scope(), &uuid, &officer.account.id, &body, now)
        .await
        .map_err(ApiError::from)?;
    if !found {
        return Err(ApiError::not_found().into());
    }
    tracing::info!(dossier = %uuid, officer = %officer.account.id, chars = body.chars().count(), "officer note added");
    Ok(done(&uuid, "note"))
}

/// `POST /console/dossiers/{uuid}/identity`: `csrf`, `outcome` (`confirmed` | `mismatch`),
/// `papers_seen` (what was compared).
pub async fn identity(
    State(st): State<AppState>,
    officer: Officer,
    ApiPath(uuid): ApiPath,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> ConsoleResult<Response> {
    let Form(f) = form.map_err(|_| bad_form())?;
    check_csrf(&headers, &officer.csrf, f.get("csrf").map(String::as_str))?;
    let d = st
        .db
        .dossier(&officer.scope(), &uuid)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(ApiError::not_found)?;
    if d.state.is_final() {
        return refuse(
            &st,
            &officer,
            &uuid,
            "Hồ sơ đã kết thúc; không ghi nhận kiểm tra danh tính nữa.",
        )
        .await;
    }
    let manifest = crate::api::dossiers::manifest(&d)?;
    let finding = OfficerFinding {
        outcome: f
            .get("outcome")
            .map(String::as_str)
            .and_then(Outcome::parse),
        papers_seen: f.get("papers_seen").cloned().unwrap_or_default(),
    };
    let verdict = match st.identity.check(&d, &manifest, &finding).await {
        Ok(v) => v,
        Err(crate::identity::IdentityError::Input("outcome")) => {
            return refuse(
                &st,
                &officer,
                &uuid,
                "Vui lòng chọn kết quả đối chiếu (khớp hoặc không khớp).",
            )
            .await
        }
        Err(crate::identity::IdentityError::Input(_)) => {
            return refuse(
                &st,
                &officer,
                &uuid,
                "Vui lòng ghi giấy tờ đã đối chiếu (tối đa 300 ký tự).",
            )
            .await
        }
        Err(e @ crate::identity::IdentityError::Unavailable(_)) => {
            tracing::warn!(dossier = %uuid, error = %e, "identity check failed");
            return Err(ConsoleError::Page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Chưa kiểm tra được danh tính. Vui lòng thử lại sau.".into(),
            ));
        }
    };
    let found = st
        .db
        .record_identity_check(
            &officer.scope(),
            &uuid,
            &officer.account.id,
            &verdict,
            st.clock.now_ms(),
        )
        .await
        .map_err(ApiError::from)?;
    if !found {
        return Err(ApiError::not_found().into());
    }
    tracing::info!(dossier = %uuid, officer = %officer.account.id, method = %verdict.method, outcome = verdict.outcome.as_str(), "identity check recorded");
    Ok(done(&uuid, "identity"))
}

/// `POST /console/dossiers/{uuid}/papers` (multipart): `csrf`, `kind`, `pages`, `file`.
pub async fn add_paper(
    State(st): State<AppState>,
    officer: Officer,
    ApiPath(uuid): ApiPath,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ConsoleResult<Response> {
    let mut mp = multipart.map_err(|_| bad_form())?;
    let (mut csrf, mut kind, mut pages) = (None, None, None);
    let mut file: Option<bytes::Bytes> = None;
    loop {
        let next = mp.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ConsoleError::Page(StatusCode::PAYLOAD_TOO_LARGE, "Tệp quá lớn.".into())
            } else {
                bad_form()
            }
        })?;
        let Some(field) = next else { break };
        match field.name() {
            Some("csrf") => csrf = field.text().await.ok(),
            Some("kind") => kind = field.text().await.ok(),
            Some("pages") => pages = field.text().await.ok(),
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
    let Some(kind) = kind.filter(|k| PAPER_KINDS.contains(&k.as_str())) else {
        return refuse(
            &st,
            &officer,
            &uuid,
            "Vui lòng chọn loại giấy tờ trong danh sách.",
        )
        .await;
    };
    let Some(pages) = pages.as_deref().and_then(parse_pages) else {
        return refuse(&st, &officer, &uuid, "Số trang phải là số từ 1 đến 500.").await;
    };
    let Some(data) = file.filter(|d| !d.is_empty()) else {
        return refuse(&st, &officer, &uuid, "Vui lòng chọn tệp bản quét.").await;
    };
    if data.len() as u64 > st.cfg.max_blob_bytes {
        return Err(ConsoleError::Page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Tệp quá lớn.".into(),
        ));
    }
    let Some(content_type) = sniff_scan(&data) else {
        return refuse(
            &st,
            &officer,
            &uuid,
            "Bản quét phải là tệp PDF, JPEG hoặc PNG.",
        )
        .await;
    };
    let size = data.len() as u64;
    let sha = st.blobs.put(data).await.map_err(ApiError::from)?;
    let now = st.clock.now_ms();
    st.db
        .add_owned_blob(
            &Blob {
                sha256: sha.clone(),
                size: i64::try_from(size).unwrap_or(i64::MAX),
            },
            &officer.account.id,
            now,
        )
        .await
        .map_err(ApiError::from)?;
    let paper = NewAgencyPaper {
        dossier_uuid: uuid.clone(),
        scope: officer.scope(),
        officer_id: officer.account.id.clone(),
        event: EventKind::PaperKept {
            kind,
            pages,
            sha256: sha,
            content_type: content_type.to_owned(),
            size,
        },
        now,
    };
    let Some(ev) = st
        .db
        .add_agency_paper(&paper)
        .await
        .map_err(ApiError::from)?
    else {
        return Err(ApiError::not_found().into());
    };
    st.feed.published_for(ev.seq, ev.readers.keys());
    tracing::info!(code = %ev.dossier_code, officer = %officer.account.id, pages, size, "scanned paper kept");
    Ok(done(&uuid, "paper"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_checked() {
        assert_eq!(
            check_note("  Gọi lại cho người nộp \r\nlúc 9h "),
            Ok("Gọi lại cho người nộp \nlúc 9h".into())
        );
        assert!(check_note("   ").is_err());
        assert!(check_note(&"a".repeat(MAX_NOTE_CHARS)).is_ok());
        assert!(check_note(&"ă".repeat(MAX_NOTE_CHARS + 1)).is_err());
        assert!(check_note("a\u{7}b").is_err());
        assert!(check_note("a\u{0}b").is_err());
    }

    #[test]
    fn scans_are_told_by_their_bytes() {
        assert_eq!(sniff_scan(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff_scan(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_scan(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_scan(b"GIF89a"), None);
        assert_eq!(sniff_scan(b"<html>%PDF-"), None);
        assert_eq!(sniff_scan(b""), None);
        assert_eq!(parse_pages(" 3 "), Some(3));
        assert_eq!(parse_pages("0"), None);
        assert_eq!(parse_pages("501"), None);
        assert_eq!(parse_pages("-1"), None);
        assert_eq!(parse_pages("2.5"), None);
    }
}
