//! The seeded media: a handful of small real MP4s (made by ffmpeg) with their first-frame
//! JPEG covers, stored through the project's object store — whichever `media.store` names —
//! and recorded in `media` exactly as a publish would, so every seeded video plays.

use std::path::Path;

use objects::ObjectStore;
use sha2::{Digest, Sha256};
use sqlx::MySqlPool;
use video::cover::Ffmpeg;

/// Stores `count` distinct MP4s and their covers; returns their SHA-256s (hex). The first
/// one is also written to `sample` for the publish journey to upload.
pub async fn seed(
    db: &MySqlPool,
    store: &dyn ObjectStore,
    ffmpeg: &Ffmpeg,
    count: usize,
    sample: &Path,
) -> anyhow::Result<Vec<String>> {
    let mut digests = Vec::with_capacity(count);
    for i in 0..count {
        let mp4 = testkit::media::mp4(i as u32)?;
        if i == 0 {
            tokio::fs::write(sample, &mp4).await?;
        }
        digests.push(store_one(db, store, ffmpeg, mp4).await?);
    }
    Ok(digests)
}

async fn store_one(
    db: &MySqlPool,
    store: &dyn ObjectStore,
    ffmpeg: &Ffmpeg,
    mp4: Vec<u8>,
) -> anyhow::Result<String> {
    let sha256 = format!("{:x}", Sha256::digest(&mp4));
    // The key shape the edge serves (`videos/<hex>`, `covers/<hex>.jpg`).
    let video_key = format!("videos/{}", &sha256[..32]);
    let cover_key = format!("covers/{sha256}.jpg");
    let size = mp4.len() as i64;
    put(store, &video_key, "video/mp4", mp4).await?;
    // The same cover extraction a publish runs.
    let jpeg = ffmpeg.first_frame(store, &video_key).await?;
    put(store, &cover_key, "image/jpeg", jpeg).await?;
    sqlx::query(
        "INSERT IGNORE INTO media (sha256, video_key, cover_key, size_bytes) VALUES (?, ?, ?, ?)",
    )
    .bind(&sha256)
    .bind(&video_key)
    .bind(&cover_key)
    .bind(size)
    .execute(db)
    .await?;
    Ok(sha256)
}

async fn put(
    store: &dyn ObjectStore,
    key: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<()> {
    let body = futures::stream::once(async move { Ok(bytes::Bytes::from(bytes)) });
    store.put(key, content_type, Box::pin(body)).await?;
    Ok(())
}
