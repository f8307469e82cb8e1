-- Per tenant, the live list versions the tenant's last re-screening run
-- covered; dropped when a run over the tenant begins, written when it
-- finishes with every candidate assessed. A server starting with other
-- versions live (imported while no server ran) or without the row (a run
-- cut short) re-screens the tenant at once.
CREATE TABLE rescreen_state (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    lists TEXT NOT NULL,
    finished_at BIGINT NOT NULL
);
