-- One row per (user, video) ever liked or unliked. `seq` is the stream sequence of the
-- event that set `liked`: the batch consumer only applies newer events, so redelivery and
-- replays change nothing and out-of-order delivery still ends in the latest state.
-- Counts are derived (COUNT over the covering indexes), so they can never drift.
CREATE TABLE IF NOT EXISTS favorites (
    user_id   BIGINT  NOT NULL,
    video_id  BIGINT  NOT NULL,
    author_id BIGINT  NOT NULL,
    liked     BOOLEAN NOT NULL,
    seq       BIGINT  NOT NULL,
    liked_ms  BIGINT  NOT NULL,
    PRIMARY KEY (user_id, video_id),
    KEY idx_favorites_video (video_id, liked),
    KEY idx_favorites_author (author_id, liked),
    KEY idx_favorites_user_time (user_id, liked, liked_ms)
) ENGINE = InnoDB;
