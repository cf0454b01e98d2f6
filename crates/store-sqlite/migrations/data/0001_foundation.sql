-- Haven data database (SQLite). Personal fields are ciphertext (BLOB); ids are 16-byte UUIDs.
CREATE TABLE organisations (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE survivors (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    key_id BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    pseudonym BLOB NOT NULL,
    legal_name BLOB,
    aliases BLOB,
    date_of_birth BLOB,
    phone BLOB,
    email BLOB,
    safe_contact BLOB
);

-- Blind indexes: truncated keyed HMACs, never plaintext.
CREATE TABLE survivor_index (
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    survivor_id BLOB NOT NULL REFERENCES survivors(id) ON DELETE CASCADE,
    PRIMARY KEY (name, value, survivor_id)
) WITHOUT ROWID;
CREATE INDEX survivor_index_by_survivor ON survivor_index (survivor_id);

-- The audit log: append-only, hash-chained (see haven_domain::audit).
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    body BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (id, size, hash) VALUES (1, 0, zeroblob(32));

CREATE TABLE audit_checkpoints (
    size INTEGER PRIMARY KEY,
    head BLOB NOT NULL,
    at TEXT NOT NULL,
    public_key BLOB NOT NULL,
    signature BLOB NOT NULL
);
