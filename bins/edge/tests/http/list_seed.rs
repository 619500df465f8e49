//! Rows inserted straight into MySQL for list tests that need more than a test could create
//! through the API in reasonable time (1,001 users, follows, videos, likes, comments).

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

/// Rows per INSERT: far below MySQL's 65,535 placeholders per statement.
const ROWS_PER_INSERT: usize = 5_000;

/// Persisted follows `(follower, followee, at_ms)`, all on, with sequences 1, 2, ….
pub(crate) async fn follows(app: &App, rows: &[(i64, i64, i64)]) {
    let numbered: Vec<_> = rows.iter().zip(1i64..).collect();
    for chunk in numbered.chunks(ROWS_PER_INSERT) {
        let mut query = QueryBuilder::new(
            "INSERT INTO follows (follower_id, followee_id, following, seq, at_ms) ",
        );
        query.push_values(chunk, |mut row, ((follower, followee, at_ms), seq)| {
            row.push_bind(follower)
                .push_bind(followee)
                .push_bind(true)
                .push_bind(seq)
                .push_bind(at_ms);
        });
        query.build().execute(&app.env.db.pool).await.unwrap();
    }
}

/// Persisted live comments on `video` by `user`, ids `first..first + n`, comment `i`
/// written at `1_700_000_000_000 + i` (the last one is the newest), sequences 1, 2, ….
pub(crate) async fn comments(app: &App, video: i64, user: i64, first: i64, n: i64) {
    let ids: Vec<i64> = (first..first + n).collect();
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let mut query = QueryBuilder::new(
            "INSERT INTO comments (id, video_id, user_id, content, created_ms, deleted, seq) ",
        );
        query.push_values(chunk, |mut row, id| {
            let i = id - first;
            row.push_bind(id)
                .push_bind(video)
                .push_bind(user)
                .push_bind(format!("seeded comment {i}"))
                .push_bind(1_700_000_000_000i64 + i)
                .push_bind(false)
                .push_bind(i + 1);
        });
        query.build().execute(&app.env.db.pool).await.unwrap();
    }
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
