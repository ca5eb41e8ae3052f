//! Every statement of the server, once. Statements are written in SQLite's numbered form (`?1`,
//! `?2`, …) and translated to PostgreSQL's (`$1`, `$2`, …) once, on first use. The text is chosen
//! to mean the same in both dialects (`ON CONFLICT … DO NOTHING`, `CAST(… AS BIGINT)`, `FALSE`,
//! `RETURNING`). Where the dialects really differ (lists of values, row locks, the migrations
//! table) the text comes from the backend's own module.
//!
//! Columns are read by name (see [`super::rows`]), so a statement's column list and the struct it
//! fills only need to agree on names.

use std::sync::LazyLock;

use super::dialect::Value;
use super::{postgres, sqlite};
use crate::domain::Scope;

/// One statement in both dialects.
#[derive(Debug)]
pub(crate) struct Sql {
    /// What it does, for error messages (never the arguments: they may be personal data).
    pub(crate) name: &'static str,
    /// SQLite text.
    pub(crate) sqlite: String,
    /// PostgreSQL text.
    pub(crate) postgres: String,
}

impl Sql {
    /// A statement whose text is the same in both dialects but for placeholders.
    fn shared(name: &'static str, text: &str) -> Sql {
        Sql {
            name,
            sqlite: text.to_owned(),
            postgres: to_postgres(text),
        }
    }

    /// A statement each backend writes its own way.
    fn dialects(name: &'static str, sqlite: &str, postgres: &str) -> Sql {
        Sql {
            name,
            sqlite: sqlite.to_owned(),
            postgres: postgres.to_owned(),
        }
    }
}

/// `?N` → `$N` (a `?` not followed by a digit is left alone).
pub(crate) fn to_postgres(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let numbered = c == '?' && chars.peek().is_some_and(char::is_ascii_digit);
        out.push(if numbered { '$' } else { c });
    }
    out
}

/// A statement that restricts dossiers to a [`Scope`]: three variants, built once.
#[derive(Debug)]
pub(crate) struct Scoped {
    party: Sql,
    agency: Sql,
    nothing: Sql,
}

impl Scoped {
    /// `template` holds `{scope}` where the condition goes; `table` is the alias of the table that
    /// has `submitter_id`, `citizen_id` and `agency_code`; `n` is the number of the scope's
    /// placeholder. With `lock`, PostgreSQL locks the rows read until the transaction ends.
    fn new(name: &'static str, template: &str, table: &str, n: u8, lock: bool) -> Scoped {
        let build = |clause: String| {
            let text = template.replace("{scope}", &clause);
            let mut sql = Sql::shared(name, &text);
            if lock {
                sql.sqlite.push_str(sqlite::LOCK_ROWS);
                sql.postgres.push_str(postgres::LOCK_ROWS);
            }
            sql
        };
        Scoped {
            // A party sees what was submitted for it, and what it submitted itself — for a
            // citizen only while that citizen's consent to it is live (withdrawing consent cuts a
            // volunteer off from the citizen's dossiers; see the server README).
            party: build(format!(
                "({table}.citizen_id = ?{n} OR ({table}.submitter_id = ?{n} AND \
                 ({table}.citizen_id IS NULL OR EXISTS (SELECT 1 FROM consents cs \
                 WHERE cs.citizen_id = {table}.citizen_id AND cs.volunteer_id = ?{n} \
                 AND cs.revoked_at IS NULL))))"
            )),
            agency: build(format!("{table}.agency_code = ?{n}")),
            // Admins see no dossiers; the placeholder stays so the argument count is the same.
            nothing: build(format!("(FALSE AND {table}.agency_code = ?{n})")),
        }
    }

    /// The variant for `scope` and the argument for its placeholder.
    pub(crate) fn pick<'s>(&'s self, scope: &'s Scope) -> (&'s Sql, Value<'s>) {
        match scope {
            Scope::Party(id) => (&self.party, Value::Text(id)),
            Scope::Agency(code) => (&self.agency, Value::Text(code)),
            Scope::Nothing => (&self.nothing, Value::Text("")),
        }
    }
}

/// `%q%` for `LIKE … ESCAPE '\'`: `q` matched literally anywhere.
pub(crate) fn contains_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

macro_rules! statements {
    ($($(#[$doc:meta])* $id:ident = $name:literal, $text:expr;)*) => {
        $(
            $(#[$doc])*
            pub(crate) static $id: LazyLock<Sql> = LazyLock::new(|| Sql::shared($name, $text));
        )*
    };
}

macro_rules! scoped {
    ($($(#[$doc:meta])* $id:ident = $name:literal, $table:literal, $n:literal, $lock:literal, $text:expr;)*) => {
        $(
            $(#[$doc])*
            pub(crate) static $id: LazyLock<Scoped> =
                LazyLock::new(|| Scoped::new($name, $text, $table, $n, $lock));
        )*
    };
}

macro_rules! account_cols {
    () => {
        "id, login, role, agency_code, display_name, password_hash, disabled"
    };
}

macro_rules! token_cols {
    () => {
        "t.id AS token_id, t.account_id, t.token_hash, t.kind, t.device_name, t.csrf_hash, \
         t.created_at, t.expires_at, t.last_seen_at, t.revoked_at"
    };
}

macro_rules! otp_cols {
    () => {
        "id, phone, purpose, code_hash, attempts, sends, account_id, payload, expires_at, \
         resend_at, created_at"
    };
}

macro_rules! outbox_cols {
    () => {
        "id, event_seq, channel, account_id, dossier_code, state, attempts"
    };
}

macro_rules! consent_select {
    () => {
        "SELECT c.id, c.citizen_id, c.volunteer_id, c.granted_at, c.expires_at, c.procedures, \
         c.text_version, c.method, c.revoked_at, c.ended, va.login AS volunteer_login, \
         va.display_name AS volunteer_name, ca.login AS citizen_login, \
         ca.display_name AS citizen_name FROM consents c \
         JOIN accounts va ON va.id = c.volunteer_id JOIN accounts ca ON ca.id = c.citizen_id"
    };
}

macro_rules! dossier_cols {
    () => {
        "uuid, code, agency_code, procedure_code, submitter_id, citizen_id, state, content_hash, \
         manifest, received_at, updated_at, received_seq, revision, consent_id"
    };
}

macro_rules! event_cols {
    () => {
        "e.seq, e.dossier_uuid, d.code AS dossier_code, e.at, e.state, e.payload, \
         e.agency_code AS event_agency, e.submitter_id AS event_submitter, \
         e.citizen_id AS event_citizen"
    };
}

macro_rules! revision_cols {
    () => {
        "dossier_uuid, revision, account_id, content_hash, manifest, changed_fields, \
         changed_attachments, submitted_at, event_seq"
    };
}

statements! {
    // ---- health and migrations
    PING = "ping", "SELECT 1 AS one";
    APPLIED_MIGRATIONS = "read migrations", "SELECT version FROM schema_migrations ORDER BY version";
    RECORD_MIGRATION = "record migration",
        "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)";

    // ---- agencies
    UPSERT_AGENCY = "upsert agency",
        "INSERT INTO agencies (code, name, created_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name";
    AGENCY_NAME = "agency", "SELECT name FROM agencies WHERE code = ?1";
    AGENCIES = "agencies", "SELECT code, name FROM agencies ORDER BY code";
    SET_AGENCY_BANK = "set agency bank",
        "UPDATE agencies SET bank_bin = ?2, account_number = ?3, account_name = ?4 WHERE code = ?1";
    AGENCY_BANK = "agency bank",
        "SELECT bank_bin, account_number, account_name FROM agencies WHERE code = ?1";

    // ---- accounts and registrations
    INSERT_ACCOUNT = "insert account", concat!(
        "INSERT INTO accounts (", account_cols!(), ", created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (login) DO NOTHING");
    ACCOUNT_BY_LOGIN = "account by login",
        concat!("SELECT ", account_cols!(), " FROM accounts WHERE login = ?1");
    ACCOUNT_BY_ID = "account by id",
        concat!("SELECT ", account_cols!(), " FROM accounts WHERE id = ?1");
    COUNT_ACCOUNTS = "count accounts", "SELECT COUNT(*) AS n FROM accounts";
    SET_PASSWORD = "set password", "UPDATE accounts SET password_hash = ?2 WHERE id = ?1";
    INSERT_REGISTRATION = "insert registration",
        "INSERT INTO registrations (id, login, role, display_name, password_hash, otp_hash, \
         attempts, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)";
    REGISTRATION = "registration",
        "SELECT id, login, role, display_name, password_hash, otp_hash, attempts, expires_at, \
         created_at FROM registrations WHERE id = ?1";
    BUMP_ATTEMPTS = "bump attempts",
        "UPDATE registrations SET attempts = attempts + 1 WHERE id = ?1";
    DELETE_REGISTRATION = "delete registration", "DELETE FROM registrations WHERE id = ?1";

    // ---- tokens
    INSERT_TOKEN = "insert token",
        "INSERT INTO tokens (id, account_id, token_hash, kind, device_name, csrf_hash, created_at, \
         expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    TOKEN_BY_HASH = "token by hash", concat!(
        "SELECT ", token_cols!(), ", a.id, a.login, a.role, a.agency_code, a.display_name, \
         a.password_hash, a.disabled FROM tokens t JOIN accounts a ON a.id = t.account_id \
         WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND t.expires_at > ?2");
    LIST_TOKENS = "list tokens", concat!(
        "SELECT ", token_cols!(), " FROM tokens t WHERE t.account_id = ?1 AND t.kind = ?2 \
         AND t.revoked_at IS NULL AND t.expires_at > ?3 ORDER BY t.created_at");
    REVOKE_TOKEN = "revoke token",
        "UPDATE tokens SET revoked_at = ?3 WHERE id = ?2 AND account_id = ?1 AND revoked_at IS NULL";
    REVOKE_ALL_TOKENS = "revoke all",
        "UPDATE tokens SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL";
    REVOKE_OTHER_TOKENS = "revoke others",
        "UPDATE tokens SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL AND id <> ?3";
    /// Revoked ones too: the caller tells a revoked device so.
    FIND_TOKEN = "find token", concat!(
        "SELECT ", token_cols!(), ", a.id, a.login, a.role, a.agency_code, a.display_name, \
         a.password_hash, a.disabled FROM tokens t JOIN accounts a ON a.id = t.account_id \
         WHERE t.token_hash = ?1 AND t.expires_at > ?2");
    TOUCH_TOKEN = "touch token", "UPDATE tokens SET last_seen_at = ?2 WHERE id = ?1";

    // ---- accounts: identity, admin actions
    IDENTITY = "identity",
        "SELECT full_name, id_number, birth_date FROM account_profiles WHERE account_id = ?1";
    SET_IDENTITY = "set identity",
        "INSERT INTO account_profiles (account_id, full_name, id_number, birth_date) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (account_id) DO UPDATE SET \
         full_name = excluded.full_name, id_number = excluded.id_number, \
         birth_date = excluded.birth_date";
    SET_DISABLED = "set disabled", "UPDATE accounts SET disabled = ?2 WHERE id = ?1";
    INSERT_ACCOUNT_AUDIT = "account audit",
        "INSERT INTO audit (at, actor_id, action, detail, target_account_id) \
         VALUES (?1, ?2, ?3, ?4, ?5)";
    ACCOUNT_AUDIT = "account audit rows",
        "SELECT a.at, acc.login AS actor_login, a.action FROM audit a \
         JOIN accounts acc ON acc.id = a.actor_id WHERE a.target_account_id = ?1 ORDER BY a.id";

    // ---- one-time codes and rate limits
    /// One atomic hit: a window that ended starts again at 1 (`?2` now, `?3` the new window's end).
    HIT_RATE_LIMIT = "rate limit",
        "INSERT INTO rate_limits (key, hits, expires_at) VALUES (?1, 1, ?3) \
         ON CONFLICT (key) DO UPDATE SET \
         hits = CASE WHEN rate_limits.expires_at <= ?2 THEN 1 ELSE rate_limits.hits + 1 END, \
         expires_at = CASE WHEN rate_limits.expires_at <= ?2 THEN ?3 ELSE rate_limits.expires_at END \
         RETURNING hits, expires_at";
    CLEAR_RATE_LIMIT = "clear rate limit", "DELETE FROM rate_limits WHERE key = ?1";
    /// One live code per phone and purpose: a new one replaces the row.
    PUT_OTP = "put otp", concat!(
        "INSERT INTO otp_codes (", otp_cols!(), ") \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
         ON CONFLICT (phone, purpose) DO UPDATE SET id = excluded.id, \
         code_hash = excluded.code_hash, attempts = excluded.attempts, sends = excluded.sends, \
         account_id = excluded.account_id, payload = excluded.payload, \
         expires_at = excluded.expires_at, resend_at = excluded.resend_at, \
         created_at = excluded.created_at");
    OTP = "otp", concat!(
        "SELECT ", otp_cols!(), " FROM otp_codes WHERE phone = ?1 AND purpose = ?2");
    /// Counts the attempt before the caller compares anything; no row once the code is dead.
    OTP_ATTEMPT = "otp attempt", concat!(
        "UPDATE otp_codes SET attempts = attempts + 1 \
         WHERE phone = ?1 AND purpose = ?2 AND attempts < ?3 AND expires_at > ?4 \
         RETURNING ", otp_cols!());
    RESEND_OTP = "resend otp", concat!(
        "UPDATE otp_codes SET code_hash = ?2, attempts = 0, sends = sends + 1, expires_at = ?3, \
         resend_at = ?4 WHERE id = ?1 AND resend_at <= ?5 RETURNING ", otp_cols!());
    CONSUME_OTP = "consume otp",
        "DELETE FROM otp_codes WHERE id = ?1 AND code_hash = ?2 RETURNING id";

    // ---- notification channels and the outbox
    PREFS = "channels", "SELECT channel FROM notify_prefs WHERE account_id = ?1";
    DELETE_PREFS = "clear channels", "DELETE FROM notify_prefs WHERE account_id = ?1";
    INSERT_PREF = "add channel",
        "INSERT INTO notify_prefs (account_id, channel) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
    EMAIL = "email", "SELECT email FROM account_profiles WHERE account_id = ?1";
    SET_EMAIL = "set email",
        "INSERT INTO account_profiles (account_id, email) VALUES (?1, ?2) \
         ON CONFLICT (account_id) DO UPDATE SET email = excluded.email";
    /// The applicant's status messages for event `?1`, one per channel they chose among those
    /// the server sends (`?6` SMS, `?7` e-mail, `?8` Zalo).
    ENQUEUE_STATUS = "enqueue status",
        "INSERT INTO outbox (event_seq, channel, account_id, dossier_code, state, next_attempt_at, \
         created_at) SELECT CAST(?1 AS BIGINT), p.channel, p.account_id, CAST(?2 AS TEXT), \
         CAST(?3 AS TEXT), CAST(?4 AS BIGINT), CAST(?4 AS BIGINT) FROM notify_prefs p \
         WHERE p.account_id = ?5 AND ((p.channel = 'sms' AND ?6) OR (p.channel = 'email' AND ?7) \
         OR (p.channel = 'zalo' AND ?8)) ON CONFLICT (event_seq, channel) DO NOTHING";
    /// [`ENQUEUE_STATUS`] for a new dossier's `received` event (`?1` the dossier's uuid).
    ENQUEUE_RECEIVED = "enqueue received",
        "INSERT INTO outbox (event_seq, channel, account_id, dossier_code, state, next_attempt_at, \
         created_at) SELECT (SELECT MAX(seq) FROM events WHERE dossier_uuid = ?1), p.channel, \
         p.account_id, CAST(?2 AS TEXT), CAST(?3 AS TEXT), CAST(?4 AS BIGINT), \
         CAST(?4 AS BIGINT) FROM notify_prefs p \
         WHERE p.account_id = ?5 AND ((p.channel = 'sms' AND ?6) OR (p.channel = 'email' AND ?7) \
         OR (p.channel = 'zalo' AND ?8)) ON CONFLICT (event_seq, channel) DO NOTHING";
    /// Claims due messages; the repeated conditions make a concurrent claim of the same row by
    /// another server process find nothing (PostgreSQL re-checks them on the updated row).
    CLAIM_OUTBOX = "claim outbox", concat!(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2 \
         WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1 \
         ORDER BY next_attempt_at, id LIMIT ?3) AND status = 'pending' AND next_attempt_at <= ?1 \
         RETURNING ", outbox_cols!());
    CONTACT = "contact",
        "SELECT a.login, a.role, a.disabled, p.email FROM accounts a \
         LEFT JOIN account_profiles p ON p.account_id = a.id WHERE a.id = ?1";
    OUTBOX_SENT = "outbox sent",
        "UPDATE outbox SET status = 'sent', sent_at = ?2, last_error = NULL \
         WHERE id = ?1 AND status = 'pending'";
    OUTBOX_RETRY = "outbox retry",
        "UPDATE outbox SET next_attempt_at = ?2, last_error = ?3 WHERE id = ?1 AND status = 'pending'";
    OUTBOX_FAILED = "outbox failed",
        "UPDATE outbox SET status = 'failed', last_error = ?2 WHERE id = ?1 AND status = 'pending'";
    OUTBOX_LIST = "outbox list", concat!(
        "SELECT ", outbox_cols!(), ", status, last_error, created_at, sent_at FROM outbox \
         WHERE (CAST(?1 AS TEXT) IS NULL OR status = ?1) ORDER BY id DESC LIMIT ?2");
    OUTBOX_COUNTS = "outbox counts",
        "SELECT status, CAST(COUNT(*) AS BIGINT) AS n FROM outbox GROUP BY status";
    /// For `/metrics`: pending messages, those due at `?1`, the oldest due time among them, and
    /// the uploads still open.
    OPS_SCALARS = "ops figures",
        "SELECT \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE status = 'pending') AS outbox_pending, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM outbox \
          WHERE status = 'pending' AND next_attempt_at <= ?1) AS outbox_due, \
         (SELECT MIN(next_attempt_at) FROM outbox \
          WHERE status = 'pending' AND next_attempt_at <= ?1) AS outbox_oldest_due, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM uploads) AS uploads_open";
    /// For `/metrics`: dossiers by agency and state.
    OPS_DOSSIER_COUNTS = "ops dossier counts",
        "SELECT agency_code, state, CAST(COUNT(*) AS BIGINT) AS n FROM dossiers \
         GROUP BY agency_code, state ORDER BY agency_code, state";
    /// For `/metrics`: the history of every open dossier (not finished or cancelled), for its
    /// due date; one row per event, in order. Only codes and times: no personal data.
    OPS_OPEN_STEPS = "ops open dossier steps",
        "SELECT d.uuid, d.agency_code, d.procedure_code, d.received_at, e.at, e.state, e.kind \
         FROM dossiers d JOIN events e ON e.dossier_uuid = d.uuid \
         WHERE d.state NOT IN ('result_ready', 'rejected', 'completed', 'cancelled') \
         AND e.kind <> 'paper_kept' ORDER BY d.uuid, e.seq";

    // ---- consents
    /// A consent with both parties' logins and names; `{where}` completes it.
    INSERT_CONSENT = "insert consent",
        "INSERT INTO consents (id, citizen_id, volunteer_id, granted_at, expires_at, procedures, \
         text_version, method) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    /// The live (not withdrawn or replaced) consent of a pair, expired or not.
    LIVE_CONSENT = "find consent", concat!(consent_select!(),
        " WHERE c.citizen_id = ?1 AND c.volunteer_id = ?2 AND c.revoked_at IS NULL");
    CONSENT_BY_ID = "consent", concat!(consent_select!(), " WHERE c.id = ?1");
    /// Ends the live consent of a pair (`?3` why).
    END_LIVE_CONSENT = "end consent",
        "UPDATE consents SET revoked_at = ?4, ended = ?3 \
         WHERE citizen_id = ?1 AND volunteer_id = ?2 AND revoked_at IS NULL";
    LIST_CONSENTS_GIVEN = "list consents given", concat!(consent_select!(),
        " WHERE c.citizen_id = ?1 AND c.revoked_at IS NULL AND c.expires_at > ?2 \
         ORDER BY c.granted_at, c.id");
    LIST_CONSENTS_RECEIVED = "list consents received", concat!(consent_select!(),
        " WHERE c.volunteer_id = ?1 AND c.revoked_at IS NULL AND c.expires_at > ?2 \
         AND ca.disabled = FALSE ORDER BY c.granted_at, c.id");
    REVOKE_CONSENT = "revoke consent",
        "UPDATE consents SET revoked_at = ?3, ended = 'withdrawn' \
         WHERE id = ?2 AND citizen_id = ?1 AND revoked_at IS NULL";
    /// Every consent of a volunteer from the citizen account with this login, newest first.
    CONSENTS_FROM_LOGIN = "consents from login", concat!(consent_select!(),
        " WHERE c.volunteer_id = ?1 AND ca.login = ?2 AND ca.role = 'citizen' \
         AND ca.disabled = FALSE ORDER BY c.granted_at DESC, c.id DESC LIMIT 20");
    /// Live consents that expired and have no `consent_expired` audit row yet.
    EXPIRED_UNNOTED = "expired consents",
        "SELECT id, citizen_id, volunteer_id FROM consents \
         WHERE revoked_at IS NULL AND expiry_noted = FALSE AND expires_at <= ?1 LIMIT 500";
    /// Finished or expired consent requests a month on (they hold a phone number; the audit rows
    /// stay).
    DROP_OLD_CONSENT_REQUESTS = "drop old consent requests",
        "DELETE FROM consent_requests WHERE expires_at < ?1";
    NOTE_EXPIRY = "note consent expiry",
        "UPDATE consents SET expiry_noted = TRUE WHERE id = ?1";
    INSERT_CONSENT_REQUEST = "insert consent request",
        "INSERT INTO consent_requests (id, volunteer_id, phone, citizen_id, code_hash, procedures, \
         valid_days, text_version, expires_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    /// A newer request of the same volunteer for the same phone replaces the pending one.
    REPLACE_CONSENT_REQUESTS = "replace consent requests",
        "UPDATE consent_requests SET status = 'replaced' \
         WHERE volunteer_id = ?1 AND phone = ?2 AND status = 'pending'";
    /// Counts one attempt on a usable request (pending, not expired, attempts left) and returns it.
    CONSENT_REQUEST_ATTEMPT = "consent request attempt",
        "UPDATE consent_requests SET attempts = attempts + 1 \
         WHERE id = ?1 AND volunteer_id = ?2 AND status = 'pending' AND expires_at > ?3 \
         AND attempts < ?4 RETURNING id, volunteer_id, phone, citizen_id, code_hash, attempts, \
         procedures, valid_days, text_version, status, expires_at";
    /// Marks a pending request done (`?3`); `?4` is the code hash it must still have, or NULL.
    FINISH_CONSENT_REQUEST = "finish consent request",
        "UPDATE consent_requests SET status = ?3, consent_id = CAST(?5 AS TEXT) \
         WHERE id = ?1 AND volunteer_id = ?2 AND status = 'pending' \
         AND (CAST(?4 AS TEXT) IS NULL OR code_hash = ?4)";
    FINISH_CONSENT_REQUEST_LINK = "link consent request",
        "UPDATE consent_requests SET consent_id = ?2 WHERE id = ?1";
    CONSENT_REQUEST_CITIZEN = "consent request citizen",
        "SELECT citizen_id FROM consent_requests WHERE id = ?1";

    // ---- blobs and uploads
    ACCOUNT_USAGE = "usage",
        "SELECT CAST(COALESCE((SELECT SUM(b.size) FROM blob_owners o JOIN blobs b \
         ON b.sha256 = o.sha256 WHERE o.account_id = ?1), 0) \
         + COALESCE((SELECT SUM(length) FROM uploads WHERE account_id = ?1), 0) AS BIGINT) AS usage";
    OPEN_UPLOAD = "open upload",
        "SELECT id, account_id, sha256, length, received FROM uploads \
         WHERE account_id = ?1 AND sha256 = ?2";
    CREATE_UPLOAD = "create upload",
        "INSERT INTO uploads (id, account_id, sha256, length, received, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
    UPLOAD = "upload",
        "SELECT id, account_id, sha256, length, received FROM uploads \
         WHERE id = ?1 AND account_id = ?2";
    SET_UPLOAD_RECEIVED = "set received",
        "UPDATE uploads SET received = ?2, updated_at = ?3 WHERE id = ?1";
    DELETE_UPLOAD = "delete upload", "DELETE FROM uploads WHERE id = ?1";
    INSERT_BLOB = "insert blob",
        "INSERT INTO blobs (sha256, size, created_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (sha256) DO NOTHING";
    INSERT_BLOB_OWNER = "insert blob owner",
        "INSERT INTO blob_owners (account_id, sha256, created_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT DO NOTHING";

    // ---- dossiers
    DOSSIER_BY_UUID = "find dossier",
        concat!("SELECT ", dossier_cols!(), " FROM dossiers d WHERE d.uuid = ?1");
    /// "Tra cứu hồ sơ": any dossier by its (unique) code; the caller checks the second factor.
    DOSSIER_BY_CODE = "find dossier by code",
        concat!("SELECT ", dossier_cols!(), " FROM dossiers d WHERE d.code = ?1");
    AGENCY_EXISTS = "agency", "SELECT 1 AS one FROM agencies WHERE code = ?1";
    /// The day's next number for the agency (gap-free: it runs under the event order).
    NEXT_CODE_SEQ = "code counter",
        "INSERT INTO code_counters (agency_code, day, last) VALUES (?1, ?2, 1) \
         ON CONFLICT (agency_code, day) DO UPDATE SET last = code_counters.last + 1 RETURNING last";
    INSERT_DOSSIER = "insert dossier",
        "INSERT INTO dossiers (uuid, code, agency_code, procedure_code, submitter_id, citizen_id, \
         state, content_hash, manifest, received_at, updated_at, received_seq, revision, \
         consent_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, 1, ?12)";
    /// Revision 1 is the submission itself (a new dossier's only event is its `received`).
    INSERT_FIRST_REVISION = "first revision",
        "INSERT INTO dossier_revisions (dossier_uuid, revision, account_id, content_hash, \
         manifest, submitted_at, event_seq) SELECT d.uuid, 1, d.submitter_id, d.content_hash, \
         d.manifest, d.received_at, (SELECT MAX(seq) FROM events WHERE dossier_uuid = d.uuid) \
         FROM dossiers d WHERE d.uuid = ?1";
    /// A new dossier's only event is its `received`.
    SET_RECEIVED_SEQ = "received seq",
        "UPDATE dossiers SET received_seq = (SELECT MAX(seq) FROM events WHERE dossier_uuid = ?1) \
         WHERE uuid = ?1 RETURNING received_seq";
    INSERT_EVENT = "insert event",
        "INSERT INTO events (dossier_uuid, agency_code, submitter_id, citizen_id, at, state, kind, \
         payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING seq";
    UPDATE_STATE = "update state",
        "UPDATE dossiers SET state = ?2, updated_at = ?3 WHERE uuid = ?1";
    LINK_RESULT = "link result",
        "INSERT INTO dossier_blobs (dossier_uuid, sha256, role) VALUES (?1, ?2, 'result') \
         ON CONFLICT DO NOTHING";
    INSERT_AUDIT = "audit",
        "INSERT INTO audit (at, actor_id, dossier_uuid, action, detail, event_seq) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    DOSSIER_EVENTS = "dossier events", concat!(
        "SELECT ", event_cols!(), " FROM events e JOIN dossiers d ON d.uuid = e.dossier_uuid \
         WHERE e.dossier_uuid = ?1 ORDER BY e.seq");
    /// "Thêm vào Hồ sơ của tôi": only a dossier no citizen account is linked to.
    CLAIM_DOSSIER = "claim dossier",
        "UPDATE dossiers SET citizen_id = ?2 WHERE uuid = ?1 AND citizen_id IS NULL";
    CLAIM_DOSSIER_EVENTS = "claim dossier events",
        "UPDATE events SET citizen_id = ?2 WHERE dossier_uuid = ?1 AND citizen_id IS NULL";
    INSERT_CLAIM_AUDIT = "claim audit",
        "INSERT INTO audit (at, actor_id, dossier_uuid, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)";
    DOSSIER_AUDIT = "audit",
        "SELECT a.at, acc.login AS actor_login, a.action, a.detail FROM audit a \
         JOIN accounts acc ON acc.id = a.actor_id WHERE a.dossier_uuid = ?1 ORDER BY a.id";
    MAX_EVENT_SEQ = "max seq", "SELECT COALESCE(MAX(seq), 0) AS seq FROM events";

    // ---- after submission
    REVISION = "find revision", concat!(
        "SELECT ", revision_cols!(), " FROM dossier_revisions \
         WHERE dossier_uuid = ?1 AND revision = ?2");
    REVISIONS = "revisions", concat!(
        "SELECT ", revision_cols!(), " FROM dossier_revisions \
         WHERE dossier_uuid = ?1 ORDER BY revision");
    LINKED_ATTACHMENTS = "linked blobs",
        "SELECT sha256 FROM dossier_blobs WHERE dossier_uuid = ?1 AND role = 'attachment'";
    UPDATE_FOR_REVISION = "update dossier",
        "UPDATE dossiers SET manifest = ?2, revision = ?3, state = ?4, updated_at = ?5 WHERE uuid = ?1";
    INSERT_REVISION = "insert revision", concat!(
        "INSERT INTO dossier_revisions (", revision_cols!(), ") \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    RATING = "rating",
        "SELECT stars, comment, rated_at FROM ratings WHERE dossier_uuid = ?1";
    // ---- clean-up (the retention policy in the README)
    EXPIRE_UPLOADS = "expire uploads",
        "DELETE FROM uploads WHERE updated_at < ?1 RETURNING id";
    EXPIRE_REGISTRATIONS = "expire registrations",
        "DELETE FROM registrations WHERE expires_at < ?1";
    EXPIRE_TOKENS = "expire tokens",
        "DELETE FROM tokens WHERE expires_at < ?1 OR revoked_at < ?1";
    EXPIRE_CODES = "expire codes", "DELETE FROM otp_codes WHERE expires_at < ?1";
    EXPIRE_COUNTERS = "expire counters", "DELETE FROM rate_limits WHERE expires_at < ?1";
    EXPIRE_SENT_MESSAGES = "expire sent messages",
        "DELETE FROM outbox WHERE status = 'sent' AND sent_at < ?1";
    /// Blobs nothing needs any more: older than the cut-off, no owner row newer than it, and
    /// linked (if at all) only as attachments of dossiers that reached a final state before it.
    /// Result files and papers the agency scanned are kept as long as their dossier exists.
    EXPIRED_BLOBS = "expired blobs",
        "SELECT b.sha256 FROM blobs b WHERE b.created_at < ?1 \
         AND NOT EXISTS (SELECT 1 FROM blob_owners o WHERE o.sha256 = b.sha256 \
         AND o.created_at >= ?1) \
         AND NOT EXISTS (SELECT 1 FROM dossier_blobs x JOIN dossiers y ON y.uuid = x.dossier_uuid \
         WHERE x.sha256 = b.sha256 AND (x.role = 'result' \
         OR y.state NOT IN ('completed', 'rejected', 'cancelled') OR y.updated_at >= ?1)) \
         AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.sha256 = b.sha256 \
         AND h.received_at IS NULL) \
         AND NOT EXISTS (SELECT 1 FROM agency_papers p WHERE p.sha256 = b.sha256) \
         ORDER BY b.sha256 LIMIT ?2";
    DROP_BLOB_LINKS = "drop blob links",
        "DELETE FROM dossier_blobs WHERE sha256 = ?1 AND role = 'attachment'";
    DROP_BLOB_OWNERS = "drop blob owners", "DELETE FROM blob_owners WHERE sha256 = ?1";
    DROP_BLOB = "drop blob", "DELETE FROM blobs WHERE sha256 = ?1";
    QUEUE_FILE_DELETION = "queue file deletion",
        "INSERT INTO file_deletions (kind, name, queued_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (kind, name) DO UPDATE SET queued_at = excluded.queued_at";
    /// Queued file deletions due now, and whether a row for the file has come back meanwhile.
    DUE_FILE_DELETIONS = "due file deletions",
        "SELECT f.kind, f.name, f.queued_at, CASE \
         WHEN f.kind = 'blob' THEN EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = f.name) \
         ELSE EXISTS (SELECT 1 FROM uploads u WHERE u.id = f.name) END AS in_use \
         FROM file_deletions f WHERE f.queued_at < ?1 ORDER BY f.queued_at LIMIT ?2";
    FILE_DELETION_DONE = "file deletion done",
        "DELETE FROM file_deletions WHERE kind = ?1 AND name = ?2";
    INSERT_RATING = "insert rating",
        "INSERT INTO ratings (dossier_uuid, account_id, stars, comment, rated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)";

    // ---- the officer's records on a dossier (console)
    /// An audit row of a step that appends no event (a note, an identity check).
    INSERT_AUDIT_NO_EVENT = "audit",
        "INSERT INTO audit (at, actor_id, dossier_uuid, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)";
    INSERT_NOTE = "insert officer note",
        "INSERT INTO officer_notes (dossier_uuid, author_id, body, created_at) \
         VALUES (?1, ?2, ?3, ?4)";
    /// Newest first.
    NOTES = "officer notes",
        "SELECT n.id, n.body, n.created_at, acc.login AS author_login, \
         acc.display_name AS author_name FROM officer_notes n \
         JOIN accounts acc ON acc.id = n.author_id WHERE n.dossier_uuid = ?1 ORDER BY n.id DESC";
    INSERT_IDENTITY_CHECK = "insert identity check",
        "INSERT INTO identity_checks (dossier_uuid, officer_id, method, outcome, detail, checked_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    /// Oldest first.
    IDENTITY_CHECKS = "identity checks",
        "SELECT i.method, i.outcome, i.detail, i.checked_at, acc.login AS officer_login, \
         acc.display_name AS officer_name FROM identity_checks i \
         JOIN accounts acc ON acc.id = i.officer_id WHERE i.dossier_uuid = ?1 ORDER BY i.id";
    INSERT_AGENCY_PAPER = "insert agency paper",
        "INSERT INTO agency_papers (dossier_uuid, sha256, kind, pages, content_type, size, \
         officer_id, added_at, event_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    /// Oldest first.
    AGENCY_PAPERS = "agency papers",
        "SELECT p.sha256, p.kind, p.pages, p.content_type, p.size, p.added_at, \
         acc.login AS officer_login, acc.display_name AS officer_name FROM agency_papers p \
         JOIN accounts acc ON acc.id = p.officer_id WHERE p.dossier_uuid = ?1 ORDER BY p.id";
}

scoped! {
    DOSSIER_IN_SCOPE = "dossier", "d", 2, false,
        concat!("SELECT ", dossier_cols!(), " FROM dossiers d WHERE d.uuid = ?1 AND {scope}");
    /// The dossier and the kind of its latest event, locked for a change.
    DOSSIER_FOR_CHANGE = "dossier for change", "d", 2, true, concat!(
        "SELECT ", dossier_cols!(), ", (SELECT kind FROM events WHERE dossier_uuid = d.uuid \
         AND kind <> 'paper_kept' ORDER BY seq DESC LIMIT 1) AS last_event FROM dossiers d WHERE d.uuid = ?1 AND {scope}");
    STATE_FOR_RATING = "dossier for rating", "d", 2, true,
        "SELECT d.state FROM dossiers d WHERE d.uuid = ?1 AND {scope}";
    /// Newest first; `?5`/`?6`: only dossiers older than this `(received_at, uuid)` (a cursor;
    /// `?5` is the time as text so that NULL needs no typed integer).
    LIST_DOSSIERS = "list dossiers", "d", 1, false,
        "SELECT d.uuid, d.code, d.agency_code, d.procedure_code, d.submitter_id, d.citizen_id, \
         d.state, d.content_hash, d.manifest, d.received_at, d.updated_at, d.received_seq, \
         d.revision, d.consent_id, sa.login AS submitter_login, \
         sa.display_name AS submitter_name, ca.display_name AS citizen_name \
         FROM dossiers d JOIN accounts sa ON sa.id = d.submitter_id \
         LEFT JOIN accounts ca ON ca.id = d.citizen_id WHERE {scope} \
         AND (CAST(?2 AS TEXT) IS NULL OR d.state = ?2) \
         AND (CAST(?3 AS TEXT) IS NULL OR lower(d.code) LIKE lower(?3) ESCAPE '\\') \
         AND (CAST(?5 AS TEXT) IS NULL OR d.received_at < CAST(?5 AS BIGINT) \
              OR (d.received_at = CAST(?5 AS BIGINT) AND d.uuid < ?6)) \
         AND (CAST(?7 AS TEXT) IS NULL OR (CAST(?7 AS TEXT) = 'finished') = \
              (d.state IN ('rejected', 'completed', 'cancelled'))) \
         ORDER BY d.received_at DESC, d.uuid DESC LIMIT ?4";
    EVENTS_AFTER = "events after", "e", 1, false, concat!(
        "SELECT ", event_cols!(), " FROM events e JOIN dossiers d ON d.uuid = e.dossier_uuid \
         WHERE e.seq > ?2 AND {scope} ORDER BY e.seq LIMIT ?3");
    OPEN_EVENTS_AFTER = "open dossiers' events after", "e", 1, false, concat!(
        "SELECT ", event_cols!(), " FROM events e JOIN dossiers d ON d.uuid = e.dossier_uuid \
         WHERE e.seq > ?2 AND {scope} \
         AND d.state NOT IN ('rejected', 'completed', 'cancelled') ORDER BY e.seq LIMIT ?3");
    READABLE_BLOB = "readable blob", "d", 3, false,
        "SELECT b.sha256, b.size FROM blobs b WHERE b.sha256 = ?1 AND ( \
         EXISTS (SELECT 1 FROM blob_owners o WHERE o.sha256 = b.sha256 AND o.account_id = ?2) \
         OR EXISTS (SELECT 1 FROM dossier_blobs db JOIN dossiers d ON d.uuid = db.dossier_uuid \
         WHERE db.sha256 = b.sha256 AND {scope}) \
         OR EXISTS (SELECT 1 FROM agency_papers p JOIN dossiers d ON d.uuid = p.dossier_uuid \
         WHERE p.sha256 = b.sha256 AND {scope}) \
         OR EXISTS (SELECT 1 FROM handoffs h WHERE h.sha256 = b.sha256 \
         AND h.claimed_by = ?2 AND h.received_at IS NULL))";
}

/// Which of a list of hashes an account owns (`?1` account, `?2` the list).
pub(crate) static OWNED_BLOBS: LazyLock<Sql> =
    LazyLock::new(|| Sql::dialects("owned blobs", sqlite::OWNED_BLOBS, postgres::OWNED_BLOBS));

/// Links a list of hashes to a dossier as attachments (`?1` dossier, `?2` the list).
pub(crate) static LINK_ATTACHMENTS: LazyLock<Sql> = LazyLock::new(|| {
    Sql::dialects(
        "link blobs",
        sqlite::LINK_ATTACHMENTS,
        postgres::LINK_ATTACHMENTS,
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_translated_once_and_only_numbered_ones() {
        assert_eq!(
            to_postgres("SELECT a FROM t WHERE x = ?1 AND y = ?12 AND z = '?'"),
            "SELECT a FROM t WHERE x = $1 AND y = $12 AND z = '?'"
        );
        assert!(DOSSIER_BY_UUID.postgres.ends_with("WHERE d.uuid = $1"));
        assert!(DOSSIER_BY_UUID.sqlite.ends_with("WHERE d.uuid = ?1"));
    }

    #[test]
    fn scoped_statements_name_the_scope_argument() {
        let party = Scope::Party("acc".into());
        let (sql, arg) = DOSSIER_IN_SCOPE.pick(&party);
        assert!(sql.postgres.ends_with(
            "(d.citizen_id = $2 OR (d.submitter_id = $2 AND (d.citizen_id IS NULL OR \
             EXISTS (SELECT 1 FROM consents cs WHERE cs.citizen_id = d.citizen_id \
             AND cs.volunteer_id = $2 AND cs.revoked_at IS NULL))))"
        ));
        assert!(matches!(arg, Value::Text("acc")));
        let agency = Scope::Agency("A.1".into());
        let (sql, _) = DOSSIER_FOR_CHANGE.pick(&agency);
        assert!(sql.postgres.ends_with("d.agency_code = $2 FOR UPDATE"));
        assert!(sql.sqlite.ends_with("d.agency_code = ?2"));
        let (sql, arg) = EVENTS_AFTER.pick(&Scope::Nothing);
        assert!(sql.sqlite.contains("(FALSE AND e.agency_code = ?1)"));
        assert!(matches!(arg, Value::Text("")));
    }

    #[test]
    fn code_search_matches_literally() {
        assert_eq!(contains_pattern("H23-2209"), "%H23-2209%");
        assert_eq!(contains_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
        assert_eq!(contains_pattern(""), "%%");
    }
}

macro_rules! visit_cols {
    () => {
        "id, volunteer_id, household_id, commune, started_at, ended_at, follow_up_on"
    };
}

macro_rules! team_cols {
    () => {
        "t.id, t.name, t.agency_code, t.leader_id"
    };
}

macro_rules! campaign_cols {
    () => {
        "id, team_id, name, starts_on, ends_on, targets"
    };
}

macro_rules! handoff_cols {
    () => {
        "bundle_id, sender_id, sha256, size, created_at, expires_at, claimed_by, received_at"
    };
}

statements! {
    // ---- the hand-off relay (protocol 1.3)
    HANDOFF_BY_ID = "handoff", concat!("SELECT ", handoff_cols!(),
        " FROM handoffs WHERE bundle_id = ?1");
    INSERT_HANDOFF = "insert handoff",
        "INSERT INTO handoffs (bundle_id, sender_id, sha256, size, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    /// Whether account `?1` uploaded blob `?2` of `?3` bytes.
    OWNS_BLOB_OF_SIZE = "owns blob of size",
        "SELECT b.sha256 FROM blobs b JOIN blob_owners o ON o.sha256 = b.sha256 \
         WHERE o.account_id = ?1 AND b.sha256 = ?2 AND b.size = ?3";
    CLAIM_HANDOFF = "claim handoff",
        "UPDATE handoffs SET claimed_by = ?2, claimed_at = ?3 WHERE bundle_id = ?1 \
         AND claimed_by IS NULL AND received_at IS NULL AND expires_at > ?3";
    RECEIVE_HANDOFF = "receive handoff",
        "UPDATE handoffs SET received_at = ?3 WHERE bundle_id = ?1 AND claimed_by = ?2 \
         AND received_at IS NULL";
    HANDOFFS_OF_SENDER = "handoffs of sender", concat!("SELECT ", handoff_cols!(),
        " FROM handoffs WHERE sender_id = ?1 AND expires_at > ?2 \
         ORDER BY created_at DESC, bundle_id");
    EXPIRED_HANDOFFS = "expired handoffs",
        "SELECT bundle_id, sha256 FROM handoffs WHERE expires_at <= ?1 \
         ORDER BY expires_at, bundle_id LIMIT ?2";
    DELETE_HANDOFF = "delete handoff", "DELETE FROM handoffs WHERE bundle_id = ?1";
    /// Whether blob `?1` is still needed once hand-off `?2` no longer needs it: a dossier links
    /// it, or another hand-off not yet received holds it.
    BLOB_NEEDED_BEYOND_HANDOFF = "blob needed beyond handoff",
        "SELECT b.sha256 FROM blobs b WHERE b.sha256 = ?1 AND ( \
         EXISTS (SELECT 1 FROM dossier_blobs x WHERE x.sha256 = ?1) \
         OR EXISTS (SELECT 1 FROM handoffs h WHERE h.sha256 = ?1 AND h.bundle_id <> ?2 \
         AND h.received_at IS NULL))";
}

statements! {
    // ---- published catalog bundles
    INSERT_CATALOG_BUNDLE = "insert catalog bundle",
        "INSERT INTO catalog_bundles (version, sha256, size, published_at) VALUES (?1, ?2, ?3, ?4)";
    LATEST_CATALOG_BUNDLE = "latest catalog bundle",
        "SELECT version, sha256, size, published_at FROM catalog_bundles ORDER BY seq DESC LIMIT 1";
    CATALOG_BUNDLE = "catalog bundle",
        "SELECT version, sha256, size, published_at FROM catalog_bundles WHERE version = ?1";
}

/// The members of team `?1` (for report statements).
macro_rules! team_volunteers {
    () => {
        "(SELECT account_id FROM team_members WHERE team_id = ?1)"
    };
}

statements! {
    // ---- field work: visits, teams, campaigns, reports
    VISIT_OWNER = "visit owner", "SELECT volunteer_id, body_sha256 FROM visits WHERE id = ?1";
    INSERT_VISIT = "insert visit",
        "INSERT INTO visits (id, volunteer_id, household_id, commune, started_at, ended_at, \
         follow_up_on, body_sha256, received_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)";
    UPDATE_VISIT = "update visit",
        "UPDATE visits SET household_id = ?2, commune = ?3, started_at = ?4, ended_at = ?5, \
         follow_up_on = ?6, body_sha256 = ?7, updated_at = ?8 WHERE id = ?1";
    DELETE_VISIT_TASKS = "delete visit tasks", "DELETE FROM visit_tasks WHERE visit_id = ?1";
    INSERT_VISIT_TASK = "insert visit task",
        "INSERT INTO visit_tasks (visit_id, task, person_id) VALUES (?1, ?2, ?3) \
         ON CONFLICT DO NOTHING";
    INSERT_TEAM = "insert team",
        "INSERT INTO teams (id, name, agency_code, leader_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)";
    TEAM_BY_ID = "team", concat!("SELECT ", team_cols!(), " FROM teams t WHERE t.id = ?1");
    TEAMS_ALL = "teams", concat!("SELECT ", team_cols!(), " FROM teams t ORDER BY t.name, t.id");
    TEAMS_OF_AGENCY = "teams of agency", concat!("SELECT ", team_cols!(),
        " FROM teams t WHERE t.agency_code = ?1 ORDER BY t.name, t.id");
    TEAM_OF_ACCOUNT = "team of account", concat!("SELECT ", team_cols!(),
        " FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.account_id = ?1");
    TEAM_MEMBERS = "team members",
        "SELECT m.account_id, a.display_name FROM team_members m \
         JOIN accounts a ON a.id = m.account_id WHERE m.team_id = ?1 \
         ORDER BY m.joined_at, m.account_id";
    /// Puts `?1` into team `?2` (out of any other); joining the same team again changes nothing.
    UPSERT_TEAM_MEMBER = "upsert team member",
        "INSERT INTO team_members (account_id, team_id, joined_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (account_id) DO UPDATE SET team_id = excluded.team_id, \
         joined_at = excluded.joined_at WHERE team_members.team_id <> excluded.team_id";
    INSERT_CAMPAIGN = "insert campaign",
        "INSERT INTO campaigns (id, team_id, name, starts_on, ends_on, targets, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    CAMPAIGN_BY_ID = "campaign", concat!("SELECT ", campaign_cols!(), " FROM campaigns WHERE id = ?1");
    CAMPAIGNS_OF_TEAM = "campaigns of team", concat!("SELECT ", campaign_cols!(),
        " FROM campaigns WHERE team_id = ?1 ORDER BY starts_on DESC, id DESC");
    /// A volunteer's visits started at or after `?2`.
    REPORT_VISITS_OF_VOLUNTEER = "report visits (volunteer)", concat!("SELECT ", visit_cols!(),
        " FROM visits WHERE volunteer_id = ?1 AND started_at >= ?2 ORDER BY started_at, id");
    REPORT_VISITS_OF_TEAM = "report visits (team)", concat!("SELECT ", visit_cols!(),
        " FROM visits WHERE volunteer_id IN ", team_volunteers!(),
        " AND started_at >= ?2 ORDER BY started_at, id");
    /// Tasks of the visits started in `[?2, ?3)`.
    REPORT_TASKS_OF_VOLUNTEER = "report tasks (volunteer)",
        "SELECT t.visit_id, t.task, t.person_id FROM visit_tasks t \
         JOIN visits v ON v.id = t.visit_id \
         WHERE v.volunteer_id = ?1 AND v.started_at >= ?2 AND v.started_at < ?3";
    REPORT_TASKS_OF_TEAM = "report tasks (team)", concat!(
        "SELECT t.visit_id, t.task, t.person_id FROM visit_tasks t \
         JOIN visits v ON v.id = t.visit_id WHERE v.volunteer_id IN ", team_volunteers!(),
        " AND v.started_at >= ?2 AND v.started_at < ?3");
    /// Dossiers received in `[?2, ?3)`.
    REPORT_DOSSIERS_OF_VOLUNTEER = "report dossiers (volunteer)",
        "SELECT submitter_id, procedure_code, state FROM dossiers \
         WHERE submitter_id = ?1 AND received_at >= ?2 AND received_at < ?3";
    REPORT_DOSSIERS_OF_TEAM = "report dossiers (team)", concat!(
        "SELECT submitter_id, procedure_code, state FROM dossiers WHERE submitter_id IN ",
        team_volunteers!(), " AND received_at >= ?2 AND received_at < ?3");
}
