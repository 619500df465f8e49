//! Bad input answers a JSON error with the right status — never a 500 or a bare text body.

use reqwest::{StatusCode, header::CONTENT_TYPE};

use crate::app::{App, error_json};

#[tokio::test]
async fn a_non_numeric_user_id_is_a_400() {
    let app = App::start_users_only().await;
    let response = app.get("/douyin/user/?user_id=abc").await;
    let message = error_json(response, StatusCode::BAD_REQUEST).await;
    assert!(message.contains("user_id"), "{message}");
}

#[tokio::test]
async fn missing_fields_are_400s() {
    let app = App::start_users_only().await;
    for (path, form) in [
        ("/douyin/user/register/", vec![("username", "nopass")]),
        ("/douyin/user/register/", vec![("password", "secret1")]),
        ("/douyin/user/login/", vec![("username", "nopass")]),
        ("/douyin/user/login/", vec![]),
    ] {
        let response = app
            .http
            .post(app.url(path))
            .form(&form)
            .send()
            .await
            .unwrap();
        error_json(response, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn usernames_over_32_and_passwords_under_6_characters_are_400s() {
    let app = App::start_users_only().await;
    let long_name = "n".repeat(33);
    for (username, password) in [(long_name.as_str(), "secret1"), ("shortpw", "12345")] {
        let response = app
            .http
            .post(app.url("/douyin/user/register/"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .unwrap();
        error_json(response, StatusCode::BAD_REQUEST).await;
    }
    // 32 characters (not bytes) is still fine.
    app.register(&"é".repeat(32), "secret1").await;
}

#[tokio::test]
async fn an_oversized_body_is_a_413() {
    let app =
        App::start_users_only_with(|settings| settings.edge.body_limit_bytes = 4 * 1024).await;
    let padding = "x".repeat(16 * 1024);
    let response = app
        .http
        .post(app.url("/douyin/user/register/"))
        .form(&[
            ("username", "big"),
            ("password", "secret1"),
            ("pad", &padding),
        ])
        .send()
        .await
        .unwrap();
    error_json(response, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn a_malformed_multipart_body_is_a_400() {
    let app = App::start_users_only().await;
    for (content_type, body) in [
        (
            "multipart/form-data; boundary=XYZ",
            "--XYZ\r\ngarbage without headers",
        ),
        ("multipart/form-data", "no boundary at all"),
    ] {
        let response = app
            .http
            .post(app.url("/douyin/user/register/"))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        error_json(response, StatusCode::BAD_REQUEST).await;
    }
}

/// (Urlencoded bodies are decoded the WHATWG way, as browsers do: a stray `%zz` is kept
/// literally, so there is no malformed urlencoded body to reject.)
#[tokio::test]
async fn malformed_json_bodies_are_400s() {
    let app = App::start_users_only().await;
    for (content_type, body) in [
        ("application/json", "{not json"),
        ("application/json", "[\"an array\"]"),
    ] {
        let response = app
            .http
            .post(app.url("/douyin/user/register/"))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        error_json(response, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_json() {
    let app = App::start_users_only().await;
    error_json(app.get("/douyin/nothing/").await, StatusCode::NOT_FOUND).await;
    let wrong_method = app
        .get("/douyin/user/register/?username=a&password=secret1")
        .await;
    error_json(wrong_method, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn a_user_that_does_not_exist_is_a_404() {
    let app = App::start_users_only().await;
    let response = app.get("/douyin/user/?user_id=12345").await;
    error_json(response, StatusCode::NOT_FOUND).await;
}
