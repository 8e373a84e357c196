-- A wpb's own prompt cadence (1..=3 per week); NULL follows the school's.
ALTER TABLE people ADD COLUMN cadence BIGINT NULL;

-- A school's settings changed through the bot, applied over the configuration file.
CREATE TABLE school_overrides (
    school_id TEXT PRIMARY KEY REFERENCES schools (id) ON DELETE CASCADE,
    cadence   BIGINT NULL,
    reminder  BIGINT NULL
);
