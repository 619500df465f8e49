-- One row per (follower, followee) ever followed or unfollowed; `seq` is the stream sequence
-- of the event that set `following`, so the batch consumer only moves rows forward.
CREATE TABLE IF NOT EXISTS follows (
    follower_id BIGINT  NOT NULL,
    followee_id BIGINT  NOT NULL,
    following   BOOLEAN NOT NULL,
    seq         BIGINT  NOT NULL,
    at_ms       BIGINT  NOT NULL,
    PRIMARY KEY (follower_id, followee_id),
    KEY idx_follows_followee (followee_id, following, at_ms)
) ENGINE = InnoDB;
