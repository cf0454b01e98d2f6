-- The browsers that have signed in to an account with both factors (known devices): only
-- the cookie's hash, the account, its security epoch then, when, and the failures since.
-- A sign-in from one is counted against the device, not the account or the address.
CREATE TABLE known_devices (
    token_hash BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    security_epoch INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX known_devices_by_user ON known_devices (user_id, created_at);
