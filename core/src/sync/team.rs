//! "Báo cáo của tổ": a team leader reads the team's report — or a campaign's — from the sync
//! server (`GET /v1/teams`, `GET /v1/reports?team=…|campaign=…`). Counts only: the server adds up
//! what every member's phone sent, so this is the one report the leader's own phone cannot make.
//!
//! Field work happens without signal, so each answer is kept (in `sync_kv`, per question) and
//! shown again, marked with the time it was fetched, when the server cannot be reached. Signing
//! out forgets them (another account must not see this team's numbers).

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::account::{bad, refused_signed, signed_api};
use super::{db, SyncError};
use crate::visits::{period_bounds, Period};
use crate::Core;

/// Prefix of the cached answers in `sync_kv` (cleared on sign-out).
pub(crate) const CACHE_PREFIX: &str = "team_cache:";

/// The furthest back a report may look, in periods.
pub const MAX_BACK: u32 = 24;

/// A team as the phone shows it: whether this account leads it decides whether its report can be
/// read (the server answers a member's request with `404`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TeamChoice {
    pub id: String,
    pub name: String,
    /// The agency (commune) it reports to.
    pub agency_code: String,
    pub members: u32,
    /// This account leads the team.
    pub i_lead: bool,
}

/// A campaign of one of those teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CampaignChoice {
    pub id: String,
    pub team_id: String,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub starts_on: String,
    pub ends_on: String,
}

/// The caller's teams and their campaigns, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Teams {
    pub teams: Vec<TeamChoice>,
    pub campaigns: Vec<CampaignChoice>,
    /// When the server said so, RFC 3339.
    pub fetched_at: String,
    /// The server could not be reached: this is the answer kept from `fetched_at`.
    pub stale: bool,
}

/// Which report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamScope {
    /// A team, for a week or a month.
    Team {
        id: String,
        period: Period,
        back: u32,
    },
    /// A campaign: its own dates are the period.
    Campaign { id: String },
}

/// A team's or a campaign's report and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TeamReport {
    pub report: dvc_protocol::visits::VisitReport,
    /// The week or month asked for (absent for a campaign).
    pub period: Option<Period>,
    /// When the server answered, RFC 3339.
    pub fetched_at: String,
    /// The server could not be reached: this is the answer kept from `fetched_at`.
    pub stale: bool,
}

impl TeamReport {
    /// A file name for the CSV: `bao-cao-to-tuan-YYYY-MM-DD.csv` (the Monday),
    /// `bao-cao-to-thang-YYYY-MM.csv`, or `bao-cao-chien-dich-YYYY-MM-DD.csv` (its first day),
    /// in Vietnam's time.
    pub fn file_name(&self) -> String {
        use dvc_protocol::visits::ReportScope;
        let start = OffsetDateTime::parse(&self.report.from, &Rfc3339)
            .map(|t| dvc_protocol::rules::vietnam_date(t).to_string())
            .unwrap_or_default();
        if start.len() != 10 {
            return "bao-cao-to.csv".into();
        }
        match (self.report.scope, self.period) {
            (ReportScope::Campaign, _) | (_, None) => format!("bao-cao-chien-dich-{start}.csv"),
            (_, Some(Period::Month)) => format!("bao-cao-to-thang-{}.csv", &start[..7]),
            (_, Some(Period::Week)) => format!("bao-cao-to-tuan-{start}.csv"),
        }
    }
}

/// A team or campaign id as the server makes them (UUIDs), or bad input.
fn check_id(field: &str, id: &str) -> Result<String, SyncError> {
    let id = id.trim();
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return Err(bad(
            field,
            "Mã tổ hoặc chiến dịch không đúng",
            "not a team or campaign id from `dvc team list`",
            "team.error.id",
        ));
    }
    Ok(id.to_ascii_lowercase())
}

/// The moment whose period is `back` periods before the one containing `now`: the last
/// millisecond of that period (the server's report ends just after it).
pub fn period_moment(period: Period, back: u32, now: OffsetDateTime) -> OffsetDateTime {
    let mut at = now;
    for _ in 0..back {
        let (from, _) = period_bounds(period, at);
        at = from - Duration::milliseconds(1);
    }
    at
}

impl TeamScope {
    /// Checks the ids and the distance back; answers the query string for `GET /v1/reports`.
    fn query(&self, now: OffsetDateTime) -> Result<String, SyncError> {
        Ok(match self {
            TeamScope::Team { id, period, back } => {
                let id = check_id("team", id)?;
                if *back > MAX_BACK {
                    return Err(bad(
                        "back",
                        "Chỉ xem được tối đa 24 kỳ trước",
                        "at most 24 periods back",
                        "team.error.back",
                    ));
                }
                let mut q = format!("team={id}&period={}", period.as_str());
                if *back > 0 {
                    let at = period_moment(*period, *back, now)
                        .format(&Rfc3339)
                        .map_err(|_| {
                            bad(
                                "back",
                                "Chỉ xem được tối đa 24 kỳ trước",
                                "no such period",
                                "team.error.back",
                            )
                        })?;
                    q.push_str("&at=");
                    q.push_str(&at.replace('+', "%2B").replace(':', "%3A"));
                }
                q
            }
            TeamScope::Campaign { id } => format!("campaign={}", check_id("campaign", id)?),
        })
    }

    /// The cache key of this question: the same team and period asked again the same way.
    fn cache_key(&self) -> String {
        let norm = |id: &str| id.trim().to_ascii_lowercase();
        match self {
            TeamScope::Team { id, period, back } => format!(
                "{CACHE_PREFIX}report:team:{}:{}:{back}",
                norm(id),
                period.as_str()
            ),
            TeamScope::Campaign { id } => format!("{CACHE_PREFIX}report:campaign:{}", norm(id)),
        }
    }
}

fn now_rfc3339() -> String {
    crate::dossier::now()
}

/// Whether this failure means "no connection" (show the kept answer) rather than a refusal.
fn offline(e: &SyncError) -> bool {
    matches!(e, SyncError::Network(_))
}

impl Core {
    /// `dvc team list`: the teams this account belongs to (or leads) and their campaigns.
    pub async fn team_list(&self) -> Result<Teams, SyncError> {
        let key = format!("{CACHE_PREFIX}teams");
        let me = db::current_account(self.store())?;
        let fetched = match signed_api(self)?.teams().await.map_err(refused_signed) {
            Ok(list) => list,
            Err(e) if offline(&e) => return self.kept::<Teams>(&key, e),
            Err(e) => return Err(e),
        };
        let teams = Teams {
            teams: fetched
                .teams
                .iter()
                .map(|t| TeamChoice {
                    id: t.id.clone(),
                    name: t.name.clone(),
                    agency_code: t.agency_code.clone(),
                    members: u32::try_from(t.members.len()).unwrap_or(u32::MAX),
                    i_lead: t
                        .members
                        .iter()
                        .any(|m| m.leader && Some(&m.account_id) == me.as_ref()),
                })
                .collect(),
            campaigns: fetched
                .campaigns
                .iter()
                .map(|c| CampaignChoice {
                    id: c.id.clone(),
                    team_id: c.team_id.clone(),
                    name: c.name.clone(),
                    starts_on: c.starts_on.clone(),
                    ends_on: c.ends_on.clone(),
                })
                .collect(),
            fetched_at: now_rfc3339(),
            stale: false,
        };
        self.keep(&key, &teams);
        Ok(teams)
    }

    /// `dvc report --team|--campaign`: the report the server adds up for a team the caller
    /// leads; with no connection, the one kept from the last time the same was asked.
    pub async fn team_report(&self, scope: &TeamScope) -> Result<TeamReport, SyncError> {
        self.team_report_at(scope, OffsetDateTime::now_utc()).await
    }

    /// [`Core::team_report`] as if it were `now` (for the distance back).
    pub async fn team_report_at(
        &self,
        scope: &TeamScope,
        now: OffsetDateTime,
    ) -> Result<TeamReport, SyncError> {
        let query = scope.query(now)?;
        let key = scope.cache_key();
        let report = match signed_api(self)?
            .report(&query)
            .await
            .map_err(refused_signed)
        {
            Ok(r) => r,
            Err(e) if offline(&e) => return self.kept::<TeamReport>(&key, e),
            Err(SyncError::Refused { code, .. }) if code.starts_with("404") => {
                return Err(bad(
                    "team",
                    "Chỉ tổ trưởng xem được báo cáo của tổ",
                    "only the team's leader can read its report",
                    "team.error.not_leader",
                ))
            }
            Err(e) => return Err(e),
        };
        let out = TeamReport {
            report,
            period: match scope {
                TeamScope::Team { period, .. } => Some(*period),
                TeamScope::Campaign { .. } => None,
            },
            fetched_at: now_rfc3339(),
            stale: false,
        };
        self.keep(&key, &out);
        Ok(out)
    }

    /// Keeps an answer for the next time there is no connection (a failure to keep it is logged:
    /// the answer itself is still good).
    fn keep<T: Serialize>(&self, key: &str, value: &T) {
        let kept = serde_json::to_string(value)
            .map_err(|e| e.to_string())
            .and_then(|json| db::set(self.store(), key, &json).map_err(|e| e.to_string()));
        if let Err(e) = kept {
            tracing::warn!(error = %e, "cannot keep the team report for offline use");
        }
    }

    /// The answer kept under `key`, marked stale, or the network error `e` if there is none.
    fn kept<T>(&self, key: &str, e: SyncError) -> Result<T, SyncError>
    where
        T: serde::de::DeserializeOwned + Stale,
    {
        match db::get(self.store(), key)?.and_then(|j| serde_json::from_str::<T>(&j).ok()) {
            Some(mut v) => {
                tracing::info!("server unreachable: showing the team report kept earlier");
                v.mark_stale();
                Ok(v)
            }
            None => Err(e),
        }
    }
}

/// An answer that can be shown again from the cache.
pub trait Stale {
    fn mark_stale(&mut self);
}

impl Stale for Teams {
    fn mark_stale(&mut self) {
        self.stale = true;
    }
}

impl Stale for TeamReport {
    fn mark_stale(&mut self) {
        self.stale = true;
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn ids_are_checked_before_anything_is_asked() {
        for bad_id in [
            "",
            "   ",
            "x".repeat(65).as_str(),
            "abc&team=other",
            "../x",
            "zz",
        ] {
            let s = TeamScope::Team {
                id: bad_id.into(),
                period: Period::Week,
                back: 0,
            };
            assert!(s.query(OffsetDateTime::now_utc()).is_err(), "{bad_id:?}");
        }
        let s = TeamScope::Campaign {
            id: "0193-ABCD".into(),
        };
        assert_eq!(
            s.query(OffsetDateTime::now_utc()).unwrap(),
            "campaign=0193-abcd"
        );
    }

    #[test]
    fn back_is_bounded_and_lands_in_the_earlier_period() {
        let now = datetime!(2026-12-10 03:00 UTC); // Thursday in Vietnam
        let q = |back| {
            TeamScope::Team {
                id: "0193".into(),
                period: Period::Week,
                back,
            }
            .query(now)
        };
        assert_eq!(q(0).unwrap(), "team=0193&period=week");
        assert!(q(MAX_BACK + 1).is_err());
        // One week back: the last millisecond of Sunday 6 December in Vietnam.
        assert_eq!(
            period_moment(Period::Week, 1, now),
            datetime!(2026-12-06 16:59:59.999 UTC)
        );
        assert_eq!(
            q(1).unwrap(),
            "team=0193&period=week&at=2026-12-06T16%3A59%3A59.999Z"
        );
        // Two months back from 10 December: the end of October in Vietnam.
        assert_eq!(
            period_moment(Period::Month, 2, now),
            datetime!(2026-10-31 16:59:59.999 UTC)
        );
        assert_eq!(period_moment(Period::Month, 0, now), now);
    }

    #[test]
    fn csv_files_are_named_for_what_they_hold() {
        let report = |scope, from: &str| dvc_protocol::visits::VisitReport {
            scope,
            scope_id: None,
            scope_name: None,
            from: from.into(),
            to: "2026-12-10T05:00:00Z".into(),
            visits: 0,
            households_visited: 0,
            people_helped: 0,
            tasks: Default::default(),
            accounts_created: 0,
            dossiers_filed: 0,
            dossiers_by_procedure: Default::default(),
            dossiers_by_state: Default::default(),
            follow_ups_open: 0,
            volunteers: vec![],
            targets: None,
        };
        use dvc_protocol::visits::ReportScope::{Campaign, Team};
        let named = |scope, from, period| {
            TeamReport {
                report: report(scope, from),
                period,
                fetched_at: String::new(),
                stale: false,
            }
            .file_name()
        };
        // Monday 7 December 00:00 in Vietnam is 6 December 17:00 UTC.
        assert_eq!(
            named(Team, "2026-12-06T17:00:00Z", Some(Period::Week)),
            "bao-cao-to-tuan-2026-12-07.csv"
        );
        assert_eq!(
            named(Team, "2026-11-30T17:00:00Z", Some(Period::Month)),
            "bao-cao-to-thang-2026-12.csv"
        );
        assert_eq!(
            named(Campaign, "2026-11-30T17:00:00Z", None),
            "bao-cao-chien-dich-2026-12-01.csv"
        );
        assert_eq!(named(Team, "not a time", None), "bao-cao-to.csv");
    }

    #[test]
    fn each_question_has_its_own_cache_key() {
        let a = TeamScope::Team {
            id: "1".into(),
            period: Period::Week,
            back: 0,
        };
        let b = TeamScope::Team {
            id: "1".into(),
            period: Period::Month,
            back: 0,
        };
        let c = TeamScope::Team {
            id: "1".into(),
            period: Period::Week,
            back: 1,
        };
        let d = TeamScope::Campaign { id: "1".into() };
        let keys = [&a, &b, &c, &d].map(|s| s.cache_key());
        for (i, k) in keys.iter().enumerate() {
            assert!(k.starts_with(CACHE_PREFIX));
            assert_eq!(keys.iter().filter(|o| *o == k).count(), 1, "{i}");
        }
    }
}
