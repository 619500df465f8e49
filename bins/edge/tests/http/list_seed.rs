//! Rows inserted straight into MySQL for list tests that need more than a test could create
//! through the API in reasonable time (1,001 users, follows, videos, likes).

use sqlx::QueryBuilder;

use crate::app::App;

/// `n` users with ids `first..first + n` (no usable password: they are only listed).
pub(crate) async fn users(app: &App, first: i64, n: i64) -> Vec<i64> {
    let ids: Vec<i64> = (first..first + n).collect();
    let mut query = QueryBuilder::new("INSERT INTO users (id, username, password_hash) ");
    query.push_values(&ids, |mut row, id| {
        row.push_bind(id)
            .push_bind(format!("seeded{id}"))
            .push_bind("x");
    });
    query.build().execute(&app.env.db.pool).await.unwrap();
    ids
}

/// Persisted follows `(follower, followee, at_ms)`, all on, with sequences 1, 2, ….
pub(crate) async fn follows(app: &App, rows: &[(i64, i64, i64)]) {
    let mut query =
        QueryBuilder::new("INSERT INTO follows (follower_id, followee_id, following, seq, at_ms) ");
    let numbered: Vec<_> = rows.iter().zip(1i64..).collect();
    query.push_values(numbered, |mut row, ((follower, followee, at_ms), seq)| {
        row.push_bind(follower)
            .push_bind(followee)
            .push_bind(true)
            .push_bind(seq)
            .push_bind(at_ms);
    });
    query.build().execute(&app.env.db.pool).await.unwrap();
}

/// Videos `ids` by `author`, sharing one stored file.
pub(crate) async fn videos(app: &App, author: i64, ids: &[i64]) {
    let sha = "b".repeat(64);
    sqlx::query(
        "INSERT INTO media (sha256, video_key, cover_key, size_bytes) VALUES (?, 'v.mp4', 'c.jpg', 1)",
    )
    .bind(&sha)
    .execute(&app.env.db.pool)
    .await
    .unwrap();
    let mut query =
        QueryBuilder::new("INSERT INTO videos (id, author_id, title, sha256, created_ms) ");
    query.push_values(ids, |mut row, id| {
        row.push_bind(id)
            .push_bind(author)
            .push_bind("seeded")
            .push_bind(&sha)
            .push_bind(1_700_000_000_000i64 + id);
    });
    query.build().execute(&app.env.db.pool).await.unwrap();
}

/// Persisted likes `(video, liked_ms)` by `user` of videos by `author`.
pub(crate) async fn likes(app: &App, user: i64, author: i64, rows: &[(i64, i64)]) {
    let mut query = QueryBuilder::new(
        "INSERT INTO favorites (user_id, video_id, author_id, liked, seq, liked_ms) ",
    );
    let numbered: Vec<_> = rows.iter().zip(1i64..).collect();
    query.push_values(numbered, |mut row, ((video, liked_ms), seq)| {
        row.push_bind(user)
            .push_bind(video)
            .push_bind(author)
            .push_bind(true)
            .push_bind(seq)
            .push_bind(liked_ms);
    });
    query.build().execute(&app.env.db.pool).await.unwrap();
}
