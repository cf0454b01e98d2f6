-- Cases in full: survivor details and coarse reporting fields, case status and flags,
-- the timeline, notes and tasks.
ALTER TABLE survivors ADD COLUMN details BLOB;
ALTER TABLE survivors ADD COLUMN age_band TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE survivors ADD COLUMN gender TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE survivors ADD COLUMN nationality_region TEXT NOT NULL DEFAULT 'unknown';

ALTER TABLE cases ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE cases ADD COLUMN exploitation TEXT NOT NULL DEFAULT 'other';
ALTER TABLE cases ADD COLUMN trafficking_types TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN safety_risk INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN immigration_sensitive INTEGER NOT NULL DEFAULT 0;
CREATE INDEX cases_by_org ON cases (org_id, status);

-- The timeline: what happened, never personal data (details are codes).
CREATE TABLE case_events (
    case_id BLOB NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor BLOB,
    detail TEXT NOT NULL
);
CREATE INDEX case_events_by_case ON case_events (case_id, at);

CREATE TABLE notes (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    author BLOB NOT NULL,
    created_at TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX notes_by_case ON notes (case_id, created_at);

CREATE TABLE tasks (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    title BLOB NOT NULL,
    due_on TEXT NOT NULL,
    done_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX tasks_by_case ON tasks (case_id, due_on);
