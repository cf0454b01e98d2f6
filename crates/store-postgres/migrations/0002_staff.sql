-- Staff, sessions, API tokens, and the minimal case record that carries a team.
CREATE TABLE users (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret BYTEA,
    totp_last_step BIGINT,
    totp_failures BIGINT NOT NULL DEFAULT 0,
    totp_locked_until TIMESTAMPTZ,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    failed_window_start TIMESTAMPTZ,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    security_epoch BIGINT NOT NULL DEFAULT 0,
    disabled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_by_org ON users (org_id);

CREATE TABLE recovery_codes (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash BYTEA NOT NULL,
    used_at TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

-- Only the SHA-256 of a session token is stored.
CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    mfa_verified BOOLEAN NOT NULL,
    security_epoch BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE cases (
    id UUID PRIMARY KEY,
    survivor_id UUID NOT NULL REFERENCES survivors(id) ON DELETE CASCADE,
    org_id UUID NOT NULL REFERENCES organisations(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_by_survivor ON cases (survivor_id);

CREATE TABLE case_team (
    case_id UUID NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id),
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_team_by_user ON case_team (user_id);
