//! The console as a work tool: due dates for the agency's dossiers ([`crate::deadlines`]) and the
//! workload dashboard (`/console/dashboard`): received / in progress / done on time / late, by
//! procedure and by week of receipt, with a stacked bar chart drawn here as inline SVG (no script,
//! no network), tables and a CSV download. Only counts: no personal data.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dvc_protocol::visits::csv_field;
use maud::{html, Markup};
use time::{Date, Duration};

use super::{html as page, pages, ConsoleResult, Officer};
use crate::catalog::Catalog;
use crate::db::{DossierFilter, DossierListRow, EventRow};
use crate::deadlines::{self, Deadline, Status};
use crate::domain::Scope;
use crate::error::ApiError;
use crate::state::AppState;
use dvc_protocol::dossiers::DossierState;

/// Every dossier of a scope, newest first (pages of 500).
pub async fn all_dossiers(st: &AppState, scope: &Scope) -> Result<Vec<DossierListRow>, ApiError> {
    all_dossiers_where(st, scope, None, None).await
}

/// Every dossier of a scope in `state` (if given) and finished or not (if given), newest first
/// (pages of 500).
pub async fn all_dossiers_where(
    st: &AppState,
    scope: &Scope,
    state: Option<DossierState>,
    finished: Option<bool>,
) -> Result<Vec<DossierListRow>, ApiError> {
    let mut out: Vec<DossierListRow> = Vec::new();
    loop {
        let filter = DossierFilter {
            state,
            code_query: None,
            limit: 500,
            before: out
                .last()
                .map(|r| (r.dossier.received_at, r.dossier.uuid.clone())),
            finished,
        };
        let page = st.db.list_dossiers(scope, &filter).await?;
        let n = page.len();
        out.extend(page);
        if n < 500 {
            return Ok(out);
        }
    }
}

/// Every event of a scope (or, with `open_only`, of its dossiers not finished yet), grouped by
/// dossier, in order (pages of 1,000).
pub async fn events_by_dossier(
    st: &AppState,
    scope: &Scope,
    open_only: bool,
) -> Result<HashMap<String, Vec<EventRow>>, ApiError> {
    let mut out: HashMap<String, Vec<EventRow>> = HashMap::new();
    let mut after = 0;
    loop {
        let page = if open_only {
            st.db.open_events_after(scope, after, 1000).await?
        } else {
            st.db.events_after(scope, after, 1000).await?
        };
        let n = page.len();
        for e in page {
            after = after.max(e.seq);
            out.entry(e.dossier_uuid.clone()).or_default().push(e);
        }
        if n < 1000 {
            return Ok(out);
        }
    }
}

/// The deadline of each of `rows` (by uuid), from `events` (grouped by dossier).
fn deadlines_from(
    st: &AppState,
    rows: &[DossierListRow],
    events: &HashMap<String, Vec<EventRow>>,
) -> HashMap<String, Deadline> {
    let now = st.clock.now_ms();
    let catalog = crate::catalog::bundled();
    rows.iter()
        .map(|r| {
            let ev = events
                .get(&r.dossier.uuid)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            (
                r.dossier.uuid.clone(),
                deadlines::for_dossier(catalog, &r.dossier, ev, now),
            )
        })
        .collect()
}

/// The deadline of each dossier of a whole scope (the dashboard: every event read once).
pub async fn deadlines_for(
    st: &AppState,
    scope: &Scope,
    rows: &[DossierListRow],
) -> Result<HashMap<String, Deadline>, ApiError> {
    let events = events_by_dossier(st, scope, false).await?;
    Ok(deadlines_from(st, rows, &events))
}

/// The deadline of each dossier of a list (the work list: every open dossier, and at most a page
/// of finished ones): the events of the open dossiers in one pass, a finished one's on its own —
/// never the years of finished dossiers' events that the list does not show.
pub async fn deadlines_for_list(
    st: &AppState,
    scope: &Scope,
    rows: &[DossierListRow],
) -> Result<HashMap<String, Deadline>, ApiError> {
    let mut events = if rows.iter().any(|r| !r.dossier.state.is_final()) {
        events_by_dossier(st, scope, true).await?
    } else {
        HashMap::new()
    };
    for r in rows.iter().filter(|r| r.dossier.state.is_final()) {
        let ev = st.db.dossier_events(&r.dossier.uuid).await?;
        events.insert(r.dossier.uuid.clone(), ev);
    }
    Ok(deadlines_from(st, rows, &events))
}

/// Sorts a list for work: open dossiers by due date (overdue first), then open ones without a due
/// date, then finished and cancelled ones, newest first.
pub fn sort_for_work(rows: &mut [DossierListRow], deadlines: &HashMap<String, Deadline>) {
    rows.sort_by(|a, b| {
        let key = |r: &DossierListRow| {
            let d = deadlines.get(&r.dossier.uuid);
            let open = d.is_none_or(|d| d.status.is_open());
            let due = d.and_then(|d| d.due).filter(|_| open);
            let group = match (open, due) {
                (true, Some(_)) => 0,
                (true, None) => 1,
                (false, _) => 2,
            };
            (group, due, std::cmp::Reverse(r.dossier.received_at))
        };
        key(a).cmp(&key(b))
    });
}

/// `dd/mm/yyyy`.
pub fn day_text(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// The due-date cell: the date and, in words, where the dossier stands.
pub fn due_cell(d: Option<&Deadline>) -> Markup {
    let Some(d) = d else {
        return html! { span.muted { "Chưa có hạn" } };
    };
    html! {
        @match d.due {
            Some(due) => { (day_text(due)) }
            None => { span.muted { "Chưa có hạn" } }
        }
        @if let Some(label) = d.status.label() {
            " " span class={ "due due-" (d.status.as_str()) } data-testid="due-badge" { (label) }
        }
    }
}

/// Counts of one row of the dashboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Received in the period.
    pub received: u32,
    /// Open and not overdue (including those waiting for the applicant).
    pub in_progress: u32,
    /// Finished on or before the due date.
    pub on_time: u32,
    /// Finished after the due date, or open and overdue.
    pub late: u32,
    /// Cancelled, or finished with no due date to judge by.
    pub other: u32,
}

impl Counts {
    fn add(&mut self, s: Status) {
        self.received += 1;
        match s {
            Status::DueSoon | Status::OnTrack | Status::Waiting | Status::NoDeadline => {
                self.in_progress += 1
            }
            Status::DoneOnTime => self.on_time += 1,
            Status::Overdue | Status::DoneLate => self.late += 1,
            Status::Cancelled => self.other += 1,
        }
    }
}

/// The dashboard's numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dashboard {
    /// The first day counted (a Monday).
    pub from: Option<Date>,
    /// Today.
    pub today: Option<Date>,
    /// Every dossier received in the period.
    pub total: Counts,
    /// By procedure name, most received first.
    pub by_procedure: Vec<(String, Counts)>,
    /// By week of receipt (the week's Monday), oldest first; every week of the period appears.
    pub by_week: Vec<(Date, Counts)>,
    /// Open and overdue now.
    pub overdue_now: u32,
    /// Open and due soon now.
    pub due_soon_now: u32,
}

/// Monday of `d`'s week.
pub fn week_of(d: Date) -> Date {
    d - Duration::days(i64::from(d.weekday().number_days_from_monday()))
}

/// Tallies `(procedure code, received day, status)` of the dossiers received in the `weeks` weeks
/// ending with `today`'s week.
pub fn tally(
    catalog: &Catalog,
    items: &[(String, Date, Status)],
    today: Date,
    weeks: u32,
) -> Dashboard {
    let this_week = week_of(today);
    let from = this_week - Duration::weeks(i64::from(weeks.max(1)) - 1);
    let mut by_week: BTreeMap<Date, Counts> = (0..weeks.max(1))
        .map(|i| (from + Duration::weeks(i64::from(i)), Counts::default()))
        .collect();
    let mut by_procedure: BTreeMap<String, Counts> = BTreeMap::new();
    let mut total = Counts::default();
    let (mut overdue_now, mut due_soon_now) = (0, 0);
    for (code, received, status) in items {
        if *received < from || *received > today {
            continue;
        }
        total.add(*status);
        let name = catalog
            .procedure(code)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| code.clone());
        by_procedure.entry(name).or_default().add(*status);
        by_week.entry(week_of(*received)).or_default().add(*status);
        match status {
            Status::Overdue => overdue_now += 1,
            Status::DueSoon => due_soon_now += 1,
            _ => {}
        }
    }
    let mut by_procedure: Vec<(String, Counts)> = by_procedure.into_iter().collect();
    by_procedure.sort_by(|a, b| b.1.received.cmp(&a.1.received).then(a.0.cmp(&b.0)));
    Dashboard {
        from: Some(from),
        today: Some(today),
        total,
        by_procedure,
        by_week: by_week.into_iter().collect(),
        overdue_now,
        due_soon_now,
    }
}

/// The CSV of a dashboard: one line per week and per procedure.
pub fn dashboard_csv(d: &Dashboard) -> String {
    let mut out = String::from("nhom,ten,da_nhan,dang_xu_ly,xong_dung_han,tre_han,khac\n");
    let line = |out: &mut String, group: &str, name: &str, c: &Counts| {
        out.push_str(&format!(
            "{group},{},{},{},{},{},{}\n",
            csv_field(name),
            c.received,
            c.in_progress,
            c.on_time,
            c.late,
            c.other
        ));
    };
    line(&mut out, "tong", "Tất cả", &d.total);
    for (w, c) in &d.by_week {
        line(&mut out, "tuan", &format!("Tuần từ {}", day_text(*w)), c);
    }
    for (p, c) in &d.by_procedure {
        line(&mut out, "thu_tuc", p, c);
    }
    out
}

const SEGMENTS: [(&str, &str); 4] = [
    ("Xong đúng hạn", "#2e7d32"),
    ("Đang xử lý", "#1565c0"),
    ("Trễ hạn", "#b71c1c"),
    ("Khác", "#9e9e9e"),
];

fn parts(c: &Counts) -> [u32; 4] {
    [c.on_time, c.in_progress, c.late, c.other]
}

/// The non-empty segments of a stacked bar: `(x, width, colour)` on a 0–100 scale.
fn segments(c: &Counts, max: u32) -> Vec<(f64, f64, &'static str)> {
    let mut x = 0.0;
    let mut out = Vec::new();
    for (i, n) in parts(c).iter().enumerate() {
        if *n > 0 {
            let w = f64::from(*n) * 100.0 / f64::from(max.max(1));
            out.push((x, w, SEGMENTS[i].1));
            x += w;
        }
    }
    out
}

/// One stacked bar per week, scaled to the busiest week, as inline SVG with a text label.
fn week_chart(d: &Dashboard) -> Markup {
    let max = d
        .by_week
        .iter()
        .map(|(_, c)| c.received)
        .max()
        .unwrap_or(0)
        .max(1);
    html! {
        p.legend aria-hidden="true" {
            @for (label, colour) in SEGMENTS {
                span { svg width="14" height="14" viewBox="0 0 14 14" { rect width="14" height="14" fill=(colour) {} } " " (label) }
            }
        }
        ul.bars data-testid="dashboard-chart" {
            @for (w, c) in &d.by_week {
                li {
                    span.label { "Tuần từ " (day_text(*w)) }
                    svg.bar viewBox="0 0 100 10" preserveAspectRatio="none" role="img"
                        aria-label=(format!("Tuần từ {}: nhận {}, xong đúng hạn {}, đang xử lý {}, trễ hạn {}, khác {}", day_text(*w), c.received, c.on_time, c.in_progress, c.late, c.other)) {
                        rect width="100" height="10" fill="#eceff1" {}
                        @for (x, wdt, colour) in segments(c, max) {
                            rect x=(format!("{x:.1}")) width=(format!("{wdt:.1}")) height="10" fill=(colour) {}
                        }
                    }
                    span.n { (c.received) }
                }
            }
        }
    }
}

fn counts_table(first: &str, rows: &[(String, Counts)], testid: &str) -> Markup {
    html! {
        table.counts data-testid=(testid) {
            thead { tr { th { (first) } th { "Đã nhận" } th { "Đang xử lý" } th { "Xong đúng hạn" } th { "Trễ hạn" } th { "Khác" } } }
            tbody {
                @for (name, c) in rows {
                    tr { td { (name) } td { (c.received) } td { (c.in_progress) } td { (c.on_time) } td { (c.late) } td { (c.other) } }
                }
            }
        }
    }
}

/// The dashboard page body.
pub fn dashboard_body(agency_name: &str, d: &Dashboard, weeks: u32) -> Markup {
    let weeks_rows: Vec<(String, Counts)> = d
        .by_week
        .iter()
        .map(|(w, c)| (format!("Tuần từ {}", day_text(*w)), *c))
        .collect();
    html! {
        h1 { "Tình hình giải quyết hồ sơ — " (agency_name) }
        nav.tabs aria-label="Khoảng thời gian" {
            @for n in [4u32, 12, 26] {
                a.on[n == weeks] href=(format!("/console/dashboard?weeks={n}")) { (n) " tuần" }
            }
        }
        p.muted {
            "Hồ sơ nhận từ " (d.from.map(day_text).unwrap_or_default()) " đến " (d.today.map(day_text).unwrap_or_default())
            ". Hạn giải quyết tính theo ngày làm việc, không tính thời gian chờ người nộp bổ sung hoặc nộp phí. "
            "Trễ hạn gồm hồ sơ xong sau hạn và hồ sơ đang quá hạn. Chỉ có số liệu, không có thông tin cá nhân."
        }
        div.cards data-testid="dashboard-numbers" {
            div { b data-testid="dash-received" { (d.total.received) } span { "Đã nhận" } }
            div { b data-testid="dash-in-progress" { (d.total.in_progress) } span { "Đang xử lý" } }
            div { b data-testid="dash-on-time" { (d.total.on_time) } span { "Xong đúng hạn" } }
            div { b data-testid="dash-late" { (d.total.late) } span { "Trễ hạn" } }
        }
        @if d.overdue_now > 0 || d.due_soon_now > 0 {
            p {
                a href="/console/dossiers" {
                    "Đang có " strong { (d.overdue_now) } " hồ sơ quá hạn và " strong { (d.due_soon_now) } " hồ sơ sắp đến hạn — xem danh sách"
                }
            }
        }
        h2 { "Theo tuần nhận hồ sơ" }
        (week_chart(d))
        (counts_table("Tuần", &weeks_rows, "dashboard-weeks"))
        h2 { "Theo thủ tục" }
        @if d.by_procedure.is_empty() {
            p.muted { "Chưa có hồ sơ nào trong khoảng thời gian này." }
        } @else {
            (counts_table("Thủ tục", &d.by_procedure, "dashboard-procedures"))
        }
        p { a.button href=(format!("/console/dashboard?weeks={weeks}&format=csv")) data-testid="dashboard-csv" download { "Tải bảng số liệu (CSV)" } }
    }
}

/// `?weeks=&format=csv` of the dashboard.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DashboardQuery {
    weeks: Option<String>,
    format: Option<String>,
}

/// The numbers of an agency's dashboard now.
pub async fn agency_dashboard(
    st: &AppState,
    scope: &Scope,
    weeks: u32,
) -> Result<Dashboard, ApiError> {
    let rows = all_dossiers(st, scope).await?;
    let deadlines = deadlines_for(st, scope, &rows).await?;
    let now = st.clock.now_ms();
    let today = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now) * 1_000_000)
        .map(dvc_protocol::rules::vietnam_date)
        .unwrap_or(time::Date::MIN);
    let items: Vec<(String, Date, Status)> = rows
        .iter()
        .filter_map(|r| {
            let d = deadlines.get(&r.dossier.uuid)?;
            Some((r.dossier.procedure_code.clone(), d.received, d.status))
        })
        .collect();
    Ok(tally(crate::catalog::bundled(), &items, today, weeks))
}

/// `GET /console/dashboard`.
pub async fn dashboard(
    State(st): State<AppState>,
    officer: Officer,
    q: Result<Query<DashboardQuery>, axum::extract::rejection::QueryRejection>,
) -> ConsoleResult<Response> {
    let q = q.map(|q| q.0).unwrap_or_default();
    let weeks = q
        .weeks
        .and_then(|w| w.parse::<u32>().ok())
        .filter(|w| (1..=52).contains(w))
        .unwrap_or(12);
    let d = agency_dashboard(&st, &officer.scope(), weeks).await?;
    if q.format.as_deref() == Some("csv") {
        let mut res = dashboard_csv(&d).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        let day = d.today.map(|t| t.to_string()).unwrap_or_default();
        if let Ok(v) = HeaderValue::from_str(&format!(
            "attachment; filename=\"tinh-hinh-giai-quyet-{day}.csv\""
        )) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(res);
    }
    let agency_name = st
        .db
        .agency_name(&officer.agency())
        .await
        .map_err(ApiError::from)?
        .unwrap_or_default();
    Ok(page(
        StatusCode::OK,
        pages::layout(
            "Tình hình giải quyết hồ sơ",
            Some((&officer.account, officer.csrf.as_str())),
            dashboard_body(&agency_name, &d, weeks),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn tally_counts_each_dossier_once_by_week_and_procedure() {
        let c = crate::catalog::bundled();
        let today = date!(2026 - 12 - 09); // Wednesday
        let items = vec![
            (
                "1.001456".to_owned(),
                date!(2026 - 12 - 07),
                Status::OnTrack,
            ),
            (
                "1.001456".to_owned(),
                date!(2026 - 12 - 01),
                Status::Overdue,
            ),
            (
                "1.001456".to_owned(),
                date!(2026 - 11 - 30),
                Status::DoneOnTime,
            ),
            (
                "1.004222".to_owned(),
                date!(2026 - 11 - 24),
                Status::DoneLate,
            ),
            (
                "x.unknown".to_owned(),
                date!(2026 - 12 - 08),
                Status::Cancelled,
            ),
            // before the period and after today: not counted
            (
                "1.001456".to_owned(),
                date!(2026 - 11 - 20),
                Status::DoneLate,
            ),
            (
                "1.001456".to_owned(),
                date!(2026 - 12 - 10),
                Status::OnTrack,
            ),
        ];
        let d = tally(c, &items, today, 3);
        assert_eq!(d.from, Some(date!(2026 - 11 - 23)));
        assert_eq!(
            d.total,
            Counts {
                received: 5,
                in_progress: 1,
                on_time: 1,
                late: 2,
                other: 1
            }
        );
        assert_eq!(d.overdue_now, 1);
        let weeks: Vec<(Date, u32)> = d.by_week.iter().map(|(w, c)| (*w, c.received)).collect();
        assert_eq!(
            weeks,
            vec![
                (date!(2026 - 11 - 23), 1),
                (date!(2026 - 11 - 30), 2),
                (date!(2026 - 12 - 07), 2)
            ]
        );
        // By procedure NAME, busiest first; unknown codes stay as codes.
        let passport = c
            .procedure("1.001456")
            .map(|p| p.name.clone())
            .unwrap_or_default();
        assert_eq!(d.by_procedure[0].0, passport);
        assert_eq!(d.by_procedure[0].1.received, 3);
        assert!(d.by_procedure.iter().any(|(n, _)| n == "x.unknown"));
        let csv = dashboard_csv(&d);
        assert!(csv.starts_with(
            "nhom,ten,da_nhan,dang_xu_ly,xong_dung_han,tre_han,khac\ntong,Tất cả,5,1,1,2,1\n"
        ));
        assert!(csv.contains("tuan,Tuần từ 30/11/2026,2,0,1,1,0\n"));
        // The page says the numbers in words next to the chart.
        let html = dashboard_body("UBND xã Thử", &d, 3).into_string();
        assert!(html.contains(
            "Tuần từ 30/11/2026: nhận 2, xong đúng hạn 1, đang xử lý 0, trễ hạn 1, khác 0"
        ));
        assert!(html.contains(r#"data-testid="dash-late">2<"#));
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(week_of(date!(2026 - 12 - 13)), date!(2026 - 12 - 07));
        assert_eq!(week_of(date!(2026 - 12 - 07)), date!(2026 - 12 - 07));
    }
}
