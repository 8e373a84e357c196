-- A platform adapter's own small state: the Matrix sync token and session, and the DM room of
-- each person (keyed by their chat address, so forgetting a person removes it).
CREATE TABLE chat_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
