-- Where a platform shows an intervisie thread (a Discord thread channel, a Matrix thread root),
-- so its phase messages land in the same place after a restart and posts there are recognised.
CREATE TABLE chat_threads (
    thread_id BIGINT PRIMARY KEY REFERENCES intervisie_threads (id) ON DELETE CASCADE,
    address   TEXT NOT NULL UNIQUE
);
