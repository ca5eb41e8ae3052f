//! Rows into the storage structs, by column name (the statements in [`super::sql`] name their
//! columns to match).

use dvc_protocol::auth::ConsentMethod;
use dvc_protocol::events::BankAccount;

use super::dialect::Row;
use super::{
    parse_channel, parse_kind, parse_list, parse_outbox_status, parse_purpose, parse_role,
    parse_state, Account, AccountAuditRow, AuditRow, Blob, Consent, ConsentRequestRow, Contact,
    DbError, DbResult, Dossier, DossierListRow, EventRow, Identity, OtpRow, OutboxJob, OutboxRow,
    RatingRow, Registration, RevisionRow, Token, Upload,
};
use super::{CampaignRow, TeamMemberRow, TeamRow, VisitRow, VisitTaskRow};

impl Account {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<Account> {
        Ok(Account {
            id: r.text("id")?,
            login: r.text("login")?,
            role: parse_role(&r.text("role")?)?,
            agency_code: r.opt_text("agency_code")?,
            display_name: r.opt_text("display_name")?,
            password_hash: r.text("password_hash")?,
            disabled: r.flag("disabled")?,
        })
    }
}

impl Registration {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<Registration> {
        Ok(Registration {
            id: r.text("id")?,
            login: r.text("login")?,
            role: parse_role(&r.text("role")?)?,
            display_name: r.opt_text("display_name")?,
            password_hash: r.text("password_hash")?,
            otp_hash: r.text("otp_hash")?,
            attempts: r.int("attempts")?,
            expires_at: r.int("expires_at")?,
            created_at: r.int("created_at")?,
        })
    }
}

impl Token {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<Token> {
        Ok(Token {
            id: r.text("token_id")?,
            account_id: r.text("account_id")?,
            token_hash: r.text("token_hash")?,
            kind: parse_kind(&r.text("kind")?)?,
            device_name: r.opt_text("device_name")?,
            csrf_hash: r.opt_text("csrf_hash")?,
            created_at: r.int("created_at")?,
            expires_at: r.int("expires_at")?,
            last_seen_at: r.opt_int("last_seen_at")?,
            revoked_at: r.opt_int("revoked_at")?,
        })
    }
}

impl OtpRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<OtpRow> {
        Ok(OtpRow {
            id: r.text("id")?,
            phone: r.text("phone")?,
            purpose: parse_purpose(&r.text("purpose")?)?,
            code_hash: r.text("code_hash")?,
            attempts: r.int("attempts")?,
            sends: r.int("sends")?,
            account_id: r.opt_text("account_id")?,
            payload: r.opt_text("payload")?,
            expires_at: r.int("expires_at")?,
            resend_at: r.int("resend_at")?,
            created_at: r.int("created_at")?,
        })
    }
}

impl Identity {
    /// `None` unless all three parts are stored.
    pub(crate) fn from_row(r: &mut Row) -> DbResult<Option<Identity>> {
        let (name, id, birth) = (
            r.opt_text("full_name")?,
            r.opt_text("id_number")?,
            r.opt_text("birth_date")?,
        );
        Ok(name
            .zip(id)
            .zip(birth)
            .map(|((full_name, id_number), birth_date)| Identity {
                full_name,
                id_number,
                birth_date,
            }))
    }
}

impl Contact {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<Contact> {
        Ok(Contact {
            login: r.text("login")?,
            role: parse_role(&r.text("role")?)?,
            disabled: r.flag("disabled")?,
            email: r.opt_text("email")?,
        })
    }
}

impl OutboxJob {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<OutboxJob> {
        Ok(OutboxJob {
            id: r.int("id")?,
            event_seq: r.int("event_seq")?,
            channel: parse_channel(&r.text("channel")?)?,
            account_id: r.text("account_id")?,
            dossier_code: r.text("dossier_code")?,
            state: parse_state(&r.text("state")?)?,
            attempts: r.int("attempts")?,
        })
    }
}

impl OutboxRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<OutboxRow> {
        Ok(OutboxRow {
            job: OutboxJob::from_row(r)?,
            status: parse_outbox_status(&r.text("status")?)?,
            last_error: r.opt_text("last_error")?,
            created_at: r.int("created_at")?,
            sent_at: r.opt_int("sent_at")?,
        })
    }
}

impl AccountAuditRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<AccountAuditRow> {
        Ok(AccountAuditRow {
            at: r.int("at")?,
            actor_login: r.text("actor_login")?,
            action: r.text("action")?,
        })
    }
}

impl Consent {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<Consent> {
        let procedures = match r.opt_text("procedures")? {
            None => None,
            Some(json) => Some(
                serde_json::from_str::<Vec<String>>(&json)
                    .map_err(|e| DbError::Corrupt(format!("consent procedures: {e}")))?,
            ),
        };
        let method = match r.text("method")?.as_str() {
            "app" => ConsentMethod::App,
            "otp" => ConsentMethod::Otp,
            other => return Err(DbError::Corrupt(format!("consent method {other:?}"))),
        };
        Ok(Consent {
            id: r.text("id")?,
            citizen_id: r.text("citizen_id")?,
            volunteer_id: r.text("volunteer_id")?,
            volunteer_login: r.text("volunteer_login")?,
            granted_at: r.int("granted_at")?,
            volunteer_name: r.opt_text("volunteer_name")?,
            citizen_login: r.text("citizen_login")?,
            citizen_name: r.opt_text("citizen_name")?,
            procedures,
            expires_at: r.opt_int("expires_at")?,
            text_version: r.opt_text("text_version")?,
            method,
            revoked_at: r.opt_int("revoked_at")?,
            ended: r.opt_text("ended")?,
        })
    }
}

impl ConsentRequestRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<ConsentRequestRow> {
        let procedures = match r.opt_text("procedures")? {
            None => None,
            Some(json) => Some(
                serde_json::from_str::<Vec<String>>(&json)
                    .map_err(|e| DbError::Corrupt(format!("request procedures: {e}")))?,
            ),
        };
        Ok(ConsentRequestRow {
            id: r.text("id")?,
            volunteer_id: r.text("volunteer_id")?,
            phone: r.text("phone")?,
            citizen_id: r.opt_text("citizen_id")?,
            code_hash: r.text("code_hash")?,
            attempts: r.int("attempts")?,
            procedures,
            valid_days: r.int("valid_days")?,
            text_version: r.text("text_version")?,
            expires_at: r.int("expires_at")?,
        })
    }
}

impl Upload {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<Upload> {
        Ok(Upload {
            id: r.text("id")?,
            account_id: r.text("account_id")?,
            sha256: r.text("sha256")?,
            length: r.int("length")?,
            received: r.int("received")?,
        })
    }
}

impl Blob {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<Blob> {
        Ok(Blob {
            sha256: r.text("sha256")?,
            size: r.int("size")?,
        })
    }
}

impl Dossier {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<Dossier> {
        Ok(Dossier {
            uuid: r.text("uuid")?,
            code: r.text("code")?,
            agency_code: r.text("agency_code")?,
            procedure_code: r.text("procedure_code")?,
            submitter_id: r.text("submitter_id")?,
            citizen_id: r.opt_text("citizen_id")?,
            state: parse_state(&r.text("state")?)?,
            content_hash: r.text("content_hash")?,
            manifest: r.text("manifest")?,
            received_at: r.int("received_at")?,
            updated_at: r.int("updated_at")?,
            received_seq: r.int("received_seq")?,
            revision: r.int("revision")?,
            consent_id: r.opt_text("consent_id")?,
        })
    }
}

impl DossierListRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<DossierListRow> {
        Ok(DossierListRow {
            dossier: Dossier::from_row(r)?,
            submitter_login: r.text("submitter_login")?,
            submitter_name: r.opt_text("submitter_name")?,
            citizen_name: r.opt_text("citizen_name")?,
        })
    }
}

impl EventRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<EventRow> {
        Ok(EventRow {
            seq: r.int("seq")?,
            dossier_uuid: r.text("dossier_uuid")?,
            dossier_code: r.text("dossier_code")?,
            at: r.int("at")?,
            state: parse_state(&r.text("state")?)?,
            payload: r.text("payload")?,
            readers: super::EventReaders {
                agency_code: r.text("event_agency")?,
                submitter_id: r.text("event_submitter")?,
                citizen_id: r.opt_text("event_citizen")?,
            },
        })
    }
}

impl AuditRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<AuditRow> {
        Ok(AuditRow {
            at: r.int("at")?,
            actor_login: r.text("actor_login")?,
            action: r.text("action")?,
            detail: r.text("detail")?,
        })
    }
}

impl RevisionRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<RevisionRow> {
        Ok(RevisionRow {
            dossier_uuid: r.text("dossier_uuid")?,
            revision: r.int("revision")?,
            account_id: r.text("account_id")?,
            content_hash: r.text("content_hash")?,
            manifest: r.text("manifest")?,
            changed_fields: parse_list(&r.text("changed_fields")?)?,
            changed_attachments: parse_list(&r.text("changed_attachments")?)?,
            submitted_at: r.int("submitted_at")?,
            event_seq: r.int("event_seq")?,
        })
    }
}

impl RatingRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<RatingRow> {
        let stars = r.int("stars")?;
        Ok(RatingRow {
            stars: u8::try_from(stars).map_err(|_| DbError::Corrupt(format!("stars {stars}")))?,
            comment: r.opt_text("comment")?,
            rated_at: r.int("rated_at")?,
        })
    }
}

/// An agency's bank account: only when all three parts are set.
pub(crate) fn bank_account(r: &mut Row) -> DbResult<Option<BankAccount>> {
    let (bin, number, name) = (
        r.opt_text("bank_bin")?,
        r.opt_text("account_number")?,
        r.opt_text("account_name")?,
    );
    Ok(bin
        .zip(number)
        .zip(name)
        .map(|((bank_bin, account_number), account_name)| BankAccount {
            bank_bin,
            account_number,
            account_name,
        }))
}

impl VisitRow {
    /// A visit without its body hash (report statements).
    pub(crate) fn from_row(r: &mut Row) -> DbResult<VisitRow> {
        Ok(VisitRow {
            id: r.text("id")?,
            volunteer_id: r.text("volunteer_id")?,
            household_id: r.text("household_id")?,
            commune: r.opt_text("commune")?,
            started_at: r.int("started_at")?,
            ended_at: r.int("ended_at")?,
            follow_up_on: r.opt_text("follow_up_on")?,
            body_sha256: String::new(),
        })
    }
}

impl VisitTaskRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<VisitTaskRow> {
        Ok(VisitTaskRow {
            visit_id: r.text("visit_id")?,
            task: r.text("task")?,
            person_id: r.text("person_id")?,
        })
    }
}

impl TeamRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<TeamRow> {
        Ok(TeamRow {
            id: r.text("id")?,
            name: r.text("name")?,
            agency_code: r.text("agency_code")?,
            leader_id: r.opt_text("leader_id")?,
        })
    }
}

impl TeamMemberRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<TeamMemberRow> {
        Ok(TeamMemberRow {
            account_id: r.text("account_id")?,
            display_name: r.opt_text("display_name")?,
        })
    }
}

impl CampaignRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<CampaignRow> {
        Ok(CampaignRow {
            id: r.text("id")?,
            team_id: r.text("team_id")?,
            name: r.text("name")?,
            starts_on: r.text("starts_on")?,
            ends_on: r.text("ends_on")?,
            targets: r.text("targets")?,
        })
    }
}

impl super::NoteRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<super::NoteRow> {
        Ok(super::NoteRow {
            id: r.int("id")?,
            body: r.text("body")?,
            created_at: r.int("created_at")?,
            author_login: r.text("author_login")?,
            author_name: r.opt_text("author_name")?,
        })
    }
}

impl super::IdentityCheckRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<super::IdentityCheckRow> {
        let outcome = r.text("outcome")?;
        Ok(super::IdentityCheckRow {
            method: r.text("method")?,
            outcome: crate::identity::Outcome::parse(&outcome)
                .ok_or_else(|| DbError::Corrupt(format!("identity outcome {outcome:?}")))?,
            detail: r.text("detail")?,
            checked_at: r.int("checked_at")?,
            officer_login: r.text("officer_login")?,
            officer_name: r.opt_text("officer_name")?,
        })
    }
}

impl super::AgencyPaperRow {
    pub(crate) fn from_row(r: &mut Row) -> DbResult<super::AgencyPaperRow> {
        Ok(super::AgencyPaperRow {
            sha256: r.text("sha256")?,
            kind: r.text("kind")?,
            pages: r.int("pages")?,
            content_type: r.text("content_type")?,
            size: r.int("size")?,
            added_at: r.int("added_at")?,
            officer_login: r.text("officer_login")?,
            officer_name: r.opt_text("officer_name")?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;

    use super::super::dialect::Cell;
    use super::*;

    fn row(cols: &[(&str, Cell)]) -> Row {
        let names: Arc<[String]> = cols.iter().map(|(n, _)| (*n).to_owned()).collect();
        Row::new(names, cols.iter().map(|(_, c)| c.clone()).collect())
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    #[test]
    fn accounts_read_by_name_in_any_column_order_and_either_flag_type() {
        let cols = |disabled: Cell| {
            row(&[
                ("disabled", disabled),
                ("password_hash", text("h")),
                ("login", text("0912345678")),
                ("id", text("acc")),
                ("role", text("officer")),
                ("agency_code", text("A.1")),
                ("display_name", Cell::Null),
            ])
        };
        let a = Account::from_row(&mut cols(Cell::Int(1))).unwrap();
        assert_eq!(
            (a.id.as_str(), a.login.as_str(), a.agency_code.as_deref()),
            ("acc", "0912345678", Some("A.1"))
        );
        assert!(a.disabled);
        assert_eq!(a.display_name, None);
        assert!(
            !Account::from_row(&mut cols(Cell::Bool(false)))
                .unwrap()
                .disabled
        );
    }

    #[test]
    fn bad_rows_are_corrupt_not_panics() {
        let mut r = row(&[
            ("stars", Cell::Int(300)),
            ("comment", Cell::Null),
            ("rated_at", Cell::Int(1)),
        ]);
        assert!(matches!(
            RatingRow::from_row(&mut r),
            Err(DbError::Corrupt(_))
        ));
        let mut r = row(&[("sha256", Cell::Int(1)), ("size", Cell::Int(1))]);
        assert!(matches!(Blob::from_row(&mut r), Err(DbError::Corrupt(_))));
        let mut r = row(&[("sha256", text("h"))]);
        let err = Blob::from_row(&mut r).unwrap_err().to_string();
        assert!(err.contains("size"), "{err}");
        let mut r = row(&[
            ("bank_bin", text("970415")),
            ("account_number", Cell::Null),
            ("account_name", text("X")),
        ]);
        assert_eq!(bank_account(&mut r).unwrap(), None);
    }

    #[test]
    fn tokens_and_their_accounts_share_one_joined_row() {
        let mut r = row(&[
            ("token_id", text("tok")),
            ("account_id", text("acc")),
            ("token_hash", text("th")),
            ("kind", text("console")),
            ("device_name", Cell::Null),
            ("csrf_hash", text("c")),
            ("created_at", Cell::Int(1)),
            ("expires_at", Cell::Int(2)),
            ("last_seen_at", Cell::Null),
            ("revoked_at", Cell::Int(3)),
            ("id", text("acc")),
            ("login", text("canbo")),
            ("role", text("admin")),
            ("agency_code", Cell::Null),
            ("display_name", Cell::Null),
            ("password_hash", text("h")),
            ("disabled", Cell::Int(0)),
        ]);
        let t = Token::from_row(&mut r).unwrap();
        let a = Account::from_row(&mut r).unwrap();
        assert_eq!((t.id.as_str(), t.account_id.as_str()), ("tok", "acc"));
        assert_eq!(a.id, t.account_id);
        assert_eq!(t.kind, super::super::TokenKind::Console);
        assert_eq!((t.last_seen_at, t.revoked_at), (None, Some(3)));
    }
}
