//! The feed index against the real MySQL query it replaces: the same seeded rows give the
//! same pages from memory as from MySQL (milliseconds shared across a page boundary, ties by
//! id, work counts), a page below what memory holds is left to MySQL, and a worker whose
//! MySQL goes away keeps answering the newest pages (and the work counts of their authors),
//! including videos announced meanwhile.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use contract::{
    ErrorKind,
    video::{AuthorCounts, Feed, PUBLISHED_SUBJECT, VideoInfo, VideoPublished, Videos, WorkCounts},
};
use mesh::CallError;
use sqlx::MySqlPool;
use testkit::{Proxy, TestDb, TestEnv};
use video::{index::FeedIndex, store};

const SHA: &str = "abababababababababababababababababababababababababababababababab";
const AUTHORS: i64 = 7;
/// Around the real clock, and within 53 bits like every id and time the API hands out.
const START_MS: i64 = 1_764_000_000_000;

/// `count` videos, some sharing a millisecond, ids not in time order (so ties
/// are broken by id, as the query does), authors round robin; and their work counts.
async fn seed(pool: &MySqlPool, count: i64) -> Vec<(i64, i64)> {
    sqlx::query("INSERT INTO media (sha256, video_key, cover_key, size_bytes) VALUES (?, 'videos/s', 'covers/s.jpg', 1)")
        .bind(SHA)
        .execute(pool)
        .await
        .unwrap();
    let mut rows = Vec::new();
    let mut ms = START_MS;
    for n in 0..count {
        // Groups of one, two and three videos sharing a millisecond.
        if !(n % 3 == 1 || n % 7 == 2) {
            ms += 1;
        }
        // A permutation of 0..count (7,919 is a prime that divides none of the counts).
        let id = 1_000 + (n * 7_919) % count;
        sqlx::query(
            "INSERT INTO videos (id, author_id, title, sha256, created_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(n % AUTHORS + 1)
        .bind(format!("video {n}"))
        .bind(SHA)
        .bind(ms)
        .execute(pool)
        .await
        .unwrap();
        rows.push((id, ms));
    }
    sqlx::query("INSERT INTO author_works (author_id, videos) SELECT author_id, COUNT(*) FROM videos GROUP BY author_id")
        .execute(pool)
        .await
        .unwrap();
    rows
}

#[tokio::test]
async fn pages_from_memory_are_the_pages_of_the_mysql_query() {
    let db = TestDb::create().await.unwrap();
    let seeded = seed(&db.pool, 301).await;
    // Holds about two thirds: the newest pages come from memory, the oldest do not.
    let index = FeedIndex::load(&db.pool, 200).await.unwrap();
    assert!(index.len() <= 200 && index.len() > 190, "{}", index.len());
    let mut times: Vec<i64> = seeded.iter().flat_map(|(_, ms)| [*ms, ms + 1]).collect();
    times.push(i64::MAX);
    times.sort_unstable();
    times.dedup();
    let (mut from_memory, mut left_to_mysql) = (0, 0);
    for before_ms in times {
        for rows in [2, 7, 31] {
            let expected = store::feed(&db.pool, before_ms, rows as u32).await.unwrap();
            match index.page(before_ms, rows) {
                Some(page) => {
                    assert_eq!(page, expected, "before {before_ms}, {rows} rows");
                    from_memory += 1;
                }
                None => left_to_mysql += 1,
            }
        }
    }
    assert!(
        from_memory > 300,
        "{from_memory} pages answered from memory"
    );
    assert!(left_to_mysql > 100, "{left_to_mysql} pages left to MySQL");
    assert!(
        index.page(START_MS + 1, 2).is_none(),
        "the oldest page is not held"
    );
}

#[tokio::test]
async fn a_whole_catalogue_held_answers_its_last_short_page_from_memory() {
    let db = TestDb::create().await.unwrap();
    let seeded = seed(&db.pool, 40).await;
    let index = FeedIndex::load(&db.pool, 1_000).await.unwrap();
    assert_eq!(index.len(), 40);
    let oldest_but_two = seeded[2].1 + 1;
    let page = index.page(oldest_but_two, 31).unwrap();
    assert_eq!(
        page,
        store::feed(&db.pool, oldest_but_two, 31).await.unwrap()
    );
    assert!(page.len() < 31);
}

async fn feed(nats: &async_nats::Client, before_ms: i64) -> Result<Videos, CallError> {
    let request = Feed {
        before_ms,
        limit: 30,
    };
    mesh::call(nats, &request, Duration::from_secs(5)).await
}

fn announced(id: i64, created_ms: i64) -> VideoPublished {
    VideoPublished {
        video: VideoInfo {
            id,
            author_id: 1,
            title: "announced".into(),
            play_key: "videos/a".into(),
            cover_key: "covers/a.jpg".into(),
            created_ms,
        },
        works: 99,
    }
}

#[tokio::test]
async fn with_mysql_gone_the_newest_pages_still_answer_and_older_ones_say_503() {
    let mut env = TestEnv::start().await.unwrap();
    let seeded = seed(&env.db.pool, 80).await;
    let (proxy, url) = Proxy::for_url(&env.db.url).await.unwrap();
    env.settings.mysql.url = url;
    env.settings.mysql.acquire_timeout_ms = 500;
    env.settings.video.feed_index_videos = 50;
    env.settings.video.feed_index_resync_ms = 100;
    let worker = video::start(&env.settings, env.nats_client().await.unwrap())
        .await
        .unwrap();
    let nats = env.nats_client().await.unwrap();
    let newest = feed(&nats, i64::MAX).await.unwrap();
    let older_ms = seeded[20].1;
    let older = feed(&nats, older_ms).await.unwrap();
    assert_eq!(newest.videos.len(), 30);

    proxy.cut();
    let started = Instant::now();
    for _ in 0..20 {
        let again = feed(&nats, i64::MAX).await.unwrap();
        assert_eq!(again.videos, newest.videos);
        assert_eq!(again.work_counts, newest.work_counts);
    }
    // The work counts of the authors it holds answer too (every list of users carries them);
    // an author it cannot vouch for needs MySQL.
    let carried = newest.work_counts[0];
    let held = WorkCounts {
        author_ids: vec![carried.author_id],
    };
    let counts: AuthorCounts = mesh::call(&nats, &held, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(counts.counts, vec![carried]);
    let stranger = WorkCounts {
        author_ids: vec![carried.author_id, 777_777],
    };
    let refused = mesh::call::<WorkCounts>(&nats, &stranger, Duration::from_secs(5)).await;
    match refused {
        Err(CallError::Service(err)) => assert_eq!(err.kind, ErrorKind::Unavailable, "{err:?}"),
        other => panic!("an unknown author while MySQL is gone: {other:?}"),
    }
    // Below what memory holds the page needs MySQL: a clear 503, within the pool's time-out.
    match feed(&nats, older_ms).await {
        Err(CallError::Service(err)) => assert_eq!(err.kind, ErrorKind::Unavailable, "{err:?}"),
        other => panic!("an older page while MySQL is gone: {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));

    // Another instance stores a video meanwhile (its MySQL is up): this one shows it at once.
    let event = announced(9_000_000, seeded.last().unwrap().1 + 5);
    let payload = serde_json::to_vec(&event).unwrap();
    nats.publish(PUBLISHED_SUBJECT, payload.into())
        .await
        .unwrap();
    let heard = Instant::now();
    loop {
        let page = feed(&nats, i64::MAX).await.unwrap();
        if page.videos[0] == event.video {
            let works = page.work_counts.iter().find(|c| c.author_id == 1).unwrap();
            assert_eq!(works.count, 99);
            break;
        }
        assert!(heard.elapsed() < Duration::from_secs(2), "not heard");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match feed(&nats, older_ms).await {
            Ok(page) => {
                assert_eq!(page.videos, older.videos);
                break;
            }
            Err(err) => assert!(Instant::now() < deadline, "still failing: {err}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    worker.shutdown().await;
}

#[tokio::test]
async fn a_video_written_to_mysql_without_an_announcement_is_picked_up_by_the_timer() {
    let mut env = TestEnv::start().await.unwrap();
    let seeded = seed(&env.db.pool, 10).await;
    env.settings.video.feed_index_resync_ms = 100;
    let worker = video::start(&env.settings, env.nats_client().await.unwrap())
        .await
        .unwrap();
    let nats = env.nats_client().await.unwrap();
    let newest_ms = seeded.iter().map(|(_, ms)| *ms).max().unwrap() + 1;
    sqlx::query("INSERT INTO videos (id, author_id, title, sha256, created_ms) VALUES (5, 1, 'quiet', ?, ?)")
        .bind(SHA)
        .bind(newest_ms)
        .execute(&env.db.pool)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(3);
    while feed(&nats, i64::MAX).await.unwrap().videos[0].id != 5 {
        assert!(Instant::now() < deadline, "the re-read did not pick it up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.shutdown().await;
}
