//! "Đã kiểm tra danh tính": checking that the applicant is who the dossier says, as a recorded
//! step (who, when, how, what was found).
//!
//! The national population database (Cơ sở dữ liệu quốc gia về dân cư) is out of this server's
//! reach, so the check is behind the [`IdentityCheck`] trait. The one implementation here,
//! [`ManualIdentityCheck`], records what the officer found when comparing the papers (the ID card
//! photographed in the dossier, or the original shown at the counter) with the form: the officer
//! decides, the server keeps the record. An integration with the population database would be a
//! second implementation (see the server README, "Identity checks") that answers from the
//! database instead of from the officer; the console, the storage and the dossier page stay as
//! they are.

use async_trait::async_trait;
use dvc_protocol::dossiers::DossierManifest;

use crate::db::Dossier;

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The person matches the papers and the form.
    Confirmed,
    /// Something does not match (the dossier may not be accepted while this is the latest
    /// finding).
    Mismatch,
}

impl Outcome {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Confirmed => "confirmed",
            Outcome::Mismatch => "mismatch",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "confirmed" => Some(Outcome::Confirmed),
            "mismatch" => Some(Outcome::Mismatch),
            _ => None,
        }
    }
}

/// What the officer says, for a check that asks the officer (the console's form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerFinding {
    /// Their finding.
    pub outcome: Option<Outcome>,
    /// What they compared ("CCCD bản gốc tại quầy", …), at most [`MAX_DETAIL_CHARS`].
    pub papers_seen: String,
}

/// The longest description of what was compared.
pub const MAX_DETAIL_CHARS: usize = 300;

/// The record of one check, stored with the officer and the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// How it was checked ([`IdentityCheck::method`]).
    pub method: String,
    /// What was found.
    pub outcome: Outcome,
    /// What was compared, or the integration's reference.
    pub detail: String,
}

/// Why a check gave no verdict.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The officer's answer is missing or not usable (field named).
    #[error("identity check: {0} missing or invalid")]
    Input(&'static str),
    /// The checking service did not answer (a real integration's network failure).
    #[error("identity check service unavailable: {0}")]
    Unavailable(String),
}

/// A way to check an applicant's identity for a dossier.
#[async_trait]
pub trait IdentityCheck: Send + Sync {
    /// The stored name of the method (`manual`, `population_db`, …).
    fn method(&self) -> &'static str;
    /// The Vietnamese name shown on the dossier page.
    fn label(&self) -> &'static str;
    /// Checks the applicant of `dossier` (whose manifest is `manifest`); `officer` is what the
    /// officer entered on the console's form.
    async fn check(
        &self,
        dossier: &Dossier,
        manifest: &DossierManifest,
        officer: &OfficerFinding,
    ) -> Result<Verdict, IdentityError>;
}

/// The officer compares the papers and says what they found; nothing else is consulted.
#[derive(Debug, Clone, Copy, Default)]
pub struct ManualIdentityCheck;

#[async_trait]
impl IdentityCheck for ManualIdentityCheck {
    fn method(&self) -> &'static str {
        "manual"
    }

    fn label(&self) -> &'static str {
        "Cán bộ đối chiếu giấy tờ"
    }

    async fn check(
        &self,
        _dossier: &Dossier,
        _manifest: &DossierManifest,
        officer: &OfficerFinding,
    ) -> Result<Verdict, IdentityError> {
        let outcome = officer.outcome.ok_or(IdentityError::Input("outcome"))?;
        let detail = officer.papers_seen.trim();
        if detail.is_empty()
            || detail.chars().count() > MAX_DETAIL_CHARS
            || detail.chars().any(char::is_control)
        {
            return Err(IdentityError::Input("papers_seen"));
        }
        Ok(Verdict {
            method: self.method().to_owned(),
            outcome,
            detail: detail.to_owned(),
        })
    }
}

/// The Vietnamese name of a stored method.
pub fn method_label(method: &str) -> &str {
    match method {
        "manual" => "Cán bộ đối chiếu giấy tờ",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn dossier() -> Dossier {
        Dossier {
            uuid: "d".into(),
            code: "A.1-260101-0001".into(),
            agency_code: "A.1".into(),
            procedure_code: "1.001456".into(),
            submitter_id: "c".into(),
            citizen_id: None,
            state: dvc_protocol::dossiers::DossierState::Received,
            content_hash: String::new(),
            manifest: String::new(),
            received_at: 0,
            updated_at: 0,
            received_seq: 1,
            revision: 1,
            consent_id: None,
        }
    }

    fn manifest() -> DossierManifest {
        serde_json::from_value(serde_json::json!({
            "procedure_code": "1.001456", "agency_code": "A.1", "form": {},
            "attachments": [], "delivery": {"method": "online"}
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn the_manual_check_records_what_the_officer_found() {
        let c = ManualIdentityCheck;
        let v = c
            .check(
                &dossier(),
                &manifest(),
                &OfficerFinding {
                    outcome: Some(Outcome::Mismatch),
                    papers_seen: "  CCCD bản gốc  ".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(v.method, "manual");
        assert_eq!(v.outcome, Outcome::Mismatch);
        assert_eq!(v.detail, "CCCD bản gốc");
        for (outcome, seen, field) in [
            (None, "CCCD", "outcome"),
            (Some(Outcome::Confirmed), "   ", "papers_seen"),
            (Some(Outcome::Confirmed), "a\u{0}b", "papers_seen"),
            (Some(Outcome::Confirmed), &"x".repeat(301), "papers_seen"),
        ] {
            let e = c
                .check(
                    &dossier(),
                    &manifest(),
                    &OfficerFinding {
                        outcome,
                        papers_seen: seen.into(),
                    },
                )
                .await
                .unwrap_err();
            assert_eq!(e, IdentityError::Input(field));
        }
        assert_eq!(Outcome::parse("confirmed"), Some(Outcome::Confirmed));
        assert_eq!(
            Outcome::parse(Outcome::Mismatch.as_str()),
            Some(Outcome::Mismatch)
        );
        assert_eq!(Outcome::parse("maybe"), None);
    }
}
