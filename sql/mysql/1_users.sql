-- Accounts. `username` is unique by key, so concurrent registrations of one name cannot
-- both win. The collation is case- and accent-insensitive on purpose: "Alice", "alice" and
-- "alicé" are one name, so nobody can register a look-alike of an existing account.
-- NULL profile fields mean "use the configured default", so changing a default reaches
-- every user who never set their own.
CREATE TABLE IF NOT EXISTS users (
    id               BIGINT       NOT NULL PRIMARY KEY,
    username         VARCHAR(32)  NOT NULL,
    password_hash    VARCHAR(255) NOT NULL,
    avatar           VARCHAR(512) NULL,
    background_image VARCHAR(512) NULL,
    signature        VARCHAR(512) NULL,
    created_at       DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY uk_users_username (username)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
