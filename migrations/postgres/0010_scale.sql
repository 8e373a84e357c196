-- A team's first wpb (the recipient of record of its scheduled intervisie call) without
-- reading every person.
CREATE INDEX people_team_role ON people (team_id, role, id);

-- The nightly retention finds what is past its boundary by time first, then checks the
-- school of only those rows.
CREATE INDEX klik_signals_at ON klik_signals (at);
CREATE INDEX reflections_created ON reflections (created_at);
CREATE INDEX outbox_done_at ON outbox ((COALESCE(sent_at, due_at)));
