-- Direct messages when no ScyllaDB is configured. One conversation is (user_lo, user_hi);
-- the primary key clusters it by time, so the one-second poll ("newer than t") is a range
-- read of the primary key whatever the history's length. `conversations` keeps each
-- conversation's latest message, so the friend list never reads histories.
CREATE TABLE IF NOT EXISTS messages (
    user_lo    BIGINT        NOT NULL,
    user_hi    BIGINT        NOT NULL,
    created_ms BIGINT        NOT NULL,
    id         BIGINT        NOT NULL,
    from_id    BIGINT        NOT NULL,
    to_id      BIGINT        NOT NULL,
    content    VARCHAR(4000) NOT NULL,
    PRIMARY KEY (user_lo, user_hi, created_ms, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS conversations (
    user_lo    BIGINT        NOT NULL,
    user_hi    BIGINT        NOT NULL,
    last_id    BIGINT        NOT NULL,
    last_ms    BIGINT        NOT NULL,
    from_id    BIGINT        NOT NULL,
    to_id      BIGINT        NOT NULL,
    content    VARCHAR(4000) NOT NULL,
    PRIMARY KEY (user_lo, user_hi)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
