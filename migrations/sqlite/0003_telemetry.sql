-- Device telemetry reports, the identity keys that link candidates, and
-- per-tenant settings. Report bodies are kept as posted (unknown osquery
-- tables included) with the signals evaluated when they arrived.
CREATE TABLE telemetry_reports (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    candidate_id TEXT NOT NULL REFERENCES candidates (id),
    context TEXT NOT NULL,
    collected_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    signals TEXT NOT NULL
);
CREATE INDEX telemetry_reports_candidate ON telemetry_reports (tenant_id, candidate_id, id);

-- Hashed, normalised identity values (device ids, public IPs, phones,
-- emails, accounts, wallets, shipping addresses). Looked up by value, so a
-- link between candidates is an index probe, not a scan.
CREATE TABLE identity_keys (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL,
    digest TEXT NOT NULL,
    candidate_id TEXT NOT NULL REFERENCES candidates (id),
    source TEXT NOT NULL,
    seen_at BIGINT NOT NULL
);
CREATE INDEX identity_keys_lookup ON identity_keys (tenant_id, kind, digest);
CREATE INDEX identity_keys_candidate ON identity_keys (tenant_id, candidate_id);

CREATE TABLE tenant_settings (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    data TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
