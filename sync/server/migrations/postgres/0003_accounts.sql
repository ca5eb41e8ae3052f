-- dvc-sync schema v3 (PostgreSQL): one-time codes, shared rate-limit counters, account identity and
-- notification channels, device last-seen times, admin actions on accounts, the message outbox.
-- Times are Unix milliseconds (UTC). Never edit a shipped migration.

-- One live code per (phone, purpose): a new code replaces the previous row. `code_hash` is the
-- SHA-256 of "<id>:<code>"; `attempts` counts wrong codes and is raised before any comparison.
-- `account_id`: the account a reset is for, or the existing account a registration ran into
-- (then no code was sent). `payload`: a registration's details (JSON), until it is confirmed.
CREATE TABLE otp_codes (
    id TEXT PRIMARY KEY,
    phone TEXT NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('register', 'password_reset')),
    code_hash TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    sends BIGINT NOT NULL DEFAULT 1,
    account_id TEXT REFERENCES accounts(id),
    payload TEXT,
    expires_at BIGINT NOT NULL,
    resend_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX otp_codes_phone_purpose ON otp_codes(phone, purpose);
CREATE INDEX otp_codes_expiry ON otp_codes(expires_at);

-- Fixed-window counters shared by every server process on this database. `key` is a SHA-256
-- (never a phone number or address in clear).
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    hits BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX rate_limits_expiry ON rate_limits(expires_at);

-- A self-registered person's identity as given at registration, and their e-mail for messages.
CREATE TABLE account_profiles (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    full_name TEXT,
    id_number TEXT,
    birth_date TEXT,
    email TEXT
);

-- Channels an account wants its dossier status messages on.
CREATE TABLE notify_prefs (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'zalo')),
    PRIMARY KEY (account_id, channel)
);
INSERT INTO notify_prefs (account_id, channel)
    SELECT id, 'sms' FROM accounts WHERE role IN ('citizen', 'volunteer');

-- Status messages, written in the transaction of their event; one per (event, channel). Only the
-- dossier code and state, and the recipient's account (its address is read when sending).
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    event_seq BIGINT NOT NULL REFERENCES events(seq),
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'zalo')),
    account_id TEXT NOT NULL REFERENCES accounts(id),
    dossier_code TEXT NOT NULL,
    state TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (event_seq, channel)
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

ALTER TABLE tokens ADD COLUMN last_seen_at BIGINT;

-- Admin actions on an account (disable, enable, password set, tokens revoked).
ALTER TABLE audit ADD COLUMN target_account_id TEXT REFERENCES accounts(id);
CREATE INDEX audit_target ON audit(target_account_id, id);
