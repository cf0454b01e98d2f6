-- Sharing between organisations: releases of information, suspected abusers, referrals,
-- case messages and the service directory. Personal content is ciphertext; codes are clear.
CREATE TABLE consents (
    id BLOB PRIMARY KEY,
    survivor_id BLOB NOT NULL REFERENCES survivors(id) ON DELETE CASCADE,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    recipient_org_id BLOB NOT NULL REFERENCES organisations(id),
    categories TEXT NOT NULL,
    method TEXT NOT NULL,
    signer TEXT NOT NULL,
    sealed BLOB NOT NULL,
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    recorded_by BLOB NOT NULL,
    revoked_at TEXT,
    revoked_by BLOB,
    revocation_channel TEXT
);
CREATE INDEX consents_by_survivor ON consents (survivor_id);

CREATE TABLE adversaries (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    name BLOB NOT NULL,
    relationship TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX adversaries_by_case ON adversaries (case_id);

CREATE TABLE directory_organizations (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    document TEXT NOT NULL
);

CREATE TABLE directory_services (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES directory_organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX directory_services_by_org ON directory_services (organization_id);

CREATE TABLE directory_sealed_locations (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES directory_organizations(id) ON DELETE CASCADE,
    key_id BLOB NOT NULL,
    sealed BLOB NOT NULL
);

CREATE TABLE referrals (
    id BLOB PRIMARY KEY,
    case_id BLOB REFERENCES cases(id) ON DELETE CASCADE,
    survivor_id BLOB REFERENCES survivors(id) ON DELETE CASCADE,
    from_org_id BLOB NOT NULL REFERENCES organisations(id),
    to_org_id BLOB NOT NULL REFERENCES organisations(id),
    service_id BLOB NOT NULL,
    consent_id BLOB,
    state TEXT NOT NULL,
    reason TEXT,
    created_by BLOB NOT NULL,
    created_at TEXT NOT NULL,
    respond_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sealed BLOB,
    key_id BLOB
);
CREATE INDEX referrals_by_case ON referrals (case_id);
CREATE INDEX referrals_by_recipient ON referrals (to_org_id, created_at);

CREATE TABLE case_messages (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    author BLOB NOT NULL,
    author_org_id BLOB NOT NULL,
    created_at TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX case_messages_by_case ON case_messages (case_id, created_at);
