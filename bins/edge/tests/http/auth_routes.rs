//! Every route that takes a token, walked with every kind of bad token in every place a
//! token can be sent: each is a 401 with the JSON error shape, never served as anonymous,
//! and nothing it asked to write was written.

use reqwest::{Response, StatusCode};
use testkit::media;

use crate::{
    app::{App, error_json, ok_json},
    bad_tokens::{BadToken, Placement},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    /// The multipart upload route.
    Upload,
}

/// One route of API.md, with parameters that are valid apart from the token.
struct Route {
    method: Method,
    path: &'static str,
    params: Vec<(&'static str, String)>,
    /// Without a token the route is a 401 (else it serves anonymous callers).
    needs_token: bool,
}

fn route(method: Method, path: &'static str, params: &[(&'static str, i64)]) -> Route {
    Route {
        method,
        path,
        params: params.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        needs_token: false,
    }
}

impl Route {
    fn needing_a_token(mut self) -> Self {
        self.needs_token = true;
        self
    }

    fn with(mut self, name: &'static str, value: &str) -> Self {
        self.params.push((name, value.to_owned()));
        self
    }
}

/// Every route that reads a token: alice's view of bob and of her video.
fn routes(alice: i64, bob: i64, video: i64) -> Vec<Route> {
    use Method::{Get, Post, Upload};
    vec![
        route(Get, "/douyin/feed/", &[]),
        route(Get, "/douyin/user/", &[("user_id", bob)]),
        route(Get, "/douyin/user/", &[]).needing_a_token(),
        route(Upload, "/douyin/publish/action/", &[])
            .with("title", "refused")
            .needing_a_token(),
        route(Get, "/douyin/publish/list/", &[("user_id", alice)]),
        route(Get, "/douyin/publish/list/", &[]).needing_a_token(),
        route(
            Post,
            "/douyin/favorite/action/",
            &[("video_id", video), ("action_type", 1)],
        )
        .needing_a_token(),
        route(Get, "/douyin/favorite/list/", &[("user_id", alice)]),
        route(
            Post,
            "/douyin/comment/action/",
            &[("video_id", video), ("action_type", 1)],
        )
        .with("comment_text", "must not appear")
        .needing_a_token(),
        route(Get, "/douyin/comment/list/", &[("video_id", video)]),
        route(
            Post,
            "/douyin/relation/action/",
            &[("to_user_id", bob), ("action_type", 1)],
        )
        .needing_a_token(),
        route(Get, "/douyin/relation/follow/list/", &[("user_id", alice)]),
        route(Get, "/douyin/relation/follower/list/", &[("user_id", bob)]),
        route(Get, "/douyin/relation/friend/list/", &[]).needing_a_token(),
        route(
            Post,
            "/douyin/message/action/",
            &[("to_user_id", bob), ("action_type", 1)],
        )
        .with("content", "must not arrive")
        .needing_a_token(),
        route(Get, "/douyin/message/chat/", &[("to_user_id", bob)]).needing_a_token(),
    ]
}

/// Sends `route` with `token` (if any) at `placement`.
async fn send(app: &App, route: &Route, token: Option<&str>, placement: Placement) -> Response {
    let mut fields = route.params.clone();
    let mut query: Vec<(&str, String)> = Vec::new();
    let mut request = match route.method {
        Method::Get => app.http.get(app.url(route.path)),
        Method::Post | Method::Upload => app.http.post(app.url(route.path)),
    };
    if let Some(token) = token {
        match placement {
            Placement::Query => query.push(("token", token.to_owned())),
            Placement::Body => fields.push(("token", token.to_owned())),
            Placement::Bearer => request = request.bearer_auth(token),
        }
    }
    request = match route.method {
        // A GET carries its parameters in the query; a token "in the body" rides a form
        // body, which API.md says a GET may have.
        Method::Get => {
            let (body, params): (Vec<_>, Vec<_>) =
                fields.into_iter().partition(|(name, _)| *name == "token");
            query.extend(params);
            if body.is_empty() {
                request
            } else {
                request.form(&body)
            }
        }
        Method::Post => request.form(&fields),
        Method::Upload => request.multipart(upload_form(fields)),
    };
    request.query(&query).send().await.unwrap()
}

fn upload_form(fields: Vec<(&'static str, String)>) -> reqwest::multipart::Form {
    // ffmpeg makes the clip once: the walk uploads it dozens of times.
    static CLIP: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let clip = CLIP.get_or_init(|| media::mp4(21).unwrap());
    let file = reqwest::multipart::Part::bytes(clip.clone())
        .file_name("clip.mp4")
        .mime_str("video/mp4")
        .unwrap();
    fields
        .into_iter()
        .fold(reqwest::multipart::Form::new(), |form, (name, value)| {
            form.text(name, value)
        })
        .part("data", file)
}

/// What a user could see of any write the walk might have let through.
#[derive(Debug, PartialEq, Eq)]
struct Written {
    events: [u64; 3],
    liked: usize,
    comments: usize,
    follows: usize,
    messages: usize,
    videos: usize,
    stored: Vec<String>,
}

async fn written(app: &App, alice: (i64, &str), bob: i64, video: i64) -> Written {
    let (id, token) = alice;
    let list = |path: String, field: &'static str| async move {
        let body = ok_json(app.get(&path).await).await;
        body[field].as_array().expect(field).len()
    };
    let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
    let mut events = [0; 3];
    for (count, stream) in events
        .iter_mut()
        .zip(["FAVORITES", "COMMENTS", "RELATIONS"])
    {
        *count = js
            .get_stream(stream)
            .await
            .unwrap()
            .info()
            .await
            .unwrap()
            .state
            .messages;
    }
    let mut stored = app.stored("").await;
    stored.sort();
    Written {
        events,
        liked: list(format!("/douyin/favorite/list/?user_id={id}"), "video_list").await,
        comments: list(
            format!("/douyin/comment/list/?video_id={video}"),
            "comment_list",
        )
        .await,
        follows: list(
            format!("/douyin/relation/follow/list/?user_id={id}"),
            "user_list",
        )
        .await,
        messages: list(
            format!("/douyin/message/chat/?token={token}&to_user_id={bob}"),
            "message_list",
        )
        .await,
        videos: list(format!("/douyin/publish/list/?user_id={id}"), "video_list").await,
        stored,
    }
}

#[tokio::test]
async fn every_bad_token_on_every_route_is_a_401_and_writes_nothing() {
    let app = App::start().await;
    let (alice, token) = app.register("walker", "secret1").await;
    let (bob, _) = app.register("walked", "secret1").await;
    let published = app.publish(&token, media::mp4(20).unwrap(), "v.mp4", "v");
    let video = ok_json(published.await).await["video_id"].as_i64().unwrap();
    let before = written(&app, (alice, &token), bob, video).await;

    for route in routes(alice, bob, video) {
        for kind in BadToken::ALL {
            if kind == BadToken::Missing && !route.needs_token {
                continue;
            }
            let bad = kind.mint(&app, &token, alice, bob);
            for placement in Placement::ALL {
                let response = send(&app, &route, bad.as_deref(), placement).await;
                let what = format!(
                    "{:?} {} {kind:?} in {placement:?}",
                    route.method, route.path
                );
                assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
                let message = error_json(response, StatusCode::UNAUTHORIZED).await;
                let expected = kind.expected_message();
                assert!(message.contains(expected), "{what}: {message}");
            }
        }
    }
    assert_eq!(written(&app, (alice, &token), bob, video).await, before);

    // The same requests with the real token are served: the 401s came from the tokens alone,
    // and the probe above does see writes.
    for route in routes(alice, bob, video) {
        for placement in Placement::ALL {
            let response = send(&app, &route, Some(&token), placement).await;
            let status = response.status();
            assert_eq!(status, StatusCode::OK, "{} {placement:?}", route.path);
        }
    }
    let after = written(&app, (alice, &token), bob, video).await;
    assert!(after.events.iter().all(|&count| count > 0), "{after:?}");
    assert!(
        after.comments > 0 && after.messages > 0 && after.videos > 1,
        "{after:?}"
    );
}

#[tokio::test]
async fn the_friend_list_of_another_user_is_a_403() {
    let app = App::start().await;
    let (me, token) = app.register("nosy", "secret1").await;
    let (other, _) = app.register("private", "secret1").await;
    let path = format!("/douyin/relation/friend/list/?user_id={other}&token={token}");
    let message = error_json(app.get(&path).await, StatusCode::FORBIDDEN).await;
    assert!(message.contains("own friend list"), "{message}");
    // Their own list, by id or by default, is served.
    for own in [format!("user_id={me}&"), String::new()] {
        let path = format!("/douyin/relation/friend/list/?{own}token={token}");
        let body = ok_json(app.get(&path).await).await;
        assert_eq!(body["user_list"], serde_json::json!([]));
    }
}
