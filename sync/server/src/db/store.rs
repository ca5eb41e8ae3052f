//! The one implementation of [`Database`], over any [`Backend`]: each method fetches rows, asks
//! the decision in [`crate::domain`], and writes what it says. The backends only run statements.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU8, Ordering};

use async_trait::async_trait;
use dvc_protocol::auth::{Channel, ConsentMethod, OtpPurpose, OutboxStatus};
use dvc_protocol::dossiers::DossierState;
use dvc_protocol::events::{BankAccount, EventKind};

use super::dialect::{args, Backend, Conn, Txn, Value};
use super::rows::bank_account;
use super::sql::{self, contains_pattern};
use super::*;
use crate::domain::{self, Change, RatingStep, Resend, RevisionStep, Scope};

/// Storage over backend `B`.
pub struct Store<B> {
    pub(crate) backend: B,
    /// The channels events write status messages for ([`OutboxChannels`] bits).
    outbox_channels: AtomicU8,
}

impl<B> Store<B> {
    pub(crate) fn new(backend: B) -> Store<B> {
        Store {
            backend,
            outbox_channels: AtomicU8::new(0),
        }
    }

    fn channels(&self) -> OutboxChannels {
        OutboxChannels(self.outbox_channels.load(Ordering::Relaxed))
    }
}

/// Which channels an event's transaction writes status messages for (the server's senders).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OutboxChannels(u8);

impl OutboxChannels {
    fn bit(c: Channel) -> u8 {
        match c {
            Channel::Sms => 1,
            Channel::Email => 2,
            Channel::Zalo => 4,
        }
    }

    pub(crate) fn of(channels: &[Channel]) -> OutboxChannels {
        OutboxChannels(channels.iter().fold(0, |acc, c| acc | Self::bit(*c)))
    }

    fn has(self, c: Channel) -> bool {
        self.0 & Self::bit(c) != 0
    }

    fn none(self) -> bool {
        self.0 == 0
    }
}

/// Who hears of a dossier's events off the app: the citizen it was submitted for, else the
/// submitter.
fn applicant(d: &Dossier) -> &str {
    d.citizen_id.as_deref().unwrap_or(&d.submitter_id)
}

/// Writes the status messages of event `seq` of `d` (now in `state`), inside its transaction.
async fn enqueue_status(
    c: &mut dyn Conn,
    seq: i64,
    d: &Dossier,
    state: DossierState,
    now: i64,
    ch: OutboxChannels,
) -> DbResult<()> {
    if ch.none() {
        return Ok(());
    }
    c.execute(
        &sql::ENQUEUE_STATUS,
        args![
            seq,
            &d.code,
            state.as_str(),
            now,
            applicant(d),
            ch.has(Channel::Sms),
            ch.has(Channel::Email),
            ch.has(Channel::Zalo)
        ],
    )
    .await
    .map(drop)
}

/// Runs `$body` (an `async` block using the connection `$c`) on a reader.
macro_rules! read {
    ($store:expr, |$c:ident| $body:expr) => {
        $store
            .backend
            .read(move |$c| Box::pin(async move { $body }))
            .await
    };
}

/// Runs `$body` in one transaction of kind `$txn`.
macro_rules! txn {
    ($store:expr, $txn:expr, |$c:ident| $body:expr) => {
        $store
            .backend
            .write($txn, move |$c| Box::pin(async move { $body }))
            .await
    };
}

/// Reads a row into a value.
type Reader<T> = fn(&mut dialect::Row) -> DbResult<T>;

fn serialize(event: &EventKind) -> DbResult<String> {
    serde_json::to_string(event).map_err(|err| DbError::Corrupt(err.to_string()))
}

async fn all<T>(
    c: &mut dyn Conn,
    stmt: &sql::Sql,
    args: &[Value<'_>],
    read: Reader<T>,
) -> DbResult<Vec<T>> {
    c.query(stmt, args).await?.iter_mut().map(read).collect()
}

async fn one<T>(
    c: &mut dyn Conn,
    stmt: &sql::Sql,
    args: &[Value<'_>],
    read: Reader<T>,
) -> DbResult<Option<T>> {
    c.query_opt(stmt, args)
        .await?
        .as_mut()
        .map(read)
        .transpose()
}

/// The `sha256` column of every row.
async fn sha256s(c: &mut dyn Conn, stmt: &sql::Sql, args: &[Value<'_>]) -> DbResult<Vec<String>> {
    all(c, stmt, args, |r| r.text("sha256")).await
}

async fn owned_in(
    c: &mut dyn Conn,
    account_id: &str,
    hashes: &[String],
) -> DbResult<HashSet<String>> {
    Ok(sha256s(c, &sql::OWNED_BLOBS, args![account_id, hashes])
        .await?
        .into_iter()
        .collect())
}

async fn insert_account(c: &mut dyn Conn, a: &Account, now: i64) -> DbResult<bool> {
    let n = c
        .execute(
            &sql::INSERT_ACCOUNT,
            args![
                &a.id,
                &a.login,
                a.role.as_str(),
                &a.agency_code,
                &a.display_name,
                &a.password_hash,
                a.disabled,
                now
            ],
        )
        .await?;
    Ok(n == 1)
}

async fn record_blob(c: &mut dyn Conn, b: &Blob, account_id: &str, now: i64) -> DbResult<()> {
    c.execute(&sql::INSERT_BLOB, args![&b.sha256, b.size, now])
        .await?;
    c.execute(&sql::INSERT_BLOB_OWNER, args![account_id, &b.sha256, now])
        .await?;
    Ok(())
}

/// Appends an event to `d`'s history; its sequence number.
async fn insert_event(
    c: &mut dyn Conn,
    d: &Dossier,
    at: i64,
    state: DossierState,
    event: &EventKind,
) -> DbResult<i64> {
    let payload = serialize(event)?;
    c.query_one(
        &sql::INSERT_EVENT,
        args![
            &d.uuid,
            &d.agency_code,
            &d.submitter_id,
            &d.citizen_id,
            at,
            state.as_str(),
            domain::event_kind_name(event),
            &payload
        ],
    )
    .await?
    .int("seq")
}

/// The checks of a submission that cannot turn false once true (dossiers, agencies and blob
/// ownership are never deleted), so they run before the serialised insert: `Some` answers at once.
async fn submission_checks(c: &mut dyn Conn, d: &NewDossier) -> DbResult<Option<SubmitOutcome>> {
    if let Some(old) = one(c, &sql::DOSSIER_BY_UUID, args![&d.uuid], Dossier::from_row).await? {
        return Ok(Some(resend(old, d)));
    }
    if c.query_opt(&sql::AGENCY_EXISTS, args![&d.agency_code])
        .await?
        .is_none()
    {
        return Ok(Some(SubmitOutcome::UnknownAgency));
    }
    let owned = owned_in(c, &d.submitter_id, &d.attachments).await?;
    let missing = domain::missing_blobs(&d.attachments, &owned);
    Ok((!missing.is_empty()).then_some(SubmitOutcome::BlobsMissing(missing)))
}

fn resend(old: Dossier, d: &NewDossier) -> SubmitOutcome {
    match domain::judge_resend(
        &old.submitter_id,
        &old.content_hash,
        &d.submitter_id,
        &d.content_hash,
    ) {
        Resend::Repeat => SubmitOutcome::Repeat(old),
        Resend::Conflict => SubmitOutcome::Conflict,
    }
}

/// Inserts a checked submission inside the caller's [`Txn::Events`] transaction: its code, its
/// attachments, its `received` event and revision 1.
pub(crate) async fn insert_dossier(
    c: &mut dyn Conn,
    d: &NewDossier,
    ch: OutboxChannels,
) -> DbResult<SubmitOutcome> {
    // Re-check under the event order: a concurrent request (or an earlier one in the same batch)
    // with the same uuid may have inserted it.
    if let Some(old) = one(c, &sql::DOSSIER_BY_UUID, args![&d.uuid], Dossier::from_row).await? {
        return Ok(resend(old, d));
    }
    let seq = c
        .query_one(&sql::NEXT_CODE_SEQ, args![&d.agency_code, &d.day])
        .await?
        .int("last")?;
    let mut dossier = Dossier {
        uuid: d.uuid.clone(),
        code: domain::dossier_code(&d.agency_code, &d.day, seq),
        agency_code: d.agency_code.clone(),
        procedure_code: d.procedure_code.clone(),
        submitter_id: d.submitter_id.clone(),
        citizen_id: d.citizen_id.clone(),
        state: DossierState::Received,
        content_hash: d.content_hash.clone(),
        manifest: d.manifest.clone(),
        received_at: d.now,
        updated_at: d.now,
        received_seq: 0,
        revision: 1,
        consent_id: d.consent_id.clone(),
    };
    let event = EventKind::Received;
    let payload = serialize(&event)?;
    let (state, kind) = (dossier.state.as_str(), domain::event_kind_name(&event));
    let new = &dossier;
    let applicant = applicant(new);
    let enqueue: &[(&sql::Sql, &[Value<'_>])] = if ch.none() {
        &[]
    } else {
        &[(
            &sql::ENQUEUE_RECEIVED,
            args![
                &d.uuid,
                &new.code,
                state,
                d.now,
                applicant,
                ch.has(Channel::Sms),
                ch.has(Channel::Email),
                ch.has(Channel::Zalo)
            ],
        )]
    };
    // One round trip where the backend can; the last statement returns the received seq.
    let steps: &[(&sql::Sql, &[Value<'_>])] = &[
        (
            &sql::INSERT_DOSSIER,
            args![
                &new.uuid,
                &new.code,
                &new.agency_code,
                &new.procedure_code,
                &new.submitter_id,
                &new.citizen_id,
                state,
                &new.content_hash,
                &new.manifest,
                d.now,
                d.now,
                &new.consent_id
            ],
        ),
        (&sql::LINK_ATTACHMENTS, args![&d.uuid, &d.attachments]),
        (
            &sql::INSERT_EVENT,
            args![
                &d.uuid,
                &d.agency_code,
                &d.submitter_id,
                &d.citizen_id,
                d.now,
                state,
                kind,
                &payload
            ],
        ),
        (&sql::INSERT_FIRST_REVISION, args![&d.uuid]),
    ];
    let last: &[(&sql::Sql, &[Value<'_>])] = &[(&sql::SET_RECEIVED_SEQ, args![&d.uuid])];
    let all_steps: Vec<(&sql::Sql, &[Value<'_>])> =
        steps.iter().chain(enqueue).chain(last).copied().collect();
    let mut answers = c.pipeline(&all_steps).await?;
    dossier.received_seq = answers
        .pop()
        .and_then(|rows| rows.into_iter().next())
        .ok_or_else(|| DbError::Corrupt("received seq: no row".into()))?
        .int("received_seq")?;
    Ok(SubmitOutcome::Created(dossier))
}

async fn transition_in(
    c: &mut dyn Conn,
    t: &Transition,
    ch: OutboxChannels,
) -> DbResult<TransitionOutcome> {
    let (stmt, scope) = sql::DOSSIER_FOR_CHANGE.pick(&t.scope);
    let Some(mut row) = c
        .query_opt(stmt, &[Value::Text(&t.dossier_uuid), scope])
        .await?
    else {
        return Ok(TransitionOutcome::NotFound);
    };
    let d = Dossier::from_row(&mut row)?;
    let last_event = row.opt_text("last_event")?;
    let next = match domain::decide_change(d.state, &t.event, t.actor, last_event.as_deref()) {
        Change::Apply(next) => next,
        Change::Invalid => return Ok(TransitionOutcome::InvalidTransition(d.state)),
        Change::Unchanged => return Ok(TransitionOutcome::Unchanged(d.state)),
    };
    c.execute(&sql::UPDATE_STATE, args![&d.uuid, next.as_str(), t.now])
        .await?;
    if let Some(h) = &t.result_blob {
        c.execute(&sql::LINK_RESULT, args![&d.uuid, h]).await?;
    }
    let seq = insert_event(c, &d, t.now, next, &t.event).await?;
    if domain::tells_applicant(t.actor) {
        enqueue_status(c, seq, &d, next, t.now, ch).await?;
    }
    let action = domain::event_kind_name(&t.event);
    c.execute(
        &sql::INSERT_AUDIT,
        args![t.now, &t.actor_id, &d.uuid, action, &t.audit_detail, seq],
    )
    .await?;
    Ok(TransitionOutcome::Applied(EventRow {
        seq,
        dossier_uuid: d.uuid,
        dossier_code: d.code,
        at: t.now,
        state: next,
        payload: serialize(&t.event)?,
        readers: EventReaders {
            agency_code: d.agency_code,
            submitter_id: d.submitter_id,
            citizen_id: d.citizen_id,
        },
    }))
}

async fn revise(c: &mut dyn Conn, r: &NewRevision) -> DbResult<RevisionOutcome> {
    let (stmt, scope) = sql::DOSSIER_FOR_CHANGE.pick(&r.scope);
    let Some(mut row) = c
        .query_opt(stmt, &[Value::Text(&r.dossier_uuid), scope])
        .await?
    else {
        return Ok(RevisionOutcome::NotFound);
    };
    let d = Dossier::from_row(&mut row)?;
    let stored = one(
        c,
        &sql::REVISION,
        args![&d.uuid, r.revision],
        RevisionRow::from_row,
    )
    .await?;
    let stored_hash = stored.as_ref().map(|s| s.content_hash.as_str());
    let next = match domain::decide_revision(
        d.state,
        d.revision,
        r.revision,
        stored_hash,
        &r.content_hash,
    ) {
        RevisionStep::Store(next) => next,
        RevisionStep::Repeat => {
            let old = stored.ok_or_else(|| DbError::Corrupt("repeat without revision".into()))?;
            return Ok(RevisionOutcome::Repeat(old, d.code));
        }
        RevisionStep::Conflict => return Ok(RevisionOutcome::Conflict),
        RevisionStep::InvalidState => return Ok(RevisionOutcome::InvalidState(d.state)),
    };
    let mut available = owned_in(c, &r.account_id, &r.attachments).await?;
    available.extend(sha256s(c, &sql::LINKED_ATTACHMENTS, args![&d.uuid]).await?);
    let missing = domain::missing_blobs(&r.attachments, &available);
    if !missing.is_empty() {
        return Ok(RevisionOutcome::BlobsMissing(missing));
    }
    let (changed_fields, changed_attachments) = revision_diff(&d.manifest, &r.manifest)?;
    let revision = u32::try_from(r.revision).map_err(|_| DbError::Corrupt("revision".into()))?;
    let event = EventKind::Resubmitted {
        revision,
        changed_fields: changed_fields.clone(),
        changed_attachments: changed_attachments.clone(),
    };
    c.execute(
        &sql::UPDATE_FOR_REVISION,
        args![&d.uuid, &r.manifest, r.revision, next.as_str(), r.now],
    )
    .await?;
    c.execute(&sql::LINK_ATTACHMENTS, args![&d.uuid, &r.attachments])
        .await?;
    let seq = insert_event(c, &d, r.now, next, &event).await?;
    let row = RevisionRow {
        dossier_uuid: d.uuid.clone(),
        revision: r.revision,
        account_id: r.account_id.clone(),
        content_hash: r.content_hash.clone(),
        manifest: r.manifest.clone(),
        changed_fields,
        changed_attachments,
        submitted_at: r.now,
        event_seq: seq,
    };
    c.execute(
        &sql::INSERT_REVISION,
        args![
            &row.dossier_uuid,
            row.revision,
            &row.account_id,
            &row.content_hash,
            &row.manifest,
            &json_list(&row.changed_fields),
            &json_list(&row.changed_attachments),
            row.submitted_at,
            row.event_seq
        ],
    )
    .await?;
    let detail = format!("revision {}", r.revision);
    c.execute(
        &sql::INSERT_AUDIT,
        args![r.now, &r.account_id, &d.uuid, "resubmitted", &detail, seq],
    )
    .await?;
    Ok(RevisionOutcome::Created(row, d.code))
}

async fn rate_in(
    c: &mut dyn Conn,
    scope: &Scope,
    uuid: &str,
    account_id: &str,
    rating: RatingRow,
) -> DbResult<RateOutcome> {
    let (stmt, scope) = sql::STATE_FOR_RATING.pick(scope);
    let Some(mut row) = c.query_opt(stmt, &[Value::Text(uuid), scope]).await? else {
        return Ok(RateOutcome::NotFound);
    };
    let state = parse_state(&row.text("state")?)?;
    let stored = one(c, &sql::RATING, args![uuid], RatingRow::from_row).await?;
    let old = stored.as_ref().map(|o| (o.stars, o.comment.as_deref()));
    match domain::decide_rating(state, old, rating.stars, rating.comment.as_deref()) {
        RatingStep::Save => {}
        RatingStep::Same => {
            let old = stored.ok_or_else(|| DbError::Corrupt("same without rating".into()))?;
            return Ok(RateOutcome::Same(old));
        }
        RatingStep::Different => return Ok(RateOutcome::Different),
        RatingStep::InvalidState => return Ok(RateOutcome::InvalidState(state)),
    }
    c.execute(
        &sql::INSERT_RATING,
        args![
            uuid,
            account_id,
            rating.stars,
            &rating.comment,
            rating.rated_at
        ],
    )
    .await?;
    Ok(RateOutcome::Saved(rating))
}

/// The dossier in scope, locked for a change (PostgreSQL); `None` when not in scope.
async fn dossier_for_change(
    c: &mut dyn Conn,
    scope: &Scope,
    uuid: &str,
) -> DbResult<Option<Dossier>> {
    let (stmt, scope) = sql::DOSSIER_FOR_CHANGE.pick(scope);
    match c.query_opt(stmt, &[Value::Text(uuid), scope]).await? {
        Some(mut row) => Ok(Some(Dossier::from_row(&mut row)?)),
        None => Ok(None),
    }
}

async fn add_note_in(
    c: &mut dyn Conn,
    scope: &Scope,
    uuid: &str,
    author_id: &str,
    body: &str,
    now: i64,
) -> DbResult<bool> {
    if dossier_for_change(c, scope, uuid).await?.is_none() {
        return Ok(false);
    }
    c.execute(&sql::INSERT_NOTE, args![uuid, author_id, body, now])
        .await?;
    // The note itself stays in its own table; the audit row says only that one was written.
    let detail = format!("{} characters", body.chars().count());
    c.execute(
        &sql::INSERT_AUDIT_NO_EVENT,
        args![now, author_id, uuid, "note_added", &detail],
    )
    .await?;
    Ok(true)
}

async fn identity_check_in(
    c: &mut dyn Conn,
    scope: &Scope,
    uuid: &str,
    officer_id: &str,
    v: &crate::identity::Verdict,
    now: i64,
) -> DbResult<bool> {
    if dossier_for_change(c, scope, uuid).await?.is_none() {
        return Ok(false);
    }
    c.execute(
        &sql::INSERT_IDENTITY_CHECK,
        args![
            uuid,
            officer_id,
            &v.method,
            v.outcome.as_str(),
            &v.detail,
            now
        ],
    )
    .await?;
    let detail = format!("method: {}; outcome: {}", v.method, v.outcome.as_str());
    c.execute(
        &sql::INSERT_AUDIT_NO_EVENT,
        args![now, officer_id, uuid, "identity_checked", &detail],
    )
    .await?;
    Ok(true)
}

async fn agency_paper_in(c: &mut dyn Conn, p: &NewAgencyPaper) -> DbResult<Option<EventRow>> {
    let EventKind::PaperKept {
        kind,
        pages,
        sha256,
        content_type,
        size,
    } = &p.event
    else {
        return Err(DbError::Corrupt(
            "agency paper: not a paper_kept event".into(),
        ));
    };
    let Some(d) = dossier_for_change(c, &p.scope, &p.dossier_uuid).await? else {
        return Ok(None);
    };
    let seq = insert_event(c, &d, p.now, d.state, &p.event).await?;
    let size_i = i64::try_from(*size).map_err(|_| DbError::Corrupt("paper size".into()))?;
    c.execute(
        &sql::INSERT_AGENCY_PAPER,
        args![
            &d.uuid,
            sha256,
            kind,
            i64::from(*pages),
            content_type,
            size_i,
            &p.officer_id,
            p.now,
            seq
        ],
    )
    .await?;
    let detail = format!("{kind}, {pages} pages, {content_type} {sha256} ({size} bytes)");
    c.execute(
        &sql::INSERT_AUDIT,
        args![p.now, &p.officer_id, &d.uuid, "paper_kept", &detail, seq],
    )
    .await?;
    Ok(Some(EventRow {
        seq,
        dossier_uuid: d.uuid,
        dossier_code: d.code,
        at: p.now,
        state: d.state,
        payload: serialize(&p.event)?,
        readers: EventReaders {
            agency_code: d.agency_code,
            submitter_id: d.submitter_id,
            citizen_id: d.citizen_id,
        },
    }))
}

impl CatalogBundleRow {
    fn from_row(r: &mut dialect::Row) -> DbResult<CatalogBundleRow> {
        Ok(CatalogBundleRow {
            version: r.text("version")?,
            sha256: r.text("sha256")?,
            size: r.int("size")?,
            published_at: r.int("published_at")?,
        })
    }
}

impl HandoffRow {
    fn from_row(r: &mut dialect::Row) -> DbResult<HandoffRow> {
        Ok(HandoffRow {
            bundle_id: r.text("bundle_id")?,
            sender_id: r.text("sender_id")?,
            sha256: r.text("sha256")?,
            size: r.int("size")?,
            created_at: r.int("created_at")?,
            expires_at: r.int("expires_at")?,
            claimed_by: r.opt_text("claimed_by")?,
            received_at: r.opt_int("received_at")?,
        })
    }
}

/// Drops the blob of hand-off `bundle_id` (rows now, the file queued) unless a dossier or another
/// hand-off still needs the same bytes.
async fn drop_handoff_blob(c: &mut dyn Conn, bundle_id: &str, sha: &str, now: i64) -> DbResult<()> {
    let needed = one(
        c,
        &sql::BLOB_NEEDED_BEYOND_HANDOFF,
        args![sha, bundle_id],
        |r| r.text("sha256"),
    )
    .await?;
    if needed.is_none() {
        c.execute(&sql::DROP_BLOB_OWNERS, args![sha]).await?;
        if c.execute(&sql::DROP_BLOB, args![sha]).await? > 0 {
            c.execute(
                &sql::QUEUE_FILE_DELETION,
                args![FileKind::Blob.as_str(), sha, now],
            )
            .await?;
        }
    }
    Ok(())
}

async fn expire_in(c: &mut dyn Conn, cut: &Cutoffs, now: i64) -> DbResult<Expired> {
    let mut out = Expired::default();
    let parts = all(
        c,
        &sql::EXPIRE_UPLOADS,
        args![cut.uploads_idle_since],
        |r| r.text("id"),
    )
    .await?;
    for id in &parts {
        c.execute(
            &sql::QUEUE_FILE_DELETION,
            args![FileKind::Part.as_str(), id, now],
        )
        .await?;
    }
    out.uploads = parts.len() as u64;
    out.registrations = c
        .execute(
            &sql::EXPIRE_REGISTRATIONS,
            args![cut.registrations_expired_before],
        )
        .await?;
    out.tokens = c
        .execute(&sql::EXPIRE_TOKENS, args![cut.tokens_dead_before])
        .await?;
    out.codes = c
        .execute(&sql::EXPIRE_CODES, args![cut.codes_expired_before])
        .await?;
    out.counters = c
        .execute(&sql::EXPIRE_COUNTERS, args![cut.counters_expired_before])
        .await?;
    out.messages = c
        .execute(&sql::EXPIRE_SENT_MESSAGES, args![cut.messages_sent_before])
        .await?;
    let gone = all(c, &sql::EXPIRED_HANDOFFS, args![now, cut.blob_limit], |r| {
        Ok((r.text("bundle_id")?, r.text("sha256")?))
    })
    .await?;
    for (bundle_id, sha) in &gone {
        drop_handoff_blob(c, bundle_id, sha, now).await?;
        c.execute(&sql::DELETE_HANDOFF, args![bundle_id]).await?;
    }
    out.handoffs = gone.len() as u64;
    if let Some(since) = cut.blobs_unused_since {
        let blobs = sha256s(c, &sql::EXPIRED_BLOBS, args![since, cut.blob_limit]).await?;
        for sha in &blobs {
            c.execute(&sql::DROP_BLOB_LINKS, args![sha]).await?;
            c.execute(&sql::DROP_BLOB_OWNERS, args![sha]).await?;
            c.execute(&sql::DROP_BLOB, args![sha]).await?;
            c.execute(
                &sql::QUEUE_FILE_DELETION,
                args![FileKind::Blob.as_str(), sha, now],
            )
            .await?;
        }
        out.blobs = blobs.len() as u64;
    }
    Ok(out)
}

async fn migrate_in(c: &mut dyn Conn, table: &str, migrations: &[(i64, &str)]) -> DbResult<()> {
    c.script(table).await?;
    let applied: HashSet<i64> = all(c, &sql::APPLIED_MIGRATIONS, &[], |r| r.int("version"))
        .await?
        .into_iter()
        .collect();
    for (version, script) in migrations.iter().filter(|(v, _)| !applied.contains(v)) {
        c.script(script).await.map_err(|err| DbError::Migration {
            version: *version,
            message: err.to_string(),
        })?;
        c.execute(
            &sql::RECORD_MIGRATION,
            args![*version, crate::clock::system_now_ms()],
        )
        .await?;
        tracing::info!(version, "applied migration");
    }
    Ok(())
}

/// The row of `stmt` for one key, if any.
async fn row_for<B: Backend, T: Send + 'static>(
    store: &Store<B>,
    stmt: &'static sql::Sql,
    key: &str,
    read: Reader<T>,
) -> DbResult<Option<T>> {
    let key = key.to_owned();
    read!(store, |c| one(c, stmt, args![&key], read).await)
}

/// Every row of `stmt` for one key.
async fn rows_for<B: Backend, T: Send + 'static>(
    store: &Store<B>,
    stmt: &'static sql::Sql,
    key: &str,
    read: Reader<T>,
) -> DbResult<Vec<T>> {
    let key = key.to_owned();
    read!(store, |c| all(c, stmt, args![&key], read).await)
}

/// A procedure list as stored (`None`: every procedure).
fn procedures_json(p: Option<&[String]>) -> DbResult<Option<String>> {
    p.map(|p| serde_json::to_string(p).map_err(|e| DbError::Corrupt(e.to_string())))
        .transpose()
}

/// Records a consent (see [`Database::grant_consent`]) inside the caller's transaction.
async fn grant_in(c: &mut dyn Conn, nc: &NewConsent) -> DbResult<Consent> {
    const DAY_MS: i64 = 86_400_000;
    let pair = args![&nc.citizen_id, &nc.volunteer_id];
    if let Some(live) = one(c, &sql::LIVE_CONSENT, pair, Consent::from_row).await? {
        let same = live.procedures == nc.procedures
            && live.text_version.as_deref() == Some(nc.text_version.as_str())
            && live.method == nc.method
            && live.live(nc.now)
            && nc.now - live.granted_at < DAY_MS;
        if same {
            return Ok(live);
        }
        c.execute(
            &sql::END_LIVE_CONSENT,
            args![&nc.citizen_id, &nc.volunteer_id, "replaced", nc.now],
        )
        .await?;
    }
    let id = uuid::Uuid::now_v7().to_string();
    let procs = procedures_json(nc.procedures.as_deref())?;
    let method = match nc.method {
        ConsentMethod::App => "app",
        ConsentMethod::Otp => "otp",
    };
    c.execute(
        &sql::INSERT_CONSENT,
        args![
            &id,
            &nc.citizen_id,
            &nc.volunteer_id,
            nc.now,
            nc.expires_at,
            &procs,
            &nc.text_version,
            method
        ],
    )
    .await?;
    let scope = nc
        .procedures
        .as_ref()
        .map_or_else(|| "all".to_owned(), |p| p.join(","));
    let detail = format!(
        "consent {id} to volunteer {} by {method}; procedures: {scope}; text {}; expires_at {}",
        nc.volunteer_id, nc.text_version, nc.expires_at
    );
    c.execute(
        &sql::INSERT_ACCOUNT_AUDIT,
        args![
            nc.now,
            &nc.citizen_id,
            "consent_granted",
            &detail,
            &nc.citizen_id
        ],
    )
    .await?;
    one(c, &sql::CONSENT_BY_ID, args![&id], Consent::from_row)
        .await?
        .ok_or_else(|| DbError::Corrupt("consent just inserted is missing".into()))
}

#[async_trait]
impl<B: Backend> Database for Store<B> {
    fn backend(&self) -> &'static str {
        B::NAME
    }

    async fn migrate(&self) -> DbResult<()> {
        txn!(self, Txn::Migrations, |c| migrate_in(
            c,
            B::MIGRATIONS_TABLE,
            B::MIGRATIONS
        )
        .await)
    }

    async fn ping(&self) -> DbResult<()> {
        read!(self, |c| c.query_one(&sql::PING, &[]).await.map(drop))
    }

    async fn upsert_agency(&self, code: &str, name: &str, now: i64) -> DbResult<()> {
        let (code, name) = (code.to_owned(), name.to_owned());
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::UPSERT_AGENCY, args![&code, &name, now])
            .await
            .map(drop))
    }

    async fn agency_name(&self, code: &str) -> DbResult<Option<String>> {
        row_for(self, &sql::AGENCY_NAME, code, |r| r.text("name")).await
    }

    async fn agencies(&self) -> DbResult<Vec<(String, String)>> {
        read!(self, |c| all(c, &sql::AGENCIES, &[], |r| Ok((
            r.text("code")?,
            r.text("name")?
        )))
        .await)
    }

    async fn set_agency_bank(&self, code: &str, bank: &BankAccount) -> DbResult<()> {
        let (code, b) = (code.to_owned(), bank.clone());
        txn!(self, Txn::Plain, |c| c
            .execute(
                &sql::SET_AGENCY_BANK,
                args![&code, &b.bank_bin, &b.account_number, &b.account_name]
            )
            .await
            .map(drop))
    }

    async fn agency_bank(&self, code: &str) -> DbResult<Option<BankAccount>> {
        let code = code.to_owned();
        read!(self, |c| Ok(one(
            c,
            &sql::AGENCY_BANK,
            args![&code],
            bank_account
        )
        .await?
        .flatten()))
    }

    async fn create_account(&self, a: &Account, now: i64) -> DbResult<bool> {
        let a = a.clone();
        txn!(self, Txn::Plain, |c| insert_account(c, &a, now).await)
    }

    async fn account_by_login(&self, login: &str) -> DbResult<Option<Account>> {
        row_for(self, &sql::ACCOUNT_BY_LOGIN, login, Account::from_row).await
    }

    async fn account_by_id(&self, id: &str) -> DbResult<Option<Account>> {
        row_for(self, &sql::ACCOUNT_BY_ID, id, Account::from_row).await
    }

    async fn count_accounts(&self) -> DbResult<i64> {
        read!(self, |c| c
            .query_one(&sql::COUNT_ACCOUNTS, &[])
            .await?
            .int("n"))
    }

    async fn set_password(&self, account_id: &str, password_hash: &str) -> DbResult<()> {
        let (id, h) = (account_id.to_owned(), password_hash.to_owned());
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::SET_PASSWORD, args![&id, &h])
            .await
            .map(drop))
    }

    async fn create_registration(&self, r: &Registration) -> DbResult<()> {
        let r = r.clone();
        txn!(self, Txn::Plain, |c| c
            .execute(
                &sql::INSERT_REGISTRATION,
                args![
                    &r.id,
                    &r.login,
                    r.role.as_str(),
                    &r.display_name,
                    &r.password_hash,
                    &r.otp_hash,
                    r.expires_at,
                    r.created_at
                ]
            )
            .await
            .map(drop))
    }

    async fn registration(&self, id: &str) -> DbResult<Option<Registration>> {
        row_for(self, &sql::REGISTRATION, id, Registration::from_row).await
    }

    async fn bump_registration_attempts(&self, id: &str) -> DbResult<()> {
        let id = id.to_owned();
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::BUMP_ATTEMPTS, args![&id])
            .await
            .map(drop))
    }

    async fn complete_registration(
        &self,
        reg_id: &str,
        account: &Account,
        now: i64,
    ) -> DbResult<bool> {
        let (reg_id, a) = (reg_id.to_owned(), account.clone());
        txn!(self, Txn::Plain, |c| {
            let created = insert_account(c, &a, now).await?;
            c.execute(&sql::DELETE_REGISTRATION, args![&reg_id]).await?;
            Ok(created)
        })
    }

    async fn insert_token(&self, t: &Token) -> DbResult<()> {
        let t = t.clone();
        txn!(self, Txn::Plain, |c| c
            .execute(
                &sql::INSERT_TOKEN,
                args![
                    &t.id,
                    &t.account_id,
                    &t.token_hash,
                    t.kind.as_str(),
                    &t.device_name,
                    &t.csrf_hash,
                    t.created_at,
                    t.expires_at
                ]
            )
            .await
            .map(drop))
    }

    async fn token_by_hash(
        &self,
        token_hash: &str,
        now: i64,
    ) -> DbResult<Option<(Token, Account)>> {
        let h = token_hash.to_owned();
        read!(self, |c| one(c, &sql::TOKEN_BY_HASH, args![&h, now], |r| {
            Ok((Token::from_row(r)?, Account::from_row(r)?))
        })
        .await)
    }

    async fn list_tokens(
        &self,
        account_id: &str,
        kind: TokenKind,
        now: i64,
    ) -> DbResult<Vec<Token>> {
        let id = account_id.to_owned();
        read!(self, |c| all(
            c,
            &sql::LIST_TOKENS,
            args![&id, kind.as_str(), now],
            Token::from_row
        )
        .await)
    }

    async fn revoke_token(&self, account_id: &str, token_id: &str, now: i64) -> DbResult<bool> {
        let (a, t) = (account_id.to_owned(), token_id.to_owned());
        txn!(self, Txn::Plain, |c| Ok(c
            .execute(&sql::REVOKE_TOKEN, args![&a, &t, now])
            .await?
            > 0))
    }

    async fn revoke_all_tokens(&self, account_id: &str, now: i64) -> DbResult<u64> {
        let a = account_id.to_owned();
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::REVOKE_ALL_TOKENS, args![&a, now])
            .await)
    }

    async fn grant_consent(&self, nc: &NewConsent) -> DbResult<Consent> {
        let nc = nc.clone();
        txn!(self, Txn::Plain, |c| grant_in(c, &nc).await)
    }

    async fn consent(&self, consent_id: &str) -> DbResult<Option<Consent>> {
        row_for(self, &sql::CONSENT_BY_ID, consent_id, Consent::from_row).await
    }

    async fn list_consents(
        &self,
        account_id: &str,
        as_volunteer: bool,
        now: i64,
    ) -> DbResult<Vec<Consent>> {
        let a = account_id.to_owned();
        let stmt: &'static sql::Sql = if as_volunteer {
            &sql::LIST_CONSENTS_RECEIVED
        } else {
            &sql::LIST_CONSENTS_GIVEN
        };
        read!(self, |c| all(c, stmt, args![&a, now], Consent::from_row)
            .await)
    }

    async fn revoke_consent(&self, citizen_id: &str, consent_id: &str, now: i64) -> DbResult<bool> {
        let (cid, id) = (citizen_id.to_owned(), consent_id.to_owned());
        txn!(self, Txn::Plain, |c| {
            if c.execute(&sql::REVOKE_CONSENT, args![&cid, &id, now])
                .await?
                == 0
            {
                return Ok(false);
            }
            let detail = format!("consent {id}");
            c.execute(
                &sql::INSERT_ACCOUNT_AUDIT,
                args![now, &cid, "consent_withdrawn", &detail, &cid],
            )
            .await?;
            Ok(true)
        })
    }

    async fn consents_from(
        &self,
        volunteer_id: &str,
        citizen_login: &str,
    ) -> DbResult<Vec<Consent>> {
        let (vid, login) = (volunteer_id.to_owned(), citizen_login.to_owned());
        read!(self, |c| all(
            c,
            &sql::CONSENTS_FROM_LOGIN,
            args![&vid, &login],
            Consent::from_row
        )
        .await)
    }

    async fn note_expired_consents(&self, now: i64) -> DbResult<u64> {
        txn!(self, Txn::Plain, |c| {
            let due = all(c, &sql::EXPIRED_UNNOTED, args![now], |r| {
                Ok((
                    r.text("id")?,
                    r.text("citizen_id")?,
                    r.text("volunteer_id")?,
                ))
            })
            .await?;
            for (id, citizen, volunteer) in &due {
                let detail = format!("consent {id} to volunteer {volunteer}");
                c.execute(
                    &sql::INSERT_ACCOUNT_AUDIT,
                    args![now, citizen, "consent_expired", &detail, citizen],
                )
                .await?;
                c.execute(&sql::NOTE_EXPIRY, args![id]).await?;
            }
            const MONTH_MS: i64 = 30 * 86_400_000;
            c.execute(
                &sql::DROP_OLD_CONSENT_REQUESTS,
                args![now.saturating_sub(MONTH_MS)],
            )
            .await?;
            Ok(u64::try_from(due.len()).unwrap_or(u64::MAX))
        })
    }

    async fn create_consent_request(&self, r: &ConsentRequestRow, now: i64) -> DbResult<()> {
        let r = r.clone();
        txn!(self, Txn::Plain, |c| {
            let procs = procedures_json(r.procedures.as_deref())?;
            c.execute(
                &sql::REPLACE_CONSENT_REQUESTS,
                args![&r.volunteer_id, &r.phone],
            )
            .await?;
            c.execute(
                &sql::INSERT_CONSENT_REQUEST,
                args![
                    &r.id,
                    &r.volunteer_id,
                    &r.phone,
                    &r.citizen_id,
                    &r.code_hash,
                    &procs,
                    r.valid_days,
                    &r.text_version,
                    r.expires_at,
                    now
                ],
            )
            .await?;
            let detail = format!("consent request {}", r.id);
            c.execute(
                &sql::INSERT_ACCOUNT_AUDIT,
                args![
                    now,
                    &r.volunteer_id,
                    "consent_requested",
                    &detail,
                    &r.citizen_id
                ],
            )
            .await?;
            Ok(())
        })
    }

    async fn consent_request_attempt(
        &self,
        request_id: &str,
        volunteer_id: &str,
        max_attempts: i64,
        now: i64,
    ) -> DbResult<Option<ConsentRequestRow>> {
        let (id, vid) = (request_id.to_owned(), volunteer_id.to_owned());
        txn!(self, Txn::Plain, |c| one(
            c,
            &sql::CONSENT_REQUEST_ATTEMPT,
            args![&id, &vid, now, max_attempts],
            ConsentRequestRow::from_row
        )
        .await)
    }

    async fn complete_consent_request(
        &self,
        request_id: &str,
        volunteer_id: &str,
        code_hash: &str,
        nc: &NewConsent,
    ) -> DbResult<Option<Consent>> {
        let (id, vid, hash, nc) = (
            request_id.to_owned(),
            volunteer_id.to_owned(),
            code_hash.to_owned(),
            nc.clone(),
        );
        txn!(self, Txn::Plain, |c| {
            let done = c
                .execute(
                    &sql::FINISH_CONSENT_REQUEST,
                    args![&id, &vid, "granted", Some(hash.as_str()), None::<&str>],
                )
                .await?;
            if done == 0 {
                return Ok(None);
            }
            let consent = grant_in(c, &nc).await?;
            c.execute(&sql::FINISH_CONSENT_REQUEST_LINK, args![&id, &consent.id])
                .await?;
            Ok(Some(consent))
        })
    }

    async fn end_consent_request(
        &self,
        request_id: &str,
        volunteer_id: &str,
        how: RequestEnd,
        now: i64,
    ) -> DbResult<bool> {
        let (id, vid) = (request_id.to_owned(), volunteer_id.to_owned());
        txn!(self, Txn::Plain, |c| {
            let (status, action) = match how {
                RequestEnd::Refused => ("refused", "consent_refused"),
                RequestEnd::Failed => ("failed", "consent_request_failed"),
            };
            let n = c
                .execute(
                    &sql::FINISH_CONSENT_REQUEST,
                    args![&id, &vid, status, None::<&str>, None::<&str>],
                )
                .await?;
            if n == 0 {
                return Ok(false);
            }
            let citizen = one(c, &sql::CONSENT_REQUEST_CITIZEN, args![&id], |r| {
                r.opt_text("citizen_id")
            })
            .await?
            .flatten();
            let detail = format!("consent request {id}");
            c.execute(
                &sql::INSERT_ACCOUNT_AUDIT,
                args![now, &vid, action, &detail, &citizen],
            )
            .await?;
            Ok(true)
        })
    }

    async fn owned_blobs(&self, account_id: &str, hashes: &[String]) -> DbResult<HashSet<String>> {
        let (a, hashes) = (account_id.to_owned(), hashes.to_vec());
        read!(self, |c| owned_in(c, &a, &hashes).await)
    }

    async fn account_usage(&self, account_id: &str) -> DbResult<i64> {
        let a = account_id.to_owned();
        read!(self, |c| c
            .query_one(&sql::ACCOUNT_USAGE, args![&a])
            .await?
            .int("usage"))
    }

    async fn open_upload(&self, account_id: &str, sha256: &str) -> DbResult<Option<Upload>> {
        let (a, s) = (account_id.to_owned(), sha256.to_owned());
        read!(self, |c| one(
            c,
            &sql::OPEN_UPLOAD,
            args![&a, &s],
            Upload::from_row
        )
        .await)
    }

    async fn create_upload(&self, u: &Upload, now: i64) -> DbResult<()> {
        let u = u.clone();
        txn!(self, Txn::Plain, |c| c
            .execute(
                &sql::CREATE_UPLOAD,
                args![&u.id, &u.account_id, &u.sha256, u.length, u.received, now]
            )
            .await
            .map(drop))
    }

    async fn upload(&self, account_id: &str, upload_id: &str) -> DbResult<Option<Upload>> {
        let (a, id) = (account_id.to_owned(), upload_id.to_owned());
        read!(self, |c| one(
            c,
            &sql::UPLOAD,
            args![&id, &a],
            Upload::from_row
        )
        .await)
    }

    async fn set_upload_received(&self, upload_id: &str, received: i64, now: i64) -> DbResult<()> {
        let id = upload_id.to_owned();
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::SET_UPLOAD_RECEIVED, args![&id, received, now])
            .await
            .map(drop))
    }

    async fn finish_upload(
        &self,
        upload_id: &str,
        blob: &Blob,
        account_id: &str,
        now: i64,
    ) -> DbResult<()> {
        let (id, b, a) = (upload_id.to_owned(), blob.clone(), account_id.to_owned());
        txn!(self, Txn::Plain, |c| {
            c.execute(&sql::DELETE_UPLOAD, args![&id]).await?;
            record_blob(c, &b, &a, now).await
        })
    }

    async fn add_owned_blob(&self, blob: &Blob, account_id: &str, now: i64) -> DbResult<()> {
        let (b, a) = (blob.clone(), account_id.to_owned());
        txn!(self, Txn::Plain, |c| record_blob(c, &b, &a, now).await)
    }

    async fn discard_upload(&self, upload_id: &str) -> DbResult<()> {
        let id = upload_id.to_owned();
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::DELETE_UPLOAD, args![&id])
            .await
            .map(drop))
    }

    async fn readable_blob(
        &self,
        account_id: &str,
        scope: &Scope,
        sha256: &str,
    ) -> DbResult<Option<Blob>> {
        let (a, s, scope) = (account_id.to_owned(), sha256.to_owned(), scope.clone());
        read!(self, |c| {
            let (stmt, scope) = sql::READABLE_BLOB.pick(&scope);
            one(
                c,
                stmt,
                &[Value::Text(&s), Value::Text(&a), scope],
                Blob::from_row,
            )
            .await
        })
    }

    async fn submit_dossier(&self, d: &NewDossier) -> DbResult<SubmitOutcome> {
        let checked = d.clone();
        if let Some(answer) = read!(self, |c| submission_checks(c, &checked).await)? {
            return Ok(answer);
        }
        self.backend.insert(d.clone(), self.channels()).await
    }

    async fn dossier(&self, scope: &Scope, uuid: &str) -> DbResult<Option<Dossier>> {
        let (scope, uuid) = (scope.clone(), uuid.to_owned());
        read!(self, |c| {
            let (stmt, scope) = sql::DOSSIER_IN_SCOPE.pick(&scope);
            one(c, stmt, &[Value::Text(&uuid), scope], Dossier::from_row).await
        })
    }

    async fn submitted_dossier(&self, submitter_id: &str, uuid: &str) -> DbResult<Option<Dossier>> {
        let submitter = submitter_id.to_owned();
        Ok(
            row_for(self, &sql::DOSSIER_BY_UUID, uuid, Dossier::from_row)
                .await?
                .filter(|d| d.submitter_id == submitter),
        )
    }

    async fn dossier_by_code(&self, code: &str) -> DbResult<Option<Dossier>> {
        row_for(self, &sql::DOSSIER_BY_CODE, code, Dossier::from_row).await
    }

    async fn list_dossiers(
        &self,
        scope: &Scope,
        filter: &DossierFilter,
    ) -> DbResult<Vec<DossierListRow>> {
        let (scope, f) = (scope.clone(), filter.clone());
        read!(self, |c| {
            let (stmt, scope) = sql::LIST_DOSSIERS.pick(&scope);
            let pattern = f.code_query.as_deref().map(contains_pattern);
            let state = f.state.map(DossierState::as_str);
            let limit = domain::list_limit(f.limit);
            let before_at = f.before.as_ref().map(|(at, _)| at.to_string());
            let args = [
                scope,
                Value::OptText(state),
                Value::OptText(pattern.as_deref()),
                Value::Int(limit),
                Value::OptText(before_at.as_deref()),
                Value::OptText(f.before.as_ref().map(|(_, uuid)| uuid.as_str())),
                Value::OptText(
                    f.finished
                        .map(|done| if done { "finished" } else { "open" }),
                ),
            ];
            all(c, stmt, &args, DossierListRow::from_row).await
        })
    }

    async fn transition(&self, t: &Transition) -> DbResult<TransitionOutcome> {
        let (t, ch) = (t.clone(), self.channels());
        txn!(self, Txn::Events, |c| transition_in(c, &t, ch).await)
    }

    async fn dossier_events(&self, uuid: &str) -> DbResult<Vec<EventRow>> {
        rows_for(self, &sql::DOSSIER_EVENTS, uuid, EventRow::from_row).await
    }

    async fn events_after(&self, scope: &Scope, after: i64, limit: i64) -> DbResult<Vec<EventRow>> {
        let scope = scope.clone();
        read!(self, |c| {
            let (stmt, scope) = sql::EVENTS_AFTER.pick(&scope);
            let args = [scope, Value::Int(after), Value::Int(limit)];
            all(c, stmt, &args, EventRow::from_row).await
        })
    }

    async fn open_events_after(
        &self,
        scope: &Scope,
        after: i64,
        limit: i64,
    ) -> DbResult<Vec<EventRow>> {
        let scope = scope.clone();
        read!(self, |c| {
            let (stmt, scope) = sql::OPEN_EVENTS_AFTER.pick(&scope);
            let args = [scope, Value::Int(after), Value::Int(limit)];
            all(c, stmt, &args, EventRow::from_row).await
        })
    }

    async fn dossier_audit(&self, uuid: &str) -> DbResult<Vec<AuditRow>> {
        rows_for(self, &sql::DOSSIER_AUDIT, uuid, AuditRow::from_row).await
    }

    async fn claim_dossier(&self, uuid: &str, citizen_id: &str, now: i64) -> DbResult<bool> {
        let (uuid, citizen) = (uuid.to_owned(), citizen_id.to_owned());
        txn!(self, Txn::Plain, |c| {
            if c.execute(&sql::CLAIM_DOSSIER, args![&uuid, &citizen])
                .await?
                == 0
            {
                return Ok(false);
            }
            c.execute(&sql::CLAIM_DOSSIER_EVENTS, args![&uuid, &citizen])
                .await?;
            c.execute(
                &sql::INSERT_CLAIM_AUDIT,
                args![now, &citizen, &uuid, "claimed_by_citizen", ""],
            )
            .await?;
            Ok(true)
        })
    }

    async fn max_event_seq(&self) -> DbResult<i64> {
        read!(self, |c| c
            .query_one(&sql::MAX_EVENT_SEQ, &[])
            .await?
            .int("seq"))
    }

    async fn shared_lock(&self, key: &str) -> DbResult<SharedLock> {
        self.backend.shared_lock(key).await
    }

    async fn listen_events(&self, seen: &(dyn Fn(i64) + Send + Sync)) -> DbResult<Listened> {
        self.backend.listen_events(seen).await
    }

    async fn submit_revision(&self, r: &NewRevision) -> DbResult<RevisionOutcome> {
        let r = r.clone();
        txn!(self, Txn::Events, |c| revise(c, &r).await)
    }

    async fn revisions(&self, uuid: &str) -> DbResult<Vec<RevisionRow>> {
        rows_for(self, &sql::REVISIONS, uuid, RevisionRow::from_row).await
    }

    async fn rate(
        &self,
        scope: &Scope,
        uuid: &str,
        account_id: &str,
        rating: &RatingRow,
    ) -> DbResult<RateOutcome> {
        let (scope, uuid, account_id, rating) = (
            scope.clone(),
            uuid.to_owned(),
            account_id.to_owned(),
            rating.clone(),
        );
        txn!(self, Txn::Plain, |c| rate_in(
            c,
            &scope,
            &uuid,
            &account_id,
            rating
        )
        .await)
    }

    async fn rating(&self, uuid: &str) -> DbResult<Option<RatingRow>> {
        row_for(self, &sql::RATING, uuid, RatingRow::from_row).await
    }

    async fn add_note(
        &self,
        scope: &Scope,
        uuid: &str,
        author_id: &str,
        body: &str,
        now: i64,
    ) -> DbResult<bool> {
        let (scope, uuid, author, body) = (
            scope.clone(),
            uuid.to_owned(),
            author_id.to_owned(),
            body.to_owned(),
        );
        txn!(self, Txn::Plain, |c| add_note_in(
            c, &scope, &uuid, &author, &body, now
        )
        .await)
    }

    async fn notes(&self, uuid: &str) -> DbResult<Vec<NoteRow>> {
        rows_for(self, &sql::NOTES, uuid, NoteRow::from_row).await
    }

    async fn record_identity_check(
        &self,
        scope: &Scope,
        uuid: &str,
        officer_id: &str,
        verdict: &crate::identity::Verdict,
        now: i64,
    ) -> DbResult<bool> {
        let (scope, uuid, officer, verdict) = (
            scope.clone(),
            uuid.to_owned(),
            officer_id.to_owned(),
            verdict.clone(),
        );
        txn!(self, Txn::Plain, |c| identity_check_in(
            c, &scope, &uuid, &officer, &verdict, now
        )
        .await)
    }

    async fn identity_checks(&self, uuid: &str) -> DbResult<Vec<IdentityCheckRow>> {
        rows_for(
            self,
            &sql::IDENTITY_CHECKS,
            uuid,
            IdentityCheckRow::from_row,
        )
        .await
    }

    async fn add_agency_paper(&self, p: &NewAgencyPaper) -> DbResult<Option<EventRow>> {
        let p = p.clone();
        txn!(self, Txn::Events, |c| agency_paper_in(c, &p).await)
    }

    async fn agency_papers(&self, uuid: &str) -> DbResult<Vec<AgencyPaperRow>> {
        rows_for(self, &sql::AGENCY_PAPERS, uuid, AgencyPaperRow::from_row).await
    }

    async fn expire(&self, cut: &Cutoffs, now: i64) -> DbResult<Expired> {
        let cut = *cut;
        txn!(self, Txn::Plain, |c| expire_in(c, &cut, now).await)
    }

    async fn due_file_deletions(&self, before: i64, limit: i64) -> DbResult<Vec<FileDeletion>> {
        read!(self, |c| all(
            c,
            &sql::DUE_FILE_DELETIONS,
            args![before, limit],
            |r| Ok(FileDeletion {
                kind: parse_file_kind(&r.text("kind")?)?,
                name: r.text("name")?,
                queued_at: r.int("queued_at")?,
                in_use: r.flag("in_use")?,
            })
        )
        .await)
    }

    async fn file_deletion_done(&self, kind: FileKind, name: &str) -> DbResult<()> {
        let name = name.to_owned();
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::FILE_DELETION_DONE, args![kind.as_str(), &name])
            .await
            .map(drop))
    }

    async fn put_visit(
        &self,
        v: &VisitRow,
        tasks: &[VisitTaskRow],
        now: i64,
    ) -> DbResult<PutVisitOutcome> {
        let (v, tasks) = (v.clone(), tasks.to_vec());
        txn!(self, Txn::Plain, |c| {
            let stored = one(c, &sql::VISIT_OWNER, args![&v.id], |r| {
                Ok((r.text("volunteer_id")?, r.text("body_sha256")?))
            })
            .await?;
            let outcome = match stored {
                Some((owner, _)) if owner != v.volunteer_id => return Ok(PutVisitOutcome::Taken),
                Some((_, hash)) if hash == v.body_sha256 => return Ok(PutVisitOutcome::Unchanged),
                Some(_) => {
                    c.execute(
                        &sql::UPDATE_VISIT,
                        args![
                            &v.id,
                            &v.household_id,
                            &v.commune,
                            v.started_at,
                            v.ended_at,
                            &v.follow_up_on,
                            &v.body_sha256,
                            now
                        ],
                    )
                    .await?;
                    c.execute(&sql::DELETE_VISIT_TASKS, args![&v.id]).await?;
                    PutVisitOutcome::Updated
                }
                None => {
                    c.execute(
                        &sql::INSERT_VISIT,
                        args![
                            &v.id,
                            &v.volunteer_id,
                            &v.household_id,
                            &v.commune,
                            v.started_at,
                            v.ended_at,
                            &v.follow_up_on,
                            &v.body_sha256,
                            now
                        ],
                    )
                    .await?;
                    PutVisitOutcome::Created
                }
            };
            for t in &tasks {
                c.execute(&sql::INSERT_VISIT_TASK, args![&v.id, &t.task, &t.person_id])
                    .await?;
            }
            Ok(outcome)
        })
    }

    async fn create_team(&self, t: &TeamRow, now: i64) -> DbResult<()> {
        let t = t.clone();
        txn!(self, Txn::Plain, |c| {
            c.execute(
                &sql::INSERT_TEAM,
                args![&t.id, &t.name, &t.agency_code, &t.leader_id, now],
            )
            .await?;
            if let Some(leader) = &t.leader_id {
                c.execute(&sql::UPSERT_TEAM_MEMBER, args![leader, &t.id, now])
                    .await?;
            }
            Ok(())
        })
    }

    async fn team(&self, id: &str) -> DbResult<Option<TeamRow>> {
        row_for(self, &sql::TEAM_BY_ID, id, TeamRow::from_row).await
    }

    async fn teams(&self, agency_code: Option<&str>) -> DbResult<Vec<TeamRow>> {
        match agency_code {
            Some(a) => rows_for(self, &sql::TEAMS_OF_AGENCY, a, TeamRow::from_row).await,
            None => read!(self, |c| all(
                c,
                &sql::TEAMS_ALL,
                args![],
                TeamRow::from_row
            )
            .await),
        }
    }

    async fn team_of(&self, account_id: &str) -> DbResult<Option<TeamRow>> {
        row_for(self, &sql::TEAM_OF_ACCOUNT, account_id, TeamRow::from_row).await
    }

    async fn team_members(&self, team_id: &str) -> DbResult<Vec<TeamMemberRow>> {
        rows_for(self, &sql::TEAM_MEMBERS, team_id, TeamMemberRow::from_row).await
    }

    async fn add_team_member(&self, team_id: &str, account_id: &str, now: i64) -> DbResult<()> {
        let (t, a) = (team_id.to_owned(), account_id.to_owned());
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::UPSERT_TEAM_MEMBER, args![&a, &t, now])
            .await
            .map(drop))
    }

    async fn create_campaign(&self, k: &CampaignRow, now: i64) -> DbResult<()> {
        let k = k.clone();
        txn!(self, Txn::Plain, |c| c
            .execute(
                &sql::INSERT_CAMPAIGN,
                args![
                    &k.id,
                    &k.team_id,
                    &k.name,
                    &k.starts_on,
                    &k.ends_on,
                    &k.targets,
                    now
                ],
            )
            .await
            .map(drop))
    }

    async fn campaign(&self, id: &str) -> DbResult<Option<CampaignRow>> {
        row_for(self, &sql::CAMPAIGN_BY_ID, id, CampaignRow::from_row).await
    }

    async fn campaigns(&self, team_id: &str) -> DbResult<Vec<CampaignRow>> {
        rows_for(
            self,
            &sql::CAMPAIGNS_OF_TEAM,
            team_id,
            CampaignRow::from_row,
        )
        .await
    }

    async fn offer_handoff(&self, h: &HandoffRow) -> DbResult<OfferOutcome> {
        let h = h.clone();
        txn!(self, Txn::Plain, |c| {
            if let Some(stored) = one(
                c,
                &sql::HANDOFF_BY_ID,
                args![&h.bundle_id],
                HandoffRow::from_row,
            )
            .await?
            {
                let same = stored.sender_id == h.sender_id
                    && stored.sha256 == h.sha256
                    && stored.size == h.size;
                return Ok(if same {
                    OfferOutcome::Unchanged(stored)
                } else {
                    OfferOutcome::Conflict
                });
            }
            let owned = one(
                c,
                &sql::OWNS_BLOB_OF_SIZE,
                args![&h.sender_id, &h.sha256, h.size],
                |r| r.text("sha256"),
            )
            .await?;
            if owned.is_none() {
                return Ok(OfferOutcome::BlobMissing);
            }
            c.execute(
                &sql::INSERT_HANDOFF,
                args![
                    &h.bundle_id,
                    &h.sender_id,
                    &h.sha256,
                    h.size,
                    h.created_at,
                    h.expires_at
                ],
            )
            .await?;
            Ok(OfferOutcome::Created(HandoffRow {
                claimed_by: None,
                received_at: None,
                ..h
            }))
        })
    }

    async fn handoff(&self, bundle_id: &str) -> DbResult<Option<HandoffRow>> {
        row_for(self, &sql::HANDOFF_BY_ID, bundle_id, HandoffRow::from_row).await
    }

    async fn claim_handoff(
        &self,
        bundle_id: &str,
        account_id: &str,
        now: i64,
    ) -> DbResult<Option<HandoffRow>> {
        let (b, a) = (bundle_id.to_owned(), account_id.to_owned());
        txn!(self, Txn::Plain, |c| {
            c.execute(&sql::CLAIM_HANDOFF, args![&b, &a, now]).await?;
            let row = one(c, &sql::HANDOFF_BY_ID, args![&b], HandoffRow::from_row).await?;
            Ok(row.filter(|h| {
                h.claimed_by.as_deref() == Some(a.as_str())
                    && h.expires_at > now
                    && h.received_at.is_none()
            }))
        })
    }

    async fn receive_handoff(
        &self,
        bundle_id: &str,
        account_id: &str,
        now: i64,
    ) -> DbResult<Option<HandoffRow>> {
        let (b, a) = (bundle_id.to_owned(), account_id.to_owned());
        txn!(self, Txn::Plain, |c| {
            if c.execute(&sql::RECEIVE_HANDOFF, args![&b, &a, now]).await? > 0 {
                if let Some(h) =
                    one(c, &sql::HANDOFF_BY_ID, args![&b], HandoffRow::from_row).await?
                {
                    drop_handoff_blob(c, &b, &h.sha256, now).await?;
                }
            }
            let row = one(c, &sql::HANDOFF_BY_ID, args![&b], HandoffRow::from_row).await?;
            Ok(row.filter(|h| h.claimed_by.as_deref() == Some(a.as_str())))
        })
    }

    async fn insert_catalog_bundle(&self, b: &CatalogBundleRow) -> DbResult<bool> {
        let b = b.clone();
        txn!(self, Txn::Plain, |c| {
            if one(
                c,
                &sql::CATALOG_BUNDLE,
                args![&b.version],
                CatalogBundleRow::from_row,
            )
            .await?
            .is_some()
            {
                return Ok(false);
            }
            c.execute(
                &sql::INSERT_CATALOG_BUNDLE,
                args![&b.version, &b.sha256, b.size, b.published_at],
            )
            .await?;
            Ok(true)
        })
    }

    async fn latest_catalog_bundle(&self) -> DbResult<Option<CatalogBundleRow>> {
        read!(self, |c| one(
            c,
            &sql::LATEST_CATALOG_BUNDLE,
            &[],
            CatalogBundleRow::from_row
        )
        .await)
    }

    async fn catalog_bundle(&self, version: &str) -> DbResult<Option<CatalogBundleRow>> {
        row_for(
            self,
            &sql::CATALOG_BUNDLE,
            version,
            CatalogBundleRow::from_row,
        )
        .await
    }

    async fn handoffs_of(&self, sender_id: &str, now: i64) -> DbResult<Vec<HandoffRow>> {
        let a = sender_id.to_owned();
        read!(self, |c| all(
            c,
            &sql::HANDOFFS_OF_SENDER,
            args![&a, now],
            HandoffRow::from_row
        )
        .await)
    }

    async fn report_rows(&self, who: &ReportWho, from: i64, to: i64) -> DbResult<ReportRows> {
        let (key, visits, tasks, dossiers): (
            String,
            &'static sql::Sql,
            &'static sql::Sql,
            &'static sql::Sql,
        ) = match who {
            ReportWho::Volunteer(id) => (
                id.clone(),
                &sql::REPORT_VISITS_OF_VOLUNTEER,
                &sql::REPORT_TASKS_OF_VOLUNTEER,
                &sql::REPORT_DOSSIERS_OF_VOLUNTEER,
            ),
            ReportWho::Team(id) => (
                id.clone(),
                &sql::REPORT_VISITS_OF_TEAM,
                &sql::REPORT_TASKS_OF_TEAM,
                &sql::REPORT_DOSSIERS_OF_TEAM,
            ),
        };
        read!(self, |c| {
            Ok(ReportRows {
                visits: all(c, visits, args![&key, from], VisitRow::from_row).await?,
                tasks: all(c, tasks, args![&key, from, to], VisitTaskRow::from_row).await?,
                dossiers: all(c, dossiers, args![&key, from, to], |r| {
                    Ok((
                        r.text("submitter_id")?,
                        r.text("procedure_code")?,
                        r.text("state")?,
                    ))
                })
                .await?,
            })
        })
    }

    async fn requeue_file_deletion(&self, kind: FileKind, name: &str, now: i64) -> DbResult<()> {
        let name = name.to_owned();
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::QUEUE_FILE_DELETION, args![kind.as_str(), &name, now])
            .await
            .map(drop))
    }

    async fn identity(&self, account_id: &str) -> DbResult<Option<Identity>> {
        Ok(
            row_for(self, &sql::IDENTITY, account_id, Identity::from_row)
                .await?
                .flatten(),
        )
    }

    async fn change_password(
        &self,
        account_id: &str,
        password_hash: &str,
        keep_token: Option<&str>,
        now: i64,
    ) -> DbResult<()> {
        let (id, h, keep) = (
            account_id.to_owned(),
            password_hash.to_owned(),
            keep_token.map(str::to_owned),
        );
        txn!(self, Txn::Plain, |c| {
            c.execute(&sql::SET_PASSWORD, args![&id, &h]).await?;
            match &keep {
                Some(t) => {
                    c.execute(&sql::REVOKE_OTHER_TOKENS, args![&id, now, t])
                        .await?
                }
                None => c.execute(&sql::REVOKE_ALL_TOKENS, args![&id, now]).await?,
            };
            Ok(())
        })
    }

    async fn set_disabled(
        &self,
        account_id: &str,
        disabled: bool,
        actor_id: &str,
        now: i64,
    ) -> DbResult<bool> {
        let (id, actor) = (account_id.to_owned(), actor_id.to_owned());
        txn!(self, Txn::Plain, |c| {
            if c.execute(&sql::SET_DISABLED, args![&id, disabled]).await? == 0 {
                return Ok(false);
            }
            let (action, detail) = if disabled {
                let n = c.execute(&sql::REVOKE_ALL_TOKENS, args![&id, now]).await?;
                ("account_disabled", format!("{n} tokens revoked"))
            } else {
                ("account_enabled", String::new())
            };
            c.execute(
                &sql::INSERT_ACCOUNT_AUDIT,
                args![now, &actor, action, &detail, &id],
            )
            .await?;
            Ok(true)
        })
    }

    async fn admin_set_password(
        &self,
        account_id: &str,
        password_hash: &str,
        actor_id: &str,
        now: i64,
    ) -> DbResult<bool> {
        let (id, h, actor) = (
            account_id.to_owned(),
            password_hash.to_owned(),
            actor_id.to_owned(),
        );
        txn!(self, Txn::Plain, |c| {
            if c.execute(&sql::SET_PASSWORD, args![&id, &h]).await? == 0 {
                return Ok(false);
            }
            let n = c.execute(&sql::REVOKE_ALL_TOKENS, args![&id, now]).await?;
            let detail = format!("{n} tokens revoked");
            c.execute(
                &sql::INSERT_ACCOUNT_AUDIT,
                args![now, &actor, "password_set", &detail, &id],
            )
            .await?;
            Ok(true)
        })
    }

    async fn admin_revoke_tokens(
        &self,
        account_id: &str,
        actor_id: &str,
        now: i64,
    ) -> DbResult<u64> {
        let (id, actor) = (account_id.to_owned(), actor_id.to_owned());
        txn!(self, Txn::Plain, |c| {
            let n = c.execute(&sql::REVOKE_ALL_TOKENS, args![&id, now]).await?;
            let detail = format!("{n} tokens revoked");
            c.execute(
                &sql::INSERT_ACCOUNT_AUDIT,
                args![now, &actor, "tokens_revoked", &detail, &id],
            )
            .await?;
            Ok(n)
        })
    }

    async fn account_audit(&self, account_id: &str) -> DbResult<Vec<AccountAuditRow>> {
        rows_for(
            self,
            &sql::ACCOUNT_AUDIT,
            account_id,
            AccountAuditRow::from_row,
        )
        .await
    }

    async fn hit_rate_limits(&self, hits: &[RateHit], now: i64) -> DbResult<Vec<RateCount>> {
        let hits = hits.to_vec();
        txn!(self, Txn::Plain, |c| {
            let mut out = Vec::with_capacity(hits.len());
            for h in &hits {
                let mut row = c
                    .query_one(
                        &sql::HIT_RATE_LIMIT,
                        args![&h.key, now, now.saturating_add(h.window_ms)],
                    )
                    .await?;
                out.push(RateCount {
                    hits: row.int("hits")?,
                    expires_at: row.int("expires_at")?,
                });
            }
            Ok(out)
        })
    }

    async fn clear_rate_limit(&self, key: &str) -> DbResult<()> {
        let key = key.to_owned();
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::CLEAR_RATE_LIMIT, args![&key])
            .await
            .map(drop))
    }

    async fn put_otp(&self, otp: &OtpRow) -> DbResult<()> {
        let o = otp.clone();
        txn!(self, Txn::Plain, |c| c
            .execute(
                &sql::PUT_OTP,
                args![
                    &o.id,
                    &o.phone,
                    o.purpose.as_str(),
                    &o.code_hash,
                    o.attempts,
                    o.sends,
                    &o.account_id,
                    &o.payload,
                    o.expires_at,
                    o.resend_at,
                    o.created_at
                ]
            )
            .await
            .map(drop))
    }

    async fn otp(&self, phone: &str, purpose: OtpPurpose) -> DbResult<Option<OtpRow>> {
        let phone = phone.to_owned();
        read!(self, |c| one(
            c,
            &sql::OTP,
            args![&phone, purpose.as_str()],
            OtpRow::from_row
        )
        .await)
    }

    async fn otp_attempt(
        &self,
        phone: &str,
        purpose: OtpPurpose,
        max_attempts: i64,
        now: i64,
    ) -> DbResult<Option<OtpRow>> {
        let phone = phone.to_owned();
        txn!(self, Txn::Plain, |c| one(
            c,
            &sql::OTP_ATTEMPT,
            args![&phone, purpose.as_str(), max_attempts, now],
            OtpRow::from_row
        )
        .await)
    }

    async fn resend_otp(
        &self,
        id: &str,
        code_hash: &str,
        expires_at: i64,
        resend_at: i64,
        now: i64,
    ) -> DbResult<Option<OtpRow>> {
        let (id, h) = (id.to_owned(), code_hash.to_owned());
        txn!(self, Txn::Plain, |c| one(
            c,
            &sql::RESEND_OTP,
            args![&id, &h, expires_at, resend_at, now],
            OtpRow::from_row
        )
        .await)
    }

    async fn complete_registration_otp(
        &self,
        otp_id: &str,
        code_hash: &str,
        account: &Account,
        identity: &Identity,
        now: i64,
    ) -> DbResult<RegistrationOutcome> {
        let (otp_id, h, a, i) = (
            otp_id.to_owned(),
            code_hash.to_owned(),
            account.clone(),
            identity.clone(),
        );
        txn!(self, Txn::Plain, |c| {
            if c.query_opt(&sql::CONSUME_OTP, args![&otp_id, &h])
                .await?
                .is_none()
            {
                return Ok(RegistrationOutcome::CodeGone);
            }
            if !insert_account(c, &a, now).await? {
                return Ok(RegistrationOutcome::LoginTaken);
            }
            c.execute(
                &sql::SET_IDENTITY,
                args![&a.id, &i.full_name, &i.id_number, &i.birth_date],
            )
            .await?;
            c.execute(&sql::INSERT_PREF, args![&a.id, Channel::Sms.as_str()])
                .await?;
            Ok(RegistrationOutcome::Created)
        })
    }

    async fn complete_password_reset(
        &self,
        otp_id: &str,
        code_hash: &str,
        account_id: &str,
        password_hash: &str,
        now: i64,
    ) -> DbResult<bool> {
        let (otp_id, h, id, pw) = (
            otp_id.to_owned(),
            code_hash.to_owned(),
            account_id.to_owned(),
            password_hash.to_owned(),
        );
        txn!(self, Txn::Plain, |c| {
            if c.query_opt(&sql::CONSUME_OTP, args![&otp_id, &h])
                .await?
                .is_none()
            {
                return Ok(false);
            }
            c.execute(&sql::SET_PASSWORD, args![&id, &pw]).await?;
            c.execute(&sql::REVOKE_ALL_TOKENS, args![&id, now]).await?;
            Ok(true)
        })
    }

    async fn find_token(&self, token_hash: &str, now: i64) -> DbResult<Option<(Token, Account)>> {
        let h = token_hash.to_owned();
        read!(self, |c| one(c, &sql::FIND_TOKEN, args![&h, now], |r| {
            Ok((Token::from_row(r)?, Account::from_row(r)?))
        })
        .await)
    }

    async fn touch_token(&self, token_id: &str, now: i64) -> DbResult<()> {
        let id = token_id.to_owned();
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::TOUCH_TOKEN, args![&id, now])
            .await
            .map(drop))
    }

    async fn notification_settings(
        &self,
        account_id: &str,
    ) -> DbResult<(Vec<Channel>, Option<String>)> {
        let id = account_id.to_owned();
        read!(self, |c| {
            let mut channels = all(c, &sql::PREFS, args![&id], |r| {
                parse_channel(&r.text("channel")?)
            })
            .await?;
            channels.sort();
            let email = one(c, &sql::EMAIL, args![&id], |r| r.opt_text("email"))
                .await?
                .flatten();
            Ok((channels, email))
        })
    }

    async fn set_notification_settings(
        &self,
        account_id: &str,
        channels: &[Channel],
        email: Option<&str>,
    ) -> DbResult<()> {
        let (id, channels, email) = (
            account_id.to_owned(),
            channels.to_vec(),
            email.map(str::to_owned),
        );
        txn!(self, Txn::Plain, |c| {
            c.execute(&sql::DELETE_PREFS, args![&id]).await?;
            for ch in &channels {
                c.execute(&sql::INSERT_PREF, args![&id, ch.as_str()])
                    .await?;
            }
            c.execute(&sql::SET_EMAIL, args![&id, &email]).await?;
            Ok(())
        })
    }

    fn set_outbox_channels(&self, channels: &[Channel]) {
        self.outbox_channels
            .store(OutboxChannels::of(channels).0, Ordering::Relaxed);
    }

    async fn claim_outbox(&self, now: i64, lease_ms: i64, limit: i64) -> DbResult<Vec<OutboxJob>> {
        txn!(self, Txn::Plain, |c| {
            let mut jobs = all(
                c,
                &sql::CLAIM_OUTBOX,
                args![now, now.saturating_add(lease_ms), limit],
                OutboxJob::from_row,
            )
            .await?;
            jobs.sort_by_key(|j| j.id);
            Ok(jobs)
        })
    }

    async fn contact(&self, account_id: &str) -> DbResult<Option<Contact>> {
        row_for(self, &sql::CONTACT, account_id, Contact::from_row).await
    }

    async fn outbox_sent(&self, id: i64, now: i64) -> DbResult<()> {
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::OUTBOX_SENT, args![id, now])
            .await
            .map(drop))
    }

    async fn outbox_retry(&self, id: i64, next_attempt_at: i64, error: &str) -> DbResult<()> {
        let e = error.to_owned();
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::OUTBOX_RETRY, args![id, next_attempt_at, &e])
            .await
            .map(drop))
    }

    async fn outbox_failed(&self, id: i64, error: &str) -> DbResult<()> {
        let e = error.to_owned();
        txn!(self, Txn::Plain, |c| c
            .execute(&sql::OUTBOX_FAILED, args![id, &e])
            .await
            .map(drop))
    }

    async fn outbox(&self, status: Option<OutboxStatus>, limit: i64) -> DbResult<Vec<OutboxRow>> {
        read!(self, |c| all(
            c,
            &sql::OUTBOX_LIST,
            args![status.map(OutboxStatus::as_str), limit],
            OutboxRow::from_row
        )
        .await)
    }

    async fn ops_figures(&self, now: i64) -> DbResult<OpsFigures> {
        read!(self, |c| {
            let count = |n: i64| u64::try_from(n).unwrap_or(0);
            let mut scalars = c.query_one(&sql::OPS_SCALARS, args![now]).await?;
            let mut out = OpsFigures {
                outbox_pending: count(scalars.int("outbox_pending")?),
                outbox_due: count(scalars.int("outbox_due")?),
                outbox_oldest_due: scalars.opt_int("outbox_oldest_due")?,
                uploads_open: count(scalars.int("uploads_open")?),
                ..OpsFigures::default()
            };
            out.dossiers = all(c, &sql::OPS_DOSSIER_COUNTS, &[], |r| {
                Ok((
                    r.text("agency_code")?,
                    parse_state(&r.text("state")?)?,
                    u64::try_from(r.int("n")?).unwrap_or(0),
                ))
            })
            .await?;
            let steps = all(c, &sql::OPS_OPEN_STEPS, &[], |r| {
                Ok((
                    r.text("uuid")?,
                    r.text("agency_code")?,
                    r.text("procedure_code")?,
                    r.int("received_at")?,
                    (
                        r.int("at")?,
                        parse_state(&r.text("state")?)?,
                        r.text("kind")? == "payment_claimed",
                    ),
                ))
            })
            .await?;
            let mut last_uuid: Option<String> = None;
            for (uuid, agency_code, procedure_code, received_at, step) in steps {
                match out.open.last_mut() {
                    Some(d) if last_uuid.as_deref() == Some(uuid.as_str()) => d.steps.push(step),
                    _ => {
                        out.open.push(OpenDossier {
                            agency_code,
                            procedure_code,
                            received_at,
                            steps: vec![step],
                        });
                        last_uuid = Some(uuid);
                    }
                }
            }
            Ok(out)
        })
    }

    async fn outbox_counts(&self) -> DbResult<(u64, u64, u64)> {
        read!(self, |c| {
            let rows = all(c, &sql::OUTBOX_COUNTS, &[], |r| {
                Ok((parse_outbox_status(&r.text("status")?)?, r.int("n")?))
            })
            .await?;
            let count = |s: OutboxStatus| {
                rows.iter()
                    .filter(|(st, _)| *st == s)
                    .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
                    .sum::<u64>()
            };
            Ok((
                count(OutboxStatus::Pending),
                count(OutboxStatus::Sent),
                count(OutboxStatus::Failed),
            ))
        })
    }
}
