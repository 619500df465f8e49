-- Comments, kept as tombstones when deleted. `seq` is the stream sequence of the event that
-- set `deleted`: a delete redelivered before its post still ends deleted, and replays
-- change nothing. Lists and counts read idx_comments_video.
CREATE TABLE IF NOT EXISTS comments (
    id         BIGINT        NOT NULL PRIMARY KEY,
    video_id   BIGINT        NOT NULL,
    user_id    BIGINT        NOT NULL,
    content    VARCHAR(2000) NOT NULL,
    created_ms BIGINT        NOT NULL,
    deleted    BOOLEAN       NOT NULL,
    seq        BIGINT        NOT NULL,
    KEY idx_comments_video (video_id, deleted, created_ms)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
