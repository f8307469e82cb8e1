-- Tenants, API keys, analyst accounts, candidates and idempotency records.
-- Timestamps are microseconds since the Unix epoch (UTC); ids are UUID text.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, email)
);

CREATE TABLE candidates (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    external_id TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT,
    revision BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    erased_at BIGINT
);
CREATE UNIQUE INDEX candidates_tenant_external ON candidates (tenant_id, external_id) WHERE erased_at IS NULL;
CREATE INDEX candidates_tenant_id ON candidates (tenant_id, id);

CREATE TABLE idempotency_keys (
    tenant_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT NOT NULL,
    response_body TEXT NOT NULL,
    resource_id TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, idem_key)
);
CREATE INDEX idempotency_keys_resource ON idempotency_keys (tenant_id, resource_id);
