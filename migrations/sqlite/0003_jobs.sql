-- Daily jobs (retention): the last run per job, so that one process runs each job once a day,
-- however many processes share the database.
CREATE TABLE jobs (
    name     TEXT PRIMARY KEY,
    last_run BIGINT NOT NULL
);
