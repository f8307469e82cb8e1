-- Per tenant, the live list versions that the last finished re-screening
-- assessed all of the tenant's live candidates against: a server starting
-- with other versions live (imported while no server ran, or a run cut
-- short) re-screens those tenants at once.
CREATE TABLE rescreen_state (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    lists TEXT NOT NULL,
    finished_at BIGINT NOT NULL
);
