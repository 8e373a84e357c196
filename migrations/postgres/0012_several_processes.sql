-- Which process holds a platform's chat connection (the Discord gateway session, the Matrix
-- sync) when several `run` processes share one database. The holder renews its lease every
-- few seconds; once `expires_at` has passed, another process may take it over. A clean stop
-- deletes the row so the next holder need not wait. Times are Unix milliseconds.
CREATE TABLE chat_leases (
    platform TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Chat messages already handled, by the platform's message id: a message reaches the bot once
-- more when a new holder of the connection catches up on what was written while no process
-- listened, or when two connections briefly overlap. Kept for a week.
CREATE TABLE inbound_seen (
    platform TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (platform, message_id)
);
