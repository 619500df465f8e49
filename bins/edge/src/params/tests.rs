//! Unit tests of the parameter extractor on in-memory requests: every body kind, the query
//! winning the merge, the bearer token, and the 400 / 413 answers to unreadable bodies.

use axum::body::Body;

use super::*;

const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data; boundary=XB";

/// A POST of `body` to `uri` with these headers.
fn request(uri: &str, headers: &[(header::HeaderName, &str)], body: impl Into<Body>) -> Request {
    let mut builder = axum::http::Request::builder().method("POST").uri(uri);
    for (name, value) in headers {
        builder = builder.header(name.clone(), *value);
    }
    builder.body(body.into()).expect("a valid request")
}

/// What the edge's routes would see of this request.
async fn extract(uri: &str, content_type: &str, body: impl Into<Body>) -> Result<Params, ApiError> {
    let req = request(uri, &[(header::CONTENT_TYPE, content_type)], body);
    Params::from_request(req, &()).await
}

/// A multipart body (boundary `XB`) with one text field and one file field.
fn multipart_body(text: &str) -> String {
    format!(
        "--XB\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n{text}\r\n\
         --XB\r\nContent-Disposition: form-data; name=\"data\"; filename=\"v.mp4\"\r\n\
         Content-Type: video/mp4\r\n\r\nvideo bytes\r\n--XB--\r\n"
    )
}

#[test]
fn integers_are_parsed_or_rejected() {
    let params = Params::from_pairs(&[("a", "12"), ("b", "abc"), ("c", "")]);
    assert_eq!(params.i64("a"), Ok(Some(12)));
    assert_eq!(params.i64("b").unwrap_err().status, StatusCode::BAD_REQUEST);
    assert_eq!(params.i64("c"), Ok(None));
    assert_eq!(params.i64("missing"), Ok(None));
    assert!(params.required_i64("missing").is_err());
    assert_eq!(params.required("a"), Ok("12"));
    assert_eq!(
        params.required("missing").unwrap_err().status,
        StatusCode::BAD_REQUEST
    );
}

#[test]
fn an_empty_token_counts_as_none() {
    assert_eq!(Params::from_pairs(&[("token", "")]).token(), None);
    assert_eq!(Params::from_pairs(&[("token", "t1")]).token(), Some("t1"));
}

#[tokio::test]
async fn the_query_wins_over_a_urlencoded_body() {
    let form = "Application/X-WWW-Form-Urlencoded; charset=UTF-8";
    let params = extract("/x?video_id=1", form, "video_id=2&action_type=1")
        .await
        .expect("a form body is read");
    assert_eq!(params.get("video_id"), Some("1"));
    assert_eq!(params.get("action_type"), Some("1"));
}

#[tokio::test]
async fn json_scalars_become_text_and_structures_are_ignored() {
    let body = r#"{"video_id": 5, "title": "hi", "public": true, "tags": ["a"], "meta": {"a": 1}, "gone": null}"#;
    let params = extract("/x", "application/json", body)
        .await
        .expect("a JSON object is read");
    assert_eq!(params.get("video_id"), Some("5"));
    assert_eq!(params.get("title"), Some("hi"));
    assert_eq!(params.get("public"), Some("true"));
    for absent in ["tags", "meta", "gone"] {
        assert_eq!(params.get(absent), None, "{absent} is not a scalar");
    }
    let blank = extract("/x?a=1", "application/json", " \n").await;
    assert_eq!(
        blank.expect("a blank JSON body is no fields").get("a"),
        Some("1")
    );
    let array = extract("/x", "application/json", "[1, 2]").await;
    assert_eq!(array.unwrap_err().status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn multipart_text_fields_are_read_and_files_left_for_the_upload() {
    let params = extract("/x", MULTIPART, multipart_body("hello"))
        .await
        .expect("a multipart body is read");
    assert_eq!(params.get("title"), Some("hello"));
    assert_eq!(params.get("data"), None, "the file is not a parameter");
}

#[tokio::test]
async fn the_bearer_token_fills_in_a_missing_token_only() {
    let with = |auth: &'static str, uri: &'static str| async move {
        let headers = [(header::AUTHORIZATION, auth), (header::CONTENT_TYPE, FORM)];
        Params::from_request(request(uri, &headers, "a=1"), &())
            .await
            .expect("parameters")
    };
    assert_eq!(with("Bearer abc", "/x").await.token(), Some("abc"));
    assert_eq!(with("bearer  abc ", "/x").await.token(), Some("abc"));
    assert_eq!(with("Bearer abc", "/x?token=q").await.token(), Some("q"));
    // An empty token parameter is no token: the header's is used (found by the fuzzer).
    assert_eq!(with("Bearer abc", "/x?token=").await.token(), Some("abc"));
    assert_eq!(with("Basic abc", "/x").await.get("token"), None);
}

#[test]
fn the_token_outside_the_body_comes_from_the_query_or_the_bearer_header() {
    let outside = |uri: &str, auth: Option<&str>| {
        let headers: Vec<_> = auth
            .map(|a| (header::AUTHORIZATION, a))
            .into_iter()
            .collect();
        Outside::of(&request(uri, &headers, "")).expect("a valid query")
    };
    assert_eq!(outside("/x?token=q", None).token(), Some("q"));
    assert_eq!(outside("/x", Some("Bearer b")).token(), Some("b"));
    assert_eq!(outside("/x?token=", None).token(), None);
    assert_eq!(outside("/x?token=", Some("Bearer b")).token(), Some("b"));
    assert_eq!(outside("/x", None).token(), None);
}

#[tokio::test]
async fn an_oversized_body_is_413_and_a_broken_one_400() {
    // Over axum's default 2 MiB body limit.
    let big = "x".repeat(3 << 20);
    let json = format!(r#"{{"title": "{big}"}}"#);
    let too_large = extract("/x", "application/json", json).await.unwrap_err();
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    let too_large = extract("/x", MULTIPART, multipart_body(&big))
        .await
        .unwrap_err();
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    let cut_off = extract(
        "/x",
        MULTIPART,
        "--XB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhel",
    )
    .await
    .unwrap_err();
    assert_eq!(cut_off.status, StatusCode::BAD_REQUEST);
}
