-- The digest's drop functions in PL/pgSQL instead of SQL: PL/pgSQL keeps a statement's plan
-- for the session, a SQL function plans its DELETE again on every call. Every reflection
-- fires both, so this took a third of a reflection's insert (0.09 ms of trigger work
-- against 0.03). SQLite has no such functions; it has no migration 0014.
CREATE OR REPLACE FUNCTION digest_weeks_drop_at(moment BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM digest_weeks WHERE week_end > moment AND week_start <= moment;
END
$$;

CREATE OR REPLACE FUNCTION digest_weeks_drop_prompt(prompt TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM digest_weeks d USING outbox o
    WHERE o.key = prompt AND d.week_end > o.sent_at AND d.week_start <= o.sent_at;
END
$$;
