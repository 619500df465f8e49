//! `POST /douyin/favorite/action/`: like (`action_type=1`) or unlike (`2`) a video.

use axum::extract::State;
use contract::favorite::SetFavorite;

use crate::{AppState, error::ApiError, params::Params};

pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer, ApiError> {
    let user_id = state.writer(&params).await?;
    let video_id = super::positive_id(&params, "video_id")?;
    let liked = match params.required_i64("action_type")? {
        1 => true,
        2 => false,
        _ => {
            return Err(ApiError::bad_request(
                "action_type must be 1 (like) or 2 (unlike)",
            ));
        }
    };
    state
        .caller
        .call(&SetFavorite {
            user_id,
            video_id,
            liked,
        })
        .await?;
    Ok(super::ok(serde_json::json!({})))
}
