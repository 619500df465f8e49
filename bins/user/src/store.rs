//! The user domain's MySQL statements.

use sqlx::{MySqlPool, QueryBuilder, Row};

use crate::error::UserError;

/// MySQL's "duplicate entry for a unique key".
const ER_DUP_ENTRY: &str = "23000";

pub struct Account {
    pub id: i64,
    pub password_hash: String,
}

/// A stored profile; `None` fields fall back to the configured defaults. Also the JSON the
/// Redis layer of the profile cache holds (`profiles/shared.rs`).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ProfileRow {
    pub id: i64,
    pub username: String,
    pub avatar: Option<String>,
    pub background_image: Option<String>,
    pub signature: Option<String>,
}

/// Inserts the account; the unique key on `username` decides races, so exactly one of many
/// concurrent registrations of a name succeeds and the others get `UsernameTaken`.
pub async fn insert_user(
    pool: &MySqlPool,
    id: i64,
    username: &str,
    password_hash: &str,
) -> Result<(), UserError> {
    let result = sqlx::query("INSERT INTO users (id, username, password_hash) VALUES (?, ?, ?)")
        .bind(id)
        .bind(username)
        .bind(password_hash)
        .execute(pool)
        .await;
    match result {
        Err(sqlx::Error::Database(err)) if err.code().as_deref() == Some(ER_DUP_ENTRY) => {
            Err(UserError::UsernameTaken)
        }
        other => other.map(drop).map_err(UserError::from),
    }
}

pub async fn find_account(pool: &MySqlPool, username: &str) -> Result<Option<Account>, UserError> {
    let row = sqlx::query("SELECT id, password_hash FROM users WHERE username = ?")
        .bind(username)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Account {
        id: row.try_get("id")?,
        password_hash: row.try_get("password_hash")?,
    }))
}

/// Profiles of `ids` in one statement, whatever their number.
pub async fn profiles(pool: &MySqlPool, ids: &[i64]) -> Result<Vec<ProfileRow>, UserError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::new(
        "SELECT id, username, avatar, background_image, signature FROM users WHERE id IN (",
    );
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    query.push(")");
    let rows = query.build().fetch_all(pool).await?;
    let profile = |row: sqlx::mysql::MySqlRow| -> Result<ProfileRow, sqlx::Error> {
        Ok(ProfileRow {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            avatar: row.try_get("avatar")?,
            background_image: row.try_get("background_image")?,
            signature: row.try_get("signature")?,
        })
    };
    Ok(rows.into_iter().map(profile).collect::<Result<_, _>>()?)
}
