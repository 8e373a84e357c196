-- Privacy: an audit trail and the non-personal counts that remain after a deletion.
-- Times are unix seconds (UTC) in BIGINT, like 0001.

-- Who opened, exported, acknowledged, resolved, moved or forgot what. `actor` is a person id,
-- `admin:cli` for the local command line, `wandelgang` for the bot itself, or `verwijderd`
-- once the acting person has been forgotten. `subject` is `person:<id>`, `escalation:<id>`,
-- `forgotten:<forgotten_counts.id>` or `retention`. Subject to the school's retention.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    school_id TEXT,
    detail    TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_subject ON audit_log (subject);

-- What a deletion (`forget`) or a retention run removed, as counts only: no ids, names or
-- texts of people, so figures per school stay meaningful after the data is gone.
CREATE TABLE forgotten_counts (
    id          INTEGER PRIMARY KEY,
    at          BIGINT NOT NULL,
    school_id   TEXT NOT NULL,
    role        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    people      BIGINT NOT NULL DEFAULT 0,
    reflections BIGINT NOT NULL DEFAULT 0,
    signals     BIGINT NOT NULL DEFAULT 0,
    prompts     BIGINT NOT NULL DEFAULT 0,
    escalations BIGINT NOT NULL DEFAULT 0,
    pairings    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX forgotten_counts_school ON forgotten_counts (school_id, at);
