-- Transfers of a case's ownership to another organisation, which must accept.
CREATE TABLE case_transfers (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    from_org_id BLOB NOT NULL REFERENCES organisations(id),
    to_org_id BLOB NOT NULL REFERENCES organisations(id),
    state TEXT NOT NULL,
    created_by BLOB NOT NULL,
    created_at TEXT NOT NULL,
    decided_by BLOB,
    decided_at TEXT
);
CREATE INDEX case_transfers_by_recipient ON case_transfers (to_org_id, created_at);
CREATE INDEX case_transfers_by_case ON case_transfers (case_id);
