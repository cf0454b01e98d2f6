-- The audit log's index of targets: which record (survivor, case, referral, account, …)
-- each entry names, so a survivor's access report reads the entries about them instead of
-- the whole log. Derived from the log and kept a little behind it: whoever needs it current
-- first indexes the entries past audit_index_head.size. `haven audit verify` checks it
-- against the log and `haven audit reindex` builds it again.
CREATE TABLE audit_targets (
    seq INTEGER PRIMARY KEY,
    target BLOB NOT NULL
);
CREATE INDEX audit_targets_by_target ON audit_targets (target, seq);

CREATE TABLE audit_index_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL
);
INSERT INTO audit_index_head (id, size) VALUES (1, 0);
