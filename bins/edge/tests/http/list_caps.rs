//! Long lists: the follow, follower and friend lists come a page of 1,000 at a time, newest
//! first, with a `next_cursor` that reaches every entry once (a friend however old the
//! follow); the liked list shows the newest 1,000. Counts are never capped.

use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    app::{App, error_json, ok_json},
    likes, list_seed,
    social::user,
};

const CAP: usize = 1_000;
const BASE_MS: i64 = 1_700_000_000_000;

/// One page of a user list: its ids and its `next_cursor`.
/// An app for rows imported straight into MySQL for accounts that just signed up: without
/// the empty hot state a sign-up loads, which would hide them (`hot.load_new_users`).
async fn importing() -> App {
    App::start_with(|settings| settings.hot.load_new_users = false).await
}

async fn page(app: &App, path: &str) -> (Vec<i64>, Option<String>) {
    let body: Value = ok_json(app.get(path).await).await;
    let ids = body["user_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    (ids, body["next_cursor"].as_str().map(str::to_owned))
}

/// Every page of a list from the first, following `next_cursor` (`path` has a query).
async fn all_pages(app: &App, path: &str) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let with_cursor = match &cursor {
            Some(cursor) => format!("{path}&cursor={cursor}"),
            None => path.to_owned(),
        };
        let (ids, next) = page(app, &with_cursor).await;
        pages.push(ids);
        match next {
            Some(next) => cursor = Some(next),
            None => return pages,
        }
        assert!(pages.len() < 10, "the cursor does not advance");
    }
}

#[tokio::test]
async fn follow_follower_and_friend_lists_page_past_the_first_thousand() {
    let app = importing().await;
    let (me, token) = app.register("celebrity", "secret1").await;
    let others = list_seed::users(&app, 1_000_000, CAP as i64 + 1).await;
    // Following each other, the i-th other at time i: the first one is the oldest.
    let mut rows = Vec::new();
    for (i, other) in others.iter().enumerate() {
        let at_ms = BASE_MS + i as i64;
        rows.push((me, *other, at_ms));
        rows.push((*other, me, at_ms));
    }
    list_seed::follows(&app, &rows).await;
    let newest: Vec<i64> = others.iter().rev().take(CAP).copied().collect();
    let expected = vec![newest, vec![others[0]]];

    let follows = format!("/douyin/relation/follow/list/?user_id={me}");
    assert_eq!(all_pages(&app, &follows).await, expected);
    let followers = format!("/douyin/relation/follower/list/?user_id={me}");
    assert_eq!(all_pages(&app, &followers).await, expected);
    let friends = format!("/douyin/relation/friend/list/?user_id={me}&token={token}");
    assert_eq!(all_pages(&app, &friends).await, expected);
    let seen = user(&app, me, &token).await;
    assert_eq!(seen["follow_count"], CAP + 1, "counts are not capped");
    assert_eq!(seen["follower_count"], CAP + 1);
}

#[tokio::test]
async fn friends_behind_a_thousand_newer_follows_are_listed() {
    // A short walk per script, so the worker must resume the walk many times.
    let app = App::start_with(|settings| {
        settings.hot.friend_scan_max = 64;
        settings.hot.load_new_users = false;
    })
    .await;
    let (me, token) = app.register("collector", "secret1").await;
    let others = list_seed::users(&app, 2_000_000, 1_200).await;
    let mut rows: Vec<(i64, i64, i64)> = others
        .iter()
        .zip(0..)
        .map(|(other, i)| (me, *other, BASE_MS + i))
        .collect();
    // Only the 50 oldest follows follow back.
    rows.extend(others[..50].iter().map(|other| (*other, me, BASE_MS)));
    list_seed::follows(&app, &rows).await;

    let friends = format!("/douyin/relation/friend/list/?token={token}");
    let (listed, next) = page(&app, &friends).await;
    let oldest_first: Vec<i64> = others[..50].iter().rev().copied().collect();
    assert_eq!(listed, oldest_first, "all 50, newest follow first");
    assert_eq!(next, None);
}

#[tokio::test]
async fn paging_2500_follows_lists_each_once_newest_first() {
    let app = importing().await;
    let (me, _) = app.register("follower", "secret1").await;
    let others = list_seed::users(&app, 3_000_000, 2_500).await;
    // Three follows per millisecond, so pages end inside a millisecond too.
    let rows: Vec<(i64, i64, i64)> = others
        .iter()
        .zip(0..)
        .map(|(other, i)| (me, *other, BASE_MS + i / 3))
        .collect();
    list_seed::follows(&app, &rows).await;

    let follows = format!("/douyin/relation/follow/list/?user_id={me}");
    let pages = all_pages(&app, &follows).await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [CAP, CAP, 500]);
    let listed: Vec<i64> = pages.concat();
    // Newest first; within a millisecond the larger id first (the set's member order).
    let mut expected = others.clone();
    expected.sort_by_key(|id| std::cmp::Reverse(((id - others[0]) / 3, *id)));
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn a_bad_cursor_is_a_400() {
    let app = importing().await;
    let (me, token) = app.register("pager", "secret1").await;
    for list in ["follow", "follower", "friend"] {
        for cursor in ["nope", "12", "-1_5", "1_x"] {
            let path =
                format!("/douyin/relation/{list}/list/?user_id={me}&token={token}&cursor={cursor}");
            let message = error_json(app.get(&path).await, StatusCode::BAD_REQUEST).await;
            assert!(message.contains("cursor"), "{message}");
        }
    }
}

#[tokio::test]
async fn the_liked_list_shows_the_thousand_most_recently_liked() {
    let app = importing().await;
    let (author, _) = app.register("uploader", "secret1").await;
    let (fan, _) = app.register("binger", "secret1").await;
    let videos: Vec<i64> = (1..=CAP as i64 + 1).collect();
    list_seed::videos(&app, author, &videos).await;
    // Liked in reverse id order: video 1 was liked last, video 1,001 first (the oldest).
    let rows: Vec<(i64, i64)> = videos
        .iter()
        .map(|v| (*v, 1_700_000_000_000 + 5_000 - v))
        .collect();
    list_seed::likes(&app, fan, author, &rows).await;

    let list = ok_json(
        app.get(&format!("/douyin/favorite/list/?user_id={fan}"))
            .await,
    )
    .await;
    let listed: Vec<i64> = list["video_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, videos[..CAP], "the newest likes, newest first");
    assert_eq!(likes::user(&app, fan).await["favorite_count"], CAP + 1);
}
