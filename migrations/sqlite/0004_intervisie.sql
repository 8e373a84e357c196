-- Asynchronous intervisie threads. `state` is the domain Thread as JSON (posts included);
-- `version` guards concurrent writers (optimistic: every save bumps it).
CREATE TABLE intervisie_threads (
    id         INTEGER PRIMARY KEY,
    team_id    TEXT NOT NULL REFERENCES teams(id),
    case_owner TEXT NOT NULL,
    state      TEXT NOT NULL,
    due_at     BIGINT NOT NULL,
    closed     BIGINT NOT NULL DEFAULT 0,
    version    BIGINT NOT NULL DEFAULT 0
);
-- A team has at most one open thread, even with several bot processes.
CREATE UNIQUE INDEX intervisie_one_open ON intervisie_threads (team_id) WHERE closed = 0;
CREATE INDEX intervisie_closed_due ON intervisie_threads (closed, due_at);

-- A row with channel_team set goes to that team's channel; its recipient is the case owner
-- (so forgetting the owner removes it with their other rows).
ALTER TABLE outbox ADD COLUMN channel_team TEXT;
