-- An account's version, bumped by every write of its sign-in and security columns. A write
-- applies only to the version it read, so a sign-in that read the account before an
-- administrator disabled it cannot write it back enabled, two sign-ins cannot both spend one
-- code, and a failure counted meanwhile is not overwritten.
ALTER TABLE users ADD COLUMN row_version BIGINT NOT NULL DEFAULT 0;
