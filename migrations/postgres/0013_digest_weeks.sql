-- The digest's cells of completed school weeks, counted once per school and kept, so a
-- region's Monday digest counts only the weeks it has not seen (the last one and the current
-- one) instead of half a year of prompts, reflections and signals. `cells` is NULL while a
-- process is counting the week: the triggers below delete the row when a fact of its week
-- changes afterwards, and a count that finds its row gone is not kept.
CREATE TABLE digest_weeks (
    school_id  TEXT NOT NULL,
    week_start BIGINT NOT NULL,
    week_end   BIGINT NOT NULL,
    few_below  BIGINT NOT NULL,
    cells      TEXT,
    PRIMARY KEY (school_id, week_start, week_end)
);
CREATE INDEX digest_weeks_end ON digest_weeks (week_end, week_start);

-- New facts carry the moment they happen, so they never fall in a kept week (the digest keeps
-- only weeks that ended a day before). What changes a kept week is a later write about an
-- earlier moment: an answer to an old prompt, sharing an old reflection, a deletion (forget,
-- retention), or a wpb who moves to another team, role or school.
CREATE FUNCTION digest_weeks_drop_at(moment BIGINT) RETURNS void LANGUAGE sql AS $$
    DELETE FROM digest_weeks WHERE week_end > moment AND week_start <= moment
$$;

CREATE FUNCTION digest_weeks_drop_prompt(prompt TEXT) RETURNS void LANGUAGE sql AS $$
    DELETE FROM digest_weeks d USING outbox o
    WHERE o.key = prompt AND d.week_end > o.sent_at AND d.week_start <= o.sent_at
$$;

CREATE FUNCTION digest_reflection_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM digest_weeks_drop_at(OLD.created_at);
        PERFORM digest_weeks_drop_prompt(OLD.prompt_key);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM digest_weeks_drop_at(NEW.created_at);
        PERFORM digest_weeks_drop_prompt(NEW.prompt_key);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER digest_reflection_changed AFTER INSERT OR UPDATE OR DELETE ON reflections
    FOR EACH ROW EXECUTE FUNCTION digest_reflection_changed();

CREATE FUNCTION digest_signal_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM digest_weeks_drop_at(OLD.at);
    IF TG_OP = 'UPDATE' THEN
        PERFORM digest_weeks_drop_at(NEW.at);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER digest_signal_changed AFTER UPDATE OR DELETE ON klik_signals
    FOR EACH ROW EXECUTE FUNCTION digest_signal_changed();

CREATE FUNCTION digest_prompt_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM digest_weeks_drop_at(OLD.sent_at);
    RETURN NULL;
END
$$;
CREATE TRIGGER digest_prompt_changed AFTER UPDATE OR DELETE ON outbox
    FOR EACH ROW WHEN (OLD.kind = 'prompt' AND OLD.status = 'sent')
    EXECUTE FUNCTION digest_prompt_changed();

CREATE FUNCTION digest_person_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM digest_weeks WHERE school_id = OLD.school_id;
    ELSE
        DELETE FROM digest_weeks WHERE school_id IN (OLD.school_id, NEW.school_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER digest_person_moved AFTER UPDATE ON people
    FOR EACH ROW WHEN (OLD.team_id IS DISTINCT FROM NEW.team_id OR OLD.role <> NEW.role
                       OR OLD.school_id <> NEW.school_id)
    EXECUTE FUNCTION digest_person_moved();
CREATE TRIGGER digest_person_deleted AFTER DELETE ON people
    FOR EACH ROW WHEN (OLD.role = 'wpb') EXECUTE FUNCTION digest_person_moved();

CREATE FUNCTION digest_team_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM digest_weeks WHERE school_id IN (OLD.school_id, NEW.school_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER digest_team_moved AFTER UPDATE ON teams
    FOR EACH ROW WHEN (OLD.school_id <> NEW.school_id) EXECUTE FUNCTION digest_team_moved();

CREATE FUNCTION digest_pairing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM digest_weeks WHERE school_id IN
        (SELECT school_id FROM people WHERE id IN (OLD.wpb_id, NEW.wpb_id));
    RETURN NULL;
END
$$;
CREATE TRIGGER digest_pairing_changed AFTER UPDATE ON pairings
    FOR EACH ROW WHEN (OLD.wpb_id <> NEW.wpb_id OR OLD.student_id <> NEW.student_id)
    EXECUTE FUNCTION digest_pairing_changed();

-- The digest's risk lists look up, per placement and per wpb, the first and the latest sent
-- prompt and the latest klik of the wpb: each one seek with these.
CREATE INDEX outbox_sent_prompts ON outbox (recipient, sent_at) WHERE kind = 'prompt' AND status = 'sent';
CREATE INDEX klik_pairing_source_at ON klik_signals (pairing_id, source, at);
