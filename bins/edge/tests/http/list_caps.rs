//! The 1,000 caps of the follow, follower, friend and liked lists: with 1,001 entries each
//! list shows the newest 1,000, newest first, while the counts still say 1,001.

use crate::{
    app::{App, ok_json},
    likes, list_seed,
    social::{ids, user},
};

const CAP: usize = 1_000;

#[tokio::test]
async fn follow_follower_and_friend_lists_show_the_newest_thousand() {
    let app = App::start().await;
    let (me, token) = app.register("celebrity", "secret1").await;
    let others = list_seed::users(&app, 1_000_000, CAP as i64 + 1).await;
    // Following each other, the i-th other at time i: the first one is the oldest.
    let mut rows = Vec::new();
    for (i, other) in others.iter().enumerate() {
        let at_ms = 1_700_000_000_000 + i as i64;
        rows.push((me, *other, at_ms));
        rows.push((*other, me, at_ms));
    }
    list_seed::follows(&app, &rows).await;
    let newest: Vec<i64> = others.iter().rev().take(CAP).copied().collect();

    let follows = ids(&app, &format!("/douyin/relation/follow/list/?user_id={me}")).await;
    assert_eq!(follows, newest);
    let followers = ids(
        &app,
        &format!("/douyin/relation/follower/list/?user_id={me}"),
    )
    .await;
    assert_eq!(followers, newest);
    let friends = format!("/douyin/relation/friend/list/?user_id={me}&token={token}");
    assert_eq!(ids(&app, &friends).await, newest);
    let seen = user(&app, me, &token).await;
    assert_eq!(seen["follow_count"], CAP + 1, "counts are not capped");
    assert_eq!(seen["follower_count"], CAP + 1);
}

#[tokio::test]
async fn the_liked_list_shows_the_thousand_most_recently_liked() {
    let app = App::start().await;
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
