-- Cases in full: survivor details and coarse reporting fields, case status and flags,
-- the timeline, notes and tasks.
ALTER TABLE survivors ADD COLUMN details BYTEA;
ALTER TABLE survivors ADD COLUMN age_band TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE survivors ADD COLUMN gender TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE survivors ADD COLUMN nationality_region TEXT NOT NULL DEFAULT 'unknown';

ALTER TABLE cases ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE cases ADD COLUMN exploitation TEXT NOT NULL DEFAULT 'other';
ALTER TABLE cases ADD COLUMN trafficking_types TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN minor BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN safety_risk BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN immigration_sensitive BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX cases_by_org ON cases (org_id, status);

-- The timeline: what happened, never personal data (details are codes).
CREATE TABLE case_events (
    case_id UUID NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL,
    kind TEXT NOT NULL,
    actor UUID,
    detail TEXT NOT NULL
);
CREATE INDEX case_events_by_case ON case_events (case_id, at);

CREATE TABLE notes (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    author UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    body BYTEA NOT NULL
);
CREATE INDEX notes_by_case ON notes (case_id, created_at);

CREATE TABLE tasks (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    title BYTEA NOT NULL,
    due_on DATE NOT NULL,
    done_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX tasks_by_case ON tasks (case_id, due_on);
