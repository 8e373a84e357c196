-- How many live processes of its platform (itself included) a process counted on its last
-- beat. A process that joins others waits until each of them has counted it before it sends,
-- so the shared request budget is never taken twice (0 until the first count).
ALTER TABLE processes ADD COLUMN peers_counted BIGINT NOT NULL DEFAULT 0;
