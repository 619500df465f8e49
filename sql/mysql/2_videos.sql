-- Stored files, one row per distinct content (SHA-256). A publish of bytes that are already
-- here reuses the row's objects ("fast publish"); the primary key makes concurrent
-- publishes of the same new file agree on one stored copy. (No *_bin collation: sqlx reads
-- such columns as binary, not text.)
CREATE TABLE IF NOT EXISTS media (
    sha256     CHAR(64)     NOT NULL PRIMARY KEY,
    video_key  VARCHAR(255) NOT NULL,
    cover_key  VARCHAR(255) NOT NULL,
    size_bytes BIGINT       NOT NULL,
    created_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE = InnoDB DEFAULT CHARSET = ascii COLLATE = ascii_general_ci;

-- Published videos. The feed reads `idx_videos_feed` backwards from a time (a range read
-- whose cost does not grow with the table); publish lists read `idx_videos_author`.
CREATE TABLE IF NOT EXISTS videos (
    id         BIGINT       NOT NULL PRIMARY KEY,
    author_id  BIGINT       NOT NULL,
    title      VARCHAR(400) NOT NULL,
    sha256     CHAR(64)     NOT NULL,
    created_ms BIGINT       NOT NULL,
    KEY idx_videos_feed (created_ms, id),
    KEY idx_videos_author (author_id, created_ms, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
