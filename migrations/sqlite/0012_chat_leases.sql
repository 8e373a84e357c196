-- Which process holds a platform's chat connection (the Discord gateway session, the Matrix
-- sync) when several `run` processes share one database. The holder renews its lease every
-- few seconds; once `expires_at` has passed, another process may take it over. A clean stop
-- deletes the row so the next holder need not wait. Times are Unix milliseconds.
CREATE TABLE chat_leases (
    platform TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
