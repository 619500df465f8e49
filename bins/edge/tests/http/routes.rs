//! Every route of API.md answers with and without the trailing slash, each with its real
//! success shape (not just status 0).

use serde_json::Value;
use testkit::media;

use crate::{
    app::{App, ok_json},
    social::follow,
};

/// `GET path?query`, asserted a success.
async fn get(app: &App, path: &str, query: &[(&str, String)]) -> Value {
    let response = app
        .http
        .get(app.url(path))
        .query(query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK, "GET {path}");
    ok_json(response).await
}

/// `POST path` with a urlencoded form, asserted a success.
async fn post(app: &App, path: &str, form: &[(&str, String)]) -> Value {
    let response = app
        .http
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK, "POST {path}");
    ok_json(response).await
}

fn ids(list: &Value) -> Vec<i64> {
    let list = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"));
    list.iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

/// Two users who follow each other, as (id, token) pairs.
async fn friends(app: &App) -> ((i64, String), (i64, String)) {
    let me = app.register("slashes", "secret1").await;
    let peer = app.register("peer", "secret1").await;
    ok_json(follow(app, &peer.1, me.0, 1).await).await;
    (me, peer)
}

#[tokio::test]
async fn every_route_answers_with_and_without_the_trailing_slash() {
    let app = App::start().await;
    let ((me, token), (peer, _)) = friends(&app).await;
    for (n, slash) in ["", "/"].into_iter().enumerate() {
        let route = |path: &str| format!("/douyin/{path}{slash}");
        users(&app, &route, n, me, &token).await;
        let video = videos(&app, &route, &token, me, n as u32).await;

        likes_and_comments(&app, &route, &token, me, video, n).await;
        relations(&app, &route, &token, (me, peer), n).await;
    }
}

/// register, login and user.
async fn users(app: &App, route: &impl Fn(&str) -> String, n: usize, me: i64, token: &str) {
    let name = format!("newcomer{n}");
    let form = [("username", name.clone()), ("password", "secret1".into())];
    let registered = post(app, &route("user/register"), &form).await;
    assert!(registered["token"].as_str().is_some_and(|t| !t.is_empty()));
    let logged_in = post(app, &route("user/login"), &form).await;
    assert_eq!(logged_in["user_id"], registered["user_id"]);
    let query = [("user_id", me.to_string()), ("token", token.to_owned())];
    assert_eq!(get(app, &route("user"), &query).await["user"]["id"], me);
}

/// publish/action, feed and publish/list; returns the published video's id.
async fn videos(
    app: &App,
    route: &impl Fn(&str) -> String,
    token: &str,
    me: i64,
    seed: u32,
) -> i64 {
    let file = reqwest::multipart::Part::bytes(media::mp4(60 + seed).unwrap())
        .file_name("v.mp4")
        .mime_str("video/mp4")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("token", token.to_owned())
        .text("title", format!("slash {seed}"))
        .part("data", file);
    let response = app
        .http
        .post(app.url(&route("publish/action")))
        .multipart(form)
        .send();
    ok_json(response.await.unwrap()).await;
    let feed = get(app, &route("feed"), &[]).await;
    let video = ids(&feed["video_list"])[0];
    assert_eq!(feed["video_list"][0]["title"], format!("slash {seed}"));
    assert!(feed["next_time"].as_i64().is_some(), "{feed}");
    let published = get(app, &route("publish/list"), &[("user_id", me.to_string())]).await;
    assert_eq!(ids(&published["video_list"])[0], video);
    video
}

/// message/action and message/chat.
async fn messages(app: &App, route: &impl Fn(&str) -> String, token: &str, peer: i64, n: usize) {
    let form = [
        ("token", token.to_owned()),
        ("to_user_id", peer.to_string()),
        ("action_type", "1".into()),
        ("content", format!("hello {n}")),
    ];
    post(app, &route("message/action"), &form).await;
    let query = [
        ("token", token.to_owned()),
        ("to_user_id", peer.to_string()),
    ];
    let chat = get(app, &route("message/chat"), &query).await;
    let list = chat["message_list"].as_array().unwrap();
    assert_eq!(
        list.last().unwrap()["content"],
        format!("hello {n}"),
        "{chat}"
    );
}

/// favorite/action, favorite/list, comment/action and comment/list.
async fn likes_and_comments(
    app: &App,
    route: &impl Fn(&str) -> String,
    token: &str,
    me: i64,
    video: i64,
    n: usize,
) {
    post(
        app,
        &route("favorite/action"),
        &[
            ("token", token.to_owned()),
            ("video_id", video.to_string()),
            ("action_type", "1".into()),
        ],
    )
    .await;
    let liked = get(
        app,
        &route("favorite/list"),
        &[("token", token.to_owned()), ("user_id", me.to_string())],
    )
    .await;
    assert_eq!(ids(&liked["video_list"])[0], video, "favorite/list");
    let text = ("comment_text", format!("comment {n}"));
    let posted = post(
        app,
        &route("comment/action"),
        &[
            ("token", token.to_owned()),
            ("video_id", video.to_string()),
            ("action_type", "1".into()),
            text,
        ],
    )
    .await;
    let comments = get(
        app,
        &route("comment/list"),
        &[("video_id", video.to_string())],
    )
    .await;
    assert_eq!(
        ids(&comments["comment_list"]),
        [posted["comment"]["id"].as_i64().unwrap()]
    );
}

/// relation/action, the follow, follower and friend lists, message/action and message/chat.
async fn relations(
    app: &App,
    route: &impl Fn(&str) -> String,
    token: &str,
    (me, peer): (i64, i64),
    n: usize,
) {
    post(
        app,
        &route("relation/action"),
        &[
            ("token", token.to_owned()),
            ("to_user_id", peer.to_string()),
            ("action_type", "1".into()),
        ],
    )
    .await;
    let follows = get(
        app,
        &route("relation/follow/list"),
        &[("token", token.to_owned()), ("user_id", me.to_string())],
    )
    .await;
    assert_eq!(ids(&follows["user_list"]), [peer]);
    let followers = get(
        app,
        &route("relation/follower/list"),
        &[("user_id", peer.to_string())],
    )
    .await;
    assert_eq!(ids(&followers["user_list"]), [me]);
    messages(app, route, token, peer, n).await;
    let friends = get(
        app,
        &route("relation/friend/list"),
        &[("token", token.to_owned()), ("user_id", me.to_string())],
    )
    .await;
    assert_eq!(ids(&friends["user_list"]), [peer]);
    assert_eq!(friends["user_list"][0]["message"], format!("hello {n}"));
    assert_eq!(friends["user_list"][0]["msgType"], 1, "the viewer sent it");
}
