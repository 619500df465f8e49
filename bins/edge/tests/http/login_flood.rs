//! A login flood does not starve the feed: password hashing has its own bulkhead in the user
//! worker, so the lookups every feed page needs keep answering in time.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use testkit::media;

use crate::app::{App, error_json, ok_json};

/// Logins in flight at once, each for an unknown user (which hashes all the same).
const FLOOD: usize = 50;
const FLOOD_FOR: Duration = Duration::from_secs(5);
/// How long a feed page may take during the flood: far below the flood itself.
const PAGE_BOUND: Duration = Duration::from_millis(1_000);

/// Logs in as a user who does not exist until `until`; returns how many were refused busy.
async fn log_in_until(app: &App, flooder: usize, until: Instant) -> usize {
    let mut busy = 0;
    while Instant::now() < until {
        let form = [
            ("username", format!("nobody{flooder}")),
            ("password", "guess-me".into()),
        ];
        let url = app.url("/douyin/user/login/");
        let response = app.http.post(url).form(&form).send().await.unwrap();
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(response.headers()["retry-after"], "1");
            error_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
            busy += 1;
        }
    }
    busy
}

/// Reads feed pages with `token` until `until`; returns the slowest and how many were read.
async fn read_feed_until(app: &App, token: &str, until: Instant) -> (Duration, usize) {
    let (mut slowest, mut pages) = (Duration::ZERO, 0);
    // Let the flood build up first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while Instant::now() < until {
        let started = Instant::now();
        let page = ok_json(app.get(&format!("/douyin/feed/?token={token}")).await).await;
        slowest = slowest.max(started.elapsed());
        pages += 1;
        assert_eq!(page["video_list"].as_array().unwrap().len(), 1, "{page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (slowest, pages)
}

#[tokio::test]
async fn feed_pages_answer_in_time_during_a_login_flood() {
    // No profile cache: every page asks the user worker for its authors, as pages of new
    // authors do.
    let app = App::start_with(|settings| settings.cache.profiles = 0).await;
    let (_, token) = app.register("reader", "secret1").await;
    let video = media::mp4(61).unwrap();
    ok_json(app.publish(&token, video, "clip.mp4", "a clip").await).await;
    let until = Instant::now() + FLOOD_FOR;
    let flood = futures::future::join_all((0..FLOOD).map(|i| log_in_until(&app, i, until)));
    let (busy, (slowest, pages)) = tokio::join!(flood, read_feed_until(&app, &token, until));
    let busy: usize = busy.iter().sum();
    println!("feed pages: {pages}, slowest {slowest:?}; logins refused busy: {busy}");
    assert!(
        pages >= 5,
        "only {pages} feed pages answered during the flood"
    );
    assert!(
        slowest < PAGE_BOUND,
        "a feed page took {slowest:?} during the login flood"
    );
}
