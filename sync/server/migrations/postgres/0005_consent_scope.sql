-- dvc-sync schema v5 (PostgreSQL): consents as Decree 13/2023 expects them (scope, expiry, the text
-- version the citizen read, how it was given, why it ended), consent requests confirmed by a code
-- sent to the citizen's phone, and the consent each on-behalf dossier was filed under.
-- Times are Unix milliseconds (UTC). Never edit a shipped migration.

-- `procedures`: a JSON array of procedure codes, NULL for every procedure. `expires_at`: no new
-- dossier is accepted under the consent from then on (consents given before v5 get 90 days from
-- when they were given). `ended`: why `revoked_at` is set ('withdrawn' by the citizen,
-- 'replaced' by a newer consent to the same volunteer).
ALTER TABLE consents ADD COLUMN expires_at BIGINT;
ALTER TABLE consents ADD COLUMN procedures TEXT;
ALTER TABLE consents ADD COLUMN text_version TEXT;
ALTER TABLE consents ADD COLUMN method TEXT NOT NULL DEFAULT 'app' CHECK (method IN ('app', 'otp'));
ALTER TABLE consents ADD COLUMN ended TEXT CHECK (ended IN ('withdrawn', 'replaced'));
ALTER TABLE consents ADD COLUMN expiry_noted BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE consents SET expires_at = granted_at + 7776000000;
CREATE INDEX consents_expiry ON consents(expires_at) WHERE revoked_at IS NULL AND expiry_noted = FALSE;

-- A volunteer's request for a citizen's consent. One code per request, stored as SHA-256 of
-- "<id>:<code>"; `attempts` is raised before any comparison. `citizen_id` is NULL when the phone
-- number has no citizen account (then no code was sent, and every code is wrong). `status`:
-- 'pending' until 'granted', 'refused' (the citizen said no), 'failed' (too many wrong codes) or
-- 'replaced' (a newer request of the same volunteer for the same phone).
CREATE TABLE consent_requests (
    id TEXT PRIMARY KEY,
    volunteer_id TEXT NOT NULL REFERENCES accounts(id),
    phone TEXT NOT NULL,
    citizen_id TEXT REFERENCES accounts(id),
    code_hash TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    procedures TEXT,
    valid_days BIGINT NOT NULL,
    text_version TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'granted', 'refused', 'failed', 'replaced')),
    consent_id TEXT REFERENCES consents(id),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX consent_requests_volunteer ON consent_requests(volunteer_id, phone);
CREATE INDEX consent_requests_created ON consent_requests(created_at);

ALTER TABLE dossiers ADD COLUMN consent_id TEXT REFERENCES consents(id);
