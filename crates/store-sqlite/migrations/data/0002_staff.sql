-- Staff, sessions, API tokens, and the minimal case record that carries a team.
CREATE TABLE users (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret BLOB,
    totp_last_step INTEGER,
    totp_failures INTEGER NOT NULL DEFAULT 0,
    totp_locked_until TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    failed_window_start TEXT,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    security_epoch INTEGER NOT NULL DEFAULT 0,
    disabled_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX users_by_org ON users (org_id);

CREATE TABLE recovery_codes (
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID;

-- Only the SHA-256 of a session token is stored.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    mfa_verified INTEGER NOT NULL,
    security_epoch INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE cases (
    id BLOB PRIMARY KEY,
    survivor_id BLOB NOT NULL REFERENCES survivors(id) ON DELETE CASCADE,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    created_at TEXT NOT NULL
);
CREATE INDEX cases_by_survivor ON cases (survivor_id);

CREATE TABLE case_team (
    case_id BLOB NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id),
    PRIMARY KEY (case_id, user_id)
) WITHOUT ROWID;
CREATE INDEX case_team_by_user ON case_team (user_id);
