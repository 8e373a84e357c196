-- Times are unix seconds (UTC) in BIGINT, dates are 'YYYY-MM-DD' text, booleans BIGINT 0/1:
-- the one shape sqlx's Any driver binds the same on SQLite and PostgreSQL.

CREATE TABLE schools (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE teams (
    id        TEXT PRIMARY KEY,
    school_id TEXT NOT NULL REFERENCES schools(id),
    name      TEXT NOT NULL,
    channel   TEXT
);

CREATE TABLE people (
    id         TEXT PRIMARY KEY,
    school_id  TEXT NOT NULL REFERENCES schools(id),
    role       TEXT NOT NULL,
    name       TEXT NOT NULL,
    team_id    TEXT REFERENCES teams(id),
    chat       TEXT UNIQUE,
    language   TEXT,
    -- per-person jitter seed, so prompt times differ between wpbs but stay stable per wpb
    seed       BIGINT NOT NULL,
    needs_plan BIGINT NOT NULL DEFAULT 0,
    dm_closed  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX people_needs_plan ON people (needs_plan) WHERE needs_plan = 1;
CREATE INDEX people_school_role ON people (school_id, role);

CREATE TABLE pairings (
    id         INTEGER PRIMARY KEY,
    wpb_id     TEXT NOT NULL REFERENCES people(id),
    student_id TEXT NOT NULL REFERENCES people(id),
    start_day  TEXT NOT NULL,
    end_day    TEXT NOT NULL,
    UNIQUE (wpb_id, student_id, start_day)
);
CREATE INDEX pairings_student ON pairings (student_id);

CREATE TABLE pauses (
    id        INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people(id),
    start_day TEXT NOT NULL,
    end_day   TEXT NOT NULL
);
CREATE INDEX pauses_person ON pauses (person_id);

-- Every outbound message is a row with a unique key before it is sent: planned prompt slots,
-- reminders, follow-ups and escalation notices alike. The key is also the platform's
-- idempotency key (Discord nonce, Matrix transaction id).
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    recipient   TEXT NOT NULL REFERENCES people(id),
    due_at      BIGINT NOT NULL,
    status      TEXT NOT NULL,
    claimed_by  TEXT,
    claim_until BIGINT,
    prompt_id   TEXT,
    body        TEXT,
    ref_id      BIGINT,
    sent_at     BIGINT,
    attempts    BIGINT NOT NULL DEFAULT 0,
    note        TEXT
);
CREATE INDEX outbox_planned_due ON outbox (due_at) WHERE status = 'planned';
CREATE INDEX outbox_claimed_until ON outbox (claim_until) WHERE status = 'claimed';
-- Per-wpb prompt history and last slot; reminders and notices stay out of it.
CREATE INDEX outbox_recipient_prompts ON outbox (recipient, due_at) WHERE kind = 'prompt';

CREATE TABLE reflections (
    id         INTEGER PRIMARY KEY,
    wpb_id     TEXT NOT NULL REFERENCES people(id),
    prompt_key TEXT,
    prompt_id  TEXT,
    text       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    shared     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX reflections_wpb ON reflections (wpb_id, created_at);
CREATE INDEX reflections_prompt ON reflections (prompt_key);

CREATE TABLE klik_signals (
    id         INTEGER PRIMARY KEY,
    pairing_id BIGINT NOT NULL REFERENCES pairings(id),
    source     TEXT NOT NULL,
    value      BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    actor_id   TEXT NOT NULL
);
CREATE INDEX klik_pairing_at ON klik_signals (pairing_id, at);

CREATE TABLE escalations (
    id              INTEGER PRIMARY KEY,
    pairing_id      BIGINT NOT NULL REFERENCES pairings(id),
    status          TEXT NOT NULL,
    triggers        TEXT NOT NULL,
    opened_at       BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by TEXT,
    closed_at       BIGINT,
    closed_by       TEXT
);
-- At most one unresolved escalation per pairing, even with several bot processes.
CREATE UNIQUE INDEX escalations_one_open ON escalations (pairing_id) WHERE status IN ('open', 'acknowledged');
CREATE INDEX escalations_pairing_closed ON escalations (pairing_id, closed_at);
