-- A schoolopleider can switch their own weekly digest off (`/weekoverzicht uit`) and on again.
ALTER TABLE people ADD COLUMN digest_off BIGINT NOT NULL DEFAULT 0;

-- The automatic terugblik looks for placements ending in the coming week on every tick.
CREATE INDEX pairings_end_day ON pairings (end_day);
