-- The digest's cells of completed school weeks, counted once per school and kept, so a
-- region's Monday digest counts only the weeks it has not seen (the last one and the current
-- one) instead of half a year of prompts, reflections and signals. `cells` is NULL while a
-- process is counting the week: the triggers below delete the row when a fact of its week
-- changes afterwards, and a count that finds its row gone is not kept.
CREATE TABLE digest_weeks (
    school_id  TEXT NOT NULL,
    week_start INTEGER NOT NULL,
    week_end   INTEGER NOT NULL,
    few_below  INTEGER NOT NULL,
    cells      TEXT,
    PRIMARY KEY (school_id, week_start, week_end)
);
CREATE INDEX digest_weeks_end ON digest_weeks (week_end, week_start);

-- New facts carry the moment they happen, so they never fall in a kept week (the digest keeps
-- only weeks that ended a day before). What changes a kept week is a later write about an
-- earlier moment: an answer to an old prompt, sharing an old reflection, a deletion (forget,
-- retention), or a wpb who moves to another team, role or school.
CREATE TRIGGER digest_reflection_added AFTER INSERT ON reflections BEGIN
    DELETE FROM digest_weeks WHERE week_end > NEW.created_at AND week_start <= NEW.created_at;
    DELETE FROM digest_weeks
    WHERE week_end > (SELECT sent_at FROM outbox WHERE key = NEW.prompt_key)
      AND week_start <= (SELECT sent_at FROM outbox WHERE key = NEW.prompt_key);
END;

CREATE TRIGGER digest_reflection_changed AFTER UPDATE ON reflections BEGIN
    DELETE FROM digest_weeks
    WHERE (week_end > OLD.created_at AND week_start <= OLD.created_at)
       OR (week_end > NEW.created_at AND week_start <= NEW.created_at);
    DELETE FROM digest_weeks
    WHERE week_end > (SELECT sent_at FROM outbox WHERE key = OLD.prompt_key)
      AND week_start <= (SELECT sent_at FROM outbox WHERE key = OLD.prompt_key);
    DELETE FROM digest_weeks
    WHERE week_end > (SELECT sent_at FROM outbox WHERE key = NEW.prompt_key)
      AND week_start <= (SELECT sent_at FROM outbox WHERE key = NEW.prompt_key);
END;

CREATE TRIGGER digest_reflection_deleted AFTER DELETE ON reflections BEGIN
    DELETE FROM digest_weeks WHERE week_end > OLD.created_at AND week_start <= OLD.created_at;
    DELETE FROM digest_weeks
    WHERE week_end > (SELECT sent_at FROM outbox WHERE key = OLD.prompt_key)
      AND week_start <= (SELECT sent_at FROM outbox WHERE key = OLD.prompt_key);
END;

CREATE TRIGGER digest_signal_changed AFTER UPDATE ON klik_signals BEGIN
    DELETE FROM digest_weeks
    WHERE (week_end > OLD.at AND week_start <= OLD.at) OR (week_end > NEW.at AND week_start <= NEW.at);
END;

CREATE TRIGGER digest_signal_deleted AFTER DELETE ON klik_signals BEGIN
    DELETE FROM digest_weeks WHERE week_end > OLD.at AND week_start <= OLD.at;
END;

CREATE TRIGGER digest_prompt_changed AFTER UPDATE ON outbox
WHEN OLD.kind = 'prompt' AND OLD.status = 'sent' BEGIN
    DELETE FROM digest_weeks WHERE week_end > OLD.sent_at AND week_start <= OLD.sent_at;
END;

CREATE TRIGGER digest_prompt_deleted AFTER DELETE ON outbox
WHEN OLD.kind = 'prompt' AND OLD.status = 'sent' BEGIN
    DELETE FROM digest_weeks WHERE week_end > OLD.sent_at AND week_start <= OLD.sent_at;
END;

CREATE TRIGGER digest_person_moved AFTER UPDATE ON people
WHEN OLD.team_id IS NOT NEW.team_id OR OLD.role <> NEW.role OR OLD.school_id <> NEW.school_id BEGIN
    DELETE FROM digest_weeks WHERE school_id IN (OLD.school_id, NEW.school_id);
END;

CREATE TRIGGER digest_person_deleted AFTER DELETE ON people WHEN OLD.role = 'wpb' BEGIN
    DELETE FROM digest_weeks WHERE school_id = OLD.school_id;
END;

CREATE TRIGGER digest_team_moved AFTER UPDATE ON teams
WHEN OLD.school_id <> NEW.school_id BEGIN
    DELETE FROM digest_weeks WHERE school_id IN (OLD.school_id, NEW.school_id);
END;

CREATE TRIGGER digest_pairing_changed AFTER UPDATE ON pairings
WHEN OLD.wpb_id <> NEW.wpb_id OR OLD.student_id <> NEW.student_id BEGIN
    DELETE FROM digest_weeks WHERE school_id IN
        (SELECT school_id FROM people WHERE id IN (OLD.wpb_id, NEW.wpb_id));
END;

-- The digest's risk lists look up, per placement and per wpb, the first and the latest sent
-- prompt and the latest klik of the wpb: each one seek with these.
CREATE INDEX outbox_sent_prompts ON outbox (recipient, sent_at) WHERE kind = 'prompt' AND status = 'sent';
CREATE INDEX klik_pairing_source_at ON klik_signals (pairing_id, source, at);
