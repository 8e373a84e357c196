-- Whether the wpb was told about an escalation (`escalatie-wpb` notice). What the wpb hears
-- after a klik rests on what they know: their own signals since the last closed escalation
-- they were told of, and whether one they were told of is in progress. Never on an
-- escalation only a student's signals (or the schoolopleider's view of both) opened.
ALTER TABLE escalations ADD COLUMN wpb_notified BIGINT NOT NULL DEFAULT 0;
UPDATE escalations SET wpb_notified = 1
 WHERE id IN (SELECT ref_id FROM outbox WHERE kind = 'wpb_notice' AND ref_id IS NOT NULL);

-- A row with to_address set goes to that address (the deployment's `admin_chat`, when a school
-- has no schoolopleider left to hear of an escalation). Its recipient of record is then the
-- wpb the escalation is about, so forgetting them, or the pairing's escalations, removes it;
-- such rows never show up as messages to that wpb (exports list prompts only).
ALTER TABLE outbox ADD COLUMN to_address TEXT;
