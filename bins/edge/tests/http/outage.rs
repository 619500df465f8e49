//! NATS going away: the edge answers 503 JSON at once, and recovers by itself.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::app::{App, error_json, ok_json};

#[tokio::test]
async fn without_nats_the_edge_answers_503_and_recovers_when_it_returns() {
    let mut app = App::start().await;
    let (id, _) = app.register("outage", "secret1").await;
    let path = format!("/douyin/user/?user_id={id}");
    ok_json(app.get(&path).await).await;

    app.env.nats.stop().await;
    // The edge notices the lost connection within its ping/read cycle.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = app.get(&path).await;
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(
                response.headers()["retry-after"],
                "1",
                "a 503 says when to retry"
            );
            error_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {} without NATS",
            response.status()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ready = app.get("/readyz").await;
    error_json(ready, StatusCode::SERVICE_UNAVAILABLE).await;

    app.env.nats.restart().await.unwrap();
    let body = app.get_until_ok(&path, Duration::from_secs(15)).await;
    assert_eq!(body["user"]["id"], id);
    ok_json(app.get("/readyz").await).await;
}
