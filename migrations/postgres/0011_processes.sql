-- Every `wandelgang run` process on this database, for `wandelgang status` and the health of
-- several processes on one PostgreSQL: who it is, when it last showed life and last ticked.
-- A row stays after a clean stop (stopped_at set) so status can say what happened; old rows
-- are removed when a process starts.
CREATE TABLE processes (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid BIGINT NOT NULL,
    role TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    last_tick_at BIGINT,
    last_tick_ms BIGINT,
    stopped_at BIGINT
);
