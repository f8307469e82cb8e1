-- Sanctions-list snapshots. Lists are reference data shared by every tenant,
-- so these rows carry no tenant_id. Entries are kept as a JSON array so any
-- assessment can be explained later against the exact version it used.
CREATE TABLE list_snapshots (
    id TEXT PRIMARY KEY,
    list_id TEXT NOT NULL,
    status TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source_version TEXT,
    fetched_at BIGINT NOT NULL,
    entry_count BIGINT NOT NULL,
    report TEXT NOT NULL,
    reject_reason TEXT,
    entries TEXT NOT NULL
);
CREATE INDEX list_snapshots_list ON list_snapshots (list_id, status, fetched_at);
CREATE INDEX list_snapshots_sha ON list_snapshots (list_id, sha256);

-- Per-source fetch state: conditional-request validators and the last
-- success and error, for freshness and status reports.
CREATE TABLE list_sources (
    list_id TEXT PRIMARY KEY,
    http_cache TEXT,
    last_success_at BIGINT,
    last_attempt_at BIGINT,
    last_error TEXT,
    last_error_at BIGINT
);
