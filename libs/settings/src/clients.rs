//! Builders of the clients the settings configure. Each fails fast with a message that names
//! what it could not reach.

use std::{str::FromStr, time::Duration};

use fred::prelude::{ClientLike, ReconnectPolicy};
use sqlx::{
    ConnectOptions, Connection, Executor, MySqlPool,
    mysql::{MySqlConnectOptions, MySqlPoolOptions},
};

use crate::{MIGRATOR, MysqlSettings, NatsRole, NatsSettings, RedisSettings};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("NATS at {url}: {source}")]
    Nats {
        url: String,
        source: async_nats::ConnectError,
    },
    #[error("MySQL at {url}: {source}")]
    Mysql { url: String, source: sqlx::Error },
    #[error("MySQL migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("Redis at {url}: {source}")]
    Redis {
        url: String,
        source: fred::error::Error,
    },
}

/// Connects to NATS as `role` (with that role's `nats.credentials` when any are set, and
/// always with the role's private inbox prefix). With `wait == false` the client connects in
/// the background and keeps retrying (the edge must start, and recover, while NATS is down);
/// otherwise the first connection must succeed. Either way it reconnects forever after a
/// loss.
pub async fn connect_nats(
    settings: &NatsSettings,
    role: NatsRole,
    name: &str,
    wait: bool,
) -> Result<async_nats::Client, ClientError> {
    let nats_error = |kind, message: String| ClientError::Nats {
        url: settings.url.clone(),
        source: async_nats::ConnectError::with_source(kind, std::io::Error::other(message)),
    };
    let mut options = async_nats::ConnectOptions::new()
        .name(name)
        .custom_inbox_prefix(role.inbox_prefix())
        .max_reconnects(None)
        // The default (60 s) leaves a silently dead server unnoticed for minutes.
        .ping_interval(Duration::from_secs(5))
        .connection_timeout(Duration::from_secs(3))
        .reconnect_delay_callback(|attempts| {
            Duration::from_millis((100 * attempts as u64).min(2_000))
        });
    if !settings.credentials.is_empty() {
        let role = role.as_str();
        let credentials = settings.credentials.get(role).ok_or_else(|| {
            let message = format!("nats.credentials has no entry for role {role}");
            nats_error(async_nats::ConnectErrorKind::Authentication, message)
        })?;
        options = credentials.apply(options).await.map_err(|message| {
            let message = format!("nats.credentials.{role}: {message}");
            nats_error(async_nats::ConnectErrorKind::Authentication, message)
        })?;
    }
    if !wait {
        options = options.retry_on_initial_connect();
    }
    // Several seed URLs, comma-separated, so the first connection survives one node down.
    let servers = settings
        .url
        .split(',')
        .map(|url| url.trim().parse::<async_nats::ServerAddr>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| ClientError::Nats {
            url: settings.url.clone(),
            source: async_nats::ConnectError::with_source(
                async_nats::ConnectErrorKind::ServerParse,
                err,
            ),
        })?;
    options
        .connect(servers)
        .await
        .map_err(|source| ClientError::Nats {
            url: settings.url.clone(),
            source,
        })
}

/// Connects to MySQL, creates the configured database if it is missing and applies the
/// migrations (under the migrator's lock, so concurrent start-ups are safe).
pub async fn connect_mysql(settings: &MysqlSettings) -> Result<MySqlPool, ClientError> {
    let mysql_error = |source| ClientError::Mysql {
        url: redact(&settings.url),
        source,
    };
    let options = MySqlConnectOptions::from_str(&settings.url)
        .map_err(mysql_error)?
        .log_statements(tracing::log::LevelFilter::Trace);
    if let Some(database) = options.get_database().map(str::to_owned) {
        create_database(options.clone().database(""), &database)
            .await
            .map_err(mysql_error)?;
    }
    let lock = migration_lock(options.get_database().unwrap_or_default());
    let pool = MySqlPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_millis(settings.acquire_timeout_ms))
        .connect_with(options)
        .await
        .map_err(mysql_error)?;
    migrate(&pool, &lock).await?;
    Ok(pool)
}

/// The name of the lock that guards `database`'s migrations: one per database, so instances
/// of one deployment apply each migration once while other databases on the same server
/// (other deployments, parallel tests) migrate at the same time. MariaDB names are at most
/// 64 characters; a longer database name is hashed (FNV-1a, stable across builds).
fn migration_lock(database: &str) -> String {
    let name = format!("gophertok_migrations:{database}");
    if name.len() <= 64 {
        return name;
    }
    let hash = database
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    format!("gophertok_migrations:{hash:016x}")
}

/// Applies the migrations while holding the named `lock`, so instances that start together
/// apply each one once. (sqlx's own lock asks `GET_LOCK(name, -1)`, which MariaDB answers
/// at once without waiting — so we take the lock ourselves, with a real timeout.)
async fn migrate(pool: &MySqlPool, lock: &str) -> Result<(), ClientError> {
    let mut conn = pool.acquire().await.map_err(mysql_lock_error)?;
    let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 120)")
        .bind(lock)
        .fetch_one(&mut *conn)
        .await
        .map_err(mysql_lock_error)?;
    if got != Some(1) {
        return Err(ClientError::Migrate(sqlx::migrate::MigrateError::Execute(
            sqlx::Error::Protocol("timed out waiting for the migration lock".into()),
        )));
    }
    let result = MIGRATOR.run_direct(&mut *conn).await;
    let released = sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(lock)
        .execute(&mut *conn)
        .await;
    result?;
    released.map_err(mysql_lock_error)?;
    Ok(())
}

fn mysql_lock_error(source: sqlx::Error) -> ClientError {
    ClientError::Migrate(sqlx::migrate::MigrateError::Execute(source))
}

async fn create_database(server: MySqlConnectOptions, database: &str) -> Result<(), sqlx::Error> {
    let mut conn = server.connect().await?;
    let name = database.replace('`', "``");
    conn.execute(
        format!("CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            .as_str(),
    )
    .await?;
    conn.close().await
}

/// Connects to Redis; the client reconnects by itself after a loss.
pub async fn connect_redis(settings: &RedisSettings) -> Result<fred::prelude::Client, ClientError> {
    let redis_error = |source| ClientError::Redis {
        url: redact(&settings.url),
        source,
    };
    let config = fred::prelude::Config::from_url(&settings.url).map_err(redis_error)?;
    let timeout = Duration::from_millis(settings.command_timeout_ms);
    let client = fred::types::Builder::from_config(config)
        .with_connection_config(|conn| {
            conn.connection_timeout = timeout;
            conn.internal_command_timeout = timeout;
        })
        // Commands sent while the connection is down are queued for the reconnection; this
        // bounds the wait, so an outage is a prompt error (503), not a hung request.
        .with_performance_config(|perf| perf.default_command_timeout = timeout)
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 2_000, 2))
        .build()
        .map_err(redis_error)?;
    client.init().await.map_err(redis_error)?;
    Ok(client)
}

/// The URL without its password, fit for an error message.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{migration_lock, redact};

    #[test]
    fn each_database_has_its_own_migration_lock_within_mariadbs_64_characters() {
        assert_eq!(
            migration_lock("gophertok"),
            "gophertok_migrations:gophertok"
        );
        assert_ne!(migration_lock("gt_test_1"), migration_lock("gt_test_2"));
        let long = "d".repeat(64);
        let hashed = migration_lock(&long);
        assert!(hashed.len() <= 64, "{hashed}");
        assert_eq!(hashed, migration_lock(&long), "stable");
        assert_ne!(hashed, migration_lock(&"e".repeat(64)));
    }

    #[test]
    fn passwords_never_reach_error_messages() {
        assert_eq!(
            redact("mysql://root:secret@db:3306/x"),
            "mysql://root@db:3306/x"
        );
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }
}
