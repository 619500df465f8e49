-- How many videos each author has published, kept in the same transaction as the video's
-- insert (bins/video/src/store.rs), so a work count is a primary-key read instead of a
-- COUNT(*) over the author's videos, and a publish shows in it at once. Backfilled from the
-- videos already there; anything that inserts videos must go through the store (or add its
-- counts here, as this statement does).
CREATE TABLE IF NOT EXISTS author_works (
    author_id BIGINT NOT NULL PRIMARY KEY,
    videos    BIGINT NOT NULL
) ENGINE = InnoDB;

INSERT INTO author_works (author_id, videos)
SELECT author_id, COUNT(*) FROM videos GROUP BY author_id
ON DUPLICATE KEY UPDATE videos = VALUES(videos);
