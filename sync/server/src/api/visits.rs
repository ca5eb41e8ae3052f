//! Volunteers' field work (protocol 1.2): `PUT /v1/visits/{id}` from the phones, teams and
//! campaigns kept by admins, and reports — a volunteer's own, a team leader's team or campaign,
//! an officer's teams of their agency (also in the console), any for an admin. Counts only.
//!
//! Who reads which report is decided once, in [`report_for`]; a team the caller may not read is
//! `404.1`, as if it did not exist.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvc_protocol::auth::Role;
use dvc_protocol::visits::{
    Campaign, CreateCampaignRequest, CreateTeamRequest, Period, ReportScope, Targets, Team,
    TeamList, TeamMember, TeamMemberRequest, VisitReceipt, VisitReport, VisitSaved, VisitUpload,
};
use dvc_protocol::{ErrorBody, ErrorCode};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::auth::Caller;
use crate::db::{Account, CampaignRow, PutVisitOutcome, ReportWho, TeamRow};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::field_work::{self, ReportFrame};
use crate::state::AppState;

/// Stores an ended visit of the calling volunteer.
#[utoipa::path(put, path = "/v1/visits/{visit_id}", tag = "visits", security(("bearer" = [])),
    params(("visit_id" = String, Path, description = "The phone's visit id (UUID)")), request_body = VisitUpload,
    responses((status = 201, body = VisitReceipt), (status = 200, body = VisitReceipt), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn put_visit(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(raw_id): ApiPath,
    ApiJson(body): ApiJson<VisitUpload>,
) -> ApiResult<(StatusCode, Json<VisitReceipt>)> {
    caller.require(&[Role::Volunteer])?;
    let now = st.clock.now_ms();
    let (row, tasks) = field_work::check_visit(&raw_id, &caller.account.id, &body, now)
        .map_err(|e| ApiError::invalid(e.field, e.why))?;
    let saved = match st.db.put_visit(&row, &tasks, now).await? {
        PutVisitOutcome::Created => VisitSaved::Created,
        PutVisitOutcome::Unchanged => VisitSaved::Unchanged,
        PutVisitOutcome::Updated => VisitSaved::Updated,
        PutVisitOutcome::Taken => return Err(ApiError::not_found()),
    };
    tracing::info!(visit = %row.id, tasks = tasks.len(), saved = ?saved, "visit stored");
    let status = if saved == VisitSaved::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(VisitReceipt {
            visit_id: row.id,
            saved,
        }),
    ))
}

/// `GET /v1/reports` parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `week` or `month` (default `month`); ignored for a campaign (its dates are the period).
    pub period: Option<String>,
    /// The moment whose period is wanted (RFC 3339; default now).
    pub at: Option<String>,
    /// A team id.
    pub team: Option<String>,
    /// A campaign id.
    pub campaign: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// Whether `account` may read the reports of `team`.
pub fn may_read_team(account: &Account, team: &TeamRow) -> bool {
    match account.role {
        Role::Admin => true,
        Role::Officer => account.agency_code.as_deref() == Some(team.agency_code.as_str()),
        Role::Volunteer => team.leader_id.as_deref() == Some(account.id.as_str()),
        Role::Citizen => false,
    }
}

fn parse_day(s: &str) -> Option<Date> {
    Date::parse(
        s.trim(),
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// Unix ms of an instant, rounded up (an exclusive end of `now + 1 ns` keeps `now`'s millisecond).
fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from((t.unix_timestamp_nanos() + 999_999).div_euclid(1_000_000)).unwrap_or(i64::MAX)
}

fn targets_of(c: &CampaignRow) -> Targets {
    serde_json::from_str(&c.targets).unwrap_or_default()
}

/// A team the caller may read, or `404.1`.
async fn readable_team(st: &AppState, account: &Account, id: &str) -> ApiResult<TeamRow> {
    if id.len() > 64 {
        return Err(ApiError::not_found());
    }
    match st.db.team(id).await? {
        Some(t) if may_read_team(account, &t) => Ok(t),
        _ => Err(ApiError::not_found()),
    }
}

/// The report `account` asked for with `q` — the one place that decides who reads what.
pub async fn report_for(
    st: &AppState,
    account: &Account,
    q: &ReportQuery,
) -> ApiResult<VisitReport> {
    let period = match q.period.as_deref() {
        None | Some("") => Period::Month,
        Some(p) => {
            Period::from_name(p).ok_or_else(|| ApiError::invalid("period", "week or month"))?
        }
    };
    let at = match q.at.as_deref() {
        None | Some("") => time::OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(st.clock.now_ms()) * 1_000_000,
        )
        .map_err(|_| ApiError::invalid("at", "an RFC 3339 time"))?,
        Some(s) => OffsetDateTime::parse(s, &Rfc3339)
            .map_err(|_| ApiError::invalid("at", "an RFC 3339 time"))?,
    };
    let (from, to) = dvc_protocol::visits::period_bounds(period, at);
    let (from, to) = (unix_ms(from), unix_ms(to));
    let (frame, who) = match (q.team.as_deref(), q.campaign.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "campaign",
                "a team or a campaign, not both",
            ))
        }
        (None, None) => {
            if account.role != Role::Volunteer {
                return Err(ApiError::invalid("team", "a team or a campaign"));
            }
            (
                ReportFrame {
                    scope: ReportScope::Volunteer,
                    scope_id: None,
                    scope_name: None,
                    from,
                    to,
                    members: vec![],
                    targets: None,
                },
                ReportWho::Volunteer(account.id.clone()),
            )
        }
        (Some(team_id), None) => {
            let team = readable_team(st, account, team_id).await?;
            (
                ReportFrame {
                    scope: ReportScope::Team,
                    scope_id: Some(team.id.clone()),
                    scope_name: Some(team.name.clone()),
                    from,
                    to,
                    members: members(st, &team.id).await?,
                    targets: None,
                },
                ReportWho::Team(team.id),
            )
        }
        (None, Some(campaign_id)) => {
            let c = match campaign_id.len() <= 64 {
                true => st.db.campaign(campaign_id).await?,
                false => None,
            }
            .ok_or_else(ApiError::not_found)?;
            let team = readable_team(st, account, &c.team_id).await?;
            let (Some(first), Some(last)) = (parse_day(&c.starts_on), parse_day(&c.ends_on)) else {
                return Err(ApiError::not_found());
            };
            let end = last.next_day().unwrap_or(last);
            (
                ReportFrame {
                    scope: ReportScope::Campaign,
                    scope_id: Some(c.id.clone()),
                    scope_name: Some(c.name.clone()),
                    from: unix_ms(dvc_protocol::visits::day_start(first)),
                    to: unix_ms(dvc_protocol::visits::day_start(end)),
                    members: members(st, &team.id).await?,
                    targets: Some(targets_of(&c)),
                },
                ReportWho::Team(team.id),
            )
        }
    };
    let rows = st.db.report_rows(&who, frame.from, frame.to).await?;
    Ok(field_work::build_report(frame, &rows))
}

async fn members(st: &AppState, team_id: &str) -> ApiResult<Vec<(String, Option<String>)>> {
    Ok(st
        .db
        .team_members(team_id)
        .await?
        .into_iter()
        .map(|m| (m.account_id, m.display_name))
        .collect())
}

/// The report as a CSV download.
pub fn csv_response(r: &VisitReport) -> Response {
    let name = match r.scope {
        ReportScope::Volunteer => "bao-cao".to_owned(),
        ReportScope::Team => "bao-cao-to".to_owned(),
        ReportScope::Campaign => "bao-cao-chien-dich".to_owned(),
    };
    let day = r.from.get(..10).unwrap_or("");
    let mut res = r.to_csv().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}-{day}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// Visits, tasks and dossiers counted for a period: the caller's own (volunteers), a team's or a
/// campaign's (its leader, its agency's officers, admins).
#[utoipa::path(get, path = "/v1/reports", tag = "visits", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, body = VisitReport), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn reports(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    caller.require(&[Role::Volunteer, Role::Officer, Role::Admin])?;
    let csv = match q.format.as_deref() {
        None | Some("") | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::invalid("format", "json or csv")),
    };
    let r = report_for(&st, &caller.account, &q).await?;
    Ok(if csv {
        csv_response(&r)
    } else {
        Json(r).into_response()
    })
}

/// A team with its members.
pub async fn team_view(st: &AppState, t: &TeamRow) -> ApiResult<Team> {
    let mut members: Vec<TeamMember> = st
        .db
        .team_members(&t.id)
        .await?
        .into_iter()
        .map(|m| TeamMember {
            leader: t.leader_id.as_deref() == Some(m.account_id.as_str()),
            account_id: m.account_id,
            display_name: m.display_name,
        })
        .collect();
    members.sort_by_key(|m| !m.leader);
    Ok(Team {
        id: t.id.clone(),
        name: t.name.clone(),
        agency_code: t.agency_code.clone(),
        members,
    })
}

/// A campaign on the wire.
pub fn campaign_view(c: &CampaignRow) -> Campaign {
    Campaign {
        id: c.id.clone(),
        team_id: c.team_id.clone(),
        name: c.name.clone(),
        starts_on: c.starts_on.clone(),
        ends_on: c.ends_on.clone(),
        targets: targets_of(c),
    }
}

/// The teams (and their campaigns) `account` may read reports of, by name.
pub async fn readable_teams(st: &AppState, account: &Account) -> ApiResult<Vec<TeamRow>> {
    Ok(match account.role {
        Role::Admin => st.db.teams(None).await?,
        Role::Officer => match account.agency_code.as_deref() {
            Some(a) => st.db.teams(Some(a)).await?,
            None => vec![],
        },
        Role::Volunteer => st.db.team_of(&account.id).await?.into_iter().collect(),
        Role::Citizen => vec![],
    })
}

/// The caller's team (volunteers), their agency's teams (officers), every team (admins), with
/// campaigns.
#[utoipa::path(get, path = "/v1/teams", tag = "visits", security(("bearer" = [])),
    responses((status = 200, body = TeamList), (status = 403, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn teams(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<TeamList>> {
    caller.require(&[Role::Volunteer, Role::Officer, Role::Admin])?;
    let mut out = TeamList {
        teams: vec![],
        campaigns: vec![],
    };
    for t in readable_teams(&st, &caller.account).await? {
        out.campaigns
            .extend(st.db.campaigns(&t.id).await?.iter().map(campaign_view));
        out.teams.push(team_view(&st, &t).await?);
    }
    out.campaigns
        .sort_by(|a, b| b.starts_on.cmp(&a.starts_on).then_with(|| b.id.cmp(&a.id)));
    Ok(Json(out))
}

fn check_name(field: &'static str, s: &str) -> ApiResult<String> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 100 || s.chars().any(char::is_control) {
        return Err(ApiError::invalid(field, "1 to 100 characters"));
    }
    Ok(s.to_owned())
}

/// A volunteer account by phone number, or `field` is invalid.
async fn volunteer_by_login(st: &AppState, field: &'static str, login: &str) -> ApiResult<Account> {
    let phone = dvc_protocol::rules::normalize_mobile(login)
        .ok_or_else(|| ApiError::invalid(field, "a mobile phone number"))?;
    match st.db.account_by_login(&phone).await? {
        Some(a) if a.role == Role::Volunteer && !a.disabled => Ok(a),
        _ => Err(ApiError::invalid(
            field,
            "no volunteer account has this number",
        )),
    }
}

/// Creates a team.
#[utoipa::path(post, path = "/v1/admin/teams", tag = "admin", security(("bearer" = [])), request_body = CreateTeamRequest,
    responses((status = 201, body = Team), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn create_team(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateTeamRequest>,
) -> ApiResult<(StatusCode, Json<Team>)> {
    caller.require(&[Role::Admin])?;
    let name = check_name("name", &req.name)?;
    if st.db.agency_name(&req.agency_code).await?.is_none() {
        return Err(
            ApiError::new(ErrorCode::UnknownAgency, "no such agency on this server")
                .with_field("agency_code"),
        );
    }
    let leader = match req.leader_login.as_deref() {
        Some(l) => Some(volunteer_by_login(&st, "leader_login", l).await?.id),
        None => None,
    };
    let t = TeamRow {
        id: uuid::Uuid::now_v7().to_string(),
        name,
        agency_code: req.agency_code,
        leader_id: leader,
    };
    st.db.create_team(&t, st.clock.now_ms()).await?;
    tracing::info!(team = %t.id, "team created");
    Ok((StatusCode::CREATED, Json(team_view(&st, &t).await?)))
}

/// Puts a volunteer into a team (out of any other).
#[utoipa::path(post, path = "/v1/admin/teams/{team_id}/members", tag = "admin", security(("bearer" = [])),
    params(("team_id" = String, Path, description = "Team id")), request_body = TeamMemberRequest,
    responses((status = 200, body = Team), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn add_member(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(team_id): ApiPath,
    ApiJson(req): ApiJson<TeamMemberRequest>,
) -> ApiResult<Json<Team>> {
    caller.require(&[Role::Admin])?;
    let team = readable_team(&st, &caller.account, &team_id).await?;
    let v = volunteer_by_login(&st, "login", &req.login).await?;
    st.db
        .add_team_member(&team.id, &v.id, st.clock.now_ms())
        .await?;
    tracing::info!(team = %team.id, member = %v.id, "team member added");
    Ok(Json(team_view(&st, &team).await?))
}

/// Creates a campaign of a team.
#[utoipa::path(post, path = "/v1/admin/campaigns", tag = "admin", security(("bearer" = [])), request_body = CreateCampaignRequest,
    responses((status = 201, body = Campaign), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn create_campaign(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateCampaignRequest>,
) -> ApiResult<(StatusCode, Json<Campaign>)> {
    caller.require(&[Role::Admin])?;
    let name = check_name("name", &req.name)?;
    let team = match req.team_id.len() <= 64 {
        true => st.db.team(&req.team_id).await?,
        false => None,
    }
    .ok_or_else(|| ApiError::invalid("team_id", "no such team"))?;
    let first =
        parse_day(&req.starts_on).ok_or_else(|| ApiError::invalid("starts_on", "YYYY-MM-DD"))?;
    let last = parse_day(&req.ends_on).ok_or_else(|| ApiError::invalid("ends_on", "YYYY-MM-DD"))?;
    if last < first || (last - first).whole_days() > 366 {
        return Err(ApiError::invalid(
            "ends_on",
            "on or after starts_on, within a year",
        ));
    }
    let c = CampaignRow {
        id: uuid::Uuid::now_v7().to_string(),
        team_id: team.id,
        name,
        starts_on: first.to_string(),
        ends_on: last.to_string(),
        targets: serde_json::to_string(&req.targets).unwrap_or_else(|_| "{}".into()),
    };
    st.db.create_campaign(&c, st.clock.now_ms()).await?;
    tracing::info!(campaign = %c.id, "campaign created");
    Ok((StatusCode::CREATED, Json(campaign_view(&c))))
}
