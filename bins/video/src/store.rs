//! The video domain's MySQL statements.

use sqlx::{MySqlPool, QueryBuilder, Row, mysql::MySqlRow};

use contract::video::VideoInfo;

/// A stored file and its cover.
pub struct Media {
    pub video_key: String,
    pub cover_key: String,
}

const VIDEO_COLUMNS: &str = "SELECT v.id, v.author_id, v.title, v.created_ms, m.video_key, \
     m.cover_key FROM videos v JOIN media m ON m.sha256 = v.sha256";

pub async fn find_media(pool: &MySqlPool, sha256: &str) -> Result<Option<Media>, sqlx::Error> {
    let row = sqlx::query("SELECT video_key, cover_key FROM media WHERE sha256 = ?")
        .bind(sha256)
        .fetch_optional(pool)
        .await?;
    row.map(|row| {
        Ok(Media {
            video_key: row.try_get("video_key")?,
            cover_key: row.try_get("cover_key")?,
        })
    })
    .transpose()
}

/// Records the stored file unless another publish recorded the same content first;
/// true when this call's row went in.
pub async fn insert_media(
    pool: &MySqlPool,
    sha256: &str,
    media: &Media,
    size: u64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT IGNORE INTO media (sha256, video_key, cover_key, size_bytes) VALUES (?, ?, ?, ?)",
    )
    .bind(sha256)
    .bind(&media.video_key)
    .bind(&media.cover_key)
    .bind(size as i64)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub struct NewVideo<'a> {
    pub id: i64,
    pub author_id: i64,
    pub title: &'a str,
    pub sha256: &'a str,
    pub created_ms: i64,
}

/// The video and its author's work count, in one transaction: the count is never behind.
/// Returns that count, this video included (every instance's feed index takes it).
pub async fn insert_video(pool: &MySqlPool, video: &NewVideo<'_>) -> Result<i64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO videos (id, author_id, title, sha256, created_ms) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(video.id)
    .bind(video.author_id)
    .bind(video.title)
    .bind(video.sha256)
    .bind(video.created_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO author_works (author_id, videos) VALUES (?, 1) \
         ON DUPLICATE KEY UPDATE videos = videos + 1",
    )
    .bind(video.author_id)
    .execute(&mut *tx)
    .await?;
    let works = sqlx::query_scalar("SELECT videos FROM author_works WHERE author_id = ?")
        .bind(video.author_id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(works)
}

/// A page of videos with their authors' work counts (one primary-key read of `author_works`
/// per row): the newest `LIMIT` videos matching `filter` picked first from the index alone (a
/// derived table, so the optimiser cannot join first and sort the whole range: with few
/// `media` rows it did exactly that, ~200 ms a page at 100k videos), then joined.
fn page_sql(filter: &str) -> String {
    format!(
        "SELECT v.id, v.author_id, v.title, v.created_ms, m.video_key, m.cover_key, \
         COALESCE(w.videos, 0) AS works FROM (SELECT id, author_id, title, created_ms, sha256 \
         FROM videos WHERE {filter} ORDER BY created_ms DESC, id DESC LIMIT ?) v \
         JOIN media m ON m.sha256 = v.sha256 LEFT JOIN author_works w ON w.author_id = v.author_id \
         ORDER BY v.created_ms DESC, v.id DESC"
    )
}

/// A video of a page and its author's work count.
pub type PageRow = (VideoInfo, i64);

/// Up to `limit` videos created before `before_ms`, newest first: a backward range read of
/// `idx_videos_feed` that stops after `limit` rows, whatever the table's size.
pub async fn feed(
    pool: &MySqlPool,
    before_ms: i64,
    limit: u32,
) -> Result<Vec<PageRow>, sqlx::Error> {
    page_where(pool, "created_ms < ?", before_ms, limit).await
}

/// The newest `limit` videos created after `after_ms` (the feed index's re-read).
pub async fn feed_after(
    pool: &MySqlPool,
    after_ms: i64,
    limit: u32,
) -> Result<Vec<PageRow>, sqlx::Error> {
    page_where(pool, "created_ms > ?", after_ms, limit).await
}

pub async fn by_author(
    pool: &MySqlPool,
    author_id: i64,
    limit: u32,
) -> Result<Vec<PageRow>, sqlx::Error> {
    page_where(pool, "author_id = ?", author_id, limit).await
}

/// [`page_sql`] with `filter`'s one parameter bound to `value`.
async fn page_where(
    pool: &MySqlPool,
    filter: &str,
    value: i64,
    limit: u32,
) -> Result<Vec<PageRow>, sqlx::Error> {
    let rows = sqlx::query(&page_sql(filter))
        .bind(value)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(page_row).collect()
}

pub async fn by_ids(pool: &MySqlPool, ids: &[i64]) -> Result<Vec<VideoInfo>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::new(VIDEO_COLUMNS);
    query.push(" WHERE v.id IN (");
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    query.push(")");
    let rows = query.build().fetch_all(pool).await?;
    rows.iter().map(video).collect()
}

/// (author, number of videos) for the authors that have any: primary-key reads.
pub async fn work_counts(
    pool: &MySqlPool,
    author_ids: &[i64],
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    if author_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut query =
        QueryBuilder::new("SELECT author_id, videos FROM author_works WHERE author_id IN (");
    let mut list = query.separated(", ");
    for id in author_ids {
        list.push_bind(id);
    }
    query.push(") AND videos > 0");
    let rows = query.build().fetch_all(pool).await?;
    rows.iter()
        .map(|row| Ok((row.try_get("author_id")?, row.try_get("videos")?)))
        .collect()
}

fn page_row(row: &MySqlRow) -> Result<PageRow, sqlx::Error> {
    Ok((video(row)?, row.try_get("works")?))
}

fn video(row: &MySqlRow) -> Result<VideoInfo, sqlx::Error> {
    Ok(VideoInfo {
        id: row.try_get("id")?,
        author_id: row.try_get("author_id")?,
        title: row.try_get("title")?,
        play_key: row.try_get("video_key")?,
        cover_key: row.try_get("cover_key")?,
        created_ms: row.try_get("created_ms")?,
    })
}
