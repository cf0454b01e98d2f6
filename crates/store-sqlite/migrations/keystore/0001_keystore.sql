-- Haven keystore (SQLite, its own file): wrapped data keys, apart from the data they open.
CREATE TABLE data_keys (
    id BLOB PRIMARY KEY,
    generation INTEGER NOT NULL,
    kek_version INTEGER NOT NULL,
    wrapped BLOB NOT NULL
);
CREATE INDEX data_keys_by_kek ON data_keys (kek_version);

-- A value sealed under each KEK version, to refuse a wrong key file at start-up.
CREATE TABLE kek_checks (
    version INTEGER PRIMARY KEY,
    check_value BLOB NOT NULL
);
