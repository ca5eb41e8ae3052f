//! `/v1/events`: the caller's event feed with cursor and long-poll.

use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use dvc_protocol::auth::Role;
use dvc_protocol::events::{
    EventKind, EventsPage, DEFAULT_LIMIT, MAX_LIMIT, MAX_WAIT_S, PAPER_KEPT_SINCE_MINOR,
};
use dvc_protocol::ErrorBody;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Feed parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Cursor from the previous page (`next_cursor`); omit to start from the beginning.
    pub after: Option<String>,
    /// 1..=500, default 100.
    pub limit: Option<String>,
    /// Long-poll: seconds to wait for a first event, 0..=30.
    pub wait: Option<String>,
}

/// Parses a cursor (a decimal sequence number, opaque to clients).
pub fn parse_cursor(s: Option<&str>) -> ApiResult<i64> {
    match s {
        None | Some("") => Ok(0),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::invalid("after", "not a cursor from this server")),
    }
}

/// Whether the client that sent `headers` reads `paper_kept` events (protocol 1.4 or later in its
/// `x-dvc-protocol` header). An older client, or one that sends no header, cannot read a `type`
/// it does not know, so its pages leave those events out (its cursor still moves past them).
pub fn takes_papers(headers: &HeaderMap) -> bool {
    headers
        .get(dvc_protocol::PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            dvc_protocol::major_version(v) == "1"
                && dvc_protocol::minor_version(v) >= PAPER_KEPT_SINCE_MINOR
        })
}

/// The caller's events after the cursor.
#[utoipa::path(get, path = "/v1/events", tag = "events", security(("bearer" = [])), params(EventsQuery),
    responses((status = 200, body = EventsPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult<Json<EventsPage>> {
    caller.require(&[Role::Citizen, Role::Volunteer, Role::Officer])?;
    let after = parse_cursor(q.after.as_deref())?;
    let limit =
        crate::extract::int_param("limit", q.limit.as_deref(), DEFAULT_LIMIT, 1, MAX_LIMIT)?;
    let wait = crate::extract::int_param("wait", q.wait.as_deref(), 0, 0, MAX_WAIT_S)?;
    let scope = caller.account.scope();
    let fetch = i64::from(limit) + 1;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(wait));
    let mut rows = st.db.events_after(&scope, after, fetch).await?;
    while rows.is_empty() && tokio::time::Instant::now() < deadline {
        let seen = st.feed.latest().max(after);
        st.feed
            .wait_for(
                &scope,
                seen,
                deadline.saturating_duration_since(tokio::time::Instant::now()),
            )
            .await;
        rows = st.db.events_after(&scope, after, fetch).await?;
        if st.feed.latest() <= seen {
            break; // timed out or shutting down
        }
    }
    page(&st, rows, after, limit, takes_papers(&headers)).map(Json)
}

/// The caller's events after `after`, at most `limit` (no waiting): the page the push stream
/// sends back with its answer.
pub async fn page_now(
    st: &AppState,
    scope: &crate::domain::Scope,
    after: i64,
    limit: u32,
    takes_papers: bool,
) -> ApiResult<EventsPage> {
    let rows = st
        .db
        .events_after(scope, after, i64::from(limit) + 1)
        .await?;
    page(st, rows, after, limit, takes_papers)
}

/// A page from rows fetched with one more than `limit` (that one only says there is more).
fn page(
    st: &AppState,
    mut rows: Vec<crate::db::EventRow>,
    after: i64,
    limit: u32,
    takes_papers: bool,
) -> ApiResult<EventsPage> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let events = rows
        .iter()
        .map(super::dossiers::event)
        .filter(|e| {
            !matches!(e, Ok(ev) if !takes_papers && matches!(ev.event, EventKind::PaperKept { .. }))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let next_cursor = rows.last().map(|r| r.seq).unwrap_or(after).to_string();
    st.metrics
        .events_served
        .fetch_add(events.len() as u64, std::sync::atomic::Ordering::Relaxed);
    Ok(EventsPage {
        events,
        next_cursor,
        more,
    })
}
