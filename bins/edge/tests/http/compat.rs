//! API.md's compatibility rules: parameters from the query, a form or multipart, the token
//! as a bearer header, and the User object's fields (every route, both spellings:
//! `routes.rs`).

use reqwest::multipart::Form;

use crate::app::{App, ok_json};

#[tokio::test]
async fn query_and_form_merge_and_the_query_wins() {
    let app = App::start().await;
    // The form names one user, the query another: the query's name is registered.
    let response = app
        .http
        .post(app.url("/douyin/user/register/?username=from_query"))
        .form(&[("username", "from_form"), ("password", "secret1")])
        .send()
        .await
        .unwrap();
    let id = ok_json(response).await["user_id"].as_i64().unwrap();
    let body = ok_json(app.get(&format!("/douyin/user/?user_id={id}")).await).await;
    assert_eq!(body["user"]["name"], "from_query");
}

#[tokio::test]
async fn a_post_with_only_query_parameters_works() {
    let app = App::start().await;
    let response = app
        .http
        .post(app.url("/douyin/user/register/?username=querypost&password=secret1"))
        .send()
        .await
        .unwrap();
    ok_json(response).await;
}

#[tokio::test]
async fn a_multipart_post_works() {
    let app = App::start().await;
    let form = Form::new()
        .text("username", "multipart")
        .text("password", "secret1");
    let response = app
        .http
        .post(app.url("/douyin/user/register/"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    ok_json(response).await;
}

#[tokio::test]
async fn a_get_with_a_form_body_is_read() {
    let app = App::start().await;
    let (id, token) = app.register("formget", "secret1").await;
    let response = app
        .http
        .get(app.url("/douyin/user/"))
        .form(&[("user_id", id.to_string()), ("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(ok_json(response).await["user"]["name"], "formget");
}

#[tokio::test]
async fn the_token_may_come_as_a_bearer_header() {
    let app = App::start().await;
    let (id, token) = app.register("bearer", "secret1").await;
    let response = app
        .http
        .get(app.url("/douyin/user/"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let body = ok_json(response).await;
    assert_eq!(
        body["user"]["id"], id,
        "user_id defaults to the token's user"
    );
}

#[tokio::test]
async fn a_user_object_carries_every_field_of_the_contract() {
    let app = App::start().await;
    let (id, token) = app.register("fields", "secret1").await;
    let body = ok_json(app.get(&format!("/douyin/user/?token={token}")).await).await;
    let user = body["user"].as_object().unwrap();
    for field in [
        "id",
        "name",
        "follow_count",
        "follower_count",
        "is_follow",
        "avatar",
        "background_image",
        "signature",
        "total_favorited",
        "work_count",
        "favorite_count",
    ] {
        assert!(user.contains_key(field), "missing {field}: {body}");
    }
    assert_eq!(user["id"], id);
    // The default pictures are absolute URLs the edge itself serves.
    for field in ["avatar", "background_image"] {
        let url = user[field].as_str().unwrap();
        assert!(url.starts_with(&app.base), "{field} = {url}");
        let response = app.http.get(url).send().await.unwrap();
        assert_eq!(response.headers()["content-type"], "image/png");
        let bytes = response.bytes().await.unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{field} is not a PNG"
        );
    }
}
