//! Pages that end inside one millisecond: rows sharing a time across a page boundary must
//! each appear exactly once when the feed or a chat history is walked page by page (the
//! `limit + 1` rule of `contract::paging`). The rows are inserted straight into MySQL, as
//! the API cannot create several at the same millisecond on purpose.

use crate::app::{App, ok_json};

/// Most pages a walk may take before the test calls it a loop.
const MAX_PAGES: usize = 20;

/// Times for `sizes.len()` groups, one time per group, each group `sizes[i]` rows long,
/// stepping by `step` ms from `start`: the time of each row in walk order.
fn grouped_times(sizes: &[usize], start: i64, step: i64) -> Vec<i64> {
    let mut times = Vec::new();
    for (group, size) in sizes.iter().enumerate() {
        times.extend(std::iter::repeat_n(start + step * group as i64, *size));
    }
    times
}

/// Singletons, then groups that straddle positions 30 and 60 (the feed's page size).
fn feed_groups() -> Vec<usize> {
    let mut sizes = vec![1; 28];
    sizes.push(5);
    sizes.extend([1; 25]);
    sizes.push(6);
    sizes.extend([1; 6]);
    sizes
}

async fn insert_feed_videos(app: &App, author: i64, times: &[i64]) -> Vec<i64> {
    let pool = &app.env.db.pool;
    let sha = "a".repeat(64);
    sqlx::query("INSERT INTO media (sha256, video_key, cover_key, size_bytes) VALUES (?, 'v.mp4', 'c.jpg', 1)")
        .bind(&sha)
        .execute(pool)
        .await
        .unwrap();
    // Within one millisecond the feed orders by id, descending: ids fall with the position.
    let mut expected = Vec::new();
    for (position, created_ms) in times.iter().enumerate() {
        let id = 10_000 - position as i64;
        sqlx::query("INSERT INTO videos (id, author_id, title, sha256, created_ms) VALUES (?, ?, 'same ms', ?, ?)")
            .bind(id)
            .bind(author)
            .bind(&sha)
            .bind(created_ms)
            .execute(pool)
            .await
            .unwrap();
        expected.push(id);
    }
    expected
}

#[tokio::test]
async fn the_feed_walked_page_by_page_shows_every_video_once_across_shared_milliseconds() {
    let app = App::start_with(|settings| settings.video.feed_index_resync_ms = 50).await;
    let (author, _) = app.register("prolific", "secret1").await;
    let times = grouped_times(&feed_groups(), 1_700_000_000_000, -1);
    let expected = insert_feed_videos(&app, author, &times).await;
    // Rows written straight to MySQL reach the video worker's in-memory feed index on its
    // re-read timer (published videos are announced at once): the walk below then runs on
    // the index, whose pages must keep the same rule.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let page = ok_json(app.get("/douyin/feed/").await).await;
        if page["video_list"][0]["id"] == expected[0] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the index did not pick them up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let mut seen = Vec::new();
    let mut latest_time = 0;
    for _ in 0..MAX_PAGES {
        let page = ok_json(
            app.get(&format!("/douyin/feed/?latest_time={latest_time}"))
                .await,
        )
        .await;
        let videos = page["video_list"].as_array().unwrap();
        if videos.is_empty() {
            break;
        }
        seen.extend(videos.iter().map(|v| v["id"].as_i64().unwrap()));
        latest_time = page["next_time"].as_i64().unwrap();
    }
    assert_eq!(seen, expected, "every video once, newest first");
}

#[tokio::test]
async fn a_chat_history_walked_page_by_page_shows_every_message_once_across_shared_milliseconds() {
    let app = App::start_with(|settings| settings.chat.page = 5).await;
    let (a, token_a) = app.register("chatty", "secret1").await;
    let (b, _) = app.register("listener", "secret1").await;
    // Groups of three straddle positions 5 and 10 (the page size set above).
    let times = grouped_times(&[1, 1, 1, 1, 3, 1, 1, 3, 1], 1_700_000_000_000, 1);
    let mut expected = Vec::new();
    for (position, created_ms) in times.iter().enumerate() {
        let content = format!("message {position}");
        let (from, to) = if position % 2 == 0 { (a, b) } else { (b, a) };
        sqlx::query("INSERT INTO messages (user_lo, user_hi, created_ms, id, from_id, to_id, content) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(a.min(b))
            .bind(a.max(b))
            .bind(created_ms)
            .bind(500 + position as i64)
            .bind(from)
            .bind(to)
            .bind(&content)
            .execute(&app.env.db.pool)
            .await
            .unwrap();
        expected.push(content);
    }

    let mut seen = Vec::new();
    let mut after = 0;
    for _ in 0..MAX_PAGES {
        let path =
            format!("/douyin/message/chat/?token={token_a}&to_user_id={b}&pre_msg_time={after}");
        let page = ok_json(app.get(&path).await).await;
        let messages = page["message_list"].as_array().unwrap();
        let Some(last) = messages.last() else { break };
        after = last["create_time"].as_i64().unwrap();
        seen.extend(
            messages
                .iter()
                .map(|m| m["content"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(seen, expected, "every message once, oldest first");
}
