//! Writes the drawn data set to MySQL in the schema's own tables: ids minted by the project's
//! snowflake generator, then users, videos, likes, follows and comments in bulk.

use std::time::Instant;

use argon2::{
    Argon2, PasswordHasher,
    password_hash::{SaltString, rand_core::OsRng},
};
use ids::Snowflake;
use sqlx::MySqlPool;

use super::{PASSWORD, bulk::insert, phase, plan::Plan, shape::Shape};

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
    db: &MySqlPool,
    ids: &Snowflake,
    plan: &Plan,
    shape: &Shape,
    media: &[String],
    in_flight: usize,
) -> anyhow::Result<Written> {
    let t = Instant::now();
    let written = Written {
        user_ids: mint(ids, plan.users).await?,
        video_ids: mint(ids, shape.videos.len()).await?,
    };
    let comment_ids = mint(ids, shape.comments.len()).await?;
    phase("minted ids", t);
    users(db, &written.user_ids, in_flight).await?;
    videos(db, &written, shape, media, in_flight).await?;
    likes(db, &written, shape, in_flight).await?;
    follows(db, &written, shape, in_flight).await?;
    comments(db, &written, shape, &comment_ids, in_flight).await?;
    Ok(written)
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

async fn users(db: &MySqlPool, user_ids: &[i64], in_flight: usize) -> anyhow::Result<()> {
    let t = Instant::now();
    let hash = password_hash()?;
    let rows: Vec<(usize, i64)> = user_ids.iter().copied().enumerate().collect();
    let head = "INSERT INTO users (id, username, password_hash) ";
    insert(db, head, &rows, in_flight, |row, (index, id)| {
        row.push_bind(*id)
            .push_bind(username(*index))
            .push_bind(hash.clone());
    })
    .await?;
    phase(&format!("{} users", rows.len()), t);
    Ok(())
}

async fn videos(
    db: &MySqlPool,
    written: &Written,
    shape: &Shape,
    media: &[String],
    in_flight: usize,
) -> anyhow::Result<()> {
    let t = Instant::now();
    let rows: Vec<usize> = (0..shape.videos.len()).collect();
    let head = "INSERT INTO videos (id, author_id, title, sha256, created_ms) ";
    insert(db, head, &rows, in_flight, |row, &i| {
        let video = &shape.videos[i];
        row.push_bind(written.video_ids[i])
            .push_bind(written.user_ids[video.author as usize])
            .push_bind(format!("load test video {i}"))
            .push_bind(media[video.media as usize].clone())
            .push_bind(video.created_ms);
    })
    .await?;
    phase(&format!("{} videos", rows.len()), t);
    Ok(())
}

async fn likes(
    db: &MySqlPool,
    written: &Written,
    shape: &Shape,
    in_flight: usize,
) -> anyhow::Result<()> {
    let t = Instant::now();
    let head = "INSERT INTO favorites (user_id, video_id, author_id, liked, seq, liked_ms) ";
    insert(
        db,
        head,
        &shape.likes,
        in_flight,
        |row, &(user, video, at)| {
            let author = shape.videos[video as usize].author;
            row.push_bind(written.user_ids[user as usize])
                .push_bind(written.video_ids[video as usize])
                .push_bind(written.user_ids[author as usize])
                .push_bind(true)
                .push_bind(0i64)
                .push_bind(at);
        },
    )
    .await?;
    phase(&format!("{} likes", shape.likes.len()), t);
    Ok(())
}

async fn follows(
    db: &MySqlPool,
    written: &Written,
    shape: &Shape,
    in_flight: usize,
) -> anyhow::Result<()> {
    let t = Instant::now();
    let head = "INSERT INTO follows (follower_id, followee_id, following, seq, at_ms) ";
    insert(db, head, &shape.follows, in_flight, |row, &(a, b, at)| {
        row.push_bind(written.user_ids[a as usize])
            .push_bind(written.user_ids[b as usize])
            .push_bind(true)
            .push_bind(0i64)
            .push_bind(at);
    })
    .await?;
    phase(&format!("{} follows", shape.follows.len()), t);
    Ok(())
}

async fn comments(
    db: &MySqlPool,
    written: &Written,
    shape: &Shape,
    comment_ids: &[i64],
    in_flight: usize,
) -> anyhow::Result<()> {
    let t = Instant::now();
    let rows: Vec<usize> = (0..shape.comments.len()).collect();
    let head = "INSERT INTO comments (id, video_id, user_id, content, created_ms, deleted, seq) ";
    insert(db, head, &rows, in_flight, |row, &i| {
        let comment = &shape.comments[i];
        row.push_bind(comment_ids[i])
            .push_bind(written.video_ids[comment.video as usize])
            .push_bind(written.user_ids[comment.user as usize])
            .push_bind(format!("load test comment {i}"))
            .push_bind(comment.created_ms)
            .push_bind(false)
            .push_bind(0i64);
    })
    .await?;
    phase(&format!("{} comments", rows.len()), t);
    Ok(())
}
