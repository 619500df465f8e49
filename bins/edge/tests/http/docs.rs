//! The API described: every route and method of API.md (and the live-chat stream) is in the
//! served OpenAPI document (`/docs/openapi.json`), and `/docs` answers Swagger UI's HTML page.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::app::App;

/// API.md's routes as (method, path), kept here so a clone without `../shared` still checks.
const ROUTES: [(&str, &str); 17] = [
    ("get", "/douyin/feed/"),
    ("post", "/douyin/user/register/"),
    ("post", "/douyin/user/login/"),
    ("get", "/douyin/user/"),
    ("post", "/douyin/publish/action/"),
    ("get", "/douyin/publish/list/"),
    ("post", "/douyin/favorite/action/"),
    ("get", "/douyin/favorite/list/"),
    ("post", "/douyin/comment/action/"),
    ("get", "/douyin/comment/list/"),
    ("post", "/douyin/relation/action/"),
    ("get", "/douyin/relation/follow/list/"),
    ("get", "/douyin/relation/follower/list/"),
    ("get", "/douyin/relation/friend/list/"),
    ("post", "/douyin/message/action/"),
    ("get", "/douyin/message/chat/"),
    // Not in API.md: the live-chat stream this edge adds.
    ("get", "/douyin/message/stream/"),
];

/// The routes of API.md's table (`| /douyin/... | METHOD ... |`), if the file is there.
fn api_md_routes() -> Option<BTreeSet<(String, String)>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/API.md");
    let text = std::fs::read_to_string(path).ok()?;
    let routes = text
        .lines()
        .filter_map(|line| {
            let mut cells = line.split('|').map(str::trim).skip(1);
            let path = cells.next().filter(|p| p.starts_with("/douyin/"))?;
            let method = cells.next()?.split_whitespace().next()?;
            Some((method.to_ascii_lowercase(), path.to_owned()))
        })
        .collect();
    Some(routes)
}

#[tokio::test]
async fn every_route_of_api_md_is_in_the_served_openapi_document() {
    let mut expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    if let Some(from_md) = api_md_routes() {
        assert!(!from_md.is_empty(), "no routes parsed from API.md");
        expected.extend(from_md);
    }
    let app = App::start_users_only().await;
    let response = app.get("/docs/openapi.json").await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    for (method, path) in &expected {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        let responses = &operation["responses"];
        for status in ["200", "400", "429", "503", "504"] {
            assert!(
                responses[status].is_object(),
                "{method} {path}: no {status}"
            );
        }
    }
    // The statuses only one route answers are documented on it.
    let publish = &doc["paths"]["/douyin/publish/action/"]["post"]["responses"];
    for status in ["401", "413", "507"] {
        assert!(publish[status].is_object(), "publish: no {status}");
    }
}

#[tokio::test]
async fn docs_answers_the_swagger_ui_page() {
    let app = App::start_users_only().await;
    // `/docs` redirects to `/docs/`; the client follows.
    let response = app.get("/docs").await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.unwrap();
    assert!(page.contains("swagger-ui"), "{page}");
}
