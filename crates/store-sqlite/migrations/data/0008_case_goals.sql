-- The goals of a case plan; the title is ciphertext under the survivor's key.
CREATE TABLE case_goals (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    title BLOB NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX case_goals_by_case ON case_goals (case_id, created_at);
