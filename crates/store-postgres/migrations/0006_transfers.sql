-- Transfers of a case's ownership to another organisation, which must accept.
CREATE TABLE case_transfers (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    from_org_id UUID NOT NULL REFERENCES organisations(id),
    to_org_id UUID NOT NULL REFERENCES organisations(id),
    state TEXT NOT NULL,
    created_by UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    decided_by UUID,
    decided_at TIMESTAMPTZ
);
CREATE INDEX case_transfers_by_recipient ON case_transfers (to_org_id, created_at);
CREATE INDEX case_transfers_by_case ON case_transfers (case_id);
