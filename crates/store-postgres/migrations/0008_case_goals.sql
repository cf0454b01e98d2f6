-- The goals of a case plan; the title is ciphertext under the survivor's key.
CREATE TABLE case_goals (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    title BYTEA NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ
);
CREATE INDEX case_goals_by_case ON case_goals (case_id, created_at);
