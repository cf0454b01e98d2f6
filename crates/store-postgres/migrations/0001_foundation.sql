-- Haven on PostgreSQL. Personal fields are ciphertext (BYTEA). Wrapped data keys live in
-- their own schema, haven_keys, so they can be dumped, backed up and destroyed apart.
CREATE SCHEMA haven_keys;

CREATE TABLE haven_keys.data_keys (
    id UUID PRIMARY KEY,
    generation BIGINT NOT NULL,
    kek_version BIGINT NOT NULL,
    wrapped BYTEA NOT NULL
);
CREATE INDEX data_keys_by_kek ON haven_keys.data_keys (kek_version);

CREATE TABLE haven_keys.kek_checks (
    version BIGINT PRIMARY KEY,
    check_value BYTEA NOT NULL
);

CREATE TABLE organisations (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE survivors (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    key_id UUID NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    pseudonym BYTEA NOT NULL,
    legal_name BYTEA,
    aliases BYTEA,
    date_of_birth BYTEA,
    phone BYTEA,
    email BYTEA,
    safe_contact BYTEA
);

CREATE TABLE survivor_index (
    name TEXT NOT NULL,
    value BIGINT NOT NULL,
    survivor_id UUID NOT NULL REFERENCES survivors(id) ON DELETE CASCADE,
    PRIMARY KEY (name, value, survivor_id)
);
CREATE INDEX survivor_index_by_survivor ON survivor_index (survivor_id);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    body BYTEA NOT NULL,
    hash BYTEA NOT NULL
);
CREATE FUNCTION haven_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION haven_audit_append_only();

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO audit_head (id, size, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE TABLE audit_checkpoints (
    size BIGINT PRIMARY KEY,
    head BYTEA NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    public_key BYTEA NOT NULL,
    signature BYTEA NOT NULL
);
