//! `GET /douyin/feed/`: at most 30 videos strictly older than `latest_time`, newest first.
//! Anonymous callers get the feed too; with a token, the viewer's own flags are filled in.

use axum::extract::State;
use contract::video::{FEED_PAGE, Feed};
use serde::Serialize;
use utoipa::ToSchema;

use super::Reply;
use crate::{AppState, compose, docs::ErrorBody, error::ApiError, params::Params, views::Video};

/// The feed's fields, serialised as they are (the page is the hottest reply).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    video_list: Vec<Video>,
    /// The oldest returned video's create time (ms): the next call's `latest_time`.
    next_time: i64,
}

/// Below this a `latest_time` is plainly seconds (old clients send that): 10^11 ms is 1973.
const SECONDS_BELOW: i64 = 100_000_000_000;

#[utoipa::path(
    get,
    path = "/douyin/feed/",
    operation_id = "feed",
    tag = "video",
    params(
        ("latest_time" = Option<i64>, Query, description = "videos strictly older than this (ms; below 10^11 read as seconds; absent or 0: now)"),
        ("token" = Option<String>, Query, description = "the session token (also read from a form body, or `Authorization: Bearer`)"),
    ),
    responses(
        (status = 200, description = "at most 30 videos, newest first", body = Reply<FeedPage>),
        (status = 401, description = "the token is not valid", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<FeedPage>, ApiError> {
    let viewer = state.viewer(&params).await?;
    let before_ms = latest_time(params.i64("latest_time")?)?;
    let page = state
        .caller
        .call(&Feed {
            before_ms,
            limit: FEED_PAGE,
        })
        .await?;
    let next_time = page
        .videos
        .last()
        .map_or(before_ms, |video| video.created_ms);
    let videos = compose::videos(&state, viewer, page.videos, &page.work_counts).await?;
    Ok(super::ok(FeedPage {
        video_list: videos,
        next_time,
    }))
}

/// Milliseconds to read the feed before: absent or 0 means now; seconds become milliseconds.
fn latest_time(param: Option<i64>) -> Result<i64, ApiError> {
    match param {
        None | Some(0) => Ok(now_ms()),
        Some(t) if t < 0 => Err(ApiError::bad_request("latest_time must not be negative")),
        Some(t) if t < SECONDS_BELOW => Ok(t.saturating_mul(1000)),
        Some(t) => Ok(t),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_read_as_seconds_and_zero_as_now() {
        assert_eq!(latest_time(Some(1_700_000_000)).unwrap(), 1_700_000_000_000);
        assert_eq!(
            latest_time(Some(1_700_000_000_123)).unwrap(),
            1_700_000_000_123
        );
        assert!(latest_time(Some(0)).unwrap() > SECONDS_BELOW);
        assert!(latest_time(Some(-1)).is_err());
    }
}
