//! The MySQL schema, embedded in every binary so a deployed worker needs no files beside it.
//! [`crate::connect_mysql`] runs them under a named lock, so instances that start together
//! apply each migration once. Add new files here in order; never edit an applied one.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration::new(
            $version,
            Cow::Borrowed($name),
            MigrationType::Simple,
            Cow::Borrowed(include_str!(concat!(
                "../../../sql/mysql/",
                stringify!($version),
                "_",
                $name,
                ".sql"
            ))),
            false,
        )
    };
}

/// Every migration of `sql/mysql/`, applied at start-up by [`crate::connect_mysql`].
pub static MIGRATOR: std::sync::LazyLock<Migrator> = std::sync::LazyLock::new(|| Migrator {
    migrations: Cow::Owned(vec![
        migration!(1, "users"),
        migration!(2, "videos"),
        migration!(3, "favorites"),
        migration!(4, "videos_sha_ascii"),
        migration!(5, "comments"),
        migration!(6, "follows"),
        migration!(7, "messages"),
        migration!(8, "author_works"),
        migration!(9, "messages_id"),
    ]),
    ignore_missing: true,
    // Locked by `connect_mysql` instead: sqlx's lock does not wait on MariaDB.
    locking: false,
    no_tx: false,
});
