-- dvc-sync schema v6 (PostgreSQL): volunteers' field work (issue 19) — community tech teams reporting
-- to an agency, their campaigns with dates and targets, and the visits the phones send once a
-- visit has ended. No personal data: household and person ids are the phone's random ids.
-- Times are Unix milliseconds (UTC). Never edit a shipped migration.

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    agency_code TEXT NOT NULL REFERENCES agencies(code),
    leader_id TEXT REFERENCES accounts(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX teams_agency ON teams(agency_code);

-- A volunteer belongs to one team at a time.
CREATE TABLE team_members (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    team_id TEXT NOT NULL REFERENCES teams(id),
    joined_at BIGINT NOT NULL
);
CREATE INDEX team_members_team ON team_members(team_id);

-- `starts_on`, `ends_on`: YYYY-MM-DD in Vietnam, both days included. `targets`: JSON
-- {"households", "dossiers", "accounts"}, each optional.
CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams(id),
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    targets TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX campaigns_team ON campaigns(team_id, starts_on);

-- `body_sha256`: of the canonical body last accepted (the same body again changes nothing).
CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    volunteer_id TEXT NOT NULL REFERENCES accounts(id),
    household_id TEXT NOT NULL,
    commune TEXT,
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    follow_up_on TEXT,
    body_sha256 TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX visits_volunteer ON visits(volunteer_id, started_at);

-- `person_id`: '' for the household as a whole.
CREATE TABLE visit_tasks (
    visit_id TEXT NOT NULL REFERENCES visits(id),
    task TEXT NOT NULL CHECK (task IN ('public_services', 'vneid', 'accounts', 'cashless',
                                       'ecommerce', 'online_safety')),
    person_id TEXT NOT NULL,
    PRIMARY KEY (visit_id, task, person_id)
);
