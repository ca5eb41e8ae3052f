//! "Giấy tờ cơ quan lưu": papers an officer scanned into a dossier's record at the agency
//! (protocol 1.4 `paper_kept` events, migration 0015). The phone keeps what the event says (kind,
//! pages, date, the scan's hash); the scan itself stays on the server.

use rusqlite::{params, Connection, Transaction};
use serde::Serialize;

use dvc_protocol::events::{Event, EventKind};

use super::SyncError;
use crate::error::Result;
use crate::Core;

/// One paper the agency keeps for a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AgencyPaper {
    /// Document kind (`dvc_protocol::events::PAPER_KINDS`; the UI shows an unknown one as "other").
    pub kind: String,
    /// Pages the officer counted.
    pub pages: u32,
    /// SHA-256 of the scan on the server.
    pub sha256: String,
    /// `application/pdf`, `image/jpeg` or `image/png`.
    pub content_type: String,
    /// Bytes.
    pub size: u32,
    /// When the officer stored it (RFC 3339 UTC).
    pub added_at: String,
}

/// Stores a `paper_kept` event of a dossier this device holds; `false` if it was stored before
/// (the same event cursor) or the event is of another kind.
pub(crate) fn keep(tx: &Transaction<'_>, dossier_id: &str, e: &Event) -> Result<bool> {
    let EventKind::PaperKept {
        kind,
        pages,
        sha256,
        content_type,
        size,
    } = &e.event
    else {
        return Ok(false);
    };
    let size = i64::try_from(*size).unwrap_or(i64::MAX);
    let n = tx.execute(
        "INSERT OR IGNORE INTO dossier_agency_papers
            (dossier_id, cursor, kind, pages, sha256, content_type, size, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            dossier_id,
            e.cursor,
            kind,
            pages,
            sha256,
            content_type,
            size,
            e.at
        ],
    )?;
    Ok(n > 0)
}

/// A dossier's papers kept by the agency, oldest first.
pub fn agency_papers(c: &Connection, dossier_id: &str) -> Result<Vec<AgencyPaper>> {
    let mut st = c.prepare(
        "SELECT kind, pages, sha256, content_type, size, added_at FROM dossier_agency_papers
         WHERE dossier_id = ?1 ORDER BY added_at, CAST(cursor AS INTEGER)",
    )?;
    let rows = st.query_map([dossier_id], |r| {
        Ok(AgencyPaper {
            kind: r.get(0)?,
            pages: r.get(1)?,
            sha256: r.get(2)?,
            content_type: r.get(3)?,
            size: u32::try_from(r.get::<_, i64>(4)?).unwrap_or(u32::MAX),
            added_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

impl Core {
    /// See [`agency_papers`].
    pub fn dossier_agency_papers(
        &self,
        id: &str,
    ) -> std::result::Result<Vec<AgencyPaper>, SyncError> {
        Ok(self.store().read(|c| agency_papers(c, id))?)
    }
}
