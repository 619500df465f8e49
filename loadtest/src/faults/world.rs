//! The accounts and videos a scenario writes on: writer accounts (each writes only pairs
//! that start with itself, so the expected final state of every pair is exact), target
//! accounts that writers follow and message, and videos inserted straight into MySQL (the
//! likes and comments need videos to exist, not their bytes).

use sqlx::MySqlPool;

use super::api::Api;

pub struct Account {
    pub id: i64,
    pub token: String,
}

pub struct World {
    pub writers: Vec<Account>,
    pub targets: Vec<Account>,
    pub videos: Vec<i64>,
}

/// Videos per scenario: every writer may like each of them, and comments on video `i %
/// VIDEOS` come from writers `i`, `i + VIDEOS`, ….
pub const VIDEOS: usize = 4;
pub const TARGETS: usize = 4;

impl World {
    pub async fn create(api: &Api, db: &MySqlPool, writers: usize) -> anyhow::Result<Self> {
        let tag = std::process::id() % 10_000;
        let mut accounts = Vec::new();
        for i in 0..writers + TARGETS {
            let (id, token) = api.register(&format!("f{tag}u{i}")).await?;
            accounts.push(Account { id, token });
        }
        let targets = accounts.split_off(writers);
        let videos = insert_videos(db, targets[0].id).await?;
        Ok(Self {
            writers: accounts,
            targets,
            videos,
        })
    }
}

/// `VIDEOS` videos by `author` sharing one media row whose objects do not exist: the
/// scenarios never play them. Ids below 2^53 and far from the snowflakes the workers mint.
async fn insert_videos(db: &MySqlPool, author: i64) -> anyhow::Result<Vec<i64>> {
    let sha = "f".repeat(64);
    sqlx::query(
        "INSERT IGNORE INTO media (sha256, video_key, cover_key, size_bytes) VALUES (?, ?, ?, 1)",
    )
    .bind(&sha)
    .bind("faults/none.mp4")
    .bind("faults/none.jpg")
    .execute(db)
    .await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    let mut videos = Vec::new();
    for i in 0..VIDEOS as i64 {
        let id = 1_000_000 + i;
        sqlx::query(
            "INSERT INTO videos (id, author_id, title, sha256, created_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(author)
        .bind(format!("fault video {i}"))
        .bind(&sha)
        .bind(now - i)
        .execute(db)
        .await?;
        videos.push(id);
    }
    sqlx::query("INSERT INTO author_works (author_id, videos) VALUES (?, ?)")
        .bind(author)
        .bind(VIDEOS as i64)
        .execute(db)
        .await?;
    Ok(videos)
}
