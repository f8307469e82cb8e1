-- Assessments (kept forever with the versions they used, so an old
-- decision can be explained), cases, webhook endpoints, and the durable
-- outbox with its delivery log. Outbox rows are written in the same
-- transaction as the change they announce.
CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    candidate_id TEXT NOT NULL REFERENCES candidates (id),
    trigger_kind TEXT NOT NULL,
    risk_score BIGINT NOT NULL,
    decision TEXT NOT NULL,
    complete BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX assessments_candidate ON assessments (tenant_id, candidate_id, id);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    candidate_id TEXT NOT NULL REFERENCES candidates (id),
    status TEXT NOT NULL,
    decision TEXT NOT NULL,
    risk_score BIGINT NOT NULL,
    assessment_id TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX cases_open_per_candidate ON cases (tenant_id, candidate_id) WHERE status = 'open';
CREATE INDEX cases_tenant ON cases (tenant_id, status, id);

CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    url TEXT NOT NULL,
    description TEXT,
    events TEXT NOT NULL,
    secrets TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, id);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    candidate_id TEXT,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    channel TEXT NOT NULL,
    endpoint_id TEXT,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_endpoint ON outbox (tenant_id, endpoint_id, id);
CREATE INDEX outbox_candidate ON outbox (tenant_id, candidate_id);

CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    outbox_id TEXT NOT NULL,
    endpoint_id TEXT,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    attempted_at BIGINT NOT NULL,
    succeeded BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX deliveries_endpoint ON deliveries (tenant_id, endpoint_id, id);
