//! The web app as the edge serves it: `/` is the app's page and `/web/<file>` its modules
//! and styles, each with a Content-Security-Policy that keeps the page on this edge (and
//! the configured media origin); an unknown file is the usual JSON 404. CORS is off by
//! default and, when configured, answers only the listed origins.

use reqwest::{Method, StatusCode};

use crate::app::{App, error_json};

#[tokio::test]
async fn the_app_is_served_at_the_root_with_a_policy_that_keeps_it_on_this_edge() {
    let app = App::start_users_only().await;
    let page = app.get("/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let kind = page.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/html"), "{kind}");
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    // Videos and pictures come from the configured public base URL (this edge here).
    let base = &app.env.settings.edge.public_base_url;
    assert!(
        policy.contains(&format!("media-src 'self' {base}")),
        "{policy}"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<script type="module" src="/web/app.js">"#),
        "{html}"
    );
    let script = app.get("/web/app.js").await;
    assert_eq!(script.status(), StatusCode::OK);
    let kind = script.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("text/javascript"), "{kind}");
    assert!(script.text().await.unwrap().contains("import"));
    error_json(app.get("/web/secret.txt").await, StatusCode::NOT_FOUND).await;
    error_json(app.get("/web/../Cargo.toml").await, StatusCode::NOT_FOUND).await;
}

async fn preflight(app: &App, origin: &str) -> reqwest::Response {
    app.http
        .request(Method::OPTIONS, app.url("/douyin/feed/"))
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cors_is_off_by_default() {
    let app = App::start_users_only().await;
    let answer = preflight(&app, "https://elsewhere.example").await;
    assert!(
        answer
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let feed = app
        .http
        .get(app.url("/douyin/user/?user_id=1"))
        .header("origin", "https://elsewhere.example")
        .send()
        .await
        .unwrap();
    assert!(feed.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn configured_origins_alone_may_call_the_api_from_a_browser() {
    let allowed = "https://app.example.com";
    let app = App::start_users_only_with(|settings| {
        settings.edge.cors_allowed_origins = vec![allowed.to_owned()];
    })
    .await;
    let answer = preflight(&app, allowed).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["access-control-allow-origin"], allowed);
    let methods = answer.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let other = preflight(&app, "https://evil.example").await;
    assert!(other.headers().get("access-control-allow-origin").is_none());
    // An error answer carries the header too, so the page can read why.
    let missing = app
        .http
        .get(app.url("/douyin/user/?user_id=1"))
        .header("origin", allowed)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.headers()["access-control-allow-origin"], allowed);
    error_json(missing, StatusCode::NOT_FOUND).await;
}
