//! Retention on a volunteer's phone (issue 19): a citizen's profile, papers and dossiers leave the
//! phone a set number of days (setting `retention_days`: 7, 30 or 90; default 30) after that
//! citizen's last dossier ended — completed, rejected or cancelled at the agency. Applied when the
//! app starts and by `dvc retention apply`.
//!
//! With a citizen go their papers, dossiers, memberships and the households they leave empty.
//!
//! Who counts as "a citizen" here: a person the volunteer filed for on the citizen's behalf or on
//! a paper consent (a `dossier_filing` row), or who gave a consent. The volunteer's own profile and
//! family (filed under the volunteer's own name) are never touched. A person with any dossier not
//! yet ended, a draft, or anything still waiting to be sent stays.

use rusqlite::params;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::{CoreError, Result};
use crate::Core;

/// What a retention pass removed (counts only: never a name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RetentionReport {
    /// Whether the pass ran (only a volunteer's phone keeps other people's data to clear).
    pub applied: bool,
    pub retention_days: u32,
    pub people_deleted: usize,
    pub dossiers_deleted: usize,
    pub documents_deleted: usize,
}

impl Core {
    /// Deletes the citizens whose last dossier ended more than `retention_days` before `now`
    /// (see the module). Only on a volunteer's phone; elsewhere `applied: false`, nothing changes.
    pub fn apply_retention_at(&self, now: OffsetDateTime) -> Result<RetentionReport> {
        let days = crate::settings::load(self.store())?.retention_days;
        let mut report = RetentionReport {
            retention_days: days,
            ..RetentionReport::default()
        };
        let role = crate::sync::db::get(self.store(), crate::sync::db::KEY_ROLE)?;
        if role.as_deref() != Some("volunteer") {
            return Ok(report);
        }
        report.applied = true;
        let cutoff = (now - time::Duration::days(i64::from(days)))
            .format(&Rfc3339)
            .map_err(|e| CoreError::invalid("now", format!("format: {e}"), "errors.internal"))?;
        let due = self.store().read(|c| -> Result<Vec<String>> {
            let mut st = c.prepare(
                "SELECT p.id FROM people p
                 WHERE (EXISTS (SELECT 1 FROM dossier_filing f JOIN dossiers d ON d.id = f.dossier_id
                                WHERE d.applicant_id = p.id)
                        OR EXISTS (SELECT 1 FROM consents c WHERE c.person_id = p.id))
                   AND EXISTS (SELECT 1 FROM dossiers d WHERE d.applicant_id = p.id)
                   AND NOT EXISTS (
                     SELECT 1 FROM dossiers d LEFT JOIN dossier_remote r ON r.dossier_id = d.id
                     WHERE d.applicant_id = p.id
                       AND (r.dossier_id IS NULL
                            OR r.state NOT IN ('completed', 'rejected', 'cancelled')
                            OR r.updated_at > ?1))
                   AND NOT EXISTS (
                     SELECT 1 FROM outbox o JOIN dossiers d ON d.id = o.dossier_id
                     WHERE d.applicant_id = p.id AND o.state = 'pending')
                   AND NOT EXISTS (
                     SELECT 1 FROM dossier_actions a JOIN dossiers d ON d.id = a.dossier_id
                     WHERE d.applicant_id = p.id AND a.state = 'pending')",
            )?;
            let rows = st.query_map(params![cutoff], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })?;
        for id in due {
            let r = self.delete_person_with(&id, true)?;
            report.people_deleted += 1;
            report.dossiers_deleted += r.dossiers_deleted;
            report.documents_deleted += r.documents_deleted;
        }
        if report.people_deleted > 0 {
            tracing::info!(
                people = report.people_deleted,
                dossiers = report.dossiers_deleted,
                documents = report.documents_deleted,
                days,
                "retention applied"
            );
        }
        Ok(report)
    }

    /// [`Core::apply_retention_at`] now.
    pub fn apply_retention(&self) -> Result<RetentionReport> {
        self.apply_retention_at(OffsetDateTime::now_utc())
    }
}
