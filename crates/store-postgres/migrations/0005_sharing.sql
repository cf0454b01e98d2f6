-- Sharing between organisations: releases of information, suspected abusers, referrals,
-- case messages and the service directory. Personal content is ciphertext; codes are clear.
CREATE TABLE consents (
    id UUID PRIMARY KEY,
    survivor_id UUID NOT NULL REFERENCES survivors(id) ON DELETE CASCADE,
    org_id UUID NOT NULL REFERENCES organisations(id),
    recipient_org_id UUID NOT NULL REFERENCES organisations(id),
    categories TEXT NOT NULL,
    method TEXT NOT NULL,
    signer TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    granted_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    recorded_by UUID NOT NULL,
    revoked_at TIMESTAMPTZ,
    revoked_by UUID,
    revocation_channel TEXT
);
CREATE INDEX consents_by_survivor ON consents (survivor_id);

CREATE TABLE adversaries (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    name BYTEA NOT NULL,
    relationship TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX adversaries_by_case ON adversaries (case_id);

CREATE TABLE directory_organizations (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    document TEXT NOT NULL
);

CREATE TABLE directory_services (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES directory_organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX directory_services_by_org ON directory_services (organization_id);

CREATE TABLE directory_sealed_locations (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES directory_organizations(id) ON DELETE CASCADE,
    key_id UUID NOT NULL,
    sealed BYTEA NOT NULL
);

CREATE TABLE referrals (
    id UUID PRIMARY KEY,
    case_id UUID REFERENCES cases(id) ON DELETE CASCADE,
    survivor_id UUID REFERENCES survivors(id) ON DELETE CASCADE,
    from_org_id UUID NOT NULL REFERENCES organisations(id),
    to_org_id UUID NOT NULL REFERENCES organisations(id),
    service_id UUID NOT NULL,
    consent_id UUID,
    state TEXT NOT NULL,
    reason TEXT,
    created_by UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    respond_by TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    sealed BYTEA,
    key_id UUID
);
CREATE INDEX referrals_by_case ON referrals (case_id);
CREATE INDEX referrals_by_recipient ON referrals (to_org_id, created_at);

CREATE TABLE case_messages (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    author UUID NOT NULL,
    author_org_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    body BYTEA NOT NULL
);
CREATE INDEX case_messages_by_case ON case_messages (case_id, created_at);
