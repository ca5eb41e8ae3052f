//! Volunteer field work on the wire (issue 19): a visit to a household as the phone sends it once
//! it has ended, teams and campaigns, and the report that adds them up. The six tasks and the
//! report periods are defined here once, for the phone and the server alike.
//!
//! A visit carries no personal data: the household and the people met are the phone's random ids,
//! the commune is a place name, and tasks are names from [`Task`]. Outcomes and notes stay on the
//! phone. Reports are counts only.
//!
//! `PUT /v1/visits/{visit_id}` is idempotent on the visit id: the same body again changes nothing
//! (`unchanged`); a newer body of the same visit (a task ticked after the end) replaces the old one
//! (`updated`). Sending the newest body until it is acknowledged is therefore exactly-once in
//! effect.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::rules::VIETNAM_OFFSET;

/// The six tasks of a visit, as the community tech teams' guidance lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Hướng dẫn dịch vụ công trực tuyến.
    PublicServices,
    /// Cài đặt, sử dụng VNeID.
    Vneid,
    /// Tạo tài khoản (dịch vụ công, ngân hàng…).
    Accounts,
    /// Thanh toán không dùng tiền mặt.
    Cashless,
    /// Thương mại điện tử.
    Ecommerce,
    /// An toàn trên mạng.
    OnlineSafety,
}

impl Task {
    /// Every task, in the guidance's order.
    pub const ALL: [Task; 6] = [
        Task::PublicServices,
        Task::Vneid,
        Task::Accounts,
        Task::Cashless,
        Task::Ecommerce,
        Task::OnlineSafety,
    ];

    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Task::PublicServices => "public_services",
            Task::Vneid => "vneid",
            Task::Accounts => "accounts",
            Task::Cashless => "cashless",
            Task::Ecommerce => "ecommerce",
            Task::OnlineSafety => "online_safety",
        }
    }

    /// The task of a name (surrounding spaces ignored), if it is one of the six.
    pub fn from_name(s: &str) -> Option<Task> {
        let s = s.trim();
        Task::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A report's period: the calendar week (from Monday) or month (from the 1st), in Vietnam's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// From Monday 00:00 in Vietnam.
    Week,
    /// From the 1st, 00:00 in Vietnam.
    Month,
}

impl Period {
    /// `week` or `month` (surrounding spaces ignored).
    pub fn from_name(s: &str) -> Option<Period> {
        match s.trim() {
            "week" => Some(Period::Week),
            "month" => Some(Period::Month),
            _ => None,
        }
    }

    /// The stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// The first day of the period holding `day`.
    pub fn first_day(self, day: Date) -> Date {
        match self {
            Period::Week => {
                day - time::Duration::days(i64::from(day.weekday().number_days_from_monday()))
            }
            Period::Month => day.replace_day(1).unwrap_or(day),
        }
    }
}

/// The period holding `now`, so far: `[start, now + 1 ns)`, with start at 00:00 in Vietnam on
/// Monday or on the 1st, in UTC.
pub fn period_bounds(period: Period, now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
    let first = period.first_day(now.to_offset(VIETNAM_OFFSET).date());
    (
        day_start(first),
        now.to_offset(UtcOffset::UTC) + time::Duration::nanoseconds(1),
    )
}

/// 00:00 in Vietnam on `day`, in UTC.
pub fn day_start(day: Date) -> OffsetDateTime {
    day.midnight()
        .assume_offset(VIETNAM_OFFSET)
        .to_offset(UtcOffset::UTC)
}

/// Longest commune name a visit may carry.
pub const MAX_COMMUNE_CHARS: usize = 100;
/// Most task rows one visit may carry (six tasks for a large household and then some).
pub const MAX_VISIT_TASKS: usize = 300;

/// One task done during a visit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisitTaskItem {
    /// Which of the six.
    pub task: Task,
    /// The phone's id of the person helped (a UUID); absent for the household as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
}

/// `PUT /v1/visits/{visit_id}`: an ended visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisitUpload {
    /// The phone's id of the household (a UUID).
    pub household_id: String,
    /// The place, as the commune's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339, not before `started_at`.
    pub ended_at: String,
    /// `YYYY-MM-DD`: when to come back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up_on: Option<String>,
    /// Tasks done, each (task, person) once.
    #[serde(default)]
    pub tasks: Vec<VisitTaskItem>,
}

/// What the server did with a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VisitSaved {
    /// First time.
    Created,
    /// The same body as before: nothing changed.
    Unchanged,
    /// A newer body replaced the one the server had.
    Updated,
}

/// The answer to `PUT /v1/visits/{visit_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitReceipt {
    /// The visit id.
    pub visit_id: String,
    /// What happened.
    pub saved: VisitSaved,
}

/// `POST /v1/admin/teams`: a community tech team of a commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTeamRequest {
    /// "Tổ công nghệ số cộng đồng thôn 3".
    pub name: String,
    /// The agency (commune People's Committee) the team reports to; its officers read the team's
    /// reports in the console.
    pub agency_code: String,
    /// The leader's login (a volunteer's phone number); the leader is also a member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader_login: Option<String>,
}

/// `POST /v1/admin/teams/{team_id}/members`: a volunteer joins (and leaves any other team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TeamMemberRequest {
    /// The volunteer's login (phone number).
    pub login: String,
}

/// A team member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamMember {
    /// Account id.
    pub account_id: String,
    /// Display name, if the volunteer gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether this member leads the team.
    pub leader: bool,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Team {
    /// UUIDv7.
    pub id: String,
    /// Name.
    pub name: String,
    /// The agency it reports to.
    pub agency_code: String,
    /// Members, the leader first.
    pub members: Vec<TeamMember>,
}

/// `GET /v1/teams`: the teams the caller may read reports of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamList {
    /// Teams, by name.
    pub teams: Vec<Team>,
    /// Campaigns of those teams, newest first.
    pub campaigns: Vec<Campaign>,
}

/// Targets of a campaign (absent: none set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Households to visit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub households: Option<u32>,
    /// Dossiers filed online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dossiers: Option<u32>,
    /// Accounts created (e.g. VNeID level 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<u32>,
}

/// `POST /v1/admin/campaigns`: a door-to-door campaign of a team, with dates and targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCampaignRequest {
    /// The team.
    pub team_id: String,
    /// "Đi từng ngõ, gõ từng nhà — tháng 12".
    pub name: String,
    /// `YYYY-MM-DD`, first day (Vietnam).
    pub starts_on: String,
    /// `YYYY-MM-DD`, last day (Vietnam), not before `starts_on`.
    pub ends_on: String,
    /// Targets.
    #[serde(default)]
    pub targets: Targets,
}

/// A campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    /// UUIDv7.
    pub id: String,
    /// The team.
    pub team_id: String,
    /// Name.
    pub name: String,
    /// `YYYY-MM-DD`.
    pub starts_on: String,
    /// `YYYY-MM-DD`.
    pub ends_on: String,
    /// Targets.
    pub targets: Targets,
}

/// What a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportScope {
    /// The caller's own work.
    Volunteer,
    /// A team's members.
    Team,
    /// A team's members during a campaign's dates.
    Campaign,
}

/// One volunteer's line in a team report (counts only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VolunteerLine {
    /// Account id.
    pub account_id: String,
    /// Display name, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Visits.
    pub visits: u32,
    /// Different households visited.
    pub households_visited: u32,
    /// Dossiers filed.
    pub dossiers_filed: u32,
    /// Accounts created.
    pub accounts_created: u32,
}

/// `GET /v1/reports`: counts of visits, tasks and dossiers — no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitReport {
    /// What it covers.
    pub scope: ReportScope,
    /// The team or campaign id (absent for the caller's own report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_id: Option<String>,
    /// The team's or campaign's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_name: Option<String>,
    /// Start (inclusive), RFC 3339 UTC.
    pub from: String,
    /// End (exclusive), RFC 3339 UTC.
    pub to: String,
    /// Visits started in the period.
    pub visits: u32,
    /// Different households visited.
    pub households_visited: u32,
    /// Different people a task was done for.
    pub people_helped: u32,
    /// Times each task was done (all six present).
    pub tasks: BTreeMap<String, u32>,
    /// The `accounts` task's count.
    pub accounts_created: u32,
    /// Dossiers the agencies received in the period from the volunteers in scope.
    pub dossiers_filed: u32,
    /// By procedure code.
    pub dossiers_by_procedure: BTreeMap<String, u32>,
    /// By their state now.
    pub dossiers_by_state: BTreeMap<String, u32>,
    /// Visits in the period with a follow-up date and no later visit to that household.
    pub follow_ups_open: u32,
    /// Per volunteer (team and campaign reports), by visits then id.
    #[serde(default)]
    pub volunteers: Vec<VolunteerLine>,
    /// The campaign's targets (campaign reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Targets>,
}

impl VisitReport {
    /// The report as CSV: `metric,key,value`, one line per number (the phone's report has the
    /// same columns). Keys are neutralised so a spreadsheet never runs one as a formula.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("metric,key,value\n");
        let mut line = |m: &str, k: &str, v: u32| {
            out.push_str(&format!("{m},{},{v}\n", csv_field(k)));
        };
        line("visits", "", self.visits);
        line("households_visited", "", self.households_visited);
        line("people_helped", "", self.people_helped);
        for (k, v) in &self.tasks {
            line("task", k, *v);
        }
        line("accounts_created", "", self.accounts_created);
        line("dossiers_filed", "", self.dossiers_filed);
        for (k, v) in &self.dossiers_by_procedure {
            line("dossiers_by_procedure", k, *v);
        }
        for (k, v) in &self.dossiers_by_state {
            line("dossiers_by_state", k, *v);
        }
        line("follow_ups_open", "", self.follow_ups_open);
        for v in &self.volunteers {
            line("volunteer_visits", &v.account_id, v.visits);
            line("volunteer_households", &v.account_id, v.households_visited);
            line("volunteer_dossiers", &v.account_id, v.dossiers_filed);
        }
        if let Some(t) = &self.targets {
            for (k, v) in [
                ("households", t.households),
                ("dossiers", t.dossiers),
                ("accounts", t.accounts),
            ] {
                if let Some(v) = v {
                    line("target", k, v);
                }
            }
        }
        out
    }
}

/// A CSV field, quoted when it needs it; a leading `=`, `+`, `-` or `@` is neutralised so a
/// spreadsheet never runs it as a formula.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first_in_vietnam_time() {
        // Sunday 2026-12-06 20:00 UTC is Monday 03:00 in Vietnam: a new week there.
        let now = datetime!(2026-12-06 20:00 UTC);
        let (from, to) = period_bounds(Period::Week, now);
        assert_eq!(from, datetime!(2026-12-06 17:00 UTC));
        assert!(to > now);
        let (from, _) = period_bounds(Period::Week, datetime!(2026-12-06 16:59 UTC));
        assert_eq!(from, datetime!(2026-11-29 17:00 UTC));
        // 30 Nov 18:00 UTC is 1 Dec 01:00 in Vietnam: December's report.
        let (from, _) = period_bounds(Period::Month, datetime!(2026-11-30 18:00 UTC));
        assert_eq!(from, datetime!(2026-11-30 17:00 UTC));
        let (from, _) = period_bounds(Period::Month, datetime!(2026-11-30 16:00 UTC));
        assert_eq!(from, datetime!(2026-10-31 17:00 UTC));
    }

    #[test]
    fn tasks_and_periods_read_only_their_names() {
        for t in Task::ALL {
            assert_eq!(Task::from_name(t.as_str()), Some(t));
            let json = serde_json::to_string(&t).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert_eq!(Task::from_name(" vneid "), Some(Task::Vneid));
        assert_eq!(Task::from_name("vneid2"), None);
        assert_eq!(Task::from_name(""), None);
        assert_eq!(Period::from_name("week"), Some(Period::Week));
        assert_eq!(Period::from_name("year"), None);
    }

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("passport-domestic"), "passport-domestic");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn a_visit_body_refuses_fields_it_does_not_know() {
        let ok =
            r#"{"household_id":"h","started_at":"a","ended_at":"b","tasks":[{"task":"vneid"}]}"#;
        let v: VisitUpload = serde_json::from_str(ok).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.tasks[0].task, Task::Vneid);
        let extra = r#"{"household_id":"h","started_at":"a","ended_at":"b","notes":"x"}"#;
        assert!(serde_json::from_str::<VisitUpload>(extra).is_err());
        let bad_task =
            r#"{"household_id":"h","started_at":"a","ended_at":"b","tasks":[{"task":"x"}]}"#;
        assert!(serde_json::from_str::<VisitUpload>(bad_task).is_err());
    }
}
