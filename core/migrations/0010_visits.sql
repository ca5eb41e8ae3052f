-- Volunteer field work (issue 19): a visit to a household, the six tasks of the community tech
-- teams ticked per person, and a follow-up date. Kept on the phone (offline); counted in the
-- week/month report. A visit goes with its household (retention deletes both).
CREATE TABLE visits (
    id            TEXT PRIMARY KEY NOT NULL,                 -- UUIDv7
    household_id  TEXT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    commune       TEXT,                                      -- the place, as the commune's name
    started_at    TEXT NOT NULL,
    ended_at      TEXT,
    notes         TEXT,
    follow_up_on  TEXT,                                      -- YYYY-MM-DD
    updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX visits_by_start ON visits (started_at);
CREATE INDEX visits_by_household ON visits (household_id, started_at);

-- One row per task done for a person (or for the household when person_id is NULL).
CREATE TABLE visit_tasks (
    visit_id   TEXT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    task       TEXT NOT NULL CHECK (task IN ('public_services', 'vneid', 'accounts', 'cashless',
                                              'ecommerce', 'online_safety')),
    person_id  TEXT REFERENCES people (id) ON DELETE CASCADE,
    outcome    TEXT,
    at         TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX visit_tasks_once ON visit_tasks (visit_id, task, ifnull(person_id, ''));
