//! Writes the drawn data set to MySQL in the schema's own tables: ids minted by the project's
//! snowflake generator, then users, videos (and their authors' work counts), likes, follows
//! and comments in bulk.

use std::time::Instant;

use super::{PASSWORD, bulk::Loader, phase, plan::Plan, shape::Shape};
use argon2::{
    Argon2, PasswordHasher,
    password_hash::{SaltString, rand_core::OsRng},
};
use ids::Snowflake;

/// The ids the rows were written with (index = the shape's user / video index).
pub struct Written {
    pub user_ids: Vec<i64>,
    pub video_ids: Vec<i64>,
}

/// A seeded user's name: `lt<index>`.
pub fn username(index: usize) -> String {
    format!("lt{index}")
}

pub async fn all(
    load: Loader<'_>,
    ids: &Snowflake,
    plan: &Plan,
    shape: &Shape,
    media: &[String],
) -> anyhow::Result<Written> {
    let t = Instant::now();
    let written = Written {
        user_ids: mint(ids, plan.users).await?,
        video_ids: mint(ids, shape.videos.len()).await?,
    };
    let comment_ids = mint(ids, shape.comments.len()).await?;
    phase("minted ids", t);
    catalogue(load, &written, shape, media).await?;
    social(load, &written, shape).await?;
    comments(load, &written, shape, &comment_ids).await?;
    Ok(written)
}

/// Users (one shared password hash) and their videos.
async fn catalogue(
    load: Loader<'_>,
    written: &Written,
    shape: &Shape,
    media: &[String],
) -> anyhow::Result<()> {
    let hash = password_hash()?;
    let users: Vec<usize> = (0..written.user_ids.len()).collect();
    let head = "INSERT INTO users (id, username, password_hash) ";
    load.insert("users", head, &users, |row, &i| {
        row.push_bind(written.user_ids[i])
            .push_bind(username(i))
            .push_bind(hash.clone());
    })
    .await?;
    let videos: Vec<usize> = (0..shape.videos.len()).collect();
    let head = "INSERT INTO videos (id, author_id, title, sha256, created_ms) ";
    load.insert("videos", head, &videos, |row, &i| {
        let v = &shape.videos[i];
        row.push_bind(written.video_ids[i])
            .push_bind(written.user_ids[v.author as usize])
            .push_bind(format!("load test video {i}"))
            .push_bind(media[v.media as usize].clone())
            .push_bind(v.created_ms);
    })
    .await?;
    works(load, written, shape).await
}

/// Each author's video count, which a publish keeps beside its video (`author_works`).
async fn works(load: Loader<'_>, written: &Written, shape: &Shape) -> anyhow::Result<()> {
    let mut counts: std::collections::BTreeMap<u32, i64> = Default::default();
    for video in &shape.videos {
        *counts.entry(video.author).or_default() += 1;
    }
    let counts: Vec<(u32, i64)> = counts.into_iter().collect();
    let head = "INSERT INTO author_works (author_id, videos) ";
    load.insert("work counts", head, &counts, |row, &(author, n)| {
        row.push_bind(written.user_ids[author as usize])
            .push_bind(n);
    })
    .await
}

/// Likes and follows, as the persistence consumers would have written them (`seq = 0`).
async fn social(load: Loader<'_>, written: &Written, shape: &Shape) -> anyhow::Result<()> {
    let user = |i: u32| written.user_ids[i as usize];
    let head = "INSERT INTO favorites (user_id, video_id, author_id, liked, seq, liked_ms) ";
    load.insert("likes", head, &shape.likes, |row, &(u, v, at)| {
        let author = shape.videos[v as usize].author;
        row.push_bind(user(u))
            .push_bind(written.video_ids[v as usize])
            .push_bind(user(author))
            .push_bind(true)
            .push_bind(0i64)
            .push_bind(at);
    })
    .await?;
    let head = "INSERT INTO follows (follower_id, followee_id, following, seq, at_ms) ";
    load.insert("follows", head, &shape.follows, |row, &(a, b, at)| {
        row.push_bind(user(a)).push_bind(user(b));
        row.push_bind(true).push_bind(0i64).push_bind(at);
    })
    .await
}

async fn mint(ids: &Snowflake, count: usize) -> anyhow::Result<Vec<i64>> {
    let mut minted = Vec::with_capacity(count);
    for _ in 0..count {
        minted.push(ids.next_id().await?);
    }
    Ok(minted)
}

/// One Argon2 hash (the user worker's parameters: the crate's defaults) for every user.
fn password_hash() -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(PASSWORD.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow::anyhow!("hashing the load-test password: {err}"))
}

async fn comments(
    load: Loader<'_>,
    written: &Written,
    shape: &Shape,
    comment_ids: &[i64],
) -> anyhow::Result<()> {
    let rows: Vec<usize> = (0..shape.comments.len()).collect();
    let head = "INSERT INTO comments (id, video_id, user_id, content, created_ms, deleted, seq) ";
    load.insert("comments", head, &rows, |row, &i| {
        let comment = &shape.comments[i];
        row.push_bind(comment_ids[i])
            .push_bind(written.video_ids[comment.video as usize])
            .push_bind(written.user_ids[comment.user as usize])
            .push_bind(format!("load test comment {i}"))
            .push_bind(comment.created_ms)
            .push_bind(false)
            .push_bind(0i64);
    })
    .await
}
