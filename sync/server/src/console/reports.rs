//! "Báo cáo tổ công nghệ số": the reports of the community tech teams an officer's agency
//! receives — per team (this week, this month) and per campaign (its dates, its targets) — with a
//! bar chart drawn here as inline SVG (no script, no network), tables, and a CSV download. The
//! same [`crate::api::visits::report_for`] decides what an officer may read as the API does.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use dvc_protocol::dossiers::DossierState;
use dvc_protocol::visits::{ReportScope, Task, VisitReport};
use maud::{html, Markup};

use super::{html as page, pages, ConsoleError, ConsoleResult, Officer};
use crate::api::visits::{campaign_view, csv_response, readable_teams, report_for, ReportQuery};
use crate::extract::ApiPath;
use crate::state::AppState;

/// The Vietnamese name of a task.
pub fn task_label(t: Task) -> &'static str {
    match t {
        Task::PublicServices => "Hướng dẫn dịch vụ công trực tuyến",
        Task::Vneid => "Cài đặt, sử dụng VNeID",
        Task::Accounts => "Tạo tài khoản",
        Task::Cashless => "Thanh toán không dùng tiền mặt",
        Task::Ecommerce => "Thương mại điện tử",
        Task::OnlineSafety => "An toàn trên mạng",
    }
}

fn state_text(s: &str) -> String {
    DossierState::parse(s)
        .map(pages::state_label)
        .unwrap_or(s)
        .to_owned()
}

/// One bar per row: label, bar (SVG, share of the largest), number.
fn bars(rows: &[(String, u32)], testid: &str) -> Markup {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    html! {
        ul.bars data-testid=(testid) {
            @for (label, n) in rows {
                li {
                    span.label { (label) }
                    svg.bar viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" {
                        rect width="100" height="10" fill="#eceff1" {}
                        rect width=(format!("{:.1}", f64::from(*n) * 100.0 / f64::from(max))) height="10" fill="#b71c1c" {}
                    }
                    span.n { (n) }
                }
            }
        }
    }
}

fn progress(label: &str, done: u32, target: Option<u32>) -> Markup {
    html! {
        @if let Some(t) = target {
            li {
                span.label { (label) }
                svg.bar viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" {
                    rect width="100" height="10" fill="#eceff1" {}
                    rect width=(format!("{:.1}", (f64::from(done) * 100.0 / f64::from(t.max(1))).min(100.0))) height="10" fill="#2e7d32" {}
                }
                span.n { (done) " / " (t) }
            }
        }
    }
}

fn day(rfc3339: &str) -> String {
    // `from`/`to` are UTC instants at 00:00 in Vietnam (17:00 UTC the day before), or now.
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(|t| {
            let d = dvc_protocol::rules::vietnam_date(t);
            format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
        })
        .unwrap_or_default()
}

fn report_body(r: &VisitReport, base: &str, period: Option<&str>) -> Markup {
    let tasks: Vec<(String, u32)> = Task::ALL
        .iter()
        .map(|t| {
            (
                task_label(*t).to_owned(),
                r.tasks.get(t.as_str()).copied().unwrap_or(0),
            )
        })
        .collect();
    let states: Vec<(String, u32)> = r
        .dossiers_by_state
        .iter()
        .map(|(k, v)| (state_text(k), *v))
        .collect();
    let csv_href = match period {
        Some(p) => format!("{base}?period={p}&format=csv"),
        None => format!("{base}?format=csv"),
    };
    html! {
        h1 { (r.scope_name.as_deref().unwrap_or("Báo cáo")) }
        @if r.scope == ReportScope::Team {
            nav.tabs aria-label="Kỳ báo cáo" {
                a.on[period == Some("week")] href=(format!("{base}?period=week")) { "Tuần này" }
                a.on[period == Some("month")] href=(format!("{base}?period=month")) { "Tháng này" }
            }
        }
        p.muted { "Từ " (day(&r.from)) " đến " (day(&r.to)) ". Chỉ có số liệu, không có thông tin cá nhân." }
        div.cards data-testid="report-numbers" {
            div { b { (r.visits) } span { "Lượt thăm hộ" } }
            div { b { (r.households_visited) } span { "Hộ đã thăm" } }
            div { b { (r.people_helped) } span { "Người được hỗ trợ" } }
            div { b { (r.accounts_created) } span { "Tài khoản tạo mới" } }
            div { b data-testid="report-dossiers" { (r.dossiers_filed) } span { "Hồ sơ nộp trực tuyến" } }
            div { b { (r.follow_ups_open) } span { "Hộ cần quay lại" } }
        }
        @if let Some(t) = &r.targets {
            h2 { "Tiến độ so với chỉ tiêu" }
            ul.bars data-testid="report-targets" {
                (progress("Hộ đã thăm", r.households_visited, t.households))
                (progress("Hồ sơ nộp trực tuyến", r.dossiers_filed, t.dossiers))
                (progress("Tài khoản tạo mới", r.accounts_created, t.accounts))
            }
        }
        h2 { "Sáu nhiệm vụ" }
        (bars(&tasks, "report-chart"))
        h2 { "Hồ sơ theo thủ tục" }
        @if r.dossiers_by_procedure.is_empty() {
            p.muted { "Chưa có hồ sơ nào trong kỳ này." }
        } @else {
            table.counts {
                thead { tr { th { "Mã thủ tục" } th { "Số hồ sơ" } } }
                tbody { @for (code, n) in &r.dossiers_by_procedure { tr { td { (code) } td { (n) } } } }
            }
            h2 { "Hồ sơ theo trạng thái" }
            (bars(&states, "report-states"))
        }
        @if !r.volunteers.is_empty() {
            h2 { "Theo tình nguyện viên" }
            table.counts data-testid="report-volunteers" {
                thead { tr { th { "Tình nguyện viên" } th { "Lượt thăm" } th { "Hộ" } th { "Hồ sơ" } th { "Tài khoản" } } }
                tbody {
                    @for v in &r.volunteers {
                        tr {
                            td { (v.display_name.as_deref().unwrap_or("(chưa đặt tên)")) }
                            td { (v.visits) } td { (v.households_visited) } td { (v.dossiers_filed) } td { (v.accounts_created) }
                        }
                    }
                }
            }
        }
        p { a.button href=(csv_href) data-testid="report-csv" download { "Tải bảng số liệu (CSV)" } }
    }
}

/// `GET /console/reports`: the agency's teams and their campaigns.
pub async fn index(State(st): State<AppState>, officer: Officer) -> ConsoleResult<Response> {
    let teams = readable_teams(&st, &officer.account).await?;
    let mut rows = Vec::new();
    for t in &teams {
        let campaigns = st
            .db
            .campaigns(&t.id)
            .await
            .map_err(crate::error::ApiError::from)?;
        rows.push((t, campaigns.iter().map(campaign_view).collect::<Vec<_>>()));
    }
    let body = html! {
        h1 { "Báo cáo tổ công nghệ số" }
        @if rows.is_empty() {
            p.muted { "Chưa có tổ công nghệ số nào báo cáo cho cơ quan này." }
        }
        @for (t, campaigns) in &rows {
            section.revision data-testid="team" {
                h3 { (t.name) }
                p {
                    a href=(format!("/console/reports/teams/{}?period=week", t.id)) { "Tuần này" }
                    " · "
                    a href=(format!("/console/reports/teams/{}?period=month", t.id)) { "Tháng này" }
                }
                @if !campaigns.is_empty() {
                    ul {
                        @for c in campaigns {
                            li { a href=(format!("/console/reports/campaigns/{}", c.id)) { (c.name) } " (" (c.starts_on) " – " (c.ends_on) ")" }
                        }
                    }
                }
            }
        }
    };
    Ok(page(
        StatusCode::OK,
        pages::layout(
            "Báo cáo tổ công nghệ số",
            Some((&officer.account, officer.csrf.as_str())),
            body,
        ),
    ))
}

/// `?period=week|month&format=csv` of a console report page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    period: Option<String>,
    format: Option<String>,
}

async fn render(
    st: &AppState,
    officer: &Officer,
    q: ReportQuery,
    base: String,
    period: Option<&str>,
    csv: bool,
) -> ConsoleResult<Response> {
    let r = report_for(st, &officer.account, &q).await.map_err(|e| {
        if e.code() == dvc_protocol::ErrorCode::NotFound {
            ConsoleError::Page(StatusCode::NOT_FOUND, "Không tìm thấy báo cáo này.".into())
        } else {
            ConsoleError::from(e)
        }
    })?;
    if csv {
        return Ok(csv_response(&r));
    }
    let title = r.scope_name.clone().unwrap_or_else(|| "Báo cáo".into());
    Ok(page(
        StatusCode::OK,
        pages::layout(
            &title,
            Some((&officer.account, officer.csrf.as_str())),
            report_body(&r, &base, period),
        ),
    ))
}

fn period_of(q: &PageQuery) -> &'static str {
    match q.period.as_deref() {
        Some("week") => "week",
        _ => "month",
    }
}

/// `GET /console/reports/teams/{team_id}`.
pub async fn team(
    State(st): State<AppState>,
    officer: Officer,
    ApiPath(id): ApiPath,
    Query(q): Query<PageQuery>,
) -> ConsoleResult<Response> {
    let period = period_of(&q);
    let rq = ReportQuery {
        period: Some(period.into()),
        team: Some(id.clone()),
        ..ReportQuery::default()
    };
    let csv = q.format.as_deref() == Some("csv");
    render(
        &st,
        &officer,
        rq,
        format!("/console/reports/teams/{id}"),
        Some(period),
        csv,
    )
    .await
}

/// `GET /console/reports/campaigns/{campaign_id}`.
pub async fn campaign(
    State(st): State<AppState>,
    officer: Officer,
    ApiPath(id): ApiPath,
    Query(q): Query<PageQuery>,
) -> ConsoleResult<Response> {
    let rq = ReportQuery {
        campaign: Some(id.clone()),
        ..ReportQuery::default()
    };
    let csv = q.format.as_deref() == Some("csv");
    render(
        &st,
        &officer,
        rq,
        format!("/console/reports/campaigns/{id}"),
        None,
        csv,
    )
    .await
}
